"""Parameter trees: a single NumPy array or a flat ``dict`` of arrays.

Every gradient transformation in :mod:`descent` works leaf by leaf on one of these
two shapes of container, exactly like optax works on JAX pytrees, but without the
generality the book does not need.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Union

import numpy as np

Tree = Union[np.ndarray, Mapping[str, np.ndarray]]


def _as_leaf(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number, list, tuple)):
        raise TypeError(
            f"{name} must be a NumPy array or a dict of NumPy arrays, got {type(value).__name__}"
        )
    arr = np.asarray(value, dtype=float)
    return arr


def check_tree(tree: Any, name: str = "params") -> Tree:
    """Return ``tree`` as an array or a dict of arrays, or raise ``TypeError``."""
    if type(tree) is np.ndarray:  # the hot path: checked on every step of every block
        return tree
    if isinstance(tree, Mapping):
        if not tree:
            raise ValueError(f"{name} must not be an empty dict")
        out = {}
        for key, value in tree.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} keys must be strings, got {key!r}")
            out[key] = _as_leaf(value, f"{name}[{key!r}]")
        return out
    return _as_leaf(tree, name)


def check_same_structure(a: Tree, b: Tree, name_a: str = "params", name_b: str = "grads") -> None:
    """Raise ``ValueError`` unless ``a`` and ``b`` have the same keys and leaf shapes."""
    if type(a) is np.ndarray and type(b) is np.ndarray:  # the hot path
        if a.shape != b.shape:
            raise ValueError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}")
        return
    if isinstance(a, Mapping) != isinstance(b, Mapping):
        raise TypeError(
            f"{name_a} and {name_b} must both be arrays or both be dicts, got "
            f"{type(a).__name__} and {type(b).__name__}"
        )
    if isinstance(a, Mapping):
        if set(a) != set(b):
            raise ValueError(
                f"{name_a} and {name_b} must have the same keys, got {sorted(a)} and {sorted(b)}"
            )
        for key in a:
            if np.shape(a[key]) != np.shape(b[key]):
                raise ValueError(
                    f"{name_a}[{key!r}] has shape {np.shape(a[key])} but "
                    f"{name_b}[{key!r}] has shape {np.shape(b[key])}"
                )
    elif np.shape(a) != np.shape(b):
        raise ValueError(f"{name_a} has shape {np.shape(a)} but {name_b} has shape {np.shape(b)}")


def tree_map(fn: Callable[..., Any], tree: Tree, *rest: Tree) -> Any:
    """Apply ``fn`` leaf by leaf; extra trees must share ``tree``'s structure."""
    if type(tree) is np.ndarray:
        return fn(tree, *rest)
    if isinstance(tree, Mapping):
        return {k: fn(tree[k], *(r[k] for r in rest)) for k in tree}
    return fn(tree, *rest)


def tree_leaves(tree: Tree) -> list[np.ndarray]:
    """The arrays of ``tree`` in a fixed order (dict insertion order)."""
    if isinstance(tree, Mapping):
        return [tree[k] for k in tree]
    return [tree]


def tree_zeros_like(tree: Tree) -> Tree:
    """Zeros with each leaf's shape and floating dtype (integers become float64)."""
    return tree_map(lambda x: np.zeros_like(x, dtype=float_dtype(x)), tree)


def tree_full_like(tree: Tree, value: float) -> Tree:
    """``value`` with each leaf's shape and floating dtype."""
    return tree_map(lambda x: np.full_like(x, value, dtype=float_dtype(x)), tree)


def tree_size(tree: Tree) -> int:
    """Total number of scalars in ``tree``."""
    return int(sum(np.size(leaf) for leaf in tree_leaves(tree)))


def float_dtype(x: np.ndarray) -> np.dtype:
    """The dtype that state for leaf ``x`` is kept in: its own if floating, else float64."""
    dtype = np.asarray(x).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)
