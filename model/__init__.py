"""Modeling library: data readers, features, text and graph encoders, towers, training."""
import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
