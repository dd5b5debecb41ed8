"""trajectories: optimizers from given starts on one landscape, with the saddle's linear theory.

The kind of ``saddle-2d`` (and the default kind of a scenario file). It finds the
critical points of the landscape in the search box, takes the non-degenerate
saddle p nearest ``centre`` (or the mean start) as the reference, with
H(p) = V diag(lambda) V^T, and runs every optimizer of ``[run] optimizers``
from every ``[run] starts``. Each run's escape step (first step outside
|x - p| <= radius) and stall (steps with |grad f| < stall_threshold before it)
are measured at every step, and GD's are set beside the linearised prediction
k* = ln(r / |y_u(0)|) / ln|1 - eta lambda_min|, y = V^T (x - p). The escape
sweep starts GD at p + eps v_u + offset along the stable directions for each
eps and checks that k* grows like ln(1/eps) with slope 1 / ln(1 + eta |lambda_min|).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from .. import theory
from ..critical import CriticalPoint, CriticalSet, find_critical_points
from ..dynamics import EscapeWatch, StallWatch, Trajectory, thinning
from ..dynamics import run as run_steps
from ..errors import LandscapeError
from ..figures import plane
from ..figures import trajectories as figures
from ..optim import DEFAULTS, OptimizerSpec
from ..seeds import stream
from ..spectrum import eigh
from .base import Smoke, header
from .common import require

TAKES_STARTS = True
ALIASES = ("escape",)
"""saddle-2d.toml and older files put these settings in [escape]."""

PROGRESS_WORK = 200_000
"""Steps x starts x optimizers above which the runs report progress (below: well under a second)."""

SHOWN_EPS = 1e-6
"""The sweep start whose eigen-components the figure draws (the one nearest this eps)."""

SADDLE_CHOICES = ("nearest", "all")
MAX_BASIN_STARTS = 250_000
MAX_SWEPT_SADDLES = 32
"""With saddles = "all", the sweep runs at the first 32 saddles (by value)."""
MANIFOLD_POINTS = 400
"""Points of each branch of a saddle's stable manifold drawn on the basins figure (2-D)."""


@dataclass(frozen=True)
class Settings:
    """The ``[trajectories]`` section (alias ``[escape]``): the ball, the stall, the sweep."""

    radius: float = 0.1
    stall_threshold: float = 1e-3
    eps: tuple[float, ...] = tuple(10.0 ** -k for k in range(2, 13))
    """Default 1e-2 .. 1e-12: every start inside the default ball (radius 0.1)."""
    stable_offset: float = 0.05
    centre: tuple[float, ...] | None = None
    saddles: str = "nearest"
    """Which saddles get the escape sweep: the reference one ("nearest" the centre) or "all"."""
    basin_starts: int = 10_000
    """Starts of the basins of attraction: a square grid of about this many on a 2-D landscape,
    quasi-random points of the domain otherwise; 0 for none."""

    def __post_init__(self):
        require(self.saddles in SADDLE_CHOICES,
                f"saddles: expected one of {', '.join(SADDLE_CHOICES)}, got {self.saddles!r}")
        require(0 <= self.basin_starts <= MAX_BASIN_STARTS,
                f"basin_starts: expected an integer from 0 to {MAX_BASIN_STARTS}, got {self.basin_starts}")
        require(self.radius > 0, f"radius: expected a positive number, got {self.radius:g}")
        require(self.stall_threshold > 0, f"stall_threshold: expected a positive number, got {self.stall_threshold:g}")
        require(len(self.eps) <= 1000, f"eps: at most 1000 values, got {len(self.eps)}")
        for key, values in (("eps", self.eps), ("stable_offset", (self.stable_offset,))):
            require(all(v >= 0 if key == "stable_offset" else v > 0 for v in values),
                    f"{key}: expected positive numbers" if key == "eps" else f"{key}: expected a number >= 0")
            require(all(v < self.radius for v in values),
                    f"{key}: must be below radius = {self.radius:g} (the sweep starts inside the ball it "
                    "measures the escape from)")


SMOKE = Smoke(settings={"eps": (1e-2, 1e-4, 1e-6), "basin_starts": 400}, steps=200, critical_starts=64)


