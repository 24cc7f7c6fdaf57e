"""ItemTower: item ids -> L2-normalized item vectors from id, category path, price and text.

Usage:
    tower = ItemTower(item_embedding, catalogue, dim=64)
    tower(tf.constant(["i1", "i2"]))      # [2, 64]
    tower.of_rows(catalogue.rows(ids))    # the same from catalogue rows
    tower.mean_of_rows(rows)              # [B, N] rows, 0 padding -> [B, 64] mean vector
"""
import tensorflow as tf

from model.layers.frozen_table import FIRST_KNOWN
from model.towers.mlp import ResidualMLP, unit


class ItemTower(tf.keras.layers.Layer):
    def __init__(self, item_embedding, catalogue, dim, **kwargs):
        super().__init__(**kwargs)
        self.item_embedding = item_embedding
        self.catalogue = catalogue
        # No bias: an item without text (zero vector) gets no text contribution.
        self.text_projection = tf.keras.layers.Dense(dim, use_bias=False, name="item_text")
        self.head = ResidualMLP(dim)

    def of_rows(self, rows):
        x = self.item_embedding.of_rows(rows) + self.text_projection(self.catalogue.text(rows))
        return unit(self.head(x))

    def mean_of_rows(self, rows):
        """[B, N] catalogue rows -> [B, D] mean vector of each row's items (rows below
        FIRST_KNOWN are padding; zeros when none is left). Each distinct item goes through the
        tower once, and the mean is a matmul of per-row item counts with those vectors rather
        than a gather of B * N vectors (N is large for a friend list's items)."""
        flat = tf.reshape(rows, [-1])
        distinct, index = tf.unique(flat)
        batch, n = tf.shape(rows)[0], tf.size(distinct)
        owner = tf.repeat(tf.range(batch), tf.shape(rows)[1])
        valid = tf.cast(flat >= FIRST_KNOWN, tf.float32)
        counts = tf.reshape(tf.math.unsorted_segment_sum(valid, owner * n + index, batch * n),
                            [batch, n])
        counts /= tf.maximum(tf.reduce_sum(counts, axis=1, keepdims=True), 1.0)
        return tf.matmul(counts, self.of_rows(distinct))

    def call(self, item_ids):
        return self.of_rows(self.catalogue.rows(item_ids))
