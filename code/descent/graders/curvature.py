r"""Graders for Chapter 4 (Newton's method and the Hessian): curvature and quasi-Newton updates.

* :func:`grade_directional_curvature` — the curvature of :math:`f` along a direction
  :math:`u`, :math:`u^\top H u / u^\top u`: a weighted average of the Hessian's eigenvalues
  with weights :math:`(\hat u\cdot q_i)^2` that sum to one.
* :func:`grade_bfgs_inverse_update` — the BFGS update of the inverse-Hessian approximation,
  which must satisfy the secant condition :math:`H_+ y = s`.

(Newton's step itself is graded by :func:`descent.graders.steps.grade_newton_step`.)

The references are written here again in plain NumPy, not imported from
:mod:`descent.second_order`, so the graders double as a cross-check of the package.

References: Goodfellow, Bengio & Courville (2016), Sec. 4.3.1 (second derivative along a
direction); Nocedal & Wright (2006), Sec. 6.1, eq. (6.15) and (6.17).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade

__all__ = ["grade_directional_curvature", "grade_bfgs_inverse_update"]

_SEED = 20240404


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


def _symmetric(rng: np.random.Generator, eigenvalues) -> np.ndarray:
    n = len(eigenvalues)
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag(eigenvalues) @ q.T


# ---------------------------------------------------------------------------
# Curvature along a direction
# ---------------------------------------------------------------------------

def _curvature_ref(H, u):
    return float(u @ H @ u) / float(u @ u)


@lru_cache(maxsize=None)
def _curvature_cases() -> tuple[Case, ...]:
    rng = _rng(1)
    H2 = np.array([[2.0, 0.0], [0.0, -2.0]])
    H3 = _symmetric(rng, [0.5, 3.0, 10.0])
    H5 = _symmetric(rng, [-4.0, -1.0, 0.25, 2.0, 6.0])
    return (
        Case((np.array([[4.0, 1.0], [1.0, 2.0]]), np.array([1.0, 0.0])), label="a unit axis direction"),
        Case((H2, np.array([3.0, 4.0])), label="the saddle x² − y², a direction of length 5"),
        Case((H3, np.array([1.0, 2.0, -2.0])), label="length 3"),
        Case((H5, rng.standard_normal(5)), label="an indefinite 5 × 5 Hessian"),
        Case((H3, 0.1 * np.array([0.0, 1.0, 1.0])), label="a short direction"),
    )


_CURVATURE_DIAGNOSES = (
    ("not normalised", lambda H, u: float(u @ H @ u),
     "you returned uᵀHu without normalising; divide by uᵀu = ‖u‖² (the curvature must not "
     "change when u is scaled)."),
    ("divided by the norm", lambda H, u: float(u @ H @ u) / float(np.linalg.norm(u)),
     "you divided by ‖u‖; uᵀHu scales with ‖u‖², so divide by uᵀu."),
    ("plain mean of eigenvalues", lambda H, u: float(np.mean(np.linalg.eigvalsh(H))),
     "you averaged the eigenvalues with equal weights; the weights are (û·qᵢ)², which depend "
     "on the direction (they sum to one, but they are not 1/n)."),
    ("largest eigenvalue", lambda H, u: float(np.max(np.linalg.eigvalsh(H))),
     "you returned the largest eigenvalue; that is the curvature along its eigenvector only."),
    ("trace", lambda H, u: float(np.trace(H)),
     "you returned the trace (the sum of the eigenvalues); the curvature is a weighted "
     "*average* of them."),
    ("absolute value", lambda H, u: abs(float(u @ H @ u)) / float(u @ u),
     "you took the absolute value; curvature has a sign — it is negative along a direction "
     "where the function bends down (the saddle case)."),
    ("squared curvature", lambda H, u: float((H @ u) @ (H @ u)) / float(u @ u),
     "you computed ‖Hu‖²/‖u‖² = uᵀH²u/uᵀu, which weights the squared eigenvalues; the "
     "curvature is uᵀHu/uᵀu."),
    ("stretch factor", lambda H, u: float(np.linalg.norm(H @ u) / np.linalg.norm(u)),
     "‖Hu‖/‖u‖ is how much H stretches u, never negative; the curvature along u is the "
     "component of Hu along u: uᵀHu/uᵀu."),
    ("returned a vector", lambda H, u: H @ u / float(u @ u),
     "you returned the vector Hu/uᵀu; take its inner product with u: uᵀHu/uᵀu, a single number."),
    ("smallest eigenvalue", lambda H, u: float(np.min(np.linalg.eigvalsh(H))),
     "you returned the smallest eigenvalue; that is the curvature along its eigenvector only."),
)


def grade_directional_curvature(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(H, u) -> float``, the curvature along the direction ``u``.

    .. math:: \kappa_u = \frac{u^\top H u}{u^\top u}
              = \sum_i \lambda_i\,(\hat u\cdot q_i)^2,\qquad \hat u = u/\|u\|,

    with :math:`H = \sum_i \lambda_i q_i q_i^\top`.  ``H`` is a symmetric ``(n, n)`` array
    (possibly indefinite), ``u`` a nonzero ``(n,)`` array of any length; the answer is a
    single number between :math:`\lambda_{\min}` and :math:`\lambda_{\max}`.

    Reference: Goodfellow et al. (2016), Sec. 4.3.1.
    """
    return grade(fn, _curvature_ref, _curvature_cases(), name="grade_directional_curvature",
                 diagnoses=_CURVATURE_DIAGNOSES)