def check(scenario, landscapes) -> None:
    """A landscape in R^n, a centre of its dimension, and runs that finish: the search's
    bound and steps x starts x (optimizers + the sweep) gradient evaluations."""
    from ..budget import need_work
    from ..critical import check_search_budget
    from .common import point_cost, step_work

    land, cfg, src = landscapes[0], scenario.settings, scenario.source
    if land.manifold != "euclidean":
        raise LandscapeError(f"{src}: [landscape]: {land.name} lives on a {land.manifold}; the trajectories "
                             "kind runs optimizers in R^n (use landscape critical for its critical points)")
    if cfg.centre is not None and len(cfg.centre) != land.dim:
        raise LandscapeError(f"{src}: [escape] centre: has {len(cfg.centre)} coordinates, expected {land.dim}")
    check_search_budget(land, scenario.critical_starts)
    runs = len(scenario.optimizers) * step_work(scenario.steps, max(len(scenario.starts), 1), 4 * point_cost(land))
    saddles = MAX_SWEPT_SADDLES if cfg.saddles == "all" else 1
    sweep = step_work(scenario.steps, saddles * len(cfg.eps), point_cost(land))
    basins = step_work(scenario.steps, cfg.basin_starts, 4 * point_cost(land)) if cfg.basin_starts else 0.0
    need_work(runs + sweep + basins, f"{src}: {len(scenario.optimizers)} optimizer(s) x {len(scenario.starts)} "
              f"start(s) x {scenario.steps} steps, and {cfg.basin_starts} basin starts",
              "lower --steps, the starts or [trajectories] basin_starts")


@dataclass(frozen=True, eq=False)
class RunRecord:
    """What one start did under one optimizer, measured next to the linear theory.

    ``start``, ``final`` (n,); ``start_eigen_coordinates`` (n,) = V^T (start - p) or None
    without a reference saddle; steps are None when the event never happened.
    """

    optimizer: str
    eta: float | None
    start: np.ndarray
    escape_step: int | None
    predicted_escape_step: float | None
    stall_steps: int
    final: np.ndarray
    final_value: float
    outcome: str
    ends_at: np.ndarray | None
    diverged_step: int | None
    start_eigen_coordinates: np.ndarray | None = None
    saddle: np.ndarray | None = None
    """The saddle the escape is measured from (the reference one, or with saddles = "all" the
    one the run starts beside); None without one."""

    def to_dict(self) -> dict:
        """Every field by name (arrays as they are; report.to_jsonable makes them JSON)."""
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class EscapeSweep:
    """GD from p + eps v_u + offset v_s for each eps (E starts): measured and predicted.

    ``eps`` (E,), ``y0`` (E, n) the starts in the eigenbasis, ``escape_step`` (E,) (-1:
    never), ``predicted`` (E,) k*, ``stall_steps`` (E,), ``slope`` 1/ln|1 - eta lambda_min|;
    ``shown`` the start the eigen-components figure draws and ``linearised`` (K+1, n) its
    (1 - eta lambda_i)^k y_i(0) for k = 0..K, K = 1.6 x its escape step + 20 (the steps
    drawn; all steps if it never escaped), whatever the stored trajectory's thinning.
    """

    eps: np.ndarray
    y0: np.ndarray
    escape_step: np.ndarray
    predicted: np.ndarray
    stall_steps: np.ndarray
    slope: float
    trajectory: Trajectory
    shown: int
    linearised: np.ndarray

    def to_dict(self) -> dict:
        """The sweep's measured and predicted steps, and the prediction the figure draws."""
        return {"eps": self.eps, "start_eigen_coordinates": self.y0,
                "escape_step": [int(k) if k >= 0 else None for k in self.escape_step],
                "predicted_escape_step": self.predicted, "stall_steps": self.stall_steps,
                "slope": self.slope, "shown_eps": float(self.eps[self.shown]),
                "shown_linearised": self.linearised}


@dataclass(frozen=True, eq=False)
class SaddleSweep:
    """The escape sweep (an EscapeSweep) at one saddle ``point``, whose Hessian has
    eigenvalues ``eigenvalues`` (n,) and eigenvectors ``eigenvectors`` (n, n)."""

    point: CriticalPoint
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    sweep: EscapeSweep

    def to_dict(self) -> dict:
        """The saddle, its eigenvalues, and the sweep's measured and predicted steps."""
        w = self.sweep.to_dict()
        return {"saddle": self.point.x, "value": self.point.value, "index": self.point.index,
                "eigenvalues": self.eigenvalues, "lambda_min": float(self.eigenvalues.min()),
                **{k: w[k] for k in ("eps", "escape_step", "predicted_escape_step", "stall_steps", "slope")}}


