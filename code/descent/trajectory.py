"""The record of one optimisation run, shared by first- and second-order methods."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Trajectory:
    """Iterates and diagnostics of a run.

    Attributes
    ----------
    iterates:
        Array of shape ``(k + 1, n)``: the starting point and every accepted iterate.
        A run that diverged ends at the last *finite* iterate.  Only the final iterate,
        shape ``(1, n)``, when the run was made with ``keep_iterates=False``.
    losses:
        ``f`` at each iterate, shape ``(k + 1,)`` (NaN where no loss function was given).
    grad_norms:
        Euclidean norm of the gradient at each iterate, shape ``(k + 1,)``.
    diverged:
        ``True`` when the run stopped because a value became non-finite (``inf``/``nan``).
    converged:
        ``True`` when the run stopped because the gradient norm fell below ``tol``.
    n_fev, n_gev, n_hev:
        Number of loss, gradient and Hessian evaluations.
    message:
        Why the run stopped, in words.
    """

    iterates: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    diverged: bool = False
    converged: bool = False
    n_fev: int = 0
    n_gev: int = 0
    n_hev: int = 0
    message: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def x(self) -> np.ndarray:
        """The final iterate."""
        return self.iterates[-1]

    @property
    def steps(self) -> int:
        """Number of steps taken (recorded losses minus one)."""
        return len(self.losses) - 1

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def steps_to(self, tol: float, *, on: str = "loss", target: float = 0.0) -> int | None:
        """First step index at which ``|losses - target| <= tol`` (or ``grad_norms <= tol``).

        Returns ``None`` when the run never gets there.
        """
        if on == "loss":
            values = np.abs(self.losses - target)
        elif on == "grad":
            values = self.grad_norms
        else:
            raise ValueError(f"on must be 'loss' or 'grad', got {on!r}")
        hits = np.flatnonzero(values <= tol)
        return int(hits[0]) if hits.size else None
