"""Classic two-dimensional test functions with analytic derivatives.

Each is a frozen dataclass under its usual name, with its usual parameters and
the plotting / search box it is usually shown on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points, stack_grad, stack_hess


class _TwoD(Landscape):
    """Shared plumbing: split (..., 2) into x and y."""

    @property
    def dim(self) -> int:
        return 2

    def _xy(self, p):
        p = points(p, 2)
        return p[..., 0], p[..., 1]


@dataclass(frozen=True)
class Saddle2D(_TwoD):
    """f(x, y) = x^2/2 + y^4/4 - y^2/2.

    A saddle at the origin with Hessian eigenvalues +1 and -1, and minima at
    (0, +1) and (0, -1) with f = -1/4. GD decouples: x <- (1 - eta) x,
    y <- (1 + eta) y - eta y^3.
    """

    name = "saddle-2d"
    summary = "x^2/2 + y^4/4 - y^2/2: one saddle (eigenvalues +1, -1) between two minima"

    euler_characteristic = 1  # coercive: Morse sum over all critical points

    @property
    def domain(self):
        return ((-2.0, 2.0), (-2.0, 2.0))

    def value(self, p):
        x, y = self._xy(p)
        y2 = y * y  # products, not **: numpy sends integer powers above 2 to libm's pow (10x slower)
        return 0.5 * x * x + (0.25 * y2 - 0.5) * y2

    def grad(self, p):
        x, y = self._xy(p)
        return stack_grad(x, (y * y - 1) * y)

    def hess(self, p):
        x, y = self._xy(p)
        one, zero = np.ones_like(x), np.zeros_like(x)
        return stack_hess([[one, zero], [zero, 3 * y * y - 1]])

    def known_critical_points(self):
        return np.array([[0.0, 0.0], [0.0, 1.0], [0.0, -1.0]])


@dataclass(frozen=True)
class MonkeySaddle(_TwoD):
    """f(x, y) = x^3 - 3 x y^2: the origin is a degenerate critical point (H = 0)."""

    name = "monkey-saddle"
    summary = "x^3 - 3xy^2: a degenerate critical point with three descending valleys"

    @property
    def domain(self):
        return ((-1.5, 1.5), (-1.5, 1.5))

    def value(self, p):
        x, y = self._xy(p)
        return x**3 - 3 * x * y**2

    def grad(self, p):
        x, y = self._xy(p)
        return stack_grad(3 * x**2 - 3 * y**2, -6 * x * y)

    def hess(self, p):
        x, y = self._xy(p)
        return stack_hess([[6 * x, -6 * y], [-6 * y, -6 * x]])

    def known_critical_points(self):
        return np.zeros((1, 2))


@dataclass(frozen=True)
class Rosenbrock(_TwoD):
    """f(x, y) = (a - x)^2 + b (y - x^2)^2; one minimum at (a, a^2) (Rosenbrock 1960)."""

    a: float = 1.0
    b: float = 100.0
    name = "rosenbrock"
    summary = "(a - x)^2 + b (y - x^2)^2: a curved valley with one minimum at (a, a^2)"

    euler_characteristic = 1  # coercive: Morse sum over all critical points

    def __post_init__(self):
        if not 0 < self.b <= 1e12:
            raise LandscapeError(f"rosenbrock: b must be in (0, 1e12], got {self.b:g} (b <= 0 leaves a line of "
                                 "critical points or no minimum; beyond 1e12 the (a - x)^2 term falls below double "
                                 "precision's resolution of the valley, which then looks flat)")

    @property
    def domain(self):
        """[-2, 2] x [-1, 3], widened where needed to hold the minimum (a, a^2) with a margin of 1."""
        a = self.a
        return ((min(-2.0, a - 1.0), max(2.0, a + 1.0)), (min(-1.0, a * a - 1.0), max(3.0, a * a + 1.0)))

    def value(self, p):
        x, y = self._xy(p)
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, p):
        x, y = self._xy(p)
        r = y - x**2
        return stack_grad(-2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r)

    def hess(self, p):
        x, y = self._xy(p)
        b = self.b
        hxy = -4 * b * x
        return stack_hess([[2 - 4 * b * y + 12 * b * x**2, hxy],
                           [hxy, np.full_like(x, 2 * b)]])

    def known_critical_points(self):
        if self.b == 0:
            return None
        return np.array([[self.a, self.a**2]])


@dataclass(frozen=True)
class Himmelblau(_TwoD):
    """f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2 (Himmelblau 1972).

    Four minima with f = 0, four saddles and one maximum near (-0.2708, -0.9230).
    """

    name = "himmelblau"
    summary = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2: four equal minima, four saddles, one maximum"

    euler_characteristic = 1  # coercive: Morse sum over all critical points

    @property
    def domain(self):
        return ((-5.0, 5.0), (-5.0, 5.0))

    def value(self, p):
        x, y = self._xy(p)
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def grad(self, p):
        x, y = self._xy(p)
        u, v = x**2 + y - 11, x + y**2 - 7
        return stack_grad(4 * x * u + 2 * v, 2 * u + 4 * y * v)

    def hess(self, p):
        x, y = self._xy(p)
        hxy = 4 * x + 4 * y
        return stack_hess([[12 * x**2 + 4 * y - 42, hxy],
                           [hxy, 4 * x + 12 * y**2 - 26]])


@dataclass(frozen=True)
class SixHumpCamel(_TwoD):
    """f(x, y) = (4 - 2.1 x^2 + x^4/3) x^2 + x y + (-4 + 4 y^2) y^2.

    Six minima, two global at +-(0.0898, -0.7126) with f = -1.0316 (Dixon and
    Szego 1978), on the box [-3, 3] x [-2, 2].
    """

    name = "six-hump-camel"
    summary = "six-hump camel back: six minima (two global, f = -1.0316), saddles and maxima"

    euler_characteristic = 1  # coercive: Morse sum over all critical points

    @property
    def domain(self):
        return ((-3.0, 3.0), (-2.0, 2.0))

    def value(self, p):
        x, y = self._xy(p)
        return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2

    def grad(self, p):
        x, y = self._xy(p)
        return stack_grad(8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3)

    def hess(self, p):
        x, y = self._xy(p)
        return stack_hess([[8 - 25.2 * x**2 + 10 * x**4, np.ones_like(x)],
                           [np.ones_like(x), -8 + 48 * y**2]])


# Müller and Brown (1979), Theor. Chim. Acta 53, 75: four Gaussian terms
# A_k exp(a_k dx^2 + b_k dx dy + c_k dy^2) with dx = x - x0_k, dy = y - y0_k.
_MB_A = np.array([-200.0, -100.0, -170.0, 15.0])
_MB_a = np.array([-1.0, -1.0, -6.5, 0.7])
_MB_b = np.array([0.0, 0.0, 11.0, 0.6])
_MB_c = np.array([-10.0, -10.0, -6.5, 0.7])
_MB_x0 = np.array([1.0, 0.0, -0.5, -1.0])
_MB_y0 = np.array([0.0, 0.5, 1.5, 1.0])


@dataclass(frozen=True)
class MullerBrown(_TwoD):
    """The Müller-Brown potential: sum_k A_k exp(a_k dx^2 + b_k dx dy + c_k dy^2).

    Three minima and two saddles (transition states) on the usual box
    [-1.5, 1.2] x [-0.2, 2.0] (Müller and Brown 1979).
    """

    name = "muller-brown"
    summary = "Müller-Brown potential (1979): three minima joined by two saddles"

    @property
    def domain(self):
        return ((-1.5, 1.2), (-0.2, 2.0))

    def _terms(self, p):
        x, y = self._xy(p)
        dx = x[..., None] - _MB_x0
        dy = y[..., None] - _MB_y0
        e = _MB_A * np.exp(_MB_a * dx**2 + _MB_b * dx * dy + _MB_c * dy**2)
        qx = 2 * _MB_a * dx + _MB_b * dy
        qy = _MB_b * dx + 2 * _MB_c * dy
        return e, qx, qy

    def value(self, p):
        e, _, _ = self._terms(p)
        return e.sum(-1)

    def grad(self, p):
        e, qx, qy = self._terms(p)
        return stack_grad((e * qx).sum(-1), (e * qy).sum(-1))

    def hess(self, p):
        e, qx, qy = self._terms(p)
        hxx = (e * (qx * qx + 2 * _MB_a)).sum(-1)
        hxy = (e * (qx * qy + _MB_b)).sum(-1)
        hyy = (e * (qy * qy + 2 * _MB_c)).sum(-1)
        return stack_hess([[hxx, hxy], [hxy, hyy]])
