"""`connect`: the connected picture of a landscape from its complete, classified critical set.

Steps (each in its own module):

1. ``descent``: paths from every saddle along its negative directions (and
   ascents along the positive one where that is a curve), integrated by
   ``flow``; each end polished by Newton and matched to a known point, a
   minimum the search missed added (``found_by = "descent"``).
2. ``graph``: minima and index-1 saddles as a graph; components, minimax
   paths and the disconnectivity tree's merges.
3. ``neb``: between two chosen minima, a climbing-image band along each hop
   of their minimax path; its climbing image is polished and checked against
   the hop's saddle.
4. basins: descents from ``basin_starts`` starts (scrambled Sobol in the box,
   from the seed's child "basins"), the share of starts each minimum drains.

Everything is deterministic given the critical set and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import LandscapeError
from ..schema import SCHEMA_VERSION
from ..threads import blas_single_threaded
from . import descent as descent_mod
from .flow import INTEGRATOR
from .graph import Edge, Graph, build_graph

BASIN_STARTS = 1024
"""Descents from random starts that measure the basins' sizes."""

ROUNDS = 5
"""Saddles found by the descents are followed in the next round, up to ROUNDS - 1 rounds."""

MAX_PATHS = 4096
"""Descents from saddles of index >= 2 stop being planned beyond this many paths in all."""


@dataclass(frozen=True, eq=False)
class Node:
    """A critical point in the graph: its id (position in the point list), coordinates,
    value, Hessian index and kind, and who found it ("search", "points" or "descent")."""

    id: int
    x: np.ndarray
    value: float
    index: int
    kind: str
    eigenvalues: np.ndarray
    found_by: str = "search"

    def to_dict(self) -> dict:
        return {"id": self.id, "x": self.x, "value": self.value, "index": self.index, "kind": self.kind,
                "found_by": self.found_by}


@dataclass(frozen=True, eq=False)
class Connection:
    """The connected picture (see the module docstring); ``to_dict()`` is graph.json."""

    landscape: object
    critical: object
    nodes: tuple[Node, ...]
    paths: descent_mod.Paths
    graph: Graph
    unresolved: tuple[dict, ...]
    links: tuple[dict, ...]
    skipped: int
    scale: float
    hscale: float
    capture: float
    basins: dict | None
    route: dict | None
    manifolds: tuple = ()
    """2-D: (saddle id, sense, side, path (m, 2)) for every saddle's descents and ascents."""
    profile_paths: dict = field(default_factory=dict)
    """For each hop's saddle: the steepest-descent path through it (m, n), from one minimum to the other."""

    @property
    def edges(self) -> tuple[Edge, ...]:
        return self.graph.edges

    def node_dict(self) -> list[dict]:
        return [n.to_dict() for n in self.nodes]

    def to_dict(self) -> dict:
        c = self.critical
        sat = c.saturation
        counts = {}
        for n in self.nodes:
            counts[n.kind] = counts.get(n.kind, 0) + 1
        paths = self.paths
        return {
            "schema_version": SCHEMA_VERSION,
            "landscape": self.landscape.describe(),
            "nodes": self.node_dict(),
            "edges": [e.to_dict() for e in self.graph.edges],
            "unresolved": list(self.unresolved),
            "links": list(self.links),
            "skipped_saddles": self.skipped,
            **self.graph.to_dict(),
            "counts": {"minima": counts.get("minimum", 0), "index1_saddles": sum(
                1 for n in self.nodes if n.kind == "saddle" and n.index == 1),
                "edges": len(self.graph.edges), "components": len(self.graph.components),
                "found_by_descent": sum(1 for n in self.nodes if n.found_by == "descent"),
                "minima_found_by_descent": sum(1 for n in self.nodes
                                               if n.found_by == "descent" and n.kind == "minimum"),
                "unresolved": len(self.unresolved)},
            "search": {"starts": c.starts, "found": len(c.points), "by_index": c.by_index,
                       "estimated_total": c.estimated_total,
                       "stop_reason": sat.stop_reason if sat is not None else "points",
                       "gtol": c.gtol, "merge_tol": c.merge_tol, "zero_tol": c.zero_tol},
            "integrator": {"method": INTEGRATOR, "atol": descent_mod.ATOL * self.scale,
                           "capture": self.capture, "stall": descent_mod.STALL * self.scale,
                           "delta": descent_mod.DELTA * self.scale, "length_scale": self.scale,
                           "paths": len(paths), "steps": int(paths.steps.sum()),
                           "max_steps": int(paths.steps.max()) if len(paths) else 0},
            "basins": self.basins,
            "path": None if self.route is None else {
                **self.route, "hops": [{**h, "band": h["band"].to_dict()} for h in self.route["hops"]]},
        }


