"""Masked reductions shared by the layers.

Usage:
    masked_mean(values, mask)   # [B, L, D], [B, L] bool -> [B, D]; zeros where nothing is valid
"""
import tensorflow as tf


def masked_mean(values, mask):
    """Mean over axis -2 (or -1 for [B, L] values) of the valid positions; zeros if none."""
    weights = tf.cast(mask, values.dtype)
    if values.shape.rank == weights.shape.rank + 1:
        total = tf.reduce_sum(values * weights[..., None], axis=-2)
        count = tf.reduce_sum(weights, axis=-1, keepdims=True)
    else:
        total = tf.reduce_sum(values * weights, axis=-1, keepdims=True)
        count = tf.reduce_sum(weights, axis=-1, keepdims=True)
    return total / tf.maximum(count, tf.ones_like(count))
