"""The 'done when' example of issue #10: a stranger trains a small NumPy model.

Only NumPy and the top-level ``descent`` names: a two-layer network on nested dict
parameters, ``chain(clip_by_global_norm(1), adamw(lr=warm-up + cosine))``, no decay on the
biases, and the learning rate actually used read back from the state.
"""
import numpy as np

import descent


def make_data(seed=0, n=200):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(n, 2))
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] ** 2
    return X, y


def init_params(seed=1, hidden=16):
    rng = np.random.default_rng(seed)
    return {"hidden": {"W": rng.standard_normal((2, hidden)) / np.sqrt(2), "b": np.zeros(hidden)},
            "out": {"W": rng.standard_normal((hidden, 1)) / np.sqrt(hidden), "b": np.zeros(1)}}


def loss_and_grads(params, X, y):
    """Mean squared error of a tanh network, and its gradient by hand (backpropagation)."""
    h_pre = X @ params["hidden"]["W"] + params["hidden"]["b"]
    h = np.tanh(h_pre)
    pred = (h @ params["out"]["W"] + params["out"]["b"])[:, 0]
    err = pred - y
    loss = float(np.mean(err**2))
    d_pred = (2.0 / len(y)) * err[:, None]
    d_h = (d_pred @ params["out"]["W"].T) * (1.0 - h**2)
    grads = {"hidden": {"W": X.T @ d_h, "b": d_h.sum(axis=0)},
             "out": {"W": h.T @ d_pred, "b": d_pred.sum(axis=0)}}
    return loss, grads


def train(steps=600, step="two calls"):
    X, y = make_data()
    params = init_params()
    schedule = descent.linear_warmup(0.05, 50, after=descent.cosine_decay(0.05, steps - 50, alpha=0.01))
    adamw = descent.inject_hyperparams(descent.adamw)
    opt = descent.chain(
        descent.clip_by_global_norm(1.0),
        adamw(lr=schedule, weight_decay=1e-3,
              mask=lambda p: descent.tree_map(lambda x: x.ndim > 1, p)),   # no decay on biases
    )
    state = opt.init(params)
    losses, lrs = [], []
    for _ in range(steps):
        loss, grads = loss_and_grads(params, X, y)
        if step == "two calls":
            updates, state = opt.update(grads, state, params)
            params = descent.apply_updates(params, updates)
        else:                                   # one call; "in place" overwrites params and state
            params, state = descent.update_and_apply(opt, grads, state, params, donate=step == "in place")
        losses.append(loss)
        lrs.append(state[1].hyperparams["lr"])
    return params, losses, lrs, schedule


def test_stranger_trains_a_small_numpy_model():
    params, losses, lrs, schedule = train()
    # the structure comes back as it went in
    assert set(params) == {"hidden", "out"} and set(params["hidden"]) == {"W", "b"}
    assert params["hidden"]["W"].shape == (2, 16) and params["out"]["b"].shape == (1,)
    # it learns: the loss falls by far more than the variance of the target would allow by chance
    X, y = make_data()
    assert losses[-1] < 0.05 * losses[0]
    assert losses[-1] < 0.05 * float(np.var(y))
    # and generalises to fresh data from the same function
    Xt, yt = make_data(seed=7)
    test_loss, _ = loss_and_grads(params, Xt, yt)
    assert test_loss < 0.1 * float(np.var(yt))
    # the learning rate used at every step is the schedule: warm-up, then cosine
    assert lrs == [schedule(k) for k in range(len(lrs))]
    assert lrs[0] == 0.0 and max(lrs) == lrs[50] == 0.05 and lrs[-1] < 0.05 * 0.05


def test_gradients_by_hand_are_right():
    """The example's backpropagation against central differences (so the test above means something)."""
    X, y = make_data(n=20)
    params = init_params(hidden=3)
    _, grads = loss_and_grads(params, X, y)
    vec, unravel = descent.ravel_tree(params)
    g_vec, _ = descent.ravel_tree(grads)
    h = 1e-6
    numeric = np.array([(loss_and_grads(unravel(vec + h * e), X, y)[0]
                         - loss_and_grads(unravel(vec - h * e), X, y)[0]) / (2 * h)
                        for e in np.eye(vec.size)])
    np.testing.assert_allclose(g_vec, numeric, rtol=1e-6, atol=1e-8)


def test_biases_were_not_decayed():
    """With zero gradient on everything, only the weight matrices shrink (the mask)."""
    params = init_params()
    params["hidden"]["b"] = np.ones(16)
    opt = descent.adamw(lr=0.1, weight_decay=0.5, mask=lambda p: descent.tree_map(lambda x: x.ndim > 1, p))
    zero = descent.tree_map(np.zeros_like, params)
    updates, _ = opt.update(zero, opt.init(params), params)
    np.testing.assert_array_equal(updates["hidden"]["b"], 0.0)
    np.testing.assert_allclose(updates["hidden"]["W"], -0.1 * 0.5 * params["hidden"]["W"])


def test_one_call_steps_give_the_same_model():
    """update_and_apply, with and without donation, is update + apply_updates bit for bit."""
    reference = train(steps=120)[0]
    for step in ("one call", "in place"):
        params = train(steps=120, step=step)[0]
        assert all(np.array_equal(a, b) for a, b in
                   zip(descent.tree_leaves(params), descent.tree_leaves(reference))), step
