"""The catalogue of learners' answers: for every grader, typical wrong answers that must be
rejected (the common ones with a targeted hint) and right answers written differently that
must pass.

The answers are written here the way a learner writes them — loops, vectorised code,
PyTorch's code form, the paper's form — independently of the graders' own ``wrong_fn``s, so
a grader that says ✅ to a wrong answer (or ❌ to a right one) fails these tests.

``W(label, fn, diagnosis, words)``: a wrong answer; ``diagnosis`` is the name of the known
mistake the grader must recognise (``None``: it need only be rejected) and ``words`` a
phrase its hint (or, for ``diagnosis=None``, its first message) must contain.
``R(label, fn)``: a right answer.  ``python tests/test_grader_catalogue.py`` prints the
size of the catalogue per grader.
"""
from __future__ import annotations

import cmath
import math
from typing import Any, Callable, NamedTuple

import numpy as np
import pytest

from descent import graders as G
from descent import schedules as S


class W(NamedTuple):
    label: str
    fn: Callable[..., Any]
    diagnosis: str | None = None
    words: str = ""


class R(NamedTuple):
    label: str
    fn: Callable[..., Any]


CATALOGUE: dict[str, tuple[Callable[..., Any], list[W], list[R]]] = {}


def entry(grader, wrong, right):
    CATALOGUE[grader.__name__] = (grader, wrong, right)


MUTATED = "in place"      # the words of the in-place report

# ---------------------------------------------------------------------------
# Gradient descent: fn(x, g, lr) -> x_new
# ---------------------------------------------------------------------------


def gd_in_place(x, g, lr):
    x -= lr * g
    return x


def gd_loop(x, g, lr):
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        out[i] = x[i] - lr * g[i]
    return out


def gd_copy_then_in_place(x, g, lr):
    x_new = x.copy()
    x_new -= lr * g
    return x_new


entry(G.grade_gd_step, [
    W("uphill", lambda x, g, lr: x + lr * g, "uphill", "against"),
    W("no learning rate", lambda x, g, lr: x - g, "no learning rate", "learning rate"),
    W("returned the step", lambda x, g, lr: -lr * g, "returned the step", "new point"),
    W("divided by lr", lambda x, g, lr: x - g / lr, "divided by lr", "multiply"),
    W("hard-coded lr", lambda x, g, lr: x - 0.1 * g, "hard-coded lr", "argument lr"),
    W("x and g swapped", lambda x, g, lr: g - lr * x, "x and g swapped", "swapped"),
    W("normalised gradient", lambda x, g, lr: x - lr * g / np.linalg.norm(g),
      "normalised gradient", "unit length"),
    W("x -= lr * g (in place)", gd_in_place, None, MUTATED),
    W("squared gradient", lambda x, g, lr: x - lr * g * g),
    W("half a step", lambda x, g, lr: x - 0.5 * lr * g),
], [
    R("vectorised", lambda x, g, lr: x - lr * g),
    R("a loop over the entries", gd_loop),
    R("np.subtract", lambda x, g, lr: np.subtract(x, np.multiply(lr, g))),
    R("copy, then in place", gd_copy_then_in_place),
    R("adding the negative step", lambda x, g, lr: x + (-lr) * g),
])

# ---------------------------------------------------------------------------
# Heavy-ball momentum, PyTorch's buffer: fn(x, v, g, lr, momentum) -> (x_new, v_new)
# ---------------------------------------------------------------------------


def momentum_in_place(x, v, g, lr, momentum):
    v *= momentum
    v += g
    return x - lr * v, v


def momentum_velocity(x, v, g, lr, momentum):
    """Goodfellow's velocity u = −lr·v, converted back to PyTorch's buffer."""
    u = -lr * v
    u = momentum * u - lr * g
    return x + u, -u / lr


def momentum_loop(x, v, g, lr, momentum):
    x_new, v_new = np.empty_like(x), np.empty_like(v)
    for i in range(len(x)):
        v_new[i] = momentum * v[i] + g[i]
        x_new[i] = x[i] - lr * v_new[i]
    return x_new, v_new


def momentum_torch_code(x, v, g, lr, momentum):
    buf = v.copy()
    buf = buf * momentum + g          # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
    x = x.copy()
    x += -lr * buf                    # param.add_(buf, alpha=-lr)
    return x, buf


entry(G.grade_momentum_step, [
    W("EMA form", lambda x, v, g, lr, mu: (x - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
      "ema form", "(1−μ)"),
    W("Goodfellow's velocity", lambda x, v, g, lr, mu: (x + mu * v - lr * g, mu * v - lr * g),
      "goodfellow form", "Goodfellow"),
    W("stepped with the old buffer", lambda x, v, g, lr, mu: (x - lr * v, mu * v + g),
      "old buffer", "old buffer"),
    W("uphill", lambda x, v, g, lr, mu: (x + lr * (mu * v + g), mu * v + g), "uphill", "minus"),
    W("no memory", lambda x, v, g, lr, mu: (x - lr * g, g), "no memory", "previous buffer"),
    W("μ on the gradient", lambda x, v, g, lr, mu: (x - lr * (v + mu * g), v + mu * g),
      "momentum on the gradient", "old buffer"),
    W("momentum hard-coded to 0.9", lambda x, v, g, lr, mu: (x - lr * (0.9 * v + g), 0.9 * v + g),
      "hard-coded momentum", "fixed momentum"),
    W("Nesterov instead", lambda x, v, g, lr, mu: (x - lr * (g + mu * (mu * v + g)), mu * v + g),
      "nesterov", "Nesterov"),
    W("lr inside the buffer", lambda x, v, g, lr, mu: (x - (mu * v + lr * g), mu * v + lr * g),
      "lr inside the buffer", "folded"),
    W("buffer updated in place", momentum_in_place, None, MUTATED),
    W("returned only x", lambda x, v, g, lr, mu: x - lr * (mu * v + g), None, "tuple of 2"),
], [
    R("PyTorch's buffer", lambda x, v, g, lr, mu: (x - lr * (mu * v + g), mu * v + g)),
    R("Goodfellow's velocity, converted", momentum_velocity),
    R("a loop", momentum_loop),
    R("PyTorch's code, on copies", momentum_torch_code),
])

# ---------------------------------------------------------------------------
# Exponential moving average: fn(values, beta) -> averages
# ---------------------------------------------------------------------------


def _ema(values, beta):
    out, v = [], 0.0
    for x in values:
        v = beta * v + (1 - beta) * x
        out.append(v)
    return np.array(out)


def ema_no_one_minus(values, beta):
    out, v = [], 0.0
    for x in values:
        v = beta * v + x
        out.append(v)
    return np.array(out)


def ema_pandas_adjust_false(values, beta):
    out, v = [], values[0]
    for x in values:
        v = beta * v + (1 - beta) * x
        out.append(v)
    return np.array(out)


def ema_pandas_adjust_true(values, beta):
    """pandas' default ewm(adjust=True): a normalised weighted average."""
    out = []
    for k in range(len(values)):
        w = beta ** np.arange(k, -1, -1)
        out.append(np.sum(w * values[:k + 1]) / np.sum(w))
    return np.array(out)


def ema_stored_before(values, beta):
    out, v = [], 0.0
    for x in values:
        out.append(v)
        v = beta * v + (1 - beta) * x
    return np.array(out)


def ema_overwrites(values, beta):
    v = 0.0
    for k in range(len(values)):
        v = beta * v + (1 - beta) * values[k]
        values[k] = v
    return values


def ema_matrix(values, beta):
    k = np.arange(len(values))
    weights = np.tril((1 - beta) * beta ** (k[:, None] - k[None, :]).clip(min=0))
    return weights @ np.asarray(values, dtype=float)


def ema_preallocated(values, beta):
    out = np.zeros(len(values))
    for k in range(len(values)):
        out[k] = beta * (out[k - 1] if k else 0.0) + (1 - beta) * values[k]
    return out


def ema_cumsum(values, beta):
    """v_k = (1−β) β^k Σ_{i≤k} β^(−i) x_i, vectorised (fine for the short sequences here)."""
    k = np.arange(1, len(values) + 1)
    return (1 - beta) * beta**k * np.cumsum(beta ** -k * np.asarray(values, dtype=float))


entry(G.grade_ema, [
    W("no (1−β)", ema_no_one_minus, "no (1-beta)", "(1−β)"),
    W("β and 1−β swapped", lambda xs, b: _ema(xs, 1 - b), "swapped beta", "swapped"),
    W("started at the first value (pandas adjust=False)", ema_pandas_adjust_false,
      "started at the first value", "v₀ = 0"),
    W("bias-corrected (pandas adjust=True)", ema_pandas_adjust_true, "bias corrected", "raw EMA"),
    W("included v₀", lambda xs, b: np.concatenate([[0.0], _ema(xs, b)]), "included v0", "v₀"),
    W("stored before the update", ema_stored_before, "shifted by one", "shifted by one"),
    W("only the last value", lambda xs, b: _ema(xs, b)[-1], "only the last value", "whole sequence"),
    W("running mean", lambda xs, b: np.cumsum(xs) / np.arange(1, len(xs) + 1), "running mean",
      "equally"),
    W("β hard-coded to 0.9", lambda xs, b: _ema(xs, 0.9), "hard-coded beta", "fixed β"),
    W("overwrites the input", ema_overwrites, None, MUTATED),
    W("β to the k", lambda xs, b: np.asarray(xs) * b ** np.arange(1, len(xs) + 1)),
], [
    R("a loop into a list", _ema),
    R("a preallocated array", ema_preallocated),
    R("a lower-triangular weight matrix", ema_matrix),
    R("cumulative sums with powers of β", ema_cumsum),
])

# ---------------------------------------------------------------------------
# AdaGrad: fn(x, r, g, lr, eps) -> (x_new, r_new)
# ---------------------------------------------------------------------------


def adagrad_in_place(x, r, g, lr, eps):
    r += g * g
    return x - lr * g / (np.sqrt(r) + eps), r


def adagrad_loop(x, r, g, lr, eps):
    x_new, r_new = x.copy(), r.copy()
    for i in range(len(x)):
        r_new[i] += g[i] ** 2
        x_new[i] -= lr * g[i] / (math.sqrt(r_new[i]) + eps)
    return x_new, r_new


def adagrad_torch_code(x, r, g, lr, eps):
    state_sum = r + g * g                    # state_sum.addcmul_(grad, grad, value=1)
    std = np.sqrt(state_sum) + eps           # std = state_sum.sqrt().add_(eps)
    return x - lr * (g / std), state_sum     # param.addcdiv_(grad, std, value=-clr)


entry(G.grade_adagrad_step, [
    W("no square root (the article's slip)", lambda x, r, g, lr, eps: (x - lr * g / (r + g * g + eps), r + g * g),
      "no square root", "square root"),
    W("ε inside the root", lambda x, r, g, lr, eps: (x - lr * g / np.sqrt(r + g * g + eps), r + g * g),
      "eps inside the root", "outside"),
    W("divided by the old accumulator", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r) + eps), r + g * g),
      "old accumulator", "new"),
    W("replaced the accumulator", lambda x, r, g, lr, eps: (x - lr * g / (np.abs(g) + eps), g * g),
      "replaced accumulator", "never forgets"),
    W("accumulated |g|", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r + abs(g)) + eps), r + abs(g)),
      "absolute values", "absolute"),
    W("uphill", lambda x, r, g, lr, eps: (x + lr * g / (np.sqrt(r + g * g) + eps), r + g * g),
      "uphill", "minus"),
    W("ε hard-coded to 1e-10", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r + g * g) + 1e-10), r + g * g),
      "hard-coded eps", "argument eps"),
    W("ε hard-coded to 1e-8", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r + g * g) + 1e-8), r + g * g),
      "hard-coded eps", "argument eps"),
    W("accumulated g", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r + g) + eps), r + g),
      "accumulated g", "squared"),
    W("accumulator updated in place", adagrad_in_place, None, MUTATED),
    W("returned the old accumulator", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r + g * g) + eps), r),
      None, "(x is right)"),
], [
    R("the formula", lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r + g**2) + eps), r + g**2)),
    R("a loop", adagrad_loop),
    R("PyTorch's code form", adagrad_torch_code),
    R("lr/(√r + ε) as a per-coordinate rate",
      lambda x, r, g, lr, eps: (x - (lr / (np.sqrt(r + g * g) + eps)) * g, r + g * g)),
])