@dataclass(frozen=True, eq=False)
class Basins:
    """Where the first optimizer goes from ``starts`` (S, n) spread over the domain.

    ``grid`` (G, G) is the shape of the starts on a 2-D landscape (row-major, y slowest),
    None for quasi-random starts; ``label`` (S,) the number of the minimum each start
    reached (its position in ``minima``), -1 unconverged, -2 diverged, -3 settled at a
    critical point that is not a minimum (a start on a stable manifold); ``manifolds``
    the stable manifolds of the 2-D index-1 saddles: per saddle two (m, 2) branches,
    traced by gradient ascent from the saddle along its stable eigenvector.
    """

    optimizer: str
    eta: float | None
    steps: int
    starts: np.ndarray
    grid: tuple[int, int] | None
    label: np.ndarray
    minima: tuple[CriticalPoint, ...]
    manifolds: tuple

    def fractions(self) -> np.ndarray:
        """The fraction of starts reaching each minimum, (M,)."""
        return np.bincount(self.label[self.label >= 0], minlength=len(self.minima)) / len(self.label)

    def to_dict(self) -> dict:
        """Fractions per minimum and of the other outcomes; the manifolds' branches (2-D)."""
        return {"optimizer": self.optimizer, "eta": self.eta, "steps": self.steps, "starts": len(self.label),
                "grid": list(self.grid) if self.grid is not None else None,
                "minima": [{"x": p.x, "value": p.value, "fraction": float(f)}
                           for p, f in zip(self.minima, self.fractions())],
                "unconverged": float(np.mean(self.label == -1)), "diverged": float(np.mean(self.label == -2)),
                "other_critical": float(np.mean(self.label == -3)),
                "stable_manifolds": [{"saddle": p.x, "branches": [_thin(b) for b in branches]}
                                     for p, branches in self.manifolds]}


def _thin(branch: np.ndarray, keep: int = 100) -> np.ndarray:
    """At most ``keep`` points of a traced curve (m, n) for results.json: evenly spaced, the
    first and the last included (the figure draws every point)."""
    if len(branch) <= keep:
        return branch
    return branch[np.unique(np.round(np.linspace(0, len(branch) - 1, keep)).astype(int))]


@dataclass(frozen=True, eq=False)
class Result:
    """Everything `landscape run` reports for a trajectories scenario."""

    scenario: object
    settings: Settings
    landscape: object
    critical: CriticalSet
    reference: CriticalPoint | None
    eigenvectors: np.ndarray | None
    runs: tuple[RunRecord, ...]
    trajectories: tuple[tuple[OptimizerSpec, Trajectory], ...]
    sweep: EscapeSweep | None
    theory: dict
    saddle_sweeps: tuple[SaddleSweep, ...] = ()
    basins: Basins | None = None

    def to_dict(self) -> dict:
        """results.json: the header, the landscape, critical points, theory, runs, sweep, settings;
        the sweep at every saddle (saddles = "all") and the basins of attraction."""
        s, cfg = self.scenario, self.settings
        return {
            **header(s),
            "landscape": self.landscape.describe(),
            "domain": self.critical.domain,
            "critical_search": {k: v for k, v in self.critical.to_dict().items()
                                if k not in ("critical_points", "domain")},
            "critical_points": [p.to_dict() for p in self.critical.points],
            "theory": self.theory,
            "runs": [r.to_dict() for r in self.runs],
            "escape_sweep": self.sweep.to_dict() if self.sweep is not None else None,
            "saddle_sweeps": [w.to_dict() for w in self.saddle_sweeps],
            "basins": self.basins.to_dict() if self.basins is not None else None,
            "settings": {"steps": s.steps, "bound": s.bound, "radius": cfg.radius,
                         "stall_threshold": cfg.stall_threshold, "saddles": cfg.saddles,
                         "basin_starts": cfg.basin_starts,
                         "optimizers": [{"name": o.name, **DEFAULTS.get(o.name, {}), **o.settings}
                                        for o in s.optimizers]},  # every setting in force, defaults too
        }


