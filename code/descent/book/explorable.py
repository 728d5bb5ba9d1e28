r"""Live explorables: the reader moves the knobs, in the static HTML page.

An explorable is one output of a chapter cell.  In the HTML edition it is a small widget —
sliders, a draggable start point, a live readout — drawn by the book's own JavaScript
(``explorables/engine.js`` and ``widgets.js`` beside this module, no dependencies, no network).
Everywhere else (Jupyter, Colab, the PDF edition) the same output shows a static figure drawn
here with Matplotlib from the package's own runs.

One source of truth
    * The **landscapes** the JavaScript evaluates are generated from the SymPy expressions in
      :func:`landscape_expressions` (:func:`landscapes_js`, with :func:`sympy.printing.jscode.jscode`),
      and the test-suite checks those expressions — value, gradient and Hessian — against
      :mod:`descent.landscapes`.
    * The **optimizers, schedules and theory** in ``engine.js`` are twins of
      :mod:`descent.optimizers`, :func:`descent.second_order.newton`, :mod:`descent.schedules`,
      :mod:`descent.book.momentum_theory` and :func:`descent.book.noisy.expected_loss`; the
      test-suite runs the JavaScript (in Node, and in headless Chromium) on trajectories exported
      from the package and requires agreement to :math:`10^{-9}` relative.

How it reaches the page
    :class:`Explorable` outputs the MIME type ``MIME`` (the settings, as JSON) beside a
    PNG.  :class:`ExplorableMimeRenderer`, registered with myst-nb through the entry point
    ``myst_nb.mime_renderers``, turns the first into a ``<figure class="descent-explorable">``
    in HTML builds; every other consumer, knowing no such type, shows the PNG.  The Sphinx
    extension ``scripts/explorables_ext.py`` serves :func:`javascript` and :func:`css` with the
    site.
"""
from __future__ import annotations

import base64
import html
import io
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np

MIME = "application/vnd.descent.explorable+json"

#: The kinds of explorable ``widgets.js`` knows, and the chapter each one serves.
KINDS = {
    "step-size": "Chapter 2: step size and conditioning",
    "newton": "Chapter 4: Newton against gradient descent",
    "momentum": "Chapter 5: momentum",
    "schedules": "Chapter 6: schedules",
    "adaptive": "Chapters 7–8: adaptive steps",
    "adam": "Chapter 9: Adam",
    "family": "Chapter 10: build your own",
}


# ---------------------------------------------------------------------------------------------
# Landscapes: SymPy expressions -> JavaScript
# ---------------------------------------------------------------------------------------------

