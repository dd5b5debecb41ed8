"""A landscape from a user's own batched numpy functions: ``landscape.from_functions``.

``from_functions(value, grad=None, hess=None, dim=N)`` wraps functions of ``(..., N)``
arrays (``value`` -> ``(...)``, ``grad`` -> ``(..., N)``, ``hess`` -> ``(..., N, N)``).
A missing derivative is computed by central differences only when asked for
(``derivatives="finite-difference"``), and then its estimated error is part of the
landscape's description, so every result that records the landscape reports it:

- gradient from values: g_i = (f(x + h e_i) - f(x - h e_i)) / 2h, h = eps^(1/3) max(1, |x_i|);
- Hessian from gradients: H_ij = (g_i(x + h e_j) - g_i(x - h e_j)) / 2h, symmetrised,
  h = eps^(1/3) max(1, |x_j|), or from values when the gradient is itself estimated
  (the four-point formula, h = eps^(1/4) max(1, |x_j|));
- error: the difference between the step h and the step 2h estimates divided by 3
  (the Richardson estimate of the O(h^2) truncation error) plus the rounding error
  eps |f| / h, reported as its largest value over 64 quasi-random points of the domain.

Every evaluation is one batched call: the 2N (or 4N^2) shifted copies of the points
stack along a new axis, so a user's vectorised function is called once per batch.
"""

from __future__ import annotations

import numpy as np

from ..errors import LandscapeError
from .base import Landscape, points

EPS = float(np.finfo(float).eps)
METHODS = ("exact", "finite-difference")


