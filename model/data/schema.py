"""The canonical dataset format: the one interchange format every reader writes.

A dataset is a directory of UTF-8 CSV files (Parquet with the same columns is also accepted).
Everything downstream of a reader reads only this format, through `model.data.load_dataset`.
"""
from dataclasses import dataclass

EVENT_TYPES = ("view", "click", "cart", "purchase", "rating", "review")
DEFAULT_EVENT = "purchase"


@dataclass(frozen=True)
class TableSpec:
    """Columns of one canonical file: required, optional with defaults, and their kinds."""

    name: str
    required: tuple
    optional: dict  # column -> default value when the file lacks it
    numeric: tuple = ()  # columns parsed as float
    ids: tuple = ()  # columns that must be non-empty
    key: tuple = ()  # columns that identify a row for duplicate detection
    open_columns: bool = False  # extra free columns allowed (users.csv)


ITEMS = TableSpec(
    name="items",
    required=("item_id",),
    optional={"title": "", "description": "", "category": "", "brand": "", "price": float("nan")},
    numeric=("price",),
    ids=("item_id",),
    key=("item_id",),
)
# `weight` is an extension of DESIGN.md's events table: an interaction strength
# (e.g. Last.fm listen counts); 1 when absent.
EVENTS = TableSpec(
    name="events",
    required=("user_id", "item_id"),
    optional={"timestamp": None, "event": DEFAULT_EVENT, "rating": float("nan"), "text": "",
              "weight": 1.0},
    numeric=("rating", "weight"),
    ids=("user_id", "item_id"),
    key=("user_id", "item_id", "timestamp", "event"),
)
SOCIAL = TableSpec(
    name="social",
    required=("user_id", "friend_id"),
    optional={"weight": 1.0, "directed": 0},
    numeric=("weight",),
    ids=("user_id", "friend_id"),
    key=("user_id", "friend_id"),
)
USERS = TableSpec(
    name="users", required=("user_id",), optional={}, ids=("user_id",), key=("user_id",),
    open_columns=True,
)
QUERIES = TableSpec(
    name="queries",
    required=("user_id", "query", "item_id"),
    optional={"timestamp": None},
    ids=("user_id", "query", "item_id"),
    key=("user_id", "query", "item_id", "timestamp"),
)

TABLES = (ITEMS, EVENTS, SOCIAL, USERS, QUERIES)
REQUIRED_TABLES = ("items", "events")
