"""Ranking metrics on hand-computed examples, and the batched full-catalogue ranking."""
import numpy as np
import pandas as pd
import pytest

from model.evaluation.metrics import batch_metrics, top_k_indices
from model.evaluation.ranking import RankingResult, rank_cohort
from model.evaluation.requests import Cohort


def one_user(scores, targets, excluded, ks):
    m = batch_metrics(np.array([scores], dtype=np.float32), [np.array(targets)],
                      [np.array(excluded, dtype=np.int64)], ks)
    return {name: float(v[0]) for name, v in m.per_user.items()}, m.top_k[0]


def test_hand_computed_example():
    # Item 0 scores highest but is excluded; the ranking is then 3, 2, 4, 5, 1 and the
    # targets 2 and 4 sit at ranks 2 and 3.
    m, top = one_user([9, 1, 5, 8, 3, 2], targets=[2, 4], excluded=[0], ks=(1, 2, 3))
    assert list(top) == [3, 2, 4]
    assert m["recall@1"] == 0.0 and m["recall@2"] == 0.5 and m["recall@3"] == 1.0
    assert m["hit_rate@1"] == 0.0 and m["hit_rate@2"] == 1.0
    ideal = 1 + 1 / np.log2(3)
    assert m["ndcg@2"] == pytest.approx((1 / np.log2(3)) / ideal)
    assert m["ndcg@3"] == pytest.approx((1 / np.log2(3) + 1 / np.log2(4)) / ideal)
    assert m["mrr"] == pytest.approx(0.5)


def test_excluded_items_never_ranked_and_never_hit():
    m, top = one_user([9, 8, 7, 6], targets=[1], excluded=[0, 1], ks=(2,))
    assert 0 not in top and 1 not in top
    assert m["recall@2"] == 0.0 and m["mrr"] == 0.0


def test_multi_target_user_recall_is_normalized_by_min_k_targets():
    # A cold-start user with 3 targets; 2 of them in the top 2 is a perfect @2.
    m, _ = one_user([5, 4, 3, 2, 1], targets=[0, 1, 4], excluded=[], ks=(2, 5))
    assert m["recall@2"] == 1.0 and m["ndcg@2"] == pytest.approx(1.0)
    assert m["recall@5"] == 1.0
    # the third target at rank 5 (not 3): NDCG below 1
    assert m["ndcg@5"] == pytest.approx((1 + 1 / np.log2(3) + 1 / np.log2(6))
                                        / (1 + 1 / np.log2(3) + 1 / np.log2(4)))


def test_target_outside_catalogue_counts_but_cannot_be_hit():
    m, _ = one_user([3, 2, 1], targets=[0, -1], excluded=[], ks=(3,))
    assert m["recall@3"] == 0.5


def test_ties_count_against_the_target():
    m, _ = one_user([1, 1, 1, 1, 1], targets=[2], excluded=[0], ks=(1,))
    assert m["mrr"] == pytest.approx(1 / 4)  # 3 tied non-target items counted above it


def test_top_k_indices_sorted_and_k_larger_than_catalogue():
    s = np.array([[0.1, 0.9, 0.5], [3.0, 1.0, 2.0]], dtype=np.float32)
    assert top_k_indices(s, 2).tolist() == [[1, 2], [0, 2]]
    assert top_k_indices(s, 10).tolist() == [[1, 2, 0], [0, 2, 1]]


class FixedScorer:
    """Scores items by a per-user table: a deterministic scorer for the ranking loop."""

    def __init__(self, table):
        self.table = table

    def score(self, requests):
        return np.stack([self.table[u] for u in requests.user_id])


def test_rank_cohort_batches_and_coverage():
    items = np.array(["a", "b", "c", "d"], dtype=object)
    table = {"u1": np.array([4, 3, 2, 1.0]), "u2": np.array([1, 2, 3, 4.0]),
             "u3": np.array([4, 3, 2, 1.0])}
    cohort = Cohort("t", pd.DataFrame({"user_id": ["u1", "u2", "u3"]}),
                    targets=[np.array(["b"]), np.array(["d"]), np.array(["zz", "c"])],
                    excluded=[np.array(["a"]), np.array([], dtype=object), np.array(["a"])])
    one = rank_cohort(FixedScorer(table).score, cohort, items, ks=(1, 2), batch_size=1)
    all_ = rank_cohort(FixedScorer(table).score, cohort, items, ks=(1, 2), batch_size=10)
    for name in one.per_user:
        np.testing.assert_allclose(one.per_user[name], all_.per_user[name])
    s = one.summary()
    # u1: b first (hit); u2: d first (hit); u3: b, c -> c at rank 2 of 2 targets (one unknown)
    assert one.per_user["recall@1"].tolist() == [1.0, 1.0, 0.0]
    assert one.per_user["recall@2"].tolist() == [1.0, 1.0, 0.5]
    assert s["coverage@1"] == 0.5 and s["coverage@2"] == 0.75  # {b, d}; {b, c, d}
    both = RankingResult.combine([one, all_])
    assert both.users == 6 and both.summary()["coverage@2"] == 0.75


def test_empty_cohort_gives_no_averages():
    cohort = Cohort("empty", pd.DataFrame({"user_id": []}), [], [])
    r = rank_cohort(FixedScorer({}).score, cohort, np.array(["a"], dtype=object), ks=(1,))
    assert r.users == 0 and np.isnan(r.summary()["recall@1"])
