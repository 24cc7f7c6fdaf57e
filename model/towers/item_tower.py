"""ItemTower: item ids -> L2-normalized item vectors from id, category path, price and text.

Usage:
    tower = ItemTower(item_embedding, catalogue, dim=64)
    tower(tf.constant(["i1", "i2"]))      # [2, 64]
"""
import tensorflow as tf

from model.towers.mlp import ResidualMLP, unit


class ItemTower(tf.keras.layers.Layer):
    def __init__(self, item_embedding, catalogue, dim, **kwargs):
        super().__init__(**kwargs)
        self.item_embedding = item_embedding
        self.catalogue = catalogue
        # No bias: an item without text (zero vector) gets no text contribution.
        self.text_projection = tf.keras.layers.Dense(dim, use_bias=False, name="item_text")
        self.head = ResidualMLP(dim)

    def call(self, item_ids):
        rows = self.catalogue.rows(item_ids)
        x = self.item_embedding(item_ids) + self.text_projection(self.catalogue.text(rows))
        return unit(self.head(x))
