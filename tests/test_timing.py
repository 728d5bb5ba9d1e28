"""Tests for descent.book.timing (median timing, power-law fits, timed linear solves)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from descent.book.timing import PowerLaw, blas_threads, fit_power_law, measure_seconds, time_linear_solves


class FakeClock:
    """A clock that advances by the given durations, one per call pair (start, stop)."""

    def __init__(self, durations):
        self.ticks = []
        t = 0.0
        for d in durations:
            self.ticks += [t, t + d]
            t += d + 1.0
        self.i = 0

    def __call__(self):
        value = self.ticks[self.i]
        self.i += 1
        return value


def test_measure_seconds_is_the_median_of_the_timed_calls():
    calls = []
    clock = FakeClock([3.0, 1.0, 2.0, 100.0, 1.5])
    t = measure_seconds(lambda: calls.append(1), 5, warmup=2, clock=clock)
    assert t == pytest.approx(2.0)
    assert len(calls) == 7          # two warm-up calls plus five timed ones


def test_measure_seconds_real_clock_is_nonnegative_and_small():
    assert 0.0 <= measure_seconds(lambda: sum(range(100)), 3) < 1.0


@pytest.mark.parametrize("kwargs, exc", [
    (dict(fn=1), TypeError),
    (dict(repeats=0), ValueError),
    (dict(repeats=1.5), TypeError),
    (dict(warmup=-1), ValueError),
    (dict(clock=3), TypeError),
])
def test_measure_seconds_validates(kwargs, exc):
    args = dict(fn=lambda: None, repeats=2)
    args.update(kwargs)
    fn = args.pop("fn")
    with pytest.raises(exc):
        measure_seconds(fn, **args)


def test_fit_power_law_recovers_an_exact_law():
    n = np.array([100, 200, 400, 800])
    fit = fit_power_law(n, 3e-9 * n**2.7)
    assert isinstance(fit, PowerLaw)
    assert fit.exponent == pytest.approx(2.7, rel=1e-12)
    assert fit.prefactor == pytest.approx(3e-9, rel=1e-9)
    assert fit.r_squared == pytest.approx(1.0)
    assert fit.predict(1600) == pytest.approx(3e-9 * 1600**2.7, rel=1e-9)
    assert np.allclose(fit.predict(n), 3e-9 * n**2.7)


def test_fit_power_law_with_noise_is_close_and_matches_polyfit(rng):
    n = np.geomspace(500, 4000, 7)
    t = 1e-10 * n**3 * np.exp(0.05 * rng.standard_normal(n.size))
    fit = fit_power_law(n, t)
    slope, intercept = np.polyfit(np.log(n), np.log(t), 1)
    assert fit.exponent == pytest.approx(slope, rel=1e-10)
    assert math.log(fit.prefactor) == pytest.approx(intercept, rel=1e-10)
    assert abs(fit.exponent - 3.0) < 0.2
    assert 0.9 < fit.r_squared <= 1.0


def test_predict_extrapolates_huge_sizes_without_overflow():
    fit = PowerLaw(3.0, 1e-10, 1.0)
    big = 6_220_800_000
    assert math.isfinite(fit.predict(big))
    assert fit.predict(big) == pytest.approx(1e-10 * float(big) ** 3, rel=1e-9)
    with pytest.raises(ValueError):
        fit.predict(0)
    with pytest.raises(ValueError):
        fit.predict(np.array([1.0, -2.0]))


@pytest.mark.parametrize("n, t", [
    ([100], [1.0]),                  # one point
    ([100, 100], [1.0, 2.0]),        # no spread in n
    ([100, 200], [1.0]),             # length mismatch
    ([100, -200], [1.0, 2.0]),       # negative size
    ([100, 200], [1.0, 0.0]),        # zero time
    ([[100, 200]], [[1.0, 2.0]]),    # not 1-D
    ([100, np.nan], [1.0, 2.0]),
])
def test_fit_power_law_rejects_bad_input(n, t):
    with pytest.raises(ValueError):
        fit_power_law(n, t)


def test_time_linear_solves_shapes_and_growth():
    sizes = [20, 160]
    t = time_linear_solves(sizes, repeats=3, seed=1)
    assert t.shape == (2,)
    assert np.all(t > 0)
    assert t[1] > t[0]               # 512 times the flops cannot be faster
    t32 = time_linear_solves([30], repeats=1, dtype=np.float32, threads=None)
    assert t32.shape == (1,)


@pytest.mark.parametrize("kwargs, exc", [
    (dict(sizes=[]), ValueError),
    (dict(sizes=[0]), ValueError),
    (dict(sizes=[10], dtype=np.int64), ValueError),
    (dict(sizes=[10], repeats=0), ValueError),
    (dict(sizes=[10], threads=0), ValueError),
])
def test_time_linear_solves_validates(kwargs, exc):
    with pytest.raises(exc):
        time_linear_solves(**kwargs)


def test_blas_threads_limits_and_restores():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
    with blas_threads(1):
        inside = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
        assert all(k == 1 for k in inside)
    after = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
    assert after == before
    with blas_threads(None):
        pass


def test_blas_threads_user_api_and_one_home():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with blas_threads(1, user_api="blas"):
        blas = [p["num_threads"] for p in threadpoolctl.threadpool_info() if p["user_api"] == "blas"]
        assert all(k == 1 for k in blas)
    with pytest.raises(ValueError, match="user_api"):
        with blas_threads(1, user_api="cuda"):
            pass
    from descent.book import nn, sizing
    assert not hasattr(nn, "_single_threaded_blas")      # nn limits threads through timing
    assert sizing.measure_seconds is measure_seconds      # sizing times through timing
