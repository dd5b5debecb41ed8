"""The expression family: formulas typed by users, their exact derivatives, and what is refused.

Reference values are the built-in families' analytic formulas (classic.py, polynomial.py),
closed forms (the double well's saddle and escape rate) and central differences.
"""

from __future__ import annotations

import builtins
import math
import time

import numpy as np
import pytest
from click.testing import CliRunner

import landscape
from landscape.cli import cli
from landscape.critical import find_critical_points
from landscape.errors import LandscapeError
from landscape.families import build
from landscape.families.classic import _MB_A, _MB_a, _MB_b, _MB_c, _MB_x0, _MB_y0

# ------------------------------------------------------------------ classic functions, typed


def _muller_brown() -> str:
    terms = [f"({A:g})*exp(({a:g})*(x - ({x0:g}))^2 + ({b:g})*(x - ({x0:g}))*(y - ({y0:g})) + ({c:g})*(y - ({y0:g}))^2)"
             for A, a, b, c, x0, y0 in zip(_MB_A, _MB_a, _MB_b, _MB_c, _MB_x0, _MB_y0)]
    return " + ".join(terms)


CLASSICS = {
    "saddle-2d": "x^2/2 + y^4/4 - y^2/2",
    "monkey-saddle": "x^3 - 3*x*y^2",
    "rosenbrock": "(1 - x)^2 + 100*(y - x^2)^2",
    "himmelblau": "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    "six-hump-camel": "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
    "muller-brown": _muller_brown(),
}


@pytest.mark.parametrize("family", CLASSICS)
def test_every_classic_function_typed_as_a_formula_has_the_same_critical_points(family):
    builtin = build(family)
    typed = build("expression", {"f": CLASSICS[family], "box": builtin.domain})
    x = builtin.sample_starts(builtin.domain, 64, 1)
    # the same function: value, gradient and Hessian agree to rounding
    scale = np.abs(builtin.hess(x)).max()
    assert np.allclose(typed.value(x), builtin.value(x), rtol=1e-12, atol=1e-12 * np.abs(builtin.value(x)).max())
    assert np.allclose(typed.grad(x), builtin.grad(x), rtol=1e-11, atol=1e-11 * scale)
    assert np.allclose(typed.hess(x), builtin.hess(x), rtol=1e-11, atol=1e-11 * scale)
    a = find_critical_points(builtin, starts=2048, seed=0)
    b = find_critical_points(typed, starts=2048, seed=0)
    assert a.counts == b.counts and len(a.points) == len(b.points) > 0
    for p in a.points:  # each built-in point has its twin: same place, value and index
        q = min(b.points, key=lambda q: np.linalg.norm(q.x - p.x))
        assert np.linalg.norm(q.x - p.x) <= 1e-8 * (1 + np.linalg.norm(p.x))
        assert q.value == pytest.approx(p.value, rel=1e-9, abs=1e-12)
        assert q.index == p.index and q.kind == p.kind


def test_the_monkey_saddles_origin_is_degenerate():
    f = landscape.expression("x^3 - 3*x*y^2", box=[(-1.5, 1.5), (-1.5, 1.5)])
    found = find_critical_points(f, starts=1024)
    assert [p.kind for p in found.points] == ["degenerate"] and np.allclose(found.points[0].x, 0, atol=1e-6)
    assert np.array_equal(f.hess(np.zeros(2)), np.zeros((2, 2)))  # H = [[6x, -6y], [-6y, -6x]] = 0 at 0
    result = CliRunner().invoke(cli, ["inspect", "--expr", "x^3 - 3*x*y^2", "--at", "0,0", "--json"])
    assert result.exit_code == 0 and __import__("json").loads(result.stdout)["kind"] == "degenerate"


# ------------------------------------------------------------------ random formulas against central differences

SAFE = ("sin", "cos", "tanh", "exp", "sigmoid", "softplus", "erf", "atan", "gauss", "arcsinh")