# ---------------------------------------------------------------------------
# The BFGS inverse update
# ---------------------------------------------------------------------------

def _bfgs_ref(H, s, y):
    rho = 1.0 / float(y @ s)
    eye = np.eye(s.size)
    return (eye - rho * np.outer(s, y)) @ H @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s)


def _dfp(H, s, y):
    Hy = H @ y
    return H - np.outer(Hy, Hy) / float(y @ Hy) + np.outer(s, s) / float(y @ s)


def _bfgs_direct_on_H(H, s, y):
    """The BFGS update of the Hessian B (eq. 6.19) applied to the inverse approximation."""
    Hs = H @ s
    return H - np.outer(Hs, Hs) / float(s @ Hs) + np.outer(y, y) / float(y @ s)


def _bfgs_no_correction(H, s, y):
    rho = 1.0 / float(y @ s)
    eye = np.eye(s.size)
    return (eye - rho * np.outer(s, y)) @ H @ (eye - rho * np.outer(y, s))


def _bfgs_swapped(H, s, y):
    return _bfgs_ref(H, y, s)


def _bfgs_transposed(H, s, y):
    """V H Vᵀ + ρssᵀ with V = I − ρysᵀ: the factors in the wrong order."""
    rho = 1.0 / float(y @ s)
    V = np.eye(s.size) - rho * np.outer(y, s)
    return V @ H @ V.T + rho * np.outer(s, s)


def _bfgs_rho_not_inverted(H, s, y):
    rho = float(y @ s)
    eye = np.eye(s.size)
    return (eye - rho * np.outer(s, y)) @ H @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s)


def _bfgs_rho_from_s(H, s, y):
    rho = 1.0 / float(s @ s)
    eye = np.eye(s.size)
    return (eye - rho * np.outer(s, y)) @ H @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s)


def _bfgs_minus_correction(H, s, y):
    return _bfgs_no_correction(H, s, y) - np.outer(s, s) / float(y @ s)


def _sr1(H, s, y):
    r = s - H @ y
    return H + np.outer(r, r) / float(r @ y)


def _bfgs_one_sided(H, s, y):
    rho = 1.0 / float(y @ s)
    eye = np.eye(s.size)
    return (eye - rho * np.outer(s, y)) @ H + rho * np.outer(s, s)