def _landscape_table():
    import sympy as sp

    x, y, kappa, angle = sp.symbols("x y kappa angle", real=True)
    c, s = sp.cos(angle), sp.sin(angle)
    u, w = c * x + s * y, -s * x + c * y          # coordinates along the two eigenvectors
    return {
        "quadratic": dict(
            title="the quadratic ½(u² + κw²)", expr=sp.Rational(1, 2) * (u**2 + kappa * w**2),
            params={"kappa": kappa, "angle": angle}, defaults={"kappa": 10.0, "angle": 0.0},
            window="[[-3, 3], [-3, 3]]", minimum="[0, 0]", min_value=0.0),
        "rosenbrock": dict(
            title="the Rosenbrock function", expr=(1 - x) ** 2 + 100 * (y - x**2) ** 2,
            params={}, defaults={}, window="[[-2, 2], [-1, 3]]", minimum="[1, 1]", min_value=0.0),
        "beale": dict(
            title="Beale's function",
            expr=(sp.Rational(3, 2) - x + x * y) ** 2 + (sp.Rational(9, 4) - x + x * y**2) ** 2
            + (sp.Rational(21, 8) - x + x * y**3) ** 2,
            params={}, defaults={}, window="[[-4.5, 4.5], [-4.5, 4.5]]", minimum="[3, 0.5]",
            min_value=0.0),
        "himmelblau": dict(
            title="Himmelblau's function", expr=(x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
            params={}, defaults={}, window="[[-5, 5], [-5, 5]]", minimum="[3, 2]", min_value=0.0),
        "saddle": dict(
            title="the saddle x² − y²", expr=x**2 - y**2, params={}, defaults={},
            window="[[-2, 2], [-2, 2]]", minimum=None, min_value=None),
    }, (x, y)


def package_landscape(name: str, **params):
    """The :mod:`descent.landscapes` object that landscape ``name`` of :func:`landscape_expressions` twins."""
    from .. import landscapes as L

    if name == "quadratic":
        return L.IllConditionedQuadratic(condition_number=params.get("kappa", 10.0),
                                         angle=params.get("angle", 0.0))
    return {"rosenbrock": L.Rosenbrock, "beale": L.Beale, "himmelblau": L.Himmelblau,
            "saddle": L.Saddle}[name]()


def landscape_expressions():
    """``{name: (f, grad, hess, params)}`` as SymPy expressions in ``x, y`` and the parameters."""
    import sympy as sp

    table, (x, y) = _landscape_table()
    out = {}
    for name, spec in table.items():
        f = spec["expr"]
        grad = [sp.diff(f, x), sp.diff(f, y)]
        hess = [sp.diff(f, x, x), sp.diff(f, x, y), sp.diff(f, y, y)]
        out[name] = (f, grad, hess, spec["params"])
    return out


def landscapes_js() -> str:
    """JavaScript for every landscape: ``window.DescentLandscapes = {name: {f, grad, hess, ...}}``."""
    import sympy as sp
    from sympy.printing.jscode import jscode

    table, (x, y) = _landscape_table()
    lines = ["/* Generated by descent.book.explorable.landscapes_js() from SymPy expressions. */",
             "(function (root) {", "  const L = {};"]
    for name, spec in table.items():
        f, grad, hess, params = landscape_expressions()[name]
        unpack = "".join(f" const {k} = p.{k};" for k in params)

        def js(expr):
            return jscode(expr)

        lines.append(f"  L[{json.dumps(name)}] = {{")
        lines.append(f"    title: {json.dumps(spec['title'])},")
        lines.append(f"    defaults: {json.dumps(spec['defaults'])},")
        lines.append(f"    f: function (x, y, p) {{{unpack} return {js(f)}; }},")
        lines.append(f"    grad: function (x, y, p) {{{unpack} return [{js(grad[0])}, {js(grad[1])}]; }},")
        lines.append("    hess: function (x, y, p) {" + unpack + " return ["
                     + ", ".join(js(h) for h in hess) + "]; },")
        lines.append(f"    window: function (p) {{ return {spec['window']}; }},")
        if spec["minimum"] is not None:
            lines.append(f"    minimum: function (p) {{ return {spec['minimum']}; }},")
        lines.append(f"    minValue: {json.dumps(spec['min_value'])},")
        lines.append("  };")
    lines += ["  if (typeof module !== 'undefined' && module.exports) module.exports = L;",
              "  if (root) root.DescentLandscapes = L;",
              "})(typeof window !== 'undefined' ? window : (typeof globalThis !== 'undefined' ? globalThis : null));",
              ""]
    return "\n".join(lines)


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("explorables", name).read_text(encoding="utf-8")


def engine_js() -> str:
    """The numerical engine (optimizers, schedules, theory), preceded by the generated landscapes."""
    return landscapes_js() + "\n" + _asset("engine.js")


def javascript() -> str:
    """Everything the HTML page needs: landscapes, engine and widgets, one file."""
    return engine_js() + "\n" + _asset("widgets.js")


def css() -> str:
    """The stylesheet of the widgets (served with the site)."""
    return _asset("explorables.css")


# ---------------------------------------------------------------------------------------------
# The chapter cell's object
# ---------------------------------------------------------------------------------------------

#: Default settings of each kind (every key can be given to :func:`explorable`).
DEFAULTS: dict[str, dict[str, Any]] = {
    "step-size": dict(kappa=10.0, alpha_lmax=1.8, angle=0.0, start=[-2.5, 1.5], steps=500, tol=1e-6,
                      window=[[-3, 3], [-3, 3]]),
    "newton": dict(landscape="himmelblau", lrs={"himmelblau": 0.01, "rosenbrock": 0.001, "saddle": 0.1},
                   damping=0.0, tol=1e-8, gd_steps=500, newton_steps=50,
                   landscapes=[["himmelblau", "Himmelblau (minima, saddles, a maximum)"],
                               ["rosenbrock", "Rosenbrock (a curved valley)"], ["saddle", "saddle x² − y²"]],
                   starts={"himmelblau": [-0.5, 0.5], "rosenbrock": [-1.2, 1.0], "saddle": [1.5, 0.5]}),
    "momentum": dict(kappa=50.0, alpha_lmax=1.0, beta=0.7, angle=0.0, start=[-2.5, 1.5], steps=500,
                     window=[[-3, 3], [-3, 3]]),
    "schedules": dict(schedule="cosine_decay", lr=0.1, decay=0.95, sigma=0.5, kappa=10.0,
                      start=[2.0, 1.0], steps=300, seed=1),
    "adaptive": dict(kappa=30.0, angle_deg=0.0, lr=1.0, rho=0.9, start=[-2.5, 1.5], steps=1000, tol=1e-6,
                     window=[[-3, 3], [-3, 3]]),
    "adam": dict(landscape="quadratic", lr=0.1, b1=0.9, b2=0.999, steps=1500, tol=1e-6,
                 landscapes=[["quadratic", "quadratic ½(u² + 10w²)"], ["rosenbrock", "Rosenbrock"],
                             ["beale", "Beale"]],
                 starts={"quadratic": [-2.5, 1.5], "rosenbrock": [-1.2, 1.0], "beale": [1.0, 1.5]}),
    "family": dict(kappa=10.0, angle=0.5, start=[-2.5, 1.5], steps=500, tol=1e-6, lr_gd=0.1,
                   lr_adaptive=0.5, sigma=0.3, seed=2, window=[[-3, 3], [-3, 3]]),
}


def _windows_and_minima(names):
    table, _ = _landscape_table()
    windows = {n: json.loads(table[n]["window"]) for n in names}
    minima = {}
    for n in names:
        land = package_landscape(n)
        minima[n] = [list(map(float, m)) for m in getattr(land, "minima", [])]
    return windows, minima


@dataclass
class Explorable:
    """One explorable: a kind of ``KINDS``, its settings, and a static fallback figure."""

    kind: str
    id: str
    settings: dict = field(default_factory=dict)
    alt: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {sorted(KINDS)}, got {self.kind!r}")
        if not isinstance(self.id, str) or not self.id.replace("-", "").isalnum():
            raise ValueError(f"id must be letters, digits and hyphens (it names the URL setting), got {self.id!r}")
        unknown = set(self.settings) - set(DEFAULTS[self.kind])
        if unknown:
            raise TypeError(f"unknown setting(s) for a {self.kind!r} explorable: {sorted(unknown)}; "
                            f"known: {sorted(DEFAULTS[self.kind])}")
        merged = json.loads(json.dumps(DEFAULTS[self.kind]))
        merged.update(self.settings)
        if self.kind in ("newton", "adam"):
            names = [n for n, _ in merged["landscapes"]]
            merged["windows"], merged["minima"] = _windows_and_minima(names)
        merged["id"] = self.id
        self.settings = merged

    # -- what a notebook shows -----------------------------------------------------------------
    def _repr_mimebundle_(self, include=None, exclude=None):
        return {MIME: {"kind": self.kind, "id": self.id, "settings": self.settings, "alt": self.alt},
                "image/png": base64.b64encode(self.png()).decode("ascii"),
                "text/plain": f"<{KINDS[self.kind]} — interactive in the HTML edition>"}

    def png(self) -> bytes:
        """The static fallback: the explorable's initial state drawn with Matplotlib."""
        import matplotlib.pyplot as plt

        fig = static_figure(self.kind, self.settings)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=96, metadata={"Software": None})
        plt.close(fig)
        return buf.getvalue()


