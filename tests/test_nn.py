"""Small networks (descent.book.nn) and the digits data (descent.book.data)."""
import time

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax
from sklearn.metrics import log_loss

from descent.book import data, nn
from descent.transforms import apply_updates, chain, scale_by_adam, scale_by_learning_rate, trace


@pytest.fixture(scope="module")
def digits():
    return data.load_digits_split()


def _numerical_grad(params, X, y, **kw):
    """Central differences (h = 1e-6) of nn.loss in every parameter."""
    h = 1e-6
    grads = {}
    for key, value in params.items():
        g = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            plus = {k: v.copy() for k, v in params.items()}
            minus = {k: v.copy() for k, v in params.items()}
            plus[key][i] += h
            minus[key][i] -= h
            g[i] = (nn.loss(plus, X, y, **kw) - nn.loss(minus, X, y, **kw)) / (2 * h)
        grads[key] = g
    return grads


def _small_problem(rng, n=9, d=5, k=3):
    return rng.standard_normal((n, d)), rng.integers(0, k, size=n)


# --- back-propagation against finite differences ---------------------------------------

@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_softmax_regression_gradient_matches_finite_differences(rng, l2):
    X, y = _small_problem(rng)
    params = nn.softmax_regression_init(5, 3, seed=1, scale=0.5)
    params["b1"] = rng.standard_normal(3)
    value, grads = nn.loss_and_grad(params, X, y, l2=l2)
    assert value == pytest.approx(nn.loss(params, X, y, l2=l2), rel=1e-15)
    numeric = _numerical_grad(params, X, y, l2=l2)
    assert list(grads) == list(params)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_mlp_gradient_matches_finite_differences(rng, activation, l2):
    X, y = _small_problem(rng)
    params = nn.mlp_init([5, 4, 3], seed=2, activation=activation)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}  # nonzero b
    _, grads = nn.loss_and_grad(params, X, y, l2=l2, activation=activation)
    numeric = _numerical_grad(params, X, y, l2=l2, activation=activation)
    for key in params:
        np.testing.assert_allclose(grads[key], numeric[key], rtol=1e-6, atol=1e-8)


def test_loss_is_cross_entropy_plus_l2_penalty(rng):
    X, y = _small_problem(rng, n=20, k=4)
    params = nn.mlp_init([5, 6, 4], seed=0)
    probs = softmax(nn.logits(params, X), axis=1)
    ce = log_loss(y, probs, labels=range(4))
    assert nn.loss(params, X, y) == pytest.approx(ce, rel=1e-12)
    penalty = 0.5 * 0.2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
    assert nn.loss(params, X, y, l2=0.2) == pytest.approx(ce + penalty, rel=1e-12)


def test_log_softmax_is_stable_for_huge_logits():
    Z = np.array([[1e4, 0.0, -1e4], [800.0, 800.0, 800.0]])
    out = nn.log_softmax(Z)                               # no overflow warning (-W error)
    np.testing.assert_allclose(out, scipy_log_softmax(Z, axis=1))
    assert out[1] == pytest.approx(np.full(3, -np.log(3)))


def test_float32_stays_float32(rng):
    X, y = _small_problem(rng)
    params = nn.mlp_init([5, 4, 3], seed=0, dtype=np.float32)
    _, grads = nn.loss_and_grad(params, X.astype(np.float32), y, l2=0.1)
    assert {g.dtype for g in grads.values()} == {np.dtype(np.float32)}


# --- initialisation ----------------------------------------------------------------------

def test_loss_at_init_is_about_log_k(digits):
    X_train, y_train, _, _ = digits
    params = nn.softmax_regression_init(64, 10, seed=0)
    assert nn.loss(params, X_train, y_train) == pytest.approx(np.log(10), abs=0.02)
    zero = nn.softmax_regression_init(64, 10, scale=0.0)
    assert nn.loss(zero, X_train, y_train) == pytest.approx(np.log(10), rel=1e-12)
    mlp = nn.mlp_init([64, 32, 10], seed=0)
    assert nn.loss(mlp, X_train, y_train) == pytest.approx(np.log(10), abs=0.5)


