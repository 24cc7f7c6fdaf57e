"""`persona serve` against the TF Serving API: a probe that uses only the official stubs.

One tiny exported model (export.tiny_model) serves every test; the server listens on
127.0.0.1 only. Bad requests must get TF Serving's status codes and leave the server serving.
"""
import concurrent.futures
import dataclasses
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import grpc
import numpy as np
import pytest

from persona import contract

ITEMS = [f"i{n}" for n in range(24)]
USERS = [f"u{n}" for n in range(10)]
K = 5
CONFIG_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                          "serving", "config")


@pytest.fixture(scope="module")
def model_base(tmp_path_factory):
    from export.savedmodel import export_saved_model
    from export.tiny_model import TinyRecommender

    base = tmp_path_factory.mktemp("models")
    export_saved_model(TinyRecommender(ITEMS, USERS, k=K), str(base),
                       item_titles={"i1": "Trail shoe", "i2": "Rain jacket"})
    return str(base)


def start_server(model_base, poll_seconds=0.2):
    from serving import protos
    from serving.batching import BatchingOptions
    from serving.model_manager import ModelManager, single_model_config
    from serving.server import ModelServer

    batching = BatchingOptions.from_proto(protos.parse_text_file(
        os.path.join(CONFIG_DIR, "batching_parameters.txt"), protos.BatchingParameters))
    server = ModelServer(ModelManager(single_model_config(model_base, "persona"), batching,
                                      poll_seconds), port=0, host="127.0.0.1")
    return server, server.start()


@pytest.fixture(scope="module")
def server(model_base):
    server, port = start_server(model_base)
    yield f"127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server) as channel:
        yield channel


@pytest.fixture(scope="module")
def stub(channel):
    from tensorflow_serving.apis import prediction_service_pb2_grpc

    return prediction_service_pb2_grpc.PredictionServiceStub(channel)


def request(signature="", **overrides):
    """A valid 2-user PredictRequest for `signature`, with inputs replaced by `overrides`."""
    import tensorflow as tf
    from tensorflow_serving.apis import predict_pb2

    inputs = {
        contract.USER_ID: np.array([b"u1", b""], object),
        contract.USER_TEXT: np.array([b"trail running shoes", b""], object),
        contract.HISTORY: np.array([[b"i1", b"i2"], [b"", b""]], object),
        contract.FRIENDS: np.array([[b"u2"], [b""]], object),
        contract.QUERY: np.array([b"shoes", b""], object),
    }
    if signature == contract.SIGNATURE_RANK:
        inputs[contract.CANDIDATES] = np.array([[b"i1", b"i5", b"zz"], [b"i3", b"", b""]],
                                               object)
    inputs.update(overrides)
    req = predict_pb2.PredictRequest()
    req.model_spec.name = contract.MODEL_NAME
    if signature:
        req.model_spec.signature_name = signature
    for name, value in inputs.items():
        if value is not None:
            req.inputs[name].CopyFrom(tf.make_tensor_proto(value))
    return req


def outputs(response):
    import tensorflow as tf

    return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}


# -- the contract -------------------------------------------------------------------------


def test_metadata_has_the_three_signatures(stub):
    from tensorflow_serving.apis import get_model_metadata_pb2

    req = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
    req.model_spec.name = contract.MODEL_NAME
    response = stub.GetModelMetadata(req, timeout=10)
    signatures = get_model_metadata_pb2.SignatureDefMap()
    response.metadata["signature_def"].Unpack(signatures)
    assert response.model_spec.version.value == 1
    for name in contract.SIGNATURES:
        signature = signatures.signature_def[name]
        assert set(signature.inputs) == set(contract.SIGNATURE_INPUTS[name])
        assert set(signature.outputs) == set(contract.SIGNATURE_OUTPUTS[name])
        for alias, info in signature.inputs.items():
            assert len(info.tensor_shape.dim) == contract.INPUT_RANK[alias]


