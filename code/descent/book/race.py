r"""A fair optimizer race: tune each contestant's step size, then measure it on fresh starts.

Comparing optimizers is easy to do unfairly: give one of them a good learning rate and the
others their defaults, pick the starting point that suits one method, count a run that
passes through the tolerance and leaves it again, or measure on the very runs used to
choose the step size.  This module fixes one protocol (Chapters 9 and 10):

1. **The same log grid for everyone.**  Every first-order contestant is run with every
   learning rate :math:`\alpha` of one geometric grid (:func:`lr_grid`), from the same
   *tuning* starts.
2. **Success means staying converged.**  A run has a *budget* of :math:`K` steps to reach
   the tolerance and is then continued to the *horizon* :math:`H` (default :math:`3K`).  It
   succeeds when its loss gap :math:`f(\theta_k) - f^\star` is at most ``tol`` at some
   :math:`k \le K` and *at every later step up to* :math:`H`, without diverging;
   :math:`k_{\text{tol}}` is the first such :math:`k` (``inf`` for a failed run).  A run that
   converges and blows up again before :math:`H` (Adam with a large :math:`\alpha`, whose
   second moment still remembers the large early gradients) is a failure, and so is a run
   that stops at a saddle.
3. **Tune on some starts, report on others.**  The learning rate is chosen on the tuning
   starts by the key

   .. math::
      \big(-\#\text{successes},\ \operatorname{median} k_{\text{tol}},\
      \operatorname{median} (f(\theta_H) - f^\star),\ \alpha\big)

   compared lexicographically (ties go to the *smaller* :math:`\alpha`).  Everything
   reported is measured on many other *reporting* starts at that rate: the success rate
   with its Wilson interval (:func:`wilson_interval`) and the median :math:`k_{\text{tol}}`
   of the successful runs with a bootstrap interval (:func:`bootstrap_median_interval`).
   Beside it the race measures the same starts at the optimizer's *default* learning rate.
4. **No knife-edge cells.**  Every reported cell is re-measured from the reporting starts
   moved by a tiny random perturbation and at the two neighbouring grid rates
   :math:`\alpha_{j\pm1}` (:attr:`Entry.stability`); a cell is *stable* when the Wilson
   intervals of the perturbed and the reported success rates overlap, the perturbed median
   lies in the bootstrap interval of the reported one (widened by 5 %), and the Wilson
   intervals of *both* neighbouring rates (the one neighbour at an end of the grid) overlap
   the reported one too — the tuned rate lies on a plateau, not on a cliff.  The worst
   neighbour (:attr:`Entry.worst_neighbour`) is reported beside the cell.  Unstable cells
   are reported as such, not hidden.
5. **Methods with their own rules** (Newton, DFP, BFGS, L-BFGS: their own step rule and line
   search) get no learning rate.  They are run on the same reporting starts (and their
   perturbed copies), to the same horizon in iterations, and their cost is reported as
   iterations *and* evaluations of :math:`f`, :math:`\nabla f` and :math:`\nabla^2 f`
   (those of the line search included) up to the step that reached the tolerance.

Speed.  For the first-order contestants of the book the learning rate is a final factor:
``make(lr)`` and the runner's per-run rates (``minimize_many(factory, …, hyperparams=…)``)
give bit-for-bit the same iterates (checked at run time on a short probe, with a fall-back to one batch per learning
rate).  So every tuning run of every contestant on every problem is one
:func:`~descent.runner.minimize_many` batch, and every reporting run another.

:func:`race_network` applies the protocol to the model of Chapter 3 on the digits data:
several seeds, the learning rate tuned on a validation split of the training data, results
reported on the test split, and a budget counted in passes over the training data, line
searches included.

References: Choi et al., "On empirical comparisons of optimizers for deep learning" (2019)
— the tuning protocol decides the ranking; Schmidt, Schneider & Hennig, "Descending through
a crowded valley" (ICML 2021); Wilson (1927), "Probable inference, the law of succession,
and statistical inference", JASA 22(158); Efron & Tibshirani (1993), *An Introduction to
the Bootstrap*.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import _validate as v
from .. import optimizers as O
from .. import second_order as SO
from .._tree import ravel_tree
from ..landscapes import Beale, IllConditionedQuadratic, Rosenbrock, SaddleWell
from ..runner import minimize_many
from ..trajectory import Trajectory
from ..transforms import GradientTransformation

__all__ = [
    "Contestant", "first_order", "own_rules", "book_contestants", "lr_grid",
    "race_problems", "score_runs", "steps_to_tolerance", "tuning_key", "pick_learning_rate",
    "wilson_interval", "bootstrap_median_interval",
    "Cell", "Entry", "RaceResult", "race", "race_all",
    "NetworkProblem", "NetworkEntry", "NetworkRace", "race_network",
    "format_count", "format_gap", "format_rate",
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
    one, ``label`` the text shown in tables, ``family`` the idea it comes from, ``default_lr``
    the learning rate the library uses when none is given (PyTorch's, for the book's methods).
    """

    name: str
    label: str
    family: str
    make: Callable[[float], GradientTransformation] | None = None
    run: Callable[[Any, np.ndarray, int], Trajectory] | None = None
    default_lr: float | None = None

    def __post_init__(self):
        if (self.make is None) == (self.run is None):
            raise ValueError("give exactly one of make (a first-order method) or run (own rules)")
        if self.default_lr is not None and not (np.isfinite(self.default_lr) and self.default_lr > 0):
            raise ValueError(f"default_lr must be a positive number, got {self.default_lr!r}")

    @property
    def tuned(self) -> bool:
        """``True`` for a first-order contestant, whose learning rate is tuned."""
        return self.make is not None


def first_order(name: str, make: Callable[[float], GradientTransformation], *,
                label: str | None = None, family: str = "", default_lr: float | None = None) -> Contestant:
    """A contestant built by ``make(lr)``, tuned over the learning-rate grid."""
    if not callable(make):
        raise TypeError(f"make must be callable lr -> GradientTransformation, got {type(make).__name__}")
    return Contestant(name, label or name, family, make=make, default_lr=default_lr)


def own_rules(name: str, run: Callable[[Any, np.ndarray, int], Trajectory], *,
              label: str | None = None, family: str = "") -> Contestant:
    """A contestant with its own step rule, ``run(problem, x0, steps) -> Trajectory``."""
    if not callable(run):
        raise TypeError(f"run must be callable (problem, x0, steps) -> Trajectory, got {type(run).__name__}")
    return Contestant(name, label or name, family, run=run)