def reference_saddle(critical: CriticalSet, near: np.ndarray) -> CriticalPoint | None:
    """The non-degenerate saddle nearest ``near`` (n,), or None when there is none."""
    saddles = critical.of_kind("saddle")
    if not saddles:
        return None
    return min(saddles, key=lambda p: float(np.linalg.norm(p.x - near)))


def outcomes(traj: Trajectory, critical: CriticalSet, radius: float, gtol: float):
    """Per run (B of them): the kind of the critical point it settled at (final iterate
    within ``radius`` of it with |grad f| <= gtol), else 'diverged' or 'unconverged'
    (still moving, or oscillating); and that point's coordinates (n,) or None."""
    final, diverged = traj.final, traj.diverged_step
    nearest, dist = critical.nearest(final)
    settled = traj.grad_norm[-1] <= gtol
    out, ends = [], []
    for i in range(len(final)):  # B labels: strings, not arithmetic
        if diverged[i] >= 0:
            out.append("diverged")
            ends.append(None)
        elif dist[i] <= radius and settled[i]:
            p = critical.points[nearest[i]]
            out.append(p.kind)
            ends.append(p.x)
        else:
            out.append("unconverged")
            ends.append(None)
    return out, ends


def run(scenario, settings: Settings, progress=None) -> Result:
    """Critical points, every optimizer from every start, and GD's escape sweep.

    Randomness: optimizer number i (0-based) of the scenario draws from
    ``stream(seed, "run", name, i)``; the critical search uses the engine's own
    stream of ``seed``.
    """
    landscape = scenario.build_landscape()
    critical = find_critical_points(landscape, scenario.domain, starts=scenario.critical_starts,
                                    seed=scenario.seed, jobs=scenario.jobs)
    starts = np.array(scenario.starts, dtype=float).reshape(-1, landscape.dim)
    near = (np.asarray(settings.centre) if settings.centre is not None
            else starts.mean(0) if len(starts) else np.mean(critical.domain, axis=1))
    ref = reference_saddle(critical, near)
    lam = vec = None
    if ref is not None:
        lam, vec = eigh(landscape.hess(ref.x))

    tick = None
    if progress is not None and scenario.steps * len(starts) * len(scenario.optimizers) > PROGRESS_WORK:
        tick = progress("running", scenario.steps * len(scenario.optimizers))
    runs, trajectories = [], []
    # with saddles = "all": every saddle's eigen-decomposition, in one batch (the runs beside a saddle
    # and its escape sweep share it)
    others = [p for p in critical.of_kind("saddle") if p is not ref] if settings.saddles == "all" else []
    decomposed = dict(zip(map(id, others), zip(*eigh(landscape.hess(np.array([p.x for p in others])))))) \
        if others else {}
    if ref is not None:
        decomposed[id(ref)] = (lam, vec)
    owners = _owners(starts, critical, ref, decomposed, settings)
    for i, spec in enumerate(scenario.optimizers):
        if not len(starts):
            break
        esc, stall = _watches(len(starts), critical, ref, settings, owners)
        traj = run_steps(landscape, spec.optimizer, starts, scenario.steps, rng=stream(scenario.seed, "run", spec.name, i),
                         bound=scenario.bound, progress=(lambda k: tick(1) if k else None) if tick else None,
                         every=thinning(scenario.steps, len(starts), landscape.dim), watch=(esc, stall))
        trajectories.append((spec, traj))
        runs.extend(_records(spec, traj, esc.result, stall.result, starts, landscape, critical, owners, settings))

    sweep, sweeps = None, []
    gd_spec = next((o for o in scenario.optimizers if o.name == "gd"), None)
    if ref is not None and gd_spec is not None and settings.eps:
        sweep = _escape_sweep(landscape, critical, ref, lam, vec, gd_spec.eta, scenario, settings)
        if settings.saddles == "all":
            for p in critical.of_kind("saddle")[:MAX_SWEPT_SADDLES]:
                lam_p, vec_p = decomposed[id(p)]
                sweeps.append(SaddleSweep(p, lam_p, vec_p, sweep if p is ref else _escape_sweep(
                    landscape, critical, p, lam_p, vec_p, gd_spec.eta, scenario, settings)))
    basins = _basins(landscape, critical, scenario, settings, progress) if settings.basin_starts else None

    return Result(scenario, settings, landscape, critical, ref, vec, tuple(runs), tuple(trajectories),
                  sweep, _theory(critical, ref, lam, gd_spec, settings), tuple(sweeps), basins)


