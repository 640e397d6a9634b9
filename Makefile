# Two commands: `make compliance` (the suite on moto, with Allure results) and `make test` (the suite's own tests).
# Both create the virtualenv and install the project first; nothing is installed by hand.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
RESULTS := reports/allure-results

.PHONY: compliance test mutants lint setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

NODE_STAMP := node_modules/.installed-stamp

# Allure 3 (npm) renders the report; without npm the suite still runs and says how to render (docs/report.md).
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; fi

# The report is rendered whatever the suite's verdict; the target then exits with pytest's status.
compliance: $(STAMP) $(NODE_STAMP)
	@status=0; $(PY) -m pytest --alluredir=$(RESULTS) --clean-alluredir --junitxml=reports/junit.xml \
		--cucumberjson=reports/cucumber.json $(PYTEST_ARGS) || status=$$?; \
	$(PY) -m rolecheck.report $(RESULTS) -o reports/allure-report || exit $$?; \
	exit $$status

# -rs: every skipped test says why (the report tests need Node.js, the browser tests Chromium too).
# The whole-catalog runs (every mutant, every benign change: a suite run each) are `make mutants`; CI runs both.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest tests -rs -m "not catalog" $(PYTEST_ARGS)

mutants: $(STAMP)
	$(PY) -m pytest tests -rs -m catalog $(PYTEST_ARGS)

# The suite against the floor of its own API calls, the engine and the static checks at scale (docs/bench.md).
.PHONY: bench
bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(RESULTS) reports/allure-report reports/junit.xml reports/cucumber.json
