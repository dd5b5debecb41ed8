"""saddle-escape: every optimizer from the same near-saddle starts, measured next to the theory.

For each landscape the study finds its saddle p, with H(p) = V diag(lambda) V^T,
and starts at p + eps u + offset s (u a random unit vector of the unstable
eigenspace, s of the stable one), ``starts_per_eps`` starts per eps. Each
optimizer runs from the same starts until every run has left the ball
|x - p| <= radius (or the step budget ends), and the escape step and the stall
(iterates with |grad f| < threshold before escaping) are measured. Linear
optimizers get the linearised prediction k* = min_i ln(r / (|c1_i| |y_i|)) / ln|z1_i|
over the unstable directions (theory.predicted_escape).

Sweeps on quadratic saddles then measure GD, heavy ball and Nesterov against
eta, |lambda_min| and the dimension (starts uniform on a small sphere, whose
unstable component has the median rho sqrt(Beta^{-1}(1/2; 1/2, (n-1)/2))).
GD on a quadratic uses the closed form, with no iteration.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from .. import theory
from ..critical import find_critical_points
from ..dynamics import measure_escape, quadratic_escape
from ..families.base import MAX_DIM
from ..figures import saddle_escape as figures
from ..optim import chain, scale, trace
from ..seeds import stream
from ..spectrum import eigh
from .base import Smoke, header
from .common import check_budget, median, point_cost, require, step_work, ticker

MANY_LANDSCAPES = True
MOMENTUM = ("gd", "heavy-ball", "nesterov")


@dataclass(frozen=True)
class Settings:
    """The ``[saddle-escape]`` section: the starts near each saddle (``eps``, ``starts_per_eps``,
    ``stable_offset``), the ball and stall thresholds, and the quadratic sweeps over eta,
    |lambda_min| and dimension (``sweep_*``, ``beta`` for the momentum methods)."""

    eps: tuple[float, ...] = (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12)
    starts_per_eps: int = 8
    radius: float = 0.5
    stable_offset: float = 0.1
    stall_threshold: float = 1e-2
    sweep_etas: tuple[float, ...] = (0.01, 0.02, 0.05, 0.1, 0.2)
    sweep_lambdas: tuple[float, ...] = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
    sweep_dims: tuple[int, ...] = (2, 5, 10, 20, 50, 100, 200, 500, 1000)
    sweep_eps: float = 1e-6
    sweep_starts: int = 1000
    beta: float = 0.9

    def __post_init__(self):
        require(all(0 < e < self.radius for e in self.eps), "eps: each must be in (0, radius)")
        require(self.starts_per_eps >= 1, "starts_per_eps: expected a positive integer")
        for key in ("radius", "stall_threshold", "sweep_eps"):
            require(getattr(self, key) > 0, f"{key}: expected a positive number")
        require(0 <= self.stable_offset < self.radius, "stable_offset: expected a number in [0, radius)")
        require(self.sweep_eps < self.radius, "sweep_eps: expected a number below radius")
        require(all(e > 0 for e in self.sweep_etas), "sweep_etas: each must be positive")
        require(all(v > 0 for v in self.sweep_lambdas), "sweep_lambdas: each must be positive")
        require(all(n >= 2 for n in self.sweep_dims), "sweep_dims: each must be at least 2")
        require(self.sweep_starts >= 10, "sweep_starts: expected at least 10")
        require(max(self.sweep_dims) <= MAX_DIM, f"sweep_dims: each at most {MAX_DIM}")
        require(0 <= self.beta < 1, "beta: expected a number in [0, 1)")


def check(scenario, landscapes) -> None:
    """GD among the optimizers (the baseline), and work and memory within the bounds:
    optimizers x starts x steps on each landscape, plus the sweeps."""
    require(any(o.name == "gd" for o in scenario.optimizers),
            f"{scenario.source}: [run] optimizers: saddle-escape compares with gd, so list it")
    cfg = scenario.settings
    starts = len(cfg.eps) * cfg.starts_per_eps
    ops = sum(len(scenario.optimizers) * step_work(scenario.steps, starts, 4 * point_cost(land))
              for land in landscapes)  # x4: the Newton variants factorise a Hessian per step
    ops += 3 * (len(cfg.sweep_etas) + len(cfg.sweep_lambdas)) * step_work(scenario.steps, len(cfg.sweep_etas), 10)
    ops += sum(cfg.sweep_starts * n * 200 + step_work(scenario.steps, max(cfg.sweep_starts // 10, 10), n)
               for n in cfg.sweep_dims)
    check_budget(scenario, ops, 8.0 * 4 * cfg.sweep_starts * max(cfg.sweep_dims),
                 fix="lower [run] steps, [saddle-escape] starts_per_eps, eps, sweep_starts or sweep_dims")


@dataclass(frozen=True, eq=False)
class Case:
    """One landscape: its saddle, the eigen-decomposition there, and the shared starts."""

    label: str
    landscape: object
    saddle: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray
    eps: np.ndarray  # (B,) the eps of each start
    starts: np.ndarray  # (B, n)
    y0: np.ndarray  # (B, n) the starts in the eigenbasis

    def to_dict(self) -> dict:
        """Label, landscape, saddle (n,) and its eigenvalues (n,)."""
        return {"label": self.label, "landscape": self.landscape.describe(), "saddle": self.saddle,
                "eigenvalues": self.eigenvalues}


@dataclass(frozen=True, eq=False)
class EscapeResult:
    """Per landscape a Case; per run a record (``runs``: dicts, one per start and optimizer);
    medians per (landscape, optimizer, eps); the quadratic sweeps (``sweeps``: dict of row
    lists); one path per optimizer on the first 2-D case with GD's linearised growth."""

    scenario: object
    cases: tuple[Case, ...]
    runs: tuple[dict, ...]
    medians: tuple[dict, ...]
    sweeps: dict
    paths: tuple = field(default=())  # (optimizer, (K+1, 2) iterates) on the first 2-D case
    path_prediction: np.ndarray | None = None  # (K+1,) GD's |y_u(0)| (1 + eta |lambda_min|)^k on it

    def to_dict(self) -> dict:
        """The JSON-ready dict (header, settings, cases, medians, sweeps, runs, path_prediction)."""
        s = self.scenario
        return {**header(s), "optimizers": [o.name for o in s.optimizers],
                "settings": {**s.settings.__dict__, "steps": s.steps,
                             "optimizers": [{"name": o.name, **o.settings} for o in s.optimizers]},
                "cases": [c.to_dict() for c in self.cases], "medians": list(self.medians),
                "sweeps": self.sweeps, "runs": list(self.runs),
                "path_prediction": self.path_prediction}


