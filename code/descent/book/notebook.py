"""What every chapter calls: set-up, glue, book-style numbers and asserted claims.

``setup()`` fixes NumPy's print precision, applies the book's plotting style, asks the
notebook for SVG figures with a PNG fallback (the HTML shows the SVG; the PDF edition
and plain Jupyter can use the PNG) and pins the SVG metadata (hash salt, date) so two
builds write byte-identical figures.

``glue`` puts a computed value into the prose; :func:`number` formats it as a book does
(``1,530``; ``6.5 × 10²⁰``; never ``1.53e+03``); :func:`claim` asserts a sentence the prose
makes about a computed result, in the cell that computes it, so that the build fails the
day the numbers stop supporting the sentence.
"""
from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping

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


# ---------------------------------------------------------------------------
# Claims: a sentence of the prose, asserted where its evidence is computed
# ---------------------------------------------------------------------------

class ClaimError(AssertionError):
    """A sentence of the book that its own computed evidence no longer supports."""


def claim(holds, sentence: str, **evidence) -> None:
    """Assert that ``sentence`` (as the prose states it) is supported by the computed result.

    ``holds`` is the condition that makes the sentence true — a bool, or a NumPy bool /
    array (every element must be true).  ``evidence`` names the numbers the condition
    used; they are printed in the error so a failed build says *which* sentence broke and
    *why*::

        claim(steps["momentum"] < steps["gd"],
              "momentum needs fewer steps than gradient descent",
              momentum=steps["momentum"], gd=steps["gd"])

    Write the sentence as it stands in the text (or its gist), so a reader of the failure
    can find it.  Raises :class:`ClaimError` (an ``AssertionError``) when the condition is
    false; a condition that is not a truth value (``None``, a NaN, an empty array) is a
    ``TypeError``, since a claim about a missing number is not true.
    """
    if not isinstance(sentence, str) or not sentence.strip():
        raise TypeError("sentence must be the non-empty text of the claim the prose makes")
    if holds is None:
        raise TypeError(f"claim {sentence!r}: the condition is None, not a truth value")
    arr = np.asarray(holds)
    if arr.dtype == object:
        raise TypeError(f"claim {sentence!r}: the condition must be a bool or an array of bools, "
                        f"got {type(holds).__name__}")
    if arr.size == 0:
        raise TypeError(f"claim {sentence!r}: the condition is an empty array")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise TypeError(f"claim {sentence!r}: the condition is NaN, not a truth value")
    if not bool(np.all(arr)):
        shown = ", ".join(f"{k}={_short(v)}" for k, v in evidence.items())
        raise ClaimError(f"the book says {sentence!r}, but its evidence does not support it"
                         + (f" ({shown})" if shown else ""))


def _short(value) -> str:
    text = repr(as_python_number(value))
    return text if len(text) <= 200 else text[:197] + "..."


# ---------------------------------------------------------------------------
# Numbers as a book prints them
# ---------------------------------------------------------------------------

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
MINUS = "\u2212"


def number(value, sig: int = 3, *, sci_from: float = 1e6, sci_below: float = 1e-3,
           unit: str | None = None) -> str:
    """``value`` as a book prints it: ``1,530``, ``0.0821``, ``6.5 × 10²⁰``, ``−3.2``.

    * Integers (Python or NumPy, or a float with ``sig`` large enough to hold it exactly)
      below ``sci_from`` get thousands separators and no rounding: ``number(1530) == "1,530"``.
    * Other values are rounded to ``sig`` significant figures.  Magnitudes of at least
      ``sci_from`` or below ``sci_below`` (but non-zero) are written ``m × 10ⁿ`` with a
      true superscript; ``number(6.49e20, 2) == "6.5 × 10²⁰"``.
    * The minus sign is U+2212, as in typeset text; ``unit`` is appended after a thin
      no-break space: ``number(1530.2, 3, unit="s") == "1,530 s"``.

    Use it with :func:`glue`: ``glue("ch01-seconds", number(t, 3, unit="s"))`` and
    the ``glue:text`` role with that key in the prose.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"value must be a real number, got {type(value).__name__}")
    if isinstance(sig, bool) or not isinstance(sig, numbers.Integral) or sig < 1:
        raise ValueError(f"sig must be a positive integer (significant figures), got {sig!r}")
    if not math.isfinite(float(value)):
        raise ValueError(f"value must be finite, got {value!r}")
    text = _format(value, int(sig), sci_from, sci_below)
    return text if unit is None else f"{text}\u202f{unit}"


def _format(value, sig, sci_from, sci_below) -> str:
    sign = MINUS if value < 0 else ""
    if isinstance(value, (numbers.Integral, np.integer)):
        magnitude = abs(int(value))
        if magnitude < sci_from:
            return f"{sign}{magnitude:,}"
        x = float(magnitude)
    else:
        x = abs(float(value))
    if x == 0:
        return "0"
    exponent = math.floor(math.log10(x))
    rounded = float(f"{x:.{sig - 1}e}")          # round to sig figures first
    exponent = math.floor(math.log10(rounded))  # 9.99 -> 10.0 moves the exponent
    if rounded >= sci_from or rounded < sci_below:
        mantissa = rounded / 10 ** exponent
        digits = max(sig - 1, 0)
        return f"{sign}{mantissa:.{digits}f} × 10{str(exponent).translate(_SUPERSCRIPT)}"
    decimals = max(sig - 1 - exponent, 0)
    return f"{sign}{rounded:,.{decimals}f}"
