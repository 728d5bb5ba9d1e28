"""Regenerate the book's standalone figures (those not drawn inside a chapter).

Usage::

    python scripts/make_figures.py                 # writes into figures/
    python scripts/make_figures.py --outdir DIR    # writes somewhere else
    python scripts/make_figures.py --only family_tree

Every figure is written as SVG and PNG with :func:`descent.book.plotting.save_figure`, which
makes the files byte-for-byte reproducible (fixed SVG hash salt, glyphs as paths, no
dates, fixed PNG resolution).  ``tests/test_figures.py`` regenerates them into a
temporary directory and checks that they equal the committed files, so after changing a
figure (or upgrading Matplotlib or Pillow) run ``make figures`` and commit the result.
"""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle
from matplotlib.path import Path as MplPath

from descent.book.plotting import OPTIMIZER_COLORS, PALETTE, book_style, lighten, save_figure

ROOT = Path(__file__).resolve().parent.parent
FIGURES_DIR = ROOT / "figures"

# ---------------------------------------------------------------------------
# The optimizer family tree (welcome page, Chapter 10)
# ---------------------------------------------------------------------------

# Geometry, in inches (the axes fill the figure, one data unit = one inch).  The tree fits
# the book's 7.0 in text column: saved with the 0.05 in padding it is 7.0 in wide.  The
# generations run from top to bottom: the root at the top left, a spine down the left
# feeding the three lanes (stacked bands, two columns of boxes each), and Adam and AdamW
# at the bottom right, where the lines from the lanes come down to meet.
WIDTH, HEIGHT = 6.9, 8.8
BOX_W, BOX_H = 1.54, 0.62
COLS = {0: 0.57, 1: 2.07, 2: 3.89, 3: 6.0}     # root, left and right lane column, Adam
LANE_X0, LANE_X1 = 1.20, 5.02            # the three lanes span these x
ARROW_GREY = "#4d4d4d"


@dataclass
class Node:
    """A box of the tree: its patch and its texts (kept for the overlap test)."""

    name: str
    x: float
    y: float
    w: float
    h: float
    patch: object = None
    texts: list = field(default_factory=list)

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w / 2

    @property
    def top(self) -> float:
        return self.y + self.h / 2

    @property
    def bottom(self) -> float:
        return self.y - self.h / 2


@dataclass
class Lane:
    """One axis of improvement: a shaded band with a title."""

    name: str
    y0: float
    y1: float
    patch: object = None
    texts: list = field(default_factory=list)


def _box(ax, nodes, name, x, y, title, subtitle, color, *, w=BOX_W, h=BOX_H, fill=None,
         lw=2.0, title_size=11.5, sub_size=9, linestyle="-"):
    node = Node(name, x, y, w, h)
    node.patch = ax.add_patch(FancyBboxPatch(
        (node.left, node.bottom), w, h, boxstyle="round,pad=0,rounding_size=0.09",
        facecolor=fill if fill is not None else lighten(color, 0.86), edgecolor=color,
        linewidth=lw, linestyle=linestyle, zorder=3))
    lines = subtitle.split("\n") if subtitle else []
    title_y = y + (0.10 + 0.075 * (len(lines) - 1) if lines else 0.0)
    node.texts.append(ax.text(x, title_y, title, ha="center", va="center", fontsize=title_size,
                              fontweight="bold", color="black", zorder=4))
    for i, line in enumerate(lines):
        node.texts.append(ax.text(x, title_y - 0.235 - 0.16 * i, line, ha="center", va="center",
                                  fontsize=sub_size, color="#1a1a1a", zorder=4))
    nodes[name] = node
    return node


def _arrow(ax, points, *, color=ARROW_GREY, lw=1.5, style="-|>", linestyle="-", zorder=2):
    """An arrow along the polyline ``points`` (head at the last point)."""
    codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1)
    arrow = FancyArrowPatch(path=MplPath(points, codes), arrowstyle=style, mutation_scale=13,
                            color=color, linewidth=lw, linestyle=linestyle, zorder=zorder,
                            joinstyle="miter", capstyle="butt")
    ax.add_patch(arrow)
    return arrow


