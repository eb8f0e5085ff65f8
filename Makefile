# The README's two commands: `make run` (set up + build the demo edition) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check

.PHONY: run test lint check install sysdeps bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# WeasyPrint needs Pango; install it from the system's packages when it is missing
# and we are allowed to (root with apt-get). Anything else: say what is missing.
sysdeps:
	@$(PYTHON) -c "import ctypes.util,sys; sys.exit(0 if ctypes.util.find_library('pango-1.0') else 1)" \
	|| { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	       apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	     else echo "WeasyPrint needs Pango (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0)"; exit 1; fi; }

install: $(PY) sysdeps
	$(PIP) install -e .

run: install
	$(VENV)/bin/briefing build demo

test: $(PY) sysdeps
	$(PIP) install -e '.[test]'
	$(PY) -m pytest -q

lint: $(PY)
	$(PIP) install -e '.[test]'
	$(VENV)/bin/ruff check briefing tests bench
	$(VENV)/bin/mypy

check: lint test

bench: $(PY)
	$(PIP) install -e '.[test,bench]'
	for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) output/demo output/.state
