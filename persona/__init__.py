"""Persona: e-commerce user profiles for search and recommendation.

Importing this package sets ``TF_USE_LEGACY_KERAS=1`` before TensorFlow is imported, because
tensorflow-recommenders needs Keras 2 (tf-keras). Every other top-level package (``model``,
``export``, ``serving``) imports this one first, so users never set it themselves.
"""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
# TensorFlow's C++ start-up chatter (CUDA probing, CPU instruction notes) hides real output.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
