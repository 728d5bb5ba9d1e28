"""Sphinx extension of the book: generated course pages and the Colab launch button.

Loaded through ``sphinx: local_extensions`` in ``_config.yml``.  It does three things:

* **Exercises index.**  While Sphinx reads ``course/exercises.md``, the marker line
  ``<!-- generated: exercise-index -->`` is replaced by the index of every ``{exercise}``
  in the chapters *that are part of this build* (:mod:`exercise_index`).  The page is
  re-read on every build, so the index is never stale.
* **API reference.**  While Sphinx reads ``backmatter/api.md``, the marker line
  ``<!-- generated: api-reference -->`` is replaced by one ``automodule`` section per
  public module of the ``descent`` package (found by walking the package, so a new module
  is documented without editing the page), and a table of the names the top-level package
  re-exports, linked to where they are documented.
* **Colab button.**  Colab opens ``.ipynb`` files from GitHub, not MyST Markdown.  Every
  notebook page gets a "Colab" entry in the launch menu that opens
  ``<repository>/blob/<colab_notebooks_branch>/<page>.ipynb``; the publishing workflow
  (``.github/workflows/book.yml``) pushes the notebooks written by
  ``scripts/make_notebooks.py`` to that branch.  The repository comes from
  ``repository.url`` in ``_config.yml``, like the Binder button's.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exercise_index  # noqa: E402  (the sibling script)

EXERCISES_DOC = "course/exercises"
API_DOC = "backmatter/api"
EXERCISE_MARKER = "<!-- generated: exercise-index -->"
API_MARKER = "<!-- generated: api-reference -->"
_CHAPTER_DOC = re.compile(r"^chapters/\d+-[^/]+$")

COLAB_URL = "https://colab.research.google.com"


# ---------------------------------------------------------------------------
# Exercises index
# ---------------------------------------------------------------------------

def chapter_docs(env) -> list[str]:
    """Docnames of the chapters in this build (``chapters/NN-name``), sorted."""
    return sorted(doc for doc in env.found_docs if _CHAPTER_DOC.match(doc))


def exercise_index_body(env) -> str:
    appendices = [doc for _, doc in exercise_index.APPENDICES.values() if doc in env.found_docs]
    chapters = [exercise_index.scan_chapter(Path(env.doc2path(doc)), doc)
                for doc in chapter_docs(env) + appendices]
    chapters.sort(key=lambda c: (c.number, c.docname))
    return exercise_index.render_index(chapters)


# ---------------------------------------------------------------------------
# API reference
# ---------------------------------------------------------------------------

def public_modules(package: str = "descent") -> list[str]:
    """The package and every module/subpackage under it whose dotted path has no ``_`` part."""
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=package + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        names.append(info.name)
    return sorted(names)


def _is_public_module(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def public_names(module_name: str) -> list[str]:
    """A module's public API: its ``__all__``, else its public functions/classes defined in it."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(obj, "__module__", None) == module_name:
            names.append(name)
    return names


def _home(module_name: str, name: str) -> str | None:
    """Where ``module_name.name`` is documented if it is re-exported from another public module."""
    module = importlib.import_module(module_name)
    obj = getattr(module, name)
    if inspect.ismodule(obj):
        return obj.__name__ if obj.__name__ != module_name else None
    home = getattr(obj, "__module__", None)
    if home and home != module_name and _is_public_module(home) and home.startswith("descent"):
        return home
    return None


def api_body(package: str = "descent") -> str:
    out: list[str] = []
    for module_name in public_modules(package):
        module = importlib.import_module(module_name)
        names = public_names(module_name)
        here = [n for n in names if _home(module_name, n) is None]
        elsewhere = [(n, _home(module_name, n)) for n in names if _home(module_name, n) is not None]
        out.append(f"## `{module_name}`")
        out.append("")
        # autodoc writes reStructuredText, so it must run inside eval-rst (not a MyST directive).
        out.append("```{eval-rst}")
        out.append(f".. automodule:: {module_name}")
        if hasattr(module, "__all__"):
            # Only the names defined here (or in a private helper module); re-exports are linked.
            if here:
                out.append("   :members: " + ", ".join(here))
        else:
            out.append("   :members:")
        out.append("   :undoc-members:")
        out.append("   :show-inheritance:")
        out.append("```")
        out.append("")
        if elsewhere:
            out.append(f"`{module_name}` also exports these names, documented in their own modules:")
            out.append("")
            out.append("| name | documented in |")
            out.append("| --- | --- |")
            for name, home in elsewhere:
                obj = getattr(module, name)
                if inspect.ismodule(obj):
                    link = f"{{py:mod}}`{name} <{home}>`"
                else:
                    role = "py:class" if inspect.isclass(obj) else "py:func" if callable(obj) else "py:data"
                    link = f"{{{role}}}`{name} <{home}.{name}>`"
                out.append(f"| {link} | {{py:mod}}`{home}` |")
            out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------
