r"""One plotting style for every figure of the book.

Colours
    :data:`PALETTE` is the Okabe–Ito palette (Okabe & Ito, *Color Universal Design*,
    2008; Wong, "Points of view: Color blindness", *Nature Methods* 8:441, 2011): eight
    colours that stay distinct for the common forms of colour blindness.  Each optimizer
    of the book has a fixed colour, line style and marker (:data:`OPTIMIZER_STYLES`,
    :data:`OPTIMIZER_COLORS`).  The *colour names the idea* the optimizer comes from
    (black: plain gradient steps, blue: momentum, vermillion/orange: curvature,
    bluish green: adaptive step sizes, reddish purple: Adam) and the *line style and
    marker name the member*, so every curve is still told apart in grey-scale print.
    Yellow has too little contrast against white for lines; it is used for fills only.

Style
    :func:`book_style` (a context manager) and :func:`use_book_style` set the
    :data:`BOOK_RC` parameters: DejaVu Sans (bundled with Matplotlib, so every machine
    draws the same glyphs), an *opaque white* figure and axes background so that the
    figures stay readable in the web site's dark mode, a thin light grid, and the
    settings that make saved files byte-for-byte reproducible:

    * ``svg.fonttype = 'path'``: text is stored as glyph outlines, not as ``<text>``
      elements.  The SVG then looks the same whatever fonts the reader has and does not
      depend on the fonts of the machine that opens it; the price (text not selectable,
      larger files) is paid back by the figures' alt text.
    * ``svg.hashsalt`` fixed (:data:`SVG_HASH_SALT`): the ids Matplotlib writes into an
      SVG are hashes salted with a random UUID unless this is set.
    * :func:`save_figure` removes the creation date and the software string from the
      metadata of SVG and PNG files and fixes the resolution.

Plots
    :func:`plot_contours` (level sets of a 2-D landscape, minima marked),
    :func:`plot_trajectory` / :func:`plot_trajectories` (iterates on top of them),
    :func:`plot_losses` (loss curves, log scale by default) and :func:`small_multiples`
    (a grid of panels).  Every function returns the Artists it creates and never calls
    ``plt.show()``.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.layout_engine import PlaceHolderLayoutEngine

from .. import _validate as v

__all__ = [
    "PALETTE", "OPTIMIZER_COLORS", "OPTIMIZER_STYLES", "LineStyle", "CYCLE_STYLES", "BOOK_RC",
    "SVG_HASH_SALT", "PNG_DPI", "book_style", "use_book_style", "optimizer_style",
    "lighten", "contour_levels", "plot_contours", "ContourPlot", "plot_trajectory", "plot_trajectories",
    "TrajectoryArtists", "plot_losses", "small_multiples", "save_figure", "COLUMN_WIDTH",
]

# ---------------------------------------------------------------------------
# Colours and line styles
# ---------------------------------------------------------------------------

#: The Okabe–Ito colour-blind-safe palette.
PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}


class LineStyle(NamedTuple):
    """Colour, line style and marker of one curve (keyword names of ``Axes.plot``)."""

    color: str
    linestyle: Any
    marker: str

    def kwargs(self) -> dict[str, Any]:
        return {"color": self.color, "linestyle": self.linestyle, "marker": self.marker}


#: Colour (the idea), line style and marker (the member) of each optimizer of the book.
#: Every (line style, marker) pair is unique, so curves are distinct in grey-scale too.
OPTIMIZER_STYLES: dict[str, LineStyle] = {
    "gd": LineStyle(PALETTE["black"], "-", "o"),
    "sgd": LineStyle(PALETTE["black"], (0, (4, 2)), "."),
    "momentum": LineStyle(PALETTE["blue"], "-", "s"),
    "nesterov": LineStyle(PALETTE["sky_blue"], "--", "D"),
    "newton": LineStyle(PALETTE["vermillion"], "-", "^"),
    "dfp": LineStyle(PALETTE["orange"], ":", ">"),
    "bfgs": LineStyle(PALETTE["orange"], "-", "v"),
    "lbfgs": LineStyle(PALETTE["orange"], "--", "<"),
    "adagrad": LineStyle(PALETTE["bluish_green"], "-", "P"),
    "rmsprop": LineStyle(PALETTE["bluish_green"], "--", "X"),
    "adadelta": LineStyle(PALETTE["bluish_green"], ":", "h"),
    "adam": LineStyle(PALETTE["reddish_purple"], "-", "*"),
    "adamw": LineStyle(PALETTE["reddish_purple"], "--", "p"),
}

#: Fixed colour of each optimizer (the ``color`` of :data:`OPTIMIZER_STYLES`).
OPTIMIZER_COLORS: dict[str, str] = {name: s.color for name, s in OPTIMIZER_STYLES.items()}

_ALIASES = {
    "gradientdescent": "gd", "fullbatchgd": "gd", "batchgd": "gd",
    "stochasticgradientdescent": "sgd", "minibatchsgd": "sgd", "minibatch": "sgd",
    "heavyball": "momentum", "polyak": "momentum", "nag": "nesterov",
    "nesterovmomentum": "nesterov", "newtonsmethod": "newton", "lbfgsb": "lbfgs",
}

#: Styles handed out, in order, to curves whose label is not an optimizer name.  Yellow
#: is left out (too pale for a line on white); the line styles repeat the colours' order
#: so that the sequence stays distinguishable in grey-scale.
CYCLE_STYLES: tuple[LineStyle, ...] = (
    LineStyle(PALETTE["blue"], "-", "o"),
    LineStyle(PALETTE["vermillion"], "--", "s"),
    LineStyle(PALETTE["bluish_green"], "-.", "^"),
    LineStyle(PALETTE["reddish_purple"], ":", "D"),
    LineStyle(PALETTE["orange"], (0, (5, 1)), "v"),
    LineStyle(PALETTE["sky_blue"], (0, (3, 1, 1, 1, 1, 1)), "P"),
    LineStyle(PALETTE["black"], (0, (1, 1)), "X"),
)


def optimizer_style(label: str) -> LineStyle | None:
    """The :data:`OPTIMIZER_STYLES` entry a curve label refers to, or ``None``.

    The part of ``label`` before the first ``(``, ``,``, ``:`` or ``;`` is lower-cased
    and stripped of spaces, hyphens and underscores, then looked up (with a few
    aliases): ``"Adam (lr = 0.1)"`` → ``adam``, ``"L-BFGS"`` → ``lbfgs``,
    ``"GD, α = 0.1"`` → ``gd``, ``"heavy ball"`` → ``momentum``.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a string, got {type(label).__name__}")
    head = label
    for sep in "(,:;":
        head = head.split(sep, 1)[0]
    key = "".join(ch for ch in head.lower() if ch not in " -_\t")
    key = _ALIASES.get(key, key)
    return OPTIMIZER_STYLES.get(key)


def lighten(color: Any, amount: float) -> tuple[float, float, float]:
    r"""Mix ``color`` with white: :math:`c' = (1-a)\,c + a\cdot\mathbf 1`, ``amount`` :math:`=a\in[0,1]`."""
    amount = v.closed_unit_interval(amount, "amount")
    rgb = np.asarray(mpl.colors.to_rgb(color))
    return tuple(float(c) for c in (1.0 - amount) * rgb + amount)


# ---------------------------------------------------------------------------
# rcParams
# ---------------------------------------------------------------------------

#: Salt of the ids in SVG files (shared with :func:`descent.book.notebook.setup`).
SVG_HASH_SALT = "learning-from-mistakes"
#: Resolution of PNG files written by :func:`save_figure`.
PNG_DPI = 150

#: The book's Matplotlib rcParams (applied by :func:`use_book_style` and :func:`book_style`).
BOOK_RC: dict[str, Any] = {
    # fonts: Matplotlib's bundled DejaVu Sans, so all machines draw identical glyphs
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 11.0,
    "mathtext.fontset": "dejavusans",
    "axes.titlesize": 12.0,
    "axes.labelsize": 11.0,
    "xtick.labelsize": 10.0,
    "ytick.labelsize": 10.0,
    "legend.fontsize": 9.5,
    # opaque white backgrounds: readable in the site's dark mode
    "figure.facecolor": "white",
    "figure.edgecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.edgecolor": "white",
    "savefig.transparent": False,
    "legend.facecolor": "white",
    "legend.edgecolor": "#bbbbbb",
    "legend.framealpha": 0.92,
    "text.color": "black",
    "axes.labelcolor": "black",
    "axes.edgecolor": "#333333",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    # thin grid, lean frame
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#d0d0d0",
    "grid.linewidth": 0.5,
    "grid.linestyle": "-",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=[s.color for s in CYCLE_STYLES])
    + cycler(linestyle=[s.linestyle for s in CYCLE_STYLES]),
    "lines.linewidth": 1.8,
    "lines.markersize": 5.0,
    "image.cmap": "viridis",
    # sizes and layout
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    "savefig.dpi": PNG_DPI,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    # deterministic SVG output
    "svg.fonttype": "path",
    "svg.hashsalt": SVG_HASH_SALT,
}


