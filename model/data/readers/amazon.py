"""Amazon product reviews (McAuley et al.), in two layouts.

1. McAuley's review and metadata JSON (JSON lines, or a JSON array; `.gz` too), the 2014 and
   2018 releases: reviews (reviewerID, asin, overall, summary, reviewText, unixReviewTime or
   reviewTime) become `review` events (`rating` when they have no text) with the summary and
   the review as text; `meta*` files give item title, description, category path (`A > B > C`;
   several paths joined by "|"), brand and price. `--src` is the directory or one review file.
2. The tab/comma-separated files of the preprocessed sets in `../shared/data/amazon-*` (each
   file may sit in a `.zip` of its own name):
   - `rating.txt`: `user<TAB>item<TAB>rating` or `user,item,rating,unix_time`;
   - `text.txt`: `item::description`; `item_ids.txt`: the catalogue, one id per line;
   - `sentiment.txt`: `user,item,aspect:opinion:polarity[,...]`, turned into the review text
     of that rating ("paint: great (positive); money: waste (negative)"). Polarity is 1, 0 or
     -1 in ../shared/data/amazon-toy (its README names only 1 positive and 0 negative, but
     "money:waste:-1" and "toy:loves:0" are typical): read as positive, neutral, negative;
   - `context.txt` (also-bought item pairs) is item-item context, not social, and is not read.

Usage:
    ds = amazon.read("../shared/data/amazon-toy", Quarantine())

Sources: https://cseweb.ucsd.edu/~jmcauley/datasets/amazon/links.html ,
https://nijianmo.github.io/amazon/index.html
"""
import glob
import os
import re

import numpy as np
import pandas as pd

from model.data.readers.source import (as_text, delimited, json_records, locate, make_dataset,
                                       open_binary)
from persona.errors import PersonaError

REVIEW_FIELDS = ("reviewerID", "asin", "overall", "summary", "reviewText", "unixReviewTime",
                 "reviewTime")
META_FIELDS = ("asin", "title", "description", "categories", "category", "brand", "price")
JSON_PATTERNS = ("*.json", "*.json.gz", "*.jsonl", "*.jsonl.gz")
TUPLES = re.compile(r"[^:,]+:[^:,]+:-?[01](?:,[^:,]+:[^:,]+:-?[01])*")
POLARITY = {"1": "positive", "0": "neutral", "-1": "negative"}
PRICE = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")


def read(src, quarantine):
    """Reads either Amazon layout into a `Dataset`."""
    if os.path.isfile(src):
        return _read_json([src], [], quarantine)
    if not os.path.isdir(src):
        raise PersonaError(f"{src}: no such file or directory")
    if locate(src, "rating.txt", required=False):
        return _read_split_files(src, quarantine)
    files = sorted({p for pattern in JSON_PATTERNS for p in glob.glob(os.path.join(src, pattern))})
    meta = [p for p in files if os.path.basename(p).lower().startswith("meta")]
    reviews = [p for p in files if p not in meta]
    if not reviews:
        raise PersonaError(f"{src}: no Amazon files (rating.txt, or review JSON files)")
    return _read_json(reviews, meta, quarantine)


def _read_split_files(src, q):
    rating_path = locate(src, "rating.txt")
    with open_binary(rating_path) as f:
        first = f.readline().decode("utf-8", errors="replace")
    sep = "\t" if "\t" in first else ","
    timed = len(first.split(sep)) == 4
    rows = delimited(rating_path, q, sep, ["user_id", "item_id", "rating"]
                     + (["timestamp"] if timed else []))
    rows.required("user_id", "item_id")
    rows.number("rating")
    if timed:
        rows.number("timestamp", reason="unparsable timestamp", integer=True)
    events = rows.done().assign(event="rating", text="")

    path = locate(src, "sentiment.txt", required=False)
    if path:
        events = _attach_sentiment(events, path, q)

    catalogue = []
    path = locate(src, "item_ids.txt", required=False)
    if path:
        rows = delimited(path, q, "\t", ["item_id"])
        rows.required("item_id")
        catalogue.append(rows.done().item_id)
    descriptions = pd.DataFrame({"item_id": pd.Series(dtype="str"),
                                 "description": pd.Series(dtype="str")})
    path = locate(src, "text.txt", required=False)
    if path:
        rows = delimited(path, q, "::", ["item_id", "description"], maxsplit=1)
        rows.required("item_id")
        rows.reject(rows.df.duplicated("item_id"), "second description for this item", "item_id")
        descriptions = rows.done()
        descriptions["description"] = descriptions.description.str.strip()
        catalogue.append(descriptions.item_id)
    # The catalogue files list the items; one only the ratings name (amazon-toy has no
    # catalogue files) is still an item.
    ids = pd.concat(catalogue + [events.item_id], ignore_index=True).drop_duplicates()
    items = pd.DataFrame({"item_id": ids}).merge(descriptions, on="item_id", how="left") \
        .fillna("")
    return make_dataset(items, events)


