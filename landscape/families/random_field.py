"""Gaussian random fields from random Fourier features, with an optional confining bowl."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points

MAX_FEATURE_ENTRIES = 2**24
"""The most entries the frequency matrix w (features, dim) may have."""


@dataclass(frozen=True)
class RandomField(Landscape):
    """f(x) = M^{-1/2} sum_m (a_m cos(w_m . x) + c_m sin(w_m . x)) + mu/2 |x|^2.

    a_m, c_m ~ N(0, 1) and w_m ~ N(0, I / length^2) (seeded): given the
    frequencies the field is exactly Gaussian and stationary with covariance
    M^{-1} sum_m cos(w_m . (x - x')), which tends to exp(-|x - x'|^2 / (2 length^2))
    as M grows: the isotropic field of Fyodorov (2004) and Bray and Dean (2007).
    With mu > 0 every critical point satisfies mu |x_j| = |df/dx_j| <=
    M^{-1/2} sum_m (|a_m| + |c_m|) |w_mj|, which bounds the default domain; with
    mu = 0 the domain is the box [-3 length, 3 length]^n.
    """

    dim: int = 2
    features: int = 64
    length: float = 1.0
    mu: float = 0.5
    seed: int = 0
    name = "random-field"
    summary = "isotropic Gaussian random field (random Fourier features) + mu/2 |x|^2"
    joint_derivatives = True  # the phases w.x dominate both

    @classmethod
    def check_size(cls, params, where):
        super().check_size(params, where)
        size = params.get("features", 64) * params.get("dim", 2)
        if size > MAX_FEATURE_ENTRIES:
            raise LandscapeError(f"{where}: features x dim = {size} is too many (at most "
                                 f"{MAX_FEATURE_ENTRIES:.2g}: every evaluation computes all the phases w.x)")

    def evaluation_cost(self):
        m, n = float(self.features), float(self.dim)
        return 4 * m * n, m * n * n

    def __post_init__(self):
        if self.dim < 1:
            raise LandscapeError(f"random-field: dim must be a positive integer, got {self.dim}")
        if self.features < 1:
            raise LandscapeError(f"random-field: features must be a positive integer, got {self.features}")
        if not self.length > 0:
            raise LandscapeError(f"random-field: length must be positive, got {self.length}")
        if not self.mu >= 0:
            raise LandscapeError(f"random-field: mu must be >= 0, got {self.mu}")
        rng = np.random.default_rng(self.seed)
        w = rng.standard_normal((self.features, self.dim)) / self.length
        ac = rng.standard_normal((2, self.features)) / np.sqrt(self.features)
        object.__setattr__(self, "_w", w)
        object.__setattr__(self, "_ac", ac)

    @property
    def euler_characteristic(self):
        return 1 if self.mu > 0 else None  # the bowl makes f coercive

    @property
    def domain(self):
        if self.mu > 0:
            bound = (np.abs(self._ac).sum(axis=0) @ np.abs(self._w)) / self.mu
            return tuple((-float(b), float(b)) for b in bound)
        return ((-3.0 * self.length, 3.0 * self.length),) * self.dim

    def sample_starts(self, domain, count: int, seed) -> np.ndarray:
        """Starts where the critical points are: x_j = -d_j phi(x) / mu at a critical point, and
        d_j phi is N(0, sigma_j^2) with sigma_j^2 = sum_m w_mj^2 / M, so with mu > 0 the starts
        are Sobol points mapped through the normal quantile to N(0, (sigma_j / mu)^2) per
        coordinate (clipped to ``domain``); the critical points' own spread is about 3/4 of
        that. Uniform starts in the box |x_j| <= 4.5 sigma_j / mu put most of them in its
        corners, where there are almost no critical points: in 5 dimensions 4% of them
        converged, against a third of these. With mu = 0, uniform in ``domain``."""
        box = np.asarray(domain, dtype=float)
        if self.mu <= 0:
            return super().sample_starts(box, count, seed)
        from scipy.special import ndtri

        sd = np.sqrt(np.mean(self._w**2, axis=0)) / self.mu
        u = super().sample_starts(((0.0, 1.0),) * self.dim, count, seed)
        x = sd * ndtri(np.clip(u, 1e-12, 1.0 - 1e-12))
        return np.clip(x, box[:, 0], box[:, 1])

    def _phase(self, x):
        t = points(x, self.dim) @ self._w.T  # (..., M)
        return np.cos(t), np.sin(t)

    def value(self, x):
        x = points(x, self.dim)
        cos, sin = self._phase(x)
        a, c = self._ac
        return cos @ a + sin @ c + 0.5 * self.mu * np.sum(x * x, axis=-1)

    def grad(self, x):
        x = points(x, self.dim)
        cos, sin = self._phase(x)
        a, c = self._ac
        return (cos * c - sin * a) @ self._w + self.mu * x

    def hess(self, x):
        return self.derivatives(x)[1]

    def derivatives(self, x):
        """(grad (..., n), hess (..., n, n)) from one evaluation of the phases t = x w^T (..., M).

        H = mu I - sum_m (a_m cos t_m + c_m sin t_m) w_m w_m^T is one matrix product of the
        weights (..., M) with the outer products w_m w_m^T (M, n(n+1)/2), upper triangle only,
        then spread to both halves: exactly symmetric, one GEMM for the whole batch.
        """
        x = points(x, self.dim)
        cos, sin = self._phase(x)
        a, c = self._ac
        g = (cos * c - sin * a) @ self._w + self.mu * x
        upper, spread = self._outer()
        H = (-((cos * a + sin * c) @ upper))[..., spread].reshape(x.shape[:-1] + (self.dim, self.dim))
        H[..., np.arange(self.dim), np.arange(self.dim)] += self.mu
        return g, H

    def _outer(self):
        """(w_mi w_mj for i <= j (M, n(n+1)/2), (n * n,) position of each (i, j) among them)."""
        if getattr(self, "_upper", None) is None:
            n = self.dim
            i, j = np.triu_indices(n)
            where = np.empty((n, n), dtype=np.intp)
            where[i, j] = where[j, i] = np.arange(i.size)
            object.__setattr__(self, "_upper", (self._w[:, i] * self._w[:, j], where.ravel()))
        return self._upper
