"""Landscapes: analytic derivatives against finite differences, SciPy and closed forms."""
import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der, rosen_hess

from descent.landscapes import (Beale, Booth, Cliff, Himmelblau, IllConditionedQuadratic, Landscape,
                                LessardCounterexample, MonkeySaddle, Plateau, Quadratic, Rosenbrock,
                                Saddle, ShallowDip,
                                classify_critical_point, finite_difference_grad,
                                finite_difference_hess)


def _spd(n, seed):
    M = np.random.default_rng(seed).normal(size=(n, n))
    return M @ M.T + n * np.eye(n)


FACTORIES = {
    "quadratic-spd": lambda: Quadratic(_spd(3, 1), b=[1.0, -2.0, 0.5]),
    "quadratic-indefinite": lambda: Quadratic(np.diag([3.0, -1.0]), b=[1.0, 1.0]),
    "ill-conditioned": lambda: IllConditionedQuadratic(50.0, angle=0.7, scale=2.0, center=(1.0, -2.0)),
    "rosenbrock-2": lambda: Rosenbrock(),
    "rosenbrock-5": lambda: Rosenbrock(5),
    "rosenbrock-a2": lambda: Rosenbrock(3, a=2.0, b=10.0),
    "beale": Beale,
    "himmelblau": Himmelblau,
    "booth": Booth,
    "saddle": Saddle,
    "monkey": MonkeySaddle,
    "cliff": Cliff,
    "cliff-custom": lambda: Cliff(height=5.0, width=0.5, position=-1.0, center=(1.0, 1.0),
                                  curvature=(0.5, 2.0)),
    "plateau": Plateau,
    "plateau-custom": lambda: Plateau(inputs=(0.0, 2.0), targets=(0.1, 0.6)),
}


@pytest.fixture(params=sorted(FACTORIES), ids=sorted(FACTORIES))
def landscape(request):
    return FACTORIES[request.param]()


def _sample(L, rng, shape=(6,)):
    """Points inside the plotting window (2-D) or a standard normal cloud (n-D)."""
    if L.window is None:
        return rng.normal(size=(L.dim,) + shape)
    (x0, x1), (y0, y1) = L.window
    return np.stack([rng.uniform(x0, x1, shape), rng.uniform(y0, y1, shape)])


def test_gradient_matches_central_differences(landscape, rng):
    X = _sample(landscape, rng)
    g = landscape.grad(X)
    g_fd = finite_difference_grad(landscape.f, X)
    scale = np.maximum(1.0, np.abs(landscape.f(X)))            # FD rounding error ~ eps |f| / h
    assert g.shape == X.shape
    np.testing.assert_allclose(g, g_fd, rtol=1e-6, atol=1e-6 * scale.max())


def test_hessian_matches_differences_of_gradient(landscape, rng):
    X = _sample(landscape, rng)
    H = landscape.hess(X)
    H_fd = finite_difference_hess(landscape.grad, X)
    assert H.shape == (landscape.dim, landscape.dim) + X.shape[1:]
    np.testing.assert_allclose(H, np.swapaxes(H, 0, 1), rtol=0, atol=0)  # exactly symmetric
    np.testing.assert_allclose(H, H_fd, rtol=1e-5, atol=1e-5 * max(1.0, np.abs(landscape.grad(X)).max()))


