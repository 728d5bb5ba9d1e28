r"""Graders for the mini-batch exercises of Chapter 3 ("Stochastic and mini-batch gradient descent").

The references are written here again (not imported from :mod:`descent.book.sampling`), so the
graders also cross-check that module.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

from ._core import Case, GradeReport, grade

__all__ = ["grade_update_count", "grade_minibatch_gradient"]


# ---------------------------------------------------------------------------
# Epochs and iterations
# ---------------------------------------------------------------------------

def _updates_ref(n_samples, batch_size, epochs):
    per_epoch = -(-n_samples // min(batch_size, n_samples))
    return epochs * per_epoch


_UPDATE_CASES = (
    Case((1_000_000, 100, 1), label="the article's example: one epoch"),
    Case((1_000_000, 100, 3), label="three epochs"),
    Case((1000, 32, 1), label="the last batch holds only 8 samples"),
    Case((1347, 32, 5)),
    Case((1347, 1, 2), label="pure SGD"),
    Case((1347, 1347, 7), label="full batch"),
    Case((10, 64, 3), label="batch larger than the data set"),
    Case((1025, 32, 1), label="one sample more than 32 batches: the last batch holds 1"),
    Case((1023, 32, 2), label="one sample less than 32 batches"),
    Case((33, 32, 4), label="N just above B"),
)

_UPDATE_DIAGNOSES = (
    ("dropped the last batch", lambda n, b, e: e * (n // b),
     "you dropped the last, smaller batch (floor division); this book keeps it, so an epoch "
     "has ceil(N/B) updates, e.g. -(-N // B)."),
    ("true division", lambda n, b, e: e * n / b,
     "N/B is not a whole number of updates when B does not divide N: round *up*, ceil(N/B)."),
    ("one epoch only", lambda n, b, e: -(-n // min(b, n)),
     "you counted the updates of a single epoch; multiply by the number of epochs."),
    ("counted samples", lambda n, b, e: e * n,
     "you counted samples processed (epochs·N), not updates; each update uses a whole batch."),
    ("multiplied by B", lambda n, b, e: e * n * b,
     "the number of batches is N divided by B, not N times B."),
    ("n//b + 1", lambda n, b, e: e * (n // b + 1),
     "N//B + 1 counts one batch too many whenever B divides N (the article's 1,000,000 samples "
     "in batches of 100 make 10,000 updates per epoch, not 10,001); round up instead: "
     "ceil(N/B) = -(-N // B) = (N + B − 1)//B."),
    ("rounded to nearest", lambda n, b, e: e * max(round(n / b), 1),
     "round(N/B) rounds down when the last batch is less than half full (1025 samples in "
     "batches of 32 need 33 updates, not 32); always round up: ceil(N/B)."),
    ("rounded once over all epochs", lambda n, b, e: -(-(e * n) // b),
     "you rounded up once over all epochs, ceil(epochs·N/B); every epoch has its own last, "
     "partial batch, so it is epochs·ceil(N/B)."),
    ("floor over all epochs", lambda n, b, e: (e * n) // b,
     "(epochs·N)//B drops a partial batch and mixes the epochs; an epoch has ceil(N/B) "
     "updates, so the answer is epochs·ceil(N/B)."),
)


def grade_update_count(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(n_samples, batch_size, epochs) -> int``, the number of updates (iterations).

    One epoch is one pass over the :math:`N` samples in batches of :math:`B`; the last batch
    is kept even when it is smaller, so an epoch has :math:`\lceil N/B\rceil` updates (one,
    if :math:`B \ge N`) and ``epochs`` epochs have ``epochs`` times as many.
    """
    return grade(fn, _updates_ref, _UPDATE_CASES, rtol=0.0, atol=0.0, name="grade_update_count",
                 diagnoses=_UPDATE_DIAGNOSES)


# ---------------------------------------------------------------------------
# The mini-batch gradient of least squares
# ---------------------------------------------------------------------------

