"""Headless Chromium for the tests: open the built site as a reader's browser would.

A small toolkit any test can import (``tests/`` is on ``sys.path`` under pytest)::

    from browser import chromium, site_server, built_site, open_page, axe_audit  # fixtures too

    def test_my_page(chromium, site_server):
        with open_page(chromium, site_server.url("chapters/05-momentum.html"),
                       width=390) as (page, log):
            wait_for_mathjax(page)
            page.click("#my-slider")
            assert not log.external(site_server.origin)   # no request left the machine
            assert not log.errors                         # no console error, no uncaught exception

The browser is Debian's ``chromium`` package (``/usr/bin/chromium``; another binary with
``DESCENT_CHROMIUM=/path``), driven by the PyPI package ``playwright`` through
``executable_path`` -- never a browser that Playwright downloads (do not run
``playwright install``).  Where either is missing, the fixtures *skip* with a message that
names what to install (``apt-get install chromium``).

Fixtures (import them into the test module to use them):

``built_site``
    The built HTML folder: ``$DESCENT_SITE`` when set (e.g. ``DESCENT_SITE=_build/html``,
    to iterate on a book you already built), else the session's ``built_book`` fixture
    (the whole book, built once per session into a temp dir).
``site_server``
    A :class:`SiteServer` serving ``built_site`` on ``127.0.0.1`` (a free port), for the session.
``chromium``
    One headless Chromium (a Playwright ``Browser``) for the session.  Each
    :func:`open_page` gets a fresh browser context: no cookies, storage or cache shared.

Helpers: :func:`open_page` (viewport, colour scheme; yields the page and a
:class:`PageLog` of its requests, sizes, console errors and uncaught exceptions),
:func:`wait_for_mathjax`, :func:`axe_audit` (axe-core from ``node_modules``, installed by
``npm ci`` from the committed ``package-lock.json``: no CDN), :func:`horizontal_overflow`.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
CHROMIUM_PACKAGE = "chromium"  # Debian's package: apt-get install chromium

# Headless, and quiet: no GPU, no sandbox (we run as root), and none of the background
# connections (updates, sync, safe browsing, QUIC probes) a fresh profile would attempt.
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
]

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


def chromium_executable() -> str | None:
    """The Chromium binary: ``$DESCENT_CHROMIUM``, else ``chromium`` on PATH, else None."""
    explicit = os.environ.get("DESCENT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    return shutil.which("chromium") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None)


def missing_browser_tools() -> str | None:
    """Why browser tests cannot run here (a sentence naming what to install), or None."""
    if chromium_executable() is None:
        return (f"no Chromium: install Debian's `{CHROMIUM_PACKAGE}` package "
                f"(apt-get install -y {CHROMIUM_PACKAGE}) or set DESCENT_CHROMIUM")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the PyPI package `playwright` is not installed (pip install -e '.[test]')"
    return None


def ensure_node_modules() -> None:
    """Install the committed npm dependencies (axe-core, MathJax) when they are missing."""
    if AXE_JS.is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("node_modules/ is missing and there is no `npm` to install it (npm ci)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, check=True,
                   capture_output=True, text=True)


# --- serving the site --------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def handle(self):
        # A browser that closes a connection mid-transfer is not an error of the site.
        with contextlib.suppress(ConnectionError):
            super().handle()


class SiteServer:
    """A static-file server for ``directory`` on ``127.0.0.1`` (a free port) in a thread.

    Use as a context manager; ``origin`` is ``http://127.0.0.1:PORT`` and ``url(path)``
    the address of a file of the site.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        handler = functools.partial(_QuietHandler, directory=str(self.directory))
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str = "") -> str:
        return f"{self.origin}/{path.lstrip('/')}"

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


# --- what a page did ---------------------------------------------------------------------

