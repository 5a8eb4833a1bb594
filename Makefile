# Everything a fresh machine needs (Python 3.11 + pip) is installed by these targets.
PYTHON ?= python3
UV_VERSION ?= 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# compile .pyc at install: a cold first import of prefect + pandas is otherwise ~2-3x slower
export UV_COMPILE_BYTECODE := 1

.PHONY: install demo test test-fast lint bench clean help

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/ —/'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(VENV)/.synced  ## create .venv from uv.lock (no manual step)

demo: install  ## generate the demo workbook and run the nightly flow on it
	$(VENV)/bin/synergia demo

# the tests start many Python processes (xdist workers, CLI runs, Prefect workers): each would compile
# synergia and the test modules again where PYTHONDONTWRITEBYTECODE is set, so their bytecode is kept
# under var/pycache (outside the source tree) for the processes after the first
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX=$(abspath var/pycache)

test: install  ## run the whole test suite (starts its own PostgreSQL, SMTP server and Sheets emulator)
	bash scripts/ensure-system-deps.sh
	$(TEST_ENV) $(VENV)/bin/python -m pytest

# the fast tier: no PostgreSQL, no Chromium, no Prefect server (`make test` runs everything, serially);
# its tests run in FAST_WORKERS pytest-xdist processes (FAST_WORKERS=0 runs them in this process) and
# its property tests draw EXAMPLES_SCALE of their examples (tests/examples.py; `make test` draws all)
FAST_MARKERS := not postgres and not prefect and not server and not chromium and not slow
FAST_WORKERS ?= 2
EXAMPLES_SCALE ?= 0.25

test-fast: install  ## the fast tests only: no PostgreSQL, Chromium or Prefect server
	EXAMPLES_SCALE=$(EXAMPLES_SCALE) $(TEST_ENV) $(VENV)/bin/python -m pytest -q -n $(FAST_WORKERS) -m "$(FAST_MARKERS)"

lint: install  ## ruff check and ruff format --check (what .ci/run runs before the tests)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install  ## run all benchmarks, printing ratios against their yardsticks
	$(VENV)/bin/python -m benchmarks

clean:  ## remove generated data and environments
	rm -rf var .venv .tools
