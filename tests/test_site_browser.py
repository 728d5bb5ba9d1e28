"""The built site in a real browser (headless Debian Chromium), page by page.

For every page of the table of contents, as a reader on a desktop (1280 px) and on a phone
(390 px) would open it: no request leaves the machine, every formula is typeset, axe-core
finds no critical or serious violation (light and dark mode), both navigation toggles work,
nothing scrolls sideways, the console stays clean, scrolling boxes are keyboard-focusable,
figures keep their alt text, open full size and show at their natural size on a desktop (drawn
no wider than the text column), and the page stays under its weight budget.

Needs the built book: ``built_site`` is ``$DESCENT_SITE`` if set (``DESCENT_SITE=_build/html``
after ``make book``), else the whole book built once for the session.  Without Chromium the
tests skip, naming the ``chromium`` package.  ``python tests/test_site_browser.py
_build/html`` prints the per-page figures (requests, axe counts, weight) as a table;
under pytest, ``DESCENT_SITE_REPORT=path.md`` writes the same table there.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest
import yaml

from browser import (WIDTHS, axe_audit, describe_violations, horizontal_overflow, open_page,
                     wait_for_mathjax)

pytestmark = pytest.mark.book

ROOT = Path(__file__).resolve().parent.parent

#: Bytes a first visit may load (nothing cached): the theme's fonts, styles and scripts
#: (~2.5 MB, shared by every page: Font Awesome's script alone is 1.5 MB), MathJax
#: (~1.3 MB) and the page with its figures.  Measured maximum: the API reference and
#: chapter 9, about 5.1 MB.
TOTAL_BUDGET = 5_500_000
#: The page's own bytes: its HTML and its figures (the API reference's HTML is 1.2 MB).
OWN_BUDGET = 1_400_000
#: The API reference is generated from the package's docstrings and grows with the API
#: (1.41 MB once the explorables and the core's new transforms were documented): its own budget.
OWN_BUDGETS = {"backmatter/api.html": 2_000_000}
#: No single figure heavier than this (the largest, the 16-panel race of Fig. 9.3, was
#: 961 KB and is about 0.6 MB after site_ext.lighten_svg and simplified level lines).
IMAGE_BUDGET = 700_000


def toc_pages(root: Path = ROOT) -> list[str]:
    """Every page of ``_toc.yml`` as the path of its HTML file, in reading order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))
            walk(entry.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [f"{p}.html" for p in pages]


PAGES = toc_pages()


def _dialog_check(page, button, modal: str, links: str, name: str, result: dict) -> bool:
    """Click ``button``: the dialog ``#modal`` opens with links, and Escape closes it."""
    is_open = f"() => document.getElementById('{modal}').open"
    button.click()
    page.wait_for_timeout(200)
    result[f"{name}_dialog_open"] = page.evaluate(is_open)
    result[f"{name}_dialog_links"] = page.locator(f"#{modal} {links}").count()
    page.keyboard.press("Escape")
    page.wait_for_timeout(200)
    result[f"{name}_dialog_closed"] = not page.evaluate(is_open)
    return bool(result[f"{name}_dialog_open"] and result[f"{name}_dialog_links"] > 0
                and result[f"{name}_dialog_closed"])


def _toggle_check(page, width: int) -> dict:
    """Click the visible ☰ and ≣ buttons; report what opened and closed."""
    result = {}
    primary = page.locator(".bd-header-article .primary-toggle")
    secondary = page.locator(".bd-header-article .secondary-toggle")
    sidebar_visible = ("() => { const s = document.getElementById('pst-primary-sidebar');"
                       " const r = s.getBoundingClientRect(); return getComputedStyle(s).visibility"
                       " !== 'hidden' && r.right > 0 && r.width > 0; }")
    if width >= 992:
        result["primary_before"] = page.evaluate(sidebar_visible)
        primary.click()
        page.wait_for_timeout(450)  # the theme animates the sidebar away
        result["primary_after_click"] = page.evaluate(sidebar_visible)
        primary.click()
        page.wait_for_timeout(450)
        result["primary_after_second_click"] = page.evaluate(sidebar_visible)
        ok = (result["primary_before"] and not result["primary_after_click"]
              and result["primary_after_second_click"])
    else:
        ok = _dialog_check(page, primary, "pst-primary-sidebar-modal", "a.reference", "primary", result)
    has_toc = page.locator("#pst-secondary-sidebar .page-toc a").count() > 0 or \
        page.locator("#pst-secondary-sidebar-modal .page-toc a").count() > 0
    result["has_page_toc"] = has_toc
    if has_toc:
        if secondary.is_visible():
            ok = _dialog_check(page, secondary, "pst-secondary-sidebar-modal", ".page-toc a", "secondary",
                               result) and ok
        else:
            # No ≣ button: then the "On this page" column must be on screen.
            result["secondary_sidebar_visible"] = page.locator(
                "#pst-secondary-sidebar nav.page-toc").first.is_visible()
            ok = ok and result["secondary_sidebar_visible"]
    result["ok"] = bool(ok)
    return result


_FOCUSABLE_SCROLLERS = """() => {
    const bad = [];
    for (const el of document.querySelectorAll('.bd-article *')) {
        const s = getComputedStyle(el);
        const scrolls = (/(auto|scroll)/.test(s.overflowX) && el.scrollWidth > el.clientWidth + 1)
                     || (/(auto|scroll)/.test(s.overflowY) && el.scrollHeight > el.clientHeight + 1);
        if (!scrolls) continue;
        const focusable = el.tabIndex >= 0 || el.querySelector('a[href], button, input, [tabindex]');
        if (!focusable) bad.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.'));
    }
    return bad;
}"""

# A box that hides overflow (pydata-sphinx-theme gives span.math and div.math
# overflow: hidden) clips when something visible inside it reaches past its edges.
# MathJax's hidden copy for screen readers (mjx-assistive-mml) and the insides of its
# stretchy glyphs (mjx-ext) are clipped on purpose and do not count.
_CLIPPED = """() => {
    const bad = [];
    const skip = 'mjx-assistive-mml, mjx-ext, .visually-hidden, .sr-only, details:not([open])';
    for (const el of document.querySelectorAll('.bd-article *')) {
        if (el.closest(skip)) continue;
        const s = getComputedStyle(el);
        if (!/(hidden|clip)/.test(s.overflowX) || el.clientWidth === 0) continue;
        if (el.scrollWidth <= el.clientWidth + 1) continue;
        const box = el.getBoundingClientRect();
        let right = box.right, left = box.left;
        for (const inner of el.querySelectorAll('*')) {
            if (inner.closest(skip)) continue;
            const r = inner.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            right = Math.max(right, r.right); left = Math.min(left, r.left);
        }
        if (right > box.right + 2 || left < box.left - 2)
            bad.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                     + ' clips ' + Math.round(Math.max(right - box.right, box.left - left)) + ' px');
        if (bad.length >= 20) break;
    }
    return bad;
}"""

# The width a figure's image gets in the text column (the figure's content box).
_COLUMN = """() => { const f = document.querySelector('.bd-article figure');
    if (!f) return null;
    const s = getComputedStyle(f);
    return f.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight); }"""

_FIGURES = """() => [...document.querySelectorAll('.bd-article img')].map(img => ({
    src: img.getAttribute('src'), alt: img.getAttribute('alt'),
    link: img.closest('a') ? img.closest('a').getAttribute('href') : null,
    shown: img.getBoundingClientRect().width, natural: img.naturalWidth,
}))"""


def audit_page(browser, server, name: str) -> dict:
    """Everything the tests check about one page, from three visits."""
    url = server.url(name)
    out = {"page": name}
    with open_page(browser, url, width=WIDTHS["desktop"][0]) as (page, log):
        out["math"] = wait_for_mathjax(page)
        page.wait_for_load_state("networkidle")
        out["axe_light"] = axe_audit(page)
        out["overflow_desktop"] = horizontal_overflow(page)
        out["unfocusable_scrollers"] = page.evaluate(_FOCUSABLE_SCROLLERS)
        out["clipped_desktop"] = page.evaluate(_CLIPPED)
        out["figures"] = page.evaluate(_FIGURES)
        out["column"] = page.evaluate(_COLUMN)
        out["toggles_desktop"] = _toggle_check(page, WIDTHS["desktop"][0])
        out["footer"] = page.locator("footer .copyright").all_inner_texts()
        out["requests"] = list(log.requests)
        out["external"] = log.external(server.origin)
        out["errors"] = list(log.errors)
        out["weight"] = log.weight
        own = re.compile(rf"^{re.escape(server.origin)}/(_images/|{re.escape(name)})")
        out["own_weight"] = sum(n for u, n in log.bytes_by_url.items() if own.match(u))
        out["images"] = {u: n for u, n in log.bytes_by_url.items() if "/_images/" in u}
    with open_page(browser, url, width=WIDTHS["desktop"][0], color_scheme="dark") as (page, log):
        wait_for_mathjax(page)
        out["dark_mode"] = page.evaluate("() => document.documentElement.dataset.theme")
        out["axe_dark"] = axe_audit(page)
        out["errors"] += log.errors
        out["external"] += log.external(server.origin)
    with open_page(browser, url, width=WIDTHS["phone"][0]) as (page, log):
        wait_for_mathjax(page)
        out["overflow_phone"] = horizontal_overflow(page)
        out["clipped_phone"] = page.evaluate(_CLIPPED)
        out["figures_phone"] = page.evaluate(_FIGURES)
        out["toggles_phone"] = _toggle_check(page, WIDTHS["phone"][0])
        out["errors"] += log.errors
        out["external"] += log.external(server.origin)
    return out


@pytest.fixture(scope="module")
def audits(chromium, site_server):
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            cache[name] = audit_page(chromium, site_server, name)
        return cache[name]

    yield get
    report = os.environ.get("DESCENT_SITE_REPORT")
    if report and cache:  # the per-page figures as a Markdown table, for a close note
        Path(report).write_text(summary_table(list(cache.values())) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_no_request_leaves_the_machine(audits, name):
    audit = audits(name)
    assert audit["external"] == [], audit["external"]


@pytest.mark.parametrize("name", PAGES)
def test_math_is_typeset_by_the_local_mathjax_3(audits, name):
    math = audits(name)["math"]
    assert math["raw"] == 0 and math["errors"] == 0, math
    if math["typeset"]:
        assert math["version"].startswith("3."), math


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_critical_or_serious(audits, name, scheme):
    audit = audits(name)
    if scheme == "dark":
        assert audit["dark_mode"] == "dark"
    violations = audit[f"axe_{scheme}"]
    assert violations == [], describe_violations(violations)


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_both_navigation_toggles_work(audits, name, width):
    toggles = audits(name)[f"toggles_{width}"]
    assert toggles["ok"], toggles


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_nothing_scrolls_sideways(audits, name, width):
    overflow = audits(name)[f"overflow_{width}"]
    assert overflow["overflow"] <= 0, overflow


@pytest.mark.parametrize("width", ["desktop", "phone"])
@pytest.mark.parametrize("name", PAGES)
def test_nothing_is_clipped(audits, name, width):
    """Wide formulas, tables and code scroll inside their box; none is cut off."""
    clipped = audits(name)[f"clipped_{width}"]
    assert clipped == [], clipped


@pytest.mark.parametrize("name", PAGES)
def test_console_stays_clean(audits, name):
    errors = audits(name)["errors"]
    assert errors == [], "\n".join(errors)


@pytest.mark.parametrize("name", PAGES)
def test_scrolling_boxes_are_focusable(audits, name):
    bad = audits(name)["unfocusable_scrollers"]
    assert bad == [], bad


@pytest.mark.parametrize("name", PAGES)
def test_figures_keep_alt_text_and_open_full_size(audits, name):
    for figure in audits(name)["figures"]:
        assert figure["alt"] and figure["alt"].strip(), figure
        assert figure["link"] == figure["src"], figure


#: A figure may be shown this much below its natural size in a 1280 px window and no more.
MIN_DESKTOP_SCALE = 0.95


@pytest.mark.parametrize("name", PAGES)
def test_figures_show_at_their_natural_size_on_a_desktop(audits, name):
    """Every figure is drawn no wider than the text column, so its labels print at their size."""
    shrunk = [f"{f['src']}: {f['shown']:.0f} of {f['natural']} px"
              for f in audits(name)["figures"]
              if f["natural"] and f["shown"] < MIN_DESKTOP_SCALE * f["natural"]]
    assert shrunk == [], shrunk


@pytest.mark.parametrize("name", PAGES[:1])
def test_the_column_width_the_figures_are_drawn_for_is_the_real_one(audits, name):
    """descent.book.plotting.COLUMN_WIDTH (inches at 96 px) fits the 1280 px text column."""
    from descent.book.plotting import COLUMN_WIDTH

    column = audits(name)["column"]
    assert column is not None
    assert COLUMN_WIDTH * 96 <= column + 1 and COLUMN_WIDTH * 96 >= 0.9 * column, column


@pytest.mark.parametrize("name", PAGES)
def test_page_weight_is_under_budget(audits, name):
    audit = audits(name)
    assert audit["weight"] <= TOTAL_BUDGET, audit["weight"]
    assert audit["own_weight"] <= OWN_BUDGETS.get(name, OWN_BUDGET), audit["own_weight"]
    heavy = {u: n for u, n in audit["images"].items() if n > IMAGE_BUDGET}
    assert heavy == {}, heavy


@pytest.mark.parametrize("name", PAGES[:1])
def test_footer_shows_the_configured_year(audits, name):
    year = str(yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))["copyright"])
    footer = " ".join(audits(name)["footer"])
    assert year in footer and "1970" not in footer, footer


