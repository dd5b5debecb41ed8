"""dropout-noise: the statistics of inverted dropout, and its noise pushing GD off a symmetric saddle.

1. For h = ReLU(z), z ~ N(0, 1), inverted dropout h~ = h m/(1 - p) has
   E[h~] = 1/sqrt(2 pi) and Var[h~] = 1/(2(1 - p)) - 1/(2 pi)
   (theory.dropout_relu_moments); measured from ``samples`` draws through the
   Dropout module, with standard errors from the fourth moment.
2. The number of units kept among M is Binomial(M, 1 - p); at a fixed mean
   M(1 - p) it tends to Poisson, with the Barbour-Hall bound on the distance.
3. A network whose hidden units start identical stays symmetric under GD (each
   unit gets the same gradient), so GD converges inside the symmetric subspace,
   to a saddle whose negative directions break the symmetry. Dropout's masks
   differ from unit to unit: they break it, and GD leaves the saddle.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .. import theory
from ..figures import dropout_noise as figures
from ..nn.modules import Dropout
from ..seeds import stream
from ..spectrum import spectrum
from .base import Smoke, header
from .common import check_budget, num, point_cost, require, step_work, ticker

MANY_LANDSCAPES = False


@dataclass(frozen=True)
class Settings:
    """The ``[dropout-noise]`` section: the drop probabilities of the moment checks (``p``,
    ``ps``, ``samples``), the kept-unit counts (``units``, ``draws``), the Poisson limit
    (``poisson_units``, ``rate``) and the symmetric-saddle runs (``escape_ps``, ``runs``, ``level``)."""

    p: float = 0.5
    ps: tuple[float, ...] = (0.1, 0.3, 0.5, 0.7, 0.9)
    samples: int = 1_000_000
    units: int = 100
    draws: int = 20000
    poisson_units: tuple[int, ...] = (10, 30, 100, 300, 1000, 3000, 10000)
    rate: float = 5.0
    escape_ps: tuple[float, ...] = (0.1, 0.3)
    runs: int = 16
    level: float = 0.3

    def __post_init__(self):
        require(0 < self.p < 1 and all(0 < q < 1 for q in self.ps + self.escape_ps),
                "p, ps and escape_ps: each must be in (0, 1)")
        require(self.samples >= 100 and self.draws >= 100, "samples and draws: expected at least 100")
        require(self.units >= 1 and all(m >= 1 for m in self.poisson_units), "units: expected positive integers")
        require(0 < self.rate <= min(self.poisson_units), "rate: expected a number in (0, the smallest poisson_units]")
        require(self.runs >= 1, "runs: expected a positive integer")
        require(self.level > 0, "level: expected a positive loss")
        require(max(self.poisson_units) <= 10**7, "poisson_units: each at most 1e7")


def check(scenario, landscapes) -> None:
    """An mlp landscape, and the draws and GD runs within the work and memory bounds."""
    land, src = landscapes[0], scenario.source
    require(land.name == "mlp" and len(land.layers) == 3,
            f"{src}: [landscape]: dropout-noise needs family = \"mlp\" with one hidden layer")
    require(land.layers[1] >= 2, f"{src}: [landscape] layers: the hidden layer needs at least 2 units to be symmetric")
    require(not land.batchnorm, f"{src}: [landscape] batchnorm: leave it off")
    require(len(scenario.optimizers) == 1 and scenario.optimizers[0].name == "gd",
            f"{src}: [run] optimizers: list gd alone (dropout adds its own noise)")
    cfg = scenario.settings
    draws = (len(cfg.ps) + 1) * cfg.samples + cfg.draws * cfg.units
    memory = 8.0 * 4 * max(cfg.samples, cfg.draws * cfg.units)  # the largest sample and its masks
    runs = (1 + len(cfg.escape_ps)) * cfg.runs
    check_budget(scenario, 20.0 * draws + step_work(scenario.steps, runs, 2 * point_cost(land)), memory,
                 fix="lower [dropout-noise] samples, draws, units or runs, or [run] steps")


def moments(p: float, samples: int, rng) -> dict:
    """Mean and variance of h~ = dropout(ReLU(z)) from ``samples`` draws, with the predictions."""
    d = Dropout(p)
    h = np.maximum(rng.standard_normal(samples), 0.0)[:, None]
    ht = d.forward(np.zeros(0), h, d.sample(h.shape, rng))[0][:, 0]
    m = theory.dropout_relu_moments(p)
    return {"p": p, "samples": samples, "mean_measured": float(ht.mean()), "variance_measured": float(ht.var(ddof=1)),
            "mean_predicted": m["mean"], "variance_predicted": m["variance"],
            "mean_se": float(np.sqrt(m["variance"] / samples)),
            "variance_se": float(np.sqrt((m["mu4"] - m["variance"] ** 2) / samples))}


def symmetric_start(land, rng, runs: int) -> np.ndarray:
    """Every hidden unit a copy of one random unit (incoming weights, bias, outgoing weights)."""
    n_in, H, K = land.layers
    theta = np.zeros((runs, land.dim))
    w = rng.standard_normal((runs, 1, n_in)) / np.sqrt(n_in)
    b = 0.1 * rng.standard_normal((runs, 1))
    v = rng.standard_normal((runs, K, 1)) / np.sqrt(H)
    theta[:, :H * n_in] = np.broadcast_to(w, (runs, H, n_in)).reshape(runs, -1)
    theta[:, H * n_in:H * n_in + H] = b
    theta[:, H * n_in + H:H * n_in + H + K * H] = np.broadcast_to(v, (runs, K, H)).reshape(runs, -1)
    return theta


def asymmetry(land, theta) -> np.ndarray:
    """max over units of |incoming weights and bias - unit 1's|: 0 exactly on the symmetric subspace."""
    n_in, H, _ = land.layers
    W = theta[..., :H * n_in].reshape(theta.shape[:-1] + (H, n_in))
    b = theta[..., H * n_in:H * n_in + H]
    u = np.concatenate([W, b[..., None]], -1)
    return np.abs(u - u[..., :1, :]).max(axis=(-2, -1))


