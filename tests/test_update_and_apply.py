"""descent.update_and_apply: one step in one pass, bit for bit update + apply_updates.

With ``donate=False`` parameters and state stay values (the optax contract); with
``donate=True`` they are overwritten in place, like a ``torch.optim`` step, and the donated
state refuses reuse.
"""
from __future__ import annotations

import copy

import numpy as np
import pytest

import descent as d
from descent import _parallel
from descent import landscapes as L

OPTIMIZERS = {
    "sgd": lambda: d.sgd(0.1),
    "sgd-wd": lambda: d.sgd(0.1, weight_decay=0.01),
    "momentum-dampening": lambda: d.sgd(0.1, momentum=0.9, dampening=0.3),
    "nesterov": lambda: d.sgd(0.1, momentum=0.9, nesterov=True),
    "adagrad": lambda: d.adagrad(0.1, lr_decay=0.01),
    "rmsprop": lambda: d.rmsprop(0.01),
    "rmsprop-centred-momentum": lambda: d.rmsprop(0.01, centered=True, momentum=0.5),
    "adadelta": lambda: d.adadelta(),
    "adam": lambda: d.adam(1e-2),
    "amsgrad-l2": lambda: d.adam(1e-2, amsgrad=True, weight_decay=0.1),
    "adamw": lambda: d.adamw(1e-2),
    "clip+adamw+cosine": lambda: d.chain(d.clip_by_global_norm(1.0), d.adamw(d.cosine_decay(0.01, 100))),
    "ema-debiased": lambda: d.chain(d.ema(0.9, debias_=True), d.scale(-0.1)),
    "a bare block": lambda: d.scale_by_adam(),
    "inject_hyperparams": lambda: d.inject_hyperparams(d.adam)(lr=0.01),
    "masked decay": lambda: d.adamw(1e-2, mask=lambda p: d.tree_map(lambda x: x.ndim > 1, p)),
}

# With the blocks and the threshold for threads made small (the fixture below), 70,001
# elements are many blocks split across 2 threads, and the tree's matrix is too.
SHAPES = {"small": (5,), "blocks": (70_001,), "tree": None}


def _params(kind: str, dtype, rng) -> d.transforms.Tree:
    if kind == "tree":
        return {"W": rng.standard_normal((260, 270)).astype(dtype), "b": [rng.standard_normal(3).astype(dtype)]}
    return rng.standard_normal(SHAPES[kind]).astype(dtype)


def _leaves(tree):
    return d.tree_leaves(tree)


def _same(a, b) -> bool:
    return all(x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True) for x, y in zip(_leaves(a), _leaves(b)))


def _arrays(state) -> list:
    """Every array in a state (NamedTuples, tuples, dicts), in order."""
    if isinstance(state, np.ndarray):
        return [state]
    if isinstance(state, dict):
        return [a for v in state.values() for a in _arrays(v)]
    if isinstance(state, (tuple, list)):
        return [a for v in state for a in _arrays(v)]
    return []


def _same_state(a, b) -> bool:
    xs, ys = _arrays(a), _arrays(b)
    return len(xs) == len(ys) > 0 and all(np.array_equal(x, y) for x, y in zip(xs, ys))


@pytest.fixture(autouse=True)
def small_blocks_on_two_threads(monkeypatch):
    monkeypatch.setattr(_parallel, "BLOCK", 4096)
    monkeypatch.setattr(_parallel, "MIN_PARALLEL_SIZE", 16_384)
    previous = d.set_num_threads(2)
    yield
    d.set_num_threads(previous)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", list(SHAPES))
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_equals_update_then_apply_bit_for_bit(name, kind, dtype):
    rng = np.random.default_rng(7)
    p0 = _params(kind, dtype, rng)
    grads = [d.tree_map(lambda x: rng.standard_normal(x.shape).astype(dtype), p0) for _ in range(3)]
    opt = OPTIMIZERS[name]()
    p, s = copy.deepcopy(p0), opt.init(p0)
    expected = []
    for g in grads:
        u, s = opt.update(g, s, p)
        p = d.apply_updates(p, u)
        expected.append(copy.deepcopy(p))
    for donate in (False, True):
        p, s = copy.deepcopy(p0), opt.init(copy.deepcopy(p0))
        for k, g in enumerate(grads):
            p, s = d.update_and_apply(opt, g, s, p, donate=donate)
            assert _same(p, expected[k]), (donate, k)


