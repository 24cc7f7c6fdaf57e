"""SocialNetwork: the social modality of the user tower, inductive over the request's friends.

Reads the request's friends pooled: what they consumed (the item-tower vectors of each
friend's most recent train items, averaged over all friends, so an item several friends share
weighs more), their user-id embeddings (attention pooling), DeepWalk vectors and category
tastes (means). The consumed items enter in the item tower's own space and also by a residual
path to the output, so a friend's item scores high for the user from the start (the "what my
friends have" signal) and the head learns what to add. It is the same computation for a known
user and for one unseen in training: the user's own DeepWalk vector is left out (a known
user's friends carry it: DeepWalk vectors are smooth over neighbourhoods), so the social vector
can not become a second user-id embedding that memorizes known users and fails new ones.
Present when a friend is known.

Usage:
    net = SocialNetwork(user_state, item_tower, dim=64)
    vector, present = net(friend_ids)   # [B, D] unit, [B] bool
"""
import tensorflow as tf

from model.layers.masked_attention_pooling import MaskedAttentionPooling
from model.layers.masked_ops import masked_mean
from model.towers.mlp import ResidualMLP, unit


class SocialNetwork(tf.keras.layers.Layer):
    def __init__(self, user_state, item_tower, dim, **kwargs):
        super().__init__(**kwargs)
        self.user_state, self.item_tower = user_state, item_tower
        self.pool = MaskedAttentionPooling()
        self.head = ResidualMLP(dim)

    def build(self, input_shape):
        # How much the friends' items count as they are (learned: a lot where friends share
        # items, as on Last.fm; little where they share tastes rather than items).
        self.consumed_weight = self.add_weight(name="consumed_weight", shape=(),
                                               initializer=tf.keras.initializers.Ones())
        super().build(input_shape)

    def call(self, friend_ids):
        friends = self.user_state.codes(friend_ids)
        known = self.user_state.known(friends)
        items = self.user_state.items(friends)  # [B, F, H]; unknown friends: all padding
        consumed = self.item_tower.mean_of_rows(tf.reshape(items, [tf.shape(items)[0], -1]))
        liked = self.pool(self.user_state.id_vectors(friends), known)
        graph = masked_mean(self.user_state.graph(friends), known)
        taste = masked_mean(self.user_state.taste(friends), known)
        count = tf.math.log1p(tf.reduce_sum(tf.cast(known, liked.dtype), axis=1, keepdims=True))
        x = tf.concat([tf.cast(consumed, liked.dtype), liked, graph, taste, count], axis=-1)
        residual = tf.cast(self.consumed_weight, tf.float32) * tf.cast(consumed, tf.float32)
        return unit(residual + unit(self.head(x))), tf.reduce_any(known, axis=1)
