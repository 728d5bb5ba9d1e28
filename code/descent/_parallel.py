"""Elementwise work on large arrays, split across threads.

Every rule in :mod:`descent.transforms` is *elementwise*: the update of one coordinate
depends only on that coordinate's gradient and state.  For large parameter vectors (the
book's benchmark uses the 6,220,800 inputs of one 1080p RGB image) the work is bound by
memory bandwidth, and NumPy runs each ufunc on one core.  :func:`elementwise` cuts the
flattened arrays into contiguous chunks and runs the same rule on each chunk in a thread
(NumPy releases the GIL inside ufunc loops).  Because the rule is elementwise, the result
is *bit for bit* the same as one call on the whole arrays; writes into state arrays reach
them through the chunk views.

Arrays of at most :data:`BLOCK` elements take a fast path: one call of the rule, no
thread pool, no look-up of the thread count (a 2-D problem pays a few microseconds per
step, not more).  Larger arrays are worked through in blocks of :data:`BLOCK` elements,
so that the several ufuncs of one rule run while the block is still in the CPU's cache
(one trip to memory per array instead of one per ufunc); arrays of at least
:data:`MIN_PARALLEL_SIZE` elements are also split across threads.

Large results (at least :data:`RECYCLE_SIZE` elements) come from :func:`new_array`, which
reuses an array it handed out before once nobody holds it any more (its CPython reference
count has dropped back to the recycler's own), instead of asking the operating system for
fresh pages on every step.  Nobody can observe the reuse: an array that anybody still
refers to, directly or through a view, is never handed out again.

The number of threads is decided once, on first use: ``DESCENT_NUM_THREADS`` if set,
else ``min(os.cpu_count(), 4)``.  Change it at run time with :func:`set_num_threads`
(``set_num_threads(None)`` goes back to the default, re-reading the environment).
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Arrays with fewer elements than this are not split (threads would cost more than they save).
MIN_PARALLEL_SIZE = 1 << 20
#: Elements per block (1 MiB per float32 array): the arrays of one rule on one block stay
#: in the CPU's caches between its ufuncs, and the Python cost per block is spread over
#: enough elements.  ``benchmarks/block_size.py`` swept 2^15 to 2^18 on a 2-core AMD EPYC
#: (1 MiB L2 per core, 32 MiB L3): 2^18 was fastest or level for every optimizer.
BLOCK = 1 << 18
#: Results with at least this many elements are recycled by :func:`new_array`.
RECYCLE_SIZE = 1 << 16
#: How many large arrays the recycler keeps at most (the memory it may hold on to after a run).
RECYCLE_SLOTS = 4

_recycled: list[np.ndarray] = []
_recycled_lock = threading.Lock()

_pool: ThreadPoolExecutor | None = None
_pool_workers = 0
_threads: int | None = None   # the cached thread count; None until first use
_FLOAT64 = np.dtype(np.float64)


def _default_threads() -> int:
    value = os.environ.get("DESCENT_NUM_THREADS")
    if value is not None:
        try:
            n = int(value)
        except ValueError:
            raise ValueError(f"DESCENT_NUM_THREADS must be a positive integer, got {value!r}") from None
        if n < 1:
            raise ValueError(f"DESCENT_NUM_THREADS must be a positive integer, got {value!r}")
        return n
    return max(1, min(os.cpu_count() or 1, 4))


def num_threads() -> int:
    """Threads used for large arrays (decided once; see :func:`set_num_threads`)."""
    global _threads
    if _threads is None:
        _threads = _default_threads()
    return _threads


def set_num_threads(n: int | None) -> int:
    """Use ``n`` threads for large arrays from now on; return the previous count.

    ``n=None`` restores the default: ``DESCENT_NUM_THREADS`` if set (read again now),
    else ``min(os.cpu_count(), 4)``.  ``n=1`` turns threading off.  Results do not depend
    on the thread count (bit for bit), only the time does.
    """
    global _threads
    previous = num_threads()
    if n is None:
        _threads = _default_threads()
    else:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"n must be a positive integer or None, got {n!r}")
        _threads = int(n)
    return previous


def _executor(workers: int) -> ThreadPoolExecutor:
    """One shared pool, grown (replaced) when more workers are asked for than it has."""
    global _pool, _pool_workers
    if _pool is None or _pool_workers < workers:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="descent")
        _pool_workers = workers
    return _pool


def new_array(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """An uninitialised array like ``np.empty``; large ones are recycled (see the module docstring)."""
    size = 1
    for n in shape:
        size *= n
    if size < RECYCLE_SIZE:
        return np.empty(shape, dtype=dtype)
    pool = _recycled
    with _recycled_lock:
        for i in range(len(pool)):
            # 2 references: the pool's list and getrefcount's own argument, i.e. nobody else
            if pool[i].shape == shape and pool[i].dtype == dtype and sys.getrefcount(pool[i]) == 2:
                arr = pool.pop(i)
                pool.append(arr)                      # most recently used last
                return arr
        arr = np.empty(shape, dtype=dtype)
        if len(pool) >= RECYCLE_SLOTS:                # forget the least recently used
            pool.pop(0)
        pool.append(arr)
        return arr


def result_dtype(*leaves: np.ndarray | None) -> np.dtype:
    """The dtype an elementwise rule on ``leaves`` produces: their promoted floating type."""
    dtype = np.result_type(*(a for a in leaves if a is not None))
    return dtype if dtype.kind == "f" else _FLOAT64


def _one_call(rule, leaves, shape, dtype, factor, add_to, inplace) -> np.ndarray:
    """The rule on whole arrays in one call (times ``factor``, plus ``add_to``, into it if ``inplace``)."""
    out = new_array(shape, dtype) if leaves[0].size >= RECYCLE_SIZE else np.empty(shape, dtype=dtype)
    rule(*leaves, out=out)
    if factor is not None:
        np.multiply(out, factor, out=out)
    if add_to is None:
        return out
    return np.add(add_to, out, out=add_to if inplace else out)


def elementwise(rule: Callable[..., None], *leaves: np.ndarray | None,
                dtype: np.dtype | None = None, factor: float | None = None,
                blocks: bool = True, add_to: np.ndarray | None = None,
                inplace: bool = False) -> np.ndarray:
    """Run ``rule(*leaves, out=out)`` and return ``out``, chunk by chunk in threads if large.

    ``leaves`` are arrays of one shape (``None`` entries are passed through as ``None``);
    ``rule`` must be elementwise and write its result into ``out`` (a new array of that
    shape and of ``dtype``, by default :func:`result_dtype` of the leaves).  It may also
    write into some of the ``leaves`` (the next state's arrays).  Chunks are contiguous
    pieces of the flattened arrays, each written straight into its piece of ``out``, so
    splitting costs no extra pass over memory.  Leaves of another shape than the first
    raise ``ValueError``.  With ``factor``, ``out`` is multiplied by it right after the
    rule, block by block while still in cache (a following ``scale``, fused).
    ``blocks=False`` skips the blocking, for a rule that is one ufunc (nothing to keep in
    cache between operations, only the per-block overhead to save).

    With ``add_to`` (an array of the leaves' shape) the result is ``add_to + r`` instead
    of ``r``, ``r`` being the rule's result (times ``factor``), in ``add_to``'s dtype:
    each block of ``r`` goes into a small scratch array that stays in cache and is added
    to its block of ``add_to`` at once (an update applied to the parameters in the same
    pass: bit for bit ``add_to + r``).  With ``inplace=True`` the sum is written into
    ``add_to`` itself and ``add_to`` is returned.
    """
    first = leaves[0]
    if len(leaves) == 1 and dtype is None and first.size <= BLOCK and first.dtype.kind == "f" and (
            add_to is None or (not inplace and add_to.dtype == first.dtype and add_to.shape == first.shape)):
        return _one_call(rule, leaves, first.shape, first.dtype, factor, add_to, False)   # the fastest path
    shape = first.shape
    mixed = False
    for a in leaves:                              # one pass: shapes must agree, dtypes may not
        if a is not None:
            if a.shape != shape:
                raise ValueError(f"arrays of shapes {shape} and {a.shape} cannot be combined "
                                 "elementwise (is the state from init() of other parameters?)")
            mixed = mixed or a.dtype != first.dtype
    if dtype is None:
        dtype = result_dtype(*leaves) if mixed else first.dtype
        if dtype.kind != "f":
            dtype = _FLOAT64
    if add_to is not None:
        if add_to.shape != shape:
            raise ValueError(f"arrays of shapes {shape} and {add_to.shape} cannot be combined "
                             "elementwise (params of another shape than the gradients?)")
        if add_to.dtype != dtype:                 # r in its own dtype, then the sum in add_to's
            r = elementwise(rule, *leaves, dtype=dtype, factor=factor, blocks=blocks)
            return np.add(add_to, r, out=add_to if inplace else new_array(shape, add_to.dtype))
    size = first.size
    if size <= BLOCK:                             # the fast path: small arrays, one call
        return _one_call(rule, leaves, shape, dtype, factor, add_to, inplace)
    out = add_to if inplace and add_to is not None else new_array(shape, dtype)
    if any(a is not None and not a.flags.c_contiguous for a in leaves) or (
            add_to is not None and not (add_to.flags.c_contiguous and out.flags.c_contiguous)):
        r = np.empty(shape, dtype=dtype) if add_to is not None else out
        rule(*leaves, out=r)
        if factor is not None:
            np.multiply(r, factor, out=r)
        if add_to is not None:
            np.add(add_to, r, out=out)
        return out
    flat = [None if a is None else a.reshape(-1) for a in leaves]
    flat_out = out.reshape(-1)
    flat_add = None if add_to is None else add_to.reshape(-1)

    step = BLOCK if blocks or factor is not None or add_to is not None else size

    def run(lo: int, hi: int) -> None:            # block by block, each one while in cache
        scratch = None if flat_add is None else np.empty(min(step, hi - lo), dtype=dtype)
        for start in range(lo, hi, step):
            stop = min(start + step, hi)
            part = slice(start, stop)
            block = flat_out[part] if scratch is None else scratch[:stop - start]
            rule(*(None if a is None else a[part] for a in flat), out=block)
            if factor is not None:
                np.multiply(block, factor, out=block)
            if flat_add is not None:
                np.add(flat_add[part], block, out=flat_out[part])

    threads = _threads if _threads is not None else num_threads()
    if threads == 1 or size < MIN_PARALLEL_SIZE:
        run(0, size)
        return out
    # thread boundaries on block boundaries, so the blocks do not depend on the thread count
    blocks = -(-size // BLOCK)
    bounds = [min(size, BLOCK * (blocks * i // threads)) for i in range(threads + 1)]
    list(_executor(threads).map(run, bounds[:-1], bounds[1:]))
    return out
