"""saddle-chain: GD needs time exponential in d to pass d saddles in a row; perturbed GD does not.

On the saddle-chain landscape (families/saddle_chain.py, after Du et al. 2017)
every optimizer starts from the same random points in a small ball around the
first saddle, for each chain length d, and runs until it is within
``tolerance`` a of a minimum (|x_i| = a for every i). GD's time is predicted by
the linearised recursion theory.chain_phase_ends, which grows by the factor
1 + ln(1/(1 - eta L)) / ln(1 + eta gamma) per saddle.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .. import theory
from ..dynamics import first_arrival
from ..dynamics import run as run_steps
from ..families.base import MAX_DIM
from ..figures import saddle_chain as figures
from ..optim import ball
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, median, require, step_work, ticker

MANY_LANDSCAPES = False


@dataclass(frozen=True)
class Settings:
    """The ``[saddle-chain]`` section: the chain lengths ``dims``, ``starts`` per d in a ball of
    ``init_radius``, the arrival ``tolerance`` (fraction of a) and the d whose path is drawn."""

    dims: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    starts: int = 16
    init_radius: float = 1e-3
    tolerance: float = 0.1
    show_dim: int = 6

    def __post_init__(self):
        require(all(d >= 1 for d in self.dims), "dims: each must be a positive integer")
        require(self.starts >= 1, "starts: expected a positive integer")
        require(self.init_radius > 0, "init_radius: expected a positive number")
        require(0 < self.tolerance < 1, "tolerance: expected a number in (0, 1)")
        require(self.show_dim >= 1, "show_dim: expected a positive integer")
        require(max(self.dims) <= MAX_DIM, f"dims: each at most {MAX_DIM}")
        require(self.show_dim in self.dims, f"show_dim: must be one of dims {list(self.dims)}")
        require(len(self.dims) <= 1000, "dims: at most 1000 entries")


def check(scenario, landscapes) -> None:
    """The saddle-chain family, and the runs for every d within the work bound."""
    require(landscapes[0].name == "saddle-chain",
            f"{scenario.source}: [landscape]: saddle-chain needs family = \"saddle-chain\"")
    require("dim" not in scenario.landscape_params,
            f"{scenario.source}: [landscape] dim: the study sets it from [saddle-chain] dims")
    cfg = scenario.settings
    ops = sum(len(scenario.optimizers) * step_work(scenario.steps, cfg.starts, d * d + 10 * d) for d in cfg.dims)
    check_budget(scenario, ops, fix="lower [run] steps, [saddle-chain] starts or dims")


@dataclass(frozen=True, eq=False)
class ChainResult:
    """Steps to the minimum per d and optimizer (``chain``: dicts with the median, all steps
    and GD's prediction), and one path per optimizer at ``show_dim`` (``shown``)."""

    scenario: object
    landscape: object  # the chain at the first d, for its parameters
    chain: tuple[dict, ...]
    shown: tuple  # (optimizer, (K+1, d) iterates of one start) at show_dim

    def to_dict(self) -> dict:
        """The JSON-ready dict: the chain rows and the predicted growth factor per saddle."""
        s = self.scenario
        params = {k: v for k, v in self.landscape.params().items() if k != "dim"}
        eta = next((o.eta for o in s.optimizers if o.name == "gd"), None)
        kappa = None
        if eta is not None:
            kappa = float(-np.log1p(-eta * params["L"]) / np.log1p(eta * params["gamma"]))
        return {**header(s), "landscape": {"name": self.landscape.name, "params": params},
                "settings": {**s.settings.__dict__, "steps": s.steps,
                             "optimizers": [{"name": o.name, **o.settings} for o in s.optimizers]},
                "growth_factor_predicted": None if kappa is None else 1 + kappa,
                "chain": list(self.chain)}


def run(scenario, settings, progress=None) -> ChainResult:
    """Each optimizer from the same starts for each d. Starts for d from
    ``stream(seed, "starts", d)``, optimizer j from ``stream(seed, "run", d, name, j)``."""
    scenario = dataclasses.replace(scenario, settings=settings)
    from ..families import build

    cfg = settings
    tick = ticker(progress, "chains", len(cfg.dims) * len(scenario.optimizers))
    rows, first, shown = [], None, ()
    for d in cfg.dims:
        land = build("saddle-chain", {**scenario.landscape_params, "dim": d})
        first = first or land
        x0 = ball(stream(scenario.seed, "starts", d), cfg.starts, d, cfg.init_radius)
        a, tol = land.a, cfg.tolerance * land.a

        def arrived(x):
            return np.max(np.abs(np.abs(x) - a), axis=-1) < tol

        for oi, spec in enumerate(scenario.optimizers):
            steps = first_arrival(land, spec.optimizer, x0, scenario.steps, arrived,
                                  rng=stream(scenario.seed, "run", d, spec.name, oi), bound=scenario.bound)
            row = {"d": d, "optimizer": spec.name, "steps": median(steps),
                   "steps_all": [int(k) if k >= 0 else None for k in steps], "predicted_steps": None}
            if spec.name == "gd":
                ends = theory.chain_phase_ends(x0, spec.eta, land.gamma, land.L, a,
                                               level=1 - cfg.tolerance)
                row["predicted_steps"] = float(np.median(ends[:, -1]))
            rows.append(row)
            if d == cfg.show_dim:
                total = max(int(np.max(steps)) if np.all(steps >= 0) else scenario.steps, 1)
                traj = run_steps(land, spec.optimizer, x0[:1], min(int(1.2 * total) + 10, scenario.steps),
                                 rng=stream(scenario.seed, "run", d, spec.name, oi), bound=scenario.bound)
                shown += ((spec.name, traj.x[:, 0]),)
            tick(1)
    return ChainResult(scenario, first, tuple(rows), shown)


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Median steps per d and optimizer beside GD's prediction, and the growth per saddle."""
    from ..tables import figure_lines, grid
    from .common import fmt_steps

    head = "# " if markdown else ""
    cfg, p = data["settings"], data["landscape"]["params"]
    names = [o["name"] for o in cfg["optimizers"]]
    lines = [f"{head}{data['scenario']}: a chain of d saddles", "", data["description"], "",
             f"γ = {p['gamma']:g}, L = {p['L']:g}, a = {p['a']:g}; {cfg['starts']} starts uniform in the ball of "
             f"radius {cfg['init_radius']:g} around the first saddle; steps until every |x_i| is within "
             f"{cfg['tolerance']:g}·a of a (median over the starts).", ""]
    header = ["d"] + names + (["gd predicted"] if "gd" in names else []) + \
             (["gd ratio to d-1"] if "gd" in names else [])
    rows, prev = [], None
    for d in cfg["dims"]:
        mine = {r["optimizer"]: r for r in data["chain"] if r["d"] == d}
        row = [str(d)] + [fmt_steps(mine[n]["steps"]) for n in names]
        if "gd" in names:
            g = mine["gd"]
            row.append(fmt_steps(g["predicted_steps"]))
            row.append(f"{g['steps'] / prev:.2f}" if prev and g["steps"] else "")
            prev = g["steps"]
        rows.append(row)
    lines += grid(header, rows, markdown)
    if data["growth_factor_predicted"] is not None:
        lines += ["", f"GD's time grows by 1 + ln(1/(1 - ηL))/ln(1 + ηγ) = {data['growth_factor_predicted']:.3f} "
                      "per saddle in the linearised recursion."
                  + _per_saddle(data, names)]
    return lines + figure_lines(data, markdown)


def _per_saddle(data: dict, names) -> str:
    """What perturbed GD's median time per extra saddle is, said from the numbers: "about the
    same" only when every increment is within a factor 2 of their median."""
    if "perturbed-gd" not in names:
        return ""
    steps = [r["steps"] for r in sorted((r for r in data["chain"] if r["optimizer"] == "perturbed-gd"),
                                        key=lambda r: r["d"])]
    if len(steps) < 3 or any(k is None for k in steps):
        return ""
    inc = np.diff(np.asarray(steps, dtype=float))
    mid = float(np.median(inc))
    same = mid > 0 and np.all((inc >= mid / 2) & (inc <= 2 * mid))
    return (f" Perturbed GD pays about the same time per saddle: {mid:.0f} steps (median; "
            f"{inc.min():.0f} to {inc.max():.0f})." if same else
            f" Perturbed GD's time per saddle varies from {inc.min():.0f} to {inc.max():.0f} steps.")


FIGURES = {"chain-steps": figures.chain_figure}

SMOKE = Smoke(settings={"dims": (1, 2, 3), "starts": 4, "show_dim": 2})
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "chain", "growth_factor_predicted",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
