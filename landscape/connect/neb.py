"""Minimum-energy paths by the climbing-image nudged elastic band (Henkelman, Uberuaga and Jonsson 2000).

A band of M images R_0 .. R_{M-1} joins two minima (the ends stay fixed). Each
interior image i feels the true force only across the path and the springs
only along it:

    F_i = -grad V(R_i) + (grad V(R_i) . t_i) t_i + k (|R_{i+1} - R_i| - |R_i - R_{i-1}|) t_i,

with t_i the unit tangent of Henkelman and Jonsson (2000, "Improved tangent
estimate in the nudged elastic band method"): the segment towards the
higher neighbour, or at an extremum of V their mix weighted by the energy
differences, which keeps the band free of kinks. The highest image climbs:
its spring force is dropped and the force along the tangent reversed,

    F_c = -grad V(R_c) + 2 (grad V(R_c) . t_c) t_c,

so it rises along the path and falls across it and converges onto the
index-1 saddle, where grad V = 0 exactly (not just near it, as an image of
a plain band or of the string method would). The band relaxes by FIRE
(Bitzek et al. 2006, "Structural relaxation made simple"): damped dynamics
that mix the velocity towards the force and restart when the power F . v
turns negative. All images are evaluated in one batched call per iteration.
The band has converged when max_i |F_i| <= ftol.

On a manifold (the p-spin's sphere) the tangents and forces are projected
onto each image's tangent space and every move is retracted onto the manifold.

Shapes: ends a, b (n,); the band (M, n); values (M,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

IMAGES = 25
"""Images in a band, the two fixed ends included."""

# FIRE's constants (Bitzek et al. 2006, their recommended values)
N_MIN, F_INC, F_DEC, ALPHA0, F_ALPHA = 5, 1.1, 0.5, 0.1, 0.99


@dataclass(frozen=True, eq=False)
class Band:
    """A relaxed band: images x (M, n), their values (M,), the climbing image's position in
    it, whether max |F| reached ftol, the iterations and the final max |F|, how it started."""

    x: np.ndarray
    values: np.ndarray
    climbing: int
    converged: bool
    iterations: int
    max_force: float
    ftol: float
    init: str

    @property
    def arc(self) -> np.ndarray:
        """Cumulative distance along the band from its first image (M,)."""
        return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(self.x, axis=0), axis=-1))])

    def to_dict(self) -> dict:
        return {"images": self.x, "values": self.values, "arc": self.arc, "climbing": self.climbing,
                "converged": self.converged, "iterations": self.iterations, "max_force": self.max_force,
                "ftol": self.ftol, "init": self.init}


def resample(path: np.ndarray, count: int) -> np.ndarray:
    """count points (count, n) equally spaced in arc length along the polyline path (m, n)."""
    seg = np.linalg.norm(np.diff(path, axis=0), axis=-1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], count)
    k = np.clip(np.searchsorted(s, t, side="right") - 1, 0, len(seg) - 1)
    w = np.where(seg[k] > 0, (t - s[k]) / np.where(seg[k] > 0, seg[k], 1.0), 0.0)
    return path[k] + w[:, None] * (path[k + 1] - path[k])


def _tangent_project(landscape, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """v (M, n) projected onto the tangent spaces at x (M, n) (v itself in R^n)."""
    Q = landscape.tangent_basis(x)
    if Q is None:
        return v
    return np.einsum("bnm,bm->bn", Q, np.einsum("bnm,bn->bm", Q, v))


def tangents(landscape, R: np.ndarray, V: np.ndarray) -> np.ndarray:
    """The improved unit tangents (M-2, n) at the interior images of the band R (M, n)."""
    tp, tm = R[2:] - R[1:-1], R[1:-1] - R[:-2]
    vp, v0, vm = V[2:], V[1:-1], V[:-2]
    up = (vp > v0) & (v0 > vm)
    down = (vp < v0) & (v0 < vm)
    dmax = np.maximum(np.abs(vp - v0), np.abs(vm - v0))[:, None]
    dmin = np.minimum(np.abs(vp - v0), np.abs(vm - v0))[:, None]
    mixed = np.where((vp > vm)[:, None], tp * dmax + tm * dmin, tp * dmin + tm * dmax)
    t = np.where(up[:, None], tp, np.where(down[:, None], tm, mixed))
    t = _tangent_project(landscape, R[1:-1], t)
    norm = np.linalg.norm(t, axis=-1, keepdims=True)
    fallback = _tangent_project(landscape, R[1:-1], tp + tm)  # a flat stretch: the chord
    t = np.where(norm > 0, t / np.where(norm > 0, norm, 1.0), fallback)
    return t / np.maximum(np.linalg.norm(t, axis=-1, keepdims=True), 1e-300)


def forces(landscape, R: np.ndarray, k: float, climb: bool):
    """(forces (M-2, n) on the interior images, values V (M,), the climbing image's row in R)."""
    V = landscape.value(R)
    G = landscape.grad(R[1:-1])
    t = tangents(landscape, R, V)
    along = np.einsum("bn,bn->b", G, t)
    spring = k * (np.linalg.norm(R[2:] - R[1:-1], axis=-1) - np.linalg.norm(R[1:-1] - R[:-2], axis=-1))
    F = -G + along[:, None] * t + spring[:, None] * t
    c = int(np.argmax(V[1:-1])) + 1
    if climb:
        F[c - 1] = -G[c - 1] + 2 * along[c - 1] * t[c - 1]
    return F, V, c


def relax(landscape, a: np.ndarray, b: np.ndarray, *, ftol: float, hscale: float, scale: float,
          images: int = IMAGES, init_path: np.ndarray | None = None, max_iter: int = 20000) -> Band:
    """Relax a climbing-image band from a to b (module docstring).

    ftol: the force (gradient units) at which it has converged; hscale: the
    Hessian's scale, which sets the spring constant k = hscale and FIRE's time
    steps (dt0 = 0.1 / sqrt(w2), dt_max = 1 / sqrt(w2), w2 = max(hscale, 4k)); scale: the
    length scale, which caps each image's move per iteration at 1e-2 of it.
    init_path (m, n): the band starts resampled along it; otherwise on the straight
    segment from a to b (projected onto the manifold). The climbing image is switched
    on once max |F| has fallen below a tenth of its first value, or after 200 iterations.
    """
    if init_path is None:
        R = a + np.linspace(0.0, 1.0, images)[:, None] * (b - a)
        init = "linear"
    else:
        R = resample(np.asarray(init_path, dtype=float), images)
        init = "given"
    R[0], R[-1] = a, b
    R = landscape.project(R)
    k = float(hscale)
    w = np.sqrt(max(hscale, 4 * k))
    dt, dt_max = 0.1 / w, 1.0 / w
    alpha, since = ALPHA0, 0
    vel = np.zeros_like(R[1:-1])
    climb = False
    first = None
    fmax = np.inf
    it = 0
    with np.errstate(all="ignore"):
        for it in range(1, max_iter + 1):
            F, V, c = forces(landscape, R, k, climb)
            fmax = float(np.linalg.norm(F, axis=-1).max())
            if not np.isfinite(fmax):
                break
            if first is None:
                first = fmax
            if not climb and (fmax < 0.1 * first or it > 200):
                climb = True
                continue
            if climb and fmax <= ftol:
                break
            power = float(np.sum(F * vel))
            fn = np.linalg.norm(F)
            if power > 0:
                vel = (1 - alpha) * vel + alpha * np.linalg.norm(vel) * F / max(fn, 1e-300)
                since += 1
                if since > N_MIN:
                    dt = min(dt * F_INC, dt_max)
                    alpha *= F_ALPHA
            else:
                vel[:] = 0.0
                dt *= F_DEC
                alpha, since = ALPHA0, 0
            vel = vel + dt * F
            move = dt * vel
            cap = 1e-2 * scale
            length = np.linalg.norm(move, axis=-1, keepdims=True)
            move = np.where(length > cap, move * cap / np.maximum(length, 1e-300), move)
            R[1:-1] = landscape.retract(R[1:-1], _tangent_project(landscape, R[1:-1], move))
        V = landscape.value(R)
    c = int(np.argmax(V[1:-1])) + 1
    return Band(x=R, values=V, climbing=c, converged=bool(climb and fmax <= ftol), iterations=it,
                max_force=fmax, ftol=float(ftol), init=init)
