# Everything a fresh machine needs is installed by these targets.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

DEMO_KEY := samples/demo-hmac.key

# The harvest and generate suites again with every fallback of the Windows paths taken
# (CCHC_PORTABLE=1: no os.pread, no O_NOFOLLOW, spawned workers, byte-range locks; see
# oslayer/portable.py), so that what runs in the offices is tested on every change.
PORTABLE_SUITES := tests/test_portable.py tests/test_harvest_e2e.py tests/test_harvest_cli.py \
	tests/test_workbook.py tests/test_inbox_entries.py tests/test_output_folder.py tests/test_atomic.py \
	tests/test_cli.py tests/test_operator_errors.py

.PHONY: install office demo samples lint test test-portable wheel-check clean

$(STAMP): setup.cfg setup.py pyproject.toml
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
	$(BIN)/cchc report --summary output/summary --out output/bao-cao

# Rebuild samples/inbox (needs LibreOffice for the file saved by LibreOffice).
samples: install office
	$(BIN)/python -m samples.build_samples

# The configuration is in pyproject.toml ([tool.ruff]).
lint: install
	$(BIN)/ruff check .

# Lint first: a finding fails the run before the suites start (and so CI, through .ci/run).
test: install office
	$(BIN)/ruff check .
	$(BIN)/pytest -q
	$(MAKE) test-portable

test-portable: install
	CCHC_PORTABLE=1 $(BIN)/pytest -q -m "not office" $(PORTABLE_SUITES)

# The wheel alone, in a fresh virtual environment, from a folder outside the repository.
wheel-check: install
	$(BIN)/python scripts/check_wheel.py

clean:
	rm -rf output .pytest_cache build dist *.egg-info
