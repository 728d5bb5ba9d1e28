r"""The named optimizers, with PyTorch's names, signatures, defaults and update rules.

Every optimizer here is a :func:`~descent.transforms.chain` of the blocks in
:mod:`descent.transforms` and produces the same iterates as the ``torch.optim`` class of
the same name (the test-suite checks this step by step).  ``lr`` may be a number or a
schedule ``k -> lr`` from :mod:`descent.schedules`.

Notation (the book's): :math:`g_k = \nabla f(\theta_{k-1})` is the gradient used by step :math:`k = 1, 2, \dots`, :math:`\alpha` the
learning rate (PyTorch's ``lr``), :math:`\lambda_{\mathrm{wd}}` the weight decay.  With
``weight_decay > 0`` every optimizer except :func:`adamw` first replaces
:math:`g_k` by :math:`g_k + \lambda_{\mathrm{wd}}\theta_{k-1}` (L2 regularisation), as PyTorch does.
"""
from __future__ import annotations

from typing import Any

from . import _validate as v
from .schedules import Schedule
from .transforms import (
    GradientTransformation,
    add_decayed_weights,
    chain,
    scale_by_adadelta,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    scale_by_schedule,
    trace,
)

LearningRate = float | Schedule


def _lr(lr) -> LearningRate:
    if callable(lr):
        return v.schedule(lr, "lr")
    return v.nonnegative(lr, "lr")


def _betas(betas) -> tuple[float, float]:
    """``(beta1, beta2)`` from a tuple, list or NumPy array of two numbers in [0, 1)."""
    b1, b2 = v.pair(betas, "betas")
    return v.unit_interval(b1, "betas[0]"), v.unit_interval(b2, "betas[1]")


def _momentum(momentum) -> float:
    """A momentum in [0, 1]: beyond 1 the buffer grows geometrically and the run diverges."""
    momentum = v.nonnegative(momentum, "momentum")
    if momentum > 1.0:
        raise ValueError(f"momentum must lie in [0, 1] (with momentum > 1 every past gradient "
                         f"is amplified and the iterates diverge), got {momentum}")
    return momentum


def sgd(lr: LearningRate = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
        nesterov: bool = False, weight_decay: float = 0.0) -> GradientTransformation:
    r"""Stochastic gradient descent with optional (Nesterov) momentum — ``torch.optim.SGD``.

    PyTorch form (used here), with buffer :math:`b` and momentum :math:`\beta`:

    .. math::
       b_1 = g_1,\quad b_k = \beta b_{k-1} + (1-\tau) g_k,\qquad
       \theta_k = \theta_{k-1} - \alpha\,b_k
       \quad\text{(Nesterov: } \theta_k = \theta_{k-1} - \alpha\,(g_k + \beta b_k)\text{)}.

    Goodfellow et al. (2016), Algorithm 8.2 writes :math:`v \leftarrow \alpha v - \epsilon g`,
    :math:`\theta \leftarrow \theta + v`: the same iterates with :math:`v = -\epsilon b`
    (Chapter 5 proves it).  Polyak (1964); Sutskever et al. (2013) for Nesterov.
    """
    lr = _lr(lr)
    momentum = _momentum(momentum)
    dampening = v.closed_unit_interval(dampening, "dampening")
    nesterov = v.flag(nesterov, "nesterov")
    weight_decay = v.nonnegative(weight_decay, "weight_decay")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
    if dampening != 0 and momentum == 0:
        raise ValueError(f"dampening={dampening} has no effect without momentum (momentum=0): "
                         "PyTorch would silently ignore it; set momentum > 0 or dampening=0")
    blocks = [add_decayed_weights(weight_decay)]
    if momentum > 0:
        blocks.append(trace(momentum, nesterov=nesterov, dampening=dampening))
    blocks.append(scale_by_learning_rate(lr))
    return chain(*blocks)


