"""MovieLens 100K: RecBole atomic files (`ml-100k.inter/.item/.user`) or the original
`u.data/u.item/u.user`.

Ratings become `rating` events with their unix time; movie titles (with the release year, as
the original files write them) become item titles and genres the item category, joined by "|";
age, gender, occupation and zip code become user attributes.

Usage:
    from model.data import Quarantine
    from model.data.readers import movielens
    ds = movielens.read("path/to/ml-100k", Quarantine())

Formats: https://files.grouplens.org/datasets/movielens/ml-100k-README.txt and
https://recbole.io/docs/user_guide/data/atomic_files.html
"""
import glob
import os

import numpy as np
import pandas as pd

from model.data.readers.source import delimited, make_dataset
from persona.errors import PersonaError

# u.item's 19 genre flags, in file order (ml-100k-README.txt, u.genre).
GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western")
USER_ATTRIBUTES = ["age", "gender", "occupation", "zip_code"]


def read(src, quarantine):
    """Reads a MovieLens directory in either layout into a `Dataset`."""
    if not os.path.isdir(src):
        raise PersonaError(f"{src}: not a directory (expected MovieLens files)")
    inter = sorted(glob.glob(os.path.join(src, "*.inter")))
    if inter:
        return _read_atomic(inter[0][:-len(".inter")], quarantine)
    if os.path.isfile(os.path.join(src, "u.data")):
        return _read_original(src, quarantine)
    raise PersonaError(f"{src}: no MovieLens files (RecBole *.inter/.item/.user or u.data/u.item)")


def _ratings(rows):
    rows.required("user_id", "item_id")
    if "rating" in rows.df:
        rows.number("rating")
    if "timestamp" in rows.df:
        rows.number("timestamp", reason="unparsable timestamp", integer=True)
    events = rows.done()
    events["event"] = "rating"
    return events[[c for c in ("user_id", "item_id", "timestamp", "event", "rating")
                   if c in events]]


def _read_atomic(stem, q):
    """RecBole atomic files: tab-separated, a header of `name:type` fields."""
    def atomic(path):
        rows = delimited(path, q, "\t", header=True)
        rows.df = rows.df.rename(columns=lambda c: c.split(":")[0] if not c.startswith("__") else c)
        return rows

    events = _ratings(atomic(stem + ".inter"))
    if not os.path.isfile(stem + ".item"):
        raise PersonaError(f"{stem}.item: missing (the movies of {stem}.inter)")
    rows = atomic(stem + ".item")
    rows.required("item_id")
    movies = rows.done()
    title = movies.get("movie_title", movies.get("title", pd.Series("", movies.index)))
    year = movies.get("release_year", pd.Series("", movies.index)).str.strip()
    genres = movies.get("class", movies.get("genre", pd.Series("", movies.index)))
    items = pd.DataFrame({
        "item_id": movies.item_id,
        "title": title.str.strip().where(~year.str.fullmatch(r"\d{4}"),
                                         title.str.strip() + " (" + year + ")"),
        "category": genres.str.split().str.join("|"),
    })
    users = None
    if os.path.isfile(stem + ".user"):
        rows = atomic(stem + ".user")
        rows.required("user_id")
        users = rows.done()
    return make_dataset(items, events, users=users)


def _read_original(src, q):
    """The GroupLens files: u.data tab-separated, u.item and u.user '|'-separated (Latin-1)."""
    events = _ratings(delimited(os.path.join(src, "u.data"), q, "\t",
                                ["user_id", "item_id", "rating", "timestamp"]))
    path = os.path.join(src, "u.item")
    if not os.path.isfile(path):
        raise PersonaError(f"{path}: missing (the movies of u.data)")
    rows = delimited(path, q, "|", ["item_id", "title", "release_date", "video_release_date",
                                    "imdb_url", *GENRES], encoding="latin-1")
    rows.required("item_id")
    movies = rows.done()
    flags = movies[list(GENRES)].to_numpy() == "1"
    names = np.asarray(GENRES, dtype=object)
    items = pd.DataFrame({"item_id": movies.item_id, "title": movies.title.str.strip(),
                          "category": ["|".join(names[f]) for f in flags]})
    users = None
    path = os.path.join(src, "u.user")
    if os.path.isfile(path):
        rows = delimited(path, q, "|", ["user_id", *USER_ATTRIBUTES])
        rows.required("user_id")
        users = rows.done()
    return make_dataset(items, events, users=users)
