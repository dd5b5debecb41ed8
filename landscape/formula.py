"""A landscape from a formula: safe parsing, exact symbolic derivatives, batched numpy code.

``parse(text, variables, constants)`` turns a formula such as ``x^4 - 2*x^2 + y^2``
into a sympy expression without ever evaluating the text: Python's ``ast`` parses
it, and only an allow-list of node types (numbers, names, ``+ - * / ^ **``,
unary signs, calls of the functions in ``FUNCTIONS``) is translated, node by node,
into sympy objects. Nothing reaches ``eval``, ``exec``, ``sympy.sympify`` or
``parse_expr``. Everything else is refused with a ``LandscapeError`` that names
the offending token and its column, and the sizes that could exhaust time or
memory are bounded first: the length of the text (``MAX_LENGTH``), the nesting of
its brackets and operators (``MAX_DEPTH``), integer exponents (``MAX_EXPONENT``),
numbers (``MAX_MAGNITUDE``) and the number of variables (``MAX_VARIABLES``).

``compile_formula`` differentiates once (gradient and Hessian, exactly) and turns
value, gradient and Hessian into numpy functions of ``(..., n)`` arrays with
sympy's ``lambdify`` (common subexpressions shared by ``cse``); the generated
code comes from sympy's printer of the checked expression tree, never from the
user's text. Results are cached by formula, so rebuilding a landscape (a
scenario is loaded, then run; a worker process unpickles it) costs a lookup.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import LandscapeError

MAX_LENGTH = 10_000
"""The longest formula accepted, in characters."""
MAX_DEPTH = 40
"""The deepest nesting of calls, powers, brackets and signs (a chain of + or of * counts once)."""
MAX_EXPONENT = 64
"""The largest integer exponent of a non-constant base (the polynomial family's degree bound)."""
MAX_MAGNITUDE = 1e100
"""The largest |number| in a formula, as for every family's parameters."""
MAX_VARIABLES = 32
"""The most variables: the Hessian is n(n+1)/2 symbolic entries, each differentiated and compiled."""
MAX_DERIVATIVE_OPS = 200_000
"""The largest gradient and Hessian (sympy operation count after sharing subexpressions)."""
BUILD_SECONDS = 20.0
"""A formula whose derivatives take longer than this to build and compile is refused."""

DEFAULT_VARIABLES = ("x", "y", "z")


def _sigmoid_class():
    import sympy

    class sigmoid(sympy.Function):
        """1 / (1 + exp(-u)), evaluated by scipy.special.expit (no overflow for large |u|)."""

        def fdiff(self, argindex=1):
            s = sigmoid(self.args[0])
            return s * (1 - s)

        def _eval_rewrite_as_exp(self, u, **kwargs):
            return 1 / (1 + sympy.exp(-u))

    class softplus(sympy.Function):
        """log(1 + exp(u)), evaluated as numpy.logaddexp(0, u) (no overflow)."""

        def fdiff(self, argindex=1):
            return sigmoid(self.args[0])

        def _eval_rewrite_as_exp(self, u, **kwargs):
            return sympy.log(1 + sympy.exp(u))

    return sigmoid, softplus


@functools.cache
def _sympy_functions() -> dict:
    """name -> sympy builder of one argument, for every name in FUNCTIONS."""
    import sympy

    sigmoid, softplus = _sigmoid_class()
    one = {
        "exp": sympy.exp, "log": sympy.log, "ln": sympy.log,
        "log10": lambda u: sympy.log(u) / sympy.log(10), "log2": lambda u: sympy.log(u) / sympy.log(2),
        "sqrt": sympy.sqrt, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
        "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
        "arcsin": sympy.asin, "asin": sympy.asin, "arccos": sympy.acos, "acos": sympy.acos,
        "arctan": sympy.atan, "atan": sympy.atan, "arcsinh": sympy.asinh, "asinh": sympy.asinh,
        "arccosh": sympy.acosh, "acosh": sympy.acosh, "arctanh": sympy.atanh, "atanh": sympy.atanh,
        "sigmoid": sigmoid, "softplus": softplus, "erf": sympy.erf, "erfc": sympy.erfc,
        "gauss": lambda u: sympy.exp(-u * u),
    }
    return one


FLOAT_FUNCTIONS = {
    "exp": math.exp, "log": math.log, "ln": math.log, "log10": math.log10, "log2": math.log2, "sqrt": math.sqrt,
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
    "arcsin": math.asin, "asin": math.asin, "arccos": math.acos, "acos": math.acos, "arctan": math.atan,
    "atan": math.atan, "arcsinh": math.asinh, "asinh": math.asinh, "arccosh": math.acosh, "acosh": math.acosh,
    "arctanh": math.atanh, "atanh": math.atanh, "sigmoid": lambda u: 0.5 * (1 + math.tanh(u / 2)),
    "softplus": lambda u: max(u, 0) + math.log1p(math.exp(-abs(u))), "erf": math.erf, "erfc": math.erfc,
    "gauss": lambda u: math.exp(-u * u),
}
"""Every function a formula may call, each of one argument, evaluated in floats (for the values of
subexpressions without variables, checked before sympy builds them)."""

FUNCTIONS = tuple(FLOAT_FUNCTIONS)
"""The functions a formula may call (README: "Your own landscape"); _sympy_functions has the same."""

NOT_SMOOTH = {"abs": "|u| has no derivative at 0", "min": "it has a kink", "max": "it has a kink",
              "floor": "it jumps", "ceil": "it jumps", "round": "it jumps", "sign": "it jumps",
              "heaviside": "it jumps", "relu": "it has a kink at 0 (softplus is a smooth one)"}

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPERATORS = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                      ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^", ast.Invert: "~", ast.Not: "not"}
_WHAT = {ast.Attribute: "attribute access", ast.Subscript: "a subscript", ast.Lambda: "a lambda",
         ast.ListComp: "a comprehension", ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
         ast.GeneratorExp: "a comprehension", ast.List: "a list", ast.Tuple: "a tuple", ast.Set: "a set",
         ast.Dict: "a dict", ast.Compare: "a comparison", ast.BoolOp: "a boolean operator",
         ast.IfExp: "a conditional", ast.NamedExpr: "an assignment", ast.JoinedStr: "a string",
         ast.Starred: "a starred argument", ast.Await: "await", ast.Yield: "yield", ast.YieldFrom: "yield",
         ast.Slice: "a slice", ast.FormattedValue: "a string"}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INDEXED = re.compile(r"x([1-9][0-9]*)\Z")


def _refuse(what: str, column: int | None = None) -> LandscapeError:
    return LandscapeError(f"f: {what}" + (f" at column {column}" if column is not None else ""))


@dataclass(frozen=True)
class Parsed:
    """A checked formula: the sympy ``expr`` in ``symbols`` (real sympy Symbols named like
    ``variables``), with the constants already substituted; ``text`` is what was typed."""

    text: str
    expr: object
    variables: tuple[str, ...]
    symbols: tuple
    constants: tuple[tuple[str, float], ...]


def check_name(name: str, what: str) -> str:
    """A variable's or constant's name: an identifier that is not a keyword, pi, e or a function."""
    if not isinstance(name, str) or not _NAME.match(name) or keyword.iskeyword(name) or name.startswith("__"):
        raise LandscapeError(f"{what}: {name!r} is not a usable name (letters, digits and _, not starting with a "
                             "digit or __, not a Python keyword)")
    if name in ("pi", "e") or name in FUNCTIONS or name in NOT_SMOOTH:
        raise LandscapeError(f"{what}: {name!r} is already the name of a constant or function")
    return name


def _prepare(text) -> tuple[str, list[int]]:
    """The text with ^ written as ** (Python's power), and each new column's original column."""
    if not isinstance(text, str):
        raise LandscapeError(f"f: expected a formula as a string, got {text!r}")
    if len(text) > MAX_LENGTH:
        raise LandscapeError(f"f: the formula has {len(text)} characters; at most {MAX_LENGTH}")
    for i, ch in enumerate(text):
        if ord(ch) > 126 or (ord(ch) < 32 and ch != " "):
            shown = repr(ch)
            raise _refuse(f"character {shown} is not allowed (formulas are plain ASCII on one line)", i + 1)
    if not text.strip():
        raise LandscapeError("f: the formula is empty")
    out, where, depth, deepest = [], [], 0, (0, 0)
    for i, ch in enumerate(text):
        depth += ch == "("
        if depth > deepest[0]:
            deepest = (depth, i)
        depth -= ch == ")"
        if ch == "^":
            out.append("**")
            where += [i, i]
        else:
            out.append(ch)
            where.append(i)
    if deepest[0] > MAX_DEPTH:
        raise _refuse(f"brackets nest {deepest[0]} deep; at most {MAX_DEPTH}", deepest[1] + 1)
    return "".join(out), where


def _column(node_or_offset, where: list[int]) -> int:
    """1-based column in the original text of an ast node (or a 0-based offset)."""
    off = node_or_offset if isinstance(node_or_offset, int) else getattr(node_or_offset, "col_offset", 0)
    off = min(max(off, 0), len(where) - 1)
    return where[off] + 1


def _token(node, source: str) -> str:
    seg = ast.get_source_segment(source, node) or type(node).__name__
    seg = " ".join(seg.split())
    return seg if len(seg) <= 30 else seg[:27] + "..."


def parse(text: str, variables=None, constants=None, dim: int | None = None) -> Parsed:
    """Check and translate a formula; raise LandscapeError (one line, with a column) if refused.

    variables: the names of the coordinates, in order; by default x, y, z (as many as the
    highest one used, or ``dim``), or x1 ... xN. constants: name -> number, substituted.
    """
    import sympy

    source, where = _prepare(text)
    constants = dict(constants or {})
    for name, value in constants.items():
        check_name(name, "constants")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise LandscapeError(f"constant {name!r}: expected a finite number, got {value!r}")
        if abs(value) > MAX_MAGNITUDE:
            raise LandscapeError(f"constant {name!r}: {value:g} is too large (at most {MAX_MAGNITUDE:.0e} in size)")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        msg = (err.msg or "invalid syntax").split(" (")[0]
        col = _column((err.offset or 1) - 1, where)
        if "too many nested" in msg:
            raise _refuse(f"brackets nest too deeply; at most {MAX_DEPTH}", col) from None
        raise _refuse(f"not a formula ({msg})", col) from None
    except (RecursionError, MemoryError, ValueError):
        raise _refuse(f"the formula nests too deeply, or chains too many operators, for Python's parser to read "
                      f"(at most {MAX_DEPTH} levels of nesting)") from None

    # 1. walk the tree (iteratively: no recursion to exhaust), checking every node and its depth
    names: list[tuple[str, ast.AST]] = []
    stack = [(tree.body, 1)]
    nodes = []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _refuse(f"the formula nests more than {MAX_DEPTH} levels deep (at {_token(node, source)!r})",
                          _column(node, where))
        nodes.append(node)
        if isinstance(node, ast.BinOp):
            if type(node.op) not in _OPERATORS:
                sym = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
                raise _refuse(f"operator {sym!r} is not allowed (use + - * / ^ **)", _op_column(node, source, where))
            for child in (node.left, node.right):
                chained = (isinstance(child, ast.BinOp) and type(node.op) is not ast.Pow
                           and _family(child.op) == _family(node.op))
                stack.append((child, depth if chained else depth + 1))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.UAdd, ast.USub)):
                sym = _REFUSED_OPERATORS.get(type(node.op), type(node.op).__name__)
                raise _refuse(f"operator {sym!r} is not allowed", _column(node, where))
            stack.append((node.operand, depth + 1))
        elif isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name):
                raise _refuse(f"{_token(func, source)!r} cannot be called: only the functions "
                              f"{', '.join(FUNCTIONS[:8])}, ... (see the README)", _column(func, where))
            if func.id in NOT_SMOOTH:
                raise _refuse(f"function {func.id!r} is not smooth ({NOT_SMOOTH[func.id]}); the tool needs "
                              "derivatives everywhere", _column(func, where))
            if func.id not in FUNCTIONS:
                raise _refuse(f"unknown function {func.id!r} (allowed: {', '.join(FUNCTIONS)})", _column(func, where))
            if node.keywords:
                raise _refuse(f"{func.id}() takes no keyword arguments", _column(node.keywords[0].value, where))
            if len(node.args) != 1:
                raise _refuse(f"{func.id}() takes one argument, got {len(node.args)}", _column(node, where))
            stack.append((node.args[0], depth + 1))
        elif isinstance(node, ast.Name):
            names.append((node.id, node))
        elif isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                kind = "a string" if isinstance(value, (str, bytes)) else (
                    "a complex number" if isinstance(value, complex) else f"{value!r}")
                raise _refuse(f"{kind} ({_token(node, source)}) is not allowed: only real numbers", _column(node, where))
            if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
                raise _refuse(f"number {_token(node, source)} is too large (at most {MAX_MAGNITUDE:.0e})",
                              _column(node, where))
        else:
            what = _WHAT.get(type(node), type(node).__name__)
            raise _refuse(f"{what} ({_token(node, source)!r}) is not allowed in a formula", _column(node, where))

    # 2. the variables
    for name, node in names:
        if (name in FUNCTIONS or name in NOT_SMOOTH) and (variables is None or name not in variables):
            raise _refuse(f"{name!r} is a function; call it as {name}(...)", _column(node, where))
    used = {n for n, _ in names}
    if variables is not None:
        variables = tuple(check_name(v, "vars") for v in variables)
        if len(set(variables)) != len(variables):
            raise LandscapeError(f"vars: a name is listed twice in {list(variables)}")
        clash = [v for v in variables if v in constants]
        if clash:
            raise LandscapeError(f"vars: {clash[0]!r} is also given as a constant")
    else:
        variables = _default_variables(used - set(constants) - {"pi", "e"}, dim, names, where)
    if dim is not None and len(variables) != dim:
        raise LandscapeError(f"f: {len(variables)} variables ({', '.join(variables)}) but dim = {dim}")
    if len(variables) > MAX_VARIABLES:
        raise LandscapeError(f"f: {len(variables)} variables; at most {MAX_VARIABLES} (the Hessian's "
                             f"{MAX_VARIABLES * (MAX_VARIABLES + 1) // 2} entries are each built symbolically)")
    for name, node in names:
        if name not in variables and name not in constants and name not in ("pi", "e"):
            hint = f"; give it a value (-p {name}=1.5, or {name} = 1.5 in the scenario) or list it in vars"
            raise _refuse(f"unknown name {name!r}{hint}", _column(node, where))
    unused = sorted(set(constants) - used)
    if unused:
        raise LandscapeError(f"constant {unused[0]!r} does not appear in f (a misspelt name?)")

    # 3. translate, children before parents (the list is in pre-order; reversed, every child comes first)
    symbols = tuple(sympy.Symbol(v, real=True) for v in variables)
    table = {**dict(zip(variables, symbols)),
             **{k: sympy.Integer(v) if float(v).is_integer() and abs(v) < 2**53 else sympy.Float(v)
                for k, v in constants.items()},
             "pi": sympy.pi, "e": sympy.E}
    funcs = _sympy_functions()
    value: dict[int, object] = {}
    number: dict[int, float | None] = {}  # the float value of each constant subexpression, None if it varies
    numbers = {**{k: float(v) for k, v in constants.items()}, "pi": math.pi, "e": math.e}
    for node in reversed(nodes):
        if isinstance(node, ast.Name):
            out, num = table[node.id], numbers.get(node.id)
        elif isinstance(node, ast.Constant):
            v = node.value
            out, num = (sympy.Integer(v) if isinstance(v, int) else sympy.Float(v)), float(v)
        elif isinstance(node, ast.UnaryOp):
            out = -value[id(node.operand)] if isinstance(node.op, ast.USub) else value[id(node.operand)]
            num = number[id(node.operand)]
            num = None if num is None else (-num if isinstance(node.op, ast.USub) else num)
        elif isinstance(node, ast.Call):
            arg = number[id(node.args[0])]
            num = None if arg is None else _constant_value(node, node.func.id, (arg,), source, where)
            out = funcs[node.func.id](value[id(node.args[0])])
        else:
            a, b = value[id(node.left)], value[id(node.right)]
            na, nb = number[id(node.left)], number[id(node.right)]
            num = None if na is None or nb is None else _constant_value(node, type(node.op), (na, nb), source, where)
            out = _binary(node, a, b, source, where)
        if out.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise _refuse(f"{_token(node, source)!r} is not a finite number (a division by zero?)", _column(node, where))
        value[id(node)], number[id(node)] = out, num
    expr = value[id(tree.body)]
    if expr.has(sympy.I):
        raise _refuse("the formula is not real (it contains the imaginary unit)")
    if not variables:
        raise LandscapeError("f: the formula has no variables, so every point is critical and none is isolated")
    if not expr.free_symbols & set(symbols):
        raise LandscapeError(f"f: {text.strip()!r} does not depend on {', '.join(variables)}, so every point is "
                             "critical and none is isolated")
    return Parsed(text, expr, variables, symbols, tuple(sorted(constants.items())))


