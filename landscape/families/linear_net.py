"""The loss of a two-layer linear network, f(W1, W2) = 1/2 |W2 W1 X - Y|_F^2.

The setting of Saxe, McClelland and Ganguli (2014), "Exact solutions to the
nonlinear dynamics of learning in deep linear neural networks": whitened
inputs (X X^T = I) and targets Y = U S V^T X, so the input-output correlation
Y X^T = U S V^T has singular values s (the mode strengths). From a small
balanced start aligned with the modes, each mode's strength u = a b evolves
on its own, du/dt = 2 u (s - u): a plateau, then a sigmoidal drop in the loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from .base import MAX_DIM, Landscape, points
from .quadratic import haar_rotation

MAX_SAMPLES = 4096
"""The most samples: whitening draws a Haar rotation of that size."""


@dataclass(frozen=True)
class LinearNet(Landscape):
    """f(theta) = 1/2 |W2 W1 X - Y|^2 with theta = (vec W1, vec W2), W1 (hidden x inputs),
    W2 (outputs x hidden), both row-major; X (inputs x samples) has orthonormal rows.

    ``strengths`` s_1 > s_2 > ... are the singular values of Y X^T (one per output
    mode; inputs = outputs = len(strengths) unless given larger), with seeded
    Haar rotations U, V. Every point with W2 W1 = sum over a subset of modes
    s_a u_a v_a^T is critical; the global minima have W2 W1 = U S V^T, f = 0.
    """

    strengths: tuple[float, ...] = (3.0, 2.0, 1.0, 0.5)
    hidden: int = 4
    inputs: int = 0
    outputs: int = 0
    samples: int = 32
    seed: int = 0
    name = "linear-net"
    summary = "1/2 |W2 W1 X - Y|^2: a two-layer linear network (Saxe et al. 2014)"

    @classmethod
    def check_size(cls, params, where):
        m = len(params.get("strengths") or ())
        sizes = {"strengths": m, "hidden": params.get("hidden", 4), "inputs": params.get("inputs", 0),
                 "outputs": params.get("outputs", 0)}
        for key, n in sizes.items():
            if n > MAX_DIM:
                raise LandscapeError(f"{where}: {key} {n} is too large (at most {MAX_DIM})")
        if params.get("samples", 32) > MAX_SAMPLES:
            raise LandscapeError(f"{where}: samples {params['samples']} is too many (at most {MAX_SAMPLES}: the "
                                 "inputs are whitened by a samples x samples rotation)")

    def evaluation_cost(self):
        grad = 4.0 * self.samples * self.dim
        return grad, 2.0 * grad * self.dim

    def __post_init__(self):
        s = np.asarray(self.strengths, dtype=float)
        if s.ndim != 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise LandscapeError("linear-net: strengths must be a non-empty list of positive numbers")
        m = s.size
        n_in, n_out = self.inputs or m, self.outputs or m
        if n_in < m or n_out < m:
            raise LandscapeError(f"linear-net: inputs and outputs must be at least {m}, one per strength")
        if self.hidden < 1:
            raise LandscapeError(f"linear-net: hidden must be a positive integer, got {self.hidden}")
        if self.samples < n_in:
            raise LandscapeError(f"linear-net: samples must be at least inputs = {n_in} to whiten them")
        rng = np.random.default_rng(self.seed)
        U, V = haar_rotation(n_out, rng)[:, :m], haar_rotation(n_in, rng)[:, :m]
        X = haar_rotation(self.samples, rng)[:n_in]  # orthonormal rows: X X^T = I
        target = (U * s) @ V.T  # Y X^T
        for key, val in (("_U", U), ("_V", V), ("_X", X), ("_Y", target @ X), ("_s", s),
                         ("_shape", (self.hidden, n_in, n_out))):
            object.__setattr__(self, key, val)

    @property
    def dim(self) -> int:
        h, n_in, n_out = self._shape
        return h * n_in + n_out * h

    @property
    def modes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(s, U, V): the strengths and their output (n_out, m) and input (n_in, m) directions."""
        return self._s.copy(), self._U.copy(), self._V.copy()

    @property
    def domain(self):
        return ((-2.0, 2.0),) * self.dim

    def weights(self, theta):
        """theta (..., dim) -> W1 (..., h, n_in), W2 (..., n_out, h)."""
        h, n_in, n_out = self._shape
        theta = points(theta, self.dim)
        lead = theta.shape[:-1]
        return (theta[..., :h * n_in].reshape(lead + (h, n_in)),
                theta[..., h * n_in:].reshape(lead + (n_out, h)))

    def pack(self, W1, W2) -> np.ndarray:
        lead = np.shape(W1)[:-2]
        return np.concatenate([np.reshape(W1, lead + (-1,)), np.reshape(W2, lead + (-1,))], -1)

    def balanced_start(self, u0) -> np.ndarray:
        """W1 = R diag(sqrt u0) V^T, W2 = U diag(sqrt u0) R^T with R = the first m hidden
        units: every mode starts at strength u0 (scalar or one per mode), balanced."""
        h, n_in, n_out = self._shape
        m = self._s.size
        if h < m:
            raise LandscapeError(f"linear-net: a balanced start needs hidden >= {m} (one unit per mode)")
        a = np.sqrt(np.broadcast_to(np.asarray(u0, dtype=float), (m,)))
        R = np.eye(h)[:, :m]
        return self.pack((R * a) @ self._V.T, (self._U * a) @ R.T)

    def mode_strengths(self, theta) -> np.ndarray:
        """u_a = U_a^T W2 W1 V_a per mode, (..., m)."""
        W1, W2 = self.weights(theta)
        return np.einsum("oa,...oh,...hi,ia->...a", self._U, W2, W1, self._V)

    def _residual(self, W1, W2):
        return W2 @ W1 @ self._X - self._Y  # (..., n_out, P)

    def value(self, theta):
        W1, W2 = self.weights(theta)
        E = self._residual(W1, W2)
        return 0.5 * np.sum(E * E, axis=(-2, -1))

    def grad(self, theta):
        W1, W2 = self.weights(theta)
        EX = self._residual(W1, W2) @ self._X.T  # (..., n_out, n_in)
        return self.pack(np.swapaxes(W2, -1, -2) @ EX, EX @ np.swapaxes(W1, -1, -2))

    def hess(self, theta):
        """Blocks of the second-order term 1/2 |dA|^2 + <E, dW2 dW1 X>, A = W2 W1 X:
        W1W1: (W2^T W2) (x) (X X^T); W2W2: I (x) W1 X X^T W1^T;
        W2W1 at ((i,a), (c,d)): W2_ic (W1 X X^T)_ad + delta_ac (E X^T)_id."""
        W1, W2 = self.weights(theta)
        h, n_in, n_out = self._shape
        lead = W1.shape[:-2]
        C = self._X @ self._X.T
        EX = self._residual(W1, W2) @ self._X.T
        G = np.swapaxes(W2, -1, -2) @ W2  # (h, h)
        H11 = np.einsum("...ac,bd->...abcd", G, C).reshape(lead + (h * n_in, h * n_in))
        M = W1 @ C @ np.swapaxes(W1, -1, -2)  # (h, h)
        H22 = np.einsum("ij,...ac->...iajc", np.eye(n_out), M).reshape(lead + (n_out * h, n_out * h))
        W1C = W1 @ C  # (h, n_in)
        H21 = (np.einsum("...ic,...ad->...iacd", W2, W1C)
               + np.einsum("ac,...id->...iacd", np.eye(h), EX)).reshape(lead + (n_out * h, h * n_in))
        top = np.concatenate([H11, np.swapaxes(H21, -1, -2)], -1)
        H = np.concatenate([top, np.concatenate([H21, H22], -1)], -2)
        return 0.5 * (H + np.swapaxes(H, -1, -2))  # W2^T W2 and W1 C W1^T are symmetric only to rounding
