r"""Composable gradient transformations, in the style of optax.

A *gradient transformation* is a pair of pure-looking functions

.. math::

   \text{init}(\theta) \mapsto s_0, \qquad
   \text{update}(g_k, s_{k-1}, \theta_{k-1}) \mapsto (u_k, s_k),

and a step of any optimizer in this book is :math:`\theta_k = \theta_{k-1} + u_k`
(:func:`apply_updates`).  Transformations compose with :func:`chain`: the updates of
one are the gradients of the next.  The named optimizers in :mod:`descent.optimizers`
are nothing but chains of the blocks defined here, which is the book's thesis made
literal: Adam is a first-moment EMA (momentum), a second-moment EMA (RMSProp's
adaptive scale) and a bias correction, and :func:`scale_by_adam` is written with the
same helpers (:func:`ema_update`, :func:`debias`) as :func:`ema` and
:func:`scale_by_rms`.

State arrays take each parameter's floating dtype, and every hyper-parameter is kept as a
Python ``float``, so float32 parameters give float32 updates (no float64 upcast).

Parameters, gradients and updates are *trees* (see :func:`descent.tree_flatten`): an array, or
``dict``\ s, ``tuple``\ s and ``list``\ s of arrays, nested as you like; updates and
states come back with the parameters' structure.

**States are values.**  ``update`` never changes the state it is given: it returns a new
one.  So an ``update`` that raises leaves its input as it was, and calling ``update``
twice on one state gives the same result twice (the optax habit of trying two gradients
from one state works).  For speed the moments are not allocated afresh each step: every
state owns two sets of buffers and each ``update`` writes the new moments into the set
its input is not using — the set of the state *before* its input.  The state passed to
the latest ``update`` and the state it returned are therefore always valid; an older
state, whose buffers have since been overwritten, raises :class:`StaleStateError` when
it is used instead of silently giving another step.  Keep an old state with
``copy.deepcopy(state)``, and the values of its arrays with ``state.mu.copy()`` (the
arrays themselves are reused two steps later).  A state made by another transformation
(Adam fed SGD's state, AMSGrad fed plain Adam's, centred RMSProp fed an uncentred one)
raises ``TypeError``.

**A fused step.**  :func:`update_and_apply` is ``update`` followed by
:func:`apply_updates`, bit for bit, with the last block's update added to the parameters
piece by piece while it is in cache.  Its ``donate=True`` is the one exception to values,
asked for by name: parameters (and, in the named optimizers' blocks, the moments) are
overwritten in place, as ``torch.optim`` does — the fastest way
(``benchmarks/step_time.py``); a state whose arrays were written in place raises
:class:`StaleStateError` if used again (transformations that cannot write in place, such as
``inject_hyperparams``, leave their state valid and work on it as ``update`` does).

Reference: Babuschkin et al., *The DeepMind JAX Ecosystem* (optax), 2020.
"""
from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from . import _validate as v
from ._parallel import elementwise
from ._tree import (Tree, check_same_structure, check_tree, float_dtype, leaf_paths, tree_flatten,
                    tree_leaves, tree_map, tree_unflatten, tree_zeros_like)
from .schedules import Schedule


def leafwise(rule, tree: Tree, *rest: Tree | None, dtype=None, factor: float | None = None,
             blocks: bool = True, add_to: Tree | None = None, inplace: bool = False):
    """Apply an elementwise ``rule(*leaves, out=...)`` leaf by leaf; large leaves in blocks and threads.

    See ``descent._parallel.elementwise``: each rule writes its result into ``out`` (and
    may write the next state's arrays, passed among the leaves); a ``None`` in ``rest``
    reaches the rule as ``None``; ``factor`` multiplies the result in the same pass;
    ``blocks=False`` for a rule that is a single ufunc.  With ``add_to`` (a tree like
    ``tree``) the result is ``add_to`` plus the rule's result, in the same pass, written
    into ``add_to``'s own arrays if ``inplace``.
    """
    if type(tree) is np.ndarray:                      # the hot path: one array
        return elementwise(rule, tree, *rest, dtype=dtype, factor=factor, blocks=blocks,
                           add_to=add_to, inplace=inplace)
    if add_to is None:
        return tree_map(lambda *leaves: elementwise(rule, *leaves, dtype=dtype, factor=factor, blocks=blocks),
                        tree, *rest)
    return tree_map(lambda *leaves: elementwise(rule, *leaves[:-1], dtype=dtype, factor=factor, blocks=blocks,
                                                add_to=leaves[-1], inplace=inplace),
                    tree, *rest, add_to)


#: ``update`` functions of the elementwise blocks that take ``factor=c`` and return
#: ``c`` times their result, computed in the same pass over memory; they also take
#: ``add_to=t`` (return ``t`` plus that result, in the same pass) and ``donate=True``
#: (write the new state's arrays, and the sum, into the input's own arrays).
_FUSABLE: weakref.WeakSet = weakref.WeakSet()
#: ``update`` of a transformation -> ``apply(grads, state, params, donate) -> (params, state)``,
#: its update applied to the parameters in the same pass (see :func:`update_and_apply`).
_APPLY_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: Arrays up to this size take plain gradient descent's shortcut in :func:`add_decayed_weights`.
_SMALL = 4096
#: ``update`` of a scaling block -> ``factor_of(state) -> (factor, new_state)``: the
#: scalings (:func:`scale`, :func:`scale_by_schedule`) :func:`chain` may fuse into the block before.
_SCALE_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _fusable(update):
    """Mark ``update`` (which accepts ``factor=``, ``add_to=``, ``donate=``) as fusable with a following :func:`scale`."""
    _FUSABLE.add(update)
    return update


def _apply_of(update):
    """The fused update-and-apply of a transformation's ``update``, or ``None``."""
    try:
        return _APPLY_OF.get(update)
    except TypeError:                                 # an update that cannot be weakly referenced
        return None


def _is_fusable(update) -> bool:
    try:
        return update in _FUSABLE
    except TypeError:
        return False


def _can_fuse(block: GradientTransformation, scaling: GradientTransformation) -> bool:
    try:
        return scaling.update in _SCALE_OF and block.update in _FUSABLE
    except TypeError:                                 # an update that cannot be weakly referenced
        return False


class GradientTransformation(NamedTuple):
    """An ``init``/``update`` pair; see the module docstring."""

    init: Callable[[Tree], Any]
    update: Callable[..., tuple[Tree, Any]]


class EmptyState(NamedTuple):
    """State of a transformation that remembers nothing."""


