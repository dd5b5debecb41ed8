"""A chain of d saddles in d dimensions where GD's escape time grows exponentially in d.

A smooth (C^2) landscape built on the mechanism of Du, Jin, Lee, Jordan, Poczos
and Singh (2017), "Gradient descent can take exponential time to escape saddle
points": while GD waits at saddle i for x_i to grow, the coordinates after it
shrink, so it arrives at saddle i + 1 exponentially closer to its stable
manifold than it arrived at saddle i. Du et al. glue quadratic pieces with
splines in an "octopus" domain; here one smooth gate per coordinate switches
its curvature from +L (contracting) to -gamma (escaping) once the previous
coordinate has arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points


def _smoothstep(s):
    """S(s) = 6s^5 - 15s^4 + 10s^3 on [0, 1], 0 below, 1 above: C^2. Returns S, S', S''."""
    s = np.clip(s, 0.0, 1.0)
    s2, r = s * s, 1 - s  # products, not **: integer powers above 2 go through libm's pow
    return s2 * s * (10 - 15 * s + 6 * s2), 30 * s2 * r * r, 60 * s * r * (1 - 2 * s)


@dataclass(frozen=True)
class SaddleChain(Landscape):
    """f(x) = sum_i [ L x_i^2 / 2 + g_i w(x_i) ],  w(t) = gamma t^4 / (4 a^2) - (L + gamma) t^2 / 2,

    with gates g_1 = 1 and g_i = sigma(x_{i-1}), sigma(t) = S((t^2/a^2 - c) / (1 - c)),
    S the quintic smoothstep (0 for |t| <= sqrt(c) a, 1 for |t| >= a).

    With the gate shut a coordinate feels L t^2 / 2 (curvature +L); open, it feels
    -gamma t^2/2 + gamma t^4/(4a^2): curvature -gamma at 0 and minima at +-a with
    curvature 2 gamma. So s_i = (a, ..., a, 0, ..., 0) (i - 1 entries a) is a saddle
    of index 1 with Hessian diag(2 gamma, ..., 2 gamma, -gamma, L, ..., L), for
    i = 1..d, and (a, ..., a) is a minimum with f = -d gamma a^2 / 4 (signs of the
    coordinates are free: the landscape is even in each).
    """

    dim: int = 4
    gamma: float = 1.0
    L: float = 0.5
    a: float = 1.0
    gate: float = 0.25
    name = "saddle-chain"
    summary = "d saddles in a row (after Du et al. 2017): GD's escape time grows exponentially in d"

    def __post_init__(self):
        if self.dim < 1:
            raise LandscapeError(f"saddle-chain: dim must be a positive integer, got {self.dim}")
        for key in ("gamma", "L", "a"):
            if not getattr(self, key) > 0:
                raise LandscapeError(f"saddle-chain: {key} must be positive, got {getattr(self, key)}")
        if not 0 <= self.gate < 1:
            raise LandscapeError(f"saddle-chain: gate must be in [0, 1), got {self.gate}")

    euler_characteristic = 1  # coercive: every coordinate grows at least like a quartic or L t^2/2

    @property
    def domain(self):
        return ((-1.5 * self.a, 1.5 * self.a),) * self.dim

    def _w(self, t):
        g, L, a2 = self.gamma, self.L, self.a**2
        t2 = t * t
        return t2 * (g * t2 / (4 * a2) - (L + g) / 2), t * (g * t2 / a2 - (L + g)), 3 * g * t2 / a2 - (L + g)

    def _gates(self, x):
        """sigma, sigma', sigma'' at every coordinate (..., d)."""
        a2, c = self.a**2, self.gate
        S, dS, ddS = _smoothstep((x * x / a2 - c) / (1 - c))
        ds = 2 * x / (a2 * (1 - c))
        return S, dS * ds, ddS * ds * ds + dS * 2 / (a2 * (1 - c))

    def _shifted(self, arr, first):
        """g_i = arr_{i-1}, with g_1 = first."""
        return np.concatenate([np.full(arr.shape[:-1] + (1,), first), arr[..., :-1]], -1)

    def value(self, x):
        x = points(x, self.dim)
        w = self._w(x)[0]
        g = self._shifted(self._gates(x)[0], 1.0)
        return np.sum(self.L * x * x / 2 + g * w, -1)

    def grad(self, x):
        x = points(x, self.dim)
        w, dw, _ = self._w(x)
        s, ds, _ = self._gates(x)
        g = self._shifted(s, 1.0)
        # d/dx_i of g_{i+1} w(x_{i+1}) = sigma'(x_i) w(x_{i+1})
        nxt = np.concatenate([w[..., 1:], np.zeros(w.shape[:-1] + (1,))], -1)
        return self.L * x + g * dw + ds * nxt

    def hess(self, x):
        x = points(x, self.dim)
        w, dw, ddw = self._w(x)
        s, ds, dds = self._gates(x)
        g = self._shifted(s, 1.0)
        zero = np.zeros(w.shape[:-1] + (1,))
        nxt_w = np.concatenate([w[..., 1:], zero], -1)
        diag = self.L + g * ddw + dds * nxt_w
        off = ds[..., :-1] * dw[..., 1:]  # d^2 f / dx_i dx_{i+1}
        d = self.dim
        H = np.zeros(x.shape[:-1] + (d, d))
        i = np.arange(d)
        H[..., i, i] = diag
        H[..., i[:-1], i[:-1] + 1] = off
        H[..., i[:-1] + 1, i[:-1]] = off
        return H

    def saddles(self) -> np.ndarray:
        """The chain's saddles s_1..s_d, (d, d): s_i has a in its first i - 1 entries."""
        return np.tril(np.full((self.dim, self.dim), self.a), -1)

    def minimum(self) -> np.ndarray:
        return np.full(self.dim, self.a)