def book_contestants(*, second_order: bool = True, hessian: bool = True) -> list[Contestant]:
    r"""Every optimizer of the book, with the hyper-parameters other than :math:`\alpha` at their defaults.

    Gradient descent (``sgd`` without momentum), heavy-ball momentum and Nesterov
    (:math:`\beta = 0.9`, PyTorch's parameterisation :math:`b_k = \beta b_{k-1} + g_k`,
    :math:`\theta_k = \theta_{k-1} - \alpha b_k`, so the effective step on a constant gradient
    is :math:`\alpha/(1-\beta) = 10\alpha`), AdaGrad, RMSProp (PyTorch's :math:`\rho = 0.99`),
    AdaDelta, Adam and AdamW (:math:`\lambda_{\mathrm{wd}} = 10^{-2}`, PyTorch's default) —
    all from :mod:`descent.optimizers`, each with PyTorch's default learning rate as
    ``default_lr`` — and, with ``second_order=True``, Newton (``hessian=True`` only), DFP,
    BFGS and L-BFGS from :mod:`descent.second_order` with their own line searches.
    """
    out = [
        first_order("gd", lambda lr: O.sgd(lr), label="GD", family="plain", default_lr=1e-3),
        first_order("momentum", lambda lr: O.sgd(lr, momentum=0.9), label="Momentum", family="history",
                    default_lr=1e-3),
        first_order("nesterov", lambda lr: O.sgd(lr, momentum=0.9, nesterov=True), label="Nesterov",
                    family="history", default_lr=1e-3),
        first_order("adagrad", lambda lr: O.adagrad(lr), label="AdaGrad", family="pace", default_lr=1e-2),
        first_order("rmsprop", lambda lr: O.rmsprop(lr), label="RMSProp", family="pace", default_lr=1e-2),
        first_order("adadelta", lambda lr: O.adadelta(lr), label="AdaDelta", family="pace", default_lr=1.0),
        first_order("adam", lambda lr: O.adam(lr), label="Adam", family="adam", default_lr=1e-3),
        first_order("adamw", lambda lr: O.adamw(lr), label="AdamW", family="adam", default_lr=1e-3),
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
# The grid, the problems, and running many columns at once
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


def race_problems(n_starts: int, seed: int = 2024) -> dict:
    r"""The four test problems of Chapters 9 and 10, each with ``n_starts`` random starts.

    * the ill-conditioned quadratic of Chapter 2, :math:`\kappa = 50`, rotated by
      :math:`\pi/6` and centred at :math:`(1.5, -1)` (so that weight decay, which pulls
      towards the origin, does not pull towards the minimiser); starts uniform in a box of
      half-width 3 around the minimiser;
    * Rosenbrock's valley (minimiser :math:`(1, 1)`), starts in :math:`[-2, 2]\times[-1, 3]`;
    * Beale's function (minimiser :math:`(3, 1/2)`), starts in :math:`[-2, 2]\times[-1.5, 1.5]`;
    * the saddle well (:class:`~descent.landscapes.SaddleWell`) rotated by :math:`\pi/4`
      (so that a sign-like first step lies along the stable manifold and does not itself
      escape) with its saddle at :math:`(0.5, 1)`; starts at distance 1 to 2 from the saddle along its
      stable manifold and :math:`10^{-4}` to :math:`10^{-3}` off it, on either side.

    Returns ``{name: (landscape, starts)}`` with starts of shape ``(n_starts, 2)``.
    """
    S = v.positive_int(n_starts, "n_starts")
    rng = np.random.default_rng(v.nonnegative_int(seed, "seed"))
    quad = IllConditionedQuadratic(condition_number=50.0, angle=np.pi / 6, center=(1.5, -1.0))
    well = SaddleWell(angle=np.pi / 4, center=(0.5, 1.0))
    return {
        "quadratic": (quad, quad.center + rng.uniform(-3, 3, (S, 2))),
        "Rosenbrock": (Rosenbrock(), np.column_stack([rng.uniform(-2, 2, S), rng.uniform(-1, 3, S)])),
        "Beale": (Beale(), np.column_stack([rng.uniform(-2, 2, S), rng.uniform(-1.5, 1.5, S)])),
        "saddle well": (well, well.stable_manifold_points(
            rng.choice([-1.0, 1.0], S) * rng.uniform(1, 2, S),
            rng.choice([-1.0, 1.0], S) * rng.uniform(1e-4, 1e-3, S))),
    }


def _per_run_lr_batch(makes: Sequence[Callable[[float], GradientTransformation]], which: np.ndarray,
                      lrs: np.ndarray, problem, starts: np.ndarray, steps: int, keep_iterates: bool = False):
    """One :func:`minimize_many` batch: run ``j`` is ``makes[which[j]](lrs[j])`` from ``starts[j]``.

    Every ``make`` must have its learning rate as the last factor (checked by the caller).
    The batch is the runner's per-run hyper-parameters (``minimize_many(factory, …,
    hyperparams=…)``): a factory of two hyper-parameters, the contestant and its rate,
    declared ``lr_is_last_factor``.
    """
    which = np.asarray(which, dtype=int)
    lrs = np.asarray(lrs, dtype=np.float64)

    def factory(contestant, lr):
        return makes[int(contestant)](lr)
    factory.lr_is_last_factor = True
    return minimize_many(factory, problem, starts, steps, hyperparams={"contestant": which, "lr": lrs},
                         check_elementwise=False, keep_iterates=keep_iterates)


def _lr_is_final_factor(make, problem, x0: np.ndarray, lrs: Sequence[float], probe_steps: int = 4) -> bool:
    """Do ``make(lr)`` and the batched form give identical iterates on a short probe?"""
    lrs = np.array([min(lrs), max(lrs)], dtype=np.float64)
    x0 = np.repeat(np.asarray(x0, dtype=np.float64).reshape(1, -1), 2, axis=0)
    batched = _per_run_lr_batch([make], np.zeros(2, dtype=int), lrs, problem, x0, probe_steps, keep_iterates=True)
    for j, lr in enumerate(lrs):
        one = minimize_many(make(float(lr)), problem, x0, probe_steps)
        if not np.array_equal(one.iterates[:, 0], batched.iterates[:, j], equal_nan=True):
            return False
    return True


class _Stacked:
    """Several landscapes of the same dimension side by side: column ``i`` of an ``(n, B)``
    point belongs to ``problems[owner[i]]``.  Lets one :func:`minimize_many` batch race on all."""

    def __init__(self, problems: Sequence[Any], owner: np.ndarray, record: Any = None) -> None:
        dims = {int(p.dim) for p in problems}
        if len(dims) != 1:
            raise ValueError(f"problems raced together must have the same dimension, got {sorted(dims)}")
        self.dim = dims.pop()
        owner = np.asarray(owner)
        self.parts = [(p, np.flatnonzero(owner == i)) for i, p in enumerate(problems)]
        self.parts = [(p, idx) for p, idx in self.parts if idx.size]
        self.width = owner.size
        # minimize_many evaluates the gradient once per step at the accepted iterates (frozen
        # runs repeat theirs), so recording the columns ``record`` at every call of grad
        # records their iterates without keeping those of the whole batch
        self.record = None if record is None else np.asarray(record, dtype=int)
        self.recorded: list = []

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
        if self.record is not None:
            self.recorded.append(x[:, self.record].T.copy())
        out = np.empty_like(x)
        for p, idx in self.parts:
            out[:, idx] = p.grad(x[:, idx])
        return out


def _run_columns(contestants: Sequence[Contestant], problems: Sequence[Any], jobs: dict,
                 steps: int, record: dict | None = None) -> dict:
    """Run many first-order columns in as few :func:`minimize_many` batches as possible.

    ``jobs[c.name]`` is ``(owner, lrs, starts)``: for each column the index of its problem in
    ``problems``, its learning rate and its start.  Returns ``{c.name: (losses (steps+1, C),
    diverged (C,))}``.  Contestants whose learning rate is a final factor share one batch;
    any other runs one batch per distinct learning rate.  ``record[c.name]`` (optional) lists
    columns whose iterates are recorded: the tuples then have a third element
    ``{column: iterates (steps+1, n)}``; the last element is always the final iterates ``(C, n)``.
    """
    record = record or {}
    out = {}
    batchable, others = [], []
    for c in contestants:
        owner, lrs, starts = jobs[c.name]
        p0 = problems[int(owner[0])]
        (batchable if _lr_is_final_factor(c.make, p0, starts[0], lrs) else others).append(c)
    if batchable:
        for c in batchable:     # minimize_many's elementwise probe, on each base optimizer
            owner, lrs, starts = jobs[c.name]
            minimize_many(c.make(1.0), problems[int(owner[0])], starts[:2], 0)
        owner_all = np.concatenate([jobs[c.name][0] for c in batchable])
        starts_all = np.concatenate([jobs[c.name][2] for c in batchable])
        offsets = np.cumsum([0] + [len(jobs[c.name][1]) for c in batchable])
        rec = [(c.name, col, int(offsets[i]) + col) for i, c in enumerate(batchable) for col in record.get(c.name, ())]
        stacked = _Stacked(problems, owner_all, [r[2] for r in rec] if rec else None)
        which = np.concatenate([np.full(len(jobs[c.name][1]), i) for i, c in enumerate(batchable)])
        lrs_all = np.concatenate([jobs[c.name][1] for c in batchable])
        b = _per_run_lr_batch([c.make for c in batchable], which, lrs_all, stacked, starts_all, steps)
        paths = np.stack(stacked.recorded, axis=0) if rec else None      # (calls, len(rec), n)
        if rec and paths.shape[0] < steps + 1:                           # all runs froze early
            paths = np.concatenate([paths, np.repeat(paths[-1:], steps + 1 - paths.shape[0], axis=0)])
        for i, c in enumerate(batchable):
            a, z = int(offsets[i]), int(offsets[i + 1])
            mine = {col: paths[:, q] for q, (name, col, _) in enumerate(rec) if name == c.name}
            out[c.name] = (b.losses[:, a:z], b.diverged[a:z], mine, b.final[a:z])
    for c in others:
        owner, lrs, starts = jobs[c.name]
        losses = np.empty((steps + 1, len(lrs)))
        diverged = np.empty(len(lrs), dtype=bool)
        final = np.empty_like(starts)
        mine = {}
        for lr in np.unique(lrs):
            idx = np.flatnonzero(lrs == lr)
            keep = [col for col in record.get(c.name, ()) if col in idx]
            b = minimize_many(c.make(float(lr)), _Stacked(problems, owner[idx]), starts[idx], steps,
                              keep_iterates=bool(keep))
            losses[:, idx], diverged[idx], final[idx] = b.losses, b.diverged, b.final
            for col in keep:
                mine[col] = b.iterates[:, int(np.flatnonzero(idx == col)[0])]
        out[c.name] = (losses, diverged, mine, final)
    return out


# ---------------------------------------------------------------------------
# Scoring and statistics
# ---------------------------------------------------------------------------

def score_runs(losses: np.ndarray, target: float, tol: float, diverged: Any = None,
               budget: int | None = None) -> dict:
    r"""Score runs of length :math:`H` (``losses`` of shape ``(H + 1,)`` or ``(H + 1, B)``).

    Returns a dict of arrays (scalars for a single run):

    * ``steps`` — :math:`k_{\text{tol}}`, the first :math:`k \le` ``budget`` (default
      :math:`H`) from which :math:`f(\theta_j) - f^\star \le` ``tol`` for every
      :math:`j \le H`; ``inf`` if there is none or the run diverged;
    * ``first_hit`` — the first :math:`k` with the gap within ``tol`` (``inf`` if never);
    * ``left`` — the first step after ``first_hit`` at which the gap is outside ``tol``
      again (``inf`` if it never leaves) — a converge-then-blow-up run has a finite one;
    * ``final_gap`` — :math:`f(\theta_H) - f^\star` (``inf`` if the run diverged).
    """
    L = np.asarray(losses, dtype=np.float64)
    single = L.ndim == 1
    if single:
        L = L[:, None]
    H = L.shape[0] - 1
    budget = H if budget is None else v.nonnegative_int(budget, "budget")
    if budget > H:
        raise ValueError(f"budget ({budget}) must not exceed the horizon ({H} steps)")
    with np.errstate(invalid="ignore"):
        gap = L - target
        hit = gap <= tol
    div = np.zeros(L.shape[1], dtype=bool) if diverged is None else \
        np.broadcast_to(np.asarray(diverged, dtype=bool), (L.shape[1],))
    stays = np.logical_and.accumulate(hit[::-1], axis=0)[::-1]
    steps = np.argmax(stays, axis=0).astype(np.float64)
    steps[~stays.any(axis=0) | div] = np.inf
    steps[steps > budget] = np.inf
    first_hit = np.where(hit.any(axis=0), np.argmax(hit, axis=0), np.inf).astype(np.float64)
    k = np.arange(H + 1)[:, None]
    after = ~hit & (k > np.where(np.isfinite(first_hit), first_hit, H + 1))
    left = np.where(after.any(axis=0), np.argmax(after, axis=0), np.inf).astype(np.float64)
    final_gap = np.where(div | ~np.isfinite(gap[-1]), np.inf, gap[-1])
    out = {"steps": steps, "first_hit": first_hit, "left": left, "final_gap": final_gap}
    return {key: val[0] for key, val in out.items()} if single else out


def steps_to_tolerance(losses: np.ndarray, target: float, tol: float,
                       diverged: np.ndarray | bool | None = None, budget: int | None = None) -> np.ndarray:
    r"""First :math:`k \le` ``budget`` from which the gap stays within ``tol`` to the end of the run (see :func:`score_runs`)."""
    return score_runs(losses, target, tol, diverged, budget)["steps"]


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


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    r"""Wilson's score interval for a success probability (95 % for the default ``z``).

    .. math::
       \frac{\hat p + \frac{z^2}{2n} \pm z\sqrt{\frac{\hat p(1-\hat p)}{n} + \frac{z^2}{4n^2}}}{1 + \frac{z^2}{n}},
       \qquad \hat p = \text{successes}/n.

    Unlike the normal approximation it stays inside :math:`[0, 1]` and is not empty at
    :math:`\hat p \in \{0, 1\}` (Wilson 1927; Brown, Cai & DasGupta 2001).
    """
    n = v.positive_int(n, "n")
    k = v.nonnegative_int(successes, "successes")
    if k > n:
        raise ValueError(f"successes ({k}) must not exceed n ({n})")
    z = v.positive(z, "z")
    p = k / n
    den = 1.0 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (0.0 if k == 0 else max(0.0, mid - half), 1.0 if k == n else min(1.0, mid + half))


def bootstrap_median_interval(values: Any, level: float = 0.95, n_boot: int = 2000,
                              seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the median of ``values`` (``(nan, nan)`` if empty).

    ``n_boot`` resamples with replacement, drawn from ``np.random.default_rng(seed)``; the
    interval is the ``(1 - level)/2`` and ``(1 + level)/2`` quantiles of their medians
    (Efron & Tibshirani 1993, Ch. 13).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    level = v.real(level, "level")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    n_boot = v.positive_int(n_boot, "n_boot")
    if x.size == 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(seed)
    meds = np.median(x[rng.integers(0, x.size, (n_boot, x.size))], axis=1)
    lo, hi = np.quantile(meds, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    r"""The runs of one contestant from a set of starts at one setting.

    ``steps``, ``first_hit``, ``left`` and ``final_gap`` as in :func:`score_runs` (one entry
    per start), ``diverged`` per start, ``evaluations`` (own-rule methods) the evaluations of
    :math:`f`, :math:`\nabla f` and :math:`\nabla^2 f` up to :math:`k_{\text{tol}}` (over the
    whole run if it failed), ``lr`` the learning rate (``None`` for own rules).
    """

    lr: float | None
    steps: np.ndarray
    first_hit: np.ndarray
    left: np.ndarray
    final_gap: np.ndarray
    diverged: np.ndarray
    evaluations: np.ndarray | None = None
    final: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.steps.size)

    @property
    def successes(self) -> int:
        return int(np.sum(np.isfinite(self.steps)))

    @property
    def rate(self) -> float:
        return self.successes / self.n

    @property
    def rate_interval(self) -> tuple[float, float]:
        """95 % Wilson interval of the success rate."""
        return wilson_interval(self.successes, self.n)

    @property
    def median_steps(self) -> float:
        """Median :math:`k_{\\text{tol}}` of the successful runs (``inf`` if none succeeded)."""
        ok = self.steps[np.isfinite(self.steps)]
        return float(np.median(ok)) if ok.size else float("inf")

    @property
    def median_interval(self) -> tuple[float, float]:
        """95 % bootstrap interval of :attr:`median_steps` (``(inf, inf)`` if none succeeded)."""
        ok = self.steps[np.isfinite(self.steps)]
        return bootstrap_median_interval(ok) if ok.size else (float("inf"), float("inf"))

    @property
    def median_evaluations(self) -> float | None:
        """Median evaluations of the successful runs (own-rule methods; ``inf`` if none succeeded)."""
        if self.evaluations is None:
            return None
        ok = self.evaluations[np.isfinite(self.steps)]
        return float(np.median(ok)) if ok.size else float("inf")

    @property
    def median_gap(self) -> float:
        return float(np.median(self.final_gap))

    def blew_up(self, budget: int) -> int:
        """Runs that reached the tolerance within ``budget`` steps and failed all the same:
        they left it again before the horizon (or diverged)."""
        return int(np.sum((self.first_hit <= budget) & ~np.isfinite(self.steps)))

    def near(self, point: Any, radius: float = 1e-3) -> int:
        """Runs whose final iterate lies within ``radius`` of ``point``."""
        if self.final is None:
            raise ValueError("this cell has no final iterates")
        return int(np.sum(np.linalg.norm(self.final - np.asarray(point, dtype=float), axis=1) <= radius))


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def _cell(lr, losses, diverged, target, tol, budget, evaluations=None, final=None) -> Cell:
    s = score_runs(losses, target, tol, diverged, budget)
    return Cell(lr, s["steps"], s["first_hit"], s["left"], s["final_gap"], np.asarray(diverged, bool),
                evaluations, None if final is None else np.asarray(final, dtype=float).copy())


@dataclass(frozen=True)
class Entry:
    r"""One contestant's result on one problem (see :func:`race`).

    ``report`` is the :class:`Cell` of the reporting starts at the tuned rate ``lr``
    (``None`` for own-rule methods); ``perturbed`` the same starts moved by a tiny random
    perturbation; ``neighbours`` maps the neighbouring grid rates to their cells on the
    reporting starts; ``default`` the cell at the contestant's default learning rate;
    ``grid_steps`` and ``grid_gaps`` the tuning measurements, shape ``(len(grid), S_tune)``;
    ``paths`` the iterates of the first reporting starts (for figures).
    """

    name: str
    label: str
    family: str
    lr: float | None
    report: Cell
    perturbed: Cell
    neighbours: dict = field(default_factory=dict)
    default: Cell | None = None
    grid_steps: np.ndarray | None = None
    grid_gaps: np.ndarray | None = None
    paths: list = field(default_factory=list)

    # the reporting cell's numbers, for convenience
    @property
    def steps(self) -> np.ndarray:
        return self.report.steps

    @property
    def final_gap(self) -> np.ndarray:
        return self.report.final_gap

    @property
    def evaluations(self) -> np.ndarray | None:
        return self.report.evaluations

    @property
    def successes(self) -> int:
        return self.report.successes

    @property
    def median_steps(self) -> float:
        return self.report.median_steps

    @property
    def median_gap(self) -> float:
        return self.report.median_gap

    @property
    def median_evaluations(self) -> float | None:
        return self.report.median_evaluations

    @property
    def stability(self) -> dict:
        r"""Why the reported cell is (or is not) stable; see the module docstring, point 4.

        ``perturbed_rate``: the Wilson intervals of the success rates from the reporting starts
        and from their perturbed copies overlap; ``perturbed_median``: the perturbed median (of
        successful runs) lies in the bootstrap interval of the reported one, widened by 5 %
        (or neither cell has a success); ``grid``: the Wilson intervals of *both* neighbouring
        grid rates (the one neighbour at an end of the grid) overlap the reported one (always ``True`` for own-rule methods, which have no rate): the tuned
        rate lies on a plateau, not on a cliff.
        """
        m, p = self.report, self.perturbed
        overlap = lambda c: _overlap(m.rate_interval, c.rate_interval)   # noqa: E731
        if m.successes == 0 or p.successes == 0:
            med_ok = m.successes == p.successes == 0 or overlap(p)
        else:
            a, b = m.median_interval
            med_ok = 0.95 * a <= p.median_steps <= 1.05 * b
        grid_ok = True if self.lr is None else all(overlap(c) for c in self.neighbours.values())
        return {"perturbed_rate": bool(overlap(p)), "perturbed_median": bool(med_ok), "grid": bool(grid_ok)}

    @property
    def worst_neighbour(self) -> Cell | None:
        """The neighbouring grid rate's cell with fewest successes (then the larger median; ``None`` without a rate)."""
        if self.lr is None or not self.neighbours:
            return None
        return min(self.neighbours.values(), key=lambda c: (c.successes, -c.median_steps if np.isfinite(c.median_steps)
                                                            else -np.inf))

    @property
    def stable(self) -> bool:
        """All of :attr:`stability`."""
        return all(self.stability.values())


@dataclass(frozen=True)
class RaceResult:
    """The race on one problem: ``entries`` by contestant name, in the contestants' order."""

    problem: Any
    tol: float
    target: float
    grid: np.ndarray
    budget: int
    horizon: int
    tune_starts: np.ndarray
    report_starts: np.ndarray
    perturbed_starts: np.ndarray
    own_budget: int
    own_horizon: int
    entries: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> Entry:
        return self.entries[name]

    def winner(self) -> str:
        """Name of the contestant with most successes, then fewest median steps (ties: first listed)."""
        names = list(self.entries)
        return min(names, key=lambda n: (-self.entries[n].successes, self.entries[n].median_steps,
                                          names.index(n)))


def format_count(value: float) -> str:
    """A step or evaluation count for a table: with thousands separators, one decimal for a median halfway
    between two counts (``208.5``, not rounded to even), or ``—`` for never (``inf``)."""
    if not np.isfinite(value):
        return "—"
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


def format_gap(value: float) -> str:
    """A loss gap for a table, as a book writes it (``3.2 × 10⁻⁷``); ``diverged`` for ``inf``."""
    if not np.isfinite(value):
        return "diverged"
    from .notebook import number
    return number(float(value), 2)


def format_rate(cell: Cell) -> str:
    """``"k/n"`` with the 95 % Wilson interval in per cent, e.g. ``"28/30 (79–98 %)"``."""
    lo, hi = cell.rate_interval
    return f"{cell.successes}/{cell.n} ({100 * lo:.0f}–{100 * hi:.0f} %)"


# ---------------------------------------------------------------------------
# The race on landscapes
# ---------------------------------------------------------------------------

def _own_rules_cell(c: Contestant, problem, starts: np.ndarray, budget: int, horizon: int, target: float,
                    tol: float, keep_paths: int = 0) -> tuple[Cell, list]:
    """Run an own-rule contestant from each start: ``budget`` iterations, continued to the
    ``horizon`` when the run is within the tolerance at the budget and has not stopped by itself
    (only such a run can still succeed, and only by staying)."""
    steps, first, left, gaps, div, evals, finals, paths = [], [], [], [], [], [], [], []
    for i, x0 in enumerate(starts):
        t = c.run(problem, x0.copy(), budget)
        if t.steps == budget and not t.diverged and float(t.losses[-1]) - target <= tol:
            t = c.run(problem, x0.copy(), horizon)
        losses = np.asarray(t.losses, dtype=float)
        if losses.size < horizon + 1:        # stopped by itself (or failed at the budget): its loss stays
            losses = np.concatenate([losses, np.full(horizon + 1 - losses.size, losses[-1])])
        s = score_runs(losses, target, tol, t.diverged, budget)
        if np.isfinite(s["steps"]):
            # deterministic: the same run stopped at step k made exactly the evaluations needed
            t_k = c.run(problem, x0.copy(), int(s["steps"]))
            evals.append(t_k.n_fev + t_k.n_gev + t_k.n_hev)
        else:
            evals.append(t.n_fev + t.n_gev + t.n_hev)
        steps.append(s["steps"]); first.append(s["first_hit"]); left.append(s["left"])
        gaps.append(s["final_gap"]); div.append(bool(t.diverged)); finals.append(np.asarray(t.x, dtype=float))
        if i < keep_paths:
            paths.append(np.asarray(t.iterates, dtype=float))
    arr = lambda a: np.array(a, dtype=float)   # noqa: E731
    return Cell(None, arr(steps), arr(first), arr(left), arr(gaps), np.array(div, dtype=bool),
                arr(evals), np.array(finals)), paths


def _perturb(starts: np.ndarray, size: float, seed: int) -> np.ndarray:
    """Each start moved by ``size`` times its largest coordinate (at least 1) in a random direction."""
    rng = np.random.default_rng(seed)
    d = rng.standard_normal(starts.shape)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    return starts + size * np.maximum(1.0, np.max(np.abs(starts), axis=1, keepdims=True)) * d


def race_all(contestants: Sequence[Contestant], problems: dict, *, grid: Any, steps: int,
             tol: float = 1e-6, horizon: int | None = None, own_steps: int | None = None,
             n_tune: int | None = None, perturbation: float = 1e-9, seed: int = 0,
             keep_paths: int = 1) -> dict:
    r"""Race ``contestants`` on several problems at once; returns ``{name: RaceResult}``.

    Parameters
    ----------
    contestants:
        :class:`Contestant` objects (e.g. :func:`book_contestants`).
    problems:
        ``{name: (landscape, starts)}`` (e.g. :func:`race_problems`); every landscape must know
        its ``min_value`` :math:`f^\star` and all must have the same dimension (they are
        stacked into one batch).  The first ``n_tune`` starts (default a quarter, at least 2)
        tune the learning rate; the others are the reporting starts.
    grid:
        Learning rates (the same for every first-order contestant), e.g. :func:`lr_grid`.
    steps:
        Budget :math:`K` of steps of the first-order contestants (one gradient each) to reach
        the tolerance.
    tol:
        The tolerance on :math:`f(\theta_k) - f^\star`.
    horizon:
        Steps :math:`H \ge K` over which a run must stay within ``tol`` (default :math:`3K`).
    own_steps:
        Iteration budget of the own-rule contestants (default ``steps``); their horizon is
        ``horizon`` scaled by the same factor.
    perturbation:
        Size of the random displacement of the perturbed starts, relative to the start's
        largest coordinate (at least 1).
    seed:
        Seed of the perturbation.
    keep_paths:
        Number of reporting starts whose iterates are kept in :attr:`Entry.paths`.
    """
    if not isinstance(problems, dict) or not problems:
        raise TypeError("problems must be a non-empty dict name -> (landscape, starts)")
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid) & (grid > 0)):
        raise ValueError("grid must be a non-empty 1-D array of positive learning rates")
    if np.any(np.diff(grid) <= 0):
        raise ValueError("grid must be increasing")
    steps = v.positive_int(steps, "steps")
    horizon = 3 * steps if horizon is None else v.positive_int(horizon, "horizon")
    if horizon < steps:
        raise ValueError(f"horizon ({horizon}) must be at least steps ({steps})")
    own_steps = steps if own_steps is None else v.positive_int(own_steps, "own_steps")
    own_horizon = int(np.ceil(own_steps * horizon / steps))
    tol = v.positive(tol, "tol")
    perturbation = v.positive(perturbation, "perturbation")
    keep_paths = v.nonnegative_int(keep_paths, "keep_paths")
    for c in contestants:
        if not isinstance(c, Contestant):
            raise TypeError(f"contestants must be Contestant objects, got {type(c).__name__}")
    names = [c.name for c in contestants]
    if len(set(names)) != len(names):
        raise ValueError(f"contestant names must be unique, got {names}")
    plist, checked = [], {}
    for pname, pair in problems.items():
        problem, starts = pair
        starts = np.asarray(starts, dtype=np.float64)
        if starts.ndim != 2 or starts.shape[0] < 3:
            raise ValueError(f"starts of {pname!r} must have shape (S, n) with S >= 3, got {starts.shape}")
        if getattr(problem, "min_value", None) is None:
            raise ValueError(f"problem {pname!r} has no min_value (the target f*)")
        S = starts.shape[0]
        nt = max(2, S // 4) if n_tune is None else v.positive_int(n_tune, "n_tune")
        if not 0 < nt < S:
            raise ValueError(f"n_tune must leave at least one reporting start (S = {S}), got {nt}")
        report = starts[nt:]
        checked[pname] = (len(plist), starts[:nt], report, _perturb(report, perturbation, seed))
        plist.append(problem)
    tuned = [c for c in contestants if c.tuned]
    G = grid.size

    # 1. tuning: every rate of the grid from every tuning start
    jobs = {}
    for c in tuned:
        owner, lrs, st = [], [], []
        for pname, (ip, tune, _, _) in checked.items():
            owner.append(np.full(G * len(tune), ip)); lrs.append(np.repeat(grid, len(tune)))
            st.append(np.tile(tune, (G, 1)))
        jobs[c.name] = (np.concatenate(owner), np.concatenate(lrs), np.concatenate(st))
    measured = _run_columns(tuned, plist, jobs, horizon) if tuned else {}
    picked = {}
    for c in tuned:
        losses, diverged = measured[c.name][:2]
        i = 0
        for pname, (ip, tune, _, _) in checked.items():
            w = G * len(tune)
            s = score_runs(losses[:, i:i + w], float(plist[ip].min_value), tol, diverged[i:i + w], steps)
            k_all, g_all = s["steps"].reshape(G, -1), s["final_gap"].reshape(G, -1)
            picked[c.name, pname] = (pick_learning_rate(grid, k_all, g_all), k_all, g_all)
            i += w

    # 2. reporting: the tuned rate, its perturbed starts, its grid neighbours and the default rate
    layout, jobs, record = {}, {}, {}
    for c in tuned:
        owner, lrs, st, lay, rec = [], [], [], [], []
        col = 0
        for pname, (ip, _, report, pert) in checked.items():
            j = picked[c.name, pname][0]
            settings = [("report", grid[j], report), ("perturbed", grid[j], pert)]
            settings += [(("neighbour", float(grid[jj])), grid[jj], report) for jj in (j - 1, j + 1) if 0 <= jj < G]
            near = [float(grid[jj]) for jj in (j - 1, j, j + 1) if 0 <= jj < G]
            if c.default_lr is not None and not np.any(np.isclose(c.default_lr, near, rtol=1e-12, atol=0)):
                settings.append(("default", c.default_lr, report))
            for what, lr, x0s in settings:
                owner.append(np.full(len(x0s), ip)); lrs.append(np.full(len(x0s), lr)); st.append(x0s)
                lay.append((pname, what, float(lr), len(x0s)))
                if what == "report":
                    rec += list(range(col, col + min(keep_paths, len(x0s))))
                col += len(x0s)
        jobs[c.name] = (np.concatenate(owner), np.concatenate(lrs), np.concatenate(st))
        layout[c.name], record[c.name] = lay, rec
    measured = _run_columns(tuned, plist, jobs, horizon, record) if tuned else {}

    results = {}
    for pname, (ip, tune, report, pert) in checked.items():
        problem = plist[ip]
        target = float(problem.min_value)
        results[pname] = RaceResult(problem, tol, target, grid, steps, horizon, tune, report, pert,
                                    own_steps, own_horizon)
    for c in tuned:
        losses, diverged, paths, final = measured[c.name]
        cells: dict = {}
        mine: dict = {}
        i = 0
        for pname, what, lr, w in layout[c.name]:
            target = float(plist[checked[pname][0]].min_value)
            cells.setdefault(pname, {})[what] = _cell(lr, losses[:, i:i + w], diverged[i:i + w], target, tol,
                                                      steps, final=final[i:i + w])
            if what == "report":
                mine[pname] = [_moving_part(paths[q]) for q in range(i, i + min(keep_paths, w))]
            i += w
        for pname in checked:
            j, k_all, g_all = picked[c.name, pname]
            cs = cells[pname]
            neighbours = {key[1]: cell for key, cell in cs.items() if isinstance(key, tuple)}
            default = cs.get("default")
            if default is None and c.default_lr is not None:      # the default is the tuned rate or a neighbour
                same = [cell for cell in [cs["report"], *neighbours.values()]
                        if np.isclose(cell.lr, c.default_lr, rtol=1e-12, atol=0)]
                default = same[0]
            results[pname].entries[c.name] = Entry(c.name, c.label, c.family, float(grid[j]), cs["report"],
                                                   cs["perturbed"], neighbours, default,
                                                   k_all, g_all, mine[pname])
    for c in contestants:
        if c.tuned:
            continue
        for pname, (ip, tune, report, pert) in checked.items():
            problem = plist[ip]
            target = float(problem.min_value)
            rep, paths = _own_rules_cell(c, problem, report, own_steps, own_horizon, target, tol, keep_paths)
            per, _ = _own_rules_cell(c, problem, pert, own_steps, own_horizon, target, tol)
            results[pname].entries[c.name] = Entry(c.name, c.label, c.family, None, rep, per, paths=paths)
    # entries in the contestants' order
    for res in results.values():
        ordered = {n: res.entries[n] for n in names}
        res.entries.clear()
        res.entries.update(ordered)
    return results


def _moving_part(path: np.ndarray) -> np.ndarray:
    """A frozen (diverged) run repeats its last finite iterate: keep the moving part only."""
    k = len(path) - 1
    while k > 0 and np.array_equal(path[k], path[k - 1]):
        k -= 1
    return path[:k + 1].copy()


def race(contestants: Sequence[Contestant], problem: Any, starts: Any, *, grid: Any,
         steps: int, tol: float = 1e-6, horizon: int | None = None, own_steps: int | None = None,
         n_tune: int | None = None, perturbation: float = 1e-9, seed: int = 0) -> RaceResult:
    r"""Race ``contestants`` on one ``problem`` from ``starts`` (``(S, n)``); see :func:`race_all`."""
    return race_all(contestants, {"problem": (problem, starts)}, grid=grid, steps=steps, tol=tol,
                    horizon=horizon, own_steps=own_steps, n_tune=n_tune, perturbation=perturbation,
                    seed=seed)["problem"]


# ---------------------------------------------------------------------------
# The race on the network of Chapter 3
# ---------------------------------------------------------------------------

class NetworkProblem:
    r"""The full-batch training loss of a :mod:`descent.book.nn` network as a function of a flat vector.

    ``value_and_grad(x)`` computes loss and gradient in one forward-backward pass; ``f(x)`` and
    ``grad(x)`` return its two halves (each recomputes; nothing is cached).  ``x`` holds the
    parameters flattened in the order of ``template``'s keys (shape ``(n,)``), so that the
    methods of :mod:`descent.second_order` can train the network.

    ``passes`` counts the passes over the training set: one for every *point* at which the loss
    or its gradient is asked for — a line search that asks for :math:`f` and then
    :math:`\nabla f` at the same trial point pays one forward-backward pass, as it would with
    ``value_and_grad`` — so the evaluations of the line searches are all in the count.
    """

    def __init__(self, template: dict, X: np.ndarray, y: np.ndarray, *, activation: str = "tanh",
                 l2: float = 0.0) -> None:
        if not isinstance(template, dict) or not template:
            raise TypeError("template must be a non-empty dict of parameter arrays")
        self.keys = list(template)
        vector, self._unravel = ravel_tree({k: np.asarray(template[k], dtype=np.float64) for k in self.keys},
                                           "template")
        self.dim = int(vector.size)
        self.X, self.y, self.activation, self.l2 = X, y, activation, float(l2)
        self.passes = 0      #: passes over the training set so far
        self.points: list = []   #: the distinct points evaluated, in order (point i cost pass i + 1)

    def flatten(self, params: dict) -> np.ndarray:
        """``params`` (a dict with the template's keys, in any order) as one float64 vector."""
        return ravel_tree({k: np.asarray(params[k], dtype=np.float64) for k in self.keys}, "params")[0]

    def unflatten(self, x: np.ndarray) -> dict:
        """The parameter dict of a flat vector (new arrays; the template's keys and shapes)."""
        return self._unravel(np.asarray(x, dtype=np.float64))

    def value_and_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Loss and flat gradient at ``x``: one pass over the training set."""
        from . import nn
        x = np.asarray(x, dtype=np.float64)
        if not self.points or not np.array_equal(x, self.points[-1]):
            self.passes += 1
            self.points.append(x.copy())
        value, grads = nn.loss_and_grad(self.unflatten(x), self.X, self.y, l2=self.l2,
                                        activation=self.activation)
        return float(value), self.flatten(grads)

    def f(self, x):
        return self.value_and_grad(x)[0]

    def grad(self, x):
        return self.value_and_grad(x)[1]

    def passes_at(self, x: np.ndarray) -> int:
        """Passes used up to and including the (last) evaluation at ``x``."""
        for i in range(len(self.points) - 1, -1, -1):
            if np.array_equal(self.points[i], x):
                return i + 1
        raise ValueError("x was never evaluated")


@dataclass(frozen=True)
class NetworkEntry:
    """One contestant on the network.

    ``lr`` is the rate tuned on the validation split (``None`` for own rules); per seed,
    ``curves`` holds the training loss after each pass over the training data (shape
    ``(seeds, passes + 1)``; for own-rule methods the loss of the last iterate reached within
    that many passes), ``val_loss`` the final validation loss, ``test_loss`` and
    ``test_accuracy`` the final results on the test split, and ``grid_val`` the validation loss
    of every grid rate and seed (first-order methods).  ``iterations`` (own rules) counts the
    iterations that fitted in the budget.
    """

    name: str
    label: str
    family: str
    lr: float | None
    curves: np.ndarray
    val_loss: np.ndarray
    test_loss: np.ndarray
    test_accuracy: np.ndarray
    grid_val: np.ndarray | None = None
    iterations: np.ndarray | None = None

    @property
    def final_loss(self) -> float:
        """Mean over seeds of the final training loss (``inf`` if a run diverged)."""
        return float(np.mean(self.curves[:, -1]))

    @property
    def mean_test_loss(self) -> float:
        return float(np.mean(self.test_loss))

    @property
    def mean_test_accuracy(self) -> float:
        return float(np.mean(self.test_accuracy))


@dataclass(frozen=True)
class NetworkRace:
    """The race on the network: ``entries`` by name, the grid, the budget and the set-up."""

    grid: np.ndarray
    passes: int
    seeds: tuple
    batch_size: int
    sizes: tuple
    n_train: int
    n_val: int
    n_test: int
    entries: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> NetworkEntry:
        return self.entries[name]


def _validation_split(X, y, fraction: float, seed: int):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(X.shape[0])
    n_val = int(round(fraction * X.shape[0]))
    val, train = idx[:n_val], idx[n_val:]
    return X[train], y[train], X[val], y[val]


def race_network(contestants: Sequence[Contestant], data: tuple, *, sizes: Sequence[int],
                 grid: Any, passes: int, seeds: Sequence[int] = (0, 1, 2), batch_size: int = 64,
                 val_fraction: float = 0.2, activation: str = "tanh") -> NetworkRace:
    r"""The race on a :mod:`descent.book.nn` MLP of widths ``sizes`` trained on ``data``.

    ``data`` is ``(X_train, y_train, X_test, y_test)`` (e.g. :func:`descent.book.data.load_digits_split`);
    a fixed fraction ``val_fraction`` of the training data is held out as a validation split.
    The budget is ``passes`` passes over the (remaining) training data for everyone.
    First-order contestants train with mini-batches of ``batch_size`` for ``passes`` epochs,
    for every learning rate of ``grid`` and every seed (the seed fixes the initial weights and
    the shuffling); the rate with the lowest mean final *validation* loss is kept (ties: the
    smaller one), and the *test* loss and accuracy of those runs are reported.  Own-rule
    contestants (no Hessian needed: DFP, BFGS, L-BFGS) train full-batch on
    :class:`NetworkProblem`; every evaluation of :math:`f` or :math:`\nabla f`, line searches
    included, is a pass, and the result reported is the last iterate reached within the budget.
    """
    from . import nn
    X_all, y_all, X_test, y_test = data
    grid = np.asarray(grid, dtype=np.float64)
    passes = v.positive_int(passes, "passes")
    seeds = tuple(v.nonnegative_int(s, "seed") for s in seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    val_fraction = v.real(val_fraction, "val_fraction")
    if not 0.0 < val_fraction < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1, got {val_fraction}")
    sizes = tuple(sizes)
    X, y, X_val, y_val = _validation_split(X_all, y_all, val_fraction, 12345)
    per_epoch = -(-X.shape[0] // batch_size)
    kw = {"activation": activation}
    result = NetworkRace(grid, passes, seeds, batch_size, sizes, X.shape[0], X_val.shape[0], X_test.shape[0])
    for c in contestants:
        if c.tuned:
            val = np.full((len(grid), len(seeds)), np.inf)
            runs = {}
            for j, lr in enumerate(grid):
                for i, seed in enumerate(seeds):
                    rec = nn.train(c.make(float(lr)), nn.mlp_init(list(sizes), seed, **kw), X, y,
                                   batch_size=batch_size, epochs=passes, seed=seed, eval_every=per_epoch, **kw)
                    curve = np.full(passes + 1, np.inf)
                    if not rec.diverged:
                        curve[:] = rec.train_loss
                        val[j, i] = nn.loss(rec.params, X_val, y_val, **kw)
                    runs[j, i] = (curve, rec)
            mean_val = np.where(np.all(np.isfinite(val), axis=1), np.mean(val, axis=1), np.inf)
            j = min(range(len(grid)), key=lambda jj: (mean_val[jj], grid[jj]))
            recs = [runs[j, i][1] for i in range(len(seeds))]
            ok = [not r.diverged for r in recs]
            result.entries[c.name] = NetworkEntry(
                c.name, c.label, c.family, float(grid[j]), np.stack([runs[j, i][0] for i in range(len(seeds))]),
                val[j].copy(),
                np.array([nn.loss(r.params, X_test, y_test, **kw) if o else np.inf for r, o in zip(recs, ok)]),
                np.array([nn.accuracy(r.params, X_test, y_test, **kw) if o else np.nan for r, o in zip(recs, ok)]),
                grid_val=val)
        else:
            curves, vals, tl, ta, its = [], [], [], [], []
            for seed in seeds:
                template = nn.mlp_init(list(sizes), seed, **kw)
                x0 = NetworkProblem(template, X, y, **kw).flatten(template)
                # one run of at most `passes` iterations (each costs at least one pass); the
                # result is the last iterate reached within the budget, and the training
                # loss after p passes is that of the last iterate reached within p passes
                prob = NetworkProblem(template, X, y, **kw)
                t = c.run(prob, x0.copy(), passes)
                used = np.array([prob.passes_at(x) for x in t.iterates])
                shown = used.copy()
                shown[0] = 0                      # the starting loss is the curve's value before training
                curve = np.array([float(t.losses[np.flatnonzero(shown <= p)[-1]]) for p in range(passes + 1)])
                best_k = int(np.flatnonzero(used <= passes)[-1])
                best_x = t.iterates[best_k]
                params = NetworkProblem(template, X, y, **kw).unflatten(best_x)
                curves.append(curve)
                vals.append(nn.loss(params, X_val, y_val, **kw))
                tl.append(nn.loss(params, X_test, y_test, **kw))
                ta.append(nn.accuracy(params, X_test, y_test, **kw))
                its.append(best_k)
            result.entries[c.name] = NetworkEntry(c.name, c.label, c.family, None, np.array(curves),
                                                  np.array(vals), np.array(tl), np.array(ta),
                                                  iterations=np.array(its))
    return result
