"""FeatureSpace: everything the model learns from the train split besides its weights.

Vocabularies (Keras StringLookup adapted on the train split), the catalogue tables, per-user
tables as of the end of the train split (behavior statistics, category taste, DeepWalk
vector, most recent items), the Normalization statistics of the behavior features and the
Discretization boundaries of prices. The Keras model is built from it, so that it holds the
same state, and it is saved with the run (RUN_DIR/features/).

Usage:
    space.save("runs/r1/features"); space = FeatureSpace.load("runs/r1/features")
"""
import dataclasses
import json
import os

import numpy as np

from model.features.catalogue import CatalogueTables

ARRAYS, META = "arrays.npz", "meta.json"


@dataclasses.dataclass
class FeatureSpace:
    catalogue: CatalogueTables
    item_vocabulary: list   # item ids seen in train, by frequency (id embeddings)
    user_vocabulary: list   # users of train events and of the train friend graph
    user_stats: np.ndarray  # [U, S] behavior statistics as of the end of train (raw)
    user_taste: np.ndarray  # [U, A] category distribution of the user's train items
    user_graph: np.ndarray  # [U, G] DeepWalk vectors, zeros for users without friends
    user_items: np.ndarray  # [U, H] catalogue rows of the user's last train items, 0 pad
    stat_names: list
    stats_mean: np.ndarray  # [S] Normalization statistics, adapted on training examples
    stats_variance: np.ndarray
    price_boundaries: list  # Discretization bin boundaries of log1p(price), adapted on train
    ranking_mode: str       # "rating", "purchase" or "none" (see model.features.examples)

    @property
    def text_dim(self):
        return int(self.catalogue.text_table.shape[1])

    def save(self, directory):
        os.makedirs(directory, exist_ok=True)
        c = self.catalogue
        np.savez(os.path.join(directory, ARRAYS), item_ids=c.item_ids.astype(str),
                 category_tokens=c.category_tokens, affinity=c.affinity,
                 text_index=c.text_index, text_table=c.text_table, log_price=c.log_price,
                 user_stats=self.user_stats, user_taste=self.user_taste,
                 user_graph=self.user_graph, user_items=self.user_items,
                 stats_mean=self.stats_mean,
                 stats_variance=self.stats_variance)
        meta = {"category_vocabulary": c.category_vocabulary,
                "top_level_names": c.top_level_names,
                "item_vocabulary": list(self.item_vocabulary),
                "user_vocabulary": list(self.user_vocabulary), "stat_names": self.stat_names,
                "price_boundaries": [float(b) for b in self.price_boundaries],
                "ranking_mode": self.ranking_mode}
        with open(os.path.join(directory, META), "w") as f:
            json.dump(meta, f)

    @classmethod
    def load(cls, directory):
        with np.load(os.path.join(directory, ARRAYS)) as a:
            arrays = {k: a[k] for k in a.files}
        with open(os.path.join(directory, META)) as f:
            meta = json.load(f)
        catalogue = CatalogueTables(
            item_ids=arrays["item_ids"].astype(object),
            category_vocabulary=meta["category_vocabulary"],
            category_tokens=arrays["category_tokens"], top_level_names=meta["top_level_names"],
            affinity=arrays["affinity"], text_index=arrays["text_index"],
            text_table=arrays["text_table"], log_price=arrays["log_price"])
        return cls(catalogue=catalogue, item_vocabulary=meta["item_vocabulary"],
                   user_vocabulary=meta["user_vocabulary"], user_stats=arrays["user_stats"],
                   user_taste=arrays["user_taste"], user_graph=arrays["user_graph"],
                   user_items=arrays["user_items"],
                   stat_names=meta["stat_names"], stats_mean=arrays["stats_mean"],
                   stats_variance=arrays["stats_variance"],
                   price_boundaries=meta["price_boundaries"], ranking_mode=meta["ranking_mode"])
