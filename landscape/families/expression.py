"""The ``expression`` family: a landscape typed as a formula, with exact symbolic derivatives.

``Expression(f="x^4 - 2*x^2 + y^2")`` parses the formula safely, differentiates it
once with sympy and evaluates value, gradient and Hessian as compiled numpy code,
batched over leading axes like every family (``landscape/formula.py``). When
the formula is a polynomial it also carries its degree, its Bézout bound
(D-1)^N on the number of isolated critical points, and its coercivity where that
can be decided (``polynomial_info``); a coercive polynomial gets the Morse check
and, without a ``box``, the polynomial family's box that provably holds every
critical point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import MAX_MAGNITUDE, Landscape, points

DEFAULT_HALF_WIDTH = 2.0
"""Without a box (and not a coercive polynomial), the domain is [-2, 2]^n."""


@dataclass(frozen=True)
class Expression(Landscape):
    """f(x) given as a formula.

    f: the formula (``^`` and ``**`` are powers); vars: the variables' names in order
    (default x, y, z, or x1 ... xN); constants: name -> number, substituted (a scenario
    may also give them as plain keys, ``a = 1.5``); box: the domain
    ((lo, hi), ...) used for the search and the figures; dim: the number of variables
    when the default names are used and not all of them appear.
    """

    f: str = ""
    vars: tuple[str, ...] | None = None
    constants: dict | None = None
    box: tuple[tuple[float, float], ...] | None = None
    dim: int | None = None
    name = "expression"
    summary = "your own formula, e.g. f = \"x^4 - 2*x^2 + y^2\": exact symbolic gradient and Hessian"
    takes_constants = True
    """build() passes the keys it does not know as constants (``a = 1.5`` in a scenario)."""
    joint_derivatives = True

    def __post_init__(self):
        from ..formula import compile_formula

        if not isinstance(self.f, str) or not self.f.strip():
            raise LandscapeError("expression: f is required: the formula, e.g. f = \"x^4 - 2*x^2 + y^2\"")
        consts = dict(self.constants or {})
        for key, value in consts.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise LandscapeError(f"expression: constant {key!r}: expected a finite number, got {value!r}")
            if abs(value) > MAX_MAGNITUDE:
                raise LandscapeError(f"expression: constant {key!r}: {value:g} is too large (at most "
                                     f"{MAX_MAGNITUDE:.0e} in size)")
        if self.dim is not None and (isinstance(self.dim, bool) or not isinstance(self.dim, int) or self.dim < 1):
            raise LandscapeError(f"expression: dim must be a positive integer, got {self.dim!r}")
        compiled = compile_formula(self.f, self.vars, consts, self.dim)
        object.__setattr__(self, "constants", dict(sorted(consts.items())) or None)
        object.__setattr__(self, "dim", len(compiled.parsed.variables))
        object.__setattr__(self, "vars", compiled.parsed.variables)
        object.__setattr__(self, "_compiled", compiled)
        if self.box is not None:
            from ..critical import check_domain

            object.__setattr__(self, "box", tuple(tuple(float(v) for v in iv) for iv in self.box))
            check_domain(self.box, self.dim)
        self._check_centre()

    def _check_centre(self) -> None:
        """Refuse a formula that is not real and finite (with its derivatives) at the domain's centre."""
        centre = np.mean(np.asarray(self.domain, dtype=float), axis=1)
        shown = ", ".join(f"{v:g}" for v in centre)
        for what, values in (("value", self.value(centre)), ("gradient", self.grad(centre)),
                             ("Hessian", self.hess(centre))):
            if not np.all(np.isfinite(values)):
                raise LandscapeError(f"expression: its {what} is not a finite real number at the domain's centre "
                                     f"({shown}); f must be smooth there (choose --domain / box around where it is)")

    # --- evaluation -----------------------------------------------------------------------

    def value(self, x):
        from ..formula import evaluate

        return evaluate(self._compiled.value, points(x, self.dim), 0)

    def grad(self, x):
        from ..formula import evaluate

        return evaluate(self._compiled.grad, points(x, self.dim), self.dim)

    def hess(self, x):
        from ..formula import evaluate_symmetric

        return evaluate_symmetric(self._compiled.hess, points(x, self.dim), self.dim)[1]

    def derivatives(self, x):
        from ..formula import evaluate_symmetric

        return evaluate_symmetric(self._compiled.joint, points(x, self.dim), self.dim, skip=self.dim)

    def evaluation_cost(self):
        return self._compiled.cost

    # --- what is known ----------------------------------------------------------------------

    @property
    def polynomial(self):
        """The PolynomialInfo (degree, Bézout bound, coercive) when f is a polynomial, else None."""
        return self._compiled.polynomial

    @property
    def domain(self):
        if self.box is not None:
            return self.box
        poly = self.polynomial
        if poly is not None and poly.family.coercive_power is not None:
            return poly.family.domain
        return ((-DEFAULT_HALF_WIDTH, DEFAULT_HALF_WIDTH),) * self.dim

    @property
    def euler_characteristic(self):
        poly = self.polynomial
        return 1 if poly is not None and poly.coercive else None

    def count_bound(self):
        return self.polynomial.bezout_bound if self.polynomial is not None else None

    def params(self) -> dict:
        out = {"f": self.f, "vars": list(self.vars)}
        if self.constants:
            out["constants"] = dict(self.constants)
        if self.box is not None:
            out["box"] = [list(iv) for iv in self.box]
        return out

    def describe(self) -> dict:
        """The family's description plus the parsed formula, its derivatives (when short) and,
        for a polynomial, its degree, terms, Bézout bound and coercivity."""
        c = self._compiled
        symbolic = {"f": str(c.parsed.expr), "gradient": [str(g) for g in c.gradient]}
        if sum(len(s) for s in symbolic["gradient"]) > 4000:
            symbolic["gradient"] = None
        return {**super().describe(), "formula": symbolic,
                "polynomial": self.polynomial.to_dict() if self.polynomial is not None else None}

    def __reduce__(self):
        """Pickled as its parameters (worker processes rebuild it; the compile cache makes that cheap)."""
        return (_rebuild, (self.f, self.vars, self.constants, self.box, self.dim))

    def __hash__(self):
        return hash((self.f, self.vars, tuple(sorted((self.constants or {}).items())), self.box))


def _rebuild(f, vars, constants, box, dim):
    return Expression(f=f, vars=vars, constants=constants, box=box, dim=dim)


def expression(f: str, vars=None, *, box=None, dim: int | None = None, constants: dict | None = None,
               **named) -> Expression:
    """The landscape of a formula: ``landscape.expression("x**2 - y**2")``,
    ``landscape.expression("a*x^4 - y^2", a=1.5, box=[(-2, 2), (-1, 1)])``.

    vars: the variables' names in order (default x, y, z, or x1 ... xN); constants (or
    keyword arguments): name -> number; box: the domain for searches and figures.
    """
    from . import build

    params = {"f": f, **({"vars": list(vars)} if vars is not None else {}),
              **({"box": [list(iv) for iv in box]} if box is not None else {}),
              **({"dim": dim} if dim is not None else {}), **named}
    if constants:
        params["constants"] = dict(constants)
    return build("expression", params)
