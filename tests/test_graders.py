"""The graders accept right answers, reject wrong ones with the right diagnosis, never crash."""
import numpy as np
import pytest

from descent import graders as G
from descent import transforms as T

# ---------------------------------------------------------------------------
# Correct answers, written the way a reader would
# ---------------------------------------------------------------------------


def gd_ok(x, g, lr):
    return x - lr * g


def momentum_ok(x, v, g, lr, momentum):
    v = momentum * v + g
    return x - lr * v, v


def ema_ok(values, beta):
    out, v = [], 0.0
    for x in values:
        v = beta * v + (1 - beta) * x
        out.append(v)
    return np.array(out)


def adagrad_ok(x, r, g, lr, eps):
    r = r + g**2
    return x - lr * g / (np.sqrt(r) + eps), r


def rmsprop_ok(x, s, g, lr, alpha, eps):
    s = alpha * s + (1 - alpha) * g**2
    return x - lr * g / (np.sqrt(s) + eps), s


def adam_ok(x, m, v, g, t, lr, b1, b2, eps):
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g**2
    m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
    return x - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def newton_ok(g, H):
    return -np.linalg.solve(H, g)


def test_reference_answers_pass():
    for grader, fn in [(G.grade_gd_step, gd_ok), (G.grade_momentum_step, momentum_ok),
                       (G.grade_ema, ema_ok), (G.grade_adagrad_step, adagrad_ok),
                       (G.grade_rmsprop_step, rmsprop_ok), (G.grade_adam_step, adam_ok),
                       (G.grade_newton_step, newton_ok),
                       (G.grade_dense_param_count, lambda n_in, n_out: n_in * n_out + n_out),
                       (G.grade_mlp_param_count,
                        lambda sizes: sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])))]:
        report = grader(fn)
        assert report.passed, str(report)
        assert bool(report) and report.cases_run >= 4
        assert report.failure is None and report.hint is None
        assert "✅" in str(report) and "passed" in report.messages[0]


def test_newton_with_explicit_inverse_passes_and_in_place_updates_are_reported():
    assert G.grade_newton_step(lambda g, H: -np.linalg.inv(H) @ g)

    def gd_in_place(x, g, lr):
        x -= lr * g          # right values, but it changes the caller's array
        return x
    report = G.grade_gd_step(gd_in_place)
    assert not report and "the values are right" in report.messages[0]
    assert "changed its input `x` in place" in report.messages[0]
    assert G.grade_gd_step(gd_ok)       # and the cases were not corrupted


# ---------------------------------------------------------------------------
# The package's own transforms pass the graders (an independent cross-check)
# ---------------------------------------------------------------------------


def test_descent_transforms_pass_the_graders():
    def momentum_t(x, v, g, lr, momentum):
        tr = T.trace(momentum)
        u, state = tr.update(g, T.TraceState(1, v.copy()))
        return x - lr * u, state.trace

    def ema_t(values, beta):
        e = T.ema(beta)
        state = e.init(np.zeros(1))
        out = []
        for x in values:
            u, state = e.update(np.array([x]), state)
            out.append(u[0])
        return np.array(out)

    def adagrad_t(x, r, g, lr, eps):
        t = T.scale_by_rss(eps=eps)
        u, state = t.update(g, T.RssState(r.copy()))
        return x - lr * u, state.sum_of_squares

    def rmsprop_t(x, s, g, lr, alpha, eps):
        t = T.scale_by_rms(alpha, eps)
        u, state = t.update(g, T.RmsState(s.copy(), None))
        return x - lr * u, state.mean_square

    def adam_t(x, m, v, g, t, lr, b1, b2, eps):
        a = T.scale_by_adam(b1, b2, eps)
        u, state = a.update(g, T.AdamState(t - 1, m.copy(), v.copy(), None))
        return x - lr * u, state.mu, state.nu

    for grader, fn in [(G.grade_momentum_step, momentum_t), (G.grade_ema, ema_t),
                       (G.grade_adagrad_step, adagrad_t), (G.grade_rmsprop_step, rmsprop_t),
                       (G.grade_adam_step, adam_t)]:
        report = grader(fn)
        assert report.passed, str(report)


# ---------------------------------------------------------------------------
# Typical wrong answers get the right diagnosis
# ---------------------------------------------------------------------------