def _basins(landscape, critical, scenario, settings, progress) -> Basins:
    """The first optimizer from a grid (2-D) or quasi-random starts (stream "basins") over the
    domain, each start labelled by the minimum it settles at (``outcomes``)."""
    from ..seeds import child

    spec = scenario.optimizers[0]
    box = np.asarray(critical.domain, dtype=float)
    if landscape.dim == 2:
        g = max(2, int(np.sqrt(settings.basin_starts)))
        xs, ys = (np.linspace(lo, hi, g) for lo, hi in box)
        X, Y = np.meshgrid(xs, ys)
        starts, grid = np.stack([X.ravel(), Y.ravel()], axis=-1), (g, g)
    else:
        starts = landscape.sample_starts(critical.domain, settings.basin_starts, child(scenario.seed, "basins"))
        grid = None
    tick = None
    if progress is not None and scenario.steps * len(starts) > PROGRESS_WORK:
        tick = progress("basins", scenario.steps)
    traj = run_steps(landscape, spec.optimizer, starts, scenario.steps, rng=stream(scenario.seed, "basins", spec.name),
                     bound=scenario.bound, every=scenario.steps, progress=(lambda k: tick(1) if k else None) if tick else None)
    # each start's outcome, as outcomes() decides it, for the whole batch at once
    minima = tuple(critical.of_kind("minimum"))
    nearest, dist = critical.nearest(traj.final)
    settled = (dist <= settings.radius) & (traj.grad_norm[-1] <= settings.stall_threshold)
    order = {id(p): i for i, p in enumerate(minima)}
    code = np.array([order.get(id(p), -3) for p in critical.points] + [-1])  # the last entry: no point at all
    label = np.where(settled, code[np.where(nearest >= 0, nearest, -1)], -1)
    label[traj.diverged_step >= 0] = -2
    manifolds = tuple((p, _stable_manifold(landscape, p, box)) for p in critical.of_kind("saddle")
                      if landscape.dim == 2 and p.index == 1)
    return Basins(spec.name, spec.eta, scenario.steps, starts, grid, label, minima, manifolds)


def _stable_manifold(landscape, saddle, box) -> tuple[np.ndarray, np.ndarray]:
    """The two branches (m, 2) of a 2-D saddle's stable manifold: from saddle +- delta v_s
    (v_s the stable eigenvector), steps of fixed length h along +grad f / |grad f| (gradient
    ascent, along which the stable manifold of descent is the attracting curve), until the
    path leaves the box, stops (|grad f| tiny: a maximum) or has MANIFOLD_POINTS points."""
    lam, vec = eigh(landscape.hess(saddle.x))
    v = vec[:, int(np.argmax(lam))]
    span = float(np.min(box[:, 1] - box[:, 0]))
    h = span / 200
    x = np.stack([saddle.x + 1e-3 * span * v, saddle.x - 1e-3 * span * v])  # both branches in one batch
    path = [np.stack([saddle.x, saddle.x]), x]
    alive = np.ones(2, dtype=bool)
    gscale = max(float(np.linalg.norm(landscape.grad(x), axis=-1).max()), 1e-300)
    for _ in range(MANIFOLD_POINTS - 2):
        g = landscape.grad(x)
        norm = np.linalg.norm(g, axis=-1)
        alive &= np.all(np.isfinite(g), axis=-1) & (norm > 1e-9 * gscale)
        alive &= np.all((x >= box[:, 0]) & (x <= box[:, 1]), axis=-1)
        if not alive.any():
            break
        x = np.where(alive[:, None], x + h * g / np.where(norm > 0, norm, 1.0)[:, None], x)
        path.append(x)
    xs = np.stack(path)  # (m, 2 branches, 2)
    out = []
    for b in range(2):
        branch = xs[:, b]
        keep = np.concatenate([[True], np.any(branch[1:] != branch[:-1], axis=-1)])
        out.append(branch[keep])
    return tuple(out)


@dataclass(frozen=True, eq=False)
class Owners:
    """The saddle each run's escape is measured from: ``table`` [(point, eigenvalues, eigenvectors)]
    (the reference saddle first) and ``owner`` (B,) an index into it, -1 for none."""

    table: tuple
    owner: np.ndarray

    def centres(self, dim: int) -> np.ndarray:
        """(B, n): each run's saddle, NaN where it has none (its escape is never measured)."""
        xs = np.array([p.x for p, _, _ in self.table] + [np.full(dim, np.nan)])
        return xs[self.owner]  # owner -1 picks the NaN row


