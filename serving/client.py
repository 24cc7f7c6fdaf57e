"""A typed Python client for the persona signatures, over TF Serving's official gRPC stubs.

It talks to `tensorflow_model_server` and to `persona serve` alike: Predict requests with the
raw features of DESIGN.md's serving contract, a deadline on every call, and retries on
UNAVAILABLE (server starting, restarting or shedding load) through gRPC's own retry policy.

2-D inputs (history, friends, candidates) are sent with "" in their first column: TF Serving's
batching pads narrower requests with the first element of each tensor, and "" is the
contract's "unknown", so padding never invents history or friends.

Usage:
    with PersonaClient("localhost:8500") as client:
        user = UserFeatures(user_id="u1", text="trail shoes", history=("i3", "i7"))
        [recs] = client.recommend([user])          # recs.item_ids, recs.scores
        [prof] = client.profile([user])            # prof.vector, prof.modality_weights
        [scores] = client.rank([user], [["i1", "i2"]])
"""
import dataclasses
import json

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import get_model_metadata_pb2, get_model_status_pb2
from tensorflow_serving.apis import model_service_pb2_grpc, predict_pb2
from tensorflow_serving.apis import prediction_service_pb2_grpc

from persona import contract

DEFAULT_TIMEOUT = 10.0
_RETRY_SERVICE_CONFIG = {
    "methodConfig": [{
        "name": [{"service": "tensorflow.serving.PredictionService"},
                 {"service": "tensorflow.serving.ModelService"}],
        "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.1s", "maxBackoff": "2s",
                        "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]},
    }]
}


@dataclasses.dataclass(frozen=True)
class UserFeatures:
    """One user's raw request features; empty means unknown."""

    user_id: str = ""
    text: str = ""
    history: tuple = ()   # item ids, most recent last
    friends: tuple = ()   # user ids
    query: str = ""


@dataclasses.dataclass(frozen=True)
class Recommendations:
    item_ids: list
    scores: list
    model_version: int


@dataclasses.dataclass(frozen=True)
class Profile:
    vector: np.ndarray
    modality_weights: dict  # {"text": w, "behavior": w, "social": w}
    segment: int
    model_version: int


def _column(values):
    return np.array([v if isinstance(v, bytes) else str(v).encode("utf-8") for v in values],
                    dtype=object)


def _matrix(rows):
    """[B, 1 + W] strings: a leading "" column (see module docstring), "" padded."""
    width = max((len(r) for r in rows), default=0)
    return np.array([[b""] + [str(v).encode("utf-8") for v in r] + [b""] * (width - len(r))
                     for r in rows], dtype=object).reshape(len(rows), width + 1)


def user_inputs(users):
    """The contract's user inputs for a batch of UserFeatures, as numpy arrays."""
    return {
        contract.USER_ID: _column(u.user_id for u in users),
        contract.USER_TEXT: _column(u.text for u in users),
        contract.HISTORY: _matrix([u.history for u in users]),
        contract.FRIENDS: _matrix([u.friends for u in users]),
        contract.QUERY: _column(u.query for u in users),
    }


class PersonaClient:
    """recommend / profile / rank over Predict, plus metadata and status (see module doc)."""

    def __init__(self, target, name=contract.MODEL_NAME, *, version=None, label=None,
                 timeout=DEFAULT_TIMEOUT, channel=None):
        if version is not None and label is not None:
            raise ValueError("give a version or a label, not both")
        self.name = name
        self.timeout = timeout
        self._version, self._label = version, label
        self._channel = channel or grpc.insecure_channel(target, options=[
            ("grpc.enable_retries", 1),
            ("grpc.service_config", json.dumps(_RETRY_SERVICE_CONFIG)),
            ("grpc.max_receive_message_length", -1),
            ("grpc.max_send_message_length", -1)])
        self._predict = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._channel.close()

    def _model_spec(self, spec, signature=""):
        spec.name = self.name
        if signature:
            spec.signature_name = signature
        if self._version is not None:
            spec.version.value = self._version
        elif self._label is not None:
            spec.version_label = self._label

    def predict(self, signature, inputs):
        """Raw Predict: {input: numpy} -> ({output: numpy}, answering version)."""
        request = predict_pb2.PredictRequest()
        self._model_spec(request.model_spec, signature)
        for alias, value in inputs.items():
            request.inputs[alias].CopyFrom(tf.make_tensor_proto(value))
        response = self._predict.Predict(request, timeout=self.timeout, wait_for_ready=True)
        outputs = {alias: tf.make_ndarray(proto) for alias, proto in response.outputs.items()}
        return outputs, response.model_spec.version.value

    def recommend(self, users):
        """Top-K items per user (history excluded by the model), best first."""
        out, version = self.predict(contract.SIGNATURE_RECOMMEND, user_inputs(users))
        return [Recommendations([i.decode("utf-8", "replace") for i in ids],
                                [float(s) for s in scores], version)
                for ids, scores in zip(out[contract.ITEM_IDS], out[contract.SCORES])]

    def profile(self, users):
        """Profile vector, modality weights (text, behavior, social) and segment per user."""
        out, version = self.predict(contract.SIGNATURE_PROFILE, user_inputs(users))
        return [Profile(vector, dict(zip(contract.MODALITIES, map(float, weights))),
                        int(segment), version)
                for vector, weights, segment in zip(
                    out[contract.PROFILE], out[contract.MODALITY_WEIGHTS], out[contract.SEGMENT])]

    def rank(self, users, candidates):
        """Scores of each user's candidate items, in the candidates' order."""
        inputs = dict(user_inputs(users), **{contract.CANDIDATES: _matrix(candidates)})
        out, _ = self.predict(contract.SIGNATURE_RANK, inputs)
        # Column 0 is the leading "" candidate; later columns past a row's own candidates are
        # padding (its own or the server's batching).
        return [[float(s) for s in row[1:1 + len(c)]]
                for row, c in zip(out[contract.SCORES], candidates)]

    def metadata(self):
        """{signature name: SignatureDef} of the version the client's spec selects."""
        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        self._model_spec(request.model_spec)
        response = self._predict.GetModelMetadata(request, timeout=self.timeout)
        signatures = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signatures)
        return dict(signatures.signature_def)

    def status(self):
        """[(version, state name)] of the model's versions, newest first."""
        request = get_model_status_pb2.GetModelStatusRequest()
        request.model_spec.name = self.name
        response = self._models.GetModelStatus(request, timeout=self.timeout)
        state = get_model_status_pb2.ModelVersionStatus.State.Name
        return [(s.version, state(s.state)) for s in response.model_version_status]
