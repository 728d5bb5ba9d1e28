"""Mini-batch arithmetic and statistics of Chapter 3 (descent.book.sampling)."""
import numpy as np
import pytest

from descent.book import sampling as S
from descent.book.data import minibatches


def test_updates_per_epoch_article_example():
    assert S.updates_per_epoch(1_000_000, 100) == 10_000
    assert S.total_updates(1_000_000, 100, 3) == 30_000


@pytest.mark.parametrize("n, b", [(1000, 32), (1347, 1), (1347, 1347), (10, 64), (7, 3)])
def test_updates_per_epoch_matches_data_minibatches(n, b):
    assert S.updates_per_epoch(n, b) == len(list(minibatches(n, b, 0)))
    assert S.updates_per_epoch(n, b, drop_last=True) == (n // b if b <= n else 1)


def test_drop_last_and_validation():
    assert S.updates_per_epoch(1000, 32, drop_last=True) == 31
    assert S.total_updates(1000, 32, 0) == 0
    with pytest.raises(ValueError, match="batch_size"):
        S.updates_per_epoch(10, 0)
    with pytest.raises(TypeError, match="drop_last"):
        S.updates_per_epoch(10, 2, drop_last=1)
    with pytest.raises(TypeError, match="epochs"):
        S.total_updates(10, 2, 1.5)


def test_sample_batch_distinct_and_reproducible():
    idx = S.sample_batch(100, 30, 3)
    assert len(set(idx.tolist())) == 30 and idx.min() >= 0 and idx.max() < 100
    np.testing.assert_array_equal(idx, S.sample_batch(100, 30, np.random.default_rng(3)))
    with pytest.raises(ValueError, match="at most"):
        S.sample_batch(5, 6, 0)
    with pytest.raises(TypeError, match="rng"):
        S.sample_batch(5, 2, "seed")


def test_flatten_dict_and_array():
    tree = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([7.0, 8.0])}
    np.testing.assert_array_equal(S.flatten(tree), [0, 1, 2, 3, 4, 5, 7, 8])
    np.testing.assert_array_equal(S.flatten(np.ones((2, 2))), np.ones(4))
    with pytest.raises(ValueError):
        S.flatten({})


def _least_squares(rng, n=40, d=3):
    X = rng.standard_normal((n, d))
    y = rng.standard_normal(n)
    theta = rng.standard_normal(d)

    def grad(idx):
        return X[idx].T @ (X[idx] @ theta - y[idx]) / len(idx)

    return grad, X.T @ (X @ theta - y) / n


def test_per_sample_gradients_average_to_full_gradient(rng):
    grad, full = _least_squares(rng)
    G = S.per_sample_gradients(grad, 40)
    assert G.shape == (40, 3)
    np.testing.assert_allclose(G.mean(axis=0), full, atol=1e-12)


def test_minibatch_variance_exact_by_enumeration(rng):
    from itertools import combinations
    grad, full = _least_squares(rng, n=8, d=2)
    G = S.per_sample_gradients(grad, 8)
    for b in (1, 3, 8):
        errs = [np.sum((G[list(c)].mean(axis=0) - full) ** 2) for c in combinations(range(8), b)]
        assert S.minibatch_variance(G, b) == pytest.approx(np.mean(errs), rel=1e-12, abs=1e-15)
    assert S.minibatch_variance(G, 8) == pytest.approx(0.0, abs=1e-15)


def test_minibatch_gradients_unbiased_and_running_mean(rng):
    grad, full = _least_squares(rng, n=50, d=3)
    samples = S.minibatch_gradients(grad, 50, 5, 4000, 1)
    assert samples.shape == (4000, 3)
    err = S.running_mean_error(samples, full)
    assert err.shape == (4000,)
    G = S.per_sample_gradients(grad, 50)
    predicted = np.sqrt(S.minibatch_variance(G, 5) / 4000) / np.linalg.norm(full)
    assert err[-1] < 4 * predicted
    assert err[-1] < err[:10].mean()


def test_cosine_similarity():
    assert S.cosine_similarity([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1.0)
    np.testing.assert_allclose(S.cosine_similarity(np.array([[0.0, 1.0], [-1.0, 0.0]]), [1.0, 0.0]),
                               [0.0, -1.0])
    with pytest.raises(ValueError):
        S.cosine_similarity([0.0, 0.0], [1.0, 0.0])


def test_running_mean_error_validation():
    with pytest.raises(ValueError, match="shape"):
        S.running_mean_error(np.ones((3, 2)), np.ones(3))
    with pytest.raises(ValueError, match="zero"):
        S.running_mean_error(np.ones((3, 2)), np.zeros(2))


def test_softmax_per_sample_gradients_match_nn_loop():
    from descent.book import nn
    rng = np.random.default_rng(5)
    X = rng.standard_normal((12, 4))
    y = rng.integers(0, 3, 12)
    params = nn.softmax_regression_init(4, 3, seed=1, scale=0.5)
    params["b1"] = rng.standard_normal(3)
    G = S.softmax_regression_per_sample_gradients(params, X, y)
    loop = S.per_sample_gradients(lambda idx: nn.loss_and_grad(params, X[idx], y[idx])[1], 12)
    np.testing.assert_allclose(G, loop, atol=1e-12)
    flipped = {"b1": params["b1"], "W1": params["W1"]}
    np.testing.assert_allclose(S.softmax_regression_per_sample_gradients(flipped, X, y)[:, :3], G[:, -3:])


def test_minibatch_means_equal_model_batch_gradients():
    from descent.book import nn
    rng = np.random.default_rng(6)
    X = rng.standard_normal((30, 3))
    y = rng.integers(0, 4, 30)
    params = nn.softmax_regression_init(3, 4, seed=2, scale=0.3)
    G = S.softmax_regression_per_sample_gradients(params, X, y)
    means = S.minibatch_means(G, 7, 5, 9)
    direct = S.minibatch_gradients(lambda idx: nn.loss_and_grad(params, X[idx], y[idx])[1], 30, 7, 5, 9)
    np.testing.assert_allclose(means, direct, atol=1e-12)
