"""Build the book: execute every chapter (cached) and write the HTML to ``_build/html``.

jupyter-cache keys its cache on the *source of the cells* only, so a change to the
``descent`` package would otherwise leave stale outputs (and stale glued numbers) in the
cache.  Before building, this script fingerprints everything the chapters' outputs
depend on besides their own source — the package under ``code/``, ``pyproject.toml``,
the lock file — and wipes the execution cache when that fingerprint has changed.

Usage::

    python scripts/build_book.py            # strict: -W -n --keep-going (what `make book` runs)
    python scripts/build_book.py --builder latex
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINGERPRINTED = ["code", "pyproject.toml", "requirements.lock"]


def fingerprint(root: Path = ROOT, parts: list[str] = FINGERPRINTED) -> str:
    """SHA-256 over the paths and bytes of every source file the chapter outputs depend on."""
    digest = hashlib.sha256()
    for part in parts:
        base = root / part
        files = [base] if base.is_file() else sorted(
            p for p in base.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p)
        )
        for path in files:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def invalidate_stale_cache(build_dir: Path, current: str) -> bool:
    """Forget every executed output unless it was made with package fingerprint ``current``.

    When the recorded fingerprint differs (or none was recorded), the execution cache
    ``build_dir/.jupyter_cache`` is deleted and ``True`` is returned: the caller must then
    also make Sphinx re-read every page (``--all``), because Sphinx on its own re-reads
    only pages whose *source* changed and would keep serving the old outputs.  The new
    fingerprint is recorded beside the cache for the next build.
    """
    cache = build_dir / ".jupyter_cache"
    stamp = build_dir / ".descent-fingerprint"
    recorded = stamp.read_text().strip() if stamp.exists() else None
    changed = recorded != current
    if changed and cache.exists():
        shutil.rmtree(cache)
    build_dir.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return changed


def ensure_frontend(root: Path = ROOT) -> None:
    """Install the npm packages of ``package-lock.json`` (MathJax 3, axe-core) if needed.

    The site ships its own MathJax (``scripts/site_ext.py`` copies it into the HTML), so
    the build needs ``node_modules/``; ``npm ci`` installs exactly the locked versions.
    Skipped when ``node_modules/.installed`` (written by ``make``) or npm's own record is
    newer than the lock file.
    """
    lock = root / "package-lock.json"
    if not lock.exists():
        return
    stamps = [root / "node_modules" / ".installed", root / "node_modules" / ".package-lock.json"]
    if any(s.exists() and s.stat().st_mtime >= lock.stat().st_mtime for s in stamps) and \
            (root / "node_modules" / "mathjax").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("build_book: node_modules/ is missing and there is no `npm` to "
                         "install it: install Node.js with npm, then run `npm ci`")
    print("build_book: npm ci (MathJax 3 and axe-core from package-lock.json)", flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=root,
                   check=True)


def build_environment() -> dict[str, str]:
    """Environment for the build and its kernels: fixed hash seed and SVG dates."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env["SOURCE_DATE_EPOCH"] = "0"
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--builder", default="html", help="html (default), latex, pdflatex, ...")
    parser.add_argument("--root", type=Path, default=ROOT, help="the book's root folder")
    parser.add_argument("--path-output", type=Path, default=None,
                        help="where to write _build/ (default: the book's root)")
    parser.add_argument("--lenient", action="store_true",
                        help="do not turn warnings into errors (for drafting only)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    build_dir = root / "_build"
    ensure_frontend(root)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    command = [str(jupyter_book), "build", str(root), "--builder", args.builder]
    if invalidate_stale_cache(build_dir, fingerprint(root)):
        print("build_book: the descent package changed: executing and re-reading every page",
              flush=True)
        command.append("--all")
    if args.path_output is not None:
        command += ["--path-output", str(args.path_output.resolve())]
    if not args.lenient:
        command += ["-W", "-n", "--keep-going"]
    print("build_book:", " ".join(command), flush=True)
    return subprocess.call(command, cwd=root, env=build_environment())


if __name__ == "__main__":
    sys.exit(main())
