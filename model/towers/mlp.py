"""A two-layer perceptron with a residual path, the head of every tower network.

Usage:
    head = ResidualMLP(dim=64)
    head(x)   # [B, any] -> [B, 64]
"""
import tensorflow as tf


@tf.keras.utils.register_keras_serializable(package="persona")
class ResidualMLP(tf.keras.layers.Layer):
    """Dense(dim) projection plus a ReLU MLP on top of it: x -> p + mlp(p), p = W x."""

    def __init__(self, dim, **kwargs):
        super().__init__(**kwargs)
        self.dim = int(dim)
        self.project = tf.keras.layers.Dense(self.dim)
        self.hidden = tf.keras.layers.Dense(2 * self.dim, activation="relu")
        self.out = tf.keras.layers.Dense(self.dim)

    def call(self, x):
        p = self.project(x)
        return p + self.out(self.hidden(p))

    def get_config(self):
        return {**super().get_config(), "dim": self.dim}


def unit(x):
    """L2-normalized in float32 (stable under mixed precision)."""
    return tf.math.l2_normalize(tf.cast(x, tf.float32), axis=-1)
