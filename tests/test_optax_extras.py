"""inject_hyperparams, masks for weight decay, multi_transform: what optax has that helps a learner."""
import numpy as np
import pytest

import descent
from descent import transforms as T

PARAMS = {"W": np.array([[1.0, -2.0], [0.5, 0.3]]), "b": np.array([0.7, -0.4])}


def grads_of(p):
    return {"W": np.tanh(p["W"]) + 0.1, "b": p["b"] - 1.0}


def run(opt, params=PARAMS, steps=20):
    state = opt.init(params)
    for _ in range(steps):
        u, state = opt.update(grads_of(params), state, params)
        params = descent.apply_updates(params, u)
    return params, state


# --- inject_hyperparams ---------------------------------------------------------------------

def test_injected_schedule_equals_plain_optimizer_and_records_the_lr_used():
    sched = descent.linear_warmup(0.1, 5, after=descent.cosine_decay(0.1, 20))
    plain = descent.adamw(lr=sched, weight_decay=0.05)
    injected = descent.inject_hyperparams(descent.adamw)(lr=sched, weight_decay=0.05)
    params, p_state = PARAMS, plain.init(PARAMS)
    iparams, i_state = PARAMS, injected.init(PARAMS)
    assert i_state.hyperparams == {"lr": sched(0), "weight_decay": 0.05}
    used = []
    for _ in range(25):
        u, p_state = plain.update(grads_of(params), p_state, params)
        params = descent.apply_updates(params, u)
        iu, i_state = injected.update(grads_of(iparams), i_state, iparams)
        iparams = descent.apply_updates(iparams, iu)
        used.append(i_state.hyperparams["lr"])
    for k in params:
        np.testing.assert_array_equal(params[k], iparams[k])
    assert used == [sched(k) for k in range(25)]
    assert i_state.count == 25


def test_injected_number_can_be_changed_mid_run():
    opt = descent.inject_hyperparams(descent.sgd)(lr=0.1, momentum=0.9)
    x = np.array([1.0, -1.0])
    state = opt.init(x)
    u, state = opt.update(x, state, x)
    np.testing.assert_allclose(u, -0.1 * x)
    state.hyperparams["lr"] = 0.01                  # the optax idiom
    u2, state2 = opt.update(x, state, x)
    # momentum buffer b = 0.9 x + x; the new lr applies from this step on
    np.testing.assert_allclose(u2, -0.01 * 1.9 * x)
    assert state2.hyperparams["lr"] == 0.01
    assert state.hyperparams is not state2.hyperparams   # every state its own dict


def test_injected_hyperparams_are_validated():
    with pytest.raises(ValueError, match="lr"):
        descent.inject_hyperparams(descent.adam)(lr=-1.0)
    opt = descent.inject_hyperparams(descent.adam)(lr=0.1)
    state = opt.init(np.zeros(2))
    state.hyperparams["lr"] = float("nan")
    with pytest.raises(ValueError, match="lr"):
        opt.update(np.ones(2), state)
    with pytest.raises(TypeError, match="schedule"):
        descent.inject_hyperparams(descent.adam)(lr=lambda: 0.1)
    with pytest.raises(TypeError, match="GradientTransformation"):
        descent.inject_hyperparams(lambda lr: "adam")(lr=0.1)
    with pytest.raises(TypeError, match="InjectHyperparamsState"):
        opt.update(np.ones(2), descent.adam().init(np.zeros(2)))


def test_injected_structural_change_is_refused():
    opt = descent.inject_hyperparams(descent.sgd)(lr=0.1, momentum=0.0)
    state = opt.init(np.zeros(2))
    state.hyperparams["momentum"] = 0.9              # would need a momentum buffer it never had
    with pytest.raises(TypeError, match="state"):
        opt.update(np.ones(2), state)


# --- masks --------------------------------------------------------------------------------

