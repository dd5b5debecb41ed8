"""edge-of-stability: full-batch GD on a network at several step sizes; its sharpness rises to 2/eta and hovers there.

On a quadratic, GD with step eta diverges along every direction whose curvature exceeds
2/eta. On a network the curvature moves with the parameters: from a small start the
sharpness lambda_max (the top eigenvalue of the loss's Hessian) grows while GD trains
("progressive sharpening") until it reaches 2/eta; from then on it hovers at about 2/eta
instead of crossing it, while the loss keeps falling, non-monotonically, over a longer time
scale (Cohen, Kaur, Li, Kolter and Talwalkar 2021, "Gradient descent on neural networks
typically occurs at the edge of stability").

All step sizes run in one batch (the parameters (E, n), one gradient pass per step for all);
every ``every`` steps the sharpness of each run comes from Lanczos (``nn.curvature.eigenpairs``,
warm-started from the run's last top eigenvector; the Hessian is never formed). Per run the
study reports the first recorded step where the sharpness reaches ``reach`` x 2/eta, and from
there the ratio sharpness / (2/eta): its median, the share of recorded steps inside ``band``, and
how often the loss went up between two recorded steps.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..figures import edge_of_stability as figures
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, num, require, ticker

MANY_LANDSCAPES = False
TAKES_ETA = False  # the study sweeps eta itself


@dataclass(frozen=True)
class Settings:
    """The ``[edge-of-stability]`` section: the step sizes ``etas``, the sharpness every ``every``
    steps (Lanczos to relative accuracy ``tol``), the start's ``init_scale``, and what counts as
    at the edge: reached at ``reach`` x 2/eta, then inside ``band`` (fractions of 2/eta)."""

    etas: tuple[float, ...] = (0.3, 0.4, 0.5)
    every: int = 10
    tol: float = 1e-5
    init_scale: float = 0.5
    reach: float = 0.95
    band: tuple[float, ...] = (0.85, 1.2)

    def __post_init__(self):
        require(len(self.etas) >= 1 and all(e > 0 for e in self.etas), "etas: expected positive step sizes")
        require(len(set(self.etas)) == len(self.etas), "etas: each step size at most once")
        require(self.every >= 1, "every: expected a positive number of steps")
        require(0 < self.tol < 0.1, "tol: expected a relative accuracy in (0, 0.1)")
        require(self.init_scale > 0, "init_scale: expected a positive number")
        require(0 < self.reach <= 1, "reach: expected a fraction of 2/eta in (0, 1]")
        require(len(self.band) == 2 and 0 < self.band[0] < 1 < self.band[1],
                "band: expected [low, high] with low < 1 < high (fractions of 2/eta)")


def check(scenario, landscapes) -> None:
    """An mlp landscape and the steps within the work and memory bounds."""
    land, src = landscapes[0], scenario.source
    require(land.name == "mlp", f"{src}: [landscape]: edge-of-stability needs family = \"mlp\"")
    cfg = scenario.settings
    S, n, E = float(len(land.data[1])), float(land.dim), len(cfg.etas)
    records = scenario.steps // cfg.every + 1
    ops = scenario.steps * E * 20 * S * n + records * E * 30 * 60 * S * n
    check_budget(scenario, ops, 8.0 * 4 * E * S * max(land.layers), fix="lower [run] steps or raise "
                                                                          "[edge-of-stability] every")


@dataclass(frozen=True, eq=False)
class EdgeResult:
    """Per eta: recorded steps (R,), loss and sharpness there, the loss at every step (K + 1,)."""

    scenario: object
    landscape: object
    sharpness_init: float
    runs: tuple

    def to_dict(self) -> dict:
        cfg = self.scenario.settings
        return {**header(self.scenario), "landscape": self.landscape.describe(), "steps": self.scenario.steps,
                "every": cfg.every, "reach": cfg.reach, "band": list(cfg.band), "sharpness_init": self.sharpness_init,
                "threshold": [r["threshold"] for r in self.runs], "runs": list(self.runs)}


def at_the_edge(steps, loss, sharpness, threshold, reach: float, band) -> dict:
    """From the first recorded step where sharpness rises to reach x threshold (from below it: a
    start above the threshold must first fall under it, as GD's catapult makes it): the median ratio
    sharpness / threshold, the share inside ``band``, its largest value, and how many times
    the loss rose between recorded steps (with the loss there and at the end)."""
    ratio = np.asarray(sharpness) / threshold
    below = np.flatnonzero(ratio < reach)  # reaching means rising to it: a start above it first falls
    hit = np.flatnonzero((ratio >= reach) & (np.arange(len(ratio)) > below[0])) if len(below) else below
    if not len(hit):
        return {"reached_step": None, "median_ratio": None, "inside_band": None, "max_ratio": float(ratio.max()),
                "loss_increases": None, "loss_at_reach": None}
    i = int(hit[0])
    after = ratio[i:]
    lo, hi = band
    up = np.diff(np.asarray(loss)[i:]) > 0
    return {"reached_step": int(steps[i]), "median_ratio": float(np.median(after)),
            "inside_band": float(np.mean((after >= lo) & (after <= hi))), "max_ratio": float(ratio.max()),
            "loss_increases": int(up.sum()), "loss_at_reach": float(loss[i])}


def run(scenario, settings, progress=None) -> EdgeResult:
    """GD at every eta in one batch from one start (``stream(seed, "init")``); see the module docstring."""
    from ..nn.curvature import eigenpairs

    scenario = dataclasses.replace(scenario, settings=settings)
    cfg, K = settings, scenario.steps
    land = scenario.build_landscape()
    net = land.network
    etas = np.asarray(cfg.etas, dtype=float)
    theta = np.repeat(land.initial_point(stream(scenario.seed, "init"), cfg.init_scale)[None], len(etas), axis=0)
    n = land.dim
    warm = [None] * len(etas)
    rec_steps, rec_loss, rec_sharp = [], [], []
    losses = np.empty((K + 1, len(etas)))
    tick = ticker(progress, "gradient descent at every eta", K + 1)
    X, labels = land.data
    T = np.eye(land.layers[-1])[labels]
    wd = land.weight_decay
    for k in range(K + 1):
        f, g = net.loss_and_grad(theta, X, T)  # one pass gives the loss and the step's gradient
        f = f + 0.5 * wd * np.sum(theta * theta, axis=-1)
        losses[k] = f
        if k % cfg.every == 0 or k == K:
            sharp = []
            for j in range(len(etas)):
                vals, V = eigenpairs(lambda W, t=theta[j]: land.hvp(t, W), n, 1, tol=cfg.tol, seed=scenario.seed,
                                     v0=warm[j], ncv=12 if warm[j] is not None else None)
                warm[j] = V[0]
                sharp.append(float(vals[0]))
            rec_steps.append(k)
            rec_loss.append(f.copy())
            rec_sharp.append(sharp)
        if k < K:
            theta = theta - etas[:, None] * (g + wd * theta)
        tick(1)
    rec_loss, rec_sharp = np.array(rec_loss), np.array(rec_sharp)
    runs = []
    for j, eta in enumerate(etas):
        threshold = 2.0 / eta
        finite = np.isfinite(losses[:, j])
        runs.append({"eta": float(eta), "threshold": threshold, "steps": list(rec_steps),
                     "loss": rec_loss[:, j], "sharpness": rec_sharp[:, j], "loss_per_step": losses[:, j],
                     "final_loss": float(losses[-1, j]) if finite[-1] else None,
                     **at_the_edge(rec_steps, rec_loss[:, j], rec_sharp[:, j], threshold, cfg.reach, cfg.band)})
    return EdgeResult(scenario, land, float(rec_sharp[0, 0]), tuple(runs))


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Per eta: where the sharpness reached 2/eta, how close it stayed, how the loss went on."""
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    land = data["landscape"]["params"]
    lo, hi = data["band"]
    lines = [f"{head}{data['scenario']}: gradient descent at the edge of stability", "", data["description"], "",
             f"Full-batch GD on the {'-'.join(map(str, land['layers']))} {land['activation']} network, {land['loss']} "
             f"loss, {data['landscape']['samples']} samples of {land['dataset']}, {data['steps']} steps; sharpness "
             f"λ_max every {data['every']} steps (starts at {data['sharpness_init']:.4g}). At the edge from the first "
             f"record at ≥ {data['reach']:g} × 2/η; band {lo:g}–{hi:g} × 2/η.", ""]
    rows = []
    for r in data["runs"]:
        rows.append([f"{r['eta']:g}", f"{r['threshold']:.4g}", num(r["reached_step"], "d"),
                     num(r["median_ratio"], ".3f"), "—" if r["inside_band"] is None else f"{100 * r['inside_band']:.0f}%",
                     f"{r['max_ratio']:.3f}", num(r["loss_increases"], "d"), num(r["loss_at_reach"], ".4g"),
                     num(r["final_loss"], ".4g")])
    lines += grid(["η", "2/η", "reached at step", "median λ_max/(2/η) after", "inside band", "max ratio",
                   "loss rises", "loss there", "final loss"], rows, markdown)
    return lines + figure_lines(data, markdown)


def headline(result) -> str:
    d = result.to_dict()
    return "; ".join(f"η = {r['eta']:g}: sharpness " + (f"reached 2/η = {r['threshold']:.3g} at step {r['reached_step']}, "
                                                       f"median {r['median_ratio']:.3f} × 2/η after"
                                                       if r["reached_step"] is not None else
                                                       f"stayed below 2/η = {r['threshold']:.3g}")
                     for r in d["runs"])


FIGURES = {"sharpness": figures.sharpness_figure}

SMOKE = Smoke(settings={"etas": (0.4,), "every": 20}, steps=40)
"""Settings small enough for the smoke tests (seconds)."""

KEYS = ("steps", "every", "reach", "band", "sharpness_init", "threshold", "runs")
"""The top-level keys of results.json beyond the header (documented in the README)."""
