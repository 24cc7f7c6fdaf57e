"""TF Serving's Predict request handling: checks, in TF Serving's order and with its messages.

Order and wording follow tensorflow_serving/servables/tensorflow/predict_util.cc and
tensorflow/cc/saved_model/util.cc:
  signature name ("" = serving_default) -> input count -> input names -> tensor parsing ->
  output_filter -> (what the TF runtime checks) dtype, rank/shape, equal batch sizes.

Usage:
    signature, inputs, outputs = prepare(request, servable.signature_defs)
    result = servable.predict(signature, inputs)
    response = respond(request, servable, signature, result, outputs)
"""
import grpc
from tensorflow_serving.apis import predict_pb2

from serving import tensors
from serving.errors import ServingError, invalid_argument

DEFAULT_SIGNATURE = "serving_default"


def _keys(mapping):
    return ",".join(sorted(mapping))


def _check_input_count(signature_def, request):
    sent, expected = set(request.inputs), set(signature_def.inputs)
    if len(sent) > len(expected) or (len(sent) < len(expected) and not signature_def.defaults):
        raise invalid_argument(
            f"input size does not match signature: {len(sent)}!={len(expected)} "
            f"len({{{_keys(sent)}}}) != len({{{_keys(expected)}}}). "
            f"Sent extra: {{{_keys(sent - expected)}}}. "
            f"Missing but required: {{{_keys(expected - sent)}}}.")


def _parse_inputs(signature_def, request):
    inputs = {}
    for alias in sorted(signature_def.inputs):
        if alias in request.inputs:
            proto = request.inputs[alias]
        elif alias in signature_def.defaults:
            proto = signature_def.defaults[alias]
        else:
            raise invalid_argument(
                f"Signature input alias: {alias}(feed name: {signature_def.inputs[alias].name}) "
                f"not found in request and no default value provided. Inputs expected to be in "
                f"the request {{{_keys(request.inputs)}}}, or default input alias set: "
                f"{_keys(signature_def.defaults)}")
        try:
            inputs[alias] = tensors.to_ndarray(proto)
        except Exception:  # noqa: BLE001 - any malformed TensorProto
            raise invalid_argument(f"tensor parsing error: {alias}") from None
    used = set(inputs) & set(request.inputs)
    if request.inputs and len(used) != len(request.inputs):
        raise invalid_argument(f"Inputs contains invalid name. Used request inputs: "
                               f"{_keys(used)}, request input: {_keys(request.inputs)}")
    return inputs


def _output_aliases(signature_def, request):
    aliases = []
    for alias in request.output_filter:
        if alias not in signature_def.outputs:
            raise invalid_argument(
                f"output tensor alias not found in signature: {alias} Outputs expected to be "
                f"in the set {{{_keys(signature_def.outputs)}}}.")
        if alias in aliases:
            raise invalid_argument(f"duplicate output tensor alias: {alias}")
        aliases.append(alias)
    return aliases or list(signature_def.outputs)


def _check_tensors(signature_def, request, inputs):
    """What the TF runtime would reject: dtype, rank and known dims, unequal batch sizes."""
    for index, alias in enumerate(sorted(signature_def.inputs)):
        info, proto, value = signature_def.inputs[alias], request.inputs.get(alias), inputs[alias]
        if proto is not None and proto.dtype != info.dtype:
            raise invalid_argument(
                f"Expects arg[{index}] to be {tensors.dtype_name(info.dtype)} but "
                f"{tensors.dtype_name(proto.dtype)} is provided (input {alias})")
        if info.tensor_shape.unknown_rank:
            continue
        want = [d.size for d in info.tensor_shape.dim]
        if len(want) != value.ndim or any(w not in (-1, s) for w, s in zip(want, value.shape)):
            shown = "[" + ",".join("?" if w < 0 else str(w) for w in want) + "]"
            raise invalid_argument(
                f"input {alias} must have shape {shown} (rank {len(want)}), "
                f"got {list(value.shape)}")
    batched = {alias: inputs[alias].shape[0] for alias, info in signature_def.inputs.items()
               if info.tensor_shape.dim and info.tensor_shape.dim[0].size == -1}
    if len(set(batched.values())) > 1:
        sizes = ", ".join(f"{alias}: {size}" for alias, size in sorted(batched.items()))
        raise invalid_argument("Batching Run() input tensors must have equal 0th-dimension "
                               f"size ({sizes})")


def prepare(request, signature_defs, has_function=lambda name: True):
    """Validate a PredictRequest against a servable's SignatureDefs.

    Returns (signature name, {alias: numpy input}, [output aliases]) or raises ServingError.
    """
    signature = request.model_spec.signature_name or DEFAULT_SIGNATURE
    signature_def = signature_defs.get(signature)
    if signature_def is None or not has_function(signature):
        raise ServingError(grpc.StatusCode.FAILED_PRECONDITION,
                           f'Serving signature key "{signature}" not found.')
    _check_input_count(signature_def, request)
    inputs = _parse_inputs(signature_def, request)
    outputs = _output_aliases(signature_def, request)
    _check_tensors(signature_def, request, inputs)
    return signature, inputs, outputs


def respond(request, servable, signature, result, output_aliases):
    """The PredictResponse: requested outputs and the model spec that answered."""
    response = predict_pb2.PredictResponse()
    response.model_spec.name = request.model_spec.name
    response.model_spec.version.value = servable.version
    response.model_spec.signature_name = signature
    for alias in output_aliases:
        response.outputs[alias].CopyFrom(tensors.to_proto(result[alias]))
    return response
