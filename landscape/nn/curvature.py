"""Matrix-free curvature: the Hessian through its products H V only, never formed.

Every function takes ``hvp``, a function V (k, n) -> H V (k, n) batched over its leading axis
(``MLPLoss.hvp`` at fixed parameters, the R-operator through the network's modules), so a
network of ten thousand parameters costs k products, not an n x n matrix.

- ``extreme_eigenvalues`` / ``eigenpairs``: the k largest or smallest eigenvalues (and vectors) by
  implicitly restarted Lanczos (ARPACK, ``scipy.sparse.linalg.eigsh``) on a ``LinearOperator``,
  from a seeded start or a given warm start.
- ``hutchinson_trace``: tr H = E[z^T H z] over Rademacher z, with the standard error of the
  mean over the probes (Hutchinson 1989).
- ``slq``: stochastic Lanczos quadrature (Lin, Saad and Yang 2016; Ghorbani, Krishnan and
  Xiao 2019). For each probe z (unit norm) m Lanczos steps, all probes at once (one batched
  product per step), with full reorthogonalisation, give the tridiagonal T = U diag(theta) U^T;
  the nodes theta and weights U[0, :]^2 are the Gauss quadrature of the spectral measure
  z^T delta(H - t) z, whose mean over probes is the eigenvalue density (1/n) sum_i delta(t - lambda_i).
  ``density`` smooths it with a Gaussian of a stated width; ``wasserstein`` measures how far
  it is from an exact spectrum.
"""

from __future__ import annotations

import numpy as np


def _rng(seed):
    from ..seeds import stream

    return stream(seed, "curvature")


def _operator(hvp, n):
    from scipy.sparse.linalg import LinearOperator

    return LinearOperator((n, n), dtype=float,
                          matvec=lambda v: hvp(np.asarray(v, dtype=float).reshape(1, n))[0],
                          matmat=lambda V: hvp(np.asarray(V, dtype=float).T).T)


def extreme_eigenvalues(hvp, n: int, k: int = 5, which: str = "LA", *, tol: float = 1e-10,
                        seed: int = 0) -> np.ndarray:
    """The k largest (``which="LA"``) or smallest (``"SA"``) eigenvalues of H, ascending.

    ARPACK's Lanczos on a LinearOperator whose matvec and matmat are ``hvp``; its start
    vector is drawn from the named stream ``(seed, "curvature")``, so the result is the same
    on every run. tol is ARPACK's relative accuracy of the Ritz values.
    """
    return eigenpairs(hvp, n, k, which, tol=tol, seed=seed, vectors=False)[0]


