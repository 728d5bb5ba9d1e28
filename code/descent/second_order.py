r"""Newton's method and quasi-Newton methods (DFP, BFGS, L-BFGS).

All minimisers take a *problem*: any object with ``.f(x)`` (a scalar) and ``.grad(x)`` (shape
``(n,)``) — or ``.value_and_grad(x)`` returning both from one computation, as the landscapes
and the runner's problems have — and, for :func:`newton`, ``.hess(x)`` (shape ``(n, n)``),
for single points ``x`` of shape ``(n,)``. Each returns a :class:`descent.trajectory.Trajectory`; ``converged`` means
:math:`\|\nabla f(x_k)\|_2 \le` ``tol`` — a *stationary* point, which need not be a minimum
(see :func:`newton`).

Notation (Nocedal & Wright 2006, Chapter 6): :math:`g_k = \nabla f(x_k)`,
:math:`s_k = x_{k+1} - x_k`, :math:`y_k = g_{k+1} - g_k`, :math:`\rho_k = 1 / (y_k^\top s_k)`,
and :math:`H_k` approximates the *inverse* Hessian, so the search direction is
:math:`p_k = -H_k g_k`. Every quasi-Newton update enforces the *secant condition*
:math:`H_{k+1} y_k = s_k`.

References
----------
J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd ed., Springer 2006 (Chapters 3, 6, 7).
Y. N. Dauphin, R. Pascanu, C. Gulcehre, K. Cho, S. Ganguli and Y. Bengio, "Identifying and
attacking the saddle point problem in high-dimensional non-convex optimization", NeurIPS 2014.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import _validate
from .line_search import wolfe_line_search
from .runner import _norm as _runner_norm
from .trajectory import Trajectory

__all__ = [
    "bfgs",
    "bfgs_inverse_update",
    "dfp",
    "dfp_inverse_update",
    "lbfgs",
    "newton",
    "two_loop_direction",
]


# ---------------------------------------------------------------------------------------------
# Validation and bookkeeping
# ---------------------------------------------------------------------------------------------


class _Evaluator:
    """Calls the problem, checks shapes, casts to the working dtype and counts evaluations.

    A problem with ``value_and_grad(x) -> (f, g)`` (a network: one forward and backward
    pass gives both) is called through it: the loss and the gradient asked for at the same
    point — the line search asks for :math:`f` and then :math:`\nabla f` at each trial —
    cost one call, which counts as one loss and one gradient evaluation.

    Floating-point warnings inside the problem are silenced: a non-finite result is expected
    (a step may overshoot) and handled by the caller.
    """

    def __init__(self, problem, x0: np.ndarray, *, need_hess: bool = False):
        vg = getattr(problem, "value_and_grad", None)
        self._vg = vg if callable(vg) else None
        names = ("f", "grad") if self._vg is None else ()
        for name in names + (("hess",) if need_hess else ()):
            if not callable(getattr(problem, name, None)):
                raise TypeError(
                    f"problem must have a callable .{name}(x) (or .value_and_grad(x) for f and grad); "
                    f"got {type(problem).__name__} without it"
                )
        self.problem = problem
        self.n = x0.shape[0]
        self.dtype = x0.dtype
        self.n_fev = 0
        self.n_gev = 0
        self.n_hev = 0
        self._last = None          # (x, copy of x, f, g) of the last value_and_grad call

    def _both(self, x: np.ndarray):
        last = self._last
        if last is not None and last[0] is x and np.array_equal(last[1], x):
            return last[2], last[3]
        self.n_fev += 1
        self.n_gev += 1
        with np.errstate(all="ignore"):
            value, g = self._vg(x)
            g = _real_result(g, "problem.value_and_grad's gradient", (self.n,), self.dtype)
        value = _scalar_value(value, "problem.value_and_grad's value")
        self._last = (x, x.copy(), value, g)
        return value, g

    def f(self, x: np.ndarray) -> float:
        if self._vg is not None:
            return self._both(x)[0]
        self.n_fev += 1
        with np.errstate(all="ignore"):
            value = self.problem.f(x)
        return _scalar_value(value, "problem.f")

    def grad(self, x: np.ndarray) -> np.ndarray:
        if self._vg is not None:
            return self._both(x)[1]
        self.n_gev += 1
        with np.errstate(all="ignore"):
            g = _real_result(self.problem.grad(x), "problem.grad", (self.n,), self.dtype)
        return g

    def hess(self, x: np.ndarray) -> np.ndarray:
        self.n_hev += 1
        with np.errstate(all="ignore"):
            h = _real_result(self.problem.hess(x), "problem.hess", (self.n, self.n), self.dtype)
        return h


def _scalar_value(value, name: str) -> float:
    """A problem's loss as a Python float, or a ``TypeError``/``ValueError`` naming ``name``."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must return a real number, got {type(value).__name__}")
    if arr.size != 1:
        raise ValueError(f"{name} must return a scalar, got shape {arr.shape}")
    return float(arr.reshape(()))