@pytest.mark.parametrize("name", ["adam", "nesterov", "adadelta", "clip+adamw+cosine"])
def test_without_donation_params_and_state_are_values(name):
    rng = np.random.default_rng(1)
    opt = OPTIMIZERS[name]()
    p = {"W": rng.standard_normal((300, 250)), "b": rng.standard_normal(4)}
    g = d.tree_map(lambda x: rng.standard_normal(x.shape), p)
    s = opt.init(p)
    p_before, s_before = copy.deepcopy(p), copy.deepcopy(s)
    p1, s1 = d.update_and_apply(opt, g, s, p)
    assert _same(p, p_before)                                  # params untouched
    assert _same_state(s, s_before)                            # state untouched
    p1_again, _ = d.update_and_apply(opt, g, s, p)              # the same state again: same step
    assert _same(p1_again, p1)


def test_donation_writes_in_place_and_makes_the_state_stale():
    rng = np.random.default_rng(2)
    opt = d.adam(1e-2)
    p = {"W": rng.standard_normal((300, 250)), "b": rng.standard_normal(4)}
    leaves = _leaves(p)
    g = d.tree_map(lambda x: rng.standard_normal(x.shape), p)
    s = opt.init(p)
    p1, s1 = d.update_and_apply(opt, g, s, p, donate=True)
    assert all(a is b for a, b in zip(_leaves(p1), leaves))    # the same arrays, updated
    with pytest.raises(d.StaleStateError):
        opt.update(g, s, p1)                                   # the donated state is gone
    p2, s2 = d.update_and_apply(opt, g, s1, p1, donate=True)   # the returned one goes on
    assert _leaves(p2)[0] is leaves[0]


def test_donated_state_keeps_its_memory_across_steps():
    """In place means no new state arrays: the moments live in the same two buffers."""
    rng = np.random.default_rng(3)
    opt = d.adam(1e-3)
    p = rng.standard_normal(50_000).astype(np.float32)
    s = opt.init(p)
    mu_id = id(s[1].mu)
    for _ in range(4):
        p, s = d.update_and_apply(opt, rng.standard_normal(p.size).astype(np.float32), s, p, donate=True)
    assert id(s[1].mu) == mu_id and p.dtype == np.float32 and s[1].mu.dtype == np.float32


def test_integer_params_are_promoted():
    opt = d.sgd(0.5)
    p, _ = d.update_and_apply(opt, np.array([1.0, 2.0]), opt.init(np.array([1.0, 1.0])), np.array([3, 4]))
    assert p.dtype == np.float64 and np.array_equal(p, [2.5, 3.0])


def test_a_custom_transformation_is_applied_after_its_update():
    double = d.GradientTransformation(lambda p: None, lambda g, s, p=None: (2.0 * g, s))
    opt = d.chain(double, d.scale(-0.1))
    p, _ = d.update_and_apply(opt, np.array([1.0, -1.0]), opt.init(np.zeros(2)), np.zeros(2))
    assert np.allclose(p, [-0.2, 0.2])
    lone = d.chain(d.scale(-0.1), double)                     # a custom block last: no fusion
    p, _ = d.update_and_apply(lone, np.array([1.0, -1.0]), lone.init(np.zeros(2)), np.zeros(2))
    assert np.allclose(p, [-0.2, 0.2])


