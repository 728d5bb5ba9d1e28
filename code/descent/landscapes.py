r"""Test landscapes with analytic value, gradient and Hessian.

Every landscape follows the array convention of :func:`scipy.optimize.rosen`: a point
``x`` has shape ``(n,)`` or ``(n, *batch)`` — the *first* axis indexes coordinates — and

* ``f(x)`` has shape ``batch`` (a NumPy scalar for a single point),
* ``grad(x)`` has shape ``(n, *batch)``,
* ``hess(x)`` has shape ``(n, n, *batch)``.

So a whole contour grid is one call, ``L.f(np.stack([X, Y]))``, and ``L.grad`` of an
``(n, B)`` array gives the gradients of ``B`` independent points, which is what
:func:`descent.runner.minimize_many` relies on.

Inputs are validated: a leading dimension other than ``dim`` raises ``ValueError``, a
non-numeric (or boolean, or complex) input raises ``TypeError``.  Integer inputs are
promoted to ``float64``; floating inputs keep their dtype (``float32`` in, ``float32`` out),
because constants are Python floats and matrices are cast to the input's dtype.
Non-finite inputs are *not* rejected (a grid may contain NaN masks); they propagate.

Each landscape also records what is known about it: ``minima`` (an array ``(k, n)``,
global minimisers first, possibly empty), ``min_value`` (the global minimum or
``None``), ``critical_points`` (other critical points — saddles, maxima — with their
``critical_kinds``) and a 2-D plotting ``window``.

References: Rosenbrock (1960), *Comput. J.* 3(3); Beale (1958); Himmelblau (1972),
*Applied Nonlinear Programming*; Jamil & Yang (2013), *A literature survey of benchmark
functions for global optimisation problems*, Int. J. Math. Model. Numer. Optim. 4(2);
Goodfellow, Bengio & Courville (2016), *Deep Learning*, Sec. 8.2 (cliffs, plateaus, saddles).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from . import _validate as v

__all__ = [
    "Landscape", "Quadratic", "IllConditionedQuadratic", "Rosenbrock", "Beale", "Himmelblau",
    "Booth", "Saddle", "MonkeySaddle", "Cliff", "Plateau", "ShallowDip", "LessardCounterexample",
    "as_points",
    "finite_difference_grad", "finite_difference_hess", "classify_critical_point",
]

Window = tuple[tuple[float, float], tuple[float, float]]


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

def as_points(x: Any, dim: int, name: str = "x") -> np.ndarray:
    """``x`` as a floating array of shape ``(dim,)`` or ``(dim, *batch)``.

    Integers become ``float64``; floating dtypes are kept.  Raises ``TypeError`` for
    non-numeric, boolean or complex input and ``ValueError`` for a wrong leading
    dimension, both naming ``name``.
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be a rectangular numeric array: {exc}") from None
    kind = arr.dtype.kind
    if kind in "iu":
        arr = arr.astype(np.float64)
    elif kind != "f":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim == 0 or arr.shape[0] != dim:
        raise ValueError(
            f"{name} must have leading dimension {dim} (shape ({dim},) or ({dim}, ...)), "
            f"got shape {arr.shape}"
        )
    return arr


