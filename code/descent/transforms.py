r"""Composable gradient transformations, in the style of optax.

A *gradient transformation* is a pair of pure-looking functions

.. math::

   \text{init}(\theta) \mapsto s_0, \qquad
   \text{update}(g_k, s_{k-1}, \theta_{k-1}) \mapsto (u_k, s_k),

and a step of any optimizer in this book is :math:`\theta_k = \theta_{k-1} + u_k`
(:func:`apply_updates`).  Transformations compose with :func:`chain`: the updates of
one are the gradients of the next.  The named optimizers in :mod:`descent.optimizers`
are nothing but chains of the blocks defined here, which is the book's thesis made
literal: Adam is a first-moment EMA (momentum), a second-moment EMA (RMSProp's
adaptive scale) and a bias correction, and :func:`scale_by_adam` is written with the
same helpers (:func:`ema_update`, :func:`debias`) as :func:`ema` and
:func:`scale_by_rms`.

Parameters, gradients and updates are a NumPy array or a ``dict`` of arrays.  State
arrays take each parameter's floating dtype, and every hyper-parameter is kept as a
Python ``float``, so float32 parameters give float32 updates (no float64 upcast).

.. note::
   For speed on large vectors, ``update`` writes the new moments into the state's
   arrays in place and returns the same state object. Copy a state (``copy.deepcopy``)
   if you need to keep an old one.

Reference: Babuschkin et al., *The DeepMind JAX Ecosystem* (optax), 2020.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from . import _validate as v
from ._parallel import elementwise, result_dtype
from ._tree import (Tree, check_same_structure, check_tree, float_dtype, tree_leaves, tree_map,
                    tree_zeros_like)


def leafwise(rule, tree: Tree, *rest: Tree, dtype=None):
    """Apply an elementwise ``rule(*leaves, out=...)`` leaf by leaf; large leaves in threads.

    See ``descent._parallel.elementwise``: each rule writes its result into ``out``.
    """
    return tree_map(lambda *leaves: elementwise(rule, *leaves, dtype=dtype), tree, *rest)

Schedule = Callable[[int], float]


class GradientTransformation(NamedTuple):
    """An ``init``/``update`` pair; see the module docstring."""

    init: Callable[[Tree], Any]
    update: Callable[..., tuple[Tree, Any]]


class EmptyState(NamedTuple):
    """State of a transformation that remembers nothing."""


class CountState(NamedTuple):
    """A step counter ``count`` (0 before the first update)."""

    count: int


def _checked(grads: Tree, params: Tree | None) -> Tree:
    grads = check_tree(grads, "grads")
    if params is not None:
        check_same_structure(params, grads, "params", "grads")
    return grads


# ---------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------

def chain(*transforms: GradientTransformation) -> GradientTransformation:
    r"""Apply ``transforms`` one after the other: :math:`u = T_n(\dots T_1(g))`."""
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise TypeError(
                f"transforms[{i}] must be a GradientTransformation, got {type(t).__name__}"
            )

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None):
        if not isinstance(state, tuple) or len(state) != len(transforms):
            raise ValueError(
                f"state must be the tuple returned by init ({len(transforms)} entries)"
            )
        new_state = []
        for t, s in zip(transforms, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        return grads, tuple(new_state)

    return GradientTransformation(init, update)


def apply_updates(params: Tree, updates: Tree) -> Tree:
    r""":math:`\theta + u`, leaf by leaf, keeping each parameter's dtype."""
    params = check_tree(params, "params")
    updates = check_tree(updates, "updates")
    check_same_structure(params, updates, "params", "updates")
    return tree_map(lambda p, u: elementwise(lambda p, u, out: np.add(p, u, out=out), p, u,
                                             dtype=p.dtype), params, updates)


def identity() -> GradientTransformation:
    """Pass gradients through unchanged."""
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda g, s, params=None: (_checked(g, params), s))


# ---------------------------------------------------------------------------
# Step sizes
# ---------------------------------------------------------------------------