@dataclass(frozen=True, eq=False)
class DropoutResult:
    """The moments at ``p`` (``main``) and per p (``sweep``), kept-unit counts (``kept``), the
    Poisson distances; GD and dropout GD from identical hidden units: ``loss`` and ``asym``
    (1 + len(escape_ps), R, K+1), row 0 plain GD; ``gd_end`` what plain GD reached."""

    scenario: object
    landscape: object
    main: dict
    sweep: tuple[dict, ...]
    kept: dict
    poisson: tuple[dict, ...]
    eta: float
    loss: np.ndarray  # (1 + len(escape_ps), runs, steps + 1); row 0 is plain GD
    asym: np.ndarray  # same shape
    gd_end: dict

    def escape_steps(self) -> np.ndarray:
        """First step with loss below the level, per p and run (-1: never)."""
        below = self.loss < self.scenario.settings.level
        return np.where(below.any(-1), below.argmax(-1), -1)

    def to_dict(self) -> dict:
        """The JSON-ready dict: measured against predicted moments, counts, distances, escapes."""
        sc, cfg = self.scenario, self.scenario.settings
        esc = self.escape_steps()
        rows = []
        for i, p in enumerate((0.0,) + cfg.escape_ps):
            ok = esc[i][esc[i] >= 0]
            rows.append({"p": p, "escaped": int(ok.size), "runs": cfg.runs,
                         "median_escape_step": float(np.median(ok)) if ok.size * 2 >= cfg.runs else None,
                         "escape_steps": [int(k) if k >= 0 else None for k in esc[i]],
                         "final_loss_median": float(np.median(self.loss[i, :, -1])),
                         "final_asymmetry_median": float(np.median(self.asym[i, :, -1]))})
        return {**header(sc), "landscape": self.landscape.describe(), "settings": cfg.__dict__,
                **self.main, "sweep": list(self.sweep), "kept_units": self.kept, "poisson": list(self.poisson),
                "escape": {"eta": self.eta, "steps": sc.steps, "level": cfg.level, "runs": rows,
                           "gd_end": self.gd_end}}


