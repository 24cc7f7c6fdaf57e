"""Baselines alone, without a trained model: EASE, popularity, the id two-tower, text only."""
import numpy as np
import pandas as pd
import pytest

from model.baselines.ease import Ease, ease_weights
from model.baselines.popularity import Popularity


def requests(users, histories=None, texts=None):
    n = len(users)
    return pd.DataFrame({"user_id": users, "user_text": texts or [""] * n,
                         "history": histories or [[] for _ in users],
                         "friends": [[] for _ in users], "query": ""})


def events_of(baskets):
    return pd.DataFrame([(user, item) for user, items in baskets.items() for item in items],
                        columns=["user_id", "item_id"])


# Items a+b are bought together, c+d together, e alone (and most often).
BASKETS = {f"u{i}": ["a", "b", "e"] for i in range(6)}
BASKETS.update({f"v{i}": ["c", "d", "e"] for i in range(4)})
BASKETS.update({f"w{i}": ["e"] for i in range(5)})
CATALOGUE = np.array(["a", "b", "c", "d", "e", "f"], dtype=object)


def test_ease_matches_a_direct_numpy_solve():
    ease = Ease(l2=2.0).fit(events_of(BASKETS), CATALOGUE)
    vocab = list(ease.vocab)
    x = np.zeros((len(BASKETS), len(vocab)))
    for row, items in enumerate(BASKETS.values()):
        x[row, [vocab.index(i) for i in items]] = 1.0
    p = np.linalg.inv(x.T @ x + 2.0 * np.eye(len(vocab)))
    b = np.eye(len(vocab)) - p / np.diag(p)  # Steck 2019, eq. 8
    np.testing.assert_allclose(ease.weights, b, atol=1e-5)
    np.testing.assert_allclose(ease_weights(x.T @ x, 2.0), b, atol=1e-5)


def test_ease_ranks_co_purchased_items_first():
    ease = Ease(l2=1.0).fit(events_of(BASKETS), CATALOGUE)
    s = ease.score(requests(["new1", "new2"], histories=[["a"], ["d", "unknown-item"]]))
    assert s.shape == (2, len(CATALOGUE))
    col = {item: i for i, item in enumerate(CATALOGUE)}
    others = [col[i] for i in "cde"]
    assert s[0, col["b"]] > s[0, others].max()
    assert s[1, col["c"]] > s[1, [col[i] for i in "abe"]].max()
    assert s[0, col["f"]] == -np.inf  # never interacted: EASE cannot score it


def test_ease_restricted_to_most_popular_items():
    ease = Ease(l2=1.0, max_items=3).fit(events_of(BASKETS), CATALOGUE)
    assert list(ease.vocab) == ["e", "a", "b"]
    s = ease.score(requests(["x"], histories=[["a"]]))[0]
    assert np.isneginf(s[[2, 3, 5]]).all() and np.isfinite(s[[0, 1, 4]]).all()
    assert "restricted to the 3 most popular" in ease.notes()


def test_ease_tune_picks_l2_from_grid():
    from model.evaluation.requests import Cohort

    validation = Cohort("validation", requests(["u0", "v0"], histories=[["a"], ["c"]]),
                        targets=[np.array(["b"]), np.array(["d"])],
                        excluded=[np.array(["a"]), np.array(["c"])])
    ease = Ease(l2_grid=(1.0, 1e6)).tune(events_of(BASKETS), CATALOGUE, validation, k=1)
    assert set(ease.tuning) == {1.0, 1e6} and ease.l2 == 1.0 and ease.tuning[1.0] == 1.0


def test_popularity_counts_distinct_users_in_catalogue_order():
    events = events_of(BASKETS)
    events = pd.concat([events, events.head(3)])  # repeated events of a user count once
    pop = Popularity().fit(events, CATALOGUE)
    s = pop.score(requests(["anyone", "else"]))
    assert s.shape == (2, 6)
    assert s[0].tolist() == [6, 6, 4, 4, 15, 0] and (s[0] == s[1]).all()


@pytest.fixture(scope="module")
def two_tower():
    from model.baselines.id_two_tower import IdTwoTower

    baskets = {f"u{i}": ["a", "b"] for i in range(20)}
    baskets.update({f"v{i}": ["c", "d"] for i in range(20)})
    events = events_of(baskets)
    return IdTwoTower(embedding_dim=8, epochs=30, batch_size=16, seed=1).fit(events, CATALOGUE)


def test_id_two_tower_learns_user_item_affinity(two_tower):
    s = two_tower.score(requests(["u1", "v1"]))
    assert s.shape == (2, 6)
    assert s[0, [0, 1]].min() > s[0, [2, 3]].max()
    assert s[1, [2, 3]].min() > s[1, [0, 1]].max()


def test_id_two_tower_has_nothing_for_unknown_users(two_tower):
    # Every unknown id maps to the same untrained out-of-vocabulary row, whatever it brings.
    s = two_tower.score(requests(["new-a", "new-b"], histories=[["a"], ["c"]],
                                 texts=["likes a", "likes c"]))
    np.testing.assert_array_equal(s[0], s[1])


def test_text_only_matches_user_text_and_history_to_item_text(tmp_path):
    from model.baselines.text_only import TextOnly
    from model.text.cache import TextEmbeddingCache

    items = pd.DataFrame({
        "item_id": ["scarf", "jeans", "knife", "pan"],
        "title": ["Red wool scarf", "Blue denim jeans", "Chef's kitchen knife",
                  "Cast iron frying pan"],
        "category": ["Clothing > Accessories", "Clothing > Trousers", "Kitchen > Knives",
                     "Kitchen > Cookware"]})
    catalogue = np.array(["jeans", "scarf", "knife", "pan", "no-text"], dtype=object)
    txt = TextOnly(TextEmbeddingCache(str(tmp_path))).fit(items, catalogue)
    s = txt.score(requests(["a", "b", "c"], histories=[[], ["knife"], []],
                           texts=["I knit with warm wool all winter", "", ""]))
    assert s[0].argmax() == 1  # the scarf
    assert s[1, 3] == s[1, [0, 1, 3]].max()  # after the knife itself: the pan
    assert (s[:, 4] == 0).all() and (s[2] == 0).all()  # no text, no history: nothing to say
