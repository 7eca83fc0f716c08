# The commands of the README. Each first runs the (idempotent) setup.
PYTHON := .venv/bin/python
LINTED := uet_mmdet tools tests configs setup.py

.PHONY: setup demo benchmark lint test

setup:
	bash tools/misc/setup_env.sh

demo: setup
	$(PYTHON) tools/run_demo.py

benchmark: setup
	$(PYTHON) tools/reproduce.py configs/benchmarks/demo_fgd_uet.py

# the checks of .pre-commit-config.yaml, without changing a file
lint: setup
	$(PYTHON) -m flake8 $(LINTED)
	$(PYTHON) -m isort --check-only --diff $(LINTED)
	$(PYTHON) -m yapf --recursive --diff $(LINTED)

test: lint
	$(PYTHON) -m pytest tests