def test_adamw_mask_skips_decay_on_biases():
    no_bias_decay = descent.adamw(0.05, weight_decay=0.5, mask={"W": True, "b": False})
    by_rule = descent.adamw(0.05, weight_decay=0.5, mask=lambda p: descent.tree_map(lambda x: x.ndim > 1, p))
    decayed, _ = run(descent.adamw(0.05, weight_decay=0.5))
    none, _ = run(descent.adamw(0.05, weight_decay=0.0))
    masked, _ = run(no_bias_decay)
    ruled, _ = run(by_rule)
    np.testing.assert_array_equal(masked["W"], decayed["W"])     # W decayed as usual
    np.testing.assert_array_equal(masked["b"], none["b"])        # b as if no decay at all
    for k in PARAMS:
        np.testing.assert_array_equal(ruled[k], masked[k])


def test_add_decayed_weights_mask_matches_per_leaf_decay():
    g = grads_of(PARAMS)
    t = T.add_decayed_weights(0.1, mask={"W": False, "b": True})
    u, _ = t.update(g, t.init(PARAMS), PARAMS)
    np.testing.assert_array_equal(u["W"], g["W"])
    np.testing.assert_allclose(u["b"], g["b"] + 0.1 * PARAMS["b"])


@pytest.mark.parametrize("mask,exc,match", [
    ({"W": True}, ValueError, "structure"),
    ({"W": True, "b": "no"}, TypeError, "mask entry must be True or False"),
    ([True, False], ValueError, "structure"),
])
def test_bad_masks_are_named(mask, exc, match):
    opt = descent.adamw(mask=mask)
    with pytest.raises(exc, match=match):
        opt.init(PARAMS)


def test_masked_clip_norm_sees_only_the_selected_leaves():
    g = {"a": np.array([3.0, 4.0]), "b": np.array([100.0])}
    t = T.masked(T.clip_by_global_norm(1.0), {"a": True, "b": False})
    u, _ = t.update(g, t.init(g))
    np.testing.assert_allclose(u["a"], g["a"] / (5.0 + 1e-6))
    np.testing.assert_array_equal(u["b"], g["b"])


def test_mask_selecting_nothing_passes_everything_through():
    t = T.masked(T.scale_by_adam(), {"W": False, "b": False})
    g = grads_of(PARAMS)
    u, _ = t.update(g, t.init(PARAMS), PARAMS)
    assert u["W"] is g["W"] and u["b"] is g["b"]


# --- multi_transform ------------------------------------------------------------------------

def test_multi_transform_equals_separate_optimizers():
    labels = {"W": "adam", "b": "sgd"}
    opt = descent.multi_transform({"adam": descent.adam(0.05), "sgd": descent.sgd(0.1, momentum=0.9)}, labels)
    both, state = run(opt)
    adam_only, _ = run(descent.adam(0.05))
    sgd_only, _ = run(descent.sgd(0.1, momentum=0.9))
    np.testing.assert_array_equal(both["W"], adam_only["W"])
    np.testing.assert_array_equal(both["b"], sgd_only["b"])
    assert set(state.inner_states) == {"adam", "sgd"}


def test_multi_transform_labels_from_a_function_and_unused_labels():
    opt = descent.multi_transform(
        {"matrix": descent.adam(0.05), "vector": descent.sgd(0.1), "unused": descent.adagrad()},
        lambda p: descent.tree_map(lambda x: "matrix" if x.ndim > 1 else "vector", p))
    out, state = run(opt, steps=3)
    assert state.inner_states["unused"] is None
    assert out["W"].shape == (2, 2)


@pytest.mark.parametrize("transforms,labels,exc,match", [
    ({"a": descent.adam()}, {"W": "a", "b": "z"}, ValueError, "'z'"),
    ({"a": descent.adam()}, {"W": "a"}, ValueError, "structure"),
    ({"a": "adam"}, {"W": "a", "b": "a"}, TypeError, r"transforms\['a'\]"),
    ({}, {"W": "a", "b": "a"}, TypeError, "non-empty"),
])
def test_multi_transform_bad_arguments(transforms, labels, exc, match):
    with pytest.raises(exc, match=match):
        descent.multi_transform(transforms, labels).init(PARAMS)
