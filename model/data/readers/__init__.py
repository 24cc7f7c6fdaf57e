"""Readers of public datasets: each turns one source format into the canonical format.

`persona data convert --format movielens --src ml-100k --out data/ml100k` runs `convert`: the
reader quarantines the source rows it cannot parse (source file, line, reason), the canonical
dataset is written and loaded back through `model.data.load_dataset`, which quarantines what
breaks the canonical rules (duplicates, unknown ids), and both go to `out/quarantine.csv`.

Usage:
    from model.data.readers import convert
    ds, q = convert("lastfm", "../shared/data/lastfm-2k", "data/lastfm")
    print(q.summary(), ds.summary())
"""
import json
import os

from model.data import Quarantine, load_dataset, write_dataset
from model.data.readers import amazon, ciao, lastfm, movielens, yelp
from persona.errors import PersonaError

READERS = {
    "movielens": movielens.read,
    "amazon": amazon.read,
    "ciao": ciao.read,
    "epinions": ciao.read,  # Tang et al. released Ciao and Epinions in one .mat format
    "lastfm": lastfm.read,
    "yelp": yelp.read,
}


def convert(fmt, src, out):
    """Reads `src` in format `fmt`, writes the canonical dataset to `out` and validates it.

    Returns the validated `Dataset` and the `Quarantine` of both stages (also written to
    `out/quarantine.csv`).
    """
    if fmt not in READERS:
        raise PersonaError(f"unknown format {fmt!r} (one of {', '.join(READERS)})")
    if not os.path.exists(src):
        raise PersonaError(f"{src}: no such file or directory")
    q = Quarantine()
    source = READERS[fmt](src, q)
    try:
        write_dataset(source, out)
        ds = load_dataset(out, quarantine=q)
        q.write(os.path.join(out, "quarantine.csv"))
    except OSError as e:
        raise PersonaError(f"{e.filename or out}: cannot write ({e.strerror})") from e
    return ds, q


def add_arguments(parser):
    parser.add_argument("--format", required=True, choices=sorted(READERS),
                        help="the source's format")
    parser.add_argument("--src", required=True, metavar="PATH",
                        help="the source directory (or, for amazon, one review JSON file)")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where to write the canonical dataset")


def run(args):
    report(*convert(args.format, args.src, args.out), args.out)


def report(ds, q, out):
    """Prints what a conversion kept and quarantined."""
    print(q.summary())
    print(f"quarantined rows: {len(q)} -> {os.path.join(out, 'quarantine.csv')}")
    print(json.dumps(ds.summary(), indent=2))
