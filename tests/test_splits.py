"""Temporal leave-last-out splits and the cold-start cohort."""
import pandas as pd

from model.data import Dataset
from model.data.dataset import empty_table
from model.data import schema
from model.data.splits import make_splits, read_splits, write_splits


def shop(n_users=40):
    rows = []
    for u in range(n_users):
        n_items = 2 if u % 10 == 0 else 5  # every tenth user is too short to evaluate
        for k in range(n_items):
            item = f"i{(u + k) % 17}"
            t = 1000 * u + 10 * k
            rows += [(f"u{u}", item, t, "view"), (f"u{u}", item, t + 1, "purchase")]
    events = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event"])
    events = events.sample(frac=1.0, random_state=0)  # file order must not matter
    social = pd.DataFrame({"user_id": [f"u{u}" for u in range(n_users - 1)],
                           "friend_id": [f"u{u + 1}" for u in range(n_users - 1)],
                           "weight": 1.0, "directed": 0})
    items = pd.DataFrame({"item_id": [f"i{k}" for k in range(17)]})
    return Dataset(items=items, events=events, social=social, users=empty_table(schema.USERS),
                   queries=empty_table(schema.QUERIES))


def test_leave_last_out_by_distinct_item():
    s = make_splits(shop(), seed=1, cold_start_fraction=0.0)
    assert not s.cold_start_users and s.cold.empty
    for user, test in s.test.groupby("user_id"):
        train = s.train[s.train.user_id == user]
        val = s.validation[s.validation.user_id == user]
        assert test.item_id.nunique() == 1 and val.item_id.nunique() == 1
        # both events of the funnel go with their item: nothing of the test item leaks to train
        assert len(test) == 2 and not set(test.item_id) & set(train.item_id)
        assert train.timestamp.max() < val.timestamp.min() <= val.timestamp.max() < test.timestamp.min()
    short = {f"u{u}" for u in range(0, 40, 10)}
    assert short.isdisjoint(s.test.user_id) and short <= set(s.train.user_id)


def test_cold_start_cohort_is_held_out_entirely_and_seeded():
    ds = shop()
    a, b = make_splits(ds, seed=3), make_splits(ds, seed=3)
    assert a.cold_start_users == b.cold_start_users and len(a.cold_start_users) == 4
    assert make_splits(ds, seed=4).cold_start_users != a.cold_start_users
    cold = set(a.cold_start_users)
    assert set(a.cold.user_id) == cold
    for part in (a.train, a.validation, a.test):
        assert cold.isdisjoint(part.user_id)
    assert cold.isdisjoint(a.social_train.user_id) and cold.isdisjoint(a.social_train.friend_id)
    assert len(a.train) + len(a.validation) + len(a.test) + len(a.cold) == len(ds.events)


def test_without_time_held_out_items_are_random_not_file_order():
    ds = shop()
    ds.has_time = False
    ds.events = ds.events.sort_values("timestamp")  # file order = time order here
    s = make_splits(ds, seed=0, cold_start_fraction=0.0)
    last = ds.events.groupby("user_id").item_id.last()
    tested = s.test.groupby("user_id").item_id.first()
    assert 0 < (tested == last[tested.index]).mean() < 0.8
    assert make_splits(ds, seed=0, cold_start_fraction=0.0).test.equals(s.test)


def test_round_trip(tmp_path):
    s = make_splits(shop(), seed=0)
    write_splits(s, str(tmp_path))
    r = read_splits(str(tmp_path))
    assert r.cold_start_users == s.cold_start_users
    pd.testing.assert_frame_equal(r.test, s.test)
