"""Serving: a TF-Serving-API-compatible gRPC server, configs for TF Serving, a client."""
import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
