"""The build wipes the execution cache when the package changes (jupyter-cache alone would not)."""
from pathlib import Path

import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
build_book = load_script("build_book")


def _tree(tmp_path):
    (tmp_path / "code" / "descent").mkdir(parents=True)
    (tmp_path / "code" / "descent" / "core.py").write_text("RATE = 0.1\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "requirements.lock").write_text("numpy==2.0\n")
    return tmp_path


def _fake_cache(build):
    cache = build / ".jupyter_cache"
    cache.mkdir(parents=True, exist_ok=True)
    (cache / "global.db").write_text("executed outputs")
    return cache


def test_fingerprint_tracks_package_source(tmp_path):
    root = _tree(tmp_path)
    before = build_book.fingerprint(root)
    assert build_book.fingerprint(root) == before
    (root / "code" / "descent" / "core.py").write_text("RATE = 0.2\n")
    assert build_book.fingerprint(root) != before
    after_edit = build_book.fingerprint(root)
    (root / "code" / "descent" / "new_module.py").write_text("")
    assert build_book.fingerprint(root) != after_edit
    (root / "code" / "descent" / "__pycache__").mkdir()
    (root / "code" / "descent" / "__pycache__" / "x.pyc").write_bytes(b"\x00")
    assert build_book.fingerprint(root) == build_book.fingerprint(root)


def test_cache_survives_unchanged_package_and_is_wiped_after_a_change(tmp_path):
    root = _tree(tmp_path)
    build = root / "_build"
    cache = _fake_cache(build)
    # first build ever: no recorded fingerprint, so an existing cache cannot be trusted
    assert build_book.invalidate_stale_cache(build, build_book.fingerprint(root)) is True
    assert not cache.exists()
    cache = _fake_cache(build)
    # no cache yet, but an unrecorded fingerprint still asks for a full re-read
    assert build_book.invalidate_stale_cache(build / "elsewhere", "abc") is True
    # same package: the cache is kept
    assert build_book.invalidate_stale_cache(build, build_book.fingerprint(root)) is False
    assert (cache / "global.db").exists()
    # the package changes: the cache (and so every glued number) is recomputed
    (root / "code" / "descent" / "core.py").write_text("RATE = 0.3\n")
    assert build_book.invalidate_stale_cache(build, build_book.fingerprint(root)) is True
    assert not cache.exists()


def test_repository_fingerprint_covers_the_real_package():
    files = {p.name for p in (ROOT / "code" / "descent").glob("*.py")}
    assert {"transforms.py", "optimizers.py"} <= files
    assert len(build_book.fingerprint(ROOT)) == 64


PAGE = """---
jupytext:
  text_representation: {extension: .md, format_name: myst}
kernelspec: {display_name: Python 3, language: python, name: python3}
---
# Page

```{code-cell} ipython3
from pathlib import Path

import pytest
from myst_nb import glue
glue("value", Path("code/value.txt").read_text().strip(), display=False)
```

The package says {glue:text}`value`.
"""

CONFIG = """title: Stale-cache check
execute:
  execute_notebooks: cache
  cache: "_build/.jupyter_cache"
sphinx:
  config:
    nb_execution_raise_on_error: true
"""


@pytest.mark.slow
def test_a_glued_number_follows_a_change_under_code(tmp_path):
    """End to end: same cell source, changed package file -> the page shows the new value."""
    (tmp_path / "code").mkdir()
    (tmp_path / "_config.yml").write_text(CONFIG)
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    (tmp_path / "page.md").write_text(PAGE)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "requirements.lock").write_text("")
    html = tmp_path / "_build" / "html" / "page.html"
    for value in ("first-value", "second-value"):
        (tmp_path / "code" / "value.txt").write_text(value + "\n")
        assert build_book.main(["--root", str(tmp_path)]) == 0
        assert value in html.read_text()


@pytest.mark.parametrize("pages, own_root", [(["chapters/05-momentum.md"], False), (["intro.md"], True)])
def test_build_pages_can_build_any_page_the_welcome_page_included(tmp_path, monkeypatch, pages, own_root):
    """`make chapter CH=intro.md` uses the real welcome page as the scratch book's root."""
    build_pages = load_script("build_pages")
    monkeypatch.setattr(build_pages.build_book, "ensure_frontend", lambda root: None)
    monkeypatch.setattr(build_pages.subprocess, "call", lambda *a, **k: 0)   # no build: the files only
    out = tmp_path / "scratch"
    assert build_pages.main([str(ROOT / p) for p in pages] + ["--out", str(out)]) == 0
    intro = (out / "intro.md").read_text()
    assert (intro == (ROOT / "intro.md").read_text()) is own_root
    toc = (out / "_toc.yml").read_text()
    assert "root: intro" in toc and "- file: intro\n" not in toc
    assert (out / pages[0]).read_text() == (ROOT / pages[0]).read_text()
