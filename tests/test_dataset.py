"""The canonical-format loader: types, integrity, quarantine with file/line/column, clear errors."""
import subprocess
import sys

import pandas as pd
import pytest

from model.data import DatasetError, Quarantine, load_dataset

ITEMS = "item_id,title,category,price\ni1,Red dress,Clothing > Dresses,19.9\ni2,Blue shirt,Clothing > Shirts,9\n"


def write(tmp_path, files):
    for name, content in files.items():
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(tmp_path / name, mode) as f:
            f.write(content)
    return str(tmp_path)


def load(path):
    q = Quarantine()
    return load_dataset(path, quarantine=q), q


def reasons(q):
    return {(r["file"], r["line"], r["column"], r["reason"]) for r in q.rows}


def test_types_and_time_formats(tmp_path):
    d = write(tmp_path, {"items.csv": ITEMS, "events.csv":
                         "user_id,item_id,timestamp,event,rating,text\n"
                         "u1,i1,1700000000,view,,\n"
                         "u1,i2,2023-11-14T22:13:21Z,REVIEW,4.5,\"Nice, \"\"soft\"\" fabric\"\n"})
    ds, q = load(d)
    assert len(q) == 0
    assert ds.events.timestamp.tolist() == [1700000000, 1700000001]
    assert ds.events.event.tolist() == ["view", "review"]
    assert ds.events.text.iloc[1] == 'Nice, "soft" fabric'
    assert ds.events.rating.iloc[1] == 4.5 and pd.isna(ds.events.rating.iloc[0])
    assert ds.items.price.tolist() == [19.9, 9.0]
    assert ds.has_time


def test_defaults_without_optional_columns(tmp_path):
    d = write(tmp_path, {"items.csv": "item_id\ni1\ni2\n",
                         "events.csv": "user_id,item_id\nu1,i2\nu1,i1\n"})
    ds, q = load(d)
    assert ds.events.event.tolist() == ["purchase", "purchase"]
    assert ds.events.timestamp.is_monotonic_increasing  # file order stands in for time
    assert not ds.has_time
    assert ds.items.title.tolist() == ["", ""]


@pytest.mark.parametrize("row,line_col_reason", [
    ("u1,i9,5,view,", ("events.csv", 3, "item_id", "unknown item_id")),
    ("u1,i1,5,view,five", ("events.csv", 3, "rating", "non-numeric rating")),
    ("u1,i1,yesterday,view,", ("events.csv", 3, "timestamp", "unparsable timestamp")),
    (",i1,5,view,", ("events.csv", 3, "user_id", "missing user_id")),
    ("u1,i1,5,teleport,", ("events.csv", 3, "event", None)),
])
def test_bad_rows_are_quarantined_with_reason(tmp_path, row, line_col_reason):
    d = write(tmp_path, {"items.csv": ITEMS, "events.csv":
                         f"user_id,item_id,timestamp,event,rating\nu1,i1,1,view,\n{row}\nu2,i2,9,view,\n"})
    ds, q = load(d)
    assert len(ds.events) == 2 and len(q) == 1
    file, line, column, reason = line_col_reason
    r = q.rows[0]
    assert (r["file"], r["line"], r["column"]) == (file, line, column)
    assert reason is None or r["reason"] == reason
    assert q.read["events.csv"] == 3 and q.kept["events.csv"] == 2


def test_undecodable_bytes_quarantine_the_row_only(tmp_path):
    d = write(tmp_path, {"items.csv": ITEMS.encode(), "events.csv":
                         b"user_id,item_id,text\nu1,i1,ok\nu2,i2,bad \xff\xfe bytes\n"})
    ds, q = load(d)
    assert ds.events.user_id.tolist() == ["u1"]
    assert reasons(q) == {("events.csv", 3, "text", "invalid UTF-8")}


