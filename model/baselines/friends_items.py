"""Friends' items: the items the user's friends interacted with, by how many friends did.

The social baseline a practitioner would try first for a user with friends ("your friends
listen to ..."); popularity breaks ties, so a user without known friends gets popularity.

Usage:
    fi = FriendsItems().fit(train_events, item_ids)
    fi.score(requests)     # [n, M]: friends with the item, + popularity / (max + 1)
"""
import numpy as np
import pandas as pd
import scipy.sparse

from model.baselines.popularity import Popularity
from persona import contract


class FriendsItems:
    def fit(self, events, item_ids):
        """events: DataFrame with user_id, item_id; item_ids: the catalogue order of scores."""
        self.item_ids = np.asarray(item_ids, dtype=object)
        pairs = events.drop_duplicates(["user_id", "item_id"])
        columns = pd.Index(self.item_ids).get_indexer(pairs.item_id)
        pairs, columns = pairs[columns >= 0], columns[columns >= 0]
        self.users = pd.Index(pd.unique(pairs.user_id))
        self.matrix = scipy.sparse.csr_matrix(
            (np.ones(len(pairs), np.float32), (self.users.get_indexer(pairs.user_id), columns)),
            shape=(len(self.users), len(self.item_ids)))
        counts = Popularity().fit(events, self.item_ids).counts
        self.tie_break = (counts / (counts.max(initial=0.0) + 1.0)).astype(np.float32)
        return self

    def score(self, requests):
        rows, cols = [], []
        for row, friends in enumerate(requests[contract.FRIENDS]):
            known = self.users.get_indexer(pd.unique(np.asarray(friends, dtype=object)))
            known = known[known >= 0]
            rows += [row] * len(known)
            cols += list(known)
        who = scipy.sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                                      shape=(len(requests), len(self.users)))
        return (who @ self.matrix).toarray() + self.tie_break
