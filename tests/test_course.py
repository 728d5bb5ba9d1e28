"""The course around the chapters: the generated exercises index, chapter links, publishing.

The exercises index (``course/exercises.md``) is generated at build time by
``scripts/course_ext.py`` from ``scripts/exercise_index.py``; these tests check that it
lists every exercise of every chapter, that a scratch book with the extension builds
warning-free with working links, and that the publishing workflow runs ``make book``.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parent.parent




exercise_index = load_script("exercise_index")
course_ext = load_script("course_ext")
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]-*.md"))


def _labels_by_regex(text: str) -> list[str]:
    """Exercise labels found independently: a ``:label:`` right under an ``{exercise}`` fence."""
    return re.findall(r"^[`:]{3,}\{exercise\}[^\n]*\n(?::[\w-]+:[^\n]*\n)*?:label:\s*(\S+)", text, re.M)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_index_lists_every_exercise_of_every_chapter(chapter):
    expected = _labels_by_regex(chapter.read_text(encoding="utf-8"))
    scanned = exercise_index.scan_chapter(chapter)
    assert [e.label for e in scanned.exercises] == expected
    body = exercise_index.render_index([scanned])
    for k, label in enumerate(expected, start=1):
        assert f"<{label}>`" in body, label
        assert f"| {scanned.number}.{k} |" in body


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_every_exercise_has_a_label_and_the_chapter_a_target(chapter):
    scanned = exercise_index.scan_chapter(chapter)
    assert scanned.label == f"ch{scanned.number:02d}", "the chapter needs its (chNN)= target"
    assert all(e.label for e in scanned.exercises), [e.line for e in scanned.exercises if not e.label]


def test_scanner_reads_titles_kinds_and_skips_code_blocks(tmp_path):
    page = tmp_path / "07-demo.md"
    page.write_text(
        "---\nkernelspec:\n  name: python3\n---\n\n(ch07)=\n# A demo chapter\n\n"
        "```{exercise} Derivation: the rate\n:label: ex-ch07-1\n\nText.\n```\n\n"
        "````markdown\n```{exercise} Not real\n:label: ex-fake\n```\n````\n\n"
        ":::{exercise} Self-check: write `step`\n:label: ex-ch07-2\n:::\n\n"
        "```{exercise} Untitled kind\n```\n", encoding="utf-8")
    chapter = exercise_index.scan_chapter(page)
    assert (chapter.number, chapter.label, chapter.title) == (7, "ch07", "A demo chapter")
    assert [(e.label, e.kind, e.title) for e in chapter.exercises] == [
        ("ex-ch07-1", "Derivation", "The rate"),
        ("ex-ch07-2", "Self-check", "Write `step`"),
        (None, "", "Untitled kind"),
    ]
    body = exercise_index.render_index([chapter])
    assert "{ref}`Write step <ex-ch07-2>`" in body
    assert "Untitled kind (no label yet)" in body
    assert exercise_index.main(["--chapters", str(tmp_path), "--check"]) == 1


def test_kind_is_read_from_each_of_the_three_styles(tmp_path):
    page = tmp_path / "09-demo.md"
    page.write_text(
        "(ch09)=\n# Demo\n\n"
        "```{exercise} Derivation and computation: both at once\n:label: ex-ch09-1\n\nDo.\n```\n\n"
        "```{exercise} Escaping a saddle (derivation)\n:label: ex-ch09-2\n\nDo.\n```\n\n"
        "```{exercise} Clip by norm (graded self-check)\n:label: ex-ch09-3\n\nDo.\n```\n\n"
        "```{exercise} Adam without its correction\n:label: ex-ch09-4\n\n*(Computation.)* Run it.\n```\n\n"
        "```{exercise} Why: a colon is not a kind\n:label: ex-ch09-5\n\nThink.\n```\n", encoding="utf-8")
    chapter = exercise_index.scan_chapter(page)
    assert [(e.kind, e.title) for e in chapter.exercises] == [
        ("Derivation and computation", "Both at once"),
        ("Derivation", "Escaping a saddle"),
        ("Self-check", "Clip by norm"),
        ("Computation", "Adam without its correction"),
        ("", "Why: a colon is not a kind"),
    ]


def test_every_exercise_of_the_book_has_a_kind_and_backprop_is_indexed():
    pages = CHAPTERS + [ROOT / "backmatter" / "backprop.md"]
    chapters = exercise_index.scan_chapters(pages)
    missing = [f"{c.docname}:{e.line}" for c in chapters for e in c.exercises if not e.kind]
    assert not missing, f"exercises whose kind the index cannot read: {missing}"
    body = exercise_index.render_index(chapters)
    assert "other" not in body.splitlines()[0]
    backprop = chapters[-1]
    assert backprop.is_appendix and backprop.label == "backprop" and backprop.docname == "backmatter/backprop"
    labels = _labels_by_regex((ROOT / "backmatter" / "backprop.md").read_text(encoding="utf-8"))
    assert labels and [e.label for e in backprop.exercises] == labels
    for k, label in enumerate(labels, start=1):
        assert f"| B.{k} | " in body and f"<{label}>`" in body
    assert "and 1 back-matter page" in body.splitlines()[0]


def test_course_pages_name_every_kind_of_exercise_the_book_uses():
    """How-to-use and the exercises page describe each kind, and name the combined ones."""
    chapters = exercise_index.scan_chapters(CHAPTERS + [ROOT / "backmatter" / "backprop.md"])
    kinds = {e.kind for c in chapters for e in c.exercises}
    how_to = (ROOT / "course" / "how-to-use.md").read_text(encoding="utf-8")
    intro = (ROOT / "course" / "exercises.md").read_text(encoding="utf-8")
    for kind in kinds:
        assert re.search(rf"^{re.escape(kind)}\n: ", how_to, re.M), f"how-to-use does not define {kind!r}"
        assert f"**{kind.lower()}**" in " ".join(intro.split()), f"the exercises page does not name {kind!r}"
    combined = [f"{c.number}.{k}" for c in chapters if not c.is_appendix
                for k, e in enumerate(c.exercises, start=1) if e.kind == "Derivation and computation"]
    assert combined
    named = re.search(r"^Derivation and computation\n: (.+?)\n\n", how_to, re.M | re.S)[1]
    listed = re.findall(r"\d+\.\d+", named)
    assert listed == combined, (listed, combined)


@pytest.mark.parametrize("page", ["chapters/05-momentum.md", "chapters/06-schedules.md",
                                  "chapters/07-adagrad.md", "chapters/08-rmsprop-adadelta.md",
                                  "backmatter/backprop.md"])
def test_converted_pages_use_the_book_title_convention(page):
    """'Kind: title' in the directive, no '(kind)' suffix and no '*(Kind.)*' body marker."""
    text = (ROOT / page).read_text(encoding="utf-8")
    titles = re.findall(r"^[`:]{3,}\{exercise\}\s*(.+)$", text, re.M)
    assert titles
    for title in titles:
        assert exercise_index._KIND_PREFIX.match(title), title
    assert not re.search(r"^\*\((?:Derivation|Computation|Graded)[^)]*\)\*", text, re.M)


def test_source_read_hook_fills_the_page_with_the_chapters_in_the_build():
    docs = {f"chapters/{p.stem}": p for p in CHAPTERS}
    docs["backmatter/backprop"] = ROOT / "backmatter" / "backprop.md"
    env = SimpleNamespace(found_docs=set(docs) | {"intro", "course/exercises"},
                          doc2path=lambda doc: str(docs[doc]))
    app = SimpleNamespace(env=env)
    source = [(ROOT / "course" / "exercises.md").read_text(encoding="utf-8")]
    assert course_ext.EXERCISE_MARKER in source[0]
    course_ext._source_read(app, "course/exercises", source)
    assert course_ext.EXERCISE_MARKER not in source[0]
    for chapter in CHAPTERS + [ROOT / "backmatter" / "backprop.md"]:
        for label in _labels_by_regex(chapter.read_text(encoding="utf-8")):
            assert f"<{label}>`" in source[0]


def test_links_to_chapters_not_in_the_build_become_plain_text():
    text = "See {ref}`ch01`, {ref}`ch09` and {ref}`the Adam chapter <ch09>`."
    assert course_ext.unlink_missing_chapters(text, {"ch01": 1}) == \
        "See {ref}`ch01`, Chapter 9 and the Adam chapter."


def test_colab_link_derives_from_the_repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url = config["repository"]["url"]
    branch = config["sphinx"]["config"]["colab_notebooks_branch"]
    link = course_ext.colab_link(url, branch, "chapters/05-momentum")
    org_repo = url.split("github.com/")[1]
    assert link == f"https://colab.research.google.com/github/{org_repo}/blob/{branch}/chapters/05-momentum.ipynb"
    assert course_ext.colab_link("https://gitlab.com/a/b", "x", "p") is None


def test_config_has_launch_buttons_and_download_button():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert config["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert config["html"]["use_download_button"] is True
    assert "course_ext" in config["sphinx"]["local_extensions"]
    assert {"sphinx.ext.autodoc", "sphinx.ext.napoleon"} <= set(config["sphinx"]["extra_extensions"])
    assert "intersphinx" not in (ROOT / "_config.yml").read_text()


def test_binder_configuration_installs_the_package_and_converts_chapters():
    assert "-r ../requirements.lock" in (ROOT / "binder" / "requirements.txt").read_text()
    post = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install" in post and "-e ." in post and "make_notebooks.py" in post
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111


def test_workflow_builds_with_make_book_and_deploys_to_pages():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
    triggers = workflow.get("on", workflow.get(True))
    assert "push" in triggers
    steps = workflow["jobs"]["build"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = [s.get("run", "").strip() for s in steps]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python"))
    assert str(python["with"]["python-version"]) == "3.11"
    assert "make book" in runs, "the workflow must build exactly as `make book` does"
    build_at = runs.index("make book")
    upload_at = next(i for i, u in enumerate(uses) if u.startswith("actions/upload-pages-artifact"))
    assert uses.index(python["uses"]) < build_at < upload_at
    assert steps[upload_at]["with"]["path"] == "_build/html"
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any(s.get("uses", "").startswith("actions/deploy-pages") for s in deploy["steps"])
    # no second way of building the book
    assert not any("jupyter-book" in r or "sphinx-build" in r for r in runs)


def test_makefile_has_notebooks_and_serve_targets():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^notebooks:.*\n\t.*make_notebooks\.py", makefile, re.M)
    serve = re.search(r"^serve:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "http.server $(PORT) --bind 127.0.0.1 --directory _build/html" in serve
    assert re.search(r"^PORT \?= \d+", makefile, re.M)


@pytest.mark.slow
def test_scratch_book_with_the_extension_builds_cleanly(tmp_path):
    """The real _config.yml (without execution) + two small chapters + the index page."""
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    (book / "course").mkdir()
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    config["sphinx"]["local_extensions"] = {"course_ext": str(ROOT / "scripts")}
    config.pop("bibtex_bibfiles", None)
    (book / "_config.yml").write_text(yaml.safe_dump(config))
    for n in (1, 2):
        (book / "chapters" / f"0{n}-demo.md").write_text(
            f"(ch0{n})=\n# Demo {n}\n\n```{{exercise}} Computation: number {n}\n:label: ex-ch0{n}-1\n\n"
            f"Do it.\n```\n\n```{{exercise}} Derivation: another\n:label: ex-ch0{n}-2\n\nDerive.\n```\n")
    shutil.copy(ROOT / "course" / "exercises.md", book / "course" / "exercises.md")
    if (ROOT / "_static").is_dir():  # the favicon, stylesheet and scripts _config.yml names
        shutil.copytree(ROOT / "_static", book / "_static")
    (book / "course" / "how-to-use.md").write_text("(course-self-checks)=\n# Self-checks\n")
    (book / "intro.md").write_text("# Intro\n\nSee {ref}`ch01` and {ref}`ch03`.\n")
    (book / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nchapters:\n- file: chapters/01-demo\n- file: chapters/02-demo\n"
        "- file: course/how-to-use\n- file: course/exercises\n")
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(book), "-W", "-n", "--keep-going"],
                          cwd=book, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    # intro.md's {ref}`ch03` is not a course page, so it must (rightly) warn; nothing else may
    # (the bibliography settings are dropped from this scratch book, hence that one notice).
    warnings = [line for line in log.splitlines()
                if "WARNING" in line and "bibtex_reference_style" not in line
                and "bibtex_default_style" not in line]
    assert len(warnings) == 1 and "ch03" in warnings[0], warnings
    html = (book / "_build" / "html" / "course" / "exercises.html").read_text()
    for n in (1, 2):
        for k in (1, 2):
            assert f"0{n}-demo.html#ex-ch0{n}-{k}" in html
    assert "4 exercises in 2 chapters" in html


def _book_sources():
    pages = [ROOT / "intro.md"]
    for folder in ("chapters", "course", "backmatter"):
        pages += sorted((ROOT / folder).rglob("*.md"))
    return pages


@pytest.mark.parametrize("page", _book_sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_carriage_return_in_a_book_source(page):
    """A stray ``\\r`` (e.g. ``\\rho`` written through a string that read it as an escape) breaks the page."""
    data = page.read_bytes()
    lines = [n for n, line in enumerate(data.split(b"\n"), start=1) if b"\r" in line]
    assert not lines, f"{page.relative_to(ROOT)} has a carriage return on line(s) {lines}"
