"""Where the paths from each saddle lead: descents along negative directions, ascents along positive ones.

An index-k saddle s has k negative Hessian eigenvalues; along each of their
unit eigenvectors v (tangent, canonical signs) the points s +- delta v start
steepest-descent paths (``flow.follow``). From an index-1 saddle the two paths
are its unstable manifold: they end at the two minima the saddle joins, the
pass between them. From an index-k saddle a path generically ends at a
minimum; it ends at an index-(k-1) saddle only where the landscape aims it
there (a separable landscape's decoupled coordinates), and then it is
recorded as reaching that saddle. Where the stable manifold is a curve, at
an index-(m-1) saddle of an m-dimensional landscape (the index-1 saddles in
2-D), the two ascents along its positive direction end at the maxima it
bounds: those are the links between maxima and index-(m-1) saddles, and in
2-D the separatrices drawn on the contour plot.

The start offset delta is 1e-3 of the landscape's length scale L (the box
diagonal), at most a tenth of the distance to the nearest other critical
point, and shrunk by 10 (up to three times) until f(s +- delta v) is below
f(s) for a descent (above for an ascent). Each path's end is polished by
Newton's method and matched to the known critical points (within
``MATCH`` x the search's merge distance); a minimum (or maximum) that is not
among them is added, found by descent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spectrum import eigh
from .flow import follow

DELTA = 1e-3
"""The start offset from a saddle, as a fraction of the length scale."""

ATOL = 1e-8
"""The integrator's local error per step, as a fraction of the length scale."""

CAPTURE = 1e-3
"""A descent hands over to Newton's method once the Newton step to a minimum is shorter than
this fraction of the length scale (and the Hessian is positive definite there), or than
CAPTURE_SPACING of the typical distance between critical points, if that is shorter."""

CAPTURE_SPACING = 0.05
"""... as a fraction of the median distance from a critical point to its nearest neighbour: on a
rough landscape in a big box (a random field of short correlation length) the box's 1e-3 can
span a basin's edge."""


def capture_length(centres: np.ndarray, scale: float) -> float:
    """min(CAPTURE x scale, CAPTURE_SPACING x the median nearest-neighbour distance of centres (P, n))."""
    if len(centres) < 2:
        return CAPTURE * scale
    from scipy.spatial import cKDTree

    d, _ = cKDTree(centres).query(centres, k=2)
    spacing = float(np.median(d[:, 1]))
    return min(CAPTURE * scale, CAPTURE_SPACING * spacing) if spacing > 0 else CAPTURE * scale

STALL = 1e-6
"""A path has stopped on a critical point when the Newton step is shorter than this fraction (well
above ATOL: near an attracting point an explicit integrator at its stability limit hovers at a
distance of about its error tolerance)."""

MAX_STEPS = 20000
"""Accepted integrator steps before a descent from an index-1 saddle (or an ascent) is unfinished."""

MAX_REFLECTED_STEPS = 3000
"""The same for the saddle-to-saddle descents from index >= 2, which settle in far fewer steps
(median ~100 on a p-spin) unless their followed eigenvector keeps changing places."""

MATCH = 100.0
"""A polished end matches a known point within MATCH x the merge distance."""


@dataclass(frozen=True, eq=False)
class Paths:
    """The paths from saddles, one row per path (P paths, landscape dimension n).

    saddle (P,): the point each starts from; direction (P,): which eigenvector
    (0 = the most negative for a descent, the least positive for an ascent);
    side (P,): +1 or -1 along it; sense (P,): "descent" or "ascent"; end (P,):
    the id of the point reached, -1 when none; status (P,): "reached" or the
    flow's reason for stopping elsewhere (``flow.STATUSES``) or "no-critical-point"
    (Newton from the end found none); steps (P,): accepted integrator steps;
    x (P, n): where each path stopped; paths: the recorded points, or None.
    """

    saddle: np.ndarray
    direction: np.ndarray
    side: np.ndarray
    sense: np.ndarray
    end: np.ndarray
    status: np.ndarray
    steps: np.ndarray
    x: np.ndarray
    delta: np.ndarray
    paths: list | None = None

    def __len__(self) -> int:
        return len(self.saddle)