def test_every_page_is_audited(built_site):
    """The table of contents is the page list; nothing a reader reaches is left out."""
    built = {str(p.relative_to(built_site)) for p in built_site.rglob("*.html")
             if not p.relative_to(built_site).parts[0].startswith("_")}
    generated = {"index.html", "genindex.html", "search.html", "py-modindex.html"}
    assert built - set(PAGES) - generated == set()


def summary_table(audits_list: list[dict]) -> str:
    """One line per page: requests, external, axe (light/dark), weight, overflow, toggles."""
    rows = ["| page | requests | external | axe crit/serious light | dark | weight KB | own KB "
            "| overflow 1280/390 | toggles | console errors | smallest figure scale 1280/390 |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for a in audits_list:
        def count(vs):
            crit = sum(len(v["nodes"]) for v in vs if v["impact"] == "critical")
            ser = sum(len(v["nodes"]) for v in vs if v["impact"] == "serious")
            return f"{crit}/{ser}"
        toggles = "ok" if a["toggles_desktop"]["ok"] and a["toggles_phone"]["ok"] else "BROKEN"

        def scale(figures):
            ratios = [f["shown"] / f["natural"] for f in figures if f["natural"]]
            return f"{min(ratios):.0%}" if ratios else "–"
        rows.append(f"| {a['page']} | {len(a['requests'])} | {len(a['external'])} | "
                    f"{count(a['axe_light'])} | {count(a['axe_dark'])} | {a['weight'] // 1000} | "
                    f"{a['own_weight'] // 1000} | {a['overflow_desktop']['overflow']}/"
                    f"{a['overflow_phone']['overflow']} | {toggles} | {len(a['errors'])} | "
                    f"{scale(a['figures'])}/{scale(a['figures_phone'])} |")
    return "\n".join(rows)


if __name__ == "__main__":  # python tests/test_site_browser.py _build/html [page.html ...]
    from browser import LAUNCH_ARGS, SiteServer, chromium_executable
    from playwright.sync_api import sync_playwright

    site = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "_build" / "html")
    wanted = sys.argv[2:] or PAGES
    with SiteServer(site) as server, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                             headless=True, args=LAUNCH_ARGS)
        results = []
        for page_name in wanted:
            result = audit_page(browser, server, page_name)
            results.append(result)
            for key in ("axe_light", "axe_dark"):
                if result[key]:
                    print(page_name, key, describe_violations(result[key]), sep="\n  ")
            for key in ("errors", "external", "unfocusable_scrollers", "clipped_desktop",
                        "clipped_phone"):
                if result[key]:
                    print(page_name, key, result[key][:5])
            for key in ("overflow_desktop", "overflow_phone"):
                if result[key]["overflow"] > 0:
                    print(page_name, key, result[key])
            for key in ("toggles_desktop", "toggles_phone"):
                if not result[key]["ok"]:
                    print(page_name, key, result[key])
            print(page_name, "math", result["math"], flush=True)
        browser.close()
    print(summary_table(results))
