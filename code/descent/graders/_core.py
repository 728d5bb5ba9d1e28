r"""The generic grading machinery behind every ``grade_*`` function.

A reader writes a function; :func:`grade` runs it and a reference implementation on the
same cases, compares the outputs within a tolerance,

.. math:: |\text{got} - \text{expected}| \le \text{atol} + \text{rtol}\,|\text{expected}|
          \quad\text{(elementwise, as in } \texttt{numpy.allclose}\text{)},

and returns a :class:`GradeReport` that says what is wrong: an exception (with its
text), a missing ``return``, a wrong type or shape, a wrong component of a tuple, or a
wrong value — in which case it tries the *known mistakes* (``diagnoses``) and, if the
reader's output matches one of them on every case, prints its hint.  Nothing the reader's
function does can crash or hang the grader: each case gets fresh deep copies of its inputs
and runs in a separate thread with a time limit (an endless loop is stopped and reported,
"did not return within N s"); every exception, ``SystemExit`` and ``KeyboardInterrupt``
included, is reported and never propagated; a function that changes its inputs in place
fails with a message saying so (the exercises ask for new values).  The verdict is spelled
out in words ("✅ passed", "❌ failed") in every rendering, never shown by colour alone.

Topic modules (``steps.py``, ``scale.py``, ...) only supply a reference, cases and the
diagnoses; this module knows nothing about optimizers.

Reference: the idea of diagnosing *specific* misconceptions rather than only marking an
answer wrong is that of automated feedback in programming education, e.g. Singh, Gulwani &
Solar-Lezama, "Automated feedback generation for introductory programming assignments"
(PLDI 2013).
"""
from __future__ import annotations

import copy
import html
import inspect
import ctypes
import itertools
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .. import _validate as v

__all__ = ["Case", "Diagnosis", "Failure", "GradeReport", "grade", "format_value", "set_time_limit"]


class Case(NamedTuple):
    """Inputs of one test case: positional ``args``, keyword ``kwargs`` and an optional ``label``."""

    args: tuple = ()
    kwargs: Mapping[str, Any] = {}
    label: str = ""


class Diagnosis(NamedTuple):
    """A known mistake: ``wrong_fn`` computes what the mistaken code returns; ``hint`` explains it."""

    name: str
    wrong_fn: Callable[..., Any]
    hint: str


@dataclass
class Failure:
    """The first failing case of a grading run."""

    index: int                      #: 1-based number of the case
    inputs: dict[str, Any]          #: argument name -> value
    expected: Any
    got: Any                        #: the reader's output (None if it raised)
    problem: str                    #: what is wrong, in words
    label: str = ""
    returned: bool = True           #: False if the function raised or did not return in time


