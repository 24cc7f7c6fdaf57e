"""Segments: k-means over profiles, K by silhouette, described and stored with the run."""
import json
import os

import numpy as np

from model.data.splits import read_splits
from model.segments import Segments, fit_segments
from tests.tiny_run import tiny_run


def blobs(seed=0):
    rng = np.random.default_rng(seed)
    centers = np.eye(3, 8) * 4
    labels = np.repeat(np.arange(3), [50, 30, 20])
    return (centers[labels] + rng.normal(0, 0.3, (100, 8))).astype(np.float32), labels


def test_k_by_silhouette_and_descriptions(tmp_path):
    profiles, labels = blobs()
    names = np.array(["Books", "Garden", "Toys"])
    categories = [[names[l], names[l], "Misc"] for l in labels]
    words = np.array(["novel chapter author", "spade tulip compost", "puzzle robot lego"])
    texts = [f"{words[l]} common" for l in labels]
    segments = fit_segments(profiles, categories, texts, k_range=(2, 6))
    assert len(segments.centroids) == 3
    assert max(segments.silhouettes, key=segments.silhouettes.get) == 3
    assigned = segments.assign(profiles)
    by_size = sorted(segments.descriptions, key=lambda d: -d["size"])
    assert [d["size"] for d in by_size] == [50, 30, 20]
    for d in by_size:
        members = assigned == d["id"]
        truth = np.bincount(labels[members]).argmax()
        assert d["top_categories"][0]["category"] == names[truth]
        assert set(d["top_keywords"][:3]) == set(words[truth].split())
        assert "common" not in d["top_keywords"]
    segments.save(str(tmp_path))
    again = Segments.load(str(tmp_path))
    np.testing.assert_array_equal(again.assign(profiles), assigned)
    assert again.descriptions == json.loads(json.dumps(segments.descriptions))


def test_segments_are_stored_with_the_run(tmp_path_factory):
    _, run_dir = tiny_run(tmp_path_factory)
    with open(os.path.join(run_dir, "segments.json")) as f:
        stored = json.load(f)
    centroids = np.load(os.path.join(run_dir, "segment_centroids.npy"))
    assert 2 <= stored["k"] == len(stored["segments"]) == len(centroids) <= 5
    # Every user of the train split is in exactly one segment.
    train_users = read_splits(run_dir).train.user_id.nunique()
    assert sum(s["size"] for s in stored["segments"]) == train_users
    for segment in stored["segments"]:
        assert segment["size"] > 0 and segment["top_categories"]
        assert all(" > " in c["category"] for c in segment["top_categories"])