def test_mlp_init_variances_and_determinism():
    tanh = nn.mlp_init([400, 300, 10], seed=3, activation="tanh")
    relu = nn.mlp_init([400, 300, 10], seed=3, activation="relu")
    assert tanh["W1"].std() == pytest.approx(np.sqrt(2 / 700), rel=0.02)      # Glorot
    assert relu["W1"].std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)      # He
    assert relu["W2"].std() == pytest.approx(np.sqrt(2 / 310), rel=0.05)      # output: Glorot
    assert not relu["b1"].any()
    again = nn.mlp_init([400, 300, 10], seed=3, activation="tanh")
    assert all(np.array_equal(tanh[k], again[k]) for k in tanh)
    assert list(tanh) == ["W1", "b1", "W2", "b2"]


# --- training -------------------------------------------------------------------------------

def test_full_batch_gd_trains_softmax_regression_on_digits(digits):
    X_train, y_train, X_test, y_test = digits
    params = nn.softmax_regression_init(64, 10, seed=0)
    rec = nn.train(scale_by_learning_rate(0.2), params, X_train, y_train, batch_size=None,
                   epochs=150, eval_every=50, X_test=X_test, y_test=y_test)
    assert rec.n_updates == 150 and not rec.diverged
    assert np.all(np.diff(rec.losses) < 0)               # GD on a smooth convex loss descends
    assert rec.losses[-1] < 0.25 < np.log(10) - 1
    assert rec.test_accuracy[-1] > 0.9
    np.testing.assert_array_equal(rec.eval_updates, [0, 50, 100, 150])
    np.testing.assert_array_equal(rec.grad_evals, len(X_train) * np.arange(1, 151))
    assert rec.train_loss[0] == pytest.approx(nn.loss(params, X_train, y_train))
    assert rec.train_loss[-1] == pytest.approx(nn.loss(rec.params, X_train, y_train))
    assert rec.test_accuracy[-1] == nn.accuracy(rec.params, X_test, y_test)


def test_train_full_batch_equals_a_hand_written_gd_loop(digits):
    X_train, y_train, _, _ = digits
    params = nn.mlp_init([64, 8, 10], seed=1)
    rec = nn.train(scale_by_learning_rate(0.5), params, X_train, y_train, batch_size=None, epochs=3)
    p = params
    for _ in range(3):
        _, g = nn.loss_and_grad(p, X_train, y_train)
        p = {k: p[k] - 0.5 * g[k] for k in p}
    for k in p:
        np.testing.assert_allclose(rec.params[k], p[k], rtol=1e-12, atol=1e-14)
    assert rec.test_accuracy is None


def test_minibatch_training_is_fast_and_accurate(digits):
    X_train, y_train, X_test, y_test = digits
    params = nn.mlp_init([64, 32, 10], seed=0, activation="relu")
    before = {k: v.copy() for k, v in params.items()}
    opt = chain(scale_by_adam(), scale_by_learning_rate(1e-2))
    start = time.perf_counter()
    rec = nn.train(opt, params, X_train, y_train, batch_size=32, epochs=4, seed=0, eval_every=20,
                   X_test=X_test, y_test=y_test, activation="relu")
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    n = len(X_train)
    assert rec.n_updates == 4 * int(np.ceil(n / 32))
    assert rec.grad_evals[-1] == 4 * n and rec.epochs[-1] == 4
    assert set(np.diff(rec.grad_evals)) == {32, n % 32}   # last batch of an epoch is partial
    assert rec.update_times.shape == rec.losses.shape and np.all(rec.update_times > 0)
    assert np.all(np.diff(rec.wall_time) > 0)
    assert rec.test_accuracy[-1] > 0.9 and rec.train_loss[-1] < 0.3 * rec.train_loss[0]
    assert rec.eval_updates[-1] == rec.n_updates
    assert all(np.array_equal(params[k], before[k]) for k in params)   # input untouched
    again = nn.train(opt, params, X_train, y_train, batch_size=32, epochs=4, seed=0,
                     activation="relu")
    np.testing.assert_array_equal(again.losses, rec.losses)            # same seed, same run