def nodes_csv(nodes) -> str:
    """One row per node: id, value, index, kind, found_by, then x1..xn (readable by --points)."""
    n = len(nodes[0].x) if nodes else 0
    rows = ["id,value,index,kind,found_by" + "".join(f",x{i + 1}" for i in range(n))]
    rows += [f"{p.id},{p.value!r},{p.index},{p.kind},{p.found_by}," + ",".join(repr(float(v)) for v in p.x)
             for p in nodes]
    return "\n".join(rows) + "\n"


def polish(landscape, x: np.ndarray, critical, scale: float, capture: float | None = None):
    """Newton from each row of x (P, n) to the critical point it is next to: (x, ok); its steps
    at most 10 x the capture length (default descent.CAPTURE of the scale)."""
    from ..newton import newton_solve, quantum_for

    if len(x) == 0:
        return x, np.zeros(0, dtype=bool)
    y, _, ok, _ = newton_solve(landscape, x, gtol=critical.gtol, xtol=1e-10 * scale,
                               max_step=10 * (descent_mod.CAPTURE * scale if capture is None else capture),
                               max_iter=100,
                               quantum=quantum_for(scale))
    return y, ok


def match(nodes, y: np.ndarray, tol: float) -> np.ndarray:
    """The id of the node within tol of each row of y (P, n), -1 where none is."""
    if len(nodes) == 0 or len(y) == 0:
        return np.full(len(y), -1)
    centres = np.array([n.x for n in nodes])
    from scipy.spatial import cKDTree

    d, k = cKDTree(centres).query(y)
    return np.where(d <= tol, k, -1)


def classify_new(landscape, critical, y: np.ndarray, start_id: int, found_by: str) -> list[Node]:
    """Nodes for new critical points y (P, n) (merged first), classified as the search does."""
    from ..critical import merge
    from ..spectrum import spectrum

    if len(y) == 0:
        return []
    labels = merge(y, critical.merge_tol)
    _, first = np.unique(labels, return_index=True)  # the first row of each merged cluster
    reps = y[first]
    vals = landscape.value(reps)
    # as the search orders its points: values within 1e-10 of the largest |f| are ties, broken by
    # the coordinates, so symmetric images (equal values but for the rounding) get the same ids
    # on every machine and BLAS
    vscale = max(float(np.abs(vals).max()), 1e-300)
    keys = (np.round(vals / vscale * 1e10),) if np.all(np.isfinite(vals)) else (vals,)
    order = np.lexsort(tuple(np.round(reps.T[::-1] / critical.merge_tol)) + keys)
    reps, vals = reps[order], vals[order]
    scale = critical.zero_tol / critical.zero_rtol if critical.zero_rtol > 0 else None
    spec = spectrum(landscape.hess(reps), rtol=critical.zero_rtol, scale=scale)
    return [Node(id=start_id + i, x=reps[i], value=float(vals[i]), index=int(spec.n_neg[i]),
                 kind=str(spec.kind[i]), eigenvalues=spec.eigenvalues[i], found_by=found_by)
            for i in range(len(reps))]


