"""`persona data validate DIR`: load a canonical dataset, quarantine bad rows, print a summary."""
import json
import os

from persona.errors import PersonaError


def add_arguments(parser):
    parser.add_argument("directory", metavar="DIR", help="canonical dataset directory")
    parser.add_argument("--quarantine", metavar="FILE",
                        help="where to write the rejected rows (default: DIR/quarantine.csv)")


def source_entries(path):
    """Rows of an existing quarantine file that a converter rejected from its source files.

    Validation re-derives the entries of the canonical files itself; the converter's entries
    about the source (which validation cannot see again) must survive a re-validation.
    """
    import pandas as pd
    from model.data import schema

    if not os.path.exists(path):
        return []
    canonical = {f"{t.name}.{ext}" for t in schema.TABLES for ext in ("csv", "parquet")}
    old = pd.read_csv(path, dtype=str, keep_default_na=False)
    return old[~old.file.isin(canonical)].to_dict("records")


def run(args):
    from model.data import Quarantine, load_dataset

    q = Quarantine()
    ds = load_dataset(args.directory, quarantine=q)
    path = args.quarantine or os.path.join(args.directory, "quarantine.csv")
    q.rows[:0] = source_entries(path)
    try:
        q.write(path)
    except OSError as e:
        raise PersonaError(f"cannot write {path} ({e.strerror}); pass --quarantine FILE") from e
    print(q.summary())
    print(f"quarantined rows: {len(q)} -> {path}")
    print(json.dumps(ds.summary(), indent=2))