def _owners(starts, critical, ref, decomposed: dict, settings) -> Owners:
    """The reference saddle for every run; with saddles = "all", a run that starts within the ball
    of another saddle is measured from that one. ``decomposed``: id(saddle) -> (eigenvalues,
    eigenvectors) of each saddle that may be used."""
    owner = np.full(len(starts), 0 if ref is not None else -1)
    table = [(ref, *decomposed[id(ref)])] if ref is not None else []
    saddles = [p for p in critical.of_kind("saddle") if p is not ref] if settings.saddles == "all" else []
    if saddles and len(starts):
        xs = np.array([p.x for p in saddles])
        d = np.linalg.norm(starts[:, None, :] - xs[None], axis=-1)  # (B, S)
        nearest, inside = d.argmin(axis=1), d.min(axis=1) <= settings.radius
        if ref is not None:
            inside &= d.min(axis=1) < np.linalg.norm(starts - ref.x, axis=-1)
        for j in np.unique(nearest[inside]):  # one table entry per saddle used
            owner[inside & (nearest == j)] = len(table)
            table.append((saddles[j], *decomposed[id(saddles[j])]))
    return Owners(tuple(table), owner)


def _watches(batch: int, critical, ref, settings, owners: Owners | None = None) -> tuple[EscapeWatch, StallWatch]:
    """Escape from the reference saddle, or each run's own (``owners``; never, without one), and
    stall, measured at every step however much the stored trajectory is thinned."""
    n = len(critical.domain)
    centre = owners.centres(n) if owners is not None else (ref.x if ref is not None else np.full(n, np.nan))
    return (EscapeWatch(batch, centre, settings.radius),
            StallWatch(batch, settings.stall_threshold, _minima(critical), settings.radius))


def _records(spec, traj, esc, stall, starts, landscape, critical, owners: Owners, settings):
    eta = spec.eta
    final = traj.final
    final_value = landscape.value(final)
    kinds, ends = outcomes(traj, critical, settings.radius, settings.stall_threshold)
    pred = np.full(len(starts), np.nan)
    y0 = np.full(starts.shape, np.nan)
    for t, (p, lam, vec) in enumerate(owners.table):  # per saddle, batched over its runs
        mine = owners.owner == t
        y0[mine] = (starts[mine] - p.x) @ vec
        if spec.name == "gd":
            pred_t = theory.predicted_escape_step(lam, y0[mine], eta, settings.radius)
            # the prediction applies to starts whose unstable component begins inside the ball
            pred[mine] = np.where(np.abs(y0[mine, int(np.argmin(lam))]) < settings.radius, pred_t, np.nan)
    saddle = [owners.table[o][0].x if o >= 0 else None for o in owners.owner.tolist()]
    y0 = [None if o < 0 else y0[i] for i, o in enumerate(owners.owner.tolist())]
    return [RunRecord(
        optimizer=spec.name, eta=eta, start=starts[i],
        escape_step=int(esc[i]) if esc[i] >= 0 else None,
        predicted_escape_step=float(pred[i]) if np.isfinite(pred[i]) else None,
        stall_steps=int(stall[i]), final=final[i], final_value=float(final_value[i]),
        outcome=kinds[i], ends_at=ends[i],
        diverged_step=int(traj.diverged_step[i]) if traj.diverged_step[i] >= 0 else None,
        start_eigen_coordinates=y0[i], saddle=saddle[i])
        for i in range(len(starts))]


def _minima(critical: CriticalSet) -> np.ndarray:
    return np.array([p.x for p in critical.of_kind("minimum")])


