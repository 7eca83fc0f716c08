# The commands of the README. Both first run the (idempotent) setup.
PYTHON := .venv/bin/python

.PHONY: setup demo benchmark test

setup:
	bash tools/misc/setup_env.sh

demo: setup
	$(PYTHON) tools/run_demo.py

benchmark: setup
	$(PYTHON) tools/reproduce.py configs/benchmarks/demo_fgd_uet.py

test: setup
	$(PYTHON) -m pytest tests