@dataclass
class GradeReport:
    """The verdict of a grader.

    ``passed`` is the verdict, ``messages`` the explanation line by line, ``cases_run`` the
    number of cases tried.  On failure, ``failure`` holds the first failing case and
    ``diagnosis``/``hint`` the known mistake the output matches, if any.  A report is truthy
    iff it passed (``assert grade_gd_step(my_step)``), prints readably, and renders as
    Markdown/HTML in Jupyter (✅ or ❌ and the first failing case).
    """

    passed: bool
    messages: list[str]
    cases_run: int
    name: str = "your function"
    failure: Failure | None = None
    diagnosis: str | None = None
    hint: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.passed

    @property
    def verdict(self) -> str:
        """The verdict as an icon *and* a word ("✅ passed", "❌ failed"): never colour or icon alone."""
        return "✅ passed" if self.passed else "❌ failed"

    @property
    def headline(self) -> str:
        return f"{self.verdict} — {self.name}: {self.messages[0] if self.messages else ''}"

    def _details(self) -> list[tuple[str, str]]:
        """(label, text) pairs describing the failing case."""
        if self.failure is None:
            return []
        f = self.failure
        rows = [("inputs", ", ".join(f"{k} = {format_value(x)}" for k, x in f.inputs.items()))]
        rows.append(("expected", format_value(f.expected)))
        rows.append(("got", format_value(f.got) if f.returned else "— (nothing returned)"))
        return rows

    def __str__(self) -> str:
        lines = [self.headline]
        lines += [f"   {m}" for m in self.messages[1:]]
        lines += [f"   {label + ':':<9} {text}" for label, text in self._details()]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        out = [f"**{self.verdict} — `{self.name}`**: {self.messages[0]}"]
        out += [f"- {m}" for m in self.messages[1:]]
        details = self._details()
        if details:
            out.append("")
            out.append("```text")
            out += [f"{label + ':':<9} {text}" for label, text in details]
            out.append("```")
        return "\n".join(out)

    def _repr_html_(self) -> str:
        # The colour bar is decoration only: the verdict is spelled out in words ("passed" /
        # "failed") next to the icon, and the block is a status region for screen readers.
        colour = "#1b7837" if self.passed else "#b2182b"   # colour-blind-safe green / red
        word = "passed" if self.passed else "failed"
        out = [f'<div role="status" aria-label="{html.escape(self.name)} {word}" '
               f'style="border-left: 4px solid {colour}; padding-left: 0.6em">',
               f"<p><strong>{html.escape(self.verdict)} — <code>{html.escape(self.name)}</code></strong>: "
               f"{html.escape(self.messages[0])}</p>"]
        if len(self.messages) > 1:
            out.append("<ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in self.messages[1:]) + "</ul>")
        details = self._details()
        if details:
            body = "\n".join(f"{label + ':':<9} {text}" for label, text in details)
            out.append(f"<pre>{html.escape(body)}</pre>")
        out.append("</div>")
        return "\n".join(out)


# ---------------------------------------------------------------------------
# Formatting and comparison
# ---------------------------------------------------------------------------

def format_value(x: Any, precision: int = 6) -> str:
    """A short readable rendering of an input or output (arrays summarised past 12 entries)."""
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        return "(" + ", ".join(format_value(e, precision) for e in x) + ")"
    if isinstance(x, list):
        return "[" + ", ".join(format_value(e, precision) for e in x) + "]"
    if isinstance(x, np.ndarray):
        with np.printoptions(precision=precision, threshold=12, edgeitems=3, suppress=False):
            text = np.array2string(x, separator=", ")
        return " ".join(text.split())
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.{precision}g}"
    if isinstance(x, (bool, int, np.integer, np.bool_, str)) or x is None:
        return repr(x.item() if isinstance(x, np.generic) else x)
    text = repr(x)
    return text if len(text) <= 80 else text[:77] + "..."


def _describe(x: Any) -> str:
    if x is None:
        return "None"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} value{'' if len(x) == 1 else 's'}"
    return f"a {type(x).__name__}"


def _is_multi(x: Any) -> bool:
    return isinstance(x, (tuple, list)) and not isinstance(x, np.ndarray)


def _as_number_array(x: Any) -> np.ndarray | None:
    try:
        arr = np.asarray(x)
    except Exception:   # noqa: BLE001 - any failure means "not numeric"
        return None
    if arr.dtype.kind not in "biufc":
        return None
    return arr