def test_recommend_excludes_history(stub):
    for signature in ("", contract.SIGNATURE_RECOMMEND):  # "" means serving_default
        response = stub.Predict(request(signature), timeout=10)
        assert response.model_spec.signature_name == contract.SIGNATURE_RECOMMEND
        out = outputs(response)
        assert out[contract.ITEM_IDS].shape == (2, K) and out[contract.SCORES].shape == (2, K)
        assert np.all(np.diff(out[contract.SCORES], axis=1) <= 0)
        assert not {b"i1", b"i2"} & set(out[contract.ITEM_IDS][0])
        # TF Serving writes values into the typed fields; clients read them directly.
        assert len(response.outputs[contract.SCORES].float_val) == 2 * K


def test_profile_is_unit_norm(stub):
    out = outputs(stub.Predict(request(contract.SIGNATURE_PROFILE), timeout=10))
    np.testing.assert_allclose(np.linalg.norm(out[contract.PROFILE], axis=1), 1.0, atol=1e-5)
    assert out[contract.MODALITY_WEIGHTS].shape == (2, 3)
    np.testing.assert_allclose(out[contract.MODALITY_WEIGHTS].sum(axis=1), 1.0, atol=1e-5)
    assert out[contract.SEGMENT].dtype == np.int64 and out[contract.SEGMENT].shape == (2,)


def test_rank_scores_candidates(stub):
    out = outputs(stub.Predict(request(contract.SIGNATURE_RANK), timeout=10))
    assert out[contract.SCORES].shape == (2, 3)


# -- errors: TF Serving's codes; the server keeps serving -----------------------------------

def _spec(**fields):
    def change(req):
        for field, value in fields.items():
            if field == "version":
                req.model_spec.version.value = value
            else:
                setattr(req.model_spec, field, value)
    return change


def _inputs(**overrides):
    def change(req):
        fresh = request(req.model_spec.signature_name, **overrides)
        req.ClearField("inputs")
        for name, proto in fresh.inputs.items():
            req.inputs[name].CopyFrom(proto)
    return change


BAD_REQUESTS = {
    "unknown model": (_spec(name="nope"), grpc.StatusCode.NOT_FOUND,
                      "Servable not found for request: Latest(nope)"),
    "unknown version": (_spec(version=7), grpc.StatusCode.NOT_FOUND,
                        "Servable not found for request: Specific(persona, 7)"),
    # TF Serving answers an unknown label with INVALID_ARGUMENT (server_core.cc).
    "unknown label": (_spec(version_label="canary"), grpc.StatusCode.INVALID_ARGUMENT,
                      "Unrecognized servable version label: canary"),
    "unknown signature": (_spec(signature_name="nope"), grpc.StatusCode.FAILED_PRECONDITION,
                          'Serving signature key "nope" not found.'),
    "missing input": (_inputs(query=None), grpc.StatusCode.INVALID_ARGUMENT,
                      "input size does not match signature: 4!=5 len({friends,history,user_id,"
                      "user_text}) != len({friends,history,query,user_id,user_text}). Sent "
                      "extra: {}. Missing but required: {query}."),
    "extra input": (_inputs(extra=np.array([b""], object)), grpc.StatusCode.INVALID_ARGUMENT,
                    "Sent extra: {extra}. Missing but required: {}."),
    "renamed input": (_inputs(query=None, querry=np.array([b"", b""], object)),
                      grpc.StatusCode.INVALID_ARGUMENT, "Signature input alias: query"),
    "wrong dtype": (_inputs(query=np.array([1.0, 2.0], np.float32)),
                    grpc.StatusCode.INVALID_ARGUMENT, "query"),
    "wrong rank": (_inputs(history=np.array([b"i1", b"i2"], object)),
                   grpc.StatusCode.INVALID_ARGUMENT, "history"),
    "mismatched batch sizes": (_inputs(user_id=np.array([b"u1"], object)),
                               grpc.StatusCode.INVALID_ARGUMENT,
                               "must have equal 0th-dimension size"),
    "oversized batch": (_inputs(**{n: np.full((33, 1)[:contract.INPUT_RANK[n]], b"", object)
                                   for n in contract.USER_INPUTS}),
                        grpc.StatusCode.INVALID_ARGUMENT,
                        "Task size 33 is larger than maximum input batch size 32"),
    "unknown output_filter": (lambda req: req.output_filter.append("nope"),
                              grpc.StatusCode.INVALID_ARGUMENT,
                              "output tensor alias not found in signature: nope"),
}


