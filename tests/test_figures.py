"""The standalone figures: reproducible byte for byte, and laid out without overlaps."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from PIL import Image

from descent.book.plotting import OPTIMIZER_COLORS, PNG_DPI, book_style
from scripts_loader import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "make_figures.py"
COMMITTED = ROOT / "figures"
REGENERATE = "regenerate with `make figures` (python scripts/make_figures.py) and commit figures/"




mf = load_script("make_figures")
FILES = [f"{name}.{ext}" for name in mf.FIGURES for ext in ("svg", "png")]


def _run_command_line(outdir):
    result = subprocess.run([sys.executable, str(SCRIPT), "--outdir", str(outdir)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""                            # no warnings either
    return result.stdout


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    """The figures drawn twice: in this process, and by the command line in a fresh one."""
    first = tmp_path_factory.mktemp("in_process")
    second = tmp_path_factory.mktemp("command_line")
    written = mf.make_figures(first)
    assert sorted(p.name for p in written) == sorted(FILES)
    stdout = _run_command_line(second)
    for filename in FILES:
        assert str(second / filename) in stdout
    return first, second


@pytest.mark.parametrize("filename", FILES)
def test_running_twice_gives_identical_bytes(regenerated, filename):
    first, second = regenerated
    assert (first / filename).read_bytes() == (second / filename).read_bytes()


@pytest.mark.parametrize("filename", FILES)
def test_committed_figures_are_up_to_date(regenerated, filename):
    committed = COMMITTED / filename
    assert committed.exists(), f"figures/{filename} is missing: {REGENERATE}"
    assert (regenerated[0] / filename).read_bytes() == committed.read_bytes(), (
        f"figures/{filename} differs from what the code draws: {REGENERATE}")


def test_unknown_figure_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="unknown figure"):
        mf.make_figures(tmp_path, ["nope"])


def test_png_is_opaque_with_fixed_resolution_and_no_metadata(regenerated):
    image = Image.open(regenerated[0] / "family_tree.png")
    assert "Software" not in image.info
    assert round(image.info["dpi"][0]) == PNG_DPI
    pixels = np.asarray(image)
    assert pixels.shape[2] == 4 and (pixels[..., 3] == 255).all()
    width_in = image.size[0] / PNG_DPI                    # readable size: about the figure's
    assert mf.WIDTH - 0.5 < width_in <= mf.WIDTH + 0.2
    svg = (regenerated[0] / "family_tree.svg").read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


# --- the family tree's content and layout ---------------------------------------------

@pytest.fixture(scope="module")
def tree():
    with book_style():
        tree = mf.build_family_tree()
        tree.fig.set_dpi(PNG_DPI)                         # check the layout as it is shipped
        canvas = FigureCanvasAgg(tree.fig)
        canvas.draw()
        return tree, canvas.get_renderer()


def _box_extent(node, renderer):
    return node.patch.get_window_extent(renderer)


def test_family_tree_has_every_optimizer_in_its_colour(tree):
    tree, _ = tree
    for name in ["gd", "sgd", "newton", "dfp", "bfgs", "lbfgs", "momentum", "nesterov",
                 "adagrad", "rmsprop", "adadelta", "adam", "adamw"]:
        assert to_hex(tree.nodes[name].patch.get_edgecolor()) == OPTIMIZER_COLORS[name].lower()
    assert to_hex(tree.nodes["minibatch"].patch.get_edgecolor()) == OPTIMIZER_COLORS["sgd"]
    for name in ["step", "inverse", "exponential"]:              # the three decay schedules
        assert name in tree.nodes
    assert set(tree.lanes) == {"data", "direction", "pace"}
    titles = " ".join(t.get_text() for lane in tree.lanes.values() for t in lane.texts)
    for word in ("DATA", "DIRECTION", "FAR"):
        assert word in titles


def test_family_tree_boxes_sit_in_their_lanes_and_adam_outside(tree):
    tree, _ = tree
    lane_of = {"data": ["sgd", "minibatch"],
               "direction": ["newton", "dfp", "bfgs", "lbfgs", "momentum", "nesterov"],
               "pace": ["adagrad", "rmsprop", "adadelta", "step", "inverse", "exponential"]}
    for lane, names in lane_of.items():
        y0, y1 = tree.lanes[lane].y0, tree.lanes[lane].y1
        for name in names:
            node = tree.nodes[name]
            assert y0 < node.bottom and node.top < y1, name
            assert mf.LANE_X0 < node.left and node.right < mf.LANE_X1, name
    for name in ["gd", "adam", "adamw"]:
        node = tree.nodes[name]
        assert node.right < mf.LANE_X0 or node.left > mf.LANE_X1, name


def test_family_tree_texts_fit_their_boxes_and_nothing_overlaps(tree):
    tree, renderer = tree
    boxes = {name: _box_extent(node, renderer) for name, node in tree.nodes.items()}
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not boxes[a].overlaps(boxes[b]), f"boxes {a} and {b} overlap"
    texts = []
    for name, node in tree.nodes.items():
        for text in node.texts:
            extent = text.get_window_extent(renderer)
            inner = boxes[name].padded(-0.03 * PNG_DPI)         # a margin of 0.03 inch
            assert inner.contains(extent.x0, extent.y0) and inner.contains(extent.x1, extent.y1), \
                f"{text.get_text()!r} sticks out of box {name}"
            texts.append((f"{name}: {text.get_text()}", extent))
    free = [(t.get_text(), t.get_window_extent(renderer))
            for t in tree.labels + [t for lane in tree.lanes.values() for t in lane.texts]]
    for label, extent in free:
        for name, box in boxes.items():
            assert not extent.overlaps(box), f"label {label!r} overlaps box {name}"
    everything = texts + free
    for i, (a, ea) in enumerate(everything):
        for b, eb in everything[i + 1:]:
            assert not ea.overlaps(eb), f"texts {a!r} and {b!r} overlap"
    fig_box = tree.fig.bbox
    for label, extent in everything:
        assert fig_box.contains(extent.x0, extent.y0) and fig_box.contains(extent.x1, extent.y1), label