def explorable(kind: str, id: str, alt: str = "", **settings) -> Explorable:
    """The explorable of ``kind`` (see ``KINDS``) with ``settings`` overriding ``DEFAULTS``.

    ``id`` (letters, digits, hyphens) names it in the page's URL hash, which records the
    reader's settings so that a copied link restores them; ``alt`` describes the static figure.
    """
    return Explorable(kind, id, settings, alt)


def figure_html(payload: dict) -> str:
    """The ``<figure>`` the HTML page gets for one explorable (mounted by ``widgets.js``)."""
    kind, ident = payload["kind"], payload["id"]
    settings = html.escape(json.dumps(payload["settings"], separators=(",", ":")), quote=True)
    alt = html.escape(payload.get("alt") or KINDS[kind])
    return (f'<figure class="descent-explorable" id="x-{html.escape(ident)}" data-kind="{html.escape(kind)}" '
            f'data-settings="{settings}"><p class="x-fallback">{alt} (This interactive figure needs '
            f'JavaScript.)</p></figure>')


class ExplorableMimeRenderer:
    """myst-nb plugin: render ``MIME`` as the explorable's ``<figure>`` in HTML builds only."""

    mime_priority_overrides = [("html", MIME, 1), ("dirhtml", MIME, 1), ("singlehtml", MIME, 1)]

    @staticmethod
    def handle_mime(renderer, data, inline):
        if data.mime_type != MIME or inline:
            return None
        from docutils import nodes

        payload = data.content if isinstance(data.content, dict) else json.loads(data.string)
        return [nodes.raw("", figure_html(payload), format="html")]