def _compare_one(got: Any, expected: Any, rtol: float, atol: float, equal_nan: bool) -> str | None:
    """``None`` if ``got`` matches ``expected``, else what is wrong."""
    if got is None:
        return "returned None — did you forget a `return` statement?"
    exp = np.asarray(expected)
    if _is_multi(got) and (exp.ndim == 0 or any(isinstance(e, (np.ndarray, tuple, list)) for e in got)):
        what = "a single number" if exp.ndim == 0 else f"a single array of shape {exp.shape}"
        return f"returned {_describe(got)}, expected {what}"
    arr = _as_number_array(got)
    if arr is None:
        return f"returned {_describe(got)}, expected a number or a NumPy array"
    if arr.shape != exp.shape:
        what = "a single number" if exp.ndim == 0 else f"an array of shape {exp.shape}"
        got = "a single number" if arr.ndim == 0 else f"an array of shape {arr.shape}"
        return f"returned {got}, expected {what}"
    if not equal_nan and np.all(np.isfinite(exp)) and not np.all(np.isfinite(arr)):
        return "returned non-finite values (nan or inf)"
    with np.errstate(all="ignore"):
        ok = np.allclose(arr, exp, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if ok:
        return None
    with np.errstate(all="ignore"):
        err = np.max(np.abs(arr.astype(complex if arr.dtype.kind == "c" else float) - exp))
    return f"wrong value (largest error {err:.3g})"


def _compare(got: Any, expected: Any, rtol: float, atol: float,
             output_names: Sequence[str] | None, equal_nan: bool = False) -> str | None:
    if not _is_multi(expected):
        return _compare_one(got, expected, rtol, atol, equal_nan)
    n = len(expected)
    names = list(output_names) if output_names and len(output_names) == n else \
        [f"output {i + 1}" for i in range(n)]
    if not _is_multi(got) or len(got) != n:
        if isinstance(expected, list):
            return f"returned {_describe(got)}; expected a list of {n} value{'' if n == 1 else 's'}"
        return f"returned {_describe(got)}; expected a tuple of {n} values ({', '.join(names)})"
    problems = [(name, _compare_one(g, e, rtol, atol, equal_nan))
                for name, g, e in zip(names, got, expected)]
    wrong = [(name, p) for name, p in problems if p is not None]
    if not wrong:
        return None
    right = [name for name, p in problems if p is None]
    text = "; ".join(f"{name}: {p}" for name, p in wrong)
    if right:
        text += f" ({', '.join(right)} {'is' if len(right) == 1 else 'are'} right)"
    return text


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------

def _normalise_case(case: Any, i: int) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, Mapping):
        return Case((), dict(case))
    if isinstance(case, tuple):
        return Case(case, {})
    raise TypeError(f"cases[{i}] must be a tuple of arguments, a dict of keyword arguments "
                    f"or a Case, got {type(case).__name__}")


def _normalise_diagnosis(d: Any, i: int) -> Diagnosis:
    if isinstance(d, Diagnosis):
        return d
    if isinstance(d, tuple) and len(d) == 3 and callable(d[1]):
        return Diagnosis(str(d[0]), d[1], str(d[2]))
    raise TypeError(f"diagnoses[{i}] must be a (name, wrong_fn, hint) tuple")


def _call(fn: Callable[..., Any], case: Case) -> Any:
    return fn(*copy.deepcopy(case.args), **copy.deepcopy(dict(case.kwargs)))


def _call_quietly(fn: Callable[..., Any], case: Case) -> Any:
    """Call a known-mistake function; its own warnings and errors are not the reader's."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return _call(fn, case)
        except Exception:   # noqa: BLE001 - a diagnosis that cannot run simply does not match
            return None


#: Seconds one case may take before the reader's function is stopped and reported.
DEFAULT_TIMEOUT = 10.0


def set_time_limit(seconds: float) -> float:
    """Set the seconds each graded case may take (all graders); return the previous limit.

    Raise it for a function that is merely slow, e.g. one that imports a large library the
    first time it runs: ``descent.graders.set_time_limit(60)``.
    """
    global DEFAULT_TIMEOUT
    previous, DEFAULT_TIMEOUT = DEFAULT_TIMEOUT, v.positive(seconds, "seconds")
    return previous


class _Stop(BaseException):
    """Raised inside the reader's thread to stop a function that ran out of time."""


class _Outcome(NamedTuple):
    got: Any
    error: BaseException | None
    warned: list[str]
    mutated: tuple[str, ...] = ()    #: names of the inputs the function changed in place
    timed_out: bool = False
    still_running: bool = False      #: the function could not be stopped (a long C call)


def _same(a: Any, b: Any) -> bool:
    """Whether an input still equals its pristine copy (arrays elementwise, containers recursively)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
            return False
        try:
            return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        except Exception:   # noqa: BLE001 - incomparable contents count as changed
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        return bool(a == b) or (a != a and b != b)   # noqa: PLR0124 - nan equals nan here
    except Exception:   # noqa: BLE001
        return False


def _async_raise(thread: threading.Thread, exc_type: type[BaseException]) -> None:
    """Raise ``exc_type`` inside ``thread`` at its next bytecode (CPython's documented C API)."""
    if thread.ident is not None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident),
                                                   ctypes.py_object(exc_type))


