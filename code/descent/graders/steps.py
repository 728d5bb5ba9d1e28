r"""Graders for the one-step update rules the reader implements (Chapters 2–9).

Each ``grade_*`` function takes the reader's function, runs it against a reference on a
handful of fixed cases and returns a :class:`~descent.graders.GradeReport`.  The references
are written here again, directly in NumPy, *not* with :mod:`descent.transforms`, so the
graders double as an independent cross-check of the package.  Conventions follow PyTorch
(``torch.optim``) where the literature differs, and every grader's docstring states them.

The known mistakes each grader recognises are the ones learners (and the source article)
actually make: the wrong sign, :math:`\epsilon` inside the square root, a sum instead of its
square root, a missing :math:`(1-\beta)`, an off-by-one bias correction, ...
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade

__all__ = ["grade_gd_step", "grade_momentum_step", "grade_ema", "grade_adagrad_step",
           "grade_rmsprop_step", "grade_adam_step", "grade_newton_step"]

_SEED = 20240917


def _rng(offset: int) -> np.random.Generator:
    return np.random.default_rng(_SEED + offset)


# ---------------------------------------------------------------------------
# Gradient descent
# ---------------------------------------------------------------------------

def _gd_ref(x, g, lr):
    return x - lr * g


@lru_cache(maxsize=None)
def _gd_cases() -> tuple[Case, ...]:
    rng = _rng(1)
    return (
        Case((np.array([1.0, -2.0]), np.array([0.5, 4.0]), 0.1), label="2-D, lr = 0.1"),
        Case((rng.standard_normal(5), rng.standard_normal(5), 0.5)),
        Case((rng.standard_normal(3), rng.standard_normal(3), 1e-3)),
        Case((rng.standard_normal((3, 2)), rng.standard_normal((3, 2)), 2.0), label="a matrix of parameters"),
    )


_GD_DIAGNOSES = (
    ("uphill", lambda x, g, lr: x + lr * g,
     "you stepped uphill: descent moves *against* the gradient, x − lr·g."),
    ("no learning rate", lambda x, g, lr: x - g,
     "you forgot the learning rate: the step is lr·g, not g."),
    ("returned the step", lambda x, g, lr: -lr * g,
     "you returned the step −lr·g; return the new point x − lr·g."),
    ("divided by lr", lambda x, g, lr: x - g / lr,
     "you divided the gradient by the learning rate; multiply it: x − lr·g."),
    ("hard-coded lr", lambda x, g, lr: x - 0.1 * g,
     "you used a fixed learning rate 0.1 instead of the argument lr; the step is x − lr·g for "
     "whatever lr is passed."),
    ("x and g swapped", lambda x, g, lr: g - lr * x,
     "x and g are swapped: start from the point x and subtract lr times the gradient g."),
    ("normalised gradient", lambda x, g, lr: x - lr * g / np.linalg.norm(g),
     "you normalised the gradient to unit length; plain gradient descent steps lr·g, "
     "so a steeper slope gives a longer step."),
)


def grade_gd_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, g, lr) -> x_new``, one gradient-descent step :math:`x - \alpha g`.

    ``x`` and ``g`` are NumPy arrays of the same shape, ``lr`` a float.

    Reference: Cauchy (1847); Goodfellow et al. (2016), Algorithm 8.1.
    """
    return grade(fn, _gd_ref, _gd_cases(), name="grade_gd_step", diagnoses=_GD_DIAGNOSES)


# ---------------------------------------------------------------------------
# Momentum (PyTorch's buffer form)
# ---------------------------------------------------------------------------

def _momentum_ref(x, v, g, lr, momentum):
    b = momentum * v + g
    return x - lr * b, b


@lru_cache(maxsize=None)
def _momentum_cases() -> tuple[Case, ...]:
    rng = _rng(2)
    return (
        Case((np.array([1.0, -1.0]), np.zeros(2), np.array([2.0, 0.5]), 0.1, 0.9),
             label="first step, zero buffer"),
        Case((rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4), 0.05, 0.9)),
        Case((rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3), 0.5, 0.5)),
        Case((rng.standard_normal(6), rng.standard_normal(6), rng.standard_normal(6), 0.01, 0.99)),
    )


