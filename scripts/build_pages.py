"""Build a few pages of the book on their own, strictly, in a scratch folder.

For drafting a chapter without building the whole book::

    python scripts/build_pages.py chapters/05-momentum.md [more pages ...] [--out DIR]

The scratch book has the real ``_config.yml``, ``references.bib``, ``figures/`` and the
bibliography page, plus the given pages as chapters, and is built with ``-W -n
--keep-going``.  Every other page of ``_toc.yml`` (chapters, course pages, back matter) is
replaced by a *stub* that keeps only its target labels, title and labelled exercises (the
API reference, which executes nothing, is copied whole), so links such as
``{numref}`Chapter %s <ch05>` `` or ``{ref}`ex-ch05-2` `` resolve and only the given
pages' own problems warn.
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

_spec = importlib.util.spec_from_file_location("build_book", Path(__file__).with_name("build_book.py"))
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)
ROOT, build_environment = build_book.ROOT, build_book.build_environment

SHARED = ["_config.yml", "references.bib", "figures", "bibliography.md", "scripts", "_static",
          "_templates"]


def chapter_files() -> list[Path]:
    """The numbered chapters of the real ``_toc.yml``, in order (paths relative to the book)."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []
    for part in toc.get("parts", []):
        if part.get("numbered"):
            files += [Path(ch["file"] + ".md") for ch in part.get("chapters", [])]
    return files


#: A labelled ``{exercise}`` directive: its title and its label.
_EXERCISE = re.compile(r"^[`:]{3,}\{exercise\}[ \t]*([^\n]*)\n(?::[\w-]+:[^\n]*\n)*?:label:\s*(\S+)", re.M)


def other_pages() -> list[Path]:
    """The unnumbered pages of the real ``_toc.yml`` (course pages, back matter), bibliography excepted."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [Path(ch["file"] + ".md") for part in toc.get("parts", []) if not part.get("numbered")
            for ch in part.get("chapters", []) if ch["file"] != "bibliography"]


#: Pages copied whole when left out (they execute nothing, and their targets are generated).
WHOLE = {Path("backmatter/api.md")}


def stub(page: Path) -> str:
    """A page with only ``page``'s target labels, title and exercises: cross-references to them resolve."""
    label = title = None
    text = page.read_text()
    for line in text.splitlines():
        if label is None and line.startswith("(") and line.endswith(")="):
            label = line
        if line.startswith("# "):
            title = line
            break
    targets = [f"{line}\n## {line[1:-2]}\n" for line in text.splitlines()[1:]
               if re.fullmatch(r"\([\w-]+\)=", line) and line != label]
    exercises = [f"```{{exercise}} {ex_title}\n:label: {ex_label}\n\nLeft out of this scratch build.\n```\n"
                 for ex_title, ex_label in _EXERCISE.findall(text)]
    return "\n".join(x for x in (label, title or "# (stub)", "", "Left out of this scratch build.", "", *targets, *exercises)
                     if x is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="scratch folder (default: a new temp dir)")
    args = parser.parse_args(argv)
    build_book.ensure_frontend(ROOT)  # the site's own MathJax (scripts/site_ext.py)
    out = (args.out or Path(tempfile.mkdtemp(prefix="book-pages-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in SHARED:
        src, dst = ROOT / name, out / name
        if src.exists() and not dst.exists():
            dst.symlink_to(src)
    entries = []
    given = {page.resolve().relative_to(ROOT) for page in args.pages}
    for rel in chapter_files():
        if rel in given:
            continue
        (out / rel.parent).mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(stub(ROOT / rel))
    back = [rel for rel in other_pages() if rel not in given]
    for rel in back:
        (out / rel.parent).mkdir(parents=True, exist_ok=True)
        if rel in WHOLE:
            shutil.copy(ROOT / rel, out / rel)
        else:
            (out / rel).write_text(stub(ROOT / rel))
    for page in args.pages:
        page = page.resolve()
        rel = page.relative_to(ROOT)
        (out / rel.parent).mkdir(parents=True, exist_ok=True)
        target = out / rel
        if target.exists() or target.is_symlink():
            target.unlink()
        shutil.copy(page, target)  # copied, so the cache key follows the page's source
        entries.append(f"- file: {rel.with_suffix('')}")
    root = Path("intro.md")                           # the welcome page is the book's root
    if root not in given:
        (out / root).write_text("# Scratch build\n\nPages built on their own.\n")
    order = [rel for rel in chapter_files()] + sorted(given - set(chapter_files()) - {root})
    entries = [f"      - file: {rel.with_suffix('')}" for rel in order]
    (out / "_toc.yml").write_text("format: jb-book\nroot: intro\nparts:\n  - caption: Pages\n"
                                  "    numbered: true\n    chapters:\n" + "\n".join(entries)
                                  + "\n  - caption: Back matter\n    chapters:\n"
                                  + "".join(f"      - file: {rel.with_suffix('')}\n" for rel in back)
                                  + "      - file: bibliography\n")
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(out),
               "-W", "-n", "--keep-going"]
    print("build_pages:", " ".join(command), flush=True)
    rc = subprocess.call(command, cwd=out, env=build_environment())
    print(f"build_pages: HTML in {out / '_build' / 'html'}", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