def run(scenario, settings, progress=None) -> DropoutResult:
    """The moments per p from ``stream(seed, "moments", p)``, the kept units from
    ``stream(seed, "kept-units")``, the symmetric starts from ``stream(seed, "symmetric-start")``
    and each p's masks from ``stream(seed, "dropout-masks", p)``."""
    scenario = dataclasses.replace(scenario, settings=settings)
    cfg = settings
    land = scenario.build_landscape()
    sweep = tuple(moments(p, cfg.samples, stream(scenario.seed, "moments", p)) for p in sorted(set(cfg.ps) | {cfg.p}))
    main = next(r for r in sweep if r["p"] == cfg.p)
    from scipy import stats

    q = 1 - cfg.p
    masks = Dropout(cfg.p).sample((cfg.draws, cfg.units), stream(scenario.seed, "kept-units"))
    counts = np.bincount((masks > 0).sum(-1), minlength=cfg.units + 1)
    k = np.arange(cfg.units + 1)
    expected = cfg.draws * stats.binom.pmf(k, cfg.units, q)
    ok = expected >= 5
    chi = stats.chisquare(np.r_[counts[ok], counts[~ok].sum()], np.r_[expected[ok], expected[~ok].sum()])
    kept = {"units": cfg.units, "p": cfg.p, "draws": cfg.draws, "counts": counts,
            "binomial_pmf": stats.binom.pmf(k, cfg.units, q), "poisson_pmf": stats.poisson.pmf(k, cfg.units * q),
            "mean_measured": float((counts * k).sum() / cfg.draws), "mean_predicted": cfg.units * q,
            "chi2_pvalue": float(chi.pvalue)}
    poisson = []
    for M in cfg.poisson_units:
        tv, bound = theory.binomial_poisson_distance(M, cfg.rate)
        poisson.append({"units": M, "rate": cfg.rate, "keep": cfg.rate / M, "total_variation": tv, "bound": bound})
    # the symmetric saddle: plain GD, then GD with dropout's masks, from the same starts
    spec = scenario.optimizers[0]
    eta = spec.eta
    theta0 = symmetric_start(land, stream(scenario.seed, "symmetric-start"), cfg.runs)
    X, labels = land.data
    T = np.eye(land.layers[-1])[labels]
    tick = ticker(progress, "training", (1 + len(cfg.escape_ps)) * scenario.steps)
    loss, asym, ends = [], [], []
    for p in (0.0,) + cfg.escape_ps:
        net = land.with_dropout(p) if p > 0 else land.network
        noise = stream(scenario.seed, "dropout-masks", p)
        theta, L, A = theta0.copy(), [], []
        for step in range(scenario.steps + 1):
            L.append(land.value(theta))
            A.append(asymmetry(land, theta))
            if step < scenario.steps:
                masks = net.sample_masks((cfg.runs,), len(X), noise)
                theta = theta - eta * (net.loss_and_grad(theta, X, T, masks)[1] + land.weight_decay * theta)
                tick(1)
        loss.append(np.array(L).T)
        asym.append(np.array(A).T)
        ends.append(theta)
    sp = spectrum(land.hess(ends[0]))
    gd_end = {"index": sp.n_neg, "lambda_min": sp.eigenvalues[:, 0],
              "grad_norm": np.linalg.norm(land.grad(ends[0]), axis=-1), "loss": land.value(ends[0]),
              "asymmetry": asymmetry(land, ends[0])}
    return DropoutResult(scenario, land, main, sweep, kept, tuple(poisson), eta, np.array(loss), np.array(asym), gd_end)


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Moments measured against predicted, kept units, the Poisson limit, and the escapes."""
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    lines = [f"{head}{data['scenario']}: the statistics of dropout, and its noise at a saddle", "",
             data["description"], "",
             "h~ = ReLU(z) m/(1-p), z ~ N(0, 1): E = 1/√(2π), Var = 1/(2(1-p)) - 1/(2π); measured from "
             f"{data['samples']:,} draws per p (± one standard error).", ""]
    rows = [[f"{r['p']:g}", f"{r['mean_measured']:.5f} ± {r['mean_se']:.5f}", f"{r['mean_predicted']:.5f}",
             f"{r['variance_measured']:.5f} ± {r['variance_se']:.5f}", f"{r['variance_predicted']:.5f}",
             f"{(r['variance_measured'] - r['variance_predicted']) / r['variance_se']:+.1f}"] for r in data["sweep"]]
    lines += grid(["p", "mean measured", "predicted", "variance measured", "predicted", "z (variance)"], rows, markdown)
    kp = data["kept_units"]
    lines += ["", f"Kept units among M = {kp['units']} at p = {kp['p']:g}: mean {kp['mean_measured']:.3f} "
                  f"(Binomial mean {kp['mean_predicted']:g}); χ² test against Binomial(M, 1-p): p-value "
                  f"{kp['chi2_pvalue']:.2f} ({kp['draws']} draws).",
              f"Binomial(M, {data['poisson'][0]['rate']:g}/M) → Poisson({data['poisson'][0]['rate']:g}): total variation "
              + ", ".join(f"{r['total_variation']:.1e} (M = {r['units']})" for r in data["poisson"])
              + _bound_clause(data["poisson"]), ""]
    e = data["escape"]
    g = e["gd_end"]
    rows = [[("GD" if r["p"] == 0 else f"GD + dropout p = {r['p']:g}"), f"{r['escaped']}/{r['runs']}",
             "—" if r["median_escape_step"] is None else f"{r['median_escape_step']:.0f}",
             num(r['final_loss_median'], '.3f'), num(r['final_asymmetry_median'], '.2g')] for r in e["runs"]]
    lines += [f"From starts with identical hidden units (η = {e['eta']:g}, {e['steps']} steps; escaped: loss "
              f"below {e['level']:g}):", ""]
    lines += grid(["", "escaped", "median step", "final loss (median)", "asymmetry (median)"], rows, markdown)
    where = ("on the symmetric subspace" if max(g["asymmetry"]) == 0 else "off the symmetric subspace")
    what = "near a saddle" if min(g["index"]) > 0 else "with some runs at a minimum (index 0)"
    lines += ["", f"Plain GD ends {where} (asymmetry {max(g['asymmetry']):.1g}) {what}: index "
                  f"{sorted(set(g['index']))}, |grad| ≤ {max(g['grad_norm']):.1e}, loss {np.median(g['loss']):.3f}."]
    return lines + figure_lines(data, markdown)


def _bound_clause(rows) -> str:
    """Whether every total variation is under its Barbour-Hall bound, said from the numbers."""
    over = [r["units"] for r in rows if r["total_variation"] > r["bound"]]
    if not over:
        return "; each under the Barbour-Hall bound (1 - e^-λ) λ/M."
    return f"; ABOVE the Barbour-Hall bound (1 - e^-λ) λ/M at M = {', '.join(map(str, over))}."


FIGURES = {"dropout-statistics": figures.dropout_statistics_figure, "dropout-escape": figures.dropout_escape_figure}

SMOKE = Smoke(settings={"ps": (0.5,), "samples": 20000, "draws": 2000, "poisson_units": (10, 100, 1000),
                        "runs": 4}, steps=300)
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "p", "mean_measured", "variance_measured", "mean_predicted", "variance_predicted",
        "samples", "mean_se", "variance_se", "sweep", "kept_units", "poisson", "escape",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
