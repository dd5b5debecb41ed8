"""Critical points that are not isolated: manifolds of critical points and their dimensions.

A landscape with a continuous symmetry has whole manifolds of critical points:
a two-layer linear network's loss |W2 W1 X - Y|^2 is unchanged by
W1 -> A W1, W2 -> W2 A^{-1} (A in GL(h)), so every critical point lies on an
orbit of dimension up to h^2, and a multi-start search converges to a
different point of it from every start. Counting those points, or estimating
their total, means nothing.

The test (batched over the degenerate points, shapes (P, n)): at a degenerate
point x with null space N (the eigenvectors of H whose |lambda| <= zero_tol),
step a distance t along a direction w in N and return to the critical set by
minimum-norm Gauss-Newton on grad f = 0,

    y <- y - H^+ g,   H^+ = V diag(1/lambda, 0 where |lambda| <= zero_tol) V^T.

On a manifold of critical points (Morse-Bott: its tangent space is N) the
correction is normal to it and y stays about t from x, at the same value and
with the same number of zero eigenvalues. At an isolated degenerate point
(x^3 - 3xy^2 at the origin) the iteration walks back to x. The direction w is
the projection onto N of a fixed vector (the projector V0 V0^T does not
depend on how LAPACK rotates a basis of N), so the verdict is the same on any
machine. A point passes when y moved at least t/2, kept its value to 1e-8 of
the landscape's value scale, kept its nullity and has |grad f| <= 10 gtol.

The manifolds are reported per class: the points passing the test, grouped by
(index = negative eigenvalues, value). The dimension is counted at the class's
first point, as the number of its null eigenvectors along which the test
passes. Points of one class could lie on several components of equal value
and index; they are counted as one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .seeds import stream

STEP = 1e-3
"""The trial step t along the null space, as a fraction of the search's scale (box diagonal)."""

PROJECTIONS = 40
"""Gauss-Newton iterations back to the critical set (linear convergence at an isolated
degenerate point halves the distance per step; 40 leave 1e-12 of t)."""


@dataclass(frozen=True)
class Manifold:
    """One class of critical manifolds: dimension, value f, index (negative eigenvalues off
    the manifold), the number of distinct found points on it, and the one found first."""

    dimension: int
    value: float
    index: int
    points: int
    example: np.ndarray

    def to_dict(self) -> dict:
        return {"dimension": self.dimension, "value": self.value, "index": self.index,
                "points": self.points, "example": self.example}


def _project(landscape, y: np.ndarray, zero_tol: float) -> np.ndarray:
    """PROJECTIONS minimum-norm Gauss-Newton steps y <- y - H^+ grad f(y), batched (P, n)."""
    for _ in range(PROJECTIONS):
        g = landscape.grad(y)
        lam, V = np.linalg.eigh(landscape.hess(y))
        inv = np.divide(1.0, lam, out=np.zeros_like(lam), where=np.abs(lam) > zero_tol)
        y = y - np.einsum("pij,pj->pi", V, inv * np.einsum("pji,pj->pi", V, g))
    return y


def _persists(landscape, x, w, t, zero_tol, value_tol, nullity, gtol):
    """Whether stepping t along the unit directions w (P, n) from x (P, n) stays on the critical
    set: (P,) bool."""
    y = _project(landscape, x + t * w, zero_tol)
    moved = np.linalg.norm(y - x, axis=-1) >= t / 2
    same_value = np.abs(landscape.value(y) - landscape.value(x)) <= value_tol
    lam = np.linalg.eigvalsh(landscape.hess(y))
    small_g = np.linalg.norm(landscape.grad(y), axis=-1) <= 10 * gtol
    return moved & same_value & (np.sum(np.abs(lam) <= zero_tol, axis=-1) == nullity) & small_g


def find_manifolds(landscape, points, *, zero_tol: float, gtol: float, scale: float) -> list[Manifold]:
    """The manifold classes among the degenerate CriticalPoints ``points`` (sorted by value).

    zero_tol: the classification's zero tolerance for eigenvalues; gtol: the search's
    gradient tolerance (a returned point must meet 10 gtol); scale: the search's length
    scale (box diagonal), which sets the trial step t = STEP x scale.
    """
    if landscape.manifold != "euclidean":
        return []  # the tangent-space version is not implemented; degenerate points stay points
    degenerate = [p for p in points if p.kind == "degenerate"]
    if not degenerate:
        return []
    x = np.array([p.x for p in degenerate])
    n = x.shape[1]
    values = np.array([p.value for p in degenerate])
    value_tol = 1e-8 * max(1.0, float(np.abs([p.value for p in points]).max()))
    t = STEP * scale
    with np.errstate(all="ignore"):
        lam, V = np.linalg.eigh(landscape.hess(x))
        null = np.abs(lam) <= zero_tol
        nullity = null.sum(-1)
        u = stream(0, "manifolds", "direction").standard_normal(n)  # fixed: the same test everywhere
        V0 = np.where(null[:, None, :], V, 0.0)
        w = np.einsum("pij,pkj,k->pi", V0, V0, u)  # the projection of u onto each null space
        norm = np.linalg.norm(w, axis=-1, keepdims=True)
        w = np.divide(w, norm, out=np.zeros_like(w), where=norm > 0)
        on = _persists(landscape, x, w, t, zero_tol, value_tol, nullity, gtol) & (nullity > 0)
    index = np.sum(lam < -zero_tol, axis=-1)
    members = np.flatnonzero(on)
    if members.size == 0:
        return []
    members = members[np.lexsort((values[members], index[members]))]
    new = np.r_[True, (np.diff(index[members]) != 0) | (np.diff(values[members]) > value_tol)]
    found = []
    for group in np.split(members, np.flatnonzero(new)[1:]):  # one iteration per class
        first = group[0]
        dirs = V[first][:, null[first]].T  # every null eigenvector of the class's first point
        with np.errstate(all="ignore"):
            dim = int(_persists(landscape, np.repeat(x[first][None], len(dirs), 0), dirs, t, zero_tol,
                                value_tol, nullity[first], gtol).sum())
        found.append(Manifold(dimension=max(dim, 1), value=float(values[first]), index=int(index[first]),
                              points=len(group), example=x[first]))
    return sorted(found, key=lambda m: (m.value, m.index))