def _random_formula(rng, depth: int = 0) -> str:
    """A formula from the allow-list that is smooth and finite on [-1, 1]^3."""
    r = rng.random()
    if depth >= 3 or r < 0.25:
        return str(rng.choice(["x", "y", "z", f"{rng.uniform(-2, 2):.3f}"]))
    if r < 0.45:
        return f"{rng.choice(SAFE)}({_random_formula(rng, depth + 1)})"
    if r < 0.55:  # log, sqrt, / and ^ on arguments kept away from their singularities
        u = _random_formula(rng, depth + 1)
        return str(rng.choice([f"log(1 + ({u})^2)", f"sqrt(2 + sin({u}))", f"1/(3 + tanh({u}))",
                               f"({u})^{int(rng.integers(2, 5))}", f"exp(-({u})**2)"]))
    op = rng.choice(["+", "-", "*"])
    return f"({_random_formula(rng, depth + 1)} {op} {_random_formula(rng, depth + 1)})"


def _formulas(count: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        text = f"{_random_formula(rng)} + ({_random_formula(rng)})*x*y + z^2"  # every variable appears
        out.append(text)
    return out


@pytest.mark.parametrize("text", _formulas(40))
def test_gradients_and_hessians_of_random_formulas_match_central_differences(text):
    f = build("expression", {"f": text, "box": [[-1, 1]] * 3})
    x = np.random.default_rng(len(text)).uniform(-1, 1, (16, 3))
    h = 1e-5
    E = np.eye(3)
    g_fd = np.stack([(f.value(x + h * e) - f.value(x - h * e)) / (2 * h) for e in E], axis=-1)
    H_fd = np.stack([(f.grad(x + h * e) - f.grad(x - h * e)) / (2 * h) for e in E], axis=-1)
    g, H = f.grad(x), f.hess(x)
    # central differences err by h^2 f'''/6 + eps f / h: 1e-8 relative to the derivatives' scale
    assert np.allclose(g, g_fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(g).max()))
    assert np.allclose(H, H_fd, rtol=1e-6, atol=1e-6 * (1 + np.abs(H).max()))
    assert np.array_equal(H, np.swapaxes(H, -1, -2))
    gj, Hj = f.derivatives(x)  # the joint code path computes the same numbers
    assert np.allclose(gj, g, rtol=1e-14, atol=1e-14) and np.allclose(Hj, H, rtol=1e-14, atol=1e-14)
    # batched over any leading axes, equal to point by point
    assert np.allclose(f.grad(x.reshape(4, 4, 3)).reshape(16, 3), g, rtol=1e-15, atol=0)
    assert np.allclose(f.value(x[3]), f.value(x)[3], rtol=1e-15, atol=0)


# ------------------------------------------------------------------ polynomials typed as formulas


def _as_formula(terms) -> str:
    names = ("x", "y", "z")
    parts = []
    for e, c in terms:
        mono = "*".join(f"{names[j]}^{k}" for j, k in enumerate(e) if k) or "1"
        parts.append(f"({c!r})*{mono}")
    return " + ".join(parts)


@pytest.mark.parametrize("dim,seed", [(2, 0), (2, 3), (3, 1)])
def test_a_polynomial_typed_as_a_formula_agrees_with_the_polynomial_family(dim, seed):
    poly = build("polynomial", {"dim": dim, "seed": seed})  # sum x_i^4 + a random dense cubic
    typed = build("expression", {"f": _as_formula(poly.terms_list())})
    info = typed.polynomial
    assert info is not None and info.degree == 4 and info.bezout_bound == 3 ** dim == poly.count_bound()
    assert info.coercive is True and typed.euler_characteristic == poly.euler_characteristic == 1
    assert typed.domain == poly.domain  # the box that provably holds every critical point
    x = poly.sample_starts(poly.domain, 32, 0)
    assert np.allclose(typed.value(x), poly.value(x), rtol=1e-12, atol=1e-12)
    assert np.allclose(typed.grad(x), poly.grad(x), rtol=1e-12, atol=1e-10)
    assert np.allclose(typed.hess(x), poly.hess(x), rtol=1e-12, atol=1e-10)
    a = find_critical_points(poly, starts=4096, seed=1)
    b = find_critical_points(typed, starts=4096, seed=1)
    assert a.by_index == b.by_index and b.morse.holds
    for p, q in zip(a.points, b.points):
        assert np.allclose(p.x, q.x, atol=1e-8) and p.index == q.index


