"""Shared fixtures. The package is installed (editable), so tests import ``descent`` directly."""
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
os.environ.setdefault("PYTHONHASHSEED", "0")


@pytest.fixture
def rng():
    return np.random.default_rng(20261127)


ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The whole book, built once per test session (strict, every page executed).

    Returns ``(html_dir, log)``; the executed notebooks and their glue files are in
    ``html_dir.parent / "jupyter_execute"``.
    """
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_book.py"), "--path-output", str(out)],
        cwd=ROOT, capture_output=True, text=True,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    return out / "_build" / "html", log




# The browser fixtures (tests/browser.py), registered once for the whole session: a
# session-scoped fixture imported into two test modules would start two Playwright drivers,
# and the second refuses to start inside the first one's event loop.
from browser import built_site, chromium, site_server  # noqa: E402,F401
