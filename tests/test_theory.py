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
