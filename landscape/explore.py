"""`landscape run --expr`: the trajectories scenario built around a user's own formula.

``expression_scenario`` turns a formula into a complete trajectories scenario: the
critical points in the domain; GD's escape sweep at every saddle (starts at
distances eps from its stable manifold, measured against
k* = ln(r/eps) / ln(1 + eta |lambda_min|)); runs from near each saddle and from
a few quasi-random starts; the basins of attraction. Where the user gives no
value it picks one from the landscape, and the scenario's description says how:

- eta = ETA_FRACTION x 2 / lambda_max, lambda_max the largest Hessian eigenvalue
  over the domain (a 65 x 65 grid with its edges, and the critical points), so GD
  is stable everywhere in the box; it does not depend on the seed;
- steps: enough to escape from the smallest eps at the slowest saddle and then
  contract by 10^-6 at the slowest minimum, 1.3 x their sum, within
  [MIN_STEPS, MAX_STEPS];
- the basins: 10,000 starts (a 100 x 100 grid), fewer for long runs (BASIN_WORK);
- the ball radius r = 5% of the domain's shortest side, eps = r 10^-1 ... r 10^-11, and a
  stable component of r 10^-6 (STABLE_OFFSET: the manifold's curvature stays below eps).
"""

from __future__ import annotations

import math

import numpy as np

from .errors import LandscapeError

ETA_FRACTION = 0.5
"""eta = ETA_FRACTION x 2/lambda_max(domain): half the largest step GD is stable with."""
MIN_STEPS, MAX_STEPS = 200, 20_000
CURVATURE_GRID = 65
"""lambda_max is taken over a 65 x 65 grid of the domain, its edges and corners included (where a
growing function is steepest), and the critical points."""
SEARCH_STARTS = 4096
SADDLE_STARTS = 8
"""Runs start beside at most this many saddles (two each, one per side), plus RANDOM_STARTS."""
RANDOM_STARTS = 4
EPS_DECADES = 11
BASIN_WORK = 40_000_000
"""Optimizer steps x starts the basins may cost: 10,000 starts up to 4,000 steps, fewer (at
least 2,500, a 50 x 50 grid) for longer runs, so a run stays within seconds."""
MIN_BASIN_STARTS, MAX_BASIN_STARTS = 2_500, 10_000
KEEP_OWN_ETA = ("newton", "saddle-free-newton", "adam")
"""Optimizers whose step is not bounded by 2/lambda_max: they keep their own default eta
unless --eta is given."""
RADIUS_FRACTION = 0.05
STABLE_OFFSET = 1e-6
"""The sweep's stable component, as a fraction of r: the stable manifold curves away from its
tangent v_s by about kappa s^2 at a distance s, which must stay below the smallest eps (r 1e-11)
for the start's distance from the manifold to be eps; 1e-6 r keeps it there for curvatures kappa
up to about 10/r."""
PLATEAU_EPS = 1e-6
"""The runs beside a saddle start this fraction of r off its stable manifold: a long plateau."""


