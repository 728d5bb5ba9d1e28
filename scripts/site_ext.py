"""The site as readers see it: offline math, working navigation, accessible markup.

A local Sphinx extension (listed in ``_config.yml`` beside ``course_ext``):

* **MathJax 3 from the site itself.**  ``mathjax_path`` points into ``_static/mathjax/``,
  and after an HTML build the needed parts of the npm package ``mathjax@3`` (installed by
  ``npm ci`` from ``package-lock.json``; ``make env`` / ``make book`` run it) are copied
  there.  No page loads anything from another host.
* **The copyright year of ``_config.yml``.**  The build sets ``SOURCE_DATE_EPOCH=0`` (fixed
  SVG dates); Sphinx then rewrites the copyright's year to the epoch's (1970).  The
  configured value is kept.
* **Each inline script once.**  Jupyter Book registers sphinx-thebe's and
  sphinx-togglebutton's inline scripts twice (``const THEBE_JS_URL`` twice is a
  SyntaxError on every page).
* **Accessible names.**  myst-nb's "Show code cell source" toggles drop their
  mismatching ``aria-label``; ``_templates/`` name the search and colour buttons.
* **Figure numbers per page** outside the numbered parts (the back matter's first figure
  is Fig. 1, not Fig. 2).
* **Lighter figures.**  Matplotlib's SVGs lose digits no one can see (:func:`lighten_svg`).
* **Author–year bibliography.**  The list is labelled "Nesterov 1983" as the text cites
  it (``bibtex_default_style: site-author-year`` in ``_config.yml``), not "[Nes83]".
* **Bibliography markup.**  ``role="doc-biblioentry"`` (deprecated) inside a
  ``role="list"`` leaves the list without list items (axe: aria-required-children,
  critical); the entries become ``listitem``.
* ``_static/site.css`` and ``_static/site.js``: the sidebar toggles (a pydata-sphinx-theme
  0.17 / sphinx-book-theme 1.3 mismatch), scrollable wide math, tables and outputs
  focusable by keyboard, figures that open full size, link contrast.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ROOT = Path(__file__).resolve().parent.parent
MATHJAX = ROOT / "node_modules" / "mathjax" / "es5"
#: What the pages use of MathJax: the TeX-to-HTML component, the TeX extensions it
#: loads on demand, the HTML output's fonts, and the accessibility and menu parts (the
#: speech rule engine included, for readers who turn on speech in MathJax's menu).
MATHJAX_PARTS = ["tex-chtml.js", "input/tex/extensions", "output/chtml", "a11y", "ui", "sre",
                 "adaptors"]
MATHJAX_PATH = "mathjax/tex-chtml.js"


def _keep_configured_copyright(app: Sphinx, config) -> None:
    app.site_configured_copyright = config.copyright  # before Sphinx applies SOURCE_DATE_EPOCH


def _restore_copyright(app: Sphinx, config) -> None:
    configured = getattr(app, "site_configured_copyright", None)
    if configured:
        config.copyright = configured


def _use_local_mathjax(app: Sphinx, config) -> None:
    if not (MATHJAX / "tex-chtml.js").is_file():
        raise ExtensionError(
            f"MathJax 3 is not installed ({MATHJAX} is missing): run `npm ci` in {ROOT} "
            "(`make env` does) so the book can ship its own copy")
    config.mathjax_path = MATHJAX_PATH
    # An empty default mode made the theme log "Got invalid theme mode" on every page.
    config.html_context.setdefault("default_mode", "auto")


def _copy_mathjax(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = MATHJAX / part
        if src.is_dir():
            shutil.copytree(src, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / part)
    license_file = MATHJAX.parent / "LICENSE"
    if license_file.is_file():
        shutil.copy2(license_file, target / "LICENSE")


_PATH_DATA = re.compile(r'( d="[^"]*")')
_POSITION = re.compile(r'( (?:x|y|x1|x2|y1|y2|cx|cy)="-?\d+\.\d{2})\d+"')
_PATH_DECIMAL = re.compile(r"(\d\.\d)\d+")


def lighten_svg(text: str) -> str:
    """The same drawing in fewer bytes: path data to 0.1 unit, positions to 0.01 unit.

    Matplotlib writes six decimals of a point (1/72 inch) for every vertex; a tenth of a
    point is below a pixel even when the figure is opened at twice its size.  Only path
    data (``d``) and positions (``x``, ``y``, ...) are shortened -- never a transform,
    whose scale factors (e.g. a glyph's 0.015625) must stay exact.  Indentation between
    elements goes too.
    """
    text = _PATH_DATA.sub(lambda m: _PATH_DECIMAL.sub(r"\1", m.group(1)), text)
    text = _POSITION.sub(r'\1"', text)
    return re.sub(r">\n\s+<", ">\n<", text)


def _lighten_figures(app: Sphinx, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    for svg in (Path(app.outdir) / "_images").glob("*.svg"):
        text = svg.read_text(encoding="utf-8")
        if "Matplotlib" in text[:2000] or "matplotlib" in text[:2000]:
            lighter = lighten_svg(text)
            if lighter != text:
                svg.write_text(lighter, encoding="utf-8")


_BIBLIOENTRY = re.compile(r'role="doc-biblioentry"')
_SUMMARY_LABEL = re.compile(r'<summary aria-label="Toggle hidden content">')


def _fix_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if scripts:
        seen, unique = set(), []
        for script in scripts:
            # The same inline script may be registered with filename None and with ''.
            filename = getattr(script, "filename", script) or ""
            key = (str(filename), tuple(sorted(getattr(script, "attributes", {}).items())))
            if key not in seen:
                seen.add(key)
                unique.append(script)
        scripts[:] = unique
    body = context.get("body")
    if body:
        body = _BIBLIOENTRY.sub('role="listitem"', body)
        # myst-nb's hidden-cell toggles are named "Toggle hidden content" although they
        # read "Show code cell source" (axe: label-content-name-mismatch): name them by
        # their text.
        context["body"] = _SUMMARY_LABEL.sub("<summary>", body)


def _number_figures_per_page(app: Sphinx, env) -> list[str]:
    """Pages outside the numbered parts count their own figures from 1.

    Sphinx numbers the figures of unnumbered pages with one counter for the whole book,
    so the back-propagation page's first figure was "Fig. 2" (after the welcome page's).
    """
    changed = []
    for docname, by_type in getattr(env, "toc_fignumbers", {}).items():
        for figtype, numbers in by_type.items():
            if not numbers or any(len(n) != 1 for n in numbers.values()):
                continue  # a numbered chapter: "Fig. 9.3" stays
            order = sorted(numbers, key=lambda ident: numbers[ident])
            renumbered = {ident: (i + 1,) for i, ident in enumerate(order)}
            if renumbered != numbers:
                by_type[figtype] = renumbered
                changed.append(docname)
    return sorted(set(changed))


def _register_author_year_style() -> None:
    """The bibliography labelled as the text cites: "Nesterov 1983", not "[Nes83]"."""
    from collections import Counter

    from pybtex.plugin import register_plugin
    from pybtex.richtext import Text
    from pybtex.style.formatting.unsrt import Style as UnsrtStyle
    from pybtex.style.labels import BaseLabelStyle

    def surname(person) -> str:
        return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")

    class AuthorYearLabels(BaseLabelStyle):
        def format_labels(self, sorted_entries):
            labels = []
            for entry in sorted_entries:
                people = entry.persons.get("author") or entry.persons.get("editor") or []
                names = [surname(p) for p in people]
                if len(names) > 1 and names[-1] == "others":  # BibTeX's "and others"
                    names = names[:1] + ["", ""]
                if not names:
                    who = Text.from_latex(entry.fields.get("organization", entry.key)).render_as("text")
                elif len(names) == 1:
                    who = names[0]
                elif len(names) == 2:
                    who = f"{names[0]} and {names[1]}"
                else:
                    who = f"{names[0]} et al."
                labels.append(f"{who} {entry.fields.get('year', 'n.d.')}")
            counts, seen = Counter(labels), Counter()
            for label in labels:
                if counts[label] > 1:
                    seen[label] += 1
                    yield label + "abcdefghijklmnopqrstuvwxyz"[seen[label] - 1]
                else:
                    yield label

    class AuthorYearStyle(UnsrtStyle):
        default_label_style = "site-author-year"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "site-author-year", AuthorYearLabels, force=True)
    register_plugin("pybtex.style.formatting", "site-author-year", AuthorYearStyle, force=True)


def setup(app: Sphinx) -> dict:
    _register_author_year_style()
    app.connect("config-inited", _keep_configured_copyright, priority=799)
    app.connect("config-inited", _restore_copyright, priority=801)
    app.connect("config-inited", _use_local_mathjax)
    app.connect("html-page-context", _fix_page, priority=900)
    app.connect("env-get-updated", _number_figures_per_page, priority=900)
    app.connect("build-finished", _copy_mathjax)
    app.connect("build-finished", _lighten_figures)
    app.add_css_file("site.css")
    app.add_js_file("site.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
