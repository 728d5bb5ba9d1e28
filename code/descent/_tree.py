"""Parameter trees: NumPy arrays, nested in ``dict``\\ s, ``tuple``\\ s and ``list``\\ s.

Every gradient transformation in :mod:`descent` works leaf by leaf on a *tree*, as optax
works on JAX pytrees: a leaf is a real floating NumPy array; a tree is a leaf, a ``dict``
with string keys whose values are trees, or a ``tuple``/``list`` of trees.  Updates and
states come back with the structure of the parameters (a list stays a list, a nested dict
a nested dict).  The rules for leaves:

* floating arrays (float16/32/64, ...) are used as they are, dtype kept;
* integer arrays and Python/NumPy real scalars are promoted to float64 (a scalar becomes a
  0-d array) — the one documented promotion;
* booleans, complex numbers, strings, ``None`` and other objects raise ``TypeError``
  naming where in the tree they are.

:func:`tree_flatten`/:func:`tree_unflatten` take a tree apart into its leaves and put it
back; :func:`ravel_tree` turns a tree into one 1-D vector and gives the function that
turns such a vector back into the tree (like ``jax.flatten_util.ravel_pytree``).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Union

import numpy as np

Tree = Union[np.ndarray, Mapping[str, "Tree"], tuple, list]

_FLOAT64 = np.dtype(np.float64)


def _as_leaf(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        kind = value.dtype.kind
        if kind == "f":
            return value
        if kind in "iu":
            return value.astype(np.float64)
        what = {"b": "boolean", "c": "complex", "U": "string", "S": "bytes", "O": "object"}.get(
            kind, str(value.dtype))
        raise TypeError(f"{name} must be a real floating (or integer) array, got a {what} "
                        f"array (dtype {value.dtype})")
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real array, got a boolean {value!r}")
    if isinstance(value, np.floating):
        return np.asarray(value)
    if isinstance(value, (int, float, np.integer)):
        return np.asarray(value, dtype=np.float64)
    raise TypeError(
        f"{name} must be a NumPy array (or a dict, tuple or list of them), got {type(value).__name__}"
    )


def _rebuild(container: Any, children: list) -> Any:
    """A tuple/list of the same type as ``container`` holding ``children``."""
    if type(container) is tuple:
        return tuple(children)
    if type(container) is list:
        return children
    if isinstance(container, tuple) and hasattr(container, "_fields"):   # a NamedTuple
        return type(container)(*children)
    return type(container)(children)


def check_tree(tree: Any, name: str = "params") -> Tree:
    """Return ``tree`` with every leaf a floating array, or raise naming the bad leaf.

    See the module docstring for what a tree and a leaf may be.  A float array is
    returned as it is (the hot path); other trees are rebuilt, never stacked into one
    array.
    """
    if type(tree) is np.ndarray and tree.dtype.kind == "f":   # the hot path
        return tree
    if isinstance(tree, Mapping):
        if not tree:
            raise ValueError(f"{name} must not be an empty dict")
        out = {}
        for key, value in tree.items():
            if not isinstance(key, str):
                raise TypeError(f"{name} keys must be strings, got {key!r}")
            out[key] = check_tree(value, f"{name}[{key!r}]")
        return out
    if isinstance(tree, (tuple, list)):
        if not tree:
            raise ValueError(f"{name} must not be an empty {type(tree).__name__}")
        return _rebuild(tree, [check_tree(x, f"{name}[{i}]") for i, x in enumerate(tree)])
    return _as_leaf(tree, name)


def _kind(tree: Any) -> str:
    if isinstance(tree, Mapping):
        return "dict"
    if isinstance(tree, (tuple, list)):
        return type(tree).__name__
    return "array"


def leaf_paths(tree: Tree, name: str = "params") -> list[str]:
    """The name of every leaf of ``tree`` in :func:`tree_flatten` order, as :func:`check_tree`
    names them in its errors (``params['W']``, ``params[0]``)."""
    if isinstance(tree, Mapping):
        return [p for k, x in tree.items() for p in leaf_paths(x, f"{name}[{k!r}]")]
    if isinstance(tree, (tuple, list)):
        return [p for i, x in enumerate(tree) for p in leaf_paths(x, f"{name}[{i}]")]
    return [name]


def check_same_structure(a: Tree, b: Tree, name_a: str = "params", name_b: str = "grads") -> None:
    """Raise ``TypeError``/``ValueError`` unless ``a`` and ``b`` have one structure and leaf shapes."""
    if type(a) is np.ndarray and type(b) is np.ndarray:  # the hot path
        if a.shape != b.shape:
            raise ValueError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}")
        return
    ka, kb = _kind(a), _kind(b)
    if ka != kb:
        raise TypeError(f"{name_a} and {name_b} must both be arrays or both be dicts/tuples/lists "
                        f"of the same structure, got {ka} and {kb}")
    if ka == "dict":
        if set(a) != set(b):
            raise ValueError(
                f"{name_a} and {name_b} must have the same keys, got {sorted(a)} and {sorted(b)}"
            )
        for key in a:
            check_same_structure(a[key], b[key], f"{name_a}[{key!r}]", f"{name_b}[{key!r}]")
    elif ka != "array":
        if len(a) != len(b):
            raise ValueError(f"{name_a} and {name_b} must have the same length, got {len(a)} and {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            check_same_structure(x, y, f"{name_a}[{i}]", f"{name_b}[{i}]")
    elif np.shape(a) != np.shape(b):
        raise ValueError(f"{name_a} has shape {np.shape(a)} but {name_b} has shape {np.shape(b)}")


def tree_map(fn: Callable[..., Any], tree: Tree, *rest: Tree | None) -> Any:
    """Apply ``fn`` leaf by leaf; extra trees share ``tree``'s structure (``None`` = no tree).

    ``fn`` receives one leaf of ``tree`` and the matching leaf of each of ``rest``; a
    ``None`` in ``rest`` is passed to ``fn`` as ``None`` at every leaf.
    """
    if type(tree) is np.ndarray:
        return fn(tree, *rest)
    if isinstance(tree, Mapping):
        return {k: tree_map(fn, tree[k], *(None if r is None else r[k] for r in rest)) for k in tree}
    if isinstance(tree, (tuple, list)):
        return _rebuild(tree, [tree_map(fn, x, *(None if r is None else r[i] for r in rest))
                               for i, x in enumerate(tree)])
    return fn(tree, *rest)


class TreeDef:
    """The structure of a tree without its leaves (from :func:`tree_flatten`).

    Two trees have the same structure when their ``TreeDef``\\ s are equal.
    """

    __slots__ = ("_spec", "num_leaves")

    def __init__(self, spec: Any, num_leaves: int):
        self._spec = spec
        self.num_leaves = num_leaves

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreeDef) and self._spec == other._spec

    def __hash__(self) -> int:
        return hash(self._spec)

    def __repr__(self) -> str:
        return f"TreeDef({self._spec!r}, num_leaves={self.num_leaves})"


def _spec(tree: Any, leaves: list) -> Any:
    if isinstance(tree, Mapping):
        return ("dict", tuple((k, _spec(v, leaves)) for k, v in tree.items()))
    if isinstance(tree, (tuple, list)):
        return (type(tree), tuple(_spec(x, leaves) for x in tree))
    leaves.append(tree)
    return "*"


def tree_flatten(tree: Tree) -> tuple[list[np.ndarray], TreeDef]:
    """The leaves of ``tree`` in a fixed order (dict insertion order, then position) and its structure.

    ``tree_unflatten(treedef, leaves)`` rebuilds the tree.  Leaves are returned as they
    are (not copied, not validated).

    A *tree* — what every optimizer takes as parameters, gradients and updates — is a
    NumPy array, a ``dict`` with string keys whose values are trees, or a ``tuple`` or
    ``list`` of trees; updates and states come back with the same structure.  Leaves:
    floating arrays keep their dtype; integer arrays and real scalars are promoted to
    float64 (the one promotion); boolean, complex, string and object arrays raise
    ``TypeError`` naming the leaf (e.g. ``params['layer1']['b']``).
    """
    leaves: list = []
    spec = _spec(tree, leaves)
    return leaves, TreeDef(spec, len(leaves))


def _build(spec: Any, it) -> Any:
    if spec == "*":
        return next(it)
    kind, children = spec
    if kind == "dict":
        return {k: _build(s, it) for k, s in children}
    items = [_build(s, it) for s in children]
    if kind is tuple:
        return tuple(items)
    if kind is list:
        return items
    return kind(*items) if hasattr(kind, "_fields") else kind(items)


def tree_unflatten(treedef: TreeDef, leaves: Any) -> Tree:
    """The tree with structure ``treedef`` and these ``leaves`` (inverse of :func:`tree_flatten`)."""
    if not isinstance(treedef, TreeDef):
        raise TypeError(f"treedef must be a TreeDef from tree_flatten, got {type(treedef).__name__}")
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"leaves must have {treedef.num_leaves} entries for this tree, got {len(leaves)}")
    return _build(treedef._spec, iter(leaves))


def tree_leaves(tree: Tree) -> list[np.ndarray]:
    """The arrays of ``tree`` in a fixed order (see :func:`tree_flatten`)."""
    if type(tree) is np.ndarray:
        return [tree]
    return tree_flatten(tree)[0]


def ravel_tree(tree: Any, name: str = "tree") -> tuple[np.ndarray, Callable[[np.ndarray], Tree]]:
    """One 1-D vector of every scalar in ``tree``, and the function that undoes it.

    Returns ``(vector, unravel)``: ``vector`` concatenates the raveled leaves in
    :func:`tree_flatten` order, in their promoted floating dtype; ``unravel(x)`` turns
    any vector of that length back into a tree of ``tree``'s structure, leaf shapes and
    dtypes (new arrays, not views of ``x``).

    >>> import numpy as np
    >>> vec, unravel = ravel_tree({"W": np.ones((2, 2)), "b": np.zeros(2)})
    >>> vec.shape
    (6,)
    >>> unravel(np.arange(6.0))["b"]
    array([4., 5.])
    """
    leaves, treedef = tree_flatten(check_tree(tree, name))
    shapes = [leaf.shape for leaf in leaves]
    dtypes = [leaf.dtype for leaf in leaves]
    sizes = [leaf.size for leaf in leaves]
    bounds = np.cumsum([0] + sizes)
    dtype = np.result_type(*dtypes)
    vector = np.concatenate([leaf.ravel() for leaf in leaves]).astype(dtype, copy=False)

    def unravel(x: Any) -> Tree:
        x = np.asarray(x)
        if x.shape != (int(bounds[-1]),):
            raise ValueError(f"x must be a vector of shape ({int(bounds[-1])},) to unravel, got shape {x.shape}")
        if x.dtype.kind not in "fiu":
            raise TypeError(f"x must be a real vector, got dtype {x.dtype}")
        return tree_unflatten(treedef, [
            np.array(x[lo:hi], dtype=dt).reshape(shape)
            for lo, hi, shape, dt in zip(bounds[:-1], bounds[1:], shapes, dtypes)])

    return vector, unravel


def tree_zeros_like(tree: Tree) -> Tree:
    """Zeros with each leaf's shape and floating dtype (integers become float64)."""
    return tree_map(lambda x: np.zeros_like(x, dtype=float_dtype(x)), tree)


def float_dtype(x: np.ndarray) -> np.dtype:
    """The dtype that state for leaf ``x`` is kept in: its own if floating, else float64."""
    dtype = np.asarray(x).dtype
    return dtype if dtype.kind == "f" else _FLOAT64