@pytest.mark.parametrize("text,coercive", [
    ("x^4 + y^4 - 3*x*y", True),                      # pure quartics dominate
    ("(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2", True),  # x^6 and y^4: weights 1/6 + 1/4 < 1
    ("x^3 + y^2", False),                             # odd degree: f(-t, 0) -> -inf
    ("x^4 - y^4 + x^2", False),                       # the top part is negative along y
    ("x^2*y^2 + x^2 + y^2", None),                    # coercive, but no rule here decides it
    ("(1 - x)^2 + 100*(y - x^2)^2", None),            # Rosenbrock: x^2 y sits on the boundary weight 1
])
def test_coercivity_is_decided_where_a_rule_applies(text, coercive):
    assert landscape.expression(text).polynomial.coercive is coercive


def test_non_polynomials_have_no_polynomial_facts():
    f = landscape.expression("sin(x) + y^2")
    assert f.polynomial is None and f.count_bound() is None and f.euler_characteristic is None
    assert f.describe()["polynomial"] is None and f.describe()["formula"]["gradient"] == ["cos(x)", "2*y"]


# ------------------------------------------------------------------ names, constants, scenario files, Python


def test_variables_constants_and_the_python_api():
    f = landscape.expression("a*u^2 - v^2 + w", vars=["u", "v", "w"], a=2.5)
    assert f.vars == ("u", "v", "w") and f.dim == 3 and f.constants == {"a": 2.5}
    assert f.grad(np.array([1.0, 1.0, 0.0])).tolist() == [5.0, -2.0, 1.0]
    g = landscape.expression("x1^2 + x4^2")  # x1 ... x4: x2 and x3 are flat directions
    assert g.dim == 4 and g.vars == ("x1", "x2", "x3", "x4")
    assert landscape.expression("x^2 + y^2", dim=3).vars == ("x", "y", "z")
    assert landscape.expression("e^x + pi").value(np.zeros(1)) == pytest.approx(1 + math.pi)
    for bad, message in [(dict(f="a*x"), "unknown name 'a'"), (dict(f="x", b=1.0), "'b' does not appear"),
                         (dict(f="x + y", vars=["x"]), "unknown name 'y'"),
                         (dict(f="x^2", vars=["x", "x"]), "listed twice"),
                         (dict(f="x^2", vars=["exp"]), "already the name"),
                         (dict(f="x^2", a="1"), "needs a number")]:
        text = bad.pop("f")
        with pytest.raises(LandscapeError, match=message):
            build("expression", {"f": text, **bad})


