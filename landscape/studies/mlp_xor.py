"""mlp-xor: the critical points of a small network's loss, index against loss, and the Hessian along training.

On the mlp family with dataset = "xor" the critical-point engine finds the
critical points in a box (Newton on grad f = 0, every index). Weight decay makes
the loss coercive, so the critical points are isolated and their Morse sum
sum_k (-1)^k c_k must be 1: a check that none were missed. Dauphin et al.
(2014, "Identifying and attacking the saddle point problem") found that the
index of a network's critical points grows with their loss; here every point is
plotted. GD runs from LeCun-normal starts record the Hessian spectrum at
log-spaced steps (at initialisation, along training, at the end). The
backprop gradient and the exact Hessian are checked against central
differences on the way.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..critical import find_critical_points
from ..dynamics import iterate
from ..figures import mlp_xor as figures
from ..nn.checks import gradient_error, hessian_error
from ..seeds import stream
from .base import Smoke, header
from .common import check_budget, point_cost, require, step_work, ticker

MANY_LANDSCAPES = False

HESSIAN_METHOD = ("exact: every column a Hessian-vector product by forward-over-reverse differentiation "
                  "(Pearlmutter's R-operator) through the modules, all columns in one batch, then symmetrised")
SHALLOW_HESSIAN_METHOD = ("exact: in closed form for one hidden layer (the Gauss-Newton part J^T Lambda J plus the "
                          "network's own second derivatives, summed over samples by matrix products; tested "
                          "against the R-operator's columns), then symmetrised")


def hessian_method(land) -> str:
    """How ``land``'s Hessian is computed (``MLP.hessian`` chooses)."""
    return SHALLOW_HESSIAN_METHOD if len(land.layers) == 3 and not land.batchnorm else HESSIAN_METHOD


@dataclass(frozen=True)
class Settings:
    """The ``[mlp-xor]`` section: the critical-point search (``starts`` in the box
    [-box, box]^n), and GD training (``runs`` starts of scale ``init_scale``, ``snapshots``
    of the Hessian along it)."""

    starts: int = 16384
    box: float = 4.0
    runs: int = 8
    init_scale: float = 1.0
    snapshots: int = 12

    def __post_init__(self):
        require(self.starts >= 1, "starts: expected a positive integer")
        require(self.box > 0, "box: expected a positive number (the search box is [-box, box]^n)")
        require(self.runs >= 1, "runs: expected a positive integer")
        require(0 < self.init_scale <= 100, "init_scale: expected a positive number up to 100 (x LeCun's scale)")
        require(self.box <= 1e3, "box: at most 1000 (tanh saturates long before)")
        require(self.snapshots >= 2, "snapshots: expected an integer >= 2")


def check(scenario, landscapes) -> None:
    """An mlp landscape small enough for the engine, and the search and training within the bounds."""
    land = landscapes[0]
    require(land.name == "mlp", f"{scenario.source}: [landscape]: mlp-xor needs family = \"mlp\"")
    require(land.activation != "relu", f"{scenario.source}: [landscape] activation: Newton's search needs a "
                                       "smooth loss; use tanh, elu or sigmoid")
    require(land.weight_decay > 0, f"{scenario.source}: [landscape] weight_decay: must be > 0, or the "
                                   "cross-entropy's minima lie at infinity and the critical points are not isolated")
    require(len(scenario.optimizers) == 1, f"{scenario.source}: [run] optimizers: list one optimizer for the training runs")
    from ..critical import check_search_budget

    cfg, n = scenario.settings, land.dim
    check_search_budget(land, cfg.starts)
    hessians = cfg.runs * cfg.snapshots  # each by n Hessian-vector products through the data
    check_budget(scenario, step_work(scenario.steps, cfg.runs, point_cost(land)) + hessians * n * 2 * point_cost(land),
                 8.0 * (hessians * n * n + cfg.runs * (scenario.steps + 1)),
                 fix="lower [run] steps, [mlp-xor] runs or snapshots, or the layers")


