"""Eigen-decomposition invariants and classification by inertia."""

import itertools

import numpy as np
import pytest

from landscape.spectrum import classify_eigenvalues, spectrum


def random_symmetric(rng, shape, n):
    a = rng.standard_normal(shape + (n, n))
    return (a + np.swapaxes(a, -1, -2)) / 2


def test_eigen_decomposition_residual_and_orthonormality(rng):
    H = random_symmetric(rng, (5, 3), 6)
    s = spectrum(H)
    V, lam = s.eigenvectors, s.eigenvalues
    # H V = V diag(lambda) and V^T V = I, for every matrix of the batch
    np.testing.assert_allclose(H @ V, V * lam[..., None, :], atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(V, -1, -2) @ V, np.broadcast_to(np.eye(6), H.shape), atol=1e-12)
    assert np.all(np.diff(lam, axis=-1) >= 0)


def test_index_counts_negative_eigenvalues_of_every_sign_pattern():
    n = 4
    signs = np.array(list(itertools.product([1.0, -1.0], repeat=n)))
    H = np.einsum("bi,ij->bij", signs * np.arange(1, n + 1), np.eye(n))
    s = spectrum(H)
    np.testing.assert_array_equal(s.index, (signs < 0).sum(1))
    expected = np.where(s.index == 0, "minimum", np.where(s.index == n, "maximum", "saddle"))
    np.testing.assert_array_equal(s.kind, expected)
    # C(4, k) sign patterns of index k
    np.testing.assert_array_equal(np.bincount(s.index), [1, 4, 6, 4, 1])


def test_zero_eigenvalue_is_degenerate():
    s = spectrum(np.diag([2.0, 0.0, -1.0]))
    assert s.kind == "degenerate" and s.n_zero == 1 and s.n_neg == 1
    assert spectrum(np.zeros((2, 2))).kind == "degenerate"


def test_tolerance_is_relative_to_the_spectral_scale():
    lam = np.array([-1e-9, 1.0])
    index, kind, tol = classify_eigenvalues(lam)          # scale = max|lambda| = 1
    assert kind == "degenerate" and tol == pytest.approx(1e-6)
    index, kind, tol = classify_eigenvalues(lam * 1e-6)   # the same shape at any scale
    assert kind == "degenerate" and tol == pytest.approx(1e-12)
    index, kind, tol = classify_eigenvalues([-1e-5, 1.0])  # above tolerance: a real saddle
    assert kind == "saddle" and index == 1
    # a nearly vanishing Hessian against the landscape's curvature scale is degenerate
    assert classify_eigenvalues([-1e-9, 1e-9], scale=10.0)[1] == "degenerate"
    assert classify_eigenvalues([-1e-9, 1e-9])[1] == "saddle"


def test_one_dimensional_kinds():
    index, kind, _ = classify_eigenvalues(np.array([[2.0], [-3.0]]))
    np.testing.assert_array_equal(kind, ["minimum", "maximum"])
    np.testing.assert_array_equal(index, [0, 1])


def test_eigenvector_signs_are_canonical_whatever_lapack_returns():
    """v and -v are both eigenvectors; canonical_signs picks the one whose first largest
    component is positive, so flipping any column of LAPACK's answer changes nothing."""
    from landscape.spectrum import canonical_signs, eigh

    rng = np.random.default_rng(11)
    A = rng.standard_normal((50, 5, 5))
    H = A + np.swapaxes(A, -1, -2)
    lam, V = eigh(H)
    np.testing.assert_allclose(np.einsum("bij,bjk->bik", H, V), V * lam[:, None, :], atol=1e-12)
    flips = rng.choice([-1.0, 1.0], size=(50, 1, 5))
    np.testing.assert_array_equal(canonical_signs(V * flips), V)
    lead = np.take_along_axis(V, np.argmax(np.abs(V), axis=-2)[:, None, :], axis=-2)
    assert np.all(lead > 0)
    # a tie between components of equal magnitude goes to the first, even if rounding favours another
    v = np.array([[-0.7071067811865476, 0.7071067811865475], [0.7071067811865475, 0.7071067811865476]])
    np.testing.assert_array_equal(canonical_signs(v), [[0.7071067811865476, 0.7071067811865475],
                                                       [-0.7071067811865475, 0.7071067811865476]])


def test_a_repeated_eigenvalue_gets_the_same_basis_whatever_basis_lapack_returns():
    """Eigenvalues (-1, 4, 4, 2) of a rotated matrix: any rotation of the 4-eigenspace's basis
    (what another LAPACK may return) canonicalises to the same columns, still eigenvectors."""
    from landscape.spectrum import canonical_cluster_basis, eigh

    rng = np.random.default_rng(7)
    Q, _ = np.linalg.qr(rng.standard_normal((4, 4)))
    H = Q @ np.diag([-1.0, 4.0, 4.0, 2.0]) @ Q.T
    lam, V = eigh(H)
    np.testing.assert_allclose(lam, [-1, 2, 4, 4], atol=1e-12)
    np.testing.assert_allclose(H @ V, V * lam, atol=1e-12)
    np.testing.assert_allclose(V.T @ V, np.eye(4), atol=1e-12)
    c, s = np.cos(0.7), np.sin(0.7)
    for R in (np.array([[c, -s], [s, c]]), np.array([[0.0, 1.0], [1.0, 0.0]]), -np.eye(2)):
        np.testing.assert_allclose(canonical_cluster_basis(V[:, 2:] @ R), V[:, 2:], atol=1e-12)