def test_a_scenario_file_takes_a_formula_with_its_constants(tmp_path):
    (tmp_path / "well.toml").write_text(
        '[landscape]\nfamily = "expression"\nf = "a*x^4 - b*x^2 + y^2/2"\na = 1.0\nb = 2.0\n'
        'box = [[-2, 2], [-1.5, 1.5]]\n[run]\nsteps = 300\noptimizers = [{ name = "gd", eta = 0.05 }]\n'
        'starts = [[1e-6, 1.0]]\n[trajectories]\nradius = 0.2\n')
    result = CliRunner().invoke(cli, ["run", str(tmp_path / "well.toml"), "--out", str(tmp_path / "o"), "--json", "-q"])
    assert result.exit_code == 0, result.output
    data = __import__("json").loads(result.stdout)
    assert data["landscape"]["params"]["constants"] == {"a": 1.0, "b": 2.0}
    # f = x^4 - 2x^2 + y^2/2: minima at (+-1, 0) with f = -1, the saddle at 0 with eigenvalues -4 and 1
    assert sorted((p["kind"], round(p["value"], 12)) for p in data["critical_points"]) == [
        ("minimum", -1.0), ("minimum", -1.0), ("saddle", 0.0)]
    assert data["theory"]["centre_eigenvalues"] == pytest.approx([-4.0, 1.0], abs=1e-12)
    run = data["runs"][0]  # GD escapes at the rate 1 + 4 eta, from 1e-6 off the stable manifold x = 0
    k_star = math.log(0.2 / 1e-6) / math.log(1 + 4 * 0.05)
    assert run["predicted_escape_step"] == pytest.approx(k_star, rel=1e-9) and abs(run["escape_step"] - k_star) <= 2


def test_an_expression_landscape_pickles_and_searches_the_same_on_two_processes():
    import pickle

    f = landscape.expression("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", box=[(-5, 5), (-5, 5)])
    g = pickle.loads(pickle.dumps(f))
    assert g == f and np.array_equal(g.hess(np.ones(2)), f.hess(np.ones(2)))
    one = find_critical_points(f, starts=2048, seed=3, jobs=1)
    two = find_critical_points(f, starts=2048, seed=3, jobs=2)
    assert [p.x.tolist() for p in one.points] == [p.x.tolist() for p in two.points]
    assert [p.hits for p in one.points] == [p.hits for p in two.points]


# ------------------------------------------------------------------ from_functions


def _double_well(x):
    return x[..., 0] ** 4 / 4 - x[..., 0] ** 2 / 2 + x[..., 1] ** 2 / 2


def test_from_functions_fills_derivatives_by_central_differences_only_when_asked():
    with pytest.raises(LandscapeError, match="finite-difference"):
        landscape.from_functions(_double_well, dim=2)
    f = landscape.from_functions(_double_well, dim=2, derivatives="finite-difference")
    x = np.random.default_rng(0).uniform(-2, 2, (50, 2))
    exact_g = np.stack([x[:, 0] ** 3 - x[:, 0], x[:, 1]], -1)
    exact_H = np.zeros((50, 2, 2))
    exact_H[:, 0, 0], exact_H[:, 1, 1] = 3 * x[:, 0] ** 2 - 1, 1.0
    g_err, H_err = np.abs(f.grad(x) - exact_g).max(), np.abs(f.hess(x) - exact_H).max()
    assert g_err < 1e-8 and H_err < 1e-5
    est = f.describe()["finite_difference"]
    # the reported estimate is of the size of the real error: h^2 f'''/6 with h = eps^(1/3) max(1, |x|)
    # gives 4e-10 at |x| = 2, the four-point Hessian about 1e-7
    assert g_err / 30 < est["estimated_gradient_error"] < 30 * g_err
    assert H_err / 100 < est["estimated_hessian_error"] < 100 * H_err
    found = find_critical_points(f, starts=1024)
    assert sorted(p.kind for p in found.points) == ["minimum", "minimum", "saddle"]
    with pytest.raises(LandscapeError, match="worker processes"):
        find_critical_points(landscape.from_functions(lambda x: _double_well(x), dim=2,
                                                      derivatives="finite-difference"), starts=64, jobs=2)


def test_from_functions_with_exact_derivatives_reports_no_estimate():
    f = landscape.from_functions(_double_well, lambda x: np.stack([x[..., 0] ** 3 - x[..., 0], x[..., 1]], -1),
                                 derivatives="finite-difference", dim=2)
    assert f.describe()["finite_difference"]["gradient"] == "exact"
    assert f.describe()["finite_difference"]["estimated_gradient_error"] == 0.0
    with pytest.raises(LandscapeError, match="shape"):
        landscape.from_functions(_double_well, lambda x: x[..., 0], derivatives="finite-difference", dim=2)