def expression_scenario(f: str, *, vars=None, constants=None, domain=None, eta=None, steps=None, seed: int = 0,
                        optimizers=None, formats=("png",), name: str = "expression", jobs: int = 1):
    """A validated trajectories Scenario for the formula ``f`` (see the module docstring).

    domain: ((lo, hi), ...) or None (the expression family's default box); optimizers:
    names (default ["gd"]; gd is added if absent, for the escape theory); eta, steps:
    None to choose them from the landscape.
    """
    from . import seeds, theory
    from .critical import find_critical_points, landscape_scales
    from .families import build
    from .optim import DEFAULTS
    from .scenario import loads
    from .spectrum import eigh

    params = {"f": f, **({"vars": list(vars)} if vars else {}), **(constants or {})}
    if domain is not None:
        params["box"] = [list(map(float, iv)) for iv in domain]
    land = build("expression", params, where="--expr")
    if land.dim != 2:
        raise LandscapeError(f"--expr: run draws a 2-D landscape's report; {f!r} has {land.dim} variables "
                             "(use landscape critical --expr for its critical points)")
    box = np.asarray(land.domain, dtype=float)
    span = float(np.min(box[:, 1] - box[:, 0]))
    radius = RADIUS_FRACTION * span
    names = list(optimizers) if optimizers else ["gd"]
    for n in names:
        if n not in DEFAULTS:
            raise LandscapeError(f"--optimizer: unknown optimizer {n!r}; expected one of {', '.join(DEFAULTS)}")
    if "gd" not in names:
        names.append("gd")

    found = find_critical_points(land, land.domain, starts=SEARCH_STARTS, seed=seed, jobs=jobs)
    axes = [np.linspace(lo, hi, CURVATURE_GRID) for lo, hi in box]  # a grid: the same for every seed
    samples = np.stack([g.ravel() for g in np.meshgrid(*axes)], axis=-1)
    pts = np.concatenate([samples] + [np.array([p.x for p in found.points])] if found.points else [samples])
    with np.errstate(all="ignore"):
        H = land.hess(pts)
    H = H[np.all(np.isfinite(H), axis=(-1, -2))]
    lam_max = float(np.linalg.eigvalsh(H)[:, -1].max()) if len(H) else float("nan")
    notes, auto_eta = [], eta is None
    if eta is None:
        if not math.isfinite(lam_max) or lam_max <= 0:
            raise LandscapeError("--expr: f has no positive curvature in the domain, so no step size is stable "
                                 "for GD by the curvature rule; give --eta")
        eta = ETA_FRACTION * 2.0 / lam_max
        notes.append(f"η = {eta:.4g} = {ETA_FRACTION:g} × 2/λ_max, λ_max = {lam_max:.4g} the largest Hessian "
                     "eigenvalue over the domain (--eta overrides)")
    else:
        notes.append(f"η = {eta:g} (--eta)")

    saddles = found.of_kind("saddle")
    minima = found.of_kind("minimum")
    if steps is None:
        escape = [float(theory.escape_slope(p.eigenvalues, eta)) * math.log(10.0 ** EPS_DECADES)
                  for p in saddles if 1 + eta * abs(min(p.eigenvalues)) > 1]
        settle = []
        for p in minima:  # the slowest mode contracts by rho = max_i |1 - eta lambda_i| per step
            rho = float(np.max(np.abs(1 - eta * np.asarray(p.eigenvalues))))
            if 0 < rho < 1:
                settle.append(math.log(1e6) / -math.log(rho))
        need = 1.3 * (max(escape, default=0.0) + max(settle, default=0.0))
        steps = int(min(max(math.ceil(need), MIN_STEPS), MAX_STEPS))
        notes.append(f"{steps} steps: 1.3 × (the predicted escape from ε = r·1e-{EPS_DECADES} at the slowest "
                     "saddle + a 10⁻⁶ contraction at the slowest minimum)"
                     + (f", capped at {MAX_STEPS}" if need > MAX_STEPS else "")
                     + (f", at least {MIN_STEPS}" if need < MIN_STEPS else "") + " (--steps overrides)")

    # runs: from both sides of each saddle's stable manifold (a plateau, then the escape), and a few random starts
    starts = []
    for p in saddles[:SADDLE_STARTS]:
        lam, vec = eigh(land.hess(p.x))
        for side in (1.0, -1.0):  # along the unstable eigenvector: the path traces the unstable manifold
            starts.append(p.x + side * PLATEAU_EPS * radius * vec[:, 0])
    starts += list(land.sample_starts(land.domain, RANDOM_STARTS, seeds.child(seed, "explore", "starts")))
    starts = [s for s in starts if np.all((s >= box[:, 0]) & (s <= box[:, 1]))]

    opts = []
    for n in names:
        settings = {"name": n}
        if "eta" in DEFAULTS[n] and (n not in KEEP_OWN_ETA or not auto_eta):
            settings["eta"] = float(eta)
        opts.append(settings)
    gscale, _ = landscape_scales(land, samples)
    basin_starts = int(min(MAX_BASIN_STARTS, max(MIN_BASIN_STARTS, BASIN_WORK // int(steps))))
    data = {
        "name": name, "seed": seed, "kind": "trajectories",
        "description": f"Your own landscape f = {f}: critical points, GD at every saddle against the linear "
                       "theory, basins; " + "; ".join(notes) + ".",
        "landscape": {"family": "expression", **params},
        "critical": {"starts": SEARCH_STARTS, "domain": [list(iv) for iv in land.domain]},
        "run": {"steps": int(steps), "optimizers": opts, "starts": [list(map(float, s)) for s in starts]},
        "trajectories": {"radius": radius, "stall_threshold": 1e-3 * gscale, "stable_offset": STABLE_OFFSET * radius,
                         "eps": [radius * 10.0 ** -k for k in range(1, EPS_DECADES + 1)], "saddles": "all",
                         "basin_starts": basin_starts},
        "figures": {"format": list(formats)},
    }
    return loads(data, "--expr", default_name=name)
