"""Optimizers as (init, update) pairs built by chaining small transforms.

An Optimizer maps the gradient to a step: ``init(x) -> state`` and
``update(grad, state, x, landscape, rng) -> (step, state)``, batched over the
leading axes of ``x``; the caller applies x <- x + step. A transform has the
same shape, so ``chain(t1, t2, ...)`` feeds each one's output to the next.
State is a tuple of per-transform NamedTuples of arrays; randomness enters
only through the explicit ``numpy.random.Generator`` ``rng``.
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

from .errors import LandscapeError


class Optimizer(NamedTuple):
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]


class EmptyState(NamedTuple):
    pass


def chain(*transforms: Optimizer) -> Optimizer:
    """Compose transforms: the step of one is the input of the next."""

    def init(x):
        return tuple(t.init(x) for t in transforms)

    def update(grad, state, x, landscape=None, rng=None):
        out, new_state = grad, []
        for t, s in zip(transforms, state):
            out, s = t.update(out, s, x, landscape, rng)
            new_state.append(s)
        return out, tuple(new_state)

    return Optimizer(init, update)


def scale(factor: float) -> Optimizer:
    """step = factor * input."""

    def update(grad, state, x, landscape=None, rng=None):
        return factor * grad, state

    return Optimizer(lambda x: EmptyState(), update)


def positive(name: str, value) -> float:
    """``value`` as a finite float > 0, or a LandscapeError naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise LandscapeError(f"{name} must be a positive number, got {value!r}") from None
    if not np.isfinite(v) or v <= 0:
        raise LandscapeError(f"{name} must be a positive number, got {value!r}")
    return v


def gd(eta: float = 0.1) -> Optimizer:
    """Gradient descent, x_{k+1} = x_k - eta grad f(x_k).

    Near a critical point with Hessian eigenpairs (lambda_i, v_i), the
    coordinates y_i = v_i . (x - p) follow y_i(k) = (1 - eta lambda_i)^k y_i(0)
    to first order; the iteration is stable only for eta < 2 / lambda_max.
    """
    return chain(scale(-positive("eta", eta)))


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {"gd": gd}
