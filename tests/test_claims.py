"""The book's numbers are bound to its prose: every glued value is used, none reads like Python.

Two checks on the built book (the session's ``built_book``):

* **Every glue key is used.**  A value glued but never pasted is a number the text was meant
  to quote and does not (or quotes typed by hand).  Keys come from each page's executed
  ``.glue.json``; uses from the page's source (``{glue:text}`key` ``, ```` ```{glue:figure} key ````, …).
* **No e-notation in prose.**  ``1.53e+03`` is Python's way of writing a number, not a book's;
  prose uses :func:`descent.book.notebook.number` (``1,530``; ``6.5 × 10²⁰``).  Code cells,
  their outputs and math are exempt.

Pages listed in ``NOT_YET_CONVERTED`` predate the mechanism; each chapter issue removes its
pages from the list as it converts them, and the list only shrinks.
"""
from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Pages whose prose has not yet been converted to the claims mechanism (see the module docstring).
NOT_YET_CONVERTED: set[str] = set()

_USE = re.compile(r"\{glue(?::[a-z]*)?\}(?:`([^`]+)`|[ \t]+(\S+))")


def glue_uses(source: str) -> set[str]:
    """The glue keys a MyST page pastes (``key`` of ``key:fmt``; local keys only)."""
    keys = set()
    for match in _USE.finditer(source):
        ref = (match[1] or match[2]).strip()
        if "::" in ref:          # another page's key: counted on that page
            continue
        keys.add(ref.split(":", 1)[0].strip())
    return keys


def executed_pages(html: Path):
    for glue_file in sorted((html.parent / "jupyter_execute").rglob("*.glue.json")):
        rel = glue_file.relative_to(html.parent / "jupyter_execute")
        doc = str(rel)[: -len(".glue.json")]
        yield doc, json.loads(glue_file.read_text())


def test_glue_uses_parser():
    src = ("{glue:text}`ch01-a:.3f` and {glue:}`ch01-b` and {glue:md}`ch01-t` and "
           "{glue:text}`other/page.ipynb::ch02-x`\n```{glue:figure} fig-ch01-c\n```\n"
           "```{glue:math} eq-ch01-d\n```\n")
    assert glue_uses(src) == {"ch01-a", "ch01-b", "ch01-t", "fig-ch01-c", "eq-ch01-d"}


class _ProseText(HTMLParser):
    """The text of a built page outside code, outputs, math and scripts."""

    SKIP_TAGS = {"pre", "code", "script", "style", "math"}
    SKIP_CLASSES = {"cell_output", "math", "highlight", "output", "MathJax"}

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"br", "img", "hr", "meta", "link", "input", "wbr"}:
            return
        classes = set((dict(attrs).get("class") or "").split())
        skip = tag in self.SKIP_TAGS or bool(classes & self.SKIP_CLASSES)
        self.stack.append(skip or (bool(self.stack) and self.stack[-1]))

    def handle_endtag(self, tag):
        if tag in {"br", "img", "hr", "meta", "link", "input", "wbr"}:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def prose_text(html_text: str) -> str:
    parser = _ProseText()
    parser.feed(html_text)
    # MathJax source in the HTML (\( … \), \[ … \]) is math, not prose
    text = " ".join(parser.parts)
    return re.sub(r"\\\(.*?\\\)|\\\[.*?\\\]|\$\$.*?\$\$", " ", text, flags=re.S)


_E_NOTATION = re.compile(r"(?<![#\w.])\d+(?:\.\d+)?[eE][+-]?\d+\b")


def test_prose_text_skips_code_and_math():
    html = ('<p>We need 1,530 s.</p><pre>x = 1e-8</pre><p>Rate <span class="math">\\(10^{-3}\\)</span>'
            ' and \\(1e5\\)</p><div class="cell_output"><pre>1.53e+03</pre></div><p>bad 6.49e+20</p>')
    assert _E_NOTATION.findall(prose_text(html)) == ["6.49e+20"]


@pytest.mark.book
def test_every_glued_value_is_used(built_book):
    html, _ = built_book
    checked, unused = 0, {}
    for doc, glued in executed_pages(html):
        if doc in NOT_YET_CONVERTED:
            continue
        source = (ROOT / f"{doc}.md").read_text()
        missing = sorted(set(glued) - glue_uses(source))
        checked += 1
        if missing:
            unused[doc] = missing
    assert not unused, f"glued but never used (quote them or stop gluing them): {unused}"


@pytest.mark.book
def test_no_e_notation_in_prose(built_book):
    html, _ = built_book
    found = {}
    for page in sorted(html.rglob("*.html")):
        doc = str(page.relative_to(html).with_suffix(""))
        if doc in NOT_YET_CONVERTED or doc.startswith(("_", "genindex", "search", "backmatter/api")):
            continue
        hits = _E_NOTATION.findall(prose_text(page.read_text()))
        if hits:
            found[doc] = hits[:10]
    assert not found, f"numbers printed like Python (use descent.book.notebook.number): {found}"


def test_not_yet_converted_names_real_pages():
    for doc in NOT_YET_CONVERTED:
        assert (ROOT / f"{doc}.md").exists(), doc
