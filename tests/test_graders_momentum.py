"""The Chapter 5 graders accept right answers and diagnose typical wrong ones."""
import cmath

import numpy as np
import pytest

from descent import optimizers as O
from descent.graders.momentum import grade_heavy_ball_rate, grade_nesterov_step
from descent.book.momentum_theory import spectral_radius


def nesterov_ok(x, b, g, lr, momentum):
    b = momentum * b + g
    return x - lr * (g + momentum * b), b


def rate_ok(alpha, beta, lam):
    T = 1 + beta - alpha * lam
    d = cmath.sqrt(T * T - 4 * beta)
    return max(abs(T + d), abs(T - d)) / 2


def rate_eig(alpha, beta, lam):
    M = np.array([[1 + beta - alpha * lam, -beta], [1.0, 0.0]])
    return np.max(np.abs(np.linalg.eigvals(M)))


def test_reference_answers_pass():
    for grader, fn in [(grade_nesterov_step, nesterov_ok), (grade_heavy_ball_rate, rate_ok),
                       (grade_heavy_ball_rate, rate_eig),
                       (grade_heavy_ball_rate, lambda a, b, lam: float(spectral_radius(a, b, lam)))]:
        report = grader(fn)
        assert report.passed, str(report)
        assert report.cases_run >= 4 and "✅" in str(report)


def test_package_nesterov_passes():
    def nesterov_pkg(x, b, g, lr, momentum):
        # the package's optimizer, restarted from the given buffer
        opt = O.sgd(lr, momentum=momentum, nesterov=True)
        state = opt.init(x)
        trace_state = state[1]._replace(count=1)
        np.copyto(trace_state.trace, b)
        u, new = opt.update(g, (state[0], trace_state, state[2]), x)
        return x + u, new[1].trace.copy()
    assert grade_nesterov_step(nesterov_pkg)


WRONG = [
    (grade_nesterov_step, lambda x, b, g, lr, mu: (x - lr * (mu * b + g), mu * b + g),
     "heavy ball", "heavy-ball"),
    (grade_nesterov_step, lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + (1 - mu) * g)),
                                                   mu * b + (1 - mu) * g), "ema form", "(1−μ)"),
    (grade_nesterov_step, lambda x, b, g, lr, mu: (x + lr * (g + mu * (mu * b + g)), mu * b + g),
     "uphill", "uphill"),
    (grade_nesterov_step, lambda x, b, g, lr, mu: (x - lr * (g + mu * (mu * b + g)), b),
     "no buffer update", "old buffer"),
    (grade_heavy_ball_rate, lambda a, b, lam: np.sqrt(b), "sqrt(beta) always", "complex"),
    (grade_heavy_ball_rate, lambda a, b, lam: abs(1 - a * lam), "gradient descent", "gradient descent"),
    (grade_heavy_ball_rate,
     lambda a, b, lam: max(abs(1 + b - a * lam + np.sqrt(max((1 + b - a * lam) ** 2 - 4 * b, 0))),
                           abs(1 + b - a * lam - np.sqrt(max((1 + b - a * lam) ** 2 - 4 * b, 0)))) / 2,
     "clipped discriminant", "complex square root"),
    (grade_heavy_ball_rate,
     lambda a, b, lam: max((np.roots([1, -(1 + b - a * lam), b]).real)),
     "real part only", "modulus"),
]


@pytest.mark.parametrize("grader, wrong, diagnosis, word", WRONG,
                         ids=[f"{w[0].__name__}-{w[2]}" for w in WRONG])
def test_wrong_answers_are_diagnosed(grader, wrong, diagnosis, word):
    report = grader(wrong)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)
    assert word in report.hint
    assert str(report).startswith("❌")


def test_crashing_function_is_reported():
    def boom(*args):
        raise RuntimeError("nope")
    for grader in (grade_nesterov_step, grade_heavy_ball_rate):
        report = grader(boom)
        assert not report.passed and "RuntimeError" in str(report)
