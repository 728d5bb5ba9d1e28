r"""A line search that satisfies the strong Wolfe conditions.

Along a descent direction :math:`p` from :math:`x`, write
:math:`\phi(\alpha) = f(x + \alpha p)`, so :math:`\phi'(\alpha) = \nabla f(x + \alpha p)^\top p`
and :math:`\phi'(0) < 0`. A step :math:`\alpha > 0` satisfies the *strong Wolfe conditions* when

.. math::

    \phi(\alpha) \le \phi(0) + c_1 \alpha \phi'(0)
    \quad\text{(sufficient decrease)}, \qquad
    |\phi'(\alpha)| \le c_2 |\phi'(0)|
    \quad\text{(curvature)},

with :math:`0 < c_1 < c_2 < 1`. Such steps always exist for a smooth :math:`f` that is bounded
below along :math:`p`, and they guarantee :math:`y^\top s > 0` in quasi-Newton methods, which
keeps the BFGS and DFP matrices positive definite.

Reference: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006,
Section 3.5, Algorithms 3.5 (bracketing) and 3.6 (zoom), and eq. (3.59) (cubic interpolation).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _validate

__all__ = ["LineSearchResult", "wolfe_line_search"]

# An interpolated trial step must lie this fraction of the bracket away from its ends;
# otherwise the zoom bisects (safeguard of Nocedal & Wright, Section 3.5).
_SAFEGUARD = 0.1


@dataclass(frozen=True)
class LineSearchResult:
    r"""Outcome of :func:`wolfe_line_search`.

    Attributes
    ----------
    success:
        ``True`` when ``alpha`` satisfies both strong Wolfe conditions.
    alpha:
        The accepted step :math:`\alpha`, or ``None`` when the search failed.
    x:
        The new point :math:`x + \alpha p` (exactly the array that was evaluated), or ``None``.
    f:
        :math:`f(x + \alpha p)`, or ``None``.
    g:
        :math:`\nabla f(x + \alpha p)`, or ``None``.
    n_fev, n_gev:
        Loss and gradient evaluations spent by the search (not counting ``f0``/``g0``
        when they were passed in).
    message:
        Why the search stopped, in words.
    unbounded:
        ``True`` when the search failed because :math:`\phi` kept decreasing, with the
        slope still steeper than :math:`c_2\phi'(0)`, at every trial step up to the last
        one tried: :math:`f` appears to be unbounded below along ``p``.
    """

    success: bool
    alpha: float | None
    x: np.ndarray | None
    f: float | None
    g: np.ndarray | None
    n_fev: int
    n_gev: int
    message: str
    unbounded: bool = False


def _cubic_minimizer(a, fa, da, b, fb, db):
    r"""Minimiser of the cubic Hermite interpolant through :math:`(a, f_a, f'_a)`, :math:`(b, f_b, f'_b)`.

    Nocedal & Wright (2006), eq. (3.59). Returns ``None`` when the cubic has no minimiser.
    """
    d1 = da + db - 3.0 * (fa - fb) / (a - b)
    radicand = d1 * d1 - da * db
    if radicand < 0.0:
        return None
    d2 = math.copysign(math.sqrt(radicand), b - a)
    denom = db - da + 2.0 * d2
    if denom == 0.0:
        return None
    return b - (b - a) * (db + d2 - d1) / denom


def _quadratic_minimizer(a, fa, da, b, fb):
    r"""Minimiser of the parabola through :math:`(a, f_a)` and :math:`(b, f_b)`
    with slope :math:`f'_a` at ``a``; ``None`` when it opens downwards."""
    width = b - a
    curvature = (fb - fa - da * width) / (width * width)
    if not curvature > 0.0:
        return None
    return a - da / (2.0 * curvature)


def _interpolate(lo, f_lo, d_lo, hi, f_hi, d_hi):
    """A trial step strictly inside the bracket: cubic, else quadratic, else bisection."""
    candidate = None
    if math.isfinite(f_hi):
        if d_hi is not None and math.isfinite(d_hi):
            candidate = _cubic_minimizer(lo, f_lo, d_lo, hi, f_hi, d_hi)
        if candidate is None:
            candidate = _quadratic_minimizer(lo, f_lo, d_lo, hi, f_hi)
    left, right = min(lo, hi), max(lo, hi)
    margin = _SAFEGUARD * (right - left)
    if candidate is None or not (left + margin <= candidate <= right - margin):
        candidate = 0.5 * (lo + hi)
    return candidate


def _as_vector(value, name: str) -> np.ndarray:
    arr = np.asarray(value)
    real = np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
    if arr.dtype == object or not real:
        raise TypeError(f"{name} must be a real array, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


def wolfe_line_search(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x,
    p,
    *,
    f0: float | None = None,
    g0=None,
    alpha0: float = 1.0,
    c1: float = 1e-4,
    c2: float = 0.9,
    max_iter: int = 30,
    alpha_max: float = 1e10,
) -> LineSearchResult:
    r"""Find a step :math:`\alpha` along ``p`` that satisfies the strong Wolfe conditions.

    The *bracketing* phase (Nocedal & Wright 2006, Algorithm 3.5) tries
    :math:`\alpha_1 = \alpha_0` (the argument ``alpha0``) and doubles it,
    :math:`\alpha_{i+1} = \min(2\alpha_i, \alpha_{\max})`, until an interval is known to contain
    acceptable steps: when

    .. math::

        \phi(\alpha_i) > \phi(0) + c_1\alpha_i\phi'(0) \ \text{ or }\
        \phi(\alpha_i) \ge \phi(\alpha_{i-1}),
        \qquad\text{or}\qquad \phi'(\alpha_i) \ge 0 .

    The *zoom* phase (Algorithm 3.6) then shrinks the bracket
    :math:`[\alpha_{\text{lo}}, \alpha_{\text{hi}}]`, choosing each trial step by cubic
    interpolation (eq. 3.59; quadratic when :math:`\phi'(\alpha_{\text{hi}})` is unknown;
    bisection when the interpolant's minimiser is too close to an end), while keeping the
    invariant that :math:`\alpha_{\text{lo}}` has the lowest :math:`\phi` among steps with
    sufficient decrease and :math:`\phi'(\alpha_{\text{lo}})(\alpha_{\text{hi}} - \alpha_{\text{lo}}) < 0`.

    A trial step where :math:`f` or :math:`\nabla f` is not finite (``inf``/``nan``, e.g. from
    overflow) is treated as "too far": it becomes :math:`\alpha_{\text{hi}}`.

    Parameters
    ----------
    f, grad:
        The loss and its gradient, called on single points of shape ``(n,)``.
    x, p:
        The start point and the search direction, 1-D arrays of the same shape.
        ``p`` must be a descent direction, :math:`\nabla f(x)^\top p < 0`.
    f0, g0:
        :math:`f(x)` and :math:`\nabla f(x)` if already known (saves two evaluations).
    alpha0:
        First trial step (1 for Newton and quasi-Newton directions).
    c1, c2:
        Wolfe constants, :math:`0 < c_1 < c_2 < 1`.
    max_iter:
        Maximum number of trial steps (evaluations of :math:`\phi`) in both phases together.
    alpha_max:
        Largest step the bracketing phase may try.

    Returns
    -------
    LineSearchResult
        ``success=True`` with the step, new point, loss and gradient; or ``success=False``
        with ``alpha=x=f=g=None`` and a ``message`` when no acceptable step was found within
        ``max_iter`` trials, the bracket shrank to rounding level, or :math:`\phi` kept
        decreasing at every trial step, doubling up to ``alpha_max`` or for all ``max_iter``
        trials (then ``unbounded=True``: ``f`` may be unbounded below along ``p``).
        A failure is a normal outcome and raises nothing.

    Raises
    ------
    ValueError
        If ``p`` is not a descent direction, if ``f0``/``g0`` are not finite, or if an
        argument is out of range.
    """
    x = _as_vector(x, "x")
    p = _as_vector(p, "p")
    if p.shape != x.shape:
        raise ValueError(f"p must have the shape of x {x.shape}, got {p.shape}")
    alpha0 = _validate.positive(alpha0, "alpha0")
    c1 = _validate.real(c1, "c1")
    c2 = _validate.real(c2, "c2")
    if not 0.0 < c1 < c2 < 1.0:
        raise ValueError(f"c1 and c2 must satisfy 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
    max_iter = _validate.positive_int(max_iter, "max_iter")
    alpha_max = _validate.positive(alpha_max, "alpha_max")
    if alpha0 > alpha_max:
        raise ValueError(f"alpha0 must be <= alpha_max={alpha_max}, got {alpha0}")

    n_fev = 0
    n_gev = 0

    def point(alpha):
        return x + alpha * p

    if not callable(f):
        raise TypeError(f"f must be callable x -> float, got {type(f).__name__}")
    if not callable(grad):
        raise TypeError(f"grad must be callable x -> gradient, got {type(grad).__name__}")

    def eval_f(xa):
        nonlocal n_fev
        n_fev += 1
        with np.errstate(all="ignore"):
            result = f(xa)
        value = np.asarray(result)
        if value.dtype.kind not in "iuf":
            raise TypeError(f"f must return a real number, got {type(result).__name__}")
        if value.size != 1:
            raise ValueError(f"f must return a scalar, got shape {value.shape}")
        return float(value.reshape(()))

    def eval_g(xa):
        nonlocal n_gev
        n_gev += 1
        with np.errstate(all="ignore"):
            result = grad(xa)
        gradient = np.asarray(result)
        if gradient.dtype.kind not in "iuf":
            raise TypeError(f"grad must return a real array of shape {x.shape}, got {type(result).__name__}")
        if gradient.shape != x.shape:
            raise ValueError(f"grad must return shape {x.shape}, got {gradient.shape}")
        with np.errstate(all="ignore"):
            slope = float(gradient @ p)
        return gradient, slope

    if f0 is None:
        phi0 = eval_f(x)
    else:
        phi0 = _validate.real(f0, "f0")
    if g0 is None:
        _, dphi0 = eval_g(x)
    else:
        g0 = _as_vector(g0, "g0")
        if g0.shape != x.shape:
            raise ValueError(f"g0 must have the shape of x {x.shape}, got {g0.shape}")
        dphi0 = float(g0 @ p)
    if not math.isfinite(phi0) or not math.isfinite(dphi0):
        raise ValueError("f and grad must be finite at x")
    if not dphi0 < 0.0:
        raise ValueError(
            f"p is not a descent direction: grad(x) @ p = {dphi0:.3g} must be < 0"
        )

    def accept(alpha, xa, fa, ga, message):
        return LineSearchResult(True, float(alpha), xa, fa, ga, n_fev, n_gev, message)

    def fail(message, unbounded=False):
        return LineSearchResult(False, None, None, None, None, n_fev, n_gev, message, unbounded)

    def armijo(alpha, phi):
        return math.isfinite(phi) and phi <= phi0 + c1 * alpha * dphi0

    curvature_bound = -c2 * dphi0
    trials = 0

    def zoom(lo, f_lo, d_lo, hi, f_hi, d_hi):
        """Nocedal & Wright Algorithm 3.6."""
        nonlocal trials
        while trials < max_iter:
            alpha = _interpolate(lo, f_lo, d_lo, hi, f_hi, d_hi)
            if alpha == lo or alpha == hi:
                return fail(
                    f"zoom bracket [{min(lo, hi):.3g}, {max(lo, hi):.3g}] shrank to rounding level"
                )
            trials += 1
            xa = point(alpha)
            fa = eval_f(xa)
            if not armijo(alpha, fa) or fa >= f_lo:
                hi, f_hi, d_hi = alpha, fa, None
                continue
            ga, da = eval_g(xa)
            if not math.isfinite(da) or not np.all(np.isfinite(ga)):
                hi, f_hi, d_hi = alpha, math.inf, None
                continue
            if abs(da) <= curvature_bound:
                return accept(alpha, xa, fa, ga, "strong Wolfe conditions satisfied")
            if da * (hi - lo) >= 0.0:
                hi, f_hi, d_hi = lo, f_lo, d_lo
            lo, f_lo, d_lo = alpha, fa, da
        return fail(f"no strong Wolfe step within max_iter={max_iter} trial steps")

    # Bracketing phase, Nocedal & Wright Algorithm 3.5.
    prev, f_prev, d_prev = 0.0, phi0, dphi0
    alpha = alpha0
    while trials < max_iter:
        trials += 1
        xa = point(alpha)
        fa = eval_f(xa)
        if not armijo(alpha, fa) or (trials > 1 and fa >= f_prev):
            return zoom(prev, f_prev, d_prev, alpha, fa, None)
        ga, da = eval_g(xa)
        if not math.isfinite(da) or not np.all(np.isfinite(ga)):
            return zoom(prev, f_prev, d_prev, alpha, math.inf, None)
        if abs(da) <= curvature_bound:
            return accept(alpha, xa, fa, ga, "strong Wolfe conditions satisfied")
        if da >= 0.0:
            return zoom(alpha, fa, da, prev, f_prev, d_prev)
        if alpha >= alpha_max:
            return fail(f"phi still decreasing at alpha_max={alpha_max:.3g}; "
                        "f may be unbounded below along p", unbounded=True)
        prev, f_prev, d_prev = alpha, fa, da
        alpha = min(2.0 * alpha, alpha_max)
    # Every trial had sufficient decrease, a lower phi than the one before and a slope
    # still steeper than c2 * phi'(0): phi fell all the way out to the last trial step.
    return fail(f"phi still decreasing at every one of max_iter={max_iter} trial steps, out to "
                f"alpha={prev:.3g} (phi = {f_prev:.3g}); f may be unbounded below along p",
                unbounded=True)
