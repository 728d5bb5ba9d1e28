"""Self-check graders: the reader writes a function, a grader says whether and how it is wrong.

Each topic module defines ``grade_*`` functions; this package re-exports them.  Every
grader returns a :class:`GradeReport` (truthy iff the reader's function passed) that prints
readably and renders in Jupyter.  To write a new grader, call :func:`grade` with a
reference implementation, some cases and the known mistakes (see :mod:`._core`).
"""
from ._core import Case, Diagnosis, Failure, GradeReport, format_value, grade
from .scale import grade_dense_param_count, grade_mlp_param_count
from .steps import (grade_adagrad_step, grade_adam_step, grade_ema, grade_gd_step,
                    grade_momentum_step, grade_newton_step, grade_rmsprop_step)

__all__ = [
    "Case", "Diagnosis", "Failure", "GradeReport", "format_value", "grade",
    "grade_dense_param_count", "grade_mlp_param_count",
    "grade_adagrad_step", "grade_adam_step", "grade_ema", "grade_gd_step",
    "grade_momentum_step", "grade_newton_step", "grade_rmsprop_step",
]
