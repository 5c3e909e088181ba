# Two commands do everything on a fresh clone:
#   make demo   - set up .venv, start the embedded AWS emulator, deploy the stack (suffix demo)
#   make test   - set up .venv, run the whole test suite (unit, emulator, molecule scenario)
SHELL := /bin/bash
# Python 3.13 (else 3.12) for the virtual environment: tools/find-python says what to install when none runs.
PYTHON ?=
VENV ?= .venv
BIN := $(VENV)/bin
SUFFIX ?= demo
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test venv verify teardown emulator-start emulator-stop emulator-status lint bench

$(BIN)/.installed: requirements.txt requirements-awx.txt
	@if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null; then \
	    python=$$(PYTHON=$(PYTHON) tools/find-python) || exit 1; \
	    echo "creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python tools/install_awx_collection.py
	touch $@

venv: $(BIN)/.installed

demo: venv emulator-start
	$(BIN)/ansible-playbook site.yml -e suffix=$(SUFFIX)

test: venv
	$(BIN)/python -m pytest

# The stack's integration tests through the load balancers (playbooks/verify.yml), after make demo
verify: venv
	$(BIN)/ansible-playbook playbooks/verify.yml -e suffix=$(SUFFIX)

teardown: venv
	$(BIN)/ansible-playbook teardown.yml -e suffix=$(SUFFIX)

emulator-start: venv
	$(BIN)/python -m tools.emulator start

emulator-stop: venv
	$(BIN)/python -m tools.emulator stop

emulator-status: venv
	$(BIN)/python -m tools.emulator status

# Timings of deploy / no-op / plan / teardown over 1, 2, 4 regions -> docs/BENCHMARKS.md (BENCH_ARGS=--quick: one run each)
bench: venv
	$(BIN)/python -m bench $(BENCH_ARGS)

lint: venv
	$(BIN)/ansible-lint --profile production
