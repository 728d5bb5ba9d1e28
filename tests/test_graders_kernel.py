"""Inside a Jupyter kernel, a graded function can neither hang the grader nor end the kernel.

The reader's function runs in a thread of the kernel; a runaway loop is stopped after the time
limit, ``sys.exit()`` and ``KeyboardInterrupt`` are reported, nothing reaches stderr, no grader
thread is left behind, and the kernel carries on.
"""
import tempfile

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

CELLS = [
    """import sys, threading, time
import numpy as np
from descent import graders as G
G.set_time_limit(0.5)""",
    """def runaway(x, g, lr):
    while True:
        x = x + 0.0
print(G.grade_gd_step(runaway))""",
    """def leaves(x, g, lr):
    sys.exit(0)
print(G.grade_gd_step(leaves))""",
    """def interrupts(x, g, lr):
    raise KeyboardInterrupt
print(G.grade_gd_step(interrupts))""",
    """time.sleep(0.2)
print("grader threads left:", sum(t.name == "descent-grader-case" for t in threading.enumerate()))
print(G.grade_gd_step(lambda x, g, lr: x - lr * g))""",
]


def test_grader_in_a_kernel_survives_runaway_exit_and_interrupt():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    with tempfile.TemporaryDirectory(prefix="grader-kernel-") as cwd:
        NotebookClient(nb, timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": cwd}}).execute()
    outs = [[o for o in cell.outputs] for cell in nb.cells]
    stderr = [o.get("text", "") for cell in outs for o in cell if o.get("name") == "stderr"]
    assert not stderr, stderr
    text = ["".join(o.get("text", "") for o in cell if o.get("name") == "stdout") for cell in outs]
    assert "❌ failed" in text[1] and "did not return within 0.5 s" in text[1]
    assert "raised SystemExit" in text[2] and "sys.exit()" in text[2]
    assert "raised KeyboardInterrupt" in text[3]
    assert "grader threads left: 0" in text[4] and "✅ passed" in text[4]
