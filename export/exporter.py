"""`persona export --run RUN_DIR --model-base DIR [--name persona] [--version N]`.

Builds the serving module of a trained run through the training side's hook and publishes it
with `export.savedmodel.export_saved_model` (atomic version directory, warmup records, model
card, fresh-process reload check).

The hook lives in `model/training/serving_module.py` (the trained profile model):
    build_serving_module(run_dir) -> tf.Module     required; attributes `serving_default`,
        `profile`, `rank`: tf.functions with input signatures (persona.contract names)
    model_card(run_dir) -> dict                    optional; data summary, metrics, config
    item_titles(run_dir) -> {item_id: title}       optional; shown by `persona query`
    golden_inputs(run_dir) -> {input: [rows]}      optional; real ids for the reload check
"""
import importlib
import os

HOOK_MODULE = "model.training.serving_module"


def add_arguments(parser):
    parser.add_argument("--run", required=True, help="a training run directory (persona train)")
    parser.add_argument("--model-base", required=True,
                        help="model base path: writes <model-base>/<name>/<version>/")
    parser.add_argument("--name", default="persona", help="model name (default: persona)")
    parser.add_argument("--version", type=int, help="version number (default: the next one)")


def load_hook():
    """The training side's serving-module hook (PersonaError when this build lacks it)."""
    from persona.errors import PersonaError

    try:
        hook = importlib.import_module(HOOK_MODULE)
    except ModuleNotFoundError as e:
        if not HOOK_MODULE.startswith(e.name or "\0"):
            raise
        hook = None
    if hook is None or not hasattr(hook, "build_serving_module"):
        raise PersonaError(f"this build cannot export a run directory: "
                           f"{HOOK_MODULE}.build_serving_module(run_dir) is missing")
    return hook


def run(args):
    from persona.errors import PersonaError

    if not os.path.isdir(args.run):
        raise PersonaError(f"run directory not found: {args.run}")
    hook = load_hook()

    def optional(name):
        function = getattr(hook, name, None)
        return function(args.run) if function else None

    from export.savedmodel import export_saved_model

    module = hook.build_serving_module(args.run)
    path = export_saved_model(module, args.model_base, args.name, args.version,
                              card=optional("model_card"), item_titles=optional("item_titles"),
                              golden_extra=optional("golden_inputs"))
    print(f"published {path}")
    return 0