_MATH = {**FLOAT_FUNCTIONS, ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
         ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a ** b}


def _constant_value(node, op, args, source, where) -> float:
    """The float value of a subexpression without variables, refused unless real, finite and at
    most MAX_MAGNITUDE: checked before sympy sees it, so no huge number is ever built."""
    col = _op_column(node, source, where) if isinstance(node, ast.BinOp) else _column(node, where)
    if op is ast.Pow and args[0] != 0 and abs(args[1]) * abs(math.log10(abs(args[0]))) > 100:
        raise _refuse(f"{_token(node, source)!r} would be a number of about 10^"
                      f"{abs(args[1]) * math.log10(abs(args[0])):.3g}: numbers are at most 1e100", col)
    try:
        v = _MATH[op](*args)
    except ZeroDivisionError:
        raise _refuse(f"{_token(node, source)!r} divides by zero", col) from None
    except (ValueError, OverflowError):
        raise _refuse(f"{_token(node, source)!r} is not a finite real number", col) from None
    if isinstance(v, complex) or not math.isfinite(v):
        raise _refuse(f"{_token(node, source)!r} is not a finite real number", col)
    if abs(v) > MAX_MAGNITUDE:
        raise _refuse(f"{_token(node, source)!r} is about {v:.3g}: numbers are at most 1e100", col)
    return v