_MOMENTUM_DIAGNOSES = (
    ("ema form", lambda x, v, g, lr, mu: (x - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
     "you used the EMA form v = μv + (1−μ)g; PyTorch's buffer adds the whole gradient: v = μv + g."),
    ("goodfellow form", lambda x, v, g, lr, mu: (x + (mu * v - lr * g), mu * v - lr * g),
     "you wrote Goodfellow et al.'s form v ← μv − lr·g, x ← x + v; this exercise uses PyTorch's "
     "buffer form v ← μv + g, x ← x − lr·v (the same method with velocity −lr times the buffer)."),
    ("old buffer", lambda x, v, g, lr, mu: (x - lr * v, mu * v + g),
     "you stepped with the old buffer; update the buffer first (v = μv + g), then step with it."),
    ("uphill", lambda x, v, g, lr, mu: (x + lr * (mu * v + g), mu * v + g),
     "you stepped uphill: x − lr·v, with a minus sign."),
    ("no memory", lambda x, v, g, lr, mu: (x - lr * g, g),
     "you ignored the previous buffer: v = μv + g keeps a decaying memory of past gradients."),
    ("momentum on the gradient", lambda x, v, g, lr, mu: (x - lr * (v + mu * g), v + mu * g),
     "μ multiplies the old buffer, not the new gradient: v = μv + g."),
    ("hard-coded momentum", lambda x, v, g, lr, mu: (x - lr * (0.9 * v + g), 0.9 * v + g),
     "you used a fixed momentum 0.9 instead of the argument momentum: v = momentum·v + g."),
    ("nesterov", lambda x, v, g, lr, mu: (x - lr * (g + mu * (mu * v + g)), mu * v + g),
     "that is Nesterov's step x − lr·(g + μv) (SGD with nesterov=True); plain heavy-ball "
     "momentum steps with the buffer itself: x − lr·v with v = μv + g."),
    ("lr inside the buffer", lambda x, v, g, lr, mu: (x - (mu * v + lr * g), mu * v + lr * g),
     "you folded the learning rate into the buffer (v = μv + lr·g, x − v: Sutskever et al.'s "
     "velocity form); this exercise keeps PyTorch's buffer v = μv + g and steps x − lr·v."),
)


def grade_momentum_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, v, g, lr, momentum) -> (x_new, v_new)``, heavy-ball momentum in PyTorch's form.

    .. math:: b \leftarrow \mu b + g,\qquad x \leftarrow x - \mathrm{lr}\, b,

    with ``v`` the buffer :math:`b` (zero before the first step) and ``momentum`` :math:`\mu`
    (no dampening, no Nesterov).

    Reference: Polyak (1964); ``torch.optim.SGD``; Sutskever et al. (2013).
    """
    return grade(fn, _momentum_ref, _momentum_cases(), name="grade_momentum_step",
                 output_names=("x", "v"), diagnoses=_MOMENTUM_DIAGNOSES)


# ---------------------------------------------------------------------------
# Exponential moving average
# ---------------------------------------------------------------------------

def _ema_ref(values, beta):
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    avg = 0.0
    for k, x in enumerate(values):
        avg = beta * avg + (1.0 - beta) * x
        out[k] = avg
    return out


def _ema_variant(values, beta, *, a, b, first=False):
    values = np.asarray(values, dtype=float)
    out = np.empty_like(values)
    avg = 0.0
    for k, x in enumerate(values):
        avg = x if (first and k == 0) else a(beta) * avg + b(beta) * x
        out[k] = avg
    return out


@lru_cache(maxsize=None)
def _ema_cases() -> tuple[Case, ...]:
    rng = _rng(3)
    return (
        Case((np.array([1.0, 1.0, 1.0, 1.0]), 0.5), label="a constant signal"),
        Case((rng.standard_normal(10), 0.9)),
        Case((np.array([2.0]), 0.9), label="a single value"),
        Case((rng.standard_normal(30) + 3.0, 0.99)),
        Case((rng.standard_normal(6), 0.3)),
    )


_EMA_DIAGNOSES = (
    ("no (1-beta)", lambda x, beta: _ema_variant(x, beta, a=lambda b: b, b=lambda b: 1.0),
     "you forgot the (1−β) factor on the new value: v = βv + (1−β)x."),
    ("swapped beta", lambda x, beta: _ema_variant(x, beta, a=lambda b: 1 - b, b=lambda b: b),
     "β and 1−β are swapped: β multiplies the old average (the memory), 1−β the new value."),
    ("started at the first value", lambda x, beta: _ema_variant(x, beta, a=lambda b: b,
                                                                 b=lambda b: 1 - b, first=True),
     "you started the average at the first value; this EMA starts at v₀ = 0, so v₁ = (1−β)x₁ "
     "(that bias towards zero is what Adam's bias correction removes)."),
    ("bias corrected", lambda x, beta: _ema_ref(x, beta) / (1 - beta ** np.arange(1, len(x) + 1)),
     "you returned the bias-corrected average v_k/(1−β^k); the exercise asks for the raw EMA."),
    ("included v0", lambda x, beta: np.concatenate([[0.0], _ema_ref(x, beta)]),
     "you included v₀ = 0 in the output; return v₁..v_K, one average per input value."),
    ("shifted by one", lambda x, beta: np.concatenate([[0.0], _ema_ref(x, beta)[:-1]]),
     "your output is shifted by one: you stored the average *before* adding x_k. Update "
     "first, v = βv + (1−β)x_k, then store v as the k-th output."),
    ("only the last value", lambda x, beta: float(_ema_ref(x, beta)[-1]),
     "you returned only the final average; return the whole sequence v₁..v_K, one per input."),
    ("running mean", lambda x, beta: np.cumsum(np.asarray(x, dtype=float)) / np.arange(1, len(x) + 1),
     "that is the running mean, which weights every value equally; the EMA weights x_i by "
     "(1−β)β^(k−i), so recent values count more."),
    ("hard-coded beta", lambda x, beta: _ema_ref(x, 0.9),
     "you used a fixed β = 0.9 instead of the argument beta."),
)


def grade_ema(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(values, beta) -> averages``, the exponential moving average of a 1-D array.

    .. math:: v_0 = 0,\qquad v_k = \beta v_{k-1} + (1-\beta) x_k,\quad k = 1..K,

    returned as an array :math:`(v_1, \dots, v_K)` of the same length as ``values``
    (no bias correction).

    Reference: Goodfellow et al. (2016), Sec. 8.3.2; Kingma & Ba (2015), Sec. 3.
    """
    return grade(fn, _ema_ref, _ema_cases(), name="grade_ema", diagnoses=_EMA_DIAGNOSES)


