"""Evaluation requests (no leakage) and the `persona evaluate` report."""
import dataclasses
import json
import os
import re

import numpy as np
import pandas as pd
import pytest

from model.data import Dataset, write_dataset
from model.data.splits import make_splits
from model.data.user_inputs import join_texts, user_free_text
from model.baselines.friends_items import FriendsItems
from model.evaluation.requests import build_cohorts
from persona.cli import main

N_USERS, N_ITEMS, LATE = 16, 10, 10**6


def shop():
    """Every text names the item it is about, so leakage shows as an item id in a request."""
    events, queries = [], []
    for u in range(N_USERS):
        for k in range(5):
            item, t = f"i{(u + 2 * k) % N_ITEMS}", 1000 * u + 10 * k
            events += [(f"u{u}", item, t, "view", ""), (f"u{u}", item, t + 1, "review",
                                                         f"review of {item}")]
            queries.append((f"u{u}", f"find {item}", item, t - 1))
        # a query about the user's first item, made after everything else: never in a request
        first = f"i{u % N_ITEMS}"
        queries.append((f"u{u}", f"later {first}", first, LATE))
    events = pd.DataFrame(events, columns=["user_id", "item_id", "timestamp", "event", "text"])
    events["rating"], events["weight"] = np.nan, 1.0
    return Dataset(
        items=pd.DataFrame({"item_id": [f"i{k}" for k in range(N_ITEMS)],
                            "title": [f"thing {k}" for k in range(N_ITEMS)]}),
        events=events,
        social=pd.DataFrame({"user_id": [f"u{u}" for u in range(N_USERS)],
                             "friend_id": [f"u{(u + 1) % N_USERS}" for u in range(N_USERS)],
                             "weight": 1.0, "directed": 0}),
        users=pd.DataFrame({"user_id": ["u0", "u1"], "bio": ["I like many nice things", ""],
                            "gender": ["F", "M"]}),
        queries=pd.DataFrame(queries, columns=["user_id", "query", "item_id", "timestamp"]))


@pytest.fixture(scope="module")
def split_shop():
    ds = shop()
    splits = make_splits(ds, seed=0, cold_start_fraction=0.25)
    return ds, splits, build_cohorts(ds, splits, validation=True)


def mentioned(text):
    return set(re.findall(r"\bi\d+\b", text))


def test_warm_requests_carry_nothing_of_their_targets(split_shop):
    ds, splits, cohorts = split_shop
    warm = cohorts["warm"]
    assert len(warm) == N_USERS - len(splits.cold_start_users)
    for req, targets, excluded in zip(warm.requests.itertuples(), warm.targets, warm.excluded):
        test_items = set(splits.test.item_id[splits.test.user_id == req.user_id])
        assert set(targets) == test_items and len(targets) == 1
        assert not test_items & set(req.history) and not test_items & mentioned(req.user_text)
        assert mentioned(req.user_text) <= set(req.history)  # only text about known items
        assert "later" not in req.user_text  # queries from after the test time are left out
        assert set(excluded) == set(req.history) and req.query == ""
        assert len(req.friends) == 2  # ring: both neighbours, undirected
    known = pd.concat([splits.train, splits.validation])
    row = warm.requests.iloc[0]
    order = known[known.user_id == row.user_id].drop_duplicates("item_id", keep="last")
    assert row.history == order.sort_values("timestamp").item_id.tolist()  # oldest first


def test_validation_requests_know_train_only(split_shop):
    _, splits, cohorts = split_shop
    for req, targets in zip(cohorts["validation"].requests.itertuples(),
                            cohorts["validation"].targets):
        train = set(splits.train.item_id[splits.train.user_id == req.user_id])
        assert set(req.history) == train and not set(targets) & train
        assert mentioned(req.user_text) <= train


