"""training: a network trained by mini-batch SGD on real data, its Hessian along the way, and slices of its loss.

Each run (one per ``batchnorm`` entry: without and with batch norm after every linear layer)
starts from the same LeCun-normal weights (``stream(seed, "init")``) and trains with the
scenario's optimizer for ``epochs`` epochs of mini-batches (``nn.training.train``: shuffling,
dropout masks and the optimizer's noise from named streams of the seed). Along the run:

- per epoch: the training loss, the test loss and the test accuracy (inference mode), and the
  sharpness lambda_max of the training loss's Hessian, next to GD's stability bound 2/eta;
- at the end, matrix-free (``nn.curvature``; H is never formed): the ``top`` largest
  eigenvalues, the outliers among them (the largest ratio lambda_j / lambda_(j+1) of the sorted
  top eigenvalues splits them from the bulk; Sagun et al. 2017 and Papyan 2019 relate their
  number to the C classes), the smallest eigenvalue, Hutchinson's trace with its standard error,
  and the share of negative eigenvalues (the SLQ mass below minus the kernel width): how far from
  a minimum SGD stops, as an index fraction;
- the eigenvalue density by stochastic Lanczos quadrature at the initialisation, mid-training
  and the end (``probes`` probes, ``lanczos_steps`` steps, a Gaussian kernel of width ``kernel``
  times the spectrum's span);
- loss slices (``nn.slices``): the line from the initialisation through the trained point
  (Goodfellow et al. 2015), and planes through the trained point along two filter-normalised
  random directions (Li et al. 2018), along the top two Hessian eigenvectors, and along the
  path's own first two principal directions (where a projected path is not a speck: a random
  plane of ten thousand dimensions holds a few percent of it), the training path projected on each.

The Hessian is that of the training objective (all training images, or the first
``hessian_samples``; batch norm in train mode with the batch's statistics; dropout off).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..figures import training as figures
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, num, require, ticker

MANY_LANDSCAPES = False
TAKES_ETA = True
OPTIMIZERS = ("gd", "heavy-ball", "nesterov", "noisy-gd", "adam")
"""Optimizers that need only the mini-batch gradient (the Newton kinds need a Hessian per step)."""


@dataclass(frozen=True)
class Settings:
    """The ``[training]`` section: the runs (``batchnorm``), the training (``epochs``, ``batch``,
    ``dropout``, ``weight_decay``, ``init_scale``), the curvature (``hessian_samples``, ``top``,
    ``probes``, ``lanczos_steps``, ``kernel``, ``trace_probes``) and the slices (``line``,
    ``grid``, ``span``)."""

    epochs: int = 10
    batch: int = 128
    batchnorm: tuple[bool, ...] = (False, True)
    dropout: float = 0.0
    weight_decay: float = 0.0
    init_scale: float = 1.0
    hessian_samples: int = 0
    top: int = 20
    probes: int = 6
    lanczos_steps: int = 64
    kernel: float = 0.01
    trace_probes: int = 100
    line: int = 81
    grid: int = 25
    span: float = 1.0

    def __post_init__(self):
        require(self.epochs >= 2, "epochs: expected at least 2 (the density is drawn mid-training)")
        require(self.batch >= 1, "batch: expected a positive integer")
        require(len(set(self.batchnorm)) == len(self.batchnorm), "batchnorm: list each of false, true at most once")
        require(0 <= self.dropout < 1, "dropout: expected a probability in [0, 1)")
        require(self.weight_decay >= 0 and self.init_scale > 0, "weight_decay >= 0 and init_scale > 0 expected")
        require(self.hessian_samples >= 0, "hessian_samples: expected 0 (all) or a positive count")
        require(2 <= self.top <= 200, "top: expected 2 to 200 eigenvalues")
        require(1 <= self.probes <= 100 and 4 <= self.lanczos_steps <= 500,
                "probes: expected 1 to 100, lanczos_steps 4 to 500")
        require(0 < self.kernel < 0.5, "kernel: expected a fraction of the spectrum's span in (0, 0.5)")
        require(self.trace_probes >= 2, "trace_probes: expected at least 2 (for a standard error)")
        require(self.line >= 5 and (self.line - 1) % 4 == 0,
                "line: expected 4k + 1 points (5, 9, ..., 81: a = 0 and a = 1 are on the line from -0.5 to 1.5)")
        require(3 <= self.grid <= 201 and self.grid % 2 == 1, "grid: expected an odd count from 3 to 201 (the "
                                                               "trained point at the centre)")
        require(self.span > 0, "span: expected a positive half-width")


def check(scenario, landscapes) -> None:
    """An mlp landscape, one gradient-only optimizer, and the work and memory within bounds."""
    land, src = landscapes[0], scenario.source
    require(land.name == "mlp", f"{src}: [landscape]: training needs family = \"mlp\"")
    require(len(scenario.optimizers) == 1, f"{src}: [run] optimizers: training takes one optimizer")
    name = scenario.optimizers[0].name
    require(name in OPTIMIZERS, f"{src}: [run] optimizers: training steps with the mini-batch gradient alone: "
                                f"{', '.join(OPTIMIZERS)}, not {name}")
    cfg = scenario.settings
    samples = len(land.data[1])
    require(cfg.batch <= samples, f"{src}: [training] batch: {cfg.batch} is more than the {samples} training samples")
    require(cfg.top < land.dim - 1, f"{src}: [training] top: expected fewer than the {land.dim - 1} parameters")
    S, n = float(samples), float(land.dim) * 1.05
    H = float(min(cfg.hessian_samples or samples, samples))
    runs = len(cfg.batchnorm)
    hvps = (cfg.epochs + 1) * 40 + 4 * cfg.top + 300 + cfg.trace_probes + 3 * cfg.probes * cfg.lanczos_steps
    ops = runs * (cfg.epochs * S * n * 20 + hvps * 60 * H * n + (cfg.line + 2 * cfg.grid ** 2) * 20 * S * n)
    steps = cfg.epochs * -(-samples // cfg.batch)
    memory = 8.0 * n * max(steps + 1, cfg.probes * (cfg.lanczos_steps + 1), 4 * cfg.top)
    check_budget(scenario, ops, memory, fix="lower [training] epochs, probes, lanczos_steps, grid or hessian_samples")


def test_split(land) -> tuple[np.ndarray, np.ndarray]:
    """The held-out data: the digits' fixed test split, or for a generated set the same
    generator with the next data seed."""
    from ..nn.datasets import DEFAULTS, digits_split, make

    if land.dataset == "digits":
        _, _, X, y = digits_split()
        return X, y
    samples, noise = DEFAULTS[land.dataset]
    return make(land.dataset, land.samples or samples, noise if land.noise is None else land.noise,
                land.layers[0], land.layers[-1], land.seed + 1)


def outliers(top: np.ndarray) -> tuple[int, float]:
    """(count, ratio): with the top eigenvalues sorted descending, the j maximising
    lambda_j / lambda_(j+1) over the positive ones, and that ratio."""
    lam = np.sort(np.asarray(top, dtype=float))[::-1]
    lam = lam[lam > 0]
    if len(lam) < 2:
        return len(lam), float("nan")
    ratio = lam[:-1] / lam[1:]
    j = int(np.argmax(ratio))
    return j + 1, float(ratio[j])


def path_directions(path: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first two principal directions (n,) of the path's displacements theta_t - theta_T
    (P, n), by a thin SVD (Li et al. 2018's trajectory plot), signed so that the start has
    positive coordinates."""
    delta = np.asarray(path) - end
    _, _, Vt = np.linalg.svd(delta, full_matrices=False)
    V = Vt[:2] * np.where(Vt[:2] @ delta[0] < 0, -1.0, 1.0)[:, None]
    return V[0], V[1]