@pytest.mark.parametrize("case", sorted(BAD_REQUESTS))
def test_bad_request_gets_tf_serving_status(stub, case):
    change, code, message = BAD_REQUESTS[case]
    req = request()
    change(req)
    with pytest.raises(grpc.RpcError) as error:
        stub.Predict(req, timeout=10)
    assert error.value.code() == code
    assert message in error.value.details()
    stub.Predict(request(), timeout=10)  # still serving


ODD_BUT_LEGAL = {
    "undecodable bytes": {contract.USER_TEXT: np.array([b"\xff\xfe\xc3", b"caf\xc3"], object)},
    "a megabyte of text": {contract.USER_TEXT: np.array([b"shoe " * 200_000, b""], object)},
    "unknown ids": {contract.USER_ID: np.array([b"ghost", b"?"], object),
                    contract.HISTORY: np.array([[b"nope"], [b"x" * 1000]], object)},
    "all empty": {n: np.full((2, 1)[:contract.INPUT_RANK[n]], b"", object)
                  for n in contract.USER_INPUTS},
    "no history columns": {contract.HISTORY: np.zeros((2, 0), object)},
}


@pytest.mark.parametrize("case", sorted(ODD_BUT_LEGAL))
def test_odd_but_legal_input_is_answered(stub, case):
    for signature in contract.SIGNATURES:
        out = outputs(stub.Predict(request(signature, **ODD_BUT_LEGAL[case]), timeout=30))
        assert all(value.shape[0] == 2 for value in out.values())


def test_malformed_tensor_is_rejected(stub):
    req = request()
    req.inputs[contract.QUERY].tensor_shape.dim[0].size = 10 ** 12  # claims 10^12 strings
    with pytest.raises(grpc.RpcError) as error:
        stub.Predict(req, timeout=10)
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "tensor parsing error: query" in error.value.details()


def test_classify_regress_multi_inference_unimplemented(stub):
    from tensorflow_serving.apis import classification_pb2, inference_pb2, regression_pb2

    for call, message in ((stub.Classify, classification_pb2.ClassificationRequest()),
                          (stub.Regress, regression_pb2.RegressionRequest()),
                          (stub.MultiInference, inference_pb2.MultiInferenceRequest())):
        with pytest.raises(grpc.RpcError) as error:
            call(message, timeout=10)
        assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert "Predict" in error.value.details()


def test_model_status(channel):
    from tensorflow_serving.apis import get_model_status_pb2, model_service_pb2_grpc

    models = model_service_pb2_grpc.ModelServiceStub(channel)
    req = get_model_status_pb2.GetModelStatusRequest()
    req.model_spec.name = contract.MODEL_NAME
    [status] = models.GetModelStatus(req, timeout=10).model_version_status
    assert status.version == 1 and status.state == get_model_status_pb2.ModelVersionStatus.AVAILABLE
    req.model_spec.name = "nope"
    with pytest.raises(grpc.RpcError) as error:
        models.GetModelStatus(req, timeout=10)
    assert error.value.code() == grpc.StatusCode.NOT_FOUND
    assert error.value.details() == "Could not find any versions of model nope"


