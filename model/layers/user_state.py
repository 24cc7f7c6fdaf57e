"""UserState: user ids -> what the model learned of known users from the train split.

A trainable id embedding (zero at the start, so users seen only as friends add nothing until
training moves them) and frozen per-user tables as of the end of the train split: behavior
statistics, category taste, DeepWalk vector, most recent items (catalogue rows). "" and unknown
ids get zeros everywhere.

Usage:
    state = UserState(space, dim=64)
    codes = state.codes(tf.constant(["u1", "new"]))
    state.known(codes), state.id_vectors(codes), state.stats(codes), state.graph(codes),
    state.items(codes)   # [..., H] catalogue rows, 0 padding
"""
import tensorflow as tf

from model.layers.frozen_table import FIRST_KNOWN, FrozenTable, with_reserved_rows

__all__ = ["FIRST_KNOWN", "UserState"]


class UserState(tf.keras.layers.Layer):
    def __init__(self, space, dim, **kwargs):
        super().__init__(**kwargs)
        self.lookup = tf.keras.layers.StringLookup(vocabulary=list(space.user_vocabulary),
                                                   mask_token="", name="user_lookup")
        self.id_embedding = tf.keras.layers.Embedding(
            len(space.user_vocabulary) + FIRST_KNOWN, int(dim), embeddings_initializer="zeros",
            name="user_id_embedding")
        self.stats = FrozenTable(with_reserved_rows(space.user_stats), cast=False,
                                 name="user_stats")
        self.taste = FrozenTable(with_reserved_rows(space.user_taste), name="user_taste")
        self.graph = FrozenTable(with_reserved_rows(space.user_graph), name="user_graph")
        self.items = FrozenTable(with_reserved_rows(space.user_items), name="user_items")

    def codes(self, user_ids):
        return self.lookup(user_ids)

    def known(self, codes):
        return codes >= FIRST_KNOWN

    def id_vectors(self, codes):
        vectors = self.id_embedding(codes)
        return vectors * tf.cast(self.known(codes), vectors.dtype)[..., None]
