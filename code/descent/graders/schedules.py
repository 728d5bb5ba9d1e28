r"""Graders for the learning-rate schedules the reader implements (Chapter 6).

The reader writes a schedule as a plain function of the step index ``k = 0, 1, 2, …`` and its
parameters; the reference is the schedule of the same name in :mod:`descent.schedules`
(whose own tests check it against closed forms and PyTorch), evaluated at the same ``k``.
Step ``k + 1`` of an optimizer uses the value at ``k``, so ``k = 0`` is the first step and
gets the initial value.

The known mistakes are the off-by-one errors and forgotten pieces that a schedule invites: no
``floor`` in step decay (that is exponential decay), decaying one step early, a warm-up that
reaches its peak a step too soon, a cosine that is not shifted past the warm-up, a full cosine
period instead of a half one, and a cosine that rises again after its last step.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import schedules as S
from ._core import Case, GradeReport, grade

__all__ = ["grade_step_decay", "grade_warmup_cosine"]


# ---------------------------------------------------------------------------
# Step decay
# ---------------------------------------------------------------------------

def _step_ref(k, init_value, step_size, gamma):
    return S.step_decay(init_value, step_size, gamma)(k)


_STEP_CASES = tuple(
    Case((k, a, s, g), label=label)
    for (k, a, s, g, label) in (
        (0, 0.1, 30, 0.1, "the first step"),
        (29, 0.1, 30, 0.1, "the last step before the first decay"),
        (30, 0.1, 30, 0.1, "the first decayed step"),
        (45, 0.1, 30, 0.1, ""),
        (89, 0.5, 30, 0.5, ""),
        (90, 0.5, 30, 0.5, "three decays"),
        (7, 1.0, 3, 0.25, ""),
        (1000, 0.2, 400, 0.3, ""),
    )
)

_STEP_DIAGNOSES = (
    ("no floor", lambda k, a, s, g: a * g ** (k / s),
     "the exponent must be the whole number of completed periods, k // step_size; "
     "without the floor the step shrinks a little at every step (that is exponential decay)."),
    ("decays one step early", lambda k, a, s, g: a * g ** ((k + 1) // s),
     "you decay one step early: k counts from 0, so the first decay happens at k = step_size, "
     "i.e. the exponent is k // step_size, not (k + 1) // step_size."),
    ("ceil instead of floor", lambda k, a, s, g: a * g ** math.ceil(k / s),
     "rounding k / step_size up decays already at k = 1; round down (k // step_size)."),
    ("decays one step late", lambda k, a, s, g: a * g ** (max(k - 1, 0) // s),
     "you decay one step late: the first decayed step is k = step_size, use k // step_size."),
    ("multiplied by the count", lambda k, a, s, g: a * g * (k // s) if k >= s else a,
     "each decay multiplies the step by gamma once more: alpha_0 · gamma ** (k // step_size), "
     "a power, not a product with the number of decays."),
    ("modulo", lambda k, a, s, g: a * g ** (k % s),
     "the exponent is the number of completed periods, k // step_size (integer division), "
     "not the position inside the period, k % step_size."),
    ("gamma to the k", lambda k, a, s, g: a * g ** k,
     "you decayed at every step (gamma ** k); step decay multiplies by gamma once every "
     "step_size steps: gamma ** (k // step_size)."),
    ("hard-coded gamma", lambda k, a, s, g: a * 0.1 ** (k // s),
     "you used a fixed gamma 0.1 (PyTorch's default) instead of the argument gamma."),
    ("subtracted gamma", lambda k, a, s, g: a - g * (k // s),
     "each decay *multiplies* by gamma: alpha_0 · gamma ** (k // step_size)."),
)


def grade_step_decay(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(k, init_value, step_size, gamma) -> lr``, step (piecewise-constant) decay.

    .. math:: \alpha_k = \alpha_0\,\gamma^{\lfloor k/s\rfloor},\qquad k = 0, 1, 2, \dots

    with :math:`\alpha_0` = ``init_value`` and :math:`s` = ``step_size``: PyTorch's ``StepLR``
    stepped once per optimizer step, and :func:`descent.schedules.step_decay`.
    """
    return grade(fn, _step_ref, _STEP_CASES, rtol=1e-9, atol=1e-15, name="grade_step_decay",
                 diagnoses=_STEP_DIAGNOSES,
                 arg_names=("k", "init_value", "step_size", "gamma"))


# ---------------------------------------------------------------------------
# Linear warm-up, then cosine decay to zero
# ---------------------------------------------------------------------------

def _warmup_cosine_ref(k, peak_value, warmup_steps, total_steps):
    return S.linear_warmup(peak_value, warmup_steps,
                           S.cosine_decay(peak_value, total_steps - warmup_steps))(k)


def _cosine(peak, t, length):
    return peak * 0.5 * (1.0 + math.cos(math.pi * t / length))


