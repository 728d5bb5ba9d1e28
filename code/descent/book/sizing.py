r"""Parameter, memory and compute arithmetic for Chapter 1 ("How big is a gradient?").

A dense layer with :math:`n_{\text{in}}` inputs and :math:`n_{\text{out}}` outputs computes
:math:`y = \sigma(Wx + b)` with :math:`W \in \mathbb{R}^{n_{\text{out}}\times n_{\text{in}}}`
and :math:`b \in \mathbb{R}^{n_{\text{out}}}`, so it has
:math:`n_{\text{in}} n_{\text{out}} + n_{\text{out}}` parameters — and its gradient has
exactly as many components.  This module counts parameters, bytes, optimizer state and
floating-point operations, and measures this machine's matrix-multiply speed, so that the
chapter's numbers all come from code.

Counts are exact Python integers (no overflow).  Byte sizes use binary units
(1 KiB = 1024 B).

References: Goodfellow, Bengio & Courville, *Deep Learning* (2016), Sec. 6.1–6.5;
Kaplan et al., "Scaling Laws for Neural Language Models" (2020), Sec. 2.1 (the
forward + backward :math:`\approx 3\times` forward FLOP rule).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .. import _validate as v
from .timing import measure_seconds

__all__ = [
    "FULL_HD_RGB_INPUTS", "OPTIMIZER_STATE",
    "dense_layer_params", "mlp_params", "nbytes", "human_bytes",
    "optimizer_state_floats", "optimizer_state_table",
    "dense_forward_flops", "gradient_flops", "measure_matmul_flops", "seconds_for",
]

#: Input values of one 1080p RGB image: :math:`1920 \times 1080 \times 3 = 6\,220\,800`.
FULL_HD_RGB_INPUTS: int = 1920 * 1080 * 3

#: What each optimizer keeps between steps, beyond the parameters and the current gradient.
#: Values are ``(formula, description)``; see :func:`optimizer_state_floats`.
OPTIMIZER_STATE: dict[str, tuple[str, str]] = {
    "sgd": ("0", "nothing"),
    "momentum": ("n", "velocity buffer"),
    "nesterov": ("n", "velocity buffer"),
    "adagrad": ("n", "sum of squared gradients"),
    "rmsprop": ("n", "EMA of squared gradients"),
    "adadelta": ("2n", "EMAs of squared gradients and of squared updates"),
    "adam": ("2n", "first- and second-moment EMAs"),
    "adamw": ("2n", "first- and second-moment EMAs"),
    "lbfgs": ("2mn", "m pairs of steps s and gradient changes y"),
    "newton": ("n^2", "the Hessian"),
    "bfgs": ("n^2", "the inverse-Hessian approximation"),
}


def _count(value: Any, name: str) -> int:
    """A non-negative integer count (NumPy integers accepted)."""
    return v.nonnegative_int(value, name)


def _size(value: Any, name: str) -> int:
    return v.positive_int(value, name)


def dense_layer_params(n_in: int, n_out: int, bias: bool = True) -> int:
    r"""Number of parameters of a dense layer: :math:`n_{\text{in}} n_{\text{out}} + n_{\text{out}}`.

    The weight matrix has :math:`n_{\text{in}} n_{\text{out}}` entries and the bias one entry
    per output unit (omitted with ``bias=False``).  The gradient of the loss with respect
    to the layer has the same number of components.

    Reference: Goodfellow et al. (2016), Sec. 6.1.
    """
    n_in, n_out = _size(n_in, "n_in"), _size(n_out, "n_out")
    return n_in * n_out + (n_out if _flag(bias, 'bias') else 0)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def _sizes(sizes: Any) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Iterable):
        raise TypeError(f"sizes must be a sequence of layer widths, got {type(sizes).__name__}")
    out = [_size(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if len(out) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {out}")
    return out


def mlp_params(sizes: Sequence[int], bias: bool = True) -> int:
    r"""Parameters of a multilayer perceptron with layer widths ``sizes``.

    ``sizes = [n_0, n_1, ..., n_L]`` (input width first) gives
    :math:`\sum_{l=1}^{L} (n_{l-1} n_l + n_l)`.  E.g. ``mlp_params([784, 128, 10])`` is 101770.

    Reference: Goodfellow et al. (2016), Sec. 6.4.
    """
    widths = _sizes(sizes)
    bias = _flag(bias, "bias")
    return sum(dense_layer_params(a, b, bias) for a, b in zip(widths[:-1], widths[1:]))


def _dtype(dtype: Any) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"dtype must name a NumPy dtype such as 'float32', got {dtype!r}") from exc
    if dt.kind not in "fciub" or dt.itemsize == 0:
        raise ValueError(f"dtype must be a numeric NumPy dtype, got {dt}")
    return dt


def nbytes(count: int, dtype: Any = "float32") -> int:
    r"""Bytes taken by ``count`` numbers of type ``dtype``: ``count * itemsize``.

    ``nbytes(6_220_800)`` is 24 883 200 (4 bytes per float32, IEEE 754 binary32).

    Reference: IEEE 754-2019, *Standard for Floating-Point Arithmetic*.
    """
    return _count(count, "count") * _dtype(dtype).itemsize


_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def human_bytes(n: float, digits: int = 1) -> str:
    r"""A byte count in binary units, e.g. ``human_bytes(24_883_200) == '23.7 MiB'``.

    Units step by :math:`1024` (KiB, MiB, GiB, TiB, ...), as in the IEC standard; the number
    is shown with ``digits`` decimals (whole bytes below 1 KiB: ``'512 B'``).  A value that
    would round up to 1024 of a unit is shown in the next unit instead.

    Reference: IEC 80000-13:2008, binary prefixes (kibi, mebi, gibi, ...).
    """
    n = v.nonnegative(n, "n")
    digits = v.nonnegative_int(digits, "digits")
    if n < 1024:
        return f"{n:.0f} B"
    value, unit = n, 0
    while unit < len(_UNITS) - 1 and round(value, digits) >= 1024:
        value /= 1024.0
        unit += 1
    return f"{value:.{digits}f} {_UNITS[unit]}"


def optimizer_state_floats(name: str, n: int, *, history: int = 10) -> int:
    r"""Numbers an optimizer keeps between steps for ``n`` parameters.

    ==========================  ===================  =====================================
    optimizer                   state                what
    ==========================  ===================  =====================================
    sgd                         :math:`0`            nothing
    momentum, nesterov          :math:`n`            velocity buffer
    adagrad                     :math:`n`            sum of squared gradients
    rmsprop                     :math:`n`            EMA of squared gradients
    adadelta                    :math:`2n`           EMAs of squared gradients and updates
    adam, adamw                 :math:`2n`           first- and second-moment EMAs
    lbfgs                       :math:`2mn`          :math:`m` = ``history`` pairs (s, y)
    newton                      :math:`n^2`          the (dense) Hessian
    bfgs                        :math:`n^2`          the dense inverse-Hessian approximation
    ==========================  ===================  =====================================

    The parameters and the current gradient (:math:`n` each) are not counted, nor scalars
    such as a step counter or L-BFGS's :math:`\rho_i`.  Dense :math:`n\times n` matrices are
    counted in full, although a symmetric one could be stored in :math:`n(n+1)/2` numbers.
    ``name`` is case-insensitive; an unknown name raises ``ValueError`` listing the known ones.

    References: Nocedal & Wright (2006), Sec. 7.2 (L-BFGS storage); Kingma & Ba (2015);
    the ``torch.optim`` state dictionaries.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, got {type(name).__name__}")
    key = name.strip().lower().replace("-", "").replace("_", "")
    if key not in OPTIMIZER_STATE:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZER_STATE)}")
    n = _count(n, "n")
    m = _size(history, "history")
    formula = OPTIMIZER_STATE[key][0]
    return {"0": 0, "n": n, "2n": 2 * n, "2mn": 2 * m * n, "n^2": n * n}[formula]


