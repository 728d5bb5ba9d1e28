r"""Run a gradient transformation on a landscape and record what happens.

:func:`minimize` runs one start and returns a :class:`~descent.trajectory.Trajectory`;
:func:`minimize_many` runs many independent starts in one vectorised loop (the
workhorse behind the book's maps over step size and momentum).  Both implement

.. math::
   g_k = \nabla f(x_k) + \sigma \xi_k,\quad \xi_k \sim \mathcal N(0, I),\qquad
   (u_k, s_{k+1}) = \text{update}(g_k, s_k, x_k),\qquad x_{k+1} = x_k + u_k,

with :math:`\sigma` = ``grad_noise`` (0 by default: plain full-batch descent).

*Divergence is a result, not an error.*  A run stops at the first non-finite value of
:math:`x`, :math:`f` or :math:`\nabla f` — or when :math:`\max_i |x_i|` exceeds
``escape_radius`` (default :math:`10^{150}`, so that overflow cannot creep in
unnoticed) — keeps only the finite iterates, and reports ``diverged=True`` with a
message.  The arithmetic runs under :func:`numpy.errstate`, so no ``RuntimeWarning``
reaches the caller.

Reference: Goodfellow, Bengio & Courville (2016), *Deep Learning*, Algorithm 8.1 and
Sec. 8.3; Bottou, Curtis & Nocedal (2018), *Optimization Methods for Large-Scale Machine
Learning*, SIAM Review 60(2) (gradient noise).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _validate as v
from .trajectory import Trajectory
from .transforms import GradientTransformation, apply_updates

__all__ = ["minimize", "minimize_many", "BatchTrajectory"]

_QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------

def _check_optimizer(optimizer: Any) -> GradientTransformation:
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(
            f"optimizer must be a descent.transforms.GradientTransformation, got {type(optimizer).__name__}"
        )
    return optimizer


def _resolve_problem(problem: Any) -> tuple[Callable, Callable | None, int | None]:
    """``(grad, f or None, dim or None)`` from a landscape-like object or a gradient callable."""
    grad = getattr(problem, "grad", None)
    if callable(grad):
        f = getattr(problem, "f", None)
        dim = getattr(problem, "dim", None)
        return grad, (f if callable(f) else None), (int(dim) if isinstance(dim, (int, np.integer)) else None)
    if callable(problem):
        return problem, None, None
    raise TypeError(
        "problem must have a .grad method (e.g. a descent.landscapes.Landscape) or be a callable "
        f"x -> gradient, got {type(problem).__name__}"
    )


def _norms(g: np.ndarray) -> np.ndarray:
    """Euclidean norm over axis 0 in float64; overflowing sums of squares are redone with
    :func:`numpy.hypot`, so a finite gradient always has a finite norm."""
    g = np.asarray(g, dtype=np.float64)
    out = np.sqrt(np.einsum("i...,i...->...", g, g))
    finite = np.isfinite(out)
    if not np.all(finite):
        out = np.where(finite, out, np.hypot.reduce(g, axis=0))
    return out


def _evaluate(grad_fn: Callable, loss_fn: Callable | None, x: np.ndarray, batch: tuple[int, ...]):
    """Gradient (cast to ``x``'s dtype, shape-checked) and loss (float64, NaN without ``f``)."""
    g = np.asarray(grad_fn(x))
    if g.shape != x.shape:
        raise ValueError(f"problem's gradient returned shape {g.shape}, expected {x.shape}")
    if g.dtype.kind not in "iuf":
        raise TypeError(f"problem's gradient must be real, got dtype {g.dtype}")
    g = g.astype(x.dtype, copy=False)
    if loss_fn is None:
        return g, np.full(batch, np.nan)
    loss = np.asarray(loss_fn(x), dtype=np.float64)
    if loss.shape != batch:
        raise ValueError(f"problem's f returned shape {loss.shape}, expected {batch}")
    return g, loss


def _validate_common(steps, tol, grad_noise, escape_radius):
    steps = v.nonnegative_int(steps, "steps")
    tol = None if tol is None else v.nonnegative(tol, "tol")
    grad_noise = v.nonnegative(grad_noise, "grad_noise")
    escape_radius = v.positive(escape_radius, "escape_radius")
    return steps, tol, grad_noise, escape_radius


# ---------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------

def minimize(optimizer: GradientTransformation, problem: Any, x0: Any, steps: int, *,
             tol: float | None = None, grad_noise: float = 0.0, seed: Any = None,
             callback: Callable[[int, np.ndarray], Any] | None = None,
             escape_radius: float = 1e150) -> Trajectory:
    r"""Run ``optimizer`` on ``problem`` from ``x0`` for at most ``steps`` steps.

    .. math:: x_{k+1} = x_k + u_k,\qquad (u_k, s_{k+1}) = \text{update}(\nabla f(x_k) + \sigma\xi_k,\ s_k,\ x_k)

    Parameters
    ----------
    optimizer:
        A :class:`~descent.transforms.GradientTransformation`, e.g. ``chain(scale(-0.1))``
        for gradient descent with step 0.1.
    problem:
        A :class:`~descent.landscapes.Landscape` (anything with ``.grad`` and optionally
        ``.f`` and ``.dim``) or a plain callable ``x -> gradient`` (losses are then NaN).
    x0:
        Starting point, a finite 1-D array of ``problem.dim`` coordinates.  Its dtype is
        kept (``float32`` stays ``float32``); integers become ``float64``.
    steps:
        Maximum number of steps (non-negative integer).
    tol:
        Stop as soon as :math:`\lVert\nabla f(x_k)\rVert \le` ``tol`` (``converged=True``);
        checked at :math:`x_0` too.
    grad_noise:
        Standard deviation :math:`\sigma` of Gaussian noise added to every gradient
        component, drawn from ``np.random.default_rng(seed)``; the recorded gradient
        norms are those of the *true* gradient.
    seed:
        Seed for the noise (anything :func:`numpy.random.default_rng` accepts).
    callback:
        ``callback(k, x_k)`` after every step; returning ``True`` stops the run.
    escape_radius:
        :math:`\max_i |x_i|` above this counts as divergence.

    Returns
    -------
    Trajectory
        ``iterates`` ``(k + 1, n)``, ``losses``, ``grad_norms`` (float64), ``diverged``,
        ``converged``, ``n_fev``, ``n_gev`` and a ``message``; ``extra`` records
        ``grad_noise`` and ``seed``.
    """
    _check_optimizer(optimizer)
    grad_fn, loss_fn, dim = _resolve_problem(problem)
    x = v.real_array(x0, "x0", 1, dim)
    steps, tol, grad_noise, escape_radius = _validate_common(steps, tol, grad_noise, escape_radius)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (k, x) -> bool | None, got {type(callback).__name__}")
    rng = np.random.default_rng(seed)
    n = x.size
    iterates = np.empty((steps + 1, n), dtype=x.dtype)
    losses = np.full(steps + 1, np.nan)
    grad_norms = np.empty(steps + 1)
    diverged = converged = False
    outer_err = np.geterr()

    with np.errstate(**_QUIET):
        g, loss = _evaluate(grad_fn, loss_fn, x, ())
        n_gev, n_fev = 1, int(loss_fn is not None)
        gnorm = float(_norms(g))
        if not np.isfinite(gnorm) or (loss_fn is not None and not np.isfinite(loss)):
            raise ValueError("the gradient or loss at x0 is not finite")
        state = optimizer.init(x)
        iterates[0], losses[0], grad_norms[0] = x, loss, gnorm
        k = 0
        message = f"completed {steps} steps"
        while True:
            if tol is not None and grad_norms[k] <= tol:
                converged = True
                message = f"converged: gradient norm {grad_norms[k]:.3g} <= tol = {tol:.3g} at step {k}"
                break
            if k == steps:
                break
            g_used = g
            if grad_noise > 0.0:
                g_used = g + (grad_noise * rng.standard_normal(n)).astype(x.dtype)
            updates, state = optimizer.update(g_used, state, x)
            x_new = apply_updates(x, updates)
            if not np.all(np.isfinite(x_new)):
                diverged, message = True, f"diverged: non-finite iterate at step {k + 1}"
                break
            if np.max(np.abs(x_new)) > escape_radius:
                diverged = True
                message = f"diverged: |x| exceeded escape_radius = {escape_radius:.3g} at step {k + 1}"
                break
            g_new, loss_new = _evaluate(grad_fn, loss_fn, x_new, ())
            n_gev += 1
            n_fev += int(loss_fn is not None)
            gnorm = float(_norms(g_new))
            if not np.isfinite(gnorm) or (loss_fn is not None and not np.isfinite(loss_new)):
                what = "gradient" if not np.isfinite(gnorm) else "loss"
                diverged, message = True, f"diverged: non-finite {what} at step {k + 1}"
                break
            k += 1
            x, g = x_new, g_new
            iterates[k], losses[k], grad_norms[k] = x, loss_new, gnorm
            if callback is not None:
                with np.errstate(**outer_err):
                    stop = callback(k, x.copy())
                if stop is True:
                    message = f"stopped by callback at step {k}"
                    break

    return Trajectory(iterates[:k + 1].copy(), losses[:k + 1].copy(), grad_norms[:k + 1].copy(),
                      diverged=diverged, converged=converged, n_fev=n_fev, n_gev=n_gev, n_hev=0,
                      message=message, extra={"grad_noise": grad_noise, "seed": seed})


# ---------------------------------------------------------------------------
# Many runs at once
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchTrajectory:
    """Iterates and diagnostics of ``B`` independent runs (see :func:`minimize_many`).

    Attributes
    ----------
    iterates:
        ``(steps + 1, B, n)``; a run that stopped early (diverged or converged) is frozen
        at its last accepted iterate, which is repeated.  ``None`` with ``keep_iterates=False``.
    losses, grad_norms:
        ``(steps + 1, B)``, float64, frozen likewise (losses NaN without ``problem.f``).
    diverged, converged:
        ``(B,)`` booleans.
    n_steps:
        ``(B,)`` number of steps each run actually took before it was frozen.
    final:
        ``(B, n)`` last accepted iterate of each run.
    n_fev, n_gev:
        Number of (vectorised) calls of ``f`` and ``grad``, each over all ``B`` points.
    """

    iterates: np.ndarray | None
    losses: np.ndarray
    grad_norms: np.ndarray
    diverged: np.ndarray
    converged: np.ndarray
    n_steps: np.ndarray
    final: np.ndarray
    n_fev: int = 0
    n_gev: int = 0
    message: str = ""

    @property
    def n_runs(self) -> int:
        return int(self.diverged.shape[0])

    def trajectory(self, i: int) -> Trajectory:
        """Run ``i`` as a :class:`~descent.trajectory.Trajectory` (its first ``n_steps[i] + 1`` records)."""
        if self.iterates is None:
            raise ValueError("iterates were not kept (keep_iterates=False)")
        i = int(i)
        k = int(self.n_steps[i])
        return Trajectory(self.iterates[:k + 1, i].copy(), self.losses[:k + 1, i].copy(),
                          self.grad_norms[:k + 1, i].copy(), diverged=bool(self.diverged[i]),
                          converged=bool(self.converged[i]), message=f"run {i} of a batch")


def _check_elementwise(optimizer: GradientTransformation, n: int, dtype: np.dtype) -> None:
    """Refuse transformations that couple the columns of an ``(n, B)`` parameter array.

    Probes one update: the first column of a two-column batch whose second column has
    a huge gradient must get the same update as that column alone.  This catches
    :func:`~descent.transforms.clip_by_global_norm` and anything else that mixes columns
    at the first step.
    """
    big = float(min(1e15, float(np.finfo(dtype).max) ** 0.25))
    params = np.zeros((n, 2), dtype=dtype)
    grads = np.empty((n, 2), dtype=dtype)
    grads[:, 0] = 1.0
    grads[:, 1] = big
    with np.errstate(**_QUIET):
        pair, _ = optimizer.update(grads, optimizer.init(params), params)
        alone, _ = optimizer.update(grads[:, :1].copy(), optimizer.init(params[:, :1].copy()),
                                    params[:, :1].copy())
        same = np.allclose(np.asarray(pair)[:, :1], np.asarray(alone), rtol=1e-5, atol=0.0, equal_nan=True)
    if not same:
        raise ValueError(
            "optimizer couples the independent runs (e.g. clip_by_global_norm takes one norm over "
            "all of them), so minimize_many cannot batch it; use minimize in a loop, or pass "
            "check_elementwise=False if you really want the coupled behaviour"
        )


def minimize_many(optimizer: GradientTransformation, problem: Any, x0s: Any, steps: int, *,
                  tol: float | None = None, grad_noise: float = 0.0, seed: Any = None,
                  escape_radius: float = 1e150, keep_iterates: bool = True,
                  check_elementwise: bool = True) -> BatchTrajectory:
    r"""Run ``optimizer`` from each row of ``x0s`` (shape ``(B, n)``), all at once.

    The ``B`` runs are stacked as the columns of one ``(n, B)`` parameter array,
    :math:`X_{k+1} = X_k + U_k`, and ``problem.grad`` is called once per step on it
    (landscapes accept ``(n, *batch)`` arrays).  This equals ``B`` separate calls of
    :func:`minimize` *because the transformations of* :mod:`descent.transforms` *act
    elementwise* — their state is per-coordinate moving averages and step counts.  A
    transformation that mixes coordinates, such as
    :func:`~descent.transforms.clip_by_global_norm` (one norm over the whole array),
    would couple the runs; a one-step probe detects this and raises ``ValueError``
    (``check_elementwise=False`` skips the probe).

    Each run is frozen — its iterate, loss and gradient norm repeated — from the step
    at which it diverges (non-finite value or :math:`\max_i|x_i| >` ``escape_radius``;
    it keeps its last finite iterate) or converges (gradient norm :math:`\le` ``tol``).
    With ``grad_noise > 0`` all runs draw from one generator, so the noise differs from
    that of :func:`minimize` with the same ``seed``.  The other arguments are those of
    :func:`minimize`; ``problem`` as a plain callable must accept ``(n, B)`` arrays.
    """
    _check_optimizer(optimizer)
    grad_fn, loss_fn, dim = _resolve_problem(problem)
    starts = v.real_array(x0s, "x0s", 2, dim)
    steps, tol, grad_noise, escape_radius = _validate_common(steps, tol, grad_noise, escape_radius)
    rng = np.random.default_rng(seed)
    B, n = starts.shape
    X = np.ascontiguousarray(starts.T)
    if check_elementwise and B > 1:
        _check_elementwise(optimizer, n, X.dtype)

    iterates = np.empty((steps + 1, B, n), dtype=X.dtype) if keep_iterates else None
    losses = np.empty((steps + 1, B))
    grad_norms = np.empty((steps + 1, B))
    diverged = np.zeros(B, dtype=bool)
    converged = np.zeros(B, dtype=bool)
    n_steps = np.zeros(B, dtype=np.int64)
    has_loss = loss_fn is not None

    with np.errstate(**_QUIET):
        G, L = _evaluate(grad_fn, loss_fn, X, (B,))
        n_gev, n_fev = 1, int(has_loss)
        gn = _norms(G)
        bad = ~np.isfinite(gn) | (has_loss & ~np.isfinite(L))
        if bad.any():
            raise ValueError(f"the gradient or loss is not finite at x0s[{int(np.flatnonzero(bad)[0])}]")
        state = optimizer.init(X)
        if tol is not None:
            converged = gn <= tol
        frozen = converged.copy()

        def record(k):
            if keep_iterates:
                iterates[k] = X.T
            losses[k], grad_norms[k] = L, gn

        record(0)
        k = 0
        for k in range(1, steps + 1):
            if frozen.all():
                k -= 1
                break
            G_used = G
            if grad_noise > 0.0:
                G_used = G + (grad_noise * rng.standard_normal((n, B))).astype(X.dtype)
            updates, state = optimizer.update(G_used, state, X)
            Xn = apply_updates(X, updates)
            escaped = ~np.all(np.isfinite(Xn), axis=0) | (np.max(np.abs(Xn), axis=0) > escape_radius)
            keep = frozen | escaped
            if keep.any():
                Xn = np.where(keep, X, Xn)
            Gn, Ln = _evaluate(grad_fn, loss_fn, Xn, (B,))
            n_gev += 1
            n_fev += int(has_loss)
            gn_new = _norms(Gn)
            broken = ~keep & (~np.isfinite(gn_new) | (has_loss & ~np.isfinite(Ln)))
            if broken.any():
                Xn = np.where(broken, X, Xn)
                Gn = np.where(broken, G, Gn)
                Ln = np.where(broken, L, Ln)
                gn_new = np.where(broken, gn, gn_new)
            newly_diverged = (escaped & ~frozen) | broken
            diverged |= newly_diverged
            frozen |= newly_diverged
            n_steps[~frozen] = k
            if tol is not None:
                hit = ~frozen & (gn_new <= tol)
                converged |= hit
                frozen |= hit
            X, G, L, gn = Xn, Gn, Ln, gn_new
            record(k)
        if k < steps:  # every run frozen: repeat the last records
            if keep_iterates:
                iterates[k + 1:] = iterates[k]
            losses[k + 1:] = losses[k]
            grad_norms[k + 1:] = grad_norms[k]

    message = (f"{B} runs of up to {steps} steps: {int(diverged.sum())} diverged, "
               f"{int(converged.sum())} converged")
    return BatchTrajectory(iterates, losses, grad_norms, diverged, converged, n_steps,
                           np.ascontiguousarray(X.T), n_fev=n_fev, n_gev=n_gev, message=message)