class CountState(NamedTuple):
    """A step counter ``count`` (0 before the first update)."""

    count: int


def _checked(grads: Tree, params: Tree | None) -> Tree:
    if type(grads) is np.ndarray and grads.dtype.kind == "f" and (     # the hot path: one array
            params is None or (type(params) is np.ndarray and params.shape == grads.shape)):
        return grads
    grads = check_tree(grads, "grads")
    if params is not None:
        check_same_structure(params, grads, "params", "grads")
    return grads


# ---------------------------------------------------------------------------
# States: values by contract, two buffer sets in practice
# ---------------------------------------------------------------------------

class StaleStateError(ValueError):
    """A state whose buffers a later ``update`` has overwritten was used again."""


class _Pair:
    """Two buffer sets (dicts of state arrays) used in turn, and a stamp per set."""

    __slots__ = ("sets", "stamps")

    def __init__(self, first: dict | None = None):
        self.sets = [first, None]
        self.stamps = [0, 0]


class Buffers:
    """Bookkeeping of a state: which of its pair of buffer sets holds its arrays.

    The last field of every state with arrays (``buffers``); ``None`` in a state built by
    hand, such as ``AdamState(3, m, v, None)``, whose arrays are then only read.  See
    "States are values" in the module docstring.
    """

    __slots__ = ("pair", "index", "stamp")

    def __init__(self, pair: Any, index: int, stamp: int):
        self.pair, self.index, self.stamp = pair, index, stamp

    @property
    def stale(self) -> bool:
        """Whether a later ``update`` has written into this state's arrays."""
        return self.pair.stamps[self.index] != self.stamp

    def __repr__(self) -> str:
        return f"Buffers(set={self.index}, {'stale' if self.stale else 'valid'})"


def _first_buffers(arrays: dict) -> Buffers:
    """The bookkeeping of a state made by ``init``: its arrays are the first buffer set."""
    return Buffers(_Pair(arrays), 0, 0)


def _empty_like(tree):
    return None if tree is None else tree_map(np.empty_like, tree)


def _next_buffers(state, who: str, *fields: str, donate: bool = False) -> tuple[dict, Buffers]:
    """The arrays the state after ``state`` is written into (``fields`` → tree), and their bookkeeping.

    Raises :class:`StaleStateError` if ``state``'s own arrays have been overwritten.  The
    arrays returned are the other set of ``state``'s pair (those of the state before it),
    allocated on first use; ``state``'s arrays are not touched.  With ``donate=True``
    they are ``state``'s own arrays, which the update then overwrites (every rule here is
    safe for that: it reads each element of the old state before it writes it), and
    ``state`` becomes stale.  A state built by hand (no bookkeeping) is never donated.
    """
    slot = state.buffers
    if donate and slot is not None:
        pair, index = slot.pair, slot.index
        if pair.stamps[index] != slot.stamp:
            raise StaleStateError(f"{who}: this state is stale — a later update has overwritten its "
                                  "arrays (it was donated, or is older than the latest update's input)")
        pair.stamps[index] += 1                       # the donated state is stale from now on
        return pair.sets[index], Buffers(pair, index, pair.stamps[index])
    if slot is None:                                  # built by hand: start a new pair
        pair, index = _Pair(), 1
    else:
        pair, index = slot.pair, slot.index
        if pair.stamps[index] != slot.stamp:
            raise StaleStateError(
                f"{who}: this state is stale — a later update has overwritten its arrays. Each "
                "update writes into the buffers of the state before its input, so only the state "
                "passed to the latest update and the state it returned are valid (and a state given "
                "to update_and_apply(..., donate=True) is used up); keep an older state with "
                "copy.deepcopy(state)")
    other = 1 - index
    target = pair.sets[other]
    if target is None:
        target = {f: _empty_like(getattr(state, f)) for f in fields}
        pair.sets[other] = target
    pair.stamps[other] += 1                           # whatever state lived there is now stale
    return target, Buffers(pair, other, pair.stamps[other])


def _describe(state: Any) -> str:
    if isinstance(state, tuple) and not hasattr(state, "_fields"):
        return f"a tuple of {len(state)} states (a chain's state?)"
    return f"a {type(state).__name__}"


def _expect(state: Any, cls: type, who: str, grads: Tree, field: str) -> None:
    """Raise ``TypeError`` unless ``state`` is a ``cls`` whose ``field`` matches ``grads``."""
    if type(state) is not cls:
        raise TypeError(f"{who} needs the {cls.__name__} made by its own init, got {_describe(state)} "
                        "(a state from another optimizer or transformation?)")
    check_same_structure(grads, getattr(state, field), "grads", f"state.{field}")


def _needs(state: Any, field: str, wanted: bool, who: str, flag: str) -> None:
    """Raise ``TypeError`` if ``state.field`` is present when it should not be, or missing."""
    present = getattr(state, field) is not None
    if present != wanted:
        have = "has" if present else "has no"
        raise TypeError(f"{who}({flag}={wanted}) got a state that {have} {field!r}: it was made by "
                        f"{who}({flag}={present}); use the state from this transformation's init")


# ---------------------------------------------------------------------------
# Plumbing
# ---------------------------------------------------------------------------

