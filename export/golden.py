"""Golden inputs: a small batch of raw requests that exercises the odd but legal cases.

They feed the export's reload check (outputs before and after a fresh-process reload must
match) and the warmup records. Rows: everything empty, an ordinary user, undecodable bytes
and unknown ids, non-Latin text and emoji. A caller may append rows with real ids.

Usage:
    inputs = golden_inputs()                    # {input name: numpy array}, 4 rows
    inputs = golden_inputs(extra={"user_id": ["u1"], "history": [["i1", "i2"]], ...})
"""
import numpy as np

from persona import contract

_ROWS = [
    {contract.USER_ID: "", contract.USER_TEXT: "", contract.HISTORY: [""],
     contract.FRIENDS: [""], contract.QUERY: "", contract.CANDIDATES: [""]},
    {contract.USER_ID: "golden-user", contract.USER_TEXT: "Comfortable running shoes, true to size",
     contract.HISTORY: ["golden-item-1", "golden-item-2"], contract.FRIENDS: ["golden-friend"],
     contract.QUERY: "trail shoes", contract.CANDIDATES: ["golden-item-1", "golden-item-3"]},
    {contract.USER_ID: "never-seen-user", contract.USER_TEXT: b"caf\xc3\xa9 \xff\xfe broken",
     contract.HISTORY: ["never-seen-item"], contract.FRIENDS: ["never-seen-friend", ""],
     contract.QUERY: b"\xc3", contract.CANDIDATES: ["never-seen-item"]},
    {contract.USER_ID: "golden-user-2", contract.USER_TEXT: "很好用的背包 \U0001F392 recommend",
     contract.HISTORY: [], contract.FRIENDS: ["golden-user"],
     contract.QUERY: "背包", contract.CANDIDATES: ["golden-item-2", ""]},
]


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def batch(rows):
    """Rows of {input: value or list} -> {input: [B] or [B, W] bytes array}, "" padded."""
    out = {}
    for name in rows[0]:
        values = [row[name] for row in rows]
        if contract.INPUT_RANK[name] == 1:
            out[name] = np.array([_bytes(v) for v in values], dtype=object)
        else:
            width = max(1, max(len(v) for v in values))
            out[name] = np.array([[_bytes(x) for x in v] + [b""] * (width - len(v))
                                  for v in values], dtype=object)
    return out


def golden_inputs(extra=None):
    """The golden batch, with `extra` rows ({input: list of values per row}) appended."""
    rows = list(_ROWS)
    if extra:
        count = len(next(iter(extra.values())))
        rows += [{name: extra.get(name, [""] * count)[i] if contract.INPUT_RANK[name] == 1
                  else extra.get(name, [[""]] * count)[i] for name in _ROWS[0]}
                 for i in range(count)]
    return batch(rows)
