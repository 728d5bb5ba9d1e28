"""The Chapter 4 graders accept correct answers and diagnose the typical wrong ones."""
from __future__ import annotations

import numpy as np
import pytest

from descent.graders.curvature import grade_bfgs_inverse_update, grade_directional_curvature
from descent.second_order import bfgs_inverse_update


# ---------------------------------------------------------------------------
# Curvature along a direction
# ---------------------------------------------------------------------------

def curvature(H, u):
    return float(u @ H @ u / (u @ u))


def curvature_by_eigen(H, u):
    lam, Q = np.linalg.eigh(H)
    w = (Q.T @ (u / np.linalg.norm(u))) ** 2
    return float(lam @ w)


@pytest.mark.parametrize("fn", [curvature, curvature_by_eigen])
def test_curvature_grader_accepts_correct_answers(fn):
    report = grade_directional_curvature(fn)
    assert report.passed, str(report)
    assert report.cases_run == 5


@pytest.mark.parametrize("wrong, diagnosis", [
    (lambda H, u: float(u @ H @ u), "not normalised"),
    (lambda H, u: float(u @ H @ u) / np.linalg.norm(u), "divided by the norm"),
    (lambda H, u: float(np.mean(np.linalg.eigvalsh(H))), "plain mean of eigenvalues"),
    (lambda H, u: float(np.max(np.linalg.eigvalsh(H))), "largest eigenvalue"),
    (lambda H, u: float(np.trace(H)), "trace"),
])
def test_curvature_grader_diagnoses_typical_mistakes(wrong, diagnosis):
    report = grade_directional_curvature(wrong)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)
    assert report.hint and "hint:" in str(report)


def test_curvature_grader_reports_shape_and_crash():
    report = grade_directional_curvature(lambda H, u: H @ u / (u @ u))
    assert not report.passed and "shape" in report.messages[0]
    report = grade_directional_curvature(lambda H, u: 1 / 0)
    assert not report.passed and "ZeroDivisionError" in report.messages[0]
    report = grade_directional_curvature(lambda H, u: None)
    assert not report.passed and "return" in report.messages[0]


# ---------------------------------------------------------------------------
# BFGS inverse update
# ---------------------------------------------------------------------------

def bfgs_update(H, s, y):
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V.T @ H @ V + rho * np.outer(s, s)


@pytest.mark.parametrize("fn", [bfgs_update, bfgs_inverse_update])
def test_bfgs_grader_accepts_correct_answers(fn):
    report = grade_bfgs_inverse_update(fn)
    assert report.passed, str(report)


def test_bfgs_grader_cases_have_positive_curvature():
    from descent.graders.curvature import _bfgs_cases
    for case in _bfgs_cases():
        H, s, y = case.args
        assert y @ s > 0
        assert np.all(np.linalg.eigvalsh(H) > 0)


def dfp(H, s, y):
    Hy = H @ y
    return H - np.outer(Hy, Hy) / (y @ Hy) + np.outer(s, s) / (y @ s)


def direct(H, s, y):
    Hs = H @ s
    return H - np.outer(Hs, Hs) / (s @ Hs) + np.outer(y, y) / (y @ s)


def swapped(H, s, y):
    return bfgs_update(H, y, s)


def no_correction(H, s, y):
    rho = 1.0 / (y @ s)
    V = np.eye(len(s)) - rho * np.outer(y, s)
    return V.T @ H @ V


def one_sided(H, s, y):
    rho = 1.0 / (y @ s)
    return (np.eye(len(s)) - rho * np.outer(s, y)) @ H + rho * np.outer(s, s)


@pytest.mark.parametrize("wrong, diagnosis", [
    (dfp, "DFP"),
    (direct, "direct-form formula"),
    (swapped, "s and y swapped"),
    (no_correction, "missing ρssᵀ"),
    (one_sided, "one-sided"),
])
def test_bfgs_grader_diagnoses_typical_mistakes(wrong, diagnosis):
    report = grade_bfgs_inverse_update(wrong)
    assert not report.passed
    assert report.diagnosis == diagnosis, str(report)


def test_bfgs_grader_does_not_crash_on_mutation_or_errors():
    def in_place(H, s, y):
        H += 1.0
        return H
    assert not grade_bfgs_inverse_update(in_place).passed
    assert not grade_bfgs_inverse_update(lambda H, s, y: np.linalg.inv(np.zeros((2, 2)))).passed
