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
