"""Closed forms of theory.py checked against hand-derived values."""

import math

import numpy as np
import pytest

from landscape.theory import escape_slope, linearised_iterate, predicted_escape_step, stability_bound


def test_linearised_iterate_values():
    y = linearised_iterate([-1.0, 2.0], np.array([1e-3, 0.5]), 0.1, [0, 1, 2, 10])
    np.testing.assert_allclose(y[:, 0], 1e-3 * 1.1 ** np.array([0, 1, 2, 10]), rtol=1e-15)
    np.testing.assert_allclose(y[:, 1], 0.5 * 0.8 ** np.array([0, 1, 2, 10]), rtol=1e-15)
    # batched starts: (K, B, n)
    assert linearised_iterate([1.0, 2.0], np.ones((3, 2)), 0.1, range(5)).shape == (5, 3, 2)


def test_predicted_escape_step():
    lam = np.array([-1.0, 1.0])
    y0 = np.array([[1e-6, 0.3], [0.0, 0.1], [0.2, 0.0]])
    k = predicted_escape_step(lam, y0, 0.1, 0.2)
    assert k[0] == pytest.approx(math.log(0.2 / 1e-6) / math.log(1.1), rel=1e-14)
    assert k[1] == math.inf          # on the stable manifold: never leaves
    assert k[2] == pytest.approx(0.0, abs=1e-15)
    # the unstable direction is the most negative eigenvalue, wherever it sits
    k2 = predicted_escape_step(np.array([2.0, -0.5, -3.0]), np.array([9.0, 9.0, 1e-4]), 0.1, 1.0)
    assert k2 == pytest.approx(math.log(1e4) / math.log(1.3), rel=1e-14)
    assert np.isnan(predicted_escape_step(np.array([1.0, 2.0]), np.array([0.1, 0.1]), 0.1, 1.0))


def test_stability_bound_and_slope():
    assert stability_bound([0.5, 4.0]) == 0.5
    assert stability_bound([-1.0, -2.0]) == math.inf
    assert escape_slope([-1.0, 1.0], 0.1) == pytest.approx(1 / math.log(1.1), rel=1e-15)
    assert escape_slope([-2.0, 1.0], 0.25) == pytest.approx(1 / math.log(1.5), rel=1e-15)


# --- issue 5 -------------------------------------------------------------------------

from landscape.theory import (chain_phase_ends, linear_recurrence, median_unstable_fraction,  # noqa: E402
                              recurrence_roots, saxe_gd_learn_steps, saxe_learn_time, saxe_mode_strength,
                              stability_bounds)


@pytest.mark.parametrize("beta", [0.0, 0.3, 0.9])
def test_stability_bounds_agree_with_the_companion_matrix_spectral_radius(beta):
    """Independent check of Jury's conditions: the spectral radius of [[T, -D], [1, 0]] for
    lambda_max = 2 crosses 1 exactly at the stated bound (grid of 2000 step sizes)."""
    bounds = stability_bounds(2.0, beta)
    for method in ("gd", "heavy-ball", "nesterov"):
        etas = np.linspace(1e-4, 2 * bounds[method], 2000)
        T, D, _ = np.broadcast_arrays(*linear_recurrence(method, np.array([2.0]), etas, beta))
        M = np.stack([np.stack([T, -D], -1), np.stack([np.ones_like(T), np.zeros_like(T)], -1)], -2)
        rho = np.abs(np.linalg.eigvals(M)).max(-1)
        stable = rho < 1 - 1e-12
        # every eta below the bound is stable and every eta above it is not (grid resolution)
        step = etas[1] - etas[0]
        assert np.all(stable[etas < bounds[method] - step]), method
        assert not np.any(stable[etas > bounds[method] + step]), method


def test_recurrence_roots_order_and_values():
    z1, z2 = recurrence_roots(np.array([3.0, 0.0]), np.array([2.0, 1.0]))
    np.testing.assert_allclose(z1, [2.0, 1j], atol=1e-15)  # z^2 - 3z + 2 = (z-1)(z-2); z^2 + 1
    np.testing.assert_allclose(np.abs(z2), [1.0, 1.0])


def test_saxe_mode_strength_solves_its_ode_and_its_learn_time_inverts_it():
    """du/dt = 2u(s - u) by central differences, u(0) = u0, and u(t_learn) = fraction * s."""
    s, u0 = np.array([4.0, 1.0, 0.3]), 1e-4
    t = np.linspace(0.0, 20.0, 2001)[:, None]
    u = saxe_mode_strength(s, u0, t)
    h = 1e-6
    du = (saxe_mode_strength(s, u0, t + h) - saxe_mode_strength(s, u0, t - h)) / (2 * h)
    np.testing.assert_allclose(du, 2 * u * (s - u), rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(u[0], u0)
    for frac in (0.1, 0.5, 0.9):
        np.testing.assert_allclose(saxe_mode_strength(s, u0, saxe_learn_time(s, u0, frac)), frac * s, rtol=1e-10)
    # the small-u0 limit: t_half -> ln(s/u0)/(2s)
    np.testing.assert_allclose(saxe_learn_time(s, 1e-12), np.log(s / 1e-12) / (2 * s), rtol=1e-10)
    # the GD correction tends to 1 as eta s -> 0
    np.testing.assert_allclose(saxe_gd_learn_steps(s, u0, 1e-7) * 1e-7, saxe_learn_time(s, u0), rtol=1e-6)


def test_median_unstable_fraction_against_sampling():
    """The median of |xi_1| for xi uniform on S^{n-1}: 10^5 samples, with a 4-sigma band on the
    empirical CDF at the predicted median (binomial, p = 1/2)."""
    rng = np.random.default_rng(0)
    for n in (2, 10, 100):
        xi = rng.standard_normal((100_000, n))
        u = np.abs(xi[:, 0]) / np.linalg.norm(xi, axis=-1)
        frac = np.mean(u <= median_unstable_fraction(n))
        assert abs(frac - 0.5) < 4 * 0.5 / np.sqrt(len(u))
    assert median_unstable_fraction(2) == pytest.approx(np.sin(np.pi / 4))  # |cos theta| with theta uniform


def test_chain_phase_ends_follow_the_geometric_recursion():
    """t_i = t_{i-1} + (ln(level a/x_i(0)) + t_{i-1} ln(1/(1 - eta L))) / ln(1 + eta gamma): with equal
    starts the increments grow by exactly 1 + kappa."""
    eta, gamma, L = 0.1, 1.0, 0.5
    t = chain_phase_ends(np.full(8, 1e-3), eta, gamma, L, 1.0)
    kappa = -np.log1p(-eta * L) / np.log1p(eta * gamma)
    t0 = (np.log(0.5 / 1e-3) + 0.5 * np.log(1 / 0.75)) / np.log1p(eta * gamma)
    np.testing.assert_allclose(t[0], t0)
    np.testing.assert_allclose(np.diff(t), t0 + kappa * t[:-1], rtol=1e-12)
