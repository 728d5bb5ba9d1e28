"""Exact SGD-with-noise theory on quadratics agrees with simulation and with closed forms."""
import numpy as np
import pytest

from descent import schedules as S
from descent.landscapes import IllConditionedQuadratic, Quadratic
from descent.book.noisy import expected_loss, noise_floor, stationary_variance, step_size_sweep
from descent.optimizers import sgd
from descent.runner import minimize, minimize_many


def test_stationary_variance_is_the_fixed_point():
    lr, lam, sigma = 0.07, np.array([0.5, 3.0, 20.0]), 1.3
    V = stationary_variance(lr, lam, sigma)
    np.testing.assert_allclose(V, (1 - lr * lam) ** 2 * V + lr**2 * sigma**2, rtol=1e-12)
    assert noise_floor(lr, lam, sigma) == pytest.approx(0.5 * lam @ V, rel=1e-12)
    assert isinstance(stationary_variance(0.1, 2.0, 1.0), float)


@pytest.mark.parametrize("lr, lam", [(0.2, [1.0, 10.0]), (0.0, [1.0]), (0.1, [-1.0, 2.0])])
def test_unstable_or_degenerate_steps_are_refused(lr, lam):
    with pytest.raises(ValueError):
        noise_floor(lr, lam, 1.0)


def test_expected_loss_without_noise_is_plain_gd():
    Q = Quadratic([[2.0, 0.5], [0.5, 1.0]], [1.0, -1.0])
    x0 = np.array([3.0, -2.0])
    t = minimize(sgd(lr=0.3), Q, x0, 25)
    np.testing.assert_allclose(expected_loss(0.3, Q, x0, 25, 0.0), t.losses, rtol=1e-10, atol=1e-12)


def test_expected_loss_reaches_the_noise_floor():
    P = IllConditionedQuadratic(10.0, angle=0.4, center=(1.0, -1.0))
    curve = expected_loss(0.05, P, np.array([2.0, 2.0]), 3000, 0.8)
    assert curve[-1] == pytest.approx(noise_floor(0.05, P.eigenvalues, 0.8), rel=1e-9)


def test_expected_loss_matches_monte_carlo_with_a_schedule():
    P = IllConditionedQuadratic(10.0, angle=0.3)
    x0 = np.array([2.0, 1.0])
    sched = S.inverse_time_decay(0.1, 0.05)
    B, K = 4000, 150
    bt = minimize_many(sgd(lr=sched), P, np.tile(x0, (B, 1)), K, grad_noise=1.0, seed=3,
                       keep_iterates=False)
    theory = expected_loss(sched, P, x0, K, 1.0)
    se = bt.losses.std(axis=1) / np.sqrt(B)
    assert np.all(np.abs(bt.losses.mean(axis=1) - theory) <= 5 * se + 1e-12)


def test_expected_loss_validates():
    P = IllConditionedQuadratic(10.0)
    with pytest.raises(ValueError):
        expected_loss(0.1, P, np.zeros(3), 5, 1.0)
    with pytest.raises(TypeError):
        expected_loss(0.1, object(), np.zeros(2), 5, 1.0)


def test_step_size_sweep_equals_separate_runs():
    P = IllConditionedQuadratic(10.0, angle=0.5)
    x0 = np.array([1.0, -2.0])
    lrs = [0.01, 0.1, 0.19, 0.21, 0.5]
    bt = step_size_sweep(P, x0, lrs, 60, keep_iterates=True)
    for j, lr in enumerate(lrs):
        t = minimize(sgd(lr=lr), P, x0, 60)
        k = len(t.losses)
        np.testing.assert_allclose(bt.losses[:k, j], t.losses, rtol=1e-10, atol=1e-300)
        assert bool(bt.diverged[j]) == t.diverged
    assert bt.losses[-1, 3] > bt.losses[0, 3] and bt.losses[-1, 2] < bt.losses[0, 2]


def test_step_size_sweep_validates():
    P = IllConditionedQuadratic(10.0)
    with pytest.raises(ValueError):
        step_size_sweep(P, np.zeros(2), [], 5)
    with pytest.raises(ValueError):
        step_size_sweep(P, np.zeros(2), [-0.1], 5)
