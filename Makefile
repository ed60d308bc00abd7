# Two commands matter: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test browser bench clean

$(BIN)/archiver: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/archiver

install: $(BIN)/archiver

demo: install
	$(BIN)/archiver demo

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/discover.py
	$(BIN)/python benchmarks/media.py

clean:
	rm -rf $(VENV) build *.egg-info
