"""GD against its closed forms: the linearised iterate, escape and stall times, divergence."""

import math

import numpy as np
import pytest

from landscape import LandscapeError, build, escape_step, gd, iterate, run, stall_steps
from landscape.theory import linearised_iterate, predicted_escape_step, stability_bound


def rotated_quadratic(lam, seed=0, b=None):
    return build("quadratic", {"eigenvalues": list(lam), "seed": seed, **({"b": b} if b else {})})


@pytest.mark.parametrize("eta", [0.05, 0.3, 0.45])
def test_gd_on_a_quadratic_is_the_closed_form_iterate(eta, rng):
    lam = np.array([-1.0, 0.5, 2.0, -0.2])
    land = rotated_quadratic(lam, seed=5, b=[0.3, -0.1, 0.2, 0.05])
    p = land.known_critical_points()[0]
    V = np.linalg.eigh(land.H)[1]
    x0 = p + 0.1 * rng.standard_normal((6, 4))
    traj = run(land, gd(eta), x0, 60, bound=np.inf)
    lam_sorted = np.linalg.eigvalsh(land.H)
    y = (traj.x - p) @ V
    expected = linearised_iterate(lam_sorted, (x0 - p) @ V, eta, np.arange(61))
    # y_i(k) = (1 - eta lambda_i)^k y_i(0), exactly for a quadratic
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_escape_step_is_within_one_step_of_the_prediction_on_a_quadratic_saddle():
    lam = np.array([-0.5, 1.0, 2.0])
    land = rotated_quadratic(lam, seed=2)
    V = np.linalg.eigh(land.H)[1]
    eps = 10.0 ** -np.arange(1, 13)
    eta, r = 0.2, 0.5
    x0 = eps[:, None] * V[:, 0]
    traj = run(land, gd(eta), x0, 400)
    measured = escape_step(traj, np.zeros(3), r)
    y0 = x0 @ V
    predicted = predicted_escape_step(lam, y0, eta, r)
    np.testing.assert_allclose(predicted, np.log(r / eps) / np.log(1 + eta * 0.5), rtol=1e-12)
    # on the unstable line the iterate is eps (1.1)^k: it leaves at the first k with eps 1.1^k > r
    assert np.all(measured == np.ceil(predicted).astype(int))
    assert np.all(np.abs(measured - predicted) <= 1)


def test_escape_on_saddle_2d_in_the_linear_regime():
    """GD on x^2/2 + y^4/4 - y^2/2 from (1e-3, eps) with r = 0.01: within one step of
    k* = ln(r/eps)/ln(1 + eta); the cubic term shifts it by only ~5e-4 steps here."""
    land = build("saddle-2d")
    eta, r = 0.1, 0.01
    eps = 10.0 ** -np.arange(3, 13)
    x0 = np.stack([np.full_like(eps, 1e-3), eps], -1)
    measured = escape_step(run(land, gd(eta), x0, 400), np.zeros(2), r)
    predicted = np.log(r / eps) / np.log(1 + eta)
    assert np.all(measured >= 0)
    assert np.all(np.abs(measured - predicted) <= 1.0)


def test_escape_on_saddle_2d_with_the_first_nonlinear_correction():
    """With a larger ball the cubic term y <- (1 + eta) y - eta y^3 slows the last steps:
    summing eta y_k^2 / (1 + eta) over the geometric approach to r delays the escape by
    delta = r^2 (1 + eta) / ((2 + eta) ln(1 + eta)) steps (0.22 for r = 0.2, eta = 0.1)."""
    land = build("saddle-2d")
    eta, r = 0.1, 0.2
    eps = 10.0 ** -np.arange(2, 13)
    x0 = np.stack([np.full_like(eps, 0.01), eps], -1)
    measured = escape_step(run(land, gd(eta), x0, 400), np.zeros(2), r)
    predicted = np.log(r / eps) / np.log(1 + eta)
    delta = r**2 * (1 + eta) / ((2 + eta) * np.log(1 + eta))
    assert np.all(measured >= predicted)
    assert np.all(measured <= predicted + 1 + 1.1 * delta)
    assert np.all(measured == np.ceil(predicted + delta).astype(int))


