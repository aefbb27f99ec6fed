# Spark Structured Streaming Lab. `make` (or `make help`) lists the targets.
# Every setting lives in .env; any of them can be overridden from the environment or on the command
# line (`KAFKA_PORT=19092 make up` or `make up KAFKA_PORT=19092`): src/lab/config/settings.py reads .env, and
# make passes both kinds of override on to it. Make itself reads only LAB_STATE, below (where the venv is).

SHELL := /bin/bash
.DEFAULT_GOAL := help

env_default = $(shell sed -n 's/^$(1)=//p' .env)
LAB_STATE ?= $(call env_default,LAB_STATE)

PYTHON ?= python3
VENV := $(LAB_STATE)/venv
PY := $(VENV)/bin/python
LAB := $(PY) -m lab
# The venv has the project installed (pip install -e ., pyproject.toml): lab, streamlab and producer
# import from src/ there. Before the venv exists, the stdlib-only commands (help, runtime, config)
# run on the system Python, which is told where src/ is.
BOOT := PYTHONPATH=$(CURDIR)/src $(PYTHON)

# The runtime, chosen once per make run (src/lab/runtimes/__init__.py: stdlib only, so no venv is needed yet).
# With Docker, the host needs only the control code's packages (requirements/control.in); the
# local runtime and the tests need everything (requirements.txt).
RUNTIME_NAME := $(shell $(BOOT) -m lab.runtimes 2>/dev/null)
FULL_STAMP := $(VENV)/.requirements.stamp
CONTROL_STAMP := $(VENV)/.control.stamp
STAMP := $(if $(filter docker,$(RUNTIME_NAME)),$(CONTROL_STAMP),$(if $(RUNTIME_NAME),$(FULL_STAMP),runtime-error))

.PHONY: runtime-error help install up down status start stop logs clean distclean jobs submit reset produce consume state notebook demo \
        test test-unit test-integration test-static lint fmt lock runtime config generate report drill bench check class

help: ## List the targets
	@echo "Spark Structured Streaming Lab — make <target> [VAR=value]"
	@echo
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2}'
	@echo
	@echo "Runtime: $$($(BOOT) -m lab runtime 2>&1)"

# No runtime could be chosen (RUNTIME=docker without an engine, say): say why, install nothing.
runtime-error:
	@$(BOOT) -m lab.runtimes >/dev/null

$(FULL_STAMP): requirements.txt pyproject.toml
	@$(BOOT) -m lab.config.say make_venv_full venv=$(VENV)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q --progress-bar off -r requirements.txt
	@$(PY) -m pip install -q --no-deps -e .
	@touch $@ $(CONTROL_STAMP)

$(CONTROL_STAMP): requirements.txt requirements/control.in pyproject.toml
	@$(BOOT) -m lab.config.say make_venv_control venv=$(VENV)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q --progress-bar off -c requirements.txt -r requirements/control.in
	@$(PY) -m pip install -q --no-deps -e .
	@touch $@

install: $(STAMP) ## Install what the runtime needs (local: Python packages, jars, Debian packages; docker: the control code's packages); idempotent
	@$(LAB) install

lock: ## Re-pin requirements.txt from requirements.in (changes files)
	@$(PYTHON) -m venv $(LAB_STATE)/lockenv && $(LAB_STATE)/lockenv/bin/pip install -q -r requirements.in
	@{ echo "# Lock file: every package pinned. Regenerate with \`make lock\` after changing requirements.in."; \
	   $(LAB_STATE)/lockenv/bin/pip freeze; } > requirements.txt && rm -rf $(LAB_STATE)/lockenv

generate: $(STAMP) ## Rewrite generated files: the Grafana dashboards (changes files)
	@$(LAB) generate

runtime: ## Print the runtime in use and why (RUNTIME=local|docker; default: docker if an engine and Compose v2 answer)
	@$(BOOT) -m lab runtime

config: ## Print every setting in use (.env, and what the environment or the command line overrides)
	@$(BOOT) -m lab config

up: install ## Start the lab and wait until every service is healthy (CLUSTER=1, Docker: three brokers and two workers)
	@$(LAB) up

down: ## Stop everything the lab started (safe to run twice)
	@if [ -x $(PY) ]; then $(LAB) down; else $(BOOT) -m lab.config.say make_not_running; fi

status: $(STAMP) ## Show each service's state and URL
	@$(LAB) status

start: $(STAMP) ## Start one service: make start SERVICE=kafka
	@$(LAB) start "$(SERVICE)"

stop: $(STAMP) ## Stop one service: make stop SERVICE=spark-worker
	@$(LAB) stop "$(SERVICE)"

kill: $(STAMP) ## SIGKILL one service, or one replica (Docker: SERVICE=spark-worker-2), as the drills do
	@$(LAB) kill "$(SERVICE)"

logs: $(STAMP) ## Show a service's log: make logs SERVICE=kafka [FOLLOW=1] [LINES=100]
	@$(LAB) logs "$(SERVICE)" --lines $(or $(LINES),100) $(if $(FOLLOW),--follow)

clean: $(STAMP) ## Delete run state (data, logs, checkpoints, outputs; Docker: its volumes too); the lab must be down
	@$(LAB) clean

distclean: down ## Delete all state, including the venv, resolved jars and Docker volumes
	@if [ -x $(PY) ]; then $(LAB) clean; fi
	rm -rf $(LAB_STATE)

jobs: $(STAMP) ## List the jobs
	@$(LAB) jobs

