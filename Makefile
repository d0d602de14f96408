# Everything a fresh machine needs is installed by these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

DEMO_KEY := samples/demo-hmac.key

.PHONY: install office demo samples lint test clean

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

office:
	bash scripts/install-office.sh

# The main job end to end on the embedded default: the city's units and sample returns
# (signed with the demo key in samples/, never to be used for real forms).
demo: install
	$(BIN)/cchc generate --key-file $(DEMO_KEY) --out output/templates
	$(BIN)/cchc harvest samples/inbox --key-file $(DEMO_KEY) --out output/summary

# Rebuild samples/inbox (needs LibreOffice for the file saved by LibreOffice).
samples: install office
	$(BIN)/python -m samples.build_samples

# The configuration is in pyproject.toml ([tool.ruff]).
lint: install
	$(BIN)/ruff check .

test: install office
	$(BIN)/pytest -q

clean:
	rm -rf output .pytest_cache
