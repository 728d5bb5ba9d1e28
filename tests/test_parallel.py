"""Large leaves are updated in blocks and threads, with bit-identical results; small ones take a fast path."""
import os

import numpy as np
import pytest

import descent
from descent import _parallel

N = _parallel.MIN_PARALLEL_SIZE + 12_345  # large enough to be split, not a multiple of anything

OPTIMIZERS = {
    "sgd": lambda: descent.sgd(0.01, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adagrad": lambda: descent.adagrad(0.1),
    "rmsprop": lambda: descent.rmsprop(0.01, centered=True, momentum=0.5),
    "rmsprop-tf": lambda: descent.chain(descent.scale_by_rms(0.9, 1e-4, eps_in_sqrt=True), descent.scale(-0.01)),
    "adadelta": lambda: descent.adadelta(weight_decay=0.1),
    "adam": lambda: descent.adam(0.01, amsgrad=True, weight_decay=0.01),
    "adamw": lambda: descent.adamw(0.01),
    "ema-clip": lambda: descent.chain(descent.clip(0.5), descent.ema(0.9, debias_=True), descent.scale(-0.1)),
}


@pytest.fixture
def threads():
    """Set the thread count for one test and restore it afterwards."""
    previous = _parallel.num_threads()
    yield _parallel.set_num_threads
    _parallel.set_num_threads(previous)


def _run(make, dtype, n_threads, set_threads):
    set_threads(n_threads)
    assert _parallel.num_threads() == n_threads
    rng = np.random.default_rng(0)
    x = rng.standard_normal(N).astype(dtype)
    opt = make()
    state = opt.init(x)
    for _ in range(3):
        g = (np.sin(x) + 0.1 * rng.standard_normal(N)).astype(dtype)
        u, state = opt.update(g, state, x)
        x = descent.apply_updates(x, u)
    return x


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threads_and_blocks_give_bit_identical_iterates(name, dtype, threads, monkeypatch):
    one = _run(OPTIMIZERS[name], dtype, 1, threads)
    many = _run(OPTIMIZERS[name], dtype, 3, threads)
    # the whole array in one ufunc call per operation: no blocks, no threads
    monkeypatch.setattr(_parallel, "BLOCK", 10 * N)
    whole = _run(OPTIMIZERS[name], dtype, 1, threads)
    assert one.dtype == many.dtype == whole.dtype == dtype
    np.testing.assert_array_equal(one, many)
    np.testing.assert_array_equal(one, whole)


def test_rule_decides_nothing_about_integer_inputs(threads):
    threads(2)
    g = np.ones(N, dtype=np.int64)
    u, _ = descent.scale(-0.5).update(g, None)
    assert u.dtype == np.float64 and np.all(u == -0.5)


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_bad_thread_count_is_named(value, monkeypatch, threads):
    monkeypatch.setenv("DESCENT_NUM_THREADS", value)
    with pytest.raises(ValueError, match="DESCENT_NUM_THREADS"):
        _parallel.set_num_threads(None)      # the default is read again from the environment


@pytest.mark.parametrize("value", [0, -1, 2.5, "4", True])
def test_bad_set_num_threads_is_named(value, threads):
    with pytest.raises(ValueError, match="n must be a positive integer"):
        _parallel.set_num_threads(value)


def test_thread_count_is_cached_and_env_read_once(monkeypatch, threads):
    monkeypatch.setenv("DESCENT_NUM_THREADS", "3")
    assert threads(None) >= 1 and _parallel.num_threads() == 3
    monkeypatch.setenv("DESCENT_NUM_THREADS", "2")
    assert _parallel.num_threads() == 3          # not re-read on every call
    assert descent.set_num_threads(1) == 3 and descent.num_threads() == 1


def test_small_arrays_never_ask_the_os(monkeypatch):
    """The fast path: no os.cpu_count(), no environment, no thread pool for a 2-D problem."""
    def forbidden(*args, **kwargs):
        raise AssertionError("called on the fast path")

    monkeypatch.setattr(os, "cpu_count", forbidden)
    monkeypatch.setattr(_parallel, "num_threads", forbidden)
    monkeypatch.setattr(_parallel, "_executor", forbidden)
    monkeypatch.setattr(os.environ, "get", forbidden)
    opt = descent.adam(0.1, amsgrad=True)
    x = np.array([1.0, -2.0])
    s = opt.init(x)
    for _ in range(3):
        u, s = opt.update(2 * x, s, x)
        x = descent.apply_updates(x, u)
    assert x.shape == (2,) and np.all(np.isfinite(x))


def test_recycled_arrays_are_never_shared():
    """Large results are reused only once nobody refers to them (not even through a view)."""
    shape, dtype = (_parallel.RECYCLE_SIZE,), np.dtype(np.float64)
    a = _parallel.new_array(shape, dtype)
    b = _parallel.new_array(shape, dtype)
    assert b is not a
    view = a[::2]
    ids = {id(a), id(b)}
    del a
    c = _parallel.new_array(shape, dtype)       # a is still seen through the view, b is held
    assert id(c) not in ids
    del view, b
    d = _parallel.new_array(shape, dtype)       # now both were let go: one comes back
    assert id(d) in ids
    # a run keeps its results apart even though memory is recycled
    x = np.zeros(_parallel.RECYCLE_SIZE * 2)
    opt = descent.sgd(0.1)
    s = opt.init(x)
    us = []
    for k in range(4):
        u, s = opt.update(np.full_like(x, k + 1.0), s, x)
        us.append(u)
    for k, u in enumerate(us):
        assert np.all(u == -0.1 * (k + 1.0))