def resolve_ends(landscape, critical, nodes: list[Node], x_end, status, scale, found_by, capture=None):
    """Polish the ends of paths that came to rest, match them, add what is new.

    Returns (end ids (P,), statuses (P,), nodes extended). A path that stopped on a
    critical point is "reached"; one whose Newton polish failed is "no-critical-point".
    """
    came = np.isin(status, ("basin", "stalled"))
    ends = np.full(len(status), -1)
    out = status.astype(object).copy()
    rows = np.flatnonzero(came)
    y, ok = polish(landscape, x_end[rows], critical, scale, capture)
    tol = descent_mod.MATCH * critical.merge_tol
    found = match(nodes, y, tol)
    new_rows = np.flatnonzero(ok & (found < 0))
    if new_rows.size:
        added = classify_new(landscape, critical, y[new_rows], len(nodes), found_by)
        nodes = nodes + added
        found[new_rows] = match(nodes, y[new_rows], tol)
    ends[rows] = np.where(ok, found, -1)
    out[rows] = np.where(ok & (ends[rows] >= 0), "reached", "no-critical-point")
    return ends, out.astype(str), nodes


@blas_single_threaded
def connect(landscape, critical, *, between=None, basin_starts: int = BASIN_STARTS, seed: int = 0,
            images: int | None = None, max_paths: int = MAX_PATHS, path: bool = True,
            progress=None) -> Connection:
    """Descents from every saddle, the landscape graph, basins and (between two minima) a band.

    critical: a CriticalSet (the engine's ``find_critical_points`` or ``critical.from_points``).
    between: two point ids of minima, or None (the lowest minimum and the minimum of its
    component farthest from it in hops, when there is one); path=False skips the band.
    ``progress(label, total)``
    opens a progress phase (may be None).
    """
    from .neb import IMAGES

    check_budget(landscape, sum(1 for p in critical.points if p.index == 1), basin_starts, max_paths)
    box = np.asarray(critical.domain, dtype=float)
    scale = float(np.linalg.norm(box[:, 1] - box[:, 0]))
    nodes = [Node(id=i, x=np.asarray(p.x, dtype=float), value=float(p.value), index=int(p.index), kind=p.kind,
                  eigenvalues=np.asarray(p.eigenvalues), found_by=getattr(p, "found_by", "search"))
             for i, p in enumerate(critical.points)]
    if not nodes:
        raise LandscapeError("no critical points to connect: the search found none")
    radii = [float(np.abs(n.eigenvalues).max()) for n in nodes if n.eigenvalues.size]
    hscale = float(np.median(radii)) if radii and np.median(radii) > 0 else 1.0
    euclid = landscape.manifold == "euclidean"
    record = landscape.dim == 2
    capture = descent_mod.capture_length(np.array([n.x for n in nodes]), scale)

    parts, done, budget, skipped, late = [], set(), max_paths, 0, []
    for rnd in range(ROUNDS):  # saddles found by descent are followed in turn
        todo = [n.id for n in nodes if n.kind in ("saddle", "maximum") and n.id not in done]
        if not todo:
            break
        if rnd == ROUNDS - 1:
            late = todo  # found in the last round: reported, not followed
            break
        done.update(todo)
        saddle, direction, side, sense, x0, delta, v, sk = descent_mod.plan(
            landscape, nodes, scale=scale, max_paths=budget, only=todo)
        skipped += sk
        index = np.array([nodes[s].index for s in saddle], dtype=int)
        budget = max(budget - int(np.count_nonzero((index > 1) & (sense == "descent"))), 0)
        label = "descending from saddles" + (f" found by descent (round {rnd + 1})" if rnd else "")
        tick = progress(label, len(saddle)) if progress and len(saddle) else None
        ran = descent_mod.follow_all(landscape, index, sense, x0, v, scale=scale, hscale=hscale,
                                     zero_tol=critical.zero_tol, box=box if euclid else None,
                                     capture=capture, record=record, on_round=tick)
        ends, status, nodes = resolve_ends(landscape, critical, nodes, ran["x"], ran["status"], scale, "descent",
                                           capture)
        parts.append(dict(saddle=saddle, direction=direction, side=side, sense=sense, end=ends, status=status,
                          steps=ran["steps"], x=ran["x"], delta=delta, paths=ran["paths"]))
    join = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in
            ("saddle", "direction", "side", "sense", "end", "status", "steps", "x", "delta")}
    if not parts:
        join["x"] = np.zeros((0, landscape.dim))
    join["paths"] = [q for p in parts for q in p["paths"]] if record else None
    paths = descent_mod.Paths(**join)
    saddle, direction, side, sense, ends, status = (paths.saddle, paths.direction, paths.side, paths.sense,
                                                    paths.end, paths.status)
    ran = {"paths": paths.paths}

    edges, unresolved, links = [], [], []
    value = np.array([n.value for n in nodes])
    one = np.flatnonzero((sense == "descent") & np.array([nodes[s].index == 1 for s in saddle], dtype=bool))
    by_saddle: dict = {}
    for r in one:  # two rows per index-1 saddle: gather them (a loop over records, not numerics)
        by_saddle.setdefault(int(saddle[r]), []).append(r)
    for s, rows in sorted(by_saddle.items()):
        reached = [int(ends[r]) for r in rows]
        at_minima = [e >= 0 and nodes[e].kind == "minimum" for e in reached]
        if all(at_minima) and len(rows) == 2:
            a, b = sorted(reached)
            edges.append(Edge(saddle=s, minima=(a, b), value=float(value[s]),
                              barriers=(float(value[s] - value[a]), float(value[s] - value[b]))))
        for r, e, good in zip(rows, reached, at_minima):
            if not good:
                unresolved.append(_unresolved(nodes, r, paths))
    for s in late:
        if nodes[s].index == 1:
            unresolved.append({"saddle": s, "side": 0, "status": "not-followed", "reaches": None,
                               "why": f"found by descent in round {ROUNDS - 1}; its own descents were not followed",
                               "x": nodes[s].x, "steps": 0})
    for r in np.flatnonzero(~np.isin(np.arange(len(saddle)), one)):
        e = int(ends[r])
        links.append({"saddle": int(saddle[r]), "index": nodes[saddle[r]].index, "direction": int(direction[r]),
                      "side": int(side[r]), "sense": str(sense[r]), "reaches": e if e >= 0 else None,
                      "reaches_index": nodes[e].index if e >= 0 else None,
                      "reaches_kind": nodes[e].kind if e >= 0 else None, "status": str(status[r])})

    minima = [n.id for n in nodes if n.kind == "minimum"]
    minima.sort(key=lambda i: (nodes[i].value, i))
    graph = build_graph(minima, [nodes[i].value for i in minima], edges)

    basins = None
    if basin_starts:
        basins, nodes = _basins(landscape, critical, nodes, basin_starts, seed, scale, hscale, box, capture,
                                progress)
        if len(nodes) > len(value):  # new minima found by the random descents join the tree as leaves
            minima = sorted([n.id for n in nodes if n.kind == "minimum"], key=lambda i: (nodes[i].value, i))
            graph = build_graph(minima, [nodes[i].value for i in minima], edges)
            basins = _basin_table(basins["_ends"], minima, basins)
        basins.pop("_ends", None)

    manifolds = ()
    if record:
        manifolds = tuple((int(saddle[r]), str(sense[r]), int(side[r]), ran["paths"][r])
                          for r in range(len(saddle)) if nodes[saddle[r]].index == 1 or sense[r] == "ascent")

    route, profile_paths = None, {}
    pair = None if not path else _default_pair(graph) if between is None else tuple(int(b) for b in between)
    if pair is not None:
        route, profile_paths = _route(landscape, critical, nodes, graph, pair, scale=scale, hscale=hscale,
                                      images=images or IMAGES, box=box if euclid else None,
                                      given=between is not None, capture=capture)
    return Connection(landscape=landscape, critical=critical, nodes=tuple(nodes), paths=paths, graph=graph,
                      unresolved=tuple(unresolved), links=tuple(links), skipped=skipped, scale=scale,
                      hscale=hscale, capture=capture, basins=basins, route=route, manifolds=manifolds,
                      profile_paths=profile_paths)


