r"""Measure how long something takes, and how that time grows with the problem size.

Chapter 4 asks what one Newton step would cost for a layer with billions of parameters.
Nobody can time that directly, so the chapter times dense linear solves of moderate size
:math:`n` on the machine that builds the book, fits a power law

.. math:: t(n) \approx c\, n^{p}

by least squares on :math:`\log t = \log c + p \log n`, and extrapolates.  The textbook
operation count of a dense solve by LU factorisation is :math:`\tfrac23 n^3` (Golub & Van
Loan 2013, Sec. 3.2), so :math:`p` should come out near 3 once :math:`n` is large enough
for the arithmetic to dominate; for small :math:`n` caches and call overheads make it
smaller, and on a busy machine the times are noisy.  The fit says what *this* machine did.

Timings depend on the machine, its BLAS library and its load: a chapter must present them
as measured "on the machine that built this page" and never type them into the prose.
BLAS may use several threads; :func:`blas_threads` limits them (via ``threadpoolctl``,
which ships with scikit-learn) so that repeated measurements stay comparable.

References: G. H. Golub and C. F. Van Loan, *Matrix Computations*, 4th ed. (2013),
Sec. 1.1 and 3.2 (flop counts); Nocedal & Wright (2006), Sec. 3.3 (cost of a Newton step).
"""
from __future__ import annotations

import contextlib
import math
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import _validate as v

__all__ = ["measure_seconds", "PowerLaw", "fit_power_law", "time_linear_solves", "blas_threads"]


def measure_seconds(fn: Callable[[], Any], repeats: int = 5, *, warmup: int = 1,
                    clock: Callable[[], float] = time.perf_counter) -> float:
    r"""Median wall time of ``fn()`` in seconds over ``repeats`` calls, after ``warmup`` calls.

    The median, not the mean or the minimum, is reported: it ignores a few runs slowed by
    other processes without rewarding a lucky one.  ``warmup`` calls (default one) are run
    first and not timed, so that one-off costs — loading a library, filling caches — are
    left out.  ``clock`` is the timer (default :func:`time.perf_counter`); it can be replaced
    for testing.  The result is never negative.
    """
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    repeats = v.positive_int(repeats, "repeats")
    warmup = v.nonnegative_int(warmup, "warmup")
    if not callable(clock):
        raise TypeError(f"clock must be callable, got {type(clock).__name__}")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return max(float(statistics.median(times)), 0.0)


class PowerLaw(NamedTuple):
    r"""A fitted power law :math:`t(n) = c\,n^{p}` (see :func:`fit_power_law`)."""

    exponent: float    #: p
    prefactor: float   #: c
    r_squared: float   #: coefficient of determination of the fit in log-log coordinates

    def predict(self, n: Any) -> Any:
        r""":math:`c\,n^{p}` for a number or an array ``n`` (computed in logarithms, so a huge
        ``n`` such as :math:`10^{10}` gives a finite float, not an overflow)."""
        if isinstance(n, (int, float, np.integer, np.floating)) and not isinstance(n, bool):
            if n <= 0:
                raise ValueError(f"n must be positive, got {n}")
            return math.exp(math.log(self.prefactor) + self.exponent * math.log(float(n)))
        arr = np.asarray(n, dtype=float)
        if np.any(arr <= 0):
            raise ValueError("n must be positive")
        return np.exp(np.log(self.prefactor) + self.exponent * np.log(arr))


def _positive_vector(values: Any, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D sequence of positive numbers") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{name} must contain positive finite numbers only")
    return arr


