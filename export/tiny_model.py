"""A tiny recommender with the serving contract's three signatures, for tests and benchmarks.

It is a real `tf.Module` (embedding tables, in-graph text tokenization with TF Text, fusion with
per-user modality weights, brute-force top-K over the item table with the request's history
excluded), small enough to build in a second. Export, serving and the client are tested and
benchmarked on it without a trained run; the trained profile model has the same signatures.

Usage:
    module = TinyRecommender(item_ids=[f"i{n}" for n in range(24)], user_ids=["u1", "u2"], k=5)
    module.serving_default(user_id=tf.constant(["u1"]), user_text=tf.constant(["red shoes"]),
                           history=tf.constant([["i3", ""]]), friends=tf.constant([["u2"]]),
                           query=tf.constant([""]))
"""
import tensorflow as tf
import tensorflow_text as tf_text

from persona import contract



def _specs(names):
    # Named specs: the names become the SignatureDef's input keys.
    return {name: tf.TensorSpec([None] * contract.INPUT_RANK[name], tf.string, name=name)
            for name in names}


_USER_SPECS = _specs(contract.USER_INPUTS)
_RANK_SPECS = _specs(contract.RANK_INPUTS)


def _table(keys):
    """A string -> row lookup; unknown keys (and "") map to -1."""
    init = tf.lookup.KeyValueTensorInitializer(
        tf.constant(list(keys)), tf.range(len(keys), dtype=tf.int64))
    return tf.lookup.StaticHashTable(init, default_value=-1)


class TinyRecommender(tf.Module):
    """Random-weight two-tower recommender over raw string features (see module docstring)."""

    def __init__(self, item_ids, user_ids, k=10, dim=8, segments=3, text_buckets=64, seed=0):
        super().__init__(name="tiny_recommender")
        if k > len(item_ids):
            raise ValueError(f"k={k} is larger than the catalogue ({len(item_ids)} items)")
        rng = tf.random.Generator.from_seed(seed)
        self.k = k
        self.item_ids = tf.constant(list(item_ids))
        self.item_table = _table(item_ids)
        self.user_table = _table(user_ids)
        self.text_buckets = text_buckets
        self.item_embeddings = tf.Variable(rng.normal([len(item_ids), dim]), name="items")
        self.user_embeddings = tf.Variable(rng.normal([len(user_ids), dim]), name="users")
        self.token_embeddings = tf.Variable(rng.normal([text_buckets, dim]), name="tokens")
        self.modality_logits = tf.Variable(rng.normal([3]), name="modality_logits")
        self.prior = tf.Variable(rng.normal([dim]), name="prior")  # profile of an empty request
        self.centroids = tf.Variable(rng.normal([segments, dim]), name="segment_centroids")
        self.tokenizer = tf_text.WhitespaceTokenizer()

    def _pooled(self, table, embeddings, ids):
        """Mean embedding of the known ids of each row ([B, N] strings -> [B, D], [B] any)."""
        rows = table.lookup(ids)
        known = tf.cast(rows >= 0, tf.float32)
        vectors = tf.gather(embeddings, tf.maximum(rows, 0)) * known[..., None]
        count = tf.reduce_sum(known, axis=1)
        return tf.math.divide_no_nan(tf.reduce_sum(vectors, axis=1), count[:, None]), count > 0

    def _text(self, text):
        """Mean token embedding of each text; invalid UTF-8 is replaced, not rejected."""
        text = tf.strings.unicode_transcode(text, "UTF-8", "UTF-8", errors="replace")
        text = tf_text.normalize_utf8(text, "NFKC")
        tokens = self.tokenizer.tokenize(tf.strings.lower(text))
        buckets = tf.strings.to_hash_bucket_fast(tokens, self.text_buckets)
        vectors = tf.gather(self.token_embeddings, buckets)
        count = tf.cast(vectors.row_lengths(), tf.float32)
        total = tf.reduce_sum(vectors, axis=1)  # ragged [B, None, D] -> dense [B, D]
        return tf.math.divide_no_nan(total, count[:, None]), count > 0

    def _profile(self, user_id, user_text, history, friends, query):
        text, has_text = self._text(tf.strings.join([user_text, query], separator=" "))
        behavior, has_behavior = self._pooled(self.item_table, self.item_embeddings, history)
        own, has_own = self._pooled(self.user_table, self.user_embeddings, user_id[:, None])
        friends_vec, has_friends = self._pooled(self.user_table, self.user_embeddings, friends)
        social = own + friends_vec
        present = tf.cast(tf.stack([has_text, has_behavior, has_own | has_friends], 1), tf.float32)
        # A missing modality gets weight 0; with none present the weights stay uniform.
        weights = tf.nn.softmax(self.modality_logits)[None, :] * present
        weights = tf.where(tf.reduce_sum(weights, 1, keepdims=True) > 0, weights, 1.0 / 3)
        weights = weights / tf.reduce_sum(weights, axis=1, keepdims=True)
        fused = tf.einsum("bm,bmd->bd", weights, tf.stack([text, behavior, social], 1))
        profile = tf.math.l2_normalize(fused + self.prior, axis=1)
        segment = tf.argmax(tf.matmul(profile, self.centroids, transpose_b=True), axis=1)
        return profile, weights, segment

    @tf.function(input_signature=[_USER_SPECS])
    def profile(self, features):
        profile, weights, segment = self._profile(**features)
        return {contract.PROFILE: profile, contract.MODALITY_WEIGHTS: weights,
                contract.SEGMENT: segment}

    @tf.function(input_signature=[_USER_SPECS])
    def serving_default(self, features):
        profile, _, _ = self._profile(**features)
        scores = tf.matmul(profile, self.item_embeddings, transpose_b=True)
        # History exclusion: items of the request's history score -inf before top-K.
        rows = self.item_table.lookup(features[contract.HISTORY])
        seen = tf.reduce_any(
            tf.equal(rows[:, :, None], tf.range(tf.shape(scores)[1], dtype=tf.int64)), axis=1)
        scores = tf.where(seen, tf.constant(float("-inf")), scores)
        top = tf.math.top_k(scores, k=self.k)
        return {contract.ITEM_IDS: tf.gather(self.item_ids, top.indices),
                contract.SCORES: top.values}

    @tf.function(input_signature=[_RANK_SPECS])
    def rank(self, features):
        features = dict(features)
        candidates = features.pop(contract.CANDIDATES)
        profile, _, _ = self._profile(**features)
        rows = self.item_table.lookup(candidates)
        vectors = tf.gather(self.item_embeddings, tf.maximum(rows, 0))
        scores = tf.einsum("bd,bcd->bc", profile, vectors)
        return {contract.SCORES: tf.where(rows >= 0, scores, 0.0)}