STEPS_PER_PATH = 500
"""Integrator steps a path typically takes (median 100 to 300 on the built-in landscapes), for the
work estimate."""


def check_budget(landscape, index1: int, basin_starts: int, max_paths: int) -> None:
    """Refuse, before any work, descents that would take more than about half an hour (without
    --force) or weeks: index-1 saddles' two paths and the capped higher ones, and the basins'
    descents, each STEPS_PER_PATH steps of 7 gradients plus a Hessian every 4 steps. index1: the
    number of index-1 saddles (0 before the search: then only the basins and max_paths count)."""
    from ..budget import need_work

    grad, hess = landscape.evaluation_cost()
    paths = 2 * index1 + max_paths + basin_starts
    per_step = 7 * grad + (hess + landscape.dim**3) / 4
    need_work(paths * STEPS_PER_PATH * per_step, f"descents along {paths} paths",
              "lower --basin-starts or --max-paths, or use a smaller landscape")


def _unresolved(nodes, r, paths) -> dict:
    e = int(paths.end[r])
    why = str(paths.status[r])
    if e >= 0:
        why = f"ends at a {nodes[e].kind} (index {nodes[e].index})"
    return {"saddle": int(paths.saddle[r]), "side": int(paths.side[r]), "status": str(paths.status[r]),
            "reaches": e if e >= 0 else None, "why": why, "x": paths.x[r], "steps": int(paths.steps[r])}