def fit_power_law(n: Sequence[float], t: Sequence[float]) -> PowerLaw:
    r"""Least-squares fit of :math:`t \approx c\,n^{p}` in log-log coordinates.

    With :math:`x_i = \log n_i` and :math:`y_i = \log t_i` the straight line
    :math:`y = \log c + p\,x` minimising :math:`\sum_i (y_i - \log c - p x_i)^2` has

    .. math:: p = \frac{\sum_i (x_i-\bar x)(y_i-\bar y)}{\sum_i (x_i-\bar x)^2},\qquad
              \log c = \bar y - p\,\bar x .

    Fitting logarithms weights every point by its *relative* error, which is what matters
    for times spread over orders of magnitude.  Needs at least two distinct ``n``; all
    values must be positive.  Returns a :class:`PowerLaw` with the exponent :math:`p`, the
    prefactor :math:`c` and :math:`R^2` of the log-log fit (1 for points exactly on a line).
    """
    x = np.log(_positive_vector(n, "n"))
    y = np.log(_positive_vector(t, "t"))
    if x.shape != y.shape:
        raise ValueError(f"n and t must have the same length, got {x.size} and {y.size}")
    if x.size < 2 or np.ptp(x) == 0:
        raise ValueError("fit_power_law needs at least two distinct sizes n")
    xc, yc = x - x.mean(), y - y.mean()
    p = float(xc @ yc / (xc @ xc))
    log_c = float(y.mean() - p * x.mean())
    resid = yc - p * xc
    ss_tot = float(yc @ yc)
    r2 = 1.0 - float(resid @ resid) / ss_tot if ss_tot > 0 else 1.0
    return PowerLaw(p, math.exp(log_c), r2)


@contextlib.contextmanager
def blas_threads(limit: int | None = 1, *, user_api: str | None = None) -> Iterator[None]:
    """Context manager: at most ``limit`` BLAS/OpenMP threads inside the block.

    Uses :func:`threadpoolctl.threadpool_limits`; ``limit=None`` changes nothing.  Without
    ``threadpoolctl`` installed it silently changes nothing either.  ``user_api`` is
    threadpoolctl's: ``"blas"`` limits only the BLAS pools, ``"openmp"`` only OpenMP,
    ``None`` (the default) both.  The package's one home for limiting threads: the timings
    here use it, and so does :func:`descent.book.nn.train` (tiny matrices, where a
    multi-threaded BLAS spends more time waking its threads than multiplying).
    """
    if limit is not None:
        limit = v.positive_int(limit, "limit")
    if user_api not in (None, "blas", "openmp"):
        raise ValueError(f"user_api must be None, 'blas' or 'openmp', got {user_api!r}")
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        threadpool_limits = None
    if limit is None or threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=limit, user_api=user_api):
        yield


def time_linear_solves(sizes: Sequence[int], repeats: int = 3, *, dtype: Any = np.float64,
                       seed: int = 0, threads: int | None = 1) -> np.ndarray:
    r"""Median seconds of ``numpy.linalg.solve(A, b)`` for a dense :math:`n\times n` system, per size.

    For each ``n`` in ``sizes``, :math:`A = G + n I` with :math:`G` standard normal (strictly
    diagonally dominant on average, hence well conditioned) and :math:`b` standard normal are
    drawn from ``np.random.default_rng(seed)``; then :func:`measure_seconds` times the solve
    (``repeats`` timed calls after one untimed warm-up on a tiny system).  This is the work of
    one Newton step, :math:`H\Delta = -g`, with a dense Hessian: LU factorisation with partial
    pivoting, :math:`\tfrac23 n^3` flops.  ``threads`` limits BLAS threads during the
    measurement (:func:`blas_threads`; ``None`` leaves them alone).  Returns an array of
    seconds, one per size.
    """
    ns = [v.positive_int(n, "sizes[i]") for n in sizes]
    if not ns:
        raise ValueError("sizes must not be empty")
    repeats = v.positive_int(repeats, "repeats")
    seed = v.nonnegative_int(seed, "seed")
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating dtype, got {dt}")
    rng = np.random.default_rng(seed)
    out = np.empty(len(ns))
    with blas_threads(threads):
        np.linalg.solve(np.eye(4, dtype=dt) * 2, np.ones(4, dtype=dt))   # load LAPACK once
        for i, n in enumerate(ns):
            A = rng.standard_normal((n, n)).astype(dt, copy=False)
            A[np.diag_indices(n)] += n
            b = rng.standard_normal(n).astype(dt, copy=False)
            out[i] = measure_seconds(lambda: np.linalg.solve(A, b), repeats, warmup=0)
    return out
