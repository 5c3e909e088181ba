# Two commands do everything on a fresh clone:
#   make demo   - set up .venv, start the embedded AWS emulator, deploy the stack (suffix demo)
#   make test   - set up .venv, the older ansible-cores' venvs and .venv-localstack, run the whole test suite (unit,
#                 emulator, molecule scenarios (LocalStack's among them), ansible-test and one stack run on every
#                 ansible-core of the support range)
SHELL := /bin/bash
# Python 3.13 (else 3.12) for the virtual environment: tools/find-python says what to install when none runs.
PYTHON ?=
VENV ?= .venv
BIN := $(VENV)/bin
SUFFIX ?= demo
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: demo test venv core-range localstack-venv verify teardown emulator-start emulator-stop emulator-status lint bench

# The support range is ansible-core 2.19 to 2.21. .venv has the newest (ansible 14.5.0 = core 2.21); each older
# one gets its own virtual environment, .venv-core/<major.minor>, on the Python .venv was built on. The range is
# stated once, in tests/requirements-core-range.txt (its ansible-core== lines; the suite reads the same file);
# the other packages there take their versions from requirements.txt, passed as constraints (extras removed:
# pip refuses them in constraints), so every shared pin stays in requirements.txt. amazon.aws and community.aws
# are not installed again: each environment links .venv's ansible_collections (bundled by ansible 14.5.0).
CORE_RANGE_FILE := tests/requirements-core-range.txt
CORE_RANGE := $(shell sed -n 's/^ansible-core==//p' $(CORE_RANGE_FILE))
CORE_VENVS := $(foreach version,$(CORE_RANGE),.venv-core/$(basename $(version))/bin/.installed)

$(BIN)/.installed: requirements.txt requirements-awx.txt
	@if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null; then \
	    python=$$(PYTHON=$(PYTHON) tools/find-python) || exit 1; \
	    echo "creating $(VENV) with $$python"; rm -rf $(VENV); "$$python" -m venv $(VENV); fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python tools/install_awx_collection.py
	touch $@

venv: $(BIN)/.installed

.venv-core/%/bin/.installed: $(CORE_RANGE_FILE) requirements.txt | $(BIN)/.installed
	@python=$$($(BIN)/python -c 'import sys; print(sys._base_executable)') || exit 1; \
	    echo "creating .venv-core/$* (ansible-core $(filter $*.%,$(CORE_RANGE))) with $$python"; \
	    rm -rf .venv-core/$*; "$$python" -m venv .venv-core/$*
	sed 's/\[[^]]*\]//' requirements.txt > .venv-core/$*/constraints.txt
	.venv-core/$*/bin/python -m pip install --quiet --disable-pip-version-check -c .venv-core/$*/constraints.txt \
	    ansible-core==$(filter $*.%,$(CORE_RANGE)) $$(sed -n '/^ansible-core==/d; s/[[:space:]]*#.*//; /^[A-Za-z]/p' $(CORE_RANGE_FILE))
	ln -sfn "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections" \
	    "$$(.venv-core/$*/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections"
	touch $@

core-range: $(CORE_VENVS)

# localstack-core (the localstack molecule scenario without Docker, tools/localstack) in its own environment, on
# the Python .venv was built on; every package pinned in requirements-localstack.txt.
.venv-localstack/bin/.installed: requirements-localstack.txt | $(BIN)/.installed
	@python=$$($(BIN)/python -c 'import sys; print(sys._base_executable)') || exit 1; \
	    echo "creating .venv-localstack with $$python"; rm -rf .venv-localstack; "$$python" -m venv .venv-localstack
	.venv-localstack/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-localstack.txt
	touch $@

localstack-venv: .venv-localstack/bin/.installed

demo: venv emulator-start
	$(BIN)/ansible-playbook site.yml -e suffix=$(SUFFIX)

# Three pytest workers, a test file each at a time (pytest-xdist --dist loadfile): the long files (molecule scenarios,
# realistic mode, interrupted runs, slow-AWS mode, sanity on each core) wait on AWS-like windows and subprocesses,
# so they overlap on 2 cores. Each worker starts its own emulators (free ports); suffixes differ per file.
test: venv core-range localstack-venv
	$(BIN)/python -m pytest -n 3 --dist loadfile

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
