"""Catalogue: item id strings -> the stored features of the item (items.csv, all items).

Rows 0 ("" padding) and 1 (an id not in the catalogue) have empty features: no category, no
text, no price.

Usage:
    catalogue = Catalogue(space.catalogue)
    rows = catalogue.rows(tf.constant([["i1", ""]]))
    catalogue.category_tokens(rows), catalogue.affinity(rows), catalogue.text(rows),
    catalogue.log_price(rows)
"""
import tensorflow as tf

from model.features.catalogue import NO_PRICE
from model.layers.frozen_table import FrozenTable, with_reserved_rows


class Catalogue(tf.keras.layers.Layer):
    """Built from a model.features.catalogue.CatalogueTables (not config-serializable: it holds
    the catalogue; the model is rebuilt from the run's FeatureSpace)."""

    def __init__(self, tables, **kwargs):
        super().__init__(**kwargs)
        self.lookup = tf.keras.layers.StringLookup(vocabulary=list(tables.item_ids),
                                                   mask_token="", name="catalogue_lookup")
        self.category_tokens = FrozenTable(with_reserved_rows(tables.category_tokens),
                                           name="category_tokens")
        self.affinity = FrozenTable(with_reserved_rows(tables.affinity), name="affinity")
        self.text_index = FrozenTable(with_reserved_rows(tables.text_index), name="text_index")
        self.text_table = FrozenTable(tables.text_table, name="text_table")
        self.log_price = FrozenTable(with_reserved_rows(tables.log_price, fill=NO_PRICE),
                                     cast=False, name="log_price")
        self.num_category_tokens = len(tables.category_vocabulary)
        self.item_ids = tables.item_ids  # row = position + 2

    def rows(self, item_ids):
        return self.lookup(item_ids)

    def text(self, rows):
        return self.text_table(self.text_index(rows))

    def has_text(self, rows):
        return self.text_index(rows) > 0