def test_sgd_momentum_on_float32_keeps_float32(digits):
    X_train, y_train, _, _ = data.load_digits_split(dtype=np.float32)
    params = nn.softmax_regression_init(64, 10, dtype=np.float32)
    rec = nn.train(chain(trace(0.9), scale_by_learning_rate(0.05)), params, X_train, y_train,
                   batch_size=64, epochs=1)
    assert {v.dtype for v in rec.params.values()} == {np.dtype(np.float32)}
    assert rec.train_loss[-1] < rec.train_loss[0]


def test_divergence_is_detected_without_warnings(digits):
    X_train, y_train, _, _ = digits
    params = nn.mlp_init([64, 32, 10], seed=0, activation="relu")
    rec = nn.train(scale_by_learning_rate(1e4), params, X_train, y_train, batch_size=32, epochs=5,
                   activation="relu")
    assert rec.diverged
    assert rec.n_updates < 5 * 43
    assert np.isfinite(rec.losses).all()


# --- data -----------------------------------------------------------------------------------

def test_load_digits_split_standardises_with_training_statistics_only():
    X_train, y_train, X_test, y_test = data.load_digits_split(test_size=0.25, seed=0)
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert y_train.dtype == np.int64 and set(np.unique(y_test)) == set(range(10))
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    std = X_train.std(axis=0)
    assert np.all(np.isclose(std, 1.0) | np.isclose(std, 0.0))
    assert abs(X_test.mean()) > 1e-6                      # test statistics were not used
    raw_train, raw_y, raw_test, _ = data.load_digits_split(standardize=False)
    assert raw_train.min() == 0 and raw_train.max() == 16
    np.testing.assert_array_equal(raw_y, y_train)
    mu, sd = raw_train.mean(axis=0), raw_train.std(axis=0)
    sd[sd == 0] = 1.0
    np.testing.assert_allclose(X_test, (raw_test - mu) / sd)
    # stratified: each class keeps its share
    share = np.bincount(y_test, minlength=10) / np.bincount(np.r_[y_train, y_test])
    np.testing.assert_allclose(share, 0.25, atol=0.006)


def test_load_digits_split_dtype_determinism_and_errors():
    a = data.load_digits_split(seed=3, dtype=np.float32)
    b = data.load_digits_split(seed=3, dtype=np.float32)
    assert a[0].dtype == np.float32
    assert all(np.array_equal(u, w) for u, w in zip(a, b))
    assert not np.array_equal(a[1], data.load_digits_split(seed=4)[1])
    with pytest.raises(ValueError, match="test_size"):
        data.load_digits_split(test_size=1.0)
    with pytest.raises(ValueError, match="dtype"):
        data.load_digits_split(dtype=np.int32)
    with pytest.raises(TypeError, match="seed"):
        data.load_digits_split(seed=1.5)


def test_minibatches_cover_every_index_once_per_epoch():
    rng = np.random.default_rng(0)
    batches = list(data.minibatches(103, 10, rng))
    assert [len(b) for b in batches] == [10] * 10 + [3]
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(103))
    assert not np.array_equal(np.concatenate(batches), np.arange(103))     # shuffled
    second = np.concatenate(list(data.minibatches(103, 10, rng)))
    assert not np.array_equal(second, np.concatenate(batches))            # new shuffle per epoch
    same = [np.array_equal(u, w) for u, w in zip(data.minibatches(50, 7, 5), data.minibatches(50, 7, 5))]
    assert all(same)
    assert [len(b) for b in data.minibatches(5, 100, rng)] == [5]


def test_minibatches_and_one_hot_reject_bad_input():
    with pytest.raises(ValueError, match="batch_size"):
        data.minibatches(10, 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        data.minibatches(10, 2, np.random.RandomState(0))
    with pytest.raises(ValueError, match="n"):
        data.minibatches(0, 2, 0)
    np.testing.assert_array_equal(data.one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="0 … 2"):
        data.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="integer"):
        data.one_hot([0.0, 1.0], 3)