def test_cold_start_requests_have_no_history_and_only_their_first_item_text(split_shop):
    ds, splits, cohorts = split_shop
    cold = cohorts["cold_start"]
    assert sorted(cold.requests.user_id) == sorted(splits.cold_start_users)
    for req, targets, excluded in zip(cold.requests.itertuples(), cold.targets, cold.excluded):
        events = splits.cold[splits.cold.user_id == req.user_id].sort_values("timestamp")
        first = events.item_id.iloc[0]
        assert req.history == [] and list(excluded) == [first]
        assert set(targets) == set(events.item_id) - {first} and first not in targets
        assert mentioned(req.user_text) == {first}
        assert f"review of {first}" in req.user_text and f"find {first}" in req.user_text
        assert req.friends
    assert len(cohorts["anonymous"]) == 0  # every new user here has text and friends


def test_new_users_with_neither_text_nor_friends_are_anonymous():
    ds = shop()
    # Two of the split's new users get no text and no friends: nothing a request could carry.
    mute = sorted(make_splits(ds, seed=0, cold_start_fraction=0.25).cold_start_users[:2])
    events = ds.events.assign(text=np.where(ds.events.user_id.isin(mute), "", ds.events.text))
    ds = dataclasses.replace(
        ds, events=events, queries=ds.queries[~ds.queries.user_id.isin(mute)],
        social=ds.social[~ds.social.user_id.isin(mute) & ~ds.social.friend_id.isin(mute)])
    splits = make_splits(ds, seed=0, cold_start_fraction=0.25)
    assert set(mute) <= set(splits.cold_start_users)
    cohorts = build_cohorts(ds, splits)
    assert sorted(cohorts["anonymous"].requests.user_id) == mute
    assert not set(mute) & set(cohorts["cold_start"].requests.user_id)
    assert len(cohorts["cold_start"]) + 2 == len(splits.cold_start_users)
    anonymous = cohorts["anonymous"].requests
    assert (anonymous.user_text == "").all() and (anonymous.friends.map(len) == 0).all()
    assert all(len(t) == 4 for t in cohorts["anonymous"].targets)  # 5 items, the first excluded


def test_friends_items_ranks_what_most_friends_have():
    events = pd.DataFrame({"user_id": ["f1", "f1", "f2", "f3", "f3", "f3"],
                           "item_id": ["a", "b", "a", "c", "c", "d"]})
    fi = FriendsItems().fit(events, np.array(["a", "b", "c", "d", "x"], dtype=object))
    scores = fi.score(pd.DataFrame({"friends": [["f1", "f2"], ["nobody"], []]}))
    assert scores.shape == (3, 5)
    assert list(np.argsort(-scores[0])[:2]) == [0, 1]  # a (two friends), then b
    # Without known friends: popularity (users per item), "x" (nobody's) last.
    assert np.argsort(-scores[1])[0] == 0 and np.argmin(scores[2]) == 4
    np.testing.assert_array_equal(scores[1], scores[2])


def test_user_text_keeps_bio_then_most_recent_parts():
    bios = user_free_text(shop().users)
    assert bios.to_dict() == {"u0": "I like many nice things"}  # gender is not free text
    parts = pd.DataFrame({"user_id": "u0", "timestamp": [1, 3, 2],
                          "text": ["oldest part", "newest part", "middle part"]})
    assert join_texts(parts, bios, ["u0", "u9"]) == [
        "I like many nice things . oldest part . middle part . newest part", ""]
    assert join_texts(parts, bios, ["u0"], max_pieces=2) == [
        "I like many nice things . middle part . newest part"]