def _real_result(value, name: str, shape: tuple, dtype) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must return a real array of shape {shape}, got {type(value).__name__}")
    if arr.shape != shape:
        raise ValueError(f"{name} must return shape {shape}, got {arr.shape}")
    return arr.astype(dtype, copy=False)


class _Recorder:
    """Accumulates iterates, losses and gradient norms, then builds the :class:`Trajectory`."""

    def __init__(self, x: np.ndarray, f: float, g: np.ndarray):
        self.xs = [x]
        self.fs = [f]
        self.gns = [_norm(g)]

    def append(self, x: np.ndarray, f: float, g: np.ndarray) -> None:
        self.xs.append(x)
        self.fs.append(f)
        self.gns.append(_norm(g))

    @property
    def steps(self) -> int:
        return len(self.xs) - 1

    def finished(self, ev: _Evaluator, tol: float, steps: int, extra: dict):
        """The finished run if the gradient is below ``tol`` or ``steps`` are done, else ``None``."""
        if tol is not None and self.gns[-1] <= tol:
            return self.build(ev, converged=True, extra=extra,
                              message=f"gradient norm <= tol={tol:g} after {self.steps} steps")
        if self.steps >= steps:
            return self.build(ev, extra=extra, message=f"reached the step limit steps={steps}")
        return None

    def build(self, ev: _Evaluator, *, converged=False, diverged=False, message="", extra=None):
        return Trajectory(
            iterates=np.stack(self.xs),
            losses=np.array(self.fs, dtype=np.float64),
            grad_norms=np.array(self.gns, dtype=np.float64),
            diverged=bool(diverged),
            converged=bool(converged),
            n_fev=ev.n_fev,
            n_gev=ev.n_gev,
            n_hev=ev.n_hev,
            message=message,
            extra=dict(extra or {}),
        )


