"""Training examples with features as of each example's moment, and the FeatureSpace.

One example per (user, item) pair of the train split, at the pair's first event, and one per
search (queries.csv row) of the train period, with the query as context. Examples follow time
when the split holds out each user's latest items; data without time, or a random split, gets
a seeded random order instead (see in_time_order). Every feature sees
only what happened strictly before the example: the history sequence, the behavior statistics
and the user's own text (model.features.behavior_log, model.features.user_text). Friends come
from the train friend graph, which has no time.

Ranking labels: "purchase" (did the user buy the item) when the data has purchases among other
event types, else "rating" (the user's rating of the item) when it has ratings, else none.

Usage:
    space, examples = build_features(ds, splits, config, TextVectors(cache))
    len(examples), examples.history.shape   # [N], [N, H]
"""
import dataclasses

import numpy as np
import pandas as pd

from model.features.behavior_log import STAT_NAMES, BehaviorLog
from model.features.catalogue import NO_PRICE, build_catalogue_tables, catalogue_rows
from model.features.feature_space import FeatureSpace
from model.features.graph_embedding import deepwalk_embeddings
from model.features.preprocessing import (adapted_boundaries, adapted_normalization,
                                          adapted_vocabulary)
from model.features.social_graph import friend_codes, friends_of, graph_edges
from model.features.user_text import TextStates, user_text_pieces


@dataclasses.dataclass
class TrainingExamples:
    user: np.ndarray          # [N] int32 code in FeatureSpace.user_vocabulary
    target: np.ndarray        # [N] int32 catalogue row of the item to retrieve
    history: np.ndarray       # [N, H] int32 catalogue rows, oldest first, -1 padding
    friends: np.ndarray       # [N, F] int32 user codes, -1 padding
    stats: np.ndarray         # [N, S] float32 raw behavior statistics
    text_state: np.ndarray    # [N] int32 row of text_table (0: no own text yet)
    text_table: np.ndarray    # [T, dim] float32
    query: np.ndarray         # [N] int32 row of query_table (0: no query)
    query_table: np.ndarray   # [Q, dim] float32
    label: np.ndarray         # [N] float32 ranking label
    label_weight: np.ndarray  # [N] float32, 0 where the example has no label
    sampling_probability: np.ndarray  # [N] float32: how often the target is a batch candidate

    def __len__(self):
        return len(self.user)


def ranking_mode(events):
    kinds = set(events.event)
    if "purchase" in kinds and kinds & {"view", "click", "cart"}:
        return "purchase"
    if events.rating.notna().any():
        return "rating"
    return "none"


def train_period_queries(queries, splits, has_time=True):
    """Searches of the train period: before the user's first validation or test event (when
    the data has time), and not leading to a validation or test item."""
    later = pd.concat([splits.validation, splits.test])
    held = pd.MultiIndex.from_frame(later[["user_id", "item_id"]])
    keep = ~pd.MultiIndex.from_frame(queries[["user_id", "item_id"]]).isin(held)
    if has_time:
        cutoff = later.groupby("user_id").timestamp.min()
        limit = queries.user_id.map(cutoff).fillna(np.iinfo(np.int64).max).to_numpy()
        keep &= queries.timestamp.to_numpy() < limit
    return queries[keep]


def is_temporal_split(splits):
    """True when the held-out items come after the user's train events (leave-last-out in
    time), False for random held-out items."""
    held = pd.concat([splits.validation, splits.test])
    if held.empty:
        return True
    last_train = splits.train.groupby("user_id").timestamp.max()
    earlier = held.timestamp.to_numpy() < held.user_id.map(last_train).fillna(-np.inf).to_numpy()
    return bool(earlier.mean() < 0.5)


def in_time_order(ds, splits, example_order="auto"):
    """Whether examples see the past in time ("time") or a random subset ("random"); "auto":
    time when the data has time and the split holds out each user's latest items."""
    if example_order == "auto":
        return ds.has_time and is_temporal_split(splits)
    if example_order not in ("time", "random"):
        raise ValueError(f"example_order must be auto, time or random, not {example_order!r}")
    return example_order == "time"


def with_random_time(events, queries, seed):
    """When examples should not follow time (no time in the source, or random held-out items):
    events and searches get a seeded random order instead, so an example's "past" is a random
    subset of the user's other items, as a held-out item's is."""
    rng = np.random.default_rng(seed)
    return (events.assign(timestamp=rng.permutation(len(events)).astype(np.int64)),
            queries.assign(timestamp=rng.integers(0, max(1, len(events)), len(queries))))


def pair_labels(events, mode):
    """(user_id, item_id) -> label under `mode` (a Series with a MultiIndex)."""
    if mode == "purchase":
        return (events.event == "purchase").groupby([events.user_id, events.item_id]).any() \
            .astype(np.float32)
    if mode == "rating":
        return events.rating.groupby([events.user_id, events.item_id]).mean().astype(np.float32)
    return pd.Series(dtype=np.float32)


