"""Matrix-free curvature (landscape/nn/curvature.py) against the exact Hessian of small networks."""

from __future__ import annotations

import numpy as np
import pytest

from landscape import build
from landscape.nn import curvature as cv


@pytest.fixture(scope="module")
def small():
    """A 2-4-3 tanh network on 60 blobs (27 parameters) at a LeCun-normal point: its exact H."""
    land = build("mlp", {})
    theta = land.initial_point(np.random.default_rng(1))
    H = land.hess(theta)
    return land, theta, H, np.linalg.eigvalsh(H)


def test_hvp_is_the_exact_hessian_in_batches(small):
    land, theta, H, _ = small
    V = np.random.default_rng(2).standard_normal((7, land.dim))
    assert np.allclose(land.hvp(theta, V), V @ H, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("which, end", [("LA", slice(-3, None)), ("SA", slice(0, 3))])
def test_lanczos_extreme_eigenvalues_match_eigvalsh(small, which, end):
    land, theta, _, lam = small
    got = cv.extreme_eigenvalues(lambda V: land.hvp(theta, V), land.dim, 3, which)
    assert got == pytest.approx(lam[end], rel=1e-6)


def test_hutchinson_trace_within_four_standard_errors_and_the_error_is_the_theoretical_one(small):
    """Var(z^T H z) = 2 sum_{i != j} H_ij^2 for Rademacher z (Hutchinson 1989): the reported error
    is within 10% of sqrt(that / probes), and the estimate within 4 of them of tr H."""
    land, theta, H, _ = small
    probes = 4000
    est, se = cv.hutchinson_trace(lambda V: land.hvp(theta, V), land.dim, probes)
    exact_se = np.sqrt(2 * (np.sum(H * H) - np.sum(np.diag(H) ** 2)) / probes)
    assert se == pytest.approx(exact_se, rel=0.1)
    assert abs(est - np.trace(H)) < 4 * se


def test_slq_with_a_full_krylov_space_puts_its_nodes_on_the_eigenvalues(small):
    land, theta, _, lam = small
    nodes, weights = cv.slq(lambda V: land.hvp(theta, V), land.dim, probes=8, steps=land.dim)
    assert np.allclose(weights.sum(axis=1), 1.0, atol=1e-12)
    heavy = weights > 1e-8
    assert np.all(np.min(np.abs(nodes[heavy][:, None] - lam[None]), axis=1) < 1e-8)


@pytest.mark.parametrize("probes, steps, bound", [(200, 27, 0.02), (200, 15, 0.02), (20, 15, 0.05)])
def test_slq_density_is_close_to_the_exact_spectrum(small, probes, steps, bound):
    """The 1-Wasserstein distance between the SLQ measure and the exact eigenvalues, as a share
    of the spectrum's width, is below the stated bound (measured 0.6%, 0.7% and 2.0%: the
    probes' sampling error, which falls like 1 / sqrt(probes))."""
    land, theta, _, lam = small
    nodes, weights = cv.slq(lambda V: land.hvp(theta, V), land.dim, probes=probes, steps=steps)
    assert cv.wasserstein(nodes, weights, lam) < bound * (lam[-1] - lam[0])
    grid = np.linspace(lam[0] - 1, lam[-1] + 1, 4001)
    assert np.trapezoid(cv.density(nodes, weights, grid, 0.01), grid) == pytest.approx(1.0, abs=1e-6)


def test_a_3110_parameter_network_without_forming_its_hessian():
    """Lanczos' top eigenvalue and SLQ's largest node agree (extremes converge first)."""
    land = build("mlp", {"layers": [20, 100, 10], "dataset": "blobs", "samples": 200})
    theta = land.initial_point(np.random.default_rng(0))
    hvp = lambda V: land.hvp(theta, V)  # noqa: E731
    top = cv.extreme_eigenvalues(hvp, land.dim, 1, "LA")[0]
    nodes, weights = cv.slq(hvp, land.dim, probes=4, steps=60)
    assert land.dim == 3110 and nodes.max() == pytest.approx(top, rel=1e-6)


def test_wasserstein_of_identical_measures_is_zero_and_of_a_shift_is_the_shift():
    lam = np.array([0.0, 1.0, 3.0])
    nodes, weights = lam[None, :], np.full((1, 3), 1 / 3)
    assert cv.wasserstein(nodes, weights, lam) == pytest.approx(0.0, abs=1e-15)
    assert cv.wasserstein(nodes + 0.25, weights, lam) == pytest.approx(0.25, rel=1e-12)


def test_the_digits_split_is_fixed_disjoint_and_standardised():
    """scikit-learn's 1797 8 x 8 digits: 1437 training and 360 test images, every class in both,
    the same split for any landscape seed; the training pixels have mean 0 and unit variance
    (the constant ones mean 0)."""
    from landscape.nn.datasets import digits_split

    Xtr, ytr, Xte, yte = digits_split()
    assert Xtr.shape == (1437, 64) and Xte.shape == (360, 64)
    assert set(ytr) == set(yte) == set(range(10)) and np.bincount(np.concatenate([ytr, yte])).sum() == 1797
    assert np.allclose(Xtr.mean(axis=0), 0, atol=1e-12)
    sd = Xtr.std(axis=0)
    assert np.allclose(sd[sd > 0], 1, atol=1e-12)
    again = digits_split()
    assert np.array_equal(again[0], Xtr) and np.array_equal(again[3], yte)
    land = build("mlp", {"layers": [64, 16, 10], "dataset": "digits", "samples": 200, "seed": 5})
    assert land.dim == 64 * 16 + 16 + 16 * 10 + 10 and np.array_equal(land.data[1], ytr[:200])


def test_digits_without_scikit_learn_says_how_to_install_it():
    import subprocess
    import sys

    code = ("import sys; sys.modules['sklearn'] = None\n"
            "sys.argv = ['landscape', 'inspect', 'mlp', '-p', 'layers=[64,10]', '-p', 'dataset=digits', '--at', '0']\n"
            "from landscape.cli import main\nmain()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == ("landscape: error: mlp: the digits data set needs scikit-learn: "
                                     "pip install 'landscape-sim[data]'")
