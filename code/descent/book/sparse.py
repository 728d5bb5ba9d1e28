r"""A linear-regression problem with sparse features, for AdaGrad's home ground (Chapter 7).

Feature :math:`j` of a sample is non-zero with probability :math:`p_j` (the
``frequencies``); the frequencies span several orders of magnitude, as word-presence
features of text do: a few features occur in almost every sample, many in a handful.

.. math::
   x_{ij} = b_{ij}\,z_{ij},\quad b_{ij}\sim\text{Bernoulli}(p_j),\qquad
   y_i = x_i^\top w^\star + \sigma\,\xi_i,\qquad
   f(w) = \frac{1}{2N}\sum_{i=1}^{N} (x_i^\top w - y_i)^2,

with :math:`z_{ij} = 1` (binary indicators, the default) or a random sign
(``signed=True``).  The empirical minimiser :math:`\hat w` (least squares) is stored, so
the error of each weight after training can be measured against it.

:func:`train_online` runs an optimizer of :mod:`descent.optimizers` (e.g.
:func:`~descent.optimizers.adagrad` or :func:`~descent.optimizers.sgd`) over mini-batches,
for a whole vector of learning rates at once: column :math:`c` of the parameter array is
one run with learning rate :math:`\alpha_c` (:func:`descent.runner.minimize_many` with
per-run hyper-parameters).

Reference: Duchi, Hazan & Singer (2011), Sec. 1.3 (the motivation: rare but informative
features).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _validate as v
from ..runner import minimize_many
from ..transforms import GradientTransformation, chain, scale_by_learning_rate

__all__ = ["SparseRegression", "train_online", "scale_by_column_norm_rss"]


class SparseRegression:
    """A sparse-feature least-squares problem; see the module docstring.

    Parameters
    ----------
    n_samples:
        Number of samples :math:`N`.
    frequencies:
        Probability :math:`p_j \\in (0, 1]` that feature :math:`j` is non-zero, one per feature.
    noise:
        Standard deviation :math:`\\sigma` of the label noise.
    signed:
        Non-zero entries are random signs instead of ones.
    seed:
        Seed of :func:`numpy.random.default_rng` for the data and :math:`w^\\star \\sim \\mathcal N(0, I)`.

    Attributes
    ----------
    X : ndarray (N, n); y : ndarray (N,); w_star, w_hat : ndarray (n,);
    frequencies : ndarray (n,); counts : ndarray (n,) number of samples in which each
    feature is non-zero; dim : int.
    """

    def __init__(self, n_samples: int = 4000, frequencies: Any = None, noise: float = 0.1,
                 signed: bool = False, seed: Any = 0) -> None:
        n_samples = v.positive_int(n_samples, "n_samples")
        if frequencies is None:
            frequencies = np.geomspace(1.0, 0.002, 24)
        p = np.asarray(frequencies, dtype=float)
        if p.ndim != 1 or p.size == 0:
            raise ValueError(f"frequencies must be a non-empty 1-D sequence, got shape {p.shape}")
        if not np.all((p > 0) & (p <= 1)):
            raise ValueError("frequencies must lie in (0, 1]")
        noise = v.nonnegative(noise, "noise")
        rng = np.random.default_rng(seed)
        X = (rng.random((n_samples, p.size)) < p).astype(float)
        if signed:
            X *= rng.choice(np.array([-1.0, 1.0]), size=X.shape)
        w_star = rng.standard_normal(p.size)
        y = X @ w_star + noise * rng.standard_normal(n_samples)
        self.X, self.y, self.w_star, self.frequencies, self.noise = X, y, w_star, p, noise
        self.counts = np.count_nonzero(X, axis=0)
        self.w_hat = np.linalg.lstsq(X, y, rcond=None)[0]

    @property
    def dim(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    def f(self, w: Any) -> np.ndarray:
        r"""Loss :math:`\frac{1}{2N}\lVert Xw - y\rVert^2` for ``w`` of shape ``(n,)`` or ``(n, B)``.

        A diverged column (huge or non-finite weights) gets ``inf`` or ``nan`` without a warning.
        """
        w = np.asarray(w, dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):
            r = self.X @ w - (self.y if w.ndim == 1 else self.y[:, None])
            return 0.5 * np.mean(r * r, axis=0)

    def grad(self, w: Any, rows: Any = None) -> np.ndarray:
        r"""Gradient of the loss over the samples ``rows`` (all if ``None``): :math:`X_b^\top(X_b w - y_b)/|b|`."""
        w = np.asarray(w, dtype=float)
        X = self.X if rows is None else self.X[rows]
        y = self.y if rows is None else self.y[rows]
        r = X @ w - (y if w.ndim == 1 else y[:, None])
        return X.T @ r / X.shape[0]


def train_online(optimizer: Callable[..., GradientTransformation] | GradientTransformation,
                 problem: SparseRegression, lrs: Any, *, epochs: int = 1, batch_size: int = 1,
                 seed: Any = 0) -> np.ndarray:
    r"""Train from :math:`w = 0` with every learning rate in ``lrs`` at once; return ``W`` ``(n, len(lrs))``.

    ``optimizer`` is either an optimizer factory of :mod:`descent.optimizers` such as
    :func:`~descent.optimizers.sgd` or :func:`~descent.optimizers.adagrad` (or a
    :func:`functools.partial` of one) — column :math:`c` of ``W`` is then the run with
    ``optimizer(lr=lrs[c])`` — or a *scale* transformation that leaves the learning rate
    out (:func:`~descent.transforms.scale_by_rss` for AdaGrad,
    :func:`~descent.transforms.identity` for SGD, :func:`scale_by_column_norm_rss`), and
    column :math:`c` takes the steps :math:`W_{:,c} \leftarrow W_{:,c} - \alpha_c U_{:,c}`.
    Each step draws the next mini-batch of a fresh random
    permutation per epoch (the same for every learning rate) and takes one step on
    :math:`\nabla f_b(W)`; all runs are one :func:`~descent.runner.minimize_many` batch
    with per-run learning rates.  A diverged column (overflow, or beyond the runner's
    ``escape_radius``) is returned as NaN, without a warning.
    """
    if isinstance(optimizer, GradientTransformation):
        transform = optimizer

        def optimizer(lr):                      # u = -lr * T(g): lr is the last factor
            return chain(transform, scale_by_learning_rate(lr))

        optimizer.lr_is_last_factor = True
    elif not callable(optimizer):
        raise TypeError("optimizer must be an optimizer factory such as descent.optimizers.adagrad "
                        "(called with lr=...) or a scale transformation such as "
                        f"descent.transforms.scale_by_rss(), got {type(optimizer).__name__}")
    lrs = np.atleast_1d(np.asarray(lrs, dtype=float))
    if lrs.ndim != 1 or not np.all(np.isfinite(lrs)) or np.any(lrs < 0):
        raise ValueError("lrs must be a 1-D sequence of non-negative learning rates")
    epochs = v.positive_int(epochs, "epochs")
    batch_size = v.positive_int(batch_size, "batch_size")
    rng = np.random.default_rng(seed)
    N = problem.n_samples
    batches = [order[start:start + batch_size]
               for order in (rng.permutation(N) for _ in range(epochs))
               for start in range(0, N, batch_size)]
    calls = iter(batches)

    def minibatch_grad(W):            # the runner's k-th call is at W_k: step k + 1 uses batch k
        return problem.grad(W, next(calls, None))   # the final call (no step follows): all samples

    with np.errstate(over="ignore", invalid="ignore"):
        run = minimize_many(optimizer, minibatch_grad, np.zeros(problem.dim), len(batches),
                            hyperparams={"lr": lrs}, keep_iterates=False)
    W = run.final.T.copy()
    W[:, run.diverged] = np.nan
    return W


def scale_by_column_norm_rss(eps: float = 1e-10) -> GradientTransformation:
    r"""AdaGrad-norm (Ward, Wu & Bottou 2019) for :func:`train_online`: one accumulator per run.

    .. math:: b_k^2 = b_{k-1}^2 + \lVert g_k\rVert^2,\qquad u_k = \frac{g_k}{b_k + \epsilon},

    a *scalar* AdaGrad: the step shrinks like AdaGrad's, but every coordinate gets the same
    effective learning rate.  In :func:`train_online` each column of the parameter array is
    one run, so the norm is taken column by column (over axis 0); the transformation
    expects that 2-D array.
    """
    eps = v.nonnegative(eps, "eps")

    def init(params):
        params = np.asarray(params, dtype=float)
        if params.ndim != 2:
            raise ValueError(f"params must be the 2-D (dim, runs) array of train_online, got shape {params.shape}")
        return np.zeros(params.shape[1])

    def update(grads, state, params=None):
        grads = np.asarray(grads, dtype=float)
        if grads.ndim != 2 or grads.shape[1] != state.shape[0]:
            raise ValueError(f"grads must have shape (dim, {state.shape[0]}), got {grads.shape}")
        state = state + np.sum(grads * grads, axis=0)
        return grads / (np.sqrt(state) + eps), state

    return GradientTransformation(init, update)
