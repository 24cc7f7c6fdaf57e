"""TF Serving protos that the `tensorflow-serving-api` wheel lacks or cannot import.

The wheel has `ModelServerConfig` (models.config) but not `BatchingParameters`
(--batching_parameters_file) nor `MonitoringConfig` (--monitoring_config_file). Both are built
here from their upstream definitions, same package, names and field numbers, so a text proto
that parses here parses in `tensorflow_model_server`:
https://github.com/tensorflow/serving/blob/master/tensorflow_serving/servables/tensorflow/session_bundle_config.proto
https://github.com/tensorflow/serving/blob/master/tensorflow_serving/config/monitoring_config.proto

The wheel's `prediction_service_pb2` and `model_service_pb2` (service descriptors) are old
generated code that fails to import under current protobuf (`has_options` is read-only); the
`*_pb2_grpc` stubs and servicers work. The two service files are described here from
https://github.com/tensorflow/serving/blob/master/tensorflow_serving/apis/prediction_service.proto
https://github.com/tensorflow/serving/blob/master/tensorflow_serving/apis/model_service.proto
and registered in the default pool, so server reflection can describe the services.

Usage:
    params = parse_text_file(path, BatchingParameters)
    register_service_descriptors()      # then PREDICTION_SERVICE / MODEL_SERVICE reflect
"""
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, text_format
from google.protobuf import wrappers_pb2
from tensorflow_serving.apis import classification_pb2, get_model_metadata_pb2
from tensorflow_serving.apis import get_model_status_pb2, inference_pb2, model_management_pb2
from tensorflow_serving.apis import predict_pb2, regression_pb2
from tensorflow_serving.config import model_server_config_pb2

_F = descriptor_pb2.FieldDescriptorProto

# (message, [(field, number, type, message type or None, repeated)])
_MESSAGES = {
    "BatchingParameters": [
        ("max_batch_size", 1, _F.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("batch_timeout_micros", 2, _F.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("max_enqueued_batches", 3, _F.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("num_batch_threads", 4, _F.TYPE_MESSAGE, ".google.protobuf.Int64Value", False),
        ("thread_pool_name", 5, _F.TYPE_MESSAGE, ".google.protobuf.StringValue", False),
        ("allowed_batch_sizes", 6, _F.TYPE_INT64, None, True),
        ("pad_variable_length_inputs", 7, _F.TYPE_BOOL, None, False),
    ],
    "PrometheusConfig": [
        ("enable", 1, _F.TYPE_BOOL, None, False),
        ("path", 2, _F.TYPE_STRING, None, False),
    ],
    "MonitoringConfig": [
        ("prometheus_config", 1, _F.TYPE_MESSAGE, ".tensorflow.serving.PrometheusConfig", False),
    ],
}


def _build():
    # A private pool: never clashes with a tensorflow_serving module that defines them later.
    pool = descriptor_pool.DescriptorPool()
    pool.Add(descriptor_pb2.FileDescriptorProto.FromString(wrappers_pb2.DESCRIPTOR.serialized_pb))
    file = descriptor_pb2.FileDescriptorProto(
        name="persona/tensorflow_serving_configs.proto", package="tensorflow.serving",
        syntax="proto3", dependency=["google/protobuf/wrappers.proto"])
    for name, fields in _MESSAGES.items():
        message = file.message_type.add(name=name)
        for field, number, kind, type_name, repeated in fields:
            message.field.add(name=field, number=number, type=kind, type_name=type_name,
                              label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    pool.Add(file)
    return {name: message_factory.GetMessageClass(
        pool.FindMessageTypeByName(f"tensorflow.serving.{name}")) for name in _MESSAGES}


_CLASSES = _build()
BatchingParameters = _CLASSES["BatchingParameters"]
MonitoringConfig = _CLASSES["MonitoringConfig"]
ModelServerConfig = model_server_config_pb2.ModelServerConfig


def parse_text_file(path, message_class):
    """Parse a text-format proto file into a new `message_class` (raises ParseError)."""
    with open(path, encoding="utf-8") as f:
        return text_format.Parse(f.read(), message_class())


PREDICTION_SERVICE = "tensorflow.serving.PredictionService"
MODEL_SERVICE = "tensorflow.serving.ModelService"
# file -> (service, imported message modules, [(method, request, response)])
_SERVICES = {
    "tensorflow_serving/apis/prediction_service.proto": (
        "PredictionService",
        (classification_pb2, get_model_metadata_pb2, inference_pb2, predict_pb2, regression_pb2),
        [("Classify", "ClassificationRequest", "ClassificationResponse"),
         ("Regress", "RegressionRequest", "RegressionResponse"),
         ("Predict", "PredictRequest", "PredictResponse"),
         ("MultiInference", "MultiInferenceRequest", "MultiInferenceResponse"),
         ("GetModelMetadata", "GetModelMetadataRequest", "GetModelMetadataResponse")]),
    "tensorflow_serving/apis/model_service.proto": (
        "ModelService", (get_model_status_pb2, model_management_pb2),
        [("GetModelStatus", "GetModelStatusRequest", "GetModelStatusResponse"),
         ("HandleReloadConfigRequest", "ReloadConfigRequest", "ReloadConfigResponse")]),
}


def register_service_descriptors():
    """Add the two service files to the default descriptor pool (once)."""
    pool = descriptor_pool.Default()
    for file_name, (service, modules, methods) in _SERVICES.items():
        try:
            pool.FindFileByName(file_name)
            continue  # already there (e.g. a failed import of the wheel's module added it)
        except KeyError:
            pass
        file = descriptor_pb2.FileDescriptorProto(
            name=file_name, package="tensorflow.serving", syntax="proto3",
            dependency=[m.DESCRIPTOR.name for m in modules])
        descriptor = file.service.add(name=service)
        for method, request, response in methods:
            descriptor.method.add(name=method, input_type=f".tensorflow.serving.{request}",
                                  output_type=f".tensorflow.serving.{response}")
        pool.Add(file)