def scale(step_size: float) -> GradientTransformation:
    r"""Multiply by a constant: :math:`u = c\,g`. Use ``scale(-lr)`` for descent."""
    step_size = v.real(step_size, "step_size")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        return leafwise(lambda g, out: np.multiply(g, step_size, out=out), grads), state

    return GradientTransformation(lambda params: EmptyState(), update)


def scale_by_schedule(schedule: Schedule) -> GradientTransformation:
    r"""Multiply by a step-dependent factor: :math:`u_k = \eta(k)\,g_k`, ``k = 0, 1, …``.

    ``schedule`` is any callable ``k -> float`` such as those of :mod:`descent.schedules`.
    """
    if not callable(schedule):
        raise TypeError(f"schedule must be callable k -> float, got {type(schedule).__name__}")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        factor = v.real(schedule(state.count), "schedule(k)")
        return (leafwise(lambda g, out: np.multiply(g, factor, out=out), grads),
                CountState(state.count + 1))

    return GradientTransformation(lambda params: CountState(0), update)


def scale_by_learning_rate(lr: float | Schedule) -> GradientTransformation:
    r"""Descent step :math:`u = -\alpha g`, with ``lr`` a non-negative number or a schedule."""
    if callable(lr):
        return scale_by_schedule(lambda k: -v.nonnegative(lr(k), "lr(k)"))
    return scale(-v.nonnegative(lr, "lr"))


# ---------------------------------------------------------------------------
# Regularisation and clipping
# ---------------------------------------------------------------------------

def add_decayed_weights(weight_decay: float = 0.0) -> GradientTransformation:
    r"""Add the gradient of :math:`\tfrac{\lambda_{\mathrm{wd}}}{2}\lVert\theta\rVert^2`: :math:`u = g + \lambda_{\mathrm{wd}}\theta`.

    Placed *before* an adaptive block this is L2 regularisation (PyTorch's
    ``weight_decay`` for SGD, Adam, …); placed *after* it, just before the learning
    rate, it is decoupled weight decay (AdamW, Loshchilov & Hutter 2019).
    """
    weight_decay = v.nonnegative(weight_decay, "weight_decay")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        if weight_decay == 0.0:
            return grads, state
        if params is None:
            raise ValueError("add_decayed_weights needs params: call update(grads, state, params)")
        def rule(g, p, out):
            np.multiply(p, weight_decay, out=out)
            out += g

        return leafwise(rule, grads, params), state

    return GradientTransformation(lambda params: EmptyState(), update)


def clip(max_delta: float) -> GradientTransformation:
    r"""Clip each component to :math:`[-c, c]` (clipping *by value*)."""
    max_delta = v.positive(max_delta, "max_delta")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        return leafwise(lambda g, out: np.clip(g, -max_delta, max_delta, out=out), grads), state

    return GradientTransformation(lambda params: EmptyState(), update)


def global_norm(tree: Tree) -> float:
    r""":math:`\sqrt{\sum_i g_i^2}` over every leaf of ``tree``."""
    return math.sqrt(sum(float(np.vdot(x, x)) for x in tree_leaves(check_tree(tree, "tree"))))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    r"""Rescale so the global norm is at most ``max_norm`` (clipping *by norm*).

    .. math:: g \leftarrow g \cdot \min\!\Big(1, \frac{c}{\lVert g\rVert + 10^{-6}}\Big)

    which is exactly ``torch.nn.utils.clip_grad_norm_`` (its :math:`10^{-6}` included);
    the direction of the gradient is preserved (Pascanu et al., 2013).
    """
    max_norm = v.positive(max_norm, "max_norm")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        coef = min(1.0, max_norm / (global_norm(grads) + 1e-6))
        if coef == 1.0:
            return grads, state
        return leafwise(lambda g, out: np.multiply(g, coef, out=out), grads), state

    return GradientTransformation(lambda params: EmptyState(), update)


# ---------------------------------------------------------------------------
# History: moving averages and momentum
# ---------------------------------------------------------------------------