def _label(land) -> str:
    if land.name != "quadratic":
        return land.name
    neg = int(np.sum(np.linalg.eigvalsh(land.H) < 0))
    return f"quadratic n={land.dim}, {neg} negative"


def _case(land, index: int, scenario) -> Case:
    cfg = scenario.settings
    known = land.known_critical_points()
    if land.name == "quadratic" and known is not None:
        p = known[0]
    else:
        crit = find_critical_points(land, scenario.domain, starts=scenario.critical_starts, seed=scenario.seed,
                                    jobs=scenario.jobs)
        saddles = crit.of_kind("saddle")
        require(bool(saddles), f"{scenario.source}: landscape {index + 1} ({land.name}) has no saddle to escape")
        centre = np.mean(crit.domain, axis=1)
        p = min(saddles, key=lambda c: float(np.linalg.norm(c.x - centre))).x
    lam, V = eigh(land.hess(p))
    unstable, stable = lam < 0, lam > 0
    require(unstable.any(), f"{scenario.source}: landscape {index + 1} ({land.name}) has no saddle to escape")
    rng = stream(scenario.seed, "starts", index)
    eps = np.repeat(np.asarray(cfg.eps), cfg.starts_per_eps)
    y0 = np.zeros((len(eps), land.dim))
    y0[:, unstable] = _unit(rng, len(eps), int(unstable.sum())) * eps[:, None]
    if stable.any():
        y0[:, stable] = _unit(rng, len(eps), int(stable.sum())) * cfg.stable_offset
    return Case(_label(land), land, p, lam, V, eps, p + y0 @ V.T, y0)


def _unit(rng, m: int, n: int) -> np.ndarray:
    d = rng.standard_normal((m, n))
    return d / np.linalg.norm(d, axis=-1, keepdims=True)