# ---------------------------------------------------------------------------
# RMSProp: fn(x, s, g, lr, alpha, eps) -> (x_new, s_new)
# ---------------------------------------------------------------------------


def _rms(alpha_fn=lambda a: a, eps_in=False, sq=True, fixed=None, eps_fixed=None):
    def fn(x, s, g, lr, alpha, eps):
        a = fixed if fixed is not None else alpha
        e = eps if eps_fixed is None else eps_fixed
        s = a * s + (1 - a) * g**2
        d = np.sqrt(s + e) if eps_in else (np.sqrt(s) if sq else s) + e
        return x - lr * g / d, s
    return fn


def rmsprop_torch_code(x, s, g, lr, alpha, eps):
    square_avg = s * alpha + (1 - alpha) * g * g   # square_avg.mul_(alpha).addcmul_(grad, grad, value=1-alpha)
    avg = np.sqrt(square_avg) + eps                # avg = square_avg.sqrt().add_(eps)
    return x - lr * g / avg, square_avg            # param.addcdiv_(grad, avg, value=-lr)


def rmsprop_lerp(x, s, g, lr, alpha, eps):
    s = s + (1 - alpha) * (g * g - s)              # move a fraction 1 − α towards g²
    return x - lr * g / (np.sqrt(s) + eps), s


def rmsprop_loop(x, s, g, lr, alpha, eps):
    x, s = x.copy(), s.copy()
    for i in range(len(x)):
        s[i] = alpha * s[i] + (1 - alpha) * g[i] * g[i]
        x[i] = x[i] - lr * g[i] / (math.sqrt(s[i]) + eps)
    return x, s


def rmsprop_in_place(x, s, g, lr, alpha, eps):
    s *= alpha
    s += (1 - alpha) * g * g
    return x - lr * g / (np.sqrt(s) + eps), s


entry(G.grade_rmsprop_step, [
    W("ε inside the root (TensorFlow's)", _rms(eps_in=True), "eps inside the root", "PyTorch"),
    W("α and 1−α swapped", lambda x, s, g, lr, a, eps: _rms()(x, s, g, lr, 1 - a, eps),
      "swapped alpha", "swapped"),
    W("a sum (AdaGrad)", lambda x, s, g, lr, a, eps: (x - lr * g / (np.sqrt(s + g * g) + eps), s + g * g),
      "sum, not average", "AdaGrad"),
    W("no (1−α)", lambda x, s, g, lr, a, eps: (x - lr * g / (np.sqrt(a * s + g * g) + eps), a * s + g * g),
      "no (1-alpha)", "(1−α)"),
    W("no square root", _rms(sq=False), "no square root", "root mean square"),
    W("old average", lambda x, s, g, lr, a, eps: (x - lr * g / (np.sqrt(s) + eps), a * s + (1 - a) * g * g),
      "old average", "new"),
    W("α hard-coded to Hinton's 0.9", _rms(fixed=0.9), "alpha hard-coded to 0.9", "Hinton"),
    W("α hard-coded to PyTorch's 0.99", _rms(fixed=0.99), "alpha hard-coded to 0.99", "PyTorch's default"),
    W("ε hard-coded", _rms(eps_fixed=1e-8), "hard-coded eps", "argument eps"),
    W("uphill", lambda x, s, g, lr, a, eps: (2 * x - _rms()(x, s, g, lr, a, eps)[0], _rms()(x, s, g, lr, a, eps)[1]),
      "uphill", "minus"),
    W("averaged g", lambda x, s, g, lr, a, eps: (x - lr * g / (np.sqrt(a * s + (1 - a) * g) + eps), a * s + (1 - a) * g),
      "averaged g, not g squared", "squared"),
    W("average updated in place", rmsprop_in_place, None, MUTATED),
], [
    R("the formula", _rms()),
    R("PyTorch's code form", rmsprop_torch_code),
    R("the lerp form", rmsprop_lerp),
    R("a loop", rmsprop_loop),
])

# ---------------------------------------------------------------------------
# Adam: fn(x, m, v, g, t, lr, b1, b2, eps) -> (x_new, m_new, v_new)
# ---------------------------------------------------------------------------


