"""The trained model of a `persona train` run behind a NumPy API (evaluation, notebooks).

Requests are DataFrames with the serving inputs (persona.contract.USER_INPUTS columns); text
goes through the run's cached BERT vectors, everything else through the model, as in serving.

Usage:
    rec = load_recommender("runs/r1")
    rec.item_ids                              # catalogue order of every score column
    rec.user_vectors(requests)                # [n, D] L2-normalized profiles
    rec.user_vectors(requests, modalities=("text",))   # ablation: other modalities hidden
    rec.score(requests)                       # [n, M] = query vectors @ item_vectors().T
    rec.modality_weights(requests)            # [n, 3] (text, behavior, social)
    rec.segments(requests)                    # [n] int64
"""
import numpy as np
import tensorflow as tf

from model.features.requests import RequestEncoder
from model.features.text_vectors import text_vectors_for
from model.segments import Segments
from model.training.model_io import batched, load_trained_model


class Recommender:
    def __init__(self, run_dir, model, space, config, text_vectors=None, segments=None):
        self.run_dir, self.model, self.space, self.config = run_dir, model, space, config
        self.text_vectors = text_vectors or text_vectors_for(config)
        self.encode = RequestEncoder(self.text_vectors, config.max_text_pieces)
        self._segments = segments
        self._items = None
        self._profile = tf.function(lambda f: model.user_profile(f), reduce_retracing=True)
        self._query = tf.function(
            lambda f: model.query_vectors(model.user_profile(f)[0], f["query_embedding"]),
            reduce_retracing=True)

    @property
    def item_ids(self):
        return self.space.catalogue.item_ids

    def item_vectors(self):
        if self._items is None:
            ids = self.item_ids.astype(str)
            self._items = np.concatenate([
                self.model.item_vectors(tf.constant(ids[i:i + 8192])).numpy()
                for i in range(0, len(ids), 8192)])
        return self._items

    def _profiles(self, requests, modalities=None):
        return batched(self._profile, self.encode(requests, modalities))

    def user_vectors(self, requests, modalities=None):
        return self._profiles(requests, modalities)[0]

    def modality_weights(self, requests):
        return self._profiles(requests)[1]

    def score(self, requests, modalities=None):
        """[n, M] affinity of each request (profile, shifted by its query if any) to each item."""
        queries = batched(self._query, self.encode(requests, modalities))
        return queries @ self.item_vectors().T

    def segments(self, requests):
        if self._segments is None:
            self._segments = Segments.load(self.run_dir)
        return self._segments.assign(self.user_vectors(requests))


def load_recommender(run_dir, text_vectors=None):
    model, space, config = load_trained_model(run_dir)
    return Recommender(run_dir, model, space, config, text_vectors=text_vectors)
