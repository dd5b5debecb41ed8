"""Points within a distance of each other, in numpy alone (no scipy import on a search's path).

The critical-point search joins converged starts that lie within ``tol`` of
each other and matches new points to known ones. Importing ``scipy.spatial``
for a KD-tree costs a third of a second, more than a small search takes; the
distances involved are tiny against the spacing of distinct points, so a
sort along one direction finds every candidate pair cheaply:

- project the points on a fixed generic unit direction w (w_j from the
  golden-ratio sequence; no coordinate axis or symmetry plane);
- two points within tol have projections within tol, so after sorting the
  projections each point's candidates are a window found by ``searchsorted``;
- the candidates' true distances decide, so the answer does not depend on w,
  only the work does.

Every function is exact: the same pairs and nearest points a KD-tree returns.
"""

from __future__ import annotations

import numpy as np

MAX_CANDIDATES = 20_000_000
"""Candidate pairs beyond which the KD-tree (scipy) takes over: a degenerate cloud."""


def _direction(n: int) -> np.ndarray:
    """A fixed generic unit vector (n,): fractional parts of j * golden ratio, centred."""
    w = np.modf(np.arange(1, n + 1) * 0.6180339887498949)[0] - 0.5
    return w / np.linalg.norm(w)


def _windows(a: np.ndarray, b: np.ndarray, tol: float):
    """Candidate pairs (i into a, j into b) whose projections differ by at most tol, or None if too many."""
    w = _direction(a.shape[1])
    pa, pb = a @ w, b @ w
    order = np.argsort(pb, kind="stable")
    sb = pb[order]
    lo = np.searchsorted(sb, pa - tol, side="left")
    hi = np.searchsorted(sb, pa + tol, side="right")
    counts = hi - lo
    total = int(counts.sum())
    if total > MAX_CANDIDATES:
        return None
    i = np.repeat(np.arange(len(a)), counts)
    start = np.repeat(lo - np.cumsum(counts) + counts, counts)
    j = order[start + np.arange(total)]
    return i, j


def pairs_within(x: np.ndarray, tol: float) -> np.ndarray:
    """Pairs (P, 2) of row indices i < j of x (m, n) with |x_i - x_j| <= tol (as cKDTree.query_pairs)."""
    if len(x) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    cand = _windows(x, x, tol)
    if cand is None:
        from scipy.spatial import cKDTree

        return cKDTree(x).query_pairs(tol, output_type="ndarray").astype(np.int64)
    i, j = cand
    keep = i < j
    i, j = i[keep], j[keep]
    close = np.linalg.norm(x[i] - x[j], axis=1) <= tol
    return np.stack([i[close], j[close]], axis=1).astype(np.int64)


def nearest_within(x: np.ndarray, y: np.ndarray, tol: float) -> np.ndarray:
    """For each row of y (q, n): the index of the nearest row of x (m, n) within tol, or -1."""
    out = np.full(len(y), -1, dtype=np.int64)
    if len(x) == 0 or len(y) == 0:
        return out
    cand = _windows(y, x, tol)
    if cand is None:
        from scipy.spatial import cKDTree

        d, j = cKDTree(x).query(y, distance_upper_bound=tol)
        return np.where(d <= tol, j, -1).astype(np.int64)
    i, j = cand
    d = np.linalg.norm(y[i] - x[j], axis=1)
    close = d <= tol
    i, j, d = i[close], j[close], d[close]
    order = np.lexsort((j, d, i))  # per query: nearest first, then the lowest index
    first = order[np.r_[True, i[order][1:] != i[order][:-1]]] if len(order) else order
    out[i[first]] = j[first]
    return out


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Connected-component labels (n,) of the graph on n nodes with edges ``pairs`` (P, 2).

    Labels number the components by their lowest node, in increasing order
    (as scipy.sparse.csgraph.connected_components does): min-label propagation
    along the edges with pointer jumping until nothing changes.
    """
    label = np.arange(n)
    if len(pairs):
        a, b = pairs[:, 0], pairs[:, 1]
        while True:
            low = np.minimum(label[a], label[b])
            new = label.copy()
            np.minimum.at(new, a, low)
            np.minimum.at(new, b, low)
            new = new[new]
            while not np.array_equal(new, new[new]):
                new = new[new]
            if np.array_equal(new, label):
                break
            label = new
    _, compact = np.unique(label, return_inverse=True)
    return compact.ravel()
