"""The fair race: grid, scoring with a horizon, intervals, stability, tuning and the batched race."""
import numpy as np
import pytest

from descent import optimizers as O
from descent.book import race as R
from descent.landscapes import IllConditionedQuadratic, Quadratic, Rosenbrock, SaddleWell, finite_difference_grad
from descent.runner import minimize_many


def test_lr_grid_is_geometric_with_both_ends():
    g = R.lr_grid(1e-4, 10.0, 2)
    assert g.size == 11
    np.testing.assert_allclose(g[[0, -1]], [1e-4, 10.0])
    np.testing.assert_allclose(g[1:] / g[:-1], np.sqrt(10.0))
    assert R.lr_grid(1e-3, 1.0, 1).size == 4
    with pytest.raises(ValueError):
        R.lr_grid(1.0, 0.1)


@pytest.mark.parametrize("c", R.book_contestants(second_order=False), ids=lambda c: c.name)
def test_learning_rate_is_a_final_factor_bit_for_bit(c):
    """The batched grid equals one run per learning rate, exactly (Rosenbrock: no matmul)."""
    P = Rosenbrock()
    grid = np.array([1e-3, 1e-2])
    x0 = np.array([[-1.2, 1.0], [-1.2, 1.0]])
    batched = R._per_run_lr_batch([c.make], np.zeros(2, dtype=int), grid, P, x0, 25, keep_iterates=True)
    for j, lr in enumerate(grid):
        one = minimize_many(c.make(float(lr)), P, x0, 25)
        np.testing.assert_array_equal(one.iterates[:, 0], batched.iterates[:, j])


def test_book_contestants_carry_pytorchs_default_rates():
    d = {c.name: c.default_lr for c in R.book_contestants()}
    assert d["gd"] == d["momentum"] == d["adam"] == d["adamw"] == 1e-3
    assert d["adagrad"] == d["rmsprop"] == 1e-2 and d["adadelta"] == 1.0
    assert d["bfgs"] is None


def test_race_problems_are_off_the_origin_and_rotated():
    P = R.race_problems(6, seed=1)
    assert set(P) == {"quadratic", "Rosenbrock", "Beale", "saddle well"}
    for name, (L, starts) in P.items():
        assert starts.shape == (6, 2)
        assert np.min(np.linalg.norm(L.minima, axis=1)) > 0.5          # weight decay does not help
    well, starts = P["saddle well"]
    # the starts lie 1e-4 to 1e-3 off the saddle's stable manifold, 1 to 2 along it
    local = (starts - well.center) @ well.rotation
    assert np.all((np.abs(local[:, 0]) >= 1) & (np.abs(local[:, 0]) <= 2))
    assert np.all((np.abs(local[:, 1]) >= 1e-4) & (np.abs(local[:, 1]) <= 1e-3))
    assert 0 < well.angle % (np.pi / 2)                                 # not axis-aligned
    np.testing.assert_array_equal(R.race_problems(6, seed=1)["Beale"][1], P["Beale"][1])


def test_score_runs_requires_staying_to_the_horizon():
    losses = np.array([[5.0, 5.0, 5.0], [1e-7, 1e-7, 5.0], [1.0, 1e-8, 5.0], [1e-9, 1e-9, 1e-8],
                       [1e-9, 1e-9, 1e-8]])
    s = R.score_runs(losses, 0.0, 1e-6, budget=2)
    np.testing.assert_array_equal(s["steps"], [np.inf, 1.0, np.inf])   # run 0: back at 3 > budget
    np.testing.assert_array_equal(s["first_hit"], [1.0, 1.0, 3.0])
    np.testing.assert_array_equal(s["left"], [2.0, np.inf, np.inf])
    assert R.score_runs(losses, 0.0, 1e-6)["steps"][0] == 3.0            # budget = horizon
    assert R.steps_to_tolerance(losses, 0.0, 1e-6, diverged=np.array([False, True, False]))[1] == np.inf
    one = R.score_runs(np.array([3.0, 1e-7, 1e-7]), 0.0, 1e-6)
    assert one["steps"] == 1.0 and one["left"] == np.inf
    with pytest.raises(ValueError):
        R.score_runs(losses, 0.0, 1e-6, budget=9)


