"""Gradient transformations: composition, dtypes, dict parameters, closed forms, bad input."""
import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import descent
from descent import transforms as T


def run(opt, grad, x0, steps):
    x, state = x0, opt.init(x0)
    xs = [x]
    for _ in range(steps):
        u, state = opt.update(grad(x), state, x)
        x = descent.apply_updates(x, u)
        xs.append(x)
    return np.array(xs)


def quad_grad(x):
    return np.array([1.0, 10.0]) * x + 0.1 * np.cos(x)


X0 = np.array([1.5, -0.7])


# --- the named optimizers are literally chains of blocks --------------------------------

@pytest.mark.parametrize("named,chained", [
    (descent.sgd(0.05, momentum=0.9, nesterov=True),
     T.chain(T.trace(0.9, nesterov=True), T.scale(-0.05))),
    (descent.rmsprop(0.01, alpha=0.9), T.chain(T.scale_by_rms(0.9, 1e-8), T.scale(-0.01))),
    (descent.adagrad(0.1), T.chain(T.scale_by_rss(0.0, 1e-10), T.scale(-0.1))),
    (descent.adam(0.01), T.chain(T.scale_by_adam(0.9, 0.999, 1e-8), T.scale(-0.01))),
    (descent.adamw(0.01, weight_decay=0.1),
     T.chain(T.scale_by_adam(), T.add_decayed_weights(0.1), T.scale(-0.01))),
    (descent.adadelta(), T.chain(T.scale_by_adadelta(0.9, 1e-6), T.scale(-1.0))),
])
def test_named_equals_chain_of_blocks(named, chained):
    np.testing.assert_array_equal(run(named, quad_grad, X0, 100), run(chained, quad_grad, X0, 100))


