"""Publish a versioned SavedModel: `<model-base>/<name>/<version>/`, atomically, validated.

Steps: save the module with its signatures into a hidden temporary directory next to the
version directories (TF Serving and `persona serve` only look at numeric names), add the
warmup records, the model card and item titles, reload it in a fresh process and compare the
golden outputs, then rename it to its version number. A server polling the base path sees
either nothing or the complete version, never a half-written one.

Usage:
    path = export_saved_model(module, "models", name="persona", card={"metrics": {...}})
    # -> models/persona/<next version>/ with saved_model.pb, variables/, assets.extra/
"""
import contextlib
import os
import shutil
import tempfile

import tensorflow as tf

from export import golden, model_card, validation, warmup
from persona import contract
from persona.errors import PersonaError
from serving.servable import read_signature_defs


def existing_versions(model_dir):
    """Version numbers already published under `model_dir`."""
    if not os.path.isdir(model_dir):
        return []
    return sorted(int(e) for e in os.listdir(model_dir)
                  if e.isdigit() and os.path.isdir(os.path.join(model_dir, e)))


def next_version(model_dir):
    versions = existing_versions(model_dir)
    return versions[-1] + 1 if versions else 1


def signature_functions(module, names=contract.SIGNATURES):
    """{signature name: function} from the module's attributes named like the signatures."""
    missing = [name for name in names if not callable(getattr(module, name, None))]
    if missing:
        raise PersonaError(f"the serving module has no signature function(s) {missing}: it "
                           f"needs tf.functions with input signatures named {list(names)}")
    return {name: getattr(module, name) for name in names}


@contextlib.contextmanager
def _tf_log_level(level):
    logger = tf.get_logger()
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def export_saved_model(module, model_base, name=contract.MODEL_NAME, version=None, *,
                       signatures=None, card=None, item_titles=None, golden_extra=None):
    """Export `module` as version `version` (default: the next one); returns its path.

    signatures: {name: tf.function or ConcreteFunction}; default: the module's attributes
        named after persona.contract.SIGNATURES.
    card: facts for the model card (data summary, metrics, config, ...).
    item_titles: {item_id: title}, written to assets.extra/items.csv.
    golden_extra: extra golden rows ({input: list}), e.g. real user and item ids.
    Raises PersonaError when the version exists or the reload check fails.
    """
    signatures = signatures or signature_functions(module)
    model_dir = os.path.join(model_base, name)
    version = next_version(model_dir) if version is None else int(version)
    final = os.path.join(model_dir, str(version))
    if version < 1 or os.path.exists(final):
        raise PersonaError(f"version {version} of {name} already exists at {final}"
                           if version >= 1 else f"versions are positive numbers, not {version}")
    os.makedirs(model_dir, exist_ok=True)
    inputs = golden.golden_inputs(golden_extra)
    expected = validation.call_signatures(signatures, inputs)
    staging = tempfile.mkdtemp(prefix=f".export-{version}-", dir=model_dir)
    try:
        # The signatures are the contract; Keras' notes on layers it cannot re-serialize as
        # Keras objects (not needed by any loader of these signatures) are only noise here.
        with _tf_log_level("ERROR"):
            tf.saved_model.save(module, staging, signatures={
                key: validation.concrete_function(fn) for key, fn in signatures.items()})
        signature_defs = read_signature_defs(staging)
        warmup.write_warmup_requests(staging, name, {
            key: {alias: inputs[alias] for alias in signature_defs[key].inputs}
            for key in signatures})
        model_card.write_model_card(
            staging, model_card.build_model_card(name, version, signature_defs, card))
        if item_titles:
            model_card.write_item_titles(staging, item_titles)
        validation.check_reload(staging, inputs, expected)
        if os.path.exists(final):
            raise PersonaError(f"version {version} of {name} appeared at {final} meanwhile")
        os.chmod(staging, 0o755)  # mkdtemp makes it private; servers may run as another user
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final
