# 好商量: `make run` serves on a fresh clone, `make test` runs every check.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
WEB_STAMP := web/node_modules/.installed-$(shell sha1sum web/package-lock.json | cut -c1-12)
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/package.json web/tsconfig*.json -type f 2>/dev/null)

.PHONY: run test test-fast lint web install bench eval fuzz generate clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

$(WEB_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	rm -f web/node_modules/.installed-* && touch $@

web/dist/index.html: $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/index.html

run: install web
	$(BIN)/hsl db upgrade
	$(BIN)/hsl demo --if-empty
	$(BIN)/hsl serve --port $(PORT)

lint: install $(WEB_STAMP)
	$(BIN)/ruff check server realtime nlp tests bench
	$(BIN)/ruff format --check server realtime nlp tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd web && npm run lint

test: install web lint
	$(BIN)/pytest -q -p no:cacheprovider

# The API (schemathesis) and the /live commands (Hypothesis) at a larger budget than `make test`.
FUZZ_EXAMPLES ?= 60
fuzz: install web
	HSL_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q -p no:cacheprovider \
		tests/server/test_openapi_fuzz.py tests/live/test_live_fuzz.py

bench: install web
	$(BIN)/python -m bench.run_all $(BENCH_ARGS)
	cd web && node scripts/bundle-size.mjs --check

eval: install
	$(BIN)/python -m bench.eval_themes
	$(BIN)/python -m bench.eval_minutes

# The browser's generated copies: the live commands (from the registry) and the HTTP API's
# shapes (from the OpenAPI document); tests fail when either is stale.
generate: install $(WEB_STAMP)
	$(BIN)/python -m realtime.machine.typescript > web/src/realtime/commands.generated.ts
	$(BIN)/python -m server.http.openapi_types

clean:
	rm -rf $(VENV) web/node_modules web/dist var *.egg-info