def _family(op) -> int:
    return 0 if isinstance(op, (ast.Add, ast.Sub)) else 1 if isinstance(op, (ast.Mult, ast.Div)) else 2


def _op_column(node: ast.BinOp, source: str, where: list[int]) -> int:
    """Column of a binary operator's symbol: the first non-space after the left operand."""
    end = getattr(node.left, "end_col_offset", node.col_offset) or node.col_offset
    while end < len(source) and source[end] in " )":
        end += 1
    return _column(end, where)


def _binary(node, a, b, source, where):
    """a op b as sympy, refusing a division by zero and any power whose exponent exceeds
    MAX_EXPONENT, written (x^100) or built by a product (x*x*...). Subexpressions without
    variables were already checked in floats (``_constant_value``), before this builds them."""
    import sympy

    op = type(node.op)
    if op is ast.Div and b == 0:
        raise _refuse(f"division by zero in {_token(node, source)!r}", _op_column(node, source, where))
    out = {ast.Add: sympy.Add, ast.Sub: lambda u, v: u - v, ast.Mult: sympy.Mul,
           ast.Div: lambda u, v: u / v, ast.Pow: sympy.Pow}[op](a, b)
    for factor in (out.args if isinstance(out, sympy.Mul) else (out,)):
        if isinstance(factor, sympy.Pow) and factor.exp.is_Number and abs(float(factor.exp)) > MAX_EXPONENT:
            raise _refuse(f"{_token(node, source)!r} makes the power {factor}: exponents are at most {MAX_EXPONENT}",
                          _op_column(node, source, where))
    return out


