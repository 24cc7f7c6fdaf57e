"""Item tables of the whole catalogue (items.csv): what the item tower reads besides the item id.

Usage:
    tables = build_catalogue_tables(ds.items, TextVectors(cache), max_tokens=8, max_top_levels=32)
    tables.item_ids[3], tables.category_tokens[3], tables.text_table[tables.text_index[3]]
"""
import dataclasses

import numpy as np
import pandas as pd

from model.features.categories import category_tokens, top_levels

NO_PRICE = -1.0  # log1p(price) of an item without a price (real ones are >= 0)


def catalogue_rows(positions):
    """Catalogue positions (-1 padding) -> the rows of model.layers.Catalogue (0 padding, 1 not
    in the catalogue, position + 2)."""
    positions = np.asarray(positions)
    return np.where(positions >= 0, positions + 2, 0).astype(np.int32)


@dataclasses.dataclass
class CatalogueTables:
    item_ids: np.ndarray          # [M] str, the catalogue order of every item-indexed table
    category_vocabulary: list     # category tokens; token index = position + 1 (0: padding)
    category_tokens: np.ndarray   # [M, T] int32 token indices, 0-padded
    top_level_names: list         # the categories of the affinity distribution
    affinity: np.ndarray          # [M, A] float32: the item's top-level categories, sums to 1 or 0
    text_index: np.ndarray        # [M] int32 row of `text_table`; 0: the item has no text
    text_table: np.ndarray        # [1 + distinct texts, dim] float32; row 0 is zeros
    log_price: np.ndarray         # [M] float32 log1p(price), NO_PRICE when unknown


def item_texts(items):
    """Title and description joined; "" when the item has neither."""
    parts = [items[c].fillna("").astype(str).str.strip() for c in ("title", "description")
             if c in items]
    if not parts:
        return pd.Series("", index=items.index)
    text = parts[0]
    for part in parts[1:]:
        text = np.where((text != "") & (part != ""), text + ". " + part, text + part)
    return pd.Series(text, index=items.index)


def build_catalogue_tables(items, embed_texts, max_tokens=8, max_top_levels=32):
    """`embed_texts`: a TextVectors (list of str -> [n, dim], zeros for "")."""
    categories = items.category.fillna("").astype(str) if "category" in items else pd.Series(
        "", index=items.index)
    tokens = categories.map(lambda c: category_tokens(c)[:max_tokens])
    vocabulary = pd.Series([t for ts in tokens for t in ts]).value_counts().index.tolist()
    position = {token: i + 1 for i, token in enumerate(vocabulary)}
    token_matrix = np.zeros((len(items), max_tokens), np.int32)
    for row, ts in enumerate(tokens):
        token_matrix[row, :len(ts)] = [position[t] for t in ts]

    tops = categories.map(top_levels)
    names = pd.Series([t for ts in tops for t in ts]).value_counts().index[:max_top_levels]
    names = names.tolist()
    top_position = {name: i for i, name in enumerate(names)}
    affinity = np.zeros((len(items), len(names)), np.float32)
    for row, ts in enumerate(tops):
        known = [top_position[t] for t in ts if t in top_position]
        if known:
            affinity[row, known] = 1.0 / len(known)

    texts = item_texts(items)
    distinct = pd.unique(texts[texts != ""])
    text_table = np.concatenate([np.zeros((1, embed_texts.dim), np.float32),
                                 embed_texts(list(distinct))])
    text_row = {text: i + 1 for i, text in enumerate(distinct)}
    text_index = texts.map(lambda t: text_row.get(t, 0)).to_numpy(np.int32)

    price = items.price.to_numpy(np.float64) if "price" in items else np.full(len(items), np.nan)
    log_price = np.where(np.isfinite(price) & (price >= 0), np.log1p(np.maximum(price, 0)),
                         NO_PRICE).astype(np.float32)
    return CatalogueTables(item_ids=items.item_id.astype(str).to_numpy(object),
                           category_vocabulary=vocabulary, category_tokens=token_matrix,
                           top_level_names=names, affinity=affinity, text_index=text_index,
                           text_table=text_table, log_price=log_price)
