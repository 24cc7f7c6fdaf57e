"""Segments: k-means over profile vectors, K chosen by silhouette, each segment described.

A segment is described by its size, its top categories (of its users' items) and its top text
keywords (TF-IDF of its users' own texts and item titles against all users'). Stored with the
run (segments.json + segment_centroids.npy) for the `profile` signature and for reports.

Usage:
    segments = fit_segments(profiles, categories, texts, k_range=(2, 12), seed=0)
    segments.assign(profiles)         # [n] int64, nearest centroid
    segments.save("runs/r1"); Segments.load("runs/r1").descriptions[0]["top_categories"]
"""
import collections
import dataclasses
import json
import os

import numpy as np

SEGMENTS_JSON, CENTROIDS = "segments.json", "segment_centroids.npy"
SILHOUETTE_SAMPLE = 3000  # users the silhouette of each K is measured on


@dataclasses.dataclass
class Segments:
    centroids: np.ndarray  # [K, D]
    descriptions: list     # per segment: id, size, share, top_categories, top_keywords
    silhouettes: dict      # K tried -> silhouette score

    def assign(self, profiles):
        """Nearest centroid (Euclidean, as k-means assigns), [n] int64."""
        profiles = np.asarray(profiles, np.float32)
        distances = ((profiles[:, None, :] - self.centroids[None, :, :]) ** 2).sum(-1)
        return distances.argmin(axis=1).astype(np.int64)

    def save(self, run_dir):
        np.save(os.path.join(run_dir, CENTROIDS), self.centroids.astype(np.float32))
        with open(os.path.join(run_dir, SEGMENTS_JSON), "w") as f:
            json.dump({"k": len(self.centroids), "silhouettes": self.silhouettes,
                       "segments": self.descriptions}, f, indent=2)

    @classmethod
    def load(cls, run_dir):
        with open(os.path.join(run_dir, SEGMENTS_JSON)) as f:
            meta = json.load(f)
        return cls(centroids=np.load(os.path.join(run_dir, CENTROIDS)),
                   descriptions=meta["segments"],
                   silhouettes={int(k): v for k, v in meta["silhouettes"].items()})


def choose_k(profiles, k_range, seed=0):
    """(best K, {K: silhouette}) over K in k_range (inclusive), on a sample of users."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    rng = np.random.default_rng(seed)
    sample = profiles if len(profiles) <= SILHOUETTE_SAMPLE else profiles[
        rng.choice(len(profiles), SILHOUETTE_SAMPLE, replace=False)]
    low, high = int(k_range[0]), min(int(k_range[1]), len(sample) - 1)
    scores = {}
    for k in range(max(2, low), high + 1):
        labels = KMeans(k, n_init=3, random_state=seed).fit_predict(sample)
        if len(set(labels)) > 1:
            scores[k] = float(silhouette_score(sample, labels))
    best = max(scores, key=scores.get) if scores else 1
    return best, scores


def top_keywords(texts, labels, k, count=8, min_ratio=1.5):
    """Per segment, the terms whose mean TF-IDF in the segment most exceeds the overall mean
    (and is at least `min_ratio` times it: words every segment uses describe none)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(t.strip() for t in texts):
        return [[] for _ in range(k)]
    try:
        tfidf = TfidfVectorizer(stop_words="english", max_features=20000, min_df=2)
        matrix = tfidf.fit_transform(texts)
    except ValueError:  # nothing left after stop words and min_df
        return [[] for _ in range(k)]
    terms = np.asarray(tfidf.get_feature_names_out())
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    out = []
    for segment in range(k):
        rows = np.flatnonzero(labels == segment)
        if not len(rows):
            out.append([])
            continue
        mean = np.asarray(matrix[rows].mean(axis=0)).ravel()
        lift = np.where(mean > min_ratio * overall, mean - overall, 0.0)
        best = np.argsort(-lift)[:count]
        out.append([str(terms[i]) for i in best if lift[i] > 0])
    return out


def fit_segments(profiles, categories, texts, k_range=(2, 12), seed=0):
    """profiles [n, D]; categories: per user, the categories of their items (lists of str);
    texts: per user, one string (their own texts and item titles)."""
    from sklearn.cluster import KMeans

    profiles = np.asarray(profiles, np.float32)
    k, scores = choose_k(profiles, k_range, seed)
    model = KMeans(k, n_init=5, random_state=seed).fit(profiles)
    labels = model.labels_
    keywords = top_keywords(list(texts), labels, k)
    descriptions = []
    for segment in range(k):
        members = np.flatnonzero(labels == segment)
        counts = collections.Counter(c for i in members for c in categories[i] if c)
        total = max(1, sum(counts.values()))
        descriptions.append({
            "id": segment, "size": int(len(members)),
            "share": round(len(members) / max(1, len(profiles)), 4),
            "top_categories": [{"category": c, "share": round(n / total, 4)}
                               for c, n in counts.most_common(5)],
            "top_keywords": keywords[segment]})
    return Segments(centroids=model.cluster_centers_.astype(np.float32),
                    descriptions=descriptions, silhouettes=scores)
