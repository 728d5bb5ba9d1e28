"""The book's plotting style and helpers (descent.book.plotting)."""
import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from PIL import Image
from scipy.optimize import rosen

from descent.book import plotting as P
from descent.trajectory import Trajectory

OKABE_ITO = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"}
REQUIRED = ["gd", "sgd", "momentum", "nesterov", "newton", "bfgs", "lbfgs", "adagrad", "rmsprop",
            "adadelta", "adam", "adamw"]


class Bowl:
    """A minimal landscape: f = x^2 + 10 y^2, vectorised over the trailing axes."""

    window = ((-2.0, 2.0), (-1.0, 1.0))
    minima = np.array([[0.0, 0.0]])

    def f(self, xy):
        return xy[0] ** 2 + 10.0 * xy[1] ** 2


class Rosenbrock:
    window = ((-2.0, 2.0), (-1.0, 3.0))
    minima = np.array([[1.0, 1.0]])
    f = staticmethod(rosen)           # SciPy's (n, *batch) convention


@pytest.fixture
def ax():
    fig = Figure()
    yield fig.add_subplot()


# --- palette and styles -------------------------------------------------------------

def test_palette_is_okabe_ito():
    assert {c.upper() for c in P.PALETTE.values()} == OKABE_ITO


def test_every_optimizer_has_a_fixed_palette_colour_and_a_unique_greyscale_style():
    for name in REQUIRED:
        assert P.OPTIMIZER_COLORS[name].upper() in OKABE_ITO
        assert P.OPTIMIZER_STYLES[name].color == P.OPTIMIZER_COLORS[name]
    pairs = [(str(s.linestyle), s.marker) for s in P.OPTIMIZER_STYLES.values()]
    assert len(set(pairs)) == len(pairs)
    assert P.OPTIMIZER_COLORS["gd"] == P.OPTIMIZER_COLORS["sgd"]
    # yellow is too pale on white for a line
    assert P.PALETTE["yellow"] not in P.OPTIMIZER_COLORS.values()
    assert P.PALETTE["yellow"] not in [s.color for s in P.CYCLE_STYLES]


@pytest.mark.parametrize("label, name", [
    ("Adam", "adam"), ("AdamW (wd=0.01)", "adamw"), ("L-BFGS", "lbfgs"), ("GD, α = 0.1", "gd"),
    ("heavy ball", "momentum"), ("Nesterov momentum", "nesterov"), ("RMSProp: ρ=0.9", "rmsprop"),
    ("mini-batch SGD", "sgd"),
])
def test_optimizer_style_recognises_labels(label, name):
    assert P.optimizer_style(label) == P.OPTIMIZER_STYLES[name]


def test_optimizer_style_unknown_and_bad():
    assert P.optimizer_style("my optimizer") is None
    with pytest.raises(TypeError, match="label"):
        P.optimizer_style(3)


def test_lighten():
    assert P.lighten("#000000", 0.5) == pytest.approx((0.5, 0.5, 0.5))
    assert P.lighten(P.PALETTE["blue"], 0.0) == pytest.approx(to_rgb(P.PALETTE["blue"]))
    with pytest.raises(ValueError, match="amount"):
        P.lighten("red", 1.5)


# --- rcParams -----------------------------------------------------------------------

def test_book_style_is_scoped_and_sets_the_deterministic_opaque_style():
    before = dict(matplotlib.rcParams)
    with P.book_style():
        rc = matplotlib.rcParams
        assert rc["svg.fonttype"] == "path"
        assert rc["svg.hashsalt"] == P.SVG_HASH_SALT
        for key in ("figure.facecolor", "axes.facecolor", "savefig.facecolor"):
            assert to_hex(rc[key]) == "#ffffff"
        assert rc["savefig.transparent"] is False
        assert rc["font.sans-serif"][0] == "DejaVu Sans"
        cycle = rc["axes.prop_cycle"].by_key()
        assert [c.upper() for c in cycle["color"]] == [s.color.upper() for s in P.CYCLE_STYLES]
        assert len(set(map(str, cycle["linestyle"]))) == len(cycle["linestyle"])
    assert matplotlib.rcParams["svg.hashsalt"] == before["svg.hashsalt"]
    assert matplotlib.rcParams["font.size"] == before["font.size"]