def test_vectorised_grid_call_equals_pointwise_calls(landscape, rng):
    X = _sample(landscape, rng, shape=(4, 3))
    F, G, H = landscape.f(X), landscape.grad(X), landscape.hess(X)
    assert F.shape == (4, 3) and G.shape == X.shape and H.shape == (landscape.dim,) * 2 + (4, 3)
    for i in range(4):
        for j in range(3):
            x = X[:, i, j]
            np.testing.assert_allclose(F[i, j], landscape.f(x), rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(G[:, i, j], landscape.grad(x), rtol=1e-13, atol=1e-12)
            np.testing.assert_allclose(H[:, :, i, j], landscape.hess(x), rtol=1e-13, atol=1e-12)


def test_value_and_grad_is_f_and_grad_in_one_call(landscape, rng):
    for X in (_sample(landscape, rng), _sample(landscape, rng)[:, 0], _sample(landscape, rng, (2, 3))):
        value, g = landscape.value_and_grad(X)
        np.testing.assert_array_equal(value, landscape.f(X))
        np.testing.assert_array_equal(g, landscape.grad(X))
    value, _ = landscape.value_and_grad(_sample(landscape, rng)[:, 0])
    assert isinstance(value, np.floating)
    with pytest.raises(ValueError, match="leading dimension"):
        landscape.value_and_grad(np.zeros(landscape.dim + 1))


def test_single_point_value_is_a_numpy_scalar(landscape):
    x = np.zeros(landscape.dim) + 0.5
    value = landscape.f(x)
    assert np.ndim(value) == 0 and isinstance(value, np.floating)
    assert landscape.grad(x).shape == (landscape.dim,)
    assert landscape.hess(x).shape == (landscape.dim, landscape.dim)


def test_float32_in_float32_out_and_integers_promoted(landscape):
    x32 = np.full(landscape.dim, 0.5, dtype=np.float32)
    assert landscape.f(x32).dtype == np.float32
    assert landscape.grad(x32).dtype == np.float32
    assert landscape.hess(x32).dtype == np.float32
    np.testing.assert_allclose(landscape.grad(x32), landscape.grad(x32.astype(float)), rtol=1e-4, atol=1e-4)
    xi = np.ones(landscape.dim, dtype=int)
    assert landscape.grad(xi).dtype == np.float64
    np.testing.assert_allclose(landscape.f(xi), landscape.f(xi.astype(float)))


def test_known_minima_are_strict_minima(landscape):
    for k, m in enumerate(landscape.minima):
        H = landscape.hess(m)
        assert np.linalg.norm(landscape.grad(m)) <= 1e-9 * max(1.0, np.abs(H).max())
        assert np.all(np.linalg.eigvalsh(H) > 0)
        assert classify_critical_point(landscape, m) == "minimum"
        if landscape.min_value is not None:
            assert landscape.f(m) >= landscape.min_value - 1e-12
            if k == 0:
                assert landscape.f(m) == pytest.approx(landscape.min_value, abs=1e-12)


def test_other_critical_points_have_zero_gradient_and_their_kind(landscape):
    assert len(landscape.critical_kinds) == len(landscape.critical_points)
    for c, kind in zip(landscape.critical_points, landscape.critical_kinds):
        assert np.linalg.norm(landscape.grad(c)) <= 1e-9 * max(1.0, np.abs(landscape.hess(c)).max())
        eig = np.linalg.eigvalsh(landscape.hess(c))
        if kind == "saddle":
            assert eig.min() < 0 < eig.max()
        elif kind == "maximum":
            assert np.all(eig < 0)
        expected = "degenerate" if kind.startswith("degenerate") else kind
        assert classify_critical_point(landscape, c) == expected


BOUNDED_BELOW = sorted(name for name, make in FACTORIES.items() if make().min_value is not None)


@pytest.mark.parametrize("name", BOUNDED_BELOW)
def test_min_value_is_a_lower_bound_on_samples(name, rng):
    landscape = FACTORIES[name]()
    X = _sample(landscape, rng, shape=(2000,))
    assert np.all(landscape.f(X) >= landscape.min_value - 1e-12)


def test_min_value_is_none_exactly_for_the_unbounded_or_unknown():
    # x^2 - y^2, the monkey saddle and an indefinite quadratic are unbounded below;
    # Rosenbrock with a not in {0, 1} in 3-D has no closed-form minimum.
    assert set(FACTORIES) - set(BOUNDED_BELOW) == {
        "saddle", "monkey", "quadratic-indefinite", "rosenbrock-a2"}


@pytest.mark.parametrize("bad", [np.zeros(7), np.zeros((1, 4)), 3.0])
def test_wrong_leading_dimension_raises_value_error(landscape, bad):
    for method in (landscape.f, landscape.grad, landscape.hess):
        with pytest.raises(ValueError, match=rf"x must have leading dimension {landscape.dim}"):
            method(bad)


@pytest.mark.parametrize("bad", [["a", "b"], [True, False], [1 + 2j, 0j], [None, 1.0]])
def test_non_numeric_input_raises_type_error(bad):
    L = Himmelblau()
    for method in (L.f, L.grad, L.hess):
        with pytest.raises(TypeError, match="x must be a real numeric array"):
            method(bad)


def test_ragged_input_raises_value_error():
    with pytest.raises(ValueError, match="x must be a rectangular"):
        Booth().f([[1.0, 2.0], [3.0]])


def test_repr_names_class_and_parameters():
    assert repr(Rosenbrock(3, a=1.0, b=100.0)) == "Rosenbrock(dim=3, a=1.0, b=100.0)"
    assert repr(Beale()) == "Beale()"
    r = repr(IllConditionedQuadratic(4.0, angle=0.5))
    assert r.startswith("IllConditionedQuadratic(condition_number=4.0, angle=0.5")
    assert "height=50.0" in repr(Cliff())
    assert isinstance(Cliff(), Landscape)


# --- Rosenbrock against SciPy ------------------------------------------------

@pytest.mark.parametrize("dim", [2, 3, 10])
def test_rosenbrock_equals_scipy(dim, rng):
    L = Rosenbrock(dim)
    for _ in range(5):
        x = rng.uniform(-2, 2, dim)
        assert L.f(x) == pytest.approx(rosen(x), rel=1e-12)
        np.testing.assert_allclose(L.grad(x), rosen_der(x), rtol=1e-12, atol=1e-12 * np.abs(rosen_der(x)).max())
        np.testing.assert_allclose(L.hess(x), rosen_hess(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dim", [2, 3, 10])
def test_rosenbrock_batched_equals_scipy(dim, rng):
    L = Rosenbrock(dim)
    X = rng.uniform(-2, 2, (dim, 5, 7))
    np.testing.assert_allclose(L.f(X), rosen(X), rtol=1e-12)
    np.testing.assert_allclose(L.grad(X), rosen_der(X), rtol=1e-12, atol=1e-10)
    H = L.hess(X)
    for i in range(5):
        for j in range(7):
            np.testing.assert_allclose(H[:, :, i, j], rosen_hess(X[:, i, j]), rtol=1e-12, atol=1e-12)


def test_rosenbrock_minima():
    np.testing.assert_array_equal(Rosenbrock(6).minima[0], np.ones(6))
    np.testing.assert_array_equal(Rosenbrock(2, a=2.0).minima[0], [2.0, 4.0])
    assert Rosenbrock(3).minima.shape == (1, 3)               # n < 4: the global minimum only
    # Kok & Sandrock (2009): for n = 4 a local minimum near (-0.7757, 0.6131, 0.3820, 0.1459).
    local = Rosenbrock(4).minima[1]
    np.testing.assert_allclose(local, [-0.7757, 0.6131, 0.3820, 0.1459], atol=1e-4)
    assert Rosenbrock(4).f(local) == pytest.approx(3.7014, abs=1e-4)
    assert Rosenbrock(3, a=2.0).min_value is None


def test_rosenbrock_rejects_bad_parameters():
    with pytest.raises(ValueError, match="dim must be >= 2"):
        Rosenbrock(1)
    with pytest.raises(TypeError, match="dim"):
        Rosenbrock(2.5)
    with pytest.raises(ValueError, match="b must be > 0"):
        Rosenbrock(2, b=0.0)


# --- Quadratics ----------------------------------------------------------------

def test_quadratic_closed_forms(rng):
    A = _spd(4, 7)
    b = rng.normal(size=4)
    Q = Quadratic(A, b)
    x = rng.normal(size=4)
    assert Q.f(x) == pytest.approx(0.5 * x @ A @ x - b @ x, rel=1e-13)
    np.testing.assert_allclose(Q.grad(x), A @ x - b, rtol=1e-13)
    np.testing.assert_array_equal(Q.hess(x), A)
    x_star = np.linalg.solve(A, b)
    np.testing.assert_allclose(Q.minima[0], x_star, rtol=1e-12)
    assert Q.min_value == pytest.approx(-0.5 * b @ x_star, rel=1e-12)
    eig = np.linalg.eigvalsh(A)
    np.testing.assert_allclose(Q.eigenvalues, eig)
    assert Q.condition_number == pytest.approx(eig[-1] / eig[0])
    assert Q.lambda_min == pytest.approx(eig[0]) and Q.lambda_max == pytest.approx(eig[-1])
    assert Q.window is None and Quadratic(np.eye(2)).window == ((-3.0, 3.0), (-3.0, 3.0))


def test_quadratic_indefinite_and_singular():
    Q = Quadratic(np.diag([3.0, -1.0]), b=[3.0, 2.0])
    assert Q.minima.shape == (0, 2) and Q.min_value is None and Q.condition_number == np.inf
    np.testing.assert_allclose(Q.critical_points, [[1.0, -2.0]])
    assert Q.critical_kinds == ("saddle",)
    assert Quadratic(-np.eye(2)).critical_kinds == ("maximum",)
    # PSD singular: bounded below iff b lies in the range of A (then a line of minimisers).
    flat = Quadratic(np.diag([2.0, 0.0]), b=[4.0, 0.0])
    np.testing.assert_allclose(flat.minima, [[2.0, 0.0]])
    assert flat.min_value == pytest.approx(-4.0)
    tilted = Quadratic(np.diag([2.0, 0.0]), b=[4.0, 1.0])
    assert tilted.minima.shape == (0, 2) and tilted.min_value is None


def test_ill_conditioned_quadratic_geometry():
    kappa, angle, s, c = 25.0, 0.4, 0.5, np.array([1.0, -1.0])
    Q = IllConditionedQuadratic(kappa, angle=angle, scale=s, center=c)
    np.testing.assert_allclose(np.linalg.eigvalsh(Q.A), [s, s * kappa], rtol=1e-12)
    assert (Q.lambda_min, Q.lambda_max, Q.condition_number) == (s, s * kappa, kappa)
    shallow = np.array([np.cos(angle), np.sin(angle)])
    np.testing.assert_allclose(Q.A @ shallow, s * shallow, atol=1e-12)
    np.testing.assert_allclose(Q.eigenvectors[:, 0], shallow)
    assert Q.f(c) == 0.0 and Q.min_value == 0.0
    np.testing.assert_array_equal(Q.minima, [c])
    # f = 1/2 (x - c)^T A (x - c) agrees with the general form 1/2 x^T A x - b^T x + 1/2 c^T A c.
    x = np.array([0.3, 2.0])
    general = Quadratic(Q.A, Q.b).f(x) + 0.5 * c @ Q.A @ c
    assert Q.f(x) == pytest.approx(general, rel=1e-12)
    # angle = 0: the x axis is the shallow direction.
    np.testing.assert_allclose(IllConditionedQuadratic(10.0).A, np.diag([1.0, 10.0]))


def test_quadratic_constructor_validation():
    with pytest.raises(ValueError, match="A must be symmetric"):
        Quadratic([[1.0, 2.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="A must be a non-empty square matrix"):
        Quadratic(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        Quadratic(np.eye(2), b=[1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="A must be a real numeric array"):
        Quadratic([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="A must be finite"):
        Quadratic([[np.inf, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="condition_number must be >= 1"):
        IllConditionedQuadratic(0.5)
    with pytest.raises(ValueError, match="scale must be > 0"):
        IllConditionedQuadratic(scale=0.0)
    with pytest.raises(ValueError, match=r"center must have shape \(2,\)"):
        IllConditionedQuadratic(center=(0.0, 0.0, 0.0))


# --- Classic functions -----------------------------------------------------------

def test_himmelblau_has_four_global_minima():
    H = Himmelblau()
    assert H.minima.shape == (4, 2)
    np.testing.assert_allclose(H.f(H.minima.T), 0.0, atol=1e-25)
    np.testing.assert_allclose(H.minima[1], [-2.805118, 3.131312], atol=1e-6)
    assert H.critical_kinds.count("saddle") == 4 and H.critical_kinds.count("maximum") == 1
    assert H.f(H.critical_points[0]) == pytest.approx(181.617, abs=1e-3)


def test_beale_and_booth_minima_and_beale_saddle():
    assert Beale().f([3.0, 0.5]) == 0.0
    assert Beale().f([0.0, 1.0]) == 14.203125
    assert Booth().f([1.0, 3.0]) == 0.0
    np.testing.assert_array_equal(Booth().hess([0.0, 0.0]), [[10.0, 8.0], [8.0, 10.0]])


def test_saddles():
    S, M = Saddle(), MonkeySaddle()
    eig = np.linalg.eigvalsh(S.hess([0.0, 0.0]))
    np.testing.assert_array_equal(eig, [-2.0, 2.0])
    assert S.minima.shape == (0, 2) and S.min_value is None
    np.testing.assert_array_equal(M.hess([0.0, 0.0]), np.zeros((2, 2)))   # degenerate
    # f falls away along three directions 120 degrees apart: f(r e_theta) = r^3 cos(3 theta).
    theta = np.array([np.pi / 3, np.pi, 5 * np.pi / 3])
    np.testing.assert_allclose(M.f(np.stack([np.cos(theta), np.sin(theta)])), -1.0)


# --- Pathologies ---------------------------------------------------------------------

def test_cliff_catapults_one_gradient_step():
    C, alpha = Cliff(), 0.1
    on_face = np.array([C.position, 0.5])
    jump = np.linalg.norm(alpha * C.grad(on_face))
    assert jump > 20.0                                          # ~ alpha * H / (4 w) = 25
    plateau = np.array([C.position - 1.0, 0.5])
    assert np.linalg.norm(alpha * C.grad(plateau)) < 1.0
    landed = on_face - alpha * C.grad(on_face)
    assert C.f(landed) > C.f(on_face)                          # thrown uphill, far past the minimum
    # max_slope is the steepest |d wall / dx|, attained at the wall.
    xs = np.linspace(C.position - 1, C.position + 1, 20001)
    wall = C.grad(np.stack([xs, np.zeros_like(xs)]))[0] - (xs - C.center[0])
    assert np.abs(wall).max() == pytest.approx(C.max_slope, rel=1e-6)
    assert C.f([C.position - 2.0, 0.0]) - 0.5 * (C.position - 2.0 - C.center[0]) ** 2 == pytest.approx(C.height)


def test_cliff_validation():
    with pytest.raises(ValueError, match="center"):
        Cliff(position=3.0)
    with pytest.raises(ValueError, match="width must be > 0"):
        Cliff(width=0.0)
    with pytest.raises(ValueError, match="curvature must be positive"):
        Cliff(curvature=(1.0, -1.0))


def test_plateau_is_flat_but_high():
    P = Plateau()
    for point in ([-10.0, 0.0], [0.0, 10.0], [0.0, -10.0], [3.0, 15.0]):
        assert P.f(point) > 0.05
        assert np.linalg.norm(P.grad(point)) < 1e-3
    assert np.linalg.norm(P.grad([0.0, 0.0])) > 0.05          # not flat near the origin
    np.testing.assert_allclose(P.minima[0], [np.log(4.0), 0.0], atol=1e-15)
    assert P.f(P.minima[0]) == pytest.approx(0.0, abs=1e-30)
    with pytest.raises(ValueError, match="targets must lie strictly between 0 and 1"):
        Plateau(targets=(0.0, 1.0))
    with pytest.raises(ValueError, match="inputs must be distinct"):
        Plateau(inputs=(1.0, 1.0))


def test_plateau_matches_its_definition(rng):
    P = Plateau(inputs=(-1.0, 2.0), targets=(0.3, 0.9))
    w, b = rng.normal(size=2)
    sig = 1 / (1 + np.exp(-(w * np.array([-1.0, 2.0]) + b)))
    assert P.f([w, b]) == pytest.approx(0.25 * np.sum((sig - [0.3, 0.9]) ** 2), rel=1e-13)


# --- Finite-difference helpers ------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    # parameters for which the old Newton refinement failed and the constructor crashed
    dict(height=540.3, width=0.00416, position=-4.5903, center=(-4.5901, 1.88), curvature=(2004.7, 7.13)),
    dict(height=11.3, width=6.0, position=-2.6936, center=(-2.6934, -0.57), curvature=(0.0039, 0.00053)),
    dict(height=903376.0, width=49.4, position=-0.4, center=(3.12, -0.015), curvature=(1.72, 193.3)),
    dict(height=25372.1, width=0.0311, position=3.29804, center=(3.29815, -0.81), curvature=(0.00043, 16.6)),
])
def test_cliff_minimiser_is_found_for_any_valid_parameters(kwargs):
    c = Cliff(**kwargs)
    x = c.minima[0]
    scale = kwargs["curvature"][0] * abs(x[0]) + kwargs["height"] / kwargs["width"]
    assert abs(c.grad(x)[0]) <= 1e-12 * scale and c.grad(x)[1] == 0.0
    assert classify_critical_point(c, x) == "minimum" and c.min_value == c.f(x)
    grid = np.linspace(kwargs["position"] - 5 * kwargs["width"], x[0] + 5.0, 2001)
    assert np.all(c.f(np.stack([grid, np.full_like(grid, x[1])])) >= c.min_value - 1e-9 * max(1.0, abs(c.min_value)))


def test_chapter_5_landscapes_live_here():
    from descent.book import momentum_theory as M
    assert M.ShallowDip is ShallowDip and M.LessardCounterexample is LessardCounterexample
    les = LessardCounterexample()
    np.testing.assert_array_equal(les.grad(np.array([[0.5, 1.5, 2.5]])), [[12.5, 25.5, 38.5]])


def test_finite_differences_on_a_known_function(rng):
    f = lambda x: np.sin(x[0]) * np.exp(x[1])                                 # noqa: E731
    grad = lambda x: np.stack([np.cos(x[0]) * np.exp(x[1]), np.sin(x[0]) * np.exp(x[1])])  # noqa: E731
    x = rng.normal(size=2)
    np.testing.assert_allclose(finite_difference_grad(f, x), grad(x), rtol=1e-8, atol=1e-9)
    s, c, e = np.sin(x[0]), np.cos(x[0]), np.exp(x[1])
    H = np.array([[-s * e, c * e], [c * e, s * e]])
    np.testing.assert_allclose(finite_difference_hess(grad, x), H, rtol=1e-7, atol=1e-8)


def test_finite_difference_validation():
    with pytest.raises(TypeError, match="f must be callable"):
        finite_difference_grad(3.0, [1.0])
    with pytest.raises(ValueError, match="h must be > 0"):
        finite_difference_grad(np.sum, [1.0], h=0.0)
    with pytest.raises(TypeError, match="grad must be callable"):
        finite_difference_hess(None, [1.0])
    with pytest.raises(ValueError, match="shape"):
        finite_difference_hess(lambda x: x, 1.0)


# --- The race's saddle well (descent.book.race; Chapters 9 and 10) -------------------------

from descent.landscapes import SaddleWell  # noqa: E402  (this block is self-contained)

SADDLE_WELLS = {
    "axis-aligned": lambda: SaddleWell(),
    "rotated-shifted": lambda: SaddleWell(angle=np.pi / 5, center=(0.5, 1.0)),
    "rotated-negative": lambda: SaddleWell(angle=-2.0, center=(-3.0, 0.25)),
}


@pytest.mark.parametrize("name", sorted(SADDLE_WELLS))
def test_saddle_well_derivatives(name, rng):
    L = SADDLE_WELLS[name]()
    x = rng.normal(size=(2, 7)) * 1.5 + L.center[:, None]
    np.testing.assert_allclose(L.grad(x), finite_difference_grad(L.f, x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(L.hess(x), finite_difference_hess(L.grad, x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(L.f(x), [L.f(x[:, i]) for i in range(7)], rtol=1e-15)


@pytest.mark.parametrize("name", sorted(SADDLE_WELLS))
def test_saddle_well_points_and_bound(name, rng):
    L = SADDLE_WELLS[name]()
    assert L.f(L.center) == pytest.approx(0.25, abs=1e-15)
    np.testing.assert_allclose(L.grad(L.center), 0.0, atol=1e-15)
    np.testing.assert_allclose(np.linalg.eigvalsh(L.hess(L.center)), [-1.0, 2.0], atol=1e-13)
    assert classify_critical_point(L, L.center) == "saddle" and L.critical_kinds == ("saddle",)
    assert L.minima.shape == (2, 2) and L.min_value == 0.0
    for m in L.minima:
        assert L.f(m) == pytest.approx(0.0, abs=1e-28)
        np.testing.assert_allclose(L.grad(m), 0.0, atol=1e-14)
        assert np.all(np.linalg.eigvalsh(L.hess(m)) > 0)
    np.testing.assert_allclose(np.linalg.norm(L.minima - L.center, axis=1), 1.0)
    x = rng.uniform(-5, 5, (2, 2000)) + L.center[:, None]
    assert np.all(L.f(x) >= 0.0)


def test_saddle_well_geometry_and_types():
    L = SaddleWell(angle=np.pi / 5, center=(0.5, 1.0))
    # the stable manifold: along R e1 the gradient has no component along R e2
    pts = L.stable_manifold_points([-1.5, 0.7], [0.0, 0.0])
    g = L.grad(pts.T)
    np.testing.assert_allclose(L.rotation[:, 1] @ g, 0.0, atol=1e-14)
    np.testing.assert_allclose((pts - L.center) @ L.rotation[:, 0], [-1.5, 0.7])
    # the axis-aligned well is x^2 + (y^2 - 1)^2 / 4
    A = SaddleWell()
    x = np.array([0.3, -1.2])
    assert A.f(x) == pytest.approx(0.09 + 0.25 * (1.44 - 1.0) ** 2)
    np.testing.assert_allclose(A.grad(x), [0.6, -1.2 * (1.44 - 1.0)])
    assert L.f(np.array([0.5, 1.0], dtype=np.float32)).dtype == np.float32
    assert L.grad(np.ones((2, 3), dtype=np.float32)).dtype == np.float32
    assert "SaddleWell(angle=" in repr(L)
    with pytest.raises(ValueError):
        SaddleWell(center=(1.0, 2.0, 3.0))
    with pytest.raises(ValueError):
        L.stable_manifold_points([1.0, 2.0], [0.0])
    with pytest.raises(ValueError):
        L.f(np.zeros(3))


def test_saddle_well_at_quarter_turn_sign_step_stays_on_the_stable_manifold():
    """At angle pi/4 a sign-like step from near the stable manifold does not leave it (at pi/5 it does)."""
    for angle, moves in ((np.pi / 4, False), (np.pi / 5, True)):
        L = SaddleWell(angle=angle, center=(0.5, 1.0))
        x = L.stable_manifold_points(np.array([1.5]), np.array([4e-4]))[0]
        step = 0.1 * np.sign(L.grad(x))
        off = lambda z: abs((z - L.center) @ L.rotation[:, 1])   # noqa: E731
        if moves:
            assert off(x - step) > 0.1 * 0.2
        else:
            assert abs(off(x - step) - off(x)) < 1e-12
