"""Random quadratics f(x) = 1/2 x^T H x with H drawn from the GOE: one critical point, a random index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points


@dataclass(frozen=True)
class RandomQuadratic(Landscape):
    """f(x) = 1/2 x^T H x, H = (A + A^T) / 2 with A_ij ~ N(0, 1) (seeded): a GOE matrix.

    Its one critical point, x = 0, has the index of H: the number of negative
    eigenvalues, which over the draws follows the GOE's index distribution,
    P(index = k), known exactly (``counting.goe_index_distribution``). The
    simplest landscape whose mean over seeds theory gives: a sweep over seeds
    measures P(index = k) as the mean count of index-k points.
    """

    dim: int = 3
    ensemble: str = "goe"
    seed: int = 0
    name = "random-quadratic"
    summary = "1/2 x^T H x with H a seeded GOE matrix: its index follows the GOE's exact distribution"

    def __post_init__(self):
        if self.dim < 1:
            raise LandscapeError(f"random-quadratic: dim must be a positive integer, got {self.dim}")
        if self.ensemble != "goe":
            raise LandscapeError(f"random-quadratic: ensemble must be 'goe', got {self.ensemble!r}")
        a = np.random.default_rng(self.seed).standard_normal((self.dim, self.dim))
        object.__setattr__(self, "_H", 0.5 * (a + a.T))

    euler_characteristic = None  # not coercive unless H > 0

    @property
    def domain(self):
        return ((-1.0, 1.0),) * self.dim

    def evaluation_cost(self):
        n = float(self.dim)
        return 2 * n * n, n * n

    def value(self, x):
        x = points(x, self.dim)
        return 0.5 * np.einsum("...i,ij,...j->...", x, self._H, x)

    def grad(self, x):
        return points(x, self.dim) @ self._H

    def hess(self, x):
        x = points(x, self.dim)
        return np.broadcast_to(self._H, x.shape[:-1] + self._H.shape).copy()

    def known_critical_points(self):
        return np.zeros((1, self.dim))

    def expected_index_counts(self):
        """P(index = k), k = 0..n, of an n x n GOE matrix (exact), with zero uncertainty: the
        expected number of index-k critical points, since there is exactly one."""
        from ..counting import GOE_EXACT_MAX_DIM, goe_index_distribution

        if self.dim > GOE_EXACT_MAX_DIM:
            return None
        p = np.array(goe_index_distribution(self.dim).by_index)
        return p, np.zeros_like(p)