# ------------------------------------------------------------------ hostile and malformed formulas

HOSTILE = [
    ("9**9**9", "would be a number of about 10^3.7e+08"),
    ("x*9**9**9", "column 4"),
    ("e**e**e**e**e*x", "would be a number"),
    ("__import__('os').system('touch PWNED')", "cannot be called"),
    ("open('PWNED', 'w')", "unknown function 'open'"),
    ("exec('import os')", "unknown function 'exec'"),
    ("eval('x')", "unknown function 'eval'"),
    ("x.__class__", "attribute access"),
    ("().__class__.__bases__[0]", "a subscript"),
    ("getattr(x, 'real')", "unknown function 'getattr'"),
    ("globals()", "unknown function 'globals'"),
    ("__builtins__ + x", "unknown name '__builtins__'"),
    ("x[0]", "a subscript"),
    ("lambda: x", "a lambda"),
    ("[t for t in x]", "a comprehension"),
    ("'x'", "a string"),
    ("f'{x}'", "a string"),
    ("import os", "not a formula"),
    ("x; y", "not a formula (invalid syntax) at column 2"),
    ("foo(x)", "unknown function 'foo'"),
    ("x + q", "unknown name 'q'"),
    ("abs(x)", "not smooth"),
    ("exp(x, y)", "takes one argument"),
    ("sin(x=1)", "no keyword arguments"),
    ("(" * 100 + "x" + ")" * 100, "nest 100 deep"),
    ("-" * 5000 + "x", "nests too deeply"),
    ("x" + "*x" * 3000, "chains too many operators"),
    ("(x+y)" + "*(x+y)" * 99, "exponents are at most 64"),
    ("x" + "**x" * 60, "nests more than"),
    ("x + " * 3000 + "x", "characters; at most"),
    ("sqrt(-1)*x", "not a finite real number"),
    ("1/0 + x", "divides by zero"),
    ("x/0", "division by zero"),
    ("x == y", "a comparison"),
    ("x if y else 1", "a conditional"),
    ("x or y", "a boolean operator"),
    ("not x", "operator 'not'"),
    ("~x", "operator '~'"),
    ("x << 2", "operator '<<'"),
    ("x % 2", "operator '%'"),
    ("x @ y", "operator '@'"),
    ("(x := 1)", "an assignment"),
    ("x, y", "a tuple"),
    ("{x: y}", "a dict"),
    ("1e400*x", "too large"),
    ("x + exp(1000)", "not a finite real number"),
    ("2x", "invalid decimal literal"),
    ("x^^2", "not a formula"),
    ("x**1000", "makes the power x**1000: exponents are at most 64"),
    ("x**(10**10)", "exponents are at most 64"),
    ("x**100.5", "exponents are at most 64"),
    ("True*x", "only real numbers"),
    ("1j*x", "a complex number"),
    ("x\n+ y", "plain ASCII on one line"),
    ("x·y", "plain ASCII"),
    ("", "required"),
    ("1 + 2", "no variables"),
    ("x - x", "does not depend"),
    ("log(x)", "not a finite real number at the domain's centre"),
    ("x**-0.5 + y", "at the domain's centre"),
    ("sin", "is a function"),
    ("x1 + y", "uses both"),
    ("...", "Ellipsis"),
    ("x1 + x33", "at most 32 variables"),
]


def test_there_are_at_least_sixty_hostile_formulas():
    assert len(HOSTILE) >= 60 and len({h for h, _ in HOSTILE}) == len(HOSTILE)  # the README says "at least 60"