def _escape_sweep(landscape, critical, ref, lam, vec, eta, scenario, settings) -> EscapeSweep:
    eps = np.asarray(settings.eps, dtype=float)
    y0 = np.zeros((len(eps), landscape.dim))
    stable = lam > 0
    if stable.any():
        y0[:, stable] = settings.stable_offset / np.sqrt(stable.sum())
    y0[:, int(np.argmin(lam))] = eps
    starts = ref.x + y0 @ vec.T
    esc, stall = _watches(len(starts), critical, ref, settings)
    traj = run_steps(landscape, OptimizerSpec("gd", {"eta": eta}).optimizer, starts, scenario.steps,
                     bound=scenario.bound, every=thinning(scenario.steps, len(starts), landscape.dim),
                     watch=(esc, stall))
    shown = int(np.argmin(np.abs(np.log(eps / SHOWN_EPS))))
    esc_shown = int(esc.result[shown])
    drawn = scenario.steps if esc_shown < 0 else min(scenario.steps, int(1.6 * esc_shown) + 20)
    return EscapeSweep(
        eps=eps, y0=y0, escape_step=esc.result,
        predicted=theory.predicted_escape_step(lam, y0, eta, settings.radius),
        stall_steps=stall.result, slope=theory.escape_slope(lam, eta), trajectory=traj, shown=shown,
        linearised=theory.linearised_iterate(lam, y0[shown], eta, np.arange(drawn + 1)))


def _theory(critical, ref, lam, gd_spec, settings) -> dict:
    minima = critical.of_kind("minimum")
    out = {"radius": settings.radius,
           "stability_bound_minima": (min(theory.stability_bound(p.eigenvalues) for p in minima)
                                      if minima else None)}
    if ref is None:
        return out
    out.update({"centre": ref.x, "centre_eigenvalues": lam,
                "stability_bound_centre": theory.stability_bound(lam)})
    if gd_spec is not None:
        eta = gd_spec.eta
        out.update({"eta": eta, "contraction_factors": 1.0 - eta * lam,
                    "escape_slope": theory.escape_slope(lam, eta)})
    return out


# --- report pieces ---------------------------------------------------------------

FIGURES = {"landscape": figures.landscape_figure, "eigen-components": figures.eigen_components_figure,
           "loss": figures.loss_figure, "escape": figures.escape_figure,
           "basins": plane.basins_figure, "surface": plane.surface_figure, "animation": plane.animation}


def can_draw(name: str, result: Result) -> bool:
    """Contours need a 2-D landscape; the eigen-components and escape figures the sweep; the
    rest at least one run."""
    if name in ("landscape", "surface"):
        return result.landscape.dim == 2
    if name == "basins":
        return result.landscape.dim == 2 and result.basins is not None
    if name == "animation":
        return result.landscape.dim == 2 and bool(result.trajectories)
    if name in ("eigen-components", "escape"):
        return result.sweep is not None
    return bool(result.trajectories)


def headline(result: Result) -> str:
    """The line `landscape run` prints for this kind."""
    return f"{result.scenario.name}: {len(result.critical.points)} critical points, {len(result.runs)} runs"


def files(result: Result) -> list[tuple[str, str]]:
    """trajectories.csv: one row per (run, stored step) with x, f(x) and |grad f|."""
    return [("trajectories.csv", trajectories_csv(result))]


