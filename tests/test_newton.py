"""newton.py: the batched damped Newton solver, against closed forms."""

import numpy as np
import pytest

from landscape import build
from landscape.newton import _step, newton_solve


def test_the_step_is_newtons_without_damping_and_shrinks_with_it():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((5, 4, 4))
    H = A + np.swapaxes(A, -1, -2)
    g = rng.standard_normal((5, 4))
    s = _step(H, g, np.zeros(5))
    np.testing.assert_allclose(np.einsum("bij,bj->bi", H, s), -g, atol=1e-10)  # H s = -g
    mu = np.full(5, 1e3)
    damped = _step(H, g, mu)
    expect = -np.linalg.solve(np.einsum("bij,bjk->bik", H, H) + 1e3 * np.eye(4), np.einsum("bij,bj->bi", H, g)[..., None])[..., 0]
    np.testing.assert_allclose(damped, expect, rtol=1e-10, atol=1e-14)
    assert np.all(np.linalg.norm(damped, axis=-1) < np.linalg.norm(s, axis=-1))


def test_a_quadratic_is_solved_from_any_start_and_saddles_are_found_too():
    """On f = x^T H x / 2 the only critical point is 0, whatever the signs of H: Newton reaches it
    (here an index-1 saddle) from every start."""
    q = build("quadratic", {"eigenvalues": [2.0, -1.0, 0.5], "seed": 4})
    x0 = np.random.default_rng(1).uniform(-3, 3, (64, 3))
    x, gnorm, ok, _ = newton_solve(q, x0, gtol=1e-10, xtol=1e-12, max_step=10.0)
    assert ok.all() and gnorm.max() <= 1e-10
    np.testing.assert_allclose(x, 0, atol=1e-10)


def test_convergence_is_quadratic_near_a_root():
    """|g_{k+1}| ~ C |g_k|^2 near a simple root: on saddle-2d from (0.3, 1.2), each of the last
    iterations before the floor squares the error (ratio log|g_{k+1}| / log|g_k| near 2)."""
    f = build("saddle-2d")
    x = np.array([[0.3, 1.2]])
    norms = []
    for k in range(1, 8):
        _, g, _, _ = newton_solve(f, x, gtol=1e-300, xtol=0.0, max_step=1.0, max_iter=k)
        norms.append(float(g[0]))
    logs = np.log([n for n in norms if n > 1e-14])
    orders = logs[1:] / logs[:-1]
    assert len(orders) >= 2 and orders[-1] == pytest.approx(2.0, abs=0.3)


def test_each_start_is_independent_of_its_batch():
    """Splitting a batch changes nothing: the same points to the last bit."""
    f = build("himmelblau")
    x0 = np.random.default_rng(2).uniform(-5, 5, (40, 2))
    whole = newton_solve(f, x0, gtol=1e-10, xtol=1e-12, max_step=2.0)
    parts = [newton_solve(f, x0[i:i + 7], gtol=1e-10, xtol=1e-12, max_step=2.0) for i in range(0, 40, 7)]
    for j in range(3):
        np.testing.assert_array_equal(whole[j], np.concatenate([p[j] for p in parts]))


def test_converged_points_are_critical_and_a_gradient_without_zeros_is_abandoned():
    f = build("rosenbrock")
    x, g, ok, _ = newton_solve(f, np.array([[-1.2, 1.0], [2.0, -1.0]]), gtol=1e-9, xtol=1e-12, max_step=1.0)
    assert ok.all()
    np.testing.assert_allclose(x, [[1.0, 1.0], [1.0, 1.0]], atol=1e-8)  # the only critical point, (a, a^2)
    # f = x + y^2 has grad (1, 2y): no zero, so no start may report convergence
    lin = build("polynomial", {"dim": 2, "terms": [[[1, 0], 1.0], [[0, 2], 1.0]]})
    _, g, ok, _ = newton_solve(lin, np.array([[0.5, 0.5], [-2.0, 3.0]]), gtol=1e-9, xtol=1e-12, max_step=1.0)
    assert not ok.any() and np.all(g >= 1.0 - 1e-12)
