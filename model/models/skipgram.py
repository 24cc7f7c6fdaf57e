"""Skip-gram with negative sampling (Mikolov et al. 2013), the embedding model of DeepWalk.

Usage:
    model = SkipGram(num_nodes=1000, dim=32)
    loss = model((centers, contexts, negatives))   # [B], [B], [B, K] node codes -> [B] losses
    model.node_vectors()                           # [num_nodes, dim] L2-normalized
"""
import tensorflow as tf


class SkipGram(tf.keras.Model):
    def __init__(self, num_nodes, dim, **kwargs):
        super().__init__(**kwargs)
        self.num_nodes, self.dim = int(num_nodes), int(dim)
        self.target = tf.keras.layers.Embedding(
            num_nodes, dim, embeddings_initializer=tf.keras.initializers.RandomUniform(
                -0.5 / dim, 0.5 / dim), name="target")
        # Context vectors start at zero, as in word2vec: the first updates then move only
        # the targets, which keeps early training stable.
        self.context = tf.keras.layers.Embedding(num_nodes, dim, embeddings_initializer="zeros",
                                                 name="context")

    def call(self, inputs):
        centers, contexts, negatives = inputs
        t = self.target(centers)
        positive = tf.reduce_sum(t * self.context(contexts), axis=-1)
        negative = tf.einsum("bd,bkd->bk", t, self.context(negatives))
        return (tf.nn.softplus(-positive)  # -log sigmoid(positive)
                + tf.reduce_sum(tf.nn.softplus(negative), axis=-1))

    def node_vectors(self):
        return tf.math.l2_normalize(self.target.embeddings, axis=1).numpy()

    def get_config(self):
        return {"num_nodes": self.num_nodes, "dim": self.dim}
