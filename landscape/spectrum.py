"""Eigen-decomposition, inertia and classification of Hessians, batched.

Index = number of negative eigenvalues. An eigenvalue counts as zero when
|lambda| <= rtol * scale, where the spectral scale is max_i |lambda_i| of the
same matrix unless the caller gives one (a landscape's typical curvature, so
that a Hessian that is itself nearly zero, as at the monkey saddle, counts as
degenerate). The tolerance used is reported with every result.

When only the signs are wanted (counting random Hessians), ``classify_hessians``
gets the inertia without eigenvalues, by Sylvester's law of inertia: the number
of eigenvalues below a shift s equals the number of negative pivots of the
LDL^T factorisation of H - s I.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

RTOL = 1e-6

KINDS = ("minimum", "saddle", "maximum", "degenerate")


@dataclass(frozen=True, eq=False)
class Spectrum:
    """Eigenpairs and classification of a batch of symmetric matrices.

    eigenvalues (..., n) ascending; eigenvectors (..., n, n) with column i the
    unit eigenvector of eigenvalue i; n_neg, n_zero, n_pos, index (...);
    kind (...) of str; tol (...) the zero tolerance used.
    """

    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    n_neg: np.ndarray
    n_zero: np.ndarray
    n_pos: np.ndarray
    kind: np.ndarray
    tol: np.ndarray

    @property
    def index(self) -> np.ndarray:
        return self.n_neg


def zero_tolerance(eigenvalues: np.ndarray, rtol: float = RTOL, scale=None) -> np.ndarray:
    """rtol * scale per matrix, shape (...); scale defaults to max|lambda| of each matrix."""
    if scale is None:
        scale = np.abs(eigenvalues).max(axis=-1)
    return rtol * np.broadcast_to(np.asarray(scale, dtype=float), eigenvalues.shape[:-1])


def inertia(eigenvalues: np.ndarray, tol: np.ndarray):
    """(n_neg, n_zero, n_pos) per matrix, with |lambda| <= tol counted as zero."""
    tol = np.asarray(tol)[..., None]
    n_neg = np.count_nonzero(eigenvalues < -tol, axis=-1)
    n_pos = np.count_nonzero(eigenvalues > tol, axis=-1)
    n_zero = eigenvalues.shape[-1] - n_neg - n_pos
    return n_neg, n_zero, n_pos


def kind_of(n_neg: np.ndarray, n_zero: np.ndarray, n_pos: np.ndarray) -> np.ndarray:
    """minimum (all > 0), maximum (all < 0), saddle (both signs), degenerate (any zero)."""
    kind = np.full(np.shape(n_neg), "saddle", dtype=object)
    kind[np.asarray(n_neg) == 0] = "minimum"
    kind[np.asarray(n_pos) == 0] = "maximum"
    kind[np.asarray(n_zero) > 0] = "degenerate"
    return kind


def classify_eigenvalues(eigenvalues, rtol: float = RTOL, scale=None):
    """Index, kind and tolerance from eigenvalues (..., n) alone."""
    eigenvalues = np.asarray(eigenvalues, dtype=float)
    tol = zero_tolerance(eigenvalues, rtol, scale)
    n_neg, n_zero, n_pos = inertia(eigenvalues, tol)
    return n_neg, kind_of(n_neg, n_zero, n_pos), tol


SIGN_TIE = 1e-6
"""Components within this relative margin of the largest count as tied for choosing the sign."""


def canonical_signs(vectors: np.ndarray) -> np.ndarray:
    """Eigenvectors (..., n, n), columns the vectors, each flipped so that its first
    component of largest magnitude is positive.

    LAPACK may return v or -v depending on the machine and library; this choice does
    not. Components within SIGN_TIE (relative) of the largest count as tied and the
    first of them decides, so rounding cannot swap which one does (a vector with
    equal components such as (1, -1)/sqrt 2 gets its sign from the first).
    """
    v = np.asarray(vectors, dtype=float)
    mag = np.abs(v)
    lead = np.argmax(mag >= mag.max(axis=-2, keepdims=True) * (1 - SIGN_TIE), axis=-2)  # (..., n)
    sign = np.sign(np.take_along_axis(v, lead[..., None, :], axis=-2))
    return v * np.where(sign == 0, 1.0, sign)


CLUSTER_RTOL = 1e-8
"""Eigenvalues within this relative distance (of the largest |lambda|) form one repeated
eigenvalue, whose eigenvectors are replaced by the canonical basis of their space."""


def canonical_cluster_basis(V: np.ndarray) -> np.ndarray:
    """A basis of the column space of V (n, m), orthonormal columns, that depends on the space
    alone: Gram-Schmidt on its projector's columns P e_0, P e_1, ... in index order, keeping
    each whose residual is at least 1/4 of the largest column norm (well clear of the
    residuals of the columns already spanned, which are zero up to rounding),
    then canonical signs.

    LAPACK returns any orthonormal basis of a repeated eigenvalue's space, and which one
    depends on rounding; this one is the same on every machine, up to rounding.
    """
    n, m = V.shape
    P = V @ V.T
    cut = 0.5 * np.linalg.norm(P, axis=0).max()
    basis = []
    for k in range(n):  # at most n steps of length n: one small matrix, no batch to vectorise
        r = P[:, k] - sum((b @ P[:, k]) * b for b in basis)
        if np.linalg.norm(r) >= 0.5 * cut:
            basis.append(r / np.linalg.norm(r))
            if len(basis) == m:
                break
    if len(basis) < m:  # the greedy pass left directions out (never seen): keep LAPACK's basis
        return canonical_signs(V)
    return canonical_signs(np.column_stack(basis))


def eigh(hessians, clusters: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """``numpy.linalg.eigh`` of the symmetrised batch (..., n, n) with canonical eigenvectors:
    eigenvalues (..., n) ascending, eigenvectors (..., n, n) as columns, each with canonical
    signs and, where an eigenvalue repeats (within CLUSTER_RTOL) and ``clusters`` is set, the
    canonical basis of its eigenspace (canonical_cluster_basis). Only the matrices that have
    a repeated eigenvalue are visited one by one."""
    H = np.asarray(hessians, dtype=float)
    lam, vec = np.linalg.eigh(0.5 * (H + np.swapaxes(H, -1, -2)))
    vec = canonical_signs(vec)
    if not clusters or lam.shape[-1] < 2:
        return lam, vec
    tol = CLUSTER_RTOL * np.maximum(np.abs(lam).max(-1, keepdims=True), 1e-300)
    close = np.diff(lam, axis=-1) <= tol  # (..., n-1): lam[i+1] repeats lam[i]
    flat_lam, flat_vec, flat_close = lam.reshape(-1, lam.shape[-1]), vec.reshape(-1, *vec.shape[-2:]), \
        close.reshape(-1, close.shape[-1])
    for b in np.flatnonzero(flat_close.any(-1)):
        starts = np.flatnonzero(np.r_[True, ~flat_close[b]])
        ends = np.r_[starts[1:], flat_lam.shape[-1]]
        for i, j in zip(starts, ends):
            if j - i > 1:
                flat_vec[b][:, i:j] = canonical_cluster_basis(flat_vec[b][:, i:j])
    return lam, flat_vec.reshape(vec.shape)


def spectrum(hessians, rtol: float = RTOL, scale=None) -> Spectrum:
    """Eigen-decompose (canonical signs; canonical eigenspace bases for a single matrix) and
    classify a batch of symmetric matrices (..., n, n)."""
    lam, vec = eigh(hessians, clusters=np.ndim(hessians) == 2)
    tol = zero_tolerance(lam, rtol, scale)
    n_neg, n_zero, n_pos = inertia(lam, tol)
    return Spectrum(lam, vec, n_neg, n_zero, n_pos, kind_of(n_neg, n_zero, n_pos), tol)


PIVOT_GROWTH = 1e3
"""Largest multiplier |L_ij| trusted in an unpivoted LDL^T; beyond it the matrix goes to eigvalsh."""

LDL_MAX_DIM = 50
"""Above this size batched eigvalsh beats the unpivoted LDL^T (benchmarks/count_critical.py)."""


def _ldl_chunk(n: int) -> int:
    """Matrices per LDL^T pass: a working set of about 4 MB (measured best at n = 10..64)."""
    return int(np.clip(2**19 // (n * n), 64, 1024))


def _negative_pivots(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Negative pivots and largest multiplier of A = L D L^T, batch on the LAST axis.

    A (n, n, b) is overwritten. Unpivoted Gaussian elimination, one column at a
    time over the whole batch: d_j = A_jj, l = A[j+1:, j] / d_j, then the
    trailing block loses l A[j, j+1:]. Returns (negatives (b,), max |l| (b,)).
    """
    n, _, b = A.shape
    neg = np.zeros(b, dtype=np.int64)
    growth = np.zeros(b)
    for j in range(n):
        d = A[j, j]
        neg += d < 0
        if j + 1 < n:
            l = A[j + 1:, j] / d
            growth = np.maximum(growth, np.abs(l).max(axis=0))
            A[j + 1:, j + 1:] -= l[:, None, :] * A[j, j + 1:][None, :, :]
    return neg, growth


