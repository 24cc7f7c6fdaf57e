"""tf.distribute strategy and mixed precision, chosen from the environment.

  TF_CONFIG set       MultiWorkerMirroredStrategy (one process per worker)
  GPUs present        MirroredStrategy over the local GPUs, mixed float16 ("auto")
  otherwise           the default strategy, float32

Usage:
    strategy = choose_strategy()
    set_mixed_precision(config.mixed_precision)   # before the model is built
"""
import json
import os

import tensorflow as tf


def choose_strategy():
    if os.environ.get("TF_CONFIG") and json.loads(os.environ["TF_CONFIG"]).get("cluster"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    if tf.config.list_physical_devices("GPU"):
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def set_mixed_precision(setting="auto"):
    """"auto": mixed float16 when a GPU is present; "on" / "off". Returns the policy name."""
    on = {"on": True, "off": False}.get(setting, bool(tf.config.list_physical_devices("GPU")))
    policy = "mixed_float16" if on else "float32"
    tf.keras.mixed_precision.set_global_policy(policy)
    return policy


def is_chief(strategy):
    """True on the worker that writes the run's files (always, outside multi-worker)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    return resolver.task_type == "chief" or (
        resolver.task_type == "worker" and resolver.task_id == 0
        and "chief" not in resolver.cluster_spec().as_dict())