def test_health_and_reflection(channel):
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "tensorflow.serving.PredictionService"):
        status = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status
        assert status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    [answer] = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10)
    names = {s.name for s in answer.list_services_response.service}
    assert {"tensorflow.serving.PredictionService", "tensorflow.serving.ModelService"} <= names
    [answer] = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(
        file_containing_symbol="tensorflow.serving.PredictionService")]), timeout=10)
    assert answer.file_descriptor_response.file_descriptor_proto


# -- the client: batching under concurrency gives each caller its own answer ---------------

def test_client_concurrent_requests_match_sequential(server):
    from serving.client import PersonaClient, UserFeatures

    users = [UserFeatures(user_id=f"u{n % 10}", text="shoes " * (n % 3),
                          history=tuple(ITEMS[n % 7:n % 7 + n % 4]),
                          friends=tuple(USERS[:n % 3])) for n in range(24)]
    with PersonaClient(server) as client:
        alone = [client.recommend([u])[0] for u in users]
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            together = list(pool.map(lambda u: client.recommend([u])[0], users))
        assert [r.item_ids for r in together] == [r.item_ids for r in alone]
        for user, recs in zip(users, together):
            assert not set(user.history) & set(recs.item_ids)
        [profile] = client.profile(users[:1])
        assert set(profile.modality_weights) == set(contract.MODALITIES)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            ranked = list(pool.map(lambda n: client.rank([users[n]], [ITEMS[:n + 1]])[0],
                                   range(8)))
        assert [len(r) for r in ranked] == list(range(1, 9))
        for n in range(8):
            np.testing.assert_allclose(client.rank([users[n]], [ITEMS[:n + 1]])[0], ranked[n],
                                       rtol=1e-5)
        assert client.status() == [(1, "AVAILABLE")]
        assert set(contract.SIGNATURES) <= set(client.metadata())


def test_query_command_prints_table(server, model_base, capsys):
    from persona.cli import main

    assert main(["query", "--target", server, "--user-id", "u1", "--history", "i3,i4",
                 "--text", "trail shoes", "--k", "3", "--model-base", model_base]) == 0
    out = capsys.readouterr().out
    assert "persona version 1" in out and "item_id" in out and "title" in out
    assert "segment" in out and "behavior" in out


# -- versions: hot reload, labels, config reload --------------------------------------------

def publish_copy(base, version):
    """Publish a new version the way the exporter does: a hidden directory, then rename."""
    staging = os.path.join(base, "persona", f".export-{version}")
    shutil.copytree(os.path.join(base, "persona", "1"), staging)
    os.rename(staging, os.path.join(base, "persona", str(version)))


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_hot_reload_under_load_fails_no_request(model_base, tmp_path):
    from serving.client import PersonaClient, UserFeatures

    base = str(tmp_path)
    shutil.copytree(os.path.join(model_base, "persona", "1"), os.path.join(base, "persona", "1"))
    server, port = start_server(base)
    failures, versions, stop = [], set(), threading.Event()

    def load(client):
        while not stop.is_set():
            try:
                versions.add(client.recommend([UserFeatures(user_id="u1")])[0].model_version)
            except grpc.RpcError as e:
                failures.append(e)
    try:
        with PersonaClient(f"127.0.0.1:{port}") as client:
            threads = [threading.Thread(target=load, args=(client,)) for _ in range(4)]
            for thread in threads:
                thread.start()
            publish_copy(base, 2)
            wait_for(lambda: client.status() == [(2, "AVAILABLE"), (1, "END")])
            wait_for(lambda: 2 in versions)
            stop.set()
            for thread in threads:
                thread.join()
    finally:
        server.stop()
    assert failures == [] and versions == {1, 2}