def adam_ok(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam(*, cm=True, cv=True, shift=0, sq=True, eps_in=False, hats=False, swap=False,
          sign=-1, old=False, betas=None, power=True):
    def fn(x, m, v, g, t, lr, b1, b2, eps):
        if betas:
            b1, b2 = betas
        a1, a2 = (b2, b1) if swap else (b1, b2)
        m_new = a1 * m + (1 - a1) * g
        v_new = a2 * v + (1 - a2) * g * g
        mm, vv = (m, v) if old else (m_new, v_new)
        tt = t + shift
        k1, k2 = (1 - b1**tt, 1 - b2**tt) if power else (1 - b1, 1 - b2)
        m_hat = mm / k1 if cm else mm
        v_hat = vv / k2 if cv else vv
        d = np.sqrt(v_hat + eps) if eps_in else (np.sqrt(v_hat) if sq else v_hat) + eps
        x = x + sign * lr * m_hat / d
        return (x, m_hat, v_hat) if hats else (x, m_new, v_new)
    return fn


def adam_kingma_ba_efficient(x, m, v, g, t, lr, b1, b2, eps):
    """Kingma & Ba, Sec. 2: α_t = α√(1−β₂ᵗ)/(1−β₁ᵗ), θ ← θ − α_t m/(√v + ε̂), ε̂ = ε√(1−β₂ᵗ)."""
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    alpha_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    eps_hat = eps * math.sqrt(1 - b2**t)
    return x - alpha_t * m / (np.sqrt(v) + eps_hat), m, v


def adam_efficient_plain_eps(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    alpha_t = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
    return x - alpha_t * m / (np.sqrt(v) + eps), m, v


def adam_torch_code(x, m, v, g, t, lr, b1, b2, eps):
    exp_avg = m + (g - m) * (1 - b1)                      # exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq = v * b2 + (1 - b2) * g * g                # exp_avg_sq.mul_(beta2).addcmul_(...)
    bias_correction1 = 1 - b1**t
    bias_correction2 = 1 - b2**t
    step_size = lr / bias_correction1
    denom = np.sqrt(exp_avg_sq) / math.sqrt(bias_correction2) + eps
    return x - step_size * exp_avg / denom, exp_avg, exp_avg_sq


def adam_loop(x, m, v, g, t, lr, b1, b2, eps):
    x, m, v = x.copy(), m.copy(), v.copy()
    for i in range(len(x)):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
        x[i] -= lr * (m[i] / (1 - b1**t)) / (math.sqrt(v[i] / (1 - b2**t)) + eps)
    return x, m, v


def adam_in_place(x, m, v, g, t, lr, b1, b2, eps):
    m *= b1
    m += (1 - b1) * g
    v *= b2
    v += (1 - b2) * g * g
    return x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


entry(G.grade_adam_step, [
    W("no bias correction", _adam(cm=False, cv=False), "no bias correction", "bias correction"),
    W("t − 1 in the correction (counter incremented late)", _adam(shift=-1), "t - 1", "t−1"),
    W("t + 1 in the correction", _adam(shift=1), "t + 1", "t+1"),
    W("corrected only m", _adam(cv=False), "only m corrected", "not v"),
    W("corrected only v", _adam(cm=False), "only v corrected", "but not m"),
    W("Kingma & Ba's efficient form with plain ε", adam_efficient_plain_eps,
      "efficient form with plain eps", "ε̂ = ε·√(1−β₂ᵗ)"),
    W("no square root", _adam(sq=False), "no square root", "square root"),
    W("β₁ and β₂ swapped", _adam(swap=True), "swapped betas", "swapped"),
    W("returned the corrected moments", _adam(hats=True), "returned corrected moments", "raw"),
    W("ε inside the root", _adam(eps_in=True), "eps inside the root", "outside"),
    W("uphill", _adam(sign=1), "uphill", "minus"),
    W("stepped with the previous iterate's moments", _adam(old=True), "old moments", "previous iterate"),
    W("hard-coded default betas", _adam(betas=(0.9, 0.999)), "hard-coded betas", "b1, b2"),
    W("1 − β without the power", _adam(power=False), "1 - beta without the power", "power t"),
    W("lr hard-coded to 0.001", lambda x, m, v, g, t, lr, b1, b2, eps: adam_ok(x, m, v, g, t, 1e-3, b1, b2, eps),
      "hard-coded lr", "argument lr"),
    W("no ε at all", lambda x, m, v, g, t, lr, b1, b2, eps: adam_ok(x, m, v, g, t, lr, b1, b2, 0.0),
      "hard-coded eps", "argument eps"),
    W("moments updated in place", adam_in_place, None, MUTATED),
], [
    R("Algorithm 1 of Kingma & Ba", adam_ok),
    R("Kingma & Ba's efficient form with α_t and ε̂", adam_kingma_ba_efficient),
    R("PyTorch's code form", adam_torch_code),
    R("a loop", adam_loop),
])

# ---------------------------------------------------------------------------
# Newton: fn(g, H) -> delta
# ---------------------------------------------------------------------------


def newton_eigh(g, H):
    lam, Q = np.linalg.eigh(H)
    return -Q @ ((Q.T @ g) / lam)


def newton_saddle_free(g, H):
    lam, Q = np.linalg.eigh(H)
    return -Q @ ((Q.T @ g) / np.abs(lam))


entry(G.grade_newton_step, [
    W("plus sign", lambda g, H: np.linalg.solve(H, g), "plus sign", "sign"),
    W("diagonal only", lambda g, H: -g / np.diag(H), "diagonal only", "diagonal"),
    W("multiplied by H", lambda g, H: -H @ g, "multiplied by H", "divides"),
    W("g @ H (still a product)", lambda g, H: -(g @ H), "multiplied by H", "divides"),
    W("a gradient step", lambda g, H: -g, "gradient step", "gradient step"),
    W("elementwise product", lambda g, H: -np.linalg.inv(H) * g, "elementwise product", "@"),
    W("absolute eigenvalues (saddle-free)", newton_saddle_free, "absolute curvature", "saddle"),
    W("damped with the identity", lambda g, H: -np.linalg.solve(H + np.eye(len(g)), g), "damped",
      "Levenberg"),
    W("diagonal of the inverse", lambda g, H: -np.diag(np.linalg.inv(H)) * g,
      "inverse of the diagonal of the inverse", "diagonal of H⁻¹"),
    W("divided by the trace", lambda g, H: -g / np.trace(H)),
], [
    R("np.linalg.solve", lambda g, H: -np.linalg.solve(H, g)),
    R("the explicit inverse", lambda g, H: -np.linalg.inv(H) @ g),
    R("g times the inverse (H is symmetric)", lambda g, H: -(g @ np.linalg.inv(H))),
    R("least squares", lambda g, H: -np.linalg.lstsq(H, g, rcond=None)[0]),
    R("the eigen-decomposition", newton_eigh),
    R("the pseudo-inverse", lambda g, H: -np.linalg.pinv(H) @ g),
])

# ---------------------------------------------------------------------------
# Parameter counts: fn(n_in, n_out) -> int and fn(sizes) -> int
# ---------------------------------------------------------------------------


def dense_loop(n_in, n_out):
    count = 0
    for _ in range(n_out):
        count += n_in + 1            # the weights into one unit, and its bias
    return count


def mlp_loop(sizes):
    total = 0
    for l in range(1, len(sizes)):
        total += sizes[l - 1] * sizes[l] + sizes[l]
    return total


def mlp_recursive(sizes):
    return 0 if len(sizes) < 2 else (sizes[0] + 1) * sizes[1] + mlp_recursive(sizes[1:])


def mlp_off_by_one(sizes):
    total = 0
    for l in range(1, len(sizes) - 1):
        total += sizes[l - 1] * sizes[l] + sizes[l]
    return total


entry(G.grade_dense_param_count, [
    W("forgot the bias", lambda n_in, n_out: n_in * n_out, "forgot the bias", "biases"),
    W("a bias per input", lambda n_in, n_out: n_in * n_out + n_in, "bias per input", "output"),
    W("(n_in + 1)(n_out + 1)", lambda n_in, n_out: (n_in + 1) * (n_out + 1), "bias on both sides",
      "non-existent"),
    W("added", lambda n_in, n_out: n_in + n_out, "added instead of multiplied", "every input"),
    W("one bias for the layer", lambda n_in, n_out: n_in * n_out + 1, "one bias for the layer", "n_out"),
    W("biases counted twice", lambda n_in, n_out: n_in * n_out + 2 * n_out, "biases counted twice",
      "twice"),
    W("n_in squared", lambda n_in, n_out: n_in * n_in + n_out),
    W("a float", lambda n_in, n_out: float(n_in * n_out) * 1.0001),
], [
    R("n_in·n_out + n_out", lambda n_in, n_out: n_in * n_out + n_out),
    R("(n_in + 1)·n_out", lambda n_in, n_out: (n_in + 1) * n_out),
    R("a loop over the units", dense_loop),
    R("the sizes of W and b", lambda n_in, n_out: math.prod((n_out, n_in)) + math.prod((n_out,))),
])

entry(G.grade_mlp_param_count, [
    W("forgot the biases", lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])), "forgot the biases",
      "biases"),
    W("a bias for the input layer", lambda s: mlp_loop(s) + s[0], "bias for the input", "input layer"),
    W("first layer only", lambda s: s[0] * s[1] + s[1], "first layer only", "every layer"),
    W("off-by-one: dropped the last layer", mlp_off_by_one, "dropped the last layer", "off-by-one"),
    W("no bias on the output layer", lambda s: mlp_loop(s) - s[-1], "no bias on the output layer",
      "output layer"),
    W("product of the widths", lambda s: math.prod(s), "product of the widths", "multiplied"),
    W("a bias per input unit", lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:])),
      "bias per input unit", "per *output*"),
    W("sum of the widths", lambda s: sum(s)),
    W("squares of the widths", lambda s: sum(a * a + a for a in s[1:])),
], [
    R("zip of consecutive widths", lambda s: sum(a * b + b for a, b in zip(s[:-1], s[1:]))),
    R("a loop over layers", mlp_loop),
    R("recursion", mlp_recursive),
    R("NumPy dot products", lambda s: int(np.dot(s[:-1], s[1:]) + np.sum(s[1:]))),
])

# ---------------------------------------------------------------------------
# Clipping by global norm: fn(grads, max_norm) -> clipped
# ---------------------------------------------------------------------------


def _norm(grads):
    return math.sqrt(sum(float(np.sum(g * g)) for g in grads))


def _clip_with(threshold=lambda c: c, target=lambda c: c):
    def fn(grads, max_norm):
        total = _norm(grads)
        if total > threshold(max_norm):
            return [g * (target(max_norm) / total) for g in grads]
        return [g.copy() for g in grads]
    return fn


def clip_in_place(grads, max_norm):
    coef = min(1.0, max_norm / (_norm(grads) + 1e-6))
    for g in grads:
        g *= coef
    return grads


def clip_concatenate(grads, max_norm):
    total = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g * coef for g in grads]


def clip_norm_of_norms(grads, max_norm):
    total = np.linalg.norm([np.linalg.norm(g) for g in grads])
    return [g * min(1.0, max_norm / (total + 1e-6)) for g in grads]


def clip_torch_like(grads, max_norm):
    total = np.linalg.norm(np.stack([np.linalg.norm(g.ravel()) for g in grads]))
    clip_coef = max_norm / (total + 1e-6)
    clip_coef_clamped = np.clip(clip_coef, None, 1.0)   # torch.clamp(clip_coef, max=1.0)
    return [g * clip_coef_clamped for g in grads]


entry(G.grade_clip_by_global_norm, [
    W("one norm per array", lambda gs, c: [g * min(1, c / (np.linalg.norm(g) + 1e-6)) for g in gs],
      "per-array norm", "ONE norm"),
    W("always rescaled", lambda gs, c: [g * (c / (_norm(gs) + 1e-6)) for g in gs], "always rescaled",
      "only ever"),
    W("clipped by value", lambda gs, c: [np.clip(g, -c, c) for g in gs], "clipped by value", "by value"),
    W("squared norm", lambda gs, c: [g * min(1, c / (_norm(gs) ** 2 + 1e-6)) for g in gs],
      "squared norm", "square root"),
    W("L1 norm", lambda gs, c: [g * min(1, c / (sum(np.abs(h).sum() for h in gs) + 1e-6)) for g in gs],
      "L1 norm", "L1"),
    W("returned the norm, like clip_grad_norm_", lambda gs, c: _norm(gs), "returned the norm",
      "clip_grad_norm_ returns"),
    W("threshold at 2·max_norm", _clip_with(threshold=lambda c: 2 * c), "threshold 2c", "2·max_norm"),
    W("threshold hard-coded to 1", _clip_with(threshold=lambda c: 1.0), "threshold hard-coded to 1",
      "compared the norm with 1"),
    W("target hard-coded to 1", _clip_with(threshold=lambda c: 1.0, target=lambda c: 1.0),
      "max_norm ignored", "length 1"),
    W("norm of the first array", lambda gs, c: [g * min(1, c / (np.linalg.norm(gs[0]) + 1e-6)) for g in gs],
      "first array only", "first array"),
    W("inverted ratio", lambda gs, c: [g * min(1, _norm(gs) / c) for g in gs], "inverted ratio",
      "not ‖g‖/max_norm"),
    W("clipped in place (torch's habit)", clip_in_place, None, MUTATED),
], [
    R("min(1, c/‖g‖)", lambda gs, c: [g * min(1.0, c / (_norm(gs) + 1e-6)) for g in gs]),
    R("an if, without PyTorch's 1e-6", _clip_with()),
    R("one concatenated vector", clip_concatenate),
    R("the norm of the per-array norms", clip_norm_of_norms),
    R("PyTorch's code form", clip_torch_like),
])