@lru_cache(maxsize=None)
def _bfgs_cases() -> tuple[Case, ...]:
    rng = _rng(2)

    def pair(H_true, n):
        s = rng.standard_normal(n)
        return s, H_true @ s                       # y = (true Hessian) s, so yᵀs > 0

    cases = [Case((np.eye(2), np.array([1.0, 0.0]), np.array([2.0, 1.0])), label="H = I, 2-D")]
    for n, lams in ((3, [1.0, 4.0, 9.0]), (4, [0.5, 1.0, 2.0, 8.0])):
        H_true = _symmetric(rng, lams)
        H = _symmetric(rng, rng.uniform(0.5, 2.0, n))
        s, y = pair(H_true, n)
        cases.append(Case((H, s, y), label=f"{n}-D, a symmetric positive definite H"))
    H = 0.3 * np.eye(3)
    s, y = pair(_symmetric(rng, [2.0, 5.0, 20.0]), 3)
    cases.append(Case((H, s, y), label="H = 0.3 I"))
    return tuple(cases)


_BFGS_DIAGNOSES = (
    ("DFP", _dfp,
     "that is the DFP update H − HyyᵀH/(yᵀHy) + ssᵀ/(yᵀs); BFGS is "
     "(I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ with ρ = 1/(yᵀs)."),
    ("direct-form formula", _bfgs_direct_on_H,
     "you applied the BFGS update of the Hessian B (B − BssᵀB/(sᵀBs) + yyᵀ/(yᵀs)) to the "
     "inverse approximation H; for H the roles of s and y are exchanged and the formula is "
     "(I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ."),
    ("s and y swapped", _bfgs_swapped,
     "s and y are swapped: H₊ must map y to s (the secant condition H₊y = s)."),
    ("missing ρssᵀ", _bfgs_no_correction,
     "you forgot the term + ρssᵀ; without it H₊y = 0 instead of s."),
    ("one-sided", _bfgs_one_sided,
     "multiply H by (I − ρysᵀ) on the right as well; the update must stay symmetric."),
    ("V H Vᵀ instead of Vᵀ H V", _bfgs_transposed,
     "the factors are in the wrong order: with V = I − ρysᵀ the update is VᵀHV + ρssᵀ = "
     "(I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ; you computed VHVᵀ, which does not satisfy H₊y = s."),
    ("rho not inverted", _bfgs_rho_not_inverted,
     "ρ is the reciprocal 1/(yᵀs), not yᵀs itself."),
    ("rho from s", _bfgs_rho_from_s,
     "ρ = 1/(yᵀs), the curvature along the step, not 1/(sᵀs)."),
    ("minus rho s s^T", _bfgs_minus_correction,
     "the last term is added: + ρssᵀ (it is what makes H₊y = s)."),
    ("SR1", _sr1,
     "that is the symmetric rank-one (SR1) update H + rrᵀ/(rᵀy), r = s − Hy; it satisfies the "
     "secant condition too, but it is not BFGS (a rank-two update that keeps H positive "
     "definite): (I − ρsyᵀ) H (I − ρysᵀ) + ρssᵀ."),
)


def grade_bfgs_inverse_update(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(H, s, y) -> H_new``, the BFGS update of the inverse-Hessian approximation.

    .. math:: H_+ = (I - \rho\, s y^\top)\, H\, (I - \rho\, y s^\top) + \rho\, s s^\top,
              \qquad \rho = \frac{1}{y^\top s},

    for a symmetric positive definite ``H`` (``(n, n)``), the step ``s`` and the gradient
    change ``y`` (``(n,)`` each, with :math:`y^\top s > 0`).  The result satisfies the secant
    condition :math:`H_+ y = s` and is symmetric positive definite.

    Reference: Nocedal & Wright (2006), eq. (6.17).
    """
    return grade(fn, _bfgs_ref, _bfgs_cases(), name="grade_bfgs_inverse_update",
                 diagnoses=_BFGS_DIAGNOSES)