def test_reload_config_with_labels(model_base, tmp_path):
    from google.protobuf import text_format
    from tensorflow_serving.apis import model_management_pb2, model_service_pb2_grpc

    from serving.client import PersonaClient, UserFeatures

    base = str(tmp_path)
    shutil.copytree(os.path.join(model_base, "persona", "1"), os.path.join(base, "persona", "1"))
    publish_copy(base, 2)
    server, port = start_server(base, poll_seconds=0)
    config = text_format.Parse(f"""
        model_config_list {{ config {{
          name: "persona" base_path: "{base}/persona" model_platform: "tensorflow"
          model_version_policy {{ specific {{ versions: 1 versions: 2 }} }}
          version_labels {{ key: "stable" value: 1 }}
          version_labels {{ key: "canary" value: 2 }}
        }} }}""", model_management_pb2.ReloadConfigRequest().config)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            models = model_service_pb2_grpc.ModelServiceStub(channel)
            # Labels may only name available versions (2 is loaded, 1 is not yet).
            with pytest.raises(grpc.RpcError) as error:
                models.HandleReloadConfigRequest(
                    model_management_pb2.ReloadConfigRequest(config=config), timeout=60)
            assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            del config.model_config_list.config[0].version_labels["stable"]
            response = models.HandleReloadConfigRequest(
                model_management_pb2.ReloadConfigRequest(config=config), timeout=60)
            assert response.status.error_code == 0
            config.model_config_list.config[0].version_labels["stable"] = 1
            models.HandleReloadConfigRequest(
                model_management_pb2.ReloadConfigRequest(config=config), timeout=60)
            user = [UserFeatures(user_id="u1")]
            for label, version in (("stable", 1), ("canary", 2)):
                with PersonaClient(f"127.0.0.1:{port}", label=label) as client:
                    assert client.recommend(user)[0].model_version == version
            config.model_config_list.config[0].base_path = "relative/path"
            with pytest.raises(grpc.RpcError) as error:
                models.HandleReloadConfigRequest(
                    model_management_pb2.ReloadConfigRequest(config=config), timeout=60)
            assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        server.stop()


# -- config files: valid for tensorflow_model_server ----------------------------------------

def test_config_files_parse_with_tf_serving_protos():
    import yaml

    from serving import protos
    from serving.batching import BatchingOptions
    from serving.model_manager import validate_config

    config = protos.parse_text_file(os.path.join(CONFIG_DIR, "models.config"),
                                    protos.ModelServerConfig)
    validate_config(config)
    [model] = config.model_config_list.config
    assert model.name == contract.MODEL_NAME and model.base_path == "/models/persona"
    assert dict(model.version_labels) == {"stable": 1, "canary": 2}
    assert model.model_version_policy.latest.num_versions == 2
    batching = BatchingOptions.from_proto(protos.parse_text_file(
        os.path.join(CONFIG_DIR, "batching_parameters.txt"), protos.BatchingParameters))
    assert batching.max_batch_size == 32 and batching.pad_variable_length_inputs
    monitoring = protos.parse_text_file(os.path.join(CONFIG_DIR, "monitoring.config"),
                                        protos.MonitoringConfig)
    assert monitoring.prometheus_config.enable
    with open(os.path.join(CONFIG_DIR, "docker-compose.yml")) as f:
        [service] = yaml.safe_load(f)["services"].values()
    assert service["image"] == "tensorflow/serving:2.20.0"
    assert {"8500:8500", "8501:8501"} <= set(service["ports"])
    flags = dict(flag.lstrip("-").split("=", 1) for flag in service["command"])
    for flag in ("model_config_file", "batching_parameters_file", "monitoring_config_file"):
        assert os.path.exists(os.path.join(CONFIG_DIR, os.path.basename(flags[flag])))


# -- the command: persona serve, then SIGTERM ------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_command_and_graceful_sigterm(model_base):
    from serving.client import PersonaClient, UserFeatures

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "persona", "serve", "--model-base", model_base, "--host",
         "127.0.0.1", "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        with PersonaClient(f"127.0.0.1:{port}", timeout=120) as client:
            [recs] = client.recommend([UserFeatures(user_id="u1")])
            assert len(recs.item_ids) == K
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        log = process.communicate()[1]
    assert "draining in-flight requests" in log and "stopped" in log


