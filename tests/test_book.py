"""The whole book builds with warnings as errors, executing every chapter.

This is the slow test: it runs ``scripts/build_book.py`` (``-W -n --keep-going``) into a
temporary output folder, reusing the execution cache (which the script invalidates
whenever the package changes).
"""
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def _toc_files(entry):
    if isinstance(entry, dict):
        if "file" in entry:
            yield entry["file"]
        if "root" in entry:
            yield entry["root"]
        for key in ("parts", "chapters", "sections"):
            for child in entry.get(key, []):
                yield from _toc_files(child)


@pytest.mark.book
def test_every_page_in_the_toc_is_built(built_book):
    html, _ = built_book
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = list(_toc_files(toc))
    assert "intro" in pages
    for page in pages:
        assert (html / f"{Path(page).with_suffix('')}.html").exists(), page


@pytest.mark.book
def test_build_reports_no_warning(built_book):
    _, log = built_book
    # Sphinx reports problems as "path:line: WARNING: ..." (or ERROR/CRITICAL); -W already
    # fails the build on them, and this spells out which ones if it ever does not.
    problems = [line for line in log.splitlines() if re.search(r": (WARNING|ERROR|CRITICAL):", line)]
    assert not problems, problems[:20]
    assert "build succeeded" in log


@pytest.mark.book
def test_welcome_page_shows_family_tree_with_alt_text(built_book):
    html, _ = built_book
    page = (html / "intro.html").read_text()
    assert "family_tree.svg" in page
    assert re.search(r'<img[^>]*alt="A family tree of optimizers', page)
