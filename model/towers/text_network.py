"""TextNetwork: the text modality of the user tower.

Reads the user's own text vector (mean BERT vector of their recent pieces: reviews, queries,
bio) and the mean text vector of the items in their history. Present when either exists.

Usage:
    net = TextNetwork(catalogue, dim=64)
    vector, present = net(user_text_embedding, history_ids)   # [B, D] unit, [B] bool
"""
import tensorflow as tf

from model.layers.masked_ops import masked_mean
from model.towers.mlp import ResidualMLP, unit


class TextNetwork(tf.keras.layers.Layer):
    def __init__(self, catalogue, dim, **kwargs):
        super().__init__(**kwargs)
        self.catalogue = catalogue
        self.own = tf.keras.layers.Dense(dim, use_bias=False, name="own_text")
        self.items = tf.keras.layers.Dense(dim, use_bias=False, name="item_texts")
        self.head = ResidualMLP(dim)

    def call(self, user_text_embedding, history_ids):
        own = tf.cast(user_text_embedding, self.compute_dtype)
        has_own = tf.reduce_any(tf.not_equal(own, 0), axis=-1)
        rows = self.catalogue.rows(history_ids)
        with_text = self.catalogue.has_text(rows)
        item_text = masked_mean(self.catalogue.text(rows), with_text)
        has_items = tf.reduce_any(with_text, axis=1)
        flags = tf.cast(tf.stack([has_own, has_items], axis=-1), self.compute_dtype)
        x = tf.concat([self.own(own), self.items(item_text), flags], axis=-1)
        return unit(self.head(x)), tf.logical_or(has_own, has_items)
