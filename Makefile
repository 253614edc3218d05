# The two commands of the README, both idempotent:
#   make demo   set up .venv (reuses the cached mmcv wheel), run the demo and
#               draw the trained model's views into its work dir
#   make test   set up .venv with the test tools and run the test suite
PYTHON := .venv/bin/python
DEMO_CONFIG ?= configs/saip/saip_demo.py
DEMO_WORK_DIR ?= work_dirs/$(basename $(notdir $(DEMO_CONFIG)))
# one pytest worker per core (at most 4), a test file per worker at a time
# (module fixtures such as a shared pretraining run are built once);
# PYTEST_ARGS="-q -n 0" runs in one process
PYTEST_ARGS ?= -q --durations=25 -n auto --maxprocesses 4 --dist loadfile

.PHONY: demo test lint env env-tests

env:
	bash tools/setup_env.sh

env-tests:
	bash tools/setup_env.sh --tests

demo: env
	$(PYTHON) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)
	$(PYTHON) tools/analysis/visualize_saip.py $(DEMO_CONFIG) \
		"$$(cat $(DEMO_WORK_DIR)/last_checkpoint)"

test: env-tests
	$(PYTHON) -m pytest $(PYTEST_ARGS)

lint: env-tests
	$(PYTHON) -m ruff check .
