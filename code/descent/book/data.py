r"""The real data set of Chapters 3 and 9: scikit-learn's handwritten digits.

``sklearn.datasets.load_digits`` ships inside scikit-learn (no download): 1,797 images
of 8×8 pixels with grey levels 0–16, ten classes (Alpaydin & Kaynak, UCI "Optical
Recognition of Handwritten Digits", 1998).  This module splits it, standardises it and
cuts it into mini-batches.
"""
from __future__ import annotations

import functools
import numbers
from collections.abc import Iterator

import numpy as np

from .. import _validate as v

__all__ = ["load_digits_split", "minibatches", "one_hot"]


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def _float_dtype(dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy floating dtype, got {dtype!r}") from None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def load_digits_split(test_size: float = 0.25, seed: int = 0, standardize: bool = True,
                      dtype=np.float64) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Digits as ``(X_train, y_train, X_test, y_test)``: 64 features, labels 0–9.

    The split is stratified (every class keeps its share in both parts) and fixed by
    ``seed`` (``sklearn.model_selection.train_test_split``).  With ``standardize=True``
    each feature is standardised with the *training* mean and standard deviation only,

    .. math:: x'_j = \frac{x_j - \mu_j^{\text{train}}}{\sigma_j^{\text{train}}},

    so nothing about the test images leaks into training; the pixels that are constant
    on the training set (:math:`\sigma_j = 0`, e.g. the always-blank corners) are only
    centred.  With ``standardize=False`` the raw grey levels 0–16 are returned.
    ``X`` has ``dtype`` (float32 or float64), ``y`` is int64.
    """
    test_size = v.real(test_size, "test_size")
    if not 0.0 < test_size < 1.0:
        raise ValueError(f"test_size must lie strictly between 0 and 1, got {test_size}")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    dtype = _float_dtype(dtype)
    from sklearn.model_selection import train_test_split

    X, y = _digits()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=int(seed), stratify=y)
    X_train, X_test = np.array(X_train), np.array(X_test)
    if standardize:
        mean = X_train.mean(axis=0)
        std = X_train.std(axis=0)
        std[std == 0.0] = 1.0
        X_train = (X_train - mean) / std
        X_test = (X_test - mean) / std
    return (X_train.astype(dtype), np.array(y_train, dtype=np.int64),
            X_test.astype(dtype), np.array(y_test, dtype=np.int64))


def minibatches(n: int, batch_size: int, rng: np.random.Generator | int) -> Iterator[np.ndarray]:
    r"""Index arrays of the mini-batches of one epoch over ``n`` samples.

    The indices ``0 … n-1`` are shuffled once (``rng.permutation(n)``) and cut into
    consecutive batches of ``batch_size``; the last batch keeps the remainder, so it is
    smaller when ``batch_size`` does not divide ``n`` and every sample is used exactly
    once per epoch (:math:`\lceil n/B \rceil` updates).  ``batch_size >= n`` gives one
    full batch.  ``rng`` is a ``numpy.random.Generator`` (or a seed for one); the
    arguments are checked and the shuffle drawn when the function is called, not when
    the iterator is first advanced.
    """
    n = v.positive_int(n, "n")
    batch_size = v.positive_int(batch_size, "batch_size")
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator or an int seed, got {type(rng).__name__}")
    order = rng.permutation(n)
    return iter([order[i:i + batch_size] for i in range(0, n, batch_size)])


def one_hot(y, k: int, dtype=np.float64) -> np.ndarray:
    r"""One-hot rows: :math:`Y_{ic} = 1` if :math:`y_i = c` else 0, shape ``(len(y), k)``."""
    k = v.positive_int(k, "k")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class labels, got shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"y must lie in 0 … {k - 1}, got labels from {y.min()} to {y.max()}")
    out = np.zeros((y.size, k), dtype=_float_dtype(dtype))
    out[np.arange(y.size), y] = 1
    return out
