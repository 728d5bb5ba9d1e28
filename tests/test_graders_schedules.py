"""The schedule graders pass right answers and diagnose the typical wrong ones."""
import math

import numpy as np
import pytest

from descent import schedules as S
from descent.graders.schedules import grade_step_decay, grade_warmup_cosine


def step_ok(k, init_value, step_size, gamma):
    return init_value * gamma ** (k // step_size)


def wc_ok(k, peak, W, T):
    if k < W:
        return peak * k / W
    t = min(k - W, T - W)
    return peak * 0.5 * (1 + math.cos(math.pi * t / (T - W)))


def test_references_pass_and_agree_with_closed_forms():
    assert grade_step_decay(step_ok)
    assert grade_warmup_cosine(wc_ok)
    # the grader's reference (descent.schedules) equals the closed forms written here
    for k in range(0, 300, 7):
        assert S.step_decay(0.3, 40, 0.5)(k) == pytest.approx(step_ok(k, 0.3, 40, 0.5), rel=1e-12)
        ref = S.linear_warmup(0.3, 20, S.cosine_decay(0.3, 180))(k)
        assert ref == pytest.approx(wc_ok(k, 0.3, 20, 200), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("wrong, diagnosis", [
    (lambda k, a, s, g: a * g ** (k / s), "no floor"),
    (lambda k, a, s, g: a * g ** ((k + 1) // s), "decays one step early"),
    (lambda k, a, s, g: a * g ** math.ceil(k / s), "ceil instead of floor"),
    (lambda k, a, s, g: a * g ** (max(k - 1, 0) // s), "decays one step late"),
])
def test_step_decay_mistakes_are_diagnosed(wrong, diagnosis):
    report = grade_step_decay(wrong)
    assert not report and report.diagnosis == diagnosis, str(report)


def _wc(warm=None, cos=None):
    def fn(k, p, W, T):
        if k < W:
            return warm(k, p, W, T) if warm else p * k / W
        return cos(k, p, W, T) if cos else wc_ok(k, p, W, T)
    return fn


@pytest.mark.parametrize("wrong, diagnosis", [
    (_wc(warm=lambda k, p, W, T: p * (k + 1) / W), "warm-up off by one"),
    (_wc(cos=lambda k, p, W, T: p * 0.5 * (1 + math.cos(math.pi * min(k, T - W) / (T - W)))),
     "cosine not shifted"),
    (_wc(cos=lambda k, p, W, T: p * 0.5 * (1 + math.cos(math.pi * min(k, T) / T))), "cosine over the whole run"),
    (_wc(cos=lambda k, p, W, T: p * 0.5 * (1 + math.cos(2 * math.pi * min(k - W, T - W) / (T - W)))),
     "full period"),
    (_wc(cos=lambda k, p, W, T: p * (1 + math.cos(math.pi * min(k - W, T - W) / (T - W)))), "no one half"),
    (_wc(cos=lambda k, p, W, T: p * 0.5 * (1 + math.cos(math.pi * (k - W) / (T - W)))),
     "rises again after the end"),
])
def test_warmup_cosine_mistakes_are_diagnosed(wrong, diagnosis):
    report = grade_warmup_cosine(wrong)
    assert not report and report.diagnosis == diagnosis, str(report)


def test_broken_answers_are_reported_not_raised():
    assert not grade_step_decay(lambda k, a, s, g: None)
    assert "return" in str(grade_step_decay(lambda k, a, s, g: None))
    report = grade_warmup_cosine(lambda k, p, W, T: 1 / 0)
    assert not report and "ZeroDivisionError" in str(report)
    report = grade_warmup_cosine(lambda k, p, W, T: np.array([p, p]))
    assert not report and "shape" in str(report)
