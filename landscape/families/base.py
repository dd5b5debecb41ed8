"""The Landscape protocol and helpers shared by every family.

A landscape is a smooth f: R^n -> R evaluated in batches: ``x`` has shape
``(..., dim)``; ``value`` returns ``(...)``, ``grad`` ``(..., dim)`` and
``hess`` ``(..., dim, dim)``. Derivatives are analytic in every family.

A family on a manifold (the p-spin's sphere) sets ``manifold`` and
``tangent_dim`` and returns Riemannian derivatives: ``grad`` is a tangent
vector in R^n and ``hess`` ``(..., m, m)`` acts on the m-dimensional tangent
space in the orthonormal basis ``tangent_basis(x)`` ``(..., n, m)``; a step v
is taken with ``retract(x, v)``. In R^n these are the identity and x + v.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from ..errors import LandscapeError

MAX_DIM = 4096
"""The largest dimension a landscape with dense Hessians may have."""

MAX_MAGNITUDE = 1e100
"""The largest |number| a family parameter (or a polynomial's coefficient) may have: the
formulas square and cube their parameters, and beyond this double precision overflows."""


class Landscape:
    """Base class of the families: subclasses are frozen dataclasses.

    Subclasses set ``name`` and implement ``value``, ``grad`` and ``hess`` on
    ``(..., dim)`` arrays; ``dim`` is a property or field. ``domain`` is the box
    ``((lo_1, hi_1), ..., (lo_n, hi_n))`` used for plots and search starts.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    manifold: ClassVar[str] = "euclidean"
    exclusive: ClassVar[tuple[tuple[str, ...], ...]] = ()
    """Groups of parameters of which a user may give only one (build() refuses two)."""
    joint_derivatives: ClassVar[bool] = False
    """True when ``derivatives`` costs little more than ``grad`` (shared work), so the solver
    asks for both at every trial point."""

    @classmethod
    def check_size(cls, params: dict, where: str) -> None:
        """Refuse, before anything is allocated, parameters that make the landscape too big.

        The default bounds ``dim`` by MAX_DIM: every analysis holds dense (dim, dim)
        Hessians, 134 MB each at 4096. Families whose construction grows faster
        (the p-spin's N^p couplings) or whose size comes from other keys override it.
        """
        dim = params.get("dim")
        if isinstance(dim, int) and dim > MAX_DIM:
            raise LandscapeError(f"{where}: dim {dim} is too large (at most {MAX_DIM}: each Hessian is a "
                                 f"dense dim x dim matrix, {8 * dim * dim / 1e9:.3g} GB at {dim})")

    def evaluation_cost(self) -> tuple[float, float]:
        """Rough operations per point of (value and gradient, Hessian), for the work bounds.

        The default is a dense family's: O(n^2) for the gradient, 2 n^2 to fill the Hessian;
        families whose formulas cost more (features, couplings, monomials, data) say so.
        """
        n = float(self.dim)
        return n * n + 10 * n, 2 * n * n

    @property
    def dim(self) -> int:  # pragma: no cover - every family overrides
        raise NotImplementedError

    @property
    def domain(self) -> tuple[tuple[float, float], ...]:
        return ((-2.0, 2.0),) * self.dim

    def value(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def hess(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    @property
    def tangent_dim(self) -> int:
        """Dimension of the space the Hessian acts on (dim in R^n)."""
        return self.dim

    def derivatives(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(grad, hess) at x; a family whose two share work computes them together."""
        return self.grad(x), self.hess(x)

    def tangent_basis(self, x: np.ndarray) -> np.ndarray | None:
        """Orthonormal basis (..., dim, tangent_dim) of the tangent space; None in R^n."""
        return None

    def project(self, x: np.ndarray) -> np.ndarray:
        """The nearest point of the landscape's manifold (x itself in R^n)."""
        return x

    def retract(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The point reached from x by the step v (x + v in R^n)."""
        return x + v

    def images(self, x: np.ndarray) -> list[np.ndarray]:
        """Images of x under the landscape's symmetries (critical points map to critical points)."""
        return []

    def sample_starts(self, domain, count: int, seed) -> np.ndarray:
        """count search starts: scrambled Sobol points in the box ``domain``, seeded."""
        from ..sobol import sobol

        box = np.asarray(domain)
        u = sobol(len(box), int(np.ceil(np.log2(max(count, 1)))), seed)[:count]
        return box[:, 0] + u * (box[:, 1] - box[:, 0])

    @property
    def euler_characteristic(self) -> int | None:
        """sum_k (-1)^k c_k over the nondegenerate critical points, when the topology fixes it.

        1 for a coercive f on R^n (bounded below, growing at infinity: Morse
        theory on its sublevel balls); None when nothing is known.
        """
        return None

    def expected_index_counts(self):
        """(mean, standard error) of the number of critical points of each index, or None."""
        return None

    def expected_index_values(self):
        """The expected mean value of the critical points of each index, or None."""
        return None

    def expected_total(self):
        """(E[total number of critical points], standard error), or None: the sum of
        ``expected_index_counts`` with their errors added in quadrature (a family whose
        per-index errors are correlated gives its own)."""
        expected = self.expected_index_counts()
        if expected is None:
            return None
        mean, se = (np.asarray(a, dtype=float) for a in expected)
        return float(mean.sum()), float(np.sqrt(np.sum(se**2)))

    def count_bound(self) -> int | None:
        """The most isolated critical points the landscape can have (complex count), or None."""
        return None

    def known_critical_points(self) -> np.ndarray | None:
        """Critical points known in closed form, shape (m, dim), or None."""
        return None

    def params(self) -> dict:
        """The constructor parameters, for results files."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def describe(self) -> dict:
        return {"name": self.name, "dim": self.dim, "params": self.params()}


def points(x, dim: int) -> np.ndarray:
    """``x`` as a float array whose last axis has length ``dim``."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 0 or x.shape[-1] != dim:
        raise LandscapeError(
            f"a point needs {dim} coordinates, got shape {x.shape}")
    return x


def stack_grad(*components: np.ndarray) -> np.ndarray:
    """Gradient (..., n) from its n component arrays."""
    return np.stack(np.broadcast_arrays(*components), axis=-1)


def stack_hess(rows: list[list[np.ndarray]]) -> np.ndarray:
    """Hessian (..., n, n) from an n x n nested list of component arrays."""
    flat = np.broadcast_arrays(*[entry for row in rows for entry in row])
    n = len(rows)
    out = np.stack(flat, axis=-1)
    return out.reshape(out.shape[:-1] + (n, n))