def _norm(g: np.ndarray) -> float:
    """Euclidean norm in float64 that neither overflows for a finite ``g`` nor warns."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _runner_norm(g)


def _finite(f: float, g: np.ndarray) -> bool:
    return math.isfinite(f) and bool(np.all(np.isfinite(g)))


def _start(problem, x0, steps, tol, *, need_hess=False):
    """Shared set-up: validate, evaluate at ``x0``; returns (x, f, g, ev, rec, steps, tol)."""
    ev_dim = getattr(problem, "dim", None)
    dim = int(ev_dim) if isinstance(ev_dim, (int, np.integer)) and not isinstance(ev_dim, bool) else None
    x = _validate.real_array(x0, "x0", 1, dim)
    steps = _validate.nonnegative_int(steps, "steps")
    tol = None if tol is None else _validate.nonnegative(tol, "tol")
    ev = _Evaluator(problem, x, need_hess=need_hess)
    f = ev.f(x)
    g = ev.grad(x)
    rec = _Recorder(x, f, g)
    return x, f, g, ev, rec, steps, tol


def _first_step(g: np.ndarray) -> float:
    r"""Initial trial step for a steepest-descent direction: :math:`\min(1, 1/\|g\|)`, so the first
    move has length at most 1 (Nocedal & Wright 2006, Section 3.5, "initial step length")."""
    return min(1.0, 1.0 / _norm(g))


def _curvature_ok(s: np.ndarray, y: np.ndarray) -> tuple[bool, float]:
    r""":math:`y^\top s > \varepsilon \|s\|\|y\|` — the curvature condition, with a rounding margin."""
    ys = float(y @ s)
    eps = float(np.finfo(s.dtype).eps)
    return ys > eps * float(np.linalg.norm(s)) * float(np.linalg.norm(y)), ys


def _search_failure(ls, k: int) -> dict:
    """How a run ends when its line search fails at step ``k`` (the keywords of ``build``)."""
    if ls.unbounded:
        return {"diverged": True,
                "message": f"diverged at step {k}: the line search found {ls.message}"}
    return {"message": f"stopped at step {k}: line search failed ({ls.message})"}


# ---------------------------------------------------------------------------------------------
# Newton
# ---------------------------------------------------------------------------------------------


def _newton_step(H: np.ndarray, g: np.ndarray, damping: float, saddle_free: bool):
    """Return ``(delta, None)`` or ``(None, reason)`` when the (modified) Hessian is singular."""
    n = g.shape[0]
    if saddle_free:
        lam, V = np.linalg.eigh(0.5 * (H + H.T))
        modulus = np.abs(lam) + damping
        threshold = n * float(np.finfo(H.dtype).eps) * max(float(np.max(modulus)), 1e-300)
        if float(np.min(modulus)) <= threshold:
            return None, "|H| + damping*I is singular (a zero eigenvalue); use damping > 0"
        with np.errstate(all="ignore"):
            delta = -(V @ ((V.T @ g) / modulus))
    else:
        A = H + damping * np.eye(n, dtype=H.dtype) if damping else H
        try:
            with np.errstate(all="ignore"):
                delta = -np.linalg.solve(A, g)
        except np.linalg.LinAlgError:
            return None, "H + damping*I is singular; use damping > 0 or saddle_free=True"
    if not np.all(np.isfinite(delta)):
        return None, "H + damping*I is numerically singular (the Newton step is not finite)"
    return delta.astype(g.dtype, copy=False), None


def newton(
    problem,
    x0,
    steps: int = 50,
    *,
    damping: float = 0.0,
    line_search: bool = False,
    saddle_free: bool = False,
    tol: float = 1e-8,
) -> Trajectory:
    r"""Newton's method: minimise the local quadratic model at every step.

    The second-order Taylor model :math:`m(\Delta) = f + g^\top\Delta + \tfrac12\Delta^\top H\Delta`
    has its stationary point at :math:`H\Delta = -g`. With Levenberg-style damping
    :math:`\mu \ge 0` the step is

    .. math::

        \Delta_k = -(H_k + \mu I)^{-1} g_k, \qquad x_{k+1} = x_k + \alpha_k \Delta_k,

    computed with a linear solve (never an explicit inverse); :math:`\alpha_k = 1` unless
    ``line_search=True`` (then a strong Wolfe search starting at 1; Nocedal & Wright 2006,
    Section 3.3).

    **Newton is attracted to saddles.** The step goes to the stationary point of the model,
    whatever its type. On :math:`f(x, y) = x^2 - y^2` the model is exact, so from any start
    Newton jumps to the saddle :math:`(0, 0)` in one step and reports ``converged=True``
    (the gradient is zero there, but it is not a minimum).

    **Saddle-free Newton** (``saddle_free=True``; Dauphin et al. 2014) replaces :math:`H` by
    :math:`|H| = V|\Lambda|V^\top` from the eigen-decomposition :math:`H = V\Lambda V^\top`:

    .. math::

        \Delta_k = -V(|\Lambda| + \mu I)^{-1}V^\top g_k .

    Along a negative-curvature eigenvector the sign of the step flips, so the method moves
    *away* from a saddle (downhill) instead of towards it; the direction is always a descent
    direction.

    Parameters
    ----------
    problem:
        Object with ``.f``, ``.grad`` and ``.hess``.
    x0:
        Start point, a finite 1-D array.
    steps:
        Maximum number of Newton steps (a non-negative integer).
    damping:
        :math:`\mu \ge 0`, added to the Hessian's diagonal (or to :math:`|\Lambda|`).
    line_search:
        Choose :math:`\alpha_k` by a strong Wolfe line search (:func:`~descent.line_search.wolfe_line_search`).
        If the Newton direction is not a descent direction (:math:`H` not positive definite)
        the run stops with a message; use ``damping`` or ``saddle_free``.
    saddle_free:
        Use :math:`|H|` instead of :math:`H`.
    tol:
        Stop when :math:`\|g_k\|_2 \le` ``tol``.

    Returns
    -------
    Trajectory
        A singular (modified) Hessian stops the run with ``converged=False`` and a message
        instead of raising :class:`numpy.linalg.LinAlgError`; a non-finite loss, gradient or
        Hessian stops it with ``diverged=True``.

    References
    ----------
    Nocedal & Wright (2006), Sections 3.3–3.4; Dauphin et al. (2014), Section 5.
    """
    damping = _validate.nonnegative(damping, "damping")
    if not isinstance(line_search, (bool, np.bool_)):
        raise TypeError(f"line_search must be a bool, got {type(line_search).__name__}")
    if not isinstance(saddle_free, (bool, np.bool_)):
        raise TypeError(f"saddle_free must be a bool, got {type(saddle_free).__name__}")
    x, f, g, ev, rec, steps, tol = _start(problem, x0, steps, tol, need_hess=True)
    extra = {"step_sizes": []}
    build = lambda **kw: rec.build(ev, extra=extra, **kw)  # noqa: E731

    if not _finite(f, g):
        return build(diverged=True, message="f or grad is not finite at x0")
    while True:
        k = rec.steps
        if (done := rec.finished(ev, tol, steps, extra)) is not None:
            return done
        H = ev.hess(x)
        if not np.all(np.isfinite(H)):
            return build(diverged=True, message=f"the Hessian is not finite at step {k}")
        delta, reason = _newton_step(H, g, damping, bool(saddle_free))
        if delta is None:
            if float(np.max(np.abs(H))) < float(np.finfo(H.dtype).tiny) and np.any(g):
                # A curvature below the smallest normal float (e.g. 1/cosh(x)^2 far out) is
                # an iterate that has run away, not a singular model: report divergence.
                return build(diverged=True, message=(
                    f"diverged at step {k}: the Hessian underflowed to {float(np.max(np.abs(H))):.3g} "
                    f"while the gradient norm is {_norm(g):.3g}; the iterates have run "
                    "out to where the curvature is below the floating-point range"))
            if not np.any(g):
                return build(message=f"stopped at step {k}: a stationary point (zero gradient) "
                                     f"with a singular Hessian")
            return build(message=f"stopped at step {k}: {reason}")
        if line_search:
            slope = float(g @ delta)
            if not slope < 0.0:
                return build(
                    message=(
                        f"stopped at step {k}: the Newton direction is not a descent direction "
                        f"(g @ delta = {slope:.3g}; H is not positive definite); "
                        "use damping > 0 or saddle_free=True"
                    )
                )
            ls = wolfe_line_search(ev.f, ev.grad, x, delta, f0=f, g0=g, alpha0=1.0)
            if not ls.success:
                return build(**_search_failure(ls, k))
            x, f, g = ls.x, ls.f, ls.g
            extra["step_sizes"].append(ls.alpha)
        else:
            x_new = x + delta
            f_new = ev.f(x_new)
            g_new = ev.grad(x_new)
            if not _finite(f_new, g_new):
                return build(diverged=True, message=f"f or grad became non-finite at step {k + 1}")
            x, f, g = x_new, f_new, g_new
            extra["step_sizes"].append(1.0)
        rec.append(x, f, g)


# ---------------------------------------------------------------------------------------------
# Quasi-Newton inverse-Hessian updates
# ---------------------------------------------------------------------------------------------


def _is_sympy(obj) -> bool:
    return type(obj).__module__.split(".")[0] == "sympy"


def _check_update_args(H, s, y):
    if any(_is_sympy(a) for a in (H, s, y)):
        import sympy as sp  # symbolic use only (the book's SymPy cells)

        H, s, y = sp.Matrix(H), sp.Matrix(s), sp.Matrix(y)
        n = H.shape[0]
        if H.shape != (n, n) or s.shape != (n, 1) or y.shape != (n, 1):
            raise ValueError(
                f"H must be (n, n) and s, y column vectors (n, 1); got {H.shape}, {s.shape}, {y.shape}"
            )
        return True, H, s, y
    H = np.asarray(H)
    s = np.asarray(s)
    y = np.asarray(y)
    for name, arr in (("H", H), ("s", s), ("y", y)):
        if not np.issubdtype(arr.dtype, np.floating) and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name} must be a real array, got dtype {arr.dtype}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"s must be a non-empty 1-D array, got shape {s.shape}")
    n = s.shape[0]
    if y.shape != (n,):
        raise ValueError(f"y must have the shape of s {(n,)}, got {y.shape}")
    if H.shape != (n, n):
        raise ValueError(f"H must have shape {(n, n)}, got {H.shape}")
    ys = float(y @ s)
    if not ys > 0.0:
        raise ValueError(
            f"the curvature condition y @ s > 0 is violated (y @ s = {ys:.3g}); "
            "the update would not be positive definite"
        )
    return False, H, s, y


def _bfgs_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unchecked BFGS inverse update in O(n^2): expanded form of eq. (6.17)."""
    rho = 1.0 / float(y @ s)
    Hy = H @ y
    coef = rho * rho * float(y @ Hy) + rho
    return H - rho * (np.outer(s, Hy) + np.outer(Hy, s)) + coef * np.outer(s, s)


