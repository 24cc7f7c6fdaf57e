"""Load, validate and write datasets in the canonical format.

Usage:
    from model.data import load_dataset, Quarantine
    q = Quarantine()
    ds = load_dataset("data/shop", quarantine=q)   # raises DatasetError if unusable as a whole
    q.write("data/shop/quarantine.csv"); print(q.summary())
"""
import csv
import dataclasses
import io
import os
import sys

import numpy as np
import pandas as pd

from model.data import schema
from persona.errors import PersonaError
from model.data.quarantine import Quarantine

csv.field_size_limit(sys.maxsize)


class DatasetError(PersonaError):
    """The dataset is unusable as a whole; the message names the file (and line, column)."""


@dataclasses.dataclass
class Dataset:
    """The canonical tables as pandas DataFrames with normalized types.

    ids and texts are str ("" when unknown), `events.timestamp` and `queries.timestamp` are
    int64 unix seconds (file order when the source has no time: `has_time` is then False),
    numbers are float64 (NaN when unknown).
    """

    items: pd.DataFrame
    events: pd.DataFrame
    social: pd.DataFrame
    users: pd.DataFrame
    queries: pd.DataFrame
    has_time: bool = True

    def tables(self):
        return {"items": self.items, "events": self.events, "social": self.social,
                "users": self.users, "queries": self.queries}

    def user_ids(self):
        """All users the dataset knows: from events, users.csv and queries."""
        return pd.Index(pd.concat([self.events.user_id, self.users.user_id,
                                   self.queries.user_id]).unique())

    def summary(self):
        return {"users": int(len(self.user_ids())), "items": int(len(self.items)),
                "events": int(len(self.events)), "social_edges": int(len(self.social)),
                "queries": int(len(self.queries)),
                "event_types": {k: int(v) for k, v in self.events.event.value_counts().items()}}


def empty_table(spec):
    cols = list(spec.required) + list(spec.optional)
    return pd.DataFrame({c: pd.Series(dtype=_dtype(spec, c)) for c in cols})


def _dtype(spec, column):
    if column in spec.numeric:
        return "float64"
    if column == "timestamp" or column == "directed":
        return "int64"
    return "object"


def _read_csv_strings(path, fname):
    """Reads a CSV into a DataFrame of str cells plus `__line` (the row's first line).

    Returns (DataFrame, bad) where bad lists (line, reason, raw, column) of rows that cannot
    enter the table: undecodable bytes (decoded as surrogates first, so that the line and the
    column can be named), unparsable CSV, or a field count unlike the header's (truncation).
    """
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DatasetError(f"{fname}: cannot read file: {e.strerror}") from e
    if not raw.strip():
        raise DatasetError(f"{fname}: file is empty")
    try:
        text, check_utf8 = raw.decode("utf-8"), False
    except UnicodeDecodeError:  # per-cell checks only when some bytes do not decode
        text, check_utf8 = raw.decode("utf-8", errors="surrogateescape"), True
    text = text.lstrip("\ufeff")
    # strict: a quote left open at the end of the file (a truncated file) is an error for
    # that row, not a silently swallowed remainder.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except csv.Error as e:
        raise DatasetError(f"{fname}: line 1: unreadable header: {e}") from e
    header = [h.strip() for h in header]
    if any(_has_surrogates(h) or "\x00" in h for h in header):
        raise DatasetError(f"{fname}: line 1: header is not UTF-8 text (is this a CSV file?)")
    rows, lines, raws, bad = [], [], [], []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            bad.append((start, f"unparsable CSV row: {e}", "", ""))
            start = reader.line_num + 1
            continue
        if row and any(cell.strip() for cell in row):
            if len(row) != len(header):
                bad.append((start, f"wrong number of fields (expected {len(header)}, "
                                   f"got {len(row)}; truncated row?)", ",".join(row)[:500], ""))
            elif check_utf8 and any(_has_surrogates(cell) for cell in row):
                column = header[next(i for i, c in enumerate(row) if _has_surrogates(c))]
                bad.append((start, "invalid UTF-8", ",".join(row)[:500], column))
            else:
                rows.append(row)
                lines.append(start)
                raws.append(",".join(row)[:500])
        start = reader.line_num + 1
    df = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(
        columns=header, dtype=object)
    df["__line"] = lines
    df["__raw"] = raws
    return df, bad