class FromFunctions(Landscape):
    """A landscape given by Python callables; see the module docstring."""

    name = "functions"
    summary = "your own batched numpy functions (landscape.from_functions)"

    def __init__(self, value, grad=None, hess=None, *, dim: int, derivatives: str = "exact",
                 domain=None, label: str = "functions"):
        if not callable(value):
            raise LandscapeError("from_functions: value must be a function of (..., dim) arrays")
        for what, fn in (("grad", grad), ("hess", hess)):
            if fn is not None and not callable(fn):
                raise LandscapeError(f"from_functions: {what} must be a function or None")
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise LandscapeError(f"from_functions: dim must be a positive integer, got {dim!r}")
        if derivatives not in METHODS:
            raise LandscapeError(f"from_functions: derivatives must be one of {', '.join(METHODS)}, got {derivatives!r}")
        missing = [w for w, fn in (("grad", grad), ("hess", hess)) if fn is None]
        if missing and derivatives != "finite-difference":
            raise LandscapeError(f"from_functions: no {' or '.join(missing)} given; pass it, or ask for "
                                 "derivatives=\"finite-difference\" (central differences, error reported)")
        if not missing and derivatives == "finite-difference":
            derivatives = "exact"  # nothing to estimate
        self._value, self._grad, self._hess = value, grad, hess
        self._dim, self.method, self.label = dim, derivatives, label
        self._box = None
        if domain is not None:
            from ..critical import check_domain

            self._box = tuple(tuple(float(v) for v in iv) for iv in domain)
            check_domain(self._box, dim)
        centre = np.mean(np.asarray(self.domain), axis=1)
        v = np.asarray(self.value(centre))
        if v.shape != () or not np.isfinite(v):
            raise LandscapeError(f"from_functions: value at the domain's centre must be one finite number, got {v!r}")
        g = self.grad(centre[None])
        if g.shape != (1, dim):
            raise LandscapeError(f"from_functions: grad must return shape (..., {dim}), got {g.shape} for a batch of 1")
        H = self.hess(centre[None])
        if H.shape != (1, dim, dim):
            raise LandscapeError(f"from_functions: hess must return shape (..., {dim}, {dim}), got {H.shape}")
        self._errors = self._estimate_errors() if self.method == "finite-difference" else None

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def domain(self):
        return self._box if self._box is not None else ((-2.0, 2.0),) * self._dim

    def value(self, x):
        x = points(x, self._dim)
        return np.asarray(self._value(x), dtype=float)

    def grad(self, x):
        x = points(x, self._dim)
        if self._grad is not None:
            return np.asarray(self._grad(x), dtype=float)
        return self._fd_grad(x, 1.0)

    def hess(self, x):
        x = points(x, self._dim)
        if self._hess is not None:
            return np.asarray(self._hess(x), dtype=float)
        return self._fd_hess(x, 1.0)

    # --- central differences, batched ---------------------------------------------------------

    def _steps(self, x, power: float, factor: float) -> np.ndarray:
        return factor * EPS ** power * np.maximum(1.0, np.abs(x))  # (..., n)

    def _fd_grad(self, x, factor: float) -> np.ndarray:
        n = self._dim
        h = self._steps(x, 1 / 3, factor)
        shift = np.eye(n) * h[..., None, :]  # (..., n, n): row i is h_i e_i
        both = np.stack([x[..., None, :] + shift, x[..., None, :] - shift])  # (2, ..., n, n)
        f = self.value(both)
        return (f[0] - f[1]) / (2 * h)

    def _fd_hess(self, x, factor: float) -> np.ndarray:
        n = self._dim
        if self._grad is not None:
            h = self._steps(x, 1 / 3, factor)
            shift = np.eye(n) * h[..., None, :]
            g = self.grad(np.stack([x[..., None, :] + shift, x[..., None, :] - shift]))  # (2, ..., n, n)
            H = np.swapaxes((g[0] - g[1]) / (2 * h[..., :, None]), -1, -2)
        else:
            h = self._steps(x, 1 / 4, factor)
            E = np.eye(n) * h[..., None, :]  # (..., n, n)
            ei, ej = E[..., :, None, :], E[..., None, :, :]  # (..., n, 1, n), (..., 1, n, n)
            base = x[..., None, None, :]
            corners = np.stack([base + ei + ej, base + ei - ej, base - ei + ej, base - ei - ej])  # (4, ..., n, n, n)
            f = self.value(corners)
            H = (f[0] - f[1] - f[2] + f[3]) / (4 * h[..., :, None] * h[..., None, :])
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    def error_estimate(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Estimated absolute errors (...,) of the estimated gradient and Hessian at x (zeros for
        the ones given exactly): max over entries of |D_h - D_2h| / 3 + eps |f| / h."""
        x = points(x, self._dim)
        f = np.abs(self.value(x))
        g_err = np.zeros(x.shape[:-1])
        h_err = np.zeros(x.shape[:-1])
        if self._grad is None:
            diff = np.abs(self._fd_grad(x, 1.0) - self._fd_grad(x, 2.0)).max(axis=-1) / 3
            g_err = diff + EPS * f / self._steps(x, 1 / 3, 1.0).min(axis=-1)
        if self._hess is None:
            diff = np.abs(self._fd_hess(x, 1.0) - self._fd_hess(x, 2.0)).max(axis=(-1, -2)) / 3
            power = 1 / 3 if self._grad is not None else 1 / 4
            scale = np.abs(self.grad(x)).max(axis=-1) if self._grad is not None else f
            h_err = diff + EPS * scale / self._steps(x, power, 1.0).min(axis=-1) ** (1 if self._grad else 2)
        return g_err, h_err

    def _estimate_errors(self) -> dict:
        """The largest estimated errors over 64 quasi-random points of the domain."""
        xs = self.sample_starts(self.domain, 64, np.random.SeedSequence(0))
        with np.errstate(all="ignore"):
            g, h = self.error_estimate(xs)
        return {"gradient": float(np.nanmax(g)), "hessian": float(np.nanmax(h))}

    def params(self) -> dict:
        return {"dim": self._dim, "derivatives": self.method}

    def describe(self) -> dict:
        out = {"name": self.name, "label": self.label, "dim": self._dim, "params": self.params()}
        if self._errors is not None:
            out["finite_difference"] = {
                "gradient": "central differences" if self._grad is None else "exact",
                "hessian": "central differences" if self._hess is None else "exact",
                "estimated_gradient_error": self._errors["gradient"],
                "estimated_hessian_error": self._errors["hessian"],
                "where": "largest over 64 quasi-random points of the domain"}
        return out


def from_functions(value, grad=None, hess=None, *, dim: int, derivatives: str = "exact", domain=None,
                   label: str = "functions") -> FromFunctions:
    """A landscape from batched numpy functions; missing derivatives by central differences when
    ``derivatives="finite-difference"`` (the estimated error is in ``describe()``)."""
    return FromFunctions(value, grad, hess, dim=dim, derivatives=derivatives, domain=domain, label=label)
