"""TensorProto <-> numpy, the way TF Serving reads requests and writes responses.

Requests are parsed with `tf.make_ndarray` (any encoding a client may use: typed fields or
`tensor_content`); responses are written into the typed value fields (`float_val`,
`string_val`, ...), as TF Serving's `Tensor::AsProtoField` does, so clients that read
`response.outputs["scores"].float_val` directly work against both servers.
"""
import numpy as np
import tensorflow as tf
from tensorflow.core.framework import tensor_pb2, tensor_shape_pb2, types_pb2

# A request tensor may claim a shape far larger than the values it carries (TF fills the
# rest); refuse to materialize more elements than this instead of exhausting memory.
MAX_ELEMENTS = 1 << 26

_FIELD = {
    types_pb2.DT_FLOAT: "float_val", types_pb2.DT_DOUBLE: "double_val",
    types_pb2.DT_INT32: "int_val", types_pb2.DT_INT16: "int_val", types_pb2.DT_INT8: "int_val",
    types_pb2.DT_UINT8: "int_val", types_pb2.DT_INT64: "int64_val", types_pb2.DT_BOOL: "bool_val",
    types_pb2.DT_STRING: "string_val",
}


def dtype_name(dtype_enum):
    """TensorFlow's C++ name of a DataType ("string", "float", "int64"), as in its errors."""
    name = types_pb2.DataType.Name(dtype_enum) if dtype_enum in types_pb2.DataType.values() \
        else f"DT_{dtype_enum}"
    return name[len("DT_"):].lower()


def shape_of(proto):
    """The dims of a TensorProto's shape (raises ValueError on negative dims)."""
    dims = [d.size for d in proto.tensor_shape.dim]
    if any(d < 0 for d in dims):
        raise ValueError(f"negative dimension in {dims}")
    return dims


def to_ndarray(proto):
    """A request TensorProto as a numpy array (strings as an object array of bytes)."""
    shape = shape_of(proto)
    count = int(np.prod(shape, dtype=np.float64))
    if count > MAX_ELEMENTS:
        raise ValueError("tensor too large")
    if proto.dtype == types_pb2.DT_STRING and len(proto.string_val) == count:
        # The common request (strings in string_val), without make_ndarray's generic path.
        return np.array(list(proto.string_val) or [], dtype=object).reshape(shape)
    return tf.make_ndarray(proto)


def to_proto(array):
    """A response TensorProto with values in the typed field (`AsProtoField`)."""
    array = np.asarray(array)
    dtype = tf.dtypes.as_dtype(array.dtype).as_datatype_enum if array.dtype != object \
        else types_pb2.DT_STRING
    field = _FIELD.get(dtype)
    if field is None:  # rare dtypes: tensor_content, which every client also reads
        return tf.make_tensor_proto(array)
    proto = tensor_pb2.TensorProto(
        dtype=dtype,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=s) for s in array.shape]))
    values = array.ravel().tolist()
    getattr(proto, field).extend(values)
    return proto
