"""Ciao and Epinions (Tang, Gao, Liu): the MATLAB releases, one format for both sites.

- `rating_with_timestamp.mat` (key `rating`: user, product, category, rating, helpfulness, unix
  time) or `rating.mat` (the same without time; file order then stands in for time);
- `trust.mat` (key `trust`) or `trustnetwork.mat` (key `trustnetwork`): truster, trustee; written
  as directed social edges;
- `catalog*.txt` (optional): `category_id category_name` per line; names become item categories.

Ratings become `rating` events. An item's category is the one most of its ratings name (a few
Ciao products are filed under more than one). Helpfulness (how other users rated the review) has
no canonical column and is left out.

Usage:
    ds = ciao.read("../shared/data/ciao", Quarantine())

Source: https://www.cse.msu.edu/~tangjili/datasetcode/truststudy.htm
"""
import glob
import os

import numpy as np
import pandas as pd

from model.data.readers.source import SourceRows, delimited, make_dataset
from persona.errors import PersonaError

RATING_FILES = {"rating_with_timestamp.mat": ("rating", "rating_with_timestamp"),
                "rating.mat": ("rating",)}
TRUST_FILES = {"trust.mat": ("trust",), "trustnetwork.mat": ("trustnetwork", "trust")}
RATING_COLUMNS = ["user", "product", "category", "rating", "helpfulness", "timestamp"]


def read(src, quarantine):
    """Reads a Ciao or Epinions directory into a `Dataset`."""
    rating_path, rating_keys = _first_present(src, RATING_FILES)
    matrix = _load_matrix(rating_path, rating_keys)
    if matrix.shape[1] not in (5, 6):
        raise PersonaError(f"{rating_path}: expected 5 or 6 columns ({', '.join(RATING_COLUMNS)}),"
                           f" found {matrix.shape[1]}")
    rows = _matrix_rows(matrix, RATING_COLUMNS[:matrix.shape[1]], rating_path, quarantine)
    rows.number("user", reason="missing or non-integer user id", integer=True)
    rows.number("product", reason="missing or non-integer product id", integer=True)
    rows.number("rating")
    timed = "timestamp" in rows.df
    if timed:
        rows.number("timestamp", reason="unparsable timestamp", integer=True)
    ratings = rows.done()

    events = pd.DataFrame({"user_id": ratings.user.astype(str),
                           "item_id": ratings["product"].astype(str)})
    if timed:
        events["timestamp"] = ratings.timestamp
    events["event"] = "rating"
    events["rating"] = ratings.rating
    return make_dataset(_items(ratings, _catalog(src, quarantine)), events,
                        social=_trust(src, quarantine))


def _first_present(src, candidates, required=True):
    if not os.path.isdir(src):
        raise PersonaError(f"{src}: not a directory (expected the .mat files)")
    for name, keys in candidates.items():
        path = os.path.join(src, name)
        if os.path.isfile(path):
            return path, keys
    if required:
        raise PersonaError(f"{src}: none of {', '.join(candidates)}")
    return None, None


def _load_matrix(path, keys):
    """The 2-D numeric matrix stored under the first of `keys` (or the file's only variable)."""
    import scipy.io

    try:
        mat = scipy.io.loadmat(path)
    except NotImplementedError as e:  # MATLAB v7.3 files are HDF5
        raise PersonaError(f"{path}: MATLAB v7.3 (HDF5) files are not supported; "
                           "save it with -v7 or earlier") from e
    except (scipy.io.matlab.MatReadError, ValueError, TypeError, OSError, EOFError) as e:
        raise PersonaError(f"{path}: not a readable MATLAB file: {e}") from e
    names = [k for k in mat if not k.startswith("__")]
    key = next((k for k in keys if k in mat), names[0] if len(names) == 1 else None)
    if key is None:
        raise PersonaError(f"{path}: no variable named {' or '.join(keys)} "
                           f"(found {', '.join(names) or 'none'})")
    matrix = np.asarray(mat[key])
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.number):
        raise PersonaError(f"{path}: '{key}' is not a numeric matrix")
    return matrix


def _matrix_rows(matrix, columns, path, quarantine):
    """Matrix rows as SourceRows; a row's 'line' is its 1-based row number in the matrix."""
    df = pd.DataFrame(matrix[:, :len(columns)].astype("float64"), columns=columns)
    df["__line"] = np.arange(1, len(df) + 1)
    return SourceRows(df, os.path.basename(path), quarantine)


def _items(ratings, names):
    """One row per rated product, in order of first rating, with its most frequent category."""
    counts = ratings.groupby(["product", "category"], sort=False).size().rename("n").reset_index()
    top = counts.sort_values("n", ascending=False, kind="stable").drop_duplicates("product")
    top = top.set_index("product").reindex(ratings["product"].unique())
    category = top.category.map(lambda c: "" if np.isnan(c) else names.get(int(c), str(int(c))))
    return pd.DataFrame({"item_id": top.index.astype(str), "category": category.to_numpy()})


def _catalog(src, quarantine):
    """category id -> name from catalog*.txt (empty when the release has none)."""
    paths = sorted(glob.glob(os.path.join(src, "catalog*.txt")))
    if not paths:
        return {}
    rows = delimited(paths[0], quarantine, " ", ["id", "name"], maxsplit=1)
    rows.number("id", reason="non-integer category id", integer=True)
    catalog = rows.done()
    return dict(zip(catalog.id, catalog.name.str.strip()))


def _trust(src, quarantine):
    path, keys = _first_present(src, TRUST_FILES, required=False)
    if path is None:
        return None
    matrix = _load_matrix(path, keys)
    if matrix.shape[1] < 2:
        raise PersonaError(f"{path}: expected 2 columns (truster, trustee)")
    rows = _matrix_rows(matrix, ["truster", "trustee"], path, quarantine)
    rows.number("truster", reason="missing or non-integer user id", integer=True)
    rows.number("trustee", reason="missing or non-integer user id", integer=True)
    trust = rows.done()
    return pd.DataFrame({"user_id": trust.truster.astype(str),
                         "friend_id": trust.trustee.astype(str), "directed": 1})
