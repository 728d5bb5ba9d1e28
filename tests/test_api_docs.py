"""The API reference (``backmatter/api.md``) documents every public name of ``descent``.

The page is generated at build time (``scripts/course_ext.py``): one ``automodule`` per
public module.  This test builds the page alone, strictly (``-W -n``), and checks that
every name of ``descent.__all__`` and of each public submodule's public API has an entry
(or, for a re-export, a link to its entry) in the HTML.
"""
from __future__ import annotations

import importlib
import inspect
import subprocess
import sys
from pathlib import Path

import pytest
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parent.parent




course_ext = load_script("course_ext")


def test_public_modules_cover_the_package():
    modules = course_ext.public_modules()
    assert modules[0] == "descent"
    for name in ("descent.transforms", "descent.optimizers", "descent.graders", "descent.book.nn"):
        assert name in modules
    assert not any(part.startswith("_") for m in modules for part in m.split("."))


def test_generated_body_has_one_section_per_module():
    body = course_ext.api_body()
    for module in course_ext.public_modules():
        assert f".. automodule:: {module}\n" in body


@pytest.fixture(scope="module")
def api_html(tmp_path_factory):
    out = tmp_path_factory.mktemp("api")
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_pages.py"),
                           "backmatter/api.md", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    return proc.returncode, log, (out / "_build" / "html" / "backmatter" / "api.html")


@pytest.mark.slow
def test_api_page_builds_without_warnings(api_html):
    rc, log, _ = api_html
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert rc == 0 and not warnings, warnings[:20]


def _cases():
    for module_name in course_ext.public_modules():
        for name in course_ext.public_names(module_name):
            yield module_name, name


@pytest.mark.slow
@pytest.mark.parametrize("module_name, name", list(_cases()), ids=lambda x: str(x))
def test_every_public_name_is_documented(api_html, module_name, name):
    _, _, html_path = api_html
    html = html_path.read_text(encoding="utf-8")
    module = importlib.import_module(module_name)
    obj = getattr(module, name)
    home = course_ext._home(module_name, name)
    if inspect.ismodule(obj):
        assert f'id="module-{obj.__name__}"' in html, f"{obj.__name__} has no section"
    elif home is None:
        assert f'id="{module_name}.{name}"' in html, f"{module_name}.{name} has no entry"
    else:
        assert f'id="{home}.{name}"' in html, f"{home}.{name} (re-exported by {module_name}) has no entry"
        assert f'href="#{home}.{name}"' in html, f"{module_name} does not link {name} to {home}"
