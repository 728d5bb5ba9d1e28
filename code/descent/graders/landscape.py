r"""Graders for Chapter 2, "Pathologies of the loss landscape".

* :func:`grade_clip_by_global_norm` — gradient clipping by norm with the semantics of
  ``torch.nn.utils.clip_grad_norm_``;
* :func:`grade_gd_step_bounds` — the largest stable step, the best step and the best
  contraction factor of gradient descent on a quadratic.

The references are written here directly in NumPy (not with :mod:`descent.transforms`),
so the graders also cross-check the package.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade

__all__ = ["grade_clip_by_global_norm", "grade_gd_step_bounds"]

_SEED = 20240202


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


# ---------------------------------------------------------------------------
# Clipping by global norm
# ---------------------------------------------------------------------------

def _total_norm(grads) -> float:
    return float(np.sqrt(sum(float(np.sum(np.asarray(g, dtype=float) ** 2)) for g in grads)))


def _clip_norm_ref(grads, max_norm):
    coef = min(1.0, max_norm / (_total_norm(grads) + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads]


@lru_cache(maxsize=None)
def _clip_cases() -> tuple[Case, ...]:
    rng = _rng(1)
    return (
        Case(([np.array([3.0, 4.0])], 1.0), label="one array of norm 5, max_norm = 1"),
        Case(([np.array([0.3, -0.4])], 1.0), label="already short enough: unchanged"),
        Case(([np.array([30.0, 0.0]), np.array([[0.0, 40.0]])], 5.0),
             label="two arrays (a vector and a 1×2 matrix), global norm 50"),
        Case(([rng.standard_normal((3, 4)) * 10, rng.standard_normal(4) * 0.1], 2.0),
             label="weights and biases of a layer"),
        Case(([rng.standard_normal(6), rng.standard_normal((2, 2)), rng.standard_normal(1)], 0.5)),
        Case(([np.zeros(3), np.zeros((2, 2))], 1.0), label="all-zero gradients"),
        Case(([np.array([3.0, 4.0])], 3.0), label="norm 5 between max_norm = 3 and 2·max_norm"),
        Case(([np.array([0.9, 1.2])], 2.0), label="norm 1.5: short for max_norm = 2, long for 1"),
        Case(([np.array([0.48, -0.64])], 0.5), label="norm 0.8: long for max_norm = 0.5, short for 1"),
        Case(([np.array([0.0, 2.02]), np.array([[0.0], [0.0]])], 2.0),
             label="just above the threshold: norm 2.02, max_norm = 2"),
    )


def _per_array(grads, max_norm):
    out = []
    for g in grads:
        g = np.asarray(g, dtype=float)
        out.append(g * min(1.0, max_norm / (float(np.linalg.norm(g)) + 1e-6)))
    return out


def _always_rescale(grads, max_norm):
    total = _total_norm(grads)
    return [np.asarray(g, dtype=float) * (max_norm / (total + 1e-6)) for g in grads]


def _by_value(grads, max_norm):
    return [np.clip(np.asarray(g, dtype=float), -max_norm, max_norm) for g in grads]


def _squared_norm(grads, max_norm):
    coef = min(1.0, max_norm / (_total_norm(grads) ** 2 + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads]


def _to_max_norm_sum(grads, max_norm):
    total = sum(float(np.sum(np.abs(g))) for g in grads)
    coef = min(1.0, max_norm / (total + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads]


def _threshold_2c(grads, max_norm):
    total = _total_norm(grads)
    coef = max_norm / (total + 1e-6) if total > 2 * max_norm else 1.0
    return [np.asarray(g, dtype=float) * coef for g in grads]


def _threshold_one(grads, max_norm):
    total = _total_norm(grads)
    coef = max_norm / (total + 1e-6) if total > 1.0 else 1.0
    return [np.asarray(g, dtype=float) * coef for g in grads]


def _max_norm_ignored(grads, max_norm):
    coef = min(1.0, 1.0 / (_total_norm(grads) + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads]


def _first_array_only(grads, max_norm):
    g0 = np.asarray(grads[0], dtype=float)
    coef = min(1.0, max_norm / (float(np.sqrt(np.sum(g0 * g0))) + 1e-6))
    return [np.asarray(g, dtype=float) * coef for g in grads]


def _inverted_ratio(grads, max_norm):
    coef = min(1.0, _total_norm(grads) / max_norm)
    return [np.asarray(g, dtype=float) * coef for g in grads]


_CLIP_DIAGNOSES = (
    ("returned the norm", lambda grads, max_norm: _total_norm(grads),
     "you returned the total norm — that is what torch.nn.utils.clip_grad_norm_ returns (it "
     "clips the tensors in place); this exercise returns the list of clipped arrays."),
    ("threshold 2c", _threshold_2c,
     "a gradient whose norm lies between max_norm and 2·max_norm came back unchanged: clip "
     "whenever ‖g‖ > max_norm (you compared with 2·max_norm)."),
    ("threshold hard-coded to 1", _threshold_one,
     "you compared the norm with 1 instead of max_norm: with max_norm = 2 a gradient of norm 1.5 "
     "must stay as it is, with max_norm = 0.5 one of norm 0.8 must shrink. Clip when ‖g‖ > max_norm."),
    ("max_norm ignored", _max_norm_ignored,
     "you rescaled to length 1 whatever max_norm is: the factor is min(1, max_norm/‖g‖), "
     "not min(1, 1/‖g‖)."),
    ("first array only", _first_array_only,
     "you measured only the first array; the global norm includes every array in the list."),
    ("inverted ratio", _inverted_ratio,
     "the factor is max_norm/‖g‖ (below 1 exactly when the gradient is too long), not ‖g‖/max_norm."),
    ("per-array norm", _per_array,
     "you clipped each array by its own norm; clip_grad_norm_ takes ONE norm over all the "
     "arrays together, ‖g‖ = sqrt(Σ over every array of Σ g²), and rescales them all by the same factor."),
    ("always rescaled", _always_rescale,
     "you rescaled every gradient to length max_norm, also the short ones; clipping only ever "
     "shrinks: multiply by min(1, max_norm/‖g‖)."),
    ("clipped by value", _by_value,
     "you clipped each component to [−max_norm, max_norm] (clipping by value, "
     "torch.nn.utils.clip_grad_value_); this exercise clips by the global norm, which keeps the direction."),
    ("squared norm", _squared_norm,
     "you divided by the squared norm Σg²; use its square root ‖g‖ = sqrt(Σg²)."),
    ("L1 norm", _to_max_norm_sum,
     "you measured the gradient with the sum of absolute values (the L1 norm); use the "
     "Euclidean norm sqrt(Σg²)."),
)


def grade_clip_by_global_norm(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(grads, max_norm) -> clipped``, clipping by the global norm.

    ``grads`` is a list of NumPy arrays (the gradients of all parameter arrays of a
    model); the answer is a list of arrays of the same shapes,

    .. math:: g_i \leftarrow g_i\cdot\min\!\Big(1, \frac{c}{\lVert g\rVert + 10^{-6}}\Big),\qquad
              \lVert g\rVert = \Big(\sum_i \sum_j g_{i,j}^2\Big)^{1/2},

    with :math:`c` = ``max_norm``: the semantics of ``torch.nn.utils.clip_grad_norm_``
    (default ``norm_type=2``), which multiplies by the clamped coefficient — except that the
    clipped arrays are *returned* as new arrays and the inputs stay unchanged (PyTorch clips
    in place and returns the norm).  Every case has ``max_norm`` :math:`\ge 0.5`, and the
    tolerance is ``rtol = 1e-5``, so an answer that leaves out the :math:`10^{-6}`
    (PyTorch's guard against dividing by zero) also passes, provided it does not divide by
    zero on all-zero gradients.  Cases sit on both sides of every threshold a mistake could
    hide behind: a norm between :math:`c` and :math:`2c`, a short gradient with :math:`c > 1`
    and a long one with :math:`c < 1`, a norm 1 % above :math:`c`.

    Reference: Pascanu, Mikolov & Bengio (2013), Algorithm 1; PyTorch documentation of
    ``torch.nn.utils.clip_grad_norm_``.
    """
    return grade(fn, _clip_norm_ref, _clip_cases(), rtol=1e-5, atol=1e-9,
                 name="grade_clip_by_global_norm", diagnoses=_CLIP_DIAGNOSES)