def chain(*transforms: GradientTransformation) -> GradientTransformation:
    r"""Apply ``transforms`` one after the other: :math:`u = T_n(\dots T_1(g))`.

    When the last block is a :func:`scale` or :func:`scale_by_schedule` (a learning rate)
    and the block before it is one of this module's elementwise blocks, the scaling is
    done inside that block, on each piece of the arrays while it is still in cache (its
    ``update`` takes ``factor=c``).  The result is bit for bit the same; the state keeps
    one entry per block.
    """
    for i, t in enumerate(transforms):
        if not isinstance(t, GradientTransformation):
            raise TypeError(
                f"transforms[{i}] must be a GradientTransformation, got {type(t).__name__}"
            )

    # The learning rate at the end is applied inside the block before it, in the same pass
    # over memory: the result is the same, bit for bit.
    fuse = len(transforms) >= 2 and _can_fuse(transforms[-2], transforms[-1])
    body = transforms[:-2] if fuse else transforms
    factor_of = _SCALE_OF[transforms[-1].update] if fuse else None
    fused_update = transforms[-2].update if fuse else None
    apply_body = transforms[:-2] if fuse else transforms[:-1]
    n = len(transforms)

    def init(params):
        return tuple(t.init(params) for t in transforms)

    def check(state):
        if type(state) is not tuple or len(state) != n:
            raise TypeError(f"state must be the tuple of {n} states returned by this chain's "
                            f"init, got {_describe(state)}")

    def update(grads, state, params=None):
        check(state)
        new_state = []
        for t, s in zip(body, state):
            grads, s = t.update(grads, s, params)
            new_state.append(s)
        if fuse:                                      # ..., T_{n-1}, scale(c): c * T_{n-1}(g)
            factor, last = factor_of(state[-1])
            grads, s = fused_update(grads, state[-2], params, factor=factor)
            new_state += [s, last]
        return grads, tuple(new_state)

    def apply(grads, state, params, donate):
        """``params + update(grads, state, params)``: the last elementwise block adds to params."""
        check(state)
        new_state = []
        for t, s in zip(apply_body, state):
            grads, s = _update(t, grads, s, params, donate)
            new_state.append(s)
        if fuse:
            factor, last = factor_of(state[-1])
            params, s = fused_update(grads, state[-2], params, factor=factor, add_to=params, donate=donate)
            new_state += [s, last]
        else:
            params, s = _update_and_add(transforms[-1], grads, state[-1], params, donate)
            new_state.append(s)
        return params, tuple(new_state)

    last = transforms[-1].update
    if fuse or _apply_of(last) is not None or _is_fusable(last):   # a chain that really fuses
        _APPLY_OF[update] = apply
    return GradientTransformation(init, update)


def _update(t: GradientTransformation, grads, state, params, donate: bool):
    """``t.update(grads, state, params)``, donating ``state`` if asked and ``t`` can."""
    if donate and _is_fusable(t.update):
        return t.update(grads, state, params, donate=True)
    return t.update(grads, state, params)


def _update_and_add(t: GradientTransformation, grads, state, params, donate: bool):
    """``(params + u, s)`` for ``(u, s) = t.update(grads, state, params)``, fused where ``t`` allows."""
    apply = _apply_of(t.update)
    if apply is not None:
        return apply(grads, state, params, donate)
    if _is_fusable(t.update):
        return t.update(grads, state, params, add_to=params, donate=donate)
    updates, state = t.update(grads, state, params)
    updates = check_tree(updates, "updates")
    check_same_structure(params, updates, "params", "updates")
    return _add_updates(params, updates, inplace=donate), state


def update_and_apply(optimizer: GradientTransformation, grads: Tree, state: Any, params: Tree, *,
                     donate: bool = False) -> tuple[Tree, Any]:
    r"""One optimizer step, :math:`(\theta_k, s_k)` from :math:`(g_k, s_{k-1}, \theta_{k-1})`.

    The same as ``updates, state = optimizer.update(grads, state, params)`` followed by
    ``params = apply_updates(params, updates)``, bit for bit, with fewer passes over memory
    where the optimizer allows it.  In a :func:`chain` whose last elementwise block is
    followed by the learning rate (every named optimizer but ``adamw(mask=...)``), that
    block's result is added to the parameters piece by piece while it is still in the CPU's
    cache instead of being written out as an update array; a block earlier in the chain (the
    Adam block of AdamW, the L2 term of ``adam(weight_decay=...)``) still writes its result
    out as usual.  Mixed dtypes and non-contiguous arrays take the unfused way; other
    transformations (``masked``, ``multi_transform``, ``inject_hyperparams``, your own) run
    their ``update`` and then add.

    ``donate=True`` gives ``params`` and ``state`` up, as ``jax.jit``'s buffer donation
    does: the new parameters are written into the arrays of ``params`` — an in-place step,
    like ``torch.optim``'s — and, in the blocks that can (those of the named optimizers),
    the new moments into the arrays of ``state``, which then raises
    :class:`StaleStateError` if used again.  The returned parameters are the same arrays as
    ``params`` (now updated), and any other reference to them sees the new values; the
    arrays must be writable and must not overlap (a leaf listed twice would be updated
    twice), or ``ValueError``.  Integer parameters are promoted to float64 (a new array), as
    everywhere.  A donated step that raises part-way may leave ``params`` and ``state``
    partly written, as an interrupted ``torch.optim`` step does.  Without donation
    ``params`` and ``state`` are never written; as with ``update``, the state *before*
    ``state`` becomes stale (see "States are values" in the module docstring).

    Returns ``(new_params, new_state)``.
    """
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(f"optimizer must be a GradientTransformation, got {type(optimizer).__name__}")
    donate = v.flag(donate, "donate")
    params = check_tree(params, "params")
    grads = check_tree(grads, "grads")
    check_same_structure(params, grads, "params", "grads")
    if donate:
        _check_donatable(params)
    return _update_and_add(optimizer, grads, state, params, donate)


def _check_donatable(params: Tree) -> None:
    """``ValueError`` unless every leaf of ``params`` is writable and no two leaves overlap."""
    leaves, names = tree_leaves(params), leaf_paths(params)
    for leaf, name in zip(leaves, names):
        if not leaf.flags.writeable:
            raise ValueError(f"donate=True writes the new parameters into params, but {name} is "
                             "read-only; pass a writable array or donate=False")
    spans = sorted((*np.lib.array_utils.byte_bounds(leaf), i) for i, leaf in enumerate(leaves) if leaf.size)
    active: list[tuple[int, int]] = []                # (end, leaf) of the spans the sweep is inside
    for lo, hi, i in spans:                           # a sweep over the leaves' memory, by address
        active = [(end, j) for end, j in active if end > lo]
        for _, j in active:                           # bounds overlap: do the elements?
            if np.shares_memory(leaves[i], leaves[j]):
                raise ValueError(f"donate=True writes into params in place, but {names[j]} and {names[i]} "
                                 "share memory (an array listed twice, or overlapping views of one "
                                 "array): the update would be applied twice; pass distinct arrays or "
                                 "donate=False")
        active.append((hi, i))


def apply_updates(params: Tree, updates: Tree) -> Tree:
    r""":math:`\theta + u`, leaf by leaf, keeping each parameter's floating dtype.

    Integer parameters are promoted to float64 (see :func:`descent.tree_flatten` for the
    rules on leaves).  The result has the structure of ``params``.
    """
    params = check_tree(params, "params")
    updates = check_tree(updates, "updates")
    check_same_structure(params, updates, "params", "updates")
    return _add_updates(params, updates)


