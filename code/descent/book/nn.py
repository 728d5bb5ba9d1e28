r"""Small networks for Chapters 3 and 9: softmax regression and a multi-layer perceptron.

A network with layers :math:`\ell = 1, \dots, L` maps a batch :math:`X` (one sample
per row) to logits

.. math::

   A_0 = X,\qquad Z_\ell = A_{\ell-1} W_\ell + b_\ell,\qquad
   A_\ell = \phi(Z_\ell)\ (\ell < L),\qquad \text{logits} = Z_L,

with :math:`\phi = \tanh` or :math:`\mathrm{ReLU}` on the hidden layers.  Softmax
regression is the case :math:`L = 1`.  The loss is the mean softmax cross-entropy plus an
optional L2 penalty on the weights (not the biases):

.. math::

   \mathcal L = -\frac1N \sum_{i=1}^N \log \operatorname{softmax}(Z_L)_{i, y_i}
               + \frac{\lambda}{2} \sum_\ell \lVert W_\ell \rVert_F^2 .

Its gradient is computed by hand-written back-propagation (Rumelhart, Hinton &
Williams 1986; Goodfellow et al. 2016, Sec. 6.5):

.. math::

   \delta_L = \frac1N\big(\operatorname{softmax}(Z_L) - Y\big),\quad
   \frac{\partial\mathcal L}{\partial W_\ell} = A_{\ell-1}^\top \delta_\ell + \lambda W_\ell,\quad
   \frac{\partial\mathcal L}{\partial b_\ell} = \mathbf 1^\top \delta_\ell,\quad
   \delta_{\ell-1} = (\delta_\ell W_\ell^\top) \odot \phi'(Z_{\ell-1}),

:math:`Y` the one-hot labels.  Parameters are a ``dict`` ``{'W1', 'b1', …, 'WL', 'bL'}``
with :math:`W_\ell` of shape ``(fan_in, fan_out)``, so they plug straight into the
gradient transformations of :mod:`descent.transforms`; :func:`train` runs mini-batch
training with any of them.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .. import _validate as v
from .data import minibatches
from .timing import blas_threads
from ..transforms import GradientTransformation, apply_updates

__all__ = ["ACTIVATIONS", "softmax_regression_init", "mlp_init", "log_softmax", "logits",
           "loss", "loss_and_grad", "predict", "accuracy", "TrainRecord", "train"]

#: The hidden-layer activations the networks support: ``"tanh"`` and ``"relu"``.
ACTIVATIONS = ("tanh", "relu")

Params = dict[str, np.ndarray]


# ---------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------

def _dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _seed(seed) -> int:
    return v.nonnegative_int(seed, "seed")


def softmax_regression_init(n_features: int, n_classes: int, seed: int = 0, *,
                            scale: float = 0.01, dtype=np.float64) -> Params:
    r"""Parameters ``{'W1', 'b1'}`` of softmax regression (a network with no hidden layer).

    :math:`W_1 \sim \mathcal N(0, s^2)` entry-wise with a small ``scale`` :math:`s` and
    :math:`b_1 = 0`, so that all classes start almost equally likely and the initial
    loss is close to :math:`\log K` for :math:`K` classes (``scale=0`` gives exactly
    :math:`\log K`).  The loss is convex in these parameters, so the start matters little.
    """
    n_features = v.positive_int(n_features, "n_features")
    n_classes = v.positive_int(n_classes, "n_classes")
    if n_classes < 2:
        raise ValueError(f"n_classes must be at least 2, got {n_classes}")
    scale = v.nonnegative(scale, "scale")
    dtype = _dtype(dtype)
    rng = np.random.default_rng(_seed(seed))
    W = rng.standard_normal((n_features, n_classes)) * scale
    return {"W1": W.astype(dtype), "b1": np.zeros(n_classes, dtype=dtype)}


def mlp_init(sizes: Sequence[int], seed: int = 0, *, activation: str = "tanh",
             dtype=np.float64) -> Params:
    r"""Parameters of an MLP with layer widths ``sizes = [n_in, h_1, …, n_out]``.

    Biases start at zero.  Weights are drawn from :math:`\mathcal N(0, \sigma_\ell^2)`
    with the variance that keeps activations at a steady scale through the layers:

    * ``activation='tanh'``: Glorot (Xavier) initialisation,
      :math:`\sigma_\ell^2 = 2 / (n_{\ell-1} + n_\ell)` (Glorot & Bengio 2010);
    * ``activation='relu'``: He initialisation, :math:`\sigma_\ell^2 = 2 / n_{\ell-1}`
      (He et al. 2015), whose factor 2 makes up for ReLU zeroing half its inputs.

    The output layer always uses Glorot's variance (it feeds the softmax, not the
    activation).  ``sizes`` of length 2 is softmax regression with a Glorot start.
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got {type(sizes).__name__}")
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least the input and output widths, got {list(sizes)}")
    sizes = [v.positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]
    if sizes[-1] < 2:
        raise ValueError(f"the output width sizes[-1] must be at least 2 classes, got {sizes[-1]}")
    activation = _check_activation(activation)
    dtype = _dtype(dtype)
    rng = np.random.default_rng(_seed(seed))
    params: Params = {}
    n_layers = len(sizes) - 1
    for ell, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        hidden = ell < n_layers
        var = 2.0 / fan_in if (activation == "relu" and hidden) else 2.0 / (fan_in + fan_out)
        params[f"W{ell}"] = (rng.standard_normal((fan_in, fan_out)) * np.sqrt(var)).astype(dtype)
        params[f"b{ell}"] = np.zeros(fan_out, dtype=dtype)
    return params


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def _check_activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    return activation


