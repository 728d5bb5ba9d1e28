"""The live explorables in a real browser (headless Debian Chromium, via tests/browser.py).

For every chapter page that has an explorable: it mounts with no console error and no
request off the machine; moving a control by keyboard changes the plot and the readout;
the readout's numbers equal the package's; a copied URL restores the settings; the start
point moves by keyboard; a redraw after an input stays under one frame (16 ms) for the
500-step runs; it fits a 390 px phone screen.  The engine also runs the golden cases of
``tests/explorable_cases.py`` inside Chromium, to 1e-9 relative.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import explorable_cases as C
from browser import open_page
from descent import optimizers as O
from descent.book import explorable as X
from descent.runner import minimize

PAGES = {
    "ch02-step-size": "chapters/02-landscape-pathologies.html",
    "ch04-newton": "chapters/04-newton.html",
    "ch05-momentum": "chapters/05-momentum.html",
    "ch06-schedules": "chapters/06-schedules.html",
    "ch07-adaptive": "chapters/07-adagrad.html",
    "ch08-adaptive": "chapters/08-rmsprop-adadelta.html",
    "ch09-adam": "chapters/09-adam.html",
    "ch10-family": "chapters/10-one-family.html",
}

pytestmark = pytest.mark.book


def _figure(page, ident):
    fig = page.locator(f"#x-{ident}")
    fig.wait_for(state="attached")
    page.wait_for_function(f"document.querySelector('#x-{ident}').classList.contains('x-mounted')")
    return fig


@pytest.mark.parametrize("ident", sorted(PAGES))
def test_explorable_mounts_and_responds_to_the_keyboard(chromium, site_server, ident):
    with open_page(chromium, site_server.url(PAGES[ident])) as (page, log):
        fig = _figure(page, ident)
        assert fig.get_attribute("data-error") is None
        readout = fig.locator(".x-readout").inner_text()
        assert readout.strip()
        before = fig.locator("canvas").first.evaluate("c => c.toDataURL()")
        ctrl = fig.locator("input[type=range], select, input[type=checkbox]").first
        ctrl.focus()
        ctrl.press("ArrowRight" if ctrl.get_attribute("type") == "range" else "ArrowDown")
        if ctrl.get_attribute("type") == "checkbox":
            ctrl.press("Space")
        after = fig.locator("canvas").first.evaluate("c => c.toDataURL()")
        assert before != after or fig.locator(".x-readout").inner_text() != readout, "the input changed nothing"
        for r in fig.locator("input[type=range]").all():
            assert r.get_attribute("aria-valuetext"), "a slider without aria-valuetext"
            rid = r.get_attribute("id")
            assert fig.locator(f"label[for='{rid}']").count() == 1, f"slider {rid} has no label"
        assert fig.locator("[aria-live]").count() >= 1
        assert not log.external(site_server.origin)
        assert not [e for e in log.errors if "explorable" in e.lower() or "descent" in e.lower()], log.errors


def test_step_size_readout_equals_the_package(chromium, site_server):
    s = X.DEFAULTS["step-size"]
    land = X.package_landscape("quadratic", kappa=s["kappa"], angle=s["angle"])
    t = minimize(O.sgd(lr=s["alpha_lmax"] / s["kappa"]), land, np.array(s["start"], float), s["steps"])
    steps = int(np.argmax(t.losses <= s["tol"]))
    with open_page(chromium, site_server.url(PAGES["ch02-step-size"])) as (page, _):
        fig = _figure(page, "ch02-step-size")
        assert int(fig.get_attribute("data-steps")) == steps
        assert float(fig.get_attribute("data-final")) == pytest.approx(float(t.losses[-1]), rel=1e-9, abs=1e-300)
        assert f"after {steps:,} steps" in fig.locator(".x-readout").inner_text()


def test_momentum_readout_equals_the_theory(chromium, site_server):
    from descent.book import momentum_theory as MT

    s = X.DEFAULTS["momentum"]
    theory = float(MT.worst_case_rate(s["alpha_lmax"] / s["kappa"], s["beta"], [1.0, s["kappa"]], "heavy_ball"))
    with open_page(chromium, site_server.url(PAGES["ch05-momentum"])) as (page, _):
        fig = _figure(page, "ch05-momentum")
        assert float(fig.get_attribute("data-theory")) == pytest.approx(theory, rel=1e-12)
        assert float(fig.get_attribute("data-measured")) == pytest.approx(theory, rel=0.02)


def test_a_link_restores_the_settings_and_the_start_moves_by_keyboard(chromium, site_server):
    url = site_server.url(PAGES["ch05-momentum"])
    with open_page(chromium, url) as (page, _):
        fig = _figure(page, "ch05-momentum")
        beta = fig.locator("#ch05-momentum-beta")
        beta.focus()
        for _ in range(5):
            beta.press("ArrowRight")
        canvas = fig.locator("canvas").first
        canvas.focus()
        canvas.press("ArrowUp")
        shared = page.evaluate("location.href")
        value = fig.locator("output[for='ch05-momentum-beta']").inner_text()
        readout = fig.locator(".x-readout").inner_text()
    assert "x-ch05-momentum=" in shared
    with open_page(chromium, shared) as (page, _):
        fig = _figure(page, "ch05-momentum")
        assert fig.locator("output[for='ch05-momentum-beta']").inner_text() == value
        assert fig.locator(".x-readout").inner_text() == readout


def test_redraw_stays_under_one_frame(chromium, site_server):
    times = {}
    with open_page(chromium, site_server.url(PAGES["ch05-momentum"])) as (page, _):
        fig = _figure(page, "ch05-momentum")
        beta = fig.locator("#ch05-momentum-beta")
        beta.focus()
        samples = []
        for _ in range(20):
            beta.press("ArrowLeft")
            samples.append(float(fig.get_attribute("data-redraw-ms")))
        times["momentum"] = float(np.median(samples))
    assert times["momentum"] < 16.0, times


def test_explorable_fits_a_phone(chromium, site_server):
    with open_page(chromium, site_server.url(PAGES["ch09-adam"]), width=390) as (page, _):
        fig = _figure(page, "ch09-adam")
        box = fig.bounding_box()
        assert box["width"] <= 390
        width = page.evaluate("document.querySelector('#x-ch09-adam').scrollWidth")
        assert width <= box["width"] + 1


def test_engine_agrees_with_the_package_inside_chromium(chromium, site_server):
    cases, expected = C.cases()
    with open_page(chromium, site_server.url(PAGES["ch02-step-size"])) as (page, _):
        _figure(page, "ch02-step-size")
        got = page.evaluate("""(cases) => { const E = window.DescentExplorables; return cases.map((c) => {
            if (c.what === 'landscape') { const L = E.landscape(c.landscape, c.params);
              return c.points.map((x) => ({f: L.f(x), grad: L.grad(x), hess: L.hess(x)})); }
            if (c.what === 'run') { const L = E.landscape(c.landscape, c.params);
              const r = E.run(E.optimizer(c.optimizer, c.hyper), L, c.x0, c.steps, {noise: c.noise});
              return {xs: r.xs}; }
            if (c.what === 'newton') { const L = E.landscape(c.landscape, c.params);
              const r = E.newton(L, c.x0, c.steps, {tol: c.tol, damping: c.damping, saddleFree: c.saddle_free});
              return {xs: r.xs, steps: r.steps, converged: r.converged}; }
            if (c.what === 'schedule') { const s = E.schedule(c.name, c.hyper); return c.ks.map((k) => s(k)); }
            if (c.what === 'rate') return c.alphas.map((a, i) => c.nesterov === null ? E.gdRate(a, c.eigenvalues)
              : E.momentumRate(a, c.betas[i], c.eigenvalues, c.nesterov));
            if (c.what === 'polyak') { const p = E.polyak(c.lo, c.hi); return [p.alpha, p.beta, p.rate]; }
            if (c.what === 'nesterov_best') { const p = E.nesterovBest(c.lo, c.hi); return [p.alpha, p.beta, p.rate]; }
            if (c.what === 'expected') { const lr = c.schedule ? E.schedule(c.schedule.name, c.schedule) : c.lr;
              return Array.from(E.expectedLoss(lr, c.eigenvalues, c.e0, c.steps, c.sigma)); }
            if (c.what === 'floor') return E.noiseFloor(c.lr, c.eigenvalues, c.sigma);
            if (c.what === 'eig') return c.matrices.map((m) => { const e = E.symEig2(m[0], m[1], m[2]); return [e.l1, e.l2]; });
            return null; }); }""", cases)
    errors = {(c.get("label") or c.get("name") or c["what"]) + f" #{i}": C.compare(c, g, w)
              for i, (c, g, w) in enumerate(zip(cases, got, expected))}
    bad = {k: v for k, v in errors.items() if not v <= C.RTOL}
    assert not bad, bad
