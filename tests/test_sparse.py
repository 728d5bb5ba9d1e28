"""The sparse-feature problem and the vectorised trainer."""
import numpy as np
import pytest

from descent import optimizers as O
from descent import transforms as T
from descent.runner import minimize
from descent.book.sparse import SparseRegression, train_online


def test_data_follow_the_frequencies_and_w_hat_is_the_minimiser():
    p = SparseRegression(n_samples=3000, frequencies=[1.0, 0.5, 0.05, 0.01], seed=3)
    assert p.X.shape == (3000, 4) and set(np.unique(p.X)) <= {0.0, 1.0}
    np.testing.assert_allclose(p.counts / 3000, [1.0, 0.5, 0.05, 0.01], atol=0.03)
    np.testing.assert_allclose(p.grad(p.w_hat), 0.0, atol=1e-10)
    assert p.f(p.w_hat) <= p.f(p.w_star) + 1e-12


def test_grad_matches_finite_differences_and_batches():
    p = SparseRegression(n_samples=200, frequencies=[1.0, 0.3, 0.1], signed=True, seed=1)
    w = np.array([0.3, -1.0, 2.0])
    h = 1e-6
    fd = np.array([(p.f(w + h * e) - p.f(w - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(p.grad(w), fd, rtol=1e-6, atol=1e-8)
    W = np.stack([w, 2 * w], axis=1)
    np.testing.assert_allclose(p.grad(W, [0, 5])[:, 1], p.grad(2 * w, [0, 5]))


def test_train_online_columns_equal_separate_runs():
    p = SparseRegression(n_samples=50, frequencies=[1.0, 0.2], seed=0)
    W = train_online(O.adagrad, p, [0.1, 0.5], batch_size=50, epochs=3)
    for c, lr in enumerate([0.1, 0.5]):   # full batch: the runner with AdaGrad gives the same
        tr = minimize(O.adagrad(lr=lr), p.grad, np.zeros(2), 3)
        np.testing.assert_allclose(W[:, c], tr.x, rtol=1e-12)


def test_divergence_becomes_nan_quietly():
    p = SparseRegression(n_samples=100, seed=0)
    W = train_online(O.sgd, p, [1e-3, 1e3])
    assert np.all(np.isfinite(W[:, 0])) and np.all(np.isnan(W[:, 1]))
    huge = np.full((p.dim, 1), 1e200)
    assert np.isinf(p.f(huge)[0]) and np.isnan(p.f(W)[1])


def test_adagrad_learns_rare_features_better_than_sgd():
    p = SparseRegression(seed=0)
    rare = p.frequencies < 0.02
    errs = {}
    for name, tf, lrs in [("sgd", O.sgd, np.geomspace(1e-3, 1, 7)),
                          ("adagrad", O.adagrad, np.geomspace(1e-2, 10, 7))]:
        W = train_online(tf, p, lrs)
        best = np.nanargmin(p.f(W))
        errs[name] = np.mean(np.abs(W[rare, best] - p.w_hat[rare]))
    assert errs["adagrad"] < errs["sgd"]


@pytest.mark.parametrize("bad", [[], [0.0, 1.5], [[0.5]]])
def test_bad_frequencies(bad):
    with pytest.raises(ValueError):
        SparseRegression(frequencies=bad)


def test_train_online_equals_the_hand_written_minibatch_loop():
    p = SparseRegression(n_samples=300, seed=2)
    lrs = np.array([0.01, 0.3, 3.0])
    W = train_online(O.adagrad, p, lrs, epochs=2, batch_size=4, seed=5)
    rng = np.random.default_rng(5)                  # the loop the chapter used to carry inline
    V = np.zeros((p.dim, lrs.size))
    r = np.zeros_like(V)
    for _ in range(2):
        order = rng.permutation(p.n_samples)
        for start in range(0, p.n_samples, 4):
            G = p.grad(V, order[start:start + 4])
            r += G * G
            V = V - G / (np.sqrt(r) + 1e-10) * lrs
    np.testing.assert_array_equal(W, V)


def test_train_online_takes_a_factory_or_a_scale_transformation():
    p = SparseRegression(n_samples=200, seed=4)
    lrs = [0.01, 0.3, 3.0]
    np.testing.assert_array_equal(train_online(T.scale_by_rss(), p, lrs, batch_size=3),
                                  train_online(O.adagrad, p, lrs, batch_size=3))
    np.testing.assert_array_equal(train_online(T.identity(), p, lrs[:2]), train_online(O.sgd, p, lrs[:2]))
    with pytest.raises(TypeError, match="factory"):
        train_online(0.1, p, [0.1])


def test_column_norm_rss_is_scalar_adagrad_per_column():
    from descent.book.sparse import scale_by_column_norm_rss
    tr = scale_by_column_norm_rss(eps=0.0)
    W = np.zeros((3, 2))
    state = tr.init(W)
    g1 = np.array([[3.0, 1.0], [4.0, 0.0], [0.0, 0.0]])
    u1, state = tr.update(g1, state, W)
    np.testing.assert_allclose(u1[:, 0], g1[:, 0] / 5.0)          # norm of column 0 is 5
    np.testing.assert_allclose(u1[:, 1], g1[:, 1] / 1.0)
    g2 = np.array([[0.0, 0.0], [0.0, 0.0], [12.0, 0.0]])
    u2, state = tr.update(g2, state, W)
    np.testing.assert_allclose(u2[2, 0], 12.0 / 13.0)             # sqrt(25 + 144)
    np.testing.assert_allclose(state, [169.0, 1.0])


def test_column_norm_rss_rejects_bad_input():
    from descent.book.sparse import scale_by_column_norm_rss
    with pytest.raises(ValueError, match="eps"):
        scale_by_column_norm_rss(eps=-1.0)
    tr = scale_by_column_norm_rss()
    with pytest.raises(ValueError, match="2-D"):
        tr.init(np.zeros(3))
    with pytest.raises(ValueError, match="grads"):
        tr.update(np.zeros((3, 5)), tr.init(np.zeros((3, 2))))