def eigenpairs(hvp, n: int, k: int = 1, which: str = "LA", *, tol: float = 1e-10, seed: int = 0,
               v0: np.ndarray | None = None, vectors: bool = True,
               ncv: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(eigenvalues (k,) ascending, eigenvectors (k, n) or None): ``extreme_eigenvalues`` with the
    vectors, each of unit norm with its largest-magnitude component positive (a canonical sign).
    ``v0`` (n,) replaces the seeded start: a warm start from a nearby point's top eigenvector
    (along a training run) needs a few products instead of tens; with it a short Lanczos basis
    (``ncv`` = 12 for k = 1: 13 products instead of ARPACK's default 20 + 1, the value to 1e-10) is
    enough."""
    from scipy.sparse.linalg import eigsh

    if not 1 <= k < n:
        raise ValueError(f"k must be in [1, n - 1] = [1, {n - 1}], got {k}")
    start = _rng(seed).standard_normal(n) if v0 is None else np.asarray(v0, dtype=float)
    out = eigsh(_operator(hvp, n), k=k, which=which, tol=tol, v0=start, return_eigenvectors=vectors,
                ncv=None if ncv is None else min(max(ncv, 2 * k + 1), n))
    if not vectors:
        return np.sort(out), None
    vals, vecs = out
    order = np.argsort(vals)
    vals, V = vals[order], vecs[:, order].T
    big = np.abs(V).argmax(axis=1)
    V = V * np.sign(V[np.arange(k), big])[:, None]
    return vals, V


def hutchinson_trace(hvp, n: int, probes: int = 100, *, seed: int = 0, batch: int = 16) -> tuple[float, float]:
    """(estimate of tr H, its standard error) from ``probes`` Rademacher vectors, ``batch``
    products at a time: the mean of z^T H z and std / sqrt(probes)."""
    if probes < 2:
        raise ValueError(f"probes must be at least 2 (for a standard error), got {probes}")
    rng = _rng(seed)
    samples = []
    for start in range(0, probes, batch):
        Z = rng.choice((-1.0, 1.0), size=(min(batch, probes - start), n))
        samples.append(np.einsum("kn,kn->k", Z, hvp(Z)))
    s = np.concatenate(samples)
    return float(s.mean()), float(s.std(ddof=1) / np.sqrt(probes))


def slq(hvp, n: int, probes: int = 10, steps: int = 80, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (probes, m) of stochastic Lanczos quadrature, m = min(steps, n).

    Each weight row sums to 1; the measure sum_p sum_i w_pi delta(t - theta_pi) / probes
    approximates the eigenvalue density. Lanczos with full reorthogonalisation (twice, against
    every earlier vector of its probe), all probes advanced together: step j is one call of
    ``hvp`` on the (probes, n) current vectors. A probe whose Krylov space is exhausted
    (beta below 1e-12 of the scale) continues with zero vectors, which get zero weight.
    Memory: probes x (m + 1) x n floats.
    """
    m = int(min(steps, n))
    rng = _rng(seed)
    q = rng.standard_normal((probes, n))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    Q = np.zeros((probes, m, n))
    alpha, beta = np.zeros((probes, m)), np.zeros((probes, m))
    prev = np.zeros_like(q)
    b_prev = np.zeros(probes)
    scale = 0.0
    for j in range(m):
        Q[:, j] = q
        w = hvp(q)
        a = np.einsum("pn,pn->p", w, q)
        w = w - a[:, None] * q - b_prev[:, None] * prev
        for _ in range(2):  # reorthogonalise against every Lanczos vector of the probe so far
            w -= np.einsum("pj,pjn->pn", np.einsum("pjn,pn->pj", Q[:, :j + 1], w), Q[:, :j + 1])
        b = np.linalg.norm(w, axis=1)
        scale = max(scale, float(np.abs(a).max(initial=0.0)), float(b.max(initial=0.0)))
        alpha[:, j], beta[:, j] = a, b
        alive = b > 1e-12 * max(scale, 1e-300)
        prev, q = q, np.where(alive[:, None], w / np.where(alive, b, 1.0)[:, None], 0.0)
        b_prev = np.where(alive, b, 0.0)
        beta[:, j] = b_prev
    T = np.zeros((probes, m, m))
    idx = np.arange(m)
    T[:, idx, idx] = alpha
    T[:, idx[:-1], idx[1:]] = beta[:, :-1]
    T[:, idx[1:], idx[:-1]] = beta[:, :-1]
    theta, U = np.linalg.eigh(T)
    return theta, U[:, 0, :] ** 2


def density(nodes: np.ndarray, weights: np.ndarray, grid: np.ndarray, width: float) -> np.ndarray:
    """The SLQ density on ``grid`` (G,): the mean over probes of sum_i w_i N(t; theta_i, width^2)."""
    d = (np.asarray(grid)[:, None, None] - nodes[None]) / width
    return (weights[None] * np.exp(-0.5 * d * d)).sum(axis=(1, 2)) / (nodes.shape[0] * width * np.sqrt(2 * np.pi))


def wasserstein(nodes: np.ndarray, weights: np.ndarray, eigenvalues: np.ndarray) -> float:
    """The 1-Wasserstein distance between the SLQ measure and the uniform measure on the exact
    eigenvalues: the integral of |F_slq(t) - F_exact(t)| dt between their distribution functions."""
    x = np.concatenate([nodes.ravel(), np.asarray(eigenvalues, dtype=float)])
    w = np.concatenate([weights.ravel() / nodes.shape[0], -np.full(len(eigenvalues), 1.0 / len(eigenvalues))])
    order = np.argsort(x, kind="stable")
    x, cdf = x[order], np.cumsum(w[order])
    return float(np.sum(np.abs(cdf[:-1]) * np.diff(x)))
