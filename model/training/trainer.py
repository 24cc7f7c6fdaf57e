"""train(): one whole training run into RUN_DIR (used by `persona train` and benchmarks).

  RUN_DIR/config.json           the TrainConfig
  RUN_DIR/splits/               model.data.splits.write_splits
  RUN_DIR/features/             the FeatureSpace (vocabularies, tables, adapted statistics)
  RUN_DIR/items.csv             item_id, title, category of the catalogue (reports, serving)
  RUN_DIR/checkpoints/          a checkpoint per epoch (resume), best/ weights
  RUN_DIR/model/weights         the final (best) model
  RUN_DIR/logs/                 TensorBoard: train/ and validation/ losses, metrics, learning
                                rate, recall; fusion/ modality-weight histograms; projector/
  RUN_DIR/segments.json, segment_centroids.npy
  RUN_DIR/train_summary.json    sizes, timings, best validation recall

Running train() again on the same RUN_DIR resumes from the last finished epoch.

Usage:
    summary = train(ds, make_splits(ds), "runs/r1", TrainConfig(epochs=5))
"""
import json
import os
import sys
import time

import numpy as np
import pandas as pd
import tensorflow as tf

from model.data.splits import write_splits
from model.evaluation.requests import has_text_or_friends, held_out_cohort
from model.features.examples import build_features, in_time_order, train_period_queries
from model.features.requests import RequestEncoder, user_requests
from model.features.text_vectors import text_vectors_for
from model.segments import fit_segments
from model.training.distribute import choose_strategy, is_chief, set_mixed_precision
from model.training.epoch_checkpoint import EpochCheckpoint
from model.training.model_io import (CONFIG, FEATURES, batched, build_model,
                                     save_trained_model)
from model.training.pipeline import batch_size_for, training_dataset
from model.training.projector import write_projector
from model.training.validation_recall import ValidationRecall
from persona import contract
from persona.errors import PersonaError

SUMMARY, ITEMS = "train_summary.json", "items.csv"


def validation_callback(ds, splits, config, space, encode, log_dir):
    """ValidationRecall over (at most config.validation_users) validation users, or None."""
    users = np.sort(splits.validation.user_id.unique())
    if not len(users):
        return None
    if len(users) > config.validation_users:
        users = np.random.default_rng(config.seed).choice(users, config.validation_users,
                                                          replace=False)
    held = splits.validation[splits.validation.user_id.isin(set(users))]
    cohort = held_out_cohort(ds, splits.train, held, "validation")
    index = pd.Index(space.catalogue.item_ids)
    targets = np.array([index.get_indexer(t[:1])[0] if len(t) else -1 for t in cohort.targets])
    keep = targets >= 0
    if not keep.any():
        return None
    excluded = [index.get_indexer(e) for e, k in zip(cohort.excluded, keep) if k]
    excluded = [e[e >= 0] for e in excluded]
    requests = cohort.requests[keep].reset_index(drop=True)
    # The same users as new users: no id, no history; those with text or friends only.
    carries = has_text_or_friends(requests)
    as_new = requests[carries].assign(**{contract.USER_ID: "",
                                         contract.HISTORY: [[] for _ in range(carries.sum())]})
    return ValidationRecall(encode(requests), targets[keep], excluded, space.catalogue.item_ids,
                            ks=sorted({10, config.monitor_k}), log_dir=log_dir,
                            new_user_features=encode(as_new) if carries.any() else None,
                            new_user_rows=np.flatnonzero(carries))


def check_resumable(run_dir, config):
    """A run directory with a config may only be resumed with the same config (epochs aside)."""
    path = os.path.join(run_dir, CONFIG)
    if not os.path.exists(path):
        return
    with open(path) as f:
        saved = json.load(f)
    new = config.to_dict()
    changed = sorted(k for k in new if k != "epochs" and saved.get(k) != new[k])
    if changed:
        raise PersonaError(f"{run_dir} holds a run with a different config ({', '.join(changed)}"
                           f" differ); resume it with the same config or use a new --out")


