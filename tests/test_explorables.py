"""The live explorables: one source of truth with the package, and well-formed outputs.

* The SymPy expressions the JavaScript landscapes are generated from agree with
  :mod:`descent.landscapes` (value, gradient, Hessian).
* The JavaScript engine (run in Node) reproduces the package's trajectories, schedules and
  theory to 1e-9 relative (float64) on every case of ``tests/explorable_cases.py``.
  The same cases run in headless Chromium in ``tests/test_explorables_browser.py``.
* Each chapter's explorable cell output has the MIME bundle the HTML renderer and the static
  fallback need.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import explorable_cases as C
from descent.book import explorable as X

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name, params", [("quadratic", {"kappa": 10.0, "angle": 0.0}),
                                          ("quadratic", {"kappa": 37.0, "angle": 0.7}),
                                          ("rosenbrock", {}), ("beale", {}), ("himmelblau", {}),
                                          ("saddle", {})])
def test_sympy_landscapes_match_the_package(name, params):
    f, grad, hess, syms = X.landscape_expressions()[name]
    x, y = sp.symbols("x y", real=True)
    subs = {syms[k]: v for k, v in params.items()}
    fn = sp.lambdify((x, y), f.subs(subs), "numpy")
    gn = [sp.lambdify((x, y), e.subs(subs), "numpy") for e in grad]
    hn = [sp.lambdify((x, y), e.subs(subs), "numpy") for e in hess]
    land = X.package_landscape(name, **params)
    rng = np.random.default_rng(7)
    for p in rng.uniform(-3, 3, size=(50, 2)):
        H = land.hess(p)
        np.testing.assert_allclose(fn(*p), land.f(p), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose([g(*p) for g in gn], land.grad(p), rtol=1e-12, atol=1e-11)
        np.testing.assert_allclose([h(*p) + 0 * p[0] for h in hn], [H[0, 0], H[0, 1], H[1, 1]],
                                   rtol=1e-12, atol=1e-11)


def test_generated_javascript_is_deterministic_and_small():
    assert X.javascript() == X.javascript()
    size = len(X.javascript().encode()) + len(X.css().encode())
    assert size <= 100_000, f"explorables' JS + CSS is {size:,} bytes; the budget is 100 KB"


def test_relative_error_helper():
    assert C.relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert C.relative_error([[1.0, 1e-20]], [[1.0, 0.0]]) == pytest.approx(1e-20)
    assert C.relative_error([1.0], [np.nan]) == float("inf")
    assert C.relative_error([1.0, 2.0], [1.0]) == float("inf")


@pytest.fixture(scope="module")
def node_results(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs Node.js (the `nodejs` package) to run the explorables' engine")
    tmp = tmp_path_factory.mktemp("explorables")
    engine = tmp / "engine.js"
    engine.write_text(X.engine_js())
    cases, expected = C.cases()
    (tmp / "cases.json").write_text(json.dumps(cases))
    proc = subprocess.run([node, str(ROOT / "tests" / "js" / "run_engine.js"), str(engine), str(tmp / "cases.json")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return cases, expected, json.loads(proc.stdout)


def test_javascript_engine_agrees_with_the_package(node_results):
    cases, expected, got = node_results
    errors = {}
    for i, (case, want, res) in enumerate(zip(cases, expected, got)):
        label = case.get("label") or case.get("name") or f"{case['what']} {i}"
        errors[label] = C.compare(case, res, want)
    bad = {k: v for k, v in errors.items() if not v <= C.RTOL}
    assert not bad, f"JavaScript disagrees with the package beyond {C.RTOL:g}: {bad}"
    assert len(errors) >= 40
    horizons = {c["label"]: (w["horizon"], len(w["xs"])) for c, w in zip(cases, expected)
                if c["what"] == "run" and "horizon" in w}
    short = {k: h for k, (h, n) in horizons.items() if h < min(250, n)}
    assert not short, f"runs whose own round-off sensitivity leaves fewer than 250 comparable steps: {short}"


def test_every_kind_has_defaults_and_a_static_figure():
    for kind in X.KINDS:
        e = X.explorable(kind, f"t-{kind}")
        bundle = e._repr_mimebundle_()
        assert set(bundle) == {X.MIME, "image/png", "text/plain"}
        assert bundle[X.MIME]["kind"] == kind
        png = e.png()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000
        html = X.figure_html(bundle[X.MIME])
        assert 'class="descent-explorable"' in html and f'data-kind="{kind}"' in html


def test_explorable_refuses_bad_settings():
    with pytest.raises(ValueError, match="kind"):
        X.explorable("nope", "a")
    with pytest.raises(TypeError, match="unknown setting"):
        X.explorable("momentum", "a", gamma=3)
    with pytest.raises(ValueError, match="id"):
        X.explorable("momentum", "a b")


def test_mime_renderer_is_registered_with_myst_nb():
    from importlib.metadata import entry_points

    eps = [ep for ep in entry_points(group="myst_nb.mime_renderers") if ep.name == "descent_explorable"]
    assert eps and eps[0].load() is X.ExplorableMimeRenderer
