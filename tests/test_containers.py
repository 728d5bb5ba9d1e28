"""Parameter trees: tuples, lists and nested dicts work end to end; bad leaves and flags are named."""
import numpy as np
import pytest

import descent
from descent import transforms as T

OPTIMIZERS = {
    "sgd": lambda: descent.sgd(0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adagrad": lambda: descent.adagrad(0.1),
    "rmsprop": lambda: descent.rmsprop(0.01, centered=True, momentum=0.5),
    "adadelta": lambda: descent.adadelta(),
    "adam": lambda: descent.adam(0.01, amsgrad=True),
    "adamw": lambda: descent.adamw(0.01),
    "ema": lambda: T.chain(T.clip(0.5), T.ema(0.9, debias_=True), T.scale(-0.1)),
}


def _grad_leaf(x):
    return np.sin(x) + 0.5 * x


def _run_tree(opt, params, steps=15):
    state = opt.init(params)
    for _ in range(steps):
        grads = descent.tree_map(_grad_leaf, params)
        updates, state = opt.update(grads, state, params)
        params = descent.apply_updates(params, updates)
    return params


def _run_leaf(make, x, steps=15):
    return _run_tree(make(), x, steps)


TREES = {
    "tuple same shapes": (np.array([1.0, -2.0]), np.array([0.5, 0.3])),
    "list other shapes": [np.array([1.0, -2.0, 0.4]), np.array([[0.5], [0.3]])],
    "nested dict": {"layer1": {"W": np.array([[1.0, -0.5], [0.2, 0.7]]), "b": np.array([0.1, -0.1])},
                    "layer2": {"W": np.array([[0.3, -0.3]]), "b": np.array([0.0])}},
    "dict of lists": {"blocks": [np.array([0.4, 0.5]), np.array([-1.0])], "scale": np.array(2.0)},
}


@pytest.mark.parametrize("tree", sorted(TREES))
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_trees_keep_their_structure_and_equal_leaf_by_leaf_runs(name, tree):
    params = TREES[tree]
    out = _run_tree(OPTIMIZERS[name](), params)
    leaves, treedef = descent.tree_flatten(out)
    ref_leaves, ref_def = descent.tree_flatten(params)
    assert treedef == ref_def                          # same structure back, never stacked
    assert type(out) is type(params)
    for leaf, start in zip(leaves, ref_leaves):
        assert isinstance(leaf, np.ndarray) and leaf.shape == start.shape
        # every optimizer here is elementwise: the tree run equals a run on the leaf alone
        np.testing.assert_allclose(leaf, _run_leaf(OPTIMIZERS[name], start), rtol=1e-12)


def test_list_of_arrays_is_not_stacked():
    params = [np.zeros(2), np.zeros(2)]
    opt = descent.adam(0.1)
    updates, _ = opt.update([np.ones(2), -np.ones(2)], opt.init(params), params)
    assert isinstance(updates, list) and len(updates) == 2
    np.testing.assert_allclose(updates[0], -0.1)
    np.testing.assert_allclose(updates[1], 0.1)


def test_global_norm_clipping_sees_the_whole_tree():
    grads = {"a": [np.array([3.0]), np.array([0.0])], "b": np.array([4.0])}
    clipped, _ = descent.clip_by_global_norm(1.0).update(grads, None)
    np.testing.assert_allclose(clipped["a"][0], 3.0 / (5.0 + 1e-6))
    np.testing.assert_allclose(clipped["b"], 4.0 / (5.0 + 1e-6))


@pytest.mark.parametrize("bad,match", [
    (np.array([1, 0], dtype=bool), "boolean"),
    (np.array([1 + 2j, 0]), "complex"),
    (np.array(["a", "b"]), "string"),
    (np.array([object(), 1]), "object"),
    (True, "boolean"),
    ("1.0", "str"),
    (None, "NoneType"),
])
def test_bad_leaves_raise_type_error_naming_the_leaf(bad, match):
    opt = descent.adam()
    with pytest.raises(TypeError, match=match):
        opt.init({"w": np.zeros(2), "bad": bad})
    with pytest.raises(TypeError, match=r"grads\['bad'\]"):
        opt.update({"w": np.zeros(2), "bad": bad}, opt.init({"w": np.zeros(2), "bad": np.zeros(2)}))
    with pytest.raises(TypeError, match=r"params\[1\]"):
        descent.apply_updates([np.zeros(2), bad], [np.zeros(2), np.zeros(2)])


def test_integer_arrays_are_promoted_to_float64():
    x = np.array([3, -2])
    opt = descent.sgd(0.5)
    u, _ = opt.update(np.array([1, 1]), opt.init(x), x)
    assert u.dtype == np.float64
    new = descent.apply_updates(x, u)
    assert new.dtype == np.float64
    np.testing.assert_array_equal(new, [2.5, -2.5])


def test_structure_mismatch_is_named():
    opt = descent.adam()
    p = {"a": [np.zeros(2), np.zeros(1)]}
    s = opt.init(p)
    with pytest.raises(ValueError, match="length"):
        opt.update({"a": [np.zeros(2)]}, s, p)
    with pytest.raises(ValueError, match=r"\['a'\]\[1\]"):
        opt.update({"a": [np.zeros(2), np.zeros(3)]}, s, p)
    with pytest.raises(TypeError, match="tuple and list"):
        descent.apply_updates((np.zeros(1),), [np.zeros(1)])
    with pytest.raises(ValueError, match="empty"):
        opt.init([])


# --- flatten / unflatten ------------------------------------------------------------------

def test_tree_flatten_round_trip():
    tree = TREES["nested dict"]
    leaves, treedef = descent.tree_flatten(tree)
    assert treedef.num_leaves == 4
    assert [leaf.shape for leaf in leaves] == [(2, 2), (2,), (1, 2), (1,)]
    back = descent.tree_unflatten(treedef, [2 * leaf for leaf in leaves])
    np.testing.assert_array_equal(back["layer2"]["W"], 2 * tree["layer2"]["W"])
    with pytest.raises(ValueError, match="4 entries"):
        descent.tree_unflatten(treedef, leaves[:3])
    with pytest.raises(TypeError, match="TreeDef"):
        descent.tree_unflatten("nope", leaves)


def test_ravel_tree_round_trip_and_order():
    tree = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([10.0, 11.0]),
            "more": (np.float32(7.0), [np.array([[1.0]])])}
    vec, unravel = descent.ravel_tree(tree)
    np.testing.assert_array_equal(vec, [0, 1, 2, 3, 4, 5, 10, 11, 7, 1])
    assert vec.dtype == np.float64
    back = unravel(vec * 2)
    np.testing.assert_array_equal(back["W"], 2 * tree["W"])
    assert back["more"][0].shape == () and back["more"][0].dtype == np.float32
    assert isinstance(back["more"], tuple) and isinstance(back["more"][1], list)
    other = unravel(vec)
    other["W"][0, 0] = 99.0
    assert vec[0] == 0.0                                  # new arrays, not views of vec
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        unravel(np.zeros(9))


