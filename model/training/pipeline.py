"""tf.data pipelines: TrainingExamples (integer codes) -> batches of the model's raw features.

Examples are kept as integer codes (cheap to shuffle); each batch is turned into the strings
and vectors a request has (item and user ids, text vectors), so training goes through the same
lookups as serving.

Usage:
    data = training_dataset(examples, space, batch_size=1024, seed=0)
    next(iter(data))["history"]    # [B, H] item id strings, "" padding
"""
import numpy as np
import tensorflow as tf


def batch_size_for(examples, batch_size):
    return int(max(1, min(batch_size, len(examples))))


def training_dataset(examples, space, batch_size, seed=0):
    """Shuffled each epoch; full batches only (in-batch negatives need a steady batch)."""
    item_ids = tf.constant(np.r_[[""], space.catalogue.item_ids.astype(str)])
    user_ids = tf.constant(np.r_[[""], np.asarray(space.user_vocabulary, dtype=str)])
    text_table = tf.constant(examples.text_table)
    query_table = tf.constant(examples.query_table)
    codes = {"user": examples.user, "target": examples.target, "history": examples.history,
             "friends": examples.friends, "stats": examples.stats,
             "text_state": examples.text_state, "query": examples.query,
             "label": examples.label, "label_weight": examples.label_weight,
             "sampling_probability": examples.sampling_probability}

    def to_features(batch):
        # Codes are shifted by one: -1 (padding) becomes row 0, the "" id.
        return {
            "user_id": tf.gather(user_ids, batch["user"] + 1),
            "history": tf.gather(item_ids, batch["history"] + 1),
            "friends": tf.gather(user_ids, batch["friends"] + 1),
            "behavior_stats": batch["stats"],
            "user_text_embedding": tf.gather(text_table, batch["text_state"]),
            "query_embedding": tf.gather(query_table, batch["query"]),
            "item_id": tf.gather(item_ids, batch["target"] + 1),
            "label": batch["label"], "label_weight": batch["label_weight"],
            "sampling_probability": batch["sampling_probability"],
        }

    return (tf.data.Dataset.from_tensor_slices(codes)
            .shuffle(len(examples), seed=seed, reshuffle_each_iteration=True)
            .batch(batch_size_for(examples, batch_size), drop_remainder=True)
            .map(to_features, num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE))