def trajectories_csv(result: Result) -> str:
    """Long format: one row per (run, step) with x, f(x) and |grad f| (a long run: per
    stored step of the thinned trajectory, the step column saying which)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    dim = result.landscape.dim
    w.writerow(["run", "optimizer", "step"] + [f"x{i + 1}" for i in range(dim)] + ["value", "grad_norm"])
    run_no = 0
    for spec, traj in result.trajectories:
        for b in range(traj.x.shape[1]):
            for k, step in enumerate(traj.at.tolist()):
                w.writerow([run_no, spec.name, step] + [repr(float(v)) for v in traj.x[k, b]]
                           + [repr(float(traj.value[k, b])), repr(float(traj.grad_norm[k, b]))])
            run_no += 1
    return buf.getvalue()


def tables(data: dict, markdown: bool = False) -> list[str]:
    """summary.md: the critical points, the theory at the saddle, the runs and the sweep."""
    from ..tables import critical_point_rows, figure_lines, fmt

    lines = [f"# {data['scenario']}", "", data.get("description", ""), "",
             f"Landscape `{data['landscape']['name']}` (dimension {data['landscape']['dim']}), "
             f"seed {data['seed']}.", ""]
    crit = data["critical_search"]
    lines += ["## Critical points", "",
              f"{len(data['critical_points'])} found from {crit['starts']} starts in the domain "
              f"{fmt([tuple(iv) for iv in data['domain']])}; an eigenvalue counts as zero below "
              f"{crit['zero_tol']:.2g} (relative tolerance {crit['zero_rtol']:.0e} of the typical "
              f"curvature); every point has |grad f| <= {crit['gtol']:.2g}.", ""]
    lines += critical_point_rows(data["critical_points"]) + [""]
    th = data["theory"]
    if "centre" in th:
        lines += ["## Theory at the saddle", "",
                  f"Saddle {fmt(th['centre'])} with Hessian eigenvalues {fmt(th['centre_eigenvalues'], 4)}."]
        if "eta" in th:
            lines += [f"GD with η = {th['eta']:g} multiplies the eigen-components by "
                      f"{fmt(th['contraction_factors'], 4)} per step, so a start at distance ε from "
                      f"the stable manifold leaves the ball of radius r = {th['radius']:g} after "
                      f"k* = ln(r/ε) × {th['escape_slope']:.4g} steps."]
        lines += [f"Stability bound 2/λ_max: {fmt(th['stability_bound_centre'], 4)} at the saddle, "
                  f"{fmt(th['stability_bound_minima'], 4)} at the minima.", ""]
    if data["runs"]:
        lines += ["## Runs", "",
                  "| optimizer | η | start | escape step | predicted | stall steps | outcome | ends at | f(final) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in data["runs"]:
            lines.append(
                f"| {r['optimizer']} | {fmt(r['eta'])} | {fmt(r['start'], 3)} | {fmt(r['escape_step'])} | "
                f"{fmt(r['predicted_escape_step'], 4)} | {r['stall_steps']} | "
                f"{r['outcome']}{' at step ' + str(r['diverged_step']) if r['diverged_step'] else ''} | "
                f"{fmt(r['ends_at'], 4)} | {fmt(r['final_value'], 4)} |")
        lines.append("")
    sw = data.get("escape_sweep")
    if sw:
        lines += ["## Escape time against ε", "",
                  "| ε | escape step | predicted k* | stall steps |", "|---|---|---|---|"]
        for e, k, p, s in zip(sw["eps"], sw["escape_step"], sw["predicted_escape_step"], sw["stall_steps"]):
            lines.append(f"| {e:.0e} | {fmt(k)} | {fmt(p, 4)} | {s} |")
        lines.append("")
    many = data.get("saddle_sweeps") or []
    if len(many) > 1:
        lines += ["## Escape at every saddle", "",
                  "GD from each saddle at distances ε from its stable manifold, against "
                  "k* = ln(r/ε)/ln(1 + η|λ_min|).", "",
                  "| saddle | f | λ_min | slope | escape step at the smallest ε | predicted | "
                  "largest \\|measured − predicted\\| |", "|---|---|---|---|---|---|---|"]
        for w in many:
            pairs = [(k, q) for k, q in zip(w["escape_step"], w["predicted_escape_step"])
                     if k is not None and q is not None]
            worst = max((abs(k - q) for k, q in pairs), default=None)
            lines.append(f"| {fmt(w['saddle'], 4)} | {fmt(w['value'], 4)} | {fmt(w['lambda_min'], 4)} | "
                         f"{fmt(w['slope'], 4)} | {fmt(w['escape_step'][-1])} | "
                         f"{fmt(w['predicted_escape_step'][-1], 4)} | {fmt(worst, 3)} |")
        lines.append("")
    basins = data.get("basins")
    if basins and basins["minima"]:
        where = (f"a {basins['grid'][0]} × {basins['grid'][1]} grid" if basins["grid"]
                 else f"{basins['starts']} quasi-random starts")
        lines += ["## Basins of attraction", "",
                  f"{basins['optimizer']} (η = {fmt(basins['eta'])}) for {basins['steps']} steps from {where} "
                  "over the domain.", "", "| minimum | f | share of starts |", "|---|---|---|"]
        lines += [f"| {fmt(m['x'], 4)} | {fmt(m['value'], 4)} | {100 * m['fraction']:.1f}% |"
                  for m in basins["minima"]]
        for key, what in (("unconverged", "unconverged"), ("other_critical", "ends at a saddle or maximum"),
                          ("diverged", "diverged")):
            if basins[key]:
                lines.append(f"| {what} | | {100 * basins[key]:.1f}% |")
        lines.append("")
    out = lines + figure_lines(data, True)[1:]
    while out and not out[-1]:
        out.pop()
    return out

KEYS = (
        "landscape", "domain", "critical_search", "critical_points", "theory", "runs",
        "escape_sweep", "saddle_sweeps", "basins", "settings",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