def _lsq_grad_ref(theta, X, y, idx):
    Xb, yb = X[idx], y[idx]
    return Xb.T @ (Xb @ theta - yb) / len(idx)


@lru_cache(maxsize=None)
def _lsq_cases() -> tuple[Case, ...]:
    rng = np.random.default_rng(20240303)
    X1 = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5], [-2.0, 1.0]])
    y1 = np.array([1.0, 0.0, 2.0, -1.0])
    cases = [
        Case((np.array([0.5, -0.5]), X1, y1, np.array([0, 2])), label="4 samples, batch {0, 2}"),
        Case((np.array([1.0, 1.0]), X1, y1, np.array([3])), label="a batch of one sample"),
        Case((np.zeros(2), X1, y1, np.arange(4)), label="the full batch"),
    ]
    for n, d, b in ((50, 3, 8), (30, 5, 10), (200, 4, 32)):
        X = rng.standard_normal((n, d))
        y = rng.standard_normal(n)
        cases.append(Case((rng.standard_normal(d), X, y, rng.choice(n, size=b, replace=False))))
    return tuple(cases)


_LSQ_DIAGNOSES = (
    ("sum instead of mean", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]),
     "you summed over the batch; the loss is a *mean*, so divide by the batch size B = len(idx)."),
    ("divided by N", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / len(y),
     "you divided by N, the size of the whole data set; the mini-batch loss is a mean over "
     "the B = len(idx) samples of the batch."),
    ("ignored the batch", lambda t, X, y, idx: X.T @ (X @ t - y) / len(y),
     "you returned the full-batch gradient; use only the rows X[idx], y[idx]."),
    ("wrong sign", lambda t, X, y, idx: X[idx].T @ (y[idx] - X[idx] @ t) / len(idx),
     "the sign is flipped: the derivative of ½(xᵀθ − y)² is x(xᵀθ − y), not x(y − xᵀθ)."),
    ("lost the one half", lambda t, X, y, idx: 2 * X[idx].T @ (X[idx] @ t - y[idx]) / len(idx),
     "your gradient is twice too large: the ½ in ½(xᵀθ − y)² cancels the 2 of the derivative."),
    ("forgot the x", lambda t, X, y, idx: np.full(t.shape, np.mean(X[idx] @ t - y[idx])),
     "the chain rule gives a factor x_i: the gradient is the mean of x_i (x_iᵀθ − y_i)."),
    ("first B rows", lambda t, X, y, idx: X[:len(idx)].T @ (X[:len(idx)] @ t - y[:len(idx)]) / len(idx),
     "you used the first B rows X[:B]; the batch is the rows listed in idx: X[idx], y[idx]."),
    ("forgot y", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t) / len(idx),
     "you left out the targets: the residual is X_B θ − y_B."),
    ("divided by B - 1", lambda t, X, y, idx: X[idx].T @ (X[idx] @ t - y[idx]) / (len(idx) - 1),
     "divide by B, the batch size; B − 1 belongs to the unbiased variance, not to a mean."),
)


def grade_minibatch_gradient(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(theta, X, y, idx) -> gradient`` of the mini-batch least-squares loss.

    .. math:: f_{\mathcal B}(\theta) = \frac{1}{2B}\sum_{i\in\mathcal B}(x_i^\top\theta - y_i)^2,
              \qquad \nabla f_{\mathcal B}(\theta) = \frac1B X_{\mathcal B}^\top(X_{\mathcal B}\theta - y_{\mathcal B}),

    where ``idx`` holds the :math:`B` row indices of the batch, ``X`` is ``(N, d)`` and
    ``theta`` has ``d`` entries.  The answer is an array of shape ``(d,)``.
    """
    return grade(fn, _lsq_grad_ref, _lsq_cases(), name="grade_minibatch_gradient",
                 diagnoses=_LSQ_DIAGNOSES)
