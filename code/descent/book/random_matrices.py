r"""How often is a random symmetric matrix positive definite?  (Chapter 2.)

The source article argues that local minima are rare in high dimension: if a critical
point curves upwards along each of the :math:`n` coordinates independently with
probability :math:`P`, it is a minimum with probability :math:`P^n`.  This module checks
that heuristic on the simplest model of a "random Hessian", the Gaussian orthogonal
ensemble (GOE), in two independent ways.

GOE convention
    :math:`H = (A + A^\top)/\sqrt2` with :math:`A_{ij}` i.i.d. :math:`\mathcal N(0, 1)`: the
    diagonal entries are :math:`\mathcal N(0, 2)`, the off-diagonal ones
    :math:`\mathcal N(0, 1)`, all independent, and the density is proportional to
    :math:`\exp(-\operatorname{tr} H^2 / 4)`.  Positive definiteness does not depend on the
    overall scale, so every common GOE normalisation gives the same probabilities
    :math:`p_n = \Pr(\text{all eigenvalues of } H > 0)`.

Direct Monte Carlo (:func:`positive_definite_fraction`)
    Draw a stack of matrices, take all their eigenvalues with one vectorised
    :func:`numpy.linalg.eigvalsh` call per chunk, count the stacks whose smallest
    eigenvalue is positive, and report a Clopper–Pearson interval.  With zero hits the
    honest answer is an upper bound, which the interval gives.

Splitting on the tridiagonal model (:func:`positive_definite_probability`)
    The GOE's eigenvalues have the same law as those of the symmetric *tridiagonal*
    matrix with diagonal :math:`a_k \sim \mathcal N(0, 2)` and off-diagonal
    :math:`b_k \sim \chi_{n-k}`, :math:`k = 1..n-1`, all independent (Dumitriu & Edelman
    2002, with the GOE scaled as above).  A tridiagonal matrix is positive definite iff all
    the pivots of its :math:`LDL^\top` factorisation are positive (Sylvester's criterion):

    .. math:: d_1 = a_1,\qquad d_k = a_k - b_{k-1}^2 / d_{k-1},\qquad d_k > 0\ \forall k.

    So :math:`p_n` is the probability that a one-dimensional Markov chain survives
    :math:`n` steps.  A population of chains is advanced one step at a time; the fraction
    that survives each step is recorded, and the survivors are resampled back to the full
    population (multilevel splitting / sequential Monte Carlo).  The product of the
    survival fractions is an unbiased estimate of :math:`p_n` whose relative error stays
    small even when :math:`p_n \approx 10^{-9}` (Del Moral 2004).

Large :math:`n`
    :math:`p_n \approx \exp(-\theta n^2)` with :math:`\theta = \ln 3 / 4`
    (:data:`DEAN_MAJUMDAR_THETA`; Dean & Majumdar 2006): the eigenvalues repel one
    another, so pushing all of them to one side costs a factor that grows with
    :math:`n^2`, not :math:`n`.  For :math:`n = 1, 2` the exact values are :math:`1/2` and
    :math:`(2 - \sqrt2)/4` (:func:`exact_probability`).

References: Dean & Majumdar, *Phys. Rev. Lett.* 97, 160201 (2006); Dumitriu & Edelman,
"Matrix models for beta ensembles", *J. Math. Phys.* 43, 5830 (2002); Clopper & Pearson,
*Biometrika* 26, 404 (1934); Del Moral, *Feynman–Kac Formulae* (Springer, 2004).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from .. import _validate as v

__all__ = [
    "DEAN_MAJUMDAR_THETA", "goe", "goe_tridiagonal", "clopper_pearson",
    "FractionEstimate", "positive_definite_fraction",
    "SplittingEstimate", "positive_definite_probability", "exact_probability",
]

#: :math:`\theta = \ln 3 / 4 \approx 0.2747`, the rate in :math:`p_n \approx e^{-\theta n^2}` (GOE).
DEAN_MAJUMDAR_THETA: float = math.log(3.0) / 4.0


def _rng(seed: Any) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def goe(n: int, size: int, seed: Any = None) -> np.ndarray:
    r"""``size`` GOE matrices of order ``n``, shape ``(size, n, n)``.

    :math:`H = (A + A^\top)/\sqrt2`, :math:`A_{ij}` i.i.d. standard normal: diagonal
    :math:`\mathcal N(0, 2)`, off-diagonal :math:`\mathcal N(0, 1)`.  ``seed`` is anything
    :func:`numpy.random.default_rng` accepts, or a ``Generator``.
    """
    n = v.positive_int(n, "n")
    size = v.positive_int(size, "size")
    A = _rng(seed).standard_normal((size, n, n))
    A += np.swapaxes(A, 1, 2)
    A *= 1.0 / math.sqrt(2.0)
    return A


def goe_tridiagonal(n: int, size: int, seed: Any = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Diagonals of ``size`` tridiagonal matrices with the GOE's eigenvalue law.

    Returns ``(a, b)`` of shapes ``(size, n)`` and ``(size, n - 1)``: :math:`a_k \sim
    \mathcal N(0, 2)` and :math:`b_k \sim \chi_{n-k}` (Dumitriu & Edelman 2002).
    """
    n = v.positive_int(n, "n")
    size = v.positive_int(size, "size")
    rng = _rng(seed)
    a = rng.normal(0.0, math.sqrt(2.0), (size, n))
    dof = np.arange(n - 1, 0, -1, dtype=float)
    b = np.sqrt(rng.chisquare(dof, (size, n - 1))) if n > 1 else np.empty((size, 0))
    return a, b