def optimizer_state_table(n: int, names: Iterable[str] | None = None, *, dtype: Any = "float32",
                          history: int = 10, digits: int = 1) -> list[dict[str, Any]]:
    r"""One row per optimizer: the state it keeps for ``n`` parameters.

    Each row is a ``dict`` with keys ``name``, ``formula`` (e.g. ``'2n'``), ``what``,
    ``floats`` (:func:`optimizer_state_floats`), ``per_param`` (``floats / n``, the
    multiple of the model size), ``bytes`` (:func:`nbytes` in ``dtype``) and ``human``
    (:func:`human_bytes`).  ``names`` defaults to every optimizer in :data:`OPTIMIZER_STATE`,
    in that order.  Feed the rows to ``pandas.DataFrame`` or format them as a table.
    """
    n = _count(n, "n")
    dt = _dtype(dtype)
    names = list(OPTIMIZER_STATE) if names is None else list(names)
    rows = []
    for name in names:
        floats = optimizer_state_floats(name, n, history=history)
        key = name.strip().lower().replace("-", "").replace("_", "")
        size = nbytes(floats, dt)
        formula, what = OPTIMIZER_STATE[key]
        if key == "lbfgs":
            what = f"{what} (m = {history})"
        rows.append({
            "name": name,
            "formula": formula,
            "what": what,
            "floats": floats,
            "per_param": floats / n if n else float("nan"),
            "bytes": size,
            "human": human_bytes(size, digits),
        })
    return rows


