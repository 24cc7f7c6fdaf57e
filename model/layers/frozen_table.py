"""FrozenTable: a constant table kept as a non-trainable weight, so it is saved with the model.

Usage:
    table = FrozenTable(np.eye(3, dtype="float32"))
    table(tf.constant([[0, 2]]))     # [1, 2, 3]
"""
import numpy as np
import tensorflow as tf


@tf.keras.utils.register_keras_serializable(package="persona")
class FrozenTable(tf.keras.layers.Layer):
    """Integer codes -> rows of a fixed table.

    Args:
      values: the table (its shape and dtype); or give `shape` and `table_dtype` and restore
        the values from a checkpoint.
      cast: float rows come out in the compute dtype (float16 under mixed precision) when
        True; False keeps them exact (prices, statistics for preprocessing layers).
    """

    def __init__(self, values=None, shape=None, table_dtype="float32", cast=True, **kwargs):
        if not cast:  # a float32 layer also reads its weight as float32 (no autocast)
            kwargs.setdefault("dtype", "float32")
        super().__init__(trainable=False, **kwargs)
        if values is not None:
            values = np.asarray(values)
            shape, table_dtype = values.shape, values.dtype.name
        self.table_shape = tuple(int(d) for d in shape)
        self.table_dtype = table_dtype
        self.cast = bool(cast)
        init = (tf.keras.initializers.Constant(values) if values is not None
                else tf.keras.initializers.Zeros())
        self.table = self.add_weight(name="table", shape=self.table_shape, dtype=table_dtype,
                                     initializer=init, trainable=False)

    def call(self, codes):
        rows = tf.gather(self.table, codes)
        if self.cast and rows.dtype.is_floating:
            rows = tf.cast(rows, self.compute_dtype)
        return rows

    def get_config(self):
        return {**super().get_config(), "shape": self.table_shape,
                "table_dtype": self.table_dtype, "cast": self.cast}


FIRST_KNOWN = 2  # tables indexed by StringLookup(mask_token="") codes: 0 is "", 1 is unknown


def with_reserved_rows(values, fill=0):
    """Prepends the two rows StringLookup(mask_token="") reserves: 0 for "", 1 for unknown."""
    values = np.asarray(values)
    reserved = np.full((2,) + values.shape[1:], fill, dtype=values.dtype)
    return np.concatenate([reserved, values])
