# lsp-research: run `make help` for the list of targets.
# Everything installs into .venv from the pinned requirements.lock; nothing depends on conda.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PERIOD ?= latest
JOBS ?= 2
LAB_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help install data report screenshots test lint format lab lock clean-reports clean-processed benchmark

help: ## List every target
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run 'make PYTHON=/path/to/python3.11'"; exit 2; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name lsp-research --display-name "Python (lsp-research)" >/dev/null
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies and the package

data: $(STAMP) ## Validate data/raw and build data/processed (only what changed)
	$(BIN)/lsp-research data build

# The period's form is checked first, so a mistyped PERIOD is refused before any data is built.
report: $(STAMP) ## Build the data and run the latest quarter (PERIOD=2009Q3 for another)
	$(BIN)/lsp-research period $(PERIOD)
	$(BIN)/lsp-research data build --quiet
	$(BIN)/lsp-research run --period $(PERIOD) --jobs $(JOBS)

# Headless Chromium (network blocked) over the latest published period in reports/: the Board paper, a
# ward profile and the index at 1280 and 414 px wide, as PNGs a reviewer can open without a browser.
SCREENSHOTS ?= reports/screenshots
screenshots: $(STAMP) ## PNG screenshots of the Board paper, a ward profile and the index (after make report) into reports/screenshots/
	@mkdir -p $(SCREENSHOTS)
	LSP_READERS_SITE=reports LSP_SCREENSHOTS=$(SCREENSHOTS) $(BIN)/python -m pytest tests/test_readers_chromium.py -q -p no:randomly -p no:xdist -k screenshots
	@ls $(SCREENSHOTS)/*.png

test: $(STAMP) ## Run the test suite and the package's doctests
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

lint: $(STAMP) ## ruff over the package, tests and notebooks
	$(BIN)/ruff check lsp_research tests notebooks benchmarks
	$(BIN)/ruff format --check lsp_research tests notebooks benchmarks

format: $(STAMP) ## Format the code with ruff
	$(BIN)/ruff format lsp_research tests notebooks benchmarks
	$(BIN)/ruff check --fix lsp_research tests notebooks benchmarks

# Lab is rooted at the project (so indicators.yml, programme.yml and data/ open from it, and jupytext
# finds jupytext.toml and pairs every notebook on save) and opens on the notebooks folder. Jupyter
# refuses to start as root unless told: as root (a container), --allow-root is added.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP) ## Open JupyterLab at the project root, on the notebooks folder, with the project kernel
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(LAB_ROOT_FLAG) $(LAB_ARGS)

lock: ## Regenerate requirements.lock from pyproject.toml (needs uv: pip install uv)
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 -o requirements.lock

benchmark: $(STAMP) ## Run the benchmarks (by hand, minutes; they print times and ratios)
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean-reports: ## Delete published reports (they can be rebuilt)
	rm -rf reports/*/

clean-processed: ## Delete data/processed (it can be rebuilt)
	find data/processed -mindepth 1 ! -name .gitkeep -delete