# ---------------------------------------------------------------------------
# AdaGrad
# ---------------------------------------------------------------------------

def _adagrad_ref(x, r, g, lr, eps):
    r = r + g * g
    return x - lr * g / (np.sqrt(r) + eps), r


@lru_cache(maxsize=None)
def _adagrad_cases() -> tuple[Case, ...]:
    rng = _rng(4)
    return (
        Case((np.array([1.0, 1.0]), np.zeros(2), np.array([3.0, -0.5]), 0.1, 1e-10),
             label="first step"),
        Case((rng.standard_normal(4), rng.uniform(0.5, 5.0, 4), rng.standard_normal(4), 0.5, 1e-10)),
        Case((rng.standard_normal(3), rng.uniform(0.0, 0.05, 3), 0.1 * rng.standard_normal(3), 0.1, 0.1),
             label="large eps, small gradients"),
        Case((rng.standard_normal(5), rng.uniform(1.0, 100.0, 5), 5.0 * rng.standard_normal(5), 1.0, 1e-8)),
    )


def _adagrad_variant(*, sqrt=True, eps_inside=False, old=False, replace=False, absolute=False,
                     sign=-1.0, fixed_eps=None, plain_g=False):
    def wrong(x, r, g, lr, eps):
        eps = eps if fixed_eps is None else fixed_eps
        inc = np.abs(g) if absolute else (g if plain_g else g * g)
        r_new = inc if replace else r + inc
        r_used = r if old else r_new
        denom = np.sqrt(r_used + eps) if eps_inside else (np.sqrt(r_used) if sqrt else r_used) + eps
        return x + sign * lr * g / denom, r_new
    return wrong


