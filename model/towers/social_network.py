"""SocialNetwork: the social modality of the user tower, inductive over the request's friends.

Reads the request's friends pooled: their id embeddings (attention pooling: what they like),
DeepWalk vectors and category tastes (means). It is the same computation for a known user and
for one unseen in training: the user's own DeepWalk vector is left out (a known user's friends
carry it: DeepWalk vectors are smooth over neighbourhoods), so the social vector can not
become a second user-id embedding that memorizes known users and fails new ones. Present when
a friend is known.

Usage:
    net = SocialNetwork(user_state, dim=64)
    vector, present = net(friend_ids)   # [B, D] unit, [B] bool
"""
import tensorflow as tf

from model.layers.masked_attention_pooling import MaskedAttentionPooling
from model.layers.masked_ops import masked_mean
from model.towers.mlp import ResidualMLP, unit


class SocialNetwork(tf.keras.layers.Layer):
    def __init__(self, user_state, dim, **kwargs):
        super().__init__(**kwargs)
        self.user_state = user_state
        self.pool = MaskedAttentionPooling()
        self.head = ResidualMLP(dim)

    def call(self, friend_ids):
        friends = self.user_state.codes(friend_ids)
        known = self.user_state.known(friends)
        liked = self.pool(self.user_state.id_vectors(friends), known)
        graph = masked_mean(self.user_state.graph(friends), known)
        taste = masked_mean(self.user_state.taste(friends), known)
        count = tf.math.log1p(tf.reduce_sum(tf.cast(known, liked.dtype), axis=1, keepdims=True))
        x = tf.concat([liked, graph, taste, count], axis=-1)
        return unit(self.head(x)), tf.reduce_any(known, axis=1)
