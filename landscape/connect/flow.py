"""Steepest-descent (and ascent) paths, dx/dt = -grad f(x), integrated accurately in batches.

The path from a point to the minimum it drains into is the solution of the
gradient flow, not the iterates of gradient descent with some step: GD with a
large step can jump over a ridge into another basin. This module integrates

    dx/dt = sign * grad f(P(x)),   sign = -1 (descent) or +1 (ascent),

with the embedded Dormand-Prince 5(4) Runge-Kutta pair (Dormand and Prince
1980; the pair MATLAB's ode45 and scipy's RK45 use), every path of a batch at
once, each with its own step size h. A step is accepted when its local error
estimate |x5 - x4|_inf is at most ``atol`` (a length), and h is rescaled by
0.9 (atol / err)^(1/5) (at most x5, at least x0.2). On a manifold (the
p-spin's sphere) P is the landscape's projection: the field is the Riemannian
gradient at the nearest point of the manifold, and every accepted point is
projected back, so the path stays on it to rounding.

A path stops when it has reached a critical point, tested every few accepted
steps from the Hessian H at the current point (tangent coordinates) and the
Newton step s = -H^{-1} g:

- ``basin``: H is definite with the flow's sign (positive for descent),
  |s| <= ``capture`` (a length) and the step contracts (|grad f(x + s)| <=
  CONTRACTION |grad f(x)|): the point lies in the quadratic basin of one
  minimum (maximum for ascent), reached next by Newton's method;
- ``stalled``: |s| <= ``stall`` (a much smaller length), whatever H's inertia:
  the flow has come to rest on a critical point (a saddle it was exactly
  aimed at, as on a separable landscape);
- ``left-box``: farther than the box's diagonal outside the box;
- ``diverged``: a non-finite value or gradient;
- ``unfinished``: ``max_steps`` accepted steps without stopping.

Shapes: starts x0 (B, n); the result's ``x`` (B, n), ``status`` (B,) str,
``steps`` (B,), ``time`` (B,) and, with ``record``, ``paths`` a list of B
arrays (m_b, n) of the accepted points (start included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Dormand-Prince 5(4): nodes C, stage matrix A (row i: the weights of stages 0..i-1),
# the fifth-order weights B5 (= the last row of A: first same as last) and B5 - B4.
C = np.array([0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0])
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
    [35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
]
B5 = np.array(A[6] + [0.0])
B4 = np.array([5179 / 57600, 0.0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40])
E = B5 - B4

INTEGRATOR = "Dormand-Prince 5(4), adaptive step per path"

CONTRACTION = 0.25
"""The ``basin`` test also asks Newton's step to work: |grad f| at its end at most this fraction of
|grad f| at the point (quadratic convergence gives far less). A convex shoulder with a small slope
and no minimum near (a random field's) has a short Newton step too, but its step does not contract."""

STATUSES = ("basin", "stalled", "left-box", "diverged", "unfinished")


@dataclass(frozen=True, eq=False)
class Flow:
    """The ends of a batch of gradient-flow paths (see the module docstring)."""

    x: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    time: np.ndarray
    atol: float
    paths: list | None = None

    @property
    def integrator(self) -> dict:
        return {"method": INTEGRATOR, "atol": self.atol}


def _field(landscape, x: np.ndarray, sign: float, U=None) -> np.ndarray:
    """sign * grad f at the projection of x onto the landscape's manifold, (B, n); with U
    (B, n, m) the gradient's components along U's columns reversed first, g - 2 U U^T g."""
    g = landscape.grad(landscape.project(x))
    if U is not None:
        g = g - 2 * np.einsum("bnm,bm->bn", U, np.einsum("bnm,bn->bm", U, g))
    return sign * g


def _reflection(landscape, x, reflect, track):
    """(U (B, n, m), tracked (B, n)) at the points x (B, n) for rows with reflect r > 0.

    The followed eigenvector is the Hessian's eigenvector closest to the tracked
    direction (its sign kept); U holds the r lowest of the other eigenvectors (ambient
    coordinates), zero columns elsewhere and on rows with r = 0 (no Hessian evaluated).
    """
    B, n = x.shape
    m = landscape.tangent_dim
    U = np.zeros((B, n, m))
    tracked = np.array(track, dtype=float)
    rows = np.flatnonzero(reflect > 0)
    if rows.size == 0:
        return U, tracked
    p = landscape.project(x[rows])
    lam, V = np.linalg.eigh(landscape.hess(p))
    Q = landscape.tangent_basis(p)
    W = V if Q is None else Q @ V  # ambient eigenvectors (R, n, m)
    overlap = np.einsum("bnm,bn->bm", W, tracked[rows])
    pick = np.abs(overlap).argmax(axis=-1)
    at = np.arange(rows.size)
    lowered = lam.copy()
    lowered[at, pick] = np.inf
    rank = np.argsort(np.argsort(lowered, axis=-1, kind="stable"), axis=-1, kind="stable")
    U[rows] = W * (rank < reflect[rows, None])[:, None, :]
    tracked[rows] = W[at, :, pick] * np.where(overlap[at, pick] < 0, -1.0, 1.0)[:, None]
    return U, tracked


def _stopped(landscape, x, g, sign, capture, stall, zero_tol):
    """(basin, stalled) flags (B,) from the Hessian and the Newton step at x (B, n)."""
    H = landscape.hess(x)
    Q = landscape.tangent_basis(x)
    gq = g if Q is None else np.einsum("bnm,bn->bm", Q, g)
    lam, V = np.linalg.eigh(H)
    coef = np.einsum("bnm,bn->bm", V, gq)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.sqrt(np.sum((coef / np.where(lam == 0, np.inf, lam)) ** 2, axis=-1))
    definite = (sign * lam < -zero_tol).all(axis=-1)  # descent: every lambda > 0
    ok = np.isfinite(step)
    basin = ok & definite & (step <= capture)
    rows = np.flatnonzero(basin)
    if rows.size:  # and Newton's step contracts: |g| at its end at most CONTRACTION of |g| here
        s = -np.einsum("bnm,bm->bn", V[rows], coef[rows] / lam[rows])
        s = s if Q is None else np.einsum("bnm,bm->bn", Q[rows], s)
        g_next = landscape.grad(landscape.retract(x[rows], s))
        basin[rows] = np.linalg.norm(g_next, axis=-1) <= CONTRACTION * np.linalg.norm(g[rows], axis=-1)
    return basin, ok & (step <= stall)


def follow(landscape, x0: np.ndarray, *, sign: float = -1.0, atol: float, capture: float, stall: float,
           h0: float, zero_tol: float = 0.0, box: np.ndarray | None = None, max_steps=20000,
           check_every: int = 8, record: bool = False, on_round=None, reflect=None, track=None) -> Flow:
    """Integrate dx/dt = sign * grad f from each row of x0 until it stops (module docstring).

    reflect (B,) ints and track (B, n): the saddle-to-saddle flow of ``descent``. On a row
    with reflect r > 0 the field is sign * (I - 2 U U^T) grad f, U the r lowest Hessian
    eigenvectors other than the one followed (the eigenvector closest to the row's tracked
    direction, which starts as track), found at the start of each step and held through it;
    it ascends along the r directions and so comes to rest on a saddle of index r, not at a
    minimum. Such rows stop only by the ``stalled`` test.

    atol: the local error allowed per step (a length); capture, stall: the
    Newton-step lengths of the two stopping tests; h0: the first time step
    (about 0.1 / the Hessian's scale); zero_tol: eigenvalues within it count as
    zero (not definite); max_steps: an int or one per row (B,); box (n, 2): where a path is
    abandoned as ``left-box``
    once it is a box diagonal outside. ``on_round(k)`` is called after each
    round with the number of paths that stopped in it.
    """
    x = landscape.project(np.array(x0, dtype=float))
    B = x.shape[0]
    status = np.full(B, "unfinished", dtype=object)
    steps = np.zeros(B, dtype=np.int64)
    time = np.zeros(B)
    h = np.full(B, float(h0))
    active = np.ones(B, dtype=bool)
    since_check = np.zeros(B, dtype=np.int64)
    limit = np.broadcast_to(np.asarray(max_steps, dtype=np.int64), (B,))
    trace = [(np.arange(B), x.copy())] if record else None
    if box is not None:
        box = np.asarray(box, dtype=float)
        reach = float(np.linalg.norm(box[:, 1] - box[:, 0]))
    U = None
    if reflect is not None and np.any(np.asarray(reflect) > 0):
        reflect = np.asarray(reflect, dtype=int)
        U, track = _reflection(landscape, x, reflect, track)
    else:
        reflect = None
    with np.errstate(all="ignore"):
        k1 = _field(landscape, x, sign, U)
        bad = ~np.isfinite(k1).all(axis=-1)
        status[bad], active[bad] = "diverged", False
        rounds = 0
        while active.any():
            rounds += 1
            idx = np.flatnonzero(active)
            xi, hi = x[idx], h[idx][:, None]
            ks = [k1[idx]]
            Ui = None if U is None else U[idx]  # the reflection is held fixed through a step
            for i in range(1, 7):
                y = xi + hi * sum(a * k for a, k in zip(A[i], ks) if a != 0.0)
                ks.append(_field(landscape, y, sign, Ui))
            x5 = xi + hi * sum(b * k for b, k in zip(B5, ks) if b != 0.0)
            err = np.abs(hi * sum(e * k for e, k in zip(E, ks) if e != 0.0)).max(axis=-1)
            finite = np.isfinite(x5).all(axis=-1) & np.isfinite(ks[6]).all(axis=-1) & np.isfinite(err)
            accept = finite & (err <= atol)
            factor = np.where(err > 0, 0.9 * (atol / np.where(err > 0, err, 1.0)) ** 0.2, 5.0)
            factor = np.clip(np.where(finite, factor, 0.2), 0.2, 5.0)
            acc = idx[accept]
            x[acc] = landscape.project(x5[accept])
            if reflect is None and landscape.manifold == "euclidean":
                k1[acc] = ks[6][accept]
            elif acc.size:  # the field at the projected point, with the reflection found there
                if U is not None:
                    U[acc], track[acc] = _reflection(landscape, x[acc], reflect[acc], track[acc])
                k1[acc] = _field(landscape, x[acc], sign, None if U is None else U[acc])
            time[acc] += h[acc]
            steps[acc] += 1
            since_check[acc] += 1
            h[idx] = h[idx] * np.where(accept, np.minimum(factor, 5.0), np.minimum(factor, 1.0))
            if record and acc.size:
                trace.append((acc, x[acc].copy()))
            # a step size that underflows, or a field that blows up, is a divergence
            dead = idx[~np.isfinite(h[idx]) | (h[idx] <= 1e-300) | (~finite & (h[idx] < 1e-12 * h0))]
            status[dead], active[dead] = "diverged", False
            if box is not None and acc.size:
                outside = np.maximum(box[:, 0] - x[acc], x[acc] - box[:, 1]).max(axis=-1) > reach
                gone = acc[outside]
                status[gone], active[gone] = "left-box", False
            due = np.flatnonzero(active & (since_check >= check_every))
            if due.size:
                since_check[due] = 0
                g_due = sign * landscape.grad(landscape.project(x[due])) if reflect is not None else k1[due]
                basin, stalled = _stopped(landscape, x[due], sign * g_due, sign, capture, stall, zero_tol)
                if reflect is not None:
                    basin &= reflect[due] == 0
                status[due[stalled]] = "stalled"
                status[due[basin & ~stalled]] = "basin"
                active[due[basin | stalled]] = False
            over = np.flatnonzero(active & (steps >= limit))
            active[over] = False
            if on_round is not None:
                on_round(int(idx.size - np.count_nonzero(active[idx])))
    paths = None
    if record:
        rows = np.concatenate([r for r, _ in trace])
        pts = np.concatenate([p for _, p in trace])
        order = np.argsort(rows, kind="stable")
        splits = np.cumsum(np.bincount(rows, minlength=B))[:-1]
        paths = np.split(pts[order], splits)
    return Flow(x=x, status=status.astype(str), steps=steps, time=time, atol=float(atol), paths=paths)
