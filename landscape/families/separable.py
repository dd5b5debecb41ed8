"""Separable landscapes: a sum of one-dimensional double wells, optionally rotated.

The ground truth for the critical-point search: every critical point is known
in closed form, 3^n of them, C(n, k) 2^(n-k) of index k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points
from .quadratic import haar_rotation

TILT_LIMIT = 2 / (3 * math.sqrt(3))
"""y^3 - y + a has three real roots exactly when |a| < 2 / (3 sqrt 3)."""


@dataclass(frozen=True)
class Separable(Landscape):
    """f(x) = sum_i w_i(y_i), y = R^T x, with the tilted double well w_i(y) = y^4/4 - y^2/2 + a_i y.

    Each well has three critical points, the roots of y^3 - y + a_i = 0: two
    minima (w'' = 3y^2 - 1 > 0) around y = +-1 and a maximum near 0. The
    critical points of f are the 3^n products, of index = the number of
    coordinates at their well's maximum: C(n, k) 2^(n-k) of index k. The tilts
    a_i ~ U(-tilt, tilt) (seeded) make the values distinct; R is a seeded
    Haar rotation or the identity.
    """

    dim: int = 2
    tilt: float = 0.2
    rotation: str = "random"
    seed: int = 0
    name = "separable"
    summary = "sum of n tilted double wells under a random rotation: 3^n known critical points"

    def __post_init__(self):
        if self.dim < 1:
            raise LandscapeError(f"separable: dim must be a positive integer, got {self.dim}")
        if not 0 <= self.tilt < TILT_LIMIT:
            raise LandscapeError(
                f"separable: tilt must be in [0, {TILT_LIMIT:.4f}) so each well keeps three "
                f"critical points, got {self.tilt}")
        if self.rotation not in ("random", "identity"):
            raise LandscapeError(
                f"separable: rotation must be 'random' or 'identity', got {self.rotation!r}")
        rng = np.random.default_rng(self.seed)
        tilts = rng.uniform(-self.tilt, self.tilt, self.dim)
        R = haar_rotation(self.dim, rng) if self.rotation == "random" else np.eye(self.dim)
        object.__setattr__(self, "_a", tilts)
        object.__setattr__(self, "_R", R)

    euler_characteristic = 1  # coercive

    def evaluation_cost(self):
        n = float(self.dim)
        return 4 * n * n, 2 * n**3  # the Hessian is R diag(.) R^T

    @property
    def domain(self):
        # |x_j| = |sum_i R_ji y_i| <= max|y| sum_i |R_ji|, and every root has |y| < 2/sqrt(3)
        half = 1.05 * (2 / math.sqrt(3)) * np.abs(self._R).sum(axis=1)
        return tuple((-float(h), float(h)) for h in half)

    def value(self, x):
        y = points(x, self.dim) @ self._R
        return np.sum(0.25 * y**4 - 0.5 * y**2 + self._a * y, axis=-1)

    def grad(self, x):
        y = points(x, self.dim) @ self._R
        return (y * y * y - y + self._a) @ self._R.T

    def hess(self, x):
        y = points(x, self.dim) @ self._R
        H = (self._R * (3 * y * y - 1)[..., None, :]) @ self._R.T  # R diag(w'') R^T
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    def well_roots(self) -> np.ndarray:
        """(n, 3) roots of y^3 - y + a_i, ascending: minimum, maximum, minimum.

        Trigonometric form of a depressed cubic t^3 + p t + q (p = -1, q = a):
        t_m = 2/sqrt(3) cos(arccos(-(3 sqrt 3 / 2) a) / 3 - 2 pi m / 3).
        """
        phi = np.arccos(-1.5 * math.sqrt(3) * self._a) / 3
        m = np.arange(3)
        return np.sort(2 / math.sqrt(3) * np.cos(phi[:, None] - 2 * np.pi * m / 3), axis=1)

    def known_critical_points(self, max_points: int = 3**12):
        if 3**self.dim > max_points:
            return None
        roots = self.well_roots()
        choice = np.indices((3,) * self.dim).reshape(self.dim, -1).T  # (3^n, n) in {0, 1, 2}
        y = roots[np.arange(self.dim), choice]
        return y @ self._R.T

    def known_index_counts(self) -> list[int]:
        """C(n, k) 2^(n-k) critical points of index k, k = 0..n."""
        return [math.comb(self.dim, k) * 2 ** (self.dim - k) for k in range(self.dim + 1)]

    def count_bound(self) -> int:
        return 3**self.dim

    def expected_index_counts(self):
        """The exact counts, with zero uncertainty."""
        counts = np.array(self.known_index_counts(), dtype=float)
        return counts, np.zeros_like(counts)
