# Two commands matter: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCAL_DISTS := --no-emit-package embed-archiver --no-emit-package datasette-embed-archive

.PHONY: demo test install system-deps bench lock dist dist-check clean

# archiver and its web face (the datasette-embed-archive plugin, a distribution of its own in
# this repository), editable, with every other package at the version requirements.lock pins.
$(BIN)/archiver: pyproject.toml datasette-embed-archive/pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e ./datasette-embed-archive -e '.[test]'
	touch $(BIN)/archiver

install: $(BIN)/archiver

demo: install
	$(BIN)/archiver demo

# Debian's chromium (browser tests, driven by Playwright), ffmpeg (video merging and checks) and
# redis-server (the broker of `archiver worker`; its tests start their own on a free port).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v ffprobe >/dev/null 2>&1 || missing="$$missing ffmpeg"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: without$$missing (apt-get install$$missing) some tests are skipped or fail"; \
	  fi; \
	fi

test: system-deps install
	$(BIN)/python -m pytest -q

# The wheels and sdists of both distributions, checked as PyPI would.
dist: install
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m build --outdir dist datasette-embed-archive
	$(BIN)/twine check --strict dist/*

# What a user gets: the wheels in fresh virtualenvs, outside the source tree (see the script).
dist-check: system-deps dist
	bash .ci/check-dist

# requirements.lock: every package both distributions and the tests need, pinned (from requirements.in).
lock: install
	$(BIN)/pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile requirements.in --python $(BIN)/python $(LOCAL_DISTS) -o requirements.lock

bench: install
	$(BIN)/python benchmarks/discover.py
	$(BIN)/python benchmarks/media.py

clean:
	rm -rf $(VENV) build dist *.egg-info datasette-embed-archive/build datasette-embed-archive/*.egg-info
