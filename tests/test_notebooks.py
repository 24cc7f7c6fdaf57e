"""The notebooks run top to bottom on a tiny synthetic shop and draw their plots.

train.ipynb runs first (data, train, evaluate, export, serve, query) into a temporary directory;
profiles.ipynb then explores the run it left. Parameters reach the notebooks through the
PERSONA_NB_* environment variables their parameter cells read. The committed notebooks are
never overwritten: the executed copies are written beside the run.
"""
import sys

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager

from notebooks.execute import NOTEBOOKS, NOTEBOOKS_DIR, execute

TINY = {"PERSONA_NB_USERS": "80", "PERSONA_NB_ITEMS": "40", "PERSONA_NB_EPOCHS": "2",
        "PERSONA_NB_TENSORBOARD": "0"}


def images(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})]


def errors(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """{name: executed notebook}, run in order in a scratch directory (copies saved there)."""
    work = tmp_path_factory.mktemp("notebooks")
    env = dict(TINY, PERSONA_NB_WORK=str(work), PERSONA_NB_TEXT_CACHE=str(work / "text-cache"))
    with pytest.MonkeyPatch.context() as mp:
        for key in ("PERSONA_NB_DATA", "PERSONA_NB_RUN"):  # a developer's own settings
            mp.delenv(key, raising=False)
        for key, value in env.items():
            mp.setenv(key, value)  # the kernel inherits this process's environment
        return {name: execute(name, cwd=work, out=work / name) for name in NOTEBOOKS}


def test_kernel_is_this_python():
    """nbclient's "python3" kernel starts the interpreter running the tests (the venv's)."""
    argv = KernelSpecManager().get_kernel_spec("python3").argv
    # jupyter_client replaces a bare "python"/"python3" with sys.executable.
    assert argv[0] in {"python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}",
                       sys.executable}, argv


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_and_plots(executed, name):
    nb = executed[name]
    assert not errors(nb)
    assert len(images(nb)) >= 4, f"{name} drew {len(images(nb))} plots"


def test_train_notebook_served_and_queried(executed):
    text = "".join(o.get("text", "") for c in executed["train.ipynb"].cells
                   if c.cell_type == "code" for o in c.get("outputs", []))
    assert "serving" in text and "stopped" in text


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_committed_notebooks_show_their_plots(name):
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "commit the notebook executed top to bottom"
    assert not errors(nb) and len(images(nb)) >= 4
    assert nb.metadata.kernelspec.name == "python3"
