r"""Graders for the counting exercises of Chapter 1 ("How big is a gradient?").

The references are written here again (not imported from :mod:`descent.book.sizing`), so the
graders also cross-check that module.  Answers are integers and are compared exactly.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._core import Case, GradeReport, grade

__all__ = ["grade_dense_param_count", "grade_mlp_param_count"]

_FULL_HD = 1920 * 1080 * 3


def _dense_ref(n_in, n_out):
    return n_in * n_out + n_out


def _mlp_ref(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


_DENSE_CASES = (
    Case((3, 2), label="3 inputs, 2 outputs"),
    Case((1, 1)),
    Case((784, 128), label="an MNIST image into 128 units"),
    Case((10, 1), label="a single neuron"),
    Case((2, 5)),
    Case((_FULL_HD, 1000), label="a 1080p RGB image into 1000 units"),
)

_MLP_CASES = (
    Case(([3, 2],), label="one layer"),
    Case(([784, 128, 10],), label="an MNIST MLP"),
    Case(([2, 4, 4, 1],)),
    Case(([10, 1],), label="a single neuron"),
    Case(([5, 3, 7, 2, 9],)),
)


_DENSE_DIAGNOSES = (
    ("forgot the bias", lambda n_in, n_out: n_in * n_out,
     "you forgot the biases: each of the n_out units also has one bias, so add n_out."),
    ("bias per input", lambda n_in, n_out: n_in * n_out + n_in,
     "there is one bias per *output* unit (n_out of them), not per input."),
    ("bias on both sides", lambda n_in, n_out: (n_in + 1) * (n_out + 1),
     "(n_in + 1)(n_out + 1) also counts a bias for a non-existent extra output; "
     "the layer has (n_in + 1)·n_out parameters."),
    ("added instead of multiplied", lambda n_in, n_out: n_in + n_out,
     "every input connects to every output: the weights number n_in·n_out, not n_in + n_out."),
    ("one bias for the layer", lambda n_in, n_out: n_in * n_out + 1,
     "each output unit has its own bias, so the layer has n_out of them, not one."),
    ("biases counted twice", lambda n_in, n_out: n_in * n_out + 2 * n_out,
     "you counted the biases twice; there is one per output unit: n_in·n_out + n_out."),
)


def grade_dense_param_count(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(n_in, n_out) -> int``, the parameters of a dense layer: :math:`n_{in} n_{out} + n_{out}`.

    A dense layer computes :math:`Wx + b` with :math:`W` of shape
    :math:`n_{out}\times n_{in}` and one bias per *output* unit.

    Reference: Goodfellow et al. (2016), Sec. 6.1.
    """
    return grade(fn, _dense_ref, _DENSE_CASES, rtol=0.0, atol=0.0, name="grade_dense_param_count",
                 diagnoses=_DENSE_DIAGNOSES)


_MLP_DIAGNOSES = (
    ("forgot the biases", lambda sizes: sum(a * b for a, b in zip(sizes[:-1], sizes[1:])),
     "you forgot the biases: each layer adds one bias per output unit."),
    ("bias for the input", lambda sizes: _mlp_ref(sizes) + sizes[0],
     "the input layer has no biases: it is data, not a layer of units."),
    ("first layer only", lambda sizes: _dense_ref(sizes[0], sizes[1]),
     "you counted only the first layer; add n_{l−1}·n_l + n_l for every layer l."),
    ("dropped the last layer", lambda sizes: _mlp_ref(sizes[:-1]) if len(sizes) > 2 else 0,
     "you left out the last layer (an off-by-one in the loop over layers): sizes = [n_0, ..., n_L] "
     "has L = len(sizes) − 1 layers, the pairs zip(sizes[:-1], sizes[1:])."),
    ("no bias on the output layer", lambda sizes: _mlp_ref(sizes) - sizes[-1],
     "the output layer has biases too, one per output unit."),
    ("product of the widths", lambda sizes: int(__import__("math").prod(sizes)),
     "you multiplied all the widths; the weights of consecutive layers add up: "
     "Σ (n_{l−1}·n_l + n_l)."),
    ("bias per input unit", lambda sizes: sum(a * b + a for a, b in zip(sizes[:-1], sizes[1:])),
     "there is one bias per *output* unit of each layer (n_l), not per input (n_{l−1})."),
)


def grade_mlp_param_count(fn: Callable[..., Any]) -> GradeReport:
    r"""Grade ``fn(sizes) -> int``, the parameters of an MLP with layer widths ``sizes``.

    ``sizes = [n_0, ..., n_L]`` (input width first) has
    :math:`\sum_{l=1}^{L} (n_{l-1} n_l + n_l)` parameters.
    """
    return grade(fn, _mlp_ref, _MLP_CASES, rtol=0.0, atol=0.0, name="grade_mlp_param_count",
                 diagnoses=_MLP_DIAGNOSES)