def test_converge_then_blow_up_is_a_failure():
    """Adam with a large rate on Rosenbrock reaches the tolerance and leaves it again."""
    L = Rosenbrock()
    x0 = R.race_problems(40)["Rosenbrock"][1][8:14]
    b = minimize_many(O.adam(1.0), L, x0, 3000)
    s = R.score_runs(b.losses, 0.0, 1e-6, b.diverged, budget=1000)
    blew = (s["first_hit"] <= 1000) & np.isfinite(s["left"])
    assert blew.sum() >= 3 and not np.any(np.isfinite(s["steps"][blew]))
    # judged at the budget alone, the same runs would have counted
    at_budget = R.score_runs(b.losses[:1001], 0.0, 1e-6, b.diverged & False)
    assert np.all(np.isfinite(at_budget["steps"][blew]))


def test_wilson_interval_known_values():
    lo, hi = R.wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = R.wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.7225, abs=1e-4)
    lo, hi = R.wilson_interval(5, 10)       # symmetric about 1/2
    assert lo == pytest.approx(1 - hi) and lo == pytest.approx(0.2366, abs=1e-4)
    # coverage: ~95 % of binomial draws contain the true p
    rng = np.random.default_rng(0)
    k = rng.binomial(32, 0.7, 4000)
    cover = np.mean([a <= 0.7 <= b for a, b in (R.wilson_interval(int(x), 32) for x in k)])
    assert 0.93 < cover < 0.98
    with pytest.raises(ValueError):
        R.wilson_interval(11, 10)


def test_bootstrap_median_interval_brackets_the_median():
    x = np.random.default_rng(1).exponential(100.0, 40)
    lo, hi = R.bootstrap_median_interval(x)
    assert lo <= np.median(x) <= hi and lo < hi
    assert R.bootstrap_median_interval(x) == (lo, hi)                  # seeded
    assert R.bootstrap_median_interval(np.full(7, 3.0)) == (3.0, 3.0)
    assert np.isnan(R.bootstrap_median_interval([])[0])
    with pytest.raises(ValueError):
        R.bootstrap_median_interval(x, level=1.5)


def test_tuner_prefers_successes_then_speed_then_smaller_lr():
    grid = [0.1, 0.2, 0.3, 0.4]
    steps = np.array([[np.inf, 10.0], [50.0, 60.0], [20.0, 30.0], [20.0, 30.0]])
    gaps = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    assert R.pick_learning_rate(grid, steps, gaps) == 2    # tie between 0.3 and 0.4: the smaller


def test_race_tuner_finds_the_best_gd_step_on_a_quadratic():
    """GD on a quadratic with curvatures 1 and 9: the best fixed step is 2/(1 + 9) = 0.2."""
    Q = Quadratic(np.diag([1.0, 9.0]), b=[1.0, 2.0])
    grid = np.array([0.05, 0.1, 0.2, 0.21, 0.22])
    starts = np.random.default_rng(1).uniform(-2, 2, (12, 2))
    gd = R.first_order("gd", lambda lr: O.sgd(lr), default_lr=0.1)
    res = R.race([gd], Q, starts, grid=grid, steps=300, tol=1e-10, n_tune=4)
    e = res["gd"]
    assert e.lr == 0.2 and e.successes == 8 and res.winner() == "gd"
    assert set(e.neighbours) == {0.1, 0.21}
    assert e.default is e.neighbours[0.1]               # the default is a neighbour: reused
    assert e.stable and e.report.median_steps < e.default.median_steps
    assert res.horizon == 900


def _fake_entry(report, perturbed, neighbours):
    cell = lambda k, n, steps=100.0, lr=0.1: R.Cell(lr, np.r_[np.full(k, steps), np.full(n - k, np.inf)],  # noqa: E731
                                                    np.zeros(n), np.full(n, np.inf), np.zeros(n),
                                                    np.zeros(n, dtype=bool))
    return R.Entry("x", "x", "", 0.1, cell(*report), cell(*perturbed),
                   {lr: cell(k, n, lr=lr) for lr, (k, n) in neighbours.items()})