def tangent_eigen(landscape, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (P, m) ascending and ambient eigenvectors (P, n, m) of the Hessians at x (P, n).

    On a manifold the tangent eigenvectors are mapped to R^n by the tangent basis.
    """
    lam, V = eigh(landscape.hess(x))
    Q = landscape.tangent_basis(x)
    return lam, (V if Q is None else Q @ V)


def start_points(landscape, s: np.ndarray, v: np.ndarray, value_s: np.ndarray, delta: np.ndarray,
                 sense: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The starts retract(s, delta v) (P, n), with delta (P,) shrunk by 10 up to three times until
    the value has moved the right way (down for a descent, up for an ascent); the deltas used."""
    sign = np.where(sense == "descent", -1.0, 1.0)
    d = delta.copy()
    x = landscape.retract(s, d[:, None] * v)
    for _ in range(3):
        wrong = ~(sign * (landscape.value(x) - value_s) > 0)
        if not wrong.any():
            break
        d[wrong] *= 0.1
        x[wrong] = landscape.retract(s[wrong], d[wrong, None] * v[wrong])
    return x, d


def plan(landscape, nodes, *, scale: float, max_paths: int | None = None, only=None):
    """The paths to follow: (saddle ids, direction, side, sense, start points, deltas, directions).

    Every index-1 saddle descends both ways along its negative direction; every
    saddle of index k >= 2 along each of its k (lowest-index saddles first, until
    ``max_paths`` paths, beyond which higher saddles are skipped and counted); every
    index-(m-1) saddle ascends both ways along its positive direction. Returns the
    arrays and the number of saddles skipped. ``only``: the ids to plan for (default: every
    saddle and maximum).
    """
    wanted = None if only is None else set(only)
    ids = np.array([i for i, p in enumerate(nodes) if p.kind in ("saddle", "maximum")
                    and (wanted is None or i in wanted)], dtype=int)
    if ids.size == 0:
        empty = np.zeros(0, dtype=int)
        return (empty, empty, empty, np.zeros(0, dtype=str), np.zeros((0, landscape.dim)), np.zeros(0),
                np.zeros((0, landscape.dim)), 0)
    m = landscape.tangent_dim
    xs = np.array([nodes[i].x for i in ids])
    index = np.array([nodes[i].index for i in ids])
    _, vec = tangent_eigen(landscape, xs)
    from scipy.spatial import cKDTree

    centres = np.array([p.x for p in nodes])
    dist, _ = cKDTree(centres).query(xs, k=2)  # the saddle itself, then its nearest other point
    room = 0.1 * (dist[:, 1] if len(centres) > 1 else np.full(len(xs), np.inf))
    rows = []  # (position in ids, direction, side, sense, column of vec)
    for k in np.unique(index):  # a loop over the few distinct indices, not over points
        at = np.flatnonzero(index == k)
        for j in range(k):
            for side in (1, -1):
                rows += [(a, j, side, "descent", j) for a in at]
        if k == m - 1:
            for side in (1, -1):
                rows += [(a, 0, side, "ascent", k) for a in at]
    rows.sort(key=lambda r: (index[r[0]] > 1, index[r[0]], r[0], r[3] == "ascent", r[1], -r[2]))
    skipped = 0
    if max_paths is not None and len(rows) > max_paths:
        keep = [r for r in rows if index[r[0]] == 1 or r[3] == "ascent"]
        rest = [r for r in rows if not (index[r[0]] == 1 or r[3] == "ascent")]
        room_left = max(max_paths - len(keep), 0)
        kept_rest = rest[:room_left]
        skipped = len({r[0] for r in rest} - {r[0] for r in kept_rest})
        rows = sorted(keep + kept_rest, key=lambda r: (index[r[0]], r[0], r[3] == "ascent", r[1], -r[2]))
    a, j, side, sense, col = (np.array(c) for c in zip(*rows))
    v = vec[a, :, col] * side[:, None]
    delta = np.minimum(DELTA * scale, room[a])
    values = np.array([nodes[i].value for i in ids])[a]
    x0, delta = start_points(landscape, xs[a], v, values, delta, sense)
    return ids[a], j, side, sense.astype(str), x0, delta, v, skipped


def follow_all(landscape, index, sense, x0, v, *, scale: float, hscale: float, zero_tol: float, box,
               capture: float | None = None, record: bool = False, on_round=None) -> dict:
    """Integrate every planned path (descents and ascents in two batches): ends, statuses, steps.

    index (P,): the index of each path's saddle; v (P, n): its start direction. A descent
    from an index-k saddle ascends along the other k - 1 negative directions
    (``flow.follow``'s reflect = k - 1, tracking v), so it comes to rest on an
    index-(k-1) saddle; from an index-1 saddle it is plain steepest descent."""
    P, n = x0.shape
    x = np.zeros((P, n))
    status = np.full(P, "unfinished", dtype=object)
    steps = np.zeros(P, dtype=np.int64)
    paths = [None] * P if record else None
    for name, sign in (("descent", -1.0), ("ascent", 1.0)):
        rows = np.flatnonzero(sense == name)
        if rows.size == 0:
            continue
        reflect = np.maximum(index[rows] - 1, 0) if name == "descent" else np.zeros(rows.size, dtype=int)
        flow = follow(landscape, x0[rows], sign=sign, atol=ATOL * scale,
                      capture=CAPTURE * scale if capture is None else capture,
                      stall=STALL * scale, h0=0.1 / hscale, zero_tol=zero_tol, box=box, record=record,
                      on_round=on_round, reflect=reflect, track=v[rows],
                      max_steps=np.where(reflect > 0, MAX_REFLECTED_STEPS, MAX_STEPS))
        x[rows], status[rows], steps[rows] = flow.x, flow.status, flow.steps
        if record:
            for r, path in zip(rows, flow.paths):  # placing B arrays in a list (no numerics)
                paths[r] = path
    return {"x": x, "status": status.astype(str), "steps": steps, "paths": paths}
