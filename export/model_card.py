"""The model card: what a published version is, in `assets.extra/model_card.json`.

The caller's facts (data summary, metrics, training config, ...) plus what the exporter knows:
name, version, export time (UTC), library versions and each signature's inputs and outputs.
TF Serving ignores assets.extra/ except the warmup file, so the card travels with the model.

Usage:
    write_model_card(version_dir, build_model_card("persona", 3, signature_defs, facts))
"""
import datetime
import importlib.metadata
import json
import os

from tensorflow.core.framework import types_pb2

from persona import contract

_PACKAGES = ("persona", "tensorflow", "tensorflow-text", "tensorflow-recommenders", "tf-keras",
             "tensorflow-serving-api")


def library_versions():
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def _tensors(infos):
    return {alias: {"dtype": types_pb2.DataType.Name(info.dtype),
                    "shape": [d.size for d in info.tensor_shape.dim]}
            for alias, info in sorted(infos.items())}


def build_model_card(name, version, signature_defs, facts=None):
    """The card as a dict; `facts` (JSON-serializable) come first, exporter fields win."""
    card = dict(facts or {})
    card.update(
        name=name, version=version,
        export_time=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        versions=dict(card.get("versions", {}), **library_versions()),
        signatures={key: {"inputs": _tensors(sig.inputs), "outputs": _tensors(sig.outputs)}
                    for key, sig in sorted(signature_defs.items())
                    if not key.startswith("__")})
    return card


def write_model_card(saved_model_dir, card):
    path = os.path.join(saved_model_dir, contract.MODEL_CARD_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(card, f, indent=2, sort_keys=True, default=str)
        f.write("\n")
    return path


def write_item_titles(saved_model_dir, titles):
    """`assets.extra/items.csv` (item_id,title), so `persona query` can show titles."""
    import csv

    path = os.path.join(saved_model_dir, contract.ITEMS_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["item_id", "title"])
        writer.writerows(sorted(titles.items()))
    return path
