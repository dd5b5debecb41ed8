"""Quadratic landscapes f(x) = 1/2 x^T H x + b^T x + c."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import MAX_DIM, Landscape, points


def haar_rotation(n: int, rng: np.random.Generator) -> np.ndarray:
    """A Haar-random orthogonal n x n matrix (QR of a Gaussian, signs fixed by diag(R))."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


@dataclass(frozen=True)
class Quadratic(Landscape):
    """f(x) = 1/2 x^T H x + b^T x + c, with H = Q diag(eigenvalues) Q^T or given.

    Give either ``eigenvalues`` (with ``rotation`` "random", seeded by ``seed``,
    or "identity") or the symmetric matrix ``hessian``. When H is nonsingular the
    one critical point is x* = -H^{-1} b, of index = number of negative eigenvalues.
    """

    eigenvalues: tuple[float, ...] | None = (1.0, -1.0)
    hessian: tuple[tuple[float, ...], ...] | None = None
    b: tuple[float, ...] | None = None
    c: float = 0.0
    rotation: str = "random"
    seed: int = 0
    name = "quadratic"
    summary = "1/2 x^T H x + b^T x + c with H built from eigenvalues and a rotation"

    exclusive = (("eigenvalues", "hessian"),)

    @classmethod
    def check_size(cls, params, where):
        for key in ("eigenvalues", "hessian"):
            n = len(params.get(key) or ())
            if n > MAX_DIM:
                raise LandscapeError(f"{where}: {key} gives dimension {n}; at most {MAX_DIM} (H is a dense "
                                     f"n x n matrix: {8 * n * n / 1e9:.3g} GB at {n})")

    def __post_init__(self):
        if self.hessian is not None:
            H = np.asarray(self.hessian, dtype=float)
            if H.ndim != 2 or H.shape[0] != H.shape[1] or H.shape[0] == 0:
                raise LandscapeError(f"quadratic: hessian must be a square matrix, got shape {H.shape}")
            if not np.all(np.isfinite(H)):
                raise LandscapeError("quadratic: hessian has a non-finite entry")
            if not np.allclose(H, H.T, rtol=1e-12, atol=1e-12 * np.abs(H).max(initial=1.0)):
                raise LandscapeError("quadratic: hessian must be symmetric")
            H = 0.5 * (H + H.T)
        elif self.eigenvalues is not None:
            lam = np.asarray(self.eigenvalues, dtype=float)
            if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)):
                raise LandscapeError("quadratic: eigenvalues must be a non-empty list of finite numbers")
            if self.rotation == "identity":
                Q = np.eye(lam.size)
            elif self.rotation == "random":
                Q = haar_rotation(lam.size, np.random.default_rng(self.seed))
            else:
                raise LandscapeError(
                    f"quadratic: rotation must be 'random' or 'identity', got {self.rotation!r}")
            H = (Q * lam) @ Q.T
            H = 0.5 * (H + H.T)
        else:
            raise LandscapeError("quadratic: give eigenvalues or hessian")
        n = H.shape[0]
        b = np.zeros(n) if self.b is None else np.asarray(self.b, dtype=float)
        if b.shape != (n,) or not np.all(np.isfinite(b)):
            raise LandscapeError(f"quadratic: b must be {n} finite numbers, got shape {b.shape}")
        object.__setattr__(self, "_H", H)
        object.__setattr__(self, "_b", b)
        # a diagonal H (rotation "identity") costs O(n) per point instead of O(n^2)
        object.__setattr__(self, "_diag", np.diag(H).copy() if np.count_nonzero(H - np.diag(np.diag(H))) == 0
                           else None)

    @property
    def dim(self) -> int:
        return self._H.shape[0]

    @property
    def H(self) -> np.ndarray:
        return self._H.copy()

    @property
    def domain(self):
        centre = self.known_critical_points()
        centre = np.zeros(self.dim) if centre is None else centre[0]
        half = max(2.0, 2.0 * float(np.abs(centre).max(initial=0.0)))
        return tuple((float(c - half), float(c + half)) for c in centre)

    def value(self, x):
        x = points(x, self.dim)
        Hx = x * self._diag if self._diag is not None else x @ self._H
        return 0.5 * np.sum(x * Hx, -1) + x @ self._b + self.c

    def grad(self, x):
        x = points(x, self.dim)
        return (x * self._diag if self._diag is not None else x @ self._H) + self._b

    def hess(self, x):
        x = points(x, self.dim)
        return np.broadcast_to(self._H, x.shape[:-1] + self._H.shape).copy()

    def known_critical_points(self):
        lam = np.linalg.eigvalsh(self._H)
        if np.abs(lam).min() <= 1e-12 * np.abs(lam).max(initial=1.0):
            return None
        return -np.linalg.solve(self._H, self._b)[None, :]