def _read_parquet_strings(path, fname):
    import pyarrow.parquet as pq
    try:
        df = pq.read_table(path).to_pandas()
    except Exception as e:  # pyarrow raises many types for corrupt files
        raise DatasetError(f"{fname}: unreadable Parquet file: {e}") from e
    df = df.astype(object).where(df.notna(), "").astype(str)
    df["__line"] = np.arange(1, len(df) + 1)
    df["__raw"] = df.drop(columns="__line").agg(",".join, axis=1).str.slice(0, 500)
    return df, []


def _has_surrogates(s):
    return any("\udc80" <= ch <= "\udcff" for ch in s)


class _TableValidator:
    """Applies one table's checks, moving bad rows to the quarantine with file/line/column."""

    def __init__(self, df, fname, quarantine):
        self.df, self.fname, self.q = df, fname, quarantine

    def reject(self, mask, reason, column=""):
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        bad = self.df[mask]
        for line, raw in zip(bad["__line"], bad["__raw"]):
            self.q.add(self.fname, int(line), column, reason, raw)
        self.df = self.df[~mask]


def _read_table(directory, spec, quarantine):
    """Reads and validates one table alone (cross-table checks come after)."""
    csv_path = os.path.join(directory, spec.name + ".csv")
    pq_path = os.path.join(directory, spec.name + ".parquet")
    if os.path.exists(csv_path):
        fname = spec.name + ".csv"
        df, bad = _read_csv_strings(csv_path, fname)
    elif os.path.exists(pq_path):
        fname = spec.name + ".parquet"
        df, bad = _read_parquet_strings(pq_path, fname)
    else:
        if spec.name in schema.REQUIRED_TABLES:
            raise DatasetError(f"{directory}: no {spec.name}.csv (or .parquet): a dataset needs "
                               f"{' and '.join(t + '.csv' for t in schema.REQUIRED_TABLES)}")
        return None, empty_table(spec)
    for line, reason, raw, column in bad:
        quarantine.add(fname, line, column, reason,
                       raw.encode("utf-8", "replace").decode("utf-8"))
    read_rows = len(df) + len(bad)
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise DatasetError(f"{fname}: line 1: missing required column(s) {', '.join(missing)} "
                           f"(header: {', '.join(c for c in df.columns if c != '__line')})")
    present = set(df.columns)
    keep = [c for c in df.columns if c.startswith("__") or c in spec.required or c in spec.optional
            or spec.open_columns]
    v = _TableValidator(df[keep].copy(), fname, quarantine)
    for col in spec.ids:
        v.df[col] = v.df[col].str.strip()
        v.reject(v.df[col] == "", f"missing {col}", col)
    for col, default in spec.optional.items():
        if col not in present:
            v.df[col] = default
    for col in spec.numeric:
        if col in present:
            given = v.df[col].str.strip() != ""
            num = pd.to_numeric(v.df[col].str.strip(), errors="coerce").astype("float64")
            v.reject(given & ~np.isfinite(num), f"non-numeric {col}", col)  # NaN is not finite
            v.df[col] = num.loc[v.df.index]
            if not np.isnan(spec.optional.get(col, np.nan)):
                v.df[col] = v.df[col].fillna(spec.optional[col])
    if "timestamp" in spec.optional:
        if "timestamp" in present:
            ts = parse_timestamps(v.df["timestamp"])
            v.reject(ts.isna(), "unparsable timestamp", "timestamp")
            v.df["timestamp"] = ts.loc[v.df.index].astype("int64")
        else:  # file order stands in for time
            v.df["timestamp"] = v.df["__line"].astype("int64")
    if "event" in spec.optional:
        ev = v.df["event"].str.strip().str.lower().replace("", schema.DEFAULT_EVENT)
        v.df["event"] = ev
        v.reject(~ev.isin(schema.EVENT_TYPES),
                 f"unknown event type (expected one of {', '.join(schema.EVENT_TYPES)})", "event")
    if "directed" in spec.optional and "directed" in present:
        d = v.df["directed"].str.strip().replace("", "0")
        v.reject(~d.isin(["0", "1"]), "directed must be 0 or 1", "directed")
        v.df["directed"] = v.df["directed"].str.strip().replace("", "0").astype("int64")
    for col in ("title", "description", "category", "brand", "text", "query"):
        if col in v.df.columns:
            v.df[col] = v.df[col].fillna("").astype(str)
    v.has_time = "timestamp" in present
    v.read_rows = read_rows
    return v, None


