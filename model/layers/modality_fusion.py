"""ModalityFusion: modality vectors -> one L2-normalized profile with per-user modality weights.

A gate reads all present modality vectors and their presence flags and scores each modality;
a softmax over the present ones gives the user's weights, and the profile is the weighted sum.
While training, each present modality is hidden with probability `dropout` (modality dropout),
so the gate and every modality network learn to work with any subset. With no modality at all
the profile is a learned default vector (for an anonymous user it behaves like popularity).

Usage:
    fusion = ModalityFusion(dropout=0.3)
    profile, weights = fusion(vectors, present)   # [B, M, D], [B, M] -> [B, D], [B, M]
"""
import tensorflow as tf


@tf.keras.utils.register_keras_serializable(package="persona")
class ModalityFusion(tf.keras.layers.Layer):
    def __init__(self, dropout=0.3, hidden=64, **kwargs):
        super().__init__(**kwargs)
        self.dropout, self.hidden = float(dropout), int(hidden)
        self.gate_hidden = tf.keras.layers.Dense(self.hidden, activation="relu")

    def build(self, input_shape):
        num_modalities, dim = int(input_shape[-2]), int(input_shape[-1])
        self.gate = tf.keras.layers.Dense(num_modalities)
        self.default = self.add_weight(name="default", shape=(dim,),
                                       initializer=tf.keras.initializers.RandomNormal(0.0, 0.1))
        super().build(input_shape)

    def call(self, vectors, present, training=False):
        present = tf.cast(present, vectors.dtype)
        if training and self.dropout > 0:
            keep = tf.random.uniform(tf.shape(present)) >= self.dropout
            present = present * tf.cast(keep, vectors.dtype)
        masked = vectors * present[..., None]
        flat = tf.reshape(masked, [tf.shape(masked)[0], masked.shape[1] * masked.shape[2]])
        logits = self.gate(self.gate_hidden(tf.concat([flat, present], axis=-1)))
        logits = tf.where(present > 0, logits, tf.cast(-1e4, logits.dtype))
        weights = tf.nn.softmax(logits, axis=-1) * present
        weights = weights / tf.maximum(tf.reduce_sum(weights, axis=-1, keepdims=True),
                                       tf.cast(1e-6, weights.dtype))
        fused = tf.einsum("bm,bmd->bd", weights, vectors)
        nothing = 1.0 - tf.reduce_max(present, axis=-1, keepdims=True)
        fused = fused + nothing * tf.cast(self.default, fused.dtype)[None, :]
        return tf.math.l2_normalize(tf.cast(fused, tf.float32), axis=-1), tf.cast(weights,
                                                                                   tf.float32)

    def get_config(self):
        return {**super().get_config(), "dropout": self.dropout, "hidden": self.hidden}
