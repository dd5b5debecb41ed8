"""Batched damped Newton on grad f = 0, in R^n or on a manifold.

Every start runs at once. The step solves the Levenberg-Marquardt system for
the residual g (whose Jacobian is the symmetric Hessian H) in the tangent
coordinates of the landscape:

    s = -(H^2 + mu I)^{-1} H g = -V diag(lambda / (lambda^2 + mu)) V^T g,

accepted only when it lowers |g|^2 below its recent values and capped by a
trust radius. With mu = 0 it is Newton's step, attracted to saddles and maxima
as readily as to minima, so the search finds critical points of every index.
On a manifold the step v = Q s (Q the tangent basis) is taken by the
landscape's retraction.

Reproducible on any machine: each new iterate is rounded to a grid whose
spacing is a power of two about 1/64 of the step just taken (and never below
``quantum``, 2^-40 of the box, where rounding stops). A different BLAS or CPU
changes the solved step in its last bits, ~cond(H) x 1e-16 of its length; the
rounding absorbs that, so the sequence of iterates, and which critical point a
start reaches, is the same everywhere. It could differ only when an iterate
lands within that error of a grid cell's edge: a chance of about
cond(H) x 1e-14 per coordinate and step. Without the grid, Newton's basins of
attraction are fractal and last-bit differences send some starts to other
points. The rounding moves an iterate by at most 1/128 of its step, which
leaves Newton's convergence intact.
"""

from __future__ import annotations

import numpy as np


def _tangent(landscape, x, g):
    """(Q or None, g in tangent coordinates)."""
    Q = landscape.tangent_basis(x)
    if Q is None:
        return None, g
    return Q, np.einsum("bnm,bn->bm", Q, g)