def ema_update(value: np.ndarray, average: np.ndarray, decay: float,
               scratch: np.ndarray | None = None) -> np.ndarray:
    r"""One exponential-moving-average step, in place: :math:`a \leftarrow \beta a + (1-\beta)x`.

    ``scratch``, an array of ``average``'s shape that may be overwritten (it may be
    ``value`` itself), saves allocating the temporary :math:`(1-\beta)x`.
    """
    average *= decay
    if scratch is None:
        average += (1.0 - decay) * value
    else:
        average += np.multiply(value, 1.0 - decay, out=scratch)
    return average


def debias(average: np.ndarray, decay: float, count: int, out: np.ndarray | None = None) -> np.ndarray:
    r"""Bias correction :math:`\hat a_k = a_k / (1-\beta^k)` of a zero-initialised EMA.

    After :math:`k` steps the EMA's weights sum to :math:`1-\beta^k`, not 1
    (Kingma & Ba 2015, Sec. 3); dividing by that sum removes the bias towards zero.
    """
    return np.divide(average, 1.0 - decay**count, out=out)


class EmaState(NamedTuple):
    count: int
    ema: Tree


def ema(decay: float, debias_: bool = False) -> GradientTransformation:
    r"""Exponential moving average of the gradients.

    .. math:: v_k = \beta v_{k-1} + (1-\beta) g_k,\quad v_0 = 0,\qquad
              u_k = v_k \;\text{or}\; \frac{v_k}{1-\beta^k}\ (\texttt{debias\_=True}).

    Unrolled, :math:`v_k = \sum_{i=1}^{k} (1-\beta)\beta^{k-i} g_i`, whose weights sum to
    :math:`1-\beta^k`; see Chapter 5.  Reference: Goodfellow et al. (2016), Sec. 8.3.2.
    """
    decay = v.unit_interval(decay, "decay")

    def init(params):
        return EmaState(0, tree_zeros_like(check_tree(params)))

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        count = state.count + 1

        def step(g, a, out):
            ema_update(g, a, decay)
            if debias_:
                debias(a, decay, count, out=out)
            else:
                np.copyto(out, a)

        return leafwise(step, grads, state.ema), EmaState(count, state.ema)

    return GradientTransformation(init, update)


class TraceState(NamedTuple):
    count: int
    trace: Tree


def trace(decay: float, nesterov: bool = False, dampening: float = 0.0) -> GradientTransformation:
    r"""Momentum (heavy ball, Polyak 1964) in PyTorch's buffer form.

    .. math::
       b_1 = g_1,\qquad b_k = \beta b_{k-1} + (1-\tau) g_k\ (k>1),\qquad
       u_k = b_k \;\text{or, with Nesterov,}\; u_k = g_k + \beta b_k.

    :math:`\beta` is ``decay`` (momentum) and :math:`\tau` is ``dampening``; as in
    ``torch.optim.SGD`` the first step stores the gradient *undamped*.  The Nesterov
    form is Sutskever et al.'s (2013) reformulation of Goodfellow et al.'s Algorithm 8.3
    in terms of the current iterate.
    """
    decay = v.nonnegative(decay, "decay")
    dampening = v.closed_unit_interval(dampening, "dampening")
    if nesterov and (decay <= 0 or dampening != 0):
        raise ValueError("nesterov momentum requires decay > 0 and dampening = 0")

    def init(params):
        return TraceState(0, tree_zeros_like(check_tree(params)))

    def step(g, b, first, out):
        if first:
            np.copyto(b, g)
        else:
            b *= decay
            b += g if dampening == 0.0 else (1.0 - dampening) * g
        if nesterov:                                  # u = g + beta * b
            np.multiply(b, decay, out=out)
            out += g
        else:                                         # u = b
            np.copyto(out, b)

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        first = state.count == 0
        updates = leafwise(lambda g, b, out: step(g, b, first, out), grads, state.trace)
        return updates, TraceState(state.count + 1, state.trace)

    return GradientTransformation(init, update)


# ---------------------------------------------------------------------------
# Pace: adaptive per-coordinate scaling
# ---------------------------------------------------------------------------