def _add_updates(params: Tree, updates: Tree, inplace: bool = False) -> Tree:
    if inplace:
        return tree_map(lambda p, u: np.add(p, u, out=p), params, check_tree(updates, "updates"))
    if type(params) is np.ndarray:
        return elementwise(_add, params, updates, dtype=params.dtype, blocks=False)
    return tree_map(lambda p, u: elementwise(_add, p, u, dtype=p.dtype, blocks=False), params, updates)


def _add(p, u, out):
    np.add(p, u, out=out)


def identity() -> GradientTransformation:
    """Pass gradients through unchanged."""
    return GradientTransformation(lambda params: EmptyState(),
                                  lambda g, s, params=None: (_checked(g, params), s))


# ---------------------------------------------------------------------------
# Step sizes
# ---------------------------------------------------------------------------

def scale(step_size: float) -> GradientTransformation:
    r"""Multiply by a constant: :math:`u = c\,g`. Use ``scale(-lr)`` for descent."""
    step_size = v.real(step_size, "step_size")

    def rule(g, out):
        np.multiply(g, step_size, out=out)

    def update(grads, state, params=None):
        return leafwise(rule, _checked(grads, params), blocks=False), state

    _SCALE_OF[update] = lambda state: (step_size, state)
    return GradientTransformation(lambda params: EmptyState(), update)


def scale_by_schedule(schedule: Schedule) -> GradientTransformation:
    r"""Multiply by a step-dependent factor: :math:`u_k = \eta(k)\,g_k`, ``k = 0, 1, …``.

    ``schedule`` is any callable ``k -> float`` such as those of :mod:`descent.schedules`.
    """
    schedule = v.schedule(schedule, "schedule")

    def factor_of(state):
        if type(state) is not CountState:
            raise TypeError(f"scale_by_schedule needs the CountState made by its own init, got "
                            f"{_describe(state)}")
        return v.real(schedule(state.count), "schedule(k)"), CountState(state.count + 1)

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        factor, new_state = factor_of(state)
        return leafwise(lambda g, out: np.multiply(g, factor, out=out), grads, blocks=False), new_state

    _SCALE_OF[update] = factor_of
    return GradientTransformation(lambda params: CountState(0), update)


def scale_by_learning_rate(lr: float | Schedule) -> GradientTransformation:
    r"""Descent step :math:`u = -\alpha g`, with ``lr`` a non-negative number or a schedule ``k -> lr``."""
    if callable(lr):
        lr = v.schedule(lr, "lr")
        return scale_by_schedule(lambda k: -v.nonnegative(lr(k), "lr(k)"))
    return scale(-v.nonnegative(lr, "lr"))


# ---------------------------------------------------------------------------
# Selecting parameters: masks and labels
# ---------------------------------------------------------------------------

class MaskedState(NamedTuple):
    """State of :func:`masked`: the inner transformation's state on the selected leaves."""

    inner_state: Any


def _labels_of(spec: Any, tree: Tree, name: str) -> list:
    """The label of every leaf of ``tree``, from a tree of labels or a callable ``tree -> labels``."""
    labels = spec(tree) if callable(spec) else spec
    leaves, treedef = tree_flatten(tree)
    label_leaves, label_def = tree_flatten(labels)
    if label_def != treedef:
        raise ValueError(f"{name} must have the structure of the parameters (one entry per "
                         f"array), got {labels!r}")
    return label_leaves


def _bool_mask(spec: Any, tree: Tree) -> list[bool]:
    return [v.flag(m, "mask entry") for m in _labels_of(spec, tree, "mask")]


def masked(inner: GradientTransformation, mask: Any) -> GradientTransformation:
    r"""Apply ``inner`` only to the leaves where ``mask`` is ``True``; pass the others through.

    ``mask`` is a tree of booleans with the structure of the parameters, or a callable
    that builds one from them (from the parameters in ``init``, from the gradients in
    ``update``).  The selected leaves reach ``inner`` as one ``list``, so a global norm
    inside ``inner`` is taken over them only.  Example — weight decay on matrices but not
    on biases::

        masked(add_decayed_weights(0.01), lambda p: tree_map(lambda x: x.ndim > 1, p))

    (optax's ``masked``.)
    """
    if not isinstance(inner, GradientTransformation):
        raise TypeError(f"inner must be a GradientTransformation, got {type(inner).__name__}")
    if not callable(mask):
        tree_flatten(mask)                            # a tree, checked against params in init

    def init(params):
        params = check_tree(params)
        keep = _bool_mask(mask, params)
        leaves = tree_flatten(params)[0]
        chosen = [x for x, k in zip(leaves, keep) if k]
        return MaskedState(inner.init(chosen) if chosen else None)

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        if type(state) is not MaskedState:
            raise TypeError(f"masked needs the MaskedState made by its own init, got {_describe(state)}")
        keep = _bool_mask(mask, grads)
        leaves, treedef = tree_flatten(grads)
        idx = [i for i, k in enumerate(keep) if k]
        if not idx:
            return grads, state
        p_leaves = None if params is None else tree_flatten(params)[0]
        chosen_p = None if p_leaves is None else [p_leaves[i] for i in idx]
        new, inner_state = inner.update([leaves[i] for i in idx], state.inner_state, chosen_p)
        out = list(leaves)
        for i, u in zip(idx, new):
            out[i] = u
        return tree_unflatten(treedef, out), MaskedState(inner_state)

    return GradientTransformation(init, update)


class MultiTransformState(NamedTuple):
    """State of :func:`multi_transform`: one inner state per label."""

    inner_states: dict