# Sphinx hooks
# ---------------------------------------------------------------------------

#: Course pages whose links to chapters (``{ref}`chNN```) are kept only if the chapter is built.
LINKS_TO_CHAPTERS = ("course/how-to-use", "course/syllabus", EXERCISES_DOC, "backmatter/glossary")
_CHAPTER_REF = re.compile(r"\{ref\}`(?:(?P<text>[^`<]*?)\s*<(?P<label1>ch\d+)>|(?P<label2>ch\d+))`")


def chapter_labels(env) -> dict[str, int]:
    """``{'ch01': 1, ...}``: the ``(chNN)=`` targets of the chapters in this build."""
    labels = {}
    for doc in chapter_docs(env):
        chapter = exercise_index.scan_chapter(Path(env.doc2path(doc)), doc)
        if chapter.label:
            labels[chapter.label] = chapter.number
    return labels


def unlink_missing_chapters(text: str, labels) -> str:
    """Replace ``{ref}`chNN``` by plain "Chapter N" when ``chNN`` is not in ``labels``.

    The chapters are written in parallel; a course page may mention a chapter before it
    exists.  Its link appears by itself once the chapter is part of the build.
    """
    def repl(match):
        label = match["label1"] or match["label2"]
        if label in labels:
            return match[0]
        return match["text"] or f"Chapter {int(label[2:])}"
    return _CHAPTER_REF.sub(repl, text)


def _source_read(app, docname, source):
    if docname in LINKS_TO_CHAPTERS:
        source[0] = unlink_missing_chapters(source[0], chapter_labels(app.env))
    if docname == EXERCISES_DOC and EXERCISE_MARKER in source[0]:
        source[0] = source[0].replace(EXERCISE_MARKER, exercise_index_body(app.env))
    elif docname == API_DOC and API_MARKER in source[0]:
        source[0] = source[0].replace(API_MARKER, api_body())


def _always_outdated(app, env, added, changed, removed):
    """Re-read the generated pages on every build (they depend on other files)."""
    return [doc for doc in (API_DOC, *LINKS_TO_CHAPTERS) if doc in env.found_docs]


def colab_link(repository_url: str, branch: str, pagename: str) -> str | None:
    """The Colab URL of a page's notebook, or ``None`` if the repository is not on GitHub."""
    match = re.match(r"^https?://github\.com/([^/]+)/([^/#?]+?)(?:\.git)?/?$", repository_url or "")
    if match is None:
        return None
    org, repo = match.groups()
    return f"{COLAB_URL}/github/{org}/{repo}/blob/{branch}/{pagename}.ipynb"


def _add_colab_button(app, pagename, templatename, context, doctree):
    if doctree is None or "kernelspec" not in app.env.metadata.get(pagename, {}):
        return
    options = app.config.html_theme_options or {}
    url = colab_link(options.get("repository_url", ""), app.config.colab_notebooks_branch, pagename)
    if url is None or not app.config.colab_notebooks_branch:
        return
    button = {"type": "link", "text": "Colab", "tooltip": "Open this chapter's notebook in Colab",
              "icon": "_static/images/logo_colab.png", "url": url}
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    for group in buttons:
        if isinstance(group, dict) and group.get("label") == "launch-buttons":
            group["buttons"].append(button)
            return
    buttons.append({"type": "group", "tooltip": "Launch interactive content", "icon": "fas fa-rocket",
                    "buttons": [button], "label": "launch-buttons"})


_ATTRIBUTE_KINDS = ("attribute", "data", "property")


def _keep_attribute_docstring(app, what, name, obj, options, lines):
    """Before napoleon (priority 500): remember the docstring of an attribute or datum."""
    if what in _ATTRIBUTE_KINDS:
        app.env.temp_data.setdefault("course_ext_attr_docs", {})[name] = list(lines)


def _restore_attribute_docstring(app, what, name, obj, options, lines):
    """After napoleon: put the attribute's docstring back as written.

    napoleon reads the first line of an attribute's docstring as ``type: description``, so
    a ``#:`` comment such as "form name -> {its hyper-parameter: ...}" would be cut at its
    first colon and half of it rendered as a (cross-referenced) type.  The package's
    attribute comments are prose, and their types come from annotations.
    """
    if what in _ATTRIBUTE_KINDS:
        kept = app.env.temp_data.get("course_ext_attr_docs", {}).pop(name, None)
        if kept is not None:
            lines[:] = kept


def setup(app):
    app.add_config_value("colab_notebooks_branch", "notebooks", "html")
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _always_outdated)
    app.connect("autodoc-process-docstring", _keep_attribute_docstring, priority=400)
    app.connect("autodoc-process-docstring", _restore_attribute_docstring, priority=600)
    # after sphinx-book-theme's launch buttons (priority 500)
    app.connect("html-page-context", _add_colab_button, priority=600)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
