"""`persona train`: config, resume after a kill, TensorBoard logs, and the serving module."""
import glob
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from persona import contract
from persona.errors import PersonaError
from tests.tiny_run import CONFIG, text_cache, tiny_run, tiny_shop

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_config_file_then_flags(tmp_path):
    from model.training.config import TrainConfig

    path = tmp_path / "c.yaml"
    path.write_text("epochs: 7\nembedding_dim: 16\ntemperature: 0.1\n")
    config = TrainConfig.load(str(path), epochs=2, batch_size=None)
    assert (config.epochs, config.embedding_dim, config.temperature) == (2, 16, 0.1)
    (tmp_path / "c.json").write_text(json.dumps({"history_lenght": 5}))
    with pytest.raises(PersonaError, match="unknown config key.*history_lenght"):
        TrainConfig.load(str(tmp_path / "c.json"))
    with pytest.raises(PersonaError, match="not found"):
        TrainConfig.load(str(tmp_path / "missing.yaml"))


def test_strategy_and_precision_follow_the_hardware():
    from model.training.distribute import choose_strategy, is_chief, set_mixed_precision

    strategy = choose_strategy()
    assert strategy.num_replicas_in_sync == 1 and is_chief(strategy)
    try:
        assert set_mixed_precision("auto") == "float32"  # no GPU here
        assert set_mixed_precision("on") == "mixed_float16"
    finally:
        tf.keras.mixed_precision.set_global_policy("float32")