def dense_forward_flops(batch: int, sizes: Sequence[int], bias: bool = True) -> int:
    r"""Floating-point operations of a forward pass of dense layers ``sizes`` on ``batch`` samples.

    We use the usual convention that a matrix product costs two FLOPs per multiply–add, so
    :math:`Wx` costs :math:`2 n_{\text{in}} n_{\text{out}}` per sample, and count the bias
    add separately (:math:`n_{\text{out}}`):

    .. math:: \text{FLOPs} = B \sum_{l} \big(2\, n_{l-1} n_l + n_l\big)

    with ``bias=True`` (drop the :math:`n_l` with ``bias=False``).  (A dot product of length
    :math:`n` needs only :math:`n-1` additions, so an exact count is :math:`n_l` lower per
    layer and sample: negligible.)  Activation functions are not counted; they cost
    :math:`O(n_l)` and are negligible next to the matrix products.

    Reference: Golub & Van Loan, *Matrix Computations* (4th ed., 2013), Sec. 1.1.15.
    """
    batch = _size(batch, "batch")
    widths = _sizes(sizes)
    bias = _flag(bias, "bias")
    per_sample = sum(2 * a * b + (b if bias else 0) for a, b in zip(widths[:-1], widths[1:]))
    return batch * per_sample


def gradient_flops(batch: int, sizes: Sequence[int], bias: bool = True, *,
                   data_gradient: bool = True) -> int:
    r"""FLOPs of one gradient (forward + backward pass): :math:`3\times` :func:`dense_forward_flops`.

    Back-propagation through a dense layer does two matrix products of the forward
    product's size — one for the gradient with respect to the layer's input
    (:math:`W^\top\delta`) and one for the gradient with respect to its weights
    (:math:`\delta x^\top`) — so forward + backward :math:`\approx 3\times` forward.  This is
    the usual rule of thumb (Kaplan et al. 2020, Sec. 2.1).

    The first layer's input is the data, whose gradient training does not need.  With
    ``data_gradient=False`` its :math:`W^\top\delta` product
    (:math:`2 B n_0 n_1` FLOPs) is left out, so a single layer costs about
    :math:`2\times` its forward pass instead of :math:`3\times`.
    """
    total = 3 * dense_forward_flops(batch, sizes, bias)
    if _flag(data_gradient, "data_gradient"):
        return total
    widths = _sizes(sizes)
    return total - 2 * _size(batch, "batch") * widths[0] * widths[1]


def measure_matmul_flops(n: int = 1024, repeats: int = 5, dtype: Any = np.float32,
                         seed: int = 0) -> float:
    r"""Median measured speed, in FLOP/s, of an :math:`n\times n` matrix product on this machine.

    One product costs :math:`2n^3` floating-point operations (:math:`n^3` multiplications
    and, to leading order, :math:`n^3` additions).  The product is run once to warm up, then
    ``repeats`` times; the rate is :math:`2n^3` divided by the median wall time
    (:func:`descent.book.timing.measure_seconds`).  The result depends on the machine, its BLAS and its load,
    so a chapter should glue it as "on the machine that built this page".

    Reference: Golub & Van Loan, *Matrix Computations* (4th ed., 2013), Sec. 1.1.15 (flop counts).
    """
    n = _size(n, "n")
    repeats = _size(repeats, "repeats")
    dt = _dtype(dtype)
    if dt.kind not in "fc":
        raise ValueError(f"dtype must be a floating or complex dtype, got {dt}")
    seed = v.nonnegative_int(seed, "seed")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n)).astype(dt)
    b = rng.standard_normal((n, n)).astype(dt)
    out = np.empty((n, n), dtype=dt)
    elapsed = measure_seconds(lambda: np.matmul(a, b, out=out), repeats, warmup=1)
    return 2.0 * n**3 / max(elapsed, 1e-9)         # guard against a zero-resolution clock


def seconds_for(flops: float, rate: float) -> float:
    r"""Time in seconds to do ``flops`` operations at ``rate`` FLOP/s: :math:`\text{flops}/\text{rate}`."""
    flops = v.nonnegative(flops, "flops")
    rate = v.positive(rate, "rate")
    return flops / rate

