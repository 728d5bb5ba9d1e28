"""Graders of Chapter 3: they pass correct answers and diagnose the typical wrong ones."""
import numpy as np
import pytest

from descent.book import sampling
from descent.graders.minibatch import grade_minibatch_gradient, grade_update_count


def test_update_count_passes_references():
    assert grade_update_count(lambda n, b, e: e * -(-n // min(b, n)))
    assert grade_update_count(sampling.total_updates)
    assert grade_update_count(lambda n, b, e: int(e * np.ceil(n / min(b, n))))


@pytest.mark.parametrize("wrong, diagnosis", [
    (lambda n, b, e: e * (n // b), "dropped the last batch"),
    (lambda n, b, e: e * n / b, "true division"),
    (lambda n, b, e: -(-n // min(b, n)), "one epoch only"),
    (lambda n, b, e: e * n, "counted samples"),
    (lambda n, b, e: e * n * b, "multiplied by B"),
])
def test_update_count_diagnoses(wrong, diagnosis):
    report = grade_update_count(wrong)
    assert not report
    assert report.diagnosis == diagnosis
    assert report.hint and "hint" in str(report)


def test_update_count_reports_crash_and_none():
    def crash(n, b, e):
        raise ZeroDivisionError("oops")

    report = grade_update_count(crash)
    assert not report and "ZeroDivisionError" in str(report)
    report = grade_update_count(lambda n, b, e: None)
    assert not report and "return" in str(report)


def _lsq(theta, X, y, idx):
    Xb, yb = X[idx], y[idx]
    return Xb.T @ (Xb @ theta - yb) / len(idx)


def test_minibatch_gradient_passes_references():
    assert grade_minibatch_gradient(_lsq)
    # a loop over the batch, written the way a reader might
    def loop(theta, X, y, idx):
        g = np.zeros_like(theta)
        for i in idx:
            g += X[i] * (X[i] @ theta - y[i])
        return g / len(idx)
    assert grade_minibatch_gradient(loop)


@pytest.mark.parametrize("wrong, diagnosis", [
    (lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]), "sum instead of mean"),
    (lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / len(y), "divided by N"),
    (lambda t, X, y, idx: X.T @ (X @ t - y) / len(y), "ignored the batch"),
    (lambda t, X, y, idx: -_lsq(t, X, y, idx), "wrong sign"),
    (lambda t, X, y, idx: 2 * _lsq(t, X, y, idx), "lost the one half"),
    (lambda t, X, y, idx: np.full(t.shape, np.mean(X[idx] @ t - y[idx])), "forgot the x"),
])
def test_minibatch_gradient_diagnoses(wrong, diagnosis):
    report = grade_minibatch_gradient(wrong)
    assert not report
    assert report.diagnosis == diagnosis


def test_minibatch_gradient_wrong_shape():
    report = grade_minibatch_gradient(lambda t, X, y, idx: _lsq(t, X, y, idx)[None, :])
    assert not report and "shape" in str(report)
