"""Closed forms for gradient descent near a critical point p.

With H(p) = V diag(lambda) V^T and y = V^T (x - p), GD on the quadratic model is

    y_i(k) = (1 - eta lambda_i)^k y_i(0),

so a direction with lambda_i < 0 grows by |1 - eta lambda_i| = 1 + eta |lambda_i|
per step, and a start at distance |y_u(0)| from the stable manifold leaves a
ball of radius r after about

    k* = ln(r / |y_u(0)|) / ln|1 - eta lambda_min|

steps. Every direction contracts only when |1 - eta lambda_i| < 1 for all
lambda_i > 0, i.e. eta < 2 / lambda_max.
"""

from __future__ import annotations

import numpy as np


def linearised_iterate(eigenvalues, y0, eta: float, steps) -> np.ndarray:
    """y_i(k) = (1 - eta lambda_i)^k y_i(0) for every k in ``steps``.

    eigenvalues (n,), y0 (..., n), steps (K,) -> (K, ..., n).
    """
    k = np.asarray(steps, dtype=float).reshape((-1,) + (1,) * np.ndim(y0))
    return (1.0 - eta * np.asarray(eigenvalues)) ** k * np.asarray(y0)


def predicted_escape_step(eigenvalues, y0, eta: float, radius: float) -> np.ndarray:
    """k* = ln(radius / |y_u(0)|) / ln|1 - eta lambda_min|, per start.

    eigenvalues (n,) ascending, y0 (..., n) in the eigenbasis. The unstable
    component y_u is the one along the most negative eigenvalue. NaN where
    there is no growing direction (lambda_min >= 0) and +inf where y_u(0) = 0
    (a start on the stable manifold never leaves).
    """
    lam = np.asarray(eigenvalues, dtype=float)
    yu = np.abs(np.asarray(y0, dtype=float)[..., int(np.argmin(lam))])
    if lam.min() >= 0:
        return np.full(yu.shape, np.nan)
    rate = np.log(abs(1.0 - eta * lam.min()))
    with np.errstate(divide="ignore"):
        return np.log(radius / yu) / rate


def stability_bound(eigenvalues) -> float:
    """2 / lambda_max: GD converges to a minimum only for eta below it (inf if lambda_max <= 0)."""
    top = float(np.max(eigenvalues))
    return 2.0 / top if top > 0 else float("inf")


def escape_slope(eigenvalues, eta: float) -> float:
    """d k* / d ln(1/eps) = 1 / ln|1 - eta lambda_min|."""
    return 1.0 / float(np.log(abs(1.0 - eta * np.min(eigenvalues))))
