"""UserTower: user features -> the L2-normalized profile vector and the modality weights.

Features (raw strings; "" pads and means unknown):
  user_id [B], history [B, L] (oldest first; the last `history_length` are read), friends
  [B, F], user_text_embedding [B, T]
  (mean BERT vector of the user's own text pieces; zeros: none);
  optional behavior_stats [B, S]: training examples carry them as of their moment; requests
  leave them out and the user's row of the per-user table (end of train) is used;
  optional modality_mask [B, 3] (contract.MODALITIES order; 0 hides a modality: ablations).

While training, `new_user_rate` of the examples are treated as unknown users (no id
embedding or statistics), so that a new user with a history, text or friends
is served well, and the fusion drops modalities at random (see ModalityFusion).

Usage:
    tower = UserTower(item_embedding, item_tower, catalogue, user_state, space, config)
    profile, weights = tower(features)     # [B, D], [B, 3]
    vectors, present = tower.modalities(features)   # [B, 3, D], [B, 3]: before the fusion
"""
import tensorflow as tf

from model.layers.modality_fusion import ModalityFusion
from model.layers.user_state import FIRST_KNOWN
from model.towers.behavior_network import BehaviorNetwork
from model.towers.social_network import SocialNetwork
from model.towers.text_network import TextNetwork

UNKNOWN = FIRST_KNOWN - 1


def most_recent(ids, count):
    """[B, L] ids with "" anywhere -> [B, count]: each row's last `count` ids, left-aligned."""
    kept = tf.ragged.boolean_mask(ids, ids != "")
    return kept[:, -count:].to_tensor(default_value="", shape=[None, count])


class UserTower(tf.keras.layers.Layer):
    def __init__(self, item_embedding, item_tower, catalogue, user_state, space, config,
                 **kwargs):
        super().__init__(**kwargs)
        self.user_state = user_state
        self.text = TextNetwork(catalogue, config.embedding_dim)
        self.behavior = BehaviorNetwork(item_embedding, catalogue, user_state, space, config)
        self.social = SocialNetwork(user_state, item_tower, config.embedding_dim)
        self.fusion = ModalityFusion(dropout=config.modality_dropout)
        self.new_user_rate = float(config.new_user_rate)
        self.history_length = int(config.history_length)

    def call(self, features, training=False):
        vectors, present = self.modalities(features, training=training)
        return self.fusion(vectors, present, training=training)

    def modalities(self, features, training=False):
        """The modality vectors [B, 3, D] (unit rows) and their presence [B, 3] (0 or 1)."""
        codes = self.user_state.codes(features["user_id"])
        stats = (features["behavior_stats"] if "behavior_stats" in features
                 else self.user_state.stats(codes))
        if training and self.new_user_rate > 0:
            hide = tf.random.uniform(tf.shape(codes)) < self.new_user_rate
            codes = tf.where(hide & self.user_state.known(codes), tf.cast(UNKNOWN, codes.dtype),
                             codes)
            stats = tf.where(hide[:, None], tf.zeros_like(stats), stats)
        history = most_recent(features["history"], self.history_length)
        friends = features["friends"]
        text, has_text = self.text(features["user_text_embedding"], history)
        behavior, has_behavior = self.behavior(history, codes, stats, training=training)
        social, has_social = self.social(friends)
        present = tf.cast(tf.stack([has_text, has_behavior, has_social], axis=1), tf.float32)
        if "modality_mask" in features:
            present = present * tf.cast(features["modality_mask"], tf.float32)
        return tf.stack([text, behavior, social], axis=1), present
