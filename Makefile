# Two commands: `make run` serves the app with embedded defaults, `make test` runs the suite.
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app app
PYBABEL := $(VENV)/bin/pybabel
HOST   ?= 127.0.0.1
PORT   ?= 5000

WORKERS ?= 4
TIMEOUT ?= 30

.PHONY: setup run serve test lint bench messages

setup: $(VENV)/.installed static/vendor/Sortable.min.js translations

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

static/vendor/Sortable.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	mkdir -p static/vendor
	cp node_modules/sortablejs/Sortable.min.js static/vendor/
	cp node_modules/chart.js/dist/chart.umd.js static/vendor/
	touch $@

translations: $(VENV)/.installed
	$(PYBABEL) compile --use-fuzzy -d app/translations >/dev/null

run: setup
	$(FLASK) db upgrade
	$(FLASK) atsume seed
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production-style server: several gunicorn worker processes (WORKERS, default 4); a
# request that runs longer than TIMEOUT seconds (default 30) restarts its worker.
serve: setup
	$(FLASK) db upgrade
	$(VENV)/bin/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --timeout $(TIMEOUT) \
		--access-logfile - 'app:create_app()'

# Send the outbox's e-mail (to instance/mail/*.eml unless ATSUME_MAIL_HOST is set).
worker: setup
	$(FLASK) atsume worker

test: setup
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .

bench: setup
	$(PY) -m bench

# Re-extract translatable strings after changing templates or code.
messages: $(VENV)/.installed
	$(PYBABEL) extract -F babel.cfg -k _l -k N_ -o app/translations/messages.pot .
	$(PYBABEL) update -i app/translations/messages.pot -d app/translations

# Only the public form under load (bench/public.py): Atsume against a hand-written
# Flask-WTF app, both under gunicorn, driven by wrk (ATSUME_BENCH_PUBLIC_* settings).
.PHONY: bench-public
bench-public: setup
	$(PY) -m bench.public
