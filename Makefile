# Learning from Mistakes — two commands for a newcomer: `make book` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# Front-end files from the npm registry (package-lock.json): MathJax 3, copied into the
# built site so no page loads anything from another host, and axe-core for the browser tests.
NODE   := node_modules/.installed

.PHONY: book test figures lock chapter clean clean-cache bench env notebooks serve node torch-reference

# The environment: a virtualenv with the exact versions of the lock file and the
# package installed editable from code/.  Rebuilt when the lock or pyproject changes.
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	@# The distribution was called `descent` before it became `descent-book`: drop a stale install.
	$(BIN)/python -m pip uninstall --quiet --disable-pip-version-check --yes descent 2>/dev/null || true
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

env: $(STAMP) $(NODE)

$(NODE): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE)

node: $(NODE)

book: $(STAMP) $(NODE)
	$(BIN)/python scripts/build_book.py

test: $(STAMP) $(NODE)
	$(BIN)/python -m pytest

# Build one or more pages on their own, strictly: make chapter CH=chapters/05-momentum.md
chapter: $(STAMP) $(NODE)
	$(BIN)/python scripts/build_pages.py $(CH)

figures: $(STAMP)
	$(BIN)/python scripts/make_figures.py

bench: $(STAMP)
	$(BIN)/python benchmarks/step_time.py
	$(BIN)/python benchmarks/runner_overhead.py

# Every notebook page (chapters, course, back matter) as notebooks/<page>.ipynb (git-ignored),
# with a first cell that installs the package on Colab.  Not executed: run them in Jupyter.
notebooks: $(STAMP)
	$(BIN)/python scripts/make_notebooks.py --out notebooks

# Serve the built site locally (after `make book`): make serve [PORT=8000]
PORT ?= 8000
serve:
	@test -f _build/html/index.html || { echo "no _build/html yet: run 'make book' first"; exit 1; }
	python3 -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

# Regenerate the lock file from pyproject.toml's ranges in a throw-away environment.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[docs,test]"
	.lock-venv/bin/python -m pip freeze --exclude-editable --all | grep -v -E '^(pip|setuptools|wheel)==' > $(LOCK)
	rm -rf .lock-venv

# Re-record tests/data/torch_reference.npz, the torch.optim trajectories that
# tests/test_torch_reference.py compares against without torch (needs the pinned torch).
torch-reference: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(LOCK) "torch==2.13.0"
	$(BIN)/python scripts/record_torch_reference.py

clean:
	rm -rf _build

clean-cache:
	rm -rf _build/.jupyter_cache
