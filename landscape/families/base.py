"""The Landscape protocol and helpers shared by every family.

A landscape is a smooth f: R^n -> R evaluated in batches: ``x`` has shape
``(..., dim)``; ``value`` returns ``(...)``, ``grad`` ``(..., dim)`` and
``hess`` ``(..., dim, dim)``. Derivatives are analytic in every family.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np

from ..errors import LandscapeError


class Landscape:
    """Base class of the families: subclasses are frozen dataclasses.

    Subclasses set ``name`` and implement ``value``, ``grad`` and ``hess`` on
    ``(..., dim)`` arrays; ``dim`` is a property or field. ``domain`` is the box
    ``((lo_1, hi_1), ..., (lo_n, hi_n))`` used for plots and search starts.
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""

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
