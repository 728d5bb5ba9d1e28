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
             swap=False, no_lr=False):
    def wrong(x, s, d, g, lr, rho, eps):
        a, b = (1.0 - rho, rho) if swap else (rho, 1.0 - rho)
        b = 1.0 if no_one_minus else b
        s_new = a * s + b * g * g
        num = s_new if numerator_s else d
        if eps_outside:
            delta = (np.sqrt(num) + eps) / (np.sqrt(s_new) + eps) * g
        else:
            delta = np.sqrt(num + eps) / np.sqrt(s_new + eps) * g
        d_new = a * d + b * (g * g if d_from_g else delta * delta)
        step = delta if no_lr else lr * delta
        return x - step, s_new, d_new
    return wrong


_DIAGNOSES = (
    ("eps outside the roots", _variant(eps_outside=True),
     "AdaDelta puts ε inside both roots: √(d + ε)/√(s + ε). With ε outside, the first "
     "step (d = 0) is ε/|g|-sized and the method barely moves."),
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