def multi_transform(transforms: Mapping[str, GradientTransformation],
                    param_labels: Any) -> GradientTransformation:
    r"""A different transformation per group of parameters (optax's ``multi_transform``).

    ``param_labels`` gives every leaf a label — a tree of labels with the structure of the
    parameters, or a callable that builds one from them — and ``transforms[label]``
    updates the leaves with that label, which reach it as one ``list``.  Example — Adam
    for the weights, plain SGD for the biases::

        multi_transform({"adam": adam(1e-3), "sgd": sgd(1e-2)},
                        {"W": "adam", "b": "sgd"})

    This is PyTorch's *parameter groups* (``torch.optim.Adam([{...}, {...}])``) written as
    a transformation.
    """
    if not isinstance(transforms, Mapping) or not transforms:
        raise TypeError("transforms must be a non-empty dict label -> GradientTransformation")
    for label, t in transforms.items():
        if not isinstance(t, GradientTransformation):
            raise TypeError(f"transforms[{label!r}] must be a GradientTransformation, got {type(t).__name__}")

    def groups(tree):
        labels = _labels_of(param_labels, tree, "param_labels")
        unknown = sorted({repr(x) for x in labels if x not in transforms})
        if unknown:
            raise ValueError(f"param_labels uses labels {', '.join(unknown)} that transforms "
                             f"does not have (it has {sorted(transforms)})")
        return {label: [i for i, x in enumerate(labels) if x == label] for label in transforms}

    def init(params):
        params = check_tree(params)
        leaves = tree_flatten(params)[0]
        return MultiTransformState({label: (transforms[label].init([leaves[i] for i in idx]) if idx else None)
                                    for label, idx in groups(params).items()})

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        if type(state) is not MultiTransformState:
            raise TypeError(f"multi_transform needs the MultiTransformState made by its own init, "
                            f"got {_describe(state)}")
        leaves, treedef = tree_flatten(grads)
        p_leaves = None if params is None else tree_flatten(params)[0]
        out, new_states = list(leaves), {}
        for label, idx in groups(grads).items():
            if not idx:
                new_states[label] = state.inner_states[label]
                continue
            sub_p = None if p_leaves is None else [p_leaves[i] for i in idx]
            new, new_states[label] = transforms[label].update(
                [leaves[i] for i in idx], state.inner_states[label], sub_p)
            for i, u in zip(idx, new):
                out[i] = u
        return tree_unflatten(treedef, out), MultiTransformState(new_states)

    return GradientTransformation(init, update)


# ---------------------------------------------------------------------------
# Hyper-parameters you can read and change
# ---------------------------------------------------------------------------

class InjectHyperparamsState(NamedTuple):
    """State of :func:`inject_hyperparams`.

    ``hyperparams`` holds the values used by the latest ``update`` (from ``init``: those
    for step 0); ``inner_state`` is the optimizer's own state.
    """

    count: int
    hyperparams: dict
    inner_state: Any


def inject_hyperparams(factory: Callable[..., GradientTransformation],
                       static_args: tuple[str, ...] = ("mask",)) -> Callable[..., GradientTransformation]:
    r"""Make an optimizer's hyper-parameters part of its state (optax's ``inject_hyperparams``).

    ``inject_hyperparams(adamw)(lr=schedule, weight_decay=0.01)`` behaves like
    ``adamw(lr=schedule, weight_decay=0.01)``, and in addition its state records the
    hyper-parameters each step used, so you can **read** (and plot) the learning rate
    actually applied, and **change** a hyper-parameter in the middle of a run:

    * a hyper-parameter given as a callable ``k -> value`` (a schedule) is evaluated at
      every step :math:`k = 0, 1, \dots`, and ``state.hyperparams[name]`` after an update
      is the value that update used;
    * a hyper-parameter given as a number is read from ``state.hyperparams`` at every
      step: ``state.hyperparams["lr"] = 0.01`` (or ``state._replace(hyperparams=...)``)
      changes it for the updates that follow from that state.

    Arguments named in ``static_args`` (by default ``mask``, whose callable form is not a
    schedule) are passed to ``factory`` unchanged and are not part of ``hyperparams``.
    Every update builds ``factory(**values)`` afresh, so hyper-parameters are validated
    as usual; a change that alters the optimizer's structure (e.g. ``momentum`` from 0 to
    0.9, which adds a momentum buffer) raises ``TypeError``.  Pass hyper-parameters by name.
    """
    if not callable(factory):
        raise TypeError(f"factory must be a function returning a GradientTransformation, got "
                        f"{type(factory).__name__}")
    if isinstance(static_args, str) or not all(isinstance(n, str) for n in static_args):
        raise TypeError(f"static_args must be a tuple of argument names, got {static_args!r}")

    def make(**kwargs) -> GradientTransformation:
        static = {n: h for n, h in kwargs.items() if n in static_args}
        hyperparams = {n: h for n, h in kwargs.items() if n not in static_args}
        schedules = {n: v.schedule(h, n) for n, h in hyperparams.items() if callable(h)}

        def values(k: int, current: dict) -> dict:
            return {n: (schedules[n](k) if n in schedules else current[n]) for n in hyperparams}

        def build(hp: dict) -> GradientTransformation:
            inner = factory(**hp, **static)
            if not isinstance(inner, GradientTransformation):
                raise TypeError(f"factory must return a GradientTransformation, got {type(inner).__name__}")
            return inner

        build(values(0, hyperparams))                 # validate the numbers now, not at step 1

        def init(params):
            hp = values(0, hyperparams)
            return InjectHyperparamsState(0, hp, build(hp).init(params))

        def update(grads, state, params=None):
            if type(state) is not InjectHyperparamsState:
                raise TypeError(f"inject_hyperparams needs the InjectHyperparamsState made by its own "
                                f"init, got {_describe(state)}")
            missing = sorted(set(hyperparams) - set(state.hyperparams))
            if missing:
                raise ValueError(f"state.hyperparams lacks {missing}")
            hp = values(state.count, state.hyperparams)
            updates, inner_state = build(hp).update(grads, state.inner_state, params)
            return updates, InjectHyperparamsState(state.count + 1, hp, inner_state)

        return GradientTransformation(init, update)

    make.__doc__ = f"{getattr(factory, '__name__', 'factory')} with its hyper-parameters in the state."
    return make


# ---------------------------------------------------------------------------
# Regularisation and clipping
# ---------------------------------------------------------------------------

def add_decayed_weights(weight_decay: float = 0.0, mask: Any = None) -> GradientTransformation:
    r"""Add the gradient of :math:`\tfrac{\lambda_{\mathrm{wd}}}{2}\lVert\theta\rVert^2`: :math:`u = g + \lambda_{\mathrm{wd}}\theta`.

    Placed *before* an adaptive block this is L2 regularisation (PyTorch's
    ``weight_decay`` for SGD, Adam, …); placed *after* it, just before the learning
    rate, it is decoupled weight decay (AdamW, Loshchilov & Hutter 2019).

    ``mask`` (a tree of booleans like the parameters, or a callable building one from
    them) limits the decay to the leaves where it is ``True`` — the usual practice of not
    decaying biases and normalisation gains; see :func:`masked`.
    """
    weight_decay = v.nonnegative(weight_decay, "weight_decay")
    if mask is not None:
        return masked(add_decayed_weights(weight_decay), mask)

    def rule(g, p, out):
        np.multiply(p, weight_decay, out=out)
        out += g

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        if weight_decay == 0.0:
            if (add_to is not None and factor is not None and not donate and type(grads) is np.ndarray
                    and type(add_to) is np.ndarray and add_to.dtype == grads.dtype
                    and add_to.shape == grads.shape and 0 < grads.ndim and grads.size <= _SMALL):
                out = np.multiply(grads, factor)      # plain gradient descent on a small problem:
                return np.add(add_to, out, out=out), state   # theta + c*g, as elementwise() would
            if add_to is not None:
                return leafwise((lambda g, out: np.copyto(out, g)) if factor is None else (lambda g, out: np.multiply(g, factor, out=out)),
                                grads, blocks=False, add_to=add_to, inplace=donate), state
            if factor is None:
                return grads, state
            return leafwise(lambda g, out: np.multiply(g, factor, out=out), grads, blocks=False), state
        if params is None:
            raise ValueError("add_decayed_weights needs params: call update(grads, state, params)")
        return leafwise(rule, grads, check_tree(params), factor=factor, add_to=add_to, inplace=donate), state

    return GradientTransformation(lambda params: EmptyState(), _fusable(update))


