"""Formulas against the hand-written families: build time and evaluation speed, side by side.

For each classic function typed as a formula (the expression family) and its hand-written
family (landscape/families/classic.py), measured in one run on the same points:

- build: parsing, symbolic differentiation and compiling (the first build of a formula; a
  repeated one is a cache lookup), against constructing the hand-written dataclass;
- value + gradient and Hessian of a batch of POINTS points, points per second and the ratio
  expression / hand-written (above 1: the formula is faster).

Also one heavier case, a 6-variable polynomial (84 terms) against the polynomial family's monomial
tables. Every pair is checked to agree before it is timed.

    python benchmarks/expression.py [POINTS]
"""

from __future__ import annotations

import sys
import time

import numpy as np
from timing import best_of  # benchmarks/timing.py, beside this script

CLASSICS = {
    "saddle-2d": "x^2/2 + y^4/4 - y^2/2",
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "six-hump-camel": "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
    "muller-brown": None,  # written out from the family's constants below
}


def _muller_brown() -> str:
    from landscape.families.classic import _MB_A, _MB_a, _MB_b, _MB_c, _MB_x0, _MB_y0

    return " + ".join(f"({A:g})*exp(({a:g})*(x - ({x0:g}))^2 + ({b:g})*(x - ({x0:g}))*(y - ({y0:g})) + "
                      f"({c:g})*(y - ({y0:g}))^2)"
                      for A, a, b, c, x0, y0 in zip(_MB_A, _MB_a, _MB_b, _MB_c, _MB_x0, _MB_y0))


def best(fn) -> float:
    return best_of(fn, 5)


def _polynomial_formula(poly) -> str:
    parts = []
    for e, c in poly.terms_list():
        mono = "*".join(f"x{j + 1}^{k}" for j, k in enumerate(e) if k) or "1"
        parts.append(f"({c!r})*{mono}")
    return " + ".join(parts)


def main(points: int = 100_000) -> None:
    import landscape.formula as formula
    from landscape.families import build

    import sympy  # noqa: F401 - imported once before the clock, as a session would have it

    rows = []
    cases = [(name, text or _muller_brown(), build(name)) for name, text in CLASSICS.items()]
    poly = build("polynomial", {"dim": 6, "seed": 0})
    cases.append(("polynomial N=6", _polynomial_formula(poly), poly))
    for name, text, hand in cases:
        formula._compile_cached.cache_clear()
        t = time.perf_counter()
        typed = build("expression", {"f": text, "box": hand.domain})
        build_s = time.perf_counter() - t
        hand_build = best(lambda: build(hand.name) if hand.name != "polynomial" else
                          build("polynomial", {"dim": 6, "seed": 0}))
        x = hand.sample_starts(hand.domain, points, 0)
        assert np.allclose(typed.grad(x), hand.grad(x), rtol=1e-9, atol=1e-9 * np.abs(hand.grad(x)).max())
        assert np.allclose(typed.hess(x[:1000]), hand.hess(x[:1000]), rtol=1e-9,
                           atol=1e-9 * np.abs(hand.hess(x[:1000])).max())
        tg_e, tg_h = best(lambda: typed.grad(x)), best(lambda: hand.grad(x))
        th_e, th_h = best(lambda: typed.hess(x)), best(lambda: hand.hess(x))
        rows.append((name, build_s, hand_build, points / tg_e, points / tg_h, points / th_e, points / th_h))
    print(f"{points} points per batch; best of 5; ratio = expression speed / hand-written speed")
    print(f"{'landscape':18s} {'build (expr)':>12s} {'build (hand)':>12s} {'grad pts/s':>22s} {'ratio':>6s} "
          f"{'hess pts/s':>22s} {'ratio':>6s}")
    for name, b_e, b_h, g_e, g_h, h_e, h_h in rows:
        print(f"{name:18s} {b_e * 1e3:10.1f}ms {b_h * 1e6:10.1f}us {g_e:10.3g} vs {g_h:9.3g} {g_e / g_h:6.2f} "
              f"{h_e:10.3g} vs {h_h:9.3g} {h_e / h_h:6.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