def test_stability_flags_knife_edge_cells():
    ok = _fake_entry((28, 32), (27, 32), {0.03: (30, 32), 0.3: (26, 32)})
    assert ok.stable and ok.worst_neighbour.lr == 0.3
    one_side = _fake_entry((28, 32), (27, 32), {0.03: (30, 32), 0.3: (0, 32)})
    assert not one_side.stable and not one_side.stability["grid"]   # both neighbours must overlap
    assert one_side.worst_neighbour.successes == 0
    edge = _fake_entry((28, 32), (27, 32), {0.03: (29, 32)})          # at an end of the grid: its one neighbour
    assert edge.stable
    cliff = _fake_entry((28, 32), (28, 32), {0.03: (0, 32), 0.3: (1, 32)})
    assert not cliff.stable and cliff.stability == {"perturbed_rate": True, "perturbed_median": True,
                                                    "grid": False}
    fragile = _fake_entry((28, 32), (5, 32), {0.03: (28, 32)})
    assert not fragile.stable and not fragile.stability["perturbed_rate"]
    slower = _fake_entry((28, 32), (28, 32, 300.0), {0.03: (28, 32)})
    assert not slower.stability["perturbed_median"]


@pytest.fixture(scope="module")
def small_race():
    P = R.race_problems(16, seed=7)
    C = [c for c in R.book_contestants() if c.name in ("gd", "momentum", "adam", "newton", "bfgs")]
    return R.race_all(C, P, grid=R.lr_grid(1e-3, 1.0, 2), steps=300, own_steps=60, n_tune=4, tol=1e-6)


def test_race_cells_are_stable_under_perturbation_and_grid(small_race):
    """Every cell reports perturbed and neighbour measurements, and the protocol marks stability."""
    for res in small_race.values():
        assert res.horizon == 900 and res.report_starts.shape == (12, 2)
        assert np.max(np.abs(res.perturbed_starts - res.report_starts)) < 1e-8
        for e in res.entries.values():
            assert e.report.n == e.perturbed.n == 12
            if e.lr is not None:
                j = int(np.flatnonzero(np.isclose(res.grid, e.lr))[0])
                assert set(e.neighbours) == {float(res.grid[k]) for k in (j - 1, j + 1) if 0 <= k < res.grid.size}
                assert e.default is not None and e.default.lr == 1e-3
            assert set(e.stability) == {"perturbed_rate", "perturbed_median", "grid"}
    # on the quadratic, momentum and the curvature methods are robust ...
    for name in ("momentum", "newton", "bfgs"):
        assert small_race["quadratic"][name].stable and small_race["quadratic"][name].successes == 12
    # ... while GD's cell rests on one grid point: with 300 steps the next smaller rate is too
    # slow and the next larger one diverges, and the race says so
    gd = small_race["quadratic"]["gd"]
    assert gd.successes == 12 and gd.stability["grid"] is False
    assert all(c.successes == 0 for c in gd.neighbours.values())


def test_race_matches_separate_runs(small_race):
    """The batched race equals one minimize_many per contestant and rate on the reporting starts."""
    res = small_race["Rosenbrock"]
    for name, make in (("gd", lambda lr: O.sgd(lr)), ("adam", lambda lr: O.adam(lr))):
        e = res[name]
        b = minimize_many(make(e.lr), res.problem, res.report_starts, res.horizon)
        s = R.score_runs(b.losses, 0.0, res.tol, b.diverged, res.budget)
        np.testing.assert_array_equal(s["steps"], e.steps)
        np.testing.assert_allclose(s["final_gap"], e.final_gap, rtol=1e-12, atol=0)
        np.testing.assert_allclose(b.trajectory(0).iterates, e.paths[0][: b.n_steps[0] + 1], rtol=0, atol=0)


def test_newton_converges_to_the_saddle_and_fails(small_race):
    e = small_race["saddle well"]["newton"]
    well = small_race["saddle well"].problem
    assert e.successes == 0 and e.report.near(well.center) == e.report.n
    np.testing.assert_allclose(e.final_gap, 0.25)
    assert small_race["saddle well"]["bfgs"].successes == e.report.n