def _chain(ax, nodes, names, **kw):
    for a, b in zip(names[:-1], names[1:]):
        _arrow(ax, [(nodes[a].right, nodes[a].y), (nodes[b].left, nodes[b].y)], **kw)


@dataclass
class FamilyTree:
    """The drawn tree: the figure and, for the layout tests, where everything went."""

    fig: Figure
    nodes: dict[str, Node]          # optimizer boxes
    lanes: dict[str, Lane]          # the three shaded axes of improvement
    groups: dict[str, Node]         # dashed frames around alternatives
    labels: list                    # free text on arrows


def build_family_tree() -> FamilyTree:
    """Draw the optimizer family tree (see :func:`family_tree`)."""
    fig = Figure(figsize=(WIDTH, HEIGHT), layout="none")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.set_axis_off()
    tree = FamilyTree(fig, {}, {}, {}, [])
    nodes, c, X = tree.nodes, OPTIMIZER_COLORS, COLS

    def Y(depth):                       # positions are laid out from the top down
        return HEIGHT - depth

    def label(x, y, text, **kw):
        tree.labels.append(ax.text(x, y, text, fontsize=9.5, fontstyle="italic", color="#1a1a1a",
                                   zorder=4, **kw))

    # --- the three lanes, one above the other: one per axis of improvement ------------
    lane_specs = [
        ("direction", 0.04, 3.96, PALETTE["blue"],
         "WHICH DIRECTION TO STEP?", "experience: curvature (Ch. 4) and history (Ch. 5)"),
        ("data", 4.08, 5.38, PALETTE["black"],
         "HOW MUCH DATA PER STEP?", "efficiency: sample the data (Ch. 3)"),
        ("pace", 5.50, 8.66, PALETTE["bluish_green"],
         "HOW FAR TO STEP?", "pace: schedules (Ch. 6), adaptive steps (Ch. 7–8)"),
    ]
    for name, top, bottom, color, title, subtitle in lane_specs:
        lane = Lane(name, Y(bottom), Y(top))
        lane.patch = ax.add_patch(Rectangle((LANE_X0, lane.y0), LANE_X1 - LANE_X0,
                                            lane.y1 - lane.y0, facecolor=lighten(color, 0.93),
                                            edgecolor="none", zorder=0))
        lane.texts = [
            ax.text(LANE_X0 + 0.12, Y(top + 0.2), title, ha="left", va="center", fontsize=10.5,
                    fontweight="bold", color="#1a1a1a", zorder=1),
            ax.text(LANE_X0 + 0.12, Y(top + 0.42), subtitle, ha="left", va="center",
                    fontsize=9.5, fontstyle="italic", color="#333333", zorder=1),
        ]
        tree.lanes[name] = lane

    # rows: box centres
    y_newton, y_bfgs, y_mom, y_nest = Y(1.03), Y(2.15), Y(2.95), Y(3.55)
    y_data = Y(4.97)
    y_ada, y_adelta, y_sched = Y(6.39), Y(7.29), Y(8.20)
    L, R = X[1], X[2]

    # --- the root: full-batch gradient descent, top left ----------------------------------
    root = _box(ax, nodes, "gd", X[0], Y(0.69), "Gradient\ndescent",
                r"$\theta \leftarrow \theta - \alpha\nabla f(\theta)$" "\nfull batch",
                c["gd"], w=1.06, h=1.3, fill=lighten(PALETTE["black"], 0.88), title_size=12,
                sub_size=9.5)
    for text, dy in zip(root.texts, (0.28, -0.22, -0.43)):
        text.set_y(root.y + dy)

    # --- which direction: curvature (Newton, quasi-Newton) and history (momentum) ---------
    _box(ax, nodes, "newton", L, y_newton, "Newton", r"$\Delta\theta = -H^{-1}\nabla f$",
         c["newton"], sub_size=9.5)
    dfp = _box(ax, nodes, "dfp", R, y_newton, "DFP", "Davidon 1959,\nFletcher–Powell 1963",
               c["dfp"], h=0.78)
    bfgs = _box(ax, nodes, "bfgs", L, y_bfgs, "BFGS", "quasi-Newton, 1970", c["bfgs"])
    _box(ax, nodes, "lbfgs", R, y_bfgs, "L-BFGS", "limited memory,\nNocedal 1980", c["lbfgs"],
         h=0.78)
    _chain(ax, nodes, ["newton", "dfp"])
    y_turn = (dfp.bottom + Y(1.76)) / 2                  # DFP's row wraps to BFGS's
    _arrow(ax, [(dfp.x, dfp.bottom), (dfp.x, y_turn), (bfgs.x, y_turn), (bfgs.x, bfgs.top)])
    _chain(ax, nodes, ["bfgs", "lbfgs"])
    mom = _box(ax, nodes, "momentum", L, y_mom, "Momentum", "heavy ball, 1964", c["momentum"])
    nest = _box(ax, nodes, "nesterov", R, y_nest, "Nesterov", "accelerated, 1983",
                c["nesterov"])
    _arrow(ax, [(mom.x + 0.45, mom.bottom), (mom.x + 0.45, nest.y), (nest.left, nest.y)])

    # --- how much data: SGD, mini-batches -------------------------------------------------
    _box(ax, nodes, "sgd", L, y_data, "SGD", "one sample per step", c["sgd"])
    mb = _box(ax, nodes, "minibatch", R, y_data, "Mini-batch SGD", "B samples per step",
              c["sgd"])
    _chain(ax, nodes, ["sgd", "minibatch"])

    # --- how far: adaptive steps and schedules ---------------------------------------------
    _box(ax, nodes, "adagrad", L, y_ada, "AdaGrad", "÷ √(sum of g²), 2011", c["adagrad"])
    rms = _box(ax, nodes, "rmsprop", R, y_ada, "RMSProp", "÷ √(EMA of g²), 2012", c["rmsprop"])
    adelta = _box(ax, nodes, "adadelta", R - BOX_W / 2 + 0.89, y_adelta, "AdaDelta",
                  "+ matching units, 2012", c["adadelta"], w=1.78)
    _chain(ax, nodes, ["adagrad", "rmsprop"])
    _arrow(ax, [(rms.x, rms.bottom), (rms.x, adelta.top)])

    sched_fill = lighten(PALETTE["yellow"], 0.62)
    sched_edge = "#8a7d00"      # a dark yellow: Okabe-Ito's yellow is too pale for lines on white
    sched_w, sched_gap, pad = 1.14, 0.08, 0.07
    left = LANE_X0 + 0.06
    for i, (key, title, formula) in enumerate([
            ("step", "Step decay", r"$\alpha_0\,\gamma^{\lfloor k/s\rfloor}$"),
            ("inverse", "Inverse time", r"$\alpha_0\,/\,(1 + r k)$"),
            ("exponential", "Exponential", r"$\alpha_0\,\gamma^{k}$")]):
        x = left + pad + sched_w / 2 + i * (sched_w + sched_gap)
        _box(ax, nodes, key, x, y_sched, title, formula, sched_edge, w=sched_w, fill=sched_fill,
             lw=1.4, title_size=10, sub_size=10)
    right = nodes["exponential"].right + pad
    group = Node("schedules", (left + right) / 2, y_sched, right - left, BOX_H + 2 * pad)
    group.patch = ax.add_patch(FancyBboxPatch(
        (group.left, group.bottom), group.w, group.h, boxstyle="round,pad=0,rounding_size=0.12",
        facecolor="none", edgecolor=sched_edge, linewidth=1.2, linestyle=(0, (4, 3)), zorder=2))
    tree.groups["schedules"] = group
    label(LANE_X0 + 0.12, group.top + 0.05,          # just above the frame it names
          "learning-rate schedules:\npick one", ha="left", va="bottom")

    # --- the root feeds every lane: straight into Newton, down the spine to the rest ---------
    _arrow(ax, [(root.right, nodes["newton"].y), (nodes["newton"].left, nodes["newton"].y)])
    for target in [mom, nodes["sgd"], nodes["adagrad"], group]:
        _arrow(ax, [(root.x, root.bottom), (root.x, target.y), (target.left, target.y)])

    # --- Adam, where the three ideas meet, and AdamW, bottom right --------------------------
    adam = _box(ax, nodes, "adam", X[3], Y(7.17), "Adam",
                "momentum + RMSProp\n+ bias correction\nKingma & Ba 2015\n(Ch. 9)", c["adam"],
                w=1.72, h=1.1, lw=3.0, title_size=14)
    adamw = _box(ax, nodes, "adamw", X[3], Y(8.37), "AdamW", "+ decoupled\nweight decay, 2019",
                 c["adamw"], w=1.72, h=0.78, lw=2.4, title_size=13)
    _arrow(ax, [(adamw.x, adam.bottom), (adamw.x, adamw.top)], color=c["adam"], lw=2.2)

    # the three inputs come down into Adam's top, the highest one furthest right
    x_rms, x_mb, x_mom = adam.x - 0.15, adam.x + 0.22, adam.x + 0.59
    _arrow(ax, [(mom.right, y_mom), (x_mom, y_mom), (x_mom, adam.top)], color=c["momentum"],
           lw=2.2)
    label(R, y_mom + 0.07, "1st moment (average of g)", ha="center", va="bottom")
    _arrow(ax, [(mb.right, y_data), (x_mb, y_data), (x_mb, adam.top)], color=c["sgd"], lw=2.2)
    label((mb.right + x_mb) / 2, y_data + 0.07, "noisy gradients", ha="center", va="bottom")
    _arrow(ax, [(rms.right, y_ada), (x_rms, y_ada), (x_rms, adam.top)], color=c["rmsprop"],
           lw=2.2)
    label(rms.right + 0.07, y_ada + 0.07, "2nd moment\n(average of g²)", ha="left", va="bottom")
    return tree


