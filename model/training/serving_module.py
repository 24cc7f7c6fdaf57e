"""The serving graph of a trained run: the contract's three signatures on raw features.

Everything a request needs runs in the graph: text through the real BERT TextEncoder (split
into pieces and averaged for `user_text`, as in training), id lookups, the three modality
networks and their fusion, and top-K over the whole catalogue with
`tfrs.layers.factorized_top_k.BruteForce`, the request's history excluded.

  serving_default  user inputs -> item_ids [B, K], scores [B, K] (affinity of the profile,
                   shifted by the query, to each item; K = contract.DEFAULT_K, or "" / -inf
                   padding when the catalogue or what is left after exclusion is smaller)
  profile          user inputs -> profile [B, D], modality_weights [B, 3], segment [B] int64
  rank             user inputs + candidates -> scores [B, C] (the same affinity; -inf for ids
                   not in the catalogue, "" included)

The exporter (export/exporter.py) calls `build_serving_module(run_dir)` and the optional hooks
`model_card`, `item_titles` and `golden_inputs`.

Usage:
    module = build_serving_module("runs/r1")
    module.serving_default({"user_id": tf.constant(["u1"]), "user_text": tf.constant([""]),
                            "history": tf.constant([["i1"]]), "friends": tf.constant([[""]]),
                            "query": tf.constant([""])})
"""
import json
import os

import numpy as np
import pandas as pd
import tensorflow as tf
import tensorflow_recommenders as tfrs

from model.layers.text_pieces import TextPiecesEncoder
from model.layers.user_state import FIRST_KNOWN
from model.segments import Segments
from persona import contract

NO_SCORE = float("-inf")


def _specs(names):
    # Named specs: the names become the SignatureDef's input keys.
    return {name: tf.TensorSpec([None] * contract.INPUT_RANK[name], tf.string, name=name)
            for name in names}


USER_SPECS, RANK_SPECS = _specs(contract.USER_INPUTS), _specs(contract.RANK_INPUTS)


def valid_utf8(texts):
    """Undecodable bytes become U+FFFD rather than failing the request."""
    return tf.strings.unicode_transcode(texts, "UTF-8", "UTF-8", errors="replace")


class PersonaServingModule(tf.Module):
    """Args: model (a trained PersonaModel), text_encoder (model.text.encoder.TextEncoder),
    item_ids / item_vectors (the catalogue and its item-tower vectors), centroids (segments),
    max_pieces (TrainConfig.max_text_pieces), k."""

    def __init__(self, model, text_encoder, item_ids, item_vectors, centroids, max_pieces,
                 k=contract.DEFAULT_K):
        super().__init__(name="persona")
        self.model = model
        self.text_encoder = text_encoder
        self.user_text = TextPiecesEncoder(text_encoder, max_pieces)
        self.k, self.num_items = int(k), len(item_ids)
        self.index = tfrs.layers.factorized_top_k.BruteForce(k=min(self.k, self.num_items))
        self.index.index(tf.constant(item_vectors, tf.float32),
                         tf.constant(np.asarray(item_ids, dtype=str)))
        self.centroids = tf.Variable(np.asarray(centroids, np.float32), trainable=False,
                                     name="segment_centroids")

    def _text_vectors(self, texts):
        """[B] queries -> [B, dim]; zeros for empty ones (no query)."""
        texts = valid_utf8(texts)
        vectors = self.text_encoder(texts, training=False)
        empty = tf.strings.strip(texts) == ""
        return tf.where(empty[:, None], tf.zeros_like(vectors), vectors)

    def _user(self, features):
        """(profiles, modality weights, retrieval queries) of raw user inputs."""
        query = self._text_vectors(features[contract.QUERY])
        inputs = {"user_id": features[contract.USER_ID],
                  "history": features[contract.HISTORY],
                  "friends": features[contract.FRIENDS],
                  "user_text_embedding": self.user_text(valid_utf8(features[contract.USER_TEXT])),
                  "query_embedding": query}
        profiles, weights = self.model.user_profile(inputs)
        return profiles, weights, self.model.query_vectors(profiles, query)

    @tf.function(input_signature=[USER_SPECS])
    def serving_default(self, features):
        _, _, queries = self._user(features)
        history = features[contract.HISTORY]
        # Enough candidates that K remain after removing every history item.
        depth = tf.minimum(self.k + tf.shape(history)[1], self.num_items)
        scores, ids = self.index(queries, k=depth)
        seen = tf.reduce_any(tf.equal(ids[:, :, None], history[:, None, :]), axis=-1)
        scores = tf.where(seen, NO_SCORE, scores)
        top = tf.math.top_k(scores, k=min(self.k, self.num_items))
        ids = tf.gather(ids, top.indices, batch_dims=1)
        scores = top.values
        ids = tf.where(tf.math.is_inf(scores), "", ids)
        if self.num_items < self.k:  # a catalogue smaller than K: pad to the contract's K
            pad = [[0, 0], [0, self.k - self.num_items]]
            ids = tf.pad(ids, pad, constant_values="")
            scores = tf.pad(scores, pad, constant_values=NO_SCORE)
        return {contract.ITEM_IDS: ids, contract.SCORES: scores}

    @tf.function(input_signature=[USER_SPECS])
    def profile(self, features):
        profiles, weights, _ = self._user(features)
        # Nearest centroid, as k-means assigns: argmin |p - c|^2 = argmax 2 p.c - |c|^2.
        closeness = 2.0 * tf.matmul(profiles, self.centroids, transpose_b=True) - \
            tf.reduce_sum(tf.square(self.centroids), axis=1)[None, :]
        return {contract.PROFILE: profiles, contract.MODALITY_WEIGHTS: weights,
                contract.SEGMENT: tf.argmax(closeness, axis=1, output_type=tf.int64)}

    @tf.function(input_signature=[RANK_SPECS])
    def rank(self, features):
        _, _, queries = self._user(features)
        candidates = features[contract.CANDIDATES]
        vectors = self.model.item_vectors(candidates)
        scores = tf.einsum("bd,bcd->bc", queries, vectors)
        known = self.model.catalogue.rows(candidates) >= FIRST_KNOWN
        return {contract.SCORES: tf.where(known, scores, NO_SCORE)}


