"""Ranking metrics for one batch of users over the full catalogue.

Every metric is computed per user from the scores of all catalogue items (no sampled
negatives), after the user's excluded items (what they already interacted with) are removed:

  recall@K    hits in the top K / min(K, |targets|)   (Liang et al. 2018 and Steck 2019, so a
              perfect ranking scores 1 also when a user has more than K targets)
  hit_rate@K  1 if any target is in the top K
  ndcg@K      DCG of the top K (binary gains, 1 / log2(rank + 1)) / the ideal DCG of
              min(K, |targets|) hits
  mrr         1 / the full-catalogue rank of the best-ranked target (ties count against it:
              an item scored equal to the target is ranked above it, so a constant scorer
              gets about 1 / M, not 1)
  coverage@K  (per cohort, not per user) share of the catalogue in at least one user's top K

A target outside the catalogue (or excluded) counts in |targets| but can never be hit.

Usage:
    m = batch_metrics(scores, targets=[np.array([3])], excluded=[np.array([0, 1])], ks=(10,))
    m.per_user["recall@10"], m.top_k   # [B] and [B, max(ks)] catalogue indices
"""
import dataclasses

import numpy as np


@dataclasses.dataclass
class BatchMetrics:
    per_user: dict  # metric name -> np.ndarray [B]
    top_k: np.ndarray  # [B, min(max(ks), M)] catalogue indices, best first


def metric_names(ks):
    """The per-user metric names, in report order."""
    return [f"{kind}@{k}" for kind in ("recall", "ndcg", "hit_rate") for k in ks] + ["mrr"]


def top_k_indices(scores, k):
    """[B, M] scores -> [B, k] indices of the k highest, best first (argpartition, then sort)."""
    k = min(k, scores.shape[1])
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(k), scores.shape).copy()
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _mask(rows_of_indices, shape):
    """Per-row index arrays (-1 = not in the catalogue, skipped) -> a boolean [B, M] mask."""
    mask = np.zeros(shape, dtype=bool)
    lengths = [len(r) for r in rows_of_indices]
    if sum(lengths):
        rows = np.repeat(np.arange(len(rows_of_indices)), lengths)
        cols = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows_of_indices])
        ok = cols >= 0
        mask[rows[ok], cols[ok]] = True
    return mask


def batch_metrics(scores, targets, excluded, ks):
    """Metrics of one batch of users.

    Args:
      scores: [B, M] float scores of every catalogue item (higher is better); not modified.
      targets: B integer arrays of catalogue indices to find (-1: an item outside the catalogue).
      excluded: B integer arrays of catalogue indices removed from the ranking.
      ks: the cut-offs K.
    """
    scores = np.array(scores, dtype=np.float32)  # a copy: excluded items are set to -inf
    shape = scores.shape
    excl = _mask(excluded, shape)
    is_target = _mask(targets, shape) & ~excl
    scores[excl] = -np.inf
    n_targets = np.array([len(t) for t in targets], dtype=np.float64)
    top = top_k_indices(scores, max(ks))
    hits = np.take_along_axis(is_target, top, axis=1)
    discount = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    ideal = np.cumsum(discount)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {}
        for k in ks:
            kk = min(k, top.shape[1])
            n_hits = hits[:, :kk].sum(axis=1)
            denom = np.minimum(k, n_targets)
            out[f"recall@{k}"] = np.where(denom > 0, n_hits / denom, 0.0)
            out[f"hit_rate@{k}"] = (n_hits > 0).astype(np.float64)
            dcg = (hits[:, :kk] * discount[:kk]).sum(axis=1)
            idcg = ideal[np.clip(np.minimum(kk, n_targets).astype(int) - 1, 0, None)]
            out[f"ndcg@{k}"] = np.where(n_targets > 0, dcg / idcg, 0.0)
        best = np.where(is_target, scores, -np.inf).max(axis=1)
        above = (scores >= best[:, None]) & ~is_target & ~excl
        rank = 1 + above.sum(axis=1)
        out["mrr"] = np.where(is_target.any(axis=1) & np.isfinite(best), 1.0 / rank, 0.0)
    return BatchMetrics(per_user=out, top_k=top)
