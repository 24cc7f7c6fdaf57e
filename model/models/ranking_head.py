"""RankingHead: (profile, item vector) -> a rating or a purchase logit, for the Ranking task.

Usage:
    head = RankingHead(hidden=64)
    head(profiles, items)    # [B, D], [B, D] -> [B, 1]
"""
import tensorflow as tf


@tf.keras.utils.register_keras_serializable(package="persona")
class RankingHead(tf.keras.layers.Layer):
    def __init__(self, hidden=64, **kwargs):
        super().__init__(**kwargs)
        self.hidden = int(hidden)
        self.mlp = tf.keras.Sequential([
            tf.keras.layers.Dense(self.hidden, activation="relu"),
            tf.keras.layers.Dense(self.hidden // 2, activation="relu"),
            tf.keras.layers.Dense(1, dtype="float32")])

    def call(self, profiles, items):
        items = tf.cast(items, profiles.dtype)  # Keras autocasts only the first argument
        return self.mlp(tf.concat([profiles, items, profiles * items], axis=-1))

    def get_config(self):
        return {**super().get_config(), "hidden": self.hidden}
