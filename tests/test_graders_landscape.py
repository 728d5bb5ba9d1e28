"""Chapter 2's graders pass right answers and diagnose the typical wrong ones."""
import numpy as np
import pytest

from descent import transforms as T
from descent.graders.landscape import grade_clip_by_global_norm, grade_gd_step_bounds

# ---------------------------------------------------------------------------
# Clipping by global norm
# ---------------------------------------------------------------------------


def clip_ok(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    coef = min(1.0, max_norm / (total + 1e-6))
    return [g * coef for g in grads]


def clip_without_eps(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    if total <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / total) for g in grads]


def clip_with_the_package(grads, max_norm):
    tree = {str(i): g for i, g in enumerate(grads)}
    out, _ = T.clip_by_global_norm(max_norm).update(tree, T.clip_by_global_norm(max_norm).init(tree))
    return [out[str(i)] for i in range(len(grads))]


@pytest.mark.parametrize("fn", [clip_ok, clip_without_eps, clip_with_the_package])
def test_clip_accepts_right_answers(fn):
    report = grade_clip_by_global_norm(fn)
    assert report.passed, str(report)


def clip_per_array(grads, max_norm):
    return [g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6)) for g in grads]


def clip_always(grads, max_norm):
    total = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * max_norm / (total + 1e-6) for g in grads]


def clip_value(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def clip_squared(grads, max_norm):
    total = sum(np.sum(g**2) for g in grads)
    return [g * min(1.0, max_norm / total) if total > 0 else g for g in grads]


@pytest.mark.parametrize("fn, diagnosis", [
    (clip_per_array, "per-array norm"),
    (clip_always, "always rescaled"),
    (clip_value, "clipped by value"),
    (clip_squared, "squared norm"),
])
def test_clip_diagnoses_typical_mistakes(fn, diagnosis):
    report = grade_clip_by_global_norm(fn)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)
    assert "hint:" in str(report)


def test_clip_reports_a_missing_return_and_warnings():
    def in_place(grads, max_norm):
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        for g in grads:
            g *= min(1.0, max_norm / (total + 1e-6))

    report = grade_clip_by_global_norm(in_place)
    assert not report.passed and "return" in str(report)

    def divides_by_zero(grads, max_norm):
        total = np.sqrt(sum(np.sum(g**2) for g in grads))
        return [g * min(1.0, max_norm / total) for g in grads]

    # NumPy's 1/0 = inf and min(1, inf) = 1 leave zero gradients at zero: right, but noisy.
    report = grade_clip_by_global_norm(divides_by_zero)
    assert report.passed
    assert any("divide by zero" in w for w in report.warnings), report.warnings


# ---------------------------------------------------------------------------
# Step-size bounds
# ---------------------------------------------------------------------------


def bounds_ok(A):
    lam = np.linalg.eigvalsh(A)
    lo, hi = lam[0], lam[-1]
    kappa = hi / lo
    return 2 / hi, 2 / (lo + hi), (kappa - 1) / (kappa + 1)


def test_bounds_accept_the_right_answer():
    report = grade_gd_step_bounds(bounds_ok)
    assert report.passed, str(report)


def bounds_half(A):
    a, b, c = bounds_ok(A)
    return a / 2, b, c


def bounds_diagonal(A):
    return bounds_ok(np.diag(np.diag(A)))


def bounds_lambda_min(A):
    a, b, c = bounds_ok(A)
    return 2 / np.linalg.eigvalsh(A)[0], b, c


def bounds_rate(A):
    lam = np.linalg.eigvalsh(A)
    a, b, _ = bounds_ok(A)
    return a, b, 1 - lam[0] / lam[-1]


def bounds_best_step(A):
    lam = np.linalg.eigvalsh(A)
    a, _, c = bounds_ok(A)
    return a, 1 / lam[-1], c


@pytest.mark.parametrize("fn, diagnosis", [
    (bounds_half, "1/lambda_max"),
    (bounds_diagonal, "diagonal instead of eigenvalues"),
    (bounds_lambda_min, "lambda_min for the bound"),
    (bounds_rate, "rate 1 - 1/kappa"),
    (bounds_best_step, "best step 1/lambda_max"),
])
def test_bounds_diagnose_typical_mistakes(fn, diagnosis):
    report = grade_gd_step_bounds(fn)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)


def test_bounds_wrong_order_is_recognised():
    report = grade_gd_step_bounds(lambda A: tuple(reversed(bounds_ok(A))))
    assert not report.passed and "order" in str(report)