# ---------------------------------------------------------------------------
# Step-size bounds of gradient descent: fn(A) -> (alpha_max, alpha_opt, rate)
# ---------------------------------------------------------------------------


def _from(lo, hi):
    return 2 / hi, 2 / (lo + hi), (hi - lo) / (hi + lo)


def bounds_eig_unsorted(A):
    lam = np.linalg.eig(A)[0]
    return _from(lam[0], lam[-1])


def bounds_eig_min_max(A):
    lam = np.linalg.eig(A)[0].real
    return _from(lam.min(), lam.max())


def bounds_svd(A):
    s = np.linalg.svd(A, compute_uv=False)       # descending; equal to the eigenvalues for SPD A
    return _from(s[-1], s[0])


def bounds_kappa(A):
    lam = np.sort(np.linalg.eigvals(A).real)
    kappa = lam[-1] / lam[0]
    return 2 / lam[-1], 2 / (lam[0] + lam[-1]), (kappa - 1) / (kappa + 1)


def bounds_eigh(A):
    lam, _ = np.linalg.eigh(A)
    alpha = 2 / (lam[0] + lam[-1])
    return 2 / lam[-1], alpha, max(abs(1 - alpha * lam[0]), abs(1 - alpha * lam[-1]))


entry(G.grade_gd_step_bounds, [
    W("1/λ_max as the bound", lambda A: (lambda lo, hi: (1 / hi, 2 / (lo + hi), (hi - lo) / (hi + lo)))(
        *np.linalg.eigvalsh(A)[[0, -1]]), "1/lambda_max", "2/λ_max"),
    W("the diagonal as eigenvalues", lambda A: _from(np.diag(A).min(), np.diag(A).max()),
      "diagonal instead of eigenvalues", "diagonal entries"),
    W("λ_min for the bound", lambda A: (lambda lo, hi: (2 / lo, 2 / (lo + hi), (hi - lo) / (hi + lo)))(
        *np.linalg.eigvalsh(A)[[0, -1]]), "lambda_min for the bound", "largest"),
    W("the inverse rate", lambda A: (lambda lo, hi: (2 / hi, 2 / (lo + hi), (hi + lo) / (hi - lo)))(
        *np.linalg.eigvalsh(A)[[0, -1]]), "inverse rate", "reciprocal"),
    W("rate 1 − 1/κ", lambda A: (lambda lo, hi: (2 / hi, 2 / (lo + hi), 1 - lo / hi))(
        *np.linalg.eigvalsh(A)[[0, -1]]), "rate 1 - 1/kappa", "1 − 1/κ"),
    W("best step 1/λ_max", lambda A: (lambda lo, hi: (2 / hi, 1 / hi, (hi - lo) / (hi + lo)))(
        *np.linalg.eigvalsh(A)[[0, -1]]), "best step 1/lambda_max", "balances"),
    W("unsorted np.linalg.eig", bounds_eig_unsorted, "unsorted np.linalg.eig", "no particular order"),
    W("eigvalsh taken as descending", lambda A: _from(np.linalg.eigvalsh(A)[-1], np.linalg.eigvalsh(A)[0]),
      "assumed descending order", "ascending"),
    W("the momentum rate (√κ)", lambda A: (lambda lo, hi: (2 / hi, 2 / (lo + hi),
                                                          (math.sqrt(hi / lo) - 1) / (math.sqrt(hi / lo) + 1)))(
        *np.linalg.eigvalsh(A)[[0, -1]]), "the momentum rate", "heavy ball"),
    W("np.linalg.norm(A) for λ_max", lambda A: _from(np.linalg.eigvalsh(A)[0], np.linalg.norm(A)),
      "Frobenius norm for lambda_max", "Frobenius"),
    W("forgot the 2 in α*", lambda A: (lambda lo, hi: (2 / hi, 1 / (lo + hi), (hi - lo) / (hi + lo)))(
        *np.linalg.eigvalsh(A)[[0, -1]])),
], [
    R("eigvalsh", lambda A: _from(*np.linalg.eigvalsh(A)[[0, -1]])),
    R("eig with min and max", bounds_eig_min_max),
    R("singular values", bounds_svd),
    R("sorted eigvals and κ", bounds_kappa),
    R("eigh, the rate as the worst factor", bounds_eigh),
])

# ---------------------------------------------------------------------------
# Number of updates: fn(n_samples, batch_size, epochs) -> int
# ---------------------------------------------------------------------------


def updates_loop(n, b, e):
    count = 0
    for _ in range(e):
        for _start in range(0, n, b):
            count += 1
    return count


def updates_divmod(n, b, e):
    full, rest = divmod(n, b)
    return e * (full + (1 if rest else 0))