def _adam(*, shift=0, correct=True, sqrt=True, swap=False, hat_state=False, eps_in=False):
    def fn(x, m, v, g, t, lr, b1, b2, eps):
        if swap:
            b1, b2 = b2, b1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        if swap:
            b1, b2 = b2, b1
        tt = t + shift
        m_hat = m / (1 - b1**tt) if correct else m
        v_hat = v / (1 - b2**tt) if correct else v
        denom = np.sqrt(v_hat + eps) if eps_in else (np.sqrt(v_hat) if sqrt else v_hat) + eps
        x = x - lr * m_hat / denom
        return (x, m_hat, v_hat) if hat_state else (x, m, v)
    return fn


WRONG = [
    (G.grade_gd_step, lambda x, g, lr: x + lr * g, "uphill", "against"),
    (G.grade_gd_step, lambda x, g, lr: x - g, "no learning rate", "learning rate"),
    (G.grade_momentum_step,
     lambda x, v, g, lr, mu: (x - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g),
     "ema form", "(1−μ)"),
    (G.grade_momentum_step, lambda x, v, g, lr, mu: (x + mu * v - lr * g, mu * v - lr * g),
     "goodfellow form", "Goodfellow"),
    (G.grade_momentum_step, lambda x, v, g, lr, mu: (x - lr * v, mu * v + g), "old buffer", "old buffer"),
    (G.grade_ema, lambda xs, b: np.array([sum(b**(k - i) * xs[i] for i in range(k + 1))
                                          for k in range(len(xs))]), "no (1-beta)", "(1−β)"),
    (G.grade_ema, lambda xs, b: ema_ok(xs, 1 - b), "swapped beta", "swapped"),
    (G.grade_ema, lambda xs, b: ema_ok(xs, b) / (1 - b ** np.arange(1, len(xs) + 1)),
     "bias corrected", "bias-corrected"),
    (G.grade_ema, lambda xs, b: np.concatenate([[0.0], ema_ok(xs, b)]), "included v0", "v₀"),
    (G.grade_adagrad_step, lambda x, r, g, lr, eps: (x - lr * g / (r + g * g + eps), r + g * g),
     "no square root", "square root"),
    (G.grade_adagrad_step,
     lambda x, r, g, lr, eps: (x - lr * g / np.sqrt(r + g * g + eps), r + g * g),
     "eps inside the root", "outside"),
    (G.grade_adagrad_step, lambda x, r, g, lr, eps: (x - lr * g / (np.sqrt(r) + eps), r + g * g),
     "old accumulator", "new"),
    (G.grade_rmsprop_step,
     lambda x, s, g, lr, a, eps: (x - lr * g / np.sqrt(a * s + (1 - a) * g * g + eps),
                                  a * s + (1 - a) * g * g),
     "eps inside the root", "PyTorch"),
    (G.grade_rmsprop_step,
     lambda x, s, g, lr, a, eps: (x - lr * g / (np.sqrt((1 - a) * s + a * g * g) + eps),
                                  (1 - a) * s + a * g * g),
     "swapped alpha", "swapped"),
    (G.grade_rmsprop_step,
     lambda x, s, g, lr, a, eps: (x - lr * g / (np.sqrt(s + g * g) + eps), s + g * g),
     "sum, not average", "AdaGrad"),
    (G.grade_adam_step, _adam(correct=False), "no bias correction", "bias correction"),
    (G.grade_adam_step, _adam(shift=-1), "t - 1", "t−1"),
    (G.grade_adam_step, _adam(shift=1), "t + 1", "t+1"),
    (G.grade_adam_step, _adam(sqrt=False), "no square root", "square root"),
    (G.grade_adam_step, _adam(swap=True), "swapped betas", "swapped"),
    (G.grade_adam_step, _adam(hat_state=True), "returned corrected moments", "raw"),
    (G.grade_adam_step, _adam(eps_in=True), "eps inside the root", "outside"),
    (G.grade_newton_step, lambda g, H: np.linalg.solve(H, g), "plus sign", "sign"),
    (G.grade_newton_step, lambda g, H: -g / np.diag(H), "diagonal only", "diagonal"),
    (G.grade_newton_step, lambda g, H: -g, "gradient step", "gradient step"),
    (G.grade_newton_step, lambda g, H: -H @ g, "multiplied by H", "multiplied"),
    (G.grade_dense_param_count, lambda n_in, n_out: n_in * n_out, "forgot the bias", "biases"),
    (G.grade_dense_param_count, lambda n_in, n_out: n_in * n_out + n_in, "bias per input", "output"),
    (G.grade_mlp_param_count, lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])),
     "forgot the biases", "biases"),
]


@pytest.mark.parametrize("grader, wrong, diagnosis, word", WRONG,
                         ids=[f"{w[0].__name__}-{w[2]}" for w in WRONG])