class RssState(NamedTuple):
    sum_of_squares: Tree


def scale_by_rss(initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> GradientTransformation:
    r"""AdaGrad's scaling (Duchi et al., 2011): divide by the root of the *sum* of squares.

    .. math:: r_k = r_{k-1} + g_k \odot g_k,\qquad u_k = \frac{g_k}{\sqrt{r_k} + \epsilon}.

    Note the square root: the step is not divided by the sum of squared gradients
    itself.  PyTorch places :math:`\epsilon` outside the root, as here; Goodfellow et
    al.'s Algorithm 8.4 writes :math:`\delta + \sqrt{r}` with :math:`\delta = 10^{-7}`.
    """
    initial_accumulator_value = v.nonnegative(initial_accumulator_value, "initial_accumulator_value")
    eps = v.nonnegative(eps, "eps")

    def init(params):
        params = check_tree(params)
        return RssState(tree_map(lambda p: np.full_like(p, initial_accumulator_value,
                                                        dtype=float_dtype(p)), params))

    def step(g, r, out):
        r += np.multiply(g, g, out=out)
        np.sqrt(r, out=out)                           # out = sqrt(r) + eps ...
        out += eps
        np.divide(g, out, out=out)                    # ... then u = g / out

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        return leafwise(step, grads, state.sum_of_squares), state

    return GradientTransformation(init, update)


class RmsState(NamedTuple):
    mean_square: Tree
    mean: Tree | None


def scale_by_rms(decay: float = 0.99, eps: float = 1e-8, eps_in_sqrt: bool = False,
                 centered: bool = False, initial_scale: float = 0.0) -> GradientTransformation:
    r"""RMSProp's scaling (Hinton 2012, lecture 6e): divide by the root of an EMA of squares.

    .. math::
       s_k = \rho s_{k-1} + (1-\rho)\, g_k \odot g_k,\qquad
       u_k = \frac{g_k}{\sqrt{s_k} + \epsilon}
       \quad\text{or}\quad \frac{g_k}{\sqrt{s_k + \epsilon}}\ (\texttt{eps\_in\_sqrt=True}).

    ``eps_in_sqrt=False`` is PyTorch's placement (``torch.optim.RMSprop``);
    ``eps_in_sqrt=True`` is TensorFlow's and Goodfellow et al.'s Algorithm 8.5
    (:math:`\sqrt{\delta + r}`).  With ``centered=True`` the second moment is replaced by
    the variance estimate :math:`s_k - m_k^2`, :math:`m_k` an EMA of the gradients.
    """
    decay = v.unit_interval(decay, "decay")
    eps = v.nonnegative(eps, "eps")
    initial_scale = v.nonnegative(initial_scale, "initial_scale")

    def init(params):
        params = check_tree(params)
        ms = tree_map(lambda p: np.full_like(p, initial_scale, dtype=float_dtype(p)), params)
        return RmsState(ms, tree_zeros_like(params) if centered else None)

    def step(g, s, m, out):
        if m is not None:
            ema_update(g, m, decay, scratch=out)
        np.multiply(g, g, out=out)
        ema_update(out, s, decay, scratch=out)        # s: EMA of g^2
        if m is not None:                             # centred: s - m^2
            np.multiply(m, m, out=out)
            np.subtract(s, out, out=out)
        else:
            np.copyto(out, s)
        if eps_in_sqrt:                               # out = sqrt(s + eps)
            out += eps
            np.sqrt(out, out=out)
        else:                                         # out = sqrt(s) + eps
            np.sqrt(out, out=out)
            out += eps
        np.divide(g, out, out=out)

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        means = state.mean if centered else tree_map(lambda g: None, grads)
        return leafwise(step, grads, state.mean_square, means), state

    return GradientTransformation(init, update)


class AdamState(NamedTuple):
    count: int
    mu: Tree
    nu: Tree
    nu_max: Tree | None


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                  amsgrad: bool = False) -> GradientTransformation:
    r"""Adam's direction (Kingma & Ba 2015, Algorithm 1): momentum + RMS scaling + bias correction.

    .. math::
       m_k = \beta_1 m_{k-1} + (1-\beta_1) g_k,\qquad
       v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k\odot g_k,\\
       \hat m_k = \frac{m_k}{1-\beta_1^k},\qquad \hat v_k = \frac{v_k}{1-\beta_2^k},\qquad
       u_k = \frac{\hat m_k}{\sqrt{\hat v_k} + \epsilon}.

    With ``amsgrad=True`` the running maximum :math:`v^{\max}_k = \max(v^{\max}_{k-1}, v_k)`
    of the *raw* (uncorrected) second moment replaces :math:`v_k` before the correction,
    as in ``torch.optim.Adam`` (Reddi et al., 2018).  Goodfellow et al.'s Algorithm 8.7
    writes the same rule with :math:`\rho_1, \rho_2, \delta`.
    """
    b1 = v.unit_interval(b1, "b1")
    b2 = v.unit_interval(b2, "b2")
    eps = v.nonnegative(eps, "eps")

    def init(params):
        params = check_tree(params)
        return AdamState(0, tree_zeros_like(params), tree_zeros_like(params),
                         tree_zeros_like(params) if amsgrad else None)

    def step(g, m, s, s_max, k, out):
        ema_update(g, m, b1, scratch=out)             # momentum: first moment
        np.multiply(g, g, out=out)
        ema_update(out, s, b2, scratch=out)           # RMSProp: second moment of g
        if s_max is not None:                         # AMSGrad: max of the raw second moment
            s = np.maximum(s_max, s, out=s_max)
        debias(s, b2, k, out=out)                     # v_hat = v / (1 - b2^k)
        np.sqrt(out, out=out)
        out += eps                                    # sqrt(v_hat) + eps
        np.divide(m, out, out=out)
        debias(out, b1, k, out=out)                   # m_hat / (sqrt(v_hat) + eps)

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        k = state.count + 1
        maxes = state.nu_max if amsgrad else tree_map(lambda g: None, grads)
        updates = leafwise(lambda g, m, s, mx, out: step(g, m, s, mx, k, out),
                           grads, state.mu, state.nu, maxes)
        return updates, AdamState(k, state.mu, state.nu, state.nu_max)

    return GradientTransformation(init, update)