# --- bad inputs -------------------------------------------------------------------------------

def test_bad_inputs_raise_clear_errors(rng):
    X, y = _small_problem(rng)
    params = nn.mlp_init([5, 4, 3], seed=0)
    with pytest.raises(ValueError, match="features"):
        nn.loss_and_grad(params, X[:, :4], y)
    with pytest.raises(ValueError, match="labels but X has"):
        nn.loss_and_grad(params, X, y[:-1])
    with pytest.raises(ValueError, match="0 … 2"):
        nn.loss_and_grad(params, X, np.full(len(X), 3))
    with pytest.raises(ValueError, match="0 … 2"):
        nn.accuracy(params, X, np.full(len(X), -1))
    with pytest.raises(TypeError, match="integer class labels"):
        nn.loss_and_grad(params, X, y.astype(float))
    with pytest.raises(ValueError, match="2-D"):
        nn.predict(params, X[0])
    with pytest.raises(ValueError, match="finite"):
        nn.loss_and_grad(params, np.where(X > 1, np.nan, X), y)
    with pytest.raises(ValueError, match="keys"):
        nn.loss_and_grad({"W1": params["W1"]}, X, y)
    with pytest.raises(ValueError, match="input rows"):
        nn.loss_and_grad({**params, "W2": np.zeros((5, 3))}, X, y)
    with pytest.raises(ValueError, match="b1"):
        nn.loss_and_grad({**params, "b1": np.zeros(3)}, X, y)
    with pytest.raises(ValueError, match="activation"):
        nn.loss_and_grad(params, X, y, activation="sigmoid")
    with pytest.raises(ValueError, match="l2"):
        nn.loss_and_grad(params, X, y, l2=-1.0)
    with pytest.raises(TypeError, match="GradientTransformation"):
        nn.train(lambda g: g, params, X, y, batch_size=2, epochs=1)
    with pytest.raises(ValueError, match="X_test and y_test"):
        nn.train(scale_by_learning_rate(0.1), params, X, y, batch_size=2, epochs=1, X_test=X)
    with pytest.raises(ValueError, match="epochs"):
        nn.train(scale_by_learning_rate(0.1), params, X, y, batch_size=2, epochs=0)
    with pytest.raises(ValueError, match="sizes"):
        nn.mlp_init([5], seed=0)
    with pytest.raises(ValueError, match="n_classes"):
        nn.softmax_regression_init(5, 1)


def test_params_plug_into_transforms(rng):
    X, y = _small_problem(rng)
    params = nn.mlp_init([5, 4, 3], seed=0)
    opt = scale_by_learning_rate(0.1)
    _, g = nn.loss_and_grad(params, X, y)
    updates, _ = opt.update(g, opt.init(params), params)
    new = apply_updates(params, updates)
    assert nn.loss(new, X, y) < nn.loss(params, X, y)


def test_train_drop_last_skips_the_partial_batch(digits):
    X_train, y_train, _, _ = digits
    n = len(X_train)
    assert n % 32, "the test needs a batch size that does not divide the training set"
    params = nn.softmax_regression_init(64, 10, seed=0)
    rec = nn.train(scale_by_learning_rate(0.1), params, X_train, y_train, batch_size=32, epochs=2,
                   seed=3, drop_last=True)
    assert rec.n_updates == 2 * (n // 32)
    assert set(np.diff(rec.grad_evals)) == {32} and rec.grad_evals[-1] == 2 * 32 * (n // 32)
    # the same shuffles as without drop_last: the full batches of each epoch are identical
    kept = nn.train(scale_by_learning_rate(0.1), params, X_train, y_train, batch_size=32, epochs=1,
                    seed=3, drop_last=True)
    np.testing.assert_allclose(kept.losses, rec.losses[: n // 32])
    with pytest.raises(TypeError, match="drop_last"):
        nn.train(scale_by_learning_rate(0.1), params, X_train, y_train, batch_size=32, epochs=1,
                 drop_last="yes")
