r"""Graders for Adam's descendants (Chapters 9 and 10): AdamW and NAdam.

The references are written directly in NumPy (not with :mod:`descent.transforms`), so each
grader is also an independent check of the package.  ``t`` is always the number of *this*
step, starting at 1, and the returned state is the *raw* (uncorrected) pair of moments.

* AdamW (Loshchilov & Hutter 2019; ``torch.optim.AdamW``):

  .. math::
     m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2,\quad
     x \leftarrow x - \alpha\Big(\frac{\hat m}{\sqrt{\hat v} + \epsilon} + \lambda_{\mathrm{wd}}\,x\Big).

  The decay uses the *old* :math:`x` and is multiplied by the learning rate, not divided
  by :math:`\sqrt{\hat v}`.
* NAdam with a constant momentum coefficient (Dozat 2016, Algorithm 2 with
  :math:`\mu_t = \beta_1`; optax's ``nadam``):

  .. math::
     \bar m = \frac{\beta_1 m_t}{1-\beta_1^{t+1}} + \frac{(1-\beta_1) g_t}{1-\beta_1^{t}},\qquad
     x \leftarrow x - \alpha\,\frac{\bar m}{\sqrt{\hat v_t} + \epsilon}.

  PyTorch's ``NAdam`` additionally warms the momentum up with a schedule
  :math:`\mu_t = \beta_1(1 - \tfrac12 0.96^{0.004 t})`; that variant is not graded here.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade

__all__ = ["grade_adamw_step", "grade_nadam_step"]

_SEED = 20250909


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


def _moments(m, v, g, b1, b2):
    return b1 * m + (1.0 - b1) * g, b2 * v + (1.0 - b2) * g * g


# ---------------------------------------------------------------------------
# AdamW
# ---------------------------------------------------------------------------

def _adamw_ref(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    m, v = _moments(m, v, g, b1, b2)
    m_hat, v_hat = m / (1.0 - b1**t), v / (1.0 - b2**t)
    return x - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * x), m, v


def _adamw_variant(*, coupled=False, no_lr=False, after=False, no_correction=False, eps_inside=False,
                   decay_sign=1.0, fixed_decay=None, inside=False, only_m=False):
    def wrong(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
        weight_decay = weight_decay if fixed_decay is None else fixed_decay
        g_used = g + weight_decay * x if coupled else g
        m_new, v_new = _moments(m, v, g_used, b1, b2)
        c1, c2 = (1.0, 1.0) if no_correction else (1.0 - b1**t, 1.0 - b2**t)
        c2 = 1.0 if only_m else c2
        m_hat, v_hat = m_new / c1, v_new / c2
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        if inside:
            return x - lr * (m_hat + weight_decay * x) / denom, m_new, v_new
        step = m_hat / denom
        if coupled:
            return x - lr * step, m_new, v_new
        if after:
            x_new = x - lr * step
            return x_new - lr * weight_decay * x_new, m_new, v_new
        decay = weight_decay * x if no_lr else lr * weight_decay * x
        return x - lr * step - decay_sign * decay, m_new, v_new
    return wrong


@lru_cache(maxsize=None)
def _adamw_cases() -> tuple[Case, ...]:
    rng = _rng(1)
    n = 4
    return (
        Case((np.array([1.0, -2.0]), np.zeros(2), np.zeros(2), np.array([0.5, -3.0]), 1,
              1e-3, 0.9, 0.999, 1e-8, 1e-2), label="first step, PyTorch's defaults"),
        Case((rng.standard_normal(n), 0.1 * rng.standard_normal(n), rng.uniform(0.0, 0.01, n),
              rng.standard_normal(n), 3, 0.05, 0.9, 0.999, 1e-8, 0.1), label="t = 3, strong decay"),
        Case((3.0 * rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.1, 1.0, n),
              rng.standard_normal(n), 20, 0.1, 0.8, 0.95, 1e-8, 0.5), label="t = 20, large weights"),
        Case((rng.standard_normal(3), 0.01 * rng.standard_normal(3), rng.uniform(0.0, 1e-4, 3),
              0.01 * rng.standard_normal(3), 5, 0.05, 0.9, 0.99, 1e-3, 0.05),
             label="large eps, small gradients"),
    )


_ADAMW_DIAGNOSES = (
    ("coupled L2", _adamw_variant(coupled=True),
     "you added λ·x to the gradient before the moments: that is Adam with L2 regularisation "
     "(torch.optim.Adam's weight_decay). AdamW decouples it: x ← x − lr·(m̂/(√v̂+ε) + λx)."),
    ("decay without lr", _adamw_variant(no_lr=True),
     "the decay must be multiplied by the learning rate too: subtract lr·λ·x, not λ·x "
     "(PyTorch's AdamW; Loshchilov & Hutter scale it by a schedule multiplier)."),
    ("decay after the step", _adamw_variant(after=True),
     "you decayed the *new* x; the decay uses the weights before this step: −lr·λ·x_old."),
    ("growing weights", _adamw_variant(decay_sign=-1.0),
     "weight decay shrinks the weights: subtract lr·λ·x, don't add it."),
    ("no bias correction", _adamw_variant(no_correction=True),
     "you skipped the bias correction: divide m by 1−β₁ᵗ and v by 1−β₂ᵗ."),
    ("eps inside the root", _adamw_variant(eps_inside=True),
     "ε goes outside the square root: m̂/(√v̂ + ε)."),
    ("decay hard-coded", _adamw_variant(fixed_decay=1e-2),
     "you used a fixed weight decay 0.01 (PyTorch's default) instead of the argument weight_decay."),
    ("decay inside the adaptive fraction", _adamw_variant(inside=True),
     "you divided the decay by √v̂ + ε too, (m̂ + λx)/(√v̂ + ε); decoupled decay is added "
     "*outside* the adaptive fraction: x − lr·(m̂/(√v̂ + ε) + λx)."),
    ("only m corrected", _adamw_variant(only_m=True),
     "you corrected m but not v: both moments start at zero, so both need 1/(1−βᵗ)."),
)


def grade_adamw_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, m, v, g, t, lr, b1, b2, eps, weight_decay) -> (x_new, m_new, v_new)``, one AdamW step.

    .. math::
       m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
       v \leftarrow \beta_2 v + (1-\beta_2) g\odot g,\quad
       x \leftarrow x - \mathrm{lr}\Big(\frac{m/(1-\beta_1^t)}{\sqrt{v/(1-\beta_2^t)} + \epsilon}
       + \lambda_{\mathrm{wd}}\,x\Big),

    returning the raw moments.  Recognised mistakes: L2 added to the gradient (Adam's
    ``weight_decay``), decay not multiplied by ``lr``, decay of the new weights, the wrong
    sign, no bias correction, :math:`\epsilon` inside the root.

    Reference: Loshchilov & Hutter, "Decoupled weight decay regularization" (ICLR 2019),
    Algorithm 2; ``torch.optim.AdamW``.
    """
    return grade(fn, _adamw_ref, _adamw_cases(), name="grade_adamw_step",
                 output_names=("x", "m", "v"), diagnoses=_ADAMW_DIAGNOSES)


