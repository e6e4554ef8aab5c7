# The few entry points the README names. Each creates .venv when it is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: site test serve golden clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installed again whenever pyproject.toml changes.
$(VENV)/.site-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.site-installed

## site: set up, generate the pages from dumps/ and build site/ with mkdocs --strict
site: $(VENV)/.site-installed
	$(BIN)/digest site

## test: set up (with test tools and, as root, Chromium) and run the whole test suite
test: $(VENV)/.test-installed
	bash tests/tools/setup.sh
	$(BIN)/python -m pytest

## serve: live preview at http://127.0.0.1:8000, regenerating when a dump changes
serve: $(VENV)/.site-installed
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --dirty

## golden: regenerate tests/golden/ after an intended change to the pages
golden: $(VENV)/.test-installed
	$(BIN)/python -m tests.golden_update

clean:
	rm -rf site .site.staging docs/archive docs/days docs/themes docs/feeds docs/data docs/index.md docs/archive.md docs/stats.md docs/.digest-manifest.json