def _column(vec: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``vec`` (shape ``(n,)``) cast to ``x``'s dtype and shaped to broadcast against ``x``."""
    if x.ndim == 1 and x.dtype == vec.dtype:       # the runner's hot path: one point
        return vec
    return vec.astype(x.dtype, copy=False).reshape(vec.shape + (1,) * (x.ndim - 1))


def _matvec(matrix: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``matrix @ x`` for ``x`` of shape ``(n, *batch)``, in ``x``'s dtype."""
    m = matrix.astype(x.dtype, copy=False)
    if x.ndim <= 2:
        return m @ x
    return (m @ x.reshape(x.shape[0], -1)).reshape(x.shape)


def _constant_hessian(matrix: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A fresh ``(n, n, *batch)`` array holding ``matrix`` at every point of ``x``."""
    out = np.empty(matrix.shape + x.shape[1:], dtype=x.dtype)
    out[...] = matrix.reshape(matrix.shape + (1,) * (x.ndim - 1))
    return out


def _sum0(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=0)`` without ``ndarray.sum``'s Python layer (the same ufunc reduction, bit for bit)."""
    return np.add.reduce(a, axis=0)


def _scalar(value: np.ndarray) -> np.ndarray:
    """A 0-d result as a NumPy scalar, anything else unchanged."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _sigmoid_parts(u: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Overflow-free :math:`\sigma(u),\ \sigma(-u),\ \sigma'(u),\ \sigma''(u)`.

    With :math:`e = \exp(-|u|) \le 1`: :math:`\sigma' = e/(1+e)^2` and
    :math:`\sigma'' = \sigma'\,(1 - 2\sigma) = -\sigma' \tanh(u/2)`.
    """
    e = np.exp(-np.abs(u))
    big = 1.0 / (1.0 + e)
    small = e / (1.0 + e)
    pos = u >= 0
    s = np.where(pos, big, small)
    s_neg = np.where(pos, small, big)
    d1 = e / ((1.0 + e) * (1.0 + e))
    d2 = -d1 * np.tanh(0.5 * u)
    return s, s_neg, d1, d2


def _critical_point(landscape: "Landscape", x0: Any, steps: int = 40) -> np.ndarray | None:
    """A root of :math:`\nabla f` near ``x0`` by :func:`descent.second_order.newton` (pure
    Newton, run to its step limit so that it settles on the floating-point fixed point);
    ``None`` if it does not find one.  Used to refine known critical points."""
    from .second_order import newton

    problem = SimpleNamespace(f=landscape._f, grad=landscape._grad, hess=landscape._hess)
    with np.errstate(all="ignore"):
        x = newton(problem, np.array(x0, dtype=float), steps, tol=0.0).x
        g = landscape._grad(x)
        scale = max(1.0, float(np.max(np.abs(landscape._hess(x)))))
    return x if np.all(np.isfinite(x)) and np.linalg.norm(g) <= 1e-9 * scale else None


def _increasing_root(fn: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of an increasing function with ``fn(lo) <= 0 <= fn(hi)``, by bisection to
    adjacent floating-point numbers (robust where Newton's method is not)."""
    for _ in range(2100):                   # more than enough to exhaust float64 between any two floats
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if fn(mid) <= 0.0:
            lo = mid
        else:
            hi = mid
    return lo if abs(fn(lo)) <= abs(fn(hi)) else hi


def finite_difference_grad(f: Callable, x: Any, h: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient :math:`g_i \approx \frac{f(x + h e_i) - f(x - h e_i)}{2h}`.

    ``x`` has shape ``(n,)`` or ``(n, *batch)`` (then ``f`` must be vectorised as the
    landscapes are); the result has ``x``'s shape.  ``h`` is an absolute step and the
    computation is done in ``float64``.  The truncation error is :math:`O(h^2)` and the
    rounding error :math:`O(\epsilon |f| / h)` (Nocedal & Wright, *Numerical
    Optimization*, 2nd ed., Sec. 8.1).
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    h = v.positive(h, "h")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError(f"x must have shape (n,) or (n, ...), got shape {x.shape}")
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        out[i] = (np.asarray(f(xp), dtype=np.float64) - np.asarray(f(xm), dtype=np.float64)) / (2.0 * h)
    return out


def finite_difference_hess(grad: Callable, x: Any, h: float = 1e-5) -> np.ndarray:
    r"""Central differences of a gradient: :math:`H_{:,j} \approx \frac{\nabla f(x + h e_j) - \nabla f(x - h e_j)}{2h}`.

    The result, shape ``(n, n, *batch)``, is symmetrised, :math:`\tfrac12 (H + H^\top)`.
    Computed in ``float64`` with absolute step ``h`` (Nocedal & Wright, Sec. 8.1).
    """
    if not callable(grad):
        raise TypeError(f"grad must be callable, got {type(grad).__name__}")
    h = v.positive(h, "h")
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0:
        raise ValueError(f"x must have shape (n,) or (n, ...), got shape {x.shape}")
    n = x.shape[0]
    out = np.empty((n, n) + x.shape[1:])
    for j in range(n):
        xp, xm = x.copy(), x.copy()
        xp[j] += h
        xm[j] -= h
        out[:, j] = (np.asarray(grad(xp), dtype=np.float64) - np.asarray(grad(xm), dtype=np.float64)) / (2.0 * h)
    return 0.5 * (out + np.swapaxes(out, 0, 1))


def classify_critical_point(landscape: "Landscape", x: Any, tol: float = 1e-8) -> str:
    r"""``'minimum'``, ``'maximum'``, ``'saddle'`` or ``'degenerate'`` from the Hessian at ``x``.

    With eigenvalues :math:`\lambda_i` of :math:`\nabla^2 f(x)` and
    :math:`\tau = \text{tol}\cdot\max(1, \max_i|\lambda_i|)`: all :math:`\lambda_i > \tau` is a
    minimum, all :math:`< -\tau` a maximum, some of each sign a saddle, otherwise the
    second-order test is inconclusive (``'degenerate'``, e.g. the monkey saddle).
    The gradient at ``x`` is not checked.  (Nocedal & Wright, Thm. 2.3–2.4.)
    """
    x = as_points(x, landscape.dim)
    if x.ndim != 1:
        raise ValueError(f"x must be a single point of shape ({landscape.dim},), got {x.shape}")
    eig = np.linalg.eigvalsh(np.asarray(landscape.hess(x), dtype=np.float64))
    tau = tol * max(1.0, float(np.max(np.abs(eig))))
    if np.all(eig > tau):
        return "minimum"
    if np.all(eig < -tau):
        return "maximum"
    if np.any(eig > tau) and np.any(eig < -tau):
        return "saddle"
    return "degenerate"


# ---------------------------------------------------------------------------
# Base class
# ---------------------------------------------------------------------------

class Landscape:
    r"""A smooth function :math:`f:\mathbb{R}^n\to\mathbb{R}` with analytic derivatives.

    Subclasses implement ``_f``, ``_grad`` and ``_hess`` on validated arrays of shape
    ``(n, *batch)``; the public :meth:`f`, :meth:`grad` and :meth:`hess` validate the input
    (see the module docstring for the shapes).

    Attributes
    ----------
    name : str
        Human-readable name.
    dim : int
        Number of coordinates :math:`n`.
    minima : ndarray, shape (k, n)
        Known minimisers, the global ones first; empty if :math:`f` is unbounded below.
    min_value : float or None
        The global minimum value, when known.
    critical_points : ndarray, shape (m, n)
        Known critical points that are *not* minima (saddles, maxima).
    critical_kinds : tuple of str
        ``'saddle'``, ``'maximum'`` or ``'degenerate saddle'`` for each critical point.
    window : ((xmin, xmax), (ymin, ymax)) or None
        A plotting window for 2-D landscapes.
    """

    name: str = "landscape"

    def __init__(self, dim: int, *, minima: Any = (), min_value: float | None = None,
                 critical_points: Any = (), critical_kinds: Sequence[str] = (),
                 window: Window | None = None) -> None:
        self._dim = v.positive_int(dim, "dim")
        self.minima = np.asarray(minima, dtype=float).reshape(-1, self._dim)
        self.min_value = None if min_value is None else float(min_value)
        self.critical_points = np.asarray(critical_points, dtype=float).reshape(-1, self._dim)
        self.critical_kinds = tuple(critical_kinds)
        if len(self.critical_kinds) != len(self.critical_points):
            raise ValueError("critical_kinds must name every critical point")
        self.window = window

    @property
    def dim(self) -> int:
        """Number of coordinates :math:`n`."""
        return self._dim

    def f(self, x: Any) -> np.ndarray:
        """Value at ``x`` (shape ``(n, *batch)``), shape ``batch``; a NumPy scalar for one point."""
        return _scalar(self._f(as_points(x, self._dim)))

    def grad(self, x: Any) -> np.ndarray:
        """Gradient at ``x``, shape ``(n, *batch)``."""
        return self._grad(as_points(x, self._dim))

    def hess(self, x: Any) -> np.ndarray:
        """Hessian at ``x``, shape ``(n, n, *batch)``."""
        return self._hess(as_points(x, self._dim))

    def value_and_grad(self, x: Any) -> tuple[np.ndarray, np.ndarray]:
        """``(f(x), grad(x))`` in one call (one validation, shared intermediate results).

        The meeting point of the first- and second-order code: the runner calls it once
        per step, and a problem whose loss and gradient come from one computation (a
        network's forward and backward pass) implements just this.
        """
        x = as_points(x, self._dim)
        value, g = self._value_and_grad(x)
        return _scalar(value), g

    def _value_and_grad(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._f(x), self._grad(x)

    def _f(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _grad(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _hess(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        return {"dim": self._dim}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={val!r}" for k, val in self._params().items())
        return f"{type(self).__name__}({args})"


def _window_around(center: np.ndarray, half_width: float = 3.0) -> Window:
    c = [float(ci) for ci in center]
    return ((c[0] - half_width, c[0] + half_width), (c[1] - half_width, c[1] + half_width))


# ---------------------------------------------------------------------------
# Quadratics
# ---------------------------------------------------------------------------

class Quadratic(Landscape):
    r"""The quadratic :math:`f(x) = \tfrac12 x^\top A x - b^\top x` for a symmetric :math:`A`.

    :math:`\nabla f = Ax - b`, :math:`\nabla^2 f = A`.  If :math:`A` is positive definite
    the unique minimiser is :math:`x^\star = A^{-1}b` with
    :math:`f(x^\star) = -\tfrac12 b^\top x^\star`.  If :math:`A` is only positive
    semidefinite and :math:`b\in\operatorname{range}A`, ``minima`` holds the minimum-norm
    minimiser (one of an affine set of them).  If :math:`A` is indefinite and
    nonsingular, :math:`x^\star` is a saddle (or a maximum) and ``minima`` is empty.

    Attributes ``A``, ``b``, ``eigenvalues`` (ascending), ``lambda_min``, ``lambda_max`` and
    ``condition_number`` :math:`\kappa = \lambda_{\max}/\lambda_{\min}` (``inf`` unless
    :math:`A` is positive definite).  GD with step :math:`\alpha` converges iff
    :math:`0 < \alpha < 2/\lambda_{\max}`, at best at rate
    :math:`(\kappa - 1)/(\kappa + 1)` (Nocedal & Wright, Sec. 3.3; Goodfellow et al., Sec. 4.3.1).
    """

    name = "quadratic"

    def __init__(self, A: Any, b: Any = None) -> None:
        A = _real_array(A, "A")
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(f"A must be a non-empty square matrix, got shape {A.shape}")
        if not np.all(np.isfinite(A)):
            raise ValueError("A must be finite")
        if not np.allclose(A, A.T, rtol=1e-12, atol=1e-12 * max(1.0, float(np.max(np.abs(A))))):
            raise ValueError("A must be symmetric")
        A = 0.5 * (A + A.T)
        n = A.shape[0]
        if b is None:
            b = np.zeros(n)
        else:
            b = _real_array(b, "b")
            if b.shape != (n,):
                raise ValueError(f"b must have shape ({n},) to match A, got {b.shape}")
            if not np.all(np.isfinite(b)):
                raise ValueError("b must be finite")
        self.A, self.b = A, b
        eig = np.linalg.eigvalsh(A)
        self.eigenvalues = eig
        self.lambda_min, self.lambda_max = float(eig[0]), float(eig[-1])
        tau = 1e-12 * max(1.0, float(np.max(np.abs(eig))))
        minima, min_value, crit, kinds = [], None, [], []
        if eig[0] > tau:
            x_star = np.linalg.solve(A, b)
            minima, min_value = [x_star], -0.5 * float(b @ x_star)
            self.condition_number = self.lambda_max / self.lambda_min
        else:
            self.condition_number = float("inf")
            if eig[0] >= -tau:  # PSD and singular: bounded below iff b in range(A)
                x_star = np.linalg.lstsq(A, b, rcond=None)[0]
                if np.allclose(A @ x_star, b, atol=1e-10 * max(1.0, float(np.max(np.abs(b))))):
                    minima, min_value = [x_star], -0.5 * float(b @ x_star)
            elif np.all(np.abs(eig) > tau):
                crit = [np.linalg.solve(A, b)]
                kinds = ["maximum" if eig[-1] < -tau else "saddle"]
        center = (minima[0] if minima else crit[0] if crit else np.zeros(n))
        super().__init__(n, minima=minima, min_value=min_value, critical_points=crit,
                         critical_kinds=kinds, window=_window_around(center) if n == 2 else None)

    def _f(self, x):
        Ax = _matvec(self.A, x)
        return 0.5 * np.sum(x * Ax, axis=0) - np.sum(_column(self.b, x) * x, axis=0)

    def _grad(self, x):
        return _matvec(self.A, x) - _column(self.b, x)

    def _value_and_grad(self, x):
        Ax = _matvec(self.A, x)
        b = _column(self.b, x)
        return 0.5 * _sum0(x * Ax) - _sum0(b * x), Ax - b

    def _hess(self, x):
        return _constant_hessian(self.A, x)

    def _params(self):
        return {"dim": self.dim, "condition_number": self.condition_number}


def _real_array(value: Any, name: str) -> np.ndarray:
    """``value`` as a float64 array, or ``TypeError`` (non-numeric) / ``ValueError`` (ragged)."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a rectangular numeric array: {exc}") from None
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return np.array(arr, dtype=float)


class IllConditionedQuadratic(Quadratic):
    r"""A 2-D elongated bowl :math:`f(x) = \tfrac12 (x - c)^\top A (x - c)`.

    .. math::
       A = R_\theta \begin{pmatrix} s & 0 \\ 0 & s\kappa \end{pmatrix} R_\theta^\top,\qquad
       R_\theta = \begin{pmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{pmatrix},

    so :math:`\lambda_{\min} = s` (``scale``) along :math:`(\cos\theta, \sin\theta)` — the
    long, shallow axis of the ellipses, the :math:`x`-axis when ``angle=0`` — and
    :math:`\lambda_{\max} = s\kappa` along :math:`(-\sin\theta, \cos\theta)`, with
    :math:`\kappa` the ``condition_number``.  Equivalently :math:`\tfrac12 x^\top A x - b^\top x +
    \text{const}` with :math:`b = Ac` (the :class:`Quadratic` attributes).  The minimum is
    :math:`c` with value 0.  ``eigenvectors`` holds the two unit eigenvectors as columns.
    Reference: Goodfellow et al. (2016), Sec. 4.3.1 and Fig. 4.6.
    """

    name = "ill-conditioned quadratic"

    def __init__(self, condition_number: float = 10.0, angle: float = 0.0, scale: float = 1.0,
                 center: Sequence[float] = (0.0, 0.0)) -> None:
        kappa = v.real(condition_number, "condition_number")
        if kappa < 1.0:
            raise ValueError(f"condition_number must be >= 1, got {kappa}")
        angle = v.real(angle, "angle")
        s = v.positive(scale, "scale")
        c = _vector(center, 2, "center")
        cos, sin = np.cos(angle), np.sin(angle)
        R = np.array([[cos, -sin], [sin, cos]])
        A = R @ np.diag([s, s * kappa]) @ R.T
        super().__init__(A, A @ c)
        self.center, self.angle, self.scale = c, angle, s
        self.eigenvectors = R
        self.eigenvalues = np.array([s, s * kappa])
        self.lambda_min, self.lambda_max, self.condition_number = s, s * kappa, kappa
        self.minima, self.min_value = c.reshape(1, 2), 0.0
        self.window = _window_around(c)

    def _f(self, x):
        d = x - _column(self.center, x)
        Ad = _matvec(self.A, d)
        return 0.5 * np.sum(d * Ad, axis=0)

    def _grad(self, x):
        d = x - _column(self.center, x)
        return _matvec(self.A, d)

    def _value_and_grad(self, x):
        d = x - _column(self.center, x)
        Ad = _matvec(self.A, d)
        return 0.5 * _sum0(d * Ad), Ad

    def _params(self):
        return {"condition_number": self.condition_number, "angle": self.angle,
                "scale": self.scale, "center": tuple(float(c) for c in self.center)}


def _vector(value: Any, n: int, name: str) -> np.ndarray:
    arr = _real_array(value, name)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite")
    return arr


# ---------------------------------------------------------------------------
# Classic test functions
# ---------------------------------------------------------------------------

class Rosenbrock(Landscape):
    r"""The :math:`n`-dimensional Rosenbrock function (Rosenbrock 1960).

    .. math:: f(x) = \sum_{i=1}^{n-1} \Big[ b\,(x_{i+1} - x_i^2)^2 + (a - x_i)^2 \Big].

    With :math:`t_i = x_{i+1} - x_i^2`:
    :math:`\partial_i f = -4b\,x_i t_i - 2(a - x_i) + 2b\,t_{i-1}` (terms that exist), and
    the Hessian is tridiagonal with :math:`H_{i,i+1} = -4b\,x_i`,
    :math:`H_{ii} = 12b\,x_i^2 - 4b\,x_{i+1} + 2\ [i<n] + 2b\ [i>1]`.
    With :math:`a=1, b=100` this is exactly :func:`scipy.optimize.rosen`,
    ``rosen_der`` and ``rosen_hess``.

    Minima: the global minimiser is :math:`(a, \dots, a, a^2)` with :math:`f = 0` when
    :math:`n = 2` or :math:`a\in\{0, 1\}`; otherwise the minimiser near that point is found
    by Newton's method and ``min_value`` is ``None``.  For :math:`n \ge 4` the local
    minimiser near :math:`(-1, 1, \dots, 1)` (Kok & Sandrock 2009, *Evol. Comput.* 17(3))
    is appended when Newton's method finds it.
    """

    name = "Rosenbrock"

    def __init__(self, dim: int = 2, a: float = 1.0, b: float = 100.0) -> None:
        dim = v.positive_int(dim, "dim")
        if dim < 2:
            raise ValueError(f"dim must be >= 2, got {dim}")
        self.a, self.b = v.real(a, "a"), v.positive(b, "b")
        super().__init__(dim, window=((-2.0, 2.0), (-1.0, 3.0)) if dim == 2 else None)
        guess = np.full(dim, self.a)
        guess[-1] = self.a**2
        minima, min_value = [], None
        if dim == 2 or self.a in (0.0, 1.0):
            minima, min_value = [guess], 0.0
        else:
            x = _critical_point(self, guess)
            if x is not None and np.all(np.linalg.eigvalsh(self._hess(x)) > 0):
                minima = [x]
        if dim >= 4 and minima:
            start = np.ones(dim)
            start[0] = -1.0
            x = _critical_point(self, start)
            if (x is not None and np.all(np.linalg.eigvalsh(self._hess(x)) > 0)
                    and np.linalg.norm(x - minima[0]) > 1e-6):
                minima.append(x)
        self.minima = np.asarray(minima, dtype=float).reshape(-1, dim)
        self.min_value = min_value

    def _f(self, x):
        a, b = self.a, self.b
        return np.sum(b * (x[1:] - x[:-1] ** 2) ** 2 + (a - x[:-1]) ** 2, axis=0)

    def _grad(self, x):
        a, b = self.a, self.b
        t = x[1:] - x[:-1] ** 2
        g = np.zeros_like(x)
        g[:-1] = -4.0 * b * x[:-1] * t - 2.0 * (a - x[:-1])
        g[1:] += 2.0 * b * t
        return g

    def _value_and_grad(self, x):
        a, b = self.a, self.b
        t = x[1:] - x[:-1] ** 2
        r = a - x[:-1]
        g = np.zeros_like(x)
        g[:-1] = -4.0 * b * x[:-1] * t - 2.0 * r
        g[1:] += 2.0 * b * t
        return _sum0(b * t ** 2 + r ** 2), g

    def _hess(self, x):
        b, n = self.b, self.dim
        H = np.zeros((n, n) + x.shape[1:], dtype=x.dtype)
        i = np.arange(n - 1)
        off = -4.0 * b * x[:-1]
        H[i, i + 1] = off
        H[i + 1, i] = off
        H[i, i] = 12.0 * b * x[:-1] ** 2 - 4.0 * b * x[1:] + 2.0
        H[i + 1, i + 1] += 2.0 * b
        return H

    def _params(self):
        return {"dim": self.dim, "a": self.a, "b": self.b}


class Beale(Landscape):
    r"""Beale's function (Beale 1958; Jamil & Yang 2013, no. 10).

    .. math:: f(x, y) = \sum_{i=1}^{3} t_i^2,\qquad t_i = c_i - x + x y^i,\qquad
              c = (1.5,\ 2.25,\ 2.625).

    :math:`\partial_x f = 2\sum t_i (y^i - 1)`, :math:`\partial_y f = 2\sum t_i\, i x y^{i-1}`.
    Global minimum :math:`f(3, 0.5) = 0`; saddles at :math:`(0, 1)` (:math:`f = 14.203125`)
    and near :math:`(0.1005, -2.6445)`.  Flat along :math:`x = 0`, steep walls for
    :math:`|y| > 1`.
    """

    name = "Beale"
    _C = (1.5, 2.25, 2.625)

    def __init__(self) -> None:
        super().__init__(2, minima=[[3.0, 0.5]], min_value=0.0,
                         critical_points=[[0.0, 1.0], [0.10053793732415836, -2.644513585023125]],
                         critical_kinds=["saddle", "saddle"], window=((-4.5, 4.5), (-4.5, 4.5)))

    def _terms(self, x):
        X, Y = x[0], x[1]
        for i, c in enumerate(self._C, start=1):
            yi = Y**i
            t = c - X + X * yi
            tx = yi - 1.0                       # dt/dx
            ty = i * X * Y ** (i - 1)           # dt/dy
            txy = i * Y ** (i - 1)              # d2t/dxdy
            tyy = i * (i - 1) * X * Y ** (i - 2) if i >= 2 else np.zeros_like(X)
            yield t, tx, ty, txy, tyy

    def _f(self, x):
        return sum(t * t for t, *_ in self._terms(x))

    def _grad(self, x):
        g = np.zeros_like(x)
        for t, tx, ty, _, _ in self._terms(x):
            g[0] += 2.0 * t * tx
            g[1] += 2.0 * t * ty
        return g

    def _hess(self, x):
        H = np.zeros((2, 2) + x.shape[1:], dtype=x.dtype)
        for t, tx, ty, txy, tyy in self._terms(x):
            H[0, 0] += 2.0 * tx * tx
            H[0, 1] += 2.0 * (tx * ty + t * txy)
            H[1, 1] += 2.0 * (ty * ty + t * tyy)
        H[1, 0] = H[0, 1]
        return H

    def _params(self):
        return {}


class Himmelblau(Landscape):
    r"""Himmelblau's function (Himmelblau 1972): four global minima of value 0.

    .. math:: f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.

    With :math:`u = x^2 + y - 11`, :math:`v = x + y^2 - 7`:
    :math:`\nabla f = (4xu + 2v,\ 2u + 4yv)` and
    :math:`\nabla^2 f = \begin{pmatrix} 4u + 8x^2 + 2 & 4(x + y) \\ 4(x+y) & 4v + 8y^2 + 2\end{pmatrix}`.
    Minima :math:`(3, 2)` and three irrational ones (refined by Newton's method); one
    local maximum near :math:`(-0.2708, -0.9230)` and four saddles.
    """

    name = "Himmelblau"
    _MINIMA = [[3.0, 2.0], [-2.805118086952745, 3.131312518250573],
               [-3.779310253377747, -3.2831859912861696], [3.5844283403304917, -1.8481265269644036]]
    _OTHERS = [([-0.2708445906673476, -0.9230385564799815], "maximum"),
               ([-3.0730257507643897, -0.08135304428796751], "saddle"),
               ([-0.12796134673068008, -1.9537149802445763], "saddle"),
               ([0.08667750455539636, 2.884254701174776], "saddle"),
               ([3.385154183607021, 0.07385187983774928], "saddle")]

    def __init__(self) -> None:
        refine = lambda p: _critical_point(self, p)  # noqa: E731
        super().__init__(2, minima=[refine(p) for p in self._MINIMA], min_value=0.0,
                         critical_points=[refine(p) for p, _ in self._OTHERS],
                         critical_kinds=[k for _, k in self._OTHERS], window=((-5.0, 5.0), (-5.0, 5.0)))

    def _f(self, x):
        u = x[0] ** 2 + x[1] - 11.0
        w = x[0] + x[1] ** 2 - 7.0
        return u * u + w * w

    def _grad(self, x):
        u = x[0] ** 2 + x[1] - 11.0
        w = x[0] + x[1] ** 2 - 7.0
        return np.stack([4.0 * x[0] * u + 2.0 * w, 2.0 * u + 4.0 * x[1] * w])

    def _hess(self, x):
        u = x[0] ** 2 + x[1] - 11.0
        w = x[0] + x[1] ** 2 - 7.0
        hxy = 4.0 * (x[0] + x[1])
        return np.stack([np.stack([4.0 * u + 8.0 * x[0] ** 2 + 2.0, hxy]),
                         np.stack([hxy, 4.0 * w + 8.0 * x[1] ** 2 + 2.0])])

    def _params(self):
        return {}


class Booth(Landscape):
    r"""Booth's function (Jamil & Yang 2013, no. 24), a quadratic in disguise.

    .. math:: f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2,\qquad
              \nabla^2 f = \begin{pmatrix} 10 & 8 \\ 8 & 10 \end{pmatrix}\ (\kappa = 9).

    Global minimum :math:`f(1, 3) = 0`.
    """

    name = "Booth"
    _H = np.array([[10.0, 8.0], [8.0, 10.0]])

    def __init__(self) -> None:
        super().__init__(2, minima=[[1.0, 3.0]], min_value=0.0, window=((-10.0, 10.0), (-10.0, 10.0)))

    def _f(self, x):
        u = x[0] + 2.0 * x[1] - 7.0
        w = 2.0 * x[0] + x[1] - 5.0
        return u * u + w * w

    def _grad(self, x):
        u = x[0] + 2.0 * x[1] - 7.0
        w = 2.0 * x[0] + x[1] - 5.0
        return np.stack([2.0 * u + 4.0 * w, 4.0 * u + 2.0 * w])

    def _hess(self, x):
        return _constant_hessian(self._H, x)

    def _params(self):
        return {}


class Saddle(Landscape):
    r"""The saddle :math:`f(x, y) = x^2 - y^2`, unbounded below.

    :math:`\nabla f = (2x, -2y)`, :math:`\nabla^2 f = \operatorname{diag}(2, -2)`: the origin is
    a (strict) saddle point.  GD started on the :math:`x`-axis converges to it; any
    :math:`y`-perturbation grows by a factor :math:`1 + 2\alpha` per step (Goodfellow et
    al., Sec. 8.2.3; Dauphin et al., 2014).
    """

    name = "saddle"
    _H = np.diag([2.0, -2.0])

    def __init__(self) -> None:
        super().__init__(2, critical_points=[[0.0, 0.0]], critical_kinds=["saddle"],
                         window=((-2.0, 2.0), (-2.0, 2.0)))

    def _f(self, x):
        return x[0] * x[0] - x[1] * x[1]

    def _grad(self, x):
        return np.stack([2.0 * x[0], -2.0 * x[1]])

    def _hess(self, x):
        return _constant_hessian(self._H, x)

    def _params(self):
        return {}


class MonkeySaddle(Landscape):
    r"""The monkey saddle :math:`f(x, y) = x^3 - 3xy^2`, unbounded below.

    :math:`\nabla f = (3x^2 - 3y^2,\ -6xy)`,
    :math:`\nabla^2 f = \begin{pmatrix} 6x & -6y \\ -6y & -6x \end{pmatrix}`.  The origin is a
    *degenerate* saddle: the Hessian vanishes there, so the second-order test says
    nothing, and :math:`f` falls away in three directions.
    """

    name = "monkey saddle"

    def __init__(self) -> None:
        super().__init__(2, critical_points=[[0.0, 0.0]], critical_kinds=["degenerate saddle"],
                         window=((-2.0, 2.0), (-2.0, 2.0)))

    def _f(self, x):
        return x[0] ** 3 - 3.0 * x[0] * x[1] ** 2

    def _grad(self, x):
        return np.stack([3.0 * x[0] ** 2 - 3.0 * x[1] ** 2, -6.0 * x[0] * x[1]])

    def _hess(self, x):
        hxy = -6.0 * x[1]
        return np.stack([np.stack([6.0 * x[0], hxy]), np.stack([hxy, -6.0 * x[0]])])

    def _params(self):
        return {}


# ---------------------------------------------------------------------------
# One-dimensional landscapes of Chapter 5
# ---------------------------------------------------------------------------

def _roots_of(fn: Callable[[np.ndarray], np.ndarray], lo: float, hi: float, n: int = 4001) -> np.ndarray:
    """All sign changes of ``fn`` on a grid of ``[lo, hi]``, refined by bisection."""
    xs = np.linspace(lo, hi, n)
    ys = fn(xs)
    idx = np.flatnonzero(np.sign(ys[:-1]) * np.sign(ys[1:]) < 0)
    roots = []
    for i in idx:
        a, b = xs[i], xs[i + 1]
        fa = fn(np.array(a))
        for _ in range(80):
            m = 0.5 * (a + b)
            fm = fn(np.array(m))
            if np.sign(fm) == np.sign(fa):
                a, fa = m, fm
            else:
                b = m
        roots.append(0.5 * (a + b))
    return np.array(roots)


class ShallowDip(Landscape):
    r"""A bowl with a shallow dip on its slope: :math:`f(\theta) = \tfrac{c}{2}\theta^2 - h\,e^{-(\theta-\mu)^2/(2w^2)}`.

    With the defaults (:math:`c = 1`, dip of depth :math:`h = 2` and width :math:`w = 0.3` at
    :math:`\mu = 3`) the slope of the bowl at the dip is outweighed by the dip's own slope,
    so :math:`f` has a *local* minimum near :math:`\mu`, a small barrier just below it, and
    its global minimum near 0.  Gradient descent started up the slope settles in the dip;
    momentum can carry the iterate through it.  ``minima`` lists the global minimiser first,
    then the local one; ``critical_points`` holds the barrier (a local maximum).
    """

    name = "shallow dip"

    def __init__(self, curvature: float = 1.0, depth: float = 2.0, width: float = 0.3,
                 position: float = 3.0) -> None:
        self.curvature = v.positive(curvature, "curvature")
        self.depth = v.nonnegative(depth, "depth")
        self.width = v.positive(width, "width")
        self.position = v.real(position, "position")
        span = abs(self.position) + 6.0 * self.width + 1.0
        crit = _roots_of(lambda t: self._grad(np.asarray(t, dtype=float)[None])[0], -span, span)
        kinds = self._hess(crit[None])[0, 0] if crit.size else np.array([])
        minima = crit[kinds > 0]
        values = self._f(minima[None]) if minima.size else np.array([])
        order = np.argsort(values)
        minima = minima[order]
        maxima = crit[kinds < 0]
        super().__init__(1, minima=minima[:, None],
                         min_value=float(values[order][0]) if minima.size else None,
                         critical_points=maxima[:, None], critical_kinds=("maximum",) * maxima.size)

    def _bump(self, x):
        return np.exp(-((x - self.position) ** 2) / (2.0 * self.width**2))

    def _f(self, x):
        t = x[0]
        return 0.5 * self.curvature * t * t - self.depth * self._bump(t)

    def _grad(self, x):
        t = x[0]
        return (self.curvature * t + self.depth * (t - self.position) / self.width**2 * self._bump(t))[None]

    def _hess(self, x):
        t = x[0]
        u = (t - self.position) / self.width
        return (self.curvature + self.depth / self.width**2 * (1.0 - u * u) * self._bump(t))[None, None]

    def _params(self):
        return {"curvature": self.curvature, "depth": self.depth, "width": self.width,
                "position": self.position}


class LessardCounterexample(Landscape):
    r"""Lessard, Recht & Packard's (2016) strongly convex function with :math:`m = 1`, :math:`L = 25`.

    .. math::
       \nabla f(\theta) = \begin{cases} 25\theta & \theta < 1\\ \theta + 24 & 1 \le \theta < 2\\
       25\theta - 24 & \theta \ge 2\end{cases}

    (a continuous, piecewise-linear gradient; :math:`f` is piecewise quadratic with
    :math:`1 \le f'' \le 25`, minimum :math:`f(0) = 0`).  Heavy ball with Polyak's parameters
    for :math:`\kappa = 25`, started e.g. at :math:`\theta_0 = 3.3`, falls into a cycle of
    period 3 and never converges, although the same parameters are optimal on every
    quadratic with :math:`1 \le \lambda \le 25`.  The second derivative is undefined at 1
    and 2; ``hess`` returns the one-sided value from the right there.
    """

    name = "Lessard et al.'s counterexample"

    def __init__(self) -> None:
        super().__init__(1, minima=[[0.0]], min_value=0.0)
        self.m, self.L = 1.0, 25.0

    def _f(self, x):
        t = x[0]
        return np.where(t < 1, 12.5 * t * t,
                        np.where(t < 2, 0.5 * t * t + 24.0 * t - 12.0, 12.5 * t * t - 24.0 * t + 36.0))

    def _grad(self, x):
        t = x[0]
        return np.where(t < 1, 25.0 * t, np.where(t < 2, t + 24.0, 25.0 * t - 24.0))[None]

    def _hess(self, x):
        t = x[0]
        return np.where((t >= 1) & (t < 2), 1.0, 25.0)[None, None] + 0.0 * t

    def _params(self):
        return {}


# ---------------------------------------------------------------------------
# Pathologies: cliffs and plateaus
# ---------------------------------------------------------------------------

class Cliff(Landscape):
    r"""A bowl below a high plateau that ends in a sheer cliff (Goodfellow et al., Fig. 8.3).

    .. math::
       f(x, y) = \tfrac12 k_1 (x - c_1)^2 + \tfrac12 k_2 (y - c_2)^2
                 + H\,\sigma\!\Big(-\frac{x - p}{w}\Big),\qquad \sigma(u) = \frac{1}{1 + e^{-u}}.

    For :math:`x \ll p` the loss sits on a plateau :math:`H` higher than the bowl; at the
    wall :math:`x = p` (``position``) it drops by ``height`` :math:`H` over a width of a few
    ``width`` :math:`w`.  The wall's slope peaks at :math:`H/(4w)` (``max_slope``) at
    :math:`x = p`, so a plain GD step of size :math:`\alpha` taken on the cliff face moves
    :math:`x` by about :math:`\alpha H/(4w)` — with the defaults and :math:`\alpha = 0.1`,
    25 units, far past the minimum (Pascanu, Mikolov & Bengio 2013: the motivation of
    gradient clipping).  Away from the wall the landscape is the bowl with curvatures
    ``curvature`` :math:`= (k_1, k_2)`.

    :math:`\partial_x f = k_1(x - c_1) - \frac{H}{w}\sigma'(u)`,
    :math:`\partial^2_x f = k_1 - \frac{H}{w^2}\sigma''(u)` with :math:`u = (x-p)/w`;
    the :math:`y` part is the quadratic's.  ``center`` :math:`c` must lie beyond the
    wall (:math:`c_1 > p`); then the only critical point is the minimiser, within
    :math:`\approx (H/w)e^{-(c_1-p)/w}/k_1` of :math:`c` (refined by Newton's method).
    """

    name = "cliff"

    def __init__(self, height: float = 50.0, width: float = 0.05, position: float = 0.0,
                 center: Sequence[float] = (2.0, 0.0), curvature: Sequence[float] = (1.0, 1.0)) -> None:
        self.height = v.positive(height, "height")
        self.width = v.positive(width, "width")
        self.position = v.real(position, "position")
        self.center = _vector(center, 2, "center")
        self.curvature = _vector(curvature, 2, "curvature")
        if np.any(self.curvature <= 0):
            raise ValueError(f"curvature must be positive, got {tuple(self.curvature)}")
        if self.center[0] <= self.position:
            raise ValueError(f"center[0] must lie beyond the wall (> position = {self.position}), "
                             f"got {self.center[0]}")
        self.max_slope = self.height / (4.0 * self.width)
        c, p = self.center, self.position
        super().__init__(2, window=((p - 3.0, c[0] + 3.0), (c[1] - 3.0, c[1] + 3.0)))
        # On x >= c_1 (beyond the wall) the x-derivative k_1 (x - c_1) - (H/w) sigma'(u) is
        # increasing, <= 0 at c_1 and >= 0 at c_1 + H/(4 w k_1): one root, found by bisection.
        k1, H_w = float(self.curvature[0]), self.height / self.width
        slope = lambda x: float(self._grad(np.array([x, c[1]]))[0])  # noqa: E731
        x_star = np.array([_increasing_root(slope, float(c[0]), float(c[0]) + H_w / (4.0 * k1)), c[1]])
        self.minima = x_star.reshape(1, 2)
        self.min_value = float(self._f(x_star))

    def _parts(self, x):
        u = (x[0] - self.position) * (1.0 / self.width)
        return _sigmoid_parts(u)

    def _f(self, x):
        k, c = self.curvature, self.center
        _, s_neg, _, _ = self._parts(x)
        dx, dy = x[0] - float(c[0]), x[1] - float(c[1])
        return 0.5 * float(k[0]) * dx * dx + 0.5 * float(k[1]) * dy * dy + self.height * s_neg

    def _grad(self, x):
        k, c = self.curvature, self.center
        _, _, d1, _ = self._parts(x)
        return np.stack([float(k[0]) * (x[0] - float(c[0])) - (self.height / self.width) * d1,
                         float(k[1]) * (x[1] - float(c[1]))])

    def _hess(self, x):
        k = self.curvature
        _, _, _, d2 = self._parts(x)
        H = np.zeros((2, 2) + x.shape[1:], dtype=x.dtype)
        H[0, 0] = float(k[0]) - (self.height / self.width**2) * d2
        H[1, 1] = float(k[1])
        return H

    def _params(self):
        return {"height": self.height, "width": self.width, "position": self.position,
                "center": tuple(float(c) for c in self.center),
                "curvature": tuple(float(k) for k in self.curvature)}


class Plateau(Landscape):
    r"""The squared error of one sigmoid neuron on two data points, over :math:`(w, b)`.

    .. math::
       f(w, b) = \frac{1}{2m}\sum_{i=1}^{m} \big(\sigma(w x_i + b) - y_i\big)^2,\qquad m = 2.

    With :math:`z_i = w x_i + b`, :math:`r_i = \sigma(z_i) - y_i` and :math:`v_i = (x_i, 1)`:
    :math:`\nabla f = \frac1m \sum r_i \sigma'(z_i) v_i` and
    :math:`\nabla^2 f = \frac1m\sum \big(\sigma'(z_i)^2 + r_i\sigma''(z_i)\big) v_i v_i^\top`.

    Wherever every unit is *saturated* (:math:`|z_i| \gtrsim 8`, e.g. around
    :math:`(w, b) = (-10, 0)`, :math:`(0, \pm 10)`) the factor :math:`\sigma'(z_i) \le e^{-|z_i|}`
    makes the gradient vanishingly small although the loss is far from its minimum: a
    plateau (Goodfellow et al., Sec. 6.3.1 and 8.2.6).  With targets in :math:`(0, 1)` and
    distinct inputs the data are fitted exactly at the unique minimiser, the solution of
    :math:`w x_i + b = \operatorname{logit}(y_i)`, with :math:`f = 0`; it is the only
    critical point.
    """

    name = "plateau"

    def __init__(self, inputs: Sequence[float] = (-1.0, 1.0), targets: Sequence[float] = (0.2, 0.8)) -> None:
        self.inputs = _vector(inputs, 2, "inputs")
        self.targets = _vector(targets, 2, "targets")
        if self.inputs[0] == self.inputs[1]:
            raise ValueError(f"inputs must be distinct, got {tuple(self.inputs)}")
        if np.any((self.targets <= 0) | (self.targets >= 1)):
            raise ValueError(f"targets must lie strictly between 0 and 1, got {tuple(self.targets)}")
        logits = np.log(self.targets / (1.0 - self.targets))
        w = (logits[1] - logits[0]) / (self.inputs[1] - self.inputs[0])
        b = (logits[0] * self.inputs[1] - logits[1] * self.inputs[0]) / (self.inputs[1] - self.inputs[0])
        super().__init__(2, minima=[[w, b]], min_value=0.0, window=((-10.0, 10.0), (-10.0, 10.0)))

    def _units(self, x):
        xs = _column(self.inputs, x[0][None])          # shape (2, 1, ..., 1)
        ys = _column(self.targets, x[0][None])
        z = x[0][None] * xs + x[1][None]               # shape (2, *batch)
        s, _, d1, d2 = _sigmoid_parts(z)
        return xs, s - ys, d1, d2

    def _f(self, x):
        _, r, _, _ = self._units(x)
        return 0.25 * np.sum(r * r, axis=0)

    def _grad(self, x):
        xs, r, d1, _ = self._units(x)
        e = r * d1
        return np.stack([0.5 * np.sum(e * xs, axis=0), 0.5 * np.sum(e, axis=0)])

    def _hess(self, x):
        xs, r, d1, d2 = self._units(x)
        c = d1 * d1 + r * d2
        hwb = 0.5 * np.sum(c * xs, axis=0)
        return np.stack([np.stack([0.5 * np.sum(c * xs * xs, axis=0), hwb]),
                         np.stack([hwb, 0.5 * np.sum(c, axis=0)])])

    def _params(self):
        return {"inputs": tuple(float(t) for t in self.inputs),
                "targets": tuple(float(t) for t in self.targets)}


# ---------------------------------------------------------------------------
# The race's landscape (Chapters 9 and 10, :mod:`descent.book.race`)
# ---------------------------------------------------------------------------

class SaddleWell(Landscape):
    r"""A strict saddle between two minima, rotated and moved off the origin.

    .. math::
       f(x) = u^2 + \tfrac14 (w^2 - 1)^2,\qquad
       \begin{pmatrix} u \\ w \end{pmatrix} = R_\theta^\top (x - c),\qquad
       R_\theta = \begin{pmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{pmatrix}.

    :math:`\nabla f = R_\theta\,(2u,\ w^3 - w)^\top` and
    :math:`\nabla^2 f = R_\theta \operatorname{diag}(2,\ 3w^2 - 1) R_\theta^\top`.  The point
    :math:`c` (``center``) is a strict saddle with :math:`f = 1/4` and curvatures :math:`2`
    and :math:`-1`; the minima are :math:`c \pm R_\theta e_2` with :math:`f^\star = 0`.  Unlike
    :math:`x^2 - y^2` (:class:`Saddle`) the function is bounded below, so "escaping the
    saddle" has a measurable end.  Started near the line :math:`c + s R_\theta e_1` (the
    saddle's stable manifold) a method must first escape along :math:`R_\theta e_2`.

    With ``angle=0`` and ``center=(0, 0)`` the escape direction is a coordinate axis, and a
    method that scales each coordinate separately (AdaGrad, RMSProp, Adam) escapes at once:
    its first step has the length :math:`\alpha` in *every* coordinate whatever the size of
    the gradient there, so the tiny :math:`y` component is inflated to a full step.  A
    generic rotation does not cure this: a sign-like step :math:`\alpha(\pm1, \pm1)` is
    still at an angle :math:`|\pi/4 - \theta|` to the stable manifold (at :math:`\theta = \pi/5`,
    :math:`9^\circ`: about :math:`0.22\alpha` off it).  At ``angle=np.pi / 4`` the stable
    manifold is the diagonal, a sign step from near it lies along it, and the escape must come
    from the gradient's own component along :math:`R_\theta e_2`.  Moving the well off the
    origin keeps weight decay (which pulls towards :math:`0`) from helping by accident.
    """

    name = "saddle well"

    def __init__(self, angle: float = 0.0, center: Sequence[float] = (0.0, 0.0)) -> None:
        angle = v.real(angle, "angle")
        c = _vector(center, 2, "center")
        cos, sin = np.cos(angle), np.sin(angle)
        R = np.array([[cos, -sin], [sin, cos]])
        minima = [c + R[:, 1], c - R[:, 1]]
        super().__init__(2, minima=minima, min_value=0.0, critical_points=[c],
                         critical_kinds=["saddle"],
                         window=((c[0] - 2.0, c[0] + 2.0), (c[1] - 1.6, c[1] + 1.6)))
        self.angle, self.center, self.rotation = angle, c, R

    def _local(self, x):
        d = x - _column(self.center, x)
        R = self.rotation.astype(x.dtype, copy=False)
        return R[0, 0] * d[0] + R[1, 0] * d[1], R[0, 1] * d[0] + R[1, 1] * d[1]

    def _f(self, x):
        u, w = self._local(x)
        q = w * w - 1.0
        return u * u + 0.25 * q * q

    def _grad(self, x):
        u, w = self._local(x)
        R = self.rotation.astype(x.dtype, copy=False)
        gu, gw = 2.0 * u, w * (w * w - 1.0)
        return np.stack([R[0, 0] * gu + R[0, 1] * gw, R[1, 0] * gu + R[1, 1] * gw])

    def _hess(self, x):
        _, w = self._local(x)
        R = self.rotation.astype(x.dtype, copy=False)
        duu, dww = 2.0, 3.0 * w * w - 1.0
        H = np.empty((2, 2) + x.shape[1:], dtype=x.dtype)
        for i in range(2):
            for j in range(2):
                H[i, j] = R[i, 0] * R[j, 0] * duu + R[i, 1] * R[j, 1] * dww
        return H

    def stable_manifold_points(self, distance: Any, offset: Any) -> np.ndarray:
        r"""Points :math:`c + s R_\theta e_1 + \delta R_\theta e_2` for arrays ``distance`` :math:`s` and ``offset`` :math:`\delta`; shape ``(k, 2)``."""
        s = np.asarray(distance, dtype=float).ravel()
        d = np.asarray(offset, dtype=float).ravel()
        if s.shape != d.shape:
            raise ValueError(f"distance and offset must have the same length, got {s.size} and {d.size}")
        return self.center + np.outer(s, self.rotation[:, 0]) + np.outer(d, self.rotation[:, 1])

    def _params(self):
        return {"angle": self.angle, "center": tuple(float(c) for c in self.center)}


__all__ += ["SaddleWell"]
