# Two entry points: `make demo` (the main job) and `make test` (the whole suite, as CI runs it).
# Both create .venv when it is missing and install everything pinned.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system demo test bench clean-venv

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -e .
	$(BIN)/python -c "import torch, sys; v = torch.__version__.split('+')[0]; sys.exit(0 if v == '2.14.1' else 'torch ' + v + ' installed; expected 2.14.1')"
	touch $(STAMP)

# Debian packages (bubblewrap for the grading sandbox); a no-op when they are there.
system:
	tools/install-system-packages

setup: system $(STAMP)

# The main job: regenerate every week's student release, then the tutor's whole cycle on demo
# submissions of week 01 (autograde in the sandbox, feedback, grade and eligibility CSVs).
demo: setup
	$(BIN)/course release
	$(BIN)/course demo 01-math-review

# The whole test suite on both cores.
test: setup
	$(BIN)/python -m pytest -n 2 -q

bench: setup
	$(BIN)/python benchmarks/bench_training.py

clean-venv:
	rm -rf $(VENV)