def train(ds, splits, run_dir, config, text_vectors=None, verbose="auto"):
    started = time.time()
    os.makedirs(run_dir, exist_ok=True)
    check_resumable(run_dir, config)
    config.save(os.path.join(run_dir, CONFIG))
    write_splits(splits, run_dir)
    tf.keras.utils.set_random_seed(config.seed)
    policy = set_mixed_precision(config.mixed_precision)
    strategy = choose_strategy()
    chief = is_chief(strategy)
    text_vectors = text_vectors or text_vectors_for(config)

    space, examples = build_features(ds, splits, config, text_vectors)
    if not len(examples):
        raise PersonaError("the train split has no events of catalogue items to learn from")
    space.save(os.path.join(run_dir, FEATURES))
    ds.items[["item_id", "title", "category"]].to_csv(os.path.join(run_dir, ITEMS), index=False)
    encode = RequestEncoder(text_vectors, config.max_text_pieces)
    log_dir = os.path.join(run_dir, "logs")
    validation = validation_callback(ds, splits, config, space, encode,
                                     os.path.join(log_dir, "fusion"))
    features_seconds = time.time() - started

    batch_size = batch_size_for(examples, config.batch_size)
    steps = len(examples) // batch_size
    with strategy.scope():
        model = build_model(space, config)
        schedule = tf.keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=max(1, steps * config.epochs), alpha=0.1)
        model.compile(optimizer=tf.keras.optimizers.Adam(schedule))
    checkpoint_dir = os.path.join(run_dir, "checkpoints") if chief else os.path.join(
        run_dir, "checkpoints", f"worker-{strategy.cluster_resolver.task_id}")
    monitor = f"val_combined_recall@{config.monitor_k}" if validation else None
    checkpoint = EpochCheckpoint(model, checkpoint_dir, monitor=monitor,
                                 patience=config.early_stopping_patience)
    start_epoch = checkpoint.restore()
    if start_epoch:
        print(f"resuming {run_dir} after epoch {start_epoch}", file=sys.stderr)
    callbacks = [c for c in (validation, checkpoint) if c is not None] + [
        tf.keras.callbacks.TensorBoard(log_dir=log_dir, profile_batch=0)]
    fit_started = time.time()
    history = None
    if not checkpoint.finished(config.epochs):
        data = training_dataset(examples, space, batch_size, seed=config.seed)
        history = model.fit(data, epochs=config.epochs, initial_epoch=start_epoch,
                            callbacks=callbacks,
                            verbose=(1 if sys.stderr.isatty() else 2) if verbose == "auto"
                            else verbose)
    fit_seconds = time.time() - fit_started
    checkpoint.restore_best()
    tf.keras.mixed_precision.set_global_policy("float32")
    if not chief:
        return None
    save_trained_model(model, run_dir)

    requests = user_requests(ds, splits.train,
                             train_period_queries(ds.queries, splits,
                                                  in_time_order(ds, splits, config.example_order)))
    profiles, _ = batched(model.user_profile, encode(requests))
    segments = describe_segments(ds, splits, requests, profiles, config)
    segments.save(run_dir)
    items = np.concatenate([model.item_vectors(tf.constant(
        space.catalogue.item_ids[i:i + 8192].astype(str))).numpy()
        for i in range(0, len(space.catalogue.item_ids), 8192)])
    shown = np.random.default_rng(config.seed).permutation(len(items))[:config.projector_items]
    write_projector(
        log_dir, profiles,
        pd.DataFrame({"segment": segments.assign(profiles), "user_id": requests.user_id}),
        items[shown], ds.items.set_index("item_id").reindex(space.catalogue.item_ids[shown])
        [["category", "title"]].reset_index().iloc[:, [1, 0, 2]].fillna(""))

    summary = {
        "run_dir": run_dir, "examples": len(examples), "batch_size": batch_size,
        "users": len(space.user_vocabulary), "items": len(space.catalogue.item_ids),
        "ranking_mode": space.ranking_mode, "precision": policy,
        "replicas": strategy.num_replicas_in_sync,
        "epochs_done": int(checkpoint.epochs_done.numpy()), "resumed_after": start_epoch,
        "best_validation": float(checkpoint.best.numpy()) if monitor else None,
        "monitor": monitor, "segments": len(segments.centroids),
        "seconds": {"features": round(features_seconds, 1), "fit": round(fit_seconds, 1),
                    "total": round(time.time() - started, 1)},
        "history": {k: [float(x) for x in v] for k, v in (history.history if history else
                                                           {}).items()},
    }
    with open(os.path.join(run_dir, SUMMARY), "w") as f:
        json.dump(summary, f, indent=2)
    return summary


def describe_segments(ds, splits, requests, profiles, config):
    """k-means segments of the train users' profiles, described by their items and texts."""
    categories = ds.items.set_index("item_id").category.fillna("") if "category" in ds.items \
        else pd.Series(dtype=object)
    titles = ds.items.set_index("item_id").title.fillna("") if "title" in ds.items \
        else pd.Series(dtype=object)
    per_user = [[categories.get(i, "") for i in h] for h in requests.history]
    texts = [" ".join([t] + [titles.get(i, "") for i in h])
             for t, h in zip(requests.user_text, requests.history)]
    return fit_segments(profiles, per_user, texts,
                        k_range=(config.segments_min_k, config.segments_max_k), seed=config.seed)
