"""Run a SavedModel's signatures on saved inputs in a process with only TensorFlow + TF Text.

The exporter runs this file as a script (`python -I reload_check.py MODEL INPUTS OUTPUTS`), so
the check sees the SavedModel exactly as TF Serving or any client will: no project code,
nothing in memory from the export. It must stay free of project imports.

    INPUTS:  .npz of {input name: array}; OUTPUTS: .npz of {"signature/output": array}
"""
import sys


def main(model_dir, inputs_path, outputs_path, signatures):
    import numpy as np
    import tensorflow as tf
    import tensorflow_text  # noqa: F401  (registers the TF Text ops before loading)

    project = sorted({"persona", "model", "export", "serving"} & set(sys.modules))
    if project:
        raise SystemExit(f"reload check imported project code: {project}")
    model = tf.saved_model.load(model_dir)
    inputs = dict(np.load(inputs_path))
    outputs = {}
    for name in signatures:
        function = model.signatures[name]
        feeds = {alias: tf.constant(inputs[alias])
                 for alias in function.structured_input_signature[1]}
        for alias, value in function(**feeds).items():
            value = value.numpy()
            # Fixed-width bytes: .npz stores them without pickling.
            outputs[f"{name}/{alias}"] = np.array(value.tolist(), dtype=bytes) \
                if value.dtype == object else value
    np.savez(outputs_path, **outputs)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(","))