# ---------------------------------------------------------------------------
# Step-size bounds of gradient descent on a quadratic
# ---------------------------------------------------------------------------

def _bounds_ref(A):
    lam = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    lo, hi = float(lam[0]), float(lam[-1])
    return 2.0 / hi, 2.0 / (lo + hi), (hi - lo) / (hi + lo)


@lru_cache(maxsize=None)
def _bounds_cases() -> tuple[Case, ...]:
    rng = _rng(2)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    rotated = Q @ np.diag([0.5, 1.0, 3.0, 20.0]) @ Q.T
    c, s = np.cos(0.6), np.sin(0.6)
    R = np.array([[c, -s], [s, c]])
    return (
        Case((np.diag([1.0, 10.0]),), label="diag(1, 10)"),
        Case((R @ np.diag([1.0, 10.0]) @ R.T,), label="the same bowl, rotated"),
        Case((np.array([[2.0, 1.0], [1.0, 2.0]]),), label="[[2, 1], [1, 2]]: eigenvalues 1 and 3"),
        Case((0.5 * (rotated + rotated.T),), label="a rotated 4×4 matrix, κ = 40"),
        Case((np.eye(3) * 4.0,), label="perfectly conditioned, κ = 1"),
        Case((np.diag([9.0, 1.0, 4.0]),), label="a diagonal matrix, largest entry first"),
    )


def _eig_unsorted(A):
    lam = np.real(np.linalg.eig(np.asarray(A, dtype=float))[0])
    lo, hi = float(lam[0]), float(lam[-1])
    return 2.0 / hi, 2.0 / (lo + hi), (hi - lo) / (hi + lo)


def _descending(A):
    lam = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    hi, lo = float(lam[0]), float(lam[-1])          # as if the eigenvalues came largest first
    return 2.0 / hi, 2.0 / (lo + hi), (hi - lo) / (hi + lo)


