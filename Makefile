# Two commands matter: `make demo` and `make test`. Both build .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install system-deps bench clean

$(BIN)/archiver: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/archiver

install: $(BIN)/archiver

demo: install
	$(BIN)/archiver demo

# Debian's chromium (browser tests, driven by Playwright) and ffmpeg (video checks).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v ffprobe >/dev/null 2>&1 || missing="$$missing ffmpeg"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing$$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "note: without$$missing (apt-get install$$missing) the browser and video tests are skipped"; \
	  fi; \
	fi

test: install system-deps
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/discover.py
	$(BIN)/python benchmarks/media.py

clean:
	rm -rf $(VENV) build *.egg-info
