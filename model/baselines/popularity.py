"""Popularity: every user gets the items the most users interacted with.

Usage:
    pop = Popularity().fit(train_events, item_ids)
    pop.score(requests)     # [n, M]: each item's count of distinct users, the same for all
"""
import numpy as np
import pandas as pd


class Popularity:
    def fit(self, events, item_ids):
        """events: DataFrame with user_id, item_id; item_ids: the catalogue order of scores."""
        self.item_ids = np.asarray(item_ids, dtype=object)
        users_per_item = events.drop_duplicates(["user_id", "item_id"]).item_id.value_counts()
        self.counts = users_per_item.reindex(pd.Index(self.item_ids), fill_value=0).to_numpy(
            dtype=np.float32)
        return self

    def score(self, requests):
        return np.broadcast_to(self.counts, (len(requests), len(self.counts)))
