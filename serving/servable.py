"""One loaded version of a model: its SavedModel, SignatureDefs, batchers and warmup.

Loading imports `tensorflow_text` first: the exported graphs use TF Text ops (tokenizers),
which must be registered before `tf.saved_model.load`. After loading, the warmup requests in
`assets.extra/tf_serving_warmup_requests` are replayed, as TF Serving does, so the first real
request does not pay for graph initialization.

Usage:
    servable = Servable.load("persona", 3, "/models/persona/3", batching=None)
    outputs = servable.predict("serving_default", {"user_id": np.array([b"u1"], object), ...})
    servable.close()
"""
import os

import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the TF Text ops the exported graphs use)
from tensorflow.core.protobuf import saved_model_pb2
from tensorflow_serving.apis import prediction_log_pb2

from persona import contract
from serving import tensors
from serving.batching import Batcher
from serving.errors import ServingError

MAX_WARMUP_RECORDS = 1000  # TF Serving's limit


def read_signature_defs(path):
    """The SignatureDefs of the "serve" MetaGraph of the SavedModel at `path`."""
    saved_model = saved_model_pb2.SavedModel()
    with open(os.path.join(path, "saved_model.pb"), "rb") as f:
        saved_model.ParseFromString(f.read())
    for meta_graph in saved_model.meta_graphs:
        if "serve" in meta_graph.meta_info_def.tags:
            return dict(meta_graph.signature_def)
    raise ValueError(f"{path} has no MetaGraph tagged 'serve'")


class Servable:
    """A model version ready to answer: `predict(signature, inputs) -> outputs`."""

    def __init__(self, name, version, path, model, signature_defs, batching=None):
        self.name = name
        self.version = version
        self.path = path
        self.signature_defs = signature_defs
        self._model = model  # keeps the functions' variables alive
        self._functions = dict(model.signatures)
        self._batchers = {}
        if batching is not None:
            self._batchers = {
                key: Batcher(lambda inputs, key=key: self.run(key, inputs), batching,
                             {alias: info.name for alias, info in sig.inputs.items()})
                for key, sig in signature_defs.items() if key in self._functions}

    @classmethod
    def load(cls, name, version, path, batching=None):
        """Load the SavedModel at `path`, then replay its warmup requests."""
        signature_defs = read_signature_defs(path)
        model = tf.saved_model.load(path, tags=["serve"])
        servable = cls(name, version, path, model, signature_defs, batching)
        try:
            servable.warmup()
        except BaseException:
            servable.close()
            raise
        return servable

    def run(self, signature, inputs):
        """Call a signature on numpy inputs, unbatched; returns numpy outputs."""
        feeds = {alias: tf.constant(value) for alias, value in inputs.items()}
        try:
            outputs = self._functions[signature](**feeds)
        except tf.errors.OpError as e:
            raise ServingError.from_tf(e) from None
        return {alias: value.numpy() for alias, value in outputs.items()}

    def predict(self, signature, inputs):
        """Run through the signature's batcher when batching is on."""
        batcher = self._batchers.get(signature)
        return batcher.submit(inputs) if batcher else self.run(signature, inputs)

    def has_function(self, signature):
        return signature in self._functions

    def warmup(self):
        """Replay the PredictLog records of assets.extra/tf_serving_warmup_requests."""
        path = os.path.join(self.path, contract.WARMUP_FILE)
        if not os.path.exists(path):
            return 0
        count = 0
        for record in tf.data.TFRecordDataset(path).take(MAX_WARMUP_RECORDS):
            log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
            if log.WhichOneof("log_type") != "predict_log":
                raise ValueError(f"{path}: only predict_log warmup records are supported")
            request = log.predict_log.request
            signature = request.model_spec.signature_name or "serving_default"
            self.run(signature, {alias: tensors.to_ndarray(proto)
                                 for alias, proto in request.inputs.items()})
            count += 1
        return count

    def close(self):
        """Finish queued batches; requests still holding this servable run unbatched."""
        for batcher in self._batchers.values():
            batcher.close()

