"""Before publishing: reload the SavedModel in a fresh process and compare golden outputs.

The reloaded model (only TensorFlow and tensorflow_text imported, see reload_check.py) must
reproduce what the in-memory module computed on the golden inputs: strings and integers
exactly, floats to 1e-5. A mismatch (an untracked vocabulary, a training-only op, a lost
asset) stops the export before anything is published.

Usage:
    expected = call_signatures(signatures, inputs)
    check_reload(saved_model_dir, inputs, expected)     # raises PersonaError on mismatch
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf

from persona.errors import PersonaError

RELOAD_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reload_check.py")
TOLERANCE = 1e-5


def concrete_function(function):
    return function if isinstance(function, tf.types.experimental.ConcreteFunction) \
        else function.get_concrete_function()


def call_signature(function, inputs):
    """Call a signature function (tf.function with input_signature, or concrete) on numpy
    inputs chosen by its input specs' names; returns {output: numpy}."""
    concrete = concrete_function(function)

    args, kwargs = concrete.structured_input_signature
    args = tf.nest.map_structure(lambda spec: tf.constant(inputs[spec.name]), args)
    kwargs = {key: tf.nest.map_structure(
        lambda spec, key=key: tf.constant(inputs[spec.name or key]), spec)
        for key, spec in kwargs.items()}
    return {alias: value.numpy() for alias, value in concrete(*args, **kwargs).items()}


def call_signatures(signatures, inputs):
    """{"signature/output": numpy} for every signature of `signatures` on `inputs`."""
    return {f"{name}/{alias}": value for name, function in signatures.items()
            for alias, value in call_signature(function, inputs).items()}


def _differences(expected, actual):
    problems = []
    for key, want in expected.items():
        got = actual.get(key)
        if got is None:
            problems.append(f"{key}: missing after reload")
        elif got.shape != want.shape:
            problems.append(f"{key}: shape {list(want.shape)} became {list(got.shape)}")
        elif want.dtype.kind in "fc":
            if not np.allclose(want, got, rtol=TOLERANCE, atol=TOLERANCE):
                problems.append(f"{key}: max abs difference {np.max(np.abs(want - got)):.3g}")
        elif not np.array_equal(np.array(want.tolist(), dtype=bytes) if want.dtype == object
                                else want, got):
            problems.append(f"{key}: values differ")
    return problems


def check_reload(saved_model_dir, inputs, expected, timeout=600):
    """Reload in a fresh `python -I` process; raise PersonaError if any output differs."""
    signatures = sorted({key.split("/")[0] for key in expected})
    with tempfile.TemporaryDirectory(prefix="persona-reload-") as work:
        inputs_path = os.path.join(work, "inputs.npz")
        outputs_path = os.path.join(work, "outputs.npz")
        # Fixed-width bytes: .npz stores them without pickling.
        np.savez(inputs_path, **{k: np.array(v.tolist(), dtype=bytes) if v.dtype == object
                                 else v for k, v in inputs.items()})
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        done = subprocess.run(
            [sys.executable, "-I", RELOAD_SCRIPT, saved_model_dir, inputs_path, outputs_path,
             ",".join(signatures)], env=env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise PersonaError(f"the exported SavedModel does not load and run in a fresh "
                               f"process (tensorflow + tensorflow_text only):\n{tail}")
        actual = dict(np.load(outputs_path))
    problems = _differences(expected, actual)
    if problems:
        raise PersonaError("the reloaded SavedModel disagrees with the exported module on the "
                           "golden inputs; not publishing:\n  " + "\n  ".join(problems))

