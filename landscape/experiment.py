"""Run a scenario: critical points, optimizer runs with their theory, the escape sweep.

``run_scenario`` is the one library call behind ``landscape run``; it computes
everything and returns a ScenarioResult that report.py and figures.py turn
into files. It writes nothing itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import theory
from .critical import CriticalPoint, CriticalSet, find_critical_points
from .dynamics import EscapeWatch, StallWatch, Trajectory, run, thinning
from .optim import OPTIMIZERS
from .scenario import OptimizerSpec, Scenario
from .studies.common import settings_of

SCHEMA_VERSION = 1


@dataclass(frozen=True, eq=False)
class RunRecord:
    """What one start did under one optimizer, measured next to the linear theory."""

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

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True, eq=False)
class EscapeSweep:
    """GD from p + eps v_u + offset v_s for each eps: measured and predicted escape steps."""

    eps: np.ndarray
    y0: np.ndarray
    escape_step: np.ndarray
    predicted: np.ndarray
    stall_steps: np.ndarray
    slope: float
    trajectory: Trajectory

    def to_dict(self) -> dict:
        return {"eps": self.eps, "start_eigen_coordinates": self.y0,
                "escape_step": [int(k) if k >= 0 else None for k in self.escape_step],
                "predicted_escape_step": self.predicted, "stall_steps": self.stall_steps,
                "slope": self.slope}


@dataclass(frozen=True, eq=False)
class ScenarioResult:
    scenario: Scenario
    landscape: object
    critical: CriticalSet
    reference: CriticalPoint | None
    eigenvectors: np.ndarray | None
    runs: tuple[RunRecord, ...]
    trajectories: tuple[tuple[OptimizerSpec, Trajectory], ...]
    sweep: EscapeSweep | None
    theory: dict

    def to_dict(self, figures=()) -> dict:
        s = self.scenario
        return {
            "schema_version": SCHEMA_VERSION,
            "scenario": s.name,
            "description": s.description,
            "seed": s.seed,
            "landscape": self.landscape.describe(),
            "domain": self.critical.domain,
            "critical_search": {k: v for k, v in self.critical.to_dict().items()
                                if k not in ("critical_points", "domain")},
            "critical_points": [p.to_dict() for p in self.critical.points],
            "theory": self.theory,
            "runs": [r.to_dict() for r in self.runs],
            "escape_sweep": self.sweep.to_dict() if self.sweep is not None else None,
            "settings": {"steps": s.steps, "bound": s.bound, "radius": s.radius,
                         "stall_threshold": s.stall_threshold,
                         "optimizers": [{"name": o.name, **o.settings} for o in s.optimizers]},
            "figures": list(figures),
        }


def check_budget(scenario: Scenario, landscape) -> None:
    """Refuse a trajectories scenario whose search or runs would not finish: the critical-point
    search's bound, and steps x starts x (optimizers + the escape sweep) gradient evaluations."""
    from .budget import need_work
    from .critical import check_search_budget
    from .studies.common import point_cost, step_work

    check_search_budget(landscape, scenario.critical_starts)
    runs = len(scenario.optimizers) * step_work(scenario.steps, max(len(scenario.starts), 1),
                                                4 * point_cost(landscape))
    sweep = step_work(scenario.steps, len(scenario.eps), point_cost(landscape))
    need_work(runs + sweep, f"{scenario.source}: {len(scenario.optimizers)} optimizer(s) x "
              f"{len(scenario.starts)} start(s) x {scenario.steps} steps", "lower --steps or the starts")


def reference_saddle(critical: CriticalSet, near: np.ndarray) -> CriticalPoint | None:
    """The non-degenerate saddle nearest ``near``, or None when there is none."""
    saddles = critical.of_kind("saddle")
    if not saddles:
        return None
    return min(saddles, key=lambda p: float(np.linalg.norm(p.x - near)))


def outcomes(traj: Trajectory, critical: CriticalSet, radius: float, gtol: float):
    """Per run: the kind of the critical point it settled at (final iterate within
    ``radius`` of it with |grad f| <= gtol), else 'diverged' or 'unconverged' (still
    moving, or oscillating); and that point's coordinates (or None)."""
    final, diverged = traj.final, traj.diverged_step
    nearest, dist = critical.nearest(final)
    settled = traj.grad_norm[-1] <= gtol
    out, ends = [], []
    for i in range(len(final)):
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


def run_study(scenario: Scenario, progress=None):
    """The result of a study scenario (kind != trajectories): ``progress(label, total)``
    opens a bar and returns its update callable."""
    from .studies import STUDIES

    return STUDIES[scenario.kind].run(scenario, progress)


