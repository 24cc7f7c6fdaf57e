"""A user's raw request inputs as a dataset holds them: free text, friends, joined text pieces.

Shared by training (features as of each example) and evaluation (cohort requests), so that
both build `user_text` and `friends` exactly as a serving request carries them.

Usage:
    bios = user_free_text(ds.users); friends = friends_of(ds.social)
    texts = join_texts(parts, bios, users)   # "bio . review . query", most recent last
"""
import pandas as pd

TEXT_SEPARATOR = " . "
# A users.csv column is free text (a bio) when its typical value has this many words; shorter
# values (gender, occupation, zip code) are categorical attributes, not text.
FREE_TEXT_MIN_WORDS = 3
# Reviews and queries a request carries at most (the most recent); the model averages the
# vectors of the last few pieces (TrainConfig.max_text_pieces, 8 by default).
MAX_TEXT_PIECES = 16


def user_free_text(users):
    """users.csv -> Series user_id -> its free-text columns joined (no entry: no text)."""
    columns = []
    for column in users.columns.drop("user_id", errors="ignore"):
        values = users[column].astype(str).str.strip()
        values = values[values != ""]
        if len(values) and values.str.split().str.len().median() >= FREE_TEXT_MIN_WORDS:
            columns.append(column)
    if not columns:
        return pd.Series(dtype=object)
    text = users[columns].astype(str).apply(
        lambda row: TEXT_SEPARATOR.join(v.strip() for v in row if v.strip()), axis=1)
    return pd.Series(text.to_numpy(), index=users.user_id.to_numpy())[lambda s: s != ""]


def friends_of(social):
    """social.csv -> Series user_id -> list of friend ids (both ways unless `directed`)."""
    if social.empty:
        return pd.Series(dtype=object)
    directed = social.get("directed", pd.Series(0, index=social.index)).astype(int) == 1
    both = pd.concat([social[["user_id", "friend_id"]],
                      social.loc[~directed, ["friend_id", "user_id"]].set_axis(
                          ["user_id", "friend_id"], axis=1)])
    return both.drop_duplicates().groupby("user_id").friend_id.agg(list)


def join_texts(parts, bios, users, max_pieces=MAX_TEXT_PIECES):
    """Per user: bio, then their `max_pieces` most recent text parts, oldest first.

    `parts` has columns user_id, timestamp, text; returns a list of strings aligned to `users`.
    """
    parts = parts.assign(text=parts.text.astype(str).str.strip())
    parts = parts[parts.text != ""].sort_values("timestamp", kind="stable")
    recent = parts.groupby("user_id").text.agg(lambda t: list(t)[-max_pieces:])
    return [TEXT_SEPARATOR.join(([bios[u]] if u in bios else []) + recent.get(u, []))
            for u in users]
