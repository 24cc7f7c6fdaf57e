"""SavedModel export: signatures, versioned directories, warmup records, validation."""
import persona  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)