def family_tree() -> Figure:
    """The optimizer family tree of the welcome page and Chapter 10.

    Gradient descent improves along three independent axes, each a lane: how much data
    a step looks at (full batch → SGD → mini-batches), which direction it takes
    (curvature: Newton → DFP → BFGS → L-BFGS; history: momentum → Nesterov) and how far
    it goes (schedules: step, inverse-time, exponential decay; adaptive steps: AdaGrad →
    RMSProp → AdaDelta).  The lanes meet in Adam — momentum's first moment, RMSProp's
    second moment, bias correction, on mini-batches — and Adam leads to AdamW.  Box
    colours are :data:`descent.book.plotting.OPTIMIZER_COLORS`.
    """
    return build_family_tree().fig


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------

FIGURES: dict[str, Callable[[], Figure]] = {
    "family_tree": family_tree,
}


def make_figures(outdir: Path = FIGURES_DIR, names: Sequence[str] | None = None) -> list[Path]:
    """Draw and save the figures ``names`` (default: all) into ``outdir``; return the paths."""
    written = []
    for name in names or list(FIGURES):
        if name not in FIGURES:
            raise ValueError(f"unknown figure {name!r}; known: {sorted(FIGURES)}")
        with book_style():
            fig = FIGURES[name]()
            written += save_figure(fig, Path(outdir) / name, formats=("svg", "png"))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=FIGURES_DIR,
                        help="directory to write into (default: figures/)")
    parser.add_argument("--only", action="append", choices=sorted(FIGURES),
                        help="make only this figure (repeatable)")
    args = parser.parse_args(argv)
    for path in make_figures(args.outdir, args.only):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