def _sqrt_kappa(A):
    lam = np.linalg.eigvalsh(np.asarray(A, dtype=float))
    k = float(lam[-1] / lam[0])
    return _bounds_ref(A)[:2] + ((np.sqrt(k) - 1.0) / (np.sqrt(k) + 1.0),)


def _frobenius(A):
    A = np.asarray(A, dtype=float)
    hi = float(np.linalg.norm(A))
    lo = float(np.linalg.eigvalsh(A)[0])
    return 2.0 / hi, 2.0 / (lo + hi), (hi - lo) / (hi + lo)


_BOUNDS_DIAGNOSES = (
    ("unsorted np.linalg.eig", _eig_unsorted,
     "np.linalg.eig (and eigvals) returns the eigenvalues in no particular order, so lam[0] and "
     "lam[-1] are not the extremes; use lam.min() and lam.max(), or np.linalg.eigvalsh, which "
     "sorts them ascending (and is meant for symmetric matrices)."),
    ("assumed descending order", _descending,
     "np.linalg.eigvalsh sorts the eigenvalues *ascending*: lam[0] is λ_min and lam[-1] is "
     "λ_max (it is np.linalg.svd that sorts descending)."),
    ("the momentum rate", _sqrt_kappa,
     "(√κ − 1)/(√κ + 1) is the rate of the heavy ball with its best momentum (Chapter 5); "
     "gradient descent at its best step contracts by (κ − 1)/(κ + 1)."),
    ("Frobenius norm for lambda_max", _frobenius,
     "np.linalg.norm(A) is the Frobenius norm √(Σ aᵢⱼ²), larger than λ_max; the spectral "
     "norm is np.linalg.norm(A, 2), or take the largest eigenvalue."),
    ("1/lambda_max", lambda A: tuple(x if i else x / 2 for i, x in enumerate(_bounds_ref(A))),
     "the largest stable step is 2/λ_max, not 1/λ_max: a step of 1/λ_max removes the stiffest "
     "error component in one step, but anything below 2/λ_max still shrinks it, |1 − αλ_max| < 1."),
    ("diagonal instead of eigenvalues",
     lambda A: _bounds_ref(np.diag(np.diag(np.asarray(A, dtype=float)))),
     "you used the diagonal entries of A as if they were its eigenvalues; that is only right "
     "for a diagonal matrix — take np.linalg.eigvalsh(A)."),
    ("lambda_min for the bound", lambda A: (2.0 / np.linalg.eigvalsh(A)[0],) + _bounds_ref(A)[1:],
     "stability is decided by the *largest* eigenvalue: every direction needs |1 − αλ| < 1, "
     "and the stiffest direction fails first, so α < 2/λ_max."),
    ("inverse rate", lambda A: _bounds_ref(A)[:2] + (   # inf for κ = 1, as the reader's code gives
        (np.linalg.eigvalsh(A)[-1] + np.linalg.eigvalsh(A)[0])
        / (np.linalg.eigvalsh(A)[-1] - np.linalg.eigvalsh(A)[0]),),
     "the contraction factor is (κ − 1)/(κ + 1), a number below 1; you returned its reciprocal."),
    ("rate 1 - 1/kappa", lambda A: _bounds_ref(A)[:2] + (
        1.0 - np.linalg.eigvalsh(A)[0] / np.linalg.eigvalsh(A)[-1],),
     "1 − 1/κ is the factor of the step α = 1/λ_max; at the best step α* = 2/(λ_min + λ_max) "
     "the factor is (κ − 1)/(κ + 1)."),
    ("best step 1/lambda_max", lambda A: (_bounds_ref(A)[0], 1.0 / np.linalg.eigvalsh(A)[-1],
                                          _bounds_ref(A)[2]),
     "the best constant step balances the two extreme eigenvalues, "
     "1 − α λ_min = −(1 − α λ_max), so α* = 2/(λ_min + λ_max)."),
)


def grade_gd_step_bounds(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(A) -> (alpha_max, alpha_opt, rate)`` for gradient descent on :math:`\tfrac12 x^\top A x`.

    ``A`` is a symmetric positive definite NumPy array.  With :math:`\lambda_{\min}`,
    :math:`\lambda_{\max}` its extreme eigenvalues and :math:`\kappa` their ratio, the answer is

    .. math:: \alpha_{\max} = \frac{2}{\lambda_{\max}},\qquad
              \alpha^\star = \frac{2}{\lambda_{\min} + \lambda_{\max}},\qquad
              \rho^\star = \frac{\kappa - 1}{\kappa + 1}:

    the stability bound on the step, the step that minimises the worst per-step factor
    :math:`\max_i |1 - \alpha\lambda_i|`, and that factor.

    Reference: Nocedal & Wright (2006), Sec. 3.3; Goh (2017).
    """
    return grade(fn, _bounds_ref, _bounds_cases(), rtol=1e-6, atol=1e-12,
                 name="grade_gd_step_bounds", output_names=("alpha_max", "alpha_opt", "rate"),
                 diagnoses=_BOUNDS_DIAGNOSES)