def clip(max_delta: float) -> GradientTransformation:
    r"""Clip each component to :math:`[-c, c]` (clipping *by value*)."""
    max_delta = v.positive(max_delta, "max_delta")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        return leafwise(lambda g, out: np.clip(g, -max_delta, max_delta, out=out), grads, blocks=False), state

    return GradientTransformation(lambda params: EmptyState(), update)


def global_norm(tree: Tree) -> float:
    r""":math:`\sqrt{\sum_i g_i^2}` over every leaf of ``tree``."""
    return math.sqrt(sum(float(np.vdot(x, x)) for x in tree_leaves(check_tree(tree, "tree"))))


def clip_by_global_norm(max_norm: float) -> GradientTransformation:
    r"""Rescale so the global norm is at most ``max_norm`` (clipping *by norm*).

    .. math:: g \leftarrow g \cdot \min\!\Big(1, \frac{c}{\lVert g\rVert + 10^{-6}}\Big)

    which is exactly ``torch.nn.utils.clip_grad_norm_`` (its :math:`10^{-6}` included);
    the direction of the gradient is preserved (Pascanu et al., 2013).
    """
    max_norm = v.positive(max_norm, "max_norm")

    def update(grads, state, params=None):
        grads = _checked(grads, params)
        coef = min(1.0, max_norm / (global_norm(grads) + 1e-6))
        if coef == 1.0:
            return grads, state
        return leafwise(lambda g, out: np.multiply(g, coef, out=out), grads, blocks=False), state

    return GradientTransformation(lambda params: EmptyState(), update)


# ---------------------------------------------------------------------------
# History: moving averages and momentum
# ---------------------------------------------------------------------------

def ema_update(value: np.ndarray, average: np.ndarray, decay: float,
               scratch: np.ndarray | None = None, out: np.ndarray | None = None) -> np.ndarray:
    r"""One exponential-moving-average step: :math:`a \leftarrow \beta a + (1-\beta)x`.

    The new average is written into ``out`` and returned; without ``out`` it is written
    into ``average`` itself (in place).  ``scratch``, an array of ``average``'s shape that
    may be overwritten (it may be ``value`` itself), saves allocating the temporary
    :math:`(1-\beta)x`.
    """
    if out is None:
        out = average
    np.multiply(average, decay, out=out)
    if scratch is None:
        out += (1.0 - decay) * value
    else:
        out += np.multiply(value, 1.0 - decay, out=scratch)
    return out


def debias(average: np.ndarray, decay: float, count: int, out: np.ndarray | None = None) -> np.ndarray:
    r"""Bias correction :math:`\hat a_k = a_k / (1-\beta^k)` of a zero-initialised EMA.

    After :math:`k` steps the EMA's weights sum to :math:`1-\beta^k`, not 1
    (Kingma & Ba 2015, Sec. 3); dividing by that sum removes the bias towards zero.
    """
    return np.divide(average, 1.0 - decay**count, out=out)


class EmaState(NamedTuple):
    count: int
    ema: Tree
    buffers: Buffers | None = None


def ema(decay: float, debias_: bool = False) -> GradientTransformation:
    r"""Exponential moving average of the gradients.

    .. math:: v_k = \beta v_{k-1} + (1-\beta) g_k,\quad v_0 = 0,\qquad
              u_k = v_k \;\text{or}\; \frac{v_k}{1-\beta^k}\ (\texttt{debias\_=True}).

    Unrolled, :math:`v_k = \sum_{i=1}^{k} (1-\beta)\beta^{k-i} g_i`, whose weights sum to
    :math:`1-\beta^k`; see Chapter 5.  Reference: Goodfellow et al. (2016), Sec. 8.3.2.
    """
    decay = v.unit_interval(decay, "decay")
    debias_ = v.flag(debias_, "debias_")

    def init(params):
        arrays = {"ema": tree_zeros_like(check_tree(params))}
        return EmaState(0, arrays["ema"], _first_buffers(arrays))

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        _expect(state, EmaState, "ema", grads, "ema")
        new, buffers = _next_buffers(state, "ema", "ema", donate=donate)
        count = state.count + 1

        def step(g, a, a_new, out):
            ema_update(g, a, decay, scratch=out, out=a_new)
            if debias_:
                debias(a_new, decay, count, out=out)
            else:
                np.copyto(out, a_new)

        updates = leafwise(step, grads, state.ema, new["ema"], factor=factor, add_to=add_to,
                           inplace=donate)
        return updates, EmaState(count, new["ema"], buffers)

    return GradientTransformation(init, _fusable(update))


class TraceState(NamedTuple):
    count: int
    trace: Tree
    buffers: Buffers | None = None