def _wc_wrong(warmup=None, cosine=None):
    """A warm-up + cosine that differs from the reference only in the part given."""
    def wrong(k, peak, W, T):
        if k < W:
            return warmup(k, peak, W, T) if warmup else peak * k / W
        return cosine(k, peak, W, T) if cosine else _cosine(peak, min(k - W, T - W), T - W)
    return wrong


_WC_CASES = tuple(
    Case((k, p, W, T), label=label)
    for (k, p, W, T, label) in (
        (0, 0.1, 10, 110, "the first step (the warm-up starts at 0)"),
        (5, 0.1, 10, 110, "half-way through the warm-up"),
        (9, 0.1, 10, 110, "the last warm-up step"),
        (10, 0.1, 10, 110, "the peak"),
        (35, 0.1, 10, 110, "a quarter into the cosine"),
        (60, 0.1, 10, 110, "half-way through the cosine"),
        (100, 0.1, 10, 110, ""),
        (110, 0.1, 10, 110, "the end of the schedule"),
        (150, 0.1, 10, 110, "after the end"),
        (3, 2.0, 4, 20, ""),
        (12, 2.0, 4, 20, ""),
    )
)

_WC_DIAGNOSES = (
    ("warm-up off by one", _wc_wrong(warmup=lambda k, p, W, T: p * (k + 1) / W),
     "your warm-up reaches the peak one step early: it starts at 0 for k = 0 and is "
     "peak · k / warmup_steps, reaching the peak at k = warmup_steps."),
    ("cosine not shifted", _wc_wrong(cosine=lambda k, p, W, T: _cosine(p, min(k, T - W), T - W)),
     "the cosine must start where the warm-up ends: use k − warmup_steps, not k, inside the cosine."),
    ("cosine over the whole run", _wc_wrong(cosine=lambda k, p, W, T: _cosine(p, min(k, T), T)),
     "the cosine runs over the total_steps − warmup_steps steps after the warm-up and starts at "
     "the peak: α = peak · ½(1 + cos(π (k − W)/(T − W)))."),
    ("full period", _wc_wrong(cosine=lambda k, p, W, T: p * 0.5 * (1 + math.cos(2 * math.pi * min(k - W, T - W) / (T - W)))),
     "cosine decay uses half a period, cos(π t / T'), so that it ends at 0; cos(2π t / T') "
     "comes back up to the peak."),
    ("no one half", _wc_wrong(cosine=lambda k, p, W, T: p * (1 + math.cos(math.pi * min(k - W, T - W) / (T - W)))),
     "the cosine factor is ½(1 + cos(...)), which runs from 1 to 0; without the ½ the step "
     "starts at twice the peak."),
    ("rises again after the end", _wc_wrong(cosine=lambda k, p, W, T: _cosine(p, k - W, T - W)),
     "after total_steps the step must stay at 0; clamp the cosine's argument at T − W "
     "(the cosine would otherwise rise again, as PyTorch's periodic CosineAnnealingLR does)."),
    ("warm-up over W - 1", _wc_wrong(warmup=lambda k, p, W, T: p * k / (W - 1)),
     "dividing by warmup_steps − 1 reaches the peak at k = W − 1, one step early; the warm-up "
     "is peak · k / warmup_steps (0 at k = 0, the peak at k = W)."),
    ("no warm-up", _wc_wrong(warmup=lambda k, p, W, T: p),
     "there is no warm-up in your schedule: for k < warmup_steps the step rises linearly "
     "from 0, peak · k / warmup_steps."),
    ("linear decay", _wc_wrong(cosine=lambda k, p, W, T: p * (1.0 - min(k - W, T - W) / (T - W))),
     "after the warm-up you decayed linearly; cosine decay is peak · ½(1 + cos(π (k − W)/(T − W))), "
     "flat near the peak and near zero."),
    ("cosine length T after the warm-up", _wc_wrong(cosine=lambda k, p, W, T: _cosine(p, min(k - W, T), T)),
     "total_steps includes the warm-up: the cosine lasts T − W steps (it reaches 0 at k = T), "
     "not T steps after the warm-up."),
)


def grade_warmup_cosine(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(k, peak_value, warmup_steps, total_steps) -> lr``: linear warm-up, then cosine decay.

    With :math:`W` = ``warmup_steps`` and :math:`T` = ``total_steps``:

    .. math::
       \alpha_k = \alpha_{\text{peak}}\,\frac{k}{W}\ (k < W),\qquad
       \alpha_k = \alpha_{\text{peak}}\,\tfrac12\Big(1+\cos\frac{\pi\,\min(k-W,\,T-W)}{T-W}\Big)\ (k \ge W),

    i.e. ``linear_warmup(peak, W, after=cosine_decay(peak, T - W))`` of
    :mod:`descent.schedules`: zero at ``k = 0``, the peak at ``k = W``, zero from ``k = T`` on.
    """
    return grade(fn, _warmup_cosine_ref, _WC_CASES, rtol=1e-9, atol=1e-12,
                 name="grade_warmup_cosine", diagnoses=_WC_DIAGNOSES,
                 arg_names=("k", "peak_value", "warmup_steps", "total_steps"))
