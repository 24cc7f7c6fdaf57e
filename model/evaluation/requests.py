"""Evaluation cohorts: the requests a user would send, what they should find, what is excluded.

A request has the raw features of the serving signatures (persona.contract.USER_INPUTS):
`user_id`, `user_text` (the user's own text: users.csv free text, then their most recent review
texts and queries, oldest first, joined with TEXT_SEPARATOR; the model splits it back into
pieces), `history` (distinct item ids,
oldest first), `friends` (user ids from the dataset's social graph), `query` ("" here).

Cohorts (see model.data.splits for the split itself):
  warm        users with a test item: history and text from train + validation (queries only
              from before the test item's time), target = the test item; their train +
              validation items are excluded from the ranking.
  validation  the same one step earlier (known = train, target = the validation item); used to
              tune baselines, never reported.
  cold_start  the held-out users whose request carries their own text or friends: no history;
              text = users.csv free text + the reviews and queries of their earliest distinct
              item only, which is excluded from targets and ranking; friends from the social
              graph; targets = their other distinct items.
  anonymous   the held-out users whose request carries nothing (no text, no friends): the
              same targets; nothing can be personalized, the bar is popularity.
No request ever carries its target items, nor text written about them.

Usage:
    cohorts = build_cohorts(ds, splits)       # {"warm": ..., "cold_start": ..., "anonymous": ...}
    cohorts["warm"].requests, cohorts["warm"].targets, cohorts["warm"].excluded
"""
import dataclasses

import numpy as np
import pandas as pd

from model.data.user_inputs import (MAX_TEXT_PIECES, friends_of, join_texts,
                                     user_free_text)
from persona import contract

@dataclasses.dataclass
class Cohort:
    name: str
    requests: pd.DataFrame  # contract.USER_INPUTS columns, one row per user
    targets: list  # per request: np.ndarray of item ids to find
    excluded: list  # per request: np.ndarray of item ids removed from the ranking

    def __len__(self):
        return len(self.requests)

    def subset(self, keep, name):
        """The requests where `keep` ([n] bool) is True, as cohort `name`."""
        keep = np.asarray(keep, dtype=bool)
        return Cohort(name, self.requests[keep].reset_index(drop=True),
                      [t for t, k in zip(self.targets, keep) if k],
                      [e for e, k in zip(self.excluded, keep) if k])


def _requests(users, history, texts, friends):
    return pd.DataFrame({
        contract.USER_ID: users,
        contract.USER_TEXT: texts,
        contract.HISTORY: [list(history.get(u, [])) for u in users],
        contract.FRIENDS: [list(friends.get(u, [])) for u in users],
        contract.QUERY: "",
    })


def _reviews(events):
    has_text = events.text.fillna("").astype(str).str.strip() != ""
    return events.loc[has_text, ["user_id", "item_id", "timestamp", "text"]]


def _query_texts(queries):
    return queries[["user_id", "item_id", "timestamp", "query"]].rename(columns={"query": "text"})


def held_out_cohort(ds, known, held_out, name, friends=None, bios=None,
                    max_text_pieces=MAX_TEXT_PIECES):
    """Users of `held_out`: history and text from `known`, targets = their held-out items."""
    friends = friends_of(ds.social) if friends is None else friends
    bios = user_free_text(ds.users) if bios is None else bios
    users = np.sort(held_out.user_id.unique())
    known = known[known.user_id.isin(users)].sort_values("timestamp", kind="stable")
    history = known.drop_duplicates(["user_id", "item_id"], keep="last").groupby(
        "user_id").item_id.agg(list)
    held = held_out.groupby("user_id").item_id.unique()
    cutoff = held_out.groupby("user_id").timestamp.min()
    queries = ds.queries[ds.queries.user_id.isin(users)]
    held_pairs = pd.MultiIndex.from_frame(held_out[["user_id", "item_id"]])
    queries = queries[(queries.timestamp < queries.user_id.map(cutoff))
                      & ~pd.MultiIndex.from_frame(queries[["user_id", "item_id"]]).isin(held_pairs)]
    texts = join_texts(pd.concat([_reviews(known), _query_texts(queries)]), bios, users,
                       max_text_pieces)
    excluded = [np.array(history.get(u, []), dtype=object) for u in users]
    targets = [np.setdiff1d(held[u].astype(object), e) for u, e in zip(users, excluded)]
    return Cohort(name, _requests(users, history, texts, friends), targets, excluded)


def has_text_or_friends(requests):
    """[n] bool: the requests a new user can be personalized from (own text or friends)."""
    return ((requests[contract.USER_TEXT] != "")
            | (requests[contract.FRIENDS].map(len) > 0)).to_numpy()


def new_user_cohorts(ds, splits, friends=None, bios=None, max_text_pieces=MAX_TEXT_PIECES):
    """The held-out users: text of their first item (and bio) and friends; find the rest.
    Returns the cohorts "cold_start" (requests with text or friends) and "anonymous" (neither).
    """
    friends = friends_of(ds.social) if friends is None else friends
    bios = user_free_text(ds.users) if bios is None else bios
    events = splits.cold.sort_values("timestamp", kind="stable")
    first = events.drop_duplicates(["user_id", "item_id"])
    seed = first.groupby("user_id").item_id.first()
    rest = first[first.item_id.to_numpy() != first.user_id.map(seed).to_numpy()]
    rest = rest.groupby("user_id").item_id.agg(list)
    users = np.sort(rest.index.to_numpy())
    seed_of = events.user_id.map(seed)
    seed_events = events[events.item_id == seed_of]
    queries = ds.queries[ds.queries.item_id.to_numpy() == ds.queries.user_id.map(seed).to_numpy()]
    texts = join_texts(pd.concat([_reviews(seed_events), _query_texts(queries)]), bios, users,
                       max_text_pieces)
    requests = _requests(users, pd.Series(dtype=object), texts, friends)
    new = Cohort("new", requests, [np.array(rest[u], dtype=object) for u in users],
                 [np.array([seed[u]], dtype=object) for u in users])
    carries = has_text_or_friends(requests)
    return new.subset(carries, "cold_start"), new.subset(~carries, "anonymous")


def build_cohorts(ds, splits, max_text_pieces=MAX_TEXT_PIECES, validation=False):
    """{"warm", "cold_start", "anonymous"} (and "validation" first when asked) cohorts."""
    friends, bios = friends_of(ds.social), user_free_text(ds.users)
    kw = dict(friends=friends, bios=bios, max_text_pieces=max_text_pieces)
    cohorts = {}
    if validation:
        cohorts["validation"] = held_out_cohort(ds, splits.train, splits.validation,
                                                "validation", **kw)
    known = pd.concat([splits.train, splits.validation])
    cohorts["warm"] = held_out_cohort(ds, known, splits.test, "warm", **kw)
    cohorts["cold_start"], cohorts["anonymous"] = new_user_cohorts(ds, splits, **kw)
    return cohorts