def _default_variables(free: set, dim, names, where) -> tuple[str, ...]:
    """x, y, z up to the highest used (or dim of them), or x1 .. xN; mixing the two is refused."""
    indexed = {n for n in free if _INDEXED.match(n)}
    letters = free & set(DEFAULT_VARIABLES)
    if indexed and letters:
        raise LandscapeError(f"f: uses both {min(letters)} and {min(indexed)}; name the variables "
                             "x, y, z or x1 ... xN, or list them in vars")
    if indexed or (dim is not None and dim > len(DEFAULT_VARIABLES)):
        n = max([int(_INDEXED.match(v).group(1)) for v in indexed] + [dim or 0])
        if n > MAX_VARIABLES:
            raise LandscapeError(f"f: uses x{n}; at most {MAX_VARIABLES} variables")
        return tuple(f"x{i + 1}" for i in range(n))
    if letters:
        n = max(DEFAULT_VARIABLES.index(v) for v in letters) + 1
        return DEFAULT_VARIABLES[:max(n, dim or 0)]
    if dim is not None:
        return DEFAULT_VARIABLES[:dim]
    others = sorted(free)
    if others:
        node = next(nd for n, nd in names if n == others[0])
        raise _refuse(f"unknown name {others[0]!r}; the variables are x, y, z (or x1 ... xN): list yours in vars, "
                      f"or give {others[0]} a value as a constant", _column(node, where))
    return ()  # refused after translation, which first reports a bad number or power


