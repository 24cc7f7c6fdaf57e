"""Reading public source files: find them (plain, .gz or inside a .zip), split them into rows with
their line numbers, and send the rows a reader cannot parse to the quarantine.

Usage:
    rows = delimited(locate(src, "rating.txt"), q, "\\t", ["user", "item", "rating"])
    rows.required("user", "item")
    rows.number("rating")
    ratings = rows.done()       # a DataFrame; rows read / kept are counted in q
"""
import ast
import contextlib
import gzip
import json
import os
import zipfile
import zlib

import numpy as np
import pandas as pd
from tqdm import tqdm

from model.data import schema
from model.data.dataset import Dataset, empty_table
from persona.errors import PersonaError

RAW_LIMIT = 500  # characters of a rejected row kept in quarantine.csv


def locate(src, name, required=True):
    """Path of source file `name` in directory `src`: as is, gzipped, or in `<stem>.zip`."""
    stem = os.path.splitext(name)[0]
    for candidate in (name, name + ".gz", stem + ".zip"):
        path = os.path.join(src, candidate)
        if os.path.isfile(path):
            return path
    if required:
        raise PersonaError(f"{src}: no {name} (nor {name}.gz or {stem}.zip)")
    return None


def display_name(path):
    """The name quarantine.csv gives a source file: `x.txt` for `x.zip`, `x` for `x.gz`."""
    name = os.path.basename(path)
    if name.endswith(".zip"):
        return os.path.splitext(name)[0] + ".txt"
    return name[:-3] if name.endswith(".gz") else name


@contextlib.contextmanager
def open_binary(path):
    """A binary stream over a plain, gzipped or single-file zipped source file."""
    try:
        if path.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                members = [m for m in z.namelist() if not m.endswith("/")]
                wanted = [m for m in members if os.path.basename(m) == display_name(path)]
                if len(wanted) != 1 and len(members) != 1:
                    raise PersonaError(f"{path}: expected one file inside, found {len(members)}")
                with z.open((wanted or members)[0]) as f:
                    yield f
        else:
            with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
                yield f
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise PersonaError(f"{path}: cannot read: {e}") from e


def read_bytes(path):
    with open_binary(path) as f:
        return f.read()


class SourceRows:
    """The rows of one source file, each with its line number in `__line`.

    `reject` moves rows to the quarantine with the file name, line, column and reason; `done`
    counts rows read and kept and returns the rest.
    """

    def __init__(self, df, fname, quarantine, read=None):
        self.df, self.fname, self.q = df, fname, quarantine
        self.read = len(df) if read is None else read

    def reject(self, mask, reason, column=""):
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        bad = self.df[mask]
        if "__raw" in bad.columns:  # the line as written
            raws = bad["__raw"]
        else:
            cols = [c for c in bad.columns if not c.startswith("__")]
            raws = ["\t".join(as_text(v) for v in row) for row in bad[cols].itertuples(False)]
        for line, raw in zip(bad["__line"], raws):
            self.q.add(self.fname, int(line), column, reason, str(raw)[:RAW_LIMIT])
        self.df = self.df[~mask]

    def required(self, *columns):
        """Strips the id columns and rejects rows where one is empty."""
        for col in columns:
            values = self.df[col]
            self.df[col] = values.where(values.notna(), "").astype(str).str.strip()
            self.reject(self.df[col] == "", f"missing {col}", col)

    def number(self, column, reason=None, integer=False):
        """Parses `column` as a (finite) number, rejecting the rows where it is not one."""
        values = self.df[column]
        if not pd.api.types.is_numeric_dtype(values):
            values = values.where(values.notna(), "").astype(str).str.strip()
        values = pd.to_numeric(values, errors="coerce")
        bad = ~np.isfinite(values.astype("float64").fillna(np.inf))
        if integer:
            bad |= values.fillna(0.5) % 1 != 0
        self.reject(bad, reason or f"non-numeric {column}", column)
        self.df[column] = values[~bad].astype("int64" if integer else "float64")

    def done(self):
        self.q.count(self.fname, read=self.read, kept=len(self.df))
        return self.df.drop(columns=[c for c in self.df.columns if c.startswith("__")]) \
            .reset_index(drop=True)


def read_lines(path, quarantine, encoding="utf-8"):
    """The non-blank lines of a text file as SourceRows with `__raw`; undecodable lines rejected."""
    data = read_bytes(path)
    try:
        lines = data.decode(encoding).split("\n")
        bad = None
    except UnicodeDecodeError:  # rare: find the bad lines one by one so each can be named
        raw_lines = data.split(b"\n")
        lines, bad = [], []
        for raw in raw_lines:
            try:
                lines.append(raw.decode(encoding))
                bad.append(False)
            except UnicodeDecodeError:
                lines.append(raw.decode(encoding, errors="replace"))
                bad.append(True)
    df = pd.DataFrame({"__raw": pd.Series(lines, dtype="str").str.rstrip("\r"),
                       "__line": np.arange(1, len(lines) + 1)})
    bad = np.zeros(len(df), bool) if bad is None else np.asarray(bad)
    keep = (df["__raw"].str.strip() != "").to_numpy() | bad
    rows = SourceRows(df[keep].reset_index(drop=True), display_name(path), quarantine)
    rows.reject(bad[keep], f"invalid {encoding} text")
    return rows