def _run_limited(fn: Callable[..., Any], args: tuple, kwargs: dict, timeout: float):
    """Run ``fn(*args, **kwargs)`` in a daemon thread; return ``(got, error, timed_out, still_running)``.

    Every exception of the reader's code — ``SystemExit`` and ``KeyboardInterrupt`` included —
    is caught inside the thread and returned, never propagated.  A function still running
    after ``timeout`` seconds is stopped by raising :class:`_Stop` in its thread (this
    interrupts any Python-level loop); one stuck inside a single long C call cannot be
    interrupted and is left to finish in the background (the thread is a daemon).  A real
    Ctrl-C / "interrupt kernel" in the grading thread stops the reader's thread and propagates.
    """
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def target() -> None:
        try:
            try:
                box["got"] = fn(*args, **kwargs)
            except _Stop:
                box["stopped"] = True
            except BaseException as exc:   # noqa: BLE001 - report, never propagate
                box["error"] = exc
            finally:
                with lock:
                    box["done"] = True
        except _Stop:   # a stop that arrived while the function was finishing
            box["stopped"] = True

    def stop() -> None:
        with lock:
            if not box.get("done"):
                _async_raise(thread, _Stop)

    thread = threading.Thread(target=target, name="descent-grader-case", daemon=True)
    try:
        thread.start()
        thread.join(timeout)
    except BaseException:
        stop()
        raise
    if not thread.is_alive():
        return box.get("got"), box.get("error"), False, False
    stop()
    thread.join(1.0)
    if box.get("done") and "stopped" not in box:   # finished just at the deadline
        return box.get("got"), box.get("error"), False, False
    return None, None, True, thread.is_alive()


def _call_user(fn: Callable[..., Any], case: Case, names: Sequence[str], timeout: float) -> _Outcome:
    args, kwargs = copy.deepcopy(case.args), copy.deepcopy(dict(case.kwargs))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got, err, timed_out, running = _run_limited(fn, args, kwargs, timeout)
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    mutated: list[str] = []
    if not timed_out:
        for j, (a, orig) in enumerate(zip(args, case.args)):
            if not _same(a, orig):
                mutated.append(names[j] if j < len(names) else f"argument {j + 1}")
        mutated += [k for k in kwargs if not _same(kwargs[k], case.kwargs[k])]
    return _Outcome(got, err, warned, tuple(mutated), timed_out, running)