def predicted(spec, lam, y0, radius: float) -> np.ndarray:
    """Linearised escape step per start (B,) for a linear method, else NaN: the first
    unstable direction to reach the radius on its own."""
    if spec.name not in theory.LINEAR_METHODS:
        return np.full(len(y0), np.nan)
    eta, beta = spec.eta, spec.get("beta", 0.0)
    damping = spec.get("damping", 0.0)
    best = np.full(len(y0), np.inf)
    for i in np.flatnonzero(lam < 0):  # a handful of unstable directions
        k = theory.predicted_escape(spec.name, lam[i], y0[:, i], radius, eta, beta, damping)
        best = np.fmin(best, k)
    return np.where(np.isfinite(best), best, np.nan)


def _stall_prediction(case: Case, eta: float, cfg) -> np.ndarray:
    """GD's stall in the linear model, the closed form at the saddle's Hessian."""
    _, stall = quadratic_escape(1 - eta * case.eigenvalues, case.y0, cfg.radius, case.eigenvalues,
                                cfg.stall_threshold)
    return stall


def outcomes(case: Case, meas, cfg) -> np.ndarray:
    """Per start: 'escaped', 'diverged', 'saddle' (converged to it: inside the ball with
    |grad f| <= 1e-8 x the curvature scale) or 'inside' (still there when the budget ran out)."""
    at_saddle = (np.linalg.norm(meas.final - case.saddle, axis=-1) <= cfg.radius) & \
                (meas.final_grad_norm <= 1e-8 * max(1.0, float(np.abs(case.eigenvalues).max())))
    return np.where(meas.escape_step >= 0, "escaped",
                    np.where(meas.diverged_step >= 0, "diverged", np.where(at_saddle, "saddle", "inside")))


def _records(case: Case, spec, meas, outcome, pred, stall_pred) -> list[dict]:
    final_value = case.landscape.value(np.where(np.isfinite(meas.final), meas.final, 0.0))
    eta = spec.eta
    return [{
        "landscape": case.label, "optimizer": spec.name, "eta": eta,
        "eps": float(case.eps[i]), "start": case.starts[i],
        "escape_step": int(meas.escape_step[i]) if meas.escape_step[i] >= 0 else None,
        "predicted_escape_step": float(pred[i]) if np.isfinite(pred[i]) else None,
        "stall_steps": int(meas.stall_steps[i]),
        "predicted_stall_steps": int(stall_pred[i]) if stall_pred is not None else None,
        "final": meas.final[i], "final_value": float(final_value[i]) if outcome[i] != "diverged" else None,
        "outcome": str(outcome[i]), "ends_at": case.saddle if outcome[i] == "saddle" else None,
        "diverged_step": int(meas.diverged_step[i]) if meas.diverged_step[i] >= 0 else None,
        "start_eigen_coordinates": case.y0[i]} for i in range(len(case.eps))]


def run(scenario, settings, progress=None) -> EscapeResult:
    """Every optimizer from the same starts on every landscape, the linearised predictions,
    and the sweeps. Randomness: landscape i's starts from ``stream(seed, "starts", i)``,
    optimizer j on it from ``stream(seed, "escape", i, name, j)``, the paths from
    ``stream(seed, "path", name, j)``, the dimension sweep's starts per n from
    ``stream(seed, "dim-sweep", n)``."""
    scenario = dataclasses.replace(scenario, settings=settings)
    cfg = settings
    cases = [_case(land, i, scenario) for i, land in enumerate(scenario.build_landscapes())]
    tick = ticker(progress, "escaping", len(cases) * len(scenario.optimizers))
    runs, medians = [], []
    for ci, case in enumerate(cases):
        for oi, spec in enumerate(scenario.optimizers):
            meas = measure_escape(case.landscape, spec.optimizer, case.starts, scenario.steps, case.saddle,
                                  cfg.radius, cfg.stall_threshold, rng=stream(scenario.seed, "escape", ci, spec.name, oi),
                                  bound=scenario.bound, until_escaped=True)
            pred = predicted(spec, case.eigenvalues, case.y0, cfg.radius)
            stall_pred = _stall_prediction(case, spec.eta, cfg) if spec.name == "gd" else None
            outcome = outcomes(case, meas, cfg)
            runs += _records(case, spec, meas, outcome, pred, stall_pred)
            for e in cfg.eps:
                sel = case.eps == e
                medians.append({
                    "landscape": case.label, "optimizer": spec.name, "eps": e,
                    "median_escape_step": median(meas.escape_step[sel]),
                    "predicted_escape_step": (float(np.median(pred[sel])) if np.isfinite(pred[sel]).all()
                                              else None),
                    "median_stall_steps": float(np.median(meas.stall_steps[sel])),
                    "escaped": int(np.sum(meas.escape_step[sel] >= 0)),
                    "converged_to_saddle": int(np.sum(outcome[sel] == "saddle")),
                    "starts": int(sel.sum())})
            tick(1)
    sweeps = _sweeps(scenario, progress)
    paths, growth = _paths(cases, scenario)
    return EscapeResult(scenario, tuple(cases), tuple(runs), tuple(medians), sweeps, paths, growth)


