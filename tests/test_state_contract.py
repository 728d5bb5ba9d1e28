"""States are values: re-using one gives the same step or a clear error; a failed update changes nothing."""
import copy

import numpy as np
import pytest

import descent
from descent import transforms as T

X0 = np.array([1.5, -0.7, 0.2])


def grad(x):
    return np.array([1.0, 10.0, 3.0]) * x + 0.1 * np.cos(x)


STATEFUL = {
    "momentum": lambda: descent.sgd(0.05, momentum=0.9),
    "damped": lambda: descent.sgd(0.05, momentum=0.8, dampening=0.3),
    "adagrad": lambda: descent.adagrad(0.1, lr_decay=0.01),
    "rmsprop": lambda: descent.rmsprop(0.01, centered=True, momentum=0.5),
    "adadelta": lambda: descent.adadelta(),
    "adam": lambda: descent.adam(0.01, amsgrad=True),
    "adamw": lambda: descent.adamw(0.01, weight_decay=0.1),
    "ema": lambda: T.chain(T.ema(0.9, debias_=True), T.scale(-0.1)),
    "schedule": lambda: descent.sgd(descent.cosine_decay(0.1, 50), momentum=0.5),
    "injected": lambda: descent.inject_hyperparams(descent.adam)(lr=descent.exponential_decay(0.1, 0.9)),
    "multi": lambda: descent.multi_transform({"a": descent.adam(0.01), "s": descent.sgd(0.1, momentum=0.9)},
                                             lambda p: ["a", "s"]),
}


def _params(name):
    return [X0.copy(), X0[:2].copy()] if name == "multi" else X0.copy()


def _grad(name, x):
    return [grad(x[0]), 2 * x[1]] if name == "multi" else grad(x)


def _leaves(tree):
    return descent.tree_leaves(tree)


def _run(opt, name, steps, state=None, x=None):
    x = _params(name) if x is None else x
    state = opt.init(x) if state is None else state
    for _ in range(steps):
        u, state = opt.update(_grad(name, x), state, x)
        x = descent.apply_updates(x, u)
    return x, state


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_update_twice_on_one_state_gives_the_same_step(name):
    opt = STATEFUL[name]()
    x, state = _run(opt, name, 5)
    g = _grad(name, x)
    u1, s1 = opt.update(g, state, x)
    u2, s2 = opt.update(g, state, x)                 # the optax habit: same state again
    for a, b in zip(_leaves(u1), _leaves(u2)):
        np.testing.assert_array_equal(a, b)
    # continuing from the second result equals an uninterrupted run
    x_ref, _ = _run(STATEFUL[name](), name, 8)
    x2, _ = _run(opt, name, 2, state=s2, x=descent.apply_updates(x, u2))
    for a, b in zip(_leaves(x2), _leaves(x_ref)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(STATEFUL))
def test_an_overwritten_state_raises_instead_of_giving_another_step(name):
    opt = STATEFUL[name]()
    x = _params(name)
    s0 = opt.init(x)
    u, s1 = opt.update(_grad(name, x), s0, x)
    u, s2 = opt.update(_grad(name, x), s1, x)          # writes into s0's buffers
    u, s3 = opt.update(_grad(name, x), s2, x)          # writes into s1's buffers
    with pytest.raises(descent.StaleStateError, match="stale"):
        opt.update(_grad(name, x), s1, x)
    opt.update(_grad(name, x), s3, x)                  # the latest result is valid; using it
    with pytest.raises(descent.StaleStateError):       # writes into s2's buffers
        opt.update(_grad(name, x), s2, x)


def test_old_state_kept_with_deepcopy_still_works():
    opt = descent.adam(0.01)
    x = X0.copy()
    s0 = opt.init(x)
    u, s1 = opt.update(grad(x), s0, x)
    kept = copy.deepcopy(s1)
    ref, _ = opt.update(grad(x), kept, x)
    for _ in range(5):
        u, s1 = opt.update(grad(x), s1, x)
    again, _ = opt.update(grad(x), kept, x)
    np.testing.assert_array_equal(ref, again)


