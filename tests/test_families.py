"""Contract tests over the LANDSCAPES registry, plus each family's defining facts."""

import numpy as np
import pytest

from conftest import central_grad, central_jacobian
from landscape import LANDSCAPES, LandscapeError, build

# Every registered family with its defaults, plus parameter variants worth checking.
REQUIRED = {"expression": {"f": "x^4 - 2*x^2 + y^2"}}
"""The parameters a family has no default for (a formula must be typed)."""
CASES = [(name, REQUIRED.get(name, {})) for name in LANDSCAPES] + [
    ("expression", {"f": "a*sin(x)*cos(y) + softplus(z - x) + (x^2 + y^2 + z^2)/10", "a": 1.5}),
    ("expression", {"f": "sigmoid(u*v) - erf(w)^2 + u^4", "vars": ["u", "v", "w"]}),
    ("quadratic", {"eigenvalues": [2.0, -1.0, 0.5, -3.0], "b": [1.0, -2.0, 0.5, 0.0], "c": 1.5, "seed": 7}),
    ("quadratic", {"hessian": [[2.0, 1.0], [1.0, -1.0]], "b": [0.3, -0.2]}),
    ("rosenbrock", {"a": 0.5, "b": 10.0}),
    ("random-field", {"dim": 4, "features": 32, "length": 0.7, "mu": 0.0, "seed": 3}),
    ("separable", {"dim": 5, "rotation": "identity", "tilt": 0.3}),
    ("polynomial", {"dim": 3, "kind": "kostlan", "degree": 4, "seed": 2}),
    ("polynomial", {"dim": 4, "kind": "gaussian", "degree": 3, "seed": 5}),
    ("polynomial", {"terms": [[[4, 0], 1.0], [[0, 4], 2.0], [[1, 1], -3.0], [[2, 1], 0.5], [[0, 0], 7.0]]}),
    ("pspin", {"dim": 4, "p": 2, "seed": 1}),
    ("pspin", {"dim": 6, "p": 3, "seed": 2}),
    ("pspin", {"dim": 4, "p": 4, "seed": 3}),
    ("quadratic", {"eigenvalues": [-1.0, 0.5, 2.0], "rotation": "identity", "b": [0.1, 0.2, -0.3]}),
    ("saddle-chain", {"dim": 6, "gamma": 2.0, "L": 0.7, "a": 1.3, "gate": 0.0}),
    ("linear-net", {"strengths": [2.0, 0.5], "hidden": 3, "inputs": 3, "outputs": 4, "samples": 5, "seed": 4}),
    ("mlp", {"layers": [2, 3, 2], "dataset": "xor", "weight_decay": 0.01}),
    ("mlp", {"layers": [2, 3, 3, 2], "activation": "elu", "batchnorm": True, "dataset": "moons", "samples": 16}),
    ("mlp", {"layers": [3, 4, 2], "activation": "sigmoid", "samples": 12, "seed": 2}),
    ("mlp", {"layers": [2, 4, 3], "activation": "relu", "samples": 12}),
]
IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
# families on R^n have Euclidean derivatives; those on a manifold (the sphere) Riemannian ones
FLAT = [case for case in CASES if build(*case).manifold == "euclidean"]
CURVED = [case for case in CASES if build(*case).manifold != "euclidean"]
FLAT_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(FLAT)]
CURVED_IDS = [f"{n}-{i}" for i, (n, _) in enumerate(CURVED)]


def sample(landscape, rng, shape=(16,)):
    if landscape.manifold != "euclidean":
        count = int(np.prod(shape))
        return landscape.sample_starts(landscape.domain, count, rng).reshape(shape + (landscape.dim,))
    box = np.asarray(landscape.domain)
    return box[:, 0] + rng.random(shape + (landscape.dim,)) * (box[:, 1] - box[:, 0])


@pytest.mark.parametrize("name,params", FLAT, ids=FLAT_IDS)
def test_gradient_matches_central_differences(name, params, rng):
    land = build(name, params)
    x = sample(land, rng)
    h = 1e-6
    fd = central_grad(land.value, x, h)
    g = land.grad(x)
    scale = np.abs(g).max() + np.abs(land.value(x)).max()
    # central differences: truncation O(h^2 f''') plus rounding O(eps |f| / h)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("name,params", FLAT, ids=FLAT_IDS)