# ---------------------------------------------------------------------------
# NAdam
# ---------------------------------------------------------------------------

def _nadam_ref(x, m, v, g, t, lr, b1, b2, eps):
    m, v = _moments(m, v, g, b1, b2)
    m_bar = b1 * m / (1.0 - b1 ** (t + 1)) + (1.0 - b1) * g / (1.0 - b1**t)
    v_hat = v / (1.0 - b2**t)
    return x - lr * m_bar / (np.sqrt(v_hat) + eps), m, v


def _nadam_torch(x, m, v, g, t, lr, b1, b2, eps, momentum_decay=4e-3):
    """torch.optim.NAdam's step: momentum warmed up by μ_t = β₁(1 − ½·0.96^(0.004 t))."""
    def mu(k):
        return b1 * (1.0 - 0.5 * 0.96 ** (k * momentum_decay))
    mu_t, mu_next = mu(t), mu(t + 1)
    mu_product = float(np.prod([mu(k) for k in range(1, t + 1)]))
    m, v = _moments(m, v, g, b1, b2)
    denom = np.sqrt(v / (1.0 - b2**t)) + eps
    x = x - lr * (1.0 - mu_t) / (1.0 - mu_product) * g / denom
    x = x - lr * mu_next / (1.0 - mu_product * mu_next) * m / denom
    return x, m, v


def _nadam_variant(*, plain_adam=False, same_power=False, old_m=False, no_correction=False,
                   both_next=False, sign=-1.0, eps_inside=False, only_m=False, swap=False):
    def wrong(x, m, v, g, t, lr, b1, b2, eps):
        if swap:
            b1, b2 = b2, b1
        m_old = m
        m, v = _moments(m, v, g, b1, b2)
        if plain_adam:
            m_bar = m / (1.0 - b1**t)
        elif no_correction:
            m_bar = b1 * m + (1.0 - b1) * g
        elif both_next:
            m_bar = (b1 * m + (1.0 - b1) * g) / (1.0 - b1 ** (t + 1))
        else:
            p = t if same_power else t + 1
            m_bar = b1 * (m_old if old_m else m) / (1.0 - b1**p) + (1.0 - b1) * g / (1.0 - b1**t)
        v_hat = v if (no_correction or only_m) else v / (1.0 - b2**t)
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        return x + sign * lr * m_bar / denom, m, v
    return wrong


