"""HistoryEncoder: the recent-history sequence of item vectors -> one vector.

Each item gets a recency-position embedding (0 = most recent), optional transformer blocks mix
the sequence, and attention pooling reads it out. Items come left-aligned, oldest first, with
padding at the end (how requests and training examples both write them).

Usage:
    encoder = HistoryEncoder(max_length=20, transformer_layers=0)
    encoder(item_vectors, mask)   # [B, H, D], [B, H] bool -> [B, D]
"""
import tensorflow as tf

from model.layers.masked_attention_pooling import MaskedAttentionPooling
from model.layers.transformer_block import TransformerBlock


@tf.keras.utils.register_keras_serializable(package="persona")
class HistoryEncoder(tf.keras.layers.Layer):
    def __init__(self, max_length=20, transformer_layers=0, num_heads=2, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.max_length = int(max_length)
        self.transformer_layers = int(transformer_layers)
        self.num_heads, self.dropout = int(num_heads), float(dropout)
        self.blocks = [TransformerBlock(num_heads, dropout) for _ in range(self.transformer_layers)]
        self.pool = MaskedAttentionPooling()

    def build(self, input_shape):
        self.position = tf.keras.layers.Embedding(self.max_length, int(input_shape[-1]))
        super().build(input_shape)

    def call(self, items, mask, training=False):
        mask = tf.cast(mask, tf.bool)
        length = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1, keepdims=True)
        recency = length - 1 - tf.range(tf.shape(items)[1])[None, :]
        recency = tf.clip_by_value(recency, 0, self.max_length - 1)
        x = items + self.position(recency) * tf.cast(mask, items.dtype)[..., None]
        for block in self.blocks:
            x = block(x, mask, training=training)
        return self.pool(x, mask)

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length,
                "transformer_layers": self.transformer_layers, "num_heads": self.num_heads,
                "dropout": self.dropout}