def test_wrong_answers_are_diagnosed(grader, wrong, diagnosis, word):
    report = grader(wrong)
    assert not report.passed
    assert not report
    assert report.diagnosis == diagnosis, str(report)
    assert word in report.hint
    assert any(m.startswith("hint:") and word in m for m in report.messages)
    text = str(report)
    assert text.startswith("❌") and "expected:" in text and "got:" in text and "inputs:" in text


def test_wrong_answer_without_known_diagnosis_still_fails_clearly():
    report = G.grade_gd_step(lambda x, g, lr: x - 0.5 * lr * g)
    assert not report.passed and report.diagnosis is None and report.hint is None
    assert "wrong value" in report.messages[0]
    assert report.failure.index == 1 and report.failure.inputs["lr"] == 0.1


def test_adam_off_by_one_at_t_equal_one_is_diagnosed_even_with_nan():
    report = G.grade_adam_step(_adam(shift=-1))
    assert "non-finite" in report.messages[0]       # t = 1 divides by 1 - b1^0 = 0
    assert any("RuntimeWarning" in w for w in report.warnings)


# ---------------------------------------------------------------------------
# Robustness: exceptions, None, shapes, types, order
# ---------------------------------------------------------------------------

def test_user_exception_is_reported_not_raised():
    def boom(x, g, lr):
        raise ZeroDivisionError("my bad")
    report = G.grade_gd_step(boom)
    assert not report.passed
    assert "raised ZeroDivisionError: my bad" in report.messages[0]
    assert report.failure.got is None and "got:      —" in str(report)


def test_user_exception_on_some_cases_only():
    def picky(x, g, lr):
        if x.ndim > 1:
            raise ValueError("only vectors")
        return x - lr * g
    report = G.grade_gd_step(picky)
    assert not report.passed and "only vectors" in report.messages[0]
    assert "matrix" in report.messages[0]           # the case label is shown


def test_missing_return_wrong_shape_and_wrong_type():
    r = G.grade_gd_step(lambda x, g, lr: None)
    assert "forget a `return`" in r.messages[0]
    r = G.grade_gd_step(lambda x, g, lr: (x - lr * g)[None])
    assert "shape (1, 2)" in r.messages[0] and "shape (2,)" in r.messages[0]
    r = G.grade_gd_step(lambda x, g, lr: "x - lr*g")
    assert "expected a number or a NumPy array" in r.messages[0]
    r = G.grade_momentum_step(lambda x, v, g, lr, mu: x - lr * g)
    assert "expected a tuple of 2 values (x, v)" in r.messages[0]
    r = G.grade_newton_step(lambda g, H: (newton_ok(g, H), 0))
    assert "expected a single array" in r.messages[0]
    r = G.grade_dense_param_count(lambda a, b: [a * b + b])
    assert "returned a list of 1 value, expected a single number" in r.messages[0]
    r = G.grade_dense_param_count(lambda a, b: np.array([a * b + b]))
    assert "returned an array of shape (1,), expected a single number" in r.messages[0]


def test_one_wrong_component_is_named():
    r = G.grade_adagrad_step(lambda x, r, g, lr, eps: (adagrad_ok(x, r, g, lr, eps)[0], r))
    assert r.messages[0].count("r:") == 1 and "(x is right)" in r.messages[0]


def test_outputs_in_the_wrong_order_are_diagnosed():
    report = G.grade_adam_step(lambda *a: tuple(reversed(adam_ok(*a))))
    assert report.diagnosis == "wrong order"
    assert "(v, m, x)" in report.hint and "(x, m, v)" in report.hint


def test_lists_and_float32_are_accepted_within_tolerance():
    assert G.grade_newton_step(lambda g, H: list(newton_ok(g, H)))
    assert G.grade_gd_step(lambda x, g, lr: (x.astype(np.float32) - np.float32(lr) * g.astype(np.float32)))


def test_warnings_from_a_passing_function_are_noted():
    def noisy(x, g, lr):
        import warnings
        warnings.warn("careful", UserWarning)
        return x - lr * g
    report = G.grade_gd_step(noisy)
    assert report.passed and any("careful" in m for m in report.messages)


def test_non_callable_is_a_type_error():
    with pytest.raises(TypeError, match="user_fn"):
        G.grade_gd_step(42)


# ---------------------------------------------------------------------------
# The generic grade()
# ---------------------------------------------------------------------------