_ADAGRAD_DIAGNOSES = (
    ("no square root", _adagrad_variant(sqrt=False),
     "you divided by the sum of squared gradients; divide by its square root, √r + ε "
     "(the source article makes the same slip)."),
    ("eps inside the root", _adagrad_variant(eps_inside=True),
     "ε belongs outside the square root here: lr·g/(√r + ε)."),
    ("old accumulator", _adagrad_variant(old=True),
     "add g² to the accumulator first, then divide by the root of the *new* sum."),
    ("replaced accumulator", _adagrad_variant(replace=True),
     "you replaced the accumulator with g²; AdaGrad adds to it: r ← r + g⊙g (it never forgets)."),
    ("absolute values", _adagrad_variant(absolute=True),
     "accumulate squared gradients g⊙g, not their absolute values."),
    ("uphill", _adagrad_variant(sign=1.0),
     "you stepped uphill: x − lr·g/(√r + ε), with a minus sign."),
    ("hard-coded eps", _adagrad_variant(fixed_eps=1e-10),
     "you used a fixed ε (such as 10⁻¹⁰ or 10⁻⁸) instead of the argument eps; with small "
     "gradients ε matters (one case has eps = 0.1)."),
    ("accumulated g", _adagrad_variant(plain_g=True),
     "accumulate the *squared* gradients, r ← r + g⊙g, not the gradients themselves."),
)