def test_use_book_style_sets_globally():
    with matplotlib.rc_context():
        P.use_book_style()
        assert matplotlib.rcParams["svg.hashsalt"] == P.SVG_HASH_SALT
        assert matplotlib.rcParams["axes.grid"] is True


# --- contours -----------------------------------------------------------------------

def test_plot_contours_levels_minima_and_limits(ax):
    out = P.plot_contours(ax, Bowl(), levels=12, n=61)     # odd n: the grid contains (0, 0)
    assert out.levels.size == 12 and np.all(np.diff(out.levels) > 0)
    # log=True: geometric spacing above the minimum value (0 for the bowl)
    ratios = out.levels[1:] / out.levels[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert out.levels.max() == pytest.approx(2.0**2 + 10.0)        # f at the window's corner
    np.testing.assert_array_equal(out.minima.get_xydata(), [[0.0, 0.0]])
    assert ax.get_xlim() == (-2.0, 2.0) and ax.get_ylim() == (-1.0, 1.0)
    assert out.filled is None


def test_plot_contours_linear_levels_and_explicit_levels(ax):
    lin = P.plot_contours(ax, Bowl(), levels=5, log=False, n=40)
    np.testing.assert_allclose(np.diff(lin.levels), np.diff(lin.levels)[0])
    explicit = P.plot_contours(ax, Bowl(), levels=[0.5, 1.0, 4.0], n=40, filled=True)
    np.testing.assert_array_equal(explicit.levels, [0.5, 1.0, 4.0])
    assert explicit.filled is not None


def test_plot_contours_accepts_scipy_rosen_and_a_window_override(ax):
    out = P.plot_contours(ax, Rosenbrock(), window=((0.0, 1.5), (0.0, 2.0)), n=50)
    assert ax.get_xlim() == (0.0, 1.5)
    grid = np.linspace(0.0, 1.5, 50), np.linspace(0.0, 2.0, 50)
    values = rosen(np.stack(np.meshgrid(*grid)))
    assert out.levels.max() == pytest.approx(values.max())
    assert out.levels.min() > values.min()


def test_plot_contours_blanks_non_finite_values_without_warnings(ax):
    class LogBarrier:
        window = ((-1.0, 1.0), (-1.0, 1.0))

        def f(self, xy):
            return -np.log(xy[0] + 0.5) + xy[1] ** 2      # NaN/inf where x <= -0.5

    out = P.plot_contours(ax, LogBarrier(), n=40)
    assert np.isfinite(out.levels).all()
    assert out.minima is None


def test_plot_contours_rejects_bad_landscapes(ax):
    class NotVectorised(Bowl):
        def f(self, xy):
            return float(np.sum(xy))

    class Flat(Bowl):
        def f(self, xy):
            return np.zeros(xy.shape[1:])

    class BadMinima(Bowl):
        minima = np.array([1.0, 2.0, 3.0])

    with pytest.raises(ValueError, match="vectorised"):
        P.plot_contours(ax, NotVectorised(), n=10)
    with pytest.raises(ValueError, match="constant"):
        P.plot_contours(ax, Flat(), n=10)
    with pytest.raises(ValueError, match="minima"):
        P.plot_contours(ax, BadMinima(), n=10)
    with pytest.raises(TypeError, match="callable attribute f"):
        P.plot_contours(ax, object())
    with pytest.raises(ValueError, match="window"):
        P.plot_contours(ax, Bowl(), window=((1.0, 0.0), (0.0, 1.0)))
    with pytest.raises(ValueError, match="window"):
        P.plot_contours(ax, Bowl(), window=(0.0, 1.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        P.plot_contours(ax, Bowl(), levels=[2.0, 1.0])
    with pytest.raises(ValueError, match="n must be at least 2"):
        P.plot_contours(ax, Bowl(), n=1)
    with pytest.raises(TypeError, match="ax"):
        P.plot_contours("axes", Bowl())


# --- trajectories -------------------------------------------------------------------

def test_plot_trajectory_draws_every_iterate_with_start_and_end(ax):
    path = np.array([[1.5, 0.8], [1.0, -0.5], [0.6, 0.3], [0.2, -0.1], [0.2, -0.1]])
    P.plot_contours(ax, Bowl(), n=30)
    art = P.plot_trajectory(ax, path, label="Momentum (β=0.9)", arrows=True)
    np.testing.assert_array_equal(art.line.get_xydata(), path)
    np.testing.assert_array_equal(art.start.get_xydata(), path[:1])
    np.testing.assert_array_equal(art.end.get_xydata(), path[-1:])
    assert to_hex(art.line.get_color()) == P.OPTIMIZER_COLORS["momentum"].lower()
    assert art.line.get_marker() == P.OPTIMIZER_STYLES["momentum"].marker
    assert art.arrows.N == 3                              # the zero-length last step is skipped
    np.testing.assert_allclose(art.arrows.U, np.diff(path, axis=0)[:3, 0])
    assert ax.get_xlim() == (-2.0, 2.0)                   # the window is kept


def test_plot_trajectory_accepts_a_trajectory_and_uses_the_cycle_for_unknown_labels(ax):
    it = np.array([[0.0, 0.0], [1.0, 1.0]])
    traj = Trajectory(iterates=it, losses=np.array([1.0, 0.5]), grad_norms=np.array([1.0, 0.1]))
    art = P.plot_trajectory(ax, traj, label="a run", color="#123456", start=False, end=False)
    np.testing.assert_array_equal(art.line.get_xydata(), it)
    assert art.start is None and art.end is None and art.arrows is None
    assert to_hex(art.line.get_color()) == "#123456"


def test_plot_trajectory_rejects_bad_iterates(ax):
    with pytest.raises(ValueError, match="shape"):
        P.plot_trajectory(ax, np.zeros((4, 3)), label="x")
    with pytest.raises(ValueError, match="finite"):
        P.plot_trajectory(ax, np.array([[0.0, 0.0], [np.nan, 1.0]]), label="x")
    with pytest.raises(TypeError, match="iterates"):
        P.plot_trajectory(ax, "abc", label="x")


def test_plot_trajectories_gives_each_curve_a_distinct_style(ax):
    runs = {name: np.cumsum(np.full((4, 2), 0.1 * (i + 1)), axis=0)
            for i, name in enumerate(["GD", "Adam", "mine", "yours"])}
    arts = P.plot_trajectories(ax, runs)
    assert list(arts) == list(runs)
    assert to_hex(arts["GD"].line.get_color()) == P.OPTIMIZER_COLORS["gd"]
    assert to_hex(arts["Adam"].line.get_color()) == P.OPTIMIZER_COLORS["adam"].lower()
    styles = {(to_hex(a.line.get_color()), str(a.line.get_linestyle())) for a in arts.values()}
    assert len(styles) == 4
    handles, labels = ax.get_legend_handles_labels()
    assert labels == list(runs)                           # markers stay out of the legend
    with pytest.raises(TypeError, match="dict"):
        P.plot_trajectories(ax, [np.zeros((2, 2))])
    with pytest.raises(TypeError, match="color"):
        P.plot_trajectories(ax, runs, color="red")


def test_unknown_labels_avoid_the_colours_of_optimizers_in_the_same_plot(ax):
    runs = {"Momentum": np.zeros((2, 2)), "custom": np.ones((2, 2)), "Newton": np.ones((2, 2))}
    arts = P.plot_trajectories(ax, runs)
    taken = {P.OPTIMIZER_COLORS["momentum"], P.OPTIMIZER_COLORS["newton"]}
    assert arts["custom"].line.get_color() not in taken
    lines = P.plot_losses(ax, {"mine": np.ones(3), "Adam": np.ones(3)})
    assert lines["mine"].get_color() != lines["Adam"].get_color()


# --- losses ---------------------------------------------------------------------------

def test_plot_losses_log_scale_masks_nonpositive_and_nonfinite(ax):
    losses = {"GD": np.array([1.0, 0.1, 0.01, 0.0]),
              "diverged": np.array([1.0, 10.0, np.inf, np.nan]),
              "vs evals": (np.array([0.0, 32.0, 64.0]), np.array([2.0, 1.0, 0.5]))}
    lines = P.plot_losses(ax, losses, xlabel="gradient evaluations")
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "gradient evaluations" and ax.get_ylabel() == "loss"
    y = lines["GD"].get_ydata()
    np.testing.assert_array_equal(y[:3], [1.0, 0.1, 0.01])
    assert np.isnan(y[3])
    assert np.isnan(lines["diverged"].get_ydata()[2:]).all()
    np.testing.assert_array_equal(lines["vs evals"].get_xdata(), [0.0, 32.0, 64.0])


def test_plot_losses_linear_and_trajectories(ax):
    traj = Trajectory(iterates=np.zeros((3, 2)), losses=np.array([3.0, -1.0, -2.0]),
                      grad_norms=np.ones(3))
    lines = P.plot_losses(ax, {"Newton": traj}, log=False)
    assert ax.get_yscale() == "linear"
    np.testing.assert_array_equal(lines["Newton"].get_ydata(), [3.0, -1.0, -2.0])
    assert to_hex(lines["Newton"].get_color()) == P.OPTIMIZER_COLORS["newton"].lower()


def test_plot_losses_rejects_bad_input(ax):
    with pytest.raises(ValueError, match="positive"):
        P.plot_losses(ax, {"a": np.zeros(3)})
    with pytest.raises(ValueError, match="equal-length"):
        P.plot_losses(ax, {"a": (np.arange(3), np.ones(4))})
    with pytest.raises(ValueError, match="1-D"):
        P.plot_losses(ax, {"a": np.ones((2, 2))})
    with pytest.raises(TypeError, match="non-empty dict"):
        P.plot_losses(ax, {})


# --- small multiples and saving -------------------------------------------------------

def test_small_multiples():
    fig, axes = P.small_multiples(5, ncols=3, panel_size=(2.0, 1.5))
    try:
        assert axes.shape == (5,) and len(fig.axes) == 5
        assert tuple(fig.get_size_inches()) == pytest.approx((6.0, 3.0))
        fig1, axes1 = P.small_multiples(2, ncols=4)
        assert axes1.shape == (2,) and tuple(fig1.get_size_inches()) == pytest.approx((6.4, 2.6))
        plt.close(fig1)
    finally:
        plt.close(fig)
    with pytest.raises(ValueError, match="n"):
        P.small_multiples(0)
    with pytest.raises(TypeError, match="ncols"):
        P.small_multiples(3, ncols=1.5)


def _demo_figure():
    with P.book_style():
        fig = Figure(figsize=(4, 3))
        ax = fig.add_subplot()
        P.plot_contours(ax, Bowl(), n=40)
        P.plot_trajectory(ax, np.array([[1.5, 0.8], [0.5, -0.4], [0.1, 0.1]]), label="GD",
                          arrows=True)
        ax.set_title("θ and α")
        return fig


def test_save_figure_is_byte_for_byte_deterministic(tmp_path):
    first = P.save_figure(_demo_figure(), tmp_path / "a" / "demo", formats=("svg", "png"))
    assert [p.name for p in first] == ["demo.svg", "demo.png"]
    second = P.save_figure(_demo_figure(), tmp_path / "b" / "demo.svg")
    third = P.save_figure(_demo_figure(), tmp_path / "c" / "demo.png", dpi=P.PNG_DPI)
    assert first[0].read_bytes() == second[0].read_bytes()
    assert first[1].read_bytes() == third[0].read_bytes()
    svg = first[0].read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg and "<text" not in svg
    png = Image.open(io.BytesIO(first[1].read_bytes()))
    assert "Software" not in png.info
    assert png.getpixel((0, 0))[:3] == (255, 255, 255)     # opaque white background
    assert round(png.info["dpi"][0]) == P.PNG_DPI


def test_save_figure_keeps_a_figure_without_layout_engine_unchanged(tmp_path):
    with P.book_style():
        fig = Figure(figsize=(3, 2), layout="none")
        fig.add_axes((0, 0, 1, 1)).plot([0, 1])
        P.save_figure(fig, tmp_path / "x", formats=["png", "svg", "png"])
    assert fig.get_layout_engine() is None


def test_save_figure_rejects_bad_arguments(tmp_path):
    fig = Figure()
    with pytest.raises(ValueError, match="svg or .png"):
        P.save_figure(fig, tmp_path / "x.pdf")
    with pytest.raises(ValueError, match="formats"):
        P.save_figure(fig, tmp_path / "x", formats=("jpg",))
    with pytest.raises(TypeError, match="Figure"):
        P.save_figure("fig", tmp_path / "x.svg")
    with pytest.raises(TypeError, match="path"):
        P.save_figure(fig, 3)


def test_small_multiples_never_wider_than_the_text_column():
    with P.book_style():
        fig, axes = P.small_multiples(16, ncols=4, panel_size=(3.3, 2.75))
        assert axes.shape == (16,)
        width, height = fig.get_size_inches()
        assert width <= P.COLUMN_WIDTH and width == pytest.approx(6.6)   # 2 columns, 8 rows
        assert height == pytest.approx(8 * 2.75)


def test_contour_lines_are_simplified_but_keep_their_shape():
    from descent.landscapes import Rosenbrock
    from matplotlib.figure import Figure

    ax = Figure(figsize=(4, 3)).add_subplot()
    out = P.plot_contours(ax, Rosenbrock(), levels=14, n=120)
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    X, Y = np.meshgrid(np.linspace(x0, x1, 120), np.linspace(y0, y1, 120))
    full = Figure().add_subplot().contour(X, Y, Rosenbrock().f(np.stack([X, Y])),
                                          levels=out.levels)
    kept = [p.vertices for p in out.lines.get_paths()]
    every = [p.vertices for p in full.get_paths()]
    assert sum(map(len, kept)) < 0.8 * sum(map(len, every))
    # the simplified lines keep only vertices of the full ones (nothing is moved)
    span = np.array([x1 - x0, y1 - y0])
    for few, many in zip(kept, every):
        if len(few):
            gap = np.abs((few[:, None, :] - many[None, :, :]) / span).max(axis=2).min(axis=1)
            assert gap.max() < 1e-9


def test_every_figure_is_drawn_no_wider_than_the_text_column():
    """Every literal figsize of the book's pages and figure scripts fits COLUMN_WIDTH.

    The browser test measures the shown size; this one needs no browser: a figure drawn
    wider than the column would be scaled down on the site and its labels unreadable.
    """
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    sources = [*root.glob("chapters/*.md"), *root.glob("backmatter/*.md"), *root.glob("course/*.md"),
               root / "intro.md", *root.glob("code/descent/book/*.py"), *root.glob("scripts/*.py")]
    literal = re.compile(r"figsize\s*=\s*\(\s*([0-9.]+)\s*,")
    found, wide = 0, []
    for path in sources:
        for number in literal.findall(path.read_text(encoding="utf-8")):
            found += 1
            if float(number) > P.COLUMN_WIDTH:
                wide.append(f"{path.relative_to(root)}: figsize width {number}")
    assert found > 30 and wide == [], wide
    tree = re.search(r"^WIDTH, HEIGHT = ([0-9.]+), ", (root / "scripts" / "make_figures.py").read_text(),
                     re.M)                                 # the family tree's figsize is a name
    assert tree and float(tree.group(1)) <= P.COLUMN_WIDTH