def test_bad_arguments_are_named():
    opt = d.sgd(0.1)
    p = np.zeros(3)
    with pytest.raises(TypeError, match="optimizer"):
        d.update_and_apply(lambda g: g, np.ones(3), None, p)
    with pytest.raises(ValueError, match="shape"):
        d.update_and_apply(opt, np.ones(4), opt.init(p), p)
    with pytest.raises((TypeError, ValueError), match="donate"):
        d.update_and_apply(opt, np.ones(3), opt.init(p), p, donate="yes")
    frozen = np.zeros(3)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        d.update_and_apply(opt, np.ones(3), opt.init(frozen), frozen, donate=True)
    bad = d.GradientTransformation(lambda p: None, lambda g, s, p=None: (np.ones(5), s))
    with pytest.raises(ValueError, match="shape"):
        d.update_and_apply(bad, np.ones(3), None, p)
    with pytest.raises(TypeError, match="state"):
        d.update_and_apply(d.adam(), np.ones(3), d.sgd(0.1, momentum=0.9).init(p), p)


def test_minimize_takes_the_fused_step_and_agrees_with_the_two_calls():
    """The runner uses the fused step; a chain it cannot fuse goes the two-call way: same iterates."""
    problem = L.Rosenbrock()
    x0 = np.array([-1.2, 1.0])
    unfusable = d.chain(d.add_decayed_weights(0.0), d.scale_by_adam(), d.identity(), d.scale(-1e-2))
    fused = d.chain(d.add_decayed_weights(0.0), d.scale_by_adam(), d.scale(-1e-2))
    a = d.minimize(fused, problem, x0, 300)
    b = d.minimize(unfusable, problem, x0, 300)
    assert np.array_equal(a.iterates, b.iterates)
    starts = np.random.default_rng(0).uniform(-2, 2, size=(16, 2))
    many_a = d.minimize_many(fused, problem, starts, 300)
    many_b = d.minimize_many(unfusable, problem, starts, 300)
    assert np.array_equal(many_a.iterates, many_b.iterates) and np.array_equal(many_a.losses, many_b.losses)


@pytest.mark.parametrize("point, escapes", [
    ([1.0000001, 0.0], True),       # one coordinate just past the radius
    ([0.9, 0.9], False),            # the 2-norm is past it (1.27), the largest coordinate is not
    ([np.inf, 0.0], True),
])
def test_escape_radius_is_the_largest_coordinate(point, escapes):
    """The runner's cheap squared-norm test must not change what counts as escaping."""
    target = np.array(point)
    jump = d.GradientTransformation(lambda p: None, lambda g, s, p=None: (target - p, s))
    with np.errstate(invalid="ignore"):
        run = d.minimize(jump, L.Quadratic(np.eye(2), np.zeros(2)), np.zeros(2), 3, escape_radius=1.0)
    assert run.diverged is escapes


@pytest.mark.parametrize("case", ["float16", "0-d leaves", "mixed dtypes", "non-contiguous", "empty leaf"])
@pytest.mark.parametrize("name", ["sgd", "sgd-wd", "nesterov", "adadelta", "adam", "adamw", "rmsprop-centred-momentum"])
def test_the_unusual_leaves_take_the_same_step(name, case):
    """Each branch of the fused path (and the ways around it) gives update + apply_updates' bits."""
    rng = np.random.default_rng(11)
    if case == "float16":
        p0, g = rng.standard_normal(9000).astype(np.float16), rng.standard_normal(9000).astype(np.float16)
    elif case == "0-d leaves":
        p0, g = {"a": np.array(0.5), "b": np.array(-1.5)}, {"a": np.array(0.25), "b": np.array(2.0)}
    elif case == "mixed dtypes":                 # float32 parameters, float64 gradients
        p0, g = rng.standard_normal(9000).astype(np.float32), rng.standard_normal(9000)
    elif case == "non-contiguous":               # a transposed matrix and a strided view
        p0 = {"W": rng.standard_normal((150, 120)).T, "v": rng.standard_normal(16_000)[::2]}
        g = {"W": rng.standard_normal((150, 120)).T, "v": rng.standard_normal(16_000)[::2]}
    else:
        p0, g = [np.zeros(0), rng.standard_normal(5)], [np.zeros(0), rng.standard_normal(5)]
    opt = OPTIMIZERS[name]()
    with np.errstate(all="ignore"):          # float16: eps = 1e-8 underflows, as it does in torch
        u, s = opt.update(g, opt.init(p0), p0)
        expected = d.apply_updates(p0, u)
        for donate in (False, True):
            p = copy.deepcopy(p0)
            got, _ = d.update_and_apply(opt, g, opt.init(p), p, donate=donate)
            assert _same(got, expected), donate