@dataclass
class PageLog:
    """Everything a page asked for and complained about while it was open."""

    requests: list[str] = field(default_factory=list)        # every URL requested
    bytes_by_url: dict[str, int] = field(default_factory=dict)  # body sizes (Content-Length)
    failed: list[str] = field(default_factory=list)          # "URL: reason" of failed requests
    console_errors: list[str] = field(default_factory=list)  # console.error and browser errors
    page_errors: list[str] = field(default_factory=list)     # uncaught exceptions

    def external(self, origin: str) -> list[str]:
        """Requests to any host but ``origin`` (data:, blob: and about: URLs are local)."""
        local = urlsplit(origin).netloc
        return [u for u in self.requests
                if urlsplit(u).scheme in ("http", "https", "ws", "wss", "ftp")
                and urlsplit(u).netloc != local]

    @property
    def errors(self) -> list[str]:
        return self.console_errors + self.page_errors + self.failed

    @property
    def weight(self) -> int:
        """Bytes transferred for the page and everything it loaded."""
        return sum(self.bytes_by_url.values())


def _record(page, log: PageLog) -> None:
    def on_response(response):
        length = response.headers.get("content-length")
        if length is not None and length.isdigit():
            log.bytes_by_url[response.url] = int(length)
        else:
            with contextlib.suppress(Exception):
                log.bytes_by_url[response.url] = len(response.body())

    page.on("request", lambda request: log.requests.append(request.url))
    page.on("response", on_response)
    page.on("requestfailed",
            lambda request: log.failed.append(f"{request.url}: {request.failure}"))
    page.on("console", lambda message: log.console_errors.append(
        f"{message.text} ({message.location.get('url', '')}:"
        f"{message.location.get('lineNumber', '')})") if message.type == "error" else None)
    page.on("pageerror", lambda error: log.page_errors.append(str(error)))


# --- fixtures ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def built_site(request) -> Path:
    """The built HTML: ``$DESCENT_SITE`` if set, else the session's ``built_book``."""
    explicit = os.environ.get("DESCENT_SITE")
    if explicit:
        path = Path(explicit).resolve()
        if not (path / "index.html").is_file():
            pytest.fail(f"DESCENT_SITE={explicit}: no index.html there (run `make book`)")
        return path
    html, _log = request.getfixturevalue("built_book")
    return html


@pytest.fixture(scope="session")
def site_server(built_site):
    with SiteServer(built_site) as server:
        yield server


# One Playwright and one Chromium per process, shared by every module that imports the
# ``chromium`` fixture: pytest makes an imported session fixture once *per module*, and a
# second ``sync_playwright()`` inside the first one's event loop fails ("Sync API inside
# the asyncio loop").  The last module's teardown closes it.
_SHARED: dict = {"users": 0}


def _acquire_browser():
    if "browser" not in _SHARED:
        from playwright.sync_api import sync_playwright

        _SHARED["playwright"] = sync_playwright().start()
        _SHARED["browser"] = _SHARED["playwright"].chromium.launch(
            executable_path=chromium_executable(), headless=True, args=LAUNCH_ARGS)
    _SHARED["users"] += 1
    return _SHARED["browser"]