def _step(H: np.ndarray, g: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """The damped step -(H^2 + mu I)^{-1} H g per row; Newton's -H^{-1} g where mu = 0.

    Batched LU solves (several times cheaper than eigh for n >= 6); if any
    matrix is exactly singular the batch falls back to the eigen-decomposition,
    which zeroes the step along null directions. Non-finite rows come back as
    NaN and are rejected by the caller.
    """
    damped = np.flatnonzero(mu > 0)
    try:
        if damped.size == 0:
            return np.linalg.solve(H, -g[..., None])[..., 0]
        # each matrix is solved on its own, so solving the two groups apart changes no bit
        s = np.empty_like(g)
        plain = np.flatnonzero(~(mu > 0))
        if plain.size:
            s[plain] = np.linalg.solve(H[plain], -g[plain, :, None])[..., 0]
        Hd = H[damped]
        A = Hd @ Hd
        A[:, np.arange(H.shape[-1]), np.arange(H.shape[-1])] += mu[damped, None]  # H^2 + mu I
        s[damped] = np.linalg.solve(A, -np.einsum("bij,bj->bi", Hd, g[damped])[..., None])[..., 0]
        return s
    except np.linalg.LinAlgError:
        lam, V = np.linalg.eigh(H)
        denom = lam**2 + mu[:, None]
        coef = np.divide(lam, denom, out=np.zeros_like(lam), where=denom > 0)
        return -np.einsum("bij,bj->bi", V, coef * np.einsum("bji,bj->bi", V, g))


def quantum_for(scale: float) -> float:
    """The finest rounding grid for a search of size ``scale`` (the box diagonal): the power
    of two nearest 2^-40 scale. Powers of two make x / q and q * round(x / q) exact."""
    return float(2.0 ** (np.round(np.log2(scale)) - 40))


GRID_PER_STEP = 64
"""The grid spacing is the power of two at or below step / GRID_PER_STEP."""


def quantize(landscape, x: np.ndarray, q) -> np.ndarray:
    """x (B, n) rounded to grids of spacing q (scalar or (B,), powers of two), then back onto
    the landscape's manifold."""
    q = np.asarray(q, dtype=float)[..., None] if np.ndim(q) else q
    y = np.round(x / q) * q
    return y if landscape.manifold == "euclidean" else landscape.retract(y, np.zeros_like(y))


def step_grid(snorm: np.ndarray, quantum: float) -> np.ndarray:
    """The grid spacing after steps of length snorm (B,): 2^floor(log2(snorm / GRID_PER_STEP)),
    or 0 (no rounding) where that falls below quantum or the step is not finite."""
    with np.errstate(all="ignore"):
        q = np.exp2(np.floor(np.log2(snorm / GRID_PER_STEP)))
    return np.where(np.isfinite(q) & (q >= quantum), q, 0.0)


def newton_solve(landscape, x0: np.ndarray, *, gtol: float, xtol: float,
                 max_step: float, max_iter: int = 200, memory: int = 8, patience: int = 30,
                 quantum: float | None = None, box: np.ndarray | None = None, on_iteration=None):
    """Damped Newton / Levenberg-Marquardt on grad f = 0 for a batch of starts.

    x0 (B, n). A step is accepted when |g|^2 falls below the largest of its last
    ``memory`` accepted values (a non-monotone test, so Newton can cross curved
    valleys such as Rosenbrock's); a rejected step raises the damping mu and
    shrinks the trust radius. A start converges when |g| <= gtol and its step is
    shorter than xtol (or |g| sits at its rounding floor); it is abandoned when
    |g|^2 has not fallen by 2% in ``patience`` iterations (a minimum of |g|^2 that
    is not a zero of g) or it runs away. Each start's iterates depend on that
    start alone, so any split of a batch gives the same answers. With ``quantum``
    each iterate is rounded to a grid of about 1/64 of its step, never finer than
    quantum (see the module's docstring). ``on_iteration(k)`` is called after each
    iteration with the number of starts that finished in it. With ``box``
    ((n, 2) bounds) a start that wanders farther than the box's diagonal outside
    it is abandoned (its point would be dropped as outside anyway; on a loss
    whose infimum is at infinity such starts would otherwise run to max_iter).

    Returns (x (B, n), grad_norm (B,), converged (B,) bool, iterations (B,) int):
    iterations counts each start's Newton steps (tried, accepted or not).
    """
    x = np.array(x0, dtype=float)
    B = x.shape[0]
    if quantum is not None:  # the starts on a grid of 2^16 quanta (~6e-8 of the box)
        x = quantize(landscape, x, quantum * 2.0**16)
    iterations = np.zeros(B, dtype=np.int64)
    # a family whose gradient and Hessian share most of their cost evaluates both at each
    # trial point and keeps the Hessian of accepted ones; otherwise the Hessian is evaluated
    # once per iteration at the current points (no work lost on rejected steps)
    joint = landscape.joint_derivatives
    with np.errstate(all="ignore"):
        g, hess = landscape.derivatives(x) if joint else (landscape.grad(x), None)
        phi = np.einsum("bi,bi->b", g, g)
        history = np.repeat(phi[:, None], memory, axis=1)
        best, since_best = phi.copy(), np.zeros(B, dtype=int)
        mu = np.zeros(B)
        radius = np.full(B, float(max_step))
        converged = np.zeros(B, dtype=bool)
        active = np.isfinite(phi)
        for it in range(max_iter):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            H = hess[idx] if joint else landscape.hess(x[idx])
            Q, gq = _tangent(landscape, x[idx], g[idx])
            s = _step(H, gq, mu[idx])
            size2 = np.einsum("bij,bij->b", H, H)  # |H|_F^2, the curvature scale for mu
            snorm = np.linalg.norm(s, axis=-1)
            s *= np.minimum(1.0, radius[idx] / np.maximum(snorm, 1e-300))[:, None]
            snorm = np.linalg.norm(s, axis=-1)
            if Q is not None:
                s = np.einsum("bnm,bm->bn", Q, s)
            x_new = landscape.retract(x[idx], s)
            if quantum is not None:
                q = step_grid(snorm, quantum)
                rounded = q > 0
                if rounded.any():
                    x_new[rounded] = quantize(landscape, x_new[rounded], q[rounded])
            g_new, H_new = landscape.derivatives(x_new) if joint else (landscape.grad(x_new), None)
            phi_new = np.einsum("bi,bi->b", g_new, g_new)
            # a margin of 1e-10 turns exact ties (a step onto a symmetric image of a recent
            # iterate, equal in exact arithmetic) into rejections on every machine
            accept = np.isfinite(phi_new) & np.isfinite(snorm) & (phi_new < (1 - 1e-10) * history[idx].max(-1))
            a, r = idx[accept], idx[~accept]
            x[a], g[a], phi[a] = x_new[accept], g_new[accept], phi_new[accept]
            if joint:
                hess[a] = H_new[accept]
            history[a, it % memory] = phi_new[accept]
            mu[a] = np.where(mu[a] * 0.1 < 1e-12 * size2[accept], 0.0, mu[a] * 0.1)
            radius[a] = np.minimum(2.0 * radius[a], max_step)
            mu[r] = np.maximum(10.0 * mu[r], 1e-6 * np.maximum(size2[~accept], 1e-300))
            radius[r] *= 0.25
            improved = phi[idx] < 0.98 * best[idx]
            best[idx] = np.where(improved, phi[idx], best[idx])
            since_best[idx] = np.where(improved, 0, since_best[idx] + 1)
            small_g = np.sqrt(phi[idx]) <= gtol
            done = small_g & ((snorm <= xtol) | ~accept)
            converged[idx[done]] = True
            stuck = (radius[idx] < 1e-6 * xtol) | ~np.isfinite(phi[idx])
            stuck |= (since_best[idx] > patience) & ~small_g
            stuck |= np.abs(x[idx]).max(-1) > 1e6 * max_step
            if box is not None:
                out = np.maximum(box[:, 0] - x[idx], 0) + np.maximum(x[idx] - box[:, 1], 0)
                stuck |= np.linalg.norm(out, axis=-1) > np.linalg.norm(box[:, 1] - box[:, 0])
            iterations[idx] += 1
            active[idx[done | stuck]] = False
            if on_iteration is not None:
                on_iteration(int(np.count_nonzero(done | stuck)))
        if on_iteration is not None and active.any():
            on_iteration(int(np.count_nonzero(active)))  # the starts that reached max_iter
        gnorm = np.sqrt(phi)
    converged &= np.isfinite(gnorm) & (gnorm <= gtol)
    return x, gnorm, converged, iterations