def count_below(hessians, shifts) -> tuple[np.ndarray, np.ndarray]:
    """Number of eigenvalues < shift of each symmetric matrix, without eigenvalues.

    hessians (B, n, n), shifts (B,). Sylvester: the count equals the negative
    pivots of LDL^T(H - shift I). Returns (counts (B,), trusted (B,) bool): a
    count is not trusted when a pivot is zero or not finite, or a multiplier
    exceeds PIVOT_GROWTH (the unpivoted factorisation may have lost accuracy).
    """
    H = np.asarray(hessians, dtype=float)
    B, n, _ = H.shape
    counts = np.zeros(B, dtype=np.int64)
    trusted = np.zeros(B, dtype=bool)
    chunk = _ldl_chunk(n)
    diag = np.arange(n)
    with np.errstate(all="ignore"):
        for s in range(0, B, chunk):
            A = np.ascontiguousarray(np.moveaxis(H[s:s + chunk], 0, -1))
            A[diag, diag] -= shifts[s:s + chunk]
            neg, growth = _negative_pivots(A)
            counts[s:s + chunk] = neg
            trusted[s:s + chunk] = np.isfinite(growth) & (growth <= PIVOT_GROWTH)
    return counts, trusted


def hessian_inertia(hessians, rtol: float = RTOL, scale=None):
    """(n_neg, n_zero, n_pos, tol) of a batch of symmetric matrices (..., n, n) from signs alone.

    The zero tolerance is tol = rtol * scale, scale defaulting to the Frobenius
    norm ||H||_F (>= max |lambda|). With c(s) = #{lambda < s} from ``count_below``:
    n_neg = c(-tol), n_zero = c(tol) - c(-tol) (an eigenvalue with |lambda| < tol
    counts as zero), n_pos = n - c(tol). Matrices whose factorisation is not
    trusted, and every matrix larger than LDL_MAX_DIM, are classified from
    eigvalsh with the same tolerance. Every array has shape (...).
    """
    H = np.asarray(hessians, dtype=float)
    lead, n = H.shape[:-2], H.shape[-1]
    H = H.reshape((-1, n, n))
    if scale is None:
        scale = np.sqrt(np.einsum("bij,bij->b", H, H))
    tol = rtol * np.broadcast_to(np.asarray(scale, dtype=float).reshape(-1), (len(H),))
    if n <= LDL_MAX_DIM and len(H):
        counts, trusted = count_below(np.concatenate([H, H]), np.concatenate([-tol, tol]))
        below, at_most = counts[:len(H)], counts[len(H):]
        redo = np.flatnonzero(~(trusted[:len(H)] & trusted[len(H):]))
    else:
        below = at_most = np.zeros(len(H), dtype=np.int64)
        redo = np.arange(len(H))
    n_neg, n_zero = below.copy(), at_most - below
    if redo.size:
        lam = np.linalg.eigvalsh(H[redo])
        n_neg[redo], n_zero[redo], _ = inertia(lam, tol[redo])
    n_pos = n - n_neg - n_zero
    return n_neg.reshape(lead), n_zero.reshape(lead), n_pos.reshape(lead), tol.reshape(lead)


