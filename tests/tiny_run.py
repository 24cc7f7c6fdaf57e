"""A tiny synthetic shop and a model trained on it, built once per test session.

Tests share them through `tmp_path_factory`'s session directory: the first test that asks
builds them, later ones (in any test module) reuse the directories.

Usage (in a test module):
    @pytest.fixture(scope="module")
    def run(tmp_path_factory):
        return tiny_run(tmp_path_factory)        # (data_dir, run_dir)
"""
import os

import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)

SHOP = dict(users=600, items=150, seed=3)
CONFIG = dict(epochs=6, batch_size=256, embedding_dim=32, graph_dim=16, history_length=10,
              segments_max_k=5, validation_users=300, projector_items=100,
              early_stopping_patience=3)


def text_cache(tmp_path_factory):
    """One text-embedding cache per session, so each text is encoded by BERT once."""
    path = os.path.join(tmp_path_factory.getbasetemp(), "text-cache")
    os.environ["PERSONA_TEXT_CACHE"] = path
    return path


def tiny_shop(tmp_path_factory):
    from model.data.synth import synthesize

    path = os.path.join(tmp_path_factory.getbasetemp(), "tiny-shop")
    if not os.path.exists(os.path.join(path, "events.csv")):
        synthesize(path, **SHOP)
    return path


def tiny_config(tmp_path_factory, **overrides):
    from model.training.config import TrainConfig

    return TrainConfig.from_dict({**CONFIG, "text_cache_dir": text_cache(tmp_path_factory),
                                  **overrides})


def tiny_run(tmp_path_factory):
    """(data_dir, run_dir) of a finished `persona train`-equivalent run on the tiny shop."""
    from model.data import load_dataset
    from model.data.splits import make_splits
    from model.training.trainer import train

    data = tiny_shop(tmp_path_factory)
    run_dir = os.path.join(tmp_path_factory.getbasetemp(), "tiny-run")
    if not os.path.exists(os.path.join(run_dir, "train_summary.json")):
        config = tiny_config(tmp_path_factory)
        ds = load_dataset(data)
        train(ds, make_splits(ds, seed=config.split_seed), run_dir, config, verbose=0)
    return data, run_dir
