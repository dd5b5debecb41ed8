"""Benchmark: `landscape connect` against pele's energy-landscape workflow, side by side.

    pip install pele          # into a venv that also has this package: pip install -e .
    python benchmarks/connect.py [--landscapes muller-brown,separable-4,...] [--budget 60] [--hops 100]

For each landscape, the time to a complete graph and what each tool finds:

- landscape: the engine's search for every critical point, then the descents from
  every index-1 saddle (``connect(..., basin_starts=0, path=False, max_paths=0)``): the
  graph has every minimum and every index-1 saddle with both ends.
- pele (Wales group; Swinburne and Wales's DoubleEndedConnect): basin-hopping
  (its default L-BFGS quench and random-displacement step) to collect minima, then
  connect jobs (``ConnectManager``: strategy "gmin", every minimum to the global minimum, then "random":
  each job a double-ended connect of NEB and hybrid eigenvector-following) until no
  pair is left to try or ``--budget`` seconds pass. Its transition states are matched
  to landscape's index-1 saddles (within 1e-4 of the box diagonal).

Printed per landscape: both times and their ratio, the minima and index-1 saddles each
found, how many of pele's transition states are among landscape's saddles, and how many
minima pele's own disconnectivity graph (``DisconnectivityGraph``, default settings)
leaves out. A benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import time

import numpy as np

from landscape import build
from landscape.connect import connect
from landscape.critical import find_critical_points

LANDSCAPES = {
    "muller-brown": ("muller-brown", {}),
    "himmelblau": ("himmelblau", {}),
    "separable-4": ("separable", {"dim": 4, "seed": 4}),
    "random-field-2": ("random-field", {"dim": 2, "length": 0.5}),
    "random-field-3": ("random-field", {"dim": 3, "length": 0.6}),
}
"""The p-spin is left out: pele's spherical p-spin (MeanFieldPSpinSphericalSystem) sums over distinct
indices i1 < ... < ip only, so it is not the same landscape as ours, and pele's transition-state
search does not run on a sphere given only by projection."""


def ours(land):
    t = time.perf_counter()
    crit = find_critical_points(land, starts=65536)
    conn = connect(land, crit, basin_starts=0, path=False, max_paths=0)  # the graph: index-1 saddles
    elapsed = time.perf_counter() - t
    minima = [n for n in conn.nodes if n.kind == "minimum"]
    saddles = [n for n in conn.nodes if n.kind in ("saddle", "maximum") and n.index == 1]
    return elapsed, conn, minima, saddles


def pele_system(land):
    """A pele System over a landscape (Euclidean, or the p-spin's sphere by projection)."""
    from pele.potentials import BasePotential
    from pele.systems import BaseSystem

    box = np.asarray(land.domain, dtype=float)
    rng = np.random.default_rng(0)
    sphere = land.manifold != "euclidean"

    class Potential(BasePotential):
        def getEnergy(self, x):
            return float(land.value(land.project(x)))

        def getEnergyGradient(self, x):
            y = land.project(x)
            g = land.euclidean_grad(y) if sphere else land.grad(y)
            if sphere:  # the energy of x/|x| r: its gradient in R^n is the tangent part over |x|/r
                g = (g - (g @ y) / (y @ y) * y) * (np.linalg.norm(y) / np.linalg.norm(x))
            return float(land.value(y)), g

    scale = float(np.linalg.norm(box[:, 1] - box[:, 0]))

    class System(BaseSystem):
        def __init__(self):
            super().__init__()
            self.params.database.accuracy = 1e-9 * max(1.0, abs(float(land.value(land.project(box.mean(1))))))
            self.params.double_ended_connect.local_connect_params.NEBparams.image_density = 20
            self.params.takestep.stepsize = 0.2 * scale / np.sqrt(land.dim)

        def get_potential(self):
            return Potential()

        def get_random_configuration(self):
            return land.project(box[:, 0] + rng.random(land.dim) * (box[:, 1] - box[:, 0]))

        def get_mindist(self):
            def mindist(x1, x2):
                return float(np.linalg.norm(x1 - x2)), x1, x2
            return mindist

        def get_compare_exact(self):
            return lambda x1, x2: np.linalg.norm(x1 - x2) < 1e-6 * scale

        def get_orthogonalize_to_zero_eigenvectors(self):
            return None

        def get_metric_tensor(self, coords):
            return None

        def get_nzero_modes(self):
            return 1 if sphere else 0

    return System(), scale


def theirs(land, budget: float, hops: int, minima, saddles):
    """pele until its graph holds every minimum and index-1 saddle landscape found (or the budget
    runs out): rounds of ``hops`` basin-hopping steps, each followed by connect jobs until no
    pair is left. Returns (seconds, database, jobs, scale, complete)."""
    import contextlib
    import io

    from pele.landscape import ConnectManager

    system, scale = pele_system(land)
    t = time.perf_counter()
    db = system.create_database()
    bh = system.get_basinhopping(database=db, outstream=None)
    manager = ConnectManager(db, strategy="gmin", verbosity=-1)
    jobs, complete = 0, False
    with contextlib.redirect_stdout(io.StringIO()):  # pele prints every connect step
        while time.perf_counter() - t < budget and not complete:
            bh.run(hops)
            for strategy in ("gmin", "random"):
                while time.perf_counter() - t < budget:
                    try:
                        m1, m2 = manager.get_connect_job(strategy)
                    except (manager.NoMoreConnectionsError, AssertionError):
                        break  # nothing left to try (an AssertionError: no transition state yet)
                    system.get_double_ended_connect(m1, m2, db, verbosity=-1).connect()
                    jobs += 1
            complete = (covered(land, [m.coords for m in db.minima()], minima, scale) == len(minima)
                        and covered(land, [s.coords for s in db.transition_states()], saddles, scale) == len(saddles))
    return time.perf_counter() - t, db, jobs, scale, complete


def covered(land, coords, points, scale) -> int:
    """How many of ``points`` (landscape's nodes) are within 1e-4 of the box diagonal of one of coords."""
    if not len(coords) or not points:
        return 0
    theirs_x = land.project(np.array([np.asarray(c) for c in coords]))
    ours_x = np.array([p.x for p in points])
    d = np.linalg.norm(ours_x[:, None, :] - theirs_x[None, :, :], axis=-1)
    return int(np.count_nonzero(d.min(axis=1) < 1e-4 * scale))


def dropped_by_pele_tree(db) -> int | None:
    """Minima in pele's database that its disconnectivity graph leaves out."""
    try:
        from pele.utils.disconnectivity_graph import (
            DisconnectivityGraph,
            database2graph,
        )
    except ImportError:
        return None
    graph = database2graph(db)
    dg = DisconnectivityGraph(graph)
    try:
        dg.calculate()
    except AssertionError:  # "graph has no transition states": no tree at all
        return len(db.minima())
    leaves = len(dg.tree_graph.get_leaves()) if hasattr(dg, "tree_graph") else None
    return None if leaves is None else len(db.minima()) - leaves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landscapes", default=",".join(LANDSCAPES))
    parser.add_argument("--budget", type=float, default=60.0, help="pele's seconds per landscape")
    parser.add_argument("--hops", type=int, default=100, help="pele's basin-hopping steps per round")
    args = parser.parse_args()
    print(f"{'landscape':14s} {'ours s':>8s} {'pele s':>8s} {'ratio':>7s} {'complete':>9s} {'minima':>11s} "
          f"{'index-1 saddles':>16s} {'pele TS':>8s} {'jobs':>5s} {'tree drops':>10s}")
    for name in args.landscapes.split(","):
        family, params = LANDSCAPES[name]
        land = build(family, params)
        t_ours, conn, minima, saddles = ours(land)
        edges = len(conn.graph.edges)
        t_pele, db, jobs, scale, complete = theirs(land, args.budget, args.hops, minima, saddles)
        got_min = covered(land, [m.coords for m in db.minima()], minima, scale)
        got_ts = covered(land, [s.coords for s in db.transition_states()], saddles, scale)
        with contextlib.redirect_stdout(io.StringIO()):
            drops = dropped_by_pele_tree(db)
        print(f"{name:14s} {t_ours:8.2f} {t_pele:8.2f} {t_pele / t_ours:7.1f} {'yes' if complete else 'no':>9s} "
              f"{len(minima):>4d} / {got_min:<4d} {len(saddles):>6d} ({edges}) / {got_ts:<4d} "
              f"{len(db.transition_states()):8d} {jobs:5d} {drops!s:>10s}", flush=True)
    print("columns: ratio = pele's time / landscape's; complete: pele's graph holds every minimum and index-1 "
          "saddle landscape found, within the budget; minima and index-1 saddles as 'landscape (edges with both "
          "ends) / how many of them pele found'; pele TS: all of pele's transition states; tree drops: minima "
          "of pele's database that its DisconnectivityGraph leaves out")


if __name__ == "__main__":
    main()
