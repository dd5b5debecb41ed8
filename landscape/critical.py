"""Batched search for critical points (grad f = 0) of any index.

Every start runs a damped Newton iteration on grad f = 0 at once:

    s = -(H^2 + mu I)^{-1} H g = -V diag(lambda / (lambda^2 + mu)) V^T g,

the Levenberg-Marquardt step for the residual g (whose Jacobian is the
symmetric H), accepted only when it lowers |g|^2 and capped by a trust radius.
With mu = 0 it is Newton's step, which is attracted to saddles and maxima as
readily as to minima, so the search finds all of them. Converged points are
merged within a distance tolerance and classified by the spectrum module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import LandscapeError
from .spectrum import RTOL, spectrum


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """One critical point: coordinates, value, Hessian spectrum and classification."""

    x: np.ndarray
    value: float
    eigenvalues: np.ndarray
    index: int
    kind: str
    grad_norm: float
    hits: int = 1

    def to_dict(self) -> dict:
        return {"x": self.x, "value": self.value, "eigenvalues": self.eigenvalues,
                "index": self.index, "kind": self.kind, "grad_norm": self.grad_norm,
                "hits": self.hits}


@dataclass(frozen=True, eq=False)
class CriticalSet:
    """The distinct critical points found in a domain, sorted by value."""

    points: tuple[CriticalPoint, ...]
    domain: tuple[tuple[float, float], ...]
    starts: int
    converged: int
    gtol: float
    merge_tol: float
    zero_rtol: float = RTOL
    zero_tol: float = 0.0
    counts: dict = field(init=False)

    def __post_init__(self):
        counts = {k: 0 for k in ("minimum", "saddle", "maximum", "degenerate")}
        for p in self.points:
            counts[p.kind] += 1
        object.__setattr__(self, "counts", counts)

    def of_kind(self, kind: str) -> list[CriticalPoint]:
        return [p for p in self.points if p.kind == kind]

    def nearest(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the nearest point and its distance, for a batch x (..., n)."""
        if not self.points:
            shape = np.shape(x)[:-1]
            return np.full(shape, -1), np.full(shape, np.inf)
        centres = np.array([p.x for p in self.points])
        d = np.linalg.norm(np.asarray(x)[..., None, :] - centres, axis=-1)
        return d.argmin(-1), d.min(-1)

    def to_dict(self) -> dict:
        return {"domain": self.domain, "starts": self.starts, "converged": self.converged,
                "gtol": self.gtol, "merge_tol": self.merge_tol, "zero_rtol": self.zero_rtol,
                "zero_tol": self.zero_tol,
                "counts": self.counts, "critical_points": [p.to_dict() for p in self.points]}


def check_domain(domain, dim: int) -> tuple[tuple[float, float], ...]:
    """Validate a box ((lo, hi), ...) with dim finite, non-empty intervals."""
    try:
        box = np.asarray(domain, dtype=float)
    except (TypeError, ValueError):
        raise LandscapeError(f"domain must be {dim} pairs lo:hi") from None
    if box.shape != (dim, 2):
        raise LandscapeError(f"domain needs {dim} intervals lo:hi, got {len(box)}")
    if not np.all(np.isfinite(box)):
        raise LandscapeError("domain bounds must be finite numbers")
    bad = np.flatnonzero(box[:, 1] <= box[:, 0])
    if bad.size:
        i = int(bad[0])
        raise LandscapeError(
            f"domain interval {i + 1} is empty or reversed: {box[i, 0]:g}:{box[i, 1]:g}")
    return tuple((float(lo), float(hi)) for lo, hi in box)


def sobol_starts(domain, count: int, seed: int) -> np.ndarray:
    """count low-discrepancy (scrambled Sobol) points in the box, seeded."""
    from scipy.stats import qmc

    box = np.asarray(domain)
    sampler = qmc.Sobol(d=len(box), scramble=True, seed=np.random.default_rng(seed))
    m = int(np.ceil(np.log2(max(count, 1))))
    u = sampler.random_base2(m)[:count]
    return box[:, 0] + u * (box[:, 1] - box[:, 0])