def _dfp_update(H: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unchecked DFP inverse update, eq. (6.15)."""
    Hy = H @ y
    return H - np.outer(Hy, Hy) * (1.0 / float(y @ Hy)) + np.outer(s, s) * (1.0 / float(y @ s))


def bfgs_inverse_update(H, s, y):
    r"""The BFGS update of the inverse-Hessian approximation (Nocedal & Wright 2006, eq. 6.17).

    .. math::

        H_{+} = (I - \rho\, s y^\top)\, H\, (I - \rho\, y s^\top) + \rho\, s s^\top,
        \qquad \rho = \frac{1}{y^\top s}.

    :math:`H_+` satisfies the secant condition :math:`H_+ y = s`, is symmetric when :math:`H`
    is, and is positive definite when :math:`H` is and :math:`y^\top s > 0`. Among all such
    matrices it is the closest to :math:`H` in a weighted Frobenius norm (eq. 6.16).

    Parameters
    ----------
    H:
        Current inverse-Hessian approximation, shape ``(n, n)``.
    s, y:
        Step :math:`x_{k+1} - x_k` and gradient change :math:`g_{k+1} - g_k`, shape ``(n,)``.
        Also accepts SymPy matrices (``s``, ``y`` as ``(n, 1)`` columns) and then returns the
        exact symbolic update, for checking the secant condition symbolically.

    Raises
    ------
    ValueError
        On shape mismatch, non-finite input, or :math:`y^\top s \le 0` (NumPy input).
    """
    symbolic, H, s, y = _check_update_args(H, s, y)
    if symbolic:
        import sympy as sp

        rho = 1 / (y.T * s)[0, 0]
        eye = sp.eye(H.shape[0])
        return (eye - rho * s * y.T) * H * (eye - rho * y * s.T) + rho * s * s.T
    return _bfgs_update(H, s, y)


def dfp_inverse_update(H, s, y):
    r"""The Davidon–Fletcher–Powell update of the inverse Hessian (Nocedal & Wright 2006, eq. 6.15).

    .. math::

        H_{+} = H - \frac{H y y^\top H}{y^\top H y} + \frac{s s^\top}{y^\top s}.

    It satisfies the secant condition :math:`H_+ y = s` and keeps :math:`H` symmetric positive
    definite when :math:`y^\top s > 0`. It is the dual of BFGS (swap :math:`H \leftrightarrow B`,
    :math:`s \leftrightarrow y`), and in practice corrects bad curvature estimates much more
    slowly (Nocedal & Wright 2006, Section 6.1).

    Parameters and errors as in :func:`bfgs_inverse_update` (SymPy input is accepted too).
    """
    symbolic, H, s, y = _check_update_args(H, s, y)
    if symbolic:
        Hy = H * y
        return H - Hy * Hy.T / (y.T * Hy)[0, 0] + s * s.T / (y.T * s)[0, 0]
    yHy = float(y @ (H @ y))
    if not yHy > 0.0:
        raise ValueError(f"y @ H @ y must be > 0 for the DFP update, got {yHy:.3g}")
    return _dfp_update(H, s, y)


def _check_H0(H0, x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    H = np.asarray(H0)
    if not (np.issubdtype(H.dtype, np.floating) or np.issubdtype(H.dtype, np.integer)):
        raise TypeError(f"H0 must be a real (n, n) array, got dtype {H.dtype}")
    if H.shape != (n, n):
        raise ValueError(f"H0 must have shape {(n, n)}, got {H.shape}")
    H = np.array(H, dtype=x.dtype, copy=True)
    if not np.all(np.isfinite(H)):
        raise ValueError("H0 must be finite")
    if not np.allclose(H, H.T):
        raise ValueError("H0 must be symmetric")
    try:
        np.linalg.cholesky(H)
    except np.linalg.LinAlgError:
        raise ValueError("H0 must be positive definite") from None
    return H


class _InverseHessian:
    """BFGS/DFP memory: a dense inverse-Hessian approximation :math:`H` and its update."""

    def __init__(self, x: np.ndarray, H0, update) -> None:
        self.eye = np.eye(x.shape[0], dtype=x.dtype)
        self.user_H0 = H0 is not None
        self.H = _check_H0(H0, x) if self.user_H0 else self.eye.copy()
        self.identity = not self.user_H0       # H = I: use a cautious first trial step
        self.n_updates = 0
        self._update = update
        self.extra: dict = {}

    def direction(self, g: np.ndarray) -> np.ndarray:
        return -(self.H @ g)

    def reset(self) -> None:
        self.H, self.identity = self.eye.copy(), True

    def update(self, s: np.ndarray, y: np.ndarray, ys: float) -> None:
        if self.n_updates == 0 and not self.user_H0:
            # Nocedal & Wright eq. (6.20): scale H0 = (y's / y'y) I before the first update.
            self.H = self.eye * (ys / float(y @ y))
        self.H = self._update(self.H, s, y)
        self.n_updates += 1
        self.identity = False


class _PairMemory:
    """L-BFGS memory: the last ``m`` pairs :math:`(s_i, y_i)` in a ring buffer."""

    def __init__(self, x: np.ndarray, m: int) -> None:
        n = x.shape[0]
        self.S = np.zeros((m, n), dtype=x.dtype)
        self.Y = np.zeros((m, n), dtype=x.dtype)
        self.rho = np.zeros(m, dtype=np.float64)
        self.order: list[int] = []      # rows of S, Y in use, oldest first
        self.next_row = 0
        self.m = m
        self.extra = {"memory_floats": int(self.S.size + self.Y.size), "m": m}

    @property
    def identity(self) -> bool:
        return not self.order

    def direction(self, g: np.ndarray) -> np.ndarray:
        return _two_loop(g, self.S, self.Y, self.rho, self.order)

    def reset(self) -> None:
        self.order = []

    def update(self, s: np.ndarray, y: np.ndarray, ys: float) -> None:
        if len(self.order) == self.m:
            self.order.pop(0)
        self.S[self.next_row] = s
        self.Y[self.next_row] = y
        self.rho[self.next_row] = 1.0 / ys
        self.order.append(self.next_row)
        self.next_row = (self.next_row + 1) % self.m


def _line_search_method(problem, x0, steps, tol, make_memory) -> Trajectory:
    """The loop shared by BFGS, DFP and L-BFGS (Nocedal & Wright Algorithms 6.1 and 7.5).

    ``make_memory(x0)`` returns the curvature memory (:class:`_InverseHessian` or
    :class:`_PairMemory`): its ``direction(g)``, ``reset()``, ``update(s, y, ys)`` and
    whether it is the plain identity.  The loop owns what the methods share: a direction
    that is not a descent direction (only by rounding) resets the memory; a failed line
    search resets it and retries once along :math:`-g` (a second failure ends the run, and
    one that finds :math:`f` unbounded below ends it with ``diverged=True``); a pair that
    fails the curvature condition is skipped.
    """
    x, f, g, ev, rec, steps, tol = _start(problem, x0, steps, tol)
    memory = make_memory(x)
    extra = {"step_sizes": [], "skipped_updates": [], "resets": [], **memory.extra}
    build = lambda **kw: rec.build(ev, extra=extra, **kw)  # noqa: E731

    if not _finite(f, g):
        return build(diverged=True, message="f or grad is not finite at x0")
    while True:
        k = rec.steps
        if (done := rec.finished(ev, tol, steps, extra)) is not None:
            return done
        if not np.any(g):
            return build(message=f"stopped at step {k}: the gradient is exactly zero")
        p = memory.direction(g)
        if not memory.identity and not float(g @ p) < 0.0:  # only by rounding
            memory.reset()
            extra["resets"].append(k)
            p = -g
        alpha0 = _first_step(g) if memory.identity else 1.0
        ls = wolfe_line_search(ev.f, ev.grad, x, p, f0=f, g0=g, alpha0=alpha0)
        if not ls.success:
            if not memory.identity and not ls.unbounded:  # retry once along steepest descent
                memory.reset()
                extra["resets"].append(k)
                continue
            return build(**_search_failure(ls, k))
        s = ls.x - x
        y = ls.g - g
        ok, ys = _curvature_ok(s, y)
        if ok:
            memory.update(s, y, ys)
        else:
            extra["skipped_updates"].append(k)
        x, f, g = ls.x, ls.f, ls.g
        extra["step_sizes"].append(ls.alpha)
        rec.append(x, f, g)


def bfgs(problem, x0, steps: int = 1000, *, tol: float = 1e-8, H0=None) -> Trajectory:
    r"""BFGS with a strong Wolfe line search (Nocedal & Wright 2006, Algorithm 6.1).

    .. math::

        p_k = -H_k g_k,\quad x_{k+1} = x_k + \alpha_k p_k,\quad
        H_{k+1} = (I - \rho_k s_k y_k^\top) H_k (I - \rho_k y_k s_k^\top) + \rho_k s_k s_k^\top ,

    with :math:`\alpha_k` from :func:`~descent.line_search.wolfe_line_search`
    (:math:`c_1 = 10^{-4}`, :math:`c_2 = 0.9`) and the update of :func:`bfgs_inverse_update`.

    Details:

    * If ``H0`` is ``None``, :math:`H_0 = I`, the first trial step is
      :math:`\min(1, 1/\|g_0\|)`, and just before the first update :math:`H_0` is rescaled to
      :math:`\frac{y_0^\top s_0}{y_0^\top y_0} I` (eq. 6.20). A given ``H0`` (symmetric
      positive definite) is used as is.
    * When the curvature condition fails (:math:`y_k^\top s_k \le \varepsilon\|s_k\|\|y_k\|`,
      i.e. not positive up to rounding), the update is skipped; the step indices are in
      ``extra['skipped_updates']``.
    * If the line search fails, :math:`H` is reset to :math:`I` once and the search is retried
      along :math:`-g_k` (indices in ``extra['resets']``); a second failure ends the run with a
      message. Accepted step sizes are in ``extra['step_sizes']``.

    Memory :math:`n^2` floats and :math:`O(n^2)` work per step.
    """
    return _line_search_method(problem, x0, steps, tol, lambda x: _InverseHessian(x, H0, _bfgs_update))


def dfp(problem, x0, steps: int = 1000, *, tol: float = 1e-8) -> Trajectory:
    r"""The Davidon–Fletcher–Powell method with a strong Wolfe line search.

    Identical to :func:`bfgs` except for the inverse-Hessian update
    (:func:`dfp_inverse_update`, Nocedal & Wright 2006, eq. 6.15):

    .. math::

        H_{k+1} = H_k - \frac{H_k y_k y_k^\top H_k}{y_k^\top H_k y_k}
        + \frac{s_k s_k^\top}{y_k^\top s_k}.

    Historically the first quasi-Newton method (Davidon 1959; Fletcher & Powell 1963); with an
    inexact line search it is usually much slower than BFGS.
    """
    return _line_search_method(problem, x0, steps, tol, lambda x: _InverseHessian(x, None, _dfp_update))


# ---------------------------------------------------------------------------------------------
# L-BFGS
# ---------------------------------------------------------------------------------------------


def _two_loop(g: np.ndarray, S: np.ndarray, Y: np.ndarray, rho: np.ndarray, order) -> np.ndarray:
    """Unchecked two-loop recursion over rows ``order`` (oldest first); returns ``-H_k g``."""
    if not order:
        return -g
    q = g.copy()
    alphas = [0.0] * len(order)
    for j in range(len(order) - 1, -1, -1):
        i = order[j]
        alphas[j] = float(rho[i]) * float(S[i] @ q)
        q -= alphas[j] * Y[i]
    newest = order[-1]
    gamma = float(S[newest] @ Y[newest]) / float(Y[newest] @ Y[newest])
    r = gamma * q
    for j, i in enumerate(order):
        beta = float(rho[i]) * float(Y[i] @ r)
        r += (alphas[j] - beta) * S[i]
    return -r


def two_loop_direction(g, s_list: Sequence, y_list: Sequence) -> np.ndarray:
    r"""The L-BFGS direction :math:`-H_k g` by the two-loop recursion (Nocedal & Wright 2006, Alg. 7.4).

    :math:`H_k` is the matrix obtained by applying the BFGS update (:func:`bfgs_inverse_update`)
    with the pairs :math:`(s_i, y_i)`, oldest first, to :math:`H_k^0 = \gamma_k I`,
    :math:`\gamma_k = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}}` (eq. 7.20, newest pair);
    it is never formed. With :math:`q = g`:

    .. math::

        &\text{for } i = k-1, \dots, k-m:\quad
        \alpha_i = \rho_i s_i^\top q,\quad q \leftarrow q - \alpha_i y_i;
        \qquad r = \gamma_k q; \\
        &\text{for } i = k-m, \dots, k-1:\quad
        \beta = \rho_i y_i^\top r,\quad r \leftarrow r + (\alpha_i - \beta) s_i;

    and :math:`H_k g = r`. Cost :math:`4mn` multiplications, memory :math:`2mn` floats.

    Parameters
    ----------
    g:
        Gradient, shape ``(n,)``.
    s_list, y_list:
        The stored pairs, oldest first: sequences of ``(n,)`` arrays or ``(m, n)`` arrays, of the
        same length, each with :math:`y_i^\top s_i > 0`. Empty lists give :math:`-g`.

    Returns
    -------
    numpy.ndarray
        :math:`-H_k g`, shape ``(n,)``.
    """
    g = np.asarray(g)
    if not (np.issubdtype(g.dtype, np.floating) or np.issubdtype(g.dtype, np.integer)):
        raise TypeError(f"g must be a real array, got dtype {g.dtype}")
    if g.ndim != 1 or g.size == 0:
        raise ValueError(f"g must be a non-empty 1-D array, got shape {g.shape}")
    if not np.all(np.isfinite(g)):
        raise ValueError("g must be finite")
    dtype = g.dtype if np.issubdtype(g.dtype, np.floating) else np.dtype(np.float64)
    g = g.astype(dtype, copy=False)
    n = g.shape[0]
    if len(s_list) != len(y_list):
        raise ValueError(
            f"s_list and y_list must have the same length, got {len(s_list)} and {len(y_list)}"
        )
    m = len(s_list)
    if m == 0:
        return -g
    try:
        S = np.asarray(s_list, dtype=dtype)
        Y = np.asarray(y_list, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"every s and y must be a real array of the shape of g {(n,)}") from None
    if S.shape != (m, n) or Y.shape != (m, n):
        raise ValueError(f"every s and y must have the shape of g {(n,)}")
    if not (np.all(np.isfinite(S)) and np.all(np.isfinite(Y))):
        raise ValueError("s_list and y_list must be finite")
    ys = np.einsum("ij,ij->i", S, Y)
    if not np.all(ys > 0):
        bad = int(np.flatnonzero(~(ys > 0))[0])
        raise ValueError(f"pair {bad} violates the curvature condition y @ s > 0 (y @ s = {ys[bad]:.3g})")
    return _two_loop(g, S, Y, 1.0 / ys, list(range(m)))


def lbfgs(problem, x0, steps: int = 1000, *, m: int = 10, tol: float = 1e-8) -> Trajectory:
    r"""Limited-memory BFGS (Nocedal & Wright 2006, Algorithm 7.5).

    Keeps only the last :math:`m` pairs :math:`(s_i, y_i)` in two ``(m, n)`` arrays (a ring
    buffer: :math:`2mn` floats instead of BFGS's :math:`n^2`) and computes
    :math:`p_k = -H_k g_k` with :func:`two_loop_direction`, where :math:`H_k` is the BFGS
    matrix built from those pairs on :math:`H_k^0 = \gamma_k I`,
    :math:`\gamma_k = s_{k-1}^\top y_{k-1} / y_{k-1}^\top y_{k-1}`.
    The step length comes from the strong Wolfe line search (trial step 1; :math:`\min(1, 1/\|g\|)`
    while the memory is empty).

    A pair failing the curvature condition (:math:`y^\top s \le \varepsilon\|s\|\|y\|`) is not
    stored (``extra['skipped_updates']``); if the line search fails the memory is cleared and
    the search retried once along :math:`-g_k` (``extra['resets']``).
    ``extra['memory_floats']`` is :math:`2mn`, the size of the pair storage.
    """
    m = _validate.positive_int(m, "m")
    return _line_search_method(problem, x0, steps, tol, lambda x: _PairMemory(x, m))
