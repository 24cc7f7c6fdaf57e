"""`persona pretrain` on a tiny dataset: a few masked-LM steps write loadable weights."""
import json

import numpy as np
import pandas as pd
import pytest

from persona import cli

TITLES = ["Red wool scarf", "Blue denim jacket", "Running shoes", "Leather belt",
          "Summer dress", "Wool socks", "Rain coat", "Silk tie", "Linen shirt", "Beanie hat"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    root = tmp_path_factory.mktemp("shop")
    pd.DataFrame({"item_id": [f"i{i}" for i in range(len(TITLES))], "title": TITLES,
                  "description": [f"A {t.lower()} that is warm, light and costs ${10 + i}.99."
                                  for i, t in enumerate(TITLES)]}
                 ).to_csv(root / "items.csv", index=False)
    pd.DataFrame({"user_id": ["u1", "u1", "u2", "u3"], "item_id": ["i0", "i3", "i5", "i9"]}
                 ).to_csv(root / "events.csv", index=False)
    return root


@pytest.fixture(scope="module")
def pretrained(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("pretrain")
    rc = cli.main(["pretrain", "--data", str(dataset), "--out", str(out), "--steps", "3",
                   "--batch-size", "4", "--max-length", "16", "--eval-every", "2"])
    assert rc == 0
    return out


def test_pretrain_writes_weights_the_encoder_loads(pretrained):
    from model.text import load_text_encoder
    from model.text.weights import weights_version

    summary = json.loads((pretrained / "pretrain.json").read_text())
    assert summary["steps"] == 3 and summary["heldout_texts"] == 1
    assert np.isfinite(list(summary["heldout_mlm_loss"].values())).all()
    assert summary["version"] != summary["init_version"] == weights_version()
    assert {p.name for p in (pretrained / "logs").iterdir()} == {"train", "heldout"}

    enc = load_text_encoder(max_length=16, weights=str(pretrained))
    vectors = enc(["red wool scarf", ""])
    assert vectors.shape == (2, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert enc.version.startswith(summary["version"])


def test_pretrain_resumes_with_its_mlm_head(pretrained):
    from model.text.masked_lm import MaskedLMPretraining
    from model.text.weights import load_pretrained, mlm_head_mapping

    mlm = MaskedLMPretraining(init=str(pretrained), max_length=16, steps=1)
    assert mlm.head_restored
    saved = load_pretrained(str(pretrained))
    bias = mlm_head_mapping(saved.config)["output_bias/bias"].tensor
    head_bias = [v for v in mlm.pretrainer.masked_lm.weights if "output_bias" in v.name][0]
    np.testing.assert_array_equal(head_bias.numpy(), saved.tensors[bias])


def test_pretrain_rejects_bad_input(tmp_path, dataset, capsys):
    assert cli.main(["pretrain", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert cli.main(["pretrain", "--data", str(dataset), "--out", str(tmp_path),
                     "--steps", "0"]) == 2
    assert "--steps must be at least 1" in capsys.readouterr().err
