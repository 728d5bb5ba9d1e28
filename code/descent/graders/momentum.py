r"""Graders for Chapter 5: a Nesterov step in PyTorch's form, and the heavy ball's rate on a quadratic.

The references are written directly in NumPy (not with :mod:`descent.transforms` or
:mod:`descent.book.momentum_theory`), so the graders double as an independent cross-check.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade
from .steps import _momentum_cases as _nesterov_cases  # same signature (x, b, g, lr, beta)

__all__ = ["grade_nesterov_step", "grade_heavy_ball_rate"]


# ---------------------------------------------------------------------------
# Nesterov momentum, PyTorch's form
# ---------------------------------------------------------------------------

def _nesterov_ref(x, b, g, lr, momentum):
    b = momentum * b + g
    return x - lr * (g + momentum * b), b


_NESTEROV_DIAGNOSES = (
    ("heavy ball", lambda x, b, g, lr, mu: (x - lr * (mu * b + g), mu * b + g),
     "that is plain (heavy-ball) momentum, x − lr·b. Nesterov's step in PyTorch's form adds "
     "the gradient once more on top of the decayed buffer: x − lr·(g + μ·b) with the new b "
     "(stepping with g + μ·b_old is the same mistake: it equals μ·b_old + g, the heavy-ball step)."),
    ("ema form", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + (1 - mu) * g)),
                                          mu * b + (1 - mu) * g),
     "you used the EMA form b = μb + (1−μ)g; PyTorch's buffer adds the whole gradient: b = μb + g."),
    ("mu squared", lambda x, b, g, lr, mu: (x - lr * (g + mu * mu * b), mu * b + g),
     "you multiplied the buffer by μ twice in the step; the step is x − lr·(g + μ·b) with the "
     "already-updated buffer b = μb_old + g."),
    ("uphill", lambda x, b, g, lr, mu: (x + lr * (g + mu * (mu * b + g)), mu * b + g),
     "you stepped uphill: x − lr·(g + μ·b), with a minus sign."),
    ("no buffer update", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + g)), b),
     "the step is right but you returned the old buffer; return the updated b = μb + g."),
    ("returned the look-ahead buffer", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + g)),
                                                                 g + mu * (mu * b + g)),
     "the step is right but you returned g + μb (the Nesterov direction) as the buffer; "
     "the buffer itself is b = μb_old + g."),
    ("hard-coded momentum", lambda x, b, g, lr, mu: (x - lr * (g + 0.9 * (0.9 * b + g)), 0.9 * b + g),
     "you used a fixed momentum 0.9 instead of the argument momentum."),
    ("no gradient in the step", lambda x, b, g, lr, mu: (x - lr * mu * (mu * b + g), mu * b + g),
     "the step has two parts, the gradient and the decayed buffer: x − lr·(g + μb); you "
     "left out g."),
    ("Sutskever's velocity form", lambda x, b, g, lr, mu: (x + mu * (mu * b - lr * g) - lr * g,
                                                          mu * b - lr * g),
     "you wrote the velocity form v ← μv − lr·g, x ← x + μv − lr·g (Sutskever et al.; "
     "Goodfellow's Algorithm 8.3 in look-ahead form); this exercise uses PyTorch's buffer: "
     "b ← μb + g, x ← x − lr·(g + μb)."),
)


def grade_nesterov_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, b, g, lr, momentum) -> (x_new, b_new)``, one Nesterov step in PyTorch's form.

    .. math:: b \leftarrow \mu b + g,\qquad x \leftarrow x - \mathrm{lr}\,(g + \mu b),

    with ``g`` the gradient at ``x``, ``b`` the momentum buffer (zero before the first step)
    and ``momentum`` :math:`\mu` — ``torch.optim.SGD(nesterov=True)`` without dampening or
    weight decay.  Its iterates are the look-ahead points of Goodfellow et al.'s
    Algorithm 8.3 (Sutskever et al. 2013); see Chapter 5.
    """
    return grade(fn, _nesterov_ref, _nesterov_cases(), name="grade_nesterov_step",
                 output_names=("x", "b"), diagnoses=_NESTEROV_DIAGNOSES)


# ---------------------------------------------------------------------------
# Spectral radius of the heavy-ball iteration matrix
# ---------------------------------------------------------------------------

