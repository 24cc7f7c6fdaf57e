"""The synthetic shop: deterministic, canonical, every modality present, signal where promised."""
import argparse
import filecmp
import os

import numpy as np
import pandas as pd
import pytest

from model.data import Quarantine, load_dataset, synth
from model.data.synth_vocab import LEAVES, REVIEW_ADJECTIVES
from persona.errors import PersonaError

SIZE = dict(users=200, items=100, seed=3)
LEAF = {leaf.path: leaf for leaf in LEAVES}


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("synth"))
    summary = synth.synthesize(out, **SIZE)
    q = Quarantine()
    ds = load_dataset(out, quarantine=q)
    truth = pd.read_csv(os.path.join(out, "ground_truth.csv"))
    return out, summary, ds, q, truth


def leaf_weights(truth, column="weight"):
    leaf = truth[truth.level == "leaf"]
    return leaf.pivot(index="user_id", columns="category", values=column).fillna(0.0)


def with_category(ds, events):
    return events.assign(category=events.item_id.map(ds.items.set_index("item_id").category))


def test_same_seed_gives_identical_files(shop, tmp_path):
    out, summary, *_ = shop
    again = synth.synthesize(str(tmp_path / "again"), **SIZE)
    files = sorted(os.listdir(out))
    assert files == ["events.csv", "ground_truth.csv", "items.csv", "queries.csv", "social.csv",
                     "users.csv"]
    match, mismatch, errors = filecmp.cmpfiles(out, tmp_path / "again", files, shallow=False)
    assert mismatch == [] and errors == []
    assert {**again, "out": out} == summary
    synth.synthesize(str(tmp_path / "other"), **{**SIZE, "seed": 4})
    assert not filecmp.cmp(os.path.join(out, "events.csv"), tmp_path / "other" / "events.csv",
                           shallow=False)


def test_loads_with_zero_quarantine(shop):
    _, summary, ds, q, _ = shop
    assert len(q) == 0, q.summary()
    assert ds.has_time
    assert len(ds.items) == summary["items"] == SIZE["items"]
    assert len(ds.user_ids()) == summary["users"] == SIZE["users"]
    assert len(ds.events) == summary["events"]
    assert ds.summary()["event_types"] == {k: v for k, v in summary["event_types"].items() if v}


def test_every_modality_present(shop):
    _, _, ds, _, _ = shop
    items = ds.items
    assert set(items.category) == set(LEAF)  # every leaf has an item
    assert items.category.str.count(" > ").ge(2).all()
    assert (items.title != "").all() and (items.description != "").all()
    assert (items.brand != "").all() and (items.price > 0).all()
    assert set(ds.events.event) == {"view", "click", "cart", "purchase", "rating", "review"}
    feedback = ds.events[ds.events.event.isin(["rating", "review"])]
    assert feedback.rating.between(1, 5).all() and feedback.rating.nunique() >= 3
    reviews = ds.events[ds.events.event == "review"]
    assert (reviews.text != "").all()
    assert (ds.events[ds.events.event != "review"].text == "").all()
    assert len(ds.social) > SIZE["users"]
    assert 0 < (ds.users.bio != "").sum() < SIZE["users"]
    assert len(ds.queries) > 0 and (ds.queries["query"] != "").all()


def test_prices_depend_on_category(shop):
    _, _, ds, _, _ = shop
    median = ds.items.groupby("category").price.median()
    assert median["Electronics > Computers > Laptops"] > 10 * median[
        "Books > Fiction > Mystery & Thriller"]


def test_texts_reflect_the_item_and_sentiment(shop):
    _, _, ds, _, truth = shop
    noun = ds.items.set_index("item_id").category.map(lambda c: LEAF[c].noun)
    assert all(n in t.lower() for n, t in zip(noun[ds.items.item_id], ds.items.title))
    reviews = ds.events[ds.events.event == "review"]
    assert all(n in t for n, t in zip(noun[reviews.item_id], reviews.text))
    assert all(n in q for n, q in zip(noun[ds.queries.item_id], ds.queries["query"]))
    tone = np.where(reviews.rating <= 2, "negative", np.where(reviews.rating == 3, "mixed",
                                                              "positive"))
    assert all(any(f" {w}." in t for w in REVIEW_ADJECTIVES[s])
               for s, t in zip(tone, reviews.text))
    # A bio names the user's strongest interest at the start of the year.
    start = leaf_weights(truth, "weight_start")
    bios = ds.users[ds.users.bio != ""].set_index("user_id").bio
    top = start.loc[bios.index].idxmax(axis=1).map(lambda c: LEAF[c].interest.lower())
    assert all(p in b.lower() for p, b in zip(top, bios))