def _default_pair(graph: Graph):
    """The lowest minimum and the minimum of its component most hops away (ties: the higher);
    None when the lowest minimum has no neighbour."""
    if not graph.minima:
        return None
    low = graph.minima[0]
    comp = graph.component[0]
    mates = [m for m, c in zip(graph.minima, graph.component) if c == comp and m != low]
    if not mates:
        return None
    hops = {m: len(graph.minimax(low, m)["saddles"]) for m in mates}  # M breadth-first searches, M small
    value = dict(zip(graph.minima, graph.values))
    far = max(mates, key=lambda m: (hops[m], value[m], -m))
    return low, far


def _route(landscape, critical, nodes, graph, pair, *, scale, hscale, images, box, given, capture):
    """The minimax path between pair and a climbing-image band along each hop, each checked."""
    from .flow import follow
    from .neb import relax

    i, j = pair
    for m in pair:
        if not (0 <= m < len(nodes)):
            raise LandscapeError(f"--between: point {m} does not exist (there are {len(nodes)} points, "
                                 f"ids 0 to {len(nodes) - 1})")
        if nodes[m].kind != "minimum":
            ids = [n.id for n in nodes if n.kind == "minimum"]
            listed = ", ".join(map(str, ids[:12])) + (" ..." if len(ids) > 12 else "")
            raise LandscapeError(f"--between: point {m} is a {nodes[m].kind}, not a minimum (the minima: {listed})")
    if i == j:
        raise LandscapeError("--between: give two different minima")
    route = graph.minimax(i, j)
    hops, profile_paths = [], {}
    tol = descent_mod.MATCH * critical.merge_tol
    # the exact steepest-descent path through each hop's saddle, for the profile and as the fallback band
    sad = route["saddles"]
    if sad:
        xs = np.array([nodes[s].x for s in sad])
        _, vec = descent_mod.tangent_eigen(landscape, xs)
        v = np.concatenate([vec[:, :, 0], -vec[:, :, 0]])
        s2 = np.concatenate([xs, xs])
        d = np.full(len(s2), descent_mod.DELTA * scale)
        starts, d = descent_mod.start_points(landscape, s2, v, np.concatenate([[nodes[s].value for s in sad]] * 2),
                                             d, np.full(len(s2), "descent"))
        flow = follow(landscape, starts, sign=-1.0, atol=descent_mod.ATOL * scale,
                      capture=capture, stall=descent_mod.STALL * scale, h0=0.1 / hscale,
                      zero_tol=critical.zero_tol, box=box, record=True)
    ftol = 1e-7 * hscale * scale
    for h, s in enumerate(sad):
        a, b = route["minima"][h], route["minima"][h + 1]
        one, two = flow.paths[h], flow.paths[h + len(sad)]
        near_a = np.linalg.norm(one[-1] - nodes[a].x) < np.linalg.norm(two[-1] - nodes[a].x)
        to_a, to_b = (one, two) if near_a else (two, one)
        mep = np.concatenate([nodes[a].x[None], to_a[::-1], nodes[s].x[None], to_b, nodes[b].x[None]])
        profile_paths[s] = mep
        band = relax(landscape, nodes[a].x, nodes[b].x, ftol=ftol, hscale=hscale, scale=scale, images=images)
        check = _check_climber(landscape, critical, nodes, band, s, scale, tol, capture)
        if not check["matches"]:  # a straight start can settle on another pass: start on the exact path
            band = relax(landscape, nodes[a].x, nodes[b].x, ftol=ftol, hscale=hscale, scale=scale, images=images,
                         init_path=mep)
            band = type(band)(**{**band.__dict__, "init": "descent-path"})
            check = _check_climber(landscape, critical, nodes, band, s, scale, tol, capture)
        hops.append({"minima": [a, b], "saddle": s, "band": band, **check})
    route["hops"] = hops
    route["given"] = given
    return route, profile_paths