def _attach_sentiment(events, path, q):
    """Turns each `user,item,aspect:opinion:polarity,...` row into that rating's review text."""
    rows = delimited(path, q, ",", ["user_id", "item_id", "tuples"], maxsplit=2)
    rows.required("user_id", "item_id")
    rows.df["tuples"] = rows.df.tuples.str.strip()
    rows.reject(~rows.df.tuples.str.fullmatch(TUPLES), "malformed aspect:opinion:polarity list",
                "tuples")
    rows.reject(rows.df.duplicated(["user_id", "item_id"]), "second sentiment row for this "
                "user and item")
    rated = pd.MultiIndex.from_frame(events[["user_id", "item_id"]])
    rows.reject(~pd.MultiIndex.from_frame(rows.df[["user_id", "item_id"]]).isin(rated),
                "no rating for this user and item")
    sentiment = rows.done()
    text = sentiment.tuples
    for value, word in POLARITY.items():
        text = text.str.replace(rf"([^:,]+):([^:,]+):{value}(?=,|$)", rf"\1: \2 ({word})",
                                regex=True)
    text = text.str.replace(",", "; ", regex=False)
    events = events.drop(columns="text").merge(
        sentiment[["user_id", "item_id"]].assign(text=text), on=["user_id", "item_id"],
        how="left")
    events["text"] = events.text.fillna("")
    events["event"] = np.where(events.text != "", "review", "rating")
    return events


def _read_json(review_paths, meta_paths, q):
    events = pd.concat([_reviews(p, q) for p in review_paths], ignore_index=True)
    meta = pd.concat([_meta(p, q) for p in meta_paths] or [pd.DataFrame({"item_id": []})],
                     ignore_index=True)
    # Items only the reviews name follow the metadata's, without text. A repeated asin within
    # the metadata is left for the canonical validator to quarantine.
    reviewed = events.item_id.drop_duplicates()
    items = pd.concat([meta, pd.DataFrame({"item_id": reviewed[~reviewed.isin(meta.item_id)]})],
                      ignore_index=True)
    if events.timestamp.isna().all():
        events = events.drop(columns="timestamp")
    return make_dataset(items.fillna({c: "" for c in ("title", "description", "category", "brand")
                                      if c in items}), events)


def _reviews(path, q):
    rows = json_records(path, q, REVIEW_FIELDS)
    rows.required("reviewerID", "asin")
    rows.number("overall", reason="non-numeric rating (overall)")
    df = rows.df
    unix = pd.to_numeric(df.unixReviewTime, errors="coerce")
    dated = pd.to_datetime(df.reviewTime.map(as_text), format="%m %d, %Y", errors="coerce")
    from_date = (dated - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    time = unix.fillna(from_date)
    if time.notna().any():  # a file with times needs one on every review
        rows.reject(time.isna(), "missing or unparsable review time", "unixReviewTime")
    rows.df["time"] = time
    reviews = rows.done()
    summary = reviews.summary.map(as_text)
    body = reviews.reviewText.map(as_text)
    glue = np.where(summary.str.contains(r"[.!?]$", regex=True), " ", ". ")
    text = np.where((summary != "") & (body != ""), summary + glue + body, summary + body)
    return pd.DataFrame({
        "user_id": reviews.reviewerID, "item_id": reviews.asin,
        "timestamp": reviews.time.astype("Int64"),
        "event": np.where(text != "", "review", "rating"),
        "rating": reviews.overall, "text": text})


def _meta(path, q):
    rows = json_records(path, q, META_FIELDS)
    rows.required("asin")
    meta = rows.done()
    return pd.DataFrame({
        "item_id": meta.asin,
        "title": meta.title.map(as_text),
        "description": meta.description.map(as_text),
        "category": [_category(a, b) for a, b in zip(meta.categories, meta.category)],
        "brand": meta.brand.map(as_text),
        "price": meta.price.map(_price)})


def _category(categories, category):
    """2014 `categories` (a list of paths) or 2018 `category` (one path) as "A > B|C > D"."""
    if isinstance(categories, list) and categories:
        paths = [p if isinstance(p, list) else [p] for p in categories]
        return "|".join(" > ".join(as_text(c) for c in p) for p in paths)
    if isinstance(category, list):
        return " > ".join(as_text(c) for c in category)
    return as_text(category)


def _price(value):
    """A number, or the first number in a price text like "$12.99"; NaN when there is none."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    match = PRICE.search(as_text(value))
    return float(match.group().replace(",", "")) if match else np.nan