def spectral_density(hvp, n, cfg, seed, label, epoch):
    """SLQ at one point: nodes and weights, and the smoothed density on a 240-point grid."""
    from ..nn.curvature import density, slq

    nodes, weights = slq(hvp, n, cfg.probes, cfg.lanczos_steps, seed=seed)
    lo, hi = float(nodes.min()), float(nodes.max())
    width = cfg.kernel * max(hi - lo, 1e-12)
    grid = np.linspace(lo - 4 * width, hi + 4 * width, 240)
    negative = float(weights[nodes < -width].sum() / nodes.shape[0])
    return {"label": label, "epoch": epoch, "width": width, "grid": grid,
            "density": density(nodes, weights, grid, width), "negative_share": negative,
            "support": [lo, hi]}


@dataclass(frozen=True, eq=False)
class TrainingResult:
    """The runs (dicts of per-epoch curves, curvature and slices, as ``to_dict`` writes them)."""

    scenario: object
    landscape: object
    eta: float
    optimizer: str
    classes: int
    samples: int
    test_samples: int
    hessian_samples: int
    runs: tuple

    def to_dict(self) -> dict:
        s, cfg = self.scenario, self.scenario.settings
        return {**header(s), "landscape": self.landscape.describe(), "optimizer": self.optimizer,
                "eta": self.eta, "threshold": 2.0 / self.eta, "classes": self.classes,
                "samples": self.samples, "test_samples": self.test_samples,
                "hessian_samples": self.hessian_samples,
                "slq": {"probes": cfg.probes, "lanczos_steps": cfg.lanczos_steps, "kernel": cfg.kernel},
                "runs": list(self.runs)}


