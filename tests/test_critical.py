"""The batched critical-point search against literature values and an independent solver."""

import numpy as np
import pytest
from scipy.optimize import root

from landscape import LandscapeError, build, find_critical_points

# Counts by kind (minimum, saddle, maximum, degenerate) inside each family's box.
# Himmelblau: 4 minima, 4 saddles, 1 maximum (Himmelblau 1972). Six-hump camel:
# 6 minima (Dixon and Szego 1978) with 7 saddles and 2 maxima, as the Morse
# relation #min - #saddle + #max = 1 for a coercive function requires.
# Müller-Brown: 3 minima and 2 saddles (Müller and Brown 1979).
EXPECTED = {
    "saddle-2d": (2, 1, 0, 0),
    "monkey-saddle": (0, 0, 0, 1),
    "rosenbrock": (1, 0, 0, 0),
    "himmelblau": (4, 4, 1, 0),
    "six-hump-camel": (6, 7, 2, 0),
    "muller-brown": (3, 2, 0, 0),
}


def counts(found):
    return tuple(found.counts[k] for k in ("minimum", "saddle", "maximum", "degenerate"))


@pytest.mark.parametrize("name", EXPECTED)
def test_counts_by_kind(name):
    found = find_critical_points(build(name))
    assert counts(found) == EXPECTED[name]


@pytest.mark.parametrize("name", EXPECTED)
def test_every_point_has_small_gradient_and_lies_in_the_domain(name):
    land = build(name)
    found = find_critical_points(land)
    box = np.asarray(found.domain)
    for p in found.points:
        assert np.linalg.norm(land.grad(p.x)) <= found.gtol
        assert np.all(p.x >= box[:, 0] - 1e-9) and np.all(p.x <= box[:, 1] + 1e-9)
        np.testing.assert_allclose(p.eigenvalues, np.linalg.eigvalsh(land.hess(p.x)), atol=1e-9)
        assert p.index == int((p.eigenvalues < -found.zero_tol).sum())


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != "monkey-saddle"])
def test_same_set_as_an_independent_solver(name):
    """scipy's MINPACK hybrid method from a 25 x 25 grid finds exactly the same points."""
    land = build(name)
    box = np.asarray(land.domain)
    grid = np.stack(np.meshgrid(*[np.linspace(lo, hi, 25) for lo, hi in box]), -1).reshape(-1, 2)
    ref = []
    for x0 in grid:
        with np.errstate(all="ignore"):  # MINPACK may wander far out of the box
            x = root(land.grad, x0, jac=land.hess, method="hybr", tol=1e-13).x
        inside = np.all(x >= box[:, 0]) and np.all(x <= box[:, 1])
        if inside and np.linalg.norm(land.grad(x)) < 1e-7 * max(1, np.abs(land.hess(x)).max()):
            if not any(np.linalg.norm(x - r) < 1e-6 for r in ref):
                ref.append(x)
    ours = np.array([p.x for p in find_critical_points(land).points])
    assert len(ref) == len(ours)
    for r in ref:
        assert np.linalg.norm(ours - r, axis=1).min() < 1e-6


def test_known_minima_from_the_literature():
    # Himmelblau's four minima (f = 0) and maximum f(-0.270845, -0.923039) = 181.617
    him = find_critical_points(build("himmelblau"))
    minima = np.array([p.x for p in him.of_kind("minimum")])
    for m in [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]:
        assert np.linalg.norm(minima - m, axis=1).min() < 2e-6
    assert all(abs(p.value) < 1e-12 for p in him.of_kind("minimum"))
    (mx,) = him.of_kind("maximum")
    np.testing.assert_allclose(mx.x, [-0.270845, -0.923039], atol=1e-6)
    assert mx.value == pytest.approx(181.617, abs=1e-3)
    # six-hump camel: global minima +-(0.0898, -0.7126) with f = -1.0316
    camel = find_critical_points(build("six-hump-camel"))
    lowest = camel.points[:2]
    assert {tuple(np.round(p.x, 4)) for p in lowest} == {(0.0898, -0.7127), (-0.0898, 0.7127)}
    assert all(p.value == pytest.approx(-1.0316, abs=1e-4) for p in lowest)
    # Rosenbrock: (1, 1)
    (rmin,) = find_critical_points(build("rosenbrock")).points
    np.testing.assert_allclose(rmin.x, [1.0, 1.0], atol=1e-10)
    # Müller-Brown minima and saddles with their energies (Müller and Brown 1979)
    mb = find_critical_points(build("muller-brown"))
    published = [((-0.558, 1.442), -146.70, "minimum"), ((0.623, 0.028), -108.17, "minimum"),
                 ((-0.050, 0.467), -80.77, "minimum"), ((-0.822, 0.624), -40.66, "saddle"),
                 ((0.212, 0.293), -72.25, "saddle")]
    for xy, value, kind in published:
        (p,) = [p for p in mb.points if np.linalg.norm(p.x - xy) < 1e-3]
        assert p.kind == kind and p.value == pytest.approx(value, abs=0.01)


def test_monkey_saddle_origin_is_degenerate():
    (p,) = find_critical_points(build("monkey-saddle")).points
    assert p.kind == "degenerate"
    assert np.linalg.norm(p.x) < 1e-6


def test_quadratic_critical_point_and_index():
    land = build("quadratic", {"eigenvalues": [2.0, -1.0, 0.5, -3.0, 1.0], "b": [1, 0, -1, 0.5, 0.2], "seed": 1})
    (p,) = find_critical_points(land, starts=64).points
    np.testing.assert_allclose(p.x, land.known_critical_points()[0], atol=1e-10)
    assert p.index == 2 and p.kind == "saddle"


def test_restricting_the_domain_drops_outside_points():
    found = find_critical_points(build("saddle-2d"), [(-1, 1), (0.5, 2)])
    assert [tuple(p.x) for p in found.points] == [(0.0, 1.0)]


def test_same_seed_same_points():
    a = find_critical_points(build("six-hump-camel"), seed=3)
    b = find_critical_points(build("six-hump-camel"), seed=3)
    np.testing.assert_array_equal([p.x for p in a.points], [p.x for p in b.points])


@pytest.mark.parametrize("domain,match", [
    ([(1, -1), (0, 1)], "reversed"),
    ([(0, 0), (0, 1)], "empty"),
    ([(0, 1)], "needs 2 intervals"),
    ([(0, np.inf), (0, 1)], "finite"),
])
def test_bad_domains(domain, match):
    with pytest.raises(LandscapeError, match=match):
        find_critical_points(build("saddle-2d"), domain)
