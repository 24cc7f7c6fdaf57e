"""Features as of each example's moment: nothing from the example's own time or later."""
import numpy as np
import pandas as pd
import pytest

from model.data import Dataset
from model.data.splits import Splits
from model.features.behavior_log import STAT_NAMES, BehaviorLog
from model.features.categories import category_tokens, top_levels
from tests.tiny_run import tiny_config, tiny_shop

DAY = 86400


def hand_made_shop():
    """u1: views i0, buys i0, views i1 and reviews it later, searches, views i2 and i3 at
    one instant, re-views i0 in between. u2 is u1's friend."""
    events = pd.DataFrame([
        ("u1", "i0", 1 * DAY, "view", np.nan, ""),
        ("u1", "i0", 1 * DAY, "purchase", np.nan, ""),
        ("u1", "i1", 2 * DAY, "view", np.nan, ""),
        ("u1", "i1", 3 * DAY, "review", 5.0, "warm wool socks"),
        ("u1", "i0", 4 * DAY, "view", np.nan, ""),
        ("u1", "i2", 6 * DAY, "view", np.nan, ""),
        ("u1", "i3", 6 * DAY, "view", np.nan, ""),
        ("u2", "i3", 1 * DAY, "view", np.nan, ""),
        ("u2", "i2", 2 * DAY, "purchase", np.nan, ""),
    ], columns=["user_id", "item_id", "timestamp", "event", "rating", "text"])
    events["weight"] = 1.0
    items = pd.DataFrame({"item_id": ["i0", "i1", "i2", "i3"],
                          "title": ["red scarf", "wool socks", "trail boots", "tent"],
                          "description": "", "category": ["Clothing > Scarves",
                                                          "Clothing > Socks",
                                                          "Outdoor > Boots", "Outdoor|Camping"],
                          "brand": "", "price": [10.0, 5.0, np.nan, 100.0]})
    queries = pd.DataFrame({"user_id": ["u1"], "query": ["hiking boots"], "item_id": ["i2"],
                            "timestamp": [5 * DAY]})
    users = pd.DataFrame({"user_id": ["u1", "u2"],
                          "bio": ["loves long walks in the hills", ""]})
    social = pd.DataFrame({"user_id": ["u1"], "friend_id": ["u2"], "weight": 1.0,
                           "directed": 0})
    ds = Dataset(items=items, events=events, social=social, users=users, queries=queries)
    empty = events.iloc[:0]
    splits = Splits(train=events, validation=empty, test=empty, cold=empty,
                    cold_start_users=[], social_train=social)
    return ds, splits


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    from model.features.examples import build_features
    from model.features.text_vectors import text_vectors_for

    ds, splits = hand_made_shop()
    config = tiny_config(tmp_path_factory, history_length=3, max_friends=4)
    vectors = text_vectors_for(config)
    space, examples = build_features(ds, splits, config, vectors)
    return ds, space, examples, vectors


def _example(space, examples, user, item, with_query=False):
    users = np.asarray(space.user_vocabulary)[examples.user]
    items = space.catalogue.item_ids[examples.target]
    rows = np.flatnonzero((users == user) & (items == item) & ((examples.query > 0) == with_query))
    assert len(rows) == 1
    return rows[0]


def _history(space, examples, row):
    return [space.catalogue.item_ids[r] for r in examples.history[row] if r >= 0]


def _stats(examples, row):
    return dict(zip(STAT_NAMES, np.expm1(examples.stats[row]).round(6)))


def test_one_example_per_first_touch_and_per_search(hand_made):
    _, space, examples, _ = hand_made
    users = np.asarray(space.user_vocabulary)[examples.user]
    pairs = sorted(zip(users, space.catalogue.item_ids[examples.target], examples.query > 0))
    assert pairs == sorted([("u1", "i0", False), ("u1", "i1", False), ("u1", "i2", False),
                            ("u1", "i3", False), ("u2", "i3", False), ("u2", "i2", False),
                            ("u1", "i2", True)])


def test_history_and_stats_see_only_the_past(hand_made):
    _, space, examples, _ = hand_made
    first = _example(space, examples, "u1", "i0")
    assert _history(space, examples, first) == []
    assert all(v == 0 for v in _stats(examples, first).values())
    socks = _example(space, examples, "u1", "i1")
    assert _history(space, examples, socks) == ["i0"]
    stats = _stats(examples, socks)  # the view and the purchase of i0, a day earlier
    assert stats["log_view_events"] == 1 and stats["log_purchase_events"] == 1
    assert stats["log_review_events"] == 0 and stats["log_distinct_items"] == 1
    assert stats["log_days_since_last_event"] == pytest.approx(1.0)
    # i2 and i3 are first touched at the same instant: i3 (later in file order) sees i2, not
    # the other way round; i0 was touched again after i1, so it is the most recent.
    boots = _example(space, examples, "u1", "i2")
    assert _history(space, examples, boots) == ["i1", "i0"]
    assert _stats(examples, boots)["log_review_events"] == 1
    tent = _example(space, examples, "u1", "i3")
    assert _history(space, examples, tent) == ["i1", "i0", "i2"]
    assert _stats(examples, tent)["log_days_since_last_event"] == 0