# --- compiling ------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Compiled:
    """A parsed formula with its exact derivatives as sympy expressions and numpy functions.

    ``value(*coords)``, ``grad(*coords)`` (a list of n arrays or numbers), ``hess(*coords)``
    (the n(n+1)/2 upper-triangle entries, row by row) and ``joint`` (the gradient's n then
    the Hessian's entries, sharing subexpressions); ``cost`` the operation counts
    (value and gradient, Hessian) per point; ``polynomial`` the analysis of a polynomial
    formula (``PolynomialInfo``) or None.
    """

    parsed: Parsed
    gradient: tuple
    hessian: tuple
    value: object
    grad: object
    hess: object
    joint: object
    cost: tuple[float, float]
    polynomial: object


SMALL_POWER = 8
"""Integer powers up to this are printed as products: numpy evaluates x**2 as a square but
sends x**3 and above to libm's pow, about ten times slower than two multiplications."""


@functools.cache
def _printer_class():
    from sympy.printing.numpy import SciPyPrinter

    class Printer(SciPyPrinter):
        """SciPy's printer with small integer powers written as products (x**3 -> x*x*x)."""

        def _print_Pow(self, expr, rational=False):
            n = expr.exp
            if n.is_Integer and 2 < abs(int(n)) <= SMALL_POWER:
                base = self.parenthesize(expr.base, 100)  # above every precedence: always bracketed
                product = "*".join([base] * abs(int(n)))
                return f"({product})" if n > 0 else f"(1/({product}))"
            return super()._print_Pow(expr, rational=rational)

    return Printer


