"""TransformerBlock: one post-norm encoder block over a masked sequence (Vaswani et al. 2017).

Usage:
    block = TransformerBlock(num_heads=2, dropout=0.1)
    block(x, mask)    # [B, L, D], [B, L] bool -> [B, L, D]
"""
import tensorflow as tf


@tf.keras.utils.register_keras_serializable(package="persona")
class TransformerBlock(tf.keras.layers.Layer):
    def __init__(self, num_heads=2, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.dropout = int(num_heads), float(dropout)

    def build(self, input_shape):
        dim = int(input_shape[-1])
        self.attention = tf.keras.layers.MultiHeadAttention(
            self.num_heads, key_dim=max(1, dim // self.num_heads), dropout=self.dropout)
        self.feed_forward = tf.keras.Sequential([
            tf.keras.layers.Dense(2 * dim, activation="gelu"), tf.keras.layers.Dense(dim)])
        self.norm_attention = tf.keras.layers.LayerNormalization()
        self.norm_output = tf.keras.layers.LayerNormalization()
        self.drop = tf.keras.layers.Dropout(self.dropout)
        super().build(input_shape)

    def call(self, x, mask, training=False):
        mask = tf.cast(mask, tf.bool)
        pairs = tf.logical_and(mask[:, :, None], mask[:, None, :])
        x = self.norm_attention(x + self.attention(x, x, attention_mask=pairs, training=training))
        return self.norm_output(x + self.drop(self.feed_forward(x), training=training))

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "dropout": self.dropout}
