"""ValidationRecall: full-catalogue recall of the validation users after each epoch.

Each validation user is a request built like the evaluation's (model.evaluation.requests:
history and text from the train split, friends); the user's train items are excluded from the
ranking and the target is their validation item. The recalls go into the epoch's logs (the
checkpoint callback watches them; Keras' TensorBoard callback, placed after this one, plots
them) and the fusion's modality weights into TensorBoard histograms under `log_dir`.

Usage:
    callback = ValidationRecall(features, targets, excluded, item_ids, ks=(10, 50),
                                log_dir="runs/r1/logs")
"""
import numpy as np
import tensorflow as tf

from persona import contract

USER_BATCH = 1024


def top_k_hits(scores, targets, excluded, k):
    """Recall@k for one target per row: excluded columns are pushed to the bottom first."""
    scores = scores.copy()
    for row, cols in enumerate(excluded):
        scores[row, cols] = -np.inf
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return (top == targets[:, None]).any(axis=1)


class ValidationRecall(tf.keras.callbacks.Callback):
    """Args: features (request features, model.features.requests), targets [n] catalogue rows,
    excluded (per user, catalogue rows), item_ids (the catalogue), ks, log_dir (TensorBoard)."""

    def __init__(self, features, targets, excluded, item_ids, ks=(10, 50), log_dir=None):
        super().__init__()
        self.features, self.targets, self.excluded = features, np.asarray(targets), excluded
        self.item_ids = tf.constant(np.asarray(item_ids, dtype=str))
        self.ks = tuple(ks)
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None

    def compute(self):
        """{"val_recall@k": ...} and the [n, 3] modality weights."""
        model = self.model
        items = np.concatenate([model.item_vectors(self.item_ids[i:i + 8192]).numpy()
                                for i in range(0, int(self.item_ids.shape[0]), 8192)])
        hits = {k: [] for k in self.ks}
        weights = []
        n = len(self.targets)
        for start in range(0, n, USER_BATCH):
            batch = {key: tf.constant(value[start:start + USER_BATCH])
                     for key, value in self.features.items()}
            profiles, w = model.user_profile(batch)
            queries = model.query_vectors(profiles, batch["query_embedding"]).numpy()
            scores = queries @ items.T
            for k in self.ks:
                hits[k].append(top_k_hits(scores, self.targets[start:start + USER_BATCH],
                                          self.excluded[start:start + USER_BATCH], k))
            weights.append(w.numpy())
        recalls = {f"val_recall@{k}": float(np.concatenate(h).mean()) for k, h in hits.items()}
        return recalls, np.concatenate(weights)

    def on_epoch_end(self, epoch, logs=None):
        recalls, weights = self.compute()
        if logs is not None:
            logs.update(recalls)
        if self.writer is not None:
            with self.writer.as_default(step=epoch):
                for name, value in recalls.items():
                    tf.summary.scalar(name, value)
                for i, modality in enumerate(contract.MODALITIES):
                    tf.summary.histogram(f"fusion_weight/{modality}", weights[:, i])
                    tf.summary.scalar(f"fusion_weight_mean/{modality}", weights[:, i].mean())
            self.writer.flush()
        print(" - ".join(f"{k}: {v:.4f}" for k, v in recalls.items()))

