r"""Stochastic gradient descent on a quadratic with additive gradient noise: exact theory.

The noisy problem of Chapter 6 is a quadratic :math:`f(\theta) = \tfrac12 (\theta-\theta^\star)^\top
A (\theta-\theta^\star) + f^\star` whose gradient is observed with additive Gaussian noise,

.. math:: g_k = A(\theta_{k-1}-\theta^\star) + \sigma\,\xi_k,\qquad \xi_k\sim\mathcal N(0, I),

which is what :func:`descent.runner.minimize` and :func:`~descent.runner.minimize_many` do with
``grad_noise`` :math:`=\sigma`.  In the eigenbasis :math:`A = \sum_i \lambda_i q_i q_i^\top` the
error coordinates :math:`e_i = q_i^\top(\theta-\theta^\star)` are independent and SGD with steps
:math:`\alpha_k` obeys :math:`e_{i,k+1} = (1-\alpha_k\lambda_i)e_{i,k} - \alpha_k\sigma\xi_{i,k+1}`,
so the mean square :math:`s_{i,k} = \mathbb E[e_{i,k}^2]` follows *exactly*

.. math:: s_{i,k+1} = (1-\alpha_k\lambda_i)^2 s_{i,k} + \alpha_k^2\sigma^2,
          \qquad \mathbb E f(\theta_k) = f^\star + \tfrac12\textstyle\sum_i \lambda_i s_{i,k}.

With a constant step :math:`0<\alpha\lambda_i<2` the fixed point is the stationary variance
:math:`\alpha\sigma^2/(\lambda_i(2-\alpha\lambda_i))` and the expected loss settles at the
*noise floor* :math:`f^\star + \sum_i \alpha\sigma^2/(2(2-\alpha\lambda_i))`.

:func:`step_size_sweep` runs plain gradient descent with a different constant step on each of
many runs at once (one :func:`~descent.runner.minimize_many` call).

References: Robbins & Monro (1951); Bottou, Curtis & Nocedal (2018), *Optimization Methods for
Large-Scale Machine Learning*, SIAM Review 60(2), Sec. 4; Goodfellow et al. (2016), Sec. 8.3.1.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import _validate as v
from ..runner import BatchTrajectory, minimize_many
from ..optimizers import sgd

__all__ = ["stationary_variance", "noise_floor", "expected_loss", "step_size_sweep"]


def _stable_products(lr: float, eigenvalues: np.ndarray) -> np.ndarray:
    prod = lr * eigenvalues
    if np.any(eigenvalues <= 0):
        raise ValueError("the curvatures (eigenvalues) must be > 0")
    if np.any(prod >= 2.0) or lr <= 0:
        raise ValueError(
            f"a stationary state needs 0 < lr·λ < 2 for every curvature λ; got lr = {lr:.6g} "
            f"and λ_max = {float(np.max(eigenvalues)):.6g} (2/λ_max = {2 / float(np.max(eigenvalues)):.6g})"
        )
    return prod


def stationary_variance(lr: float, curvature: Any, sigma: float) -> np.ndarray | float:
    r"""Stationary variance :math:`\alpha\sigma^2/(\lambda(2-\alpha\lambda))` of one error coordinate.

    ``curvature`` :math:`\lambda` may be a number or an array; requires :math:`0<\alpha\lambda<2`.
    """
    lr = v.positive(lr, "lr")
    sigma = v.nonnegative(sigma, "sigma")
    lam = np.asarray(curvature, dtype=float)
    _stable_products(lr, lam.reshape(-1))
    out = lr * sigma**2 / (lam * (2.0 - lr * lam))
    return float(out) if out.ndim == 0 else out


def noise_floor(lr: float, eigenvalues: Sequence[float], sigma: float) -> float:
    r"""Expected excess loss :math:`\sum_i \alpha\sigma^2/(2(2-\alpha\lambda_i))` of constant-step SGD at stationarity."""
    lr = v.positive(lr, "lr")
    sigma = v.nonnegative(sigma, "sigma")
    lam = np.asarray(eigenvalues, dtype=float).reshape(-1)
    if lam.size == 0:
        raise ValueError("eigenvalues must not be empty")
    _stable_products(lr, lam)
    return float(np.sum(lr * sigma**2 / (2.0 * (2.0 - lr * lam))))


def expected_loss(lr: float | Callable[[int], float], quadratic: Any, x0: Any, steps: int,
                  sigma: float) -> np.ndarray:
    r"""Exact :math:`\mathbb E f(\theta_k)`, :math:`k = 0,\dots,` ``steps``, of SGD with additive noise.

    Parameters
    ----------
    lr:
        A constant step or a schedule ``k -> lr`` (:mod:`descent.schedules`); step
        :math:`k+1` uses ``lr(k)``, as the optimizers of :mod:`descent.optimizers` do.
    quadratic:
        A :class:`~descent.landscapes.Quadratic` (or subclass) with a positive definite
        ``A``; its ``minima[0]`` and ``min_value`` are :math:`\theta^\star` and :math:`f^\star`.
    x0:
        The (deterministic) start :math:`\theta_0`.
    steps:
        Number of steps.
    sigma:
        Noise level :math:`\sigma` (``grad_noise`` of the runner).

    The recursion :math:`s_{i,k+1} = (1-\alpha_k\lambda_i)^2 s_{i,k} + \alpha_k^2\sigma^2` is exact
    (no approximation, no stationarity assumption), so it is the expectation of the loss curves
    that :func:`~descent.runner.minimize` produces with ``grad_noise=sigma``, averaged over seeds.
    """
    A = getattr(quadratic, "A", None)
    minima = getattr(quadratic, "minima", None)
    if A is None or minima is None or len(minima) == 0:
        raise TypeError("quadratic must be a descent.landscapes.Quadratic with a minimum")
    A = np.asarray(A, dtype=float)
    lam, Q = np.linalg.eigh(A)
    if lam[0] <= 0:
        raise ValueError("the quadratic's matrix must be positive definite")
    x0 = np.asarray(x0, dtype=float)
    if x0.shape != (A.shape[0],):
        raise ValueError(f"x0 must have shape ({A.shape[0]},), got {x0.shape}")
    steps = v.nonnegative_int(steps, "steps")
    sigma = v.nonnegative(sigma, "sigma")
    schedule = lr if callable(lr) else (lambda k, c=v.nonnegative(lr, "lr"): c)
    f_star = float(getattr(quadratic, "min_value", 0.0) or 0.0)
    s = (Q.T @ (x0 - np.asarray(minima[0], dtype=float))) ** 2
    out = np.empty(steps + 1)
    out[0] = 0.5 * lam @ s
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            a = v.nonnegative(schedule(k), "lr(k)")
            s = (1.0 - a * lam) ** 2 * s + a * a * sigma * sigma
            out[k + 1] = 0.5 * lam @ s
    return out + f_star


def step_size_sweep(problem: Any, x0: Any, lrs: Sequence[float], steps: int, *,
                    grad_noise: float = 0.0, seed: Any = None,
                    escape_radius: float = 1e150, keep_iterates: bool = False) -> BatchTrajectory:
    r"""Gradient descent from ``x0`` with each constant step of ``lrs``, all runs at once.

    Run :math:`j` is :math:`\theta_{k+1} = \theta_k - \alpha_j g_{k+1}` with
    :math:`\alpha_j` = ``lrs[j]``: the same iterates as ``minimize(sgd(lr=lrs[j]), problem, x0,
    steps)``, computed in one :func:`~descent.runner.minimize_many` call with per-run
    hyper-parameters, ``minimize_many(sgd, problem, x0, steps, hyperparams={"lr": lrs})`` (whose arguments
    ``grad_noise``, ``seed``, ``escape_radius`` and ``keep_iterates`` are passed on).  A run
    whose iterate leaves ``escape_radius`` or overflows is marked ``diverged`` and frozen.
    """
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D sequence, got shape {lrs.shape}")
    if not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ValueError("lrs must be finite and >= 0")
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 1:
        raise ValueError(f"x0 must be a 1-D array, got shape {x0.shape}")
    return minimize_many(sgd, problem, x0, steps, hyperparams={"lr": lrs}, grad_noise=grad_noise,
                         seed=seed, escape_radius=escape_radius, keep_iterates=keep_iterates)