def build_serving_module(run_dir):
    """The PersonaServingModule of a finished `persona train` run."""
    from model.text.encoder import TextEncoder
    from model.training.model_io import load_trained_model

    model, space, config = load_trained_model(run_dir)
    encoder = TextEncoder(weights_dir=config.text_weights or None,
                          max_length=config.text_max_length)
    ids = space.catalogue.item_ids.astype(str)
    vectors = np.concatenate([model.item_vectors(tf.constant(ids[i:i + 8192])).numpy()
                              for i in range(0, len(ids), 8192)])
    return PersonaServingModule(model, encoder, ids, vectors,
                                Segments.load(run_dir).centroids, config.max_text_pieces)


def model_card(run_dir):
    """Facts for the export's model card: training summary, config, segments."""
    card = {}
    for name in ("train_summary.json", "config.json", "segments.json"):
        path = os.path.join(run_dir, name)
        if os.path.exists(path):
            with open(path) as f:
                card[name.rsplit(".", 1)[0]] = json.load(f)
    card.get("train_summary", {}).pop("history", None)
    return card


def item_titles(run_dir):
    path = os.path.join(run_dir, "items.csv")
    if not os.path.exists(path):
        return None
    items = pd.read_csv(path, dtype=str, keep_default_na=False)
    return dict(zip(items.item_id, items.title))


def golden_inputs(run_dir, count=2):
    """Requests of real users of the run (their train items, friends), for the reload check."""
    from model.data.splits import read_splits

    splits = read_splits(run_dir)
    train = splits.train.sort_values("timestamp", kind="stable")
    users = train.user_id.drop_duplicates().head(count).tolist()
    friends = pd.concat([splits.social_train.rename(columns={"friend_id": "f"})[["user_id", "f"]],
                         splits.social_train.rename(columns={"user_id": "f", "friend_id":
                                                             "user_id"})[["user_id", "f"]]])
    history = [train[train.user_id == u].item_id.drop_duplicates().tolist()[-5:] for u in users]
    return {contract.USER_ID: users, contract.USER_TEXT: ["" for _ in users],
            contract.HISTORY: history,
            contract.FRIENDS: [friends[friends.user_id == u].f.head(5).tolist() for u in users],
            contract.QUERY: ["" for _ in users],
            contract.CANDIDATES: [h[:2] + ["not-an-item"] for h in history]}
