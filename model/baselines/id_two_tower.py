"""The TFRS basic-retrieval model: a user-id tower and an item-id tower, nothing else.

https://www.tensorflow.org/recommenders/examples/basic_retrieval: StringLookup + Embedding per
tower, a `tfrs.tasks.Retrieval` task (in-batch softmax), Adagrad. A user id it did not see in
training maps to the lookup's out-of-vocabulary row, which training never updates: for a new
user this model has nothing, and the report shows what that gives.

Usage:
    tt = IdTwoTower().tune(train, item_ids, validation_cohort)   # epochs by validation recall
    tt.fit(train_and_validation, item_ids)
    tt.score(requests)      # [n, M]
"""
import numpy as np
import tensorflow as tf
import tensorflow_recommenders as tfrs
from tqdm.auto import tqdm

from persona import contract


def id_tower(ids, embedding_dim):
    """Raw string ids -> embeddings; index 0 is the out-of-vocabulary row."""
    return tf.keras.Sequential([
        tf.keras.layers.StringLookup(vocabulary=np.asarray(ids, dtype=str), mask_token=None),
        tf.keras.layers.Embedding(len(ids) + 1, embedding_dim),
    ])


class IdTwoTowerModel(tfrs.Model):
    """User-id and item-id embeddings scored by a dot product, trained by a Retrieval task."""

    def __init__(self, user_ids, item_ids, embedding_dim=32, metrics=None):
        super().__init__()
        self.user_model = id_tower(user_ids, embedding_dim)
        self.item_model = id_tower(item_ids, embedding_dim)
        self.task = tfrs.tasks.Retrieval(metrics=metrics)

    def compute_loss(self, features, training=False):
        users = self.user_model(features[contract.USER_ID])
        items = self.item_model(features["item_id"])
        return self.task(users, items, compute_metrics=not training)


def interactions(events, batch_size, seed=42, shuffle=True):
    """(user_id, item_id) examples, one per event, as a batched tf.data pipeline."""
    ds = tf.data.Dataset.from_tensor_slices({
        contract.USER_ID: events.user_id.to_numpy(dtype=str),
        "item_id": events.item_id.to_numpy(dtype=str)})
    if shuffle:
        ds = ds.shuffle(len(events), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class IdTwoTower:
    """Fits `IdTwoTowerModel` on events and scores requests by their `user_id` only."""

    def __init__(self, embedding_dim=64, epochs=10, batch_size=4096, learning_rate=0.1,
                 max_epochs=40, patience=3, seed=0):
        self.embedding_dim, self.epochs, self.batch_size = embedding_dim, epochs, batch_size
        self.learning_rate, self.max_epochs, self.patience = learning_rate, max_epochs, patience
        self.seed = seed
        self.tuning = {}  # epoch -> validation recall@k, once `tune` ran

    def build(self, events, item_ids, metrics=None):
        tf.keras.utils.set_random_seed(self.seed)
        self.item_ids = np.asarray(item_ids, dtype=object)
        self.user_ids = np.sort(events.user_id.unique())
        self.model = IdTwoTowerModel(self.user_ids, self.item_ids, self.embedding_dim, metrics)
        self.model.compile(optimizer=tf.keras.optimizers.Adagrad(self.learning_rate))
        return self.model

    def fit(self, events, item_ids):
        """events: DataFrame with user_id, item_id; item_ids: the catalogue order of scores."""
        self.build(events, item_ids)
        data = interactions(events, self.batch_size, seed=self.seed)
        for _ in tqdm(range(self.epochs), desc="id_two_tower", unit="epoch", leave=False):
            self.model.fit(data, epochs=1, verbose=0)
        self.item_vectors = self.model.item_model(tf.constant(self.item_ids.astype(str))).numpy()
        return self

    def tune(self, events, item_ids, validation, k=10):
        """Sets `epochs` to the epoch count with the best validation recall@k (early stopping)."""
        from model.evaluation.ranking import rank_cohort

        self.build(events, item_ids)
        data = interactions(events, self.batch_size, seed=self.seed)
        self.tuning, best = {}, 0
        for epoch in tqdm(range(1, self.max_epochs + 1), desc="id_two_tower tune", unit="epoch",
                          leave=False):
            self.model.fit(data, epochs=1, verbose=0)
            self.item_vectors = self.model.item_model(
                tf.constant(self.item_ids.astype(str))).numpy()
            result = rank_cohort(self.score, validation, self.item_ids, (k,), desc="validation")
            self.tuning[epoch] = result.summary()[f"recall@{k}"]
            best = max(self.tuning, key=self.tuning.get)
            if epoch - best >= self.patience:
                break
        self.epochs = best
        return self

    def user_vectors(self, user_ids):
        """[n] user ids -> [n, dim]; an id unseen in training gets the out-of-vocabulary row."""
        return self.model.user_model(tf.constant(np.asarray(user_ids, dtype=str))).numpy()

    def score(self, requests):
        return self.user_vectors(requests[contract.USER_ID]) @ self.item_vectors.T

    def notes(self):
        tuned = " (best validation recall@10)" if self.tuning else ""
        return (f"id_two_tower: {self.epochs} epochs{tuned} of Adagrad({self.learning_rate}), "
                f"dim {self.embedding_dim}, batch {self.batch_size}; users unseen in training "
                f"(all cold-start users) get the untrained out-of-vocabulary embedding")
