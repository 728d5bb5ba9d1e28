r"""Run a gradient transformation on a landscape and record what happens.

:func:`minimize` runs one start and returns a :class:`~descent.trajectory.Trajectory`;
:func:`minimize_many` runs many independent starts in one vectorised loop (the
workhorse behind the book's maps over step size and momentum), optionally with a
different hyper-parameter — a learning rate, a momentum, … — in every run.  Both implement

.. math::
   g_k = \nabla f(x_k) + \sigma \xi_k,\quad \xi_k \sim \mathcal N(0, I),\qquad
   (u_k, s_{k+1}) = \text{update}(g_k, s_k, x_k),\qquad x_{k+1} = x_k + u_k,

with :math:`\sigma` = ``grad_noise`` (0 by default: plain full-batch descent).

A *problem* is a :class:`~descent.landscapes.Landscape`, anything with ``.grad`` (and
optionally ``.f``, ``.value_and_grad`` and ``.dim``), or a plain callable ``x -> gradient``.
When it has ``value_and_grad(x) -> (f, g)`` the runner calls that once per step instead
of ``f`` and ``grad`` separately (one pass through a network instead of two).

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

import functools
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _validate as v
from . import optimizers as _optimizers
from .trajectory import Trajectory
from .transforms import EmptyState, GradientTransformation, _apply_of, chain

__all__ = ["minimize", "minimize_many", "BatchTrajectory"]

_max_reduce = np.maximum.reduce      # NaN-propagating, without np.max's Python layer
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


class _Problem:
    """The calls the runner makes, resolved once: ``evaluate(x) -> (g, loss)``."""

    __slots__ = ("grad", "f", "value_and_grad", "dim", "has_loss")

    def __init__(self, problem: Any) -> None:
        grad = getattr(problem, "grad", None)
        vg = getattr(problem, "value_and_grad", None)
        if not callable(grad) and callable(vg):          # a problem with only value_and_grad
            self.grad, self.f, self.value_and_grad = (lambda x: vg(x)[1]), (lambda x: vg(x)[0]), vg
            dim = getattr(problem, "dim", None)
            self.dim = int(dim) if isinstance(dim, (int, np.integer)) else None
        elif callable(grad):
            f = getattr(problem, "f", None)
            dim = getattr(problem, "dim", None)
            self.grad = grad
            self.f = f if callable(f) else None
            self.value_and_grad = vg if callable(vg) and self.f is not None else None
            self.dim = int(dim) if isinstance(dim, (int, np.integer)) else None
        elif callable(problem):
            self.grad, self.f, self.value_and_grad, self.dim = problem, None, None, None
        else:
            raise TypeError(
                "problem must have a .grad method (e.g. a descent.landscapes.Landscape) or be a "
                f"callable x -> gradient, got {type(problem).__name__}"
            )
        self.has_loss = self.f is not None

    def evaluate(self, x: np.ndarray, batch: tuple[int, ...]):
        """Gradient (cast to ``x``'s dtype, shape-checked) and loss (float64, NaN without ``f``)."""
        if self.value_and_grad is not None:
            loss, g = self.value_and_grad(x)
        else:
            g = self.grad(x)
            loss = self.f(x) if self.f is not None else None
        return self.checked(x, g, loss, batch)

    def checked(self, x: np.ndarray, g: Any, loss: Any, batch: tuple[int, ...]):
        """What :meth:`evaluate` returns, from the problem's raw gradient and loss at ``x``."""
        if type(g) is not np.ndarray:
            g = np.asarray(g)
        if g.shape != x.shape:
            raise ValueError(f"problem's gradient returned shape {g.shape}, expected {x.shape}")
        if g.dtype != x.dtype:
            if g.dtype.kind not in "iuf":
                raise TypeError(f"problem's gradient must be real, got dtype {g.dtype}")
            g = g.astype(x.dtype)
        if loss is None:
            return g, (math.nan if not batch else np.full(batch, np.nan))
        if not batch:
            if isinstance(loss, np.ndarray) and loss.shape != ():
                raise ValueError(f"problem's f returned shape {loss.shape}, expected a scalar")
            try:
                return g, float(loss)
            except (TypeError, ValueError):
                raise TypeError(f"problem's f must return a real number, got {type(loss).__name__}") from None
        loss = np.asarray(loss, dtype=np.float64)
        if loss.shape != batch:
            raise ValueError(f"problem's f returned shape {loss.shape}, expected {batch}")
        return g, loss


def _norm(g: np.ndarray) -> float:
    """Euclidean norm of a 1-D array in float64; an overflowing sum of squares is redone
    with :func:`numpy.hypot`, so a finite gradient always has a finite norm."""
    g64 = g if g.dtype == np.float64 else g.astype(np.float64)
    out = math.sqrt(float(g64 @ g64)) if g64.size else 0.0
    if not math.isfinite(out):
        out = float(np.hypot.reduce(g64))
    return out


def _norms(g: np.ndarray) -> np.ndarray:
    """Euclidean norm over axis 0 in float64 (overflow-safe as :func:`_norm`)."""
    g = np.asarray(g, dtype=np.float64)
    out = np.sqrt(np.einsum("i...,i...->...", g, g))
    finite = np.isfinite(out)
    if not np.all(finite):
        out = np.where(finite, out, np.hypot.reduce(g, axis=0))
    return out


def _validate_common(steps, tol, grad_noise, escape_radius):
    steps = v.nonnegative_int(steps, "steps")
    tol = None if tol is None else v.nonnegative(tol, "tol")
    grad_noise = v.nonnegative(grad_noise, "grad_noise")
    escape_radius = v.positive(escape_radius, "escape_radius")
    return steps, tol, grad_noise, escape_radius


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _checked_update(u: Any, x: np.ndarray) -> np.ndarray:
    if type(u) is not np.ndarray or u.shape != x.shape:
        u = np.asarray(u)
        if u.shape != x.shape:
            raise ValueError(f"optimizer returned updates of shape {u.shape}, expected {x.shape}")
        if u.dtype.kind not in "iuf":
            raise TypeError(f"optimizer's updates must be real, got dtype {u.dtype}")
    return u


# ---------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------

def minimize(optimizer: GradientTransformation, problem: Any, x0: Any, steps: int, *,
             tol: float | None = None, grad_noise: float = 0.0, seed: Any = None,
             callback: Callable[[int, np.ndarray], Any] | None = None,
             escape_radius: float = 1e150, keep_iterates: bool = True) -> Trajectory:
    r"""Run ``optimizer`` on ``problem`` from ``x0`` for at most ``steps`` steps.

    .. math:: x_{k+1} = x_k + u_k,\qquad (u_k, s_{k+1}) = \text{update}(\nabla f(x_k) + \sigma\xi_k,\ s_k,\ x_k)

    Parameters
    ----------
    optimizer:
        A :class:`~descent.transforms.GradientTransformation`, e.g. ``chain(scale(-0.1))``
        for gradient descent with step 0.1.
    problem:
        A :class:`~descent.landscapes.Landscape` (anything with ``.grad`` and optionally
        ``.f``, ``.value_and_grad`` and ``.dim``) or a plain callable ``x -> gradient``
        (losses are then NaN).
    x0:
        Starting point, a finite 1-D array of ``problem.dim`` coordinates.  Its dtype is
        kept (``float32`` stays ``float32``); integers become ``float64``.
    steps:
        Maximum number of steps (non-negative integer).  Memory grows with the steps
        actually taken, not with ``steps``: a run that converges early costs only its
        own iterates.
    tol:
        Stop as soon as :math:`\lVert\nabla f(x_k)\rVert \le` ``tol`` (``converged=True``);
        checked at :math:`x_0` too.  ``None`` (the default) never stops early.
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
    keep_iterates:
        ``False`` keeps only the final iterate (``iterates`` has one row; losses and
        gradient norms are still recorded at every step) — for long runs in many dimensions.

    Returns
    -------
    Trajectory
        ``iterates`` ``(k + 1, n)`` (``(1, n)`` with ``keep_iterates=False``), ``losses``,
        ``grad_norms`` (float64), ``diverged``, ``converged``, ``n_fev``, ``n_gev`` and a
        ``message``; ``extra`` records ``grad_noise`` and ``seed``.
    """
    _check_optimizer(optimizer)
    prob = _Problem(problem)
    x = v.real_array(x0, "x0", 1, prob.dim)
    steps, tol, grad_noise, escape_radius = _validate_common(steps, tol, grad_noise, escape_radius)
    keep_iterates = _flag(keep_iterates, "keep_iterates")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable (k, x) -> bool | None, got {type(callback).__name__}")
    rng = np.random.default_rng(seed) if grad_noise > 0.0 else None
    n = x.size
    has_loss = prob.has_loss
    evaluate = prob.evaluate
    update = optimizer.update
    apply = _apply_of(update)
    isfinite = math.isfinite
    diverged = converged = False
    outer_err = np.geterr()

    with np.errstate(**_QUIET):
        g, loss = evaluate(x, ())
        n_ev = 1
        gnorm = _norm(g)
        if not isfinite(gnorm) or (has_loss and not isfinite(loss)):
            raise ValueError("the gradient or loss at x0 is not finite")
        state = optimizer.init(x)
        iterates, losses, grad_norms = [x], [loss], [gnorm]
        keep_x, keep_loss, keep_gnorm = iterates.append, losses.append, grad_norms.append
        stop_below = -math.inf if tol is None else tol      # gnorm >= 0 > -inf: no early stop
        dtype, shape, ndarray = x.dtype, x.shape, np.ndarray
        fast_norm = dtype == np.float64
        vg, float64 = prob.value_and_grad, np.float64
        # The squared-norm shortcut of the escape test: for few coordinates (rounding in x @ x
        # stays far below the 1e-9 margin) and a radius whose square cannot underflow.
        quick_escape = fast_norm and n <= 1024 and escape_radius >= 1e-140
        radius_sq = min(escape_radius * escape_radius, 1e300) * (1.0 - 1e-9)
        absolute, sqrt = np.abs, math.sqrt
        k = 0
        message = f"completed {steps} steps"
        while True:
            if gnorm <= stop_below:
                converged = True
                message = f"converged: gradient norm {gnorm:.3g} <= tol = {tol:.3g} at step {k}"
                break
            if k == steps:
                break
            g_used = g
            if rng is not None:
                g_used = g + (grad_noise * rng.standard_normal(n)).astype(dtype)
            if apply is not None:                             # the update added to x in one pass
                x_new, state = apply(g_used, state, x, False)
            else:
                updates, state = update(g_used, state, x)
                if type(updates) is not ndarray or updates.shape != shape:
                    updates = _checked_update(updates, x)
                x_new = x + updates
            if x_new.dtype != dtype:
                x_new = x_new.astype(dtype)
            # max|x_i| <= ||x||_2: a squared norm within escape_radius**2 settles it cheaply;
            # otherwise (large, overflowing or NaN) the exact maximum decides.
            if not (quick_escape and float(x_new @ x_new) <= radius_sq):
                top = float(_max_reduce(absolute(x_new)))
                if not top <= escape_radius:                  # NaN compares False
                    diverged = True
                    message = (f"diverged: non-finite iterate at step {k + 1}" if not isfinite(top) else
                               f"diverged: |x| exceeded escape_radius = {escape_radius:.3g} at step {k + 1}")
                    break
            if vg is not None:                                # the hot path: checks inline
                loss_new, g_new = vg(x_new)
                if not (type(g_new) is ndarray and g_new.shape == shape and g_new.dtype == dtype
                        and type(loss_new) is float64):
                    g_new, loss_new = prob.checked(x_new, g_new, loss_new, ())
            else:
                g_new, loss_new = evaluate(x_new, ())
            n_ev += 1
            gnorm = sqrt(float(g_new @ g_new)) if fast_norm else _norm(g_new)
            if not isfinite(gnorm):
                gnorm = _norm(g_new)                          # overflowed squares: hypot
            if not isfinite(gnorm) or (has_loss and not isfinite(loss_new)):
                what = "gradient" if not isfinite(gnorm) else "loss"
                diverged, message = True, f"diverged: non-finite {what} at step {k + 1}"
                break
            k += 1
            x, g = x_new, g_new
            if keep_iterates:
                keep_x(x)
            keep_loss(loss_new)
            keep_gnorm(gnorm)
            if callback is not None:
                with np.errstate(**outer_err):
                    stop = callback(k, x.copy())
                if stop is True:
                    message = f"stopped by callback at step {k}"
                    break

    n_fev = n_ev if has_loss else 0
    kept = np.stack(iterates) if keep_iterates else x.reshape(1, -1).copy()
    return Trajectory(kept, np.array(losses, dtype=np.float64), np.array(grad_norms, dtype=np.float64),
                      diverged=diverged, converged=converged, n_fev=n_fev, n_gev=n_ev, n_hev=0,
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
    hyperparams:
        The per-run hyper-parameters given to :func:`minimize_many`, each a length-``B``
        tuple (``hyperparams['lr'][j]`` is run ``j``'s learning rate); empty without them.
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
    hyperparams: dict = field(default_factory=dict)

    @property
    def n_runs(self) -> int:
        return int(self.diverged.shape[0])

    def trajectory(self, i: int) -> Trajectory:
        """Run ``i`` as a :class:`~descent.trajectory.Trajectory` (its first ``n_steps[i] + 1`` records)."""
        if self.iterates is None:
            raise ValueError("iterates were not kept (keep_iterates=False)")
        i = int(i)
        k = int(self.n_steps[i])
        extra = {name: values[i] for name, values in self.hyperparams.items()}
        return Trajectory(self.iterates[:k + 1, i].copy(), self.losses[:k + 1, i].copy(),
                          self.grad_norms[:k + 1, i].copy(), diverged=bool(self.diverged[i]),
                          converged=bool(self.converged[i]), message=f"run {i} of a batch",
                          extra=extra)


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


# The named optimizers whose learning rate is the last factor of the update,
# u = lr * T(g) with T independent of lr: for these a column of learning rates is one
# multiplication (bit for bit the same as building each optimizer with its own lr).
_LR_LAST = {_optimizers.sgd, _optimizers.rmsprop, _optimizers.adadelta, _optimizers.adam,
            _optimizers.adamw, _optimizers.adagrad}


def _lr_is_last_factor(factory: Callable, kwargs: Mapping[str, Any]) -> bool:
    base = factory
    while isinstance(base, functools.partial):
        if base.args:
            return False
        base = base.func
    if getattr(factory, "lr_is_last_factor", False) is True or getattr(base, "lr_is_last_factor", False) is True:
        return True
    if base not in _LR_LAST:
        return False
    # AdaGrad divides lr by (1 + k lr_decay): with a decay, -1/(1 + k d) * lr is not
    # bit for bit -lr/(1 + k d), so those runs are built one optimizer per value.
    return not (base is _optimizers.adagrad and kwargs.get("lr_decay", 0.0) != 0.0)


def _scale_columns(factors: np.ndarray) -> GradientTransformation:
    """Multiply column ``j`` of an ``(n, B)`` update by ``factors[j]``."""
    def update(grads, state, params=None):
        return grads * factors.astype(grads.dtype, copy=False), state

    return GradientTransformation(lambda params: EmptyState(), update)


def _by_columns(blocks: list[tuple[GradientTransformation, np.ndarray]], B: int) -> GradientTransformation:
    """Run ``blocks`` — ``(transformation, column indices)`` — side by side on one ``(n, B)`` array."""
    if len(blocks) == 1 and np.array_equal(blocks[0][1], np.arange(B)):
        return blocks[0][0]

    blocks = [(t, slice(int(idx[0]), int(idx[-1]) + 1) if np.all(np.diff(idx) == 1) else idx)
              for t, idx in blocks]

    def pick(a, idx):
        return None if a is None else a[:, idx]

    def init(params):
        return tuple(t.init(pick(params, idx)) for t, idx in blocks)

    def update(grads, state, params=None):
        out = np.empty_like(grads)
        new_state = []
        for (t, idx), s in zip(blocks, state):
            u, s = t.update(pick(grads, idx), s, pick(params, idx))
            out[:, idx] = u
            new_state.append(s)
        return out, tuple(new_state)

    return GradientTransformation(init, update)


def _hyperparameter_columns(hyperparams: Any, B: int | None) -> tuple[dict[str, tuple], int]:
    """Validate ``hyperparams`` and spread every value to a length-``B`` tuple."""
    if not isinstance(hyperparams, Mapping) or not hyperparams:
        raise TypeError("hyperparams must be a non-empty dict {name: value or one value per run}, "
                        f"got {hyperparams!r}")
    per_run: dict[str, Any] = {}
    for name, value in hyperparams.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"hyperparams keys must be keyword names, got {name!r}")
        if isinstance(value, np.ndarray):
            if value.ndim > 1:
                raise ValueError(f"hyperparams[{name!r}] must be one value or a 1-D array of one value "
                                 f"per run, got shape {value.shape} (use a list of tuples for "
                                 "per-run pairs such as betas)")
            value = value.tolist() if value.ndim == 1 else value.item()
        if isinstance(value, (list, range)):           # a tuple is one value (betas=(0.9, 0.999))
            value = tuple(value)
            if not value:
                raise ValueError(f"hyperparams[{name!r}] must not be empty")
            if B is None:
                B = len(value)
            elif len(value) != B:
                raise ValueError(f"hyperparams[{name!r}] has {len(value)} values, expected one per "
                                 f"run ({B})")
        else:
            value = _Shared(value)
        per_run[name] = value
    if B is None:
        B = 1
    return {name: (val.value,) * B if isinstance(val, _Shared) else val
            for name, val in per_run.items()}, B


class _Shared:
    """A hyper-parameter value shared by every run (as opposed to a list of per-run values)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return ("num", float(value))
    return ("obj", value)


def _per_run_optimizer(factory: Callable, columns: dict[str, tuple], B: int, n: int, dtype,
                       check: bool) -> GradientTransformation:
    """One transformation for ``B`` columns whose hyper-parameters are ``columns``.

    Runs that share every hyper-parameter share one optimizer; with a named optimizer a
    numeric ``lr`` column is one final multiplication instead (see :data:`_LR_LAST`).
    """
    vector_lr = ("lr" in columns and all(isinstance(a, numbers.Real) and not isinstance(a, bool)
                                         for a in columns["lr"]))
    groups: dict[tuple, list[int]] = {}
    for j in range(B):
        kwargs = {name: vals[j] for name, vals in columns.items()}
        lr_apart = vector_lr and _lr_is_last_factor(factory, kwargs)
        key = tuple((name, _hashable(val)) for name, val in kwargs.items()
                    if not (lr_apart and name == "lr")) + (("_lr_apart", lr_apart),)
        groups.setdefault(key, []).append(j)
    blocks = []
    for key, runs in groups.items():
        j0 = runs[0]
        kwargs = {name: vals[j0] for name, vals in columns.items()}
        lr_apart = dict(key)["_lr_apart"]
        if lr_apart:
            lrs = np.array([columns["lr"][j] for j in runs], dtype=np.float64)
            if np.any(lrs < 0):
                raise ValueError(f"hyperparams['lr'] must be >= 0, got {float(lrs.min())}")
            kwargs["lr"] = 1.0
        try:
            base = factory(**kwargs)
        except TypeError as exc:
            raise TypeError(f"optimizer(**hyperparams) failed for run {j0} ({kwargs}): {exc}") from None
        if not isinstance(base, GradientTransformation):
            raise TypeError("with hyperparams, optimizer must be a factory returning a "
                            f"GradientTransformation (e.g. descent.sgd), got {type(base).__name__}")
        if check and len(runs) > 1:
            _check_elementwise(base, n, dtype)
        opt = chain(base, _scale_columns(lrs)) if lr_apart else base
        blocks.append((opt, np.asarray(runs)))
    return _by_columns(blocks, B)


def minimize_many(optimizer: GradientTransformation | Callable[..., GradientTransformation],
                  problem: Any, x0s: Any, steps: int, *,
                  hyperparams: Mapping[str, Any] | None = None,
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

    **Per-run hyper-parameters.**  With ``hyperparams``, ``optimizer`` is a *factory*
    ``**hyperparams -> GradientTransformation`` — a named optimizer such as
    :func:`descent.optimizers.sgd`, a :func:`functools.partial` of one, or any function — and
    ``hyperparams`` maps each keyword to one value shared by all runs (a number, a schedule,
    a tuple such as ``betas=(0.9, 0.999)``) or to a *list* or 1-D array of one value per run
    (``"betas": [(0.9, 0.999), (0.8, 0.99)]``).  Run :math:`j` is then exactly ``minimize(optimizer(**hp_j), …)``::

        lrs = np.geomspace(1e-3, 1.0, 13)
        batch = minimize_many(descent.sgd, problem, x0, 500, hyperparams={"lr": lrs})
        grid = minimize_many(descent.sgd, problem, x0, 500,
                             hyperparams={"lr": np.repeat(lrs, 3), "momentum": [0.0, 0.5, 0.9] * 13})

    ``x0s`` may then be one start ``(n,)`` for every run.  Runs with the same values share
    one optimizer (one ``update`` call per distinct combination per step); for the named
    optimizers of :mod:`descent.optimizers`, whose learning rate is the last factor of the
    update, a numeric ``lr`` column costs nothing extra — it is one multiplication, bit for
    bit the same as building each run's optimizer with its own ``lr``.  A factory of your
    own whose update is :math:`u = \mathrm{lr}\cdot T(g)` with :math:`T` independent of
    ``lr`` (a chain ending in ``scale_by_learning_rate(lr)``) can say so with
    ``factory.lr_is_last_factor = True`` and gets the same treatment; the result is then
    ``factory(lr=1.0)`` times ``lr`` per column.  The values used are
    returned in ``BatchTrajectory.hyperparams``.

    Each run is frozen — its iterate, loss and gradient norm repeated — from the step
    at which it diverges (non-finite value or :math:`\max_i|x_i| >` ``escape_radius``;
    it keeps its last finite iterate) or converges (gradient norm :math:`\le` ``tol``).
    With ``grad_noise > 0`` all runs draw from one generator, so the noise differs from
    that of :func:`minimize` with the same ``seed``.  The other arguments are those of
    :func:`minimize`; ``problem`` as a plain callable must accept ``(n, B)`` arrays.
    """
    prob = _Problem(problem)
    steps, tol, grad_noise, escape_radius = _validate_common(steps, tol, grad_noise, escape_radius)
    keep_iterates = _flag(keep_iterates, "keep_iterates")
    check_elementwise = _flag(check_elementwise, "check_elementwise")
    if hyperparams is None:
        _check_optimizer(optimizer)
        starts = v.real_array(x0s, "x0s", 2, prob.dim)
        B, n = starts.shape
        if check_elementwise and B > 1:
            _check_elementwise(optimizer, n, starts.dtype)
        columns: dict[str, tuple] = {}
    else:
        if isinstance(optimizer, GradientTransformation) or not callable(optimizer):
            raise TypeError("with hyperparams, optimizer must be a factory **hyperparams -> "
                            "GradientTransformation (e.g. descent.sgd, not descent.sgd(0.1)), "
                            f"got {type(optimizer).__name__}")
        one = np.ndim(x0s) == 1 if not isinstance(x0s, (str, bytes)) else False
        starts = v.real_array(x0s, "x0s", 1 if one else 2, prob.dim)
        columns, B = _hyperparameter_columns(hyperparams, None if one else starts.shape[0])
        if one:
            starts = np.tile(starts, (B, 1))
        n = starts.shape[1]
        optimizer = _per_run_optimizer(optimizer, columns, B, n, starts.dtype, check_elementwise)
    rng = np.random.default_rng(seed) if grad_noise > 0.0 else None
    X = np.ascontiguousarray(starts.T)

    iterates = np.empty((steps + 1, B, n), dtype=X.dtype) if keep_iterates else None
    losses = np.empty((steps + 1, B))
    grad_norms = np.empty((steps + 1, B))
    diverged = np.zeros(B, dtype=bool)
    converged = np.zeros(B, dtype=bool)
    n_steps = np.zeros(B, dtype=np.int64)
    has_loss = prob.has_loss
    evaluate = prob.evaluate
    apply = _apply_of(optimizer.update)

    with np.errstate(**_QUIET):
        G, L = evaluate(X, (B,))
        n_ev = 1
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
            if rng is not None:
                G_used = G + (grad_noise * rng.standard_normal((n, B))).astype(X.dtype)
            if apply is not None:                             # the update added to X in one pass
                Xn, state = apply(G_used, state, X, False)
            else:
                updates, state = optimizer.update(G_used, state, X)
                Xn = X + _checked_update(updates, X)
            if Xn.dtype != X.dtype:
                Xn = Xn.astype(X.dtype)
            escaped = ~(_max_reduce(np.abs(Xn), axis=0) <= escape_radius)     # NaN compares False
            keep = frozen | escaped
            if keep.any():
                Xn = np.where(keep, X, Xn)
            Gn, Ln = evaluate(Xn, (B,))
            n_ev += 1
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
                           np.ascontiguousarray(X.T), n_fev=n_ev if has_loss else 0, n_gev=n_ev,
                           message=message, hyperparams=columns)