def test_search_example_has_its_query_and_the_past_only(hand_made):
    _, space, examples, vectors = hand_made
    search = _example(space, examples, "u1", "i2", with_query=True)
    assert _history(space, examples, search) == ["i1", "i0"]
    np.testing.assert_allclose(examples.query_table[examples.query[search]],
                               vectors(["hiking boots"])[0], atol=1e-6)


def test_own_text_excludes_the_target_review_and_later_texts(hand_made):
    _, space, examples, vectors = hand_made
    bio, review, query = vectors(["loves long walks in the hills", "warm wool socks",
                                  "hiking boots"])
    state = lambda row: examples.text_table[examples.text_state[row]]  # noqa: E731
    # Before the review of i1 is written, only the bio is known.
    np.testing.assert_allclose(state(_example(space, examples, "u1", "i1")), bio, atol=1e-6)
    np.testing.assert_allclose(state(_example(space, examples, "u1", "i0")), bio, atol=1e-6)
    # The search example sees the review, not its own query; the views after it see both.
    np.testing.assert_allclose(state(_example(space, examples, "u1", "i2", with_query=True)),
                               (bio + review) / 2, atol=1e-6)
    np.testing.assert_allclose(state(_example(space, examples, "u1", "i3")),
                               (bio + review + query) / 3, atol=1e-6)
    assert not examples.text_table[examples.text_state[_example(space, examples, "u2", "i2")]].any()


def test_labels_friends_and_user_tables(hand_made):
    _, space, examples, _ = hand_made
    assert space.ranking_mode == "purchase"
    assert examples.label[_example(space, examples, "u1", "i0")] == 1
    assert examples.label[_example(space, examples, "u1", "i1")] == 0
    u1 = _example(space, examples, "u1", "i1")
    assert [space.user_vocabulary[f] for f in examples.friends[u1] if f >= 0] == ["u2"]
    # The per-user table (for requests) describes u1 as of their last event.
    row = space.user_vocabulary.index("u1")
    final = dict(zip(STAT_NAMES, np.expm1(space.user_stats[row]).round(6)))
    assert final["log_view_events"] == 5 and final["log_distinct_items"] == 4
    assert final["log_days_since_last_event"] == 0
    taste = dict(zip(space.catalogue.top_level_names, space.user_taste[row]))
    assert taste == pytest.approx({"Clothing": 0.5, "Outdoor": 0.375, "Camping": 0.125})
    assert set(space.item_vocabulary) == {"i0", "i1", "i2", "i3"}


def test_catalogue_tables(hand_made):
    _, space, _, _ = hand_made
    c = space.catalogue
    assert category_tokens("Clothing > Scarves") == ["Clothing", "Clothing > Scarves"]
    assert top_levels("Outdoor|Camping") == ["Outdoor", "Camping"]
    tent = list(c.item_ids).index("i3")
    assert c.affinity[tent].sum() == pytest.approx(1.0)
    assert c.log_price[list(c.item_ids).index("i2")] < 0  # no price
    assert (c.text_index > 0).all() and not c.text_table[0].any()
    assert len(space.price_boundaries) >= 1


def test_no_future_leakage_on_a_synthetic_shop(tmp_path_factory):
    """Every history item was touched by the user strictly before the example's moment."""
    from model.data import load_dataset
    from model.data.splits import make_splits

    ds = load_dataset(tiny_shop(tmp_path_factory))
    train = make_splits(ds, seed=0).train.reset_index(drop=True)
    users = pd.Index(train.user_id.unique())
    items = pd.Index(ds.items.item_id)
    log = BehaviorLog(train, users, items, history_length=5)
    user, item, keys, times = log.first_touches()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(user), size=200, replace=False)
    history, lengths = log.history(user[pick], keys[pick])
    stats = log.stats(user[pick], keys[pick], times[pick])
    for row, example in enumerate(pick):
        mine = train[(train.user_id == users[user[example]])]
        before = mine[log.event_keys[mine.index] < keys[example]]
        assert set(items[history[row][:lengths[row]]]) <= set(before.item_id)
        assert lengths[row] == min(5, before.item_id.nunique())
        assert item[example] not in set(before.item_id)
        counts = dict(zip(STAT_NAMES, np.expm1(stats[row]).round(4)))
        assert counts["log_view_events"] == (before.event == "view").sum()


def test_examples_follow_time_only_for_a_temporal_split():
    from model.features.examples import in_time_order

    ds, splits = hand_made_shop()
    events = ds.events
    temporal = Splits(train=events[events.timestamp < 6 * DAY], validation=events.iloc[:0],
                      test=events[events.timestamp >= 6 * DAY], cold=events.iloc[:0],
                      cold_start_users=[], social_train=ds.social)
    random = Splits(train=events.iloc[2:], validation=events.iloc[:0], test=events.iloc[:2],
                    cold=events.iloc[:0], cold_start_users=[], social_train=ds.social)
    assert in_time_order(ds, temporal) and not in_time_order(ds, random)
    assert in_time_order(ds, random, "time") and not in_time_order(ds, temporal, "random")
    import dataclasses
    assert not in_time_order(dataclasses.replace(ds, has_time=False), temporal)
