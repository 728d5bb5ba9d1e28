r"""Mini-batch arithmetic and the statistics of mini-batch gradients (Chapter 3).

A loss that is a mean over :math:`N` samples, :math:`f(\theta) = \frac1N\sum_{i=1}^N
f_i(\theta)`, has the full gradient :math:`\bar g = \frac1N\sum_i g_i` with
:math:`g_i = \nabla f_i(\theta)`.  A mini-batch :math:`\mathcal B` of :math:`B` distinct
indices drawn uniformly at random (without replacement) gives the estimate

.. math:: \hat g_{\mathcal B} = \frac1B \sum_{i\in\mathcal B} g_i ,
          \qquad \mathbb E[\hat g_{\mathcal B}] = \bar g ,

whose total variance is exactly (the finite-population correction of survey sampling)

.. math:: \mathbb E\,\lVert \hat g_{\mathcal B} - \bar g\rVert^2
          = \frac{\sigma^2}{B}\,\frac{N-B}{N-1},\qquad
          \sigma^2 = \frac1N\sum_{i=1}^N \lVert g_i - \bar g\rVert^2 .

It vanishes at :math:`B = N` and is :math:`\approx \sigma^2/B` when :math:`B \ll N`.
This module counts updates and epochs, draws mini-batches, collects per-sample and
mini-batch gradients of any model whose gradient is a NumPy array or a ``dict`` of them,
and measures how a running mean of mini-batch gradients approaches the full gradient.

References: Cochran, *Sampling Techniques* (3rd ed., Wiley 1977), Thm. 2.2 (variance
without replacement); Bottou, Curtis & Nocedal, "Optimization Methods for Large-Scale
Machine Learning", *SIAM Review* 60(2), 2018, Sec. 4; Goodfellow et al. (2016), Sec. 8.1.3.
"""
from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import _validate as v
from .._tree import ravel_tree

__all__ = [
    "updates_per_epoch", "total_updates", "sample_batch", "flatten", "per_sample_gradients",
    "minibatch_gradients", "minibatch_means", "minibatch_variance", "running_mean_error",
    "cosine_similarity", "softmax_regression_per_sample_gradients",
]


def _rng(rng: Any) -> np.random.Generator:
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")
    return rng


def updates_per_epoch(n_samples: int, batch_size: int, drop_last: bool = False) -> int:
    r"""Updates in one epoch (one pass over ``n_samples``) with batches of ``batch_size``.

    :math:`\lceil N/B \rceil` when the last, smaller batch is kept (as
    :func:`descent.book.data.minibatches` and PyTorch's ``DataLoader`` do by default);
    :math:`\lfloor N/B \rfloor` with ``drop_last=True``.  A batch larger than the data set
    is one full batch.  E.g. ``updates_per_epoch(1_000_000, 100) == 10_000``.
    """
    n = v.positive_int(n_samples, "n_samples")
    b = v.positive_int(batch_size, "batch_size")
    if not isinstance(drop_last, (bool, np.bool_)):
        raise TypeError(f"drop_last must be a bool, got {type(drop_last).__name__}")
    b = min(b, n)
    return n // b if drop_last else -(-n // b)


def total_updates(n_samples: int, batch_size: int, epochs: int, drop_last: bool = False) -> int:
    r"""Updates (iterations) in ``epochs`` epochs: ``epochs * updates_per_epoch(...)``."""
    epochs = v.nonnegative_int(epochs, "epochs")
    return epochs * updates_per_epoch(n_samples, batch_size, drop_last)


def sample_batch(n: int, batch_size: int, rng: Any) -> np.ndarray:
    r"""``batch_size`` distinct indices from ``0 … n-1``, uniformly at random (no replacement)."""
    n = v.positive_int(n, "n")
    b = v.positive_int(batch_size, "batch_size")
    if b > n:
        raise ValueError(f"batch_size must be at most n = {n}, got {b}")
    return _rng(rng).choice(n, size=b, replace=False)


def flatten(tree: Any) -> np.ndarray:
    r"""One 1-D float64 array from a parameter tree (an array, or a dict of arrays in key
    insertion order): the vector of :func:`descent.ravel_tree`, as float64."""
    return np.asarray(ravel_tree(tree, "tree")[0], dtype=np.float64)


def _grad_of(grad_fn: Callable[[np.ndarray], Any], idx: np.ndarray) -> np.ndarray:
    return flatten(grad_fn(idx))


def per_sample_gradients(grad_fn: Callable[[np.ndarray], Any], n: int) -> np.ndarray:
    r"""The ``(n, d)`` matrix whose row :math:`i` is :math:`g_i`, from ``grad_fn(np.array([i]))``.

    ``grad_fn(idx)`` must return the gradient of the *mean* loss over the samples ``idx``
    (an array or a dict of arrays, flattened with :func:`flatten`).
    """
    if not callable(grad_fn):
        raise TypeError("grad_fn must be a function idx -> gradient")
    n = v.positive_int(n, "n")
    return np.stack([_grad_of(grad_fn, np.array([i])) for i in range(n)])


def minibatch_gradients(grad_fn: Callable[[np.ndarray], Any], n: int, batch_size: int, count: int,
                        rng: Any) -> np.ndarray:
    r"""``count`` independent mini-batch gradients :math:`\hat g_{\mathcal B}`, shape ``(count, d)``.

    Each batch is a fresh :func:`sample_batch` of ``batch_size`` indices out of ``n``.
    """
    if not callable(grad_fn):
        raise TypeError("grad_fn must be a function idx -> gradient")
    count = v.positive_int(count, "count")
    rng = _rng(rng)
    return np.stack([_grad_of(grad_fn, sample_batch(n, batch_size, rng)) for _ in range(count)])