def clopper_pearson(hits: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    r"""Exact (Clopper–Pearson) two-sided confidence interval for a binomial proportion.

    With :math:`h` hits in :math:`N` trials and :math:`\gamma = 1 - \text{level}`, the bounds
    are the :math:`\gamma/2` and :math:`1-\gamma/2` quantiles of
    :math:`\mathrm{Beta}(h, N-h+1)` and :math:`\mathrm{Beta}(h+1, N-h)`; with no hits the
    lower bound is 0 and the upper one :math:`1 - (\gamma/2)^{1/N} \approx 3.7/N`.
    """
    from scipy.stats import beta as beta_dist

    trials = v.positive_int(trials, "trials")
    hits = v.nonnegative_int(hits, "hits")
    if hits > trials:
        raise ValueError(f"hits must be at most trials = {trials}, got {hits}")
    level = v.real(level, "level")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie strictly between 0 and 1, got {level}")
    g = 1.0 - level
    lo = 0.0 if hits == 0 else float(beta_dist.ppf(g / 2, hits, trials - hits + 1))
    hi = 1.0 if hits == trials else float(beta_dist.ppf(1 - g / 2, hits + 1, trials - hits))
    return lo, hi


class FractionEstimate(NamedTuple):
    """Result of :func:`positive_definite_fraction`."""

    n: int
    samples: int
    hits: int            #: matrices with all eigenvalues > 0
    estimate: float      #: hits / samples
    low: float           #: lower end of the Clopper–Pearson interval
    high: float          #: upper end (an upper bound when hits == 0)


def positive_definite_fraction(n: int, samples: int, seed: Any = None, *, chunk: int = 50_000,
                               level: float = 0.95) -> FractionEstimate:
    r"""Fraction of ``samples`` GOE matrices of order ``n`` that are positive definite.

    Matrices are drawn ``chunk`` at a time (to bound memory: ``chunk·n²`` doubles) and the
    eigenvalues of each chunk come from one stacked :func:`numpy.linalg.eigvalsh` call.
    The interval is :func:`clopper_pearson` at ``level``.
    """
    n = v.positive_int(n, "n")
    samples = v.positive_int(samples, "samples")
    chunk = v.positive_int(chunk, "chunk")
    rng = _rng(seed)
    hits, done = 0, 0
    while done < samples:
        m = min(chunk, samples - done)
        lam_min = np.linalg.eigvalsh(goe(n, m, rng))[:, 0]
        hits += int(np.count_nonzero(lam_min > 0.0))
        done += m
    lo, hi = clopper_pearson(hits, samples, level)
    return FractionEstimate(n, samples, hits, hits / samples, lo, hi)


class SplittingEstimate(NamedTuple):
    """Result of :func:`positive_definite_probability`."""

    n: int
    estimate: float              #: mean of the replicate estimates
    stderr: float                #: standard error of that mean
    replicates: np.ndarray       #: one unbiased estimate per independent replicate
    survival: np.ndarray         #: (replicates, n) fraction surviving each pivot


def positive_definite_probability(n: int, particles: int = 50_000, replicates: int = 8,
                                  seed: Any = None) -> SplittingEstimate:
    r"""Estimate :math:`p_n = \Pr(H \succ 0)` for the GOE by splitting on the pivot chain.

    ``replicates`` independent populations of ``particles`` chains are run side by side
    (one vectorised array of shape ``(replicates, particles)``).  At pivot :math:`k` each
    chain draws :math:`a_k \sim \mathcal N(0,2)` and :math:`b_{k-1}^2 \sim \chi^2_{n-k+1}` and
    sets :math:`d_k = a_k - b_{k-1}^2/d_{k-1}`; the fraction :math:`s_k` with :math:`d_k > 0`
    is recorded and the survivors are resampled uniformly (with replacement) back to
    ``particles`` chains.  Each replicate's :math:`\prod_k s_k` is an unbiased estimate of
    :math:`p_n`; ``estimate`` is their mean and ``stderr`` its standard error (0 for a
    single replicate).  A population in which no chain survives gives the estimate 0.
    """
    n = v.positive_int(n, "n")
    particles = v.positive_int(particles, "particles")
    replicates = v.positive_int(replicates, "replicates")
    rng = _rng(seed)
    R, N = replicates, particles
    survival = np.zeros((R, n))
    alive = np.ones(R, dtype=bool)
    d = np.empty((R, N))
    for k in range(1, n + 1):
        a = rng.normal(0.0, math.sqrt(2.0), (R, N))
        if k == 1:
            d = a
        else:
            b2 = rng.chisquare(n - k + 1, (R, N))
            d = a - b2 / d
        ok = d > 0.0
        counts = ok.sum(axis=1)
        survival[:, k - 1] = np.where(alive, counts / N, 0.0)
        alive &= counts > 0
        if k == n or not alive.any():
            break
        # Resample every population from its own survivors: sort survivors first
        # (stable), then pick uniform positions among the first counts[r] entries.
        order = np.argsort(~ok, axis=1, kind="stable")
        pick = np.floor(rng.random((R, N)) * np.maximum(counts, 1)[:, None]).astype(np.int64)
        d = np.take_along_axis(d, np.take_along_axis(order, pick, axis=1), axis=1)
        d[~alive] = 1.0   # dead populations stay dead (their survival is already 0)
    estimates = np.prod(survival, axis=1)
    mean = float(estimates.mean())
    stderr = float(estimates.std(ddof=1) / math.sqrt(R)) if R > 1 else 0.0
    return SplittingEstimate(n, mean, stderr, estimates, survival)


def exact_probability(n: int) -> float:
    r"""The exact :math:`p_n` where it has a simple closed form: :math:`p_1 = 1/2`, :math:`p_2 = (2-\sqrt2)/4`.

    For :math:`n = 2` the eigenvalues are :math:`u \pm r` with :math:`u = (H_{11}+H_{22})/2
    \sim \mathcal N(0,1)` independent of :math:`r = \sqrt{((H_{11}-H_{22})/2)^2 + H_{12}^2}`,
    which is Rayleigh distributed; :math:`\Pr(u > r) = 1/2 - 1/(2\sqrt2)`.  Other ``n``
    raise ``ValueError``.
    """
    n = v.positive_int(n, "n")
    if n == 1:
        return 0.5
    if n == 2:
        return (2.0 - math.sqrt(2.0)) / 4.0
    raise ValueError(f"no simple closed form is implemented for n = {n}; use "
                     "positive_definite_probability")
