"""Every optimizer against its closed form on a quadratic, and the contract over OPTIMIZERS."""

import numpy as np
import pytest

from landscape import LandscapeError, build
from landscape.dynamics import run
from landscape.optim import OPTIMIZERS, adam, dropout_gd, negative_curvature, noisy_gd, perturbed_gd
from landscape.theory import linear_recurrence, recurrence_iterate

LAM = np.array([-1.0, -0.3, 0.5, 1.2, 2.0])


def quadratic(lam=LAM, seed=4):
    land = build("quadratic", {"eigenvalues": list(lam), "seed": seed})
    w, V = np.linalg.eigh(land.H)
    return land, w, V


@pytest.mark.parametrize("method,settings", [
    ("gd", {"eta": 0.1}),
    ("heavy-ball", {"eta": 0.1, "beta": 0.9}),
    ("heavy-ball", {"eta": 0.3, "beta": 0.5}),
    ("nesterov", {"eta": 0.1, "beta": 0.9}),
    ("nesterov", {"eta": 0.05, "beta": 0.3}),
    ("newton", {"eta": 0.5, "damping": 0.2}),
    ("saddle-free-newton", {"eta": 1.0, "damping": 0.1}),
    ("saddle-free-newton", {"eta": 0.3, "damping": 0.0}),
])
def test_first_steps_are_the_linear_recurrence_in_each_eigen_direction(method, settings, rng):
    """y_{k+1} = T y_k - D y_{k-1}, y_1 = F y_0 per eigenvalue (theory.linear_recurrence):
    30 iterated steps from 8 random starts equal the two-root closed form."""
    land, w, V = quadratic()
    x0 = 0.1 * rng.standard_normal((8, land.dim))
    traj = run(land, OPTIMIZERS[method](**settings), x0, 30, bound=np.inf)
    T, D, F = linear_recurrence(method, w, settings["eta"], settings.get("beta", 0.0), settings.get("damping", 0.0))
    expected = recurrence_iterate(T, D, F, x0 @ V, np.arange(31))
    y = traj.x @ V
    np.testing.assert_allclose(y, expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())


def test_the_recurrences_by_hand():
    """One heavy-ball and one Nesterov step written out for lambda = 2, eta = 0.1, beta = 0.5."""
    lam, eta, beta = np.array([2.0]), 0.1, 0.5
    y0 = np.array([1.0])
    # heavy ball: m1 = 2, y1 = 1 - 0.2 = 0.8; m2 = 0.5*2 + 2*0.8 = 2.6, y2 = 0.8 - 0.26 = 0.54
    T, D, F = linear_recurrence("heavy-ball", lam, eta, beta)
    np.testing.assert_allclose(recurrence_iterate(T, D, F, y0, [0, 1, 2])[:, 0], [1.0, 0.8, 0.54], rtol=1e-14)
    # Nesterov: m1 = 2, y1 = 1 - 0.1(2 + 0.5*2) = 0.7; m2 = 1 + 1.4 = 2.4, y2 = 0.7 - 0.1(1.4 + 1.2) = 0.44
    T, D, F = linear_recurrence("nesterov", lam, eta, beta)
    np.testing.assert_allclose(recurrence_iterate(T, D, F, y0, [0, 1, 2])[:, 0], [1.0, 0.7, 0.44], rtol=1e-14)


def test_a_double_root_uses_the_repeated_root_formula():
    """Heavy ball with (1 + beta - a)^2 = 4 beta: y_k = z^k (y0 + k (y1/z - y0)), z = sqrt(beta)."""
    beta = 0.25
    a = 1 + beta - 2 * np.sqrt(beta)  # 0.25
    T, D, F = linear_recurrence("heavy-ball", np.array([a / 0.1]), 0.1, beta)
    y = recurrence_iterate(T, D, F, np.array([1.0]), np.arange(6))[:, 0]
    direct = [1.0, 1 - a]
    for _ in range(4):
        direct.append(T[0] * direct[-1] - D[0] * direct[-2])
    np.testing.assert_allclose(y, direct, rtol=1e-12)


