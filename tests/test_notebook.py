"""The chapter set-up helpers."""
import matplotlib
import numpy as np

from descent.book import notebook


def test_numpy_scalars_become_python_numbers():
    assert type(notebook.as_python_number(np.float64(0.25))) is float
    assert type(notebook.as_python_number(np.int64(3))) is int
    assert type(notebook.as_python_number(np.float32(0.5))) is float
    fig = object()
    assert notebook.as_python_number(fig) is fig
    assert notebook.as_python_number("text") == "text"


def test_setup_pins_svg_output_and_print_options():
    saved = np.get_printoptions()
    try:
        with matplotlib.rc_context():
            notebook.setup()
            assert matplotlib.rcParams["svg.hashsalt"] == "learning-from-mistakes"
            assert np.get_printoptions()["precision"] == 4
    finally:
        np.set_printoptions(**saved)


def test_markdown_table():
    import pytest

    table = notebook.markdown_table(["a", "b"], [[1, "x"], [2.5, "y"]], align=["---:", "---"])
    assert table.data.splitlines() == ["| a | b |", "| ---: | --- |", "| 1 | x |", "| 2.5 | y |"]
    with pytest.raises(ValueError, match=r"rows\[0\]"):
        notebook.markdown_table(["a", "b"], [[1]])
    with pytest.raises(ValueError, match="align"):
        notebook.markdown_table(["a"], [[1]], align=["---", "---"])


# --- book-style numbers -------------------------------------------------------------------

import pytest  # noqa: E402


@pytest.mark.parametrize("value, sig, expected", [
    (1530, 3, "1,530"),
    (1530.4, 3, "1,530"),
    (1530.4, 2, "1,500"),
    (6.49e20, 2, "6.5 × 10²⁰"),
    (0.08213, 3, "0.0821"),
    (-3.21, 2, "\u22123.2"),
    (1e-8, 2, "1.0 × 10⁻⁸"),
    (2.0e-5, 1, "2 × 10⁻⁵"),
    (999_999, 3, "999,999"),
    (1_234_567, 3, "1.23 × 10⁶"),
    (np.int64(42), 3, "42"),
    (np.float64(0.25), 2, "0.25"),
    (9.996, 3, "10.0"),
    (0.0, 3, "0"),
    (9.9996e5, 3, "1.00 × 10⁶"),   # rounding moves the value across the threshold
])
def test_number_prints_as_a_book_does(value, sig, expected):
    assert notebook.number(value, sig) == expected


def test_number_never_prints_e_notation():
    rng = np.random.default_rng(0)
    for x in 10.0 ** rng.uniform(-30, 30, size=500) * rng.choice([-1, 1], size=500):
        text = notebook.number(float(x), 2)
        assert "e" not in text and "E" not in text, (x, text)


def test_number_unit_and_errors():
    assert notebook.number(1530.2, 3, unit="s") == "1,530\u202fs"
    with pytest.raises(TypeError, match="value"):
        notebook.number("12")
    with pytest.raises(TypeError, match="value"):
        notebook.number(True)
    with pytest.raises(ValueError, match="finite"):
        notebook.number(float("nan"))
    with pytest.raises(ValueError, match="sig"):
        notebook.number(1.0, 0)


# --- claims -------------------------------------------------------------------------------

def test_claim_passes_silently_when_the_evidence_supports_it():
    notebook.claim(2 < 3, "two is less than three")
    notebook.claim(np.array([True, True]), "both runs converge")
    notebook.claim(np.bool_(True), "a NumPy bool")


def test_claim_failure_names_the_sentence_and_the_evidence():
    with pytest.raises(notebook.ClaimError, match=r"'momentum needs fewer steps'.*momentum=120, gd=80"):
        notebook.claim(120 < 80, "momentum needs fewer steps", momentum=120, gd=80)
    with pytest.raises(AssertionError):  # a ClaimError is an AssertionError: the build fails on it
        notebook.claim(np.array([True, False]), "every run converges")


@pytest.mark.parametrize("bad", [None, float("nan"), np.array([]), [object()]])
def test_claim_refuses_a_condition_that_is_not_a_truth_value(bad):
    with pytest.raises(TypeError, match="condition"):
        notebook.claim(bad, "some sentence")


def test_claim_needs_its_sentence():
    with pytest.raises(TypeError, match="sentence"):
        notebook.claim(True, "")