def test_hessian_matches_central_differences_of_gradient(name, params, rng):
    land = build(name, params)
    x = sample(land, rng)
    H = land.hess(x)
    fd = central_jacobian(land.grad, x, 1e-6)
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-7 * (np.abs(H).max() + np.abs(land.grad(x)).max()))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_hessian_is_symmetric(name, params, rng):
    land = build(name, params)
    H = land.hess(sample(land, rng))
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_batched_and_single_calls_agree(name, params, rng):
    land = build(name, params)
    x = sample(land, rng, shape=(3, 4))
    v, g, H = land.value(x), land.grad(x), land.hess(x)
    m = land.tangent_dim
    assert v.shape == (3, 4) and g.shape == (3, 4, land.dim) and H.shape == (3, 4, m, m)
    for i in range(3):
        for j in range(4):
            assert land.value(x[i, j]) == pytest.approx(v[i, j], rel=1e-14, abs=1e-14)
            np.testing.assert_allclose(land.grad(x[i, j]), g[i, j], rtol=1e-14, atol=1e-14)
            np.testing.assert_allclose(land.hess(x[i, j]), H[i, j], rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_joint_derivatives_equal_grad_and_hess(name, params, rng):
    land = build(name, params)
    x = sample(land, rng)
    g, H = land.derivatives(x)
    np.testing.assert_allclose(g, land.grad(x), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(H, land.hess(x), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_known_critical_points_have_zero_gradient(name, params):
    land = build(name, params)
    known = land.known_critical_points()
    if known is None:
        pytest.skip(f"{name} has no closed-form critical points")
    g = land.grad(known)
    assert np.abs(g).max() <= 1e-12 * max(1.0, np.abs(land.hess(known)).max())


@pytest.mark.parametrize("name,params", CASES, ids=IDS)
def test_wrong_number_of_coordinates_is_rejected(name, params):
    land = build(name, params)
    with pytest.raises(LandscapeError, match="coordinates"):
        land.value(np.zeros(land.dim + 1))


def geodesic(s, v, t):
    """The great circle through s (|s| = r) with initial velocity v (tangent): (..., T, n)."""
    r = np.linalg.norm(s, axis=-1, keepdims=True)
    speed = np.linalg.norm(v, axis=-1, keepdims=True)
    angle = t[:, None] * speed[..., None, :] / r[..., None, :]
    return np.cos(angle) * s[..., None, :] + r[..., None, :] * np.sin(angle) * (v / speed)[..., None, :]


@pytest.mark.parametrize("name,params", CURVED, ids=CURVED_IDS)
def test_riemannian_derivatives_match_differences_along_geodesics(name, params, rng):
    """<grad f, v> = d/dt f(gamma(t)) and c^T Hess c = d^2/dt^2 f(gamma(t)) at t = 0 for the
    geodesic gamma with gamma'(0) = v = Q c: the Riemannian derivatives, free of any chart."""
    land = build(name, params)
    s = sample(land, rng)
    Q = land.tangent_basis(s)
    c = rng.standard_normal((len(s), land.tangent_dim))
    v = np.einsum("bnm,bm->bn", Q, c)
    h = 1e-4
    f = land.value(geodesic(s, v, np.array([-h, 0.0, h])))
    first = (f[:, 2] - f[:, 0]) / (2 * h)
    second = (f[:, 2] - 2 * f[:, 1] + f[:, 0]) / h**2
    scale = np.abs(f).max()
    np.testing.assert_allclose(np.einsum("bn,bn->b", land.grad(s), v), first, rtol=1e-6, atol=1e-7 * scale)
    np.testing.assert_allclose(np.einsum("bm,bmk,bk->b", c, land.hess(s), c), second,
                               rtol=1e-5, atol=1e-5 * scale)


@pytest.mark.parametrize("name,params", CURVED, ids=CURVED_IDS)
def test_sphere_geometry(name, params, rng):
    """Starts lie on |s| = r; the gradient is tangent; Q is orthonormal and tangent; the
    retraction returns to the sphere; the Euclidean derivatives match central differences."""
    land = build(name, params)
    s = sample(land, rng)
    r = land.radius
    np.testing.assert_allclose(np.linalg.norm(s, axis=-1), r, rtol=1e-14)
    np.testing.assert_allclose(np.einsum("bn,bn->b", land.grad(s), s), 0, atol=1e-12 * r * np.abs(land.value(s)).max())
    Q = land.tangent_basis(s)
    np.testing.assert_allclose(np.swapaxes(Q, -1, -2) @ Q, np.broadcast_to(np.eye(land.tangent_dim), (len(s),) + (land.tangent_dim,) * 2), atol=1e-14)
    np.testing.assert_allclose(np.einsum("bnm,bn->bm", Q, s), 0, atol=1e-14 * r)
    step = land.retract(s, np.einsum("bnm,bm->bn", Q, rng.standard_normal((len(s), land.tangent_dim))))
    np.testing.assert_allclose(np.linalg.norm(step, axis=-1), r, rtol=1e-14)
    np.testing.assert_allclose(land.euclidean_grad(s), central_grad(land.value, s, 1e-6), rtol=1e-6, atol=1e-7 * r**land.p)
    np.testing.assert_allclose(land.euclidean_hess(s), central_jacobian(land.euclidean_grad, s, 1e-6),
                               rtol=1e-6, atol=1e-7 * r**land.p)


def test_saddle_2d_definition():
    land = build("saddle-2d")
    # f(x, y) = x^2/2 + y^4/4 - y^2/2: minima at (0, +-1) with f = -1/4, saddle at 0
    assert land.value(np.array([0.0, 1.0])) == -0.25
    assert land.value(np.array([0.0, -1.0])) == -0.25
    assert land.value(np.array([2.0, 3.0])) == 2.0 + 81 / 4 - 9 / 2
    np.testing.assert_array_equal(np.linalg.eigvalsh(land.hess(np.zeros(2))), [-1.0, 1.0])
    np.testing.assert_array_equal(np.linalg.eigvalsh(land.hess(np.array([0.0, 1.0]))), [1.0, 2.0])


def test_monkey_saddle_hessian_vanishes_at_origin():
    land = build("monkey-saddle")
    np.testing.assert_array_equal(land.hess(np.zeros(2)), np.zeros((2, 2)))
    # three descending directions at 120 degrees: f(r cos t, r sin t) = r^3 cos 3t
    t = np.array([np.pi / 3, np.pi, 5 * np.pi / 3])
    np.testing.assert_allclose(land.value(np.stack([np.cos(t), np.sin(t)], -1)), -1.0, rtol=1e-12)


def test_quadratic_from_eigenvalues_and_rotation():
    lam = [3.0, -1.0, 0.5, -2.0, 1.0]
    b = np.array([0.5, -1.0, 2.0, 0.0, 1.0])
    land = build("quadratic", {"eigenvalues": lam, "b": list(b), "c": 2.0, "seed": 3})
    H = land.H
    np.testing.assert_allclose(np.linalg.eigvalsh(H), sorted(lam), atol=1e-12)
    xstar = land.known_critical_points()[0]
    np.testing.assert_allclose(H @ xstar, -b, atol=1e-12)
    # f(x*) = c - 1/2 b^T H^{-1} b
    assert land.value(xstar) == pytest.approx(2.0 - 0.5 * b @ np.linalg.solve(H, b), rel=1e-12)
    # a different seed rotates differently; the identity rotation is diagonal
    assert not np.allclose(H, build("quadratic", {"eigenvalues": lam, "seed": 4}).H)
    np.testing.assert_array_equal(build("quadratic", {"eigenvalues": lam, "rotation": "identity"}).H,
                                  np.diag(lam))


def test_quadratic_singular_has_no_isolated_critical_point():
    land = build("quadratic", {"eigenvalues": [1.0, 0.0], "rotation": "identity"})
    assert land.known_critical_points() is None


@pytest.mark.parametrize("params,match", [
    ({"hessian": [[1.0, 2.0], [3.0, 4.0]]}, "symmetric"),
    ({"hessian": [[1.0, 2.0, 3.0]]}, "square"),
    ({"eigenvalues": []}, "non-empty"),
    ({"eigenvalues": [1.0, -1.0], "b": [1.0]}, "b must be 2"),
    ({"eigenvalues": [1.0], "rotation": "spin"}, "rotation"),
    ({"eigenvalues": "abc"}, "expected a list"),
    ({"nope": 1}, "unknown parameter"),
])
def test_quadratic_bad_parameters(params, match):
    with pytest.raises(LandscapeError, match=match):
        build("quadratic", params)


def test_unknown_family():
    with pytest.raises(LandscapeError, match="unknown landscape family"):
        build("banana")
