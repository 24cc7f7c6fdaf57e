"""`assets.extra/tf_serving_warmup_requests`: PredictionLog records TF Serving replays on load.

TF Serving (and `persona serve`) run these before a version takes traffic, so the first real
request does not pay for graph initialization.
https://www.tensorflow.org/tfx/serving/saved_model_warmup

Usage:
    write_warmup_requests(version_dir, "persona", {"serving_default": inputs, ...})
"""
import os

import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_log_pb2

from persona import contract



def predict_log(model_name, signature, inputs):
    """One PredictionLog holding a PredictRequest for `signature` on numpy `inputs`."""
    request = predict_pb2.PredictRequest()
    request.model_spec.name = model_name
    request.model_spec.signature_name = signature
    for alias, value in inputs.items():
        request.inputs[alias].CopyFrom(tf.make_tensor_proto(value))
    return prediction_log_pb2.PredictionLog(
        predict_log=prediction_log_pb2.PredictLog(request=request))


def write_warmup_requests(saved_model_dir, model_name, requests):
    """Write one record per (signature, inputs) of `requests`; returns the file's path."""
    path = os.path.join(saved_model_dir, contract.WARMUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with tf.io.TFRecordWriter(path) as writer:
        for signature, inputs in requests.items():
            writer.write(predict_log(model_name, signature, inputs).SerializeToString())
    return path