# ---------------------------------------------------------------------------------------------
# Static fallbacks, from the package's own runs
# ---------------------------------------------------------------------------------------------

def _contour(ax, land, window, levels=14):
    (xa, xb), (ya, yb) = window
    X, Y = np.meshgrid(np.linspace(xa, xb, 160), np.linspace(ya, yb, 120))
    Z = np.asarray(land.f(np.stack([X, Y])), dtype=float)
    lo = float(np.nanmin(Z))
    ax.contour(X, Y, np.log1p(Z - lo), levels=levels, colors="0.7", linewidths=0.6)
    ax.set_xlim(xa, xb)
    ax.set_ylim(ya, yb)
    ax.set_aspect("equal")


def static_figure(kind: str, s: dict):
    """A Matplotlib figure of the explorable's initial state (used where JavaScript is absent)."""
    import matplotlib.pyplot as plt

    from .. import optimizers as O
    from .. import schedules as S
    from ..runner import minimize
    from ..second_order import newton

    from .plotting import optimizer_style

    def style(label: str) -> dict:                    # the book's colour and line style of each method
        st = optimizer_style(label)
        return {"color": st.color, "linestyle": st.linestyle, "lw": 1.2, "label": label}

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(7.0, 3.4), layout="constrained")
    ylabel = "loss"
    if kind in ("step-size", "momentum", "adaptive", "family"):
        kappa = s["kappa"]
        angle = math.radians(s["angle_deg"]) if kind == "adaptive" else s["angle"]
        land = package_landscape("quadratic", kappa=kappa, angle=angle)
        if kind == "step-size":
            runs = {"gradient descent": O.sgd(lr=s["alpha_lmax"] / kappa)}
        elif kind == "momentum":
            runs = {"heavy ball": O.sgd(lr=s["alpha_lmax"] / kappa, momentum=s["beta"])}
        elif kind == "adaptive":
            runs = {"gradient descent": O.sgd(lr=1 / kappa), "AdaGrad": O.adagrad(lr=s["lr"]),
                    "RMSProp": O.rmsprop(lr=s["lr"] / 20, alpha=s["rho"])}
        else:
            runs = {"gradient descent": O.sgd(lr=s["lr_gd"])}
        _contour(ax, land, s["window"])
        for name, opt in runs.items():
            t = minimize(opt, land, np.array(s["start"], float), s["steps"])
            ax.plot(t.iterates[:, 0], t.iterates[:, 1], **style(name))
            bx.semilogy(np.maximum(t.losses, 1e-16), **style(name))
    elif kind in ("newton", "adam"):
        name = s["landscape"]
        land = package_landscape(name)
        _contour(ax, land, s["windows"][name])
        x0 = np.array(s["starts"][name], float)
        if kind == "newton":
            t = minimize(O.sgd(lr=s["lrs"][name]), land, x0, s["gd_steps"], tol=s["tol"])
            n = newton(land, x0, s["newton_steps"], damping=s["damping"], tol=s["tol"])
            paths = {"gradient descent": t, "Newton": n}
            for label, tr in paths.items():
                ax.plot(tr.iterates[:, 0], tr.iterates[:, 1], **style(label))
                bx.semilogy(np.maximum(tr.grad_norms, 1e-16), **style(label))
            ylabel = "gradient norm"
        else:
            t = minimize(O.adam(lr=s["lr"], betas=(s["b1"], s["b2"])), land, x0, s["steps"])
            ax.plot(t.iterates[:, 0], t.iterates[:, 1], **style("Adam"))
            bx.semilogy(np.maximum(t.losses - (land.min_value or 0.0), 1e-16), **style("Adam"))
            ylabel = "loss above the minimum"
    elif kind == "schedules":
        from .noisy import expected_loss

        land = package_landscape("quadratic", kappa=s["kappa"], angle=0.0)
        T = s["steps"]
        sched = S.cosine_decay(s["lr"], T, max(1e-4, 1 - s["decay"]))
        ax.plot([sched(k) for k in range(T)], lw=1.2)
        ax.set_xlabel("step k")
        ax.set_ylabel("learning rate")
        bx.semilogy(expected_loss(sched, land, np.array(s["start"], float), T, s["sigma"]), lw=1.2,
                    label="exact E f")
        ylabel = "expected loss"
    if kind != "schedules":
        ax.set_xlabel(r"$\theta_1$")
        ax.set_ylabel(r"$\theta_2$")
    ax.set_title(KINDS[kind], fontsize=9)
    bx.set_xlabel("step k")
    bx.set_ylabel(ylabel)
    bx.legend(fontsize=8.5)
    return fig