@lru_cache(maxsize=None)
def _nadam_cases() -> tuple[Case, ...]:
    rng = _rng(2)
    n = 4
    return (
        Case((np.array([1.0, -2.0]), np.zeros(2), np.zeros(2), np.array([0.5, -3.0]), 1,
              2e-3, 0.9, 0.999, 1e-8), label="first step"),
        Case((rng.standard_normal(n), 0.1 * rng.standard_normal(n), rng.uniform(0.0, 0.01, n),
              rng.standard_normal(n), 2, 0.01, 0.9, 0.999, 1e-8), label="t = 2"),
        Case((rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.1, 1.0, n),
              rng.standard_normal(n), 10, 0.1, 0.8, 0.95, 1e-8), label="t = 10"),
        Case((rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.5, 2.0, n),
              -rng.standard_normal(n), 50, 0.01, 0.5, 0.9, 1e-8), label="t = 50, β₁ = 0.5"),
        Case((rng.standard_normal(3), 0.01 * rng.standard_normal(3), rng.uniform(0.0, 1e-4, 3),
              0.01 * rng.standard_normal(3), 5, 0.05, 0.9, 0.99, 1e-3),
             label="large eps, small gradients"),
    )


_NADAM_DIAGNOSES = (
    ("plain Adam", _nadam_variant(plain_adam=True),
     "that is Adam's step m̂ = m/(1−β₁ᵗ); NAdam looks ahead: "
     "β₁·m/(1−β₁ᵗ⁺¹) + (1−β₁)·g/(1−β₁ᵗ)."),
    ("same power", _nadam_variant(same_power=True),
     "the momentum part is corrected with the *next* step's factor 1−β₁ᵗ⁺¹ (it is the "
     "momentum that will be used at step t+1); the gradient part with 1−β₁ᵗ."),
    ("old m", _nadam_variant(old_m=True),
     "update m first: the look-ahead uses the new m_t, not m_{t−1}."),
    ("no bias correction", _nadam_variant(no_correction=True),
     "you dropped the bias corrections of both moments."),
    ("PyTorch's momentum schedule", _nadam_torch,
     "that is torch.optim.NAdam, which warms the momentum up, μ_t = β₁(1 − ½·0.96^(0.004t)); "
     "this exercise keeps it constant, μ_t = β₁ (Dozat's Algorithm 2 with constant μ)."),
    ("both parts corrected with t+1", _nadam_variant(both_next=True),
     "the gradient part is corrected with this step's factor 1−β₁ᵗ, only the momentum part "
     "with the next step's 1−β₁ᵗ⁺¹: β₁m/(1−β₁ᵗ⁺¹) + (1−β₁)g/(1−β₁ᵗ)."),
    ("only m corrected", _nadam_variant(only_m=True),
     "you corrected the momentum but not v: divide v by 1−β₂ᵗ too."),
    ("eps inside the root", _nadam_variant(eps_inside=True),
     "ε goes outside the square root: m̄/(√v̂ + ε)."),
    ("swapped betas", _nadam_variant(swap=True),
     "β₁ and β₂ are swapped: β₁ averages the gradients, β₂ their squares."),
    ("uphill", _nadam_variant(sign=1.0),
     "you stepped uphill: x − lr·m̄/(√v̂ + ε), with a minus sign."),
)


def grade_nadam_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, m, v, g, t, lr, b1, b2, eps) -> (x_new, m_new, v_new)``, one NAdam step.

    With constant momentum :math:`\beta_1` (Dozat 2016, Algorithm 2 with :math:`\mu_t = \beta_1`):

    .. math::
       m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\\
       \bar m_t = \frac{\beta_1 m_t}{1-\beta_1^{t+1}} + \frac{(1-\beta_1) g_t}{1-\beta_1^{t}},\quad
       x \leftarrow x - \mathrm{lr}\,\frac{\bar m_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon},

    returning the raw moments.  Reference: Dozat, "Incorporating Nesterov momentum into Adam"
    (ICLR 2016 workshop); optax ``nadam``.
    """
    return grade(fn, _nadam_ref, _nadam_cases(), name="grade_nadam_step",
                 output_names=("x", "m", "v"), diagnoses=_NADAM_DIAGNOSES)