def _check_params(params) -> int:
    """Number of layers ``L`` of ``params``, after checking keys and shapes."""
    if not isinstance(params, Mapping) or not params:
        raise TypeError(f"params must be a non-empty dict {{'W1', 'b1', ...}}, got {type(params).__name__}")
    n_layers = len(params) // 2
    expected = {f"{p}{ell}" for ell in range(1, n_layers + 1) for p in "Wb"}
    if len(params) % 2 or set(params) != expected:
        raise ValueError(f"params must have keys W1, b1, ..., WL, bL; got {sorted(params)}")
    prev = None
    for ell in range(1, n_layers + 1):
        W, b = params[f"W{ell}"], params[f"b{ell}"]
        if not isinstance(W, np.ndarray) or not isinstance(b, np.ndarray):
            raise TypeError(f"params['W{ell}'] and params['b{ell}'] must be NumPy arrays")
        if W.ndim != 2:
            raise ValueError(f"params['W{ell}'] must be 2-D (fan_in, fan_out), got shape {W.shape}")
        if b.shape != (W.shape[1],):
            raise ValueError(f"params['b{ell}'] must have shape ({W.shape[1]},), got {b.shape}")
        if prev is not None and W.shape[0] != prev:
            raise ValueError(
                f"params['W{ell}'] has {W.shape[0]} input rows but layer {ell - 1} has {prev} outputs")
        prev = W.shape[1]
    return n_layers


def _check_X(params: Params, X, name: str = "X") -> np.ndarray:
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    n_features = params["W1"].shape[0]
    if X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features but params['W1'] expects {n_features}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one sample")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite")
    return X


def _check_y(y, n_samples: int, n_classes: int, name: str = "y") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.shape[0] != n_samples:
        raise ValueError(f"{name} has {y.shape[0]} labels but X has {n_samples} samples")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"{name} must lie in 0 … {n_classes - 1}, got labels from {y.min()} to {y.max()}")
    return y


def _checked(params, X, y=None, *, activation="tanh", l2=None):
    n_layers = _check_params(params)
    _check_activation(activation)
    X = _check_X(params, X)
    if y is not None:
        y = _check_y(y, X.shape[0], params[f"W{n_layers}"].shape[1])
    if l2 is not None:
        l2 = v.nonnegative(l2, "l2")
    return n_layers, X, y, l2


# ---------------------------------------------------------------------------
# Forward and backward passes
# ---------------------------------------------------------------------------

def log_softmax(Z: np.ndarray) -> np.ndarray:
    r"""Row-wise :math:`\log\operatorname{softmax}(z)_c = z_c - m - \log\sum_j e^{z_j - m}`.

    Subtracting the row maximum :math:`m` keeps every exponent :math:`\le 0`, so nothing
    overflows however large the logits (the log-sum-exp trick).
    """
    Z = np.asarray(Z)
    shifted = Z - Z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _act(Z: np.ndarray, activation: str) -> np.ndarray:
    return np.tanh(Z) if activation == "tanh" else np.maximum(Z, 0)


def _forward(params: Params, X: np.ndarray, n_layers: int, activation: str) -> list[np.ndarray]:
    """Activations ``[A_0 = X, A_1, …, A_{L-1}, Z_L]``."""
    acts = [X]
    A = X
    for ell in range(1, n_layers + 1):
        Z = A @ params[f"W{ell}"]
        Z += params[f"b{ell}"]
        A = _act(Z, activation) if ell < n_layers else Z
        acts.append(A)
    return acts


def _penalty(params: Params, n_layers: int, l2: float) -> float:
    if l2 == 0.0:
        return 0.0
    return 0.5 * l2 * sum(float(np.vdot(params[f"W{ell}"], params[f"W{ell}"]))
                          for ell in range(1, n_layers + 1))