def test_generic_grade_with_kwargs_cases_and_custom_diagnoses():
    def ref(a, b=1.0):
        return a * b

    cases = [{"a": 2.0, "b": 3.0}, G.Case((4.0,), {"b": 0.5}, "half"), (1.5,)]
    ok = G.grade(lambda a, b=1.0: b * a, ref, cases, name="times")
    assert ok.passed and ok.cases_run == 3 and ok.name == "times"
    bad = G.grade(lambda a, b=1.0: a + b, ref, cases,
                  diagnoses=[("added", lambda a, b=1.0: a + b, "multiply, don't add"),
                             G.Diagnosis("never", lambda a, b=1.0: 0.0, "unused")])
    assert not bad.passed and bad.diagnosis == "added" and bad.hint == "multiply, don't add"
    assert bad.failure.inputs == {"a": 2.0, "b": 3.0}


def test_generic_grade_diagnosis_must_match_every_case():
    def ref(a):
        return 2 * a

    # matches the wrong variant on the first case only -> no diagnosis
    report = G.grade(lambda a: 3 * a if a == 1 else -a, ref, [(1,), (2,)], rtol=0, atol=0,
                     diagnoses=[("triple", lambda a: 3 * a, "you tripled")])
    assert report.diagnosis is None
    # a diagnosis that crashes is ignored, not propagated
    report = G.grade(lambda a: 3 * a, ref, [(1,), (2,)],
                     diagnoses=[("broken", lambda a: 1 / 0, "x"), ("triple", lambda a: 3 * a, "t")])
    assert report.diagnosis == "triple"


def test_generic_grade_validates_its_own_arguments():
    with pytest.raises(ValueError, match="cases"):
        G.grade(abs, abs, [])
    with pytest.raises(TypeError, match="cases\\[0\\]"):
        G.grade(abs, abs, [3])
    with pytest.raises(TypeError, match="diagnoses\\[0\\]"):
        G.grade(abs, abs, [(1,)], diagnoses=[("x", "not callable")])
    with pytest.raises(TypeError, match="reference_fn"):
        G.grade(abs, None, [(1,)])
    with pytest.raises(ValueError, match="rtol"):
        G.grade(abs, abs, [(1,)], rtol=-1)


def test_report_renders_as_markdown_and_html():
    good = G.grade_gd_step(gd_ok)
    assert good._repr_markdown_().startswith("**✅ passed — `grade_gd_step`**")
    assert str(good).startswith("✅ passed — grade_gd_step: all")
    assert "✅ passed" in good._repr_html_() and "<pre>" not in good._repr_html_()
    assert 'role="status"' in good._repr_html_() and 'aria-label="grade_gd_step passed"' in good._repr_html_()
    bad = G.grade_adam_step(_adam(correct=False))
    md = bad._repr_markdown_()
    assert md.startswith("**❌") and "```text" in md and "hint:" in md and "expected:" in md
    page = bad._repr_html_()
    assert "❌ failed" in page and "<pre>" in page and "hint:" in page
    assert str(bad).startswith("❌ failed — grade_adam_step: case")
    # user-controlled text is escaped in HTML
    def raiser(a):
        raise ValueError("<b>")
    page = G.grade(raiser, abs, [(1,)])._repr_html_()
    assert "ValueError: &lt;b&gt;" in page and "ValueError: <b>" not in page


def test_format_value():
    assert G.format_value(0.1234567891) == "0.123457"
    assert G.format_value(np.arange(100.0)).count("...") == 1
    assert G.format_value((1, np.array([1.0, 2.0]))) == "(1, [1., 2.])"
    assert G.format_value(np.int64(3)) == "3"


def _all_diagnoses():
    from descent.graders import scale as gs
    from descent.graders import steps as st
    table = [(G.grade_gd_step, st._GD_DIAGNOSES), (G.grade_momentum_step, st._MOMENTUM_DIAGNOSES),
             (G.grade_ema, st._EMA_DIAGNOSES), (G.grade_adagrad_step, st._ADAGRAD_DIAGNOSES),
             (G.grade_rmsprop_step, st._RMSPROP_DIAGNOSES), (G.grade_adam_step, st._ADAM_DIAGNOSES),
             (G.grade_newton_step, st._NEWTON_DIAGNOSES),
             (G.grade_dense_param_count, gs._DENSE_DIAGNOSES),
             (G.grade_mlp_param_count, gs._MLP_DIAGNOSES)]
    return [(grader, d) for grader, ds in table for d in ds]


@pytest.mark.parametrize("grader, diagnosis", _all_diagnoses(),
                         ids=[f"{g.__name__}-{d[0]}" for g, d in _all_diagnoses()])