def parse_timestamps(values):
    """Unix seconds (int or float) or ISO 8601 strings -> Int64 unix seconds (NA if unparsable)."""
    s = pd.Series(values, dtype=object).astype(str).str.strip()
    num = pd.to_numeric(s, errors="coerce")
    out = pd.Series(pd.NA, index=s.index, dtype="Int64")
    is_num = num.notna() & np.isfinite(num.fillna(0))
    out[is_num] = num[is_num].astype("int64")
    rest = ~is_num & (s != "")
    if rest.any():
        dt = pd.to_datetime(s[rest], format="ISO8601", utc=True, errors="coerce")
        ok = dt.notna()
        secs = (dt[ok] - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)
        out[ok[ok].index] = secs.astype("int64")
    return out


def load_dataset(directory, quarantine=None):
    """Reads and validates a canonical dataset directory.

    Bad rows go to `quarantine` (a `Quarantine`) with file, line, column and reason. Raises
    `DatasetError` with a message naming the file when the dataset is unusable as a whole.
    """
    q = quarantine if quarantine is not None else Quarantine()
    if not os.path.isdir(directory):
        raise DatasetError(f"{directory}: not a directory")
    if not os.listdir(directory):
        raise DatasetError(f"{directory}: empty directory (a dataset needs items.csv and "
                           f"events.csv)")
    tables, validators = {}, {}
    for spec in schema.TABLES:
        v, empty = _read_table(directory, spec, q)
        validators[spec.name] = v
        tables[spec.name] = empty if v is None else v.df

    items_v, events_v = validators["items"], validators["events"]
    dup = items_v.df.duplicated("item_id", keep="first")
    items_v.reject(dup, "duplicate item_id", "item_id")
    if items_v.df.empty:
        raise DatasetError(f"{items_v.fname}: no usable rows ({_reasons(q, items_v.fname)})")
    known_items = set(items_v.df.item_id)
    events_v.reject(~events_v.df.item_id.isin(known_items), "unknown item_id", "item_id")
    events_v.reject(_duplicated(events_v, schema.EVENTS), "duplicate event")
    if events_v.df.empty:
        raise DatasetError(f"{events_v.fname}: no usable rows ({_reasons(q, events_v.fname)})")
    queries_v = validators["queries"]
    if queries_v is not None:
        queries_v.reject(~queries_v.df.item_id.isin(known_items), "unknown item_id", "item_id")
        queries_v.reject(_duplicated(queries_v, schema.QUERIES), "duplicate query")
    users_v = validators["users"]
    if users_v is not None:
        users_v.reject(users_v.df.duplicated("user_id"), "duplicate user_id", "user_id")
    social_v = validators["social"]
    if social_v is not None:
        known_users = set(events_v.df.user_id)
        for other in (users_v, queries_v):
            if other is not None:
                known_users |= set(other.df.user_id)
        s = social_v.df
        social_v.reject(~s.user_id.isin(known_users), "unknown user_id", "user_id")
        social_v.reject(~social_v.df.friend_id.isin(known_users), "unknown user_id", "friend_id")
        social_v.reject(social_v.df.user_id == social_v.df.friend_id, "self loop", "friend_id")
        s = social_v.df
        undirected = s.directed.astype(int) == 0
        swap = undirected & (s.user_id > s.friend_id)  # (a,b) and (b,a) are one undirected edge
        lo = s.user_id.where(~swap, s.friend_id)
        hi = s.friend_id.where(~swap, s.user_id)
        social_v.reject(pd.DataFrame({"a": lo, "b": hi}).duplicated().values, "duplicate edge")

    for name, v in validators.items():
        if v is None:
            continue
        q.count(v.fname, read=v.read_rows, kept=len(v.df))
        tables[name] = _data(v.df).reset_index(drop=True)
    return Dataset(**tables, has_time=events_v.has_time)


def _duplicated(v, spec):
    """Rows repeating an earlier row's key (user, item, time, ...); with no time in the file,
    rows repeating an earlier row in every column."""
    if v.has_time:
        return v.df.duplicated(list(spec.key))
    return _data(v.df).drop(columns="timestamp").duplicated()


def _data(df):
    """The table without the loader's bookkeeping columns (__line, __raw)."""
    return df[[c for c in df.columns if not c.startswith("__")]]


def _reasons(q, fname):
    counts = {r: n for (f, r), n in q.reasons().items() if f == fname}
    if not counts:
        return "the file has a header but no rows"
    return "quarantined: " + "; ".join(f"{n} x {r}" for r, n in counts.items())


def write_dataset(ds, out):
    """Writes the canonical CSV files (empty optional tables are left out)."""
    os.makedirs(out, exist_ok=True)
    for name, df in ds.tables().items():
        if name in schema.REQUIRED_TABLES or len(df):
            df.to_csv(os.path.join(out, name + ".csv"), index=False, encoding="utf-8")
