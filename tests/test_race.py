"""The fair race: grid, per-column learning rates, scoring, tuning and the batched race."""
import numpy as np
import pytest

from descent import optimizers as O
from descent.book import race as R
from descent.landscapes import IllConditionedQuadratic, Quadratic, Rosenbrock, finite_difference_grad, \
    finite_difference_hess
from descent.runner import minimize_many
from descent.transforms import chain, scale


def test_lr_grid_is_geometric_with_both_ends():
    g = R.lr_grid(1e-4, 10.0, 2)
    assert g.size == 11
    np.testing.assert_allclose(g[[0, -1]], [1e-4, 10.0])
    np.testing.assert_allclose(g[1:] / g[:-1], np.sqrt(10.0))
    assert R.lr_grid(1e-3, 1.0, 1).size == 4
    with pytest.raises(ValueError):
        R.lr_grid(1.0, 0.1)


def test_scale_by_column_and_by_columns():
    t = R.scale_by_column([1.0, 2.0, -1.0])
    u, _ = t.update(np.ones((2, 3)), t.init(np.zeros((2, 3))))
    np.testing.assert_array_equal(u, [[1.0, 2.0, -1.0]] * 2)
    with pytest.raises(ValueError):
        t.update(np.ones((2, 2)), t.init(np.zeros((2, 2))))
    # two optimizers side by side equal each run on its own
    Q = IllConditionedQuadratic(20.0, angle=0.3)
    x0 = np.array([[1.0, -2.0], [0.5, 1.5]])
    both = R.by_columns([(O.adam(0.1), 1), (O.sgd(0.02, momentum=0.9), 1)])
    b = minimize_many(both, Q, x0, 30, check_elementwise=False)
    a1 = minimize_many(O.adam(0.1), Q, x0[:1], 30)
    a2 = minimize_many(O.sgd(0.02, momentum=0.9), Q, x0[1:], 30)
    np.testing.assert_allclose(b.iterates[:, 0], a1.iterates[:, 0], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(b.iterates[:, 1], a2.iterates[:, 0], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("c", R.book_contestants(second_order=False), ids=lambda c: c.name)
def test_learning_rate_is_a_final_factor_bit_for_bit(c):
    """The batched grid equals one run per learning rate, exactly (Rosenbrock: no matmul)."""
    P = Rosenbrock()
    grid = np.array([1e-3, 1e-2])
    x0 = np.array([[-1.2, 1.0], [-1.2, 1.0]])
    batched = minimize_many(R._batched(c.make, grid), P, x0, 25, check_elementwise=False)
    for j, lr in enumerate(grid):
        one = minimize_many(c.make(float(lr)), P, x0, 25)
        np.testing.assert_array_equal(one.iterates[:, 0], batched.iterates[:, j])


def test_saddle_well_derivatives_and_points():
    L = R.SaddleWell()
    x = np.array([[0.3, -1.2, 0.0], [0.7, 0.2, 0.0]])
    np.testing.assert_allclose(L.grad(x), finite_difference_grad(L.f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(L.hess(x), finite_difference_hess(L.grad, x), rtol=1e-5, atol=1e-7)
    assert L.f(np.zeros(2)) == 0.25
    for m in L.minima:
        assert L.f(m) == 0.0
        np.testing.assert_array_equal(L.grad(m), 0.0)
    np.testing.assert_array_equal(np.linalg.eigvalsh(L.hess(np.zeros(2))), [-1.0, 2.0])


def test_steps_to_tolerance_requires_staying():
    losses = np.array([[5.0, 5.0], [1e-7, 1e-7], [1.0, 1e-8], [1e-9, 1e-9]])
    k = R.steps_to_tolerance(losses, 0.0, 1e-6)
    np.testing.assert_array_equal(k, [3.0, 1.0])          # run 0 left the tolerance at step 2
    assert R.steps_to_tolerance(np.array([3.0, 2.0, 1.0]), 0.0, 1e-6) == np.inf
    assert R.steps_to_tolerance(losses, 0.0, 1e-6, diverged=np.array([True, False]))[0] == np.inf


def test_tuner_prefers_successes_then_speed_then_smaller_lr():
    grid = [0.1, 0.2, 0.3, 0.4]
    steps = np.array([[np.inf, 10.0], [50.0, 60.0], [20.0, 30.0], [20.0, 30.0]])
    gaps = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    assert R.pick_learning_rate(grid, steps, gaps) == 2    # tie between 0.3 and 0.4: the smaller


def test_race_tuner_finds_the_best_gd_step_on_a_quadratic():
    """GD on a quadratic with curvatures 1 and 9: the best fixed step is 2/(1 + 9) = 0.2.

    On the grid below, 0.2 gives the fewest steps to tolerance from every start, so the tuner
    must pick it.
    """
    Q = Quadratic(np.diag([1.0, 9.0]))
    grid = np.array([0.05, 0.1, 0.2, 0.21, 0.22])
    starts = np.random.default_rng(1).uniform(-2, 2, (8, 2))
    gd = R.first_order("gd", lambda lr: O.sgd(lr))
    res = R.race([gd], Q, starts, grid=grid, steps=300, tol=1e-10)
    e = res["gd"]
    assert e.lr == 0.2
    assert e.successes == 4
    assert np.all(np.isfinite(e.steps))
    assert res.winner() == "gd"


def test_race_counts_own_rule_methods_honestly():
    Q = IllConditionedQuadratic(10.0, angle=0.4)
    starts = np.random.default_rng(2).uniform(-2, 2, (4, 2))
    res = R.race(R.book_contestants()[-4:], Q, starts, grid=[1.0], steps=50)
    assert res["newton"].lr is None
    np.testing.assert_array_equal(res["newton"].steps, 1.0)          # exact on a quadratic
    np.testing.assert_array_equal(res["newton"].evaluations, 2 + 1 + 2)  # f,g at x0 and x1, one Hessian
    assert res["bfgs"].successes == 2
    assert np.all(res["bfgs"].evaluations >= 2 * res["bfgs"].steps)


def test_newton_converges_to_the_saddle_and_fails_the_race():
    L = R.SaddleWell()
    starts = np.array([[1.0, 1e-3], [1.5, -1e-3], [-1.0, 2e-3], [1.2, 1e-3]])
    res = R.race(R.book_contestants()[-4:], L, starts, grid=[1.0], steps=100)
    assert res["newton"].successes == 0
    np.testing.assert_allclose(res["newton"].final_gap, 0.25)
    assert res["bfgs"].successes == 2


def test_race_all_matches_separate_races():
    P = Rosenbrock()
    rng = np.random.default_rng(3)
    probs = {"a": (P, rng.uniform(-1.5, 1.5, (4, 2))), "b": (R.SaddleWell(), rng.uniform(-1, 1, (4, 2)))}
    C = R.book_contestants(second_order=False)[:3]
    grid = R.lr_grid(1e-3, 1e-1, 2)
    together = R.race_all(C, probs, grid=grid, steps=60)
    for name, (prob, starts) in probs.items():
        alone = R.race(C, prob, starts, grid=grid, steps=60)
        for c in C:
            assert together[name][c.name].lr == alone[c.name].lr
            np.testing.assert_array_equal(together[name][c.name].steps, alone[c.name].steps)
            np.testing.assert_allclose(together[name][c.name].final_gap, alone[c.name].final_gap,
                                       rtol=1e-12, atol=0)


def test_race_rejects_bad_input():
    gd = R.first_order("gd", lambda lr: O.sgd(lr))
    with pytest.raises(ValueError):
        R.race([gd], Rosenbrock(), np.zeros((1, 2)), grid=[0.1], steps=5)
    with pytest.raises(ValueError):
        R.race([gd, gd], Rosenbrock(), np.zeros((2, 2)), grid=[0.1], steps=5)
    with pytest.raises(ValueError):
        R.race([gd], R.SaddleWell(), np.zeros((2, 2)), grid=[-0.1], steps=5)
    with pytest.raises(ValueError):
        R.Contestant("x", "x", "", make=None, run=None)


def test_format_helpers():
    assert R.format_count(np.inf) == "—"
    assert R.format_count(1234.0) == "1,234"
    assert R.format_gap(np.inf) == "diverged"
    assert R.format_gap(3.2e-7) == "3.2e-7"


def test_network_problem_flat_gradient_matches_nn():
    from descent.book import nn
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 5)), rng.integers(0, 3, 20)
    params = nn.mlp_init([5, 4, 3], 0)
    prob = R.NetworkProblem(params, X, y)
    x = prob.flatten(params)
    assert x.shape == (prob.dim,) and prob.dim == 5 * 4 + 4 + 4 * 3 + 3
    value, grads = nn.loss_and_grad(params, X, y)
    assert prob.f(x) == value
    np.testing.assert_array_equal(prob.grad(x), prob.flatten(grads))
    assert prob.passes == 1                      # f and grad at one point: one pass
    np.testing.assert_allclose(prob.grad(x)[:5], finite_difference_grad(
        lambda z: np.array([prob.f(np.concatenate([z, x[5:]]))]).reshape(()), x[:5])[:5], rtol=1e-5)


def test_race_network_small():
    from descent.book import nn
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] > 0).astype(np.int64)
    data = (X, y, X, y)
    C = [R.book_contestants()[0], R.book_contestants()[-1]]
    res = R.race_network(C, data, sizes=(4, 3, 2), grid=[0.01, 0.1, 1.0], epochs=2, seeds=(0,),
                         batch_size=20)
    assert res["gd"].lr in (0.01, 0.1, 1.0)
    assert res["gd"].curves.shape == (1, 3)
    assert res["gd"].final_loss == res["gd"].grid_losses[[0.01, 0.1, 1.0].index(res["gd"].lr)].mean()
    assert res["gd"].final_loss <= res["gd"].grid_losses.mean(axis=1).min()
    assert res["lbfgs"].lr is None and res["lbfgs"].evaluations[0] >= 2
    assert nn  # imported for the module under test