submit: $(STAMP) ## Run a job: make submit JOB=windowing [DURATION=s] [SINK=…] [OUTPUT=…] [TRIGGER=…] [ARGS="…"]
	@$(LAB) submit "$(JOB)" $(if $(DURATION),--duration "$(DURATION)") $(if $(SINK),--sink "$(SINK)") \
	  $(if $(OUTPUT),--output "$(OUTPUT)") $(if $(TRIGGER),--trigger "$(TRIGGER)") $(ARGS)

reset: $(STAMP) ## Delete a job's checkpoints and default output: make reset JOB=windowing
	@$(LAB) reset "$(JOB)"

produce: $(STAMP) ## Produce events: make produce RATE=2000 DURATION=30 [SEED=7] [ARGS="--late-share 0.05"]
	@$(LAB) produce --rate $(or $(RATE),1000) $(if $(DURATION),--duration $(DURATION)) \
	  $(if $(COUNT),--count $(COUNT)) --seed $(or $(SEED),auto) $(ARGS)

consume: $(STAMP) ## Print a topic's records with keys and headers: make consume TOPIC=quarantine [FROM=earliest|latest] [LIMIT=20] [ARGS="--timeout 60"]
	@$(LAB) consume "$(TOPIC)" $(if $(FROM),--from "$(FROM)") $(if $(LIMIT),--limit "$(LIMIT)") $(ARGS)

bench: install ## Benchmark on the lab, with Kafka's own tools beside it: make bench [QUICK=1] (results in bench/results/); CLUSTER=1 (Docker): windowing on one broker and on the cluster profile, side by side; CONNECT=1: windowing classic and over Spark Connect, side by side, then the learners' sessions the server holds (SESSIONS=1: those only)
	@$(if $(filter 1,$(CLUSTER)),CLUSTER=0 $(LAB) up && CLUSTER=0 $(LAB) bench --cluster,$(if $(filter 1,$(CONNECT)),CONNECT=0 $(LAB) up && CONNECT=0 $(LAB) bench --connect $(if $(filter 1,$(SESSIONS)),--sessions),$(LAB) up && $(LAB) bench $(if $(QUICK),--quick)))

drill: $(STAMP) ## Reliability drill on the running lab: make drill NAME=driver-kill|python-sink-kill|stop-produce-restart|worker-loss|broker-restart|bad-input|late-data|state-incompatible|data-loss|bad-config|all|cluster [SIZE=small]
	@$(LAB) drill "$(NAME)" --size $(or $(SIZE),full)

check: $(STAMP) ## Check exercises on the running lab: make check [EXERCISE=1|2|3|4|capstone] [FILE="path …"] (every exercise by default; PASS, or FAIL with a hint)
	@$(LAB) check "$(EXERCISE)" $(FILE)

report: $(STAMP) ## Performance report of a job's latest run from Prometheus: make report [JOB=windowing] [RUN=n|id] [LIST=1] [SINCE=24h]
	@$(LAB) report --job $(or $(JOB),windowing) --since $(or $(SINCE),24h) $(if $(TRIGGER_SECONDS),--trigger-seconds $(TRIGGER_SECONDS)) $(if $(RUN),--run "$(RUN)") $(if $(LIST),--list)

class: $(STAMP) ## Classroom mode, one lab for a class over Spark Connect: make class N=30 | NAMES=ana,luis [HOST=the address learners reach]; STATUS=1: the teacher's view; STOP=1: end it
	@$(if $(filter 1,$(STATUS)),$(LAB) class --status,$(if $(filter 1,$(STOP)),$(LAB) class --stop,$(if $(HOST),CLASS_HOST="$(HOST)") $(LAB) class $(if $(N),--learners "$(N)") $(if $(NAMES),--names "$(NAMES)")))

state: $(STAMP) ## What a job keeps in its state, read from its checkpoint: make state JOB=windowing [BATCH=n] [LIMIT=20]
	@$(LAB) state "$(JOB)" $(if $(BATCH),--batch "$(BATCH)") $(if $(LIMIT),--limit "$(LIMIT)")

notebook: up ## JupyterLab on the course's notebooks (notebooks/), its kernels' `spark` on the lab; Ctrl-C stops it
	@$(LAB) notebook

demo: up ## Start the lab and run the windowing job on live events for DURATION seconds (default 60), then say where to look next
	@$(LAB) demo --duration $(or $(DURATION),60)

# The tests need the local runtime's packages and jars whatever the runtime, and run the Docker
# runtime too where an engine can run (tests/docker), in a second process beside the others
# (pytest-xdist; the groups and the order are in tests/conftest.py).
test: $(FULL_STAMP) ## Run the whole test suite (unit, static, integration against a real local lab, and the Docker lab; DOCKER=0: all but the Docker lab)
	@RUNTIME=local $(LAB) install
	@$(PY) -m pytest -n 2 --max-worker-restart=0 $(if $(filter 0,$(DOCKER)),-m "not docker")

test-unit: $(FULL_STAMP) ## Run the unit tests only (no lab needed)
	@$(PY) -m pytest -n 2 tests/unit

lint: $(FULL_STAMP) ## Check the code: ruff's rules and formatting, import-linter's layers (pyproject.toml; `make test` runs it too)
	@$(PY) -m ruff check . && $(PY) -m ruff format --check . && $(VENV)/bin/lint-imports --no-cache --no-logo

fmt: $(FULL_STAMP) ## Format the code and apply ruff's safe fixes (changes files)
	@$(PY) -m ruff format . && $(PY) -m ruff check --fix .

test-static: $(FULL_STAMP) ## Run the static checks only (ruff, Compose schema, hadolint, promtool, dashboards)
	@$(PY) -m pytest tests/static

test-integration: $(FULL_STAMP) ## Run the integration tests only (they start and stop a real local lab, and the Docker lab)
	@RUNTIME=local $(LAB) install
	@$(PY) -m pytest tests/integration
