"""DeepWalk random walks and skip-gram pairs (Perozzi et al. 2014), vectorized with NumPy.

Usage:
    walks = random_walks(edges, num_nodes, walks_per_node=4, walk_length=10, seed=0)
    centers, contexts = skipgram_pairs(walks, window=3)
"""
import numpy as np


def random_walks(edges, num_nodes, walks_per_node, walk_length, seed=0):
    """[walks, walk_length] node codes: uniform random walks from every node with an edge.

    `edges` [E, 2] lists each direction to walk along (an undirected edge twice).
    """
    rng = np.random.default_rng(seed)
    order = np.argsort(edges[:, 0], kind="stable")
    neighbors = edges[order, 1]
    degree = np.bincount(edges[:, 0], minlength=num_nodes)
    offsets = np.r_[0, np.cumsum(degree)]
    starts = np.repeat(np.flatnonzero(degree), walks_per_node)
    walks = np.empty((len(starts), walk_length), np.int64)
    walks[:, 0] = starts
    for step in range(1, walk_length):
        here = walks[:, step - 1]
        pick = (rng.random(len(here)) * degree[here]).astype(np.int64)
        walks[:, step] = neighbors[offsets[here] + pick]
    return walks


def skipgram_pairs(walks, window):
    """(centers, contexts): every pair of nodes at most `window` steps apart on a walk, both
    ways round."""
    centers, contexts = [], []
    for gap in range(1, window + 1):
        a, b = walks[:, :-gap].ravel(), walks[:, gap:].ravel()
        centers += [a, b]
        contexts += [b, a]
    return np.concatenate(centers), np.concatenate(contexts)
