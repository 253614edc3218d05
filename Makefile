# The two commands of the README, both idempotent:
#   make demo   set up .venv (reuses the cached mmcv wheel) and run the demo
#   make test   set up .venv with the test tools and run the test suite
PYTHON := .venv/bin/python
DEMO_CONFIG ?= configs/saip/saip_demo.py
PYTEST_ARGS ?= -q

.PHONY: demo test lint env env-tests

env:
	bash tools/setup_env.sh

env-tests:
	bash tools/setup_env.sh --tests

demo: env
	$(PYTHON) tools/train.py $(DEMO_CONFIG)

test: env-tests
	$(PYTHON) -m pytest $(PYTEST_ARGS)

lint: env-tests
	$(PYTHON) -m ruff check .
