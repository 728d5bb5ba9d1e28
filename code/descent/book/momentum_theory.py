r"""Numbers behind Chapter 5: momentum's convergence theory on quadratics, and two 1-D landscapes.

On a quadratic with Hessian eigenvalue :math:`\lambda`, heavy-ball momentum (Polyak 1964)
and Nesterov's method (in Sutskever et al.'s 2013 form, which is also what
``torch.optim.SGD(nesterov=True)`` computes) are second-order linear recurrences in the
error along that eigenvector,

.. math::
   e_{k+1} = T\,e_k - D\,e_{k-1},\qquad
   \begin{cases}
   T = 1+\beta-\alpha\lambda,\ \ D = \beta & \text{heavy ball,}\\
   T = (1+\beta)(1-\alpha\lambda),\ \ D = \beta(1-\alpha\lambda) & \text{Nesterov,}
   \end{cases}

with :math:`\alpha` the step and :math:`\beta` the momentum.  The iteration matrix is
:math:`M = \begin{pmatrix} T & -D\\ 1 & 0\end{pmatrix}`; its eigenvalues are the roots of
:math:`z^2 - Tz + D`, and the asymptotic rate along that eigenvector is the spectral radius
:math:`\rho(M) = \max|z|`.  Everything here is vectorised: ``alpha``, ``beta`` and ``lam``
broadcast against one another, so a whole map over :math:`(\alpha, \beta)` is one call.

Gradient descent is the case :math:`\beta = 0` of both (then :math:`\rho = |1-\alpha\lambda|`).

The module also holds literal transcriptions of Goodfellow et al.'s Algorithms 8.2 (momentum)
and 8.3 (Nesterov momentum) — the package's optimizers use PyTorch's form instead.  The
SymPy proofs about momentum (the three ways of writing it, the two Nesterov forms) are in
:mod:`descent.book.symbolic`; ``nesterov_forms_equivalence`` is re-exported here.  Its two 1-D landscapes,
:class:`~descent.landscapes.ShallowDip` (a slope with a shallow dip, the article's stone) and
:class:`~descent.landscapes.LessardCounterexample` (a strongly convex function on which heavy
ball with Polyak's parameters fails to converge from some starts, locking into a cycle), live with the other test problems in
:mod:`descent.landscapes` and are re-exported here.

References: Polyak (1964); Nesterov (1983); Sutskever, Martens, Dahl & Hinton (2013);
Goh, "Why Momentum Really Works", *Distill* (2017); Lessard, Recht & Packard, "Analysis and
design of optimization algorithms via integral quadratic constraints", *SIAM J. Optim.*
26(1), 2016; Goodfellow, Bengio & Courville (2016), Sec. 8.3.2–8.3.3.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .. import _validate as v
from ..landscapes import LessardCounterexample, ShallowDip  # noqa: F401  (they live in descent.landscapes)

__all__ = [
    "METHODS", "recurrence_coefficients", "iteration_matrix", "spectral_radius",
    "worst_case_rate", "rate_map", "BestParameters", "polyak_parameters", "nesterov_parameters",
    "best_parameters",
    "measured_rate", "momentum_goodfellow", "nesterov_goodfellow", "NesterovForms",
    "nesterov_forms_equivalence", "ShallowDip", "LessardCounterexample",
]

#: The methods the theory covers: gradient descent, the heavy ball and Nesterov.
METHODS = ("gd", "heavy_ball", "nesterov")


def _method(method: Any) -> str:
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    return method


def _arrays(alpha, beta, lam):
    out = []
    for name, x in (("alpha", alpha), ("beta", beta), ("lam", lam)):
        arr = np.asarray(x, dtype=float)
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
        out.append(arr)
    a, b, lam_ = out
    if np.any(b < 0) or np.any(b >= 1):
        raise ValueError("beta must lie in [0, 1)")
    return a, b, lam_


# ---------------------------------------------------------------------------
# The linear recurrence on a quadratic
# ---------------------------------------------------------------------------

def recurrence_coefficients(alpha: Any, beta: Any, lam: Any,
                            method: str = "heavy_ball") -> tuple[np.ndarray, np.ndarray]:
    r"""``(T, D)`` of the recurrence :math:`e_{k+1} = T e_k - D e_{k-1}` (see the module docstring).

    ``method='gd'`` ignores ``beta`` and gives :math:`T = 1-\alpha\lambda`, :math:`D = 0`.
    Arguments broadcast; ``beta`` must lie in :math:`[0, 1)`.
    """
    method = _method(method)
    a, b, lam = _arrays(alpha, beta, lam)
    s = 1.0 - a * lam
    if method == "gd":
        T, D = s + 0.0 * b, np.zeros_like(s + b)
    elif method == "heavy_ball":
        T, D = b + s, b + 0.0 * s
    else:
        T, D = (1.0 + b) * s, b * s
    return np.asarray(T, dtype=float), np.asarray(D, dtype=float)


def iteration_matrix(alpha: Any, beta: Any, lam: Any, method: str = "heavy_ball") -> np.ndarray:
    r"""The iteration matrix :math:`M = \begin{pmatrix} T & -D\\ 1 & 0\end{pmatrix}`, shape ``(..., 2, 2)``.

    It maps :math:`(e_k, e_{k-1})` to :math:`(e_{k+1}, e_k)`.
    """
    T, D = recurrence_coefficients(alpha, beta, lam, method)
    T, D = np.broadcast_arrays(T, D)
    M = np.zeros(T.shape + (2, 2))
    M[..., 0, 0], M[..., 0, 1], M[..., 1, 0] = T, -D, 1.0
    return M


def spectral_radius(alpha: Any, beta: Any, lam: Any, method: str = "heavy_ball") -> np.ndarray:
    r"""Spectral radius :math:`\max|z|` of the iteration matrix, over the roots of :math:`z^2 - Tz + D`.

    Computed from the closed-form roots :math:`z_\pm = \tfrac12(T \pm \sqrt{T^2 - 4D})`
    (complex square root), so a grid of a million :math:`(\alpha, \beta, \lambda)` is cheap.
    A value below 1 means the error along that eigenvector shrinks like :math:`\rho^k`
    (times :math:`k` for a double root).
    """
    T, D = recurrence_coefficients(alpha, beta, lam, method)
    disc = np.sqrt(T.astype(complex) ** 2 - 4.0 * D)
    return np.maximum(np.abs(T + disc), np.abs(T - disc)) / 2.0


def worst_case_rate(alpha: Any, beta: Any, eigenvalues: Any, method: str = "heavy_ball") -> np.ndarray:
    r"""Rate on a quadratic with the given Hessian ``eigenvalues``: :math:`\max_i \rho(\alpha, \beta, \lambda_i)`.

    ``alpha`` and ``beta`` broadcast together to some shape ``S``; the result has shape ``S``.
    """
    lam = np.asarray(eigenvalues, dtype=float).ravel()
    if lam.size == 0 or np.any(lam <= 0):
        raise ValueError("eigenvalues must be a non-empty array of positive numbers")
    a, b = np.broadcast_arrays(np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float))
    rho = spectral_radius(a[..., None], b[..., None], lam, method)
    return rho.max(axis=-1)


def rate_map(alphas: Any, betas: Any, eigenvalues: Any, method: str = "heavy_ball") -> np.ndarray:
    r"""Worst-case rate over a grid: entry ``[i, j]`` is for ``betas[i]`` and ``alphas[j]``.

    Ready for ``ax.pcolormesh(alphas, betas, rate_map(...))`` or ``ax.contourf``.
    """
    alphas = np.asarray(alphas, dtype=float).ravel()
    betas = np.asarray(betas, dtype=float).ravel()
    return worst_case_rate(alphas[None, :], betas[:, None], eigenvalues, method)


class BestParameters(NamedTuple):
    """Step, momentum and the rate they achieve."""

    alpha: float
    beta: float
    rate: float


def polyak_parameters(lam_min: float, lam_max: float) -> BestParameters:
    r"""Polyak's optimal heavy-ball parameters for eigenvalues in :math:`[\lambda_{\min}, \lambda_{\max}]`.

    .. math::
       \alpha^\star = \frac{4}{(\sqrt{\lambda_{\max}}+\sqrt{\lambda_{\min}})^2},\quad
       \beta^\star = \Big(\frac{\sqrt\kappa-1}{\sqrt\kappa+1}\Big)^2,\quad
       \rho^\star = \frac{\sqrt\kappa-1}{\sqrt\kappa+1}

    (derived symbolically by :func:`descent.book.symbolic.momentum_iteration_matrix`).
    """
    lo, hi = v.positive(lam_min, "lam_min"), v.positive(lam_max, "lam_max")
    if hi < lo:
        raise ValueError("lam_max must be >= lam_min")
    r = (np.sqrt(hi) - np.sqrt(lo)) / (np.sqrt(hi) + np.sqrt(lo))
    return BestParameters(float(4.0 / (np.sqrt(hi) + np.sqrt(lo)) ** 2), float(r * r), float(r))


def nesterov_parameters(lam_min: float, lam_max: float) -> BestParameters:
    r"""The best Nesterov parameters on quadratics with eigenvalues in :math:`[\lambda_{\min}, \lambda_{\max}]`.

    .. math::
       \alpha = \frac{4}{3\lambda_{\max}+\lambda_{\min}},\quad
       \beta = \frac{\sqrt{3\kappa+1}-2}{\sqrt{3\kappa+1}+2},\quad
       \rho = 1-\frac{2}{\sqrt{3\kappa+1}}

    (Lessard, Recht & Packard 2016); :func:`best_parameters` finds the same
    numbers by a grid search over the rate map.  Compare heavy ball's
    :math:`1-2/(\sqrt\kappa+1)` (:func:`polyak_parameters`): on quadratics, tuned heavy
    ball is faster.
    """
    lo, hi = v.positive(lam_min, "lam_min"), v.positive(lam_max, "lam_max")
    if hi < lo:
        raise ValueError("lam_max must be >= lam_min")
    s = np.sqrt(3.0 * hi / lo + 1.0)
    return BestParameters(float(4.0 / (3.0 * hi + lo)), float((s - 2.0) / (s + 2.0)), float(1.0 - 2.0 / s))


def best_parameters(lam_min: float, lam_max: float, method: str = "nesterov", *,
                    n_grid: int = 201, n_lambda: int = 65, rounds: int = 4) -> BestParameters:
    r"""Numerically best ``(alpha, beta)`` for eigenvalues filling :math:`[\lambda_{\min}, \lambda_{\max}]`.

    Minimises :func:`worst_case_rate` over ``n_lambda`` eigenvalues spaced geometrically
    from :math:`\lambda_{\min}` to :math:`\lambda_{\max}` (endpoints included) by a grid
    search over :math:`\alpha\in(0, 2(1+\beta)/\lambda_{\max}]`-sized ranges and
    :math:`\beta\in[0, 1)`, refined ``rounds`` times around the best cell.  For
    ``method='heavy_ball'`` it reproduces :func:`polyak_parameters`; for ``'gd'`` it finds
    :math:`\alpha = 2/(\lambda_{\min}+\lambda_{\max})`.
    """
    method = _method(method)
    lo, hi = v.positive(lam_min, "lam_min"), v.positive(lam_max, "lam_max")
    if hi < lo:
        raise ValueError("lam_max must be >= lam_min")
    n_grid = v.positive_int(n_grid, "n_grid")
    rounds = v.nonnegative_int(rounds, "rounds")
    lams = np.geomspace(lo, hi, max(2, v.positive_int(n_lambda, "n_lambda")))
    a_lo, a_hi = 1e-6 / hi, 4.0 / hi
    b_lo, b_hi = 0.0, (0.0 if method == "gd" else 0.999999)
    best = None
    for _ in range(rounds + 1):
        alphas = np.linspace(a_lo, a_hi, n_grid)
        betas = np.linspace(b_lo, b_hi, n_grid if method != "gd" else 1)
        rates = rate_map(alphas, betas, lams, method)
        i, j = np.unravel_index(np.argmin(rates), rates.shape)
        best = BestParameters(float(alphas[j]), float(betas[i]), float(rates[i, j]))
        da = 2.0 * (a_hi - a_lo) / max(n_grid - 1, 1)
        db = 2.0 * (b_hi - b_lo) / max(n_grid - 1, 1)
        a_lo, a_hi = max(best.alpha - da, 1e-12), best.alpha + da
        b_lo, b_hi = max(best.beta - db, 0.0), min(best.beta + db, 0.999999)
    return best


def measured_rate(errors: Any, start: int | None = None, stop: int | None = None) -> float:
    r"""Average contraction per step between two iterates: :math:`(e_{\text{stop}}/e_{\text{start}})^{1/(\text{stop}-\text{start})}`.

    ``errors`` is a 1-D array of error norms :math:`\lVert\theta_k-\theta^\star\rVert` (or
    losses' square roots).  Defaults: from the middle of the run to its end, which skips
    the transient.  A geometric mean over many steps also averages out the rotation of
    complex eigenvalues.
    """
    e = np.asarray(errors, dtype=float).ravel()
    if e.size < 2:
        raise ValueError("errors needs at least two entries")
    start = e.size // 2 if start is None else int(start)
    stop = e.size - 1 if stop is None else int(stop)
    if not 0 <= start < stop < e.size:
        raise ValueError(f"need 0 <= start < stop < {e.size}, got start={start}, stop={stop}")
    if e[start] <= 0 or e[stop] <= 0:
        raise ValueError("errors must be positive at start and stop")
    return float((e[stop] / e[start]) ** (1.0 / (stop - start)))


# ---------------------------------------------------------------------------
# Goodfellow et al.'s forms, literally
# ---------------------------------------------------------------------------

def _start(x0: Any) -> np.ndarray:
    x = np.array(x0, dtype=float)
    if x.ndim != 1 or x.size == 0 or not np.all(np.isfinite(x)):
        raise ValueError("x0 must be a finite, non-empty 1-D array")
    return x


def momentum_goodfellow(grad: Callable[[np.ndarray], np.ndarray], x0: Any, lr: float,
                        momentum: float, steps: int) -> np.ndarray:
    r"""Goodfellow et al.'s Algorithm 8.2 (their :math:`\epsilon` is ``lr``, their :math:`\alpha` is ``momentum``).

    .. math:: v \leftarrow \alpha v - \epsilon\, \nabla f(\theta),\qquad \theta \leftarrow \theta + v,
              \qquad v_0 = 0.

    Returns the iterates :math:`\theta_0, \dots, \theta_{\text{steps}}`, shape ``(steps + 1, n)``.
    """
    x = _start(x0)
    lr, momentum = v.nonnegative(lr, "lr"), v.nonnegative(momentum, "momentum")
    steps = v.nonnegative_int(steps, "steps")
    vel = np.zeros_like(x)
    out = [x.copy()]
    for _ in range(steps):
        vel = momentum * vel - lr * np.asarray(grad(x), dtype=float)
        x = x + vel
        out.append(x.copy())
    return np.array(out)


def nesterov_goodfellow(grad: Callable[[np.ndarray], np.ndarray], x0: Any, lr: float,
                        momentum: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Goodfellow et al.'s Algorithm 8.3, Nesterov momentum with an explicit look-ahead.

    .. math::
       \tilde\theta = \theta + \alpha v,\qquad
       v \leftarrow \alpha v - \epsilon\,\nabla f(\tilde\theta),\qquad
       \theta \leftarrow \theta + v,\qquad v_0 = 0.

    Returns ``(iterates, lookaheads)``, both of shape ``(steps + 1, n)``: :math:`\theta_k` and
    the look-ahead point :math:`\theta_k + \alpha v_k` (where the *next* gradient is taken).
    PyTorch's ``SGD(nesterov=True)`` iterates are exactly these look-ahead points.
    """
    x = _start(x0)
    lr, momentum = v.nonnegative(lr, "lr"), v.nonnegative(momentum, "momentum")
    steps = v.nonnegative_int(steps, "steps")
    vel = np.zeros_like(x)
    iterates, ahead = [x.copy()], [x.copy()]
    for _ in range(steps):
        look = x + momentum * vel
        vel = momentum * vel - lr * np.asarray(grad(look), dtype=float)
        x = x + vel
        iterates.append(x.copy())
        ahead.append(x + momentum * vel)
    return np.array(iterates), np.array(ahead)


def __getattr__(name: str):
    """The SymPy check of the two Nesterov forms lives in :mod:`descent.book.symbolic` with the
    other momentum proofs; it is re-exported here (lazily, so this module needs no SymPy)."""
    if name in ("nesterov_forms_equivalence", "NesterovForms"):
        from . import symbolic
        return getattr(symbolic, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
