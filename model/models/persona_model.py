"""PersonaModel: the TFRS two-tower profile model with Retrieval and Ranking tasks.

User tower: text + behavior + social modalities fused into the L2-normalized profile (see
model.towers.user_tower); an optional search query shifts it (query context). Item tower: item
id, category path, text and price (model.towers.item_tower). Losses:
  Retrieval  in-batch softmax over the batch's items with temperature, the log of each
             candidate's sampling probability subtracted (Yi et al. 2019), accidental hits (the
             same item as another example's target) removed; FactorizedTopK metrics are off in
             training (the validation callback and `persona evaluate` rank the full catalogue).
             The same loss also trains each modality vector alone as a query (weighted by
             `modality_loss_weight`, on the examples that have the modality), so that every
             modality network retrieves well by itself: what a cold-start user with only
             text, or only friends, relies on.
  Ranking    rating regression, or purchase probability where the data has event types
             (model.features.examples.ranking_mode); weighted by `ranking_weight`.
Both are sums divided by the global batch size, so weights mean the same on any replica count.

Usage:
    model = PersonaModel(space, config)
    profile, weights = model.user_profile(features)       # [B, D], [B, 3]
    model.item_vectors(tf.constant(["i1", "i2"]))          # [2, D]
    model.compile(optimizer=tf.keras.optimizers.Adam(3e-3)); model.fit(dataset)
"""
import contextlib

import tensorflow as tf
import tensorflow_recommenders as tfrs

from model.layers.catalogue import Catalogue
from model.layers.item_embedding import ItemEmbedding
from model.layers.user_state import UserState
from model.models.ranking_head import RankingHead
from model.towers.item_tower import ItemTower
from model.towers.mlp import unit
from model.towers.user_tower import UserTower


@contextlib.contextmanager
def float32_policy():
    """The tasks' softmax and losses stay in float32 under mixed precision (the Keras
    mixed-precision guide's advice). TFRS tasks also create helper layers while called, so
    both their construction and their calls run under this."""
    policy = tf.keras.mixed_precision.global_policy()
    tf.keras.mixed_precision.set_global_policy("float32")
    try:
        yield
    finally:
        tf.keras.mixed_precision.set_global_policy(policy)


class PersonaModel(tfrs.models.Model):
    def __init__(self, space, config, **kwargs):
        super().__init__(**kwargs)
        dim = config.embedding_dim
        self.retrieval_weight = float(config.retrieval_weight)
        self.modality_loss_weight = float(config.modality_loss_weight)
        self.ranking_weight = float(config.ranking_weight)
        self.ranking_mode = space.ranking_mode if self.ranking_weight > 0 else "none"
        self.catalogue = Catalogue(space.catalogue)
        self.user_state = UserState(space, dim)
        self.item_embedding = ItemEmbedding(self.catalogue, space.item_vocabulary,
                                            space.price_boundaries, dim)
        self.item_tower = ItemTower(self.item_embedding, self.catalogue, dim)
        self.user_tower = UserTower(self.item_embedding, self.item_tower, self.catalogue,
                                    self.user_state, space, config)
        # No bias: an absent query (zero vector) leaves the profile as it is.
        self.query_context = tf.keras.layers.Dense(dim, use_bias=False, name="query_context")
        sum_ = tf.keras.losses.Reduction.SUM
        with float32_policy():
            self.retrieval = tfrs.tasks.Retrieval(
                loss=tf.keras.losses.CategoricalCrossentropy(from_logits=True, reduction=sum_),
                temperature=config.temperature, remove_accidental_hits=True)
        # Per-example losses (the tasks return sums over the replica's batch).
        self.retrieval_loss = tf.keras.metrics.Mean("retrieval_loss")
        if self.ranking_mode != "none":
            self.ranking_head = RankingHead()
            if self.ranking_mode == "rating":
                loss = tf.keras.losses.MeanSquaredError(reduction=sum_)
                metrics = [tf.keras.metrics.RootMeanSquaredError("rating_rmse")]
            else:
                loss = tf.keras.losses.BinaryCrossentropy(from_logits=True, reduction=sum_)
                metrics = [tf.keras.metrics.AUC(from_logits=True, name="purchase_auc")]
            with float32_policy():
                self.ranking = tfrs.tasks.Ranking(loss=loss, metrics=metrics)
            self.ranking_loss = tf.keras.metrics.Mean("ranking_loss")

    def user_profile(self, features, training=False):
        """(profile [B, D] L2-normalized, modality weights [B, 3])."""
        return self.user_tower(features, training=training)

    def query_vectors(self, profiles, query_embedding):
        """The retrieval query: the profile shifted by the search query's context, if any."""
        context = self.query_context(tf.cast(query_embedding, self.compute_dtype))
        return unit(tf.cast(profiles, context.dtype) + context)

    def item_vectors(self, item_ids):
        return self.item_tower(item_ids)

    def call(self, features, training=False):
        profiles, _ = self.user_profile(features, training=training)
        return self.query_vectors(profiles, features["query_embedding"])

    def compute_loss(self, features, training=False):
        vectors, present = self.user_tower.modalities(features, training=training)
        profiles, _ = self.user_tower.fusion(vectors, present, training=training)
        queries = self.query_vectors(profiles, features["query_embedding"])
        items = self.item_vectors(features["item_id"])
        replicas = tf.distribute.get_replica_context().num_replicas_in_sync
        per_example = 1.0 / tf.cast(tf.shape(items)[0] * replicas, tf.float32)

        def retrieval_loss(query_vectors, weights=None):
            with float32_policy():
                return per_example * self.retrieval(
                    query_vectors, items, sample_weight=weights,
                    candidate_sampling_probability=features["sampling_probability"],
                    candidate_ids=features["item_id"], compute_metrics=False)

        retrieval = retrieval_loss(queries)
        self.retrieval_loss.update_state(retrieval * replicas)
        loss = self.retrieval_weight * retrieval
        if self.modality_loss_weight > 0:
            for i in range(vectors.shape[1]):
                loss += self.modality_loss_weight * retrieval_loss(vectors[:, i], present[:, i])
        if self.ranking_mode != "none":
            predictions = self.ranking_head(profiles, items)
            with float32_policy():
                ranking = per_example * self.ranking(
                    labels=features["label"][:, None], predictions=predictions,
                    sample_weight=features["label_weight"][:, None])
            self.ranking_loss.update_state(ranking * replicas)
            loss += self.ranking_weight * ranking
        return loss

    def train_step(self, inputs):
        # TFRS's train_step, with optimizer.minimize so that a LossScaleOptimizer (mixed
        # float16 on GPU) scales the loss and unscales the gradients.
        with tf.GradientTape() as tape:
            loss = self.compute_loss(inputs, training=True)
            regularization = tf.add_n(self.losses) if self.losses else tf.constant(0.0)
            total = loss + regularization
        self.optimizer.minimize(total, self.trainable_variables, tape=tape)
        metrics = {metric.name: metric.result() for metric in self.metrics}
        metrics.update(loss=loss, regularization_loss=regularization, total_loss=total)
        return metrics
