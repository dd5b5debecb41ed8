"""Confidence intervals for the counts: binomial proportions and the number of unseen points."""

from __future__ import annotations

import numpy as np

Z95 = 1.959963984540054
"""The standard normal quantile of a two-sided 95% interval."""


def wilson_interval(hits, trials, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (exact at 0 and trials hits)."""
    hits, trials = np.asarray(hits, dtype=float), float(trials)
    p = hits / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials**2))
    low = np.where(hits == 0, 0.0, np.maximum(centre - half, 0.0))
    high = np.where(hits == trials, 1.0, np.minimum(centre + half, 1.0))
    return low, high


def chao1(hits) -> tuple[float, tuple[float, float]]:
    """Estimated number of distinct points, from how often each found one was re-found.

    hits: the number of starts that reached each distinct point found. With f1
    points found once and f2 found twice among S points from n starts, the
    bias-corrected Chao1 estimate is S + (n-1)/n f1(f1-1) / (2(f2+1)), a lower
    bound on the total when basins differ in size (Chao 1984, 1987). The 95%
    interval is Chao's log-normal one, from the variance
    f1(f1-1)/(2(f2+1)) + f1(2f1-1)^2/(4(f2+1)^2) + f1^2 f2 (f1-1)^2/(4(f2+1)^4).
    Returns (estimate, (low, high)).
    """
    hits = np.asarray(hits, dtype=int)
    found, n = int(hits.size), int(hits.sum())
    f1, f2 = int(np.sum(hits == 1)), int(np.sum(hits == 2))
    if found == 0 or f1 == 0:
        return float(found), (float(found), float(found))
    unseen = (n - 1) / n * f1 * (f1 - 1) / (2 * (f2 + 1))
    var = (f1 * (f1 - 1) / (2 * (f2 + 1)) + f1 * (2 * f1 - 1) ** 2 / (4 * (f2 + 1) ** 2)
           + f1**2 * f2 * (f1 - 1) ** 2 / (4 * (f2 + 1) ** 4))
    if unseen <= 0:
        return float(found), (float(found), float(found + Z95 * np.sqrt(var)))
    k = np.exp(Z95 * np.sqrt(np.log(1 + var / unseen**2)))
    return float(found + unseen), (float(found + unseen / k), float(found + unseen * k))

