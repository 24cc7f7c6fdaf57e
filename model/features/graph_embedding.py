"""DeepWalk graph embeddings of users, learned from the train-split friend graph in TensorFlow.

Usage:
    vectors = deepwalk_embeddings(edges, num_nodes, dim=32, seed=0)   # [num_nodes, 32]
Users without an edge get a zero row (no social position known).
"""
import numpy as np
import tensorflow as tf
from tqdm.auto import tqdm

from model.features.random_walks import random_walks, skipgram_pairs
from model.models.skipgram import SkipGram


def deepwalk_embeddings(edges, num_nodes, dim=32, walks_per_node=4, walk_length=10, window=3,
                        negatives=4, epochs=1, batch_size=4096, learning_rate=0.02, seed=0):
    out = np.zeros((num_nodes, dim), np.float32)
    if not len(edges):
        return out
    rng = np.random.default_rng(seed)
    walks = random_walks(edges, num_nodes, walks_per_node, walk_length, seed=seed)
    centers, contexts = skipgram_pairs(walks, window)
    # Negatives from the unigram distribution to the 3/4 power (word2vec's choice).
    frequency = np.bincount(walks.ravel(), minlength=num_nodes) ** 0.75
    noise = rng.choice(num_nodes, size=(len(centers), negatives), p=frequency / frequency.sum())
    tf.random.set_seed(seed)
    model = SkipGram(num_nodes, dim)
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    @tf.function(input_signature=[(tf.TensorSpec([None], tf.int64), tf.TensorSpec([None], tf.int64),
                                    tf.TensorSpec([None, negatives], tf.int64))])
    def step(batch):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(batch))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                      model.trainable_variables))
        return loss

    starts = range(0, len(centers), batch_size)
    with tqdm(total=len(starts) * epochs, desc="deepwalk", unit="batch", leave=False) as bar:
        for _ in range(epochs):
            order = rng.permutation(len(centers))
            for start in starts:
                pick = order[start:start + batch_size]
                loss = step((centers[pick], contexts[pick], noise[pick]))
                bar.update()
            bar.set_postfix(loss=f"{float(loss):.3f}")
    vectors = model.node_vectors()
    known = np.bincount(edges[:, 0], minlength=num_nodes) > 0
    out[known] = vectors[known]
    return out
