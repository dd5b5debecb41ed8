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


# --- issue 5: escape under every optimizer, closed forms, stability sweeps -------------

from landscape.dynamics import first_arrival, measure_escape, quadratic_escape, rate_sweep  # noqa: E402
from landscape.optim import heavy_ball, nesterov, newton, perturbed_gd, saddle_free_newton  # noqa: E402
from landscape.theory import linear_recurrence, predicted_escape, stability_bounds  # noqa: E402


@pytest.mark.parametrize("method,eta,damping", [("gd", 0.2, 0.0), ("gd", 0.45, 0.0),
                                                ("saddle-free-newton", 0.7, 0.1)])
def test_closed_form_escape_and_stall_equal_the_iterated_run(method, eta, damping):
    """On a quadratic y_i(k) = q_i^k y_i(0): the bisection on the convex |y(k)|^2 gives the
    same escape step and stall count as iterating, for 3000 random starts, with no iteration."""
    lam = np.array([-0.5, -0.1, 1.0, 2.0])
    land = rotated_quadratic(lam, seed=2)
    V = np.linalg.eigh(land.H)[1]
    rng = np.random.default_rng(9)
    y0 = rng.standard_normal((3000, 4)) * np.array([1e-7, 1e-3, 0.05, 0.05])
    opt = gd(eta) if method == "gd" else saddle_free_newton(eta, damping)
    meas = measure_escape(land, opt, y0 @ V.T, 5000, np.zeros(4), 0.5, 1e-2, until_escaped=True)
    q, _, _ = linear_recurrence(method, lam, eta, damping=damping)
    esc, stall = quadratic_escape(q, y0, 0.5, lam, 1e-2)
    assert np.all(meas.escape_step >= 0)
    np.testing.assert_array_equal(esc, meas.escape_step)
    np.testing.assert_array_equal(stall, meas.stall_steps)


def test_closed_form_reports_no_escape_without_a_growing_direction():
    esc, _ = quadratic_escape(np.array([0.9, -0.5]), np.array([[0.1, 0.1], [0.0, 0.0]]), 1.0)
    np.testing.assert_array_equal(esc, [-1, -1])


@pytest.mark.parametrize("method,beta", [("heavy-ball", 0.9), ("heavy-ball", 0.5), ("nesterov", 0.9),
                                         ("nesterov", 0.3)])
def test_momentum_escape_is_within_one_step_of_its_largest_root(method, beta):
    """From eps on the unstable eigenvector, y_k = c1 z1^k + c2 z2^k with |z2| < 1 < z1, so
    the escape step is within one step of k* = ln(r / (c1 eps)) / ln z1."""
    lam = np.array([-0.5, 1.0, 2.0])
    land = rotated_quadratic(lam, seed=2)
    V = np.linalg.eigh(land.H)[1]
    eps = 10.0 ** -np.arange(2, 13)
    eta, r = 0.1, 0.5
    opt = (heavy_ball if method == "heavy-ball" else nesterov)(eta, beta)
    meas = measure_escape(land, opt, eps[:, None] * V[:, 0], 2000, np.zeros(3), r, 1e-3, until_escaped=True)
    k = predicted_escape(method, -0.5, eps, r, eta, beta)
    assert np.all(np.abs(meas.escape_step - k) <= 1), (meas.escape_step, k)
    # and faster than GD's ln(r/eps)/ln(1 + eta|lambda|)
    assert np.all(k < np.log(r / eps) / np.log(1 + eta * 0.5))


