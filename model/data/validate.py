"""`persona data validate DIR`: load a canonical dataset, quarantine bad rows, print a summary."""
import json
import os

from persona.errors import PersonaError


def add_arguments(parser):
    parser.add_argument("directory", metavar="DIR", help="canonical dataset directory")
    parser.add_argument("--quarantine", metavar="FILE",
                        help="where to write the rejected rows (default: DIR/quarantine.csv)")


def run(args):
    from model.data import Quarantine, load_dataset

    q = Quarantine()
    ds = load_dataset(args.directory, quarantine=q)
    path = args.quarantine or os.path.join(args.directory, "quarantine.csv")
    try:
        q.write(path)
    except OSError as e:
        raise PersonaError(f"cannot write {path} ({e.strerror}); pass --quarantine FILE") from e
    print(q.summary())
    print(f"quarantined rows: {len(q)} -> {path}")
    print(json.dumps(ds.summary(), indent=2))
