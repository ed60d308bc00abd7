# Two commands matter: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install system-deps bench clean

# archiver and its web face (the datasette-embed-archive plugin, a distribution of its own in
# this repository), editable. (The discovery prefilter is C: a changed source means a rebuild.)
$(BIN)/archiver: pyproject.toml datasette-embed-archive/pyproject.toml archiver/discover/_prefilter.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ./datasette-embed-archive -e '.[test]'
	touch $(BIN)/archiver

install: $(BIN)/archiver

demo: install
	$(BIN)/archiver demo

# Debian's chromium (browser tests, driven by Playwright), ffmpeg (video checks), and a C
# compiler with Python's headers (the discovery prefilter; without them discovery runs in
# pure Python and the test that checks the prefilter is built fails).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v ffprobe >/dev/null 2>&1 || missing="$$missing ffmpeg"; \
	command -v cc >/dev/null 2>&1 || missing="$$missing gcc"; \
	$(PYTHON) -c "import os, sysconfig; raise SystemExit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
	  || missing="$$missing python3-dev"; \
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

bench: install
	$(BIN)/python benchmarks/discover.py
	$(BIN)/python benchmarks/media.py

clean:
	rm -rf $(VENV) build *.egg-info
