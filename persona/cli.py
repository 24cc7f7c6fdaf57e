"""The `persona` command line (DESIGN.md, "Command line").

Each command lives in its own module with two functions:
  add_arguments(parser)   define the command's flags (the module must be cheap to import:
                          import TensorFlow inside run, not at module top)
  run(args) -> int|None   do the work; raise PersonaError for bad input
"""
import argparse
import importlib
import sys

import persona
from persona.errors import PersonaError

# (command, subcommand or None) -> (module, help)
COMMANDS = {
    ("data", "synth"): ("model.data.synth", "write a synthetic shop with every modality"),
    ("data", "convert"): ("model.data.readers", "convert a public dataset to the canonical format"),
    ("data", "validate"): ("model.data.validate", "validate a canonical dataset directory"),
    ("data", "fetch"): ("model.data.fetch", "fetch a public dataset from the package registry"),
    ("data", "split"): ("model.data.splits", "write train/validation/test/cold-start splits"),
    ("pretrain", None): ("model.text.pretrain", "domain-pretrain the text encoder (masked LM)"),
    ("train", None): ("model.training.train", "train the profile model"),
    ("evaluate", None): ("model.evaluation.evaluate", "full-catalogue evaluation vs baselines"),
    ("export", None): ("export.exporter", "export a versioned SavedModel for TF Serving"),
    ("serve", None): ("serving.server", "serve a model base path over the TF Serving gRPC API"),
    ("query", None): ("serving.query", "query a running server for one user"),
    ("demo", None): ("persona.demo", "end to end on the embedded default"),
}


def build_parser():
    parser = argparse.ArgumentParser(prog="persona", description=persona.__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=persona.__version__)
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    groups = {}
    for (command, sub), (module_name, help_text) in COMMANDS.items():
        if sub is None:
            p = top.add_parser(command, help=help_text)
        else:
            if command not in groups:
                g = top.add_parser(command, help=f"{command} commands")
                groups[command] = g.add_subparsers(dest="subcommand", required=True,
                                                   metavar="SUBCOMMAND")
            p = groups[command].add_parser(sub, help=help_text)
        p.set_defaults(_module=module_name)
        importlib.import_module(module_name).add_arguments(p)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        rc = importlib.import_module(args._module).run(args)
    except PersonaError as e:
        print(f"persona: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("persona: interrupted", file=sys.stderr)
        return 130
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
