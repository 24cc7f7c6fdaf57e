"""Full-catalogue ranking of a cohort, in user batches, into per-user metrics.

A scorer is anything with `score(requests) -> [n, M]` over a fixed catalogue order (the
recommender, or a baseline of `model.baselines`). Users are scored a batch at a time, sized so
that a batch of scores stays near 16M floats: a 105k-item catalogue never needs a
users x items matrix in memory.

Usage:
    result = rank_cohort(baseline.score, cohort, item_ids, ks=(10, 20, 100))
    result.summary()      # {"recall@10": ..., "ndcg@10": ..., "mrr": ..., "coverage@10": ...}
    RankingResult.combine([warm_result, cold_result])   # the `all` cohort
"""
import dataclasses

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from model.evaluation.metrics import batch_metrics, metric_names

SCORES_PER_BATCH = 1 << 24


@dataclasses.dataclass
class RankingResult:
    ks: tuple
    per_user: dict  # metric -> np.ndarray [n users]
    covered: dict  # k -> bool [M]: items in at least one user's top k

    @property
    def users(self):
        return len(self.per_user["mrr"])

    def summary(self):
        out = {name: float(self.per_user[name].mean()) if self.users else float("nan")
               for name in metric_names(self.ks)}
        for k in self.ks:
            out[f"coverage@{k}"] = float(self.covered[k].mean())
        return out

    @staticmethod
    def combine(results):
        results = list(results)
        first = results[0]
        per_user = {name: np.concatenate([r.per_user[name] for r in results])
                    for name in first.per_user}
        covered = {k: np.logical_or.reduce([r.covered[k] for r in results]) for k in first.ks}
        return RankingResult(first.ks, per_user, covered)


def catalogue_indices(item_ids, lists):
    """Lists of item ids -> lists of catalogue positions (-1 for ids not in the catalogue)."""
    index = pd.Index(item_ids)
    return [index.get_indexer(np.asarray(items, dtype=object)) for items in lists]


def batch_size_for(n_items, limit=SCORES_PER_BATCH):
    return int(max(1, min(4096, limit // max(1, n_items))))


def rank_cohort(score, cohort, item_ids, ks, batch_size=None, desc=None):
    """Scores `cohort` (a `model.evaluation.requests.Cohort`) with `score` and ranks the catalogue.

    `score(requests)` must return [len(requests), len(item_ids)] scores in `item_ids` order.
    """
    ks = tuple(sorted(ks))
    n_items = len(item_ids)
    targets = catalogue_indices(item_ids, cohort.targets)
    excluded = catalogue_indices(item_ids, cohort.excluded)
    batch_size = batch_size or batch_size_for(n_items)
    parts, covered = [], {k: np.zeros(n_items, dtype=bool) for k in ks}
    starts = range(0, len(cohort.requests), batch_size)
    for start in tqdm(starts, desc=desc or cohort.name, unit="batch", leave=False,
                      disable=not len(starts)):
        stop = start + batch_size
        scores = np.asarray(score(cohort.requests.iloc[start:stop]))
        if scores.shape != (min(stop, len(cohort.requests)) - start, n_items):
            raise ValueError(f"scorer returned shape {scores.shape}, expected "
                             f"({min(stop, len(cohort.requests)) - start}, {n_items})")
        m = batch_metrics(scores, targets[start:stop], excluded[start:stop], ks)
        parts.append(m.per_user)
        for k in ks:
            covered[k][m.top_k[:, :k].ravel()] = True
    per_user = {name: np.concatenate([p[name] for p in parts]) if parts else np.zeros(0)
                for name in metric_names(ks)}
    return RankingResult(ks, per_user, covered)
