"""lr-stability: the step-size sweep on a quadratic, measured next to the stability bounds.

GD multiplies each eigen-coordinate by 1 - eta lambda_i: it converges monotonically
while eta < 2/(lambda_min + lambda_max) (the flipping top mode is not yet the
slowest), converges while oscillating below eta = 2/lambda_max, and diverges above
it. Momentum moves the bound to 2(1 + beta)/lambda_max (heavy ball) and
2(1 + beta)/((1 + 2 beta) lambda_max) (Nesterov). Every eta of the grid runs in
one batch; the measured per-step rate (|x_K - x*| / |x_{K/2} - x*|)^(2/K) locates
the boundary where it crosses 1.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .. import theory
from ..dynamics import RateSweep, rate_sweep
from ..figures import lr_stability as figures
from ..optim import chain, scale, trace
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, point_cost, require, step_work, ticker

MANY_LANDSCAPES = False
TAKES_ETA = False  # the study sweeps eta itself
METHODS = ("gd", "heavy-ball", "nesterov")


@dataclass(frozen=True)
class Settings:
    """The ``[lr-stability]`` section: ``etas`` grid points from 0 to ``span`` x the largest
    predicted bound, and GD loss ``curves`` at these fractions of 2/lambda_max."""

    etas: int = 301
    span: float = 1.5
    curves: tuple[float, ...] = (0.4, 0.9, 0.98, 1.02)

    def __post_init__(self):
        require(self.etas >= 10, "etas: expected at least 10 grid points")
        require(self.span > 1, "span: expected a number above 1 (the sweep must cross the bound)")
        require(all(c > 0 for c in self.curves), "curves: each must be a positive fraction of 2/lambda_max")


def check(scenario, landscapes) -> None:
    """A quadratic minimum (the study needs its Hessian), and the sweep within the work bound."""
    land = landscapes[0]
    require(land.name == "quadratic", f"{scenario.source}: [landscape]: lr-stability needs family = \"quadratic\"")
    require(bool(np.all(np.linalg.eigvalsh(land.H) > 0)),
            f"{scenario.source}: [landscape]: lr-stability needs a minimum: every eigenvalue positive")
    for o in scenario.optimizers:
        require(o.name in METHODS, f"{scenario.source}: [run] optimizers: lr-stability sweeps "
                                   f"{', '.join(METHODS)}, not {o.name}")
    cfg = scenario.settings
    batch = cfg.etas + len(cfg.curves)
    check_budget(scenario, (len(scenario.optimizers) + 1) * step_work(scenario.steps, batch, point_cost(land)),
                 8.0 * 4 * batch * land.dim * (len(scenario.optimizers) + 1),
                 fix="lower [run] steps or [lr-stability] etas")


@dataclass(frozen=True, eq=False)
class StabilityResult:
    """The rate sweep of each optimizer: ``sweeps`` (method, beta, RateSweep over E etas,
    measured boundary, predicted boundary); ``curves`` GD's RateSweep at the curve etas;
    ``eigenvalues`` (n,), ``minimum`` and ``start`` (n,)."""

    scenario: object
    landscape: object
    eigenvalues: np.ndarray
    minimum: np.ndarray
    start: np.ndarray
    sweeps: tuple[tuple[str, float, RateSweep, float, float], ...]  # (method, beta, sweep, measured, predicted)
    curves: RateSweep  # GD at the curve etas

    def to_dict(self) -> dict:
        """The JSON-ready dict: boundaries measured and predicted, the sweeps and the curves."""
        s, lam = self.scenario, self.eigenvalues
        gd = next((m for m in self.sweeps if m[0] == "gd"), None)
        onset = None
        if gd is not None:
            sw = gd[2]
            flips = np.flatnonzero(sw.oscillating & (sw.rate < 1))
            onset = _crossing(sw.eta, flips)
        return {
            **header(s), "landscape": self.landscape.describe(), "eigenvalues": lam,
            "lambda_max": float(lam.max()), "steps": s.steps,
            "boundary_measured": gd[3] if gd else None, "boundary_predicted": gd[4] if gd else None,
            "grid_spacing": float(self.sweeps[0][2].eta[1] - self.sweeps[0][2].eta[0]),
            "oscillation_onset_measured": onset,
            "oscillation_onset_predicted": float(2 / (lam.min() + lam.max())),
            "optimizers": [{"optimizer": m, "beta": b if m != "gd" else None, "boundary_measured": meas,
                            "boundary_predicted": pred} for m, b, _, meas, pred in self.sweeps],
            "sweep": [{"optimizer": m, "eta": sw.eta, "rate": sw.rate, "regime": sw.regime.tolist()}
                      for m, _, sw, _, _ in self.sweeps],
            "curves": {"eta": self.curves.eta, "regime": self.curves.regime.tolist(),
                       "final_loss": self.curves.loss[-1]},
        }


def _crossing(eta, idx) -> float | None:
    """The midpoint between the grid point before the first index in idx and that point."""
    if not len(idx) or idx[0] == 0:
        return None
    i = idx[0]
    return float(0.5 * (eta[i - 1] + eta[i]))


def boundary(sweep: RateSweep) -> float | None:
    """Where the measured rate crosses 1: linear interpolation of ln(rate) between the
    last grid eta that converges and the first that diverges."""
    bad = np.flatnonzero(sweep.rate > 1)
    if not len(bad) or bad[0] == 0:
        return None
    i = bad[0]
    lo, hi = np.log(sweep.rate[i - 1]), np.log(min(sweep.rate[i], 1e300))
    t = -lo / (hi - lo) if np.isfinite(hi) and hi > lo else 0.5
    return float(sweep.eta[i - 1] + np.clip(t, 0, 1) * (sweep.eta[i] - sweep.eta[i - 1]))


def _optimizer_for(method: str, beta: float):
    if method == "gd":
        return lambda eta: chain(scale(-eta))
    return lambda eta: chain(trace(beta, nesterov=method == "nesterov"), scale(-eta))


def run(scenario, settings, progress=None) -> StabilityResult:
    """Per optimizer, the per-step rate for every eta of the grid in one batch, and the eta
    where it crosses 1 against 2(1 + beta)/lambda_max (Nesterov: 2(1 + beta)/((1 + 2 beta)
    lambda_max)). The start direction comes from ``stream(seed, "start")``."""
    scenario = dataclasses.replace(scenario, settings=settings)
    cfg = settings
    land = scenario.build_landscape()
    lam = np.linalg.eigvalsh(land.H)
    p = land.known_critical_points()[0]
    d = stream(scenario.seed, "start").standard_normal(land.dim)
    x0 = p + d / np.linalg.norm(d)
    tick = ticker(progress, "sweeping eta", len(scenario.optimizers) + 1)
    sweeps = []
    for spec in scenario.optimizers:
        beta = spec.get("beta", 0.0) if spec.name != "gd" else 0.0
        predicted = theory.stability_bounds(float(lam.max()), beta)[spec.name]
        etas = np.linspace(0, cfg.span * predicted, cfg.etas + 1)[1:]
        sw = rate_sweep(land, etas, x0, scenario.steps, p, _optimizer_for(spec.name, beta))
        sweeps.append((spec.name, beta, sw, boundary(sw), float(predicted)))
        tick(1)
    bound = 2 / float(lam.max())
    curves = rate_sweep(land, np.asarray(cfg.curves) * bound, x0, scenario.steps, p)
    tick(1)
    return StabilityResult(scenario, land, lam, p, x0, tuple(sweeps), curves)


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Measured against predicted boundaries per method, and where GD starts to oscillate."""
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    lam = data["eigenvalues"]
    lines = [f"{head}{data['scenario']}: step size against stability", "", data["description"], "",
             f"Quadratic with eigenvalues {', '.join(f'{v:.4g}' for v in lam)} (λ_max = {data['lambda_max']:.4g}); "
             f"{len(data['sweep'][0]['eta'])} step sizes per method, {data['steps']} steps each, all in one batch.",
             ""]
    header = ["optimizer", "beta", "boundary measured", "predicted", "relative error"]
    rows = [[o["optimizer"], "" if o["beta"] is None else f"{o['beta']:g}",
             "—" if o["boundary_measured"] is None else f"{o['boundary_measured']:.6g}",
             f"{o['boundary_predicted']:.6g}",
             "—" if o["boundary_measured"] is None else
             f"{abs(o['boundary_measured'] / o['boundary_predicted'] - 1):.1e}"] for o in data["optimizers"]]
    lines += grid(header, rows, markdown)
    if data["oscillation_onset_measured"] is not None:
        lines += ["", f"GD's iterate starts to oscillate (the flipping top mode becomes the slowest) at "
                      f"η = {data['oscillation_onset_measured']:.4g}, predicted 2/(λ_min + λ_max) = "
                      f"{data['oscillation_onset_predicted']:.4g}; grid spacing {data['grid_spacing']:.2g}."]
    c = data["curves"]
    lines += ["", "GD at fractions of 2/λ_max: " + "; ".join(
        f"η = {e:.4g}: {r}, loss after {data['steps']} steps "
        + ("overflowed" if v is None else f"{v:.3g}") for e, r, v in
        zip(c["eta"], c["regime"], c["final_loss"]))]
    return lines + figure_lines(data, markdown)


FIGURES = {"lr-sweep": figures.lr_sweep_figure}

SMOKE = Smoke(settings={"etas": 60})
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "boundary_measured", "boundary_predicted", "grid_spacing", "oscillation_onset_measured",
        "oscillation_onset_predicted", "optimizers", "sweep", "curves",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