@contextlib.contextmanager
def book_style() -> Iterator[None]:
    """Context manager: the book's :data:`BOOK_RC` inside the ``with`` block only.

    >>> with book_style():
    ...     fig, ax = plt.subplots()   # doctest: +SKIP
    """
    with mpl.rc_context(BOOK_RC):
        yield


def use_book_style() -> None:
    """Apply :data:`BOOK_RC` globally (what :func:`descent.book.notebook.setup` does)."""
    mpl.rcParams.update(BOOK_RC)


# ---------------------------------------------------------------------------
# Landscapes and trajectories
# ---------------------------------------------------------------------------

class ContourPlot(NamedTuple):
    """Artists made by :func:`plot_contours`."""

    lines: Any                 # QuadContourSet of the level lines
    filled: Any | None         # QuadContourSet of the filled bands (``filled=True``)
    minima: Any | None         # Line2D of the minima markers
    levels: np.ndarray


def _check_axes(ax: Any) -> None:
    if not isinstance(ax, mpl.axes.Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")


def _check_window(window: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    try:
        (x0, x1), (y0, y1) = window
    except (TypeError, ValueError):
        raise ValueError(f"window must be ((xmin, xmax), (ymin, ymax)), got {window!r}") from None
    x0, x1 = v.real(x0, "window xmin"), v.real(x1, "window xmax")
    y0, y1 = v.real(y0, "window ymin"), v.real(y1, "window ymax")
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"window must have xmin < xmax and ymin < ymax, got {window!r}")
    return (x0, x1), (y0, y1)


def contour_levels(values: np.ndarray, count: int, log: bool) -> np.ndarray:
    r"""``count`` increasing contour levels for the finite ``values`` of a landscape.

    With ``log=True`` the levels are :math:`f_{\min} + \delta_i` with :math:`\delta_i`
    geometrically spaced from the 1 % quantile of the positive :math:`f - f_{\min}` to
    its maximum, which resolves narrow valleys (Rosenbrock) that linear levels miss.
    """
    finite = values[np.isfinite(values)]
    lo_val, hi_val = float(finite.min()), float(finite.max())
    if not hi_val > lo_val:
        raise ValueError("landscape.f is constant over the window: there are no contours to draw")
    if log:
        gaps = finite - lo_val
        gaps = gaps[gaps > 0]
        lo = float(np.quantile(gaps, 0.01))
        hi = float(gaps.max())
        levels = lo_val + np.geomspace(lo, hi, count) if hi > lo else np.array([lo_val + hi])
    else:
        levels = np.linspace(lo_val, hi_val, count + 2)[1:-1]
    levels = np.unique(levels)
    if levels.size < 2:  # degenerate spread: fall back on linear levels
        levels = np.linspace(lo_val, hi_val, count + 2)[1:-1]
    return levels


def plot_contours(ax, landscape, *, levels: int | Sequence[float] = 20, log: bool = True,
                  n: int = 200, window=None, filled: bool = False, cmap: str | None = None,
                  linewidths: float = 0.8, mark_minima: bool = True) -> ContourPlot:
    r"""Draw level sets :math:`\{\theta : f(\theta) = c\}` of a 2-D landscape.

    ``landscape`` is any object with

    * ``f``: vectorised over a grid in SciPy's ``rosen`` convention — called once with
      ``np.stack([X, Y])`` of shape ``(2, n, n)`` it returns the ``(n, n)`` values;
    * ``window``: ``((xmin, xmax), (ymin, ymax))``, the region shown (unless ``window``
      is passed);
    * optionally ``minima``: an array ``(k, 2)`` of minimisers, marked with white stars.

    ``levels`` is a number of levels (placed by :func:`contour_levels`, geometrically
    when ``log=True``) or the explicit level values.  Lines are grey, darker at lower
    levels, so that coloured trajectories stand out; ``filled=True`` adds pale filled
    bands coloured by ``cmap`` (default ``'viridis'``).  Non-finite values of ``f``
    are left blank.  The axes limits are set to the window (so later trajectories do
    not rescale them) and the grid is switched off.
    """
    _check_axes(ax)
    f = getattr(landscape, "f", None)
    if not callable(f):
        raise TypeError("landscape must have a callable attribute f (vectorised over a grid)")
    if window is None:
        window = getattr(landscape, "window", None)
        if window is None:
            raise TypeError("landscape has no attribute window; pass window=((xmin, xmax), (ymin, ymax))")
    (x0, x1), (y0, y1) = _check_window(window)
    n = v.positive_int(n, "n")
    if n < 2:
        raise ValueError(f"n must be at least 2, got {n}")
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = np.asarray(f(np.stack([X, Y])), dtype=float)
    if Z.shape != X.shape:
        raise ValueError(
            f"landscape.f(np.stack([X, Y])) must return shape {X.shape}, got {Z.shape}: "
            "f must be vectorised over the trailing axes"
        )
    if not np.isfinite(Z).any():
        raise ValueError("landscape.f is not finite anywhere in the window")

    if isinstance(levels, (bool, np.bool_)):
        raise TypeError("levels must be an int or a sequence of level values")
    if isinstance(levels, (int, np.integer)):
        count = v.positive_int(int(levels), "levels")
        level_values = contour_levels(Z, count, log)
    else:
        level_values = np.asarray(levels, dtype=float)
        if level_values.ndim != 1 or level_values.size < 1 or not np.isfinite(level_values).all():
            raise ValueError("levels must be a positive int or a 1-D sequence of finite values")
        if np.any(np.diff(level_values) <= 0):
            raise ValueError("levels must be strictly increasing")

    Zm = np.ma.masked_invalid(Z)
    shade = np.linspace(0.0, 1.0, level_values.size) if level_values.size > 1 else np.zeros(1)
    greys = mpl.colormaps["Greys"](0.8 - 0.45 * shade)
    filled_set = None
    if filled:
        fill_levels = np.concatenate([[Zm.min()], level_values[level_values > Zm.min()]])
        if fill_levels.size >= 2:
            filled_set = ax.contourf(X, Y, Zm, levels=fill_levels, cmap=cmap or "viridis",
                                     alpha=0.35, extend="max", zorder=0)
    lines = ax.contour(X, Y, Zm, levels=level_values, colors=[tuple(c) for c in greys],
                       linewidths=linewidths, zorder=1)
    _simplify_lines(lines, ((x0, x1), (y0, y1)))

    minima_artist = None
    minima = getattr(landscape, "minima", None)
    if mark_minima and minima is not None:
        m = np.asarray(minima, dtype=float)
        if m.size and (m.ndim != 2 or m.shape[1] != 2):
            raise ValueError(f"landscape.minima must have shape (k, 2), got {m.shape}")
        m = m.reshape(-1, 2)
        if m.shape[0]:
            (minima_artist,) = ax.plot(m[:, 0], m[:, 1], linestyle="none", marker="*",
                                       markersize=14, markerfacecolor="white",
                                       markeredgecolor="black", markeredgewidth=1.2,
                                       label="minimum", zorder=6)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.grid(False)
    return ContourPlot(lines, filled_set, minima_artist, level_values)


#: Resolution (in "pixels" across the window) at which level lines are simplified.
_SIMPLIFY_RESOLUTION = 200.0


def _simplify_lines(collection: Any, window) -> None:
    """Drop the vertices of level lines that no reader can see (file size, not looks).

    Contour lines come with MOVETO codes, for which Matplotlib skips its own path
    simplification, so a fine grid wrote every vertex into the SVG (Fig. 9.3 was 961 KB).
    Each path is simplified as Matplotlib simplifies a plain line, on a fixed grid of
    :data:`_SIMPLIFY_RESOLUTION` units across the window (deviations under 1/9 unit, i.e.
    well below a pixel at any size the book shows), independently of the figure's layout.
    """
    Path = mpl.path.Path
    (x0, x1), (y0, y1) = window
    to_grid = mpl.transforms.Affine2D().translate(-x0, -y0).scale(
        _SIMPLIFY_RESOLUTION / (x1 - x0), _SIMPLIFY_RESOLUTION / (y1 - y0))
    back = to_grid.inverted()
    simplified = []
    for path in collection.get_paths():
        if len(path.vertices) < 32:
            simplified.append(path)
            continue
        clean = path.cleaned(transform=to_grid, simplify=True, remove_nans=True)
        vertices, codes = clean.vertices, clean.codes
        if codes is not None and len(codes) and codes[-1] == Path.STOP:
            vertices, codes = vertices[:-1], codes[:-1]
        simplified.append(Path(back.transform(vertices), codes))
    collection.set_paths(simplified)


class TrajectoryArtists(NamedTuple):
    """Artists made by :func:`plot_trajectory`."""

    line: Any                  # Line2D through the iterates
    start: Any | None          # Line2D: hollow circle at the first iterate
    end: Any | None            # Line2D: filled marker at the last iterate
    arrows: Any | None         # Quiver of the steps (``arrows=True``)


def _as_iterates(iterates: Any, name: str = "iterates") -> np.ndarray:
    path = getattr(iterates, "iterates", iterates)       # a Trajectory or an array
    try:
        path = np.asarray(path, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of shape (k+1, 2) or a Trajectory") from None
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] < 1:
        raise ValueError(f"{name} must have shape (k+1, 2) with k >= 0, got {path.shape}")
    if not np.isfinite(path).all():
        raise ValueError(f"{name} must be finite (a diverged run should end at its last finite iterate)")
    return path


def _auto_markevery(length: int, target: int = 12) -> int:
    return max(1, math.ceil(length / target))


def plot_trajectory(ax, iterates, *, label: str, color=None, linestyle=None, marker=None,
                    markevery: int | None = None, linewidth: float = 1.6, start: bool = True,
                    end: bool = True, arrows: bool = False, arrow_every: int = 1,
                    zorder: float = 3, **line_kw) -> TrajectoryArtists:
    r"""Draw the iterates :math:`\theta_0, \theta_1, \dots, \theta_k` of a 2-D run.

    ``iterates`` is an array ``(k+1, 2)`` or anything with such an ``.iterates``
    attribute (a :class:`descent.trajectory.Trajectory`).  When ``label`` names an
    optimizer (:func:`optimizer_style`) its colour, line style and marker are used
    unless given; otherwise the axes' colour cycle picks the colour.  Each iterate is
    marked (every ``markevery``-th one for long runs; by default about 40 marks), the
    start :math:`\theta_0` is a hollow circle and the end :math:`\theta_k` a large
    filled marker.  ``arrows=True`` draws every ``arrow_every``-th step
    :math:`\theta_{i+1}-\theta_i` as an arrow.  Extra keywords go to ``Axes.plot``.
    """
    _check_axes(ax)
    path = _as_iterates(iterates)
    style = optimizer_style(label)
    kw = dict(line_kw)
    if color is None and style is not None:
        color = style.color
    if linestyle is None:
        linestyle = style.linestyle if style is not None else "-"
    if marker is None:
        marker = style.marker if style is not None else "o"
    if markevery is None:
        markevery = _auto_markevery(len(path), target=40)
    else:
        markevery = v.positive_int(markevery, "markevery")
    arrow_every = v.positive_int(arrow_every, "arrow_every")
    if color is not None:
        kw["color"] = color
    kw = {"markersize": 3.5, "linewidth": linewidth, "zorder": zorder, **kw}
    (line,) = ax.plot(path[:, 0], path[:, 1], label=label, linestyle=linestyle, marker=marker,
                      markevery=markevery, **kw)
    color = line.get_color()
    start_artist = end_artist = arrow_artist = None
    if start:
        (start_artist,) = ax.plot(path[:1, 0], path[:1, 1], linestyle="none", marker="o",
                                  markersize=8, markerfacecolor="white", markeredgecolor=color,
                                  markeredgewidth=1.8, zorder=zorder + 1, label="_nolegend_")
    if end:
        (end_artist,) = ax.plot(path[-1:, 0], path[-1:, 1], linestyle="none", marker=marker,
                                markersize=10, markerfacecolor=color, markeredgecolor="white",
                                markeredgewidth=0.8, zorder=zorder + 1, label="_nolegend_")
    if arrows and len(path) > 1:
        steps = np.diff(path, axis=0)[::arrow_every]
        tails = path[:-1][::arrow_every]
        moving = np.hypot(steps[:, 0], steps[:, 1]) > 0
        if moving.any():
            arrow_artist = ax.quiver(tails[moving, 0], tails[moving, 1], steps[moving, 0],
                                     steps[moving, 1], angles="xy", scale_units="xy", scale=1,
                                     color=color, width=0.004, headwidth=4, headlength=5,
                                     zorder=zorder, label="_nolegend_")
    return TrajectoryArtists(line, start_artist, end_artist, arrow_artist)


def _styles_for(labels: Sequence[str]) -> dict[str, LineStyle]:
    """Optimizer styles for optimizer names; for the other labels, :data:`CYCLE_STYLES`
    in order, skipping the colours the optimizers of the same plot already use."""
    known = {label: optimizer_style(label) for label in labels}
    used = {s.color for s in known.values() if s is not None}
    free = [s for s in CYCLE_STYLES if s.color not in used] or list(CYCLE_STYLES)
    out, k = {}, 0
    for label in labels:
        style = known[label]
        if style is None:
            style = free[k % len(free)]
            k += 1
        out[label] = style
    return out


def _check_mapping(curves: Any, name: str) -> Mapping:
    if not isinstance(curves, Mapping) or not curves:
        raise TypeError(f"{name} must be a non-empty dict label -> data, got {type(curves).__name__}")
    for label in curves:
        if not isinstance(label, str):
            raise TypeError(f"{name} keys must be string labels, got {label!r}")
    return curves


def plot_trajectories(ax, trajectories: Mapping[str, Any], **kwargs) -> dict[str, TrajectoryArtists]:
    """:func:`plot_trajectory` for each ``label -> iterates`` of ``trajectories``.

    Optimizer names get their fixed style; other labels get :data:`CYCLE_STYLES` in
    order, skipping colours already taken by the optimizers in ``trajectories``.
    Keyword arguments are passed to every :func:`plot_trajectory` call.
    """
    _check_axes(ax)
    trajectories = _check_mapping(trajectories, "trajectories")
    for key in ("label", "color", "linestyle", "marker"):
        if key in kwargs:
            raise TypeError(f"plot_trajectories sets {key} per curve; use plot_trajectory to choose it")
    styles = _styles_for(list(trajectories))
    return {label: plot_trajectory(ax, it, label=label, **styles[label].kwargs(), **kwargs)
            for label, it in trajectories.items()}


def _as_curve(data: Any, label: str) -> tuple[np.ndarray, np.ndarray]:
    if hasattr(data, "losses"):
        data = data.losses
    if isinstance(data, tuple) and len(data) == 2:
        x, y = (np.asarray(d, dtype=float) for d in data)
    else:
        y = np.asarray(data, dtype=float)
        x = np.arange(y.size, dtype=float)
    if y.ndim != 1 or x.shape != y.shape or y.size == 0:
        raise ValueError(
            f"losses[{label!r}] must be a non-empty 1-D array or a pair (x, y) of equal-length "
            f"1-D arrays, got shapes {x.shape} and {y.shape}"
        )
    return x, y


def plot_losses(ax, losses: Mapping[str, Any], *, log: bool = True, xlabel: str = "step",
                ylabel: str = "loss", markevery: int | None = None, linewidth: float = 1.8,
                **line_kw) -> dict[str, Any]:
    r"""Plot loss curves :math:`f(\theta_k)` against the step :math:`k`, one per label.

    Each value of ``losses`` is a 1-D array (plotted against ``0, 1, …``), a pair
    ``(x, y)`` (e.g. gradient evaluations or wall time against loss), or an object with
    a ``.losses`` attribute (a :class:`~descent.trajectory.Trajectory`).  With
    ``log=True`` the y axis is logarithmic and values :math:`\le 0` are left out (so a
    run that reaches a loss of exactly 0 just ends there).  Non-finite values (a
    diverged run) are not drawn.  Markers are placed about ten times along each curve so
    that curves stay distinguishable in grey-scale.  Returns ``label -> Line2D``.
    """
    _check_axes(ax)
    losses = _check_mapping(losses, "losses")
    curves = {label: _as_curve(data, label) for label, data in losses.items()}
    shown = []
    for label, (x, y) in curves.items():
        keep = np.isfinite(x) & np.isfinite(y)
        if log:
            keep &= y > 0
        shown.append(keep.any())
    if not any(shown):
        what = "positive finite" if log else "finite"
        raise ValueError(f"losses has no {what} values to plot" + (" on a log scale" if log else ""))
    styles = _styles_for(list(curves))
    out = {}
    for label, (x, y) in curves.items():
        keep = np.isfinite(x) & np.isfinite(y)
        if log:
            keep &= y > 0
        y = np.where(keep, y, np.nan)
        every = _auto_markevery(y.size) if markevery is None else v.positive_int(markevery, "markevery")
        kw = {**styles[label].kwargs(), "linewidth": linewidth, **line_kw}
        (out[label],) = ax.plot(x, y, label=label, markevery=every, **kw)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return out


#: Width of the web site's text column in inches at 96 px per inch (672 px in a 1280 px
#: window, measured by ``tests/test_site_browser.py``): a figure up to this wide is shown
#: at its natural size.
COLUMN_WIDTH = 7.0


def small_multiples(n: int, ncols: int = 3, *, panel_size: tuple[float, float] = (3.2, 2.6),
                    sharex: bool = False, sharey: bool = False, **subplot_kw):
    """A figure with ``n`` panels on a grid of (at most) ``ncols`` columns.

    Returns ``(fig, axes)`` where ``axes`` is a flat array of exactly ``n`` Axes (the
    unused cells of the last row are removed), in reading order.  The figure is
    ``panel_size`` per panel and uses constrained layout.  The grid is never wider than
    the book's text column (:data:`COLUMN_WIDTH` inches): more columns than fit become
    more rows, so a panel's labels print at their size instead of being scaled down.
    """
    import matplotlib.pyplot as plt

    n = v.positive_int(n, "n")
    ncols = min(v.positive_int(ncols, "ncols"), n)
    w = v.positive(panel_size[0], "panel_size[0]")
    h = v.positive(panel_size[1], "panel_size[1]")
    ncols = max(1, min(ncols, int(COLUMN_WIDTH // w)))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(w * ncols, h * nrows), sharex=sharex,
                             sharey=sharey, squeeze=False, layout="constrained",
                             subplot_kw=subplot_kw or None)
    flat = axes.ravel()
    for ax in flat[n:]:
        fig.delaxes(ax)
    return fig, flat[:n]


# ---------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------

_METADATA = {"svg": {"Date": None, "Creator": None}, "png": {"Software": None}}


def save_figure(fig, path: str | Path, *, formats: Sequence[str] | None = None,
                dpi: int = PNG_DPI) -> list[Path]:
    """Write ``fig`` as SVG and/or PNG, byte-for-byte reproducibly; return the paths.

    ``path`` ending in ``.svg`` or ``.png`` writes that format; without a suffix (or with
    ``formats``, e.g. ``("svg", "png")``) one file per format is written next to it.
    Reproducibility: a fixed ``svg.hashsalt``, ``svg.fonttype = 'path'``, no date and
    no software string in the metadata, a fixed PNG resolution ``dpi`` and an opaque
    white background.  A figure with a layout engine (constrained or tight) is laid out
    once and that layout is used for every format, so the files do not depend on the
    order in which formats are written.  Parent directories are created.
    """
    if not isinstance(fig, mpl.figure.Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    path = Path(path)
    dpi = v.positive_int(dpi, "dpi")
    suffix = path.suffix.lower().lstrip(".")
    if formats is None:
        if suffix not in _METADATA:
            raise ValueError(f"path must end in .svg or .png (or pass formats=...), got {path.name!r}")
        targets = [(path, suffix)]
    else:
        if isinstance(formats, str):
            formats = (formats,)
        bad = [f for f in formats if f not in _METADATA]
        if bad or not formats:
            raise ValueError(f"formats must be a non-empty sequence of 'svg'/'png', got {formats!r}")
        stem = path.with_suffix("") if suffix in _METADATA else path
        targets = [(stem.with_name(stem.name + "." + fmt), fmt) for fmt in formats]
    written = []
    # A figure without a layout engine gets its engine "restored" to None after each
    # savefig, which Matplotlib turns into the rcParams' default engine; switching that
    # default off here keeps such a figure (e.g. one with hand-placed axes) unchanged.
    with mpl.rc_context({"svg.hashsalt": SVG_HASH_SALT, "svg.fonttype": "path",
                         "figure.constrained_layout.use": False, "figure.autolayout": False}):
        engine = fig.get_layout_engine()
        frozen = engine is not None and not isinstance(engine, PlaceHolderLayoutEngine)
        if frozen:
            # Constrained/tight layout starts from the current axes positions, so a figure
            # saved twice would come out slightly differently the second time.  Lay it out
            # once and keep that layout for every format.
            fig.draw_without_rendering()
            fig.set_layout_engine("none")
        try:
            for target, fmt in targets:
                target.parent.mkdir(parents=True, exist_ok=True)
                fig.savefig(target, format=fmt, dpi=dpi, metadata=_METADATA[fmt],
                            facecolor="white", edgecolor="white", transparent=False,
                            bbox_inches="tight", pad_inches=0.05)
                written.append(target)
        finally:
            if frozen:
                fig.set_layout_engine(engine)
    return written