def run_scenario(scenario: Scenario, progress: Callable[[int], None] | None = None) -> ScenarioResult:
    """Everything ``landscape run`` reports for one scenario, computed in memory."""
    if scenario.kind != "trajectories":
        return run_study(scenario)
    landscape = scenario.build_landscape()
    rng = np.random.default_rng(scenario.seed)
    critical = find_critical_points(landscape, scenario.domain, starts=scenario.critical_starts,
                                    seed=scenario.seed)
    starts = np.array(scenario.starts, dtype=float).reshape(-1, landscape.dim)
    near = (np.asarray(scenario.centre) if scenario.centre is not None
            else starts.mean(0) if len(starts) else np.mean(critical.domain, axis=1))
    ref = reference_saddle(critical, near)
    lam = vec = None
    if ref is not None:
        lam, vec = np.linalg.eigh(landscape.hess(ref.x))

    runs, trajectories = [], []
    for spec in scenario.optimizers:
        if not len(starts):
            break
        opt = OPTIMIZERS[spec.name](**spec.settings)
        esc, stall = _watches(len(starts), critical, ref, scenario)
        traj = run(landscape, opt, starts, scenario.steps, rng=rng, bound=scenario.bound,
                   progress=progress, every=thinning(scenario.steps, len(starts), landscape.dim),
                   watch=(esc, stall))
        trajectories.append((spec, traj))
        runs.extend(_records(spec, traj, esc.result, stall.result, starts, landscape, critical, ref,
                             lam, vec, scenario))

    sweep = None
    gd_spec = next((o for o in scenario.optimizers if o.name == "gd"), None)
    if ref is not None and gd_spec is not None and scenario.eps:
        sweep = _escape_sweep(landscape, critical, ref, lam, vec, settings_of(gd_spec, "eta", 0.1),
                              scenario, rng)

    return ScenarioResult(scenario, landscape, critical, ref, vec, tuple(runs), tuple(trajectories),
                          sweep, _theory(critical, ref, lam, gd_spec, scenario))


def _watches(batch: int, critical, ref, scenario) -> tuple[EscapeWatch, StallWatch]:
    """Escape from the reference saddle (never, without one) and stall, measured at every
    step however much the stored trajectory is thinned."""
    centre = ref.x if ref is not None else np.full(len(critical.domain), np.nan)
    return (EscapeWatch(batch, centre, scenario.radius),
            StallWatch(batch, scenario.stall_threshold, _minima(critical), scenario.radius))


def _records(spec, traj, esc, stall, starts, landscape, critical, ref, lam, vec, scenario):
    eta = settings_of(spec, "eta", 0.1)
    final = traj.final
    final_value = landscape.value(final)
    kinds, ends = outcomes(traj, critical, scenario.radius, scenario.stall_threshold)
    if ref is not None:
        y0 = (starts - ref.x) @ vec
        pred = (theory.predicted_escape_step(lam, y0, eta, scenario.radius)
                if spec.name == "gd" else np.full(len(starts), np.nan))
        # the prediction applies to starts whose unstable component begins inside the ball
        yu = np.abs(y0[:, int(np.argmin(lam))])
        pred = np.where(yu < scenario.radius, pred, np.nan)
    else:
        pred, y0 = np.full(len(starts), np.nan), [None] * len(starts)
    return [RunRecord(
        optimizer=spec.name, eta=eta, start=starts[i],
        escape_step=int(esc[i]) if esc[i] >= 0 else None,
        predicted_escape_step=float(pred[i]) if np.isfinite(pred[i]) else None,
        stall_steps=int(stall[i]), final=final[i], final_value=float(final_value[i]),
        outcome=kinds[i], ends_at=ends[i],
        diverged_step=int(traj.diverged_step[i]) if traj.diverged_step[i] >= 0 else None,
        start_eigen_coordinates=y0[i])
        for i in range(len(starts))]


def _minima(critical: CriticalSet) -> np.ndarray:
    return np.array([p.x for p in critical.of_kind("minimum")])


def _escape_sweep(landscape, critical, ref, lam, vec, eta, scenario, rng) -> EscapeSweep:
    eps = np.asarray(scenario.eps, dtype=float)
    y0 = np.zeros((len(eps), landscape.dim))
    stable = lam > 0
    if stable.any():
        y0[:, stable] = scenario.stable_offset / np.sqrt(stable.sum())
    y0[:, int(np.argmin(lam))] = eps
    starts = ref.x + y0 @ vec.T
    esc, stall = _watches(len(starts), critical, ref, scenario)
    traj = run(landscape, OPTIMIZERS["gd"](eta=eta), starts, scenario.steps, rng=rng,
               bound=scenario.bound, every=thinning(scenario.steps, len(starts), landscape.dim),
               watch=(esc, stall))
    return EscapeSweep(
        eps=eps, y0=y0, escape_step=esc.result,
        predicted=theory.predicted_escape_step(lam, y0, eta, scenario.radius),
        stall_steps=stall.result, slope=theory.escape_slope(lam, eta), trajectory=traj)


def _theory(critical, ref, lam, gd_spec, scenario) -> dict:
    minima = critical.of_kind("minimum")
    out = {"radius": scenario.radius,
           "stability_bound_minima": (min(theory.stability_bound(p.eigenvalues) for p in minima)
                                      if minima else None)}
    if ref is None:
        return out
    out.update({"centre": ref.x, "centre_eigenvalues": lam,
                "stability_bound_centre": theory.stability_bound(lam)})
    if gd_spec is not None:
        eta = settings_of(gd_spec, "eta", 0.1)
        out.update({"eta": eta, "contraction_factors": 1.0 - eta * lam,
                    "escape_slope": theory.escape_slope(lam, eta)})
    return out
