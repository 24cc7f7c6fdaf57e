"""MaskedAttentionPooling: a sequence and its mask -> one vector, by additive attention.

Usage:
    pool = MaskedAttentionPooling(hidden=32)
    pool(items, mask)   # [B, L, D], [B, L] bool -> [B, D]; zeros for rows with nothing valid
"""
import tensorflow as tf


@tf.keras.utils.register_keras_serializable(package="persona")
class MaskedAttentionPooling(tf.keras.layers.Layer):
    """Weights each valid position by softmax(v . tanh(W x)) (Bahdanau-style scoring)."""

    def __init__(self, hidden=32, **kwargs):
        super().__init__(**kwargs)
        self.hidden = int(hidden)
        self.project = tf.keras.layers.Dense(self.hidden, activation="tanh")
        self.score = tf.keras.layers.Dense(1, use_bias=False)

    def call(self, values, mask):
        logits = self.score(self.project(values))[..., 0]
        mask = tf.cast(mask, tf.bool)
        logits = tf.where(mask, logits, tf.cast(-1e4, logits.dtype))
        weights = tf.nn.softmax(logits, axis=-1) * tf.cast(mask, logits.dtype)
        # Renormalize: rows with nothing valid get all-zero weights, hence a zero vector.
        weights = weights / tf.maximum(tf.reduce_sum(weights, axis=-1, keepdims=True),
                                       tf.cast(1e-6, logits.dtype))
        return tf.einsum("bl,bld->bd", weights, values)

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}
