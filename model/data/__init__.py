"""Datasets in the canonical format: readers, loading with validation, splits, a synthetic shop."""
from model.data.dataset import Dataset, DatasetError, load_dataset, write_dataset
from model.data.quarantine import Quarantine

__all__ = ["Dataset", "DatasetError", "Quarantine", "load_dataset", "write_dataset"]