def test_two_replicas_with_mixed_precision_train_and_serve_in_float32(tmp_path,
                                                                     tmp_path_factory):
    """The GPU path (MirroredStrategy, mixed float16) on two logical CPU devices: the losses
    are per global example, so they match a single replica's scale, and the saved model loads
    and scores in float32."""
    from model.training.recommender import load_recommender

    data, out = tiny_shop(tmp_path_factory), str(tmp_path / "run")
    done = subprocess.run([sys.executable, "-m", "tests.two_replica_run", data, out,
                           text_cache(tmp_path_factory)], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["replicas"] == 2 and summary["precision"] == "mixed_float16"
    assert all(np.isfinite(summary["loss"])) and summary["loss"][-1] < summary["loss"][0]
    single = json.load(open(os.path.join(tiny_run(tmp_path_factory)[1], "train_summary.json")))
    assert 0.5 < summary["loss"][0] / single["history"]["loss"][0] < 2.0
    recommender = load_recommender(out)
    scores = recommender.score(pd.DataFrame({
        contract.USER_ID: ["new"], contract.USER_TEXT: ["a warm wool jumper"],
        contract.HISTORY: [[]], contract.FRIENDS: [[]], contract.QUERY: [""]}))
    assert scores.dtype == np.float32 and np.isfinite(scores).all()


def _persona_train(data, out, config, env, epochs):
    return subprocess.Popen(
        [sys.executable, "-m", "persona", "train", "--data", data, "--out", out,
         "--config", config, "--epochs", str(epochs)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_killed_run_resumes_from_its_last_checkpoint(tmp_path, tmp_path_factory):
    data = tiny_shop(tmp_path_factory)
    config = tmp_path / "tiny.yaml"
    config.write_text("".join(f"{k}: {v}\n" for k, v in
                              {**CONFIG, "early_stopping_patience": 10}.items()))
    env = {**os.environ, "PERSONA_TEXT_CACHE": text_cache(tmp_path_factory)}
    out = str(tmp_path / "run")
    first = _persona_train(data, out, str(config), env, epochs=4)
    state = os.path.join(out, "checkpoints", "checkpoint")
    deadline = time.time() + 300
    while not (os.path.exists(state) and "ckpt-1" in open(state).read()):
        assert first.poll() is None, first.communicate()[1][-3000:]
        assert time.time() < deadline, "no checkpoint after 300 s"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # a crash: nothing gets to clean up
    first.communicate()
    assert not os.path.exists(os.path.join(out, "train_summary.json"))

    second = _persona_train(data, out, str(config), env, epochs=4)
    _, err = second.communicate(timeout=600)
    assert second.returncode == 0, err[-3000:]
    assert f"resuming {out} after epoch" in err
    with open(os.path.join(out, "train_summary.json")) as f:
        summary = json.load(f)
    assert summary["resumed_after"] >= 1 and summary["epochs_done"] == 4
    assert len(summary["history"]["loss"]) == 4 - summary["resumed_after"]
    # Early stopping watches known and new users: the validation users also ask as new users.
    assert summary["monitor"] == "val_combined_recall@50"
    history = summary["history"]
    for r, n, c in zip(history["val_recall@50"], history["val_new_user_recall@50"],
                       history["val_combined_recall@50"]):
        assert abs(c - (r + n) / 2) < 1e-9 and 0.0 <= n <= 1.0
    with open(os.path.join(out, "config.json")) as f:
        assert json.load(f)["epochs"] == 4

    # TensorBoard: losses, learning rate and recall per epoch; fusion-weight histograms;
    # the embedding projector with profiles by segment and items by category.
    tags = set()
    for path in glob.glob(os.path.join(out, "logs", "*", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags |= {v.tag for v in event.summary.value}
    assert {"epoch_loss", "epoch_retrieval_loss", "epoch_learning_rate",
            "epoch_recall@10", "epoch_new_user_recall@10", "fusion_weight/text",
            "fusion_weight/social"} <= tags
    projector = os.path.join(out, "logs", "projector")
    assert "profiles.tsv" in open(os.path.join(projector, "projector_config.pbtxt")).read()
    assert open(os.path.join(projector, "profiles.tsv")).readline().startswith("segment")
    assert open(os.path.join(projector, "items.tsv")).readline().startswith("category")


@pytest.fixture(scope="module")
def serving(tmp_path_factory):
    from model.training.recommender import load_recommender
    from model.training.serving_module import build_serving_module

    _, run_dir = tiny_run(tmp_path_factory)
    return build_serving_module(run_dir), load_recommender(run_dir), run_dir


def _request(history, **overrides):
    width = max(1, max(len(h) for h in history))
    values = {contract.USER_ID: ["u0001", "", "nobody"],
              contract.USER_TEXT: ["cosy wool jumper . light running shoes", "",
                                   b"caf\xc3\xa9 \xff broken"],
              contract.HISTORY: [h + [""] * (width - len(h)) for h in history],
              contract.FRIENDS: [["u0002", "u0003"], ["", ""], ["nobody-else", ""]],
              contract.QUERY: ["", "", "running shoes"], **overrides}
    return {k: tf.constant(v) for k, v in values.items()}


def test_serving_signatures_on_raw_strings(serving):
    module, rec, _ = serving
    history = [list(rec.item_ids[:3]), [], ["not-an-item"]]
    features = _request(history)
    out = module.serving_default(features)
    assert out[contract.ITEM_IDS].shape == (3, contract.DEFAULT_K)
    assert out[contract.SCORES].dtype == tf.float32
    for row, seen in enumerate(history):
        ids = [i.decode() for i in out[contract.ITEM_IDS][row].numpy()]
        assert not set(ids) & set(seen) and len(set(ids)) == contract.DEFAULT_K
        assert np.all(np.diff(out[contract.SCORES][row].numpy()) <= 1e-6)

    profile = module.profile(features)
    assert profile[contract.PROFILE].shape[0] == 3
    np.testing.assert_allclose(np.linalg.norm(profile[contract.PROFILE], axis=1), 1, atol=1e-5)
    assert profile[contract.MODALITY_WEIGHTS].shape == (3, 3)
    assert profile[contract.SEGMENT].dtype == tf.int64
    # The in-graph text path (BERT on raw strings) agrees with the cached one of training.
    import pandas as pd
    requests = pd.DataFrame({contract.USER_ID: ["u0001"],
                             contract.USER_TEXT: ["cosy wool jumper . light running shoes"],
                             contract.HISTORY: [history[0]],
                             contract.FRIENDS: [["u0002", "u0003"]], contract.QUERY: [""]})
    np.testing.assert_allclose(profile[contract.PROFILE][0], rec.user_vectors(requests)[0],
                               atol=1e-4)

    candidates = [[out[contract.ITEM_IDS][0, 0].numpy().decode(), "not-an-item", ""]] * 3
    ranked = module.rank({**features, contract.CANDIDATES: tf.constant(candidates)})
    scores = ranked[contract.SCORES].numpy()
    assert scores.shape == (3, 3) and np.isinf(scores[:, 1:]).all()
    assert scores[0, 0] == pytest.approx(out[contract.SCORES][0, 0].numpy(), abs=1e-5)