entry(G.grade_update_count, [
    W("dropped the last batch", lambda n, b, e: e * (n // b), "dropped the last batch", "ceil(N/B)"),
    W("true division", lambda n, b, e: e * n / b, "true division", "round *up*"),
    W("one epoch only", lambda n, b, e: math.ceil(n / b), "one epoch only", "epochs"),
    W("counted samples", lambda n, b, e: e * n, "counted samples", "samples"),
    W("N times B", lambda n, b, e: e * n * b, "multiplied by B", "divided by B"),
    W("n // b + 1", lambda n, b, e: e * (n // b + 1), "n//b + 1", "10,001"),
    W("round(N/B)", lambda n, b, e: e * round(n / b) or e, "rounded to nearest", "half full"),
    W("one ceil over all epochs", lambda n, b, e: math.ceil(e * n / b), "rounded once over all epochs",
      "own last"),
    W("e * n // b", lambda n, b, e: e * n // b, "floor over all epochs", "(epochs·N)//B"),
    W("int(N/B) + 1", lambda n, b, e: e * (int(n / b) + 1), "n//b + 1", "divides"),
], [
    R("negated floor division", lambda n, b, e: e * -(-n // b)),
    R("math.ceil", lambda n, b, e: e * math.ceil(n / b)),
    R("(N + B − 1)//B", lambda n, b, e: e * ((n + b - 1) // b)),
    R("counting the batches of a loop", updates_loop),
    R("divmod", updates_divmod),
])

# ---------------------------------------------------------------------------
# Mini-batch gradient of least squares: fn(theta, X, y, idx) -> gradient
# ---------------------------------------------------------------------------


def lsq_loop(theta, X, y, idx):
    grad = np.zeros_like(theta)
    for i in idx:
        grad += X[i] * (X[i] @ theta - y[i])
    return grad / len(idx)


entry(G.grade_minibatch_gradient, [
    W("sum, not mean", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]), "sum instead of mean", "mean"),
    W("divided by N", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / len(y), "divided by N",
      "whole data set"),
    W("ignored the batch", lambda t, X, y, idx: X.T @ (X @ t - y) / len(y), "ignored the batch",
      "full-batch"),
    W("wrong sign", lambda t, X, y, idx: X[idx].T @ (y[idx] - X[idx] @ t) / len(idx), "wrong sign",
      "flipped"),
    W("lost the ½", lambda t, X, y, idx: 2 * X[idx].T @ (X[idx] @ t - y[idx]) / len(idx),
      "lost the one half", "twice"),
    W("forgot the x", lambda t, X, y, idx: np.mean(X[idx] @ t - y[idx]) * np.ones_like(t), "forgot the x",
      "chain rule"),
    W("the first B rows", lambda t, X, y, idx: X[:len(idx)].T @ (X[:len(idx)] @ t - y[:len(idx)]) / len(idx),
      "first B rows", "X[idx]"),
    W("forgot y", lambda t, X, y, idx: X[idx].T @ X[idx] @ t / len(idx), "forgot y", "targets"),
    W("divided by B − 1", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / (len(idx) - 1),
      "divided by B - 1", "B − 1"),
    W("mean over the features", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / X.shape[1]),
], [
    R("X_Bᵀ r / B", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / len(idx)),
    R("a loop over the batch", lsq_loop),
    R("einsum", lambda t, X, y, idx: np.einsum("bi,b->i", X[idx], X[idx] @ t - y[idx]) / len(idx)),
    R("a mean of rows", lambda t, X, y, idx: np.mean(X[idx] * (X[idx] @ t - y[idx])[:, None], axis=0)),
    R("normal-equation form", lambda t, X, y, idx: (X[idx].T @ X[idx] @ t - X[idx].T @ y[idx]) / len(idx)),
])

# ---------------------------------------------------------------------------
# Curvature along a direction: fn(H, u) -> float
# ---------------------------------------------------------------------------


def curvature_weights(H, u):
    lam, Q = np.linalg.eigh(H)
    w = (Q.T @ (u / np.linalg.norm(u))) ** 2
    return float(lam @ w)


def curvature_loops(H, u):
    num = sum(u[i] * H[i, j] * u[j] for i in range(len(u)) for j in range(len(u)))
    return num / sum(ui * ui for ui in u)


entry(G.grade_directional_curvature, [
    W("not normalised", lambda H, u: float(u @ H @ u), "not normalised", "uᵀu"),
    W("divided by ‖u‖", lambda H, u: u @ H @ u / np.linalg.norm(u), "divided by the norm", "‖u‖²"),
    W("mean of the eigenvalues", lambda H, u: float(np.mean(np.linalg.eigvalsh(H))),
      "plain mean of eigenvalues", "equal weights"),
    W("largest eigenvalue", lambda H, u: float(np.linalg.eigvalsh(H)[-1]), "largest eigenvalue", "largest"),
    W("the trace", lambda H, u: float(np.trace(H)), "trace", "trace"),
    W("absolute value", lambda H, u: abs(u @ H @ u) / (u @ u), "absolute value", "sign"),
    W("‖Hu‖²/‖u‖²", lambda H, u: float(np.sum((H @ u) ** 2) / np.sum(u**2)), "squared curvature", "H²"),
    W("‖Hu‖/‖u‖", lambda H, u: float(np.linalg.norm(H @ u) / np.linalg.norm(u)), "stretch factor",
      "stretches"),
    W("returned Hu/uᵀu", lambda H, u: H @ u / (u @ u), "returned a vector", "single number"),
    W("smallest eigenvalue", lambda H, u: float(np.linalg.eigvalsh(H)[0]), "smallest eigenvalue", "smallest"),
    W("mean of the diagonal", lambda H, u: float(np.mean(np.diag(H))), "plain mean of eigenvalues",
      "equal weights"),
], [
    R("uᵀHu/uᵀu", lambda H, u: float(u @ H @ u) / float(u @ u)),
    R("normalise u first", lambda H, u: (lambda w: float(w @ H @ w))(u / np.linalg.norm(u))),
    R("eigenvalues weighted by (û·qᵢ)²", curvature_weights),
    R("double loop", curvature_loops),
    R("einsum", lambda H, u: float(np.einsum("i,ij,j->", u, H, u) / np.dot(u, u))),
])

# ---------------------------------------------------------------------------
# BFGS inverse update: fn(H, s, y) -> H_new
# ---------------------------------------------------------------------------


def bfgs_VtHV(H, s, y):
    rho = 1 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V.T @ H @ V + rho * np.outer(s, s)


def bfgs_expanded(H, s, y):
    """Nocedal & Wright (6.17) multiplied out."""
    sy = s @ y
    Hy = H @ y
    return (H + (sy + y @ Hy) * np.outer(s, s) / sy**2 - (np.outer(Hy, s) + np.outer(s, Hy)) / sy)


def bfgs_via_B(H, s, y):
    """Update B = H⁻¹ by the direct BFGS formula (6.19), then invert back."""
    B = np.linalg.inv(H)
    Bs = B @ s
    B_new = B - np.outer(Bs, Bs) / (s @ Bs) + np.outer(y, y) / (y @ s)
    return np.linalg.inv(B_new)


def bfgs_loops(H, s, y):
    n = len(s)
    rho = 1 / sum(y[i] * s[i] for i in range(n))
    L = [[(i == j) - rho * s[i] * y[j] for j in range(n)] for i in range(n)]
    Rm = [[(i == j) - rho * y[i] * s[j] for j in range(n)] for i in range(n)]
    LH = [[sum(L[i][k] * H[k][j] for k in range(n)) for j in range(n)] for i in range(n)]
    return np.array([[sum(LH[i][k] * Rm[k][j] for k in range(n)) + rho * s[i] * s[j]
                      for j in range(n)] for i in range(n)])


def bfgs_VHVt(H, s, y):
    rho = 1 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V @ H @ V.T + rho * np.outer(s, s)


entry(G.grade_bfgs_inverse_update, [
    W("DFP", lambda H, s, y: H - np.outer(H @ y, H @ y) / (y @ H @ y) + np.outer(s, s) / (y @ s), "DFP", "DFP"),
    W("the direct (B) formula on H",
      lambda H, s, y: H - np.outer(H @ s, H @ s) / (s @ H @ s) + np.outer(y, y) / (y @ s),
      "direct-form formula", "roles of s and y"),
    W("s and y swapped", lambda H, s, y: bfgs_VtHV(H, y, s), "s and y swapped", "secant"),
    W("forgot + ρssᵀ", lambda H, s, y: bfgs_VtHV(H, s, y) - np.outer(s, s) / (y @ s), "missing ρssᵀ",
      "+ ρssᵀ"),
    W("one-sided", lambda H, s, y: (np.eye(len(s)) - np.outer(s, y) / (y @ s)) @ H + np.outer(s, s) / (y @ s),
      "one-sided", "symmetric"),
    W("V H Vᵀ instead of Vᵀ H V", bfgs_VHVt, "V H Vᵀ instead of Vᵀ H V", "wrong order"),
    W("ρ = yᵀs", lambda H, s, y: (lambda r, I: (I - r * np.outer(s, y)) @ H @ (I - r * np.outer(y, s))
                                  + r * np.outer(s, s))(y @ s, np.eye(len(s))),
      "rho not inverted", "reciprocal"),
    W("ρ = 1/(sᵀs)", lambda H, s, y: (lambda r, I: (I - r * np.outer(s, y)) @ H @ (I - r * np.outer(y, s))
                                      + r * np.outer(s, s))(1 / (s @ s), np.eye(len(s))),
      "rho from s", "1/(sᵀs)"),
    W("− ρssᵀ", lambda H, s, y: bfgs_VtHV(H, s, y) - 2 * np.outer(s, s) / (y @ s), "minus rho s s^T",
      "added"),
    W("SR1", lambda H, s, y: H + np.outer(s - H @ y, s - H @ y) / ((s - H @ y) @ y), "SR1", "SR1"),
    W("returned H unchanged", lambda H, s, y: H.copy()),
], [
    R("Vᵀ H V + ρssᵀ", bfgs_VtHV),
    R("multiplied out", bfgs_expanded),
    R("update B = H⁻¹ and invert", bfgs_via_B),
    R("triple loops", bfgs_loops),
])

# ---------------------------------------------------------------------------
# Nesterov in PyTorch's form: fn(x, b, g, lr, momentum) -> (x_new, b_new)
# ---------------------------------------------------------------------------


def nesterov_torch_code(x, b, g, lr, momentum):
    buf = b * momentum + g                 # buf.mul_(momentum).add_(grad)
    d_p = g + momentum * buf               # grad.add(buf, alpha=momentum)
    return x - lr * d_p, buf


def nesterov_velocity(x, b, g, lr, momentum):
    """Sutskever's look-ahead velocity u = −lr·b, converted back to PyTorch's buffer."""
    u = momentum * (-lr * b) - lr * g
    return x + momentum * u - lr * g, -u / lr


def nesterov_loop(x, b, g, lr, momentum):
    x, b = x.copy(), b.copy()
    for i in range(len(x)):
        b[i] = momentum * b[i] + g[i]
        x[i] -= lr * (g[i] + momentum * b[i])
    return x, b


entry(G.grade_nesterov_step, [
    W("heavy ball", lambda x, b, g, lr, mu: (x - lr * (mu * b + g), mu * b + g), "heavy ball", "heavy-ball"),
    W("g + μ·b_old (the heavy ball again)", lambda x, b, g, lr, mu: (x - lr * (g + mu * b), mu * b + g),
      "heavy ball", "heavy-ball"),
    W("EMA form", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + (1 - mu) * g)), mu * b + (1 - mu) * g),
      "ema form", "(1−μ)"),
    W("μ twice", lambda x, b, g, lr, mu: (x - lr * (g + mu * mu * b), mu * b + g), "mu squared", "twice"),
    W("uphill", lambda x, b, g, lr, mu: (x + lr * (g + mu * (mu * b + g)), mu * b + g), "uphill", "minus"),
    W("returned the old buffer", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + g)), b),
      "no buffer update", "old buffer"),
    W("returned g + μb as the buffer", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + g)),
                                                              g + mu * (mu * b + g)),
      "returned the look-ahead buffer", "buffer itself"),
    W("momentum hard-coded to 0.9", lambda x, b, g, lr, mu: (x - lr * (g + 0.9 * (0.9 * b + g)), 0.9 * b + g),
      "hard-coded momentum", "fixed momentum"),
    W("left out g", lambda x, b, g, lr, mu: (x - lr * mu * (mu * b + g), mu * b + g),
      "no gradient in the step", "left out g"),
    W("Sutskever's velocity, not converted", lambda x, b, g, lr, mu: (x + mu * (mu * b - lr * g) - lr * g,
                                                                    mu * b - lr * g),
      "Sutskever's velocity form", "velocity form"),
], [
    R("the formula", lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + g)), mu * b + g)),
    R("PyTorch's code form", nesterov_torch_code),
    R("Sutskever's velocity, converted", nesterov_velocity),
    R("a loop", nesterov_loop),
    R("multiplied out", lambda x, b, g, lr, mu: (x - lr * ((1 + mu) * g + mu * mu * b), mu * b + g)),
])

# ---------------------------------------------------------------------------
# The heavy ball's rate: fn(alpha, beta, lam) -> float
# ---------------------------------------------------------------------------


def _roots(alpha, beta, lam, *, T=None, disc=None):
    T = 1 + beta - alpha * lam if T is None else T
    d = cmath.sqrt(T * T - 4 * beta if disc is None else disc)
    return (T + d) / 2, (T - d) / 2


def rate_cases(alpha, beta, lam):
    T = 1 + beta - alpha * lam
    D = T * T - 4 * beta
    if D < 0:
        return math.sqrt(beta)                 # complex pair, |z|² = det M = β
    return (abs(T) + math.sqrt(D)) / 2


def rate_clipped(alpha, beta, lam):
    T = 1 + beta - alpha * lam
    d = np.sqrt(max(T * T - 4 * beta, 0.0))
    return max(abs(T + d), abs(T - d)) / 2


entry(G.grade_heavy_ball_rate, [
    W("real part", lambda a, b, l: max(z.real for z in _roots(a, b, l)), "real part only", "modulus"),
    W("clipped discriminant", rate_clipped, "clipped discriminant", "complex square root"),
    W("gradient descent's factor", lambda a, b, l: abs(1 - a * l), "gradient descent", "iteration matrix"),
    W("√β always", lambda a, b, l: math.sqrt(b), "sqrt(beta) always", "only when"),
    W("T² + 4β", lambda a, b, l: max(abs(z) for z in _roots(a, b, l, disc=(1 + b - a * l) ** 2 + 4 * b)),
      "sign of beta", "T² − 4β"),
    W("the smaller root", lambda a, b, l: min(abs(z) for z in _roots(a, b, l)), "smaller root", "largest"),
    W("forgot the half", lambda a, b, l: 2 * max(abs(z) for z in _roots(a, b, l)), "forgot the half", "by 2"),
    W("T² − β", lambda a, b, l: max(abs(z) for z in _roots(a, b, l, disc=(1 + b - a * l) ** 2 - b)),
      "forgot the 4", "T² − 4β"),
    W("T = 1 − β − αλ", lambda a, b, l: max(abs(z) for z in _roots(a, b, l, T=1 - b - a * l)), "1 - beta",
      "1 + β − αλ"),
    W("returned the eigenvalue", lambda a, b, l: max(_roots(a, b, l), key=abs), "returned the eigenvalue",
      "modulus"),
], [
    R("cmath roots", lambda a, b, l: max(abs(z) for z in _roots(a, b, l))),
    R("np.roots", lambda a, b, l: float(np.max(np.abs(np.roots([1, -(1 + b - a * l), b]))))),
    R("eigenvalues of M", lambda a, b, l: float(np.max(np.abs(np.linalg.eigvals(
        np.array([[1 + b - a * l, -b], [1, 0]])))))),
    R("case analysis", rate_cases),
])

