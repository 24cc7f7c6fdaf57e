"""EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): closed form.

B = I - P diagMat(1 / diag(P)), P = (X^T X + l2 I)^-1, X the binary user x item matrix; a
user's scores are x_u B (the diagonal of B is 0, so an item never recommends itself).
https://arxiv.org/abs/1905.03375

The item-item inverse is dense: `max_items` (default 10,000: a 400 MB float32 matrix, a
Cholesky inverse of about half a minute on 2 cores) bounds it. A larger catalogue is restricted
to its `max_items` most popular items; the others score -inf (EASE never recommends them and
ignores them in a history), which `notes` states for the report.

Usage:
    ease = Ease().tune(train, item_ids, validation_cohort)   # picks l2 by validation recall@10
    ease.fit(train_and_validation, item_ids)
    ease.score(requests)     # [n, M]
"""
import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse
from tqdm.auto import tqdm

from persona import contract

L2_GRID = (20.0, 100.0, 500.0, 2500.0)


def ease_weights(gram, l2):
    """The EASE item-item matrix B from the Gram matrix X^T X (a new float32 array)."""
    g = np.array(gram, dtype=np.float32)
    g[np.diag_indices_from(g)] += l2
    # G + l2 I is symmetric positive definite: a Cholesky inverse needs half the work of LU.
    potrf, potri = scipy.linalg.get_lapack_funcs(("potrf", "potri"), (g,))
    c, info = potrf(g, lower=True, overwrite_a=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"X^T X + {l2} I is not positive definite (potrf {info})")
    p, info = potri(c, lower=True, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"inverse failed (potri {info})")
    p = np.tril(p) + np.tril(p, -1).T
    b = p / -np.diag(p)[None, :]
    b[np.diag_indices_from(b)] = 0.0
    return b


class Ease:
    def __init__(self, l2=500.0, max_items=10000, l2_grid=L2_GRID):
        self.l2, self.max_items, self.l2_grid = l2, max_items, tuple(l2_grid)
        self.tuning = {}  # l2 -> validation recall@k, once `tune` ran

    def _design(self, events, item_ids):
        """The binary user x vocabulary matrix over the `max_items` most popular items."""
        self.item_ids = np.asarray(item_ids, dtype=object)
        pairs = events.drop_duplicates(["user_id", "item_id"])
        counts = pairs.item_id.value_counts()
        counts = counts[counts.index.isin(self.item_ids)]
        vocab = counts.index[:self.max_items]  # value_counts sorts by count, most popular first
        self.vocab = pd.Index(vocab)
        self.vocab_positions = pd.Index(self.item_ids).get_indexer(vocab)
        self.restricted = len(counts) > self.max_items
        self.catalogue_items_used = len(vocab)
        pairs = pairs[pairs.item_id.isin(self.vocab)]
        rows = pd.factorize(pairs.user_id)[0]
        cols = self.vocab.get_indexer(pairs.item_id)
        return scipy.sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(rows.max() + 1 if len(rows) else 0, len(self.vocab)))

    def fit(self, events, item_ids):
        """events: DataFrame with user_id, item_id; item_ids: the catalogue order of scores."""
        x = self._design(events, item_ids)
        self.weights = ease_weights((x.T @ x).toarray(), self.l2)
        return self

    def tune(self, events, item_ids, validation, k=10):
        """Sets `l2` to the value of `l2_grid` with the best validation recall@k."""
        from model.evaluation.ranking import rank_cohort

        x = self._design(events, item_ids)
        gram = (x.T @ x).toarray()
        self.tuning = {}
        for l2 in tqdm(self.l2_grid, desc="ease l2", leave=False):
            self.weights = ease_weights(gram, l2)
            result = rank_cohort(self.score, validation, self.item_ids, (k,), desc=f"l2={l2:g}")
            self.tuning[l2] = result.summary()[f"recall@{k}"]
        self.l2 = max(self.tuning, key=self.tuning.get)
        del self.weights
        return self

    def score(self, requests):
        histories = requests[contract.HISTORY]
        lengths = [len(h) for h in histories]
        cols = self.vocab.get_indexer(np.concatenate([np.asarray(h, dtype=object)
                                                      for h in histories] or [[]]))
        rows = np.repeat(np.arange(len(histories)), lengths)
        known = cols >= 0
        x = scipy.sparse.csr_matrix(
            (np.ones(known.sum(), dtype=np.float32), (rows[known], cols[known])),
            shape=(len(histories), len(self.vocab)))
        out = np.full((len(histories), len(self.item_ids)), -np.inf, dtype=np.float32)
        out[:, self.vocab_positions] = x @ self.weights
        return out

    def notes(self):
        how = f"l2={self.l2:g}"
        if self.tuning:
            how += f" (best validation recall@10 of {', '.join(f'{v:g}' for v in self.tuning)})"
        if not self.restricted:
            return f"ease: {how}, all {self.catalogue_items_used} interacted items"
        return (f"ease: {how}, restricted to the {self.catalogue_items_used} most popular items "
                f"(a dense item-item inverse of the whole catalogue does not fit); other items "
                f"score -inf")
