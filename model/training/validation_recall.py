"""ValidationRecall: full-catalogue recall of the validation users after each epoch.

Each validation user is a request built like the evaluation's (model.evaluation.requests:
history and text from the train split, friends); the user's train items are excluded from the
ranking and the target is their validation item: `val_recall@k`. The same users also ask as new
users (`new_user_features`: no id, no history; their text and friends only, for those who have
either): `val_new_user_recall@k`; `val_combined_recall@k` is the mean of the two (just
`val_recall@k` without new-user requests), what early stopping watches, so that the epoch kept
is chosen for known and new users alike. The recalls go into the epoch's logs (Keras'
TensorBoard callback, placed after this one, plots them) and the fusion's modality weights into
TensorBoard histograms under `log_dir`.

Usage:
    callback = ValidationRecall(features, targets, excluded, item_ids, ks=(10, 50),
                                log_dir="runs/r1/logs", new_user_features=new, new_user_rows=rows)
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
    excluded (per user, catalogue rows), item_ids (the catalogue), ks, log_dir (TensorBoard);
    new_user_features: the same users' requests as new users, for the users at
    `new_user_rows` (positions in `targets`) only."""

    def __init__(self, features, targets, excluded, item_ids, ks=(10, 50), log_dir=None,
                 new_user_features=None, new_user_rows=()):
        super().__init__()
        self.features, self.targets, self.excluded = features, np.asarray(targets), excluded
        self.new_user_features = new_user_features
        self.new_user_rows = np.asarray(new_user_rows, dtype=int)
        self.item_ids = tf.constant(np.asarray(item_ids, dtype=str))
        self.ks = tuple(ks)
        self.writer = tf.summary.create_file_writer(log_dir) if log_dir else None

    def _hits(self, features, targets, excluded, items):
        """{k: [n] bool} and the [n, 3] modality weights of `features`' requests."""
        hits, weights = {k: [] for k in self.ks}, []
        for start in range(0, len(targets), USER_BATCH):
            batch = {key: tf.constant(value[start:start + USER_BATCH])
                     for key, value in features.items()}
            profiles, w = self.model.user_profile(batch)
            queries = self.model.query_vectors(profiles, batch["query_embedding"]).numpy()
            scores = queries @ items.T
            for k in self.ks:
                hits[k].append(top_k_hits(scores, targets[start:start + USER_BATCH],
                                          excluded[start:start + USER_BATCH], k))
            weights.append(w.numpy())
        return {k: np.concatenate(h) for k, h in hits.items()}, np.concatenate(weights)

    def compute(self):
        """{"val_recall@k", "val_new_user_recall@k", "val_combined_recall@k": ...} and the
        [n, 3] modality weights of the validation users' (known-user) requests."""
        items = np.concatenate([self.model.item_vectors(self.item_ids[i:i + 8192]).numpy()
                                for i in range(0, int(self.item_ids.shape[0]), 8192)])
        hits, weights = self._hits(self.features, self.targets, self.excluded, items)
        recalls = {f"val_recall@{k}": float(h.mean()) for k, h in hits.items()}
        for k in self.ks:
            recalls[f"val_combined_recall@{k}"] = recalls[f"val_recall@{k}"]
        if self.new_user_features is not None:
            rows = self.new_user_rows
            new, _ = self._hits(self.new_user_features, self.targets[rows],
                                [self.excluded[r] for r in rows], items)
            for k, h in new.items():
                recalls[f"val_new_user_recall@{k}"] = float(h.mean())
                recalls[f"val_combined_recall@{k}"] = (recalls[f"val_recall@{k}"]
                                                       + float(h.mean())) / 2
        return recalls, weights

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