def minibatch_means(per_sample: np.ndarray, batch_size: int, count: int, rng: Any) -> np.ndarray:
    r"""``count`` mini-batch gradients as means of rows of the per-sample matrix, shape ``(count, d)``.

    For a loss that is a mean over samples, :math:`\hat g_{\mathcal B}` *is* the mean of the
    rows :math:`g_i, i\in\mathcal B`; with the ``(N, d)`` matrix of per-sample gradients at
    hand, this draws ``count`` independent batches (:func:`sample_batch`) without calling
    the model again.
    """
    G = np.asarray(per_sample, dtype=float)
    if G.ndim != 2:
        raise ValueError(f"per_sample must be an (N, d) array, got shape {G.shape}")
    count = v.positive_int(count, "count")
    rng = _rng(rng)
    return np.stack([G[sample_batch(G.shape[0], batch_size, rng)].mean(axis=0) for _ in range(count)])


def softmax_regression_per_sample_gradients(params: Mapping[str, np.ndarray], X: Any, y: Any) -> np.ndarray:
    r"""Per-sample gradients of softmax regression (``{'W1', 'b1'}`` of :mod:`descent.book.nn`), vectorised.

    Sample :math:`i` has loss :math:`-\log\operatorname{softmax}(x_i^\top W + b)_{y_i}`, whose
    gradient is :math:`(x_i r_i^\top,\ r_i)` with :math:`r_i = \operatorname{softmax}(x_i^\top W + b) - e_{y_i}`.
    Returns the ``(N, d)`` matrix whose row :math:`i` is that gradient flattened like
    :func:`flatten` flattens ``{'W1': ..., 'b1': ...}``; equal to
    :func:`per_sample_gradients` with :func:`descent.book.nn.loss_and_grad`, without the loop.
    """
    if not isinstance(params, Mapping) or set(params) != {"W1", "b1"}:
        raise ValueError("params must be softmax-regression parameters {'W1', 'b1'}")
    W, b = np.asarray(params["W1"], dtype=float), np.asarray(params["b1"], dtype=float)
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != W.shape[0] or y.shape != (X.shape[0],):
        raise ValueError(f"X must be (N, {W.shape[0]}) and y (N,), got {X.shape} and {y.shape}")
    Z = X @ W + b
    Z -= Z.max(axis=1, keepdims=True)
    R = np.exp(Z)
    R /= R.sum(axis=1, keepdims=True)
    R[np.arange(X.shape[0]), y] -= 1.0
    if list(params) == ["W1", "b1"]:
        return np.hstack([(X[:, :, None] * R[:, None, :]).reshape(X.shape[0], -1), R])
    return np.hstack([R, (X[:, :, None] * R[:, None, :]).reshape(X.shape[0], -1)])


def minibatch_variance(per_sample: np.ndarray, batch_size: int) -> float:
    r"""Exact :math:`\mathbb E\lVert\hat g_{\mathcal B} - \bar g\rVert^2 = \frac{\sigma^2}{B}\frac{N-B}{N-1}`.

    ``per_sample`` is the ``(N, d)`` matrix of :func:`per_sample_gradients`; batches are
    drawn without replacement (module docstring).  Zero at ``batch_size == N``.
    """
    G = np.asarray(per_sample, dtype=float)
    if G.ndim != 2 or G.shape[0] < 2:
        raise ValueError(f"per_sample must be an (N, d) array with N >= 2, got shape {G.shape}")
    n = G.shape[0]
    b = v.positive_int(batch_size, "batch_size")
    if b > n:
        raise ValueError(f"batch_size must be at most N = {n}, got {b}")
    sigma2 = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    return sigma2 / b * (n - b) / (n - 1)


def running_mean_error(samples: np.ndarray, target: np.ndarray) -> np.ndarray:
    r"""Relative error :math:`\lVert \frac1k\sum_{j\le k} s_j - t\rVert / \lVert t\rVert` for ``k = 1 … K``.

    ``samples`` is ``(K, d)`` (e.g. from :func:`minibatch_gradients`), ``target`` has ``d``
    entries (e.g. the full gradient) and must not be zero.
    """
    S = np.asarray(samples, dtype=float)
    t = flatten(target)
    if S.ndim != 2 or S.shape[1] != t.size:
        raise ValueError(f"samples must have shape (K, {t.size}), got {S.shape}")
    scale = float(np.linalg.norm(t))
    if scale == 0.0:
        raise ValueError("target must not be zero (the error is relative to its norm)")
    means = np.cumsum(S, axis=0) / np.arange(1, S.shape[0] + 1)[:, None]
    return np.linalg.norm(means - t, axis=1) / scale


def cosine_similarity(a: Any, b: Any) -> np.ndarray | float:
    r"""Cosine :math:`a\cdot b / (\lVert a\rVert\lVert b\rVert)` of the angle between vectors.

    ``a`` may be ``(K, d)`` (one cosine per row, against the same ``b``); dicts are
    flattened.  Zero vectors raise ``ValueError``.
    """
    A = np.asarray(a, dtype=float) if not isinstance(a, Mapping) else flatten(a)
    bb = flatten(b)
    na = np.linalg.norm(A, axis=-1)
    nb = float(np.linalg.norm(bb))
    if nb == 0.0 or np.any(na == 0.0):
        raise ValueError("cosine similarity is undefined for a zero vector")
    out = (A @ bb) / (na * nb)
    return float(out) if np.ndim(out) == 0 else out

