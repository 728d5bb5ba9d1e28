"""Every notebook page runs top to bottom as a plain notebook, outside the book build.

Each page (chapters, course and back matter pages with a jupytext header) is converted
exactly as ``make notebooks`` converts it (``scripts/make_notebooks.py``: jupytext, plus
the Colab set-up cell) and executed by nbclient in a *fresh* kernel whose working
directory is an empty temporary folder.  This catches what the book build hides: a
dependence on the build's working directory, on files next to the page, on environment
variables the build sets, or on state left by another page.

Two notebooks run at a time (the build machine has two cores).  The whole run is timed;
``pytest -s`` prints the per-page times.
"""
from __future__ import annotations

import gc
import os
import warnings
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
make_notebooks = load_script("make_notebooks")

PAGES = make_notebooks.notebook_pages(ROOT)

# nbclient runs each kernel's client on an asyncio loop of its worker thread and leaves the
# loop and a socket for the garbage collector; the resulting ResourceWarnings say nothing
# about the chapters.  They are collected in the fixture, and ignored in this module only.
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]
TIMEOUT_PER_CELL = 300
WORKERS = 2


def _run(page: Path) -> dict:
    url, branch = make_notebooks.repository(ROOT)
    nb = make_notebooks.convert(page, url, branch)
    with tempfile.TemporaryDirectory(prefix="nb-run-") as cwd:
        client = NotebookClient(nb, timeout=TIMEOUT_PER_CELL, kernel_name="python3",
                                resources={"metadata": {"path": cwd}})
        start = time.perf_counter()
        error = None
        try:
            client.execute()
        except Exception as exc:   # noqa: BLE001 - reported by the test, with the page name
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - start
        leftovers = sorted(p.name for p in Path(cwd).iterdir())
    stderr = [out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    return {"page": page, "nb": nb, "error": error, "seconds": seconds, "stderr": stderr,
            "leftovers": leftovers}


@pytest.fixture(scope="module")
def executed():
    assert PAGES, "no notebook pages found"
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(_run, PAGES))
    total = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
    print(f"\nexecuted {len(results)} notebooks in {total:.1f} s with {WORKERS} workers")
    for r in results:
        print(f"  {r['seconds']:6.1f} s  {r['page'].relative_to(ROOT)}")
    return {r["page"]: r for r in results}


def _id(page: Path) -> str:
    return str(page.relative_to(ROOT))


def test_every_chapter_is_a_notebook_page():
    chapters = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))
    assert set(chapters) <= set(PAGES), "a chapter lacks its jupytext header"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_notebook_runs_in_a_fresh_kernel(executed, page):
    result = executed[page]
    assert result["error"] is None, f"{_id(page)} failed outside the book build:\n{result['error'][-3000:]}"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_notebook_prints_nothing_to_stderr(executed, page):
    result = executed[page]
    if result["error"] is not None:
        pytest.skip("the notebook failed; see test_notebook_runs_in_a_fresh_kernel")
    assert not result["stderr"], f"{_id(page)} wrote to stderr: {result['stderr'][:3]}"


def test_conversion_adds_the_colab_cell_and_keeps_every_cell(tmp_path):
    page = PAGES[0]
    url, branch = make_notebooks.repository(ROOT)
    nb = make_notebooks.convert(page, url, branch)
    first = nb.cells[0]
    assert make_notebooks.COLAB_TAG in first.metadata.get("tags", [])
    assert "google.colab" in first.source and url in first.source
    original = make_notebooks.jupytext.read(page, fmt="md:myst")
    assert len(nb.cells) == len(original.cells) + 1
    assert nb.metadata["kernelspec"]["name"] == "python3"
    nbformat.validate(nb)


def test_make_notebooks_writes_one_ipynb_per_page(tmp_path):
    written = make_notebooks.write_notebooks(tmp_path)
    expected = {tmp_path / p.relative_to(ROOT).with_suffix(".ipynb") for p in PAGES}
    assert set(written) == expected
    for path in written:
        nbformat.validate(nbformat.read(path, as_version=4))


def test_notebooks_folder_is_git_ignored():
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "notebooks/" in ignored
    assert os.path.basename("notebooks") in {Path(i.rstrip("/")).name for i in ignored}