def test_start_on_the_stable_manifold_converges_to_the_saddle():
    land = build("saddle-2d")
    eta = 0.1
    traj = run(land, gd(eta), np.array([[1.0, 0.0], [-1.7, 0.0]]), 400)
    # x_k = (1 - eta)^k x_0 exactly and y stays 0: the saddle attracts
    np.testing.assert_allclose(traj.x[:, :, 0], (1 - eta) ** np.arange(401)[:, None] * [1.0, -1.7],
                               rtol=1e-12)
    assert np.all(traj.x[:, :, 1] == 0.0)
    assert np.abs(traj.final).max() < 1e-15
    np.testing.assert_array_equal(escape_step(traj, np.zeros(2), 0.2), [-1, -1])


def test_divergence_is_reported_at_its_step_without_warnings():
    # lambda = 2 and eta = 1.5 > 2/lambda: |1 - eta lambda| = 2, so |x_k| = 2^k |x_0|
    land = build("quadratic", {"eigenvalues": [2.0], "rotation": "identity"})
    assert stability_bound([2.0]) == 1.0
    bound = 1e6
    traj = run(land, gd(1.5), np.array([[1e-3], [1.0]]), 200, bound=bound)
    expected = [math.floor(math.log2(bound / 1e-3)) + 1, math.floor(math.log2(bound)) + 1]
    np.testing.assert_array_equal(traj.diverged_step, expected)
    assert np.isnan(traj.x[expected[0]:, 0]).all() and np.isfinite(traj.x[: expected[0], 0]).all()
    np.testing.assert_allclose(np.abs(traj.final[:, 0]), 2.0 ** (np.array(expected) - 1) * [1e-3, 1.0])
    # just below the bound the same start converges, oscillating in sign
    traj = run(land, gd(0.99), np.array([[1.0]]), 200)
    assert traj.diverged_step[0] == -1
    assert traj.final[0, 0] == pytest.approx((1 - 0.99 * 2) ** 200, rel=1e-10)


def test_overflow_to_infinity_is_caught_as_divergence():
    land = build("saddle-2d")
    traj = run(land, gd(5.0), np.array([[0.0, 3.0]]), 50, bound=np.inf)
    assert 0 < traj.diverged_step[0] < 50


def test_stall_steps_match_the_linearised_gradient_norm():
    lam = np.array([-1.0, 1.0])
    land = build("quadratic", {"eigenvalues": list(lam), "rotation": "identity"})
    eta, thr = 0.1, 1e-3
    y0 = np.array([[1e-8, 0.02], [1e-5, 0.0], [1e-2, 0.5]])
    traj = run(land, gd(eta), y0, 300)
    y = linearised_iterate(lam, y0, eta, np.arange(301))
    expected = (np.linalg.norm(y * lam, axis=-1) < thr).sum(0)  # |grad f| = |H y|
    np.testing.assert_array_equal(stall_steps(traj, thr), expected)
    # steps near a minimum are convergence, not a stall
    outside = (np.linalg.norm(traj.x, axis=-1) > 1.0).sum(0)
    np.testing.assert_array_equal(stall_steps(traj, np.inf, minima=np.zeros((1, 2)), radius=1.0), outside)


def test_iterate_streams_what_run_collects():
    land = build("six-hump-camel")
    x0 = np.array([[0.5, 0.5], [-1.0, 0.2]])
    traj = run(land, gd(0.01), x0, 25)
    for k, (x, v, g, div) in enumerate(iterate(land, gd(0.01), x0)):
        np.testing.assert_array_equal(x, traj.x[k])
        np.testing.assert_array_equal(v, traj.value[k])
        if k == 25:
            break


@pytest.mark.parametrize("kwargs,match", [
    ({"steps": 0}, "steps"), ({"steps": 2.5}, "steps"),
    ({"x0": np.array([[1.0, 2.0, 3.0]])}, "coordinates"), ({"x0": np.array([[np.nan, 0.0]])}, "finite"),
])
def test_run_rejects_bad_input(kwargs, match):
    args = {"steps": 10, "x0": np.array([[1.0, 0.0]]), **kwargs}
    with pytest.raises(LandscapeError, match=match):
        run(build("saddle-2d"), gd(0.1), args["x0"], args["steps"])


@pytest.mark.parametrize("eta", [0.0, -0.1, float("nan"), "x"])
def test_gd_rejects_non_positive_step(eta):
    with pytest.raises(LandscapeError, match="eta"):
        gd(eta)
