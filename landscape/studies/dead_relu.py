"""dead-relu: ReLU units killed by large GD steps, the flat directions they leave, and batch norm.

A ReLU unit whose input is <= 0 on every sample outputs 0 and passes no
gradient: nothing it owns (incoming weights, bias) or feeds (outgoing weights)
changes f to first or second order, so GD never moves it again and the Hessian
gains fan_in + 1 + fan_out zero eigenvalues per dead unit. A large step kills
units by pushing their inputs below zero on every sample. Batch norm before
the activation re-centres and rescales each unit's inputs over the batch, so
steps on the weights and biases cannot do that (only its beta can).

The study runs GD at each step size in ``etas`` from the same LeCun-normal
starts, without and with batch norm, and counts dead units; one run at
``large_eta`` is followed unit by unit, and its Hessian's zero eigenvalues are
counted against the flat directions the structure predicts
(MLPLoss.flat_directions: dead units plus the exact invariances).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..figures import dead_relu as figures
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, num, point_cost, require, step_work, ticker

MANY_LANDSCAPES = False
TAKES_ETA = False


@dataclass(frozen=True)
class Settings:
    """The ``[dead-relu]`` section: the step sizes ``etas`` (``runs`` starts each), the
    ``large_eta`` of the detailed run, the start scale and the relative zero tolerance."""

    etas: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 10.0)
    runs: int = 32
    large_eta: float = 3.0
    init_scale: float = 1.0
    zero_rtol: float = 1e-9

    def __post_init__(self):
        require(all(e > 0 for e in self.etas), "etas: each must be a positive number")
        require(self.runs >= 1, "runs: expected a positive integer")
        require(self.large_eta > 0, "large_eta: expected a positive number")
        require(0 < self.init_scale <= 100, "init_scale: expected a positive number up to 100 (x LeCun's scale)")
        require(all(e <= 1e6 for e in self.etas) and self.large_eta <= 1e6, "etas and large_eta: at most 1e6")
        require(0 < self.zero_rtol < 1e-3, "zero_rtol: expected a number in (0, 1e-3)")


def check(scenario, landscapes) -> None:
    """An mlp with ReLU, and the GD runs within the work bound."""
    land, src = landscapes[0], scenario.source
    require(land.name == "mlp", f"{src}: [landscape]: dead-relu needs family = \"mlp\"")
    require(land.activation == "relu", f"{src}: [landscape] activation: dead-relu needs \"relu\"")
    require(not land.batchnorm, f"{src}: [landscape] batchnorm: leave it off; the study runs both")
    require(land.weight_decay == 0, f"{src}: [landscape] weight_decay: must be 0 (decay lifts the flat directions)")
    require(len(land.layers) >= 3, f"{src}: [landscape] layers: needs a hidden layer")
    require(len(scenario.optimizers) == 1 and scenario.optimizers[0].name == "gd",
            f"{src}: [run] optimizers: dead-relu sweeps GD's step size: list gd alone")
    cfg = scenario.settings
    runs = 2 * (len(cfg.etas) * cfg.runs + 1)  # the sweep and the recorded run, plain and with batch norm
    # the recorded run keeps theta at every step; the spectra need two dense Hessians
    memory = 8.0 * (2 * (scenario.steps + 1) * land.dim + 4 * land.dim**2)
    check_budget(scenario, step_work(scenario.steps, runs, point_cost(land)) + 8 * land.dim**3, memory,
                 fix="lower [run] steps, [dead-relu] runs or etas, or the layers")


def _dead(land, theta) -> np.ndarray:
    return np.concatenate(land.dead_units(theta), axis=-1)


def _gd(land, theta0, eta, steps: int, tick, record: bool = False):
    """Plain GD, theta <- theta - eta grad f, from theta0 (B, n) through dynamics.iterate,
    with eta a number or a (B, 1) column (one step size per run, all in one batch).

    Returns the final theta (B, n) and, with ``record``, the history: loss (K+1, B),
    dead-unit mask (K+1, B, units) and theta (K+1, B, n). No divergence bound: a
    broken run's loss is part of what the study reports.
    """
    from ..dynamics import iterate
    from ..optim import chain, scale

    opt = chain(scale(-np.asarray(eta, dtype=float)))
    hist = {"loss": [], "dead": [], "theta": []}
    for k, (theta, value, _, _) in enumerate(iterate(land, opt, theta0, bound=np.inf, values=record,
                                                      grad_norms=False)):
        if record:
            hist["loss"].append(value)
            hist["dead"].append(_dead(land, theta))
            hist["theta"].append(theta)
        if k == steps:
            break
        tick(1)
    return theta, {k: np.array(v) for k, v in hist.items()} if record else None


@dataclass(frozen=True, eq=False)
class DeadReluResult:
    """The sweep (a dict per eta and network), the detailed run per network (``detail``:
    loss (K+1,), dead mask (K+1, units)), the step after the first deaths and the Hessian
    analysis there (``spectra`` per network)."""

    scenario: object
    plain: object  # the landscapes without and with batch norm
    bn: object
    sweep: tuple[dict, ...]
    detail: dict  # "plain" / "bn": loss (K+1,), dead (K+1, units)
    analysis_step: int
    spectra: dict  # "plain" / "bn": eigenvalues, zero count, predicted, checks

    def to_dict(self) -> dict:
        """The JSON-ready dict: dead units, zero eigenvalues, flat directions, the sweep."""
        sc, cfg = self.scenario, self.scenario.settings
        p, b = self.spectra["plain"], self.spectra["bn"]
        d_plain, d_bn = self.detail["plain"]["dead"], self.detail["bn"]["dead"]
        widths = list(self.plain.layers[1:-1])
        deaths = []
        for u in np.flatnonzero(d_plain[-1]):
            alive = np.flatnonzero(~d_plain[:, u])
            layer = int(np.searchsorted(np.cumsum(widths), u, side="right"))
            deaths.append({"layer": layer, "unit": int(u - sum(widths[:layer])),
                           "step": int(alive[-1] + 1) if alive.size else 0})
        return {
            **header(sc), "landscape": self.plain.describe(), "settings": cfg.__dict__, "steps": sc.steps,
            "parameters": self.plain.dim, "parameters_batchnorm": self.bn.dim,
            "large_eta": cfg.large_eta, "analysis_step": self.analysis_step,
            "dead_units": int(d_plain[-1].sum()), "dead_units_at_analysis": p["dead"],
            "deaths": deaths,
            "zero_eigenvalues": p["zeros"], "zero_tol": p["tol"], "eigenvalues": p["eigenvalues"],
            "gap": {"largest_zero": p["largest_zero"], "smallest_nonzero": p["smallest_nonzero"]},
            "flat_directions": p["flat"],
            "gradient_on_dead_parameters": p["grad_dead"], "hessian_on_dead_parameters": p["hess_dead"],
            "first_layer_dead_parameters_moved": p["moved"], "revived_units": p["revived"],
            "batchnorm": {"dead_units": int(d_bn[-1].sum()), "dead_units_at_analysis": b["dead"],
                          "zero_eigenvalues": b["zeros"], "zero_tol": b["tol"], "eigenvalues": b["eigenvalues"],
                          "flat_directions": b["flat"], "gradient_on_dead_parameters": b["grad_dead"],
                          "hessian_on_dead_parameters": b["hess_dead"],
                          "gap": {"largest_zero": b["largest_zero"], "smallest_nonzero": b["smallest_nonzero"]}},
            "detail": {"loss": self.detail["plain"]["loss"], "dead": d_plain.sum(-1),
                       "loss_batchnorm": self.detail["bn"]["loss"], "dead_batchnorm": d_bn.sum(-1)},
            "sweep": list(self.sweep),
        }


def _spectrum(land, theta, theta_end, rtol):
    """The Hessian at theta: its zero eigenvalues, and the exact zeros a dead unit puts in it.

    Every parameter a dead unit owns or feeds has zero gradient and a zero Hessian row,
    so the null space holds them and the exact invariances (flat_directions). With
    ReLU's h'' = 0 the Hessian is the Gauss-Newton term (rank <= S (K - 1)) plus
    cross-layer terms, so it has further zero eigenvalues besides these."""
    H = land.hess(theta)
    lam = np.linalg.eigvalsh(H)
    tol = rtol * np.abs(lam).max()
    F = land.flat_directions(theta)
    dead = _dead(land, theta)
    net = land.network
    owned = [net.unit_parameters(layer, j) for layer, w in enumerate(land.layers[1:-1]) for j in range(w)]
    idx = np.unique(np.concatenate([owned[u] for u in np.flatnonzero(dead)] or [np.zeros(0, int)]))
    first = np.flatnonzero(dead[:land.layers[1]])  # first-layer units: their inputs (the data) never change
    idx1 = np.unique(np.concatenate([owned[u] for u in first] or [np.zeros(0, int)]))
    g = land.grad(theta)
    small = np.abs(lam) <= tol
    return {"eigenvalues": lam, "tol": float(tol), "zeros": int(small.sum()), "dead": int(dead.sum()),
            "dead_mask": dead, "hessian": H,
            "largest_zero": float(np.abs(lam[small]).max()) if small.any() else None,
            "smallest_nonzero": float(np.abs(lam[~small]).min()) if (~small).any() else None,
            "flat": {"dead_unit_parameters": int(idx.size), "total": int(len(F)),
                     "invariances": int(len(F)) - int(idx.size),
                     "in_null_space": float(np.abs(H @ F.T).max()) if len(F) else 0.0},
            "grad_dead": float(np.abs(g[idx]).max()) if idx.size else 0.0,
            "hess_dead": float(np.abs(H[idx]).max()) if idx.size else 0.0,
            "moved": float(np.abs(theta_end[idx1] - theta[idx1]).max()) if idx1.size else 0.0,
            "revived": int((dead & ~_dead(land, theta_end)).sum())}


def run(scenario, settings, progress=None) -> DeadReluResult:
    """GD at every eta for both networks from the same starts (``stream(seed, "init")``), then
    one detailed run at ``large_eta`` and the Hessian after the first deaths."""
    scenario = dataclasses.replace(scenario, settings=settings)
    cfg = settings
    plain = scenario.build_landscape()
    bn = dataclasses.replace(plain, batchnorm=True)
    steps = scenario.steps
    etas = np.asarray(cfg.etas)
    starts = {name: land.initial_point(stream(scenario.seed, "init"), cfg.init_scale, count=cfg.runs)
              for name, land in (("plain", plain), ("bn", bn))}  # the same draws: equal linear weights
    tick = ticker(progress, "GD runs", 2 * steps * 2)
    sweep = []
    for name, land in (("plain", plain), ("bn", bn)):
        R, n = starts[name].shape
        theta0 = np.broadcast_to(starts[name], (len(etas), R, n)).reshape(-1, n)  # (E R, n)
        theta, _ = _gd(land, theta0, np.repeat(etas, R)[:, None], steps, tick)
        theta = theta.reshape(len(etas), R, n)
        dead = _dead(land, theta)
        loss = land.value(theta)
        for e, eta in enumerate(etas):
            sweep.append({"eta": float(eta), "batchnorm": name == "bn",
                          "dead_fraction": float(dead[e].mean()), "dead_units_mean": float(dead[e].sum(-1).mean()),
                          "runs_with_dead_units": int(np.any(dead[e], -1).sum()),
                          "loss_median": _nan_median(loss[e]),
                          "diverged": int((~np.isfinite(loss[e])).sum())})
    detail, thetas = {}, {}
    for name, land in (("plain", plain), ("bn", bn)):
        _, hist = _gd(land, starts[name][:1], cfg.large_eta, steps, tick, record=True)
        detail[name] = {"loss": hist["loss"][:, 0], "dead": hist["dead"][:, 0]}
        thetas[name] = hist["theta"][:, 0]
    count = detail["plain"]["dead"].sum(-1)
    dead_steps = np.flatnonzero(count > count[0])  # the first step after the large steps killed a unit
    a = int(dead_steps[0]) if dead_steps.size else steps
    spectra = {name: _spectrum(land, thetas[name][a], thetas[name][-1], cfg.zero_rtol)
               for name, land in (("plain", plain), ("bn", bn))}
    return DeadReluResult(scenario, plain, bn, tuple(sweep), detail, a, spectra)


def _nan_median(v: np.ndarray) -> float | None:
    """The median of the entries that are not NaN; None when every run diverged."""
    v = v[~np.isnan(v)]
    return float(np.median(v)) if v.size else None


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Dead units and median loss per eta with and without batch norm, and the flat directions."""
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    lp = data["landscape"]["params"]
    lines = [f"{head}{data['scenario']}: dead ReLU units and batch norm", "", data["description"], "",
             f"Network {' → '.join(str(w) for w in lp['layers'])} (ReLU, {data['parameters']} parameters; "
             f"{data['parameters_batchnorm']} with batch norm) on {lp['dataset']}; GD for {data['steps']} steps "
             f"from {data['settings']['runs']} LeCun-normal starts at each step size.", ""]
    rows = []
    for e in sorted({r["eta"] for r in data["sweep"]}):
        p = next(r for r in data["sweep"] if r["eta"] == e and not r["batchnorm"])
        b = next(r for r in data["sweep"] if r["eta"] == e and r["batchnorm"])
        rows.append([f"{e:g}", f"{p['dead_fraction']:.1%}", f"{b['dead_fraction']:.1%}",
                     num(p['loss_median'], '.3g'), num(b['loss_median'], '.3g')])
    lines += grid(["η", "dead units", "dead, batch norm", "median loss", "median loss, batch norm"], rows, markdown)
    bn = data["batchnorm"]
    lines += ["", f"One run at η = {data['large_eta']:g}: {len(data['deaths'])} units dead at the end without batch "
                  f"norm (their last step alive: {', '.join(str(d['step'] - 1) for d in data['deaths']) or '—'}), "
                  f"{bn['dead_units']} with it.",
              f"At step {data['analysis_step']}, after the first deaths ({data['dead_units_at_analysis']} dead): the "
              f"gradient on the {data['flat_directions']['dead_unit_parameters']} parameters dead units own or feed is "
              f"{data['gradient_on_dead_parameters']:.1e} and their Hessian rows are {data['hessian_on_dead_parameters']:.1e}: "
              + ("exact zero-gradient, zero-curvature directions."
                 if data['gradient_on_dead_parameters'] == 0 and data['hessian_on_dead_parameters'] == 0 else
                 "not exactly zero, so these are only nearly flat directions.")
              + f" With the {data['flat_directions']['invariances']} "
              f"directions of softmax's shift they span {data['flat_directions']['total']} flat directions "
              f"(|H v| ≤ {data['flat_directions']['in_null_space']:.1e}); the Hessian has {data['zero_eigenvalues']} "
              f"eigenvalues within {data['zero_tol']:.1e} of zero in all: ReLU's h'' = 0 leaves only the Gauss-Newton "
              "and cross-layer terms, of low rank.",
              f"First-layer dead units moved by {data['first_layer_dead_parameters_moved']:.1e} from then to the end; "
              f"{data['revived_units']} deeper units came back to life as the layers below them changed.",
              f"With batch norm: {bn['dead_units_at_analysis']} dead at that step, {bn['zero_eigenvalues']} zero "
              f"eigenvalues, {bn['flat_directions']['total']} flat directions (the bias before each batch norm is flat too)."]
    return lines + figure_lines(data, markdown)


FIGURES = {"dead-units": figures.dead_units_figure, "dead-spectrum": figures.dead_spectrum_figure}

SMOKE = Smoke(settings={"etas": (0.3, 3.0), "runs": 8}, steps=200)
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "dead_units", "zero_eigenvalues", "zero_tol", "analysis_step", "deaths", "flat_directions",
        "gradient_on_dead_parameters", "hessian_on_dead_parameters", "eigenvalues", "batchnorm",
        "sweep", "detail",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
