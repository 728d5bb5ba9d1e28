"""Schedules against their closed forms, and their argument checks."""
import math

import numpy as np
import pytest

from descent import schedules as S

K = np.arange(0, 300)


@pytest.mark.parametrize("sched,closed", [
    (S.constant(0.3), lambda k: 0.3),
    (S.step_decay(0.1, 25, 0.5), lambda k: 0.1 * 0.5 ** (k // 25)),
    (S.exponential_decay(0.2, 0.98), lambda k: 0.2 * 0.98**k),
    (S.inverse_time_decay(0.5, 0.1), lambda k: 0.5 / (1 + 0.1 * k)),
    (S.cosine_decay(1.0, 100), lambda k: 0.5 * (1 + math.cos(math.pi * min(k, 100) / 100))),
    (S.piecewise_constant([10, 50], [1.0, 0.1, 0.01]),
     lambda k: 1.0 if k < 10 else (0.1 if k < 50 else 0.01)),
    (S.linear_warmup(0.4, 20), lambda k: 0.4 * min(k, 20) / 20),
    (S.linear_warmup(1.0, 10, after=S.cosine_decay(1.0, 90)),
     lambda k: k / 10 if k < 10 else 0.5 * (1 + math.cos(math.pi * min(k - 10, 90) / 90))),
])
def test_closed_forms(sched, closed):
    for k in K:
        assert sched(int(k)) == pytest.approx(closed(int(k)), rel=1e-12, abs=1e-15)


def test_schedules_return_python_floats():
    for s in (S.step_decay(0.1, 5), S.cosine_decay(0.1, 5), S.exponential_decay(0.1, 0.9)):
        assert type(s(3)) is float


def test_robbins_monro_partial_sums():
    """Inverse-time decay: the sum of steps grows without bound, the sum of squares converges."""
    s = S.inverse_time_decay(1.0, 1.0)
    steps = np.array([s(k) for k in range(100_000)])
    assert steps.sum() > 12.0  # ~ log(1e5) + 0.577
    assert (steps**2).sum() < math.pi**2 / 6 + 1e-9


@pytest.mark.parametrize("make,exc,match", [
    (lambda: S.step_decay(0.1, 0), ValueError, "step_size"),
    (lambda: S.step_decay(0.1, 2.5), TypeError, "step_size"),
    (lambda: S.exponential_decay(-1, 0.9), ValueError, "init_value"),
    (lambda: S.exponential_decay(1, 0.0), ValueError, "gamma"),
    (lambda: S.piecewise_constant([5, 3], [1, 2, 3]), ValueError, "increasing"),
    (lambda: S.piecewise_constant([5], [1]), ValueError, "values"),
    (lambda: S.cosine_decay(1.0, 10, alpha=2), ValueError, "alpha"),
    (lambda: S.linear_warmup(1.0, 10, after=3), TypeError, "after"),
    (lambda: S.constant(0.1)(-1), ValueError, "k"),
])
def test_bad_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_growing_exponential_overflow_is_a_value_error():
    s = S.exponential_decay(0.1, 1.1)
    assert s(10) == pytest.approx(0.1 * 1.1**10, rel=1e-12)   # growth is allowed (LR range test)
    with pytest.raises(ValueError, match="overflows"):
        s(10_000)
    with pytest.raises(ValueError, match="overflows"):
        S.step_decay(1.0, 1, gamma=10.0)(400)


def test_after_must_take_the_step():
    with pytest.raises(TypeError, match="after"):
        S.linear_warmup(1.0, 10, after=lambda: 0.5)


def test_schedules_are_exported_at_top_level():
    import descent

    for name in ("constant", "step_decay", "exponential_decay", "inverse_time_decay",
                 "piecewise_constant", "cosine_decay", "linear_warmup"):
        assert getattr(descent, name) is getattr(S, name)
        assert name in descent.__all__


def test_one_schedule_type():
    """The Schedule alias is defined once, in descent.schedules, and used by the transforms."""
    from descent import optimizers, transforms

    assert transforms.Schedule is S.Schedule is optimizers.Schedule