def _lambdify(symbols, exprs):
    import sympy

    sigmoid, softplus = _sympy_functions()["sigmoid"], _sympy_functions()["softplus"]
    from scipy.special import expit

    modules = [{sigmoid.__name__: expit, softplus.__name__: lambda u: np.logaddexp(0.0, u)}, "scipy", "numpy"]
    printer = _printer_class()({"fully_qualified_modules": False, "inline": True, "allow_unknown_functions": True,
                                "user_functions": {}})
    return sympy.lambdify(symbols, exprs, modules=modules, cse=True, dummify=True, printer=printer)


def _ops(exprs) -> int:
    import sympy

    subs, reduced = sympy.cse(list(exprs))
    return int(sum(sympy.count_ops(e) for _, e in subs) + sum(sympy.count_ops(e) for e in reduced))


@functools.lru_cache(maxsize=64)
def _compile_cached(text, variables, constants, dim) -> Compiled:
    parsed = parse(text, variables, dict(constants), dim)
    return _compile(parsed)


def compile_formula(text: str, variables=None, constants=None, dim=None) -> Compiled:
    """Parse, differentiate and compile a formula (cached: the same arguments return the same object)."""
    key_vars = tuple(variables) if variables is not None else None
    key_consts = tuple(sorted((constants or {}).items()))
    with _deadline(BUILD_SECONDS):
        return _compile_cached(text, key_vars, key_consts, dim)


