"""PredictionService (tensorflow_serving.apis) over a ModelManager: Predict, GetModelMetadata.

Classify, Regress and MultiInference take tf.Example inputs, which the persona signatures
(raw-feature Predict signatures) do not; they answer UNIMPLEMENTED with a message.

Usage:
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionService(manager), server)
"""
import logging

import grpc
from tensorflow_serving.apis import get_model_metadata_pb2, prediction_service_pb2_grpc

from serving import predict
from serving.errors import ServingError, invalid_argument

log = logging.getLogger(__name__)
SIGNATURE_DEF = "signature_def"  # the one metadata field TF Serving supports


def _answer(context, handler):
    """Run `handler()`; a ServingError (or any bug) becomes the RPC's status, never a crash."""
    try:
        return handler()
    except ServingError as e:
        e.abort(context)
    except Exception as e:  # noqa: BLE001 - the server keeps serving whatever happens
        log.exception("request failed")
        context.abort(grpc.StatusCode.INTERNAL, f"{type(e).__name__}: {e}")


class PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    """Predict and GetModelMetadata as TF Serving answers them."""

    def __init__(self, manager):
        self._manager = manager

    def Predict(self, request, context):
        def handle():
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            servable = self._manager.servable(request.model_spec)
            signature, inputs, outputs = predict.prepare(
                request, servable.signature_defs, servable.has_function)
            result = servable.predict(signature, inputs)
            return predict.respond(request, servable, signature, result, outputs)
        return _answer(context, handle)

    def GetModelMetadata(self, request, context):
        def handle():
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            if not request.metadata_field:
                raise invalid_argument(
                    "GetModelMetadataRequest must specify at least one metadata_field")
            for field in request.metadata_field:
                if field != SIGNATURE_DEF:
                    raise invalid_argument(f"Metadata field {field} is not supported")
            servable = self._manager.servable(request.model_spec)
            response = get_model_metadata_pb2.GetModelMetadataResponse()
            response.model_spec.name = servable.name
            response.model_spec.version.value = servable.version
            signatures = get_model_metadata_pb2.SignatureDefMap()
            for key, signature_def in servable.signature_defs.items():
                signatures.signature_def[key].CopyFrom(signature_def)
            response.metadata[SIGNATURE_DEF].Pack(signatures)
            return response
        return _answer(context, handle)

    def _unimplemented(self, method, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED,
                      f"{method} is not implemented by this server: the persona signatures are "
                      "Predict signatures on raw features; use Predict.")

    def Classify(self, request, context):
        self._unimplemented("Classify", context)

    def Regress(self, request, context):
        self._unimplemented("Regress", context)

    def MultiInference(self, request, context):
        self._unimplemented("MultiInference", context)
