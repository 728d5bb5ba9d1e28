"""Argument checks shared by the package: each raises with the argument's name."""
from __future__ import annotations

import math
import numbers
from typing import Any


def real(value: Any, name: str) -> float:
    """``value`` as a finite Python float, or ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def nonnegative(value: Any, name: str) -> float:
    value = real(value, name)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def positive(value: Any, name: str) -> float:
    value = real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def unit_interval(value: Any, name: str) -> float:
    """A decay rate in [0, 1)."""
    value = real(value, name)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must lie in [0, 1), got {value}")
    return value


def closed_unit_interval(value: Any, name: str) -> float:
    """A rate in [0, 1]."""
    value = real(value, name)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value}")
    return value


def positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def nonnegative_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value}")
    return int(value)


def real_array(value: Any, name: str, ndim: int = 1, dim: int | None = None):
    """A fresh floating copy of a finite, non-empty array with ``ndim`` axes.

    Floating dtypes are kept (float32 stays float32); integers become float64; anything
    else (strings, booleans, objects, complex) is a ``TypeError``.  With ``dim``, the last
    axis must have that length (the number of coordinates).
    """
    import numpy as np

    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a real numeric array, got {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a rectangular numeric array: {exc}") from None
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    shape = {1: "(n,)", 2: "(B, n)"}.get(ndim, f"with {ndim} axes")
    if arr.ndim != ndim or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array of shape {shape}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no inf or nan)")
    if dim is not None and arr.shape[-1] != dim:
        raise ValueError(f"{name} must have {dim} coordinates to match problem.dim, got shape {arr.shape}")
    return np.array(arr, copy=True)


def flag(value: Any, name: str) -> bool:
    """``value`` as a ``bool``: only ``True``/``False`` (or NumPy booleans) are accepted.

    ``'no'``, ``0`` or ``None`` are not silently truthy or falsy: they raise ``TypeError``.
    """
    if value is True or value is False:
        return value
    import numpy as np

    if isinstance(value, np.bool_):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def schedule(fn: Any, name: str):
    """``fn`` if it is a callable that can be called with one argument (the step ``k``).

    Raises ``TypeError`` naming ``name`` otherwise — e.g. for ``lambda: 0.1``, which has
    no ``k``.  Callables whose signature cannot be inspected are accepted as they are.
    """
    if not callable(fn):
        raise TypeError(f"{name} must be a number or a schedule (a callable k -> value), got "
                        f"{type(fn).__name__}")
    import inspect

    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return fn
    try:
        sig.bind(0)
    except TypeError:
        raise TypeError(f"{name} must be a schedule called with the step index, k -> value; "
                        f"{name}{sig} cannot be called as {name}(k)") from None
    return fn


def pair(value: Any, name: str) -> tuple:
    """``value`` as a tuple of two entries: a tuple, list or 1-D NumPy array of length 2."""
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.shape != (2,):
            raise TypeError(f"{name} must be a pair (two numbers), got an array of shape {value.shape}")
        return tuple(value.tolist())
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (two numbers), got {value!r}")
    return tuple(value)
