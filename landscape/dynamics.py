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

STORE_VALUES = 2**22
"""The most numbers a thinned run keeps (32 MB): rows x starts x (dim + 2)."""


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A batch of runs: x (K+1, B, n), value and grad_norm (K+1, B).

    diverged_step (B,) is the first step whose iterate was non-finite or out of
    bounds, -1 for runs that did not diverge. Entries from that step on are NaN.

    A thinned run (``run(..., every=s)``) keeps only the rows of the steps in
    ``step`` (0, s, 2s, ..., and the last step) and the last finite iterate of
    each run in ``last``; without thinning both are None and row k is step k.
    """

    x: np.ndarray
    value: np.ndarray
    grad_norm: np.ndarray
    diverged_step: np.ndarray
    step: np.ndarray | None = None
    last: np.ndarray | None = None

    @property
    def steps(self) -> int:
        """The number of optimizer steps run."""
        return self.x.shape[0] - 1 if self.step is None else int(self.step[-1])

    @property
    def at(self) -> np.ndarray:
        """The step number of each stored row, (K',)."""
        return np.arange(self.x.shape[0]) if self.step is None else self.step

    def row(self, k: int) -> int:
        """The stored row of step k, or of the last stored step before it."""
        return int(k) if self.step is None else int(np.searchsorted(self.step, k, side="right") - 1)

    @property
    def final(self) -> np.ndarray:
        """Last finite iterate of each run, (B, n)."""
        if self.last is not None:
            return self.last
        last = np.where(self.diverged_step >= 0, np.maximum(self.diverged_step - 1, 0), self.steps)
        return self.x[last, np.arange(self.x.shape[1])]


def thinning(steps: int, batch: int, dim: int, budget: int | None = None) -> int:
    """The stride ``every`` that keeps a run of ``steps`` steps from ``batch`` starts within
    ``budget`` stored numbers (STORE_VALUES by default; 1: keep every iterate)."""
    budget = STORE_VALUES if budget is None else budget
    rows = max(2, budget // max(1, batch * (dim + 2)))
    return max(1, -(-steps // (rows - 1)))


class EscapeWatch:
    """Streams ``escape_step``: per run the first step outside |x - centre| <= radius after
    having been inside, -1 if it never entered or never left (leaving by divergence counts)."""

    def __init__(self, batch: int, centre, radius: float):
        self.centre, self.radius = np.asarray(centre, dtype=float), radius
        self.result = np.full(batch, -1)
        self.entered = np.zeros(batch, dtype=bool)

    def update(self, k, x, g, div):
        d = np.linalg.norm(x - self.centre, axis=-1)
        inside = d <= self.radius
        left = (self.result < 0) & self.entered & ~inside & (~np.isnan(d) | (div == k))
        self.result[left] = k
        self.entered |= inside


class StallWatch:
    """Streams ``stall_steps``: per run the iterates with |grad f| < threshold, not counting
    those within ``radius`` of any of ``minima`` (m, n)."""

    def __init__(self, batch: int, threshold: float, minima=None, radius: float = 0.0):
        self.threshold, self.radius = threshold, radius
        self.minima = None if minima is None or not len(minima) else np.asarray(minima, dtype=float)
        self.result = np.zeros(batch, dtype=int)

    def update(self, k, x, g, div):
        small = g < self.threshold
        if self.minima is not None:
            d = np.linalg.norm(x[:, None, :] - self.minima, axis=-1).min(-1)
            small &= ~(d <= self.radius)
        self.result += small


def iterate(landscape, optimizer, x0, *, rng: np.random.Generator | None = None, bound: float = 1e6,
            values: bool = True, grad_norms: bool = True
            ) -> Iterator[tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray]]:
    """Yield (x, value, grad_norm, diverged_step) at k = 0, 1, 2, ... for starts x0 (B, n).

    value and grad_norm are None when not asked for (a caller that needs neither pays
    only for the gradient). The yielded arrays are never modified afterwards.
    """
    x = np.array(x0, dtype=float)
    diverged = np.full(x.shape[0], -1)
    state = optimizer.init(x)
    k = 0
    with np.errstate(all="ignore"):
        while True:
            g = landscape.grad(x)
            yield (x, landscape.value(x) if values else None,
                   np.sqrt(np.einsum("...i,...i->...", g, g)) if grad_norms else None, diverged)
            step, state = optimizer.update(g, state, x, landscape, rng)
            x = x + step
            k += 1
            # one reduction over everything decides whether any run needs a closer look
            if not np.max(np.abs(x), initial=0.0) <= bound:
                bad = (diverged < 0) & ~(np.abs(x) <= bound).all(axis=-1)
                if bad.any():
                    diverged = np.where(bad, k, diverged)
                x[diverged >= 0] = np.nan


def run(landscape, optimizer, x0, steps: int, *, rng: np.random.Generator | None = None,
        bound: float = 1e6, progress: Callable[[int], None] | None = None, every: int = 1,
        watch=()) -> Trajectory:
    """Run ``steps`` optimizer steps from each start in x0 (B, n) and keep every iterate,
    or with ``every`` = s > 1 every s-th one and the last (memory O(steps / s)).

    Each of ``watch`` (an EscapeWatch, a StallWatch, ...) sees every step,
    ``update(k, x, grad_norm, diverged_step)``, so its measurement is exact
    however much the stored trajectory is thinned.
    """
    if int(steps) != steps or steps < 1:
        raise LandscapeError(f"steps must be a positive integer, got {steps!r}")
    x0 = np.asarray(x0, dtype=float)
    if x0.ndim != 2 or x0.shape[1] != landscape.dim:
        raise LandscapeError(f"starts must have {landscape.dim} coordinates each, got shape {x0.shape}")
    if not np.all(np.isfinite(x0)):
        raise LandscapeError("starts must be finite numbers")
    xs, vs, gs, ks = [], [], [], []
    last = np.array(x0) if every > 1 else None
    for k, (x, v, g, div) in enumerate(iterate(landscape, optimizer, x0, rng=rng, bound=bound)):
        if k % every == 0 or k == steps:
            xs.append(x)
            vs.append(v)
            gs.append(g)
            ks.append(k)
        for w in watch:
            w.update(k, x, g, div)
        if last is not None:
            ok = div < 0
            last[ok] = x[ok]
        if progress is not None:
            progress(k)
        if k == steps:
            break
    step = np.array(ks) if every > 1 else None
    return Trajectory(np.array(xs), np.array(vs), np.array(gs), div, step, last)


def _replay(traj: Trajectory, watch):
    """Feed every stored step of an unthinned trajectory to a watch; its result."""
    if traj.step is not None:
        raise LandscapeError("a thinned trajectory lacks steps: measure it with a watch during run()")
    for k in range(traj.x.shape[0]):
        watch.update(k, traj.x[k], traj.grad_norm[k], traj.diverged_step)
    return watch.result


def escape_step(traj: Trajectory, centre, radius: float) -> np.ndarray:
    """First step at which each run is outside the ball |x - centre| <= radius after
    having been inside it; -1 if it never entered or never left. Shape (B,).
    (EscapeWatch replayed over the stored steps.)"""
    return _replay(traj, EscapeWatch(traj.x.shape[1], centre, radius))


def stall_steps(traj: Trajectory, threshold: float, minima=None, radius: float = 0.0) -> np.ndarray:
    """Number of iterates with |grad f| < threshold, per run (B,).

    Iterates within ``radius`` of any of ``minima`` (m, n) are not counted: a
    small gradient there is convergence, not a stall. (StallWatch replayed.)
    """
    return _replay(traj, StallWatch(traj.x.shape[1], threshold, minima, radius))


@dataclass(frozen=True, eq=False)
class Escape:
    """Per run (B,): the first step outside the ball |x - centre| <= radius after being
    inside it (-1: never left), the iterates with |grad f| < threshold before that step
    (the stall), the step of divergence (-1: none), and the last iterate and |grad f|."""

    escape_step: np.ndarray
    stall_steps: np.ndarray
    diverged_step: np.ndarray
    final: np.ndarray
    final_grad_norm: np.ndarray
    steps: int


def measure_escape(landscape, optimizer, x0, steps: int, centre, radius: float,
                   stall_threshold: float, *, rng: np.random.Generator | None = None,
                   bound: float = 1e6, until_escaped: bool = False,
                   progress: Callable[[int], None] | None = None) -> Escape:
    """Run the optimizer from x0 (B, n) and measure escape and stall without keeping
    the trajectory (memory O(B n) however long the run). With ``until_escaped`` the
    run stops as soon as every start has left the ball (or diverged)."""
    x0 = np.asarray(x0, dtype=float)
    B = x0.shape[0]
    centre = np.asarray(centre, dtype=float)
    escape = np.full(B, -1)
    stall = np.zeros(B, dtype=int)
    entered = np.zeros(B, dtype=bool)
    x = g = div = None
    k = 0
    for k, (x, _, g, div) in enumerate(iterate(landscape, optimizer, x0, rng=rng, bound=bound, values=False)):
        d = np.linalg.norm(x - centre, axis=-1)
        inside = d <= radius
        pending = escape < 0
        left = pending & entered & (~inside | (div == k))
        escape[left] = k
        entered |= inside
        stall += pending & ~left & (g < stall_threshold)
        if progress is not None:
            progress(k)
        if k == steps or (until_escaped and np.all((escape >= 0) | (div >= 0))):
            break
    finite = np.isfinite(x).all(-1)
    return Escape(escape, stall, div, x, np.where(finite, g, np.nan), k)


# --- the closed form: no iteration on an exactly quadratic landscape -----------------

def _first_above(F, level, hi, iters: int = 80):
    """sup{k in [0, hi]: F(k) <= level} for F convex with F(0) <= level <= F(hi), by bisection."""
    lo = np.zeros_like(hi)
    for _ in range(iters):  # bisection steps, each over the whole batch
        mid = 0.5 * (lo + hi)
        below = F(mid) <= level
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return lo


def quadratic_escape(factors, y0, radius: float, curvature=None, stall_threshold: float | None = None):
    """Exact escape step (and stall) of y_i(k) = q_i^k y_i(0) from the ball |y| <= radius.

    factors q (n,), y0 (B, n) in the eigenbasis. |y(k)|^2 = sum_i y_i^2 |q_i|^{2k} is
    convex in k, so the set where it is <= radius^2 is an interval [0, k_b] and the
    escape step is the first integer past k_b: found by bisection over the batch,
    with no iteration over time. -1 where no direction grows. With ``curvature``
    lambda (n,) and ``stall_threshold``, also the number of k before the escape with
    |grad f| = |Lambda y(k)| below the threshold (convex as well: an interval).
    Returns (escape (B,), stall (B,) or None).
    """
    q2 = np.asarray(factors, dtype=float) ** 2
    w = np.asarray(y0, dtype=float) ** 2

    def norm2(k, weights=w):
        return np.sum(weights * q2 ** np.asarray(k)[..., None], axis=-1)

    inside = norm2(np.zeros(w.shape[0])) <= radius**2
    grow = (q2 > 1) & (w > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # the fastest growing term alone passes radius^2 here, so the sum does too
        alone = np.log(radius**2 / np.where(grow, w, 1.0)) / np.log(np.where(grow, q2, 2.0))
        hi = np.min(np.where(grow, alone, np.inf), axis=-1)
    ok = inside & grow.any(-1)
    hi = np.where(ok, np.maximum(hi, 0.0) + 1.0, 1.0)
    kb = _first_above(norm2, radius**2, hi)
    k = np.floor(kb)
    esc = np.where(norm2(k) > radius**2, k, k + 1)  # guard the bisection's last bit
    esc = np.where(norm2(np.maximum(esc - 1, 0)) > radius**2, esc - 1, esc)
    escape = np.where(ok, np.maximum(esc, 1), -1).astype(int)
    if curvature is None or stall_threshold is None:
        return escape, None
    return escape, _quadratic_stall(q2, w * np.asarray(curvature, dtype=float) ** 2, stall_threshold, escape)


def _quadratic_stall(q2, wg, threshold, escape):
    """#{0 <= k < escape : sum_i wg_i q2_i^k < threshold^2}: G is convex in k, so its
    sublevel set is an interval around its minimiser; found by three bisections."""
    def G(k):
        return np.sum(wg * q2 ** np.asarray(k)[..., None], axis=-1)

    def dG(k):
        return np.sum(wg * np.log(q2) * q2 ** np.asarray(k)[..., None], axis=-1)

    end = np.where(escape >= 0, escape, 0).astype(float)
    lo, hi = np.zeros_like(end), end.copy()
    for _ in range(80):  # argmin of G on [0, end]
        mid = 0.5 * (lo + hi)
        up = dG(mid) > 0
        lo, hi = np.where(up, lo, mid), np.where(up, mid, hi)
    kmin = lo
    level = threshold**2
    has = (G(kmin) < level) & (end > 0)
    # the interval (ka, kb) where G < level, clipped to [0, end)
    a_lo, a_hi = np.zeros_like(end), kmin.copy()
    b_lo, b_hi = kmin.copy(), end.copy()
    for _ in range(80):
        m = 0.5 * (a_lo + a_hi)
        below = G(m) < level
        a_lo, a_hi = np.where(below, a_lo, m), np.where(below, m, a_hi)
        m = 0.5 * (b_lo + b_hi)
        below = G(m) < level
        b_lo, b_hi = np.where(below, m, b_lo), np.where(below, b_hi, m)
    first = np.ceil(a_hi - 1e-9)
    first = np.where(G(first) < level, first, first + 1)
    last = np.minimum(np.floor(b_lo + 1e-9), end - 1)
    last = np.where(G(last) < level, last, last - 1)
    return np.where(has, np.maximum(last - first + 1, 0), 0).astype(int)


# --- learning-rate sweep ---------------------------------------------------------

@dataclass(frozen=True, eq=False)
class RateSweep:
    """GD on a quadratic for each eta (E,): the measured per-step rate
    (|x_K - x*| / |x_{K/2} - x*|)^(2/K), whether the last steps flip sign along the top
    direction (oscillation), and the loss curves (K+1, E)."""

    eta: np.ndarray
    rate: np.ndarray
    oscillating: np.ndarray
    loss: np.ndarray

    @property
    def regime(self) -> np.ndarray:
        """'monotone', 'oscillating' (converges while flipping), 'diverging' per eta
        (a rate within 1e-9 of 1 is 'boundary': it neither converges nor diverges)."""
        out = np.where(self.rate > 1 + 1e-9, "diverging",
                       np.where(self.oscillating, "oscillating", "monotone"))
        return np.where(np.abs(self.rate - 1) <= 1e-9, "boundary", out)


def rate_sweep(landscape, etas, x0, steps: int, minimum, optimizer=None) -> RateSweep:
    """Run one trajectory per eta from the same start, all in one batch: the step size is
    an (E, 1) array in scale(), so E etas cost one run. ``optimizer(eta_column)`` builds
    the optimizer (default GD)."""
    from .optim import chain, scale

    etas = np.asarray(etas, dtype=float)
    col = etas[:, None]
    opt = optimizer(col) if optimizer is not None else chain(scale(-col))
    start = np.broadcast_to(np.asarray(x0, dtype=float), (len(etas), landscape.dim))
    p = np.asarray(minimum, dtype=float)
    half = steps // 2
    dist_half = dist_end = None
    prev = last = None
    loss = []
    f_min = float(landscape.value(p))
    for k, (x, v, g, div) in enumerate(iterate(landscape, opt, start, bound=np.inf, grad_norms=False)):
        loss.append(v - f_min)
        if k == half:
            dist_half = np.linalg.norm(x - p, axis=-1)
        if k == steps - 1:
            prev = x - p
        if k == steps:
            last = x - p
            dist_end = np.linalg.norm(last, axis=-1)
            break
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = (dist_end / dist_half) ** (1.0 / (steps - half))
        flips = np.einsum("ei,ei->e", prev, last) < 0
    rate = np.where(np.isfinite(rate), rate, np.inf)
    return RateSweep(etas, rate, flips, np.array(loss))


def first_arrival(landscape, optimizer, x0, steps: int, arrived: Callable[[np.ndarray], np.ndarray], *,
                  rng: np.random.Generator | None = None, bound: float = 1e6,
                  progress: Callable[[int], None] | None = None) -> np.ndarray:
    """First step k at which ``arrived(x_k)`` (B,) holds, per run (B,); -1 if not within
    ``steps`` or after diverging. Streams: stops when every run has arrived."""
    x0 = np.asarray(x0, dtype=float)
    out = np.full(x0.shape[0], -1)
    for k, (x, _, _, div) in enumerate(iterate(landscape, optimizer, x0, rng=rng, bound=bound,
                                               values=False, grad_norms=False)):
        new = (out < 0) & (div < 0) & arrived(x)
        out[new] = k
        if progress is not None:
            progress(k)
        if k == steps or np.all((out >= 0) | (div >= 0)):
            break
    return out
