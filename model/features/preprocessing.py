"""Keras preprocessing layers adapted on the train split; their state goes into FeatureSpace.

The model rebuilds the same layers from that state (StringLookup(vocabulary=...),
Normalization(mean=..., variance=...), Discretization(bin_boundaries=...)), so the serving graph
preprocesses exactly as training did. These replace the deprecated `tf.feature_column`.

Usage:
    vocabulary = adapted_vocabulary(splits.train.item_id)      # most frequent first
    mean, variance = adapted_normalization(stats)
    boundaries = adapted_boundaries(log_prices, num_bins=10)
"""
import numpy as np
import tensorflow as tf


def adapted_vocabulary(values):
    layer = tf.keras.layers.StringLookup(mask_token="")
    layer.adapt(np.asarray([str(v) for v in values if str(v) != ""] or ["\0"], dtype=object))
    return [str(t) for t in layer.get_vocabulary(include_special_tokens=False) if t != "\0"]


def adapted_normalization(values):
    layer = tf.keras.layers.Normalization(axis=-1)
    layer.adapt(np.asarray(values, np.float32))
    return np.asarray(layer.mean).reshape(-1), np.asarray(layer.variance).reshape(-1)


def adapted_boundaries(values, num_bins):
    values = np.asarray(values, np.float32)
    if not len(values):
        return []
    layer = tf.keras.layers.Discretization(num_bins=num_bins, epsilon=0.001)
    layer.adapt(values)
    return sorted(set(float(b) for b in layer.bin_boundaries))