def _one_run(land, net, spec, cfg, seed, data, h, tick) -> dict:
    from ..nn.curvature import eigenpairs, extreme_eigenvalues, hutchinson_trace
    from ..nn.datasets import one_hot
    from ..nn.slices import filter_normalised, interpolation, plane, project
    from ..nn.training import train

    X, y, Xt, yt = data
    Xh, Th = X[:h], one_hot(y[:h], land.layers[-1])
    theta0 = land.initial_point(stream(seed, "init"), cfg.init_scale)
    run = train(net, theta0, X, y, Xt, yt, optimizer=spec.optimizer, epochs=cfg.epochs, batch=cfg.batch,
                weight_decay=cfg.weight_decay, seed=seed, keep_path=True, progress=tick("training"))
    n = land.dim

    def at(theta):
        # the training objective's Hessian on the first h training samples (dropout off)
        return lambda V: land.network.hvp(theta, V, Xh, Th)[2] + land.weight_decay * V

    sharp, v = [], None
    curv = tick("sharpness per epoch")
    for theta in run.checkpoints:  # warm starts: each epoch's top eigenvector starts the next search
        vals, V = eigenpairs(at(theta), n, 1, tol=1e-6, seed=seed, v0=v, ncv=12 if v is not None else None)
        sharp.append(float(vals[0]))
        v = V[0]
        curv(1)
    end = run.theta
    top_vals, top_vecs = eigenpairs(at(end), n, cfg.top, tol=1e-6, seed=seed)
    count, gap = outliers(top_vals)
    bottom = float(extreme_eigenvalues(at(end), n, 1, "SA", tol=1e-4, seed=seed)[0])
    trace, trace_se = hutchinson_trace(at(end), n, cfg.trace_probes, seed=seed)
    spec_tick = tick("spectral densities")
    densities = []
    for label, e in (("initialisation", 0), ("mid-training", cfg.epochs // 2), ("end", cfg.epochs)):
        densities.append(spectral_density(at(run.checkpoints[e]), n, cfg, seed, label, e))
        spec_tick(1)
    slice_tick = tick("loss slices")
    T, Tt = one_hot(y, land.layers[-1]), one_hot(yt, land.layers[-1])
    alphas = np.linspace(-0.5, 1.5, cfg.line)
    line = {"alpha": alphas, "train_loss": interpolation(net, theta0, end, X, T, alphas),
            "test_loss": interpolation(net, theta0, end, Xt, Tt, alphas)}
    inside = line["train_loss"][(alphas >= -1e-9) & (alphas <= 1 + 1e-9)]
    line["barrier"] = float(max(inside.max() - max(inside[0], inside[-1]), 0.0))
    line["monotone"] = bool(np.all(np.diff(inside) <= 0))
    slice_tick(1)
    rng = stream(seed, "slice", "random")
    planes = []
    d1 = filter_normalised(net, end, rng)
    d2 = filter_normalised(net, end, rng)
    e1, e2 = top_vecs[-1], top_vecs[-2]
    p1, p2 = path_directions(run.path, end)
    for kind, (a, b) in (("random", (d1, d2)), ("hessian", (e1, e2)), ("path", (p1, p2))):
        coords, captured = project(run.path, end, a, b)
        if kind == "random":
            half = cfg.span
        elif kind == "path":
            half = 1.25 * float(np.abs(coords).max())
        else:  # the path's extent, and at least where the top mode's quadratic rise reaches 1
            half = max(1.25 * float(np.abs(coords).max()), float(np.sqrt(2.0 / max(top_vals[-1], 1e-12))))
        xs = np.linspace(-half, half, cfg.grid)
        planes.append({"directions": kind, "x": xs, "y": xs, "loss": plane(net, end, a, b, X, T, xs, xs),
                       "path_x": coords[:, 0], "path_y": coords[:, 1],
                       "captured_start": float(captured[0]), "captured_median": float(np.median(captured[:-1]))
                       if len(captured) > 1 else 1.0})
        slice_tick(1)
    negative = densities[-1]["negative_share"]
    return {**{"batchnorm": bool(land.batchnorm), "parameters": n}, **run.to_dict(),
            "sharpness": sharp[1:], "sharpness_init": sharp[0],
            "top_eigenvalues": top_vals[::-1], "outliers": count, "outlier_gap": gap,
            "bottom_eigenvalue": bottom, "negative_share": negative, "index_estimate": negative * n,
            "trace": trace, "trace_se": trace_se, "densities": densities, "interpolation": line,
            "slices": planes}


def run(scenario, settings, progress=None) -> TrainingResult:
    """Every run of ``settings.batchnorm``: train, then measure (see the module docstring)."""
    scenario = dataclasses.replace(scenario, settings=settings)
    cfg = settings
    base = scenario.build_landscape()
    X, y = base.data
    Xt, yt = test_split(base)
    spec = scenario.optimizers[0]
    steps = cfg.epochs * -(-len(y) // cfg.batch)
    h = min(cfg.hessian_samples or len(y), len(y))
    sizes = {"training": steps, "sharpness per epoch": cfg.epochs + 1, "spectral densities": 3, "loss slices": 4}
    runs = []
    for bn in cfg.batchnorm:
        land = dataclasses.replace(base, batchnorm=bn)
        net = land.with_dropout(cfg.dropout) if cfg.dropout > 0 else land.network
        where = f"run {len(runs) + 1}/{len(cfg.batchnorm)} ({'with' if bn else 'without'} batch norm)"
        runs.append(_one_run(land, net, spec, cfg, scenario.seed, (X, y, Xt, yt), h,
                             lambda label, w=where: ticker(progress, f"{w}: {label}", sizes[label])))
    return TrainingResult(scenario, base, spec.eta, spec.label, int(base.layers[-1]), len(y), len(yt), h, tuple(runs))


def _bn(run) -> str:
    return "with batch norm" if run["batchnorm"] else "without batch norm"


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Per run: accuracy and losses, sharpness against 2/eta, the end point's spectrum."""
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    land = data["landscape"]["params"]
    lines = [f"{head}{data['scenario']}: training, curvature and slices", "", data["description"], "",
             f"{'-'.join(str(w) for w in land['layers'])} {land['activation']} network on {land['dataset']} "
             f"({data['samples']} training, {data['test_samples']} test samples), {data['optimizer']}, "
             f"{data['runs'][0]['epochs']} epochs. Sharpness λ_max of the training loss's Hessian "
             f"({data['hessian_samples']} samples) against GD's bound 2/η = {data['threshold']:.4g}.", ""]
    rows = []
    for r in data["runs"]:
        rows.append([_bn(r), str(r["parameters"]), f"{100 * r['final_test_accuracy']:.1f}%",
                     f"{r['train_loss'][-1]:.4f}", f"{r['test_loss'][-1]:.4f}",
                     f"{r['sharpness_init']:.3f} → {r['sharpness'][-1]:.3f}", f"{max(r['sharpness']):.3f}"])
    lines += grid(["run", "parameters", "test accuracy", "train loss", "test loss", "sharpness init → end",
                   "max"], rows, markdown)
    lines += ["", "At the end (matrix-free: Lanczos, Hutchinson, SLQ with "
                  f"{data['slq']['probes']} probes × {data['slq']['lanczos_steps']} steps):", ""]
    rows = []
    for r in data["runs"]:
        top = r["top_eigenvalues"]
        rows.append([_bn(r), ", ".join(f"{v:.3g}" for v in top[:5]), f"{r['outliers']} (gap ×{r['outlier_gap']:.2f})",
                     f"{r['bottom_eigenvalue']:.3g}", f"{100 * r['negative_share']:.1f}% (~{r['index_estimate']:.0f})",
                     f"{r['trace']:.4g} ± {r['trace_se']:.2g}"])
    lines += grid(["run", "top eigenvalues", f"outliers (C = {data['classes']})", "λ_min",
                   "negative share (index)", "trace"], rows, markdown)
    lines += ["", "The line from the initialisation (a = 0) to the trained point (a = 1): " + "; ".join(
        f"{_bn(r)}: " + ("the training loss falls monotonically" if r["interpolation"]["monotone"] else
                         f"a bump of {r['interpolation']['barrier']:.3g} above its ends")
        for r in data["runs"]) + ". Share of the path's displacement in each plane (median): " + "; ".join(
        f"{_bn(r)}: " + ", ".join(f"{p['directions']} {100 * p['captured_median']:.0f}%" for p in r["slices"])
        for r in data["runs"]) + "."]
    return lines + figure_lines(data, markdown)


def headline(result) -> str:
    d = result.to_dict()
    return "; ".join(f"{_bn(r)}: {100 * r['final_test_accuracy']:.1f}% test accuracy, sharpness "
                     f"{num(r['sharpness'][-1], '.3g')} (2/η = {d['threshold']:.3g})" for r in d["runs"])


FIGURES = {"curves": figures.curves_figure, "sharpness": figures.sharpness_figure,
           "spectrum": figures.spectrum_figure, "outliers": figures.outliers_figure,
           "interpolation": figures.interpolation_figure, "slices": figures.slices_figure}

SMOKE = Smoke(settings={"epochs": 2, "top": 4, "probes": 2, "lanczos_steps": 8, "trace_probes": 4, "line": 5,
                        "grid": 5, "hessian_samples": 64})
"""Settings small enough for the smoke tests (seconds)."""

KEYS = ("optimizer", "eta", "threshold", "classes", "samples", "test_samples", "hessian_samples", "slq", "runs")
"""The top-level keys of results.json beyond the header (documented in the README)."""