def _loss_and_grad(params: Params, X: np.ndarray, y: np.ndarray, n_layers: int, l2: float,
                   activation: str) -> tuple[float, Params]:
    acts = _forward(params, X, n_layers, activation)
    logp = log_softmax(acts[-1])
    n = X.shape[0]
    rows = np.arange(n)
    value = -float(logp[rows, y].mean()) + _penalty(params, n_layers, l2)
    delta = np.exp(logp)                                   # softmax(Z_L)
    delta[rows, y] -= 1.0
    delta /= n
    grads: Params = {}
    for ell in range(n_layers, 0, -1):
        W = params[f"W{ell}"]
        gW = acts[ell - 1].T @ delta
        if l2 != 0.0:
            gW += l2 * W
        grads[f"W{ell}"] = gW.astype(W.dtype, copy=False)
        grads[f"b{ell}"] = delta.sum(axis=0).astype(W.dtype, copy=False)
        if ell > 1:
            delta = delta @ W.T
            A = acts[ell - 1]
            if activation == "tanh":
                delta *= 1.0 - A * A
            else:
                delta *= A > 0
    return value, {key: grads[key] for key in params}


def logits(params: Params, X, *, activation: str = "tanh") -> np.ndarray:
    r"""The network's output :math:`Z_L` (before the softmax), shape ``(n_samples, n_classes)``."""
    n_layers, X, _, _ = _checked(params, X, activation=activation)
    return _forward(params, X, n_layers, activation)[-1]


def loss(params: Params, X, y, *, l2: float = 0.0, activation: str = "tanh") -> float:
    r"""The loss :math:`\mathcal L` of the module docstring, without its gradient."""
    n_layers, X, y, l2 = _checked(params, X, y, activation=activation, l2=l2)
    logp = log_softmax(_forward(params, X, n_layers, activation)[-1])
    return -float(logp[np.arange(X.shape[0]), y].mean()) + _penalty(params, n_layers, l2)


def loss_and_grad(params: Params, X, y, *, l2: float = 0.0,
                  activation: str = "tanh") -> tuple[float, Params]:
    r"""Loss :math:`\mathcal L` and its gradient, by back-propagation (module docstring).

    ``X`` has shape ``(n_samples, n_features)``, ``y`` holds integer labels
    ``0 … K-1``; the gradient is a dict with the keys and dtypes of ``params``.
    The log-softmax is computed stably (:func:`log_softmax`), and the output error
    :math:`\operatorname{softmax}(Z_L) - Y` is formed without building :math:`Y`.
    """
    n_layers, X, y, l2 = _checked(params, X, y, activation=activation, l2=l2)
    return _loss_and_grad(params, X, y, n_layers, l2, activation)


def predict(params: Params, X, *, activation: str = "tanh") -> np.ndarray:
    r"""Predicted classes :math:`\hat y_i = \arg\max_c Z_{L,ic}`."""
    return np.argmax(logits(params, X, activation=activation), axis=1)


def accuracy(params: Params, X, y, *, activation: str = "tanh") -> float:
    r"""Fraction of samples classified correctly, :math:`\frac1N\sum_i [\hat y_i = y_i]`."""
    n_layers, X, y, _ = _checked(params, X, y, activation=activation)
    pred = np.argmax(_forward(params, X, n_layers, activation)[-1], axis=1)
    return float(np.mean(pred == y))


# ---------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class TrainRecord:
    """What :func:`train` measured.

    Attributes
    ----------
    params:
        The parameters after the last update.
    losses:
        ``(n_updates,)``: the mini-batch loss (with its L2 term) at the parameters each
        gradient was taken at, i.e. *before* that update.
    grad_evals:
        ``(n_updates,)``: cumulative number of per-sample gradients computed after each
        update (a full-batch step over :math:`N` samples costs :math:`N`).
    update_times:
        ``(n_updates,)``: wall-clock seconds of each update (forward and backward pass,
        optimizer step); the evaluations below are not included.
    eval_updates, eval_grad_evals:
        Number of updates and of per-sample gradients done at each evaluation
        (the first is 0: the initial parameters).
    train_loss:
        Full training-set loss at each evaluation.
    test_accuracy:
        Test-set accuracy at each evaluation, or ``None`` without a test set.
    diverged:
        ``True`` if a loss or gradient became non-finite; training stopped there.
    batch_size, n_train:
        The batch size used and the number of training samples.
    """

    params: Params
    losses: np.ndarray
    grad_evals: np.ndarray
    update_times: np.ndarray
    eval_updates: np.ndarray
    eval_grad_evals: np.ndarray
    train_loss: np.ndarray
    test_accuracy: np.ndarray | None
    diverged: bool
    batch_size: int
    n_train: int

    @property
    def n_updates(self) -> int:
        return int(self.losses.size)

    @property
    def wall_time(self) -> np.ndarray:
        """Cumulative seconds after each update."""
        return np.cumsum(self.update_times)

    @property
    def epochs(self) -> np.ndarray:
        """Epochs (passes over the training set) completed after each update."""
        return self.grad_evals / self.n_train