def trace(decay: float, nesterov: bool = False, dampening: float = 0.0) -> GradientTransformation:
    r"""Momentum (heavy ball, Polyak 1964) in PyTorch's buffer form.

    .. math::
       b_1 = g_1,\qquad b_k = \beta b_{k-1} + (1-\tau) g_k\ (k>1),\qquad
       u_k = b_k \;\text{or, with Nesterov,}\; u_k = g_k + \beta b_k.

    :math:`\beta` is ``decay`` (momentum, in :math:`[0, 1]`: beyond 1 the buffer grows
    geometrically) and :math:`\tau` is ``dampening``; as in ``torch.optim.SGD`` the first
    step stores the gradient *undamped*.  The Nesterov form is Bengio, Boulanger-Lewandowski
    & Pascanu's (2013) reformulation of Nesterov momentum (Sutskever et al. 2013; Goodfellow
    et al.'s Algorithm 8.3) in the look-ahead variable, which is what PyTorch stores.
    """
    decay = v.closed_unit_interval(decay, "decay")
    dampening = v.closed_unit_interval(dampening, "dampening")
    nesterov = v.flag(nesterov, "nesterov")
    if nesterov and (decay <= 0 or dampening != 0):
        raise ValueError("nesterov momentum requires decay > 0 and dampening = 0")

    def init(params):
        arrays = {"trace": tree_zeros_like(check_tree(params))}
        return TraceState(0, arrays["trace"], _first_buffers(arrays))

    def step(g, b, b_new, first, out):
        if first:
            np.copyto(b_new, g)
        else:                                         # b_new = decay * b + (1 - dampening) * g
            np.multiply(b, decay, out=b_new)
            b_new += g if dampening == 0.0 else np.multiply(g, 1.0 - dampening, out=out)
        if nesterov:                                  # u = g + decay * b_new
            np.multiply(b_new, decay, out=out)
            out += g
        else:                                         # u = b_new
            np.copyto(out, b_new)

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        _expect(state, TraceState, "trace", grads, "trace")
        new, buffers = _next_buffers(state, "trace", "trace", donate=donate)
        first = state.count == 0
        updates = leafwise(lambda g, b, b_new, out: step(g, b, b_new, first, out),
                           grads, state.trace, new["trace"], factor=factor, add_to=add_to, inplace=donate)
        return updates, TraceState(state.count + 1, new["trace"], buffers)

    return GradientTransformation(init, _fusable(update))


# ---------------------------------------------------------------------------
# Pace: adaptive per-coordinate scaling
# ---------------------------------------------------------------------------

class RssState(NamedTuple):
    sum_of_squares: Tree
    buffers: Buffers | None = None


def scale_by_rss(initial_accumulator_value: float = 0.0, eps: float = 1e-10) -> GradientTransformation:
    r"""AdaGrad's scaling (Duchi et al., 2011): divide by the root of the *sum* of squares.

    .. math:: r_k = r_{k-1} + g_k \odot g_k,\qquad u_k = \frac{g_k}{\sqrt{r_k} + \epsilon}.

    Note the square root: the step is not divided by the sum of squared gradients
    itself.  PyTorch places :math:`\epsilon` outside the root, as here; Goodfellow et
    al.'s Algorithm 8.4 writes :math:`\delta + \sqrt{r}` with :math:`\delta = 10^{-7}`.
    """
    initial_accumulator_value = v.nonnegative(initial_accumulator_value, "initial_accumulator_value")
    eps = v.nonnegative(eps, "eps")

    def init(params):
        params = check_tree(params)
        arrays = {"sum_of_squares": tree_map(
            lambda p: np.full_like(p, initial_accumulator_value, dtype=float_dtype(p)), params)}
        return RssState(arrays["sum_of_squares"], _first_buffers(arrays))

    def step(g, r, r_new, out):
        np.add(r, np.multiply(g, g, out=out), out=r_new)   # r_new = r + g^2
        np.sqrt(r_new, out=out)                       # out = sqrt(r_new) + eps ...
        out += eps
        np.divide(g, out, out=out)                    # ... then u = g / out

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        _expect(state, RssState, "scale_by_rss", grads, "sum_of_squares")
        new, buffers = _next_buffers(state, "scale_by_rss", "sum_of_squares", donate=donate)
        updates = leafwise(step, grads, state.sum_of_squares, new["sum_of_squares"], factor=factor,
                           add_to=add_to, inplace=donate)
        return updates, RssState(new["sum_of_squares"], buffers)

    return GradientTransformation(init, _fusable(update))


class RmsState(NamedTuple):
    mean_square: Tree
    mean: Tree | None
    buffers: Buffers | None = None


def scale_by_rms(decay: float = 0.99, eps: float = 1e-8, eps_in_sqrt: bool = False,
                 centered: bool = False, initial_scale: float = 0.0) -> GradientTransformation:
    r"""RMSProp's scaling (Hinton 2012, lecture 6e): divide by the root of an EMA of squares.

    .. math::
       s_k = \rho s_{k-1} + (1-\rho)\, g_k \odot g_k,\qquad
       u_k = \frac{g_k}{\sqrt{s_k} + \epsilon}
       \quad\text{or}\quad \frac{g_k}{\sqrt{s_k + \epsilon}}\ (\texttt{eps\_in\_sqrt=True}).

    ``eps_in_sqrt=False`` is PyTorch's placement (``torch.optim.RMSprop``);
    ``eps_in_sqrt=True`` is TensorFlow's and Goodfellow et al.'s Algorithm 8.5
    (:math:`\sqrt{\delta + r}`).  With ``centered=True`` the second moment is replaced by
    the variance estimate :math:`s_k - m_k^2`, :math:`m_k` an EMA of the gradients.
    """
    decay = v.unit_interval(decay, "decay")
    eps = v.nonnegative(eps, "eps")
    initial_scale = v.nonnegative(initial_scale, "initial_scale")
    eps_in_sqrt = v.flag(eps_in_sqrt, "eps_in_sqrt")
    centered = v.flag(centered, "centered")

    def init(params):
        params = check_tree(params)
        arrays = {"mean_square": tree_map(lambda p: np.full_like(p, initial_scale, dtype=float_dtype(p)),
                                          params),
                  "mean": tree_zeros_like(params) if centered else None}
        return RmsState(arrays["mean_square"], arrays["mean"], _first_buffers(arrays))

    def step(g, s, m, s_new, m_new, out):
        if m is not None:                             # centred: m, an EMA of g
            ema_update(g, m, decay, scratch=out, out=m_new)
        np.multiply(g, g, out=out)
        ema_update(out, s, decay, scratch=out, out=s_new)   # s: EMA of g^2
        if m is not None:                             # centred: s - m^2
            np.multiply(m_new, m_new, out=out)
            np.subtract(s_new, out, out=out)
            s_new = out
        if eps_in_sqrt:                               # out = sqrt(s + eps)
            np.add(s_new, eps, out=out)
            np.sqrt(out, out=out)
        else:                                         # out = sqrt(s) + eps
            np.sqrt(s_new, out=out)
            out += eps
        np.divide(g, out, out=out)

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        _expect(state, RmsState, "scale_by_rms", grads, "mean_square")
        _needs(state, "mean", centered, "scale_by_rms", "centered")
        new, buffers = _next_buffers(state, "scale_by_rms", "mean_square", "mean", donate=donate)
        updates = leafwise(step, grads, state.mean_square, state.mean, new["mean_square"], new["mean"],
                           factor=factor, add_to=add_to, inplace=donate)
        return updates, RmsState(new["mean_square"], new["mean"], buffers)

    return GradientTransformation(init, _fusable(update))