def build_features(ds, splits, config, text_vectors):
    """(FeatureSpace, TrainingExamples) from the train split; `text_vectors`: a TextVectors."""
    train = splits.train.reset_index(drop=True)
    timed = in_time_order(ds, splits, config.example_order)
    queries = train_period_queries(ds.queries, splits, timed)
    if not timed:
        train, queries = with_random_time(train, queries, config.seed)
    catalogue = build_catalogue_tables(ds.items, text_vectors, max_tokens=8,
                                       max_top_levels=config.max_affinity_categories)
    item_index = pd.Index(catalogue.item_ids)
    social_nodes = pd.concat([splits.social_train.user_id, splits.social_train.friend_id])
    user_vocabulary = adapted_vocabulary(pd.concat([train.user_id, social_nodes]))
    user_index = pd.Index(user_vocabulary)
    log = BehaviorLog(train, user_index, item_index, config.history_length)

    # Examples: first touches, then searches of the train period.
    users, targets, keys, times = log.first_touches()
    queries = queries[user_index.get_indexer(queries.user_id) >= 0]
    queries = queries[item_index.get_indexer(queries.item_id) >= 0]
    query_keys = log.key_before(queries.timestamp)
    distinct_queries = pd.unique(queries["query"])
    query_table = np.vstack([np.zeros((1, text_vectors.dim), np.float32),
                             text_vectors(list(distinct_queries))])
    query_row = pd.Series(np.arange(1, len(distinct_queries) + 1), index=distinct_queries)
    n_events = len(users)
    users = np.r_[users, user_index.get_indexer(queries.user_id)].astype(np.int64)
    targets = np.r_[targets, item_index.get_indexer(queries.item_id)].astype(np.int32)
    keys = np.r_[keys, query_keys].astype(np.int64)
    times = np.r_[times, queries.timestamp.to_numpy(np.int64)]
    query = np.r_[np.zeros(n_events, np.int32),
                  query_row.reindex(queries["query"]).to_numpy(np.int32)]

    history, _ = log.history(users, keys)
    stats = log.stats(users, keys, times)
    pieces = user_text_pieces(ds.users, train, log.event_keys, queries, query_keys)
    states = TextStates(pieces, user_index, text_vectors, config.max_text_pieces,
                        log.key_limit)
    friend_lists = friends_of(splits.social_train)
    friends_by_user = friend_codes(friend_lists, user_vocabulary, user_index, config.max_friends,
                                   seed=config.seed)

    mode = ranking_mode(train)
    labels = pair_labels(train, mode)
    pair_index = pd.MultiIndex.from_arrays([user_index[users], item_index[targets]])
    label = labels.reindex(pair_index).to_numpy(np.float32) if len(labels) else np.full(
        len(users), np.nan, np.float32)
    frequency = np.bincount(targets, minlength=len(item_index)) / len(targets)

    # Per-user tables as of the end of the train split, for requests.
    owner, touched = log.final_items()
    taste = np.zeros((len(user_index), catalogue.affinity.shape[1]), np.float64)
    np.add.at(taste, owner, catalogue.affinity[touched])
    taste /= np.maximum(taste.sum(axis=1, keepdims=True), 1e-9)
    graph = deepwalk_embeddings(
        graph_edges(splits.social_train, user_index), len(user_index), dim=config.graph_dim,
        walks_per_node=config.walks_per_node, walk_length=config.walk_length,
        window=config.walk_window, negatives=config.walk_negatives, epochs=config.walk_epochs,
        seed=config.seed)
    mean, variance = adapted_normalization(stats)
    prices = catalogue.log_price[np.unique(targets)]
    space = FeatureSpace(
        catalogue=catalogue, item_vocabulary=adapted_vocabulary(train.item_id),
        user_vocabulary=user_vocabulary, user_stats=log.final_stats(),
        user_taste=taste.astype(np.float32), user_graph=graph,
        user_items=catalogue_rows(log.final_history(config.friend_history_length)),
        stat_names=list(STAT_NAMES),
        stats_mean=mean, stats_variance=variance,
        price_boundaries=adapted_boundaries(prices[prices != NO_PRICE], config.price_bins),
        ranking_mode=mode)
    examples = TrainingExamples(
        user=users.astype(np.int32), target=targets, history=history,
        friends=friends_by_user[users], stats=stats, text_state=states.as_of(users, keys),
        text_table=states.table, query=query, query_table=query_table.astype(np.float32),
        label=np.nan_to_num(label), label_weight=np.isfinite(label).astype(np.float32)
        if mode != "none" else np.zeros(len(users), np.float32),
        sampling_probability=frequency[targets].astype(np.float32))
    return space, examples