def test_noisy_gd_is_gd_plus_the_same_gaussian_noise(rng):
    """x_{k+1} = (I - eta H) x_k - eta sigma xi_k, with xi_k drawn in the same order from the same seed."""
    land, _, _ = quadratic()
    eta, sigma = 0.1, 0.3
    x0 = rng.standard_normal((4, land.dim))
    traj = run(land, noisy_gd(eta, sigma), x0, 12, rng=np.random.default_rng(7), bound=np.inf)
    noise = np.random.default_rng(7)
    x = x0.copy()
    for k in range(12):
        x = x - eta * (land.grad(x) + sigma * noise.standard_normal(x.shape))
        np.testing.assert_allclose(traj.x[k + 1], x, rtol=1e-12, atol=1e-12)


def test_dropout_gd_applies_the_same_masks_and_is_unbiased(rng):
    land, _, _ = quadratic()
    eta, p = 0.1, 0.4
    x0 = rng.standard_normal((3, land.dim))
    traj = run(land, dropout_gd(eta, p), x0, 10, rng=np.random.default_rng(11), bound=np.inf)
    masks = np.random.default_rng(11)
    x = x0.copy()
    for k in range(10):
        keep = masks.random(x.shape) >= p
        x = x - eta * np.where(keep, land.grad(x) / (1 - p), 0.0)
        np.testing.assert_allclose(traj.x[k + 1], x, rtol=1e-12, atol=1e-12)
    # E[step] = -eta grad: the mean of 200000 one-step draws lies within 4 standard errors
    g = np.array([[1.0, -2.0, 0.5, 3.0, -1.0]])
    opt = dropout_gd(eta, p)
    draws = np.random.default_rng(3)
    steps = np.concatenate([opt.update(np.repeat(g, 20000, 0), opt.init(np.zeros((20000, 5))),
                                       None, None, draws)[0] for _ in range(10)])
    se = eta * np.abs(g[0]) * np.sqrt(p / (1 - p)) / np.sqrt(len(steps))
    assert np.all(np.abs(steps.mean(0) + eta * g[0]) < 4 * se)


def test_adam_first_two_steps_in_closed_form():
    """Step 1: m = (1-b1) g, v = (1-b2) g^2, so mhat/sqrt(vhat) = sign(g): x1 = x0 - eta g/(|g| + eps).
    Step 2 on f = 1/2 |x|^2 (g = x): moments of g0 and g1 by hand."""
    land = build("quadratic", {"eigenvalues": [1.0, 1.0, 1.0], "rotation": "identity"})
    eta, b1, b2, eps = 0.05, 0.9, 0.999, 1e-8
    x0 = np.array([[0.3, -2.0, 1e-3]])
    traj = run(land, adam(eta, b1, b2, eps), x0, 2, bound=np.inf)
    g0 = x0[0]
    x1 = x0[0] - eta * g0 / (np.abs(g0) + eps)
    np.testing.assert_allclose(traj.x[1, 0], x1, rtol=1e-12)
    g1 = x1
    m = b1 * (1 - b1) * g0 + (1 - b1) * g1
    v = b2 * (1 - b2) * g0**2 + (1 - b2) * g1**2
    x2 = x1 - eta * (m / (1 - b1**2)) / (np.sqrt(v / (1 - b2**2)) + eps)
    np.testing.assert_allclose(traj.x[2, 0], x2, rtol=1e-12)


