"""Self-check graders: the reader writes a function, a grader says whether and how it is wrong.

Each topic module defines ``grade_*`` functions; this package re-exports them.  Every
grader returns a :class:`GradeReport` (truthy iff the reader's function passed) that prints
readably and renders in Jupyter.  To write a new grader, call :func:`grade` with a
reference implementation, some cases and the known mistakes (see ``descent/graders/_core.py``).
"""
from ._core import Case, Diagnosis, Failure, GradeReport, format_value, grade, set_time_limit
from .adam import grade_adamw_step, grade_nadam_step
from .adaptive import grade_adadelta_step
from .curvature import grade_bfgs_inverse_update, grade_directional_curvature
from .landscape import grade_clip_by_global_norm, grade_gd_step_bounds
from .minibatch import grade_minibatch_gradient, grade_update_count
from .momentum import grade_heavy_ball_rate, grade_nesterov_step
from .scale import grade_dense_param_count, grade_mlp_param_count
from .schedules import grade_step_decay, grade_warmup_cosine
from .steps import (grade_adagrad_step, grade_adam_step, grade_ema, grade_gd_step,
                    grade_momentum_step, grade_newton_step, grade_rmsprop_step)

__all__ = [
    "Case", "Diagnosis", "Failure", "GradeReport", "format_value", "grade", "set_time_limit",
    "grade_dense_param_count", "grade_mlp_param_count",
    "grade_adadelta_step", "grade_bfgs_inverse_update", "grade_directional_curvature",
    "grade_clip_by_global_norm", "grade_gd_step_bounds", "grade_minibatch_gradient",
    "grade_update_count", "grade_heavy_ball_rate", "grade_nesterov_step", "grade_step_decay",
    "grade_warmup_cosine", "grade_adamw_step", "grade_nadam_step",
    "grade_adagrad_step", "grade_adam_step", "grade_ema", "grade_gd_step",
    "grade_momentum_step", "grade_newton_step", "grade_rmsprop_step",
]
