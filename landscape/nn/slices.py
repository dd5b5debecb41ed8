"""Loss slices through a network's parameter space, every point of a slice in one batch.

- ``interpolation``: f((1 - a) theta_0 + a theta_1) along the line from the initialisation to the
  trained parameters (Goodfellow, Vinyals and Saxe 2015), a = 0 and 1 the two ends.
- ``filter_normalised``: a random direction d ~ N(0, I) rescaled filter by filter (each unit's
  incoming weights) to the norm of the same filter of theta, biases and batch norm's parameters
  zeroed (Li, Xu, Taylor, Studer and Goldstein 2018): a slice along it shows the same relative
  change for every unit, whatever the scale invariances of the network.
- ``plane``: f(theta + x d_1 + y d_2) on an (G, G) grid, chunked so that at most ``budget``
  floats of activations live at once.
- ``project``: a path theta_t (P, n) in the plane's coordinates, by least squares on (d_1, d_2)
  (the directions need not be orthogonal), and the share of each displacement the plane holds.
"""

from __future__ import annotations

import numpy as np

from .modules import Linear


def batched_loss(net, thetas: np.ndarray, X: np.ndarray, T: np.ndarray, budget: float = 4e6) -> np.ndarray:
    """f at every row of ``thetas`` (P, n) on (X, T), train mode: (P,), in chunks of
    budget / (samples x widest layer) parameter vectors."""
    chunk = max(1, int(budget // (len(X) * max(net.layers))))
    return np.concatenate([np.atleast_1d(net.loss(thetas[i:i + chunk], X, T)) for i in range(0, len(thetas), chunk)])


def interpolation(net, theta0, theta1, X, T, alphas) -> np.ndarray:
    """f((1 - a) theta0 + a theta1) for each a of ``alphas`` (A,): (A,)."""
    a = np.asarray(alphas, dtype=float)[:, None]
    return batched_loss(net, (1 - a) * theta0 + a * theta1, X, T)


def filter_normalised(net, theta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A direction (n,) drawn from ``rng``: each row of each Linear's W scaled to the norm of the
    same row of theta's; everything else (biases, batch norm's gamma and beta) zero."""
    d = np.zeros(net.size)
    g = rng.standard_normal(net.size)
    for i, m in enumerate(net.modules):
        if isinstance(m, Linear):
            a = int(net.offsets[i])
            k = m.n_out * m.n_in
            rows = g[a:a + k].reshape(m.n_out, m.n_in)
            ref = theta[a:a + k].reshape(m.n_out, m.n_in)
            norm = np.linalg.norm(rows, axis=1, keepdims=True)
            d[a:a + k] = (rows * np.linalg.norm(ref, axis=1, keepdims=True) / np.where(norm > 0, norm, 1.0)).ravel()
    return d


def plane(net, theta, d1, d2, X, T, xs, ys) -> np.ndarray:
    """f(theta + x d1 + y d2) on the grid: (len(ys), len(xs)), rows along y (contour's layout)."""
    gx, gy = np.meshgrid(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
    points = theta + gx.reshape(-1, 1) * d1 + gy.reshape(-1, 1) * d2
    return batched_loss(net, points, X, T).reshape(gx.shape)


def project(path: np.ndarray, theta: np.ndarray, d1: np.ndarray, d2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(coordinates (P, 2) of path - theta in the basis (d1, d2) by least squares, captured (P,):
    |projection| / |displacement| per point, 1 where the displacement is zero)."""
    D = np.stack([d1, d2], axis=1)  # (n, 2)
    delta = np.asarray(path, dtype=float) - theta
    coords = np.linalg.lstsq(D, delta.T, rcond=None)[0].T
    norm = np.linalg.norm(delta, axis=1)
    fit = np.linalg.norm(coords @ D.T, axis=1)
    return coords, np.where(norm > 0, fit / np.where(norm > 0, norm, 1.0), 1.0)
