"""Request DataFrames -> model features with NumPy: the Python twin of the serving signatures.

A request row has the raw inputs of persona.contract.USER_INPUTS: user_id, user_text,
history (item ids, oldest first), friends (user ids), query. Text goes through the cached BERT
vectors (TextVectors) instead of the in-graph encoder; everything else (id lookups, the last H
history items, per-user tables) happens inside the model, as in serving.

Usage:
    encode = RequestEncoder(text_vectors, max_pieces=8)
    features = encode(requests, modalities=("text",))    # dict of np arrays for the model
"""
import numpy as np

from model.data.user_inputs import friends_of, join_texts, user_free_text
from model.features.user_text import split_pieces
from persona import contract


def padded(lists):
    """list of lists of str -> [n, max(1, longest)] array of str, "" padding at the end."""
    width = max([len(x) for x in lists] + [1])
    out = np.full((len(lists), width), "", dtype=object)
    for row, values in enumerate(lists):
        out[row, :len(values)] = [str(v) for v in values]
    return out


def modality_mask(n, modalities):
    """[n, 3] float32: 1 for the modalities to use (contract.MODALITIES order)."""
    unknown = set(modalities) - set(contract.MODALITIES)
    if unknown:
        raise ValueError(f"unknown modalities {sorted(unknown)}; known: {contract.MODALITIES}")
    row = np.array([m in modalities for m in contract.MODALITIES], np.float32)
    return np.tile(row, (n, 1))


class RequestEncoder:
    def __init__(self, text_vectors, max_pieces):
        self.text_vectors = text_vectors
        self.max_pieces = int(max_pieces)

    def user_text_vectors(self, texts):
        """[n, dim]: mean vector of each text's last `max_pieces` pieces; zeros for no text."""
        pieces = [split_pieces(t)[-self.max_pieces:] for t in texts]
        flat = [p for ps in pieces for p in ps]
        vectors = self.text_vectors(flat)
        out = np.zeros((len(texts), self.text_vectors.dim), np.float32)
        start = 0
        for row, ps in enumerate(pieces):
            if ps:
                out[row] = vectors[start:start + len(ps)].mean(axis=0)
            start += len(ps)
        return out

    def __call__(self, requests, modalities=None):
        features = {
            "user_id": requests[contract.USER_ID].astype(str).to_numpy(object),
            "history": padded(list(requests[contract.HISTORY])),
            "friends": padded(list(requests[contract.FRIENDS])),
            "user_text_embedding": self.user_text_vectors(requests[contract.USER_TEXT]),
            "query_embedding": self.text_vectors(requests[contract.QUERY].astype(str)),
        }
        if modalities is not None:
            features["modality_mask"] = modality_mask(len(requests), modalities)
        return features


def user_requests(ds, events, queries, users=None):
    """Requests of known users as of the end of `events` (e.g. the train split): history = their
    distinct items by last touch, text = bio + their reviews and `queries`, friends from the
    dataset's graph; no search query. Used for segments and the embedding projector."""
    import pandas as pd

    ordered = events.sort_values("timestamp", kind="stable")
    history = ordered.drop_duplicates(["user_id", "item_id"], keep="last").groupby(
        "user_id").item_id.agg(list)
    users = np.sort(history.index.to_numpy()) if users is None else np.asarray(users)
    reviews = events.loc[events.text.fillna("").astype(str).str.strip() != "",
                         ["user_id", "timestamp", "text"]]
    searches = queries[["user_id", "timestamp", "query"]].rename(columns={"query": "text"})
    texts = join_texts(pd.concat([reviews, searches]), user_free_text(ds.users), users)
    friends = friends_of(ds.social)
    return pd.DataFrame({contract.USER_ID: users, contract.USER_TEXT: texts,
                         contract.HISTORY: [list(history.get(u, [])) for u in users],
                         contract.FRIENDS: [list(friends.get(u, [])) for u in users],
                         contract.QUERY: ""})