def test_old_state_fields_are_not_changed_by_update():
    opt = T.scale_by_adam()
    s0 = opt.init(X0)
    u, s1 = opt.update(grad(X0), s0, X0)
    mu1 = s1.mu.copy()
    u, s2 = opt.update(grad(X0), s1, X0)
    np.testing.assert_array_equal(s1.mu, mu1)           # the input state is untouched
    assert not np.array_equal(s2.mu, mu1)


def test_failed_update_leaves_state_untouched():
    """A schedule that raises at step 3, after the momentum block already ran: nothing half-done."""
    bad = descent.sgd(lambda k: 0.1 if k < 3 else -1.0, momentum=0.9)
    good = descent.sgd(0.1, momentum=0.9)
    x = X0.copy()
    state = bad.init(x)
    for _ in range(3):
        u, state = bad.update(grad(x), state, x)
        x = descent.apply_updates(x, u)
    before = copy.deepcopy(state)
    with pytest.raises(ValueError, match="lr"):
        bad.update(grad(x), state, x)
    np.testing.assert_array_equal(state[1].trace, before[1].trace)
    assert state[1].count == before[1].count == 3
    # the same state still drives another optimizer's step exactly as if nothing had failed
    u_good, _ = good.update(grad(x), state, x)
    u_ref, _ = good.update(grad(x), before, x)
    np.testing.assert_array_equal(u_good, u_ref)


def test_failed_update_with_bad_gradient_shape_leaves_state_untouched():
    opt = descent.adam(0.1)
    x = X0.copy()
    u, s = opt.update(grad(x), opt.init(x), x)
    mu = s[1].mu.copy()
    with pytest.raises(ValueError, match="shape"):
        opt.update(np.ones(4), s, None)
    np.testing.assert_array_equal(s[1].mu, mu)
    opt.update(grad(x), s, x)                          # still usable


def test_hand_built_state_is_only_read():
    m, v = np.array([0.1, -0.2, 0.3]), np.array([0.01, 0.02, 0.03])
    m0, v0 = m.copy(), v.copy()
    t = T.scale_by_adam()
    state = T.AdamState(4, m, v, None)
    for _ in range(4):
        u, state = t.update(grad(X0), state)
    np.testing.assert_array_equal(m, m0)
    np.testing.assert_array_equal(v, v0)
    assert state.count == 8


# --- mismatched states ---------------------------------------------------------------------

@pytest.mark.parametrize("opt,other,match", [
    (descent.adam(amsgrad=True), descent.adam(), "amsgrad"),
    (descent.adam(), descent.adam(amsgrad=True), "amsgrad"),
    (descent.rmsprop(centered=True), descent.rmsprop(), "centered"),
    (descent.rmsprop(), descent.rmsprop(centered=True), "centered"),
    (descent.adam(), descent.sgd(0.1, momentum=0.9), "AdamState"),
    (descent.adam(), descent.rmsprop(), "AdamState"),
    (descent.adam(), descent.sgd(0.1), "tuple of 3 states"),
    (descent.rmsprop(), descent.adagrad(), "RmsState"),
    (descent.sgd(0.1, momentum=0.9), descent.adam(), "TraceState"),
    (descent.adamw(), descent.adam(), "AdamState"),   # the same blocks in another order
])
def test_state_of_another_optimizer_raises(opt, other, match):
    x = X0.copy()
    foreign = other.init(x)
    opt.update(grad(x), opt.init(x), x)                # its own state works
    with pytest.raises(TypeError, match=match):
        opt.update(grad(x), foreign, x)


def test_state_for_other_parameters_raises():
    opt = descent.adam()
    s = opt.init(np.zeros(2))
    with pytest.raises(ValueError, match="state"):
        opt.update(np.ones(3), s)
    s = opt.init({"w": np.zeros(2)})
    with pytest.raises(TypeError, match="state"):
        opt.update(np.ones(2), s)
