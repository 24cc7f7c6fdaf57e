"""ItemEmbedding: item ids -> id + category + price-bucket embedding, shared by both towers.

The item tower adds the item's text; the user tower embeds the history with this same layer,
so what the model learns about an item serves both sides.

Usage:
    embed = ItemEmbedding(catalogue, space.item_vocabulary, space.price_boundaries, dim=64)
    embed(tf.constant([["i1", "i2", ""]]))    # [1, 3, 64]
    embed.of_rows(catalogue.rows(ids))        # the same from catalogue rows
"""
import numpy as np
import pandas as pd
import tensorflow as tf

from model.layers.frozen_table import FIRST_KNOWN, FrozenTable
from model.layers.masked_ops import masked_mean

PADDING, UNKNOWN = 0, 1  # id codes; the train vocabulary starts at FIRST_KNOWN


class ItemEmbedding(tf.keras.layers.Layer):
    def __init__(self, catalogue, item_vocabulary, price_boundaries, dim, **kwargs):
        super().__init__(**kwargs)
        self.catalogue = catalogue
        self.dim = int(dim)
        # Ids seen in train have their own embedding; every other id shares the unknown row and
        # is told apart by its category, price and (in the item tower) text. Catalogue row ->
        # id code, rows 0 ("") and 1 (not in the catalogue) first.
        codes = pd.Index(list(item_vocabulary)).get_indexer(catalogue.item_ids) + FIRST_KNOWN
        codes = np.where(codes >= FIRST_KNOWN, codes, UNKNOWN)
        self.id_codes = FrozenTable(np.r_[PADDING, UNKNOWN, codes].astype(np.int32),
                                    name="item_id_codes")
        self.id_embedding = tf.keras.layers.Embedding(len(item_vocabulary) + FIRST_KNOWN, self.dim,
                                                      name="item_id_embedding")
        self.category_embedding = tf.keras.layers.Embedding(
            catalogue.num_category_tokens + 1, self.dim, name="category_embedding")
        # float32 even under mixed precision: Bucketize has no float16 kernel.
        self.price_bucket = tf.keras.layers.Discretization(bin_boundaries=list(price_boundaries),
                                                           dtype="float32", name="price_bucket")
        self.no_price = len(price_boundaries) + 1  # bucket of items without a price
        self.price_embedding = tf.keras.layers.Embedding(self.no_price + 1, self.dim,
                                                         name="price_embedding")

    def price_buckets(self, rows):
        log_price = self.catalogue.log_price(rows)
        bucket = tf.cast(self.price_bucket(log_price), tf.int32)
        return tf.where(log_price < 0, self.no_price, bucket)

    def of_rows(self, rows):
        tokens = self.catalogue.category_tokens(rows)
        category = masked_mean(self.category_embedding(tokens), tokens > 0)
        return (self.id_embedding(self.id_codes(rows)) + category
                + self.price_embedding(self.price_buckets(rows)))

    def call(self, item_ids):
        return self.of_rows(self.catalogue.rows(item_ids))
