"""Train-split events in time order, queryable as of any moment (strictly earlier events only).

A moment is a key: the event of time rank r (ties in file order, as model.data.splits orders
them) has key 2r + 1; `key_before(t)` is even and precedes every event at time >= t. Features
"as of key k" see only events with a smaller key, so no example sees its own or later events.

Usage:
    log = BehaviorLog(splits.train, user_index, item_index, history_length=20)
    rows, lengths = log.history(users, keys)   # [n, H] item codes by last touch, -1 padding
    stats = log.stats(users, keys, times)      # [n, len(STAT_NAMES)] raw (log-scaled) statistics
"""
import itertools

import numpy as np
import pandas as pd

from model.data.schema import EVENT_TYPES

STAT_NAMES = tuple(f"log_{e}_events" for e in EVENT_TYPES) + (
    "log_days_since_last_event", "log_days_active", "log_distinct_items")
SECONDS_PER_DAY = 86400.0


class BehaviorLog:
    """Args: events (a split's events), user_index / item_index (pd.Index of ids: codes are
    positions; events of unknown users or items are ignored), history_length (H)."""

    def __init__(self, events, user_index, item_index, history_length):
        self.history_length = int(history_length)
        events = events.reset_index(drop=True)
        times = events.timestamp.to_numpy(np.int64)
        by_time = np.lexsort((np.arange(len(events)), times))
        self.event_keys = np.empty(len(events), np.int64)  # aligned with `events` rows
        self.event_keys[by_time] = 2 * np.arange(len(events)) + 1
        self._sorted_times = times[by_time]
        self.end_time = int(times.max()) if len(times) else 0

        users = user_index.get_indexer(events.user_id)
        items = item_index.get_indexer(events.item_id)
        keep = (users >= 0) & (items >= 0)
        order = np.lexsort((self.event_keys[keep], users[keep]))
        self.key_limit = self._scale = 2 * len(events) + 2  # keys < scale: (user, key) -> code
        u, k = users[keep][order], self.event_keys[keep][order]
        self._event_code = u * self._scale + k
        self._event_user = u
        self._event_time = times[keep][order]
        kind = events.event.to_numpy()[keep][order]
        onehot = np.stack([kind == e for e in EVENT_TYPES], axis=1).astype(np.float64)
        item = items[keep][order]
        self._event_item = item
        first = ~pd.DataFrame({"u": u, "i": item}).duplicated().to_numpy()
        self._cum_counts = _cumsum_by_group(onehot, u)
        self._cum_distinct = _cumsum_by_group(first[:, None].astype(np.float64), u)[:, 0]
        self._first_time = pd.Series(self._event_time).groupby(u).min()
        # First touches: one training example each.
        self._touch_code = self._event_code[first]
        self._touch_item = item[first]
        self._touch_user = u[first]
        self.num_users = len(user_index)

    def key_before(self, times):
        """Keys just before `times`: as of them, events at that same time are not yet seen."""
        return 2 * np.searchsorted(self._sorted_times, np.asarray(times, np.int64), side="left")

    def first_touches(self):
        """(user codes, item codes, keys, times) of each (user, item) pair's first event."""
        return (self._touch_user, self._touch_item, self._touch_code % self._scale,
                self._event_time[np.searchsorted(self._event_code, self._touch_code)])

    def history(self, users, keys, length=None):
        """[n, H] item codes of the last H (`length`, default history_length) distinct items
        touched before `keys`, ordered by their last touch (oldest first, -1 padding at the
        end), as requests order a history; and [n] lengths."""
        users, keys = np.asarray(users, np.int64), np.asarray(keys, np.int64)
        length = self.history_length if length is None else int(length)
        rows = np.full((len(users), length), -1, np.int32)
        lengths = np.zeros(len(users), np.int32)
        # One sweep over each user's events in time order; a dict is the ordered set of the
        # items touched so far (re-touching moves an item to the end).
        ends = np.searchsorted(self._event_code, users * self._scale + keys, side="left")
        user, recent, position = -1, {}, 0
        for example in np.lexsort((keys, users)):
            if users[example] != user:
                user, recent = users[example], {}
                position = np.searchsorted(self._event_code, user * self._scale, side="left")
            while position < ends[example]:
                item = self._event_item[position]
                recent.pop(item, None)
                recent[item] = None
                position += 1
            last = list(itertools.islice(reversed(recent), length))[::-1]
            rows[example, :len(last)] = last
            lengths[example] = len(last)
        return rows, lengths

    def stats(self, users, keys, times):
        """[n, len(STAT_NAMES)] float32: event counts by type, days since the last event, days
        since the first, distinct items; over events before `keys`, log1p-scaled."""
        users, keys = np.asarray(users, np.int64), np.asarray(keys, np.int64)
        times = np.asarray(times, np.int64)
        pos = np.searchsorted(self._event_code, users * self._scale + keys, side="left") - 1
        seen = pos >= 0
        seen[seen] = self._event_user[pos[seen]] == users[seen]
        p = np.where(seen, pos, 0)
        out = np.zeros((len(users), len(STAT_NAMES)), np.float64)
        if len(self._event_code):
            counts = np.where(seen[:, None], self._cum_counts[p], 0.0)
            first = self._first_time.reindex(users).to_numpy(np.float64)
            since_last = np.where(seen, (times - self._event_time[p]) / SECONDS_PER_DAY, 0.0)
            active = np.where(seen, (times - first) / SECONDS_PER_DAY, 0.0)
            distinct = np.where(seen, self._cum_distinct[p], 0.0)
            out = np.column_stack([counts, since_last, active, distinct])
        return np.log1p(np.maximum(out, 0.0)).astype(np.float32)

    def final_stats(self):
        """[num_users, S]: every user's statistics right after their last event.

        Requests carry no time, so a known user is described as of their last known event
        (not as of the end of the log: that would give days-since-last-event values training
        never saw, months for users who left early)."""
        users = np.arange(self.num_users)
        last = pd.Series(self._event_time).groupby(self._event_user).max()
        times = last.reindex(users).fillna(self.end_time).to_numpy(np.int64)
        return self.stats(users, np.full(self.num_users, self._scale - 1), times)

    def final_history(self, length):
        """[num_users, length] item codes: every user's last `length` distinct items at the end
        of the split (what a friend's request-time table holds)."""
        users = np.arange(self.num_users)
        return self.history(users, np.full(self.num_users, self._scale - 1), length)[0]

    def final_items(self):
        """(user codes, item codes) of every distinct item each user touched."""
        return self._touch_user, self._touch_item


def _cumsum_by_group(values, groups):
    """Running sums of `values` rows within runs of equal `groups` (rows sorted by group)."""
    total = np.cumsum(values, axis=0)
    if not len(values):
        return total
    starts = np.r_[0, np.flatnonzero(np.diff(groups)) + 1]
    before = np.vstack([np.zeros((1, values.shape[1])), total[starts[1:] - 1]])
    run = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(values)]))
    return total - before[run]
