"""descent — gradient descent and its descendants, the code of the book *Learning from Mistakes*.

Optimizers are composable gradient transformations (:mod:`descent.transforms`); the
named ones (:mod:`descent.optimizers`) follow ``torch.optim``'s names, defaults and
update rules.  See the book's API reference for every module.

Heavier modules are imported on demand: ``descent.symbolic`` (SymPy),
``descent.plotting`` (Matplotlib), ``descent.graders``, ``descent.nn``, ``descent.data``,
``descent.sizing``, ``descent.sampling``, ``descent.timing``, ``descent.noisy``.
"""
from . import landscapes, runner, schedules, second_order, transforms
from .landscapes import (
    Beale,
    Booth,
    Cliff,
    Himmelblau,
    IllConditionedQuadratic,
    Landscape,
    MonkeySaddle,
    Plateau,
    Quadratic,
    Rosenbrock,
    Saddle,
)
from .optimizers import adadelta, adagrad, adam, adamw, rmsprop, sgd
from .runner import BatchTrajectory, minimize, minimize_many
from .second_order import bfgs, dfp, lbfgs, newton
from .trajectory import Trajectory
from .transforms import (
    GradientTransformation,
    add_decayed_weights,
    apply_updates,
    chain,
    clip,
    clip_by_global_norm,
    ema,
    global_norm,
    identity,
    scale,
    scale_by_adadelta,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    scale_by_schedule,
    trace,
)

__version__ = "0.1.0"

__all__ = [
    "Beale", "Booth", "Cliff", "Himmelblau", "IllConditionedQuadratic", "Landscape", "MonkeySaddle",
    "Plateau", "Quadratic", "Rosenbrock", "Saddle", "BatchTrajectory", "minimize", "minimize_many",
    "bfgs", "dfp", "lbfgs", "newton", "landscapes", "runner", "second_order",
    "GradientTransformation", "Trajectory", "add_decayed_weights", "adadelta", "adagrad", "adam",
    "adamw", "apply_updates", "chain", "clip", "clip_by_global_norm", "ema", "global_norm",
    "identity", "rmsprop", "scale", "scale_by_adadelta", "scale_by_adam", "scale_by_learning_rate",
    "scale_by_rms", "scale_by_rss", "scale_by_schedule", "schedules", "sgd", "trace", "transforms",
]
