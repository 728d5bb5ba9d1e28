"""Parameter, memory and FLOP arithmetic of Chapter 1."""
import math

import numpy as np
import pytest

import descent
import descent.book.sizing as S


def test_full_hd_inputs():
    assert S.FULL_HD_RGB_INPUTS == 6_220_800 == 1920 * 1080 * 3


def test_dense_layer_params():
    assert S.dense_layer_params(3, 2) == 8
    assert S.dense_layer_params(3, 2, bias=False) == 6
    assert S.dense_layer_params(784, 128) == 100_480
    big = S.dense_layer_params(S.FULL_HD_RGB_INPUTS, 1000)
    assert big == 6_220_801_000 and isinstance(big, int)
    assert S.dense_layer_params(np.int64(4), np.int32(5)) == 25


def test_mlp_params_sums_consecutive_layers():
    assert S.mlp_params([784, 128, 10]) == 101_770
    assert S.mlp_params([784, 128, 10], bias=False) == 784 * 128 + 128 * 10
    assert S.mlp_params((2, 4, 4, 1)) == (2 * 4 + 4) + (4 * 4 + 4) + (4 + 1)
    assert S.mlp_params([5, 3]) == S.dense_layer_params(5, 3)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: S.dense_layer_params(0, 3), ValueError, "n_in"),
    (lambda: S.dense_layer_params(3, -1), ValueError, "n_out"),
    (lambda: S.dense_layer_params(2.5, 3), TypeError, "n_in"),
    (lambda: S.dense_layer_params(2, 3, bias=1), TypeError, "bias"),
    (lambda: S.mlp_params([3]), ValueError, "sizes"),
    (lambda: S.mlp_params(5), TypeError, "sizes"),
    (lambda: S.mlp_params("784"), TypeError, "sizes"),
    (lambda: S.mlp_params([3, 0, 2]), ValueError, r"sizes\[1\]"),
    (lambda: S.nbytes(-1), ValueError, "count"),
    (lambda: S.nbytes(10, "no-such-type"), TypeError, "dtype"),
    (lambda: S.nbytes(10, object), ValueError, "dtype"),
    (lambda: S.human_bytes(-5), ValueError, "n"),
    (lambda: S.human_bytes(float("nan")), ValueError, "n"),
    (lambda: S.optimizer_state_floats("adam", -3), ValueError, "n"),
    (lambda: S.optimizer_state_floats("lbfgs", 10, history=0), ValueError, "history"),
    (lambda: S.optimizer_state_floats(3, 10), TypeError, "name"),
    (lambda: S.dense_forward_flops(0, [3, 2]), ValueError, "batch"),
    (lambda: S.seconds_for(-1.0, 1e9), ValueError, "flops"),
    (lambda: S.seconds_for(1.0, 0.0), ValueError, "rate"),
    (lambda: S.measure_matmul_flops(n=0), ValueError, "n"),
    (lambda: S.measure_matmul_flops(n=8, dtype=np.int32), ValueError, "dtype"),
])
def test_bad_input_raises_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_unknown_optimizer_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        S.optimizer_state_floats("adamax", 10)
    for name in ("sgd", "adam", "lbfgs", "newton"):
        assert name in str(info.value)


def test_nbytes():
    assert S.nbytes(S.FULL_HD_RGB_INPUTS) == 24_883_200
    assert S.nbytes(10, "float64") == 80
    assert S.nbytes(10, np.float16) == 20
    assert S.nbytes(0) == 0


