"""Derivative checks against central differences, batched over points and coordinates.

The error reported is normwise and relative, |a - fd| / |fd| per point, maxed over
the points: a component near zero cannot inflate it, and 1e-6 means six digits of
the whole vector agree. Central differences with step h err by O(h^2 f''') from
truncation and O(eps |f| / h) from rounding, about 1e-10 at h = 1e-5 in float64.
"""

from __future__ import annotations

import numpy as np


def _central(f, x: np.ndarray, h: float) -> np.ndarray:
    """(f(x + h e_i) - f(x - h e_i)) / 2h for every coordinate i at once: (P, n) + f's trailing shape."""
    E = h * np.eye(x.shape[-1])
    return (f(x[:, None, :] + E) - f(x[:, None, :] - E)) / (2 * h)


def gradient_error(value, grad, x: np.ndarray, h: float = 1e-5) -> float:
    """max over the points x (P, n) of |grad - central differences of value| / |differences|."""
    fd = _central(value, x, h)
    return float(np.max(np.linalg.norm(grad(x) - fd, axis=-1) / np.linalg.norm(fd, axis=-1)))


def hessian_error(grad, hess, x: np.ndarray, h: float = 1e-5) -> float:
    """max over the points x (P, n) of |H - central differences of grad|_F / |differences|_F."""
    fd = _central(grad, x, h)  # (P, n_j, n_i): row j holds d grad / d x_j
    return float(np.max(np.linalg.norm(hess(x) - fd, axis=(-2, -1)) / np.linalg.norm(fd, axis=(-2, -1))))