def _release_browser() -> None:
    _SHARED["users"] -= 1
    if _SHARED["users"] <= 0 and "browser" in _SHARED:
        try:
            _SHARED.pop("browser").close()
        finally:
            _SHARED.pop("playwright").stop()


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the session (skips when it is not installed)."""
    reason = missing_browser_tools()
    if reason:
        pytest.skip(reason)
    browser = _acquire_browser()
    try:
        yield browser
    finally:
        _release_browser()


# --- pages -------------------------------------------------------------------------------

@contextlib.contextmanager
def open_page(browser, url: str, *, width: int = 1280, height: int | None = None,
              color_scheme: str = "light", wait_until: str = "load", timeout_ms: int = 60_000):
    """Open ``url`` in a fresh context; yield ``(page, log)``; close the context after.

    ``width`` is the viewport width in CSS pixels (390: a phone; 1280: a desktop);
    ``color_scheme`` is "light" or "dark" (the theme follows the system preference).
    """
    if color_scheme not in ("light", "dark"):
        raise ValueError(f"color_scheme must be 'light' or 'dark', not {color_scheme!r}")
    if height is None:
        height = 844 if width < 600 else 900
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=color_scheme,
        service_workers="block", is_mobile=False)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    log = PageLog()
    _record(page, log)
    try:
        page.goto(url, wait_until=wait_until)
        yield page, log
    finally:
        context.close()


def wait_for_mathjax(page, timeout_ms: int = 60_000) -> dict:
    """Wait until MathJax has typeset the page; return counts of typeset and raw math.

    ``{"mathjax": bool, "typeset": N, "raw": M}`` -- ``typeset`` counts rendered
    ``mjx-container`` elements, ``raw`` the math elements Sphinx wrote (``.math``) that
    still hold no rendered formula (TeX a reader would see as source).
    """
    page.wait_for_function(
        "() => !document.querySelector('.math') || "
        "(window.MathJax && MathJax.startup && MathJax.startup.promise && "
        " (window.__mjxDone || (MathJax.startup.promise.then(() => window.__mjxDone = true), false)))",
        timeout=timeout_ms)
    return page.evaluate("""() => ({
        mathjax: !!(window.MathJax && window.MathJax.version),
        version: window.MathJax && window.MathJax.version || null,
        typeset: document.querySelectorAll('mjx-container').length,
        raw: [...document.querySelectorAll('.math')]
               .filter(e => !e.querySelector('mjx-container')).length,
        errors: document.querySelectorAll('mjx-merror').length,
    })""")


def axe_audit(page, *, impacts=("critical", "serious"), options: dict | None = None) -> list[dict]:
    """Run axe-core on the page; return its violations of the given impacts.

    Each violation is axe's dict (``id``, ``impact``, ``help``, ``nodes`` with ``target``
    and ``failureSummary``).  axe.min.js comes from node_modules (``npm ci``).
    """
    ensure_node_modules()
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    options = options or {"resultTypes": ["violations"]}
    result = page.evaluate("async (options) => await axe.run(document, options)", options)
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe_violations(violations: list[dict], limit: int = 3) -> str:
    """A readable summary of axe violations (id, impact, help and a few targets)."""
    lines = []
    for v in violations:
        targets = ", ".join(json.dumps(n["target"]) for n in v["nodes"][:limit])
        more = f" (+{len(v['nodes']) - limit} more)" if len(v["nodes"]) > limit else ""
        lines.append(f"{v['impact']}: {v['id']} -- {v['help']}: {targets}{more}")
    return "\n".join(lines)


def horizontal_overflow(page) -> dict:
    """How far the page scrolls sideways, and which elements stick out of the viewport.

    ``{"overflow": px, "culprits": [...]}`` -- ``overflow`` is the document's scroll width
    beyond the viewport; ``culprits`` lists the outermost visible elements whose right edge
    passes the viewport (inside no scrolling container).
    """
    return page.evaluate("""() => {
        const root = document.scrollingElement || document.documentElement;
        const vw = root.clientWidth;
        const culprits = [];
        const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
            const s = getComputedStyle(p);
            if (/(auto|scroll|hidden|clip)/.test(s.overflowX) && p !== document.body
                && p !== document.documentElement) return true; } return false; };
        for (const el of document.body.querySelectorAll('*')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.right <= vw + 1) continue;
            const s = getComputedStyle(el);
            if (s.visibility === 'hidden' || s.display === 'none' || s.position === 'fixed') continue;
            if (scrolls(el)) continue;
            if (el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 1
                && !scrolls(el.parentElement) && el.parentElement !== document.body) continue;
            culprits.push((el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                + (el.className && typeof el.className === 'string'
                   ? '.' + el.className.trim().split(/\\s+/).join('.') : ''))
                + ' right=' + Math.round(r.right));
            if (culprits.length >= 10) break;
        }
        return {overflow: root.scrollWidth - vw, culprits};
    }""")
