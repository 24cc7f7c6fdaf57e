"""Trains the tiny shop with MirroredStrategy over two logical CPU devices and mixed float16:
the multi-replica and mixed-precision paths of `persona train`, on a machine without GPUs.

Run in its own process (logical devices must be set before TensorFlow starts):
    python -m tests.two_replica_run DATA_DIR RUN_DIR TEXT_CACHE
prints the summary's replicas, precision and losses as JSON on the last line.
"""
import json
import sys

import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
import tensorflow as tf


def main(data, run_dir, cache):
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

    import model.training.trainer as trainer
    from model.data import load_dataset
    from model.data.splits import make_splits
    from model.training.config import TrainConfig
    from tests.tiny_run import CONFIG

    # What choose_strategy() returns on a machine with two GPUs.
    trainer.choose_strategy = lambda: tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    config = TrainConfig.from_dict({**CONFIG, "epochs": 2, "text_cache_dir": cache,
                                    "mixed_precision": "on"})
    ds = load_dataset(data)
    summary = trainer.train(ds, make_splits(ds, seed=config.split_seed), run_dir, config,
                            verbose=0)
    print(json.dumps({"replicas": summary["replicas"], "precision": summary["precision"],
                      "loss": summary["history"]["loss"]}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
