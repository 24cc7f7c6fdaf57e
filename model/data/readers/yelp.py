"""Yelp Open Dataset (JSON lines: `yelp_academic_dataset_{business,review,user}.json`).

Businesses become items (name as title, categories joined by "|" as category, "city, state" as
description); reviews become `review` events with stars as rating, the review text and the
date; users' friend lists become undirected social edges, each friendship once. Users who
wrote no review are still listed in users.csv, so their friendships are kept.

Usage:
    ds = yelp.read("path/to/yelp_dataset", Quarantine())

Source: https://www.yelp.com/dataset/documentation/main
"""
import glob
import os

import numpy as np
import pandas as pd

from model.data.readers.source import as_text, json_records, make_dataset, undirected_edges
from persona.errors import PersonaError


def read(src, quarantine):
    """Reads a Yelp dataset directory into a `Dataset`."""
    if not os.path.isdir(src):
        raise PersonaError(f"{src}: not a directory (expected the Yelp JSON files)")

    def find(kind, required=True):
        paths = sorted(glob.glob(os.path.join(src, f"*{kind}*.json*")))
        if not paths and required:
            raise PersonaError(f"{src}: no {kind} file (yelp_academic_dataset_{kind}.json)")
        return paths[0] if paths else None

    rows = json_records(find("business"), quarantine, ("business_id", "name", "categories",
                                                       "city", "state"))
    rows.required("business_id")
    business = rows.done()
    city = business.city.map(as_text)
    state = business.state.map(as_text)
    items = pd.DataFrame({
        "item_id": business.business_id, "title": business.name.map(as_text),
        "category": business.categories.map(_categories),
        "description": np.where((city != "") & (state != ""), city + ", " + state, city + state)})

    rows = json_records(find("review"), quarantine, ("user_id", "business_id", "stars", "text",
                                                     "date"))
    rows.required("user_id", "business_id")
    rows.number("stars", reason="non-numeric rating (stars)")
    date = pd.to_datetime(rows.df.date.map(as_text), format="mixed", errors="coerce")
    rows.reject(date.isna(), "unparsable date", "date")
    rows.df["timestamp"] = (date - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    reviews = rows.done()
    events = pd.DataFrame({"user_id": reviews.user_id, "item_id": reviews.business_id,
                           "timestamp": reviews.timestamp.astype("int64"), "event": "review",
                           "rating": reviews.stars, "text": reviews.text.map(as_text)})

    users = social = None
    path = find("user", required=False)
    if path:
        rows = json_records(path, quarantine, ("user_id", "friends"))
        rows.required("user_id")
        user_rows = rows.done()
        users = user_rows[["user_id"]]
        friends = user_rows.assign(friend_id=user_rows.friends.map(_friend_list)) \
            .explode("friend_id").dropna(subset="friend_id")
        social = undirected_edges(friends.user_id, friends.friend_id)
    return make_dataset(items, events, social=social, users=users)


def _categories(value):
    """"Pizza, Italian" (newer releases) or ["Pizza", "Italian"] (older) -> "Pizza|Italian"."""
    parts = value if isinstance(value, list) else as_text(value).split(",")
    return "|".join(p for p in (as_text(v) for v in parts) if p)


def _friend_list(value):
    """Friend ids from "id1, id2" (newer), a list (older) or "None" (no friends)."""
    parts = value if isinstance(value, list) else as_text(value).split(",")
    return [p for p in (as_text(v) for v in parts) if p and p != "None"] or None