class AdadeltaState(NamedTuple):
    mean_square_grad: Tree
    mean_square_delta: Tree


def scale_by_adadelta(rho: float = 0.9, eps: float = 1e-6) -> GradientTransformation:
    r"""AdaDelta's direction (Zeiler 2012, Algorithm 1).

    .. math::
       s_k = \rho s_{k-1} + (1-\rho) g_k^2,\qquad
       \Delta_k = \frac{\sqrt{d_{k-1} + \epsilon}}{\sqrt{s_k + \epsilon}}\, g_k,\qquad
       d_k = \rho d_{k-1} + (1-\rho)\Delta_k^2,\qquad u_k = \Delta_k.

    The ratio of two RMS values gives :math:`\Delta` the units of the parameters.
    Zeiler's rule uses :math:`u_k = -\Delta_k` with no learning rate; PyTorch multiplies by
    ``lr`` (default 1.0), as :func:`descent.optimizers.adadelta` does.
    """
    rho = v.unit_interval(rho, "rho")
    eps = v.nonnegative(eps, "eps")

    def init(params):
        params = check_tree(params)
        return AdadeltaState(tree_zeros_like(params), tree_zeros_like(params))

    def step(g, s, d, out):
        ema_update(np.multiply(g, g, out=out), s, rho, scratch=out)
        np.add(d, eps, out=out)                       # Delta = sqrt(d + eps) / sqrt(s + eps) * g
        np.sqrt(out, out=out)
        out /= np.sqrt(s + eps)
        out *= g
        ema_update(out * out, d, rho)

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        return leafwise(step, grads, state.mean_square_grad, state.mean_square_delta), state

    return GradientTransformation(init, update)

