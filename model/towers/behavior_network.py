"""BehaviorNetwork: the behavior modality of the user tower.

Reads the recent-history sequence (item vectors shared with the item tower, pooled by the
HistoryEncoder), the behavior statistics (Normalization adapted on the train split), the
category-affinity distribution and price level of the history, and the user's id embedding
when the user is known. Present when the user has a history or is known.

Usage:
    net = BehaviorNetwork(item_embedding, catalogue, user_state, space, config)
    vector, present = net(history_ids, user_codes, stats)   # [B, D] unit, [B] bool
"""
import tensorflow as tf

from model.layers.history_encoder import HistoryEncoder
from model.layers.masked_ops import masked_mean
from model.layers.user_state import FIRST_KNOWN
from model.towers.mlp import ResidualMLP, unit


class BehaviorNetwork(tf.keras.layers.Layer):
    def __init__(self, item_embedding, catalogue, user_state, space, config, **kwargs):
        super().__init__(**kwargs)
        self.item_embedding, self.catalogue, self.user_state = item_embedding, catalogue, user_state
        self.normalize = tf.keras.layers.Normalization(mean=space.stats_mean,
                                                       variance=space.stats_variance,
                                                       dtype="float32")
        self.history = HistoryEncoder(config.history_length, config.transformer_layers,
                                      config.attention_heads)
        self.head = ResidualMLP(config.embedding_dim)

    def call(self, history_ids, user_codes, stats, training=False):
        # Ids not in the catalogue say nothing about the user: they are left out like padding.
        rows = self.catalogue.rows(history_ids)
        mask = rows >= FIRST_KNOWN
        sequence = self.history(self.item_embedding(history_ids), mask, training=training)
        affinity = masked_mean(self.catalogue.affinity(rows), mask)
        buckets = self.item_embedding.price_buckets(rows)
        priced = tf.logical_and(mask, buckets != self.item_embedding.no_price)
        price_level = masked_mean(tf.cast(buckets, sequence.dtype)
                                  / float(self.item_embedding.no_price), priced)
        length = tf.math.log1p(tf.reduce_sum(tf.cast(mask, sequence.dtype), axis=1,
                                             keepdims=True))
        x = tf.concat([sequence, tf.cast(self.normalize(stats), sequence.dtype), affinity,
                       price_level, length], axis=-1)
        vector = self.head(x) + self.user_state.id_vectors(user_codes)
        present = tf.logical_or(tf.reduce_any(mask, axis=1), self.user_state.known(user_codes))
        return unit(vector), present
