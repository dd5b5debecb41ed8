"""Polynomials in N variables: given by their terms, or drawn at random.

Polynomial landscapes are where complete solvers (homotopy continuation)
exist to compare the critical-point search against: grad f = 0 is a square
polynomial system, with at most (d-1)^N isolated complex solutions (Bezout).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import MAX_DIM, MAX_MAGNITUDE, Landscape, points

KINDS = ("coercive", "gaussian", "kostlan")
MAX_DEGREE = 64
"""The largest total degree of a term."""

def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


MAX_TERMS = 200_000


def monomials(n: int, degree: int) -> np.ndarray:
    """All exponent vectors (T, n) of total degree <= degree, by degree then lexicographic."""
    out = [np.zeros((1, n), dtype=np.int64)]
    for d in range(1, degree + 1):
        combos = np.array(list(itertools.combinations_with_replacement(range(n), d)))
        exps = np.zeros((len(combos), n), dtype=np.int64)
        np.add.at(exps, (np.repeat(np.arange(len(combos)), d), combos.ravel()), 1)
        out.append(exps[::-1])
    return np.concatenate(out)


def _collect(exps: np.ndarray, coefs: np.ndarray, width: int):
    """Merge equal exponent rows: (unique exps (U, n), coefficient matrix (U, width))."""
    uniq, inverse = np.unique(exps, axis=0, return_inverse=True)
    out = np.zeros((len(uniq), width))
    np.add.at(out, inverse.ravel(), coefs)
    return uniq, out


@dataclass(frozen=True)
class Polynomial(Landscape):
    """f(x) = sum_t c_t prod_j x_j^(e_tj), from ``terms`` or drawn at random (seeded).

    terms: ((exponents, coefficient), ...), as in a JSON file
    {"terms": [[[e1, ..., eN], c], ...]}. Without terms, ``kind`` draws:

    - coercive: sum_i x_i^4 + a dense cubic with N(0, 1) coefficients on every
      monomial of degree <= 3: bounded below, 3^N complex critical points;
    - gaussian: every monomial of degree <= ``degree`` with N(0, 1) coefficients;
    - kostlan: the same with variances d! / (alpha! (d - |alpha|)!) (the
      dehomogenised Kostlan ensemble, invariant under rotations of the sphere).

    Value, gradient and Hessian are products of one table of monomial values
    with precomputed coefficient matrices, so a batch costs a few matmuls.
    """

    dim: int = 2
    kind: str = "coercive"
    degree: int = 3
    seed: int = 0
    terms: object = None
    name = "polynomial"
    summary = "polynomial from a terms file, or random: coercive quartic, Gaussian or Kostlan"

    def __post_init__(self):
        if self.terms is not None:
            exps, coefs = self._parse_terms(self.terms)
            object.__setattr__(self, "dim", exps.shape[1])
            object.__setattr__(self, "kind", "terms")
            object.__setattr__(self, "terms", tuple((tuple(int(v) for v in e), float(c))
                                                    for e, c in zip(exps, coefs)))
        else:
            exps, coefs = self._draw()
        exps, coefs = _collect(exps, coefs[:, None], 1)  # equal exponents add up
        keep = coefs[:, 0] != 0
        exps, coefs = exps[keep], coefs[keep, 0]
        if len(exps) == 0:
            raise LandscapeError("polynomial: every coefficient is zero")
        if not exps.any():
            raise LandscapeError("polynomial: it is a constant, so every point is critical and none is "
                                 "isolated; give a term of degree >= 1")
        self._compile(exps, coefs)

    def _parse_terms(self, terms):
        if not isinstance(terms, (list, tuple)) or not terms:
            raise LandscapeError("polynomial: terms must be a non-empty list of [[e1, ..., eN], coefficient]")
        exps, coefs = [], []
        for i, term in enumerate(terms):
            ok = isinstance(term, (list, tuple)) and len(term) == 2 and isinstance(term[0], (list, tuple))
            ok = ok and all(isinstance(e, int) and not isinstance(e, bool) and e >= 0 for e in term[0])
            ok = ok and isinstance(term[1], (int, float)) and not isinstance(term[1], bool)
            if not ok or not math.isfinite(term[1]):
                raise LandscapeError(f"polynomial: term {i + 1} must be [[e1, ..., eN], coefficient] with "
                                     f"non-negative integer exponents and a finite number, got {_short(term)}")
            if abs(term[1]) > MAX_MAGNITUDE:
                raise LandscapeError(f"polynomial: term {i + 1}: coefficient {term[1]:g} is too large (at most "
                                     f"{MAX_MAGNITUDE:.0e}: rescale the polynomial, which moves no critical point)")
            if len(term[0]) > MAX_DIM:
                raise LandscapeError(f"polynomial: term {i + 1} has {len(term[0])} exponents; at most {MAX_DIM} "
                                     "variables")
            if sum(term[0]) > MAX_DEGREE:
                raise LandscapeError(f"polynomial: term {i + 1} has degree {sum(term[0])}; at most {MAX_DEGREE} "
                                     "(the degree sets the Bezout bound (D-1)^N and the cost of every derivative)")
            exps.append(term[0])
            coefs.append(float(term[1]))
        widths = {len(e) for e in exps}
        if len(widths) != 1 or 0 in widths:
            raise LandscapeError(f"polynomial: every term needs the same number (>= 1) of exponents, "
                                 f"got {sorted(widths)}")
        if len(exps) > MAX_TERMS:
            raise LandscapeError(f"polynomial: at most {MAX_TERMS} terms, got {len(exps)}")
        return np.array(exps, dtype=np.int64), np.array(coefs)

    def _draw(self):
        if self.dim < 1:
            raise LandscapeError(f"polynomial: dim must be a positive integer, got {self.dim}")
        if self.kind not in KINDS:
            raise LandscapeError(f"polynomial: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        degree = 3 if self.kind == "coercive" else self.degree
        if not 1 <= degree <= MAX_DEGREE:
            raise LandscapeError(f"polynomial: degree must be an integer from 1 to {MAX_DEGREE}, got {self.degree}")
        if math.comb(self.dim + degree, degree) > MAX_TERMS:
            raise LandscapeError(f"polynomial: dim {self.dim} and degree {degree} give more than "
                                 f"{MAX_TERMS} monomials")
        rng = np.random.default_rng(self.seed)
        exps = monomials(self.dim, degree)
        coefs = rng.standard_normal(len(exps))
        if self.kind == "kostlan":
            from scipy.special import gammaln

            log_var = (gammaln(degree + 1) - gammaln(exps + 1.0).sum(axis=1)
                       - gammaln(degree - exps.sum(axis=1) + 1.0))
            coefs *= np.exp(0.5 * log_var)
        if self.kind == "coercive":
            exps = np.concatenate([4 * np.eye(self.dim, dtype=np.int64), exps])
            coefs = np.concatenate([np.ones(self.dim), coefs])
        return exps, coefs

    def _compile(self, exps, coefs):
        """Coefficient matrices of f, grad f and Hess f over their own monomials."""
        n = exps.shape[1]
        rows, vals = [], []
        for j in range(n):
            has = exps[:, j] > 0
            e = exps[has].copy()
            vals.append(np.eye(n)[j] * (coefs[has] * e[:, j])[:, None])
            e[:, j] -= 1
            rows.append(e)
        g_exps, g_coef = _collect(np.concatenate(rows), np.concatenate(vals), n)
        rows, vals = [], []
        for j in range(n):
            has = g_exps[:, j] > 0
            e = g_exps[has].copy()
            # d/dx_j of column i of the gradient: Hessian entries (i, j)
            block = g_coef[has] * e[:, j, None]
            vals.append((block[:, :, None] * np.eye(n)[j]).reshape(-1, n * n))
            e[:, j] -= 1
            rows.append(e)
        if rows and sum(len(r) for r in rows):
            h_exps, h_coef = _collect(np.concatenate(rows), np.concatenate(vals), n * n)
        else:
            h_exps, h_coef = np.zeros((1, n), dtype=np.int64), np.zeros((1, n * n))
        object.__setattr__(self, "_tables", tuple((self._factors(e), c) for e, c in
                                                  ((exps, coefs), (g_exps, g_coef), (h_exps, h_coef))))
        object.__setattr__(self, "_gradient_terms", (g_exps, g_coef))
        top = int(exps.sum(axis=1).max())
        object.__setattr__(self, "_degree", top)
        object.__setattr__(self, "_exps", exps)
        object.__setattr__(self, "_coefs", coefs)

    def evaluation_cost(self):
        """Each table (value, gradient, Hessian) costs its monomials x (their degree + their columns)."""
        (fv, cv), (fg, cg), (fh, ch) = self._tables
        return float(fv.size + cv.size + fg.size + cg.size), float(fh.size + ch.size)

    @staticmethod
    def _factors(exps: np.ndarray) -> np.ndarray:
        """Each monomial as its variables with repetition, padded with n (the constant 1): (U, d)."""
        n = exps.shape[1]
        d = max(int(exps.sum(axis=1).max()), 1)
        out = np.full((len(exps), d), n)
        for u, e in enumerate(exps):
            f = np.repeat(np.arange(n), e)
            out[u, :len(f)] = f
        return out

    @staticmethod
    def _monomials(x, factors):
        """Values prod_j x_j^(e_j) of each monomial: (..., U), as d gathers from [x, 1]."""
        x1 = np.concatenate([x, np.ones(x.shape[:-1] + (1,))], axis=-1)
        out = x1[..., factors[:, 0]]
        for c in range(1, factors.shape[1]):
            out = out * x1[..., factors[:, c]]
        return out

    def value(self, x):
        x = points(x, self.dim)
        factors, coef = self._tables[0]
        return self._monomials(x, factors) @ coef

    def grad(self, x):
        x = points(x, self.dim)
        factors, coef = self._tables[1]
        return self._monomials(x, factors) @ coef

    def hess(self, x):
        x = points(x, self.dim)
        factors, coef = self._tables[2]
        H = (self._monomials(x, factors) @ coef).reshape(x.shape[:-1] + (self.dim, self.dim))
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    def params(self) -> dict:
        out = {"dim": self.dim, "kind": self.kind, "degree": self._degree, "seed": self.seed}
        if self.kind == "terms":
            out["terms"] = [[list(e), c] for e, c in self.terms]
            del out["seed"]
        return out

    def terms_list(self) -> list:
        """[[exponents], coefficient] of every term, the terms-file format."""
        return [[e.tolist(), float(c)] for e, c in zip(self._exps, self._coefs)]

    @property
    def coercive_power(self) -> int | None:
        """D when f = sum_i c_i x_i^D + (terms of degree < D), D even, every c_i > 0.

        Such an f is bounded below and grows at infinity (coercive): its critical
        points lie in a bounded box (``domain``) and satisfy the Morse relation.
        """
        D = self._degree
        total = self._exps.sum(axis=1)
        top = total == D
        pure = (self._exps[top] == D).any(axis=1)
        if D % 2 or not pure.all():
            return None
        owners = np.argmax(self._exps[top], axis=1)
        if len(set(owners.tolist())) != self.dim or np.any(self._coefs[top] <= 0):
            return None
        return D

    @property
    def euler_characteristic(self):
        return 1 if self.coercive_power is not None else None

    @property
    def domain(self):
        """A box holding every real critical point when f is coercive, else [-3, 3]^n.

        At a critical point, with R = max_j |x_j| = |x_i|, D c_i R^{D-1} =
        |d/dx_i (lower terms)| <= sum_t |c_t| e_ti R^{|e_t| - 1}; so R is at most
        the largest positive root of D c_i R^{D-1} - sum_d A_id R^d, maximised over i.
        """
        D = self.coercive_power
        if D is None:
            return ((-3.0, 3.0),) * self.dim
        total = self._exps.sum(axis=1)
        lower = total < D
        bound = 0.0
        for i in range(self.dim):
            lead = self._coefs[(self._exps[:, i] == D)][0]
            poly = np.zeros(D)  # ascending powers R^0 .. R^(D-1)
            poly[D - 1] = D * lead
            e = self._exps[lower]
            contrib = np.abs(self._coefs[lower]) * e[:, i]
            np.add.at(poly, np.maximum(total[lower] - 1, 0), -contrib * (e[:, i] > 0))
            roots = np.roots(poly[::-1])
            real = roots[np.abs(roots.imag) < 1e-9 * (1 + np.abs(roots))].real
            bound = max(bound, float(real.max(initial=0.0)))
        half = 1.01 * bound + 1e-9
        return ((-half, half),) * self.dim

    def count_bound(self) -> int:
        """Bezout: (D - 1)^N, the most isolated complex solutions grad f = 0 can have."""
        return (self._degree - 1) ** self.dim