class AdamState(NamedTuple):
    count: int
    mu: Tree
    nu: Tree
    nu_max: Tree | None
    buffers: Buffers | None = None


def scale_by_adam(b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                  amsgrad: bool = False) -> GradientTransformation:
    r"""Adam's direction (Kingma & Ba 2015, Algorithm 1): momentum + RMS scaling + bias correction.

    .. math::
       m_k = \beta_1 m_{k-1} + (1-\beta_1) g_k,\qquad
       v_k = \beta_2 v_{k-1} + (1-\beta_2) g_k\odot g_k,\\
       \hat m_k = \frac{m_k}{1-\beta_1^k},\qquad \hat v_k = \frac{v_k}{1-\beta_2^k},\qquad
       u_k = \frac{\hat m_k}{\sqrt{\hat v_k} + \epsilon}.

    With ``amsgrad=True`` the running maximum :math:`v^{\max}_k = \max(v^{\max}_{k-1}, v_k)`
    of the *raw* (uncorrected) second moment replaces :math:`v_k` before the correction,
    as in ``torch.optim.Adam`` (Reddi et al., 2018).  Goodfellow et al.'s Algorithm 8.7
    writes the same rule with :math:`\rho_1, \rho_2, \delta`.
    """
    b1 = v.unit_interval(b1, "b1")
    b2 = v.unit_interval(b2, "b2")
    eps = v.nonnegative(eps, "eps")
    amsgrad = v.flag(amsgrad, "amsgrad")

    def init(params):
        params = check_tree(params)
        arrays = {"mu": tree_zeros_like(params), "nu": tree_zeros_like(params),
                  "nu_max": tree_zeros_like(params) if amsgrad else None}
        return AdamState(0, arrays["mu"], arrays["nu"], arrays["nu_max"], _first_buffers(arrays))

    def step(g, m, s, s_max, m_new, s_new, s_max_new, k, out):
        ema_update(g, m, b1, scratch=out, out=m_new)          # momentum: first moment
        np.multiply(g, g, out=out)
        ema_update(out, s, b2, scratch=out, out=s_new)        # RMSProp: second moment of g
        if s_max is not None:                                 # AMSGrad: max of the raw second moment
            s_new = np.maximum(s_max, s_new, out=s_max_new)
        debias(s_new, b2, k, out=out)                         # bias correction: v_hat = v / (1 - b2^k)
        np.sqrt(out, out=out)
        out += eps                                            # sqrt(v_hat) + eps
        np.divide(m_new, out, out=out)
        debias(out, b1, k, out=out)                           # m_hat / (sqrt(v_hat) + eps)

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        _expect(state, AdamState, "scale_by_adam", grads, "mu")
        _needs(state, "nu_max", amsgrad, "scale_by_adam", "amsgrad")
        new, buffers = _next_buffers(state, "scale_by_adam", "mu", "nu", "nu_max", donate=donate)
        k = state.count + 1
        updates = leafwise(lambda g, m, s, mx, m1, s1, mx1, out: step(g, m, s, mx, m1, s1, mx1, k, out),
                           grads, state.mu, state.nu, state.nu_max, new["mu"], new["nu"], new["nu_max"],
                           factor=factor, add_to=add_to, inplace=donate)
        return updates, AdamState(k, new["mu"], new["nu"], new["nu_max"], buffers)

    return GradientTransformation(init, _fusable(update))


class AdadeltaState(NamedTuple):
    mean_square_grad: Tree
    mean_square_delta: Tree
    buffers: Buffers | None = None


def scale_by_adadelta(rho: float = 0.9, eps: float = 1e-6) -> GradientTransformation:
    r"""AdaDelta's direction (Zeiler 2012, Algorithm 1).

    .. math::
       s_k = \rho s_{k-1} + (1-\rho) g_k^2,\qquad
       \Delta_k = \frac{\sqrt{d_{k-1} + \epsilon}}{\sqrt{s_k + \epsilon}}\, g_k,\qquad
       d_k = \rho d_{k-1} + (1-\rho)\Delta_k^2,\qquad u_k = \Delta_k.

    The ratio of two RMS values gives :math:`\Delta` the units of the parameters.
    Zeiler's rule uses :math:`u_k = -\Delta_k` with no learning rate; PyTorch multiplies by
    ``lr`` (default 1.0), as :func:`descent.optimizers.adadelta` does.
    """
    rho = v.unit_interval(rho, "rho")
    eps = v.nonnegative(eps, "eps")

    def init(params):
        params = check_tree(params)
        arrays = {"mean_square_grad": tree_zeros_like(params), "mean_square_delta": tree_zeros_like(params)}
        return AdadeltaState(arrays["mean_square_grad"], arrays["mean_square_delta"], _first_buffers(arrays))

    def step(g, s, d, s_new, d_new, out):             # safe when s_new is s and d_new is d
        ema_update(np.multiply(g, g, out=out), s, rho, scratch=out, out=s_new)   # s: EMA of g^2
        std = np.add(s_new, eps, out=np.empty(out.shape, d_new.dtype))   # sqrt(s_new + eps), in the state's dtype
        np.sqrt(std, out=std)
        np.add(d, eps, out=out)                       # Delta = sqrt(d + eps) / sqrt(s_new + eps) * g
        np.sqrt(out, out=out)
        out /= std
        out *= g
        np.multiply(out, out, out=std)                # d: EMA of Delta^2
        std *= 1.0 - rho
        np.multiply(d, rho, out=d_new)
        d_new += std

    def update(grads, state, params=None, factor=None, add_to=None, donate=False):
        grads = _checked(grads, params)
        _expect(state, AdadeltaState, "scale_by_adadelta", grads, "mean_square_grad")
        new, buffers = _next_buffers(state, "scale_by_adadelta", "mean_square_grad", "mean_square_delta",
                                     donate=donate)
        updates = leafwise(step, grads, state.mean_square_grad, state.mean_square_delta,
                           new["mean_square_grad"], new["mean_square_delta"], factor=factor,
                           add_to=add_to, inplace=donate)
        return updates, AdadeltaState(new["mean_square_grad"], new["mean_square_delta"], buffers)

    return GradientTransformation(init, _fusable(update))
