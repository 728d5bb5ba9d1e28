r"""A fair optimizer race: tune each contestant's step size, then measure it on fresh starts.

Comparing optimizers is easy to do unfairly: give one of them a good learning rate and the
others their defaults, pick the starting point that suits one method, or measure on the very
runs used to choose the step size.  This module fixes one protocol (Chapters 9 and 10):

1. **The same log grid for everyone.**  Every first-order contestant is run with every
   learning rate :math:`\alpha` of one geometric grid (:func:`lr_grid`), from the same starts.
2. **Tune on some starts, report on others.**  The starts are split in two halves.  The
   learning rate is chosen on the *tuning* starts only, by the key

   .. math::
      \big(-\#\text{successes},\ \operatorname{median} k_{\text{tol}},\
      \operatorname{median} (f(\theta_K) - f^\star),\ \alpha\big)

   compared lexicographically (most successes first, then fewest median steps, then lowest
   median final gap, and finally the *smaller* learning rate, so ties are broken
   deterministically).  Everything reported is measured on the *reporting* starts, at that
   learning rate.
3. **One success criterion.**  A run succeeds when its loss gap
   :math:`f(\theta_k) - f^\star` falls to ``tol`` or below at some step :math:`k \le K` and
   *stays* there until the end of the run, without diverging; :math:`k_{\text{tol}}` is the
   first such :math:`k` (``inf`` for a failed run).  A
   stationary point that is not a minimum (a saddle) is therefore *not* a success.
4. **Methods with their own rules** (Newton, DFP, BFGS, L-BFGS: their own step rule and line
   search) get no learning rate.  They are run on the reporting starts as they are, and their
   cost is reported honestly as iterations *and* evaluations of :math:`f`, :math:`\nabla f` and
   :math:`\nabla^2 f` up to the step that reached the tolerance.

Speed.  For the first-order contestants of the book the learning rate is a final factor:
``make(lr)`` and ``chain(make(1.0), scale(lr))`` give bit-for-bit the same iterates (checked at
run time on a short probe, with a fall-back to one run per learning rate).  So the whole grid
× all starts runs as *one* :func:`~descent.runner.minimize_many` batch, each column carrying
its own factor (:func:`scale_by_column`).

:func:`race_network` applies the same protocol to the small network of Chapter 3 on the
digits data (mini-batches, a few epochs, a small grid, two seeds).

References: Choi et al., "On empirical comparisons of optimizers for deep learning" (2019)
— the tuning protocol decides the ranking; Schmidt, Schneider & Hennig, "Descending through
a crowded valley" (ICML 2021).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _validate as v
from .. import optimizers as O
from .. import second_order as SO
from ..landscapes import Landscape
from ..runner import minimize_many
from ..trajectory import Trajectory
from ..transforms import EmptyState, GradientTransformation, chain

__all__ = [
    "Contestant", "first_order", "own_rules", "book_contestants", "lr_grid", "scale_by_column",
    "by_columns",
    "SaddleWell", "steps_to_tolerance", "tuning_key", "pick_learning_rate",
    "Entry", "RaceResult", "race", "race_all", "NetworkProblem", "NetworkEntry", "NetworkRace", "race_network",
    "format_count", "format_gap",
]


# ---------------------------------------------------------------------------
# Contestants
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Contestant:
    """One optimizer of the race.

    ``make(lr)`` builds a :class:`~descent.transforms.GradientTransformation` (a first-order
    method, tuned over the grid); ``run(problem, x0, steps)`` runs a method with its own rules
    and returns a :class:`~descent.trajectory.Trajectory` (not tuned).  Exactly one of the two
    is given.  ``name`` is the key of :data:`descent.book.plotting.OPTIMIZER_STYLES` when there is
    one, ``label`` the text shown in tables, ``family`` the idea it comes from.
    """

    name: str
    label: str
    family: str
    make: Callable[[float], GradientTransformation] | None = None
    run: Callable[[Any, np.ndarray, int], Trajectory] | None = None

    def __post_init__(self):
        if (self.make is None) == (self.run is None):
            raise ValueError("give exactly one of make (a first-order method) or run (own rules)")

    @property
    def tuned(self) -> bool:
        """``True`` for a first-order contestant, whose learning rate is tuned."""
        return self.make is not None


def first_order(name: str, make: Callable[[float], GradientTransformation], *,
                label: str | None = None, family: str = "") -> Contestant:
    """A contestant built by ``make(lr)``, tuned over the learning-rate grid."""
    if not callable(make):
        raise TypeError(f"make must be callable lr -> GradientTransformation, got {type(make).__name__}")
    return Contestant(name, label or name, family, make=make)


def own_rules(name: str, run: Callable[[Any, np.ndarray, int], Trajectory], *,
              label: str | None = None, family: str = "") -> Contestant:
    """A contestant with its own step rule, ``run(problem, x0, steps) -> Trajectory``."""
    if not callable(run):
        raise TypeError(f"run must be callable (problem, x0, steps) -> Trajectory, got {type(run).__name__}")
    return Contestant(name, label or name, family, run=run)


def book_contestants(*, second_order: bool = True, hessian: bool = True) -> list[Contestant]:
    r"""Every optimizer of the book, with the hyper-parameters other than :math:`\alpha` at their defaults.

    Gradient descent (``sgd`` without momentum), heavy-ball momentum and Nesterov
    (:math:`\beta = 0.9`), AdaGrad, RMSProp (PyTorch's :math:`\rho = 0.99`), AdaDelta, Adam and
    AdamW (:math:`\lambda_{\mathrm{wd}} = 10^{-2}`, PyTorch's default) — all from
    :mod:`descent.optimizers` — and, with ``second_order=True``, Newton (``hessian=True``
    only), DFP, BFGS and L-BFGS from :mod:`descent.second_order` with their own line searches.
    """
    out = [
        first_order("gd", lambda lr: O.sgd(lr), label="GD", family="plain"),
        first_order("momentum", lambda lr: O.sgd(lr, momentum=0.9), label="Momentum", family="history"),
        first_order("nesterov", lambda lr: O.sgd(lr, momentum=0.9, nesterov=True), label="Nesterov",
                    family="history"),
        first_order("adagrad", lambda lr: O.adagrad(lr), label="AdaGrad", family="pace"),
        first_order("rmsprop", lambda lr: O.rmsprop(lr), label="RMSProp", family="pace"),
        first_order("adadelta", lambda lr: O.adadelta(lr), label="AdaDelta", family="pace"),
        first_order("adam", lambda lr: O.adam(lr), label="Adam", family="adam"),
        first_order("adamw", lambda lr: O.adamw(lr), label="AdamW", family="adam"),
    ]
    if second_order:
        if hessian:
            out.append(own_rules("newton", lambda p, x0, k: SO.newton(p, x0, k, tol=1e-12),
                                 label="Newton", family="curvature"))
        out += [
            own_rules("dfp", lambda p, x0, k: SO.dfp(p, x0, k, tol=1e-12), label="DFP", family="curvature"),
            own_rules("bfgs", lambda p, x0, k: SO.bfgs(p, x0, k, tol=1e-12), label="BFGS", family="curvature"),
            own_rules("lbfgs", lambda p, x0, k: SO.lbfgs(p, x0, k, tol=1e-12), label="L-BFGS",
                      family="curvature"),
        ]
    return out


# ---------------------------------------------------------------------------
# The grid and the per-column learning rate
# ---------------------------------------------------------------------------

def lr_grid(low: float = 1e-4, high: float = 10.0, per_decade: int = 2) -> np.ndarray:
    r"""The geometric grid :math:`\alpha_j = 10^{\,\log_{10}\text{low} + j/\text{per\_decade}}` from ``low`` to ``high``.

    Both ends are included when ``high/low`` is a whole number of steps; the resolution
    (points per decade) is what must be the same for every contestant.
    """
    low, high = v.positive(low, "low"), v.positive(high, "high")
    per_decade = v.positive_int(per_decade, "per_decade")
    if not high > low:
        raise ValueError(f"high must exceed low, got low={low}, high={high}")
    n = int(np.floor(np.log10(high / low) * per_decade + 1e-9)) + 1
    return low * 10.0 ** (np.arange(n) / per_decade)


def scale_by_column(factors: Sequence[float]) -> GradientTransformation:
    r"""Multiply column :math:`j` of an ``(n, B)`` update by ``factors[j]``: :math:`u_{:,j} \leftarrow c_j u_{:,j}`.

    The last block of a batched race: ``chain(make(1.0), scale_by_column(lrs))`` runs ``B``
    independent copies of an optimizer whose learning rate is a final factor, each column
    with its own :math:`\alpha_j`.  Only for array parameters of shape ``(n, B)``.
    """
    c = np.asarray(factors, dtype=np.float64)
    if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)):
        raise ValueError("factors must be a non-empty 1-D array of finite numbers")

    def update(grads, state, params=None):
        g = np.asarray(grads)
        if g.ndim != 2 or g.shape[1] != c.size:
            raise ValueError(f"scale_by_column({c.size} factors) needs updates of shape (n, {c.size}), "
                             f"got {g.shape}")
        return g * c.astype(g.dtype, copy=False), state

    return GradientTransformation(lambda params: EmptyState(), update)


def by_columns(blocks: Sequence[tuple[GradientTransformation, int]]) -> GradientTransformation:
    r"""Run several optimizers side by side on the column blocks of one ``(n, B)`` array.

    ``blocks`` is a sequence of ``(transformation, width)``: the first transformation updates
    columns ``0 … width-1``, the next the following ``width`` columns, and so on (the widths
    must add up to ``B``).  Because the transformations act elementwise, this is the same as
    running each on its own array, but :func:`~descent.runner.minimize_many` then evaluates the
    landscape once per step for all of them — which is what makes a whole race one batch.
    """
    blocks = [(t, v.positive_int(w, "width")) for t, w in blocks]
    for t, _ in blocks:
        if not isinstance(t, GradientTransformation):
            raise TypeError(f"blocks must hold GradientTransformations, got {type(t).__name__}")
    edges = np.concatenate([[0], np.cumsum([w for _, w in blocks])]).astype(int)
    slices = [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]

    def _check(x, what):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != edges[-1]:
            raise ValueError(f"by_columns needs {what} of shape (n, {edges[-1]}), got {x.shape}")
        return x

    def init(params):
        params = _check(params, "params")
        return tuple(t.init(params[:, sl]) for (t, _), sl in zip(blocks, slices))

    def update(grads, state, params=None):
        g = _check(grads, "updates")
        out = np.empty_like(g)
        new = []
        for (t, _), sl, s in zip(blocks, slices, state):
            u, s = t.update(g[:, sl], s, None if params is None else np.asarray(params)[:, sl])
            out[:, sl] = u
            new.append(s)
        return out, tuple(new)

    return GradientTransformation(init, update)


# ---------------------------------------------------------------------------
# A saddle with somewhere to go
# ---------------------------------------------------------------------------

class SaddleWell(Landscape):
    r"""A strict saddle between two minima: :math:`f(x, y) = x^2 + \tfrac14 (y^2 - 1)^2`.

    :math:`\nabla f = (2x,\ y^3 - y)`, :math:`\nabla^2 f = \operatorname{diag}(2,\ 3y^2 - 1)`.
    The origin is a saddle (:math:`f = 1/4`, curvatures :math:`2` and :math:`-1`); the minima
    are :math:`(0, \pm 1)` with :math:`f^\star = 0`.  Unlike :math:`x^2 - y^2`
    (:class:`~descent.landscapes.Saddle`) the function is bounded below, so "escaping the
    saddle" has a measurable end: reaching a minimum.  Started near the line :math:`y = 0`
    (the saddle's stable manifold) a method must first *escape* along :math:`y`.
    """

    name = "saddle well"

    def __init__(self) -> None:
        super().__init__(2, minima=[[0.0, 1.0], [0.0, -1.0]], min_value=0.0,
                         critical_points=[[0.0, 0.0]], critical_kinds=["saddle"],
                         window=((-2.0, 2.0), (-1.6, 1.6)))

    def _f(self, x):
        w = x[1] * x[1] - 1.0
        return x[0] * x[0] + 0.25 * w * w

    def _grad(self, x):
        return np.stack([2.0 * x[0], x[1] * (x[1] * x[1] - 1.0)])

    def _hess(self, x):
        H = np.zeros((2, 2) + x.shape[1:], dtype=x.dtype)
        H[0, 0] = 2.0
        H[1, 1] = 3.0 * x[1] * x[1] - 1.0
        return H

    def _params(self):
        return {}


# ---------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------

def steps_to_tolerance(losses: np.ndarray, target: float, tol: float,
                       diverged: np.ndarray | bool | None = None) -> np.ndarray:
    r"""First :math:`k` from which :math:`f(\theta_j) - f^\star \le` ``tol`` for *every* :math:`j \ge k` of the run.

    A run that only passes through the tolerance and leaves it again (an oscillating
    adaptive method, say) has not converged: it counts from the step after which it *stays*.
    ``inf`` if the last loss is outside the tolerance or the run diverged.  ``losses`` has
    shape ``(K + 1,)`` or ``(K + 1, B)`` (one column per run).
    """
    L = np.asarray(losses, dtype=np.float64)
    single = L.ndim == 1
    if single:
        L = L[:, None]
    with np.errstate(invalid="ignore"):
        hit = (L - target) <= tol
    stays = np.logical_and.accumulate(hit[::-1], axis=0)[::-1]
    first = np.argmax(stays, axis=0).astype(np.float64)
    first[~stays.any(axis=0)] = np.inf
    if diverged is not None:
        first[np.broadcast_to(np.asarray(diverged, dtype=bool), first.shape)] = np.inf
    return first[0] if single else first


def _final_gap(losses: np.ndarray, target: float, diverged: np.ndarray) -> np.ndarray:
    gap = np.asarray(losses, dtype=np.float64)[-1] - target
    return np.where(diverged | ~np.isfinite(gap), np.inf, gap)


def tuning_key(steps: np.ndarray, final_gap: np.ndarray, lr: float) -> tuple:
    """The lexicographic key of one learning rate (smaller is better); see the module docstring."""
    steps = np.asarray(steps, dtype=np.float64)
    gap = np.asarray(final_gap, dtype=np.float64)
    successes = int(np.sum(np.isfinite(steps)))
    return (-successes, float(np.median(steps)), float(np.median(gap)), float(lr))


def pick_learning_rate(grid: Sequence[float], steps: np.ndarray, final_gap: np.ndarray) -> int:
    """Index of the best learning rate: ``steps`` and ``final_gap`` have shape ``(len(grid), S)``."""
    keys = [tuning_key(steps[j], final_gap[j], grid[j]) for j in range(len(grid))]
    return min(range(len(grid)), key=lambda j: keys[j])


def format_count(value: float) -> str:
    """A step or evaluation count for a table: an integer, or ``—`` for never (``inf``)."""
    return "—" if not np.isfinite(value) else f"{int(round(value)):,}"


def format_gap(value: float) -> str:
    """A loss gap for a table, in compact scientific notation; ``diverged`` for ``inf``."""
    if not np.isfinite(value):
        return "diverged"
    if value == 0.0:
        return "0"
    return f"{value:.1e}".replace("e-0", "e-").replace("e+0", "e+")


# ---------------------------------------------------------------------------
# The race on a landscape
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    r"""One contestant's result on the reporting starts (see :func:`race`).

    ``lr`` is the tuned learning rate (``None`` for own-rule methods); ``steps`` the steps to
    tolerance of each reporting start (``inf`` = never); ``final_gap`` the loss gap after the
    budget (or at the method's own stop), ``inf`` if diverged; ``evaluations`` (own-rule
    methods) the number of evaluations of :math:`f`, :math:`\nabla f` and :math:`\nabla^2 f`
    up to the step that reached the tolerance (or over the whole run if it never did);
    ``paths`` the iterates of each reporting start; ``grid_steps`` and ``grid_gaps`` the
    tuning measurements, shape ``(len(grid), S_tune)``.
    """

    name: str
    label: str
    family: str
    lr: float | None
    steps: np.ndarray
    final_gap: np.ndarray
    diverged: np.ndarray
    paths: list
    evaluations: np.ndarray | None = None
    grid_steps: np.ndarray | None = None
    grid_gaps: np.ndarray | None = None

    @property
    def successes(self) -> int:
        return int(np.sum(np.isfinite(self.steps)))

    @property
    def median_steps(self) -> float:
        """Median steps to tolerance over the reporting starts (``inf`` if half or more failed)."""
        return float(np.median(self.steps))

    @property
    def median_gap(self) -> float:
        return float(np.median(self.final_gap))

    @property
    def median_evaluations(self) -> float | None:
        return None if self.evaluations is None else float(np.median(self.evaluations))


@dataclass(frozen=True)
class RaceResult:
    """The race on one problem: ``entries`` by contestant name, in the contestants' order."""

    problem: Any
    tol: float
    target: float
    grid: np.ndarray
    budget: int
    tune_starts: np.ndarray
    report_starts: np.ndarray
    own_budget: int
    entries: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Entry:
        return self.entries[name]

    def winner(self) -> str:
        """Name of the contestant with most successes, then fewest median steps (ties: first listed)."""
        names = list(self.entries)
        return min(names, key=lambda n: (-self.entries[n].successes, self.entries[n].median_steps,
                                          names.index(n)))


def _batched(make: Callable[[float], GradientTransformation], factors: np.ndarray):
    """``chain(make(1.0), scale_by_column(factors))``: one column per learning rate in ``factors``."""
    return chain(make(1.0), scale_by_column(factors))


def _lr_is_final_factor(make, problem, x0: np.ndarray, grid: np.ndarray, probe_steps: int = 4) -> bool:
    """Do ``make(lr)`` and the batched form give identical iterates on a short probe?

    Both runs have the same batch shape, so that a landscape's matrix products round alike.
    """
    lrs = np.array([grid[0], grid[-1]])
    x0 = np.repeat(np.asarray(x0, dtype=np.float64).reshape(1, -1), 2, axis=0)
    batched = minimize_many(_batched(make, lrs), problem, x0, probe_steps, check_elementwise=False)
    for j, lr in enumerate(lrs):
        one = minimize_many(make(float(lr)), problem, x0, probe_steps)
        if not np.array_equal(one.iterates[:, 0], batched.iterates[:, j], equal_nan=True):
            return False
    return True


class _Stacked:
    """Several landscapes of the same dimension side by side: column ``i`` of an ``(n, B)``
    point belongs to ``owner[i]``.  Lets one :func:`minimize_many` batch race on all of them."""

    def __init__(self, problems: Sequence[Any], owner: np.ndarray) -> None:
        dims = {int(p.dim) for p in problems}
        if len(dims) != 1:
            raise ValueError(f"problems raced together must have the same dimension, got {sorted(dims)}")
        self.dim = dims.pop()
        self.parts = [(p, np.flatnonzero(owner == i)) for i, p in enumerate(problems)]
        self.width = owner.size

    def _check(self, x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.width:
            raise ValueError(f"expected points of shape ({self.dim}, {self.width}), got {x.shape}")
        return x

    def f(self, x):
        x = self._check(x)
        out = np.empty(x.shape[1])
        for p, idx in self.parts:
            out[idx] = p.f(x[:, idx])
        return out

    def grad(self, x):
        x = self._check(x)
        out = np.empty_like(x)
        for p, idx in self.parts:
            out[:, idx] = p.grad(x[:, idx])
        return out


def _run_grid(make, problem, starts: np.ndarray, grid: np.ndarray, steps: int):
    """One batch per learning rate: losses ``(K+1, G, S)``, diverged ``(G, S)``, iterates ``(K+1, G, S, n)``."""
    S, n = starts.shape
    G = len(grid)
    losses = np.empty((steps + 1, G, S))
    diverged = np.empty((G, S), dtype=bool)
    iterates = np.empty((steps + 1, G, S, n))
    for j, lr in enumerate(grid):
        b = minimize_many(make(float(lr)), problem, starts, steps)
        losses[:, j], diverged[j], iterates[:, j] = b.losses, b.diverged, b.iterates
    return losses, diverged, iterates


def _measure_first_order(tuned: Sequence[Contestant], problems: dict, grid: np.ndarray, steps: int):
    """``{(contestant, problem): (losses (K+1,G,S), diverged (G,S), iterates (K+1,G,S,n))}``.

    Every contestant whose learning rate is a final factor runs in a single
    :func:`minimize_many` batch over all problems × learning rates × starts, laid out as
    ``[contestant][problem][lr][start]``; any other contestant runs once per learning rate.
    """
    names = list(problems)
    G = len(grid)
    first_problem, first_starts = problems[names[0]]
    batchable = [c for c in tuned if _lr_is_final_factor(c.make, first_problem, first_starts[0], grid)]
    out = {}
    if batchable:
        for c in batchable:     # minimize_many's elementwise probe, on each base optimizer
            minimize_many(c.make(1.0), first_problem, first_starts[:2], 0)
        sizes = [G * problems[p][1].shape[0] for p in names]
        per_c = int(sum(sizes))
        starts_c = np.concatenate([np.tile(problems[p][1], (G, 1)) for p in names])
        factors_c = np.concatenate([np.repeat(grid, problems[p][1].shape[0]) for p in names])
        owner_c = np.concatenate([np.full(size, i) for i, size in enumerate(sizes)])
        C = len(batchable)
        stacked = _Stacked([problems[p][0] for p in names], np.tile(owner_c, C))
        opt = by_columns([(_batched(c.make, factors_c), per_c) for c in batchable])
        b = minimize_many(opt, stacked, np.tile(starts_c, (C, 1)), steps, check_elementwise=False)
        edges = np.concatenate([[0], np.cumsum(sizes)])
        for i, c in enumerate(batchable):
            for k, p in enumerate(names):
                S, n = problems[p][1].shape
                cols = slice(i * per_c + int(edges[k]), i * per_c + int(edges[k + 1]))
                out[c.name, p] = (b.losses[:, cols].reshape(steps + 1, G, S),
                                  b.diverged[cols].reshape(G, S),
                                  b.iterates[:, cols].reshape(steps + 1, G, S, n))
    for c in tuned:
        for p in names:
            if (c.name, p) not in out:
                out[c.name, p] = _run_grid(c.make, problems[p][0], problems[p][1], grid, steps)
    return out


def _own_rules_entry(c: Contestant, problem, report: np.ndarray, steps: int, target: float,
                     tol: float) -> Entry:
    k_tol, gaps, div, evals, paths = [], [], [], [], []
    for x0 in report:
        t = c.run(problem, x0.copy(), steps)
        k = steps_to_tolerance(t.losses, target, tol, t.diverged)
        if np.isfinite(k):
            # Deterministic: the same run stopped at step k made exactly the evaluations needed.
            t_k = c.run(problem, x0.copy(), int(k))
            evals.append(t_k.n_fev + t_k.n_gev + t_k.n_hev)
        else:
            evals.append(t.n_fev + t.n_gev + t.n_hev)
        k_tol.append(k)
        gaps.append(np.inf if t.diverged else float(t.losses[-1]) - target)
        div.append(bool(t.diverged))
        paths.append(np.asarray(t.iterates, dtype=float))
    return Entry(c.name, c.label, c.family, None, np.array(k_tol, dtype=float), np.array(gaps),
                 np.array(div), paths, evaluations=np.array(evals, dtype=float))


def _first_order_entry(c: Contestant, measured, grid: np.ndarray, n_tune: int, target: float,
                       tol: float) -> Entry:
    losses, diverged, iterates = measured
    G, S = diverged.shape
    k_all = np.stack([steps_to_tolerance(losses[:, j], target, tol, diverged[j]) for j in range(G)])
    gap_all = np.stack([_final_gap(losses[:, j], target, diverged[j]) for j in range(G)])
    j = pick_learning_rate(grid, k_all[:, :n_tune], gap_all[:, :n_tune])
    paths = []
    for s_ in range(n_tune, S):
        path = iterates[:, j, s_]
        # a frozen (diverged) run repeats its last finite iterate: keep the moving part only
        k_end = len(path) - 1
        while k_end > 0 and np.array_equal(path[k_end], path[k_end - 1]):
            k_end -= 1
        paths.append(path[:k_end + 1].copy())
    return Entry(c.name, c.label, c.family, float(grid[j]), k_all[j, n_tune:], gap_all[j, n_tune:],
                 diverged[j, n_tune:], paths, grid_steps=k_all[:, :n_tune], grid_gaps=gap_all[:, :n_tune])


def race_all(contestants: Sequence[Contestant], problems: dict, *, grid: Any, steps: int,
             tol: float = 1e-6, own_steps: int | None = None, n_tune: int | None = None) -> dict:
    r"""Race ``contestants`` on several problems at once; returns ``{name: RaceResult}``.

    ``problems`` maps a name to ``(landscape, starts)``; every landscape must know its
    ``min_value`` :math:`f^\star` and all must have the same dimension (they are stacked
    into one batch).  The other arguments are those of :func:`race`.
    """
    if not isinstance(problems, dict) or not problems:
        raise TypeError("problems must be a non-empty dict name -> (landscape, starts)")
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
        raise ValueError("grid must be a non-empty 1-D array of positive learning rates")
    steps = v.positive_int(steps, "steps")
    own_steps = steps if own_steps is None else v.positive_int(own_steps, "own_steps")
    tol = v.positive(tol, "tol")
    for c in contestants:
        if not isinstance(c, Contestant):
            raise TypeError(f"contestants must be Contestant objects, got {type(c).__name__}")
    names = [c.name for c in contestants]
    if len(set(names)) != len(names):
        raise ValueError(f"contestant names must be unique, got {names}")
    checked = {}
    for name, pair in problems.items():
        problem, starts = pair
        starts = np.asarray(starts, dtype=np.float64)
        if starts.ndim != 2 or starts.shape[0] < 2:
            raise ValueError(f"starts of {name!r} must have shape (S, n) with S >= 2, got {starts.shape}")
        if getattr(problem, "min_value", None) is None:
            raise ValueError(f"problem {name!r} has no min_value (the target f*)")
        S = starts.shape[0]
        nt = S // 2 if n_tune is None else v.positive_int(n_tune, "n_tune")
        if not 0 < nt < S:
            raise ValueError(f"n_tune must leave at least one reporting start (S = {S}), got {nt}")
        checked[name] = (problem, starts, nt)

    measured = _measure_first_order([c for c in contestants if c.tuned],
                                    {k: (p, s) for k, (p, s, _) in checked.items()}, grid, steps)
    results = {}
    for name, (problem, starts, nt) in checked.items():
        target = float(problem.min_value)
        result = RaceResult(problem, tol, target, grid, steps, starts[:nt], starts[nt:], own_steps)
        for c in contestants:
            if c.tuned:
                result.entries[c.name] = _first_order_entry(c, measured[c.name, name], grid, nt, target, tol)
            else:
                result.entries[c.name] = _own_rules_entry(c, problem, starts[nt:], own_steps, target, tol)
        results[name] = result
    return results


def race(contestants: Sequence[Contestant], problem: Landscape, starts: Any, *, grid: Any,
         steps: int, tol: float = 1e-6, own_steps: int | None = None,
         n_tune: int | None = None) -> RaceResult:
    r"""Race ``contestants`` on ``problem`` with the protocol of the module docstring.

    Parameters
    ----------
    contestants:
        :class:`Contestant` objects (e.g. :func:`book_contestants`).
    problem:
        A landscape with ``f``, ``grad`` (and ``hess`` for Newton), vectorised over columns,
        and its minimum value ``min_value`` :math:`f^\star`.
    starts:
        ``(S, n)`` starting points; the first ``n_tune`` (default ``S // 2``) tune the learning
        rate, the others are the reporting starts.
    grid:
        Learning rates (the same for every first-order contestant), e.g. :func:`lr_grid`.
    steps:
        Budget :math:`K` of steps of the first-order contestants (one gradient each).
    tol:
        Success is :math:`f(\theta_k) - f^\star \le` ``tol`` from some step on.
    own_steps:
        Iteration budget of the own-rule contestants (default ``steps``).  Each of their
        iterations costs at least one :math:`f` and one :math:`\nabla f` evaluation.
    """
    return race_all(contestants, {"problem": (problem, starts)}, grid=grid, steps=steps, tol=tol,
                    own_steps=own_steps, n_tune=n_tune)["problem"]


# ---------------------------------------------------------------------------
# The race on the network of Chapter 3
# ---------------------------------------------------------------------------

class NetworkProblem:
    r"""The full-batch training loss of a :mod:`descent.book.nn` network as a function of a flat vector.

    ``f(x)`` and ``grad(x)`` take the parameters flattened in the order of ``template``'s keys
    (shape ``(n,)``), so that the methods of :mod:`descent.second_order` can train the network.
    One call of ``grad`` is one pass over the training set (one *epoch* of gradients).
    """

    def __init__(self, template: dict, X: np.ndarray, y: np.ndarray, *, activation: str = "tanh",
                 l2: float = 0.0) -> None:
        self.keys = list(template)
        self.shapes = [np.shape(template[k]) for k in self.keys]
        self.sizes = [int(np.prod(s)) for s in self.shapes]
        self.dim = int(sum(self.sizes))
        self.X, self.y, self.activation, self.l2 = X, y, activation, float(l2)
        self._cache: tuple[bytes, float, np.ndarray] | None = None
        self.passes = 0      #: forward-backward passes over the training set so far

    def flatten(self, params: dict) -> np.ndarray:
        return np.concatenate([np.asarray(params[k], dtype=np.float64).ravel() for k in self.keys])

    def unflatten(self, x: np.ndarray) -> dict:
        out, i = {}, 0
        for k, shape, size in zip(self.keys, self.shapes, self.sizes):
            out[k] = np.asarray(x[i:i + size], dtype=np.float64).reshape(shape)
            i += size
        return out

    def _eval(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        from . import nn
        key = np.asarray(x, dtype=np.float64).tobytes()
        if self._cache is None or self._cache[0] != key:
            self.passes += 1
            value, grads = nn.loss_and_grad(self.unflatten(x), self.X, self.y, l2=self.l2,
                                            activation=self.activation)
            self._cache = (key, float(value), self.flatten(grads))
        return self._cache[1], self._cache[2]

    def f(self, x):
        return self._eval(x)[0]

    def grad(self, x):
        return self._eval(x)[1].copy()


@dataclass(frozen=True)
class NetworkEntry:
    """One contestant on the network: tuned ``lr`` (``None`` for own rules), and per seed the
    training loss after each epoch — after each *iteration* for own-rule methods — (``curves``,
    shape ``(seeds, epochs + 1)``), the final test accuracy, and for own-rule methods the number
    of full passes over the training set they used (``evaluations``; a line search may need
    several per iteration)."""

    name: str
    label: str
    family: str
    lr: float | None
    curves: np.ndarray
    test_accuracy: np.ndarray
    evaluations: np.ndarray | None = None
    grid_losses: np.ndarray | None = None

    @property
    def final_loss(self) -> float:
        """Mean over seeds of the final training loss (``inf`` if a run diverged)."""
        return float(np.mean(self.curves[:, -1]))

    def epochs_to(self, level: float) -> float:
        """Mean over seeds of the first epoch whose training loss is ``<= level`` (``inf`` if any never does)."""
        hit = self.curves <= level
        first = np.where(hit.any(axis=1), np.argmax(hit, axis=1), np.inf)
        return float(np.mean(first))


@dataclass(frozen=True)
class NetworkRace:
    """The race on the network: ``entries`` by name, the grid, the budget and the set-up."""

    grid: np.ndarray
    epochs: int
    seeds: tuple
    batch_size: int
    sizes: tuple
    entries: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> NetworkEntry:
        return self.entries[name]


def race_network(contestants: Sequence[Contestant], data: tuple, *, sizes: Sequence[int],
                 grid: Any, epochs: int, seeds: Sequence[int] = (0, 1), batch_size: int = 64,
                 activation: str = "tanh") -> NetworkRace:
    r"""The race on a :mod:`descent.book.nn` MLP of widths ``sizes`` trained on ``data``.

    ``data`` is ``(X_train, y_train, X_test, y_test)`` (e.g. :func:`descent.book.data.load_digits_split`).
    First-order contestants train with mini-batches of ``batch_size`` for ``epochs`` epochs,
    for every learning rate of ``grid`` and every seed (the seed fixes the initial weights and
    the shuffling); the learning rate with the lowest mean final training loss is kept (ties:
    the smaller one).  Here tuning and reporting share the seeds — the network race is small.
    Own-rule contestants (no Hessian needed: DFP, BFGS, L-BFGS) train full-batch on
    :class:`NetworkProblem` for ``epochs`` iterations each, and the number of passes over the
    training set they used is reported (``NetworkProblem.passes``).
    """
    from . import nn
    X, y, X_test, y_test = data
    grid = np.asarray(grid, dtype=np.float64)
    epochs = v.positive_int(epochs, "epochs")
    seeds = tuple(v.nonnegative_int(s, "seed") for s in seeds)
    sizes = tuple(sizes)
    n = X.shape[0]
    per_epoch = -(-n // batch_size)
    result = NetworkRace(grid, epochs, seeds, batch_size, sizes)
    for c in contestants:
        if c.tuned:
            finals = np.empty((len(grid), len(seeds)))
            runs = {}
            for j, lr in enumerate(grid):
                for i, seed in enumerate(seeds):
                    rec = nn.train(c.make(float(lr)), nn.mlp_init(list(sizes), seed, activation=activation),
                                   X, y, batch_size=batch_size, epochs=epochs, seed=seed,
                                   eval_every=per_epoch, X_test=X_test, y_test=y_test,
                                   activation=activation)
                    curve = np.full(epochs + 1, np.inf)
                    if not rec.diverged:
                        curve[:] = rec.train_loss
                    finals[j, i] = curve[-1] if np.isfinite(curve[-1]) else np.inf
                    runs[j, i] = (curve, rec.test_accuracy[-1] if not rec.diverged else np.nan)
            mean_final = np.mean(finals, axis=1)
            j = min(range(len(grid)), key=lambda jj: (mean_final[jj], grid[jj]))
            curves = np.stack([runs[j, i][0] for i in range(len(seeds))])
            acc = np.array([runs[j, i][1] for i in range(len(seeds))])
            result.entries[c.name] = NetworkEntry(c.name, c.label, c.family, float(grid[j]), curves,
                                                  acc, grid_losses=finals)
        else:
            curves, acc, evals = [], [], []
            for seed in seeds:
                template = nn.mlp_init(list(sizes), seed, activation=activation)
                prob = NetworkProblem(template, X, y, activation=activation)
                t = c.run(prob, prob.flatten(template), epochs)
                curve = np.full(epochs + 1, np.nan)
                m = min(len(t.losses), epochs + 1)
                curve[:m] = t.losses[:m]
                curve[m:] = t.losses[-1]               # stopped early: its loss stays
                if t.diverged:
                    curve[:] = np.inf
                curves.append(curve)
                acc.append(nn.accuracy(prob.unflatten(t.x), X_test, y_test, activation=activation))
                evals.append(prob.passes)
            result.entries[c.name] = NetworkEntry(c.name, c.label, c.family, None, np.array(curves),
                                                  np.array(acc), evaluations=np.array(evals, dtype=float))
    return result