def orbit_labels(land, x: np.ndarray, tol: float) -> np.ndarray:
    """Label each point (m, n) by its orbit under the landscape's symmetries (union of images)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    if not len(x):
        return np.zeros(0, dtype=int)
    tree = cKDTree(x)
    rows, cols = [], []
    for image in land.images(x):  # one KD-tree query per group element, over all points
        d, j = tree.query(image, distance_upper_bound=tol)
        hit = np.flatnonzero(d <= tol)
        rows.append(hit)
        cols.append(j[hit])
    rows = np.concatenate(rows or [np.zeros(0, int)])
    cols = np.concatenate(cols or [np.zeros(0, int)])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(x), len(x)))
    return connected_components(graph, directed=False)[1]


@dataclass(frozen=True, eq=False)
class MLPXorResult:
    """The search (``critical``, a CriticalSet; ``orbits`` (P,) the symmetry orbit of each
    point), the derivative checks, and training: ``loss`` (R, K+1), ``snapshot_steps`` (S,),
    ``eigenvalues`` (R, S, n) of the Hessian at each snapshot."""

    scenario: object
    landscape: object
    critical: object
    orbits: np.ndarray
    gradient_check: float
    hessian_check: float
    check_points: int
    eta: float
    loss: np.ndarray  # (runs, steps + 1)
    snapshot_steps: np.ndarray  # (K,)
    eigenvalues: np.ndarray  # (runs, K, n)

    @property
    def zero_tol(self) -> float:
        """The search's zero tolerance for eigenvalues."""
        return float(self.critical.zero_tol)

    def run_index(self) -> np.ndarray:
        """Negative eigenvalues of each run at each snapshot, (runs, K), with the search's zero tolerance."""
        return (self.eigenvalues < -self.zero_tol).sum(-1)

    def to_dict(self) -> dict:
        """The JSON-ready dict: critical points with index and loss, the search's evidence,
        loss by index, symmetries and the training's spectra."""
        sc, land, cs = self.scenario, self.landscape, self.critical
        pts = cs.points
        by_index = []
        for k in sorted({p.index for p in pts}):
            v = np.array([p.value for p in pts if p.index == k])
            by_index.append({"index": k, "count": int(v.size), "loss_mean": float(v.mean()),
                             "loss_min": float(v.min()), "loss_max": float(v.max())})
        values = np.array([p.value for p in pts])
        index = np.array([p.index for p in pts])
        from scipy.stats import spearmanr

        # the losses ranked after rounding to 1e-9 of their scale: the images of one point under
        # the network's symmetries have equal losses, which must tie on every machine
        scale = max(float(np.abs(values).max()), 1e-300)
        ranked = np.round(values / scale * 1e9)
        rho = float(spearmanr(index, ranked).statistic) if len(pts) > 2 and np.ptp(index) > 0 else None
        _, sizes = np.unique(self.orbits, return_counts=True)
        final = self.eigenvalues[:, -1]
        return {
            **header(sc), "landscape": land.describe(), "settings": sc.settings.__dict__,
            "parameters": land.dim, "architecture": land.network.parameter_table(),
            "gradient_check": self.gradient_check, "hessian_check": self.hessian_check,
            "check_points": self.check_points, "hessian_method": hessian_method(land),
            "search": {k: v for k, v in cs.to_dict().items() if k != "critical_points"},
            "critical_points": [{"value": p.value, "index": p.index, "grad_norm": p.grad_norm, "kind": p.kind,
                                 "hits": p.hits, "lambda_min": float(p.eigenvalues[0]),
                                 "lambda_max": float(p.eigenvalues[-1]), "x": p.x} for p in pts],
            "loss_by_index": by_index, "index_loss_spearman": rho,
            "symmetries": {"group_order": land.symmetry_order(), "orbits": int(sizes.size),
                           "orbit_sizes": {str(int(s)): int(c) for s, c in zip(*np.unique(sizes, return_counts=True))}},
            "training": {"optimizer": sc.optimizers[0].name, "eta": self.eta, "steps": sc.steps,
                         "snapshot_steps": self.snapshot_steps, "eigenvalues": self.eigenvalues,
                         "index": self.run_index(), "loss_initial": self.loss[:, 0], "loss_final": self.loss[:, -1],
                         "final_index": self.run_index()[:, -1], "final_lambda_min": final[:, 0]},
        }


def _train(land, opt, theta0, steps: int, snapshot_steps, rng, tick):
    loss, snaps = [], []
    want = set(int(k) for k in snapshot_steps)
    for k, (x, v, _, _) in enumerate(iterate(land, opt, theta0, rng=rng, grad_norms=False)):
        loss.append(v)
        if k in want:
            snaps.append(x)
        tick(1)
        if k == steps:
            break
    return np.array(loss).T, np.stack(snaps, axis=1)  # (R, steps + 1), (R, snapshots, n)


