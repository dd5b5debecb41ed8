"""Eigen-decomposition, inertia and classification of Hessians, batched.

Index = number of negative eigenvalues. An eigenvalue counts as zero when
|lambda| <= rtol * scale, where the spectral scale is max_i |lambda_i| of the
same matrix unless the caller gives one (a landscape's typical curvature, so
that a Hessian that is itself nearly zero, as at the monkey saddle, counts as
degenerate). The tolerance used is reported with every result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RTOL = 1e-6

KINDS = ("minimum", "saddle", "maximum", "degenerate")


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Eigenpairs and classification of a batch of symmetric matrices.

    eigenvalues (..., n) ascending; eigenvectors (..., n, n) with column i the
    unit eigenvector of eigenvalue i; n_neg, n_zero, n_pos, index (...);
    kind (...) of str; tol (...) the zero tolerance used.
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    n_neg: np.ndarray
    n_zero: np.ndarray
    n_pos: np.ndarray
    kind: np.ndarray
    tol: np.ndarray

    @property
    def index(self) -> np.ndarray:
        return self.n_neg


def zero_tolerance(eigenvalues: np.ndarray, rtol: float = RTOL, scale=None) -> np.ndarray:
    """rtol * scale per matrix, shape (...); scale defaults to max|lambda| of each matrix."""
    if scale is None:
        scale = np.abs(eigenvalues).max(axis=-1)
    return rtol * np.broadcast_to(np.asarray(scale, dtype=float), eigenvalues.shape[:-1])


def inertia(eigenvalues: np.ndarray, tol: np.ndarray):
    """(n_neg, n_zero, n_pos) per matrix, with |lambda| <= tol counted as zero."""
    tol = np.asarray(tol)[..., None]
    n_neg = np.count_nonzero(eigenvalues < -tol, axis=-1)
    n_pos = np.count_nonzero(eigenvalues > tol, axis=-1)
    n_zero = eigenvalues.shape[-1] - n_neg - n_pos
    return n_neg, n_zero, n_pos


def kind_of(n_neg: np.ndarray, n_zero: np.ndarray, n_pos: np.ndarray) -> np.ndarray:
    """minimum (all > 0), maximum (all < 0), saddle (both signs), degenerate (any zero)."""
    kind = np.full(np.shape(n_neg), "saddle", dtype=object)
    kind[np.asarray(n_neg) == 0] = "minimum"
    kind[np.asarray(n_pos) == 0] = "maximum"
    kind[np.asarray(n_zero) > 0] = "degenerate"
    return kind


def classify_eigenvalues(eigenvalues, rtol: float = RTOL, scale=None):
    """Index, kind and tolerance from eigenvalues (..., n) alone."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    tol = zero_tolerance(eigenvalues, rtol, scale)
    n_neg, n_zero, n_pos = inertia(eigenvalues, tol)
    return n_neg, kind_of(n_neg, n_zero, n_pos), tol


def spectrum(hessians, rtol: float = RTOL, scale=None) -> Spectrum:
    """Eigen-decompose and classify a batch of symmetric matrices (..., n, n)."""
    H = np.asarray(hessians, dtype=float)
    H = 0.5 * (H + np.swapaxes(H, -1, -2))
    lam, vec = np.linalg.eigh(H)
    tol = zero_tolerance(lam, rtol, scale)
    n_neg, n_zero, n_pos = inertia(lam, tol)
    return Spectrum(lam, vec, n_neg, n_zero, n_pos, kind_of(n_neg, n_zero, n_pos), tol)
