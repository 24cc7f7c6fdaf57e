"""The TFRS basic-retrieval tutorial's measurement on MovieLens 100K, for comparison with it.

https://www.tensorflow.org/recommenders/examples/basic_retrieval: ratings shuffled with seed 42
(`shuffle(100_000, seed=42, reshuffle_each_iteration=False)` after `tf.random.set_seed(42)`),
the first 80% train, the rest test; `FactorizedTopK` over all 1,682 movies with score-based
evaluation (a test pair is a hit at k when fewer than k movies score above its movie), nothing
excluded, every test rating one query. The tutorial's basic model (user and movie id
embeddings of 32, Adagrad 0.1, batch 8192, 3 epochs) reaches about 0.23 top-100 accuracy.

The profile model trains on the same 80% (5% of it held out as its validation for early
stopping) and its user vectors come from requests built of each user's train ratings.

Usage:
    python -m model.evaluation.tutorial_protocol --data data/ml100k --out runs/tutorial
    results = tutorial_protocol("data/ml100k", "runs/tutorial")   # {"basic": {...}, "model": {...}}
"""
import argparse
import json
import os
import time

import numpy as np
import pandas as pd

from persona import contract

SEED = 42
KS = (1, 5, 10, 50, 100)
BASIC = dict(embedding_dim=32, epochs=3, batch_size=8192, learning_rate=0.1)


def random_split(events, seed=SEED, train_fraction=0.8):
    """The tutorial's split: a seeded tf.data shuffle of the rows, the first 80% for training."""
    import tensorflow as tf

    tf.random.set_seed(seed)
    order = np.fromiter(tf.data.Dataset.range(len(events)).shuffle(
        len(events), seed=seed, reshuffle_each_iteration=False).as_numpy_iterator(), np.int64)
    n_train = int(round(train_fraction * len(events)))
    return (events.iloc[order[:n_train]].reset_index(drop=True),
            events.iloc[order[n_train:]].reset_index(drop=True))


def factorized_top_k(query_vectors, true_item_vectors, item_vectors, ks=KS, batch_size=4096):
    """Top-k categorical accuracy exactly as `tfrs.metrics.FactorizedTopK` computes it."""
    import tensorflow as tf
    import tensorflow_recommenders as tfrs

    index = tfrs.layers.factorized_top_k.BruteForce(k=max(ks))
    index.index(tf.constant(item_vectors, tf.float32))
    metric = tfrs.metrics.FactorizedTopK(candidates=index, ks=ks)
    for start in range(0, len(query_vectors), batch_size):
        stop = start + batch_size
        metric.update_state(tf.constant(query_vectors[start:stop], tf.float32),
                            tf.constant(true_item_vectors[start:stop], tf.float32))
    return {f"top_{k}_accuracy": float(v) for k, v in zip(ks, metric.result())}


def basic_model(train, test, item_ids, seed=SEED):
    """The tutorial's id-only model, trained as the tutorial trains it."""
    from model.baselines.id_two_tower import IdTwoTower

    start = time.time()
    tt = IdTwoTower(seed=seed, **BASIC).fit(train, item_ids)
    seconds = time.time() - start
    true_items = tt.item_vectors[pd.Index(item_ids).get_indexer(test.item_id)]
    result = factorized_top_k(tt.user_vectors(test.user_id), true_items, tt.item_vectors)
    return {**result, "train_seconds": round(seconds, 1), **BASIC}


def user_requests(train, users):
    """One request per user: their train ratings as history (by time), nothing else."""
    ordered = train.sort_values("timestamp", kind="stable").drop_duplicates(
        ["user_id", "item_id"], keep="last")
    history = ordered.groupby("user_id").item_id.agg(list)
    return pd.DataFrame({contract.USER_ID: users, contract.USER_TEXT: "",
                         contract.HISTORY: [history.get(u, []) for u in users],
                         contract.FRIENDS: [[] for _ in users], contract.QUERY: ""})


def profile_model(ds, train, test, run_dir, config=None, seed=SEED):
    """Trains the profile model on `train` (5% of it as validation) and measures it on `test`."""
    from model.data.splits import Splits
    from model.training.recommender import load_recommender
    from model.training.train import train_on_splits

    validation = train.sample(frac=0.05, random_state=seed)
    empty = train.iloc[:0]
    splits = Splits(train=train.drop(validation.index).reset_index(drop=True),
                    validation=validation.reset_index(drop=True), test=test, cold=empty,
                    cold_start_users=[], social_train=ds.social)
    start = time.time()
    train_on_splits(ds, splits, run_dir, config)
    seconds = time.time() - start
    rec = load_recommender(run_dir)
    users = np.sort(test.user_id.unique())
    user_vectors = rec.user_vectors(user_requests(train, users))
    row = pd.Index(users).get_indexer(test.user_id)
    items = rec.item_vectors()
    true_items = items[pd.Index(rec.item_ids).get_indexer(test.item_id)]
    return {**factorized_top_k(user_vectors[row], true_items, items),
            "train_seconds": round(seconds, 1)}


def tutorial_protocol(data_dir, out, config=None, models=("basic", "model")):
    """Both models on MovieLens 100K (canonical, at `data_dir`); writes out/results.json."""
    from model.data import Quarantine, load_dataset

    ds = load_dataset(data_dir, quarantine=Quarantine())
    train, test = random_split(ds.events)
    item_ids = ds.items.item_id.to_numpy(dtype=object)
    results = {"train_ratings": len(train), "test_ratings": len(test)}
    if "basic" in models:
        results["basic"] = basic_model(train, test, item_ids)
    if "model" in models:
        results["model"] = profile_model(ds, train, test, os.path.join(out, "run"), config)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, metavar="DIR", help="MovieLens 100K, canonical")
    parser.add_argument("--out", required=True, metavar="DIR")
    parser.add_argument("--config", metavar="FILE", help="training config of the profile model")
    parser.add_argument("--models", default="basic,model")
    args = parser.parse_args(argv)
    results = tutorial_protocol(args.data, args.out, args.config, args.models.split(","))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