def newton_solve(landscape, x0: np.ndarray, *, gtol: float, xtol: float,
                 max_step: float, max_iter: int = 200, memory: int = 8, patience: int = 30):
    """Damped Newton / Levenberg-Marquardt on grad f = 0 for a batch of starts.

    x0 (B, n). A step is accepted when |g|^2 falls below the largest of its last
    ``memory`` accepted values (a non-monotone test, so Newton can cross curved
    valleys such as Rosenbrock's); a rejected step raises the damping mu and
    shrinks the trust radius. A start converges when |g| <= gtol and its step is
    shorter than xtol (or |g| sits at its rounding floor); it is abandoned when
    |g| has not fallen by 1% in ``patience`` iterations (a minimum of |g|^2 that
    is not a zero of g) or it runs away.

    Returns (x (B, n), grad_norm (B,), converged (B,) bool).
    """
    x = np.array(x0, dtype=float)
    B = x.shape[0]
    with np.errstate(all="ignore"):
        g = landscape.grad(x)
        phi = np.einsum("bi,bi->b", g, g)
        history = np.repeat(phi[:, None], memory, axis=1)
        best, since_best = phi.copy(), np.zeros(B, dtype=int)
        mu = np.zeros(B)
        radius = np.full(B, max_step)
        converged = np.zeros(B, dtype=bool)
        active = np.isfinite(phi)
        for it in range(max_iter):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            lam, V = np.linalg.eigh(landscape.hess(x[idx]))
            gt = np.einsum("bji,bj->bi", V, g[idx])
            denom = lam**2 + mu[idx, None]
            coef = np.divide(lam, denom, out=np.zeros_like(lam), where=denom > 0)
            s = -np.einsum("bij,bj->bi", V, coef * gt)
            snorm = np.linalg.norm(s, axis=-1)
            s *= np.minimum(1.0, radius[idx] / np.maximum(snorm, 1e-300))[:, None]
            snorm = np.linalg.norm(s, axis=-1)
            x_new = x[idx] + s
            g_new = landscape.grad(x_new)
            phi_new = np.einsum("bi,bi->b", g_new, g_new)
            accept = np.isfinite(phi_new) & (phi_new < history[idx].max(-1))
            a, r = idx[accept], idx[~accept]
            x[a], g[a], phi[a] = x_new[accept], g_new[accept], phi_new[accept]
            history[a, it % memory] = phi_new[accept]
            mu[a] = np.where(mu[a] * 0.1 < 1e-12 * lam[accept, -1] ** 2, 0.0, mu[a] * 0.1)
            radius[a] = np.minimum(2.0 * radius[a], max_step)
            scale2 = np.maximum(np.abs(lam[~accept]).max(-1) ** 2, 1e-300)
            mu[r] = np.maximum(10.0 * mu[r], 1e-6 * scale2)
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
            active[idx[done | stuck]] = False
        gnorm = np.sqrt(phi)
    converged &= np.isfinite(gnorm) & (gnorm <= gtol)
    return x, gnorm, converged


def merge(x: np.ndarray, tol: float) -> np.ndarray:
    """Cluster labels (B,) joining points closer than tol (KD-tree + connected components)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    if len(x) == 0:
        return np.zeros(0, dtype=int)
    pairs = cKDTree(x).query_pairs(tol, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(x), len(x)))
    return connected_components(graph, directed=False)[1]


SOLVE_CHUNK = 4096
"""Starts per batched Newton solve; each start's iteration is independent of the others,
so the chunking changes the running time and memory, never the result."""


def find_critical_points(landscape, domain=None, *, starts: int = 512, seed: int = 0,
                         rtol: float = RTOL, progress=None) -> CriticalSet:
    """All critical points of ``landscape`` inside ``domain`` reachable from the starts.

    Starts are ``starts`` scrambled-Sobol points in the box, solved in chunks of
    SOLVE_CHUNK; ``progress(k)`` is called after each chunk of k starts.
    Tolerances come from the landscape: gtol = 1e-9 x the median |grad f| over the
    starts, merge distance = 1e-6 x the box diagonal. Every reported point has
    |grad f| <= gtol; ``hits`` counts the starts that converged to it.
    """
    domain = check_domain(landscape.domain if domain is None else domain, landscape.dim)
    if starts < 1:
        raise LandscapeError(f"starts must be a positive integer, got {starts}")
    box = np.asarray(domain)
    x0 = sobol_starts(domain, starts, seed)
    diag = float(np.linalg.norm(box[:, 1] - box[:, 0]))
    gscale, hscale = landscape_scales(landscape, x0)
    gtol = 1e-9 * gscale
    parts = []
    for i in range(0, len(x0), SOLVE_CHUNK):
        parts.append(newton_solve(landscape, x0[i:i + SOLVE_CHUNK], gtol=gtol,
                                  xtol=1e-10 * diag, max_step=0.25 * diag))
        if progress:
            progress(len(parts[-1][0]))
    x, gnorm, ok = (np.concatenate(a) for a in zip(*parts))
    slack = 1e-9 * (box[:, 1] - box[:, 0])
    inside = np.all((x >= box[:, 0] - slack) & (x <= box[:, 1] + slack), axis=-1)
    keep = ok & inside
    xs, gs = x[keep], gnorm[keep]
    merge_tol = 1e-6 * diag
    labels = merge(xs, merge_tol)
    found = []
    if len(xs):
        n_groups = labels.max() + 1
        hits = np.bincount(labels, minlength=n_groups)
        order = np.lexsort((gs, labels))  # within each group, smallest |g| first
        first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
        reps, rep_g = xs[first], gs[first]
        vals = landscape.value(reps)
        spec = spectrum(landscape.hess(reps), rtol=rtol, scale=hscale)
        for i in np.argsort(vals, kind="stable"):
            found.append(CriticalPoint(
                x=reps[i], value=float(vals[i]), eigenvalues=spec.eigenvalues[i],
                index=int(spec.n_neg[i]), kind=str(spec.kind[i]), grad_norm=float(rep_g[i]),
                hits=int(hits[labels[first[i]]])))
    return CriticalSet(points=tuple(found), domain=domain, starts=len(x0),
                       converged=int(keep.sum()), gtol=gtol, merge_tol=merge_tol,
                       zero_rtol=rtol, zero_tol=rtol * hscale)


def landscape_scales(landscape, x: np.ndarray) -> tuple[float, float]:
    """Typical |grad f| and Hessian spectral radius over the points x (medians).

    These set the search's gradient tolerance and the classification's zero
    tolerance, so both follow the landscape's own units.
    """
    with np.errstate(all="ignore"):
        g = np.linalg.norm(landscape.grad(x), axis=-1)
        h = np.abs(np.linalg.eigvalsh(landscape.hess(x))).max(-1)
    gscale, hscale = float(np.nanmedian(g)), float(np.nanmedian(h))
    return (gscale if np.isfinite(gscale) and gscale > 0 else 1.0,
            hscale if np.isfinite(hscale) and hscale > 0 else 1.0)
