"""Sphinx extension: serve the live explorables' JavaScript and CSS with the HTML site.

The files are written at build time from :func:`descent.book.explorable.javascript` (the
landscapes generated from SymPy, the engine, the widgets) and :func:`~descent.book.explorable.css`
into a folder that is added to ``html_static_path``, and linked from every page.  The
explorables themselves are cell outputs, rendered by ``descent.book.explorable.ExplorableMimeRenderer``
(a myst-nb MIME plugin registered in ``pyproject.toml``).
"""
from __future__ import annotations

from pathlib import Path

JS = "descent-explorables.js"
CSS = "descent-explorables.css"


def _write_assets(app) -> None:
    if app.builder.format != "html":
        return
    from descent.book import explorable

    folder = Path(app.outdir).parent / "explorables-static"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ((JS, explorable.javascript()), (CSS, explorable.css())):
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    app.config.html_static_path.append(str(folder))
    app.add_js_file(JS, defer="defer")
    app.add_css_file(CSS)


def setup(app):
    app.connect("builder-inited", _write_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
