r"""Learning-rate schedules: callables ``k -> lr`` with the step index ``k = 0, 1, 2, …``.

Each matches the PyTorch scheduler of the same idea when that scheduler is stepped once
per optimizer step (``torch.optim.lr_scheduler``), and any optimizer's ``lr`` in
:mod:`descent.optimizers` may be one of these.  Chapter 6 compares them.

References: Goodfellow, Bengio & Courville (2016), Sec. 8.3.1; Loshchilov & Hutter,
*SGDR* (2017) for cosine decay; Goyal et al. (2017) for linear warm-up.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from . import _validate as v

Schedule = Callable[[int], float]


def _step(k) -> int:
    return v.nonnegative_int(k, "k")


def _scaled_power(init_value: float, gamma: float, n: int, who: str) -> float:
    r""":math:`\alpha_0\,\gamma^n`, or ``ValueError`` if it overflows (``gamma > 1`` grows without bound)."""
    try:
        value = init_value * gamma**n
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"{who}: init_value * gamma**{n} = {init_value} * {gamma}**{n} overflows "
                         f"(gamma > 1 grows without bound); stop the schedule earlier or use gamma <= 1")
    return value


def constant(value: float) -> Schedule:
    r""":math:`\alpha_k = \alpha`."""
    value = v.nonnegative(value, "value")

    def schedule(k: int) -> float:
        _step(k)
        return value

    return schedule


def step_decay(init_value: float, step_size: int, gamma: float = 0.1) -> Schedule:
    r"""Piecewise-constant decay (``StepLR``): :math:`\alpha_k = \alpha_0\,\gamma^{\lfloor k/s\rfloor}`."""
    init_value = v.nonnegative(init_value, "init_value")
    step_size = v.positive_int(step_size, "step_size")
    gamma = v.positive(gamma, "gamma")

    def schedule(k: int) -> float:
        return _scaled_power(init_value, gamma, _step(k) // step_size, "step_decay")

    return schedule


def exponential_decay(init_value: float, gamma: float) -> Schedule:
    r"""Exponential decay (``ExponentialLR``): :math:`\alpha_k = \alpha_0\,\gamma^{k}`.

    ``gamma > 1`` (a growing rate, as in a learning-rate range test) is allowed; a value
    too large for a float raises ``ValueError`` instead of an ``OverflowError`` or ``inf``.
    """
    init_value = v.nonnegative(init_value, "init_value")
    gamma = v.positive(gamma, "gamma")

    def schedule(k: int) -> float:
        return _scaled_power(init_value, gamma, _step(k), "exponential_decay")

    return schedule


def inverse_time_decay(init_value: float, decay_rate: float) -> Schedule:
    r"""Inverse-time decay: :math:`\alpha_k = \alpha_0 / (1 + r k)`.

    For :math:`r>0` it satisfies the Robbins–Monro conditions :math:`\sum\alpha_k=\infty`,
    :math:`\sum\alpha_k^2<\infty` (Robbins & Monro 1951).
    """
    init_value = v.nonnegative(init_value, "init_value")
    decay_rate = v.nonnegative(decay_rate, "decay_rate")

    def schedule(k: int) -> float:
        return init_value / (1.0 + decay_rate * _step(k))

    return schedule


def piecewise_constant(boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    r"""``values[i]`` on the steps ``boundaries[i-1] <= k < boundaries[i]`` (``MultiStepLR``-like).

    ``len(values)`` must be ``len(boundaries) + 1`` and the boundaries strictly increasing.
    """
    boundaries = [v.nonnegative_int(b, "boundaries[i]") for b in boundaries]
    values = [v.nonnegative(x, "values[i]") for x in values]
    if len(values) != len(boundaries) + 1:
        raise ValueError(
            f"values must have len(boundaries) + 1 = {len(boundaries) + 1} entries, got {len(values)}"
        )
    if any(b1 >= b2 for b1, b2 in zip(boundaries, boundaries[1:])):
        raise ValueError(f"boundaries must be strictly increasing, got {boundaries}")

    def schedule(k: int) -> float:
        k = _step(k)
        for b, value in zip(boundaries, values):
            if k < b:
                return value
        return values[-1]

    return schedule


def cosine_decay(init_value: float, decay_steps: int, alpha: float = 0.0) -> Schedule:
    r"""Cosine decay (``CosineAnnealingLR`` without restarts, :math:`\eta_{\min} = \alpha\,\alpha_0`).

    .. math:: \alpha_k = \alpha_0\Big(\alpha + (1-\alpha)\,\tfrac12\big(1+\cos\tfrac{\pi \min(k,T)}{T}\big)\Big)

    For :math:`k \le T` this equals PyTorch's ``CosineAnnealingLR(T_max=T)``; after
    :math:`T` it stays at the floor, whereas PyTorch's cosine is periodic and rises again.
    """
    init_value = v.nonnegative(init_value, "init_value")
    decay_steps = v.positive_int(decay_steps, "decay_steps")
    alpha = v.closed_unit_interval(alpha, "alpha")

    def schedule(k: int) -> float:
        k = min(_step(k), decay_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * k / decay_steps))
        return init_value * (alpha + (1.0 - alpha) * cosine)

    return schedule


def linear_warmup(peak_value: float, warmup_steps: int, after: Schedule | None = None,
                  init_value: float = 0.0) -> Schedule:
    r"""Linear warm-up from ``init_value`` to ``peak_value`` over ``warmup_steps`` steps, then ``after``.

    .. math:: \alpha_k = \alpha_{\text{init}} + (\alpha_{\text{peak}}-\alpha_{\text{init}})\,
              \tfrac{k}{W}\quad (k < W),\qquad \alpha_k = \text{after}(k - W)\quad (k \ge W)

    ``after`` defaults to the constant ``peak_value``; pass e.g.
    ``cosine_decay(peak_value, T)`` for the common warm-up + cosine recipe.
    """
    peak_value = v.nonnegative(peak_value, "peak_value")
    warmup_steps = v.positive_int(warmup_steps, "warmup_steps")
    init_value = v.nonnegative(init_value, "init_value")
    if after is None:
        after = constant(peak_value)
    else:
        after = v.schedule(after, "after")

    def schedule(k: int) -> float:
        k = _step(k)
        if k < warmup_steps:
            return init_value + (peak_value - init_value) * k / warmup_steps
        return after(k - warmup_steps)

    return schedule