def test_own_rule_methods_are_counted_honestly():
    Q = IllConditionedQuadratic(10.0, angle=0.4, center=(1.0, 2.0))
    starts = np.random.default_rng(2).uniform(-2, 2, (6, 2))
    res = R.race(R.book_contestants()[-4:], Q, starts, grid=[1.0], steps=50, n_tune=2)
    assert res["newton"].lr is None
    np.testing.assert_array_equal(res["newton"].steps, 1.0)              # exact on a quadratic
    np.testing.assert_array_equal(res["newton"].evaluations, 2 + 1 + 2)  # f,g at x0 and x1, one Hessian
    assert res["bfgs"].successes == 4
    assert np.all(res["bfgs"].evaluations >= 2 * res["bfgs"].steps)


def test_several_contestants_share_one_batch_bit_for_bit():
    """Runs of several contestants, each with its own rate, in one batch equal separate runs."""
    P = Rosenbrock()
    C = R.book_contestants(second_order=False)
    which = np.repeat(np.arange(len(C)), 2)
    lrs = np.tile([1e-3, 3e-3], len(C))
    x0 = np.tile([[-1.2, 1.0], [0.5, -0.5]], (len(C), 1))
    b = R._per_run_lr_batch([c.make for c in C], which, lrs, P, x0, 20, keep_iterates=True)
    for j in range(which.size):
        one = minimize_many(C[which[j]].make(float(lrs[j])), P, x0[j:j + 1], 20)
        np.testing.assert_array_equal(one.iterates[:, 0], b.iterates[:, j])


def test_race_rejects_bad_input():
    gd = R.first_order("gd", lambda lr: O.sgd(lr))
    with pytest.raises(ValueError):
        R.race([gd], Rosenbrock(), np.zeros((2, 2)), grid=[0.1], steps=5)
    with pytest.raises(ValueError):
        R.race([gd, gd], Rosenbrock(), np.zeros((4, 2)), grid=[0.1], steps=5)
    with pytest.raises(ValueError):
        R.race([gd], SaddleWell(), np.zeros((4, 2)), grid=[-0.1], steps=5)
    with pytest.raises(ValueError):
        R.race([gd], SaddleWell(), np.zeros((4, 2)), grid=[0.1], steps=5, horizon=2)
    with pytest.raises(ValueError):
        R.Contestant("x", "x", "", make=None, run=None)
    with pytest.raises(ValueError):
        R.first_order("x", lambda lr: O.sgd(lr), default_lr=-1.0)


def test_format_helpers():
    assert R.format_count(np.inf) == "—"
    assert R.format_count(1234.0) == "1,234"
    assert R.format_gap(np.inf) == "diverged"
    assert "e" not in R.format_gap(3.2e-7)
    cell = R.Cell(0.1, np.r_[np.full(28, 5.0), np.inf, np.inf, np.inf, np.inf], *(np.zeros(32),) * 3,
                  np.zeros(32, dtype=bool))
    assert R.format_rate(cell) == "28/32 (72–95 %)"


def test_network_problem_flat_gradient_and_pass_count():
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
    v2, g2 = prob.value_and_grad(x + 1e-3)
    assert prob.passes == 2 and np.isfinite(v2) and g2.shape == x.shape
    np.testing.assert_allclose(prob.grad(x)[:5], finite_difference_grad(
        lambda z: np.array([prob.f(np.concatenate([z, x[5:]]))]).reshape(()), x[:5])[:5], rtol=1e-5)
    with pytest.raises(ValueError):
        prob.unflatten(x[:-1])


def test_race_network_small():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 4))
    y = (X[:, 0] > 0).astype(np.int64)
    data = (X, y, X[:30], y[:30])
    C = [R.book_contestants()[0], R.book_contestants()[-1]]
    res = R.race_network(C, data, sizes=(4, 3, 2), grid=[0.01, 0.1, 1.0], passes=4, seeds=(0, 1),
                         batch_size=20)
    assert res.n_train + res.n_val == 80 and res.n_test == 30
    e = res["gd"]
    assert e.lr in (0.01, 0.1, 1.0) and e.curves.shape == (2, 5)
    j = [0.01, 0.1, 1.0].index(e.lr)
    assert e.grid_val[j].mean() == e.grid_val.mean(axis=1).min()       # tuned on validation
    np.testing.assert_array_equal(e.val_loss, e.grid_val[j])
    lb = res["lbfgs"]
    assert lb.lr is None and np.all(lb.iterations >= 1) and lb.curves.shape == (2, 5)
    assert np.all(np.diff(lb.curves, axis=1) <= 1e-12)                 # monotone line search