def test_funnels_are_ordered_in_time(shop):
    _, _, ds, _, _ = shop
    ev = ds.events
    assert ev.timestamp.is_monotonic_increasing
    assert ev.timestamp.max() - ev.timestamp.min() > 300 * 86400
    steps = [(["click"], ["view"]), (["cart"], ["click"]), (["purchase"], ["cart"]),
             (["rating", "review"], ["purchase"])]
    for later, earlier in steps:
        a = ev[ev.event.isin(later)].sort_values("timestamp")
        b = ev[ev.event.isin(earlier)][["user_id", "item_id", "timestamp"]].assign(
            before=lambda x: x.timestamp).sort_values("timestamp")
        m = pd.merge_asof(a, b, on="timestamp", by=["user_id", "item_id"],
                          direction="backward", allow_exact_matches=False)
        assert m.before.notna().all(), f"{later} without an earlier {earlier}"
    assert (ev.groupby(["user_id", "item_id"]).event.apply(
        lambda e: (e.isin(["rating", "review"])).sum()) <= 1).all()


def test_friends_share_interests(shop):
    _, _, ds, _, truth = shop
    w = leaf_weights(truth)
    v = w.to_numpy() / np.linalg.norm(w.to_numpy(), axis=1, keepdims=True)
    pos = {u: i for i, u in enumerate(w.index)}
    a, b = ds.social.user_id.map(pos).to_numpy(), ds.social.friend_id.map(pos).to_numpy()
    rng = np.random.default_rng(0)
    ra, rb = rng.integers(len(v), size=(2, 5000))
    friends, strangers = (v[a] * v[b]).sum(1).mean(), (v[ra] * v[rb]).sum(1).mean()
    assert friends > strangers + 0.1, (friends, strangers)


def test_ground_truth_matches_behavior(shop):
    _, _, ds, _, truth = shop
    for column in ("weight", "weight_start", "weight_end"):
        sums = truth.groupby(["user_id", "level"])[column].sum()
        assert np.allclose(sums, 1.0, atol=1e-3)
    assert set(truth.user_id) == set(ds.users.user_id)
    w = leaf_weights(truth).stack()
    true_pairs = w[w > 0].index
    bought = with_category(ds, ds.events[ds.events.event == "purchase"])
    hit = pd.MultiIndex.from_frame(bought[["user_id", "category"]]).isin(true_pairs).mean()
    shuffled = np.random.default_rng(0).permutation(bought.user_id.to_numpy())
    chance = pd.MultiIndex.from_arrays([shuffled, bought.category]).isin(true_pairs).mean()
    assert hit > 0.75 and hit > 3 * chance, (hit, chance)


def test_interests_drift_over_the_year(shop):
    _, _, ds, _, truth = shop
    leaf = truth[truth.level == "leaf"]
    new = leaf[(leaf.weight_start == 0) & (leaf.weight_end > 0)].set_index(
        ["user_id", "category"]).index
    assert len(new) > SIZE["users"] // 4
    views = with_category(ds, ds.events[ds.events.event == "view"])
    late = views.timestamp > views.timestamp.min() + 0.5 * (views.timestamp.max()
                                                            - views.timestamp.min())
    in_new = pd.MultiIndex.from_frame(views[["user_id", "category"]]).isin(new)
    assert in_new[late].mean() > 1.5 * in_new[~late].mean()


def test_popularity_is_skewed(shop):
    _, _, ds, _, _ = shop
    views = ds.events[ds.events.event == "view"].item_id.value_counts()
    assert views.iloc[: len(ds.items) // 10].sum() > 0.3 * views.sum()


def test_cli_arguments_and_bad_input(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    synth.add_arguments(parser)
    args = parser.parse_args(["--out", str(tmp_path / "cli"), "--users", "20", "--items", "40",
                              "--events", "300"])
    synth.run(args)
    assert "events.csv" in capsys.readouterr().out
    assert len(pd.read_csv(tmp_path / "cli" / "users.csv")) == 20
    with pytest.raises(PersonaError, match="--items must be at least 33"):
        synth.synthesize(str(tmp_path / "bad"), users=20, items=5)
    (tmp_path / "file").write_text("")
    with pytest.raises(PersonaError, match="not a directory"):
        synth.synthesize(str(tmp_path / "file"), users=20, items=40)