def test_adam_is_momentum_plus_rms_plus_bias_correction():
    """Adam's update written out from two debiased EMAs equals scale_by_adam."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    m_ema, v_ema = T.ema(b1, debias_=True), T.ema(b2, debias_=True)
    sm, sv = m_ema.init(X0), v_ema.init(X0)
    adam = T.scale_by_adam(b1, b2, eps)
    sa = adam.init(X0)
    rng = np.random.default_rng(0)
    for _ in range(50):
        g = rng.standard_normal(2)
        m_hat, sm = m_ema.update(g, sm)
        v_hat, sv = v_ema.update(g * g, sv)
        u, sa = adam.update(g, sa)
        np.testing.assert_allclose(u, m_hat / (np.sqrt(v_hat) + eps), rtol=1e-12)


# --- closed forms ----------------------------------------------------------------------

def test_gd_on_quadratic_matches_closed_form():
    A = np.diag([1.0, 10.0])
    xs = run(descent.sgd(0.15), lambda x: A @ x, X0, 30)
    for k in (1, 7, 30):
        np.testing.assert_allclose(xs[k], np.linalg.matrix_power(np.eye(2) - 0.15 * A, k) @ X0)


def test_ema_unrolled_weights_and_debias():
    beta, rng = 0.8, np.random.default_rng(1)
    gs = rng.standard_normal((12, 3))
    t = T.ema(beta)
    s = t.init(gs[0])
    for k, g in enumerate(gs, start=1):
        out, s = t.update(g, s)
        w = (1 - beta) * beta ** (k - np.arange(1, k + 1))
        np.testing.assert_allclose(out, w @ gs[:k], rtol=1e-12)
        np.testing.assert_allclose(w.sum(), 1 - beta**k)
    # debiased EMA of a constant is the constant from the first step on
    t = T.ema(0.99, debias_=True)
    s = t.init(np.zeros(2))
    for _ in range(5):
        out, s = t.update(np.array([3.0, -2.0]), s)
        np.testing.assert_allclose(out, [3.0, -2.0])


def test_goodfellow_momentum_form_gives_same_iterates():
    """Goodfellow et al. Alg. 8.2: v <- a v - eps g; theta <- theta + v."""
    lr, mu = 0.02, 0.9
    ours = run(descent.sgd(lr, momentum=mu), quad_grad, X0, 80)
    theta, vel, ref = X0.copy(), np.zeros(2), [X0]
    for _ in range(80):
        vel = mu * vel - lr * quad_grad(theta)
        theta = theta + vel
        ref.append(theta)
    np.testing.assert_allclose(ours, np.array(ref), rtol=1e-12, atol=1e-15)


def test_nesterov_lookahead_form_gives_same_iterates():
    """Goodfellow et al. Alg. 8.3 in look-ahead variables: phi = theta + mu v."""
    lr, mu = 0.02, 0.9
    ours = run(descent.sgd(lr, momentum=mu, nesterov=True), quad_grad, X0, 80)
    theta, vel = X0.copy(), np.zeros(2)
    # PyTorch's iterate is the look-ahead point of Algorithm 8.3 after the first step
    lookahead = []
    for _ in range(80):
        vel = mu * vel - lr * quad_grad(theta + mu * vel)
        theta = theta + vel
        lookahead.append(theta + mu * vel)
    np.testing.assert_allclose(ours[1:], np.array(lookahead), rtol=1e-10, atol=1e-13)


def test_clip_by_value_and_norm():
    g = np.array([3.0, -4.0])
    clipped, _ = T.clip(1.0).update(g, None)
    np.testing.assert_array_equal(clipped, [1.0, -1.0])
    normed, _ = T.clip_by_global_norm(1.0).update(g, None)
    np.testing.assert_allclose(normed, g / (5.0 + 1e-6))
    small, _ = T.clip_by_global_norm(10.0).update(g, None)
    np.testing.assert_array_equal(small, g)


def test_eps_inside_and_outside_the_root():
    g = np.array([1e-3])
    inside, _ = T.scale_by_rms(0.0, 1e-4, eps_in_sqrt=True).update(g, T.scale_by_rms(0.0, 1e-4, True).init(g))
    outside, _ = T.scale_by_rms(0.0, 1e-4).update(g, T.scale_by_rms(0.0, 1e-4).init(g))
    np.testing.assert_allclose(inside, g / np.sqrt(g**2 + 1e-4))
    np.testing.assert_allclose(outside, g / (np.abs(g) + 1e-4))


def test_schedule_counts_from_zero():
    seen = []
    t = T.scale_by_schedule(lambda k: seen.append(k) or 1.0)
    s = t.init(X0)
    for _ in range(3):
        _, s = t.update(X0, s)
    assert seen == [0, 1, 2]


# --- dtypes and containers ---------------------------------------------------------------

ALL = [descent.sgd(0.1, momentum=0.9, nesterov=True), descent.adagrad(), descent.rmsprop(centered=True, momentum=0.5),
       descent.adadelta(), descent.adam(amsgrad=True), descent.adamw(),
       T.chain(T.clip_by_global_norm(1.0), T.clip(0.5), T.ema(0.9, debias_=True), T.scale(-0.1))]


@pytest.mark.parametrize("opt", ALL)
def test_float32_stays_float32(opt):
    x = np.ones(5, dtype=np.float32)
    u, state = opt.update(np.full(5, 0.3, dtype=np.float32), opt.init(x), x)
    assert u.dtype == np.float32
    assert descent.apply_updates(x, u).dtype == np.float32
    for leaf in _state_arrays(state):
        assert leaf.dtype == np.float32


def _state_arrays(state):
    if isinstance(state, np.ndarray):
        yield state
    elif isinstance(state, dict):
        for v in state.values():
            yield from _state_arrays(v)
    elif isinstance(state, tuple):
        for v in state:
            yield from _state_arrays(v)


@pytest.mark.parametrize("opt", ALL[:-1])
def test_dict_params_equal_separate_arrays(opt):
    params = {"w": np.array([1.0, -2.0, 0.5]), "b": np.array([0.3])}
    grads = lambda p: {"w": np.sin(p["w"]) + p["w"], "b": 2 * p["b"]}  # noqa: E731
    opt2 = copy.deepcopy(opt)
    s = opt.init(params)
    for _ in range(20):
        u, s = opt.update(grads(params), s, params)
        params = descent.apply_updates(params, u)
    # the same optimizer applied to each leaf on its own (elementwise rules)
    w, b = np.array([1.0, -2.0, 0.5]), np.array([0.3])
    sw, sb = opt2.init(w), copy.deepcopy(opt2).init(b)
    opt_b = copy.deepcopy(opt2)
    for _ in range(20):
        uw, sw = opt2.update(np.sin(w) + w, sw, w)
        ub, sb = opt_b.update(2 * b, sb, b)
        w, b = w + uw, b + ub
    np.testing.assert_allclose(params["w"], w, rtol=1e-12)
    np.testing.assert_allclose(params["b"], b, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.floats(-1e3, 1e3)),
       st.sampled_from(range(len(ALL))))
def test_shapes_preserved_and_finite(x, which):
    opt = ALL[which]
    g = np.tanh(x) + 0.5
    u, state = opt.update(g, opt.init(x), x)
    assert u.shape == x.shape
    assert np.all(np.isfinite(u))
    u, _ = opt.update(g, state, x)
    assert u.shape == x.shape


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,match", [
    (lambda: descent.sgd(-0.1), "lr"),
    (lambda: descent.sgd(0.1, momentum=-1), "momentum"),
    (lambda: descent.sgd(0.1, nesterov=True), "Nesterov"),
    (lambda: descent.adam(betas=(0.9, 1.0)), r"betas\[1\]"),
    (lambda: descent.adam(betas=(-0.1, 0.9)), r"betas\[0\]"),
    (lambda: descent.adam(lr=float("nan")), "lr"),
    (lambda: descent.rmsprop(alpha=1.5), "alpha"),
    (lambda: descent.adagrad(eps=-1), "eps"),
    (lambda: descent.adadelta(rho=1.0), "rho"),
    (lambda: T.clip(0.0), "max_delta"),
    (lambda: T.clip_by_global_norm(-1.0), "max_norm"),
])
def test_bad_hyperparameters_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make,match", [
    (lambda: descent.sgd("0.1"), "lr"),
    (lambda: descent.adam(betas=0.9), "betas"),
    (lambda: T.chain(descent.sgd(0.1), "adam"), r"transforms\[1\]"),
    (lambda: T.scale_by_schedule(0.1), "schedule"),
])
def test_bad_types_raise_type_error(make, match):
    with pytest.raises(TypeError, match=match):
        make()


def test_mismatched_params_and_grads_raise():
    opt = descent.adam()
    x = np.zeros(3)
    s = opt.init(x)
    with pytest.raises(ValueError, match="shape"):
        opt.update(np.zeros(4), s, x)
    p = {"w": np.zeros(2), "b": np.zeros(1)}
    s = opt.init(p)
    with pytest.raises(ValueError, match="keys"):
        opt.update({"w": np.zeros(2), "c": np.zeros(1)}, s, p)
    with pytest.raises(TypeError, match="both"):
        opt.update(np.zeros(2), s, p)
    with pytest.raises(TypeError, match="grads"):
        opt.update("gradient", s, x)
    with pytest.raises(ValueError, match="shape"):
        descent.apply_updates(np.zeros(2), np.zeros(3))


def test_schedule_returning_negative_lr_raises():
    opt = descent.sgd(lambda k: 0.1 - 0.05 * k)
    x = np.zeros(1)
    s = opt.init(x)
    for _ in range(3):
        u, s = opt.update(np.ones(1), s, x)
    with pytest.raises(ValueError, match="lr"):
        opt.update(np.ones(1), s, x)


def test_weight_decay_without_params_raises():
    opt = descent.sgd(0.1, weight_decay=0.1)
    with pytest.raises(ValueError, match="params"):
        opt.update(np.ones(2), opt.init(np.ones(2)))


# --- a final constant scale is fused into the block before it, with the same bits -----------

FUSABLE_BLOCKS = {
    "trace": lambda: T.trace(0.9),
    "nesterov": lambda: T.trace(0.9, nesterov=True),
    "ema": lambda: T.ema(0.8, debias_=True),
    "rss": lambda: T.scale_by_rss(0.1),
    "rms": lambda: T.scale_by_rms(0.9, centered=True),
    "adam": lambda: T.scale_by_adam(amsgrad=True),
    "adadelta": lambda: T.scale_by_adadelta(),
    "decay": lambda: T.add_decayed_weights(0.1),
    "no decay": lambda: T.add_decayed_weights(0.0),
}


@pytest.mark.parametrize("n", [3, 3 * 2**15 + 7])          # the fast path and the blocked path
@pytest.mark.parametrize("name", sorted(FUSABLE_BLOCKS))
def test_fused_scale_equals_the_two_blocks_one_after_the_other(name, n):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(n).astype(np.float32)
    fused = T.chain(FUSABLE_BLOCKS[name](), T.scale(-0.03))
    block, last = FUSABLE_BLOCKS[name](), T.scale(-0.03)
    sf, sb, sl = fused.init(x), block.init(x), last.init(x)
    for _ in range(3):
        g = (np.sin(x) + rng.standard_normal(n)).astype(np.float32)
        uf, sf = fused.update(g, sf, x)
        ub, sb = block.update(g, sb, x)
        ub, sl = last.update(ub, sl, x)
        np.testing.assert_array_equal(uf, ub)
        x = descent.apply_updates(x, uf)
    assert len(sf) == 2 and uf.dtype == np.float32


@pytest.mark.parametrize("name", ["rss", "adam", "trace"])
def test_fused_schedule_equals_the_two_blocks(name):
    x = np.linspace(-1.0, 1.0, 5)
    sched = descent.cosine_decay(0.1, 4)
    fused = T.chain(FUSABLE_BLOCKS[name](), T.scale_by_learning_rate(sched))
    block, last = FUSABLE_BLOCKS[name](), T.scale_by_learning_rate(sched)
    sf, sb, sl = fused.init(x), block.init(x), last.init(x)
    for _ in range(6):
        uf, sf = fused.update(np.cos(x), sf, x)
        ub, sb = block.update(np.cos(x), sb, x)
        ub, sl = last.update(ub, sl, x)
        np.testing.assert_array_equal(uf, ub)
        assert sf[1] == sl
        x = x + uf
