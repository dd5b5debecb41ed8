"""linear-net: plateaus then drops in a two-layer linear network, against Saxe et al. (2014).

From a balanced start aligned with the modes (families/linear_net.py), mode a
of strength s_a grows from u0 as u(t) = s e^{2st} / (e^{2st} - 1 + s/u0) under
gradient flow, t = eta x steps; it is learnt (u = fraction x s) at
t = ln(u_f (s - u0) / (u0 (s - u_f))) / (2s). GD with a small eta follows the
flow up to O(eta s): per step it multiplies a small mode by (1 + eta s)^2 where the
flow gives e^{2 eta s}. Optionally a second run from a small random start shows
the same staircase without the alignment.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .. import theory
from ..dynamics import iterate
from ..figures import linear_net as figures
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, num, point_cost, require, step_work

MANY_LANDSCAPES = False


@dataclass(frozen=True)
class Settings:
    """The ``[linear-net]`` section: the balanced start ``u0``, the learnt ``fraction`` of a
    mode, and the scale of an optional random start (0: none)."""

    u0: float = 1e-3
    fraction: float = 0.5
    random_init: float = 0.0

    def __post_init__(self):
        require(self.u0 > 0, "u0: expected a positive number")
        require(0 < self.fraction < 1, "fraction: expected a number in (0, 1)")
        require(self.random_init >= 0, "random_init: expected a number >= 0 (0: no random start)")


def check(scenario, landscapes) -> None:
    """The linear-net family, u0 below every mode strength, and the run within the work bound."""
    land = landscapes[0]
    require(land.name == "linear-net", f"{scenario.source}: [landscape]: linear-net needs family = \"linear-net\"")
    require(len(scenario.optimizers) == 1 and scenario.optimizers[0].name == "gd",
            f"{scenario.source}: [run] optimizers: linear-net compares GD with gradient flow: list gd alone")
    s = land.modes[0]
    require(bool(np.all(scenario.settings.u0 < s)), f"{scenario.source}: [linear-net] u0: must be below every strength")
    require(land.hidden >= s.size, f"{scenario.source}: [landscape] hidden: the aligned start needs one unit per mode")
    check_budget(scenario, step_work(scenario.steps, 2, 4 * point_cost(land)),
                 8.0 * 2 * (scenario.steps + 1) * (land.dim + s.size), fix="lower [run] steps or the network's size")


@dataclass(frozen=True, eq=False)
class LinearNetResult:
    """GD from the balanced start: ``loss`` (K+1,) and mode strengths ``strengths`` (K+1, m);
    the same from the random start, or None."""

    scenario: object
    landscape: object
    eta: float
    loss: np.ndarray  # (K+1,)
    strengths: np.ndarray  # (K+1, m)
    random_loss: np.ndarray | None
    random_strengths: np.ndarray | None

    def learn_steps(self, strengths) -> list[int | None]:
        """Per mode (m of them), the first step its strength reaches ``fraction`` x s, or None;
        ``strengths`` (K+1, m)."""
        s = self.landscape.modes[0]
        f = self.scenario.settings.fraction
        out = []
        for a in range(s.size):
            hit = np.flatnonzero(strengths[:, a] >= f * s[a])
            out.append(int(hit[0]) if len(hit) else None)
        return out

    def predicted_curves(self):
        """(loss, strengths) of gradient flow at t = eta k for the recorded steps."""
        s = self.landscape.modes[0]
        t = self.eta * np.arange(len(self.loss))[:, None]
        u = theory.saxe_mode_strength(s, self.scenario.settings.u0, t)
        return 0.5 * np.sum((s - u) ** 2, -1), u

    def to_dict(self) -> dict:
        """The JSON-ready dict: per mode the learning time measured, under gradient flow and
        under GD, and the gradient-flow curves the figure draws."""
        sc, cfg = self.scenario, self.scenario.settings
        s = self.landscape.modes[0]
        measured = self.learn_steps(self.strengths)
        predicted = theory.saxe_learn_time(s, cfg.u0, cfg.fraction) / self.eta
        discrete = theory.saxe_gd_learn_steps(s, cfg.u0, self.eta, cfg.fraction)
        out = {**header(sc), "landscape": self.landscape.describe(), "eta": self.eta, "steps": sc.steps,
               "settings": cfg.__dict__,
               "modes": [{"s": float(s[a]), "u0": cfg.u0, "learn_time_measured": measured[a],
                          "learn_time_predicted": float(predicted[a]),
                          "learn_time_predicted_gd": float(discrete[a]),
                          "relative_error": None if measured[a] is None else float(measured[a] / predicted[a] - 1)}
                         for a in range(s.size)],
               "loss_initial": float(self.loss[0]), "loss_final": float(self.loss[-1])}
        flow_loss, flow_u = self.predicted_curves()
        out["gradient_flow"] = {"loss": flow_loss, "strengths": flow_u}  # what the figure draws, per step
        if self.random_strengths is not None:
            out["random_init"] = {"scale": cfg.random_init,
                                  "learn_time_measured": self.learn_steps(self.random_strengths),
                                  "loss_final": float(self.random_loss[-1])}
        return out


def _record(land, opt, theta0, steps):
    losses, strengths = [], []
    for k, (x, v, _, _) in enumerate(iterate(land, opt, theta0[None])):
        losses.append(v[0])
        strengths.append(land.mode_strengths(x[0]))
        if k == steps:
            break
    return np.array(losses), np.array(strengths)


def run(scenario, settings, progress=None) -> LinearNetResult:
    """GD from the balanced start u0 (and from a random one from
    ``stream(seed, "random-start")`` when ``random_init`` > 0), recording the mode strengths."""
    scenario = dataclasses.replace(scenario, settings=settings)
    land = scenario.build_landscape()
    spec = scenario.optimizers[0]
    cfg = settings
    loss, strengths = _record(land, spec.optimizer, land.balanced_start(cfg.u0), scenario.steps)
    r_loss = r_strengths = None
    if cfg.random_init > 0:
        theta = cfg.random_init * stream(scenario.seed, "random-start").standard_normal(land.dim)
        r_loss, r_strengths = _record(land, spec.optimizer, theta, scenario.steps)
    return LinearNetResult(scenario, land, spec.eta, loss, strengths, r_loss, r_strengths)


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Learning time of each mode: measured, gradient flow, GD's discrete prediction."""
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    frac = data["settings"]["fraction"]
    lines = [f"{head}{data['scenario']}: learning a linear network mode by mode", "", data["description"], "",
             f"GD with η = {data['eta']:g} from a balanced start aligned with the modes, each at strength "
             f"u0 = {data['settings']['u0']:g}. A mode counts as learnt at u = {frac:g}·s. The prediction is "
             "the gradient-flow time of Saxe et al. (2014) divided by η.", ""]
    header = ["strength s", "u0", "learnt at step", "predicted (flow)", "relative error",
              "flow × ηs/ln(1+ηs)"]
    rows = [[f"{m['s']:g}", f"{m['u0']:g}", "—" if m["learn_time_measured"] is None else str(m["learn_time_measured"]),
             f"{m['learn_time_predicted']:.1f}",
             "—" if m["relative_error"] is None else f"{m['relative_error']:+.2%}",
             f"{m['learn_time_predicted_gd']:.1f}"] for m in data["modes"]]
    lines += grid(header, rows, markdown)
    lines += ["", "The last column corrects for the step: while u << s, GD multiplies u by (1 + ηs)² per "
                  "step where the flow gives e^{2ηs}."]
    lines += ["", f"Loss {num(data['loss_initial'], '.4g')} at the start, {num(data['loss_final'], '.3g')} after {data['steps']} steps."]
    if "random_init" in data:
        r = data["random_init"]
        lines.append(f"From a random start of scale {r['scale']:g} the modes are learnt at steps "
                     + ", ".join("—" if k is None else str(k) for k in r["learn_time_measured"])
                     + f" (loss {num(r['loss_final'], '.3g')} at the end).")
    return lines + figure_lines(data, markdown)


FIGURES = {"learning-curves": figures.linear_net_figure}

SMOKE = Smoke(steps=1000)
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "modes", "random_init",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
