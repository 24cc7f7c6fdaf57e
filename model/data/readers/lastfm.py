"""hetrec2011 Last.fm (`*.dat`, tab-separated with a header line).

- `user_artists.dat`: listens become `view` events weighted by the listen count (no time: the
  source has none, so file order stands in for it);
- `user_taggedartists.dat` + `tags.dat` (Latin-1): the tags a user gave an artist become the
  text of that (user, artist) event, in file order, joined by ", "; a pair the user tagged
  without a listen count becomes a `review` event of its own (tag dates are not kept: the
  listens they would sit among have none);
- `user_friends.dat`: friendships, listed in both directions, become undirected edges, once;
- `artists.dat`: artist names become item titles.

Usage:
    ds = lastfm.read("../shared/data/lastfm-2k", Quarantine())

Source: https://grouplens.org/datasets/hetrec-2011/ (readme.txt in the archive)
"""
import os

import pandas as pd

from model.data.readers.source import delimited, make_dataset, undirected_edges
from persona.errors import PersonaError


def read(src, quarantine):
    """Reads a hetrec2011-lastfm-2k directory into a `Dataset`."""
    if not os.path.isdir(src):
        raise PersonaError(f"{src}: not a directory (expected the Last.fm .dat files)")

    def table(name, columns, ids, encoding="utf-8"):
        path = os.path.join(src, name)
        if not os.path.isfile(path):
            raise PersonaError(f"{path}: missing")
        rows = delimited(path, quarantine, "\t", columns, header=True, encoding=encoding)
        rows.required(*ids)
        return rows

    rows = table("artists.dat", ["id", "name", "url", "pictureURL"], ["id"])
    artists = rows.done()
    items = pd.DataFrame({"item_id": artists.id, "title": artists.name.str.strip()})

    rows = table("user_artists.dat", ["userID", "artistID", "weight"], ["userID", "artistID"])
    rows.number("weight")
    listens = rows.done()

    rows = table("tags.dat", ["tagID", "tagValue"], ["tagID"], encoding="latin-1")
    tags = rows.done()
    rows = table("user_taggedartists.dat", ["userID", "artistID", "tagID", "day", "month", "year"],
                 ["userID", "artistID", "tagID"])
    rows.reject(~rows.df.artistID.isin(items.item_id), "artistID not in artists.dat", "artistID")
    rows.reject(~rows.df.tagID.isin(tags.tagID), "tagID not in tags.dat", "tagID")
    tagged = rows.done().merge(tags.assign(tagValue=tags.tagValue.str.strip()), on="tagID")
    pair_text = tagged.groupby(["userID", "artistID"], sort=False).tagValue.agg(", ".join) \
        .rename("text").reset_index()

    listens = listens.merge(pair_text, on=["userID", "artistID"], how="left")
    listens["event"] = "view"
    tag_only = pair_text.merge(listens[["userID", "artistID"]], how="left", indicator=True)
    tag_only = tag_only[tag_only.pop("_merge") == "left_only"].assign(event="review", weight=1.0)
    events = pd.concat([listens, tag_only], ignore_index=True).rename(
        columns={"userID": "user_id", "artistID": "item_id"})
    events["text"] = events.text.fillna("")

    rows = table("user_friends.dat", ["userID", "friendID"], ["userID", "friendID"])
    friends = rows.done()
    social = undirected_edges(friends.userID, friends.friendID)
    return make_dataset(items, events[["user_id", "item_id", "event", "weight", "text"]],
                        social=social)