def adagrad(lr: LearningRate = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> GradientTransformation:
    r"""AdaGrad (Duchi, Hazan & Singer 2011) — ``torch.optim.Adagrad``.

    .. math::
       r_k = r_{k-1} + g_k\odot g_k,\qquad
       \theta_k = \theta_{k-1} - \frac{\alpha}{1 + (k-1)\,\eta_d}\;\frac{g_k}{\sqrt{r_k} + \epsilon}

    with :math:`r_0` = ``initial_accumulator_value`` and :math:`\eta_d` = ``lr_decay``.
    Goodfellow et al. Algorithm 8.4: :math:`\Delta\theta = -\frac{\epsilon}{\delta+\sqrt{r}}\odot g`.
    """
    lr = _lr(lr)
    lr_decay = v.nonnegative(lr_decay, "lr_decay")
    weight_decay = v.nonnegative(weight_decay, "weight_decay")
    base = lr if callable(lr) else (lambda k: lr)
    return chain(
        add_decayed_weights(weight_decay),
        scale_by_rss(initial_accumulator_value, eps),
        scale_by_schedule(lambda k: -v.nonnegative(base(k), "lr(k)") / (1.0 + k * lr_decay)),
    )


def rmsprop(lr: LearningRate = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0.0, momentum: float = 0.0,
            centered: bool = False) -> GradientTransformation:
    r"""RMSProp (Hinton 2012, lecture 6e) — ``torch.optim.RMSprop``.

    .. math::
       s_k = \rho s_{k-1} + (1-\rho)\,g_k\odot g_k,\qquad
       \theta_k = \theta_{k-1} - \alpha\,\frac{g_k}{\sqrt{s_k}+\epsilon},

    :math:`\rho` being PyTorch's ``alpha`` (decay, default 0.99; Hinton and the source
    article use 0.9).  With ``momentum`` :math:`\beta>0`:
    :math:`b_k = \beta b_{k-1} + g_k/(\sqrt{s_k}+\epsilon)`, :math:`\theta_k=\theta_{k-1}-\alpha b_k`.
    ``centered`` divides by :math:`\sqrt{s_k - m_k^2}+\epsilon` instead.  Goodfellow et al.
    Algorithm 8.5 puts the constant inside the root, :math:`\sqrt{\delta + r}`; see
    :func:`descent.transforms.scale_by_rms` (``eps_in_sqrt``).
    """
    lr = _lr(lr)
    alpha = v.unit_interval(alpha, "alpha")
    momentum = _momentum(momentum)
    blocks = [add_decayed_weights(weight_decay), scale_by_rms(alpha, eps, centered=centered)]
    if momentum > 0:
        blocks.append(trace(momentum))
    blocks.append(scale_by_learning_rate(lr))
    return chain(*blocks)


def adadelta(lr: LearningRate = 1.0, rho: float = 0.9, eps: float = 1e-6,
             weight_decay: float = 0.0) -> GradientTransformation:
    r"""AdaDelta (Zeiler 2012) — ``torch.optim.Adadelta``.

    .. math::
       s_k = \rho s_{k-1} + (1-\rho) g_k^2,\quad
       \Delta_k = \frac{\sqrt{d_{k-1}+\epsilon}}{\sqrt{s_k+\epsilon}}\,g_k,\quad
       d_k = \rho d_{k-1} + (1-\rho)\Delta_k^2,\quad
       \theta_k = \theta_{k-1} - \alpha\,\Delta_k.

    Zeiler's paper has no :math:`\alpha` (it is 1, PyTorch's default).
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adadelta(rho, eps),
                 scale_by_learning_rate(_lr(lr)))


def adam(lr: LearningRate = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
         weight_decay: float = 0.0, amsgrad: bool = False) -> GradientTransformation:
    r"""Adam (Kingma & Ba 2015, Algorithm 1) — ``torch.optim.Adam``.

    .. math::
       m_k = \beta_1 m_{k-1} + (1-\beta_1) g_k,\quad
       v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k^2,\quad
       \theta_k = \theta_{k-1} - \alpha\,\frac{m_k/(1-\beta_1^k)}{\sqrt{v_k/(1-\beta_2^k)}+\epsilon}.

    Momentum (first moment) + RMSProp (second moment) + bias correction:
    ``chain(add_decayed_weights(weight_decay), scale_by_adam(*betas, eps), scale(-lr))``.
    ``weight_decay`` here is L2 regularisation added to the gradient; for decoupled
    decay use :func:`adamw`.  Goodfellow et al. Algorithm 8.7 uses :math:`\rho_1,\rho_2,\delta`.
    """
    b1, b2 = _betas(betas)
    return chain(add_decayed_weights(weight_decay), scale_by_adam(b1, b2, eps, amsgrad),
                 scale_by_learning_rate(_lr(lr)))


def adamw(lr: LearningRate = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
          weight_decay: float = 1e-2, amsgrad: bool = False, mask: Any = None) -> GradientTransformation:
    r"""AdamW, Adam with decoupled weight decay (Loshchilov & Hutter 2019) — ``torch.optim.AdamW``.

    .. math::
       \theta_k = \theta_{k-1} - \alpha\Big(\frac{\hat m_k}{\sqrt{\hat v_k}+\epsilon}
       + \lambda_{\mathrm{wd}}\,\theta_{k-1}\Big),

    i.e. ``chain(scale_by_adam(...), add_decayed_weights(weight_decay), scale(-lr))``: the
    decay is added *after* the adaptive scaling, so it is not divided by
    :math:`\sqrt{\hat v_k}`.

    ``mask`` (not in PyTorch, which uses parameter groups for this) limits the decay to
    the parameters where it is ``True``: a tree of booleans like the parameters, or a
    callable building one from them, e.g. ``mask=lambda p: tree_map(lambda x: x.ndim > 1, p)``
    to decay weight matrices but not biases (see
    :func:`~descent.transforms.add_decayed_weights`).  ``mask=None`` decays every parameter.
    """
    b1, b2 = _betas(betas)
    return chain(scale_by_adam(b1, b2, eps, amsgrad), add_decayed_weights(weight_decay, mask=mask),
                 scale_by_learning_rate(_lr(lr)))