def test_ravel_tree_keeps_float32():
    vec, unravel = descent.ravel_tree([np.ones(2, np.float32), np.zeros((1, 2), np.float32)])
    assert vec.dtype == np.float32 and vec.shape == (4,)
    assert unravel(vec)[1].dtype == np.float32


# --- flags and hyper-parameters -----------------------------------------------------------

@pytest.mark.parametrize("make,name", [
    (lambda: descent.sgd(0.1, momentum=0.9, nesterov="no"), "nesterov"),
    (lambda: descent.sgd(0.1, momentum=0.9, nesterov=1), "nesterov"),
    (lambda: descent.adam(amsgrad="no"), "amsgrad"),
    (lambda: descent.adamw(amsgrad=None), "amsgrad"),
    (lambda: descent.rmsprop(centered="yes"), "centered"),
    (lambda: T.scale_by_rms(eps_in_sqrt=0), "eps_in_sqrt"),
    (lambda: T.ema(0.9, debias_="False"), "debias_"),
    (lambda: T.trace(0.9, nesterov=[]), "nesterov"),
])
def test_flags_must_be_booleans(make, name):
    with pytest.raises(TypeError, match=f"{name} must be True or False"):
        make()


def test_numpy_booleans_are_accepted_as_flags():
    opt = descent.adam(amsgrad=np.bool_(True))
    assert opt.init(np.zeros(1))[1].nu_max is not None


@pytest.mark.parametrize("make,exc,match", [
    (lambda: descent.sgd(0.1, dampening=0.5), ValueError, "dampening.*without momentum"),
    (lambda: descent.sgd(0.1, momentum=1.5), ValueError, r"momentum must lie in \[0, 1\]"),
    (lambda: descent.rmsprop(momentum=2.0), ValueError, "momentum"),
    (lambda: descent.sgd(0.1, momentum=0.9, dampening=1.5), ValueError, "dampening"),
    (lambda: T.trace(1.2), ValueError, "decay"),
    (lambda: descent.sgd(lambda: 0.1), TypeError, r"lr must be a schedule.*lr\(k\)"),
    (lambda: descent.adam(lr=lambda a, b: 0.1), TypeError, "lr"),
    (lambda: T.scale_by_schedule(lambda: 1.0), TypeError, "schedule"),
    (lambda: descent.adam(betas=np.array([0.9, 0.999, 0.5])), TypeError, "betas"),
    (lambda: descent.adam(betas=np.array([0.9, 1.0])), ValueError, r"betas\[1\]"),
    (lambda: descent.adam(betas="ab"), TypeError, "betas"),
])
def test_bad_hyperparameters_are_named(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_betas_as_numpy_pair_equal_tuple():
    x = np.array([1.0, -1.0])
    a, b = descent.adam(0.1, betas=np.array([0.8, 0.99])), descent.adam(0.1, betas=(0.8, 0.99))
    ua, _ = a.update(x, a.init(x), x)
    ub, _ = b.update(x, b.init(x), x)
    np.testing.assert_array_equal(ua, ub)


def test_momentum_one_is_allowed_and_dampening_with_momentum_works():
    descent.sgd(0.1, momentum=1.0)
    opt = descent.sgd(0.1, momentum=0.5, dampening=0.5)
    u, _ = opt.update(np.ones(1), opt.init(np.zeros(1)))
    np.testing.assert_allclose(u, -0.1)