def test_donated_params_must_not_overlap():
    opt = d.sgd(0.1)
    shared = np.zeros(4)
    with pytest.raises(ValueError, match="share memory"):
        d.update_and_apply(opt, [np.ones(4), np.ones(4)], opt.init([shared, shared]), [shared, shared],
                           donate=True)
    base = np.zeros(10)
    with pytest.raises(ValueError, match=r"params\['b'\]"):
        views = {"a": base[:6], "b": base[4:]}
        d.update_and_apply(opt, {"a": np.ones(6), "b": np.ones(6)}, opt.init(views), views, donate=True)
    apart = {"a": base[:5], "b": base[5:]}                       # views that do not overlap are fine
    new, _ = d.update_and_apply(opt, {"a": np.ones(5), "b": np.ones(5)}, opt.init(apart), apart, donate=True)
    assert np.allclose(base, -0.1)
    W, buf = np.zeros((4, 10)), np.zeros(10)                     # interleaved, not overlapping: fine too
    for parts in ([W[:, :5], W[:, 5:]], [buf[::2], buf[1::2]]):
        ones = [np.ones(x.shape) for x in parts]
        d.update_and_apply(opt, ones, opt.init(parts), parts, donate=True)
    assert np.allclose(W, -0.1) and np.allclose(buf, -0.1)


@pytest.mark.parametrize("donate", [False, True])
def test_a_bare_0d_parameter(donate):
    opt = d.sgd(0.5)
    p, _ = d.update_and_apply(opt, np.array(2.0), opt.init(np.array(1.0)), np.array(1.0), donate=donate)
    assert p.shape == () and float(p) == 0.0


def test_the_runners_take_the_fused_step(monkeypatch):
    from descent import transforms as T
    opt = d.adam(1e-2)
    fused, calls = T._APPLY_OF[opt.update], []

    def counted(*args):
        calls.append(1)
        return fused(*args)
    monkeypatch.setitem(T._APPLY_OF, opt.update, counted)
    d.minimize(opt, L.Rosenbrock(), np.array([-1.2, 1.0]), 10)
    d.minimize_many(opt, L.Rosenbrock(), np.zeros((3, 2)), 10)
    assert len(calls) == 20


def test_minimize_keeps_taking_a_custom_last_block_that_returns_a_list():
    """A chain that does not fuse goes the two-call way in the runner, as before."""
    as_list = d.GradientTransformation(lambda p: None, lambda g, s, p=None: (list(-1e-4 * g), s))
    run = d.minimize(d.chain(d.identity(), as_list), L.Rosenbrock(), np.array([-1.2, 1.0]), 5)
    assert run.iterates.shape == (6, 2)


def test_a_tiny_escape_radius_is_still_exact():
    """The squared-norm shortcut must not hide an escape when the squares underflow."""
    jump = d.GradientTransformation(lambda p: None, lambda g, s, p=None: (np.array([1e-165, 0.0]) - p, s))
    run = d.minimize(jump, L.Quadratic(np.eye(2), np.zeros(2)), np.zeros(2), 3, escape_radius=1e-170)
    assert run.diverged
