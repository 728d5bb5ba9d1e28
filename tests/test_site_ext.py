"""scripts/site_ext.py without a build: lighter SVGs, author–year labels, figure numbers."""
import io
import re
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from scripts_loader import load_script  # noqa: E402

site_ext = load_script("site_ext")


def _matplotlib_svg() -> str:
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.plot([0.123456, 1.987654, 2.5], [0.333333, 0.777777, 0.1], marker="o", label="GD")
    ax.set_title("quadratic · plain")
    ax.legend(fontsize=9.5)
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "x"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


def test_lighten_svg_shortens_coordinates_and_never_touches_a_transform():
    svg = _matplotlib_svg()
    light = site_ext.lighten_svg(svg)
    assert len(light) < 0.95 * len(svg)
    transforms = re.compile(r'transform="[^"]*"')
    assert transforms.findall(light) == transforms.findall(svg)      # glyph scales intact
    assert re.search(r' d="[^"]*\d\.\d\d', light) is None              # path data: 0.1 unit
    assert re.search(r' (x|y)="-?\d+\.\d{3,}"', light) is None          # positions: 0.01 unit
    assert light.count("<use") == svg.count("<use")                   # every element kept


def test_author_year_labels_match_the_citations():
    from pybtex.database import parse_string
    from pybtex.plugin import find_plugin

    site_ext._register_author_year_style()
    bib = parse_string(r"""
        @misc{nw, author = {Nocedal, Jorge and Wright, Stephen J.}, title = {N}, year = {2006}}
        @misc{n83, author = {Nesterov, Yurii}, title = {A}, year = {1983}}
        @misc{b, author = {Babuschkin, Igor and others}, title = {B}, year = {2020}}
        @misc{k1, author = {Kingma, D. and Ba, J. and Cox, C.}, title = {C}, year = {2015}}
        @misc{k2, author = {Kingma, D. and Ba, J. and Cox, C.}, title = {D}, year = {2015}}
    """, "bibtex")
    style = find_plugin("pybtex.style.formatting", "site-author-year")()
    labels = {e.key: e.label for e in style.format_bibliography(bib)}
    assert labels == {"nw": "Nocedal and Wright 2006", "n83": "Nesterov 1983",
                      "b": "Babuschkin et al. 2020", "k1": "Kingma et al. 2015a",
                      "k2": "Kingma et al. 2015b"}


def test_unnumbered_pages_count_their_own_figures():
    env = SimpleNamespace(toc_fignumbers={
        "intro": {"figure": {"fig-tree": (1,)}},
        "backmatter/backprop": {"figure": {"fig-b": (3,), "fig-a": (2,)}},
        "chapters/09-adam": {"figure": {"fig-race": (9, 3)}},
    })
    changed = site_ext._number_figures_per_page(None, env)
    assert changed == ["backmatter/backprop"]
    assert env.toc_fignumbers["backmatter/backprop"]["figure"] == {"fig-a": (1,), "fig-b": (2,)}
    assert env.toc_fignumbers["chapters/09-adam"]["figure"] == {"fig-race": (9, 3)}
