r"""Symbolic derivations (SymPy) that the chapters display and assert.

Every function here returns SymPy expressions — usually bundled in a small
``NamedTuple`` whose fields name the pieces of the derivation — so that a chapter can

* *assert* a closed form, e.g. ``assert sp.simplify(r.rate - (kappa - 1)/(kappa + 1)) == 0``,
  which makes a wrong formula fail the book build, and
* *display* it with :func:`latex`, which renders any expression with the book's symbol
  names (``\lambda_{\min}``, ``\hat m_t``, ...) inside a MyST ``$$ ... $$`` block.

The derivations are the ones the source article states and the outline asks to make exact:
the second-order Taylor model and Newton's step (Chapter 4), the per-eigenvalue recurrence of
gradient descent and its contraction factor (Chapter 2), exponential moving averages and
their weights (Chapter 5), the heavy-ball iteration matrix and Polyak's optimal parameters
(Chapter 5), the three equivalent ways of writing momentum and the two Nesterov forms
(Chapter 5), Adam's bias
correction (Chapter 9) and the secant condition of quasi-Newton updates (Chapter 4).

Results are cached (:func:`functools.lru_cache`); they are immutable SymPy objects
(matrices are ``ImmutableMatrix``), so sharing them is safe.

References: Goodfellow, Bengio & Courville, *Deep Learning* (2016), ch. 4 and 8;
Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006); Polyak (1964);
Goh, "Why Momentum Really Works", *Distill* (2017); Kingma & Ba (2015).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import sympy as sp

from .. import _validate as v

__all__ = [
    "latex", "latex_interval",
    "Taylor2", "taylor2_model",
    "QuadraticModel", "quadratic_model_minimiser",
    "GDEigen", "gd_eigen_recurrence",
    "EmaUnrolled", "ema_unrolled", "ema_weight_sum",
    "EmaMemory", "ema_effective_memory",
    "MomentumMatrix", "momentum_iteration_matrix",
    "MomentumForms", "momentum_forms_equivalence",
    "NesterovForms", "nesterov_forms_equivalence",
    "AdamBias", "adam_bias_correction",
    "SecantCheck", "secant_condition_check",
    "DirectionalCurvature", "curvature_along_direction",
]

# ---------------------------------------------------------------------------
# Shared symbols and their LaTeX names
# ---------------------------------------------------------------------------

theta, theta0 = sp.symbols("theta theta_0", real=True)
alpha = sp.Symbol("alpha", positive=True)        # step size (GD), Goodfellow's momentum
lam = sp.Symbol("lambda", positive=True)         # a Hessian eigenvalue (curvature)
lam_min = sp.Symbol("lambda_min", positive=True)
lam_max = sp.Symbol("lambda_max", positive=True)
kappa = sp.Symbol("kappa", positive=True)        # condition number lambda_max / lambda_min
beta = sp.Symbol("beta", positive=True)          # EMA decay / heavy-ball momentum
beta1 = sp.Symbol("beta_1", positive=True)
beta2 = sp.Symbol("beta_2", positive=True)
k_sym = sp.Symbol("k", integer=True, positive=True)
t_sym = sp.Symbol("t", integer=True, positive=True)
z = sp.Symbol("z")                               # eigenvalue variable of an iteration matrix

# Names whose default SymPy rendering is not the book's notation.
_LATEX_NAMES = {
    "lambda_min": r"\lambda_{\min}",
    "lambda_max": r"\lambda_{\max}",
    "alpha_star": r"\alpha^{\star}",
    "beta_star": r"\beta^{\star}",
    "E_g": r"\mathbb{E}[g]",
    "E_g2": r"\mathbb{E}[g^{2}]",
    "eta": r"\eta",
    "epsilon": r"\epsilon",
    "mu": r"\mu",
    "lr": r"\mathrm{lr}",
}


def latex(expr: Any, lhs: Any = None, *, display: bool = False, **kwargs: Any) -> str:
    r"""LaTeX of ``expr`` in the book's notation, for a MyST ``$$ ... $$`` display.

    Symbols are rendered with consistent names (``lambda_min`` as :math:`\lambda_{\min}`,
    ``E_g`` as :math:`\mathbb{E}[g]`, ``lr`` as :math:`\mathrm{lr}`, ...).  With ``lhs``
    the result is ``lhs = expr`` (``lhs`` may be a string of LaTeX or a SymPy object).
    A ``list``/``tuple`` of expressions is joined with commas; a ``dict`` is rendered as
    ``key = value`` pairs.  ``display=True`` wraps the string in ``$$`` lines, ready for
    ``IPython.display.Markdown`` or myst-nb's ``glue``.  Other keyword arguments go to
    :func:`sympy.latex`.

    Example: ``latex(gd_eigen_recurrence().rate, r"\rho")`` returns
    ``'\rho = \frac{\kappa - 1}{\kappa + 1}'``.

    ``symbol_names`` (a dict from symbols to LaTeX, as for :func:`sympy.latex`) adds to or
    overrides the book's names, e.g. ``{fp: r"f'(\theta_0)"}`` for a placeholder symbol.
    """
    extra_names = dict(kwargs.pop("symbol_names", None) or {})
    def one(e: Any) -> str:
        if isinstance(e, str):
            return e
        if isinstance(e, dict):
            return r",\quad ".join(f"{one(key)} = {one(val)}" for key, val in e.items())
        if isinstance(e, (list, tuple)):
            return ", ".join(one(x) for x in e)
        e = sp.sympify(e)
        names = {s: _LATEX_NAMES[s.name] for s in e.free_symbols
                 if isinstance(s, sp.Symbol) and s.name in _LATEX_NAMES}
        names.update(extra_names)
        return sp.latex(e, symbol_names=names, **kwargs)

    body = one(expr) if lhs is None else f"{one(lhs)} = {one(expr)}"
    return f"$$\n{body}\n$$" if display else body


def latex_interval(condition: Any, var: Any) -> str:
    r"""``lo < var < hi`` in LaTeX for a SymPy condition bounding ``var`` from both sides.

    SymPy states an interval as a conjunction, ``(alpha > 0) & (alpha < 2/lambda)``, which
    prints as :math:`\alpha > 0 \wedge \alpha < \tfrac{2}{\lambda}`; a book writes the
    chained inequality :math:`0 < \alpha < \tfrac{2}{\lambda}`.  ``condition`` must be an
    ``And`` of two strict or non-strict inequalities, one a lower and one an upper bound on
    ``var`` (in either order and orientation); anything else is a ``ValueError``.
    """
    var = sp.sympify(var)
    condition = sp.sympify(condition)
    parts = condition.args if isinstance(condition, sp.And) else ()
    if len(parts) != 2 or not all(isinstance(p, sp.core.relational.Relational) for p in parts):
        raise ValueError(f"condition must be an And of two inequalities on {var}, got {condition}")
    lower = upper = None
    for rel in parts:
        if isinstance(rel, (sp.StrictLessThan, sp.LessThan)):
            small, big, strict = rel.lhs, rel.rhs, isinstance(rel, sp.StrictLessThan)
        elif isinstance(rel, (sp.StrictGreaterThan, sp.GreaterThan)):
            small, big, strict = rel.rhs, rel.lhs, isinstance(rel, sp.StrictGreaterThan)
        else:
            raise ValueError(f"condition must bound {var} by inequalities, got {rel}")
        sign = "<" if strict else r"\le"
        if big == var and var not in small.free_symbols:
            lower = (small, sign)
        elif small == var and var not in big.free_symbols:
            upper = (big, sign)
        else:
            raise ValueError(f"{rel} is not a bound on {var} alone")
    if lower is None or upper is None:
        raise ValueError(f"condition must bound {var} from below and from above, got {condition}")
    return f"{latex(lower[0])} {lower[1]} {latex(var)} {upper[1]} {latex(upper[0])}"


def _vector(prefix: str, n: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(sp.symbols(f"{prefix}_1:{n + 1}", real=True))


def _symmetric(prefix: str, n: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix(n, n, lambda i, j: sp.Symbol(f"{prefix}_{min(i, j) + 1}{max(i, j) + 1}",
                                                           real=True))


def _dim(n: Any, name: str = "n", high: int = 4) -> int:
    n = v.positive_int(n, name)
    if n > high:
        raise ValueError(f"{name} must be at most {high} (symbolic algebra grows fast), got {n}")
    return n


# ---------------------------------------------------------------------------
# Chapter 4: Taylor models and Newton's step
# ---------------------------------------------------------------------------

class Taylor2(NamedTuple):
    """Second-order Taylor model of a 1-D function (see :func:`taylor2_model`)."""

    model: sp.Expr      #: f(θ0) + f'(θ0)(θ-θ0) + f''(θ0)(θ-θ0)²/2
    tangent: sp.Expr    #: first-order model f(θ0) + f'(θ0)(θ-θ0)
    vertex: sp.Expr | None  #: θ0 - f'(θ0)/f''(θ0), where m' = 0 (Newton's iterate); None if f''(θ0) = 0
    derivatives: tuple  #: (f(θ0), f'(θ0), f''(θ0))
    theta: sp.Symbol
    theta0: sp.Symbol


@lru_cache(maxsize=None)
def taylor2_model(f: sp.Expr | None = None, var: sp.Symbol | None = None,
                  at: sp.Expr | None = None) -> Taylor2:
    r"""Second-order Taylor model of :math:`f` around :math:`\theta_0` and its vertex.

    .. math::
       m(\theta) = f(\theta_0) + f'(\theta_0)(\theta-\theta_0)
                   + \tfrac12 f''(\theta_0)(\theta-\theta_0)^2,\qquad
       \theta^{+} = \theta_0 - \frac{f'(\theta_0)}{f''(\theta_0)},

    the vertex :math:`\theta^{+}` solving :math:`m'(\theta) = 0` (a minimum when
    :math:`f''(\theta_0) > 0`); it is the 1-D Newton iterate.  With ``f=None`` the function
    is a generic ``sp.Function('f')`` and the derivatives stay symbolic; otherwise ``f``
    is an expression in ``var`` (default ``theta``) and the model is built around
    ``at`` (default ``theta0``; a number gives a concrete model).  ``vertex`` is
    ``None`` when :math:`f''(\theta_0) = 0` (the model is linear).

    Reference: Goodfellow et al. (2016), Sec. 4.3.1, Eq. (4.8)–(4.10).
    """
    var = theta if var is None else var
    at = theta0 if at is None else sp.sympify(at)
    if not isinstance(var, sp.Symbol):
        raise TypeError(f"var must be a SymPy Symbol, got {type(var).__name__}")
    if f is None:
        if not isinstance(at, sp.Symbol):
            raise ValueError("a generic f (f=None) needs a symbolic expansion point 'at'")
        fn = sp.Function("f")
        derivs = (fn(at), sp.Derivative(fn(at), at), sp.Derivative(fn(at), (at, 2)))
    else:
        f = sp.sympify(f)
        derivs = tuple(sp.diff(f, var, i).subs(var, at) for i in range(3))
    d = var - at
    tangent = derivs[0] + derivs[1] * d
    model = tangent + derivs[2] * d**2 / 2
    if derivs[2] == 0:   # a linear model has no vertex
        vertex = None
    else:
        (vertex,) = sp.solve(sp.diff(model, var), var)
    return Taylor2(model, tangent, vertex, derivs, var, at)


class QuadraticModel(NamedTuple):
    """The quadratic model in n dimensions (see :func:`quadratic_model_minimiser`)."""

    model: sp.Expr                 #: f + gᵀΔ + ½ ΔᵀHΔ
    gradient: sp.ImmutableMatrix   #: ∇_Δ m = g + HΔ
    minimiser: sp.ImmutableMatrix  #: Δ solving ∇m = 0
    newton_step: sp.ImmutableMatrix  #: -H⁻¹ g, for comparison
    g: sp.ImmutableMatrix
    H: sp.ImmutableMatrix
    delta: sp.ImmutableMatrix
    f: sp.Symbol


@lru_cache(maxsize=None)
def quadratic_model_minimiser(n: int = 2) -> QuadraticModel:
    r"""Minimise the quadratic model :math:`m(\Delta) = f + g^\top\Delta + \tfrac12\Delta^\top H\Delta`.

    ``g`` is a vector of symbols :math:`g_1,\dots,g_n` and ``H`` a symmetric matrix of
    symbols :math:`h_{ij} = h_{ji}`.  Setting :math:`\nabla m = g + H\Delta = 0` and solving
    the linear system gives Newton's step

    .. math:: \Delta^\star = -H^{-1} g,

    a minimiser when :math:`H` is positive definite.  The field ``minimiser`` is the solution
    of :math:`\nabla m = 0` found by :func:`sympy.solve`; ``newton_step`` is
    :math:`-H^{-1}g` computed directly, so ``minimiser - newton_step`` simplifies to zero.
    ``n`` is at most 3.

    Reference: Nocedal & Wright (2006), Sec. 2.2, Eq. (2.14)–(2.15).
    """
    n = _dim(n, high=3)
    g, H = _vector("g", n), _symmetric("h", n)
    delta = _vector("Delta", n)
    f = sp.Symbol("f", real=True)
    model = f + (g.T * delta)[0] + (delta.T * H * delta)[0] / 2
    grad = sp.ImmutableMatrix([sp.diff(model, d) for d in delta])
    sol = sp.solve(list(grad), list(delta), dict=True)
    if len(sol) != 1:  # pragma: no cover - a generic symmetric H is invertible
        raise RuntimeError("the quadratic model has no unique stationary point")
    minimiser = sp.ImmutableMatrix([sp.factor(sol[0][d]) for d in delta])
    newton = sp.ImmutableMatrix(-H.inv() * g)
    return QuadraticModel(model, grad, minimiser, newton, g, H, delta, f)


# ---------------------------------------------------------------------------
# Chapter 2: gradient descent on a quadratic, eigenvalue by eigenvalue
# ---------------------------------------------------------------------------

class GDEigen(NamedTuple):
    """Gradient descent along one eigen-direction (see :func:`gd_eigen_recurrence`)."""

    factor: sp.Expr          #: 1 - αλ, the multiplier of e_k
    closed_form: sp.Expr     #: e_k = (1 - αλ)^k e_0
    stable: Any              #: the condition on α equivalent to ``|1 - αλ| < 1``
    alpha_max: sp.Expr       #: 2/λ, the stability bound
    alpha_opt: sp.Expr       #: 2/(λmin + λmax)
    rate_lambda: sp.Expr     #: (λmax - λmin)/(λmax + λmin)
    rate: sp.Expr            #: (κ - 1)/(κ + 1)
    e0: sp.Symbol


@lru_cache(maxsize=None)
def gd_eigen_recurrence() -> GDEigen:
    r"""Per-eigenvalue error recurrence of gradient descent on a quadratic.

    On :math:`f(x) = \tfrac12 x^\top H x` write the iterate in the eigenbasis of :math:`H`;
    along an eigenvector with eigenvalue :math:`\lambda > 0` the error obeys

    .. math::
       e_{k+1} = e_k - \alpha\lambda e_k = (1-\alpha\lambda)\,e_k,
       \qquad e_k = (1-\alpha\lambda)^k e_0 .

    It shrinks iff :math:`|1-\alpha\lambda| < 1 \iff 0 < \alpha < 2/\lambda`, so a step is
    stable for every direction iff :math:`\alpha < 2/\lambda_{\max}`.  The worst factor
    :math:`\max(|1-\alpha\lambda_{\min}|, |1-\alpha\lambda_{\max}|)` is smallest when the
    two are equal and opposite, :math:`1-\alpha\lambda_{\min} = -(1-\alpha\lambda_{\max})`:

    .. math::
       \alpha^\star = \frac{2}{\lambda_{\min}+\lambda_{\max}},\qquad
       \rho^\star = \frac{\lambda_{\max}-\lambda_{\min}}{\lambda_{\max}+\lambda_{\min}}
                  = \frac{\kappa-1}{\kappa+1},\quad \kappa = \lambda_{\max}/\lambda_{\min}.

    Reference: Goh (2017), "Why Momentum Really Works", Sec. "First steps: gradient descent";
    Nocedal & Wright (2006), Sec. 3.3.
    """
    a = sp.Symbol("alpha", real=True)   # real, so the solver reports the lower bound 0 < alpha
    e0, ek = sp.symbols("e_0 e_k", real=True)
    e_next = ek - a * lam * ek                      # gradient of λe²/2 is λe
    factor = sp.factor(e_next / ek)
    closed = factor**k_sym * e0
    stable = sp.solve([factor < 1, factor > -1], a)
    alpha_max = 2 / lam
    at_min, at_max = factor.subs(lam, lam_min), factor.subs(lam, lam_max)
    (alpha_opt,) = sp.solve(sp.Eq(at_min, -at_max), a)
    rate_lambda = sp.factor(at_min.subs(a, alpha_opt))
    rate = sp.factor(sp.simplify(rate_lambda.subs(lam_max, kappa * lam_min)))
    factor = factor.subs(a, alpha)
    return GDEigen(factor, closed.subs(a, alpha), stable, alpha_max, alpha_opt,
                   rate_lambda, rate, e0)


# ---------------------------------------------------------------------------
# Chapter 5: exponential moving averages
# ---------------------------------------------------------------------------

class EmaUnrolled(NamedTuple):
    """An EMA after k steps, two ways (see :func:`ema_unrolled`)."""

    recursion: sp.Expr     #: v_k obtained by iterating v_i = βv_{i-1} + (1-β)g_i from v_0 = 0
    closed_form: sp.Expr   #: Σ_{i=1}^{k} (1-β) β^{k-i} g_i
    weights: tuple         #: the weight (1-β)β^{k-i} of each g_i, i = 1..k
    g: tuple               #: the symbols g_1..g_k


@lru_cache(maxsize=None)
def ema_unrolled(k: int = 4) -> EmaUnrolled:
    r"""Unroll the exponential moving average :math:`v_i = \beta v_{i-1} + (1-\beta) g_i`, :math:`v_0 = 0`.

    Iterating ``k`` times with symbolic :math:`g_1,\dots,g_k` gives

    .. math:: v_k = \sum_{i=1}^{k} (1-\beta)\,\beta^{k-i} g_i ,

    a weighted sum whose weights decay geometrically with the age :math:`k-i` of each
    gradient.  ``recursion`` is the iterated (expanded) expression, ``closed_form`` the sum;
    their difference simplifies to zero.  ``k`` is between 1 and 30.

    Reference: Goodfellow et al. (2016), Sec. 8.3.2; Kingma & Ba (2015), Sec. 3.
    """
    k = _dim(k, "k", high=30)
    g = sp.symbols(f"g_1:{k + 1}", real=True)
    vk = sp.Integer(0)
    for gi in g:
        vk = beta * vk + (1 - beta) * gi
    weights = tuple((1 - beta) * beta**(k - i) for i in range(1, k + 1))
    closed = sum((w * gi for w, gi in zip(weights, g)), sp.Integer(0))
    return EmaUnrolled(sp.expand(vk), closed, weights, g)


def _weight_sum(decay: sp.Symbol, k: sp.Expr) -> sp.Expr:
    """Closed form of sum_{i=1}^{k} (1-decay) decay^(k-i), for |decay| < 1."""
    j = sp.Symbol("j", integer=True, nonnegative=True)
    geometric = sp.Sum(decay**j, (j, 0, k - 1)).doit()   # Piecewise: k if decay = 1, else ...
    if isinstance(geometric, sp.Piecewise):
        geometric = geometric.args[-1][0]                 # ... (1 - decay^k)/(1 - decay)
    return sp.factor(sp.cancel((1 - decay) * geometric))


@lru_cache(maxsize=None)
def ema_weight_sum(k: int | None = None) -> sp.Expr:
    r"""Sum of the EMA weights after ``k`` steps: :math:`\sum_{i=1}^{k}(1-\beta)\beta^{k-i} = 1-\beta^k`.

    ``k=None`` uses a symbolic positive integer :math:`k` (the geometric series
    :math:`\sum_{j=0}^{k-1}\beta^j` summed by SymPy's ``Sum.doit``, branch :math:`\beta\ne 1`);
    an integer ``k`` sums the explicit weights of
    :func:`ema_unrolled`.  Because the sum is :math:`1-\beta^k < 1`, a zero-initialised EMA
    is biased towards zero, and dividing by :math:`1-\beta^k` removes the bias — Adam's
    bias correction (see :func:`adam_bias_correction`).

    Reference: Kingma & Ba (2015), Sec. 3.
    """
    if k is None:
        return _weight_sum(beta, k_sym)
    return sp.factor(sum(ema_unrolled(k).weights, sp.Integer(0)))


class EmaMemory(NamedTuple):
    """How far back an EMA remembers (see :func:`ema_effective_memory`)."""

    mean_age: sp.Expr     #: Σ_{j≥0} (j+1)(1-β)β^j = 1/(1-β)
    mean_lag: sp.Expr     #: Σ_{j≥0} j(1-β)β^j = β/(1-β)
    e_folding: sp.Expr    #: -1/ln β, the age at which a weight has fallen by a factor e
    total_weight: sp.Expr  #: Σ_{j≥0} (1-β)β^j = 1


@lru_cache(maxsize=None)
def ema_effective_memory() -> EmaMemory:
    r"""The effective memory :math:`1/(1-\beta)` of an exponential moving average.

    In the long run (:math:`k\to\infty`) the gradient of age :math:`j` (:math:`j = 0` for the
    newest) has weight :math:`w_j = (1-\beta)\beta^j`, and the weights sum to one.  This
    function defines the memory as the **mean age** of the averaged gradients, counting the
    newest as age 1:

    .. math::
       \sum_{j\ge 0} (j+1)(1-\beta)\beta^{j} = \frac{1}{1-\beta},

    e.g. 10 steps for :math:`\beta = 0.9` and 1000 for :math:`\beta = 0.999`.  Counting the
    newest as age 0 gives the **mean lag** :math:`\beta/(1-\beta)`, one less.  A third common
    reading, the age :math:`-1/\ln\beta` at which a weight has fallen by a factor :math:`e`,
    equals :math:`1/(1-\beta) - 1/2 + O(1-\beta)` as :math:`\beta\to 1`.  The series are
    summed with the geometric series :math:`G(\beta) = \sum_j \beta^j = 1/(1-\beta)` and
    its derivative, :math:`\sum_j j\beta^j = \beta G'(\beta)`.

    Reference: Goodfellow et al. (2016), Sec. 8.3.2 (momentum's :math:`1/(1-\alpha)`
    amplification of the step).
    """
    G = 1 / (1 - beta)                            # Σ β^j, |β| < 1
    sum_j = beta * sp.diff(G, beta)               # Σ j β^j
    total = sp.simplify((1 - beta) * G)
    mean_lag = sp.simplify((1 - beta) * sum_j)
    mean_age = sp.simplify((1 - beta) * (sum_j + G))
    return EmaMemory(mean_age, mean_lag, -1 / sp.log(beta), total)


# ---------------------------------------------------------------------------
# Chapter 5: momentum
# ---------------------------------------------------------------------------

class MomentumMatrix(NamedTuple):
    """Heavy ball on a 1-D quadratic (see :func:`momentum_iteration_matrix`)."""

    M: sp.ImmutableMatrix       #: [[1 - αλ + β, -β], [1, 0]]
    charpoly: sp.Expr           #: det(zI - M) = z² - (1 + β - αλ)z + β
    eigenvalues: tuple          #: the two roots of charpoly
    alpha_opt: sp.Expr          #: 4/(√λmax + √λmin)²
    beta_opt: sp.Expr           #: ((√κ - 1)/(√κ + 1))²
    rate_opt: sp.Expr           #: √β* = (√κ - 1)/(√κ + 1)
    gd_rate: sp.Expr            #: (κ - 1)/(κ + 1), plain GD at its best step, for comparison


@lru_cache(maxsize=None)
def momentum_iteration_matrix() -> MomentumMatrix:
    r"""Iteration matrix, eigenvalues and optimal parameters of the heavy-ball method.

    On :math:`f(x) = \tfrac12\lambda x^2` Polyak's heavy ball
    :math:`x_{k+1} = x_k - \alpha\lambda x_k + \beta(x_k - x_{k-1})` is the linear map

    .. math::
       \begin{pmatrix} x_{k+1}\\ x_k\end{pmatrix} =
       \underbrace{\begin{pmatrix} 1-\alpha\lambda+\beta & -\beta\\ 1 & 0\end{pmatrix}}_{M}
       \begin{pmatrix} x_k\\ x_{k-1}\end{pmatrix},\qquad
       z_{\pm} = \tfrac12\Big(1+\beta-\alpha\lambda \pm
                 \sqrt{(1+\beta-\alpha\lambda)^2 - 4\beta}\Big).

    The product of the eigenvalues is :math:`\beta`, so when they are complex both have
    modulus :math:`\sqrt\beta`, whatever :math:`\lambda`.  Asking for (double) real roots at
    both ends of the spectrum, :math:`1+\beta-\alpha\lambda_{\min} = 2\sqrt\beta` and
    :math:`1+\beta-\alpha\lambda_{\max} = -2\sqrt\beta`, i.e.
    :math:`\sqrt{\alpha\lambda_{\min}} = 1-\sqrt\beta`, :math:`\sqrt{\alpha\lambda_{\max}} = 1+\sqrt\beta`,
    gives Polyak's parameters

    .. math::
       \alpha^\star = \frac{4}{(\sqrt{\lambda_{\max}}+\sqrt{\lambda_{\min}})^2},\qquad
       \beta^\star = \Big(\frac{\sqrt\kappa-1}{\sqrt\kappa+1}\Big)^2,\qquad
       \text{rate } \sqrt{\beta^\star} = \frac{\sqrt\kappa-1}{\sqrt\kappa+1},

    against :math:`(\kappa-1)/(\kappa+1)` for gradient descent at its best step.

    References: Polyak, "Some methods of speeding up the convergence of iteration methods"
    (1964); Goh, "Why Momentum Really Works", *Distill* (2017).
    """
    xk, xkm1 = sp.symbols("x_k x_{k-1}", real=True)
    x_next = xk - alpha * lam * xk + beta * (xk - xkm1)
    M = sp.ImmutableMatrix([[sp.diff(x_next, xk), sp.diff(x_next, xkm1)], [1, 0]])
    charpoly = sp.expand((z * sp.eye(2) - M).det())
    b = 1 + beta - alpha * lam
    eigs = ((b + sp.sqrt(b**2 - 4 * beta)) / 2, (b - sp.sqrt(b**2 - 4 * beta)) / 2)
    # Solve the two double-root conditions, linear in (sqrt(alpha), sqrt(beta)).
    ra, rb = sp.symbols("r_alpha r_beta", positive=True)
    sol = sp.solve([ra * sp.sqrt(lam_min) - (1 - rb), ra * sp.sqrt(lam_max) - (1 + rb)],
                   [ra, rb], dict=True)[0]
    alpha_opt = sp.factor(sol[ra] ** 2)
    rate_opt = sp.simplify(sol[rb].subs(lam_max, kappa * lam_min))
    beta_opt = rate_opt**2
    return MomentumMatrix(M, charpoly, eigs, alpha_opt, beta_opt, rate_opt,
                          gd_eigen_recurrence().rate)


class MomentumForms(NamedTuple):
    """Three ways of writing momentum (see :func:`momentum_forms_equivalence`)."""

    iterates: dict   #: form name -> tuple of θ_0..θ_steps, each form in its own hyper-parameters
    mapped: dict     #: form name -> the same iterates after the mapping to PyTorch's (lr, μ)
    mapping: dict    #: form name -> {its hyper-parameter: expression in lr, μ}
    velocity: dict   #: form name -> its velocity after `steps` steps, in terms of lr, μ
    grad: sp.Function  #: the generic gradient field g(θ)


@lru_cache(maxsize=None)
def momentum_forms_equivalence(steps: int = 3) -> MomentumForms:
    r"""The three ways momentum is written give identical iterates under a change of parameters.

    With a generic gradient field :math:`g(\theta)` (an undefined SymPy function, so the
    claim holds for every loss) and zero initial velocity, iterate for ``steps`` steps

    * Goodfellow et al., Algorithm 8.2: :math:`v \leftarrow \alpha v - \epsilon g(\theta)`,
      :math:`\theta \leftarrow \theta + v`;
    * PyTorch's buffer form (``torch.optim.SGD``): :math:`b \leftarrow \mu b + g(\theta)`,
      :math:`\theta \leftarrow \theta - \mathrm{lr}\, b`;
    * the EMA form: :math:`m \leftarrow \beta m + (1-\beta) g(\theta)`,
      :math:`\theta \leftarrow \theta - \eta\, m`.

    Under :math:`\epsilon = \mathrm{lr}, \alpha = \mu` and :math:`\beta = \mu,\ \eta = \mathrm{lr}/(1-\mu)`
    the three produce the same :math:`\theta_1, \theta_2, \dots` (``mapped``), and their
    velocities are rescalings of one another: :math:`v = -\mathrm{lr}\, b` and
    :math:`m = (1-\mu)\, b`.  So the EMA form is the buffer form with a step
    :math:`1/(1-\beta)` times smaller: with the *same* numbers in both forms, the EMA form
    moves 10 times less for :math:`\beta = 0.9`.  ``steps`` is between 1 and 4 (the nested
    expressions grow fast).

    References: Goodfellow et al. (2016), Algorithm 8.2; Sutskever et al. (2013);
    PyTorch documentation of ``torch.optim.SGD``.
    """
    steps = _dim(steps, "steps", high=4)
    g = sp.Function("g")
    th0 = sp.Symbol("theta_0", real=True)
    eps, a_gf = sp.Symbol("epsilon", positive=True), alpha
    lr, mu = sp.Symbol("lr", positive=True), sp.Symbol("mu", positive=True)
    eta = sp.Symbol("eta", positive=True)

    def goodfellow(eps, a):
        th, vel, out = th0, sp.Integer(0), [th0]
        for _ in range(steps):
            vel = a * vel - eps * g(th)
            th = sp.cancel(th + vel)
            out.append(th)
        return tuple(out), vel

    def pytorch(lr, mu):
        th, buf, out = th0, sp.Integer(0), [th0]
        for _ in range(steps):
            buf = mu * buf + g(th)
            th = sp.cancel(th - lr * buf)
            out.append(th)
        return tuple(out), buf

    def ema_form(eta, b):
        th, m, out = th0, sp.Integer(0), [th0]
        for _ in range(steps):
            m = b * m + (1 - b) * g(th)
            th = sp.cancel(th - eta * m)   # canonical form, so g's arguments compare equal
            out.append(th)
        return tuple(out), m

    mapping = {"goodfellow": {eps: lr, a_gf: mu},
               "pytorch": {lr: lr, mu: mu},
               "ema": {beta: mu, eta: lr / (1 - mu)}}
    iterates = {"goodfellow": goodfellow(eps, a_gf)[0], "pytorch": pytorch(lr, mu)[0],
                "ema": ema_form(eta, beta)[0]}
    runs = {"goodfellow": goodfellow(lr, mu), "pytorch": pytorch(lr, mu),
            "ema": ema_form(lr / (1 - mu), mu)}
    mapped = {name: run[0] for name, run in runs.items()}
    velocity = {name: sp.cancel(run[1]) for name, run in runs.items()}
    return MomentumForms(iterates, mapped, mapping, velocity, g)


class NesterovForms(NamedTuple):
    """Symbolic iterates of the two Nesterov forms (see :func:`nesterov_forms_equivalence`)."""

    lookahead: tuple   #: θ̃_k = θ_k + μ v_k of Algorithm 8.3, k = 0..steps
    iterates: tuple    #: θ_k of Algorithm 8.3
    pytorch: tuple     #: PyTorch's iterates φ_k
    grad: sp.Function  #: the generic gradient field g(θ)


def nesterov_forms_equivalence(steps: int = 3) -> NesterovForms:
    r"""SymPy: PyTorch's Nesterov iterates equal the look-ahead points of Algorithm 8.3.

    With a generic gradient field :math:`g` (an undefined function, so the statement holds
    for every loss), :math:`v_0 = 0` and :math:`b_0 = 0`, iterate

    * Algorithm 8.3: :math:`\tilde\theta = \theta + \mu v`, :math:`v \leftarrow \mu v - \mathrm{lr}\, g(\tilde\theta)`,
      :math:`\theta \leftarrow \theta + v`;
    * PyTorch: :math:`b \leftarrow \mu b + g(\varphi)`, :math:`\varphi \leftarrow \varphi - \mathrm{lr}\,(g(\varphi) + \mu b)`.

    Then :math:`\varphi_k = \theta_k + \mu v_k` for every :math:`k` (``pytorch[k] - lookahead[k]``
    simplifies to zero): PyTorch keeps the look-ahead point as its parameters.  ``steps`` is
    1 to 4.
    """
    steps = v.positive_int(steps, "steps")
    if steps > 4:
        raise ValueError(f"steps must be at most 4 (the nested expressions grow fast), got {steps}")
    g = sp.Function("g")
    th0 = sp.Symbol("theta_0", real=True)
    lr, mu = sp.Symbol("lr", positive=True), sp.Symbol("mu", positive=True)
    th, vel = th0, sp.Integer(0)
    its, ahead = [th0], [th0]
    for _ in range(steps):
        look = sp.cancel(th + mu * vel)
        vel = mu * vel - lr * g(look)
        th = sp.cancel(th + vel)
        its.append(th)
        ahead.append(sp.cancel(th + mu * vel))
    phi, buf, pt = th0, sp.Integer(0), [th0]
    for _ in range(steps):
        gk = g(phi)
        buf = mu * buf + gk
        phi = sp.cancel(phi - lr * (gk + mu * buf))
        pt.append(phi)
    return NesterovForms(tuple(ahead), tuple(its), tuple(pt), g)


# ---------------------------------------------------------------------------
# Chapter 9: Adam's bias correction
# ---------------------------------------------------------------------------

class AdamBias(NamedTuple):
    """Expected Adam moments under stationary gradients (see :func:`adam_bias_correction`)."""

    m: sp.Expr                 #: m_t as a sum over the gradients
    expected_m: sp.Expr        #: E[m_t] = (1 - β1^t) E[g]
    expected_v: sp.Expr        #: E[v_t] = (1 - β2^t) E[g²]
    expected_m_hat: sp.Expr    #: E[m_t/(1 - β1^t)] = E[g]
    expected_v_hat: sp.Expr    #: E[v_t/(1 - β2^t)] = E[g²]
    mean_g: sp.Symbol          #: E[g]
    mean_g2: sp.Symbol         #: E[g²]


@lru_cache(maxsize=None)
def adam_bias_correction(t: int | None = None) -> AdamBias:
    r"""Why Adam divides its moments by :math:`1-\beta_1^t` and :math:`1-\beta_2^t`.

    Adam's first moment, :math:`m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t` with :math:`m_0 = 0`,
    unrolls to :math:`m_t = \sum_{i=1}^{t}(1-\beta_1)\beta_1^{t-i} g_i`.  If the gradients are
    stationary, :math:`\mathbb{E}[g_i] = \mathbb{E}[g]` for every :math:`i`, linearity of
    expectation gives

    .. math::
       \mathbb{E}[m_t] = \mathbb{E}[g]\sum_{i=1}^{t}(1-\beta_1)\beta_1^{t-i}
                       = (1-\beta_1^t)\,\mathbb{E}[g],
       \qquad \mathbb{E}\Big[\frac{m_t}{1-\beta_1^t}\Big] = \mathbb{E}[g],

    and likewise :math:`\mathbb{E}[v_t] = (1-\beta_2^t)\mathbb{E}[g^2]`.  ``t=None`` keeps
    :math:`t` symbolic (the geometric sum of the weights is done by SymPy); an integer
    ``t`` (1 to 20) iterates the recursion with explicit symbols :math:`g_1..g_t` and takes
    the expectation term by term.

    Reference: Kingma & Ba, "Adam" (2015), Sec. 3, Eq. (1)–(4).
    """
    Eg, Eg2 = sp.Symbol("E_g", real=True), sp.Symbol("E_g2", positive=True)
    if t is None:
        i = sp.Symbol("i", integer=True, positive=True)
        gi = sp.IndexedBase("g")[i]
        m = sp.Sum((1 - beta1) * beta1**(t_sym - i) * gi, (i, 1, t_sym))
        # E[m_t] = E[g] * (sum of the weights); the weights do not depend on g.
        exp_m = Eg * _weight_sum(beta1, t_sym)
        exp_v = Eg2 * _weight_sum(beta2, t_sym)
        tt = t_sym
    else:
        tt = _dim(t, "t", high=20)
        g = sp.symbols(f"g_1:{tt + 1}", real=True)
        m, vv = sp.Integer(0), sp.Integer(0)
        for gi in g:
            m = beta1 * m + (1 - beta1) * gi
            vv = beta2 * vv + (1 - beta2) * gi**2
        m = sp.expand(m)
        # E is linear: replace each g_i by E[g] and each g_i^2 by E[g^2].
        exp_m = sp.factor(m.subs({gi: Eg for gi in g}))
        exp_v = sp.factor(sp.expand(vv).subs({gi**2: Eg2 for gi in g}))
    m_hat = sp.cancel(exp_m / (1 - beta1**tt))
    v_hat = sp.cancel(exp_v / (1 - beta2**tt))
    return AdamBias(m, exp_m, exp_v, m_hat, v_hat, Eg, Eg2)


# ---------------------------------------------------------------------------
# Chapter 4: quasi-Newton updates satisfy the secant condition
# ---------------------------------------------------------------------------

class SecantCheck(NamedTuple):
    """A quasi-Newton update and its secant residual (see :func:`secant_condition_check`)."""

    updated: sp.ImmutableMatrix   #: H₊ (form 'inverse') or B₊ (form 'direct')
    residual: sp.ImmutableMatrix  #: H₊y - s (or B₊s - y), expanded: the zero vector
    symmetric: bool               #: whether H₊ - H₊ᵀ simplifies to zero
    s: sp.ImmutableMatrix
    y: sp.ImmutableMatrix
    H: sp.ImmutableMatrix


_UPDATES = ("bfgs", "dfp", "sr1")
_FORMS = ("inverse", "direct")


@lru_cache(maxsize=None)
def secant_condition_check(update: str = "bfgs", n: int = 2, form: str = "inverse") -> SecantCheck:
    r"""Check symbolically that a quasi-Newton update satisfies the secant condition.

    With :math:`s = x_{k+1}-x_k`, :math:`y = \nabla f_{k+1}-\nabla f_k`,
    :math:`\rho = 1/(y^\top s)` and a symmetric approximation :math:`H` of the *inverse*
    Hessian (``form='inverse'``), the updates are

    .. math::
       H_+^{\text{BFGS}} &= (I-\rho s y^\top) H (I-\rho y s^\top) + \rho s s^\top,\\
       H_+^{\text{DFP}}  &= H - \frac{H y y^\top H}{y^\top H y} + \rho s s^\top,\\
       H_+^{\text{SR1}}  &= H + \frac{(s-Hy)(s-Hy)^\top}{(s-Hy)^\top y},

    and each satisfies the secant condition :math:`H_+ y = s`.  With ``form='direct'``
    ``H`` plays the role of the Hessian approximation :math:`B` and the dual formulas
    (swap :math:`s \leftrightarrow y`) must satisfy :math:`B_+ s = y`.  ``residual`` is the
    simplified :math:`H_+y - s` (or :math:`B_+s - y`), the zero vector.  ``n`` is 1 to 3.
    Each update is assembled as a polynomial matrix over one common denominator
    (e.g. :math:`(y^\top s)^2` for BFGS), so the check is an exact polynomial identity.

    Reference: Nocedal & Wright (2006), Sec. 6.1, Eq. (6.6), (6.15)–(6.17), (6.24)–(6.25).
    """
    if not isinstance(update, str) or update.lower() not in _UPDATES:
        raise ValueError(f"update must be one of {_UPDATES}, got {update!r}")
    if form not in _FORMS:
        raise ValueError(f"form must be one of {_FORMS}, got {form!r}")
    update = update.lower()
    n = _dim(n, high=3)
    s, y = _vector("s", n), _vector("y", n)
    H = _symmetric("h", n)
    # The direct form is the inverse form with s and y exchanged (the BFGS/DFP duality).
    a, b = (s, y) if form == "inverse" else (y, s)      # want H₊ b = a
    eye = sp.eye(n)
    # Each update is written as N/den with a polynomial numerator N, so the residual
    # (N b - den a)/den can be checked by expanding a polynomial (fast and exact).
    D = (b.T * a)[0]                                     # yᵀs = 1/ρ
    if update == "bfgs":
        N = (D * eye - a * b.T) * H * (D * eye - b * a.T) + D * a * a.T
        den = D**2
    elif update == "dfp":
        E = (b.T * H * b)[0]
        N = D * E * H - D * H * b * b.T * H + E * a * a.T
        den = D * E
    else:
        r = a - H * b
        R = (r.T * b)[0]
        N = R * H + r * r.T
        den = R
    Hp = sp.ImmutableMatrix(N / den)
    residual = sp.ImmutableMatrix((N * b - den * a).applyfunc(sp.expand) / den)
    symmetric = (N - N.T).applyfunc(sp.expand).is_zero_matrix
    return SecantCheck(Hp, residual, bool(symmetric), s, y, H)


# ---------------------------------------------------------------------------
# Chapter 4: curvature along a direction is a weighted average of eigenvalues
# ---------------------------------------------------------------------------

class DirectionalCurvature(NamedTuple):
    """Curvature along a unit direction (see :func:`curvature_along_direction`)."""

    quadratic_form: sp.Expr   #: uᵀHu with H = V diag(λ) Vᵀ
    weighted_sum: sp.Expr     #: Σ λ_i (u·v_i)²
    weights: tuple            #: (u·v_i)², i = 1..n
    weight_sum: sp.Expr       #: Σ (u·v_i)² simplified: 1
    H: sp.ImmutableMatrix
    u: sp.ImmutableMatrix
    V: sp.ImmutableMatrix
    eigenvalues: tuple


@lru_cache(maxsize=None)
def curvature_along_direction(n: int = 2) -> DirectionalCurvature:
    r"""The curvature along a unit direction :math:`u` is a weighted average of eigenvalues.

    With :math:`H = V\,\mathrm{diag}(\lambda_1..\lambda_n)\,V^\top`, :math:`V` orthogonal with
    columns :math:`v_i`, and :math:`\|u\| = 1`,

    .. math::
       u^\top H u = \sum_{i=1}^{n} \lambda_i\,(u\cdot v_i)^2,\qquad
       \sum_{i=1}^{n} (u\cdot v_i)^2 = \|V^\top u\|^2 = 1,

    so :math:`u^\top H u` lies between :math:`\lambda_{\min}` and :math:`\lambda_{\max}`.
    This makes exact the article's remark that curvature is "a weighted average of the
    eigenvalues".  For ``n = 2`` the eigenbasis is a rotation by :math:`\varphi` and
    :math:`u = (\cos\psi, \sin\psi)`, so the weights are :math:`\cos^2(\psi-\varphi)` and
    :math:`\sin^2(\psi-\varphi)`.  For ``n = 3`` :math:`V` is the Cayley transform
    :math:`(I-A)(I+A)^{-1}` of a symbolic skew-symmetric :math:`A` (orthogonal for every
    :math:`A`) and :math:`u` a symbolic vector divided by its norm.

    Reference: Goodfellow et al. (2016), Sec. 4.3 (second-derivative along a direction).
    """
    n = _dim(n, high=3)
    lams = sp.symbols(f"lambda_1:{n + 1}", real=True)
    if n == 1:
        V = sp.ImmutableMatrix([[1]])
        u = sp.ImmutableMatrix([1])
    elif n == 2:
        phi, psi = sp.symbols("varphi psi", real=True)
        V = sp.ImmutableMatrix([[sp.cos(phi), -sp.sin(phi)], [sp.sin(phi), sp.cos(phi)]])
        u = sp.ImmutableMatrix([sp.cos(psi), sp.sin(psi)])
    else:
        # Cayley transform V = (I - A)(I + A)^{-1} = N/d with N = (I - A) adj(I + A), d = det(I + A):
        # polynomial numerators keep the algebra fast.
        a, b, c = sp.symbols("a b c", real=True)
        A = sp.Matrix([[0, a, b], [-a, 0, c], [-b, -c, 0]])
        d = (sp.eye(3) + A).det()
        N = ((sp.eye(3) - A) * (sp.eye(3) + A).adjugate()).applyfunc(sp.expand)
        V = sp.ImmutableMatrix(N / d)
        w = _vector("u", 3)
        ww = (w.T * w)[0]
        u = sp.ImmutableMatrix(w / sp.sqrt(ww))
    H = sp.ImmutableMatrix(V * sp.diag(*lams) * V.T)
    quad = (u.T * H * u)[0]
    if n <= 2:
        weights = tuple(sp.trigsimp(((u.T * V[:, i])[0]) ** 2) for i in range(n))
        weight_sum = sp.trigsimp(sum(weights, sp.Integer(0)))
    else:
        nums = [((w.T * N[:, i])[0]) ** 2 for i in range(n)]
        den = ww * d**2
        weights = tuple(num / den for num in nums)
        weight_sum = sp.cancel(sp.expand(sum(nums)) / sp.expand(den))
    weighted = sum((lam_i * w for lam_i, w in zip(lams, weights)), sp.Integer(0))
    return DirectionalCurvature(quad, weighted, weights, weight_sum, H, u, V, lams)
