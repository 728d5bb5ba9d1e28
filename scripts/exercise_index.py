"""The exercises index: every ``{exercise}`` of every chapter, numbered, on one page.

The index is *generated*, never hand-maintained.  :func:`scan_chapter` reads one chapter's
MyST source and returns its exercises (label, title, kind); :func:`render_index` turns
the exercises of all chapters into the MyST body of ``course/exercises.md``, one table
per chapter with a ``{ref}`` link to each exercise's label.

The book build runs this at build time (``scripts/course_ext.py`` substitutes the
generated body into ``course/exercises.md`` while Sphinx reads it), so the index always
lists the chapters that are in the build.  From the command line it prints the body (or
checks a chapter folder)::

    python scripts/exercise_index.py                 # print the generated index body
    python scripts/exercise_index.py --check         # fail if an exercise has no label

The kind of an exercise (derivation, computation, self-check) is read from its title,
``Derivation: the rate`` — the book's convention — and, for pages that still use the older
forms, from a suffix ``The rate (derivation)`` or from a first line ``*(Derivation.)*`` of
the exercise's body.  Back-matter pages with exercises (``APPENDICES``) are indexed after
the chapters, numbered with a letter (B.1, B.2, … for back-propagation).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: An opening fence of a MyST directive: three or more backticks or colons, then {name}.
_DIRECTIVE = re.compile(r"^(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:-]+)\}\s*(?P<arg>.*?)\s*$")
_OPTION = re.compile(r"^:(?P<key>[\w-]+):\s*(?P<value>.*?)\s*$")
_CHAPTER_LABEL = re.compile(r"^\((?P<label>[\w-]+)\)=\s*$")
_TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*$")
_CHAPTER_FILE = re.compile(r"^(?P<number>\d+)-.+\.md$")

#: The kinds of exercise, as the index prints them, keyed by the ways chapters write them.
KINDS = {
    "derivation": "Derivation",
    "computation": "Computation",
    "self-check": "Self-check",
    "graded self-check": "Self-check",
    "graded": "Self-check",
    "derivation and computation": "Derivation and computation",
}
_KIND_WORDS = "|".join(sorted((re.escape(k) for k in KINDS), key=len, reverse=True))
#: "Derivation: the rate" (the book's convention).
_KIND_PREFIX = re.compile(rf"^(?P<kind>{_KIND_WORDS}):\s+(?P<rest>.+)$", re.I)
#: "The rate (derivation)" (an older form).
_KIND_SUFFIX = re.compile(rf"^(?P<rest>.+?)\s+\((?P<kind>{_KIND_WORDS})\)$", re.I)
#: "*(Derivation.)* ..." as the first line of the exercise's body (an older form).
_KIND_BODY = re.compile(rf"^\*\((?P<kind>{_KIND_WORDS})\.?\)\*", re.I)

#: Back-matter pages whose exercises are indexed too: file name -> (letter, docname).
APPENDICES = {"backprop.md": ("B", "backmatter/backprop")}
_APPENDIX_NUMBER = 100        # sorts after every chapter


def kind_of(title: str, first_body_line: str = "") -> tuple[str, str]:
    """``(kind, title without the kind)`` of an exercise, ``kind`` "" when none is stated."""
    title = title.strip()
    for pattern in (_KIND_PREFIX, _KIND_SUFFIX):
        match = pattern.match(title)
        if match is not None:
            rest = match["rest"].strip()
            return KINDS[match["kind"].lower()], rest[:1].upper() + rest[1:]
    match = _KIND_BODY.match(first_body_line.strip())
    if match is not None:
        return KINDS[match["kind"].lower()], title
    return "", title


@dataclass(frozen=True)
class Exercise:
    """One ``{exercise}`` directive of a chapter."""

    chapter: int          #: chapter number, from the file name ``NN-name.md``
    number: int           #: 1-based position of the exercise in its chapter
    label: str | None     #: the ``:label:`` option (``None`` if the exercise has none)
    title: str            #: the directive's argument, without the kind prefix
    kind: str             #: "Derivation", "Computation", "Self-check", ... or "" if not stated
    line: int             #: 1-based line of the directive in the chapter source


@dataclass(frozen=True)
class Chapter:
    """A chapter's number, target label, title and exercises."""

    number: int
    docname: str          #: e.g. ``chapters/01-how-big-is-a-gradient``
    label: str | None     #: the ``(chNN)=`` target above the title, if any
    title: str
    exercises: tuple[Exercise, ...]
    tag: str = ""         #: how exercises are numbered: "5" (chapter 5) or "B" (an appendix)

    @property
    def is_appendix(self) -> bool:
        return self.number >= _APPENDIX_NUMBER

    @property
    def prefix(self) -> str:
        return self.tag or str(self.number)


def _strip_front_matter(lines: list[str]) -> int:
    """Index of the first line after a leading ``---`` YAML block (0 if there is none)."""
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
    return 0


