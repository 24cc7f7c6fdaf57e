"""A user's own text as pieces (bio, reviews, queries) and its vector as of any moment.

Requests carry the user's text as one string, pieces joined by TEXT_SEPARATOR (bio first, most
recent last; model.data.user_inputs.join_texts writes them so). The text vector is the mean of the
sentence vectors of the last `max_pieces` pieces, the same in training (here, as of each
example's moment) and in serving (model.layers.text_pieces splits the string in the graph). One
vector per piece keeps BERT off the per-example path: each distinct piece is encoded once.

Usage:
    pieces = user_text_pieces(ds.users, splits.train, train_queries, log)
    states = TextStates(pieces, user_index, text_vectors, max_pieces=8, key_limit=log.key_limit)
    index = states.as_of(users, keys)        # [n] rows of states.table; 0: no text yet
"""
import numpy as np
import pandas as pd

from model.data.user_inputs import TEXT_SEPARATOR, user_free_text

BIO_KEY = -1  # bios have no time: every example sees them


def split_pieces(text):
    """"bio . review" -> ["bio", "review"]; model.layers.text_pieces does the same in the graph."""
    return [piece.strip() for piece in str(text).split(TEXT_SEPARATOR) if piece.strip()]


def user_text_pieces(users, events, event_keys, queries, query_keys):
    """DataFrame user_id, key, text: users.csv free text (key BIO_KEY), review texts (the key of
    their event) and queries (their `query_keys`), one row per piece."""
    bios = user_free_text(users)
    parts = [pd.DataFrame({"user_id": bios.index.astype(str), "key": BIO_KEY,
                           "text": bios.map(split_pieces).to_numpy()}).explode("text")]
    has_text = events.text.fillna("").astype(str).str.strip() != ""
    parts.append(pd.DataFrame({"user_id": events.user_id[has_text].to_numpy(),
                               "key": event_keys[has_text.to_numpy()],
                               "text": events.text[has_text].map(split_pieces).to_numpy()}
                              ).explode("text"))
    parts.append(pd.DataFrame({"user_id": queries.user_id.to_numpy(), "key": query_keys,
                               "text": queries["query"].map(split_pieces).to_numpy()}
                              ).explode("text"))
    pieces = pd.concat(parts, ignore_index=True).dropna(subset=["text"])
    return pieces[pieces.text != ""].reset_index(drop=True)


class TextStates:
    """Mean vector of each user's last `max_pieces` pieces, for every prefix of their pieces.

    `table` row 0 is zeros (no text); row g + 1 is the state right after sorted piece g.
    """

    def __init__(self, pieces, user_index, text_vectors, max_pieces, key_limit):
        users = user_index.get_indexer(pieces.user_id)
        pieces = pieces[users >= 0]
        users = users[users >= 0]
        order = np.lexsort((pieces.key.to_numpy(), users))
        self._user = users[order]
        self._key = pieces.key.to_numpy(np.int64)[order]
        self._scale = int(key_limit) + 2  # every key is < key_limit: (user, key) -> one code
        self._code = self._user.astype(np.int64) * self._scale + (self._key - BIO_KEY)
        vectors = text_vectors(pieces.text.to_numpy()[order]).astype(np.float64)
        total = np.vstack([np.zeros((1, text_vectors.dim)), np.cumsum(vectors, axis=0)])
        g = np.arange(len(order))
        user_start = np.searchsorted(self._user, self._user, side="left")
        first = np.maximum(user_start, g - int(max_pieces) + 1)
        means = (total[g + 1] - total[first]) / (g + 1 - first)[:, None]
        self.table = np.vstack([np.zeros((1, text_vectors.dim)), means]).astype(np.float32)

    def as_of(self, users, keys):
        """[n] int32 rows of `table`: the state from pieces strictly before `keys`."""
        users, keys = np.asarray(users, np.int64), np.asarray(keys, np.int64)
        pos = np.searchsorted(self._code, users * self._scale + (keys - BIO_KEY),
                              side="left") - 1
        mine = pos >= 0
        mine[mine] = self._user[pos[mine]] == users[mine]
        return np.where(mine, pos + 1, 0).astype(np.int32)
