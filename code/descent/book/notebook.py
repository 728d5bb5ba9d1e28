"""One call at the top of every chapter: reproducible, crisp, deterministic output.

``setup()`` fixes NumPy's print precision, applies the book's plotting style, asks the
notebook for SVG figures with a PNG fallback (the HTML shows the SVG; the PDF edition
and plain Jupyter can use the PNG) and pins the SVG metadata (hash salt, date) so two
builds write byte-identical figures.
"""
from __future__ import annotations

import os

import matplotlib
import numpy as np


def setup() -> None:
    """Configure NumPy, Matplotlib and the notebook's figure formats for the book."""
    os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    matplotlib.rcParams["svg.hashsalt"] = "learning-from-mistakes"
    try:
        from .plotting import use_book_style
    except ImportError:  # pragma: no cover - plotting is part of the package
        pass
    else:
        use_book_style()
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # outside Jupyter there is nothing to configure
        return
    set_matplotlib_formats("svg", "png")


def as_python_number(value):
    """NumPy scalars as Python numbers (their text form, ``np.float64(…)``, cannot be formatted)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(name: str, value, display: bool = False) -> None:
    """``myst_nb.glue`` that first turns NumPy scalars into Python numbers.

    The ``glue:text`` role formats the glued value's text form (e.g. with ``:.3f``), and a
    NumPy scalar's text form is ``np.float64(0.25)``, which no format spec accepts.  Defaults to
    ``display=False``, as the book always places glued values itself.
    """
    from myst_nb import glue as _glue

    _glue(name, as_python_number(value), display=display)


def markdown_table(header, rows, align=None):
    """A Markdown table (an ``IPython.display.Markdown``) from a header and rows of cells.

    Cells are used as given (format numbers before passing them); ``align`` is one
    Markdown alignment marker per column (``"---"``, ``"---:"``, ``":---:"``).  Glue the
    result and paste it with the ``glue:md`` role.
    """
    from IPython.display import Markdown

    header = [str(h) for h in header]
    align = list(align) if align is not None else ["---"] * len(header)
    if len(align) != len(header):
        raise ValueError(f"align must have {len(header)} entries (one per column), got {len(align)}")
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    for i, row in enumerate(rows):
        row = [str(c) for c in row]
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] has {len(row)} cells, expected {len(header)}")
        lines.append("| " + " | ".join(row) + " |")
    return Markdown("\n".join(lines))
