"""grade_adadelta_step accepts right answers and diagnoses the typical wrong ones."""
import numpy as np
import pytest

from descent import transforms as T
from descent.graders.adaptive import grade_adadelta_step


def adadelta_ok(x, s, d, g, lr, rho, eps):
    s = rho * s + (1 - rho) * g**2
    delta = np.sqrt(d + eps) / np.sqrt(s + eps) * g
    d = rho * d + (1 - rho) * delta**2
    return x - lr * delta, s, d


def test_reference_passes_and_agrees_with_the_package():
    assert grade_adadelta_step(adadelta_ok).passed
    t = T.scale_by_adadelta(rho=0.9, eps=1e-6)
    x = np.array([1.0, -2.0, 0.5])
    st = t.init(x)
    s, d = np.zeros(3), np.zeros(3)
    for g in (np.array([1.0, 2.0, -3.0]), np.array([0.5, -1.0, 0.1])):
        u, st = t.update(g, st)
        x_new, s, d = adadelta_ok(x, s, d, g, 1.0, 0.9, 1e-6)
        np.testing.assert_allclose(x + (-u), x_new)
        x = x_new
        np.testing.assert_allclose(st.mean_square_grad, s)
        np.testing.assert_allclose(st.mean_square_delta, d)


def _eps_outside(x, s, d, g, lr, rho, eps):
    s = rho * s + (1 - rho) * g**2
    delta = (np.sqrt(d) + eps) / (np.sqrt(s) + eps) * g
    d = rho * d + (1 - rho) * delta**2
    return x - lr * delta, s, d


def _rms_on_top(x, s, d, g, lr, rho, eps):
    s = rho * s + (1 - rho) * g**2
    delta = np.sqrt(s + eps) / np.sqrt(s + eps) * g
    d = rho * d + (1 - rho) * delta**2
    return x - lr * delta, s, d


def _d_from_g(x, s, d, g, lr, rho, eps):
    s = rho * s + (1 - rho) * g**2
    delta = np.sqrt(d + eps) / np.sqrt(s + eps) * g
    d = rho * d + (1 - rho) * g**2
    return x - lr * delta, s, d


def _swapped(x, s, d, g, lr, rho, eps):
    s = (1 - rho) * s + rho * g**2
    delta = np.sqrt(d + eps) / np.sqrt(s + eps) * g
    d = (1 - rho) * d + rho * delta**2
    return x - lr * delta, s, d


def _no_lr(x, s, d, g, lr, rho, eps):
    return adadelta_ok(x, s, d, g, 1.0, rho, eps)


@pytest.mark.parametrize("fn, diagnosis", [
    (_eps_outside, "eps outside the roots"),
    (_rms_on_top, "RMS of gradients on top"),
    (_d_from_g, "d accumulates g²"),
    (_swapped, "swapped rho"),
    (_no_lr, "no learning rate"),
])
def test_typical_mistakes_are_diagnosed(fn, diagnosis):
    report = grade_adadelta_step(fn)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)
    assert "hint:" in str(report)


def test_wrong_order_and_crash_are_reported():
    def order(x, s, d, g, lr, rho, eps):
        a, b, c = adadelta_ok(x, s, d, g, lr, rho, eps)
        return a, c, b

    def crash(x, s, d, g, lr, rho, eps):
        raise RuntimeError("boom")

    assert grade_adadelta_step(order).diagnosis == "wrong order"
    report = grade_adadelta_step(crash)
    assert not report.passed and "raised" in str(report)