def _check_climber(landscape, critical, nodes, band, saddle, scale, tol, capture) -> dict:
    """Polish the band's climbing image by Newton and say which point it is, and how far it was."""
    c = band.x[band.climbing]
    y, ok = polish(landscape, c[None], critical, scale, capture)
    found = int(match(nodes, y, tol)[0]) if ok[0] else -1
    return {"climbing_image": c, "distance": float(np.linalg.norm(c - nodes[saddle].x)),
            "polished_to": found if found >= 0 else None,
            "matches": bool(found == saddle), "value_error": float(band.values[band.climbing] - nodes[saddle].value)}


def _basins(landscape, critical, nodes, count, seed, scale, hscale, box, capture, progress):
    """Descents from ``count`` seeded starts: the share of starts each minimum drains."""
    from ..seeds import child
    from .flow import follow

    x0 = landscape.sample_starts(critical.domain, count, child(seed, "basins"))
    tick = progress("measuring basins", count) if progress else None
    flow = follow(landscape, x0, sign=-1.0, atol=descent_mod.ATOL * scale * 100,
                  capture=capture, stall=descent_mod.STALL * scale, h0=0.1 / hscale,
                  zero_tol=critical.zero_tol, box=box if landscape.manifold == "euclidean" else None,
                  max_steps=5000, on_round=tick)
    ends, status, nodes = resolve_ends(landscape, critical, nodes, flow.x, flow.status, scale, "descent", capture)
    kinds = np.array([nodes[e].kind if e >= 0 else "" for e in ends])
    ends = np.where(kinds == "minimum", ends, -1)
    base = {"starts": count, "atol": descent_mod.ATOL * scale * 100,
            "statuses": {s: int(np.count_nonzero(status == s)) for s in sorted(set(status.tolist()))}}
    minima = sorted([n.id for n in nodes if n.kind == "minimum"], key=lambda i: (nodes[i].value, i))
    table = _basin_table(ends, minima, base)
    table["_ends"] = ends
    return table, nodes


def _basin_table(ends, minima, base) -> dict:
    from ..stats import wilson_interval

    count = base["starts"]
    pos = {m: k for k, m in enumerate(minima)}
    hits = np.zeros(len(minima), dtype=int)
    good = ends >= 0
    np.add.at(hits, [pos[int(e)] for e in ends[good]], 1)
    lo, hi = wilson_interval(hits, count)
    return {**{k: v for k, v in base.items() if k in ("starts", "atol", "statuses")},
            "minima": list(minima), "hits": hits, "fraction": hits / count, "low": lo, "high": hi,
            "elsewhere": int(count - hits.sum())}
