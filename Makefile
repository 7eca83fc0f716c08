# The two commands of the README. Both first run the (idempotent) setup.
PYTHON := .venv/bin/python

.PHONY: setup demo test

setup:
	bash tools/misc/setup_env.sh

demo: setup
	$(PYTHON) tools/run_demo.py

test: setup
	$(PYTHON) -m pytest tests
