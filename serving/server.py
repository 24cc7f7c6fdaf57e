"""`persona serve`: a gRPC server with TensorFlow Serving's API over a model base path.

Production runs `tensorflow/serving:2.20.0` with serving/config/ (see docker-compose.yml);
this server speaks the same API over the same directory layout and models.config for
development, tests and the demo: PredictionService (Predict, GetModelMetadata), ModelService
(GetModelStatus, HandleReloadConfigRequest), gRPC health checking and server reflection.
New versions are picked up while serving; SIGTERM drains in-flight requests, then exits.

Usage:
    persona serve --model-base models --name persona --port 8500
    persona serve --model-config-file serving/config/models.config --model-base models \
        --allow-version-labels-for-unavailable-models

    server = ModelServer(ModelManager(single_model_config("models", "persona")), port=0)
    port = server.start(); ...; server.stop()
"""
import argparse
import os

DEFAULT_PORT = 8500
CONFIG_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "config")
DEFAULT_BATCHING_FILE = os.path.join(CONFIG_DIR, "batching_parameters.txt")


def add_arguments(parser):
    parser.add_argument("--model-base", help="directory holding <name>/<version>/ SavedModels "
                        "(with --model-config-file: stands for the container's /models)")
    parser.add_argument("--name", default="persona", help="model name (default: persona)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="gRPC port (8500)")
    parser.add_argument("--host", default="0.0.0.0", help="address to bind (0.0.0.0)")
    parser.add_argument("--model-config-file", help="a models.config (ModelServerConfig text "
                        "proto), as tensorflow_model_server --model_config_file")
    parser.add_argument("--allow-version-labels-for-unavailable-models", action="store_true",
                        help="accept labels on versions not loaded yet (TF Serving's flag)")
    parser.add_argument("--enable-batching", action=argparse.BooleanOptionalAction, default=True,
                        help="dynamic batching of concurrent requests (default: on)")
    parser.add_argument("--batching-parameters-file", default=DEFAULT_BATCHING_FILE,
                        help="BatchingParameters text proto (default: the shipped "
                        "serving/config/batching_parameters.txt)")
    parser.add_argument("--file-system-poll-wait-seconds", type=float, default=1.0,
                        help="how often to look for new versions (1 s; 0: only at start)")
    parser.add_argument("--grpc-max-threads", type=int, default=64,
                        help="request handler threads (64)")


def build_manager(args):
    """The ModelManager the command line asks for (raises PersonaError on bad input)."""
    from google.protobuf import text_format

    from persona.errors import PersonaError
    from serving import protos
    from serving.batching import BatchingOptions
    from serving.errors import ServingError
    from serving.model_manager import ModelManager, read_model_config_file, single_model_config

    try:
        if args.model_config_file:
            config = read_model_config_file(args.model_config_file, args.model_base)
        elif args.model_base:
            config = single_model_config(args.model_base, args.name)
        else:
            raise PersonaError("give --model-base DIR (or --model-config-file FILE)")
        batching = None
        if args.enable_batching:
            batching = BatchingOptions.from_proto(
                protos.parse_text_file(args.batching_parameters_file, protos.BatchingParameters))
        return ModelManager(config, batching, args.file_system_poll_wait_seconds,
                            args.allow_version_labels_for_unavailable_models)
    except (OSError, text_format.ParseError, ValueError) as e:
        raise PersonaError(str(e)) from None
    except ServingError as e:
        raise PersonaError(e.message) from None


class ModelServer:
    """The gRPC server: TF Serving's services, health checking and reflection."""

    def __init__(self, manager, port=DEFAULT_PORT, host="0.0.0.0", max_threads=64):
        self.manager = manager
        self._address = f"{host}:{port}"
        self._max_threads = max_threads
        self._server = None
        self._health = None

    def start(self):
        """Load the models, then listen; returns the bound port."""
        from concurrent import futures

        import grpc
        from grpc_health.v1 import health, health_pb2, health_pb2_grpc
        from grpc_reflection.v1alpha import reflection
        from tensorflow_serving.apis import model_service_pb2_grpc, prediction_service_pb2_grpc

        from serving import protos
        from serving.model_service import ModelService
        from serving.prediction_service import PredictionService

        self.manager.start()
        self._server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self._max_threads),
            options=[("grpc.max_receive_message_length", -1),
                     ("grpc.max_send_message_length", -1)])
        prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
            PredictionService(self.manager), self._server)
        model_service_pb2_grpc.add_ModelServiceServicer_to_server(
            ModelService(self.manager), self._server)
        self._health = health.HealthServicer(experimental_non_blocking=True)
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        protos.register_service_descriptors()
        services = [protos.PREDICTION_SERVICE, protos.MODEL_SERVICE]
        reflection.enable_server_reflection(
            services + [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
                        reflection.SERVICE_NAME], self._server)
        port = self._server.add_insecure_port(self._address)
        if port == 0:
            raise OSError(f"cannot listen on {self._address}")
        self._server.start()
        for service in [""] + services:
            self._health.set(service, health_pb2.HealthCheckResponse.SERVING)
        return port

    def stop(self, grace=10.0):
        """Refuse new requests, let in-flight ones finish (up to `grace` s), unload models."""
        if self._server is None:
            return
        self._health.enter_graceful_shutdown()
        self._server.stop(grace).wait()
        self.manager.stop()
        self._server = None

    def wait(self):
        self._server.wait_for_termination()


def run(args):
    import logging
    import signal
    import threading

    from persona.errors import PersonaError
    from serving.errors import ServingError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = ModelServer(build_manager(args), args.port, args.host, args.grpc_max_threads)
    try:
        port = server.start()
    except OSError as e:
        raise PersonaError(str(e)) from None
    except ServingError as e:  # e.g. a version label on a version that is not there
        raise PersonaError(e.message) from None
    available = server.manager.available()
    logging.info("serving %s on %s:%d (gRPC, TF Serving API)", available, args.host, port)
    if not available:
        logging.warning("no model version found yet under the base path(s); polling")
    stopping = threading.Event()

    def graceful(signum, frame):
        logging.info("signal %d: draining in-flight requests", signum)
        stopping.set()
    signal.signal(signal.SIGTERM, graceful)
    signal.signal(signal.SIGINT, graceful)
    stopping.wait()
    server.stop()
    logging.info("stopped")
    return 0