def _rate_ref(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(complex(T * T - 4.0 * beta))
    return float(max(abs(T + disc), abs(T - disc)) / 2.0)


@lru_cache(maxsize=None)
def _rate_cases() -> tuple[Case, ...]:
    return (
        Case((0.1, 0.5, 1.0), label="complex eigenvalues"),
        Case((0.1, 0.1, 1.0), label="real eigenvalues, both positive"),
        Case((0.5, 0.2, 3.5), label="real eigenvalues, the larger one negative"),
        Case((1.0, 0.9, 0.05), label="large momentum, small curvature"),
        Case((0.04, 0.0, 1.0), label="no momentum (gradient descent)"),
        Case((1.0, 0.3, 3.0), label="divergent: a radius above 1"),
        Case((4.0 / 9.0, 1.0 / 9.0, 1.0), label="a double root"),
    )


def _rate_sqrt_beta(alpha, beta, lam):
    return float(np.sqrt(beta))


def _rate_real_sqrt(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(max(T * T - 4.0 * beta, 0.0))
    return float(max(abs(T + disc), abs(T - disc)) / 2.0)


def _rate_no_abs(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(complex(T * T - 4.0 * beta))
    return float(max(((T + disc) / 2).real, ((T - disc) / 2).real))


def _rate_min(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(complex(T * T - 4.0 * beta))
    return float(min(abs(T + disc), abs(T - disc)) / 2.0)


def _rate_no_half(alpha, beta, lam):
    return 2.0 * _rate_ref(alpha, beta, lam)


def _rate_no_four(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(complex(T * T - beta))
    return float(max(abs(T + disc), abs(T - disc)) / 2.0)


def _rate_minus_beta(alpha, beta, lam):
    T = 1.0 - beta - alpha * lam
    disc = np.sqrt(complex(T * T - 4.0 * beta))
    return float(max(abs(T + disc), abs(T - disc)) / 2.0)


def _rate_complex(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(complex(T * T - 4.0 * beta))
    return max((T + disc) / 2.0, (T - disc) / 2.0, key=abs)


def _rate_gd(alpha, beta, lam):
    return float(abs(1.0 - alpha * lam))


def _rate_signed_beta(alpha, beta, lam):
    T = 1.0 + beta - alpha * lam
    disc = np.sqrt(complex(T * T + 4.0 * beta))
    return float(max(abs(T + disc), abs(T - disc)) / 2.0)


_RATE_DIAGNOSES = (
    ("real part only", _rate_no_abs,
     "you took the real part of the eigenvalues; the rate is their modulus |z| — complex "
     "eigenvalues make the error spiral, and |z| = √β for both of them."),
    ("clipped discriminant", _rate_real_sqrt,
     "when T² − 4β < 0 the eigenvalues are complex; clipping the discriminant at 0 drops their "
     "imaginary part. Use a complex square root (np.sqrt(complex(...)) or cmath.sqrt)."),
    ("gradient descent", _rate_gd,
     "that is gradient descent's factor |1 − αλ|; with momentum the iteration matrix is "
     "[[1 + β − αλ, −β], [1, 0]] and the rate is the larger |root| of z² − (1 + β − αλ)z + β."),
    ("sqrt(beta) always", _rate_sqrt_beta,
     "√β is the modulus only when the eigenvalues are complex; when (1 + β − αλ)² ≥ 4β they are "
     "real and the larger |root| exceeds √β."),
    ("sign of beta", _rate_signed_beta,
     "the characteristic polynomial is z² − Tz + β (the determinant of M is +β), so the "
     "discriminant is T² − 4β, not T² + 4β."),
    ("smaller root", _rate_min,
     "the spectral radius is the *largest* modulus of the two eigenvalues; you took the smaller."),
    ("forgot the half", _rate_no_half,
     "the roots of z² − Tz + β are (T ± √(T² − 4β))/2; you forgot to divide by 2."),
    ("forgot the 4", _rate_no_four,
     "the discriminant of z² − Tz + β is T² − 4β; you wrote T² − β."),
    ("1 - beta", _rate_minus_beta,
     "the trace of M is T = 1 + β − αλ (the new iterate gains β times the last step); "
     "you used 1 − β − αλ."),
    ("returned the eigenvalue", _rate_complex,
     "you returned the eigenvalue itself (a complex number); the rate is its modulus, "
     "abs(z), a real number."),
)


def grade_heavy_ball_rate(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(alpha, beta, lam) -> rate``, the spectral radius of the heavy-ball iteration matrix.

    On :math:`f(\theta) = \tfrac12\lambda\theta^2`,

    .. math::
       M = \begin{pmatrix} 1+\beta-\alpha\lambda & -\beta\\ 1 & 0\end{pmatrix},\qquad
       \rho(M) = \max_\pm \Big|\tfrac12\big(T \pm \sqrt{T^2-4\beta}\big)\Big|,\quad T = 1+\beta-\alpha\lambda,

    returned as a Python or NumPy float.  Reference: Polyak (1964); Goh (2017).
    """
    return grade(fn, _rate_ref, _rate_cases(), name="grade_heavy_ball_rate", rtol=1e-6, atol=1e-9,
                 diagnoses=_RATE_DIAGNOSES)
