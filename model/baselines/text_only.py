"""Text only: the pretrained sentence encoder, no training at all (content-based retrieval).

A user is the mean of what text says about them: their own text (the pieces of `user_text`:
bio, reviews, queries, averaged as the profile model does) and the texts of the last
`history_length` items of their history, each embedded by the frozen all-MiniLM-L6-v2 (cached
on disk); items are scored by cosine with their own text. A user with neither text nor history
gets all-zero scores: text has nothing to say about them.

Usage:
    cache = TextEmbeddingCache(".cache/text")
    txt = TextOnly(cache).fit(ds.items, item_ids)
    txt.score(requests)     # [n, M]
"""
import numpy as np
import pandas as pd

from model.features.user_text import split_pieces
from persona import contract

ITEM_TEXT_COLUMNS = ("title", "category", "brand", "description")


def item_texts(items):
    """items.csv -> one text per item: title, category, brand, description (the encoder reads
    the first 64 wordpieces, so the most telling fields come first)."""
    columns = [c for c in ITEM_TEXT_COLUMNS if c in items.columns]
    parts = items[columns].fillna("").astype(str).apply(lambda col: col.str.strip())
    return parts.apply(lambda row: " . ".join(v for v in row if v), axis=1).tolist()


def _unit(x):
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


class TextOnly:
    def __init__(self, cache, history_length=20):
        self.cache, self.history_length = cache, history_length

    def fit(self, items, item_ids):
        """items: the dataset's items table; item_ids: the catalogue order of scores."""
        self.item_ids = np.asarray(item_ids, dtype=object)
        items = items.set_index("item_id").reindex(pd.Index(self.item_ids)).reset_index(
            names="item_id")
        texts = item_texts(items)
        has_text = np.array([t != "" for t in texts])
        self.item_vectors = self.cache.embed(texts) * has_text[:, None]  # no text, no match
        self._row = pd.Index(self.item_ids)
        return self

    def user_vectors(self, requests):
        pieces = [split_pieces(t) for t in requests[contract.USER_TEXT]]
        distinct = list(dict.fromkeys(p for user in pieces for p in user))
        vectors = self.cache.embed(distinct, progress=False)
        row = {p: i for i, p in enumerate(distinct)}
        own = np.zeros((len(pieces), self.item_vectors.shape[1]), np.float32)
        for i, user in enumerate(pieces):
            if user:
                own[i] = _unit(vectors[[row[p] for p in user]].mean(axis=0))
        items = np.zeros_like(own)
        for i, history in enumerate(requests[contract.HISTORY]):
            rows = self._row.get_indexer(list(history)[-self.history_length:])
            rows = rows[rows >= 0]
            if len(rows):
                items[i] = _unit(self.item_vectors[rows].mean(axis=0))
        return _unit(own + items)

    def score(self, requests):
        return self.user_vectors(requests) @ self.item_vectors.T
