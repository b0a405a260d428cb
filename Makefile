# The README's two commands: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# The suite's Node tools (linters, SDK and Postman tools, jQuery) and the docs UIs' sources, from
# the npm lock file (package.json says which is which).
NODE_MODULES := node_modules/.package-lock.json
export FLASK_APP := service

.PHONY: run test test-quick lint doctor fuzz openapi migrate vendor sdk lock clean bench bench-inprocess soak flood cluster granian-ops

$(INSTALLED): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_MODULES): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund

## Serve the API with gunicorn on 127.0.0.1:8000 (SQLite in instance/ unless DATABASE_URL is set).
run: migrate
	@echo "API docs: http://127.0.0.1:8000/docs (ReDoc: /redoc, spec: /openapi.json)"
	exec $(BIN)/gunicorn --config gunicorn.conf.py 'service:create_app()'

# pytest-xdist: one worker per core (at most four); each test file runs in one worker, so
# the worlds a file builds once serve all of its tests.
PYTEST_PARALLEL ?= -n auto --maxprocesses 4 --dist loadfile

## What this machine has of the tools and services `make run` and the suite use (stdlib only:
## runs before the venv exists). Fails only for what `make run` itself needs.
doctor:
	@$(PYTHON) tools/doctor.py

## The preflight, lint, then the whole test suite.
test: doctor $(INSTALLED) $(NODE_MODULES) lint
	$(BIN)/python -m pytest $(PYTEST_PARALLEL)

## The inner loop: every test that needs no server, browser or external tool, on SQLite only.
test-quick: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not slow and not postgresql"

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## A long schemathesis run over HTTP (gunicorn; SQLite, or a throwaway database on the PostgreSQL
## server FUZZ_DATABASE_URL names).
## FUZZ_SEED repeats a run (schemathesis prints the seed it used).
FUZZ_EXAMPLES ?= 500
fuzz: $(INSTALLED)
	$(BIN)/python -m tests.fuzz.live --max-examples $(FUZZ_EXAMPLES) \
	    $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) $(if $(FUZZ_DATABASE_URL),--database-url $(FUZZ_DATABASE_URL))

## Load-test the product against bare Flask, FastAPI, APIFlask and flask-smorest on a throwaway
## PostgreSQL database (wrk; BENCH_* settings in bench/README.md); writes
## bench/results/latest.{md,json,png}.
bench: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.lock
	$(BIN)/python -m bench.run

## The cost of one request inside the product and the bare-Flask peer, without a server:
## CPU time, or instructions with BENCH_VALGRIND=1 (steady on a busy machine; minutes).
bench-inprocess: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.lock
	$(BIN)/python -m bench.inprocess $(if $(BENCH_VALGRIND),--valgrind)

## A minute of steady load (a mix of GET, list and POST) at 70 % of saturation, on gunicorn and a
## throwaway PostgreSQL database; fails on any error or undeclared status. Writes
## bench/results/soak.md (SOAK_* and BENCH_* settings in bench/soak.py).
soak: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.lock
	$(BIN)/python -m bench.soak

## Reads under a flood of sign-ups and log-ins from many client addresses, each at the account
## limit: p99 against the quiet p99 (goal <= 3x). Writes bench/results/flood.md (FLOOD_*
## settings in bench/flood.py). Needs PostgreSQL and Redis on 127.0.0.1.
flood: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.lock
	$(BIN)/python -m bench.flood

## A local cluster in the foreground: nginx on 127.0.0.1:$(CLUSTER_PORT) in front of two instances
## (gunicorn each) sharing PostgreSQL (DATABASE_URL, default the database contract_api_cluster on
## 127.0.0.1:5432, created and migrated) and Redis (REDIS_URL); PGBOUNCER=1 puts PgBouncer in
## transaction mode between them. Ctrl-C stops everything. See README, "Past one server".
CLUSTER_PORT ?= 8080
cluster: $(INSTALLED)
	$(BIN)/python -m deploy.cluster --port $(CLUSTER_PORT) $(if $(filter 1,$(PGBOUNCER)),--pgbouncer)

## The operations suite on granian (issue 21): recycling, drain on SIGTERM, a killed worker, a
## stuck request, the JSON access line, /metrics over workers, on a throwaway PostgreSQL
## database (~3 min); GRANIAN_OPS_SUITES=1 also runs tests/faults and tests/races on granian
## and repeats the worker-kill test on both servers (~3 min more). Writes
## bench/results/granian-operations.md.
granian-ops: $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt -c requirements.lock
	$(BIN)/python -m bench.granian_operations $(if $(GRANIAN_OPS_SUITES),--suites)

## Apply the database migrations.
migrate: $(INSTALLED)
	$(BIN)/flask db upgrade

## Regenerate openapi/openapi.json from the code.
openapi: $(INSTALLED)
	$(BIN)/flask write-openapi openapi/openapi.json

## Refresh the vendored Swagger UI and ReDoc from the npm lock file.
vendor:
	npm ci --ignore-scripts --no-audit --no-fund
	mkdir -p service/static/vendor/swagger-ui service/static/vendor/redoc
	cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui-standalone-preset.js \
	   node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/LICENSE service/static/vendor/swagger-ui/
	cp node_modules/redoc/bundles/redoc.standalone.js node_modules/redoc/bundles/redoc.standalone.js.LICENSE.txt \
	   service/static/vendor/redoc/

## Generate the SDKs from openapi/openapi.json into build/sdk/ (replacing what is there):
## python/ (pip install it), typescript/ (schema.d.ts, with an example openapi-fetch client) and,
## with Java, openapi-generator-python/ (OpenAPI Generator's python client).
sdk: $(INSTALLED) $(NODE_MODULES)
	$(BIN)/python -m tests.sdk.generate build/sdk

## Re-pin every Python dependency after changing pyproject.toml.
lock: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^contract-api' > requirements.lock

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache
