"""Write every notebook page of the book as a Jupyter notebook: ``notebooks/<page>.ipynb``.

A *notebook page* is a MyST Markdown file with a jupytext header (a ``kernelspec``) among
the book's pages: ``intro.md``, ``chapters/``, ``course/`` and ``backmatter/``.  Each is
converted with jupytext (not executed) and gets one extra first cell that installs the
book's package when the notebook runs on Google Colab (and does nothing elsewhere).  The
package is installed from the repository named in ``_config.yml`` (``repository.url``
and ``repository.branch``), the one place the book's URL is written.

Usage::

    python scripts/make_notebooks.py                # -> notebooks/
    python scripts/make_notebooks.py --out DIR      # elsewhere

``notebooks/`` is git-ignored; the publishing workflow pushes it to the branch that the
Colab buttons open (``colab_notebooks_branch`` in ``_config.yml``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jupytext
import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE_FOLDERS = ("chapters", "course", "backmatter")
COLAB_TAG = "colab-setup"


def repository(root: Path = ROOT) -> tuple[str, str]:
    """``(url, branch)`` of the book's repository, from ``_config.yml``."""
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    return str(repo.get("url", "")).rstrip("/"), str(repo.get("branch", "main"))


def notebook_pages(root: Path = ROOT) -> list[Path]:
    """The book's MyST notebooks (files with a jupytext ``kernelspec`` header), sorted."""
    candidates = [root / "intro.md"]
    for folder in PAGE_FOLDERS:
        candidates += sorted((root / folder).glob("*.md"))
    pages = []
    for path in candidates:
        if path.is_file() and is_notebook(path):
            pages.append(path)
    return pages


def is_notebook(path: Path) -> bool:
    """True if ``path`` starts with a YAML header that has a ``kernelspec``."""
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return False
    end = text.find("\n---", 3)
    if end < 0:
        return False
    header = yaml.safe_load(text[3:end]) or {}
    return isinstance(header, dict) and "kernelspec" in header


def colab_cell(url: str, branch: str) -> nbformat.NotebookNode:
    """The first cell: on Colab, install the package with its ``book`` extra (myst-nb for ``glue``) from ``url``."""
    source = (
        "# On Google Colab, install the book's package first; elsewhere this cell does nothing.\n"
        "import sys\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"descent-book[book] @ git+{url}@{branch}\"\n"
    )
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = [COLAB_TAG]
    return cell


def convert(page: Path, url: str, branch: str) -> nbformat.NotebookNode:
    """The page as an (unexecuted) notebook, with the Colab set-up cell first."""
    nb = jupytext.read(page, fmt="md:myst")
    nb.metadata.pop("jupytext", None)          # a plain .ipynb, not paired with the .md
    nb.metadata.setdefault("kernelspec", {"display_name": "Python 3", "language": "python",
                                          "name": "python3"})
    if url:
        nb.cells.insert(0, colab_cell(url, branch))
    return nb


def write_notebooks(out: Path, root: Path = ROOT) -> list[Path]:
    """Convert every notebook page into ``out/<folder>/<name>.ipynb``; return the paths."""
    url, branch = repository(root)
    written = []
    for page in notebook_pages(root):
        target = out / page.relative_to(root).with_suffix(".ipynb")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(convert(page, url, branch), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "notebooks")
    args = parser.parse_args(argv)
    written = write_notebooks(args.out.resolve())
    for path in written:
        print(path.relative_to(args.out.resolve()))
    print(f"make_notebooks: {len(written)} notebooks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