# ---------------------------------------------------------------------------
# Step decay: fn(k, init_value, step_size, gamma) -> lr
# ---------------------------------------------------------------------------


def step_decay_loop(k, init_value, step_size, gamma):
    lr = init_value
    for j in range(1, k + 1):
        if j % step_size == 0:
            lr *= gamma
    return lr


entry(G.grade_step_decay, [
    W("no floor", lambda k, a, s, g: a * g ** (k / s), "no floor", "floor"),
    W("one step early", lambda k, a, s, g: a * g ** ((k + 1) // s), "decays one step early", "early"),
    W("ceil", lambda k, a, s, g: a * g ** math.ceil(k / s), "ceil instead of floor", "round down"),
    W("one step late", lambda k, a, s, g: a * g ** (max(k - 1, 0) // s), "decays one step late", "late"),
    W("times the count", lambda k, a, s, g: a * g * (k // s) if k >= s else a, "multiplied by the count",
      "a power"),
    W("modulo", lambda k, a, s, g: a * g ** (k % s), "modulo", "k % step_size"),
    W("γ to the k", lambda k, a, s, g: a * g**k, "gamma to the k", "every step"),
    W("γ hard-coded to 0.1", lambda k, a, s, g: a * 0.1 ** (k // s), "hard-coded gamma", "argument gamma"),
    W("subtracted γ", lambda k, a, s, g: a - g * (k // s), "subtracted gamma", "multiplies"),
    W("step_size and gamma swapped", lambda k, a, s, g: a * s ** (k // g) if g >= 1 else a * g ** (k // (s + 1))),
], [
    R("k // step_size", lambda k, a, s, g: a * g ** (k // s)),
    R("math.floor", lambda k, a, s, g: a * g ** math.floor(k / s)),
    R("a loop", step_decay_loop),
    R("int()", lambda k, a, s, g: a * math.pow(g, int(k / s))),
])

# ---------------------------------------------------------------------------
# Warm-up then cosine: fn(k, peak_value, warmup_steps, total_steps) -> lr
# ---------------------------------------------------------------------------


def wc_ok(k, p, W_, T):
    if k < W_:
        return p * k / W_
    t = min(k - W_, T - W_)
    return p * 0.5 * (1 + math.cos(math.pi * t / (T - W_)))


def _wc(warm=None, cos=None):
    def fn(k, p, W_, T):
        if k < W_:
            return warm(k, p, W_, T) if warm else p * k / W_
        return cos(k, p, W_, T) if cos else wc_ok(k, p, W_, T)
    return fn


def wc_cos_squared(k, p, W_, T):
    if k < W_:
        return p * k / W_
    t = min(k - W_, T - W_) / (T - W_)
    return p * math.cos(math.pi * t / 2) ** 2          # ½(1 + cos x) = cos²(x/2)


def wc_package(k, p, W_, T):
    return S.linear_warmup(p, W_, S.cosine_decay(p, T - W_))(k)


def wc_numpy(k, p, W_, T):
    warm = p * k / W_
    t = np.clip(k - W_, 0, T - W_)
    return float(np.where(k < W_, warm, p * 0.5 * (1 + np.cos(np.pi * t / (T - W_)))))


entry(G.grade_warmup_cosine, [
    W("warm-up off by one", _wc(warm=lambda k, p, W_, T: p * (k + 1) / W_), "warm-up off by one", "one step early"),
    W("cosine not shifted", _wc(cos=lambda k, p, W_, T: p * 0.5 * (1 + math.cos(math.pi * min(k, T - W_) / (T - W_)))),
      "cosine not shifted", "k − warmup_steps"),
    W("cosine over the whole run", _wc(cos=lambda k, p, W_, T: p * 0.5 * (1 + math.cos(math.pi * min(k, T) / T))),
      "cosine over the whole run", "total_steps − warmup_steps"),
    W("a full period", _wc(cos=lambda k, p, W_, T: p * 0.5 * (1 + math.cos(2 * math.pi * min(k - W_, T - W_) / (T - W_)))),
      "full period", "half a period"),
    W("no ½", _wc(cos=lambda k, p, W_, T: p * (1 + math.cos(math.pi * min(k - W_, T - W_) / (T - W_)))),
      "no one half", "twice the peak"),
    W("rises after the end", _wc(cos=lambda k, p, W_, T: p * 0.5 * (1 + math.cos(math.pi * (k - W_) / (T - W_)))),
      "rises again after the end", "clamp"),
    W("warm-up over W − 1", _wc(warm=lambda k, p, W_, T: p * k / (W_ - 1)), "warm-up over W - 1", "W − 1"),
    W("no warm-up", _wc(warm=lambda k, p, W_, T: p), "no warm-up", "no warm-up"),
    W("linear decay", _wc(cos=lambda k, p, W_, T: p * (1 - min(k - W_, T - W_) / (T - W_))), "linear decay",
      "linearly"),
    W("cosine T steps long", _wc(cos=lambda k, p, W_, T: p * 0.5 * (1 + math.cos(math.pi * min(k - W_, T) / T))),
      "cosine length T after the warm-up", "includes the warm-up"),
    W("decays to peak/2", _wc(cos=lambda k, p, W_, T: p * 0.25 * (3 + math.cos(math.pi * min(k - W_, T - W_) / (T - W_))))),
], [
    R("the formula", wc_ok),
    R("½(1 + cos x) = cos²(x/2)", wc_cos_squared),
    R("descent.schedules", wc_package),
    R("NumPy with clip and where", wc_numpy),
])

# ---------------------------------------------------------------------------
# AdaDelta: fn(x, s, d, g, lr, rho, eps) -> (x_new, s_new, d_new)
# ---------------------------------------------------------------------------


def _adadelta(*, num_eps=True, den_eps=True, outside=False, roots=True, old_s=False, rho_fixed=None,
              sign=-1, d_of=lambda delta, g, lr: delta * delta, lr_on=True, swap=False, one_minus=True,
              numerator_s=False):
    def fn(x, s, d, g, lr, rho, eps):
        r = rho if rho_fixed is None else rho_fixed
        a, b = (1 - r, r) if swap else (r, 1 - r)
        b = b if one_minus else 1.0
        s_new = a * s + b * g * g
        den = s if old_s else s_new
        num = s_new if numerator_s else d
        if outside:
            delta = (np.sqrt(num) + eps) / (np.sqrt(den) + eps) * g
        elif roots:
            delta = np.sqrt(num + eps * num_eps) / np.sqrt(den + eps * den_eps) * g
        else:
            delta = (num + eps) / (den + eps) * g
        d_new = a * d + b * d_of(delta, g, lr)
        return x + sign * (lr if lr_on else 1.0) * delta, s_new, d_new
    return fn


def adadelta_torch_code(x, s, d, g, lr, rho, eps):
    square_avg = s * rho + (1 - rho) * g * g          # square_avg.mul_(rho).addcmul_(grad, grad, value=1-rho)
    std = np.sqrt(square_avg + eps)                   # std = square_avg.add(eps).sqrt_()
    delta = np.sqrt(d + eps) / std * g                # delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad)
    acc_delta = d + (delta * delta - d) * (1 - rho)   # acc_delta.mul_(rho).addcmul_(delta, delta, value=1-rho)
    return x - lr * delta, square_avg, acc_delta


def adadelta_loop(x, s, d, g, lr, rho, eps):
    x, s, d = x.copy(), s.copy(), d.copy()
    for i in range(len(x)):
        s[i] = rho * s[i] + (1 - rho) * g[i] ** 2
        step = math.sqrt((d[i] + eps) / (s[i] + eps)) * g[i]
        d[i] = rho * d[i] + (1 - rho) * step**2
        x[i] -= lr * step
    return x, s, d


def adadelta_rms(x, s, d, g, lr, rho, eps):
    def rms(a):
        return np.sqrt(a + eps)
    s = rho * s + (1 - rho) * g**2
    delta = rms(d) / rms(s) * g
    return x - lr * delta, s, rho * d + (1 - rho) * delta**2


entry(G.grade_adadelta_step, [
    W("ε outside the roots", _adadelta(outside=True), "eps outside the roots", "√ε times smaller"),
    W("RMS of gradients on top", _adadelta(numerator_s=True), "RMS of gradients on top", "*updates*"),
    W("d accumulates g²", _adadelta(d_of=lambda delta, g, lr: g * g), "d accumulates g²", "squared *updates*"),
    W("ρ and 1−ρ swapped", _adadelta(swap=True), "swapped rho", "swapped"),
    W("no (1−ρ)", _adadelta(one_minus=False), "no (1-rho)", "(1−ρ)"),
    W("no learning rate", _adadelta(lr_on=False), "no learning rate", "lr"),
    W("ε only in the denominator", _adadelta(num_eps=False), "eps only in the denominator", "never moves"),
    W("ε only in the numerator", _adadelta(den_eps=False), "eps only in the numerator", "denominator too"),
    W("no square roots", _adadelta(roots=False), "no square roots", "root mean squares"),
    W("old s in the denominator", _adadelta(old_s=True), "old s in the denominator", "*new* s"),
    W("ρ hard-coded to 0.9", _adadelta(rho_fixed=0.9), "rho hard-coded to 0.9", "argument rho"),
    W("uphill", _adadelta(sign=1), "uphill", "minus"),
    W("ε hard-coded to 1e-6", lambda x, s, d, g, lr, rho, eps: _adadelta()(x, s, d, g, lr, rho, 1e-6),
      "eps hard-coded", "argument eps"),
    W("d accumulates (lr·Δ)²", _adadelta(d_of=lambda delta, g, lr: (lr * delta) ** 2), "d accumulates lr·Δ",
      "before the learning rate"),
], [
    R("Zeiler's Algorithm 1 times lr", _adadelta()),
    R("PyTorch's code form", adadelta_torch_code),
    R("a loop with one root of the ratio", adadelta_loop),
    R("an RMS helper", adadelta_rms),
])

# ---------------------------------------------------------------------------
# AdamW: fn(x, m, v, g, t, lr, b1, b2, eps, weight_decay) -> (x_new, m_new, v_new)
# ---------------------------------------------------------------------------


def adamw_torch_code(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x = x * (1 - lr * weight_decay)                    # param.mul_(1 - lr * weight_decay)
    x_new, m, v = adam_torch_code(x, m, v, g, t, lr, b1, b2, eps)
    return x_new, m, v


def adamw_chapter(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x_adam, m, v = adam_ok(x, m, v, g, t, lr, b1, b2, eps)
    return x_adam - lr * weight_decay * x, m, v


def adamw_efficient(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x_adam, m, v = adam_kingma_ba_efficient(x, m, v, g, t, lr, b1, b2, eps)
    return x_adam - lr * weight_decay * x, m, v


def adamw_loop(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x, m, v = x.copy(), m.copy(), v.copy()
    for i in range(len(x)):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
        step = (m[i] / (1 - b1**t)) / (math.sqrt(v[i] / (1 - b2**t)) + eps)
        x[i] = x[i] - lr * (step + weight_decay * x[i])
    return x, m, v


def _adamw(*, coupled=False, lr_on=True, after=False, sign=1, bc=True, eps_in=False, wd=None,
           inside=False, only_m=False):
    def fn(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
        lam = weight_decay if wd is None else wd
        gg = g + lam * x if coupled else g
        m = b1 * m + (1 - b1) * gg
        v = b2 * v + (1 - b2) * gg * gg
        m_hat = m / (1 - b1**t) if bc else m
        v_hat = v / (1 - b2**t) if (bc and not only_m) else v
        denom = np.sqrt(v_hat + eps) if eps_in else np.sqrt(v_hat) + eps
        if coupled:
            return x - lr * m_hat / denom, m, v
        if inside:
            return x - lr * (m_hat + lam * x) / denom, m, v
        x_new = x - lr * m_hat / denom
        base = x_new if after else x
        return x_new - sign * (lr if lr_on else 1.0) * lam * base, m, v
    return fn


entry(G.grade_adamw_step, [
    W("L2 in the gradient (Adam's weight_decay)", _adamw(coupled=True), "coupled L2", "decouples"),
    W("decay without lr", _adamw(lr_on=False), "decay without lr", "multiplied by the learning rate"),
    W("decayed the new weights", _adamw(after=True), "decay after the step", "before this step"),
    W("weights grow", _adamw(sign=-1), "growing weights", "shrinks"),
    W("no bias correction", _adamw(bc=False), "no bias correction", "bias correction"),
    W("ε inside the root", _adamw(eps_in=True), "eps inside the root", "outside"),
    W("decay hard-coded to 0.01", _adamw(wd=0.01), "decay hard-coded", "argument weight_decay"),
    W("decay inside the fraction", _adamw(inside=True), "decay inside the adaptive fraction", "*outside*"),
    W("only m corrected", _adamw(only_m=True), "only m corrected", "not v"),
    W("x·(1 − λ) without lr", lambda x, m, v, g, t, lr, b1, b2, eps, wd:
      (lambda out: (out[0] - wd * x, out[1], out[2]))(adam_ok(x, m, v, g, t, lr, b1, b2, eps)),
      "decay without lr", "multiplied by the learning rate"),
], [
    R("Loshchilov & Hutter, with lr", _adamw()),
    R("PyTorch's code form (decay first, multiplicatively)", adamw_torch_code),
    R("Adam's step, then the decay of the old weights", adamw_chapter),
    R("Kingma & Ba's efficient form with ε̂, plus decay", adamw_efficient),
    R("a loop", adamw_loop),
])

# ---------------------------------------------------------------------------
# NAdam (constant momentum): fn(x, m, v, g, t, lr, b1, b2, eps) -> (x_new, m_new, v_new)
# ---------------------------------------------------------------------------


def nadam_ok(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
    return x - lr * m_bar / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def nadam_dozat(x, m, v, g, t, lr, b1, b2, eps):
    """Dozat's Algorithm 2 with μ_t = β₁: products of μ and the corrected gradient ĝ."""
    mu = [b1] * (t + 2)
    prod_t, prod_next = math.prod(mu[1:t + 1]), math.prod(mu[1:t + 2])
    g_hat = g / (1 - prod_t)
    m = mu[t] * m + (1 - mu[t]) * g
    m_hat = m / (1 - prod_next)
    v = b2 * v + (1 - b2) * g * g
    v_hat = v / (1 - b2**t)
    m_bar = (1 - mu[t]) * g_hat + mu[t + 1] * m_hat
    return x - lr * m_bar / (np.sqrt(v_hat) + eps), m, v


def nadam_loop(x, m, v, g, t, lr, b1, b2, eps):
    x, m, v = x.copy(), m.copy(), v.copy()
    for i in range(len(x)):
        m[i] = b1 * m[i] + (1 - b1) * g[i]
        v[i] = b2 * v[i] + (1 - b2) * g[i] ** 2
        m_bar = b1 * m[i] / (1 - b1 ** (t + 1)) + (1 - b1) * g[i] / (1 - b1**t)
        x[i] -= lr * m_bar / (math.sqrt(v[i] / (1 - b2**t)) + eps)
    return x, m, v


def nadam_two_steps(x, m, v, g, t, lr, b1, b2, eps):
    """The gradient part and the momentum part as two separate updates (PyTorch's layout)."""
    m = m + (g - m) * (1 - b1)
    v = v * b2 + (1 - b2) * g * g
    denom = np.sqrt(v / (1 - b2**t)) + eps
    x = x - lr * (1 - b1) / (1 - b1**t) * g / denom
    x = x - lr * b1 / (1 - b1 ** (t + 1)) * m / denom
    return x, m, v


def nadam_torch(x, m, v, g, t, lr, b1, b2, eps):
    def mu(k):
        return b1 * (1 - 0.5 * 0.96 ** (k * 4e-3))
    prod = math.prod(mu(k) for k in range(1, t + 1))
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    denom = np.sqrt(v / (1 - b2**t)) + eps
    x = x - lr * (1 - mu(t)) / (1 - prod) * g / denom
    return x - lr * mu(t + 1) / (1 - prod * mu(t + 1)) * m / denom, m, v


def _nadam(*, p_m=1, p_g=0, old=False, bc=True, only_m=False, eps_in=False, swap=False, sign=-1):
    def fn(x, m, v, g, t, lr, b1, b2, eps):
        if swap:
            b1, b2 = b2, b1
        m_new = b1 * m + (1 - b1) * g
        v_new = b2 * v + (1 - b2) * g * g
        mm = m if old else m_new
        if bc:
            m_bar = b1 * mm / (1 - b1 ** (t + p_m)) + (1 - b1) * g / (1 - b1 ** (t + p_g))
        else:
            m_bar = b1 * mm + (1 - b1) * g
        v_hat = v_new / (1 - b2**t) if (bc and not only_m) else v_new
        denom = np.sqrt(v_hat + eps) if eps_in else np.sqrt(v_hat) + eps
        return x + sign * lr * m_bar / denom, m_new, v_new
    return fn


entry(G.grade_nadam_step, [
    W("plain Adam", lambda *a: adam_ok(*a), "plain Adam", "looks ahead"),
    W("same power t", _nadam(p_m=0), "same power", "*next* step's"),
    W("look-ahead with the old m", _nadam(old=True), "old m", "update m first"),
    W("no bias correction", _nadam(bc=False), "no bias correction", "both moments"),
    W("PyTorch's NAdam (momentum schedule)", nadam_torch, "PyTorch's momentum schedule", "torch.optim.NAdam"),
    W("both parts corrected with t+1", _nadam(p_g=1), "both parts corrected with t+1", "this step's factor"),
    W("only m corrected", _nadam(only_m=True), "only m corrected", "v"),
    W("ε inside the root", _nadam(eps_in=True), "eps inside the root", "outside"),
    W("β₁ and β₂ swapped", _nadam(swap=True), "swapped betas", "swapped"),
    W("uphill", _nadam(sign=1), "uphill", "minus"),
], [
    R("the formula", nadam_ok),
    R("Dozat's Algorithm 2 with constant μ", nadam_dozat),
    R("a loop", nadam_loop),
    R("two separate updates (PyTorch's layout)", nadam_two_steps),
])


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------

GRADERS = sorted(n for n in G.__all__ if n.startswith("grade_"))
WRONG = [(name, w) for name, (_, ws, _) in CATALOGUE.items() for w in ws]
RIGHT = [(name, r) for name, (_, _, rs) in CATALOGUE.items() for r in rs]


def test_every_grader_has_a_full_catalogue():
    assert sorted(CATALOGUE) == GRADERS
    for name, (_, wrong, right) in CATALOGUE.items():
        assert len(wrong) >= 8, name
        assert len(right) >= 4, name
        hinted = [w for w in wrong if w.diagnosis is not None]
        assert len(hinted) >= 6, (name, len(hinted))       # the common mistakes get a hint
        assert len({w.label for w in wrong}) == len(wrong) and len({r.label for r in right}) == len(right)


@pytest.mark.parametrize("name, wrong", WRONG, ids=[f"{n}-{w.label}" for n, w in WRONG])
def test_wrong_answer_is_rejected_with_its_hint(name, wrong):
    grader = CATALOGUE[name][0]
    report = grader(wrong.fn)
    assert not report.passed, f"{name} passed a wrong answer ({wrong.label}):\n{report}"
    text = str(report)
    assert text.startswith("❌ failed") and "expected:" in text and "got:" in text and "inputs:" in text
    if wrong.diagnosis is None:
        assert wrong.words in report.messages[0], text
    else:
        assert report.diagnosis == wrong.diagnosis, text
        assert wrong.words in report.hint, report.hint
        assert f"hint: {report.hint}" in report.messages


@pytest.mark.parametrize("name, right", RIGHT, ids=[f"{n}-{r.label}" for n, r in RIGHT])
def test_right_answer_passes(name, right):
    report = CATALOGUE[name][0](right.fn)
    assert report.passed, f"{name} rejected a right answer ({right.label}):\n{report}"
    assert report.hint is None and report.failure is None and len(report.messages) == 1


def _all_diagnoses():
    from descent.graders import adam, adaptive, curvature, landscape, minibatch, momentum, scale, schedules, steps
    tables = {
        "grade_gd_step": steps._GD_DIAGNOSES, "grade_momentum_step": steps._MOMENTUM_DIAGNOSES,
        "grade_ema": steps._EMA_DIAGNOSES, "grade_adagrad_step": steps._ADAGRAD_DIAGNOSES,
        "grade_rmsprop_step": steps._RMSPROP_DIAGNOSES, "grade_adam_step": steps._ADAM_DIAGNOSES,
        "grade_newton_step": steps._NEWTON_DIAGNOSES,
        "grade_dense_param_count": scale._DENSE_DIAGNOSES, "grade_mlp_param_count": scale._MLP_DIAGNOSES,
        "grade_clip_by_global_norm": landscape._CLIP_DIAGNOSES,
        "grade_gd_step_bounds": landscape._BOUNDS_DIAGNOSES,
        "grade_update_count": minibatch._UPDATE_DIAGNOSES,
        "grade_minibatch_gradient": minibatch._LSQ_DIAGNOSES,
        "grade_directional_curvature": curvature._CURVATURE_DIAGNOSES,
        "grade_bfgs_inverse_update": curvature._BFGS_DIAGNOSES,
        "grade_nesterov_step": momentum._NESTEROV_DIAGNOSES,
        "grade_heavy_ball_rate": momentum._RATE_DIAGNOSES,
        "grade_step_decay": schedules._STEP_DIAGNOSES, "grade_warmup_cosine": schedules._WC_DIAGNOSES,
        "grade_adadelta_step": adaptive._DIAGNOSES,
        "grade_adamw_step": adam._ADAMW_DIAGNOSES, "grade_nadam_step": adam._NADAM_DIAGNOSES,
    }
    return [(name, d) for name, ds in tables.items() for d in ds]


@pytest.mark.parametrize("name, diagnosis", _all_diagnoses(), ids=[f"{n}-{d[0]}" for n, d in _all_diagnoses()])
def test_every_known_mistake_is_rejected_and_recognised_as_itself(name, diagnosis):
    """No hint is shadowed by an earlier one, and no known mistake passes (the cases reach it)."""
    label, wrong_fn, hint = diagnosis
    report = CATALOGUE[name][0](wrong_fn)
    assert not report.passed, f"{name} passes its own known mistake {label!r}"
    assert report.diagnosis == label, str(report)
    assert report.hint == hint


def test_every_known_mistake_has_a_learner_written_counterpart():
    """Each hint a grader can give is reached by at least one independently written wrong answer."""
    reached = {(name, w.diagnosis) for name, w in WRONG if w.diagnosis}
    missing = [(n, d[0]) for n, d in _all_diagnoses() if (n, d[0]) not in reached and d[0] != "wrong order"]
    assert not missing, missing


def summary() -> list[tuple[str, int, int, int]]:
    """(grader, wrong answers, of which with a targeted hint, right answers)."""
    return [(name, len(ws), sum(w.diagnosis is not None for w in ws), len(rs))
            for name, (_, ws, rs) in sorted(CATALOGUE.items())]


if __name__ == "__main__":
    print(f"{'grader':30} wrong  hinted  right")
    for row in summary():
        print(f"{row[0]:30} {row[1]:5}  {row[2]:6}  {row[3]:5}")


# ---------------------------------------------------------------------------
# torch.optim itself, resumed from the graded state, is a right answer (and NAdam a wrong one)
# ---------------------------------------------------------------------------

def _torch_step(make, state, x, g):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.tensor(np.array(x, dtype=float)))
    opt = make(torch, [p])
    if state:
        opt.state[p] = {k: torch.tensor(np.array(val, dtype=float)) for k, val in state.items()}
    p.grad = torch.tensor(np.array(g, dtype=float))
    opt.step()
    return p.detach().numpy().copy(), {k: (val.detach().numpy().copy() if hasattr(val, "detach") else val)
                                       for k, val in opt.state[p].items()}


def torch_sgd(x, g, lr):
    return _torch_step(lambda torch, ps: torch.optim.SGD(ps, lr=lr), {}, x, g)[0]


def torch_momentum(x, v, g, lr, momentum, nesterov=False):
    x, st = _torch_step(lambda torch, ps: torch.optim.SGD(ps, lr=lr, momentum=momentum, nesterov=nesterov),
                        {"momentum_buffer": v}, x, g)
    return x, st["momentum_buffer"]


def torch_adagrad(x, r, g, lr, eps):
    x, st = _torch_step(lambda torch, ps: torch.optim.Adagrad(ps, lr=lr, eps=eps),
                        {"step": 0.0, "sum": r}, x, g)
    return x, st["sum"]


def torch_rmsprop(x, s, g, lr, alpha, eps):
    x, st = _torch_step(lambda torch, ps: torch.optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps),
                        {"step": 0.0, "square_avg": s}, x, g)
    return x, st["square_avg"]


def torch_adam(x, m, v, g, t, lr, b1, b2, eps, weight_decay=None):
    def make(torch, ps):
        if weight_decay is None:
            return torch.optim.Adam(ps, lr=lr, betas=(b1, b2), eps=eps)
        return torch.optim.AdamW(ps, lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    x, st = _torch_step(make, {"step": float(t - 1), "exp_avg": m, "exp_avg_sq": v}, x, g)
    return x, st["exp_avg"], st["exp_avg_sq"]


def torch_adadelta(x, s, d, g, lr, rho, eps):
    x, st = _torch_step(lambda torch, ps: torch.optim.Adadelta(ps, lr=lr, rho=rho, eps=eps),
                        {"step": 0.0, "square_avg": s, "acc_delta": d}, x, g)
    return x, st["square_avg"], st["acc_delta"]


def torch_nadam(x, m, v, g, t, lr, b1, b2, eps):
    mu_product = math.prod(b1 * (1 - 0.5 * 0.96 ** (k * 4e-3)) for k in range(1, t))
    x, st = _torch_step(lambda torch, ps: torch.optim.NAdam(ps, lr=lr, betas=(b1, b2), eps=eps),
                        {"step": float(t - 1), "mu_product": float(mu_product), "exp_avg": m, "exp_avg_sq": v},
                        x, g)
    return x, st["exp_avg"], st["exp_avg_sq"]


def torch_clip(grads, max_norm):
    torch = pytest.importorskip("torch")
    params = [torch.nn.Parameter(torch.zeros(np.shape(g), dtype=torch.float64)) for g in grads]
    for p, g in zip(params, grads):
        p.grad = torch.tensor(np.array(g, dtype=float))
    torch.nn.utils.clip_grad_norm_(params, max_norm)        # clips the .grad of each, in place
    return [p.grad.numpy().copy() for p in params]


TORCH_RIGHT = [
    (G.grade_gd_step, torch_sgd),
    (G.grade_momentum_step, torch_momentum),
    (G.grade_nesterov_step, lambda x, b, g, lr, mu: torch_momentum(x, b, g, lr, mu, nesterov=True)),
    (G.grade_adagrad_step, torch_adagrad),
    (G.grade_rmsprop_step, torch_rmsprop),
    (G.grade_adam_step, torch_adam),
    (G.grade_adamw_step, torch_adam),
    (G.grade_adadelta_step, torch_adadelta),
    (G.grade_clip_by_global_norm, torch_clip),
]


@pytest.mark.parametrize("grader, fn", TORCH_RIGHT, ids=[g.__name__ for g, _ in TORCH_RIGHT])
def test_torch_optim_itself_passes(grader, fn):
    pytest.importorskip("torch")          # imported here, not inside the timed function
    report = grader(fn)
    assert report.passed, str(report)


def test_torch_nadam_is_recognised_as_the_momentum_schedule_variant():
    pytest.importorskip("torch")
    report = G.grade_nadam_step(torch_nadam)
    assert not report and report.diagnosis == "PyTorch's momentum schedule", str(report)


def test_adadelta_eps_hint_states_torch_first_step_sizes():
    """The sizes in the ε-outside hint are those of torch's first step and of the mistake."""
    from descent.graders import adaptive
    g = np.array([2.0, -0.5, 30.0])
    x_right, _, _ = torch_adadelta(np.zeros(3), np.zeros(3), np.zeros(3), g, 1.0, 0.9, 1e-6)
    x_wrong, _, _ = _adadelta(outside=True)(np.zeros(3), np.zeros(3), np.zeros(3), g, 1.0, 0.9, 1e-6)
    np.testing.assert_allclose(np.abs(x_right), adaptive._FIRST_RIGHT, rtol=0.02)
    np.testing.assert_allclose(np.abs(x_wrong), adaptive._FIRST_OUTSIDE, rtol=0.02)
    hint = dict((d[0], d[2]) for d in adaptive._DIAGNOSES)["eps outside the roots"]
    assert adaptive._sci(adaptive._FIRST_OUTSIDE) == "3.2 × 10⁻⁶" and adaptive._sci(adaptive._FIRST_RIGHT) == "3.2 × 10⁻³"
    assert "3.2 × 10⁻⁶ instead of 3.2 × 10⁻³" in hint