def delimited(path, quarantine, sep, columns=None, header=False, encoding="utf-8", maxsplit=-1):
    """Splits a delimited text file (no quoting) into str columns, one row per line.

    `columns` names the fields; with `header=True` the first line must name the same fields
    (case-insensitive), or, when `columns` is None, gives the names. Lines with another number
    of fields are quarantined.
    """
    rows = read_lines(path, quarantine, encoding)
    if header:
        if rows.df.empty:
            raise PersonaError(f"{path}: file is empty")
        names = [h.strip() for h in rows.df["__raw"].iloc[0].split(sep)]
        if columns is not None and [n.lower() for n in names] != [c.lower() for c in columns]:
            raise PersonaError(f"{path}: line 1: expected the header {sep.join(columns)!r}, "
                               f"found {rows.df['__raw'].iloc[0]!r}")
        columns = names
        rows.df = rows.df.iloc[1:]
        rows.read -= 1
    parts = rows.df["__raw"].str.split(sep, n=maxsplit, regex=False)
    rows.reject(parts.str.len() != len(columns),
                f"expected {len(columns)} fields separated by {sep!r}")
    fields = pd.DataFrame(parts[rows.df.index].tolist(), columns=columns, index=rows.df.index,
                          dtype="str")
    rows.df = pd.concat([fields, rows.df], axis=1)
    return rows


def json_records(path, quarantine, fields):
    """Reads JSON lines (or one JSON array) keeping `fields`; unparsable records are quarantined.

    Lines that are Python literals rather than JSON (the 2014 Amazon metadata files) are read
    with `ast.literal_eval`, as https://cseweb.ucsd.edu/~jmcauley/datasets/amazon/links.html
    advises. Missing fields are None. Streams the file, so it suits multi-GB Yelp dumps.
    """
    fname = display_name(path)
    records, lines, bad = [], [], []
    with open_binary(path) as f:
        head = f.read(1024).lstrip()
    if head.startswith(b"["):  # one JSON array: records are numbered instead of lines
        try:
            items = json.loads(read_bytes(path))
        except ValueError as e:
            raise PersonaError(f"{path}: not valid JSON: {e}") from e
        numbered = enumerate(items, start=1)
    else:
        numbered = _json_lines(path, bad)
    for number, rec in numbered:
        if isinstance(rec, dict):
            records.append([rec.get(k) for k in fields])
            lines.append(number)
        else:
            bad.append((number, "not a JSON object", str(rec)))
    df = pd.DataFrame(records, columns=list(fields), dtype=object)
    df["__line"] = np.asarray(lines, dtype="int64")
    rows = SourceRows(df, fname, quarantine, read=len(df) + len(bad))
    for number, reason, raw in bad:
        quarantine.add(fname, number, "", reason, raw[:RAW_LIMIT])
    return rows


def _json_lines(path, bad):
    with open_binary(path) as f:
        for number, raw in enumerate(tqdm(f, desc=display_name(path), unit=" lines",
                                          disable=None, mininterval=2), start=1):
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                bad.append((number, "invalid utf-8 text", raw.decode("utf-8", "replace")))
                continue
            try:
                yield number, json.loads(line)
            except ValueError:
                try:
                    yield number, ast.literal_eval(line)
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    bad.append((number, "unparsable JSON", line))


def as_text(value, sep=" "):
    """A JSON cell as text: lists are joined, None is ""."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (list, tuple)):
        return sep.join(as_text(v) for v in value if as_text(v))
    return str(value).strip()


def make_dataset(items, events, social=None, users=None):
    """A `Dataset` from the reader's tables; events without a `timestamp` column mean file order."""
    def table(df, spec):
        return empty_table(spec) if df is None else df.reset_index(drop=True)
    return Dataset(items=table(items, schema.ITEMS), events=table(events, schema.EVENTS),
                   social=table(social, schema.SOCIAL), users=table(users, schema.USERS),
                   queries=empty_table(schema.QUERIES), has_time="timestamp" in events.columns)


def undirected_edges(a, b):
    """Friend pairs listed in either or both directions, each kept once (first listing wins)."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    edges = pd.DataFrame({"user_id": a, "friend_id": b}, dtype="str")
    key = pd.DataFrame({"lo": np.where(a <= b, a, b), "hi": np.where(a <= b, b, a)})
    return edges[~key.duplicated().to_numpy()].reset_index(drop=True)