@pytest.mark.parametrize("n, text", [
    (0, "0 B"), (512, "512 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
    (1024**2 - 1, "1.0 MiB"), (24_883_200, "23.7 MiB"),
    (S.nbytes(S.dense_layer_params(S.FULL_HD_RGB_INPUTS, 1000)), "23.2 GiB"),
    (3 * 1024**4, "3.0 TiB"),
])
def test_human_bytes(n, text):
    assert S.human_bytes(n) == text


def test_human_bytes_digits():
    assert S.human_bytes(1536, digits=2) == "1.50 KiB"
    assert S.human_bytes(1536, digits=0) == "2 KiB"


def test_optimizer_state_floats():
    n = 1000
    expected = {"sgd": 0, "momentum": n, "nesterov": n, "adagrad": n, "rmsprop": n,
                "adadelta": 2 * n, "adam": 2 * n, "adamw": 2 * n, "lbfgs": 2 * 10 * n,
                "newton": n * n, "bfgs": n * n}
    assert set(expected) == set(S.OPTIMIZER_STATE)
    for name, floats in expected.items():
        assert S.optimizer_state_floats(name, n) == floats
    assert S.optimizer_state_floats("L-BFGS", n, history=5) == 2 * 5 * n
    assert S.optimizer_state_floats("AdamW", n) == 2 * n
    # exact for huge n: the Hessian of the 1080p layer
    p = S.dense_layer_params(S.FULL_HD_RGB_INPUTS, 1000)
    assert S.optimizer_state_floats("newton", p) == p * p


def test_optimizer_state_table():
    n = S.mlp_params([784, 128, 10])
    rows = S.optimizer_state_table(n)
    assert [r["name"] for r in rows] == list(S.OPTIMIZER_STATE)
    by = {r["name"]: r for r in rows}
    assert by["adam"]["floats"] == 2 * n and by["adam"]["per_param"] == 2.0
    assert by["adam"]["bytes"] == 8 * n
    assert by["adam"]["human"] == S.human_bytes(8 * n)
    assert by["sgd"]["bytes"] == 0 and by["sgd"]["human"] == "0 B"
    assert by["newton"]["per_param"] == n
    assert "m = 10" in by["lbfgs"]["what"]
    rows64 = S.optimizer_state_table(n, ["sgd", "Adam"], dtype="float64", history=3)
    assert [r["name"] for r in rows64] == ["sgd", "Adam"]
    assert rows64[1]["bytes"] == 16 * n
    with pytest.raises(ValueError, match="known"):
        S.optimizer_state_table(10, ["sgd", "magic"])
    assert math.isnan(S.optimizer_state_table(0, ["adam"])[0]["per_param"])


def test_flops():
    # one layer 3 -> 2, batch 5: 5 * (2*3*2 + 2)
    assert S.dense_forward_flops(5, [3, 2]) == 70
    assert S.dense_forward_flops(5, [3, 2], bias=False) == 60
    assert S.dense_forward_flops(1, [784, 128, 10]) == 2 * 784 * 128 + 128 + 2 * 128 * 10 + 10
    assert S.gradient_flops(5, [3, 2]) == 3 * 70
    # a million samples through the MNIST MLP
    assert S.gradient_flops(10**6, [784, 128, 10]) == 3 * 10**6 * S.dense_forward_flops(1, [784, 128, 10])


def test_gradient_flops_without_the_data_gradient():
    # one layer 3 -> 2, batch 5: forward 70, weight gradient 60 + bias 10, no W^T delta
    assert S.gradient_flops(5, [3, 2], data_gradient=False) == 3 * 70 - 2 * 5 * 3 * 2
    full = S.gradient_flops(7, [784, 128, 10])
    assert S.gradient_flops(7, [784, 128, 10], data_gradient=False) == full - 2 * 7 * 784 * 128
    with pytest.raises(TypeError, match="data_gradient"):
        S.gradient_flops(1, [3, 2], data_gradient="no")


def test_forward_flops_match_an_explicit_count():
    """2·n_in·n_out + n_out per sample is what a naive dense layer does."""
    def naive(batch, n_in, n_out):
        ops = 0
        for _ in range(batch):
            for _ in range(n_out):
                ops += n_in          # multiplications
                ops += n_in - 1      # additions inside the dot product
                ops += 1             # + bias
        return ops
    for b, i, o in [(1, 3, 2), (4, 5, 7)]:
        # the naive count has n_in - 1 additions per dot product; we count n_in (bias apart)
        assert S.dense_forward_flops(b, [i, o]) == naive(b, i, o) + b * o


def test_measure_matmul_flops_and_seconds_for():
    rate = S.measure_matmul_flops(n=64, repeats=3)
    assert np.isfinite(rate) and rate > 1e6
    rate64 = S.measure_matmul_flops(n=64, repeats=2, dtype=np.float64, seed=1)
    assert rate64 > 1e6
    assert S.seconds_for(2e9, 1e9) == 2.0
    assert S.seconds_for(0, 1e9) == 0.0
    assert S.seconds_for(10**12, 10**9) == 1000.0


def test_the_scale_transform_is_not_shadowed():
    import descent.book.sizing  # noqa: F401
    from descent.transforms import GradientTransformation
    assert isinstance(descent.scale(-0.5), GradientTransformation)