def test_newton_converges_to_the_saddle_and_saddle_free_newton_leaves_it():
    """saddle-2d from (0.1, 1e-3): Newton's step zeroes x at once and sends y to 0 quadratically
    (y -> 2y^3/(3y^2 - 1)); saddle-free Newton multiplies y by 1 + 1/(1 + damping) and escapes."""
    land = build("saddle-2d")
    x0 = np.array([[0.1, 1e-3], [-0.3, -1e-6]])
    nt = run(land, newton(), x0, 10)
    assert np.all(np.abs(nt.x[-1]) < 1e-15)
    # first step by the formula; y - (y^3 - y)/(3y^2 - 1) cancels, leaving rounding of order 1e-16 |y0|
    np.testing.assert_allclose(nt.x[1, :, 1], 2 * x0[:, 1] ** 3 / (3 * x0[:, 1] ** 2 - 1), rtol=1e-6,
                               atol=1e-15 * np.abs(x0[:, 1]).max())
    sfn = run(land, saddle_free_newton(eta=1.0, damping=0.1), x0, 60)
    np.testing.assert_allclose(np.abs(sfn.x[-1]), [[0.0, 1.0], [0.0, 1.0]], atol=1e-8)
    np.testing.assert_allclose(sfn.x[1, :, 1], x0[:, 1] * (1 + 1 / 1.1), rtol=1e-5)


def test_perturbed_gd_escapes_from_an_exact_start_on_the_stable_manifold():
    """GD from (x, 0) never leaves y = 0 and converges to the saddle; perturbed GD's kick
    (once |grad| <= g_thres) gives y a nonzero component, and it reaches a minimum, for every seed."""
    land = build("saddle-2d")
    x0 = np.array([[1.0, 0.0], [-1.5, 0.0], [0.5, 0.0]])
    g = run(land, gd(0.1), x0, 600)
    assert np.all(g.x[:, :, 1] == 0) and np.all(np.abs(g.x[-1]) < 1e-20)
    for seed in range(5):
        p = run(land, perturbed_gd(0.1, radius=1e-2, g_thres=1e-3, t_thres=20), x0, 600,
                rng=np.random.default_rng(seed))
        # Jin's algorithm keeps kicking wherever |grad| is small, minima included: within the radius
        np.testing.assert_allclose(np.abs(p.x[-1]), np.tile([0.0, 1.0], (3, 1)), atol=1e-2)
        assert np.all(escape_step(p, np.zeros(2), 0.2) > 0)


@pytest.mark.parametrize("method,beta", [("gd", 0.0), ("heavy-ball", 0.9), ("nesterov", 0.9),
                                         ("heavy-ball", 0.3)])
def test_the_learning_rate_boundary_is_measured_within_the_grid_spacing(method, beta):
    from landscape.optim import chain, scale, trace
    from landscape.studies.lr_stability import boundary

    land = build("quadratic", {"eigenvalues": [0.3, 1.0, 5.0], "seed": 2})
    bound = stability_bounds(5.0, beta)[method]
    etas = np.linspace(0, 1.5 * bound, 201)[1:]

    def make(eta):
        return chain(scale(-eta)) if method == "gd" else chain(trace(beta, method == "nesterov"), scale(-eta))

    sw = rate_sweep(land, etas, np.ones(3), 300, np.zeros(3), make)
    assert abs(boundary(sw) - bound) <= etas[1] - etas[0]
    assert np.all(sw.rate[etas < bound * 0.99] < 1) and np.all(sw.rate[etas > bound * 1.01] > 1)
    if method == "gd":
        reg = sw.regime
        assert set(reg[etas < 2 / 5.3 * 0.98]) == {"monotone"}
        assert set(reg[(etas > 2 / 5.3 * 1.02) & (etas < bound * 0.99)]) == {"oscillating"}
        assert set(reg[etas > bound * 1.01]) == {"diverging"}


def test_first_arrival_counts_steps_to_a_region():
    land = build("quadratic", {"eigenvalues": [1.0], "rotation": "identity"})
    # x_k = (1 - eta)^k: first k with x < 0.1 from x0 = 1 at eta = 0.5 is 4 (1/16 < 0.1 < 1/8)
    k = first_arrival(land, gd(0.5), np.array([[1.0], [0.05]]), 100, lambda x: x[:, 0] < 0.1)
    np.testing.assert_array_equal(k, [4, 0])
