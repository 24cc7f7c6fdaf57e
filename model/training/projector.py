"""TensorBoard embedding projector: user profiles labeled by segment, items by category.

Writes RUN_DIR/logs/projector/ (a checkpoint of the two matrices, metadata TSVs and
projector_config.pbtxt); `tensorboard --logdir RUN_DIR/logs` shows them under "Projector".

Usage:
    write_projector("runs/r1/logs", profiles, users_table, item_vectors, items_table)
    # users_table / items_table: DataFrames, one row per vector, first column the label
"""
import os

import tensorflow as tf
from tensorboard.plugins import projector

PROJECTOR = "projector"


def _metadata(path, table):
    table = table.astype(str).apply(lambda c: c.str.replace(r"[\t\n]", " ", regex=True))
    table.to_csv(path, sep="\t", index=False)


def write_projector(log_dir, profiles, users_table, item_vectors, items_table):
    out = os.path.join(log_dir, PROJECTOR)
    os.makedirs(out, exist_ok=True)
    _metadata(os.path.join(out, "profiles.tsv"), users_table)
    _metadata(os.path.join(out, "items.tsv"), items_table)
    checkpoint = tf.train.Checkpoint(profiles=tf.Variable(profiles, trainable=False),
                                     items=tf.Variable(item_vectors, trainable=False))
    checkpoint.save(os.path.join(out, "embeddings.ckpt"))
    config = projector.ProjectorConfig()
    for name in ("profiles", "items"):
        embedding = config.embeddings.add()
        embedding.tensor_name = f"{name}/.ATTRIBUTES/VARIABLE_VALUE"
        embedding.metadata_path = f"{name}.tsv"
    projector.visualize_embeddings(out, config)
    return out
