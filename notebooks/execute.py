"""Runs the notebooks top to bottom with nbclient and saves them with their outputs.

The committed notebooks come from this, with the default parameters (a 1000-user synthetic shop,
written under runs/notebook); run it from the repository root:

    .venv/bin/python -m notebooks.execute

`--out DIR` writes the executed copies to DIR instead of over the originals. The PERSONA_NB_*
environment variables that the notebooks' parameter cells read change sizes and paths; this is
how tests/test_notebooks.py runs them on a tiny shop:

    PERSONA_NB_USERS=80 PERSONA_NB_ITEMS=40 PERSONA_NB_EPOCHS=2 PERSONA_NB_WORK=/tmp/nb \
        .venv/bin/python -m notebooks.execute --out /tmp/nb
"""
import argparse
import os
import pathlib
import time

import nbformat
from nbclient import NotebookClient

NOTEBOOKS_DIR = pathlib.Path(__file__).resolve().parent
NOTEBOOKS = ("train.ipynb", "profiles.ipynb")  # in this order: profiles reads train's run


def execute(name, cwd=NOTEBOOKS_DIR, out=None, timeout=600):
    """Executes notebook `name` with working directory `cwd`; returns the executed notebook.

    The kernel is "python3", which jupyter_client starts with this interpreter (the venv's).
    `out`: where to write the executed copy, also when a cell fails (None: nowhere).
    `timeout`: seconds one cell may run.
    """
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    client = NotebookClient(
        nb, kernel_name="python3", timeout=timeout, resources={"metadata": {"path": str(cwd)}},
        coalesce_streams=True,  # one block per stream, progress bars collapsed
        record_timing=False,  # no timestamps in the saved cells
        # TensorFlow's C++ log lines stay on the console instead of filling the outputs.
        extra_arguments=["--IPKernelApp.capture_fd_output=False"])
    try:
        client.execute()
    finally:
        if out is not None:
            nbformat.write(nb, out)
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=pathlib.Path, metavar="DIR",
                        help="write the executed notebooks here (default: over the originals, "
                             "only when they ran without error)")
    args = parser.parse_args(argv)
    # Headless: the TensorBoard cell prints how to open it instead of starting a server.
    os.environ.setdefault("PERSONA_NB_TENSORBOARD", "0")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    for name in NOTEBOOKS:
        started = time.time()
        nb = execute(name, out=args.out / name if args.out else None)
        if not args.out:
            nbformat.write(nb, NOTEBOOKS_DIR / name)
        print(f"{name}: executed in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
