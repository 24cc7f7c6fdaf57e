"""Layers, fusion and the modalities of a model trained on a tiny synthetic shop."""
import itertools

import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from model.layers.history_encoder import HistoryEncoder
from model.layers.masked_attention_pooling import MaskedAttentionPooling
from model.layers.modality_fusion import ModalityFusion
from persona import contract
from tests.tiny_run import tiny_run


def test_attention_pooling_ignores_padding():
    pool = MaskedAttentionPooling(hidden=8)
    values = tf.random.normal([2, 4, 6], seed=1)
    mask = tf.constant([[True, True, False, False], [False, False, False, False]])
    out = pool(values, mask)
    changed = pool(tf.concat([values[:, :2], 100 + values[:, 2:]], axis=1), mask)
    np.testing.assert_allclose(out, changed, atol=1e-6)
    assert not out[1].numpy().any()  # nothing valid: a zero vector
    assert MaskedAttentionPooling.from_config(pool.get_config()).hidden == 8


@pytest.mark.parametrize("layers", [0, 1])
def test_history_encoder_reads_the_last_items_by_recency(layers):
    encoder = HistoryEncoder(max_length=3, transformer_layers=layers, num_heads=2)
    items = tf.random.normal([1, 5, 8], seed=2)
    mask = tf.constant([[True, True, False, False, False]])
    out = encoder(items, mask)
    assert out.shape == (1, 8)
    padded = tf.concat([items[:, :2], tf.zeros([1, 3, 8])], axis=1)
    np.testing.assert_allclose(out, encoder(padded, mask), atol=1e-5)
    assert HistoryEncoder.from_config(encoder.get_config()).transformer_layers == layers


def test_fusion_works_with_any_subset_of_modalities():
    fusion = ModalityFusion(dropout=0.5)
    vectors = tf.math.l2_normalize(tf.random.normal([8, 3, 4], seed=3), axis=-1)
    subsets = np.array(list(itertools.product([0.0, 1.0], repeat=3)), np.float32)
    profile, weights = fusion(vectors, tf.constant(subsets))
    np.testing.assert_allclose(np.linalg.norm(profile, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(weights.numpy() > 0, subsets > 0)
    np.testing.assert_allclose(weights.numpy().sum(axis=1), subsets.max(axis=1), atol=1e-5)
    # A single modality is the profile itself; none at all is the learned default.
    single = subsets.sum(axis=1) == 1
    np.testing.assert_allclose(profile.numpy()[single],
                               vectors.numpy()[single][subsets[single] > 0], atol=1e-5)
    np.testing.assert_allclose(profile[0], tf.math.l2_normalize(fusion.default), atol=1e-5)
    # Modality dropout hides present modalities while training, never adds absent ones.
    all_present = tf.ones([512, 3])
    _, dropped = fusion(tf.tile(vectors[:1], [512, 1, 1]), all_present, training=True)
    hidden = (dropped.numpy() == 0).mean()
    assert 0.35 < hidden < 0.65


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from model.data import load_dataset
    from model.data.splits import read_splits
    from model.training.recommender import load_recommender

    data, run_dir = tiny_run(tmp_path_factory)
    return load_dataset(data), read_splits(run_dir), load_recommender(run_dir), data


def _requests(users, texts=None, histories=None, friends=None):
    n = len(users)
    return pd.DataFrame({contract.USER_ID: users,
                         contract.USER_TEXT: texts if texts is not None else [""] * n,
                         contract.HISTORY: histories or [[] for _ in users],
                         contract.FRIENDS: friends or [[] for _ in users],
                         contract.QUERY: ""})


def test_trained_model_fuses_any_subset(trained):
    ds, splits, rec, _ = trained
    users = splits.test.user_id.unique()[:16].tolist()
    known = splits.train[splits.train.user_id.isin(users)]
    history = known.groupby("user_id").item_id.agg(list)
    lists = pd.concat([ds.social.rename(columns={"friend_id": "f"}),
                       ds.social.rename(columns={"user_id": "f", "friend_id": "user_id"})])
    friends = lists.groupby("user_id").f.agg(list)
    requests = _requests(users, texts=["cosy wool jumper . fast laptop"] * len(users),
                         histories=[history.get(u, []) for u in users],
                         friends=[friends.get(u, []) for u in users])
    for size in range(1, 4):
        for subset in itertools.combinations(contract.MODALITIES, size):
            profiles = rec.user_vectors(requests, modalities=subset)
            np.testing.assert_allclose(np.linalg.norm(profiles, axis=1), 1.0, atol=1e-5)
    weights = rec.modality_weights(requests)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-5)
    has_friends = np.array([bool(friends.get(u)) for u in users])
    assert (weights[:, 0] > 0).all() and (weights[:, 1] > 0).all()
    np.testing.assert_array_equal(weights[:, 2] > 0, has_friends)
    scores = rec.score(requests)
    assert scores.shape == (len(users), len(rec.item_ids)) and np.isfinite(scores).all()
    assert rec.segments(requests).dtype == np.int64


def _interest(truth, users, top_items, category):
    """Mean true interest of each user in the leaf categories of their recommended items."""
    return np.mean([np.mean([truth.get((u, category[i]), 0.0) for i in items])
                    for u, items in zip(users, top_items)])


def test_each_modality_alone_beats_popularity_for_cold_start_users(trained):
    """A cold-start user with only a review, or only friends, gets recommendations closer to
    their true interests (ground_truth.csv) than popularity."""
    ds, splits, rec, data = trained
    truth = pd.read_csv(f"{data}/ground_truth.csv")
    truth = truth[truth.level == "leaf"].set_index(["user_id", "category"]).weight
    category = ds.items.set_index("item_id").category
    popular = splits.train.drop_duplicates(["user_id", "item_id"]).item_id.value_counts()
    popular = popular.index[:10].tolist()
    cold = splits.cold.sort_values("timestamp", kind="stable")
    reviews = cold[cold.text != ""].groupby("user_id").text.first()
    both_ways = pd.concat([ds.social.rename(columns={"friend_id": "f"}),
                           ds.social.rename(columns={"user_id": "f", "friend_id": "user_id"})])
    friends = both_ways.groupby("user_id").f.agg(list)
    with_friends = [u for u in splits.cold_start_users if u in friends.index]
    cases = {"review": _requests(list(reviews.index), texts=list(reviews)),
             "friends": _requests(with_friends, friends=[friends[u] for u in with_friends])}
    for name, requests in cases.items():
        assert len(requests) >= 10, name
        scores = rec.score(requests)
        top = rec.item_ids[np.argsort(-scores, axis=1)[:, :10]]
        users = list(requests.user_id)
        model = _interest(truth, users, top, category)
        baseline = _interest(truth, users, [popular] * len(users), category)
        assert model > baseline, (name, model, baseline)


def test_item_tower_mean_of_rows_is_the_mean_of_the_item_vectors(trained):
    """The social modality's pooling of friends' items: counts times vectors, padding left out."""
    from model.layers.masked_ops import masked_mean

    tower = trained[2].model.item_tower
    rows = tf.constant([[2, 3, 3, 0], [1, 0, 0, 0], [4, 5, 2, 6]])
    expected = masked_mean(tower.of_rows(rows), rows >= 2)
    pooled = tower.mean_of_rows(rows).numpy()
    np.testing.assert_allclose(pooled, expected, atol=1e-6)
    assert not pooled[1].any()  # only padding and an unknown item: nothing
