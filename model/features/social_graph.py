"""Friend lists over the user vocabulary (the train-split friend graph).

Usage:
    lists = friends_of(splits.social_train)               # user_id -> [friend ids]
    codes = friend_codes(lists, user_ids, user_index, max_friends=20, seed=0)  # [n, F], -1 pad
    edges = graph_edges(splits.social_train, user_index)  # [E, 2] codes, both directions
"""
import numpy as np

from model.data.user_inputs import friends_of

__all__ = ["friends_of", "friend_codes", "graph_edges"]


def friend_codes(lists, user_ids, user_index, max_friends, seed=0):
    """Each user's known friends (codes in `user_index`), at most `max_friends` drawn at random
    (seeded), -1 padding at the end."""
    rng = np.random.default_rng(seed)
    out = np.full((len(user_ids), max_friends), -1, np.int32)
    for row, user in enumerate(user_ids):
        codes = user_index.get_indexer(lists.get(user, []))
        codes = codes[codes >= 0]
        if len(codes) > max_friends:
            codes = rng.choice(codes, size=max_friends, replace=False)
        out[row, :len(codes)] = codes
    return out


def graph_edges(social, user_index):
    """[E, 2] int64 (user, friend) codes, every edge both ways (a trust edge says the two are
    alike whichever way it points), repeats and unknown users dropped."""
    src = user_index.get_indexer(social.user_id)
    dst = user_index.get_indexer(social.friend_id)
    keep = (src >= 0) & (dst >= 0) & (src != dst)
    pairs = np.column_stack([src[keep], dst[keep]])
    return np.unique(np.vstack([pairs, pairs[:, ::-1]]), axis=0).astype(np.int64)