def _compile(parsed: Parsed) -> Compiled:
    import sympy

    from .families.polynomial_info import analyse

    x, f = parsed.symbols, parsed.expr
    n = len(x)
    gradient = tuple(sympy.diff(f, v) for v in x)
    hessian = tuple(sympy.diff(gradient[i], x[j]) for i in range(n) for j in range(i, n))
    cost_grad, cost_hess = _ops((f, *gradient)), _ops(hessian)
    if cost_grad + cost_hess > MAX_DERIVATIVE_OPS:
        raise LandscapeError(f"f: its gradient and Hessian take {cost_grad + cost_hess} operations per point; at "
                             f"most {MAX_DERIVATIVE_OPS} (a simpler formula, or fewer nested powers)")
    return Compiled(
        parsed=parsed, gradient=gradient, hessian=hessian,
        value=_lambdify(x, f), grad=_lambdify(x, list(gradient)), hess=_lambdify(x, list(hessian)),
        joint=_lambdify(x, list(gradient) + list(hessian)),
        cost=(float(max(cost_grad, 1) + n), float(max(cost_hess, 1) + n * n)),
        polynomial=analyse(f, x))


class _deadline:
    """Raise LandscapeError if the block takes more than ``seconds`` (SIGALRM; main thread only)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.previous = None

    def _fire(self, signum, frame):
        raise LandscapeError(f"f: building its derivatives took more than {self.seconds:g} s; the formula is too "
                             "complex (fewer nested functions or powers)")

    def __enter__(self):
        import signal
        import threading

        if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
            if signal.getitimer(signal.ITIMER_REAL)[0] == 0:
                self.previous = signal.signal(signal.SIGALRM, self._fire)
                signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        import signal

        if self.previous is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
        return False


def evaluate_symmetric(function, x: np.ndarray, n: int, skip: int = 0) -> tuple[np.ndarray | None, np.ndarray]:
    """Call a compiled function whose outputs are ``skip`` gradient entries and then the n(n+1)/2
    upper-triangle Hessian entries, row by row; return (gradient (..., skip) or None, Hessian
    (..., n, n)), each entry written straight into place (numbers for constant entries broadcast)."""
    coords = [x[..., i] for i in range(x.shape[-1])]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        out = function(*coords)
    batch = x.shape[:-1]
    g = None
    if skip:
        g = np.empty(batch + (skip,))
        for i in range(skip):
            g[..., i] = out[i]
    H = np.empty(batch + (n, n))
    k = skip
    for i in range(n):  # n(n+1)/2 entries of the matrix, each a whole batch
        for j in range(i, n):
            H[..., i, j] = out[k]
            if j != i:
                H[..., j, i] = out[k]
            k += 1
    return g, H


def evaluate(function, x: np.ndarray, count: int):
    """Call a compiled function on the coordinates of x (..., n); broadcast its ``count``
    outputs (numbers for constant entries) to x's batch shape: (..., count), or (...) if count
    is 0 (a single output). Overflow in an intermediate (exp of a large argument) gives inf, and
    the callers treat non-finite values as they treat any: a diverged run, a failed start."""
    coords = [x[..., i] for i in range(x.shape[-1])]
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        out = function(*coords)
    if count == 0:
        return np.broadcast_to(np.asarray(out, dtype=float), x.shape[:-1]).copy()
    g = np.empty(x.shape[:-1] + (count,))
    for i in range(count):  # each entry a whole batch (a number for a constant one: broadcast)
        g[..., i] = out[i]
    return g
