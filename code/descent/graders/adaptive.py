r"""Graders for the adaptive-step exercises of Chapter 8 (AdaDelta).

The reference is written here directly in NumPy (not with :mod:`descent.transforms`), so
the grader also cross-checks :func:`descent.transforms.scale_by_adadelta`.  Conventions
follow ``torch.optim.Adadelta`` (and Zeiler 2012, Algorithm 1, when ``lr = 1``).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade

__all__ = ["grade_adadelta_step"]


def _adadelta_ref(x, s, d, g, lr, rho, eps):
    s = rho * s + (1.0 - rho) * g * g
    delta = np.sqrt(d + eps) / np.sqrt(s + eps) * g
    d = rho * d + (1.0 - rho) * delta * delta
    return x - lr * delta, s, d


@lru_cache(maxsize=None)
def _adadelta_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(20240917 + 8)
    return (
        Case((np.array([1.0, -1.0]), np.zeros(2), np.zeros(2), np.array([2.0, -0.5]), 1.0, 0.9, 1e-6),
             label="first step, Zeiler's setting"),
        Case((rng.standard_normal(4), rng.uniform(0.5, 3.0, 4), rng.uniform(0.01, 0.1, 4),
              rng.standard_normal(4), 1.0, 0.95, 1e-6)),
        Case((rng.standard_normal(3), rng.uniform(0.0, 0.01, 3), rng.uniform(0.0, 1e-3, 3),
              0.05 * rng.standard_normal(3), 0.5, 0.9, 1e-2), label="large eps, lr = 0.5"),
        Case((rng.standard_normal(5), rng.uniform(1.0, 10.0, 5), rng.uniform(0.1, 1.0, 5),
              3.0 * rng.standard_normal(5), 1.0, 0.5, 1e-8)),
    )


def _variant(*, eps_outside=False, numerator_s=False, d_from_g=False, no_one_minus=False,
             swap=False, no_lr=False, eps_num=True, eps_den=True, sqrt=True, old_s=False,
             fixed_rho=None, sign=-1.0, d_after_lr=False, fixed_eps=None):
    def wrong(x, s, d, g, lr, rho, eps):
        rho = rho if fixed_rho is None else fixed_rho
        eps = eps if fixed_eps is None else fixed_eps
        a, b = (1.0 - rho, rho) if swap else (rho, 1.0 - rho)
        b = 1.0 if no_one_minus else b
        s_new = a * s + b * g * g
        num = s_new if numerator_s else d
        den = s if old_s else s_new
        if eps_outside:
            delta = (np.sqrt(num) + eps) / (np.sqrt(den) + eps) * g
        elif not sqrt:
            delta = (num + eps) / (den + eps) * g
        else:
            delta = (np.sqrt(num + eps * eps_num) / np.sqrt(den + eps * eps_den)) * g
        step = delta if no_lr else lr * delta
        d_new = a * d + b * (g * g if d_from_g else (step * step if d_after_lr else delta * delta))
        return x + sign * step, s_new, d_new
    return wrong


def _sci(x: float) -> str:
    """``3.2 × 10⁻⁶``: two significant digits, a true superscript (no e-notation in hints)."""
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(str.maketrans('-0123456789', '⁻⁰¹²³⁴⁵⁶⁷⁸⁹'))}"


# The first step from s = d = 0 (torch.optim.Adadelta, lr = 1), per coordinate with |g| ≫ √ε:
#   right:        Δ₁ = √ε·g/√((1−ρ)g² + ε)        ≈ √(ε/(1−ρ)),
#   ε outside:    Δ₁ = ε·g/(√(1−ρ)·|g| + ε)       ≈ ε/√(1−ρ)         — √ε times smaller.
_EPS, _RHO = 1e-6, 0.9
_FIRST_RIGHT = float(np.sqrt(_EPS / (1.0 - _RHO)))
_FIRST_OUTSIDE = float(_EPS / np.sqrt(1.0 - _RHO))


_DIAGNOSES = (
    ("eps outside the roots", _variant(eps_outside=True),
     "AdaDelta puts ε inside both roots: √(d + ε)/√(s + ε). From d = s = 0 the first step "
     "is then √ε·g/√((1−ρ)g² + ε) ≈ √(ε/(1−ρ)) per coordinate; with ε outside it is "
     "ε·g/(√(1−ρ)·|g| + ε) ≈ ε/√(1−ρ), √ε times smaller (for ε = 10⁻⁶, ρ = 0.9: "
     f"{_sci(_FIRST_OUTSIDE)} instead of {_sci(_FIRST_RIGHT)}), and the method barely moves."),
    ("eps only in the denominator", _variant(eps_num=False),
     "ε belongs in the numerator too, √(d + ε): with d = 0 at the start, √d/√(s + ε) makes "
     "the first step exactly 0, d stays 0, and AdaDelta never moves."),
    ("eps only in the numerator", _variant(eps_den=False),
     "ε belongs in the denominator too: √(d + ε)/√(s + ε)."),
    ("no square roots", _variant(sqrt=False),
     "the ratio is of root mean squares, √(d + ε)/√(s + ε), not of the mean squares themselves."),
    ("old s in the denominator", _variant(old_s=True),
     "update s with this gradient first, then divide by √(s + ε) of the *new* s (only d is "
     "the old one)."),
    ("rho hard-coded to 0.9", _variant(fixed_rho=0.9),
     "you hard-coded ρ = 0.9 (PyTorch's default); use the argument rho."),
    ("eps hard-coded", _variant(fixed_eps=1e-6),
     "you used a fixed ε = 10⁻⁶ (PyTorch's default) instead of the argument eps."),
    ("uphill", _variant(sign=1.0),
     "you stepped uphill: x − lr·Δ, with a minus sign."),
    ("d accumulates lr·Δ", _variant(d_after_lr=True),
     "d averages the squares of Δ itself, before the learning rate (torch.optim.Adadelta); "
     "you accumulated (lr·Δ)², which differs when lr ≠ 1."),
    ("RMS of gradients on top", _variant(numerator_s=True),
     "the numerator is the RMS of past *updates*, √(d + ε), not of the gradients; "
     "√(s + ε)/√(s + ε) = 1 turns the step into plain g."),
    ("d accumulates g²", _variant(d_from_g=True),
     "the second accumulator averages the squared *updates* Δ², not the squared gradients."),
    ("swapped rho", _variant(swap=True),
     "ρ and 1−ρ are swapped: ρ multiplies the old averages, 1−ρ the new squares."),
    ("no (1-rho)", _variant(no_one_minus=True),
     "you forgot the (1−ρ) factor on the new squares: s = ρs + (1−ρ)g²."),
    ("no learning rate", _variant(no_lr=True),
     "multiply the update by lr (PyTorch's Adadelta has lr; Zeiler's rule is lr = 1)."),
)


def grade_adadelta_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, s, d, g, lr, rho, eps) -> (x_new, s_new, d_new)``, one AdaDelta step.

    .. math::
       s \leftarrow \rho s + (1-\rho)\,g\odot g,\qquad
       \Delta = \frac{\sqrt{d + \epsilon}}{\sqrt{s + \epsilon}}\odot g,\qquad
       d \leftarrow \rho d + (1-\rho)\,\Delta\odot\Delta,\qquad
       x \leftarrow x - \mathrm{lr}\,\Delta.

    The numerator uses the accumulator :math:`d` *before* this step's update (the step
    is not known yet).  ``lr = 1`` is Zeiler's rule; ``torch.optim.Adadelta`` multiplies by
    ``lr`` (default 1.0).

    Reference: Zeiler, "ADADELTA: An adaptive learning rate method" (2012), Algorithm 1;
    ``torch.optim.Adadelta``.
    """
    return grade(fn, _adadelta_ref, _adadelta_cases(), name="grade_adadelta_step",
                 output_names=("x", "s", "d"), diagnoses=_DIAGNOSES)
