"""Large leaves are updated in threads, chunk by chunk, with bit-identical results."""
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


def _run(make, dtype, threads, monkeypatch):
    monkeypatch.setenv("DESCENT_NUM_THREADS", str(threads))
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
def test_threads_give_bit_identical_iterates(name, dtype, monkeypatch):
    one = _run(OPTIMIZERS[name], dtype, 1, monkeypatch)
    many = _run(OPTIMIZERS[name], dtype, 3, monkeypatch)
    assert one.dtype == many.dtype == dtype
    np.testing.assert_array_equal(one, many)


def test_rule_decides_nothing_about_integer_inputs(monkeypatch):
    monkeypatch.setenv("DESCENT_NUM_THREADS", "2")
    g = np.ones(N, dtype=np.int64)
    u, _ = descent.scale(-0.5).update(g, None)
    assert u.dtype == np.float64 and np.all(u == -0.5)


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_bad_thread_count_is_named(value, monkeypatch):
    monkeypatch.setenv("DESCENT_NUM_THREADS", value)
    with pytest.raises(ValueError, match="DESCENT_NUM_THREADS"):
        _parallel.num_threads()
