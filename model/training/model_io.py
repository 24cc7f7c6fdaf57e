"""Build, save and load the trained PersonaModel of a run directory.

RUN_DIR/config.json (TrainConfig), RUN_DIR/features/ (FeatureSpace) and RUN_DIR/model/weights
(a tf.train.Checkpoint of the model) are all it takes to rebuild it.

Usage:
    save_trained_model(model, "runs/r1")
    model, space, config = load_trained_model("runs/r1")
"""
import json
import os

import numpy as np
import tensorflow as tf

from model.features.feature_space import FeatureSpace
from model.models.persona_model import PersonaModel
from model.training.config import TrainConfig

CONFIG, FEATURES, WEIGHTS = "config.json", "features", os.path.join("model", "weights")


def dummy_features(space):
    """One empty request: enough to create every variable of the model."""
    return {"user_id": tf.constant([""]), "history": tf.constant([[""]]),
            "friends": tf.constant([[""]]),
            "user_text_embedding": tf.zeros([1, space.text_dim]),
            "query_embedding": tf.zeros([1, space.text_dim])}


def build_model(space, config):
    """A PersonaModel with all its variables created (so checkpoints restore eagerly)."""
    model = PersonaModel(space, config)
    features = dummy_features(space)
    profiles, _ = model.user_profile(features)
    model.query_vectors(profiles, features["query_embedding"])
    items = model.item_vectors(tf.constant([""]))
    if model.ranking_mode != "none":
        model.ranking_head(profiles, items)
    return model


def save_trained_model(model, run_dir):
    return tf.train.Checkpoint(model=model).write(os.path.join(run_dir, WEIGHTS))


def load_config(run_dir):
    with open(os.path.join(run_dir, CONFIG)) as f:
        return TrainConfig.from_dict(json.load(f))


def load_trained_model(run_dir):
    """(model, FeatureSpace, TrainConfig) of a finished `persona train` run, in float32."""
    from persona.errors import PersonaError

    if not tf.io.gfile.exists(os.path.join(run_dir, WEIGHTS) + ".index"):
        raise PersonaError(f"{run_dir}: no trained model (expected {WEIGHTS}; run "
                           f"`persona train --out {run_dir}` first)")
    tf.keras.mixed_precision.set_global_policy("float32")
    config = load_config(run_dir)
    space = FeatureSpace.load(os.path.join(run_dir, FEATURES))
    model = build_model(space, config)
    status = tf.train.Checkpoint(model=model).read(os.path.join(run_dir, WEIGHTS))
    # The training checkpoint also holds the optimizer (Keras models track it); not needed here.
    status.assert_existing_objects_matched().expect_partial()
    return model, space, config


def batched(function, features, batch_size=1024):
    """Applies `function(dict of tensors) -> tensor or tuple` over rows in batches; NumPy out."""
    n = len(next(iter(features.values())))
    parts = []
    for start in range(0, n, batch_size):
        out = function({k: tf.constant(v[start:start + batch_size]) for k, v in features.items()})
        parts.append(tuple(np.asarray(o) for o in out) if isinstance(out, tuple)
                     else np.asarray(out))
    if not parts:
        return None
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(p) for p in zip(*parts))
    return np.concatenate(parts)
