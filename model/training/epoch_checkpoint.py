"""EpochCheckpoint: a checkpoint after every epoch, early stopping, and resume after a crash.

Each epoch's end saves the model, the optimizer and the run's progress (epochs done, best
monitored score, epochs without improvement); the best weights are kept apart. `restore()`
before `fit` continues a run that was killed: from the last finished epoch, with its early
stopping state, so a resumed run ends where an uninterrupted one would.

Usage:
    checkpoint = EpochCheckpoint(model, "runs/r1/checkpoints", monitor="val_recall@50")
    start = checkpoint.restore()                  # 0 for a new run
    if not checkpoint.finished(epochs):
        model.fit(data, epochs=epochs, initial_epoch=start, callbacks=[..., checkpoint])
    checkpoint.restore_best()
"""
import os

import numpy as np
import tensorflow as tf

from persona.errors import PersonaError

BEST = "best"


class EpochCheckpoint(tf.keras.callbacks.Callback):
    def __init__(self, model, directory, monitor=None, patience=2):
        super().__init__()
        self.monitor, self.patience = monitor, int(patience)
        self.epochs_done = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.best = tf.Variable(-np.inf, dtype=tf.float64, trainable=False)
        self.wait = tf.Variable(0, dtype=tf.int64, trainable=False)
        self.state = tf.train.Checkpoint(model=model, optimizer=model.optimizer,
                                         epochs_done=self.epochs_done, best=self.best,
                                         wait=self.wait)
        self.manager = tf.train.CheckpointManager(self.state, directory, max_to_keep=2)
        self.best_weights = tf.train.Checkpoint(model=model)
        self.best_path = os.path.join(directory, BEST, "weights")

    def restore(self):
        """Loads the latest checkpoint if there is one; returns the number of epochs done."""
        if self.manager.latest_checkpoint:
            self.state.restore(self.manager.latest_checkpoint)
        return int(self.epochs_done.numpy())

    def finished(self, epochs):
        """True when `epochs` are done or early stopping already ended the run."""
        return (int(self.epochs_done.numpy()) >= epochs
                or (self.monitor is not None and int(self.wait.numpy()) >= self.patience))

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor is not None:
            score = float((logs or {}).get(self.monitor, -np.inf))
            if score > float(self.best.numpy()):
                self.best.assign(score)
                self.wait.assign(0)
                self.best_weights.write(self.best_path)
            else:
                self.wait.assign_add(1)
        self.epochs_done.assign(epoch + 1)
        self.manager.save(checkpoint_number=epoch + 1)
        if self.monitor is not None and int(self.wait.numpy()) >= self.patience:
            self.model.stop_training = True

    def restore_best(self):
        """Back to the best epoch's weights (when a score was monitored)."""
        if self.monitor is not None and tf.io.gfile.exists(self.best_path + ".index"):
            try:
                self.best_weights.read(self.best_path).assert_existing_objects_matched()
            except AssertionError as e:
                raise PersonaError(
                    f"{os.path.dirname(self.best_path)}: these weights were written by another "
                    f"version of the model; train into a new run directory ({e})") from None
