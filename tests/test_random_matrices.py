"""GOE sampling and the two estimates of Pr(H positive definite) (Chapter 2)."""
import math

import numpy as np
import pytest

from descent.book import random_matrices as RM


def test_goe_is_symmetric_with_the_documented_variances():
    H = RM.goe(4, 40_000, seed=1)
    assert H.shape == (40_000, 4, 4)
    assert np.array_equal(H, np.swapaxes(H, 1, 2))
    diag = H[:, np.arange(4), np.arange(4)]
    off = H[:, 0, 1:]
    assert abs(diag.var() - 2.0) < 0.05
    assert abs(off.var() - 1.0) < 0.03
    assert abs(np.corrcoef(H[:, 0, 1], H[:, 2, 3])[0, 1]) < 0.02


def test_goe_is_reproducible_and_accepts_a_generator():
    assert np.array_equal(RM.goe(3, 5, seed=7), RM.goe(3, 5, seed=7))
    rng = np.random.default_rng(7)
    assert np.array_equal(RM.goe(3, 5, seed=rng), RM.goe(3, 5, seed=7))


def test_tridiagonal_model_has_the_goe_spectrum_law():
    """Same moments of the spectrum: E[tr H^2] = n(n+1) and the smallest eigenvalue's mean."""
    n, size = 5, 40_000
    a, b = RM.goe_tridiagonal(n, size, seed=3)
    assert a.shape == (size, n) and b.shape == (size, n - 1) and np.all(b >= 0)
    T = np.zeros((size, n, n))
    T[:, np.arange(n), np.arange(n)] = a
    T[:, np.arange(n - 1), np.arange(1, n)] = b
    T[:, np.arange(1, n), np.arange(n - 1)] = b
    lam_t = np.linalg.eigvalsh(T)
    lam_g = np.linalg.eigvalsh(RM.goe(n, size, seed=4))
    assert abs((lam_t**2).sum(1).mean() - n * (n + 1)) < 0.3
    assert abs(lam_t[:, 0].mean() - lam_g[:, 0].mean()) < 0.03
    assert abs(lam_t[:, 0].std() - lam_g[:, 0].std()) < 0.03
    a1, b1 = RM.goe_tridiagonal(1, 3, seed=0)
    assert a1.shape == (3, 1) and b1.shape == (3, 0)


def test_exact_values():
    assert RM.exact_probability(1) == 0.5
    assert RM.exact_probability(2) == pytest.approx(0.5 - 1 / (2 * math.sqrt(2)))
    with pytest.raises(ValueError):
        RM.exact_probability(3)
    assert RM.DEAN_MAJUMDAR_THETA == pytest.approx(0.274653, abs=1e-6)


@pytest.mark.parametrize("n", [1, 2])
def test_direct_monte_carlo_interval_covers_the_exact_value(n):
    r = RM.positive_definite_fraction(n, 60_000, seed=10 + n, chunk=7_000)
    assert r.samples == 60_000 and r.estimate == r.hits / r.samples
    assert r.low <= RM.exact_probability(n) <= r.high


def test_zero_hits_give_an_honest_upper_bound():
    r = RM.positive_definite_fraction(8, 2_000, seed=0)
    assert r.hits == 0 and r.estimate == 0.0 and r.low == 0.0
    assert r.high == pytest.approx(1 - 0.025 ** (1 / 2_000))
    assert 3.0 / 2_000 < r.high < 4.0 / 2_000


def test_clopper_pearson_known_values_and_validation():
    lo, hi = RM.clopper_pearson(5, 10)
    assert lo == pytest.approx(0.187086, abs=1e-5) and hi == pytest.approx(0.812914, abs=1e-5)
    assert RM.clopper_pearson(10, 10)[1] == 1.0
    with pytest.raises(ValueError):
        RM.clopper_pearson(11, 10)
    with pytest.raises(ValueError):
        RM.clopper_pearson(1, 10, level=1.0)
    with pytest.raises(TypeError):
        RM.clopper_pearson(1.5, 10)


@pytest.mark.parametrize("n", [1, 2])
def test_splitting_matches_the_exact_value(n):
    r = RM.positive_definite_probability(n, 20_000, 10, seed=n)
    assert r.replicates.shape == (10,) and r.survival.shape == (10, n)
    assert abs(r.estimate - RM.exact_probability(n)) < 4 * r.stderr + 1e-12


def test_splitting_agrees_with_direct_monte_carlo():
    direct = RM.positive_definite_fraction(3, 100_000, seed=5)
    split = RM.positive_definite_probability(3, 20_000, 8, seed=6)
    assert direct.low <= split.estimate <= direct.high


def test_splitting_resolves_a_tiny_probability_with_small_relative_error():
    r = RM.positive_definite_probability(8, 20_000, 8, seed=8)
    assert 3e-10 < r.estimate < 3e-9          # about 1e-9: invisible to direct sampling
    assert r.stderr / r.estimate < 0.25
    # The quadratic rate: ln p_n / n^2 lies between -theta - 0.1 and -theta.
    assert -RM.DEAN_MAJUMDAR_THETA - 0.1 < math.log(r.estimate) / 64 < -RM.DEAN_MAJUMDAR_THETA


def test_splitting_is_deterministic_and_validates():
    a = RM.positive_definite_probability(4, 1_000, 3, seed=2)
    b = RM.positive_definite_probability(4, 1_000, 3, seed=2)
    assert a.estimate == b.estimate
    assert RM.positive_definite_probability(2, 500, 1, seed=0).stderr == 0.0
    with pytest.raises(ValueError):
        RM.positive_definite_probability(0)
    with pytest.raises(TypeError):
        RM.positive_definite_probability(3, particles=1.5)


def test_dead_population_gives_zero_not_nan():
    # With a single chain, most replicates die at some pivot; their estimate is exactly 0.
    r = RM.positive_definite_probability(6, 1, 50, seed=0)
    assert np.all(np.isfinite(r.replicates))
    assert np.all((r.replicates == 0) | (r.replicates == 1))
