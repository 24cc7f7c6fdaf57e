"""Export: versioned directory, warmup records, model card, fresh-process reload check."""
import json
import os
import subprocess
import sys

import pytest

from persona import contract
from persona.errors import PersonaError

ITEMS = [f"i{n}" for n in range(24)]
USERS = [f"u{n}" for n in range(10)]


@pytest.fixture(scope="module")
def tiny_module():
    from export.tiny_model import TinyRecommender

    return TinyRecommender(ITEMS, USERS, k=5)


@pytest.fixture(scope="module")
def published(tiny_module, tmp_path_factory):
    from export.savedmodel import export_saved_model

    base = tmp_path_factory.mktemp("models")
    path = export_saved_model(
        tiny_module, str(base), card={"metrics": {"recall@10": 0.25}, "data": {"users": 10}},
        item_titles={"i1": "Trail shoe"}, golden_extra={contract.USER_ID: ["u1"],
                                                        contract.HISTORY: [["i1", "i2"]]})
    return base, path


def test_version_directory_layout(published):
    base, path = published
    assert path == os.path.join(base, "persona", "1")
    assert os.listdir(os.path.join(base, "persona")) == ["1"]  # no temporary directory left
    for name in ("saved_model.pb", "variables", contract.WARMUP_FILE, contract.MODEL_CARD_FILE,
                 contract.ITEMS_FILE):
        assert os.path.exists(os.path.join(path, name)), name


def test_model_card(published):
    _, path = published
    with open(os.path.join(path, contract.MODEL_CARD_FILE)) as f:
        card = json.load(f)
    assert card["name"] == "persona" and card["version"] == 1
    assert card["metrics"] == {"recall@10": 0.25} and card["data"] == {"users": 10}
    assert card["export_time"].endswith("+00:00")
    assert card["versions"]["tensorflow"].startswith("2.")
    assert set(card["signatures"]) == set(contract.SIGNATURES)
    for signature, inputs in contract.SIGNATURE_INPUTS.items():
        assert set(card["signatures"][signature]["inputs"]) == set(inputs)
        assert set(card["signatures"][signature]["outputs"]) == \
            set(contract.SIGNATURE_OUTPUTS[signature])


def test_warmup_records_are_prediction_logs(published):
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    _, path = published
    logs = [prediction_log_pb2.PredictionLog.FromString(r.numpy())
            for r in tf.data.TFRecordDataset(os.path.join(path, contract.WARMUP_FILE))]
    requests = {log.predict_log.request.model_spec.signature_name: log.predict_log.request
                for log in logs}
    assert set(requests) == set(contract.SIGNATURES)
    for signature, request in requests.items():
        assert request.model_spec.name == "persona"
        assert set(request.inputs) == set(contract.SIGNATURE_INPUTS[signature])


RELOAD = """
import sys, numpy as np, tensorflow as tf, tensorflow_text
assert not {"persona", "model", "export", "serving"} & set(sys.modules)
model = tf.saved_model.load(sys.argv[1])
assert {"serving_default", "profile", "rank"} <= set(model.signatures)
out = model.signatures["serving_default"](
    user_id=tf.constant(["u1"]), user_text=tf.constant(["shoes"]),
    history=tf.constant([["i1", "i2"]]), friends=tf.constant([[""]]), query=tf.constant([""]))
ids = out["item_ids"].numpy()[0].tolist()
scores = out["scores"].numpy()[0]
assert len(ids) == 5 and b"i1" not in ids and b"i2" not in ids, ids
assert all(np.diff(scores) <= 0), scores
print("ok")
"""


def test_loads_with_plain_tensorflow_and_tf_text(published):
    _, path = published
    done = subprocess.run([sys.executable, "-I", "-c", RELOAD, path], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_next_version_and_existing_version(published, tiny_module):
    from export.savedmodel import export_saved_model, next_version

    base, _ = published
    assert next_version(os.path.join(base, "persona")) == 2
    with pytest.raises(PersonaError, match="already exists"):
        export_saved_model(tiny_module, str(base), version=1)


def test_refuses_to_publish_when_reload_differs(tmp_path):
    import tensorflow as tf

    from export.savedmodel import export_saved_model

    class Nondeterministic(tf.Module):
        # Clock-dependent outputs: the reloaded model cannot reproduce the exported module's
        # answers. (Not tf.random: under a global seed set by another test, the op seed is
        # fixed in the graph and the reload would agree.)
        @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="user_id")])
        def serving_default(self, user_id):
            now = tf.cast(tf.math.floormod(tf.timestamp(), 1000.0), tf.float32)
            return {"scores": tf.fill([tf.shape(user_id)[0], 3], now)}

    module = Nondeterministic()
    with pytest.raises(PersonaError, match="disagrees"):
        export_saved_model(module, str(tmp_path), signatures={
            "serving_default": module.serving_default})
    assert os.listdir(tmp_path / "persona") == []  # nothing published, nothing left over


def test_exporter_without_training_hook(tmp_path, monkeypatch, capsys):
    from export import exporter
    from persona.cli import main

    monkeypatch.setattr(exporter, "HOOK_MODULE", "model.training.no_such_module")
    assert main(["export", "--run", str(tmp_path), "--model-base", str(tmp_path)]) == 2
    assert "cannot export a run directory" in capsys.readouterr().err
    assert main(["export", "--run", str(tmp_path / "missing"), "--model-base", "x"]) == 2
    assert "run directory not found" in capsys.readouterr().err
