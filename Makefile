# Everything a fresh machine needs is installed by these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install office demo test clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

office:
	bash scripts/install-office.sh

demo: install
	$(BIN)/cchc generate --out output/templates

test: install office
	$(BIN)/pytest -q

clean:
	rm -rf output .pytest_cache
