"""The spherical p-spin model: a random homogeneous polynomial on the sphere |s|^2 = N.

Its critical points are the real eigenvectors of a random symmetric tensor,
two antipodal points per eigenvector. Gradient and Hessian are Riemannian:
the gradient is tangent to the sphere and the Hessian acts on the (N-1)-
dimensional tangent space, written in an orthonormal basis of it.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points

MAX_TENSOR = 2 * 10**7
"""Largest coupling tensor (N^p entries) kept in memory (160 MB)."""


@dataclass(frozen=True)
class PSpin(Landscape):
    """H(s) = N^{-(p-1)/2} sum_{i1..ip} J_{i1..ip} s_i1 ... s_ip on the sphere |s|^2 = N.

    J_{i1..ip} ~ N(0, 1) independently over ordered index tuples (seeded), the
    normalisation of Auffinger, Ben Arous and Cerny (2013), so H is O(N) and
    Cov(H(s), H(s')) = N (s.s'/N)^p. Riemannian derivatives on the sphere of
    radius r = sqrt(N), with P = I - s s^T / r^2:

        grad H = P dH,        Hess H = Q^T d2H Q - (s . dH / r^2) I_{N-1},

    where Q (N, N-1) is an orthonormal basis of the tangent space at s. The
    landscape is symmetric under s -> -s: H(-s) = (-1)^p H(s).
    """

    dim: int = 3
    p: int = 3
    seed: int = 0
    name = "pspin"
    summary = "spherical p-spin glass (p = 2, 3, 4) on |s|^2 = N, Riemannian derivatives"
    manifold = "sphere"

    def __post_init__(self):
        if self.dim < 2:
            raise LandscapeError(f"pspin: dim must be an integer >= 2, got {self.dim}")
        if self.p not in (2, 3, 4):
            raise LandscapeError(f"pspin: p must be 2, 3 or 4, got {self.p}")
        if self.dim**self.p > MAX_TENSOR:
            raise LandscapeError(
                f"pspin: dim^p = {self.dim}^{self.p} couplings is too many (at most {MAX_TENSOR:.0e})")
        rng = np.random.default_rng(self.seed)
        J = rng.standard_normal((self.dim,) * self.p)
        T = sum(np.transpose(J, perm) for perm in itertools.permutations(range(self.p)))
        T *= self.dim ** (-(self.p - 1) / 2) / math.factorial(self.p)
        object.__setattr__(self, "_T", T)

    def evaluation_cost(self):
        """The couplings contract with s p - 1 times for the gradient and p - 2 for the Hessian."""
        size = float(self.dim) ** self.p
        return 2 * size, 2 * size + 4 * float(self.dim) ** 3

    @property
    def tangent_dim(self) -> int:
        return self.dim - 1

    @property
    def radius(self) -> float:
        return math.sqrt(self.dim)

    @property
    def domain(self):
        return ((-self.radius, self.radius),) * self.dim

    @property
    def euler_characteristic(self) -> int:
        """chi(S^{N-1}) = 1 + (-1)^{N-1}: the Morse sum over the critical points."""
        return 1 + (-1) ** (self.dim - 1)

    def _matrix(self, s):
        """M(s) = T(s, ..., s, ., .) with p - 2 slots filled: (..., N, N)."""
        n = self.dim
        if self.p == 2:
            return np.broadcast_to(self._T, s.shape[:-1] + (n, n))
        T = self._T.reshape(n ** (self.p - 2), n * n)
        if self.p == 3:
            return (s @ T).reshape(s.shape[:-1] + (n, n))
        ss = (s[..., :, None] * s[..., None, :]).reshape(s.shape[:-1] + (n * n,))
        return (ss @ T).reshape(s.shape[:-1] + (n, n))

    def _derivatives(self, s):
        """Euclidean H, dH = p M s and d2H = p (p - 1) M of the homogeneous polynomial."""
        M = self._matrix(s)
        Ms = np.einsum("...ij,...j->...i", M, s)
        return np.einsum("...i,...i->...", s, Ms), self.p * Ms, self.p * (self.p - 1) * M

    def value(self, x):
        return self._derivatives(points(x, self.dim))[0]

    def euclidean_grad(self, x):
        """dH: the gradient in R^N of the polynomial (for tests and the Kac-Rice check)."""
        return self._derivatives(points(x, self.dim))[1]

    def euclidean_hess(self, x):
        return self._derivatives(points(x, self.dim))[2]

    def grad(self, x):
        s = points(x, self.dim)
        _, dH, _ = self._derivatives(s)
        radial = np.einsum("...i,...i->...", s, dH) / np.einsum("...i,...i->...", s, s)
        return dH - radial[..., None] * s

    def hess(self, x):
        s = points(x, self.dim)
        _, dH, d2H = self._derivatives(s)
        Q = self.tangent_basis(s)
        radial = np.einsum("...i,...i->...", s, dH) / np.einsum("...i,...i->...", s, s)
        H = np.swapaxes(Q, -1, -2) @ d2H @ Q - radial[..., None, None] * np.eye(self.dim - 1)
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    def tangent_basis(self, x):
        """Orthonormal basis (..., N, N-1) of the tangent space at x: Householder columns.

        With u = x/|x| and w = u + sign(u_N) e_N, the reflection I - 2 w w^T / |w|^2
        maps u to -sign(u_N) e_N, so its first N-1 columns are orthonormal and
        orthogonal to u (the sign choice keeps |w| >= 1, no cancellation).
        """
        x = points(x, self.dim)
        u = x / np.linalg.norm(x, axis=-1, keepdims=True)
        w = u.copy()
        w[..., -1] += np.where(u[..., -1] >= 0, 1.0, -1.0)
        R = np.eye(self.dim) - 2 * w[..., :, None] * w[..., None, :] / np.einsum("...i,...i->...", w, w)[..., None, None]
        return R[..., :, :-1]

    def project(self, x):
        """r x / |x|: the point of the sphere in the direction of x."""
        x = points(x, self.dim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.radius * x / np.linalg.norm(x, axis=-1, keepdims=True)

    def retract(self, x, v):
        """Move along the tangent vector v and return to the sphere: r (x + v) / |x + v|."""
        y = x + v
        return self.radius * y / np.linalg.norm(y, axis=-1, keepdims=True)

    def images(self, x):
        """The symmetry s -> -s: every critical point comes with its antipode."""
        return [-np.asarray(x)]

    def sample_starts(self, domain, count: int, seed) -> np.ndarray:
        """count points uniform on the sphere (normalised Gaussians), seeded."""
        z = np.random.default_rng(seed).standard_normal((count, self.dim))
        return self.radius * z / np.linalg.norm(z, axis=-1, keepdims=True)

    def complex_eigenvector_count(self) -> int:
        """Cartwright and Sturmfels (2013): a generic symmetric tensor of order p in N
        variables has ((p-1)^N - 1)/(p-2) eigenvector classes over C (N when p = 2);
        the real ones give two critical points each, so 2x this bounds the count."""
        return self.dim if self.p == 2 else ((self.p - 1) ** self.dim - 1) // (self.p - 2)

    def count_bound(self) -> int:
        """Two sphere points per complex eigenvector class (Cartwright and Sturmfels)."""
        return 2 * self.complex_eigenvector_count()

    def expected_index_counts(self, samples: int = 20000, seed: int = 0):
        """(E[number of critical points of index k], standard error), k = 0..N-1, by Kac-Rice."""
        return pspin_expected_counts(self.dim, self.p, samples=samples, seed=seed)

    def expected_total(self, samples: int = 20000, seed: int = 0):
        """(E[total number of critical points], its standard error) by Kac-Rice, from the same samples."""
        kr = pspin_kac_rice(self.dim, self.p, samples=samples, seed=seed)
        return float(kr.counts.sum()), kr.total_se

    def expected_index_values(self, samples: int = 20000, seed: int = 0):
        """The mean value H of the critical points of index k, k = 0..N-1, by Kac-Rice."""
        return pspin_kac_rice(self.dim, self.p, samples=samples, seed=seed).values


@dataclass(frozen=True)
class KacRice:
    """Kac-Rice expectations for the p-spin, per index k = 0..N-1 (see ``pspin_kac_rice``).

    counts: E[number of critical points of index k], with its Monte Carlo
    standard error counts_se; values: the mean value H of those points,
    E[sum of H over index-k points] / E[number of them].
    """

    counts: np.ndarray
    counts_se: np.ndarray
    values: np.ndarray
    total_se: float = float("nan")
    """The standard error of E[total], from the same samples (the indices' errors are correlated)."""


def pspin_expected_counts(n: int, p: int, *, samples: int = 20000, seed: int = 0):
    """(E[number of index k], standard error), k = 0..N-1: see ``pspin_kac_rice``."""
    kr = pspin_kac_rice(n, p, samples=samples, seed=seed)
    return kr.counts, kr.counts_se


@functools.lru_cache(maxsize=64)
def pspin_kac_rice(n: int, p: int, *, samples: int = 20000, seed: int = 0) -> KacRice:
    """Kac-Rice expectation of the critical points of each index of the p-spin on the sphere.

    At a point of the sphere of radius sqrt(N) the Riemannian gradient is
    N(0, p I_{N-1}), independent of H/N = u ~ N(0, 1/N) and of the tangent
    Euclidean Hessian sqrt(p (p-1) / N) G with G ~ GOE(N-1) (off-diagonal
    variance 1, diagonal 2). Rotation invariance and the Kac-Rice formula give

        E Crt_k = |S^{N-1}| N^{(N-1)/2} (2 pi p)^{-(N-1)/2} (p(p-1)/N)^{(N-1)/2}
                  E[ |det(G - t I)| 1{#eig(G) < t = k} ],   t ~ N(0, p / (p-1)),

    with |S^{N-1}| = 2 pi^{N/2} / Gamma(N/2) and the value H = N u =
    t sqrt(N (p-1) / p): the finite-N form of Auffinger, Ben Arous and Cerny
    (2013, eq. 2.6). For p = 2 it is exactly 2 of each index (the eigenvectors
    +-v_k of a symmetric matrix). The GOE average is Monte Carlo over
    ``samples`` matrices; the t integrals (of |det| and of t |det|) are exact,
    interval by interval between consecutive eigenvalues, from the polynomial
    prod(t - l_i) and the truncated Gaussian moments; each sample is averaged
    with its mirror (-G, -t), which has the same law. Cached (a sweep asks for each N's
    counts, total and values); its arrays are read-only.
    """
    from scipy.special import gammaln, ndtr

    m = n - 1
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((samples, m, m))
    lam = np.linalg.eigvalsh((A + np.swapaxes(A, -1, -2)) / math.sqrt(2))
    sigma = math.sqrt(p / (p - 1))
    z = lam / sigma  # t = sigma z with z ~ N(0, 1)
    # coefficients of prod_i (z - z_i), highest power first, batched
    coef = np.zeros((samples, m + 1))
    coef[:, 0] = 1.0
    for i in range(m):
        coef[:, 1:] = coef[:, 1:] - z[:, i, None] * coef[:, :-1]
    edges = np.concatenate([np.full((samples, 1), -np.inf), z, np.full((samples, 1), np.inf)], axis=1)
    a, b = edges[:, :-1], edges[:, 1:]  # (samples, N) intervals with k eigenvalues below
    finite_a, finite_b = np.isfinite(a), np.isfinite(b)
    ga = np.where(finite_a, np.exp(-0.5 * np.where(finite_a, a, 0.0) ** 2), 0.0) / math.sqrt(2 * math.pi)
    gb = np.where(finite_b, np.exp(-0.5 * np.where(finite_b, b, 0.0) ** 2), 0.0) / math.sqrt(2 * math.pi)
    xa, xb = np.where(finite_a, a, 0.0), np.where(finite_b, b, 0.0)
    # int_a^b z^j phi(z) dz = (j - 1) int_a^b z^{j-2} phi - [z^{j-1} phi]_a^b
    moments = [ndtr(b) - ndtr(a), ga - gb]
    for j in range(2, m + 2):
        moments.append((j - 1) * moments[j - 2] - (xb ** (j - 1) * gb - xa ** (j - 1) * ga))
    # prod(z - z_i) has one sign on each interval, so |integral| = integral of |prod|
    integral = np.abs(sum(coef[:, m - j, None] * moments[j] for j in range(m + 1)))
    first = sum(coef[:, m - j, None] * moments[j + 1] for j in range(m + 1))  # int z prod(z - z_i) phi
    first *= np.sign(sum(coef[:, m - j, None] * moments[j] for j in range(m + 1)))
    log_const = (math.log(2) + 0.5 * n * math.log(math.pi) - gammaln(n / 2)
                 + 0.5 * m * (math.log(p - 1) - math.log(2 * math.pi)))
    const = math.exp(log_const) * sigma**m
    # (G, t) and (-G, -t) have the same law and swap index k with N-1-k (and t with -t)
    counts = const * 0.5 * (integral + integral[:, ::-1])
    first = 0.5 * (first - first[:, ::-1])
    mean = counts.mean(axis=0)
    values = sigma * math.sqrt(n * (p - 1) / p) * const * first.mean(axis=0) / np.where(mean > 0, mean, np.nan)
    se = counts.std(axis=0, ddof=1) / math.sqrt(samples)
    for array in (mean, se, values):
        array.flags.writeable = False
    return KacRice(counts=mean, counts_se=se, values=values,
                   total_se=float(counts.sum(axis=1).std(ddof=1) / math.sqrt(samples)))