@pytest.fixture
def no_eval(monkeypatch):
    """Fail if any hostile text reaches eval, exec, sympify or parse_expr."""
    import sympy
    import sympy.parsing.sympy_parser as parser

    seen = []

    def guard(real, name):
        def wrapped(source, *args, **kwargs):
            if isinstance(source, str) and any(h and h in source for h, _ in HOSTILE):
                seen.append((name, source))
            return real(source, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(builtins, "eval", guard(builtins.eval, "eval"))
    monkeypatch.setattr(builtins, "exec", guard(builtins.exec, "exec"))
    monkeypatch.setattr(sympy, "sympify", guard(sympy.sympify, "sympify"))
    monkeypatch.setattr(parser, "parse_expr", guard(parser.parse_expr, "parse_expr"))
    return seen


@pytest.mark.parametrize("text,message", HOSTILE, ids=[f"{i}:{h[:25]}" for i, (h, _) in enumerate(HOSTILE)])
def test_a_hostile_formula_is_one_line_exit_2_fast_and_writes_nothing(text, message, tmp_path, monkeypatch,
                                                                      no_eval):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    runner.invoke(cli, ["inspect", "--expr", "x^2", "--at", "1"])  # sympy imported before the clock starts
    for args in (["critical", "--expr", text, "--out", "out"], ["run", "--expr", text, "--out", "out"]):
        start = time.monotonic()
        result = runner.invoke(cli, args)
        elapsed = time.monotonic() - start
        assert result.exit_code == 2, (args, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("landscape: error: ") and message in lines[0], lines
        assert "Traceback" not in result.output
        assert elapsed < 1.0, f"{elapsed:.2f} s for {text[:40]!r}"
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written, PWNED not created
    assert no_eval == []


# ------------------------------------------------------------------ run --expr: the choices it makes and takes


def _run_json(args, tmp_path):
    import json

    # --format gif: only the animation is drawn (the still figures have their own tests)
    result = CliRunner().invoke(cli, ["run", *args, "--format", "gif", "--out", str(tmp_path / "o"), "--json", "-q"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_run_expr_picks_eta_and_steps_from_the_landscape_and_says_so(tmp_path):
    data = _run_json(["--expr", "x^4 - 2*x^2 + y^2"], tmp_path)
    eta = data["settings"]["optimizers"][0]["eta"]
    assert "= 0.5 × 2/λ_max" in data["description"] and f"η = {eta:.4g}" in data["description"]
    steps = data["settings"]["steps"]
    # 1.3 x (escape from r 1e-11 at the saddle, lambda_min = -4, + a 1e-6 contraction at the minima, whose
    # slowest mode is lambda = 2 (rho = 1 - 2 eta) against lambda = 8 (rho = |1 - 8 eta|))
    escape = math.log(1e11) / math.log(1 + 4 * eta)
    settle = math.log(1e6) / -math.log(max(abs(1 - 2 * eta), abs(1 - 8 * eta)))
    assert steps == math.ceil(1.3 * (escape + settle)) and f"{steps} steps" in data["description"]
    assert data["settings"]["saddles"] == "all" and data["basins"]["grid"] == [100, 100]
    given = _run_json(["--expr", "x^4 - 2*x^2 + y^2", "--eta", "0.05", "--steps", "300"], tmp_path)
    assert given["settings"]["steps"] == 300 and given["settings"]["optimizers"][0]["eta"] == 0.05
    assert "η = 0.05 (--eta)" in given["description"]


def test_run_expr_optimizers_seed_jobs_and_formats(tmp_path):
    base = ["--expr", "x^4 - 2*x^2 + y^2", "--steps", "150"]
    data = _run_json(base + ["--optimizer", "heavy-ball,adam"], tmp_path)
    names = [o["name"] for o in data["settings"]["optimizers"]]
    assert names == ["heavy-ball", "adam", "gd"]  # gd is added for the escape theory
    assert data["basins"]["optimizer"] == "heavy-ball"  # the first one draws the basins
    assert data["settings"]["optimizers"][1]["eta"] == 0.01  # adam keeps its own step unless --eta is given
    one = _run_json(base + ["--seed", "1", "--jobs", "2"], tmp_path)
    two = _run_json(base + ["--seed", "2"], tmp_path)
    r = one["settings"]["radius"]
    random_starts = lambda d: [run["start"] for run in d["runs"]  # those not beside the saddle
                               if np.linalg.norm(np.subtract(run["start"], run["saddle"])) > r]
    assert random_starts(one) != random_starts(two) and len(random_starts(one)) == 4
    assert one["saddle_sweeps"] == two["saddle_sweeps"]  # the sweeps do not depend on the seed
    from landscape.reproduce import differences

    assert differences(one, _run_json(base + ["--seed", "1"], tmp_path)) == []  # --jobs changes nothing
    result = CliRunner().invoke(cli, ["run", *base, "--format", "gif", "--out", str(tmp_path / "g"), "-q"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "g" / "expression").iterdir() if not p.name.startswith(".")) == [
        "animation.gif", "results.json", "summary.md", "trajectories.csv"]


@pytest.mark.parametrize("args,message", [
    (["--expr", "x^2 + y^2 + z^2"], "has 3 variables"),
    (["--expr", "x^2 - y^2", "--optimizer", "sgd"], "unknown optimizer 'sgd'"),
    (["saddle-2d", "--expr", "x^2 - y^2"], "not both"),
    (["--domain", "-1:1,-1:1"], "--domain goes with --expr"),
    (["--expr", "x^2 - y^2", "--domain", "1:-1,0:1"], "domain"),
    (["--expr", "x^2 - y^2", "--eta", "-1"], "--eta"),
    (["--expr", "x^2 - y^2", "--name", "../up"], "--name"),
    (["--expr", "-(x^2) - y^2"], "no positive curvature"),
    ([], "give a scenario"),
])
def test_run_expr_refuses_bad_requests_in_one_line(args, message, tmp_path):
    result = CliRunner().invoke(cli, ["run", *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.output
    assert message in result.stderr and not (tmp_path / "o").exists()


def test_sigmoid_and_softplus_do_not_overflow():
    import warnings

    f = landscape.expression("sigmoid(x) + softplus(y)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = f.value(np.array([[-1000.0, 1000.0], [1000.0, -1000.0]]))
        g = f.grad(np.array([[-1000.0, 1000.0]]))
    assert v.tolist() == [1000.0, 1.0] and g.tolist() == [[0.0, 1.0]]


def test_vars_and_constants_on_the_command_line():
    import json

    result = CliRunner().invoke(cli, ["critical", "--expr", "a*u^2 - v^2", "--vars", "u, v", "-p", "a=3",
                                      "--starts", "256", "--json", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["landscape"]["params"] == {"f": "a*u^2 - v^2", "vars": ["u", "v"], "constants": {"a": 3.0}}
    (p,) = data["critical_points"]
    assert p["kind"] == "saddle" and p["eigenvalues"] == pytest.approx([-2.0, 6.0])  # H = diag(2a, -2)
    bad = CliRunner().invoke(cli, ["critical", "himmelblau", "--vars", "u"])
    assert bad.exit_code == 2 and "--vars names a formula's variables" in bad.stderr


def test_the_sympy_and_float_tables_name_the_same_functions():
    import sympy

    from landscape.formula import FLOAT_FUNCTIONS, FUNCTIONS, _sympy_functions

    assert set(_sympy_functions()) == set(FLOAT_FUNCTIONS) == set(FUNCTIONS)
    for name in FUNCTIONS:  # each sympy builder, evaluated, equals its float twin (acosh needs u >= 1)
        u = 1.37 if name in ("arccosh", "acosh") else 0.37
        exact = float(_sympy_functions()[name](sympy.Float(u, 30)).rewrite(sympy.exp).evalf(30))
        assert exact == pytest.approx(FLOAT_FUNCTIONS[name](u), rel=1e-13), name
