"""Running optimizers on landscapes, batched over starts, and measuring the runs.

``iterate`` is a generator over states, so a long run can be streamed, thinned
or stopped; ``run`` collects it into a Trajectory. A start diverges when its
iterate becomes non-finite or leaves the box |x|_inf <= bound: the step is
recorded, the trajectory is frozen as NaN from there on, and no warning is
raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from .errors import LandscapeError


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A batch of runs: x (K+1, B, n), value and grad_norm (K+1, B).

    diverged_step (B,) is the first step whose iterate was non-finite or out of
    bounds, -1 for runs that did not diverge. Entries from that step on are NaN.
    """

    x: np.ndarray
    value: np.ndarray
    grad_norm: np.ndarray
    diverged_step: np.ndarray

    @property
    def steps(self) -> int:
        return self.x.shape[0] - 1

    @property
    def final(self) -> np.ndarray:
        """Last finite iterate of each run, (B, n)."""
        last = np.where(self.diverged_step >= 0, np.maximum(self.diverged_step - 1, 0), self.steps)
        return self.x[last, np.arange(self.x.shape[1])]


def iterate(landscape, optimizer, x0, *, rng: np.random.Generator | None = None,
            bound: float = 1e6) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (x, value, grad_norm, diverged_step) at k = 0, 1, 2, ... for starts x0 (B, n)."""
    x = np.array(x0, dtype=float)
    diverged = np.full(x.shape[0], -1)
    state = optimizer.init(x)
    k = 0
    with np.errstate(all="ignore"):
        while True:
            g = landscape.grad(x)
            yield x.copy(), landscape.value(x), np.linalg.norm(g, axis=-1), diverged.copy()
            step, state = optimizer.update(g, state, x, landscape, rng)
            x = x + step
            k += 1
            bad = (diverged < 0) & ~(np.abs(x) <= bound).all(axis=-1)
            diverged[bad] = k
            x[diverged >= 0] = np.nan


def run(landscape, optimizer, x0, steps: int, *, rng: np.random.Generator | None = None,
        bound: float = 1e6, progress: Callable[[int], None] | None = None) -> Trajectory:
    """Run ``steps`` optimizer steps from each start in x0 (B, n) and keep every iterate."""
    if int(steps) != steps or steps < 1:
        raise LandscapeError(f"steps must be a positive integer, got {steps!r}")
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 2 or x0.shape[1] != landscape.dim:
        raise LandscapeError(f"starts must have {landscape.dim} coordinates each, got shape {x0.shape}")
    if not np.all(np.isfinite(x0)):
        raise LandscapeError("starts must be finite numbers")
    xs, vs, gs = [], [], []
    for k, (x, v, g, div) in enumerate(iterate(landscape, optimizer, x0, rng=rng, bound=bound)):
        xs.append(x)
        vs.append(v)
        gs.append(g)
        if progress is not None:
            progress(k)
        if k == steps:
            break
    return Trajectory(np.array(xs), np.array(vs), np.array(gs), div)


def escape_step(traj: Trajectory, centre, radius: float) -> np.ndarray:
    """First step at which each run is outside the ball |x - centre| <= radius after
    having been inside it; -1 if it never entered or never left. Shape (B,)."""
    d = np.linalg.norm(traj.x - np.asarray(centre), axis=-1)
    inside = d <= radius
    entered = inside.any(axis=0)
    first_in = inside.argmax(axis=0)
    k = np.arange(d.shape[0])[:, None]
    out = (k > first_in) & ~inside
    out &= ~np.isnan(d) | (k == traj.diverged_step)  # leaving by divergence counts
    left = out.any(axis=0) & entered
    return np.where(left, out.argmax(axis=0), -1)


def stall_steps(traj: Trajectory, threshold: float, minima=None, radius: float = 0.0) -> np.ndarray:
    """Number of iterates with |grad f| < threshold, per run (B,).

    Iterates within ``radius`` of any of ``minima`` (m, n) are not counted: a
    small gradient there is convergence, not a stall.
    """
    small = traj.grad_norm < threshold
    if minima is not None and len(minima):
        d = np.linalg.norm(traj.x[:, :, None, :] - np.asarray(minima), axis=-1).min(-1)
        small &= ~(d <= radius)
    return np.count_nonzero(small, axis=0)