def test_evaluate_writes_json_and_markdown_report(tmp_path, capsys):
    data, run = str(tmp_path / "shop"), str(tmp_path / "run")
    write_dataset(shop(), data)
    assert main(["data", "split", "--data", data, "--out", run,
                 "--cold-start-fraction", "0.25"]) == 0
    out = str(tmp_path / "report" / "eval.json")
    assert main(["evaluate", "--run", run, "--data", data, "--k", "5,1",
                 "--methods", "popularity,ease", "--json", out]) == 0
    report = json.load(open(out))
    assert report["k"] == [1, 5]
    assert set(report["cohorts"]) == {"all", "warm", "cold_start", "anonymous"}
    assert report["users"]["anonymous"] == 0
    for name, cohort in report["cohorts"].items():
        assert set(cohort) == {"popularity", "ease"}
        for metrics in cohort.values():
            assert set(metrics) == {"recall@1", "recall@5", "ndcg@1", "ndcg@5", "hit_rate@1",
                                    "hit_rate@5", "mrr", "coverage@1", "coverage@5"}
            if name == "anonymous":  # no user to average over
                assert all(v is None for k, v in metrics.items() if not k.startswith("cov"))
            else:
                assert all(0.0 <= v <= 1.0 for v in metrics.values())
    assert report["users"]["all"] == report["users"]["warm"] + report["users"]["cold_start"]
    assert report["inputs"]["cold_start"]["with_history"] == 0
    assert report["inputs"]["warm"]["with_friends"] == report["users"]["warm"]
    md = open(str(tmp_path / "report" / "eval.md")).read()
    assert "## warm" in md and "| ease |" in md
    assert "| popularity |" in capsys.readouterr().out


def test_evaluate_rejects_bad_arguments(tmp_path, capsys):
    assert main(["evaluate", "--run", str(tmp_path), "--data", str(tmp_path)]) == 2
    assert "no splits/" in capsys.readouterr().err
    assert main(["evaluate", "--run", str(tmp_path), "--data", str(tmp_path),
                 "--methods", "popularity,magic"]) == 2
    assert "unknown magic" in capsys.readouterr().err


def test_tutorial_protocol_split_and_factorized_top_k():
    from model.evaluation.tutorial_protocol import factorized_top_k, random_split

    events = pd.DataFrame({"user_id": [f"u{i}" for i in range(50)], "item_id": "x"})
    train, test = random_split(events)
    assert len(train) == 40 and len(test) == 10
    assert set(train.user_id) | set(test.user_id) == set(events.user_id)
    assert random_split(events)[1].user_id.tolist() == test.user_id.tolist()  # seeded
    # FactorizedTopK's rule: a hit at k when fewer than k items score above the true item.
    items = np.eye(4, dtype=np.float32)
    queries = np.array([[4, 3, 2, 1], [4, 3, 2, 1], [1, 1, 1, 1]], dtype=np.float32)
    true = items[[1, 3, 2]]  # ranks 2, 4, and tied for first
    acc = factorized_top_k(queries, true, items, ks=(1, 2, 4))
    assert acc["top_1_accuracy"] == pytest.approx(1 / 3)
    assert acc["top_2_accuracy"] == pytest.approx(2 / 3)
    assert acc["top_4_accuracy"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A one-epoch `persona train` run on a tiny synthetic shop (its own text cache)."""
    from model.data.synth import synthesize

    root = tmp_path_factory.mktemp("e2e")
    data, run = str(root / "shop"), str(root / "run")
    synthesize(data, users=80, items=40, seed=1)
    previous = os.environ.get("PERSONA_TEXT_CACHE")
    os.environ["PERSONA_TEXT_CACHE"] = str(root / "text-cache")
    try:
        assert main(["train", "--data", data, "--out", run, "--epochs", "1"]) == 0
        yield data, run
    finally:
        if previous is None:
            del os.environ["PERSONA_TEXT_CACHE"]
        else:
            os.environ["PERSONA_TEXT_CACHE"] = previous


def test_evaluate_a_trained_model_with_its_ablations(trained_run):
    data, run = trained_run
    assert main(["evaluate", "--run", run, "--data", data, "--k", "5",
                 "--methods", "model,popularity"]) == 0
    report = json.load(open(os.path.join(run, "evaluation.json")))
    assert report["catalogue_items"] == 40
    for cohort in ("all", "warm", "cold_start"):
        assert list(report["cohorts"][cohort]) == [
            "model", "model:text", "model:behavior", "model:social", "popularity"]
        assert 0.0 <= report["cohorts"][cohort]["model"]["recall@5"] <= 1.0
    assert os.path.exists(os.path.join(run, "evaluation.md"))
