"""What is known about a formula that is a polynomial: its terms, degree, Bézout bound, coercivity.

``analyse(expr, symbols)`` returns a ``PolynomialInfo`` when the sympy expression is
a polynomial in the symbols small enough to expand (at most ``MAX_TERMS`` terms, total
degree at most ``MAX_DEGREE``), else None. Coercivity (f -> +inf as |x| -> inf, so
f is bounded below, its critical points lie in a bounded box and the Morse relation
sum_k (-1)^k c_k = 1 holds) is decided where a sufficient or a refuting condition
applies, and left undecided (None) otherwise:

- true if every variable has an even pure power c_j x_j^(D_j), c_j > 0, such that every
  other monomial x^e has sum_j e_j / D_j < 1 (each is then dominated by the pure
  powers, by the weighted AM-GM inequality);
- false if the total degree D is odd, or the top-degree part h (f(t v) ~ t^D h(v))
  is negative in some direction v, which is looked for among the axes, the
  diagonals and 1024 seeded quasi-random directions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .polynomial import MAX_DEGREE, MAX_TERMS, Polynomial


@dataclass(frozen=True, eq=False)
class PolynomialInfo:
    """``terms`` [(exponents, coefficient)], ``degree`` D, ``bezout_bound`` (D-1)^N,
    ``coercive`` True/False/None (undecided), ``family`` the equivalent Polynomial landscape."""

    terms: tuple
    degree: int
    bezout_bound: int
    coercive: bool | None
    family: Polynomial

    def to_dict(self) -> dict:
        return {"degree": self.degree, "terms": len(self.terms), "bezout_bound": self.bezout_bound,
                "coercive": self.coercive}


def bounds(expr, cap: int) -> tuple[int, int]:
    """Upper bounds (terms, total degree) of a polynomial expression once expanded, without
    expanding it: one post-order walk (no recursion), the term count capped at cap + 1.

    A sum has at most the sum of its parts' terms and their largest degree; a product the product
    of the terms and the sum of the degrees; u^p with t terms at most C(t + p - 1, p) terms and p
    times u's degree.
    """
    import sympy

    stack, results = [(expr, False)], []
    while stack:
        e, done = stack.pop()
        is_pow = isinstance(e, sympy.Pow) and e.exp.is_Integer
        if not done:
            stack.append((e, True))
            if isinstance(e, (sympy.Add, sympy.Mul)) or is_pow:
                stack.extend((a, False) for a in ((e.base,) if is_pow else e.args))
            continue
        if isinstance(e, (sympy.Add, sympy.Mul)):
            parts = [results.pop() for _ in e.args]
            terms = [t for t, _ in parts]
            degrees = [d for _, d in parts]
            if isinstance(e, sympy.Add):
                results.append((min(sum(terms), cap + 1), max(degrees)))
            else:
                results.append((min(math.prod(terms), cap + 1), sum(degrees)))
        elif is_pow:
            (t, d), p = results.pop(), abs(int(e.exp))
            results.append((min(math.comb(t + p - 1, p) if t > 1 else 1, cap + 1), d * p))
        else:
            results.append((1, 0 if e.is_number else 1))
    return results[0]


def analyse(expr, symbols) -> PolynomialInfo | None:
    """The polynomial analysis of expr in symbols, or None when it is not (or too big to be) one."""
    import sympy

    if not expr.is_polynomial(*symbols):
        return None
    terms, degree = bounds(expr, MAX_TERMS)
    if degree > MAX_DEGREE or terms > MAX_TERMS:
        return None  # a polynomial too big to expand (checked before expanding anything)
    poly = sympy.Poly(expr, *symbols)
    degree = int(poly.total_degree())
    if degree > MAX_DEGREE or not all(c.is_real for c in poly.coeffs()):
        return None
    terms = tuple((tuple(int(e) for e in monom), float(c)) for monom, c in poly.terms())
    if not any(c != 0 for _, c in terms) or not any(any(e) for e, c in terms if c != 0):
        return None
    family = Polynomial(terms=terms)
    return PolynomialInfo(terms, degree, family.count_bound(), coercive(terms, len(symbols)), family)


def coercive(terms, n: int) -> bool | None:
    """True, False or None (undecided) by the rules in the module docstring."""
    exps = np.array([e for e, c in terms if c != 0], dtype=np.int64)
    coefs = np.array([c for _, c in terms if c != 0])
    total = exps.sum(axis=1)
    D = int(total.max())
    if D % 2:
        return False
    pure = {}
    for e, c in zip(exps, coefs):
        nz = np.flatnonzero(e)
        if len(nz) == 1 and e[nz[0]] % 2 == 0 and c > 0:
            j = int(nz[0])
            pure[j] = max(pure.get(j, 0), int(e[j]))
    if len(pure) == n:
        D_j = np.array([pure[j] for j in range(n)], dtype=float)
        weight = (exps / D_j).sum(axis=1)
        is_pure = np.array([len(np.flatnonzero(e)) == 1 and e[np.flatnonzero(e)[0]] == pure[int(np.flatnonzero(e)[0])]
                            for e in exps])
        if np.all((weight < 1 - 1e-12) | is_pure):
            return True
    top = total == D
    directions = np.concatenate([np.eye(n), -np.eye(n), _directions(n)])
    h = (np.prod(directions[:, None, :] ** exps[top][None, :, :], axis=-1) * coefs[top]).sum(axis=1)
    if np.any(h < -1e-12 * np.abs(coefs[top]).sum()):
        return False
    return None


def _directions(n: int) -> np.ndarray:
    from ..sobol import sobol

    u = sobol(n, 10, 0)
    v = 2.0 * u - 1.0
    return v / np.linalg.norm(v, axis=1, keepdims=True)
