"""Elementwise work on large arrays, split across threads.

Every rule in :mod:`descent.transforms` is *elementwise*: the update of one coordinate
depends only on that coordinate's gradient and state.  For large parameter vectors (the
book's benchmark uses the 6,220,800 inputs of one 1080p RGB image) the work is bound by
memory bandwidth, and NumPy runs each ufunc on one core.  :func:`elementwise` cuts the
flattened arrays into contiguous chunks and runs the same rule on each chunk in a thread
(NumPy releases the GIL inside ufunc loops).  Because the rule is elementwise, the result
is *bit for bit* the same as one call on the whole arrays; in-place updates of state
arrays reach the state through the chunk views.

The number of threads is ``min(os.cpu_count(), 4)``, or ``DESCENT_NUM_THREADS`` if set;
arrays below :data:`MIN_PARALLEL_SIZE` elements are handled in one call.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

#: Arrays with fewer elements than this are not split (threads would cost more than they save).
MIN_PARALLEL_SIZE = 1 << 20

_pool: ThreadPoolExecutor | None = None
_pool_workers = 0


def num_threads() -> int:
    """Threads used for large arrays: ``DESCENT_NUM_THREADS`` or ``min(os.cpu_count(), 4)``."""
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


def _executor(workers: int) -> ThreadPoolExecutor:
    """One shared pool, grown (replaced) when more workers are asked for than it has."""
    global _pool, _pool_workers
    if _pool is None or _pool_workers < workers:
        if _pool is not None:
            _pool.shutdown(wait=False)
        _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="descent")
        _pool_workers = workers
    return _pool


def result_dtype(*leaves: np.ndarray | None) -> np.dtype:
    """The dtype an elementwise rule on ``leaves`` produces: their promoted floating type."""
    dtype = np.result_type(*(a for a in leaves if a is not None))
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


def elementwise(rule: Callable[..., None], *leaves: np.ndarray | None,
                dtype: np.dtype | None = None) -> np.ndarray:
    """Run ``rule(*leaves, out=out)`` and return ``out``, chunk by chunk in threads if large.

    ``leaves`` are arrays of one shape (``None`` entries are passed through as ``None``);
    ``rule`` must be elementwise and write its result into ``out`` (an array of that
    shape and of ``dtype``, by default :func:`result_dtype` of the leaves).  Chunks are
    contiguous pieces of the flattened arrays, each written straight into its piece of
    ``out``, so splitting costs no extra pass over memory.
    """
    first = leaves[0]
    out = np.empty(first.shape, dtype=result_dtype(*leaves) if dtype is None else dtype)
    threads = num_threads()
    arrays = [a for a in leaves if a is not None]
    if (threads == 1 or first.size < MIN_PARALLEL_SIZE
            or any(a.shape != first.shape or not a.flags.c_contiguous for a in arrays)):
        rule(*leaves, out=out)
        return out
    flat = [None if a is None else a.reshape(-1) for a in leaves]
    flat_out = out.reshape(-1)
    bounds = np.linspace(0, first.size, threads + 1).astype(int)

    def run(i: int) -> None:
        part = slice(bounds[i], bounds[i + 1])
        rule(*(None if a is None else a[part] for a in flat), out=flat_out[part])

    list(_executor(threads).map(run, range(threads)))
    return out