def _input_names(reference_fn: Callable[..., Any], arg_names: Sequence[str] | None) -> list[str]:
    if arg_names is not None:
        return list(arg_names)
    try:
        return [p.name for p in inspect.signature(reference_fn).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        return []


def _quote(names: Sequence[str]) -> str:
    q = [f"`{n}`" for n in names]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " and " + q[-1]


def _error_text(exc: BaseException) -> str:
    text = f"raised {type(exc).__name__}: {exc}" if str(exc) else f"raised {type(exc).__name__}"
    if isinstance(exc, SystemExit):
        text += (" — it called exit() / sys.exit() (or quit()); a graded function must "
                 "*return* its answer, not end the program")
    elif isinstance(exc, KeyboardInterrupt):
        text += " — it raised KeyboardInterrupt itself; return the answer instead"
    return text


def _timeout_text(o: _Outcome, timeout: float) -> str:
    text = (f"your function did not return within {format_value(timeout, 3)} s — an endless "
            "loop? (check the loop's stopping condition and that its counter changes; if it is "
            "only slow, raise the limit with descent.graders.set_time_limit(seconds))")
    if o.still_running:
        text += ("; it could not be stopped and is still running in the background: "
                 "restart the kernel once you have fixed it")
    return text


def _mutation_text(mutated: Sequence[str]) -> str:
    return (f"it changed its input {_quote(mutated)} in place; the exercise asks for a new "
            f"value, so build a new array (x_new = x - ..., not x -= ...) or copy first — "
            f"a caller that keeps the old value (a trajectory, a list of iterates) would "
            f"see it change")


def grade(user_fn: Callable[..., Any], reference_fn: Callable[..., Any], cases: Iterable[Any], *,
          rtol: float = 1e-6, atol: float = 1e-9,
          diagnoses: Iterable[Any] = (), name: str | None = None,
          output_names: Sequence[str] | None = None,
          arg_names: Sequence[str] | None = None,
          timeout: float | None = None,
          allow_mutation: bool = False) -> GradeReport:
    r"""Grade ``user_fn`` against ``reference_fn`` on ``cases``.

    Parameters
    ----------
    user_fn, reference_fn:
        The reader's function and the reference; both are called with the same arguments.
    cases:
        Each case is a tuple of positional arguments, a dict of keyword arguments, or a
        :class:`Case`.  Every call gets deep copies, so the cases cannot be corrupted.
    rtol, atol:
        Tolerances of the elementwise comparison
        :math:`|\text{got}-\text{expected}| \le \text{atol} + \text{rtol}|\text{expected}|`;
        use ``rtol=0, atol=0`` for exact (integer) answers.
    diagnoses:
        Known mistakes as ``(name, wrong_fn, hint)`` tuples (or :class:`Diagnosis`).  When
        the reader's output is wrong and equals ``wrong_fn``'s output on every case where the
        reader returned something, and the mistake makes a difference on at least one case,
        the report quotes ``hint``.  The first matching diagnosis wins.
    name:
        Name shown in the report (default: the name of ``user_fn``).
    output_names:
        Names of the components when the reference returns a tuple, e.g. ``("x", "v")``.
    arg_names:
        Names of the inputs in the report (default: the reference's parameter names).
    timeout:
        Seconds each case may take (default: this module's ``DEFAULT_TIMEOUT``).  The reader's
        function runs in a separate thread; one that does not return in time is stopped and reported
        ("did not return within N s"), and the remaining cases are not run.
    allow_mutation:
        By default a function that changes one of its inputs in place fails (the exercises
        ask for new values); ``True`` only notes it.

    Returns
    -------
    GradeReport
        Never raises because of ``user_fn``: exceptions (``SystemExit`` and
        ``KeyboardInterrupt`` included), endless loops, warnings, ``None`` results, wrong
        shapes and in-place changes of the inputs are reported.  Bad *grader* arguments
        raise ``TypeError``/``ValueError``.
    """
    if not callable(user_fn):
        raise TypeError(f"user_fn must be a function, got {type(user_fn).__name__}")
    if not callable(reference_fn):
        raise TypeError(f"reference_fn must be a function, got {type(reference_fn).__name__}")
    rtol = v.nonnegative(rtol, "rtol")
    atol = v.nonnegative(atol, "atol")
    timeout = DEFAULT_TIMEOUT if timeout is None else v.positive(timeout, "timeout")
    case_list = [_normalise_case(c, i) for i, c in enumerate(cases)]
    if not case_list:
        raise ValueError("cases must not be empty")
    diag_list = [_normalise_diagnosis(d, i) for i, d in enumerate(diagnoses)]
    title = name or getattr(user_fn, "__name__", "your function")
    names = _input_names(reference_fn, arg_names)

    expected = [_call(reference_fn, c) for c in case_list]
    outcomes: list[_Outcome] = []
    for c in case_list:
        outcomes.append(_call_user(user_fn, c, names, timeout))
        if outcomes[-1].timed_out:
            break
    n = len(case_list)
    problems: list[str | None] = []
    for o, e in zip(outcomes, expected):
        if o.timed_out:
            problems.append(_timeout_text(o, timeout))
        elif o.error is not None:
            problems.append(_error_text(o.error))
        else:
            p = _compare(o.got, e, rtol, atol, output_names)
            if o.mutated and not allow_mutation:
                p = (f"the values are right, but {_mutation_text(o.mutated)}" if p is None
                     else f"{p}; also, {_mutation_text(o.mutated)}")
            problems.append(p)
    warned = sorted({w for o in outcomes for w in o.warned})
    mutated = sorted({m for o in outcomes for m in o.mutated})
    n_failed = sum(p is not None for p in problems)

    if n_failed == 0:
        messages = [f"all {n} cases passed."]
        if mutated:
            messages.append(f"passed, but {_mutation_text(mutated)}.")
        if warned:
            messages.append("passed, but your function emitted warnings: " + "; ".join(warned))
        return GradeReport(True, messages, n, title, warnings=warned)

    first = next(i for i, p in enumerate(problems) if p is not None)
    case = case_list[first]
    o_first = outcomes[first]
    inputs = {(names[j] if j < len(names) else f"arg{j + 1}"): a for j, a in enumerate(case.args)}
    inputs.update(case.kwargs)
    returned = o_first.error is None and not o_first.timed_out
    failure = Failure(first + 1, inputs, expected[first], o_first.got, problems[first], case.label,
                      returned)
    label = f" ({case.label})" if case.label else ""
    stop = "" if problems[first].endswith((".", "?", "!")) else "."
    messages = [f"case {first + 1} of {n}{label} failed — {problems[first]}{stop}"]
    if len(outcomes) < n:
        messages.append(f"the other {n - len(outcomes)} case{'s were' if n - len(outcomes) > 1 else ' was'} "
                        "not run.")
    elif n_failed > 1:
        messages.append(f"{n_failed} of {n} cases failed in all.")

    value_wrong = [i for i, (o, e) in enumerate(zip(outcomes, expected))
                   if o.error is None and not o.timed_out
                   and _compare(o.got, e, rtol, atol, output_names) is not None]
    diagnosis = hint = None
    if value_wrong:
        diagnosis, hint = _diagnose(outcomes, expected, case_list, diag_list, rtol, atol, output_names)
    if hint:
        messages.append(f"hint: {hint}")
    elif o_first.error is not None:
        messages.append("your function raised an exception; the inputs it was called with are below.")
    elif value_wrong and not o_first.timed_out:
        messages.append("no known mistake matches your output; compare your formula with the "
                        f"one in help({title}), term by term, on the inputs below.")
    if warned:
        messages.append("your function emitted warnings: " + "; ".join(warned))
    return GradeReport(False, messages, n, title, failure, diagnosis, hint, warned)


def _diagnose(outcomes: list[_Outcome], expected: list[Any], cases: list[Case],
              diagnoses: list[Diagnosis], rtol: float, atol: float,
              output_names: Sequence[str] | None) -> tuple[str | None, str | None]:
    usable = [i for i, o in enumerate(outcomes) if o.error is None and not o.timed_out]
    if not usable:
        return None, None
    for d in diagnoses:
        wrong = {i: _call_quietly(d.wrong_fn, cases[i]) for i in usable}
        if any(wrong[i] is None for i in usable):
            continue
        matches = all(_compare(outcomes[i].got, wrong[i], rtol, atol, output_names, equal_nan=True)
                      is None for i in usable)
        differs = any(_compare(wrong[i], expected[i], rtol, atol, output_names) is not None
                      for i in usable)
        if matches and differs:
            return d.name, d.hint
    # Generic: the right values in the wrong order.
    if all(_is_multi(expected[i]) for i in usable):
        k = len(expected[usable[0]])
        if 2 <= k <= 4:
            for perm in itertools.permutations(range(k)):
                if perm == tuple(range(k)):
                    continue
                if all(_is_multi(outcomes[i].got) and len(outcomes[i].got) == k
                       and _compare(tuple(outcomes[i].got[p] for p in perm), expected[i], rtol,
                                    atol, output_names) is None for i in usable):
                    names = list(output_names) if output_names and len(output_names) == k else \
                        [f"output {j + 1}" for j in range(k)]
                    order = ", ".join(names[p] for p in _inverse(perm))
                    return "wrong order", (f"the values are right but in the wrong order: you "
                                           f"returned ({order}); return ({', '.join(names)}).")
    return None, None


def _inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return tuple(inv)
