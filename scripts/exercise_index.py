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
_CHAPTER_LABEL = re.compile(r"^\((?P<label>ch\d+)\)=\s*$")
_TITLE = re.compile(r"^#\s+(?P<title>.+?)\s*$")
_CHAPTER_FILE = re.compile(r"^(?P<number>\d+)-.+\.md$")
#: The first word(s) of an exercise title before a colon name its kind: "Derivation: ...".
_KIND = re.compile(r"^(?P<kind>[A-Za-z][\w -]{0,24}?):\s+(?P<rest>.+)$")


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
    if match is None:
        raise ValueError(f"{path.name}: a chapter file is named NN-short-name.md")
    number = int(match["number"])
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
                    raw = directive["arg"]
                    kind_match = _KIND.match(raw)
                    kind, ex_title = (kind_match["kind"], kind_match["rest"]) if kind_match else ("", raw)
                    exercises.append(Exercise(number, len(exercises) + 1, ex_label, ex_title.strip(),
                                              kind.strip(), i + 1))
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
    return Chapter(number, docname, label, title or path.stem, tuple(exercises))


def scan_chapters(paths) -> list[Chapter]:
    """:func:`scan_chapter` for every chapter file among ``paths``, in chapter order."""
    chapters = [scan_chapter(Path(p)) for p in paths if _CHAPTER_FILE.match(Path(p).name)]
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
    out.append(f"{total} exercises in {len(chapters)} chapter{'s' if len(chapters) != 1 else ''}"
               f" ({by_kind}).")
    out.append("")
    for chapter in chapters:
        heading = f"Chapter {chapter.number}: {chapter.title}"
        out.append(f"## {heading}")
        out.append("")
        if chapter.label:
            out.append(f"Chapter: {{ref}}`{chapter.label}`.")
            out.append("")
        if not chapter.exercises:
            out.append("This chapter has no exercises yet.")
            out.append("")
            continue
        out.append("| No. | Exercise | Kind |")
        out.append("| --- | --- | --- |")
        for ex in chapter.exercises:
            number = f"{chapter.number}.{ex.number}"
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
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 if an exercise has no :label:")
    args = parser.parse_args(argv)
    chapters = scan_chapters(sorted(args.chapters.glob("*.md")))
    if args.check:
        missing = [f"{c.docname}.md:{e.line}" for c in chapters for e in c.exercises if not e.label]
        for where in missing:
            print(f"exercise without :label: at {where}", file=sys.stderr)
        return 1 if missing else 0
    print(render_index(chapters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