def classify_hessians(hessians, rtol: float = RTOL, scale=None):
    """Index, kind and tolerance like ``classify_eigenvalues``, via ``hessian_inertia``."""
    n_neg, n_zero, n_pos, tol = hessian_inertia(hessians, rtol, scale)
    return n_neg, kind_of(n_neg, n_zero, n_pos), tol


CRITICAL_RTOL = 1e-8
"""``inspect_point`` calls a point critical when |grad f| <= CRITICAL_RTOL * max(1, max |H_ij|)."""


@dataclass(frozen=True, eq=False)
class PointReport:
    """What a landscape is at one point: value, gradient (n,), Hessian (n, n), its Spectrum,
    and whether the gradient vanishes there (``is_critical``, against ``critical_tol``)."""

    x: np.ndarray
    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    spectrum: Spectrum
    is_critical: bool
    critical_tol: float

    def to_dict(self) -> dict:
        s = self.spectrum
        return {"x": self.x, "value": self.value, "gradient": self.gradient, "hessian": self.hessian,
                "eigenvalues": s.eigenvalues, "eigenvectors": s.eigenvectors.T, "index": int(s.n_neg),
                "kind": str(s.kind), "zero_tol": float(s.tol), "is_critical": self.is_critical,
                "critical_tol": self.critical_tol}


def inspect_point(landscape, x, rtol: float = RTOL) -> PointReport:
    """Value, gradient, Hessian, eigen-decomposition and classification of ``landscape`` at
    ``x`` (n,): the Riemannian ones on a manifold (x is first projected onto it).
    Eigenvalues within rtol * max |lambda| of zero count as zero."""
    x = landscape.project(np.asarray(x, dtype=float))
    H = landscape.hess(x)
    g = landscape.grad(x)
    tol = CRITICAL_RTOL * max(1.0, float(np.abs(H).max()))
    return PointReport(x, float(landscape.value(x)), g, H, spectrum(H, rtol), bool(np.linalg.norm(g) <= tol), tol)
