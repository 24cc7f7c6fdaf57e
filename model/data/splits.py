"""Deterministic evaluation splits: temporal leave-last-out plus a cold-start cohort.

Per user, the distinct items are ordered by the time the user first touched them (in a seeded
random order when the dataset has no time). The last
distinct item (with all of the user's events on it) is the test item, the one before it the
validation item, the rest train. Splitting by distinct item rather than by event keeps a
view -> cart -> purchase funnel on one item from leaking across splits. Users with fewer than
`min_items` distinct items stay in train only.

A seeded fraction of users forms the cold-start cohort: all their behavior is held out (in
`cold`), so at evaluation they have only their own text and their friends. Their social edges
are left out of `social_train`, the graph that graph embeddings are learned from.

Usage:
    splits = make_splits(ds, seed=0)
    write_splits(splits, "runs/r1"); splits = read_splits("runs/r1")
"""
import dataclasses
import json
import os

import numpy as np
import pandas as pd

SPLIT_NAMES = ("train", "validation", "test", "cold")


@dataclasses.dataclass
class Splits:
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    cold: pd.DataFrame
    cold_start_users: list
    social_train: pd.DataFrame

    def summary(self):
        out = {name: {"events": int(len(getattr(self, name))),
                      "users": int(getattr(self, name).user_id.nunique())}
               for name in SPLIT_NAMES}
        out["cold_start_users"] = len(self.cold_start_users)
        out["social_train_edges"] = int(len(self.social_train))
        return out


def make_splits(ds, seed=0, cold_start_fraction=0.1, min_items=3):
    events = ds.events.reset_index(drop=True)
    users = np.sort(events.user_id.unique())
    rng = np.random.default_rng(seed)
    n_cold = int(round(cold_start_fraction * len(users)))
    cold_users = set(rng.choice(users, size=n_cold, replace=False)) if n_cold else set()
    is_cold = events.user_id.isin(cold_users).to_numpy()

    warm = events[~is_cold]
    # Rank each user's distinct items by first touch: 0 = most recent. Without time in the
    # source, file order says nothing about recency (a reader may append one kind of event
    # after another), so the held-out items are drawn at random instead (seeded).
    order = warm.timestamp.to_numpy() if ds.has_time else rng.permutation(len(warm))
    first = (warm.assign(_order=order).reset_index().sort_values(["_order", "index"])
             .drop_duplicates(["user_id", "item_id"]))
    first["recency"] = first.groupby("user_id").cumcount(ascending=False)
    n_items = first.groupby("user_id").item_id.transform("size")
    first["split"] = np.where(n_items < min_items, "train",
                              np.select([first.recency == 0, first.recency == 1],
                                        ["test", "validation"], "train"))
    label = warm.merge(first[["user_id", "item_id", "split"]], on=["user_id", "item_id"],
                       how="left").split.to_numpy()
    parts = {name: warm[label == name].reset_index(drop=True)
             for name in ("train", "validation", "test")}
    social = ds.social
    social_train = social[~social.user_id.isin(cold_users) & ~social.friend_id.isin(cold_users)]
    return Splits(cold=events[is_cold].reset_index(drop=True),
                  cold_start_users=sorted(cold_users),
                  social_train=social_train.reset_index(drop=True), **parts)


def write_splits(splits, run_dir):
    """Writes RUN_DIR/splits/{train,validation,test,cold,social_train}.parquet + summary."""
    out = os.path.join(run_dir, "splits")
    os.makedirs(out, exist_ok=True)
    for name in SPLIT_NAMES + ("social_train",):
        getattr(splits, name).to_parquet(os.path.join(out, name + ".parquet"), index=False)
    pd.DataFrame({"user_id": splits.cold_start_users}).to_csv(
        os.path.join(out, "cold_start_users.csv"), index=False)
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(splits.summary(), f, indent=2)
    return out


def read_splits(run_dir):
    out = os.path.join(run_dir, "splits")
    tables = {name: pd.read_parquet(os.path.join(out, name + ".parquet"))
              for name in SPLIT_NAMES + ("social_train",)}
    cold_users = pd.read_csv(os.path.join(out, "cold_start_users.csv"), dtype=str).user_id
    return Splits(cold_start_users=list(cold_users), **tables)


def add_arguments(parser):
    parser.add_argument("--data", required=True, metavar="DIR", help="canonical dataset")
    parser.add_argument("--out", required=True, metavar="RUN_DIR")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cold-start-fraction", type=float, default=0.1)


def run(args):
    from model.data import Quarantine, load_dataset

    q = Quarantine()
    ds = load_dataset(args.data, quarantine=q)
    splits = make_splits(ds, seed=args.seed, cold_start_fraction=args.cold_start_fraction)
    path = write_splits(splits, args.out)
    print(json.dumps(splits.summary(), indent=2))
    print(f"splits written to {path}")