# -- batching semantics (TF Serving's batching session), on a plain function ----------------

def _batched_calls(options, requests, run=None):
    """Submit `requests` ({name: array}) at once; returns (results or errors, batch inputs)."""
    from serving.batching import Batcher

    seen = []

    def echo(inputs):
        seen.append(inputs)
        return {"x": inputs["x"]}
    batcher = Batcher(run or echo, options)
    with concurrent.futures.ThreadPoolExecutor(len(requests)) as pool:
        futures = [pool.submit(batcher.submit, r) for r in requests]
        results = []
        for future in futures:
            try:
                results.append(future.result())
            except Exception as e:  # noqa: BLE001
                results.append(e)
    batcher.close()
    return results, seen


def test_batching_pads_with_each_tensors_first_element():
    from serving.batching import BatchingOptions

    options = BatchingOptions(max_batch_size=8, batch_timeout_micros=200_000,
                              num_batch_threads=1, pad_variable_length_inputs=True)
    narrow = {"x": np.array([[b"", b"a"]], object)}
    wide = {"x": np.array([[b"", b"b", b"c", b"d"]], object)}
    results, seen = _batched_calls(options, [narrow, wide])
    assert len(seen) == 1 and seen[0]["x"].shape == (2, 4)
    # Each request gets its own rows back, padded to the batch's width with its first element.
    assert results[0]["x"].tolist() == [[b"", b"a", b"", b""]]
    assert results[1]["x"].tolist() == [[b"", b"b", b"c", b"d"]]


def test_batching_errors_like_tf_serving():
    from serving.batching import BatchingOptions
    from serving.errors import ServingError

    empty = {"x": np.zeros((1, 0), object)}
    wide = {"x": np.array([[b"a", b"b"]], object)}
    no_padding = BatchingOptions(max_batch_size=8, batch_timeout_micros=200_000,
                                 num_batch_threads=1)
    results, _ = _batched_calls(no_padding, [wide, {"x": np.array([[b"a"]], object)}])
    assert all(isinstance(r, ServingError) and "padding is turned off" in r.message
               for r in results)
    padding = dataclasses.replace(no_padding, pad_variable_length_inputs=True)
    results, _ = _batched_calls(padding, [wide, empty])
    assert all("Got empty tensor in batch of non-empty tensors." == r.message for r in results)


def test_batching_allowed_sizes_queue_limit_and_close():
    from serving.batching import Batcher, BatchingOptions
    from serving.errors import ServingError

    options = BatchingOptions(max_batch_size=4, batch_timeout_micros=0, num_batch_threads=1,
                              allowed_batch_sizes=(2, 4), max_enqueued_batches=1)
    one = {"x": np.array([[b"a"]], object)}
    _, seen = _batched_calls(options, [one])
    assert seen[0]["x"].shape == (2, 1)  # rounded up to an allowed size by repeating row 0
    release = threading.Event()
    batcher = Batcher(lambda inputs: release.wait() and inputs, options)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        running = pool.submit(batcher.submit, {"x": np.zeros((4, 1), object)})
        time.sleep(0.2)  # the batch thread now holds that batch
        queued = pool.submit(batcher.submit, {"x": np.zeros((4, 1), object)})
        time.sleep(0.2)
        with pytest.raises(ServingError) as full:
            batcher.submit({"x": np.zeros((1, 1), object)})
        assert full.value.code == grpc.StatusCode.UNAVAILABLE
        closing = pool.submit(batcher.close)
        release.set()
        closing.result(timeout=10)
        assert running.result(timeout=10)["x"].shape == (4, 1)
        assert queued.result(timeout=10)["x"].shape == (4, 1)  # queued work still finishes
    assert batcher.submit(one)["x"].shape == (1, 1)  # after close: answered unbatched
