"""The AdamW and NAdam graders accept right answers and diagnose the typical wrong ones."""
import numpy as np
import pytest

from descent import optimizers as O
from descent import transforms as T
from descent.graders.adam import grade_adamw_step, grade_nadam_step


def adamw_ok(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps) - lr * weight_decay * x, m, v


def adamw_with_package(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    """The package's adamw, driven one step from the given state."""
    opt = O.adamw(lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    state = opt.init(x)
    adam_state = T.AdamState(t - 1, m.copy(), v.copy(), None)
    state = (adam_state,) + state[1:]
    u, state = opt.update(g, state, x)
    return x + u, state[0].mu, state[0].nu


def nadam_ok(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
    return x - lr * m_bar / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def test_reference_answers_pass():
    assert grade_adamw_step(adamw_ok).passed
    assert grade_adamw_step(adamw_with_package).passed
    assert grade_nadam_step(nadam_ok).passed


def _adamw_coupled(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    return adamw_ok(x, m, v, g + weight_decay * x, t, lr, b1, b2, eps, 0.0)


def _adamw_no_lr(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x_new, m, v = adamw_ok(x, m, v, g, t, lr, b1, b2, eps, 0.0)
    return x_new - weight_decay * x, m, v


def _adamw_after(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x_new, m, v = adamw_ok(x, m, v, g, t, lr, b1, b2, eps, 0.0)
    return x_new * (1 - lr * weight_decay), m, v


def _adamw_plus(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    x_new, m, v = adamw_ok(x, m, v, g, t, lr, b1, b2, eps, 0.0)
    return x_new + lr * weight_decay * x, m, v


def _adamw_no_correction(x, m, v, g, t, lr, b1, b2, eps, weight_decay):
    return adamw_ok(x, m, v, g, 10**9, lr, b1, b2, eps, weight_decay)


@pytest.mark.parametrize("wrong, diagnosis", [
    (_adamw_coupled, "coupled L2"),
    (_adamw_no_lr, "decay without lr"),
    (_adamw_after, "decay after the step"),
    (_adamw_plus, "growing weights"),
    (_adamw_no_correction, "no bias correction"),
])
def test_adamw_mistakes_are_diagnosed(wrong, diagnosis):
    report = grade_adamw_step(wrong)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)
    assert report.hint


def _nadam_plain(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    return x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def _nadam_same_power(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_bar = b1 * m / (1 - b1**t) + (1 - b1) * g / (1 - b1**t)
    return x - lr * m_bar / (np.sqrt(v / (1 - b2**t)) + eps), m, v


def _nadam_old_m(x, m, v, g, t, lr, b1, b2, eps):
    m_new = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    m_bar = b1 * m / (1 - b1 ** (t + 1)) + (1 - b1) * g / (1 - b1**t)
    return x - lr * m_bar / (np.sqrt(v / (1 - b2**t)) + eps), m_new, v


@pytest.mark.parametrize("wrong, diagnosis", [
    (_nadam_plain, "plain Adam"),
    (_nadam_same_power, "same power"),
    (_nadam_old_m, "old m"),
])
def test_nadam_mistakes_are_diagnosed(wrong, diagnosis):
    report = grade_nadam_step(wrong)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)


def test_graders_survive_broken_answers():
    assert not grade_adamw_step(lambda *a: None).passed
    assert not grade_nadam_step(lambda *a: 1 / 0).passed