def test_every_known_mistake_is_recognised_as_itself(grader, diagnosis):
    """No diagnosis is shadowed by an earlier one, and each differs from the right answer."""
    name, wrong_fn, hint = diagnosis
    report = grader(wrong_fn)
    assert not report.passed
    assert report.diagnosis == name, str(report)
    assert report.hint == hint


# ---------------------------------------------------------------------------
# The graded code cannot hang or kill the grader
# ---------------------------------------------------------------------------

def test_a_runaway_loop_is_stopped_and_reported(monkeypatch):
    import threading
    import time

    from descent.graders import _core
    monkeypatch.setattr(_core, "DEFAULT_TIMEOUT", 0.3)

    def runaway(x, g, lr):
        k = 0
        while k < 10:          # the counter never changes
            x = x - lr * g
        return x

    start = time.perf_counter()
    report = G.grade_gd_step(runaway)
    assert time.perf_counter() - start < 5.0
    assert not report and report.failure.index == 1 and not report.failure.returned
    assert "did not return within 0.3 s" in report.messages[0]
    assert "not run" in report.messages[1]          # the other cases are skipped
    assert "got:      — (nothing returned)" in str(report)
    time.sleep(0.05)
    assert not any(t.name == "descent-grader-case" for t in threading.enumerate())
    assert G.grade_gd_step(gd_ok)                    # the grader still works afterwards


def test_a_function_stuck_in_one_long_call_is_abandoned_and_said_so():
    import time
    report = G.grade(lambda a: time.sleep(2.0) or a, abs, [(1.0,)], timeout=0.2)
    assert not report and "did not return within 0.2 s" in report.messages[0]
    assert "still running in the background" in report.messages[0]


def test_a_slow_but_finishing_function_within_the_limit_passes():
    import time
    assert G.grade(lambda a: time.sleep(0.05) or abs(a), abs, [(1.0,), (-2.0,)], timeout=2.0)


@pytest.mark.parametrize("exc, words", [(SystemExit(3), "sys.exit()"), (KeyboardInterrupt(), "KeyboardInterrupt"),
                                        (GeneratorExit(), "GeneratorExit")])
def test_exit_and_interrupt_from_the_graded_code_are_reported_not_propagated(exc, words):
    def leaves(x, g, lr):
        raise exc
    report = G.grade_gd_step(leaves)
    assert not report and f"raised {type(exc).__name__}" in report.messages[0]
    assert words in report.messages[0]

    def calls_exit(x, g, lr):
        import sys
        sys.exit("bye")
    report = G.grade_gd_step(calls_exit)
    assert not report and "raised SystemExit: bye" in report.messages[0]


def test_timeout_must_be_positive_and_the_limit_can_be_raised():
    with pytest.raises(ValueError, match="timeout"):
        G.grade(abs, abs, [(1,)], timeout=0)
    import time

    from descent.graders import _core
    previous = G.set_time_limit(0.2)
    try:
        report = G.grade(lambda a: time.sleep(0.5) or abs(a), abs, [(1.0,)])
        assert not report and "set_time_limit" in report.messages[0]
        G.set_time_limit(5.0)
        assert _core.DEFAULT_TIMEOUT == 5.0
        assert G.grade(lambda a: time.sleep(0.5) or abs(a), abs, [(1.0,)])
        with pytest.raises(ValueError, match="seconds"):
            G.set_time_limit(-1)
    finally:
        G.set_time_limit(previous)


def test_mutating_an_input_fails_or_is_noted():
    def ema_overwrites(values, beta):
        avg = 0.0
        for k in range(len(values)):
            avg = beta * avg + (1 - beta) * values[k]
            values[k] = avg                 # overwrites the caller's data
        return values
    report = G.grade_ema(ema_overwrites)
    assert not report and "changed its input `values` in place" in report.messages[0]

    def adam_in_place(x, m, v, g, t, lr, b1, b2, eps):
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        return x - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps), m, v
    report = G.grade_adam_step(adam_in_place)
    assert not report and "`m` and `v` in place" in report.messages[0]

    def wrong_and_mutating(x, g, lr):
        x += lr * g
        return x
    report = G.grade_gd_step(wrong_and_mutating)
    assert report.diagnosis == "uphill" and "also, it changed its input `x`" in report.messages[0]

    def in_place(a):
        a[0] = 0.0
        return a
    report = G.grade(in_place, lambda a: np.where(np.arange(a.size) == 0, 0.0, a),
                     [(np.array([1.0, 2.0]),)], allow_mutation=True)
    assert report and "changed its input `a` in place" in report.messages[1]
