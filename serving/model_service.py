"""ModelService (tensorflow_serving.apis): GetModelStatus and HandleReloadConfigRequest.

Usage:
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(ModelService(manager), server)
"""
import logging

import grpc
from tensorflow_serving.apis import get_model_status_pb2, model_management_pb2
from tensorflow_serving.apis import model_service_pb2_grpc

from serving.errors import ServingError, invalid_argument

log = logging.getLogger(__name__)


class ModelService(model_service_pb2_grpc.ModelServiceServicer):
    """Version states (START .. END) and config reloads, as TF Serving reports them."""

    def __init__(self, manager):
        self._manager = manager

    def GetModelStatus(self, request, context):
        try:
            if not request.HasField("model_spec"):
                raise invalid_argument("Missing ModelSpec")
            states = self._manager.version_status(request.model_spec)
        except ServingError as e:
            e.abort(context)
        response = get_model_status_pb2.GetModelStatusResponse()
        for version, state, status in states:
            response.model_version_status.add(version=version, state=state, status=status)
        return response

    def HandleReloadConfigRequest(self, request, context):
        response = model_management_pb2.ReloadConfigResponse()
        try:
            self._manager.reload_config(request.config)
        except ServingError as e:
            log.error("ReloadConfig failed: %s", e.message)
            response.status.error_code = e.code.value[0]
            response.status.error_message = e.message
            context.set_code(e.code)
            context.set_details(e.message)
        except Exception as e:  # noqa: BLE001 - a bad config must not take the server down
            log.exception("ReloadConfig failed")
            context.set_code(grpc.StatusCode.INTERNAL)
            context.set_details(str(e))
        return response