def run(scenario, settings, progress=None) -> MLPXorResult:
    """GD training from ``stream(seed, "init")`` starts (its noise, if any, from
    ``stream(seed, "run", name, 0)``), the Hessian at the snapshots, the derivative checks, and
    the engine's search for every critical point (seeded by ``seed``; ``scenario.jobs`` workers)."""
    scenario = dataclasses.replace(scenario, settings=settings)
    land = scenario.build_landscape()
    cfg = settings
    spec = scenario.optimizers[0]
    theta0 = land.initial_point(stream(scenario.seed, "init"), cfg.init_scale, count=cfg.runs)
    snapshot_steps = np.unique(np.r_[0, np.geomspace(1, scenario.steps, cfg.snapshots - 1).round().astype(int)])
    loss, snaps = _train(land, spec.optimizer, theta0, scenario.steps, snapshot_steps,
                         stream(scenario.seed, "run", spec.name, 0),
                         ticker(progress, "training", scenario.steps + 1))
    R, K, n = snaps.shape
    eig = np.linalg.eigvalsh(land.hess(snaps.reshape(R * K, n))).reshape(R, K, n)
    checks = np.concatenate([theta0, snaps[:, K // 2]])  # generic points: starts and mid-training
    g_err = gradient_error(land.value, land.grad, checks)
    h_err = hessian_error(land.grad, land.hess, checks)
    box = ((-cfg.box, cfg.box),) * land.dim
    cs = find_critical_points(land, box, starts=cfg.starts, seed=scenario.seed, jobs=scenario.jobs,
                              progress=ticker(progress, "critical points", cfg.starts))
    x = np.array([p.x for p in cs.points]).reshape(-1, land.dim)
    orbits = orbit_labels(land, x, 10 * cs.merge_tol)
    return MLPXorResult(scenario, land, cs, orbits, g_err, h_err, len(checks),
                        spec.eta, loss, snapshot_steps, eig)


def tables(data: dict, markdown: bool = False) -> list[str]:
    """Critical points by index with their losses, the checks, and the training's end."""
    from ..tables import total_line, figure_lines, grid

    head = "# " if markdown else ""
    s = data["search"]
    lines = [f"{head}{data['scenario']}: the critical points of a small network's loss", "", data["description"], "",
             f"Network: {' → '.join(str(w) for w in data['landscape']['params']['layers'])} "
             f"({data['landscape']['params']['activation']}, {data['parameters']} parameters, weight decay "
             f"{data['landscape']['params']['weight_decay']:g}) on {data['landscape']['params']['dataset']} "
             f"({data['landscape']['samples']} samples).",
             f"Backprop gradient against central differences: max relative error {data['gradient_check']:.1e}; "
             f"the Hessian ({data['hessian_method'].split(':')[0]}): {data['hessian_check']:.1e} "
             f"({data['check_points']} points).", "",
             f"Critical points in [-{data['settings']['box']:g}, {data['settings']['box']:g}]^{data['parameters']}: "
             f"{len(data['critical_points'])} from {s['starts']} starts (stopped: {s['saturation']['stop_reason']}). "
             f"{total_line(s)} Morse sum Σ(-1)^k c_k = {s['morse']['alternating_sum']} "
             f"(expected {s['morse']['expected']}).", ""]
    rows = [[str(r["index"]), str(r["count"]), f"{r['loss_mean']:.4f}", f"{r['loss_min']:.4f}", f"{r['loss_max']:.4f}"]
            for r in data["loss_by_index"]]
    lines += grid(["index", "critical points", "mean loss", "lowest", "highest"], rows, markdown)
    sym = data["symmetries"]
    rho = data["index_loss_spearman"]
    trend = ("" if rho is None else "Index and loss rise together" if rho > 0.5 else
             "Index and loss fall together" if rho < -0.5 else "Index and loss are only weakly related")
    lines += ["", (f"{trend} (Spearman ρ = {rho:.2f})." if rho is not None else ""),
              f"Symmetries: {sym['group_order']} unit permutations and sign flips map critical points to "
              f"critical points; the points fall into {sym['orbits']} orbits.", ""]
    t = data["training"]
    fin = np.array(t["loss_final"])
    lines.append(f"{len(fin)} {t['optimizer']} runs (η = {t['eta']:g}, {t['steps']} steps): final loss "
                 f"{np.min(fin):.4f} … {np.max(fin):.4f}, final index {sorted(set(t['final_index']))}; "
                 f"the spectrum was recorded at steps {', '.join(str(k) for k in t['snapshot_steps'])}.")
    return lines + figure_lines(data, markdown)


FIGURES = {"index-vs-loss": figures.index_loss_figure, "hessian-spectra": figures.hessian_spectra_figure}

SMOKE = Smoke(settings={"starts": 1024, "runs": 3, "snapshots": 4}, steps=200)
"""Settings small enough for the smoke tests (seconds)."""

KEYS = (
        "parameters", "gradient_check", "hessian_check", "hessian_method", "critical_points",
        "search", "loss_by_index", "index_loss_spearman", "symmetries", "training",
)
"""The top-level keys of results.json beyond the header (documented in the README)."""