def test_perturbed_gd_kicks_at_most_once_per_t_thres_inside_the_ball():
    """At the saddle of a quadratic the gradient is zero: the first step is a kick of norm
    <= radius; then plain GD, x_k = (I - eta H)^(k-1) x_1, until the next kick may come."""
    land, w, V = quadratic()
    eta, r, t = 0.1, 1e-3, 5
    x0 = np.zeros((50, land.dim))
    opt = perturbed_gd(eta=eta, radius=r, g_thres=1e9, t_thres=t)  # a huge threshold: kicks whenever allowed
    traj = run(land, opt, x0, 2 * t, rng=np.random.default_rng(0), bound=np.inf)
    kick = traj.x[1]
    assert np.all(np.linalg.norm(kick, axis=-1) <= r) and np.all(np.linalg.norm(kick, axis=-1) > 0)
    A = np.eye(land.dim) - eta * land.H
    for k in range(2, t + 1):
        np.testing.assert_allclose(traj.x[k], kick @ np.linalg.matrix_power(A, k - 1).T, rtol=1e-10, atol=1e-15)
    # step t + 1 carries the second kick: it differs from the GD prediction by at most r
    gd_next = traj.x[t] @ A.T
    second = np.linalg.norm(traj.x[t + 1] - gd_next, axis=-1)
    assert np.all(second > 0) and np.all(second <= r * (1 + 1e-12))
    # the kicks are uniform in the ball: |xi|^n ~ U(0, 1), so the mean of (|xi|/r)^n is 1/2 (4 se bound)
    big = run(land, opt, np.zeros((4000, land.dim)), 1, rng=np.random.default_rng(1), bound=np.inf)
    u = (np.linalg.norm(big.x[1], axis=-1) / r) ** land.dim
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / len(u))


def test_negative_curvature_step_moves_along_the_most_negative_direction():
    land, w, V = quadratic()
    eta, length = 0.1, 0.05
    x0 = np.zeros((1, land.dim))
    traj = run(land, negative_curvature(eta, g_thres=1e-6, length=length), x0, 1, bound=np.inf)
    step = traj.x[1, 0]
    # orthogonal to the gradient at the saddle: + sign, along v_min, of the given length
    np.testing.assert_allclose(step, length * V[:, 0], atol=1e-14)
    # away from the saddle (|grad| above threshold) it is plain GD
    x0 = np.full((1, land.dim), 0.2)
    traj = run(land, negative_curvature(eta, g_thres=1e-6, length=length), x0, 1, bound=np.inf)
    np.testing.assert_allclose(traj.x[1], x0 - eta * land.grad(x0), rtol=1e-14)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_converges_on_a_convex_quadratic(name, rng):
    """Contract: from 16 starts on f = 1/2 x^T H x with eigenvalues 0.5..2, each optimizer with its
    default settings ends within 1e-2 of the minimum in 3000 steps (noisy ones: within their noise)."""
    land = build("quadratic", {"eigenvalues": [0.5, 1.0, 2.0], "seed": 1})
    x0 = rng.standard_normal((16, 3))
    traj = run(land, OPTIMIZERS[name](), x0, 3000, rng=np.random.default_rng(5))
    tol = 0.05 if name in ("noisy-gd", "perturbed-gd", "adam") else 1e-2
    assert np.all(np.linalg.norm(traj.final, axis=-1) < tol), name


@pytest.mark.parametrize("name,settings,message", [
    ("gd", {"eta": 0}, "eta must be a positive number"),
    ("heavy-ball", {"beta": 1.0}, "beta must be in [0, 1)"),
    ("nesterov", {"beta": -0.1}, "beta must be in [0, 1)"),
    ("dropout-gd", {"p": 1.0}, "p must be in [0, 1)"),
    ("perturbed-gd", {"t_thres": 2.5}, "t_thres must be a positive integer"),
    ("newton", {"damping": -1}, "damping must be >= 0"),
    ("adam", {"eps": float("nan")}, "eps must be a finite number"),
])
def test_bad_settings_are_one_line(name, settings, message):
    with pytest.raises(LandscapeError, match=message.replace("[", r"\[").replace(")", r"\)")):
        OPTIMIZERS[name](**settings)


def test_random_optimizers_need_a_generator():
    land, _, _ = quadratic()
    with pytest.raises(LandscapeError, match="noisy-gd is random"):
        run(land, noisy_gd(), np.ones((1, land.dim)), 2)