def _paths(cases, scenario):
    """One path per optimizer on the first 2-D landscape, from its start at the middle eps:
    ((name, (K+1, 2) iterates), ...), and GD's linearised distance from the stable manifold
    |y_u(0)| (1 + eta |lambda_min|)^k for k = 0..K (None without gd or a 2-D landscape)."""
    from ..dynamics import run as run_steps

    case = next((c for c in cases if c.landscape.dim == 2), None)
    if case is None:
        return (), None
    cfg = scenario.settings
    e = cfg.eps[len(cfg.eps) // 2]
    x0 = case.starts[np.flatnonzero(case.eps == e)[:1]]
    out = []
    for oi, spec in enumerate(scenario.optimizers):
        traj = run_steps(case.landscape, spec.optimizer, x0, min(scenario.steps, 400),
                         rng=stream(scenario.seed, "path", spec.name, oi), bound=scenario.bound)
        out.append((spec.name, traj.x[:, 0]))
    gd = next((o for o in scenario.optimizers if o.name == "gd"), None)
    growth = None
    if gd is not None:
        v = case.eigenvectors[:, int(np.argmin(case.eigenvalues))]
        y0 = abs(float((x0[0] - case.saddle) @ v))
        growth = y0 * (1 + gd.eta * abs(float(case.eigenvalues.min()))) ** np.arange(min(scenario.steps, 400) + 1)
    return tuple(out), growth


# --- sweeps on quadratic saddles ---------------------------------------------------

def _momentum_optimizer(method: str, eta, beta: float):
    """GD, heavy ball or Nesterov with eta an (E, 1) column: one run for many etas."""
    if method == "gd":
        return chain(scale(-eta))
    return chain(trace(beta, nesterov=method == "nesterov"), scale(-eta))


def _quadratic_saddle(lam_u: float, stable, seed: int):
    from ..families import build

    return build("quadratic", {"eigenvalues": [-lam_u, *stable], "rotation": "identity", "seed": seed})


def _gd_stall(land, y0, eta: float, cfg) -> int:
    """GD's stall from y0 on a diagonal quadratic saddle, in closed form."""
    lam = np.diag(land.H)
    return int(quadratic_escape(1 - eta * lam, y0[None], cfg.radius, lam, cfg.stall_threshold)[1][0])


def _sweeps(scenario, progress) -> dict:
    cfg = scenario.settings
    gd_spec = next(o for o in scenario.optimizers if o.name == "gd")
    eta0 = gd_spec.eta
    stable = np.linspace(0.5, 4.0, 9)  # the stable spectrum of the 10-D sweep saddle
    r, e0, beta = cfg.radius, cfg.sweep_eps, cfg.beta
    y_start = np.zeros(1 + len(stable))
    y_start[0] = e0
    y_start[1:] = cfg.stable_offset / np.sqrt(len(stable))
    tick = ticker(progress, "sweeping", len(cfg.sweep_lambdas) + len(cfg.sweep_dims) + 1)

    # eta: all etas in one batch per method
    land = _quadratic_saddle(1.0, stable, scenario.seed)
    etas = np.asarray(cfg.sweep_etas)
    eta_rows = []
    for method in MOMENTUM:
        meas = measure_escape(land, _momentum_optimizer(method, etas[:, None], beta),
                              np.tile(y_start, (len(etas), 1)), scenario.steps, np.zeros(land.dim), r,
                              cfg.stall_threshold, bound=scenario.bound, until_escaped=True)
        for j, eta in enumerate(etas):
            eta_rows.append({"optimizer": method, "eta": eta, "beta": beta if method != "gd" else None,
                             "escape_step": int(meas.escape_step[j]) if meas.escape_step[j] >= 0 else None,
                             "predicted_escape_step": float(theory.predicted_escape(method, -1.0, e0, r, eta, beta)),
                             "stall_steps": int(meas.stall_steps[j]),
                             "predicted_stall_steps": _gd_stall(land, y_start, eta, cfg) if method == "gd" else None})
    tick(1)

    # |lambda_min|: one landscape each
    lam_rows = []
    for lam_u in cfg.sweep_lambdas:
        land = _quadratic_saddle(lam_u, stable, scenario.seed)
        for method in MOMENTUM:
            meas = measure_escape(land, _momentum_optimizer(method, eta0, beta), y_start[None], scenario.steps,
                                  np.zeros(land.dim), r, cfg.stall_threshold, bound=scenario.bound,
                                  until_escaped=True)
            k = meas.escape_step[0]
            lam_rows.append({"optimizer": method, "lambda_min": -lam_u, "eta": eta0,
                             "escape_step": int(k) if k >= 0 else None,
                             "stall_steps": int(meas.stall_steps[0]),
                             "predicted_stall_steps": _gd_stall(land, y_start, eta0, cfg) if method == "gd" else None,
                             "predicted_escape_step": float(theory.predicted_escape(method, -lam_u, e0, r, eta0, beta))})
        tick(1)

    # dimension: starts uniform on the sphere of radius sweep_eps around the saddle
    dim_rows = []
    for n in cfg.sweep_dims:
        lam = np.concatenate([[-1.0], np.linspace(0.5, 4.0, n - 1)])
        y0 = _unit(stream(scenario.seed, "dim-sweep", n), cfg.sweep_starts, n) * e0
        gd_steps, _ = quadratic_escape(1 - eta0 * lam, y0, r)  # closed form: no iteration
        m = theory.median_unstable_fraction(n)
        row = {"dim": n, "starts": cfg.sweep_starts, "unstable_median": m * e0,
               "gd_median_escape_step": median(gd_steps),
               "gd_predicted_median": float(theory.predicted_escape("gd", -1.0, m * e0, r, eta0))}
        few = y0[: max(cfg.sweep_starts // 10, 10)]
        land = _quadratic_saddle(1.0, lam[1:], scenario.seed)
        meas = measure_escape(land, _momentum_optimizer("heavy-ball", eta0, beta), few, scenario.steps,
                              np.zeros(n), r, cfg.stall_threshold, bound=scenario.bound, until_escaped=True)
        row.update({"heavy_ball_starts": len(few), "heavy_ball_median_escape_step": median(meas.escape_step),
                    "heavy_ball_predicted_median": float(theory.predicted_escape(
                        "heavy-ball", -1.0, m * e0, r, eta0, beta))})
        dim_rows.append(row)
        tick(1)
    return {"stable_eigenvalues": stable, "eps": e0, "radius": r, "beta": beta, "eta": eta0,
            "eta_sweep": eta_rows, "lambda_sweep": lam_rows, "dim_sweep": dim_rows}


# --- tables -----------------------------------------------------------------------

def tables(data: dict, markdown: bool = False) -> list[str]:
    """Medians per landscape and eps for every optimizer beside its prediction, then the
    sweeps (eta, |lambda_min|, dimension) and GD's stall."""
    from ..tables import figure_lines, grid
    from .common import fmt_steps

    head = "# " if markdown else ""
    cfg = data["settings"]
    lines = [f"{head}{data['scenario']}: escaping saddles", "", data["description"], "",
             f"{cfg['starts_per_eps']} starts per ε at distance ε from the stable manifold (and "
             f"{cfg['stable_offset']:g} along it); escape = first step outside |x - p| <= {cfg['radius']:g}; "
             f"stall = steps with |grad f| < {cfg['stall_threshold']:g} before it. Medians over the starts; "
             "'pred' is the linearised prediction.", ""]
    eps = cfg["eps"]
    for case in data["cases"]:
        rows = [m for m in data["medians"] if m["landscape"] == case["label"]]
        lam = np.asarray(case["eigenvalues"])
        title = (f"{case['label']}: saddle eigenvalues {', '.join(f'{v:.3g}' for v in lam[lam < 0])} "
                 f"(negative), {lam[lam > 0].min():.3g} .. {lam.max():.3g} (positive)")
        lines += [f"## {title}" if markdown else title, ""]
        header = ["optimizer"] + [f"ε={e:.0e}" for e in eps] + ["outcome"]
        table = []
        for name in data["optimizers"]:
            mine = [m for m in rows if m["optimizer"] == name]
            cells = [fmt_steps(m["median_escape_step"]) for m in mine]
            escaped = sum(m["escaped"] for m in mine)
            total = sum(m["starts"] for m in mine)
            to_saddle = sum(m["converged_to_saddle"] for m in mine)
            note = f"{escaped}/{total} escaped" + (f", {to_saddle} converged to the saddle" if to_saddle else "")
            table.append([name] + cells + [note])
            if mine and mine[0]["predicted_escape_step"] is not None:
                table.append([f"  {name} pred"] + [fmt_steps(m["predicted_escape_step"]) for m in mine] + [""])
        lines += grid(header, table, markdown) + [""]
    sw = data["sweeps"]
    lines += [f"## Sweeps on a quadratic saddle (GD, heavy ball and Nesterov with β = {sw['beta']:g})"
              if markdown else f"Sweeps on a quadratic saddle (beta = {sw['beta']:g}):", "",
              f"Start: ε = {sw['eps']:g} along the unstable direction, radius {sw['radius']:g}; "
              "measured escape step, and the prediction from the largest root of each method's recurrence.", ""]
    for key, col, what in (("eta_sweep", "eta", "η"), ("lambda_sweep", "lambda_min", "λ_min")):
        values = sorted({r[col] for r in sw[key]}, key=abs)
        header = [what] + [f"{m} {k}" for m in MOMENTUM for k in ("meas", "pred")]
        table = []
        for v in values:
            row = [f"{v:g}"]
            for m in MOMENTUM:
                r = next(r for r in sw[key] if r[col] == v and r["optimizer"] == m)
                row += [fmt_steps(r["escape_step"]), f"{r['predicted_escape_step']:.1f}"]
            table.append(row)
        lines += grid(header, table, markdown) + [""]
    stall = [r for r in sw["eta_sweep"] + sw["lambda_sweep"] if r["optimizer"] == "gd"]
    lines += [f"GD's stall (steps with |grad f| < {cfg['stall_threshold']:g}), measured / linear model: "
              + ", ".join(f"{'η' if 'lambda_min' not in r else 'λ_min'} = {r.get('lambda_min', r['eta']):g}: "
                          f"{r['stall_steps']} / {r['predicted_stall_steps']}" for r in stall) + ".", ""]
    header = ["dim", "GD median (closed form)", "GD pred", "heavy-ball median", "heavy-ball pred"]
    table = [[str(r["dim"]), fmt_steps(r["gd_median_escape_step"]), f"{r['gd_predicted_median']:.1f}",
              fmt_steps(r["heavy_ball_median_escape_step"]), f"{r['heavy_ball_predicted_median']:.1f}"]
             for r in sw["dim_sweep"]]
    lines += [f"Dimension: starts uniform on the sphere of radius {sw['eps']:g}; the unstable component's "
              "median shrinks like 0.67/sqrt(n).", ""] + grid(header, table, markdown)
    return lines + figure_lines(data, markdown)


FIGURES = {"escape-times": figures.escape_times_figure, "escape-sweeps": figures.escape_sweeps_figure,
           "escape-curves": figures.escape_curves_figure}

SMOKE = Smoke(settings={"eps": (1e-2, 1e-6), "starts_per_eps": 3, "sweep_etas": (0.05, 0.1),
                        "sweep_lambdas": (0.5, 1.0), "sweep_dims": (2, 20), "sweep_starts": 40}, landscapes=2)
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "optimizers", "runs", "medians", "sweeps", "cases",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