def scan_chapter(path: Path, docname: str | None = None) -> Chapter:
    """Read a chapter's MyST source and list its exercises in order of appearance.

    Exercises inside a plain code fence (e.g. an example shown in a code block) are
    ignored; nested directives (an exercise inside an admonition) are found.
    """
    path = Path(path)
    match = _CHAPTER_FILE.match(path.name)
    tag = ""
    if match is not None:
        number = int(match["number"])
    elif path.name in APPENDICES:
        number = _APPENDIX_NUMBER + list(APPENDICES).index(path.name)
        tag, default_doc = APPENDICES[path.name]
        docname = docname or default_doc
    else:
        raise ValueError(f"{path.name}: a chapter file is named NN-short-name.md "
                         f"(or is one of the appendices {sorted(APPENDICES)})")
    lines = path.read_text(encoding="utf-8").splitlines()
    start = _strip_front_matter(lines)
    label = title = None
    exercises: list[Exercise] = []
    # Open fences, innermost last: (fence, is_directive).  Inside a plain code block nothing
    # is a directive; inside a directive (an exercise, a solution, an admonition) there may be
    # nested directives and code blocks.
    stack: list[tuple[str, bool]] = []
    i = start
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        fence_chars = re.match(r"^(`{3,}|~{3,}|:{3,})(.*)$", stripped)
        if fence_chars is not None:
            fence, rest = fence_chars.group(1), fence_chars.group(2).strip()
            top = stack[-1] if stack else None
            closes = (top is not None and not rest and fence[0] == top[0][0]
                      and len(fence) >= len(top[0]))
            if closes:
                stack.pop()
            elif top is not None and not top[1]:
                pass                                  # a fence-like line inside a code block
            elif (directive := _DIRECTIVE.match(stripped)) is not None:
                stack.append((fence, True))
                if directive["name"] == "exercise":
                    ex_label = None
                    j = i + 1
                    while j < len(lines):
                        option = _OPTION.match(lines[j].strip())
                        if option is None:
                            break
                        if option["key"] == "label":
                            ex_label = option["value"]
                        j += 1
                    while j < len(lines) and not lines[j].strip():
                        j += 1                        # the first line of the body
                    body = lines[j] if j < len(lines) else ""
                    kind, ex_title = kind_of(directive["arg"], body)
                    exercises.append(Exercise(number, len(exercises) + 1, ex_label, ex_title,
                                              kind, i + 1))
            elif fence[0] != ":":
                stack.append((fence, False))          # a code block
            i += 1
            continue
        if not stack:
            if label is None and (m := _CHAPTER_LABEL.match(stripped)):
                label = m["label"]
            elif title is None and (m := _TITLE.match(line)):
                title = m["title"]
        i += 1
    if docname is None:
        docname = f"chapters/{path.stem}"
    return Chapter(number, docname, label, title or path.stem, tuple(exercises), tag)


def scan_chapters(paths) -> list[Chapter]:
    """:func:`scan_chapter` for every chapter file among ``paths``, in chapter order."""
    chapters = [scan_chapter(Path(p)) for p in paths
                if _CHAPTER_FILE.match(Path(p).name) or Path(p).name in APPENDICES]
    return sorted(chapters, key=lambda c: (c.number, c.docname))


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_index(chapters: list[Chapter]) -> str:
    """The MyST body of the exercises index: a summary line, then one table per chapter."""
    total = sum(len(c.exercises) for c in chapters)
    kinds: dict[str, int] = {}
    for chapter in chapters:
        for ex in chapter.exercises:
            kinds[ex.kind or "Other"] = kinds.get(ex.kind or "Other", 0) + 1
    out = []
    if not chapters:
        out.append("No chapter is part of this build yet.")
        return "\n".join(out) + "\n"
    by_kind = ", ".join(f"{n} {k.lower()}" for k, n in sorted(kinds.items()))
    n_chapters = sum(not c.is_appendix for c in chapters)
    n_appendices = len(chapters) - n_chapters
    where = f"{n_chapters} chapter{'s' if n_chapters != 1 else ''}"
    if n_appendices:
        where += f" and {n_appendices} back-matter page{'s' if n_appendices != 1 else ''}"
    out.append(f"{total} exercises in {where} ({by_kind}).")
    out.append("")
    for chapter in chapters:
        heading = (f"Back matter: {chapter.title}" if chapter.is_appendix
                   else f"Chapter {chapter.number}: {chapter.title}")
        out.append(f"## {heading}")
        out.append("")
        if chapter.label:
            out.append(f"{'Page' if chapter.is_appendix else 'Chapter'}: {{ref}}`{chapter.label}`.")
            out.append("")
        if not chapter.exercises:
            out.append("This chapter has no exercises yet.")
            out.append("")
            continue
        out.append("| No. | Exercise | Kind |")
        out.append("| --- | --- | --- |")
        for ex in chapter.exercises:
            number = f"{chapter.prefix}.{ex.number}"
            if ex.label:
                link = f"{{ref}}`{_escape_cell(_plain(ex.title))} <{ex.label}>`"
            else:
                link = f"{_escape_cell(ex.title)} (no label yet)"
            out.append(f"| {number} | {link} | {ex.kind or '—'} |")
        out.append("")
    return "\n".join(out)


def _plain(title: str) -> str:
    """A title usable as link text in a ``{ref}`` role (no roles, no ``<``/``>``/backticks)."""
    title = re.sub(r"\{[\w:-]+\}`([^`]*)`", r"\1", title)   # {role}`text` -> text
    return title.replace("`", "").replace("<", "‹").replace(">", "›")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", type=Path, default=ROOT / "chapters")
    parser.add_argument("--backmatter", type=Path, default=ROOT / "backmatter")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 if an exercise has no :label:")
    args = parser.parse_args(argv)
    chapters = scan_chapters(sorted(args.chapters.glob("*.md"))
                             + [args.backmatter / name for name in APPENDICES
                                if (args.backmatter / name).exists()])
    if args.check:
        missing = [f"{c.docname}.md:{e.line}" for c in chapters for e in c.exercises if not e.label]
        for where in missing:
            print(f"exercise without :label: at {where}", file=sys.stderr)
        return 1 if missing else 0
    print(render_index(chapters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