def train(optimizer: GradientTransformation, params: Params, X, y, *, batch_size: int | None,
          epochs: int, seed: int = 0, eval_every: int | None = None, X_test=None, y_test=None,
          l2: float = 0.0, activation: str = "tanh", drop_last: bool = False) -> TrainRecord:
    r"""Mini-batch training: :math:`\theta \leftarrow \theta + u(\nabla\mathcal L_{B}(\theta))`.

    Each epoch shuffles the training set (:func:`descent.book.data.minibatches` with
    ``np.random.default_rng(seed)``) and makes one update per batch of ``batch_size``
    samples (the last batch of an epoch may be smaller; ``drop_last=True`` skips it, as
    PyTorch's ``DataLoader(drop_last=True)`` does); ``batch_size=None`` or
    ``>= len(X)`` is full-batch gradient descent, ``1`` is pure SGD.  ``optimizer`` is
    a :class:`~descent.transforms.GradientTransformation`; the step is
    ``apply_updates(params, updates)``.  The full training loss (and, with ``X_test``
    and ``y_test``, the test accuracy) is evaluated before training, every
    ``eval_every`` updates, and after the last update.  A non-finite loss or gradient
    stops training with ``diverged=True``.  ``params`` is not modified.  BLAS runs on one
    thread during training (the matrices are small; :func:`descent.book.timing.blas_threads`).
    """
    if not isinstance(optimizer, GradientTransformation):
        raise TypeError(f"optimizer must be a GradientTransformation, got {type(optimizer).__name__}")
    n_layers, X, y, l2 = _checked(params, X, y, activation=activation, l2=l2)
    n = X.shape[0]
    batch_size = n if batch_size is None else min(v.positive_int(batch_size, "batch_size"), n)
    epochs = v.positive_int(epochs, "epochs")
    if not isinstance(drop_last, (bool, np.bool_)):
        raise TypeError(f"drop_last must be a bool, got {type(drop_last).__name__}")
    if eval_every is not None:
        eval_every = v.positive_int(eval_every, "eval_every")
    if (X_test is None) != (y_test is None):
        raise ValueError("pass both X_test and y_test, or neither")
    if X_test is not None:
        _, X_test, y_test, _ = _checked(params, X_test, y_test, activation=activation)
    rng = np.random.default_rng(_seed(seed))
    params = {key: np.array(value) for key, value in params.items()}
    state = optimizer.init(params)

    losses, grad_evals, times = [], [], []
    ev_updates, ev_grads, ev_loss, ev_acc = [], [], [], []
    seen = 0

    def evaluate():
        ev_updates.append(len(losses))
        ev_grads.append(seen)
        logp = log_softmax(_forward(params, X, n_layers, activation)[-1])
        ev_loss.append(-float(logp[np.arange(n), y].mean()) + _penalty(params, n_layers, l2))
        if X_test is not None:
            pred = np.argmax(_forward(params, X_test, n_layers, activation)[-1], axis=1)
            ev_acc.append(float(np.mean(pred == y_test)))

    diverged = False
    with blas_threads(1, user_api="blas"), \
            np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        evaluate()
        for _ in range(epochs):
            batches = [None] if batch_size >= n else minibatches(n, batch_size, rng)
            if drop_last and batch_size < n:
                batches = [idx for idx in batches if len(idx) == batch_size]
            for idx in batches:
                Xb, yb = (X, y) if idx is None else (X[idx], y[idx])
                t0 = time.perf_counter()
                value, grads = _loss_and_grad(params, Xb, yb, n_layers, l2, activation)
                if not (np.isfinite(value) and all(np.isfinite(g).all() for g in grads.values())):
                    diverged = True
                    break
                updates, state = optimizer.update(grads, state, params)
                params = apply_updates(params, updates)
                times.append(time.perf_counter() - t0)
                seen += Xb.shape[0]
                losses.append(value)
                grad_evals.append(seen)
                if eval_every is not None and len(losses) % eval_every == 0:
                    evaluate()
            if diverged:
                break
        if not diverged and ev_updates[-1] != len(losses):
            evaluate()

    return TrainRecord(
        params=params,
        losses=np.asarray(losses, dtype=float),
        grad_evals=np.asarray(grad_evals, dtype=np.int64),
        update_times=np.asarray(times, dtype=float),
        eval_updates=np.asarray(ev_updates, dtype=np.int64),
        eval_grad_evals=np.asarray(ev_grads, dtype=np.int64),
        train_loss=np.asarray(ev_loss, dtype=float),
        test_accuracy=np.asarray(ev_acc, dtype=float) if X_test is not None else None,
        diverged=diverged,
        batch_size=batch_size,
        n_train=n,
    )
