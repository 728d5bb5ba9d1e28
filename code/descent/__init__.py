"""descent — gradient descent and its descendants, the code of the book *Learning from Mistakes*.

The core, importable with NumPy alone:

* :mod:`descent.transforms` — composable gradient transformations (``init``/``update``,
  :func:`~descent.transforms.chain`), optax style;
* :mod:`descent.optimizers` — the named optimizers, with ``torch.optim``'s names, defaults
  and update rules, each a chain of transforms;
* :mod:`descent.schedules` — learning-rate schedules ``k -> lr`` (also importable from
  the top level, ``descent.cosine_decay``, as in optax);
* :mod:`descent.landscapes` — test problems with analytic value, gradient and Hessian;
* :mod:`descent.runner` — run a transformation on a problem (one start or many at once);
* :mod:`descent.second_order` and :mod:`descent.line_search` — Newton, DFP, BFGS, L-BFGS;
* :mod:`descent.trajectory` — what a run returns.

The book's chapter experiments live in :mod:`descent.book` (one module per topic; they
need the ``book`` extra: Matplotlib, SymPy, SciPy, scikit-learn), and the self-check
exercises in :mod:`descent.graders`.
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
from ._parallel import num_threads, set_num_threads
from ._tree import TreeDef, ravel_tree, tree_flatten, tree_leaves, tree_map, tree_unflatten
from .optimizers import adadelta, adagrad, adam, adamw, rmsprop, sgd
from .runner import BatchTrajectory, minimize, minimize_many
from .schedules import (
    constant,
    cosine_decay,
    exponential_decay,
    inverse_time_decay,
    linear_warmup,
    piecewise_constant,
    step_decay,
)
from .second_order import bfgs, dfp, lbfgs, newton
from .trajectory import Trajectory
from .transforms import (
    GradientTransformation,
    StaleStateError,
    add_decayed_weights,
    apply_updates,
    chain,
    clip,
    clip_by_global_norm,
    ema,
    global_norm,
    identity,
    inject_hyperparams,
    masked,
    multi_transform,
    scale,
    scale_by_adadelta,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    scale_by_rss,
    scale_by_schedule,
    trace,
    update_and_apply,
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
    "StaleStateError", "inject_hyperparams", "masked", "multi_transform", "update_and_apply",
    "constant", "cosine_decay", "exponential_decay", "inverse_time_decay", "linear_warmup",
    "piecewise_constant", "step_decay",
    "TreeDef", "ravel_tree", "tree_flatten", "tree_leaves", "tree_map", "tree_unflatten",
    "num_threads", "set_num_threads",
]