def test_truncated_csv_keeps_complete_rows(tmp_path):
    d = write(tmp_path, {"items.csv": ITEMS, "events.csv":
                         'user_id,item_id,text\nu1,i1,"fine"\nu2,i2,"cut in the mid'})
    ds, q = load(d)
    assert ds.events.user_id.tolist() == ["u1"]
    assert [r["line"] for r in q.rows] == [3]
    d = write(tmp_path, {"events.csv": "user_id,item_id,text\nu1,i1,x\nu2,i2"})
    ds, q = load(d)
    assert len(ds.events) == 1 and "wrong number of fields" in q.rows[0]["reason"]


def test_social_integrity_and_undirected_duplicates(tmp_path):
    d = write(tmp_path, {"items.csv": ITEMS,
                         "events.csv": "user_id,item_id\nu1,i1\nu2,i2\nu3,i1\n",
                         "social.csv": "user_id,friend_id\nu1,u2\nu2,u1\nu1,u1\nu1,ghost\nu2,u3\n"})
    ds, q = load(d)
    assert sorted(map(tuple, ds.social[["user_id", "friend_id"]].values)) == [("u1", "u2"), ("u2", "u3")]
    assert {r["reason"] for r in q.rows} == {"duplicate edge", "self loop", "unknown user_id"}


def test_duplicates_are_quarantined(tmp_path):
    d = write(tmp_path, {"items.csv": ITEMS + "i1,Again,,1\n",
                         "events.csv": "user_id,item_id,timestamp\nu1,i1,5\nu1,i1,5\n"})
    ds, q = load(d)
    assert len(ds.items) == 2 and len(ds.events) == 1
    assert {r["reason"] for r in q.rows} == {"duplicate item_id", "duplicate event"}


def test_parquet_is_accepted(tmp_path):
    pd.DataFrame({"item_id": ["i1", "i2"], "title": ["a", "b"]}).to_parquet(tmp_path / "items.parquet")
    pd.DataFrame({"user_id": ["u1"], "item_id": ["i2"], "timestamp": [5]}).to_parquet(
        tmp_path / "events.parquet")
    ds, q = load(str(tmp_path))
    assert ds.events.item_id.tolist() == ["i2"] and ds.events.timestamp.tolist() == [5]


@pytest.mark.parametrize("files,message", [
    ({}, "empty directory"),
    ({"items.csv": ITEMS}, "no events.csv"),
    ({"items.csv": ITEMS, "events.csv": ""}, "events.csv: file is empty"),
    ({"items.csv": ITEMS, "events.csv": "user_id,item_id\n"}, "events.csv: no usable rows"),
    ({"items.csv": ITEMS, "events.csv": "user_id,item_id\nu1,nope\n"}, "1 x unknown item_id"),
    ({"items.csv": ITEMS, "events.csv": "user,item\nu1,i1\n"}, "events.csv: line 1: missing required column"),
    ({"items.csv": ITEMS, "events.csv": "\ufeffuser_id,item_id\n".encode("utf-16")}, "events.csv: line 1"),
])
def test_unusable_dataset_raises_clear_error(tmp_path, files, message):
    d = write(tmp_path, files)
    with pytest.raises(DatasetError, match=message):
        load(d)


def test_validate_cli_reports_without_traceback(tmp_path):
    bad = write(tmp_path, {"items.csv": ITEMS, "events.csv": "user_id,item_id\n"})
    r = subprocess.run([sys.executable, "-m", "persona", "data", "validate", bad],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "events.csv: no usable rows" in r.stderr
    write(tmp_path, {"events.csv": "user_id,item_id,rating\nu1,i1,4\nu1,i2,x\n"})
    r = subprocess.run([sys.executable, "-m", "persona", "data", "validate", bad],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "non-numeric rating" in r.stdout
    quarantined = pd.read_csv(tmp_path / "quarantine.csv")
    assert quarantined[["file", "line", "column"]].values.tolist() == [["events.csv", 3, "rating"]]