def grade_adagrad_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, r, g, lr, eps) -> (x_new, r_new)``, one AdaGrad step.

    .. math::
       r \leftarrow r + g\odot g,\qquad x \leftarrow x - \frac{\mathrm{lr}}{\sqrt{r} + \epsilon}\odot g,

    with the *new* accumulator, :math:`\epsilon` outside the root (PyTorch; Goodfellow et
    al.'s Algorithm 8.4 writes :math:`\delta + \sqrt r` too).  Note the square root: the
    source article says the step is divided by the sum of squares — it is divided by its root.

    Reference: Duchi, Hazan & Singer (2011); ``torch.optim.Adagrad``.
    """
    return grade(fn, _adagrad_ref, _adagrad_cases(), name="grade_adagrad_step",
                 output_names=("x", "r"), diagnoses=_ADAGRAD_DIAGNOSES)


# ---------------------------------------------------------------------------
# RMSProp
# ---------------------------------------------------------------------------

def _rmsprop_ref(x, s, g, lr, alpha, eps):
    s = alpha * s + (1.0 - alpha) * g * g
    return x - lr * g / (np.sqrt(s) + eps), s


@lru_cache(maxsize=None)
def _rmsprop_cases() -> tuple[Case, ...]:
    rng = _rng(5)
    return (
        Case((np.array([1.0, -1.0]), np.zeros(2), np.array([2.0, 0.1]), 0.01, 0.99, 1e-8),
             label="first step, PyTorch's default alpha"),
        Case((rng.standard_normal(4), rng.uniform(0.5, 3.0, 4), rng.standard_normal(4), 0.1, 0.9, 1e-8)),
        Case((rng.standard_normal(3), rng.uniform(0.0, 0.01, 3), 0.05 * rng.standard_normal(3),
              0.1, 0.5, 0.1), label="large eps, small gradients"),
        Case((rng.standard_normal(5), rng.uniform(1.0, 10.0, 5), 3.0 * rng.standard_normal(5),
              0.5, 0.7, 1e-6)),
    )


def _rmsprop_variant(*, a=lambda al: al, b=lambda al: 1 - al, eps_inside=False, sqrt=True, old=False,
                     fixed_alpha=None, fixed_eps=None, sign=-1.0, plain_g=False):
    def wrong(x, s, g, lr, alpha, eps):
        alpha = alpha if fixed_alpha is None else fixed_alpha
        eps = eps if fixed_eps is None else fixed_eps
        s_new = a(alpha) * s + b(alpha) * (g if plain_g else g * g)
        s_used = s if old else s_new
        denom = np.sqrt(s_used + eps) if eps_inside else (np.sqrt(s_used) if sqrt else s_used) + eps
        return x + sign * lr * g / denom, s_new
    return wrong


_RMSPROP_DIAGNOSES = (
    ("eps inside the root", _rmsprop_variant(eps_inside=True),
     "you put ε inside the square root, √(s + ε) — TensorFlow's and Goodfellow et al.'s "
     "placement; this exercise follows PyTorch: √s + ε."),
    ("swapped alpha", _rmsprop_variant(a=lambda al: 1 - al, b=lambda al: al),
     "alpha and 1−alpha are swapped: alpha multiplies the old average, 1−alpha the new g²."),
    ("sum, not average", _rmsprop_variant(a=lambda al: 1.0, b=lambda al: 1.0),
     "you accumulated a sum of squares (that is AdaGrad); RMSProp keeps a moving average: "
     "s = αs + (1−α)g²."),
    ("no (1-alpha)", _rmsprop_variant(b=lambda al: 1.0),
     "you forgot the (1−α) factor on g²: s = αs + (1−α)g⊙g."),
    ("no square root", _rmsprop_variant(sqrt=False),
     "divide by the root mean square, √s + ε, not by s itself."),
    ("old average", _rmsprop_variant(old=True),
     "update the average first, then divide by the root of the *new* s."),
    ("alpha hard-coded to 0.9", _rmsprop_variant(fixed_alpha=0.9),
     "you hard-coded α = 0.9, the value of Hinton's lecture; use the argument alpha "
     "(PyTorch's default is 0.99, and the cases use others too)."),
    ("alpha hard-coded to 0.99", _rmsprop_variant(fixed_alpha=0.99),
     "you hard-coded α = 0.99, PyTorch's default; use the argument alpha."),
    ("hard-coded eps", _rmsprop_variant(fixed_eps=1e-8),
     "you used a fixed ε (such as 10⁻⁸) instead of the argument eps; with small gradients "
     "ε matters (one case has eps = 0.1)."),
    ("uphill", _rmsprop_variant(sign=1.0),
     "you stepped uphill: x − lr·g/(√s + ε), with a minus sign."),
    ("averaged g, not g squared", _rmsprop_variant(plain_g=True),
     "average the *squared* gradients, s = αs + (1−α)g⊙g, not the gradients."),
)


def grade_rmsprop_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, s, g, lr, alpha, eps) -> (x_new, s_new)``, one RMSProp step.

    .. math::
       s \leftarrow \alpha s + (1-\alpha)\, g\odot g,\qquad
       x \leftarrow x - \frac{\mathrm{lr}}{\sqrt{s} + \epsilon}\odot g,

    with :math:`\epsilon` outside the root as in ``torch.optim.RMSprop`` (whose ``alpha`` is
    the decay, default 0.99).  TensorFlow and Goodfellow et al.'s Algorithm 8.5 put it
    inside, :math:`\sqrt{\delta + s}`; this grader recognises that and says so.

    Reference: Hinton, Srivastava & Swersky (2012), *Neural Networks for Machine Learning*,
    lecture 6e; ``torch.optim.RMSprop``.
    """
    return grade(fn, _rmsprop_ref, _rmsprop_cases(), name="grade_rmsprop_step",
                 output_names=("x", "s"), diagnoses=_RMSPROP_DIAGNOSES)


# ---------------------------------------------------------------------------
# Adam
# ---------------------------------------------------------------------------

def _adam_ref(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * g * g
    m_hat = m / (1.0 - b1**t)
    v_hat = v / (1.0 - b2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_variant(*, swap=False, correct=True, shift=0, correct_v=True, correct_m=True, sqrt=True,
                  eps_inside=False, return_hat=False, sign=-1.0, old=False, fixed=None,
                  no_power=False, fixed_lr=None, fixed_eps=None):
    def wrong(x, m, v, g, t, lr, b1, b2, eps):
        if fixed is not None:
            b1, b2 = fixed
        lr = lr if fixed_lr is None else fixed_lr
        eps = eps if fixed_eps is None else fixed_eps
        c1, c2 = (b2, b1) if swap else (b1, b2)
        m_new = c1 * m + (1.0 - c1) * g
        v_new = c2 * v + (1.0 - c2) * g * g
        m_use, v_use = (m, v) if old else (m_new, v_new)
        tt = t + shift
        k1, k2 = (1.0 - b1, 1.0 - b2) if no_power else (1.0 - b1**tt, 1.0 - b2**tt)
        m_hat = m_use / k1 if (correct and correct_m) else m_use
        v_hat = v_use / k2 if (correct and correct_v) else v_use
        if eps_inside:
            denom = np.sqrt(v_hat + eps)
        else:
            denom = (np.sqrt(v_hat) if sqrt else v_hat) + eps
        x_new = x + sign * lr * m_hat / denom
        return (x_new, m_hat, v_hat) if return_hat else (x_new, m_new, v_new)
    return wrong


def _adam_efficient_plain_eps(x, m, v, g, t, lr, b1, b2, eps):
    """Kingma & Ba's "efficient" order (Sec. 2) with the ε of the standard form, not ε̂."""
    m = b1 * m + (1.0 - b1) * g
    v = b2 * v + (1.0 - b2) * g * g
    lr_t = lr * np.sqrt(1.0 - b2**t) / (1.0 - b1**t)
    return x - lr_t * m / (np.sqrt(v) + eps), m, v


@lru_cache(maxsize=None)
def _adam_cases() -> tuple[Case, ...]:
    rng = _rng(6)
    n = 4
    return (
        Case((np.array([1.0, -2.0]), np.zeros(2), np.zeros(2), np.array([0.5, -3.0]), 1,
              0.001, 0.9, 0.999, 1e-8), label="first step, default hyper-parameters"),
        Case((rng.standard_normal(n), 0.1 * rng.standard_normal(n), rng.uniform(0.0, 0.01, n),
              rng.standard_normal(n), 2, 0.01, 0.9, 0.999, 1e-8), label="t = 2"),
        Case((rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.1, 1.0, n),
              rng.standard_normal(n), 10, 0.1, 0.8, 0.95, 1e-8), label="t = 10"),
        Case((rng.standard_normal(3), 0.01 * rng.standard_normal(3), rng.uniform(0.0, 1e-4, 3),
              0.01 * rng.standard_normal(3), 5, 0.05, 0.9, 0.99, 1e-3), label="large eps, small gradients"),
        Case((rng.standard_normal(n), rng.standard_normal(n), rng.uniform(0.5, 2.0, n),
              rng.standard_normal(n), 100, 0.001, 0.9, 0.999, 1e-8), label="t = 100"),
    )


_ADAM_DIAGNOSES = (
    ("no bias correction", _adam_variant(correct=False),
     "you skipped the bias correction: divide m by 1−β₁ᵗ and v by 1−β₂ᵗ before the step."),
    ("t - 1", _adam_variant(shift=-1),
     "the bias correction uses t−1 instead of t; t is the number of this step, starting "
     "at 1 (increment the counter before correcting)."),
    ("t + 1", _adam_variant(shift=1),
     "the bias correction uses t+1 instead of t; t is already the number of this step."),
    ("only m corrected", _adam_variant(correct_v=False),
     "you corrected m but not v: both moments start at zero, so both need 1/(1−βᵗ)."),
    ("only v corrected", _adam_variant(correct_m=False),
     "you corrected v but not m: both moments start at zero, so m̂ = m/(1−β₁ᵗ) too — "
     "without it the first steps are (1−β₁) = 10 times too short for β₁ = 0.9."),
    ("efficient form with plain eps", _adam_efficient_plain_eps,
     "you used Kingma & Ba's efficient form, α_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and x − α_t·m/(√v + ε), "
     "with the ε of the standard form. The two forms agree only if the efficient one uses "
     "ε̂ = ε·√(1−β₂ᵗ) (their Sec. 2 says ε is redefined); with ε itself the effective ε is "
     "ε/√(1−β₂ᵗ), larger, which shows when the gradients are small. Use ε̂, or PyTorch's "
     "form m̂/(√v̂ + ε)."),
    ("old moments", _adam_variant(old=True),
     "you stepped with the previous iterate's moments m_{t−1}, v_{t−1}; update m and v "
     "with this g first, then correct and step with the new ones."),
    ("hard-coded betas", _adam_variant(fixed=(0.9, 0.999)),
     "you used the default β₁ = 0.9, β₂ = 0.999 instead of the arguments b1, b2."),
    ("1 - beta without the power", _adam_variant(no_power=True),
     "the bias correction divides by 1−βᵗ (β to the power t, the step number), not by 1−β."),
    ("hard-coded lr", _adam_variant(fixed_lr=1e-3),
     "you used the default learning rate 0.001 instead of the argument lr."),
    ("hard-coded eps", _adam_variant(fixed_eps=1e-8),
     "you used a fixed ε (such as 10⁻⁸, or none) instead of the argument eps; with small "
     "gradients ε matters (one case has eps = 10⁻³)."),
    ("no square root", _adam_variant(sqrt=False),
     "divide by the square root of the second moment, √v̂ + ε, not by v̂."),
    ("swapped betas", _adam_variant(swap=True),
     "β₁ and β₂ are swapped: β₁ (0.9) averages the gradients, β₂ (0.999) their squares."),
    ("returned corrected moments", _adam_variant(return_hat=True),
     "you returned the bias-corrected moments as the new state; keep the raw m and v "
     "(correct only the copies used in the step), or the correction compounds."),
    ("eps inside the root", _adam_variant(eps_inside=True),
     "ε goes outside the square root: m̂/(√v̂ + ε)."),
    ("uphill", _adam_variant(sign=1.0),
     "you stepped uphill: x − lr·m̂/(√v̂ + ε), with a minus sign."),
)


def grade_adam_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(x, m, v, g, t, lr, b1, b2, eps) -> (x_new, m_new, v_new)``, one Adam step.

    ``t`` is the number of *this* step, starting at 1 (Kingma & Ba's Algorithm 1):

    .. math::
       m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
       v \leftarrow \beta_2 v + (1-\beta_2) g\odot g,\quad
       \hat m = \frac{m}{1-\beta_1^t},\quad \hat v = \frac{v}{1-\beta_2^t},\quad
       x \leftarrow x - \mathrm{lr}\,\frac{\hat m}{\sqrt{\hat v} + \epsilon}.

    Return the *raw* moments ``m``, ``v`` as the new state (the bias-corrected ones are only
    used for the step).  Kingma & Ba's "efficient" order (their Sec. 2),
    :math:`\alpha_t = \mathrm{lr}\sqrt{1-\beta_2^t}/(1-\beta_1^t)` and
    :math:`x \leftarrow x - \alpha_t m/(\sqrt v + \hat\epsilon)`, is the same step when
    :math:`\hat\epsilon = \epsilon\sqrt{1-\beta_2^t}`, and passes; with :math:`\epsilon`
    itself it differs where :math:`\epsilon` matters, and the grader says so.

    Reference: Kingma & Ba, "Adam: A Method for Stochastic Optimization" (2015), Algorithm 1;
    ``torch.optim.Adam``.
    """
    return grade(fn, _adam_ref, _adam_cases(), name="grade_adam_step",
                 output_names=("x", "m", "v"), diagnoses=_ADAM_DIAGNOSES)


# ---------------------------------------------------------------------------
# Newton
# ---------------------------------------------------------------------------

def _newton_ref(g, H):
    return -np.linalg.solve(H, g)


@lru_cache(maxsize=None)
def _newton_cases() -> tuple[Case, ...]:
    rng = _rng(7)

    def spd(n):
        a = rng.standard_normal((n, n))
        return a @ a.T + n * np.eye(n)

    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    indefinite = q @ np.diag([2.0, -1.0, 0.5]) @ q.T
    return (
        Case((np.array([1.0, -1.0]), np.array([[2.0, 0.5], [0.5, 1.0]])), label="2 × 2"),
        Case((rng.standard_normal(3), spd(3))),
        Case((rng.standard_normal(3), indefinite), label="an indefinite Hessian (a saddle)"),
        Case((rng.standard_normal(5), spd(5))),
    )


_NEWTON_DIAGNOSES = (
    ("plus sign", lambda g, H: np.linalg.solve(H, g),
     "wrong sign: the Newton step is −H⁻¹g (it solves HΔ = −g)."),
    ("diagonal only", lambda g, H: -g / np.diag(H),
     "you inverted only the diagonal of H; that ignores the off-diagonal curvature. "
     "Solve the full system HΔ = −g."),
    ("multiplied by H", lambda g, H: -H @ g,
     "you multiplied by H; Newton *divides* by the curvature: Δ = −H⁻¹g."),
    ("gradient step", lambda g, H: -g,
     "that is a plain gradient step −g; Newton rescales it by the inverse Hessian."),
    ("elementwise product", lambda g, H: -np.linalg.inv(H) * g,
     "you multiplied elementwise (*), which broadcasts g across the rows of H⁻¹ and returns a "
     "matrix; use the matrix product: −np.linalg.inv(H) @ g, or better −np.linalg.solve(H, g)."),
    ("absolute curvature", lambda g, H: -_abs_inverse(H) @ g,
     "you replaced the eigenvalues of H by their absolute values (the 'saddle-free' Newton "
     "step of Dauphin et al. 2014). That escapes saddles, but it is not Newton's step: "
     "Δ = −H⁻¹g uses H as it is, and at a saddle it points to the saddle."),
    ("damped", lambda g, H: -np.linalg.solve(H + np.eye(len(g)), g),
     "you added the identity to H (a damped, Levenberg–Marquardt step); the pure Newton "
     "step solves HΔ = −g with H itself."),
    ("inverse of the diagonal of the inverse", lambda g, H: -g * np.diag(np.linalg.inv(H)),
     "you used only the diagonal of H⁻¹; the full matrix couples the coordinates: "
     "Δ = −H⁻¹g = −np.linalg.solve(H, g)."),
)


def _abs_inverse(H):
    lam, Q = np.linalg.eigh(H)
    return (Q / np.abs(lam)) @ Q.T


def grade_newton_step(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(g, H) -> delta``, Newton's step :math:`\Delta = -H^{-1} g`.

    ``g`` is the gradient (shape ``(n,)``) and ``H`` the symmetric Hessian (``(n, n)``).
    Solve :math:`H\Delta = -g` (``np.linalg.solve``) rather than forming :math:`H^{-1}`.
    The step minimises the quadratic model :math:`g^\top\Delta + \tfrac12\Delta^\top H\Delta`
    when :math:`H` is positive definite; with an indefinite :math:`H` it points to the
    saddle of the model, which is why one case here is a saddle.

    Reference: Nocedal & Wright (2006), Sec. 2.2 and 3.3; Goodfellow et al. (2016), Sec. 8.6.1.
    """
    return grade(fn, _newton_ref, _newton_cases(), name="grade_newton_step", diagnoses=_NEWTON_DIAGNOSES)
