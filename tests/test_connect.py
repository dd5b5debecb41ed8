"""How the critical points connect: the flow integrator, descents, the graph, the tree, CI-NEB, the CLI."""

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner

from landscape.cli import cli
from landscape.connect import connect
from landscape.connect.flow import follow
from landscape.connect.graph import Edge, build_graph
from landscape.connect.neb import relax, resample
from landscape.connect.tree import funnels, layout
from landscape.critical import find_critical_points, from_points
from landscape.families import build


def _connect(family, params=None, starts=4096, **kw):
    land = build(family, params or {})
    crit = find_critical_points(land, starts=starts)
    return land, crit, connect(land, crit, **kw)


@pytest.fixture(scope="module")
def muller_brown():
    return _connect("muller-brown", basin_starts=512)


# ---------------------------------------------------------------- the integrator


def test_descent_paths_follow_the_gradient_flow_of_a_quadratic_exactly():
    """f = (a1 x^2 + a2 y^2)/2 has flow lines (x, y) = (x0 e^{-a1 t}, y0 e^{-a2 t}), so along a
    path y / y0 = (x / x0)^(a2 / a1): every recorded point lies on that curve to the stated
    tolerance, and the path stops in the minimum's basin (Newton step < capture)."""
    a = np.array([1.0, 3.0])
    land = build("quadratic", {"eigenvalues": a.tolist(), "rotation": "identity"})
    x0 = np.array([[1.0, 0.8], [-0.5, 1.2], [2.0, -0.3]])
    flow = follow(land, x0, sign=-1.0, atol=1e-10, capture=1e-3, stall=1e-12, h0=0.1, record=True)
    assert list(flow.status) == ["basin"] * 3
    for start, path in zip(x0, flow.paths):
        assert len(path) > 5
        predicted = start[1] * (path[:, 0] / start[0]) ** (a[1] / a[0])
        assert np.max(np.abs(path[:, 1] - predicted)) < 1e-8
        assert np.linalg.norm(path[-1]) < 1e-3 * 1.01 * a.max() / a.min()  # inside the capture radius


def test_ascent_stops_at_the_box_and_a_blow_up_is_diverged():
    land = build("quadratic", {"eigenvalues": [1.0, -1.0], "rotation": "identity"})
    box = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    flow = follow(land, np.array([[0.1, 0.1]]), sign=1.0, atol=1e-8, capture=1e-3, stall=1e-9, h0=0.1, box=box)
    assert flow.status[0] == "left-box"
    assert np.abs(flow.x[0]).max() > 3.0  # a box diagonal (2.83) outside


# ---------------------------------------------------------------- Müller-Brown: the literature's passes


# Müller and Brown (1979), Theor. Chim. Acta 53, 75: minima A = (-0.558, 1.442) at -146.70,
# B = (0.623, 0.028) at -108.17, C = (-0.050, 0.467) at -80.77; saddles (-0.822, 0.624) at
# -40.66 (between A and C) and (0.212, 0.293) at -72.25 (between C and B).
MB_MINIMA = {"A": (-146.70, (-0.558, 1.442)), "B": (-108.17, (0.623, 0.028)), "C": (-80.77, (-0.050, 0.467))}
MB_SADDLES = [(-40.66, (-0.822, 0.624), ("A", "C")), (-72.25, (0.212, 0.293), ("C", "B"))]


def test_muller_brown_saddles_join_the_literatures_minima_with_its_barriers(muller_brown):
    land, crit, conn = muller_brown
    nodes = conn.nodes
    name = {}
    for label, (value, x) in MB_MINIMA.items():
        (node,) = [n for n in nodes if n.kind == "minimum" and np.linalg.norm(n.x - x) < 2e-3]
        assert node.value == pytest.approx(value, abs=0.005)
        name[node.id] = label
    assert len(conn.graph.edges) == 2 and not conn.unresolved
    for value, x, pair in MB_SADDLES:
        (edge,) = [e for e in conn.graph.edges if np.linalg.norm(nodes[e.saddle].x - x) < 2e-3]
        assert nodes[edge.saddle].value == pytest.approx(value, abs=0.005)
        assert {name[m] for m in edge.minima} == set(pair)
        for m, barrier in zip(edge.minima, edge.barriers):
            assert barrier == pytest.approx(value - MB_MINIMA[name[m]][0], abs=0.01)
    # the tree: B and C merge first (at -72.25), then A joins at -40.66
    (first, second) = conn.graph.merges
    assert first.value == pytest.approx(-72.25, abs=0.005) and second.value == pytest.approx(-40.66, abs=0.005)
    leaves = {name[conn.graph.minima[k]] for k in (first.left, first.right)}
    assert leaves == {"B", "C"}
    assert name[conn.graph.minima[second.left]] == "A" and second.right == first.node


def test_muller_brown_minimum_energy_path_climbs_onto_both_saddles(muller_brown):
    land, crit, conn = muller_brown
    route = conn.route
    by_value = {round(n.value, 2): n.id for n in conn.nodes}
    a, b, c = by_value[-146.70], by_value[-108.17], by_value[-80.77]
    assert route["between"] == [a, b] and route["minima"] == [a, c, b]
    assert route["barriers"] == pytest.approx([-40.66 + 146.70, -40.66 + 108.17], abs=0.01)
    for hop in route["hops"]:
        assert hop["matches"] and hop["band"].converged
        assert hop["distance"] < 1e-6 * conn.scale
        # the exact steepest-descent path through the saddle peaks at the saddle itself
        mep = conn.profile_paths[hop["saddle"]]
        assert land.value(mep).max() == pytest.approx(conn.nodes[hop["saddle"]].value, abs=1e-9)


def test_muller_brown_basins_add_up_and_every_start_is_accounted_for(muller_brown):
    _, _, conn = muller_brown
    b = conn.basins
    assert b["hits"].sum() + b["elsewhere"] == b["starts"] == 512
    assert np.all(b["low"] <= b["fraction"]) and np.all(b["fraction"] <= b["high"])
    assert b["elsewhere"] == 0


# ---------------------------------------------------------------- the separable landscape: exact connections


def _separable_truth(land):
    """Per coordinate the three roots of y^3 - y + a (left minimum, maximum, right minimum) and
    the well's values there."""
    roots = []
    for a in land._a:
        r = np.sort(np.roots([1.0, 0.0, -1.0, a]).real)
        roots.append(r)
    roots = np.array(roots)  # (n, 3)
    well = 0.25 * roots**4 - 0.5 * roots**2 + land._a[:, None] * roots
    return roots, well


def _configuration(land, roots, x):
    """Which root (0 left, 1 maximum, 2 right) each coordinate y = R^T x sits at."""
    y = (x @ land._R)[0]
    d = np.abs(y[:, None] - roots)  # (n, 3)
    assert d.min(axis=1).max() < 1e-6
    return tuple(int(k) for k in d.argmin(axis=1))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_separable_connections_and_barriers_are_exact(n):
    """The saddle that puts coordinate i at its well's maximum joins the two minima that differ
    from it only in coordinate i, with barriers w_i(max) - w_i(min) exactly; a descent from an
    index-k saddle along coordinate j reaches the index-(k-1) saddle with j at a minimum."""
    land, crit, conn = _connect("separable", {"dim": n, "rotation": "random", "seed": n}, starts=8192,
                                basin_starts=0)
    roots, well = _separable_truth(land)
    config = {node.id: _configuration(land, roots, node.x[None]) for node in conn.nodes}
    assert len(conn.nodes) == 3**n
    assert len(conn.graph.edges) == n * 2 ** (n - 1) and not conn.unresolved
    for e in conn.graph.edges:
        s = config[e.saddle]
        (i,) = [k for k, c in enumerate(s) if c == 1]
        ends = {config[m] for m in e.minima}
        assert ends == {s[:i] + (0,) + s[i + 1:], s[:i] + (2,) + s[i + 1:]}
        for m, barrier in zip(e.minima, e.barriers):
            assert barrier == pytest.approx(well[i, 1] - well[i, config[m][i]], abs=1e-10)
    assert len(conn.graph.components) == 1
    for link in conn.links:
        if link["sense"] != "descent":
            continue
        assert link["status"] == "reached"
        s = config[link["saddle"]]
        target = config[link["reaches"]]
        changed = [k for k in range(n) if s[k] != target[k]]
        assert len(changed) == 1 and s[changed[0]] == 1 and target[changed[0]] in (0, 2)
        assert link["reaches_index"] == link["index"] - 1


# ---------------------------------------------------------------- the climbing image on other landscapes


@pytest.mark.parametrize("family,params", [("himmelblau", {}), ("six-hump-camel", {}),
                                           ("separable", {"dim": 3, "seed": 2})])
def test_the_climbing_image_ends_on_the_engines_saddle(family, params):
    land, crit, conn = _connect(family, params, basin_starts=0)
    route = conn.route
    assert route is not None and route["hops"]
    for hop in route["hops"]:
        assert hop["band"].converged
        assert hop["matches"], hop
        assert hop["distance"] < 1e-5 * conn.scale
        assert abs(hop["value_error"]) < 1e-8 * max(1.0, abs(conn.nodes[hop["saddle"]].value))


def test_a_band_from_a_straight_start_finds_the_muller_brown_pass_and_resample_is_even():
    land = build("muller-brown", {})
    crit = find_critical_points(land, starts=4096)
    mins = [p for p in crit.points if p.kind == "minimum"]
    sad = [p for p in crit.points if p.kind == "saddle"]
    c = next(p for p in mins if abs(p.value + 80.77) < 0.01)
    b = next(p for p in mins if abs(p.value + 108.17) < 0.01)
    band = relax(land, c.x, b.x, ftol=1e-6, hscale=1e3, scale=3.5)
    target = next(p for p in sad if abs(p.value + 72.25) < 0.01)
    assert band.converged and np.linalg.norm(band.x[band.climbing] - target.x) < 1e-8
    path = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 2.0]])
    pts = resample(path, 7)
    assert np.allclose(np.linalg.norm(np.diff(pts, axis=0), axis=-1), 0.5)


# ---------------------------------------------------------------- every descent ends somewhere known, or says why


@pytest.mark.parametrize("family,params", [("himmelblau", {}), ("pspin", {"dim": 6, "p": 3}),
                                           ("six-hump-camel", {})])
def test_every_descent_ends_at_a_known_point_or_says_why(family, params):
    land, crit, conn = _connect(family, params, basin_starts=128, max_paths=200)
    p = conn.paths
    ids = {n.id for n in conn.nodes}
    for r in range(len(p)):
        if p.status[r] == "reached":
            assert int(p.end[r]) in ids
        else:
            assert p.status[r] in ("left-box", "diverged", "unfinished", "no-critical-point")
            assert p.end[r] == -1
    for u in conn.unresolved:
        assert u["why"]
    minima = {n.id for n in conn.nodes if n.kind == "minimum"}
    for e in conn.graph.edges:
        assert set(e.minima) <= minima and conn.nodes[e.saddle].index == 1
    # index-1 saddles: both descents resolved into an edge, or reported
    index1 = [n.id for n in conn.nodes if n.kind in ("saddle", "maximum") and n.index == 1]
    reported = {u["saddle"] for u in conn.unresolved}
    assert {e.saddle for e in conn.graph.edges} | reported == set(index1)


def test_a_minimum_the_search_missed_is_found_by_descent():
    """Drop a minimum from the critical set: the descents from its saddles find it again."""
    land = build("muller-brown", {})
    crit = find_critical_points(land, starts=4096)
    kept = [p for p in crit.points if not (p.kind == "minimum" and abs(p.value + 108.17) < 0.01)]
    partial = from_points(land, np.array([p.x for p in kept]))
    conn = connect(land, partial, basin_starts=0)
    new = [n for n in conn.nodes if n.found_by == "descent"]
    assert len(new) == 1 and new[0].kind == "minimum" and new[0].value == pytest.approx(-108.1667, abs=1e-3)
    assert len(conn.graph.edges) == 2 and not conn.unresolved


# ---------------------------------------------------------------- the graph and the tree


def _random_graph(rng, M, E):
    minima = list(range(M))
    values = list(np.sort(rng.normal(size=M)))
    edges = []
    for s in range(E):
        a, b = rng.choice(M, 2, replace=False)
        top = max(values[a], values[b]) + rng.exponential()
        a, b = sorted((int(a), int(b)))
        edges.append(Edge(saddle=100 + s, minima=(a, b), value=float(top),
                          barriers=(float(top - values[a]), float(top - values[b]))))
    return minima, values, edges


def _brute_minimax(M, edges, i, j):
    """The lowest highest-saddle over every simple path (exhaustive)."""
    best = np.inf
    adj = {}
    for e in edges:
        adj.setdefault(e.minima[0], []).append((e.minima[1], e.value))
        adj.setdefault(e.minima[1], []).append((e.minima[0], e.value))
    stack = [(i, -np.inf, {i})]
    while stack:
        u, top, seen = stack.pop()
        if u == j:
            best = min(best, top)
            continue
        for w, v in adj.get(u, []):
            if w not in seen:
                stack.append((w, max(top, v), seen | {w}))
    return best


def test_minimax_paths_equal_the_exhaustive_search_on_random_graphs():
    rng = np.random.default_rng(7)
    for _ in range(20):
        M, E = int(rng.integers(3, 8)), int(rng.integers(2, 10))
        minima, values, edges = _random_graph(rng, M, E)
        g = build_graph(minima, values, edges)
        for i, j in itertools.combinations(range(M), 2):
            truth = _brute_minimax(M, edges, i, j)
            if np.isinf(truth):
                assert g.component[i] != g.component[j]
                continue
            route = g.minimax(i, j)
            assert route["top"] == truth
            assert route["barriers"] == [truth - values[i], truth - values[j]]
            assert route["minima"][0] == i and route["minima"][-1] == j


def test_the_tree_has_every_minimum_as_a_leaf_isolated_ones_included():
    rng = np.random.default_rng(3)
    minima, values, edges = _random_graph(rng, 30, 25)
    g = build_graph(minima, values, edges)
    lay = layout(g)
    assert sorted(lay.leaf_x) == list(range(30))  # one leaf per minimum, none dropped
    assert np.allclose(lay.leaf_value, values)
    # every join sits at its saddle's energy and the roots (one per component) reach the top
    assert len(lay.roots) == len(g.components) == 30 - len(g.merges)
    tops = lay.segments[:, 1, 1]
    assert np.count_nonzero(tops == lay.top) == len(g.components)
    spaced = layout(g, spacing=0.5)
    joins = spaced.node_value[30:][~np.isnan(spaced.node_x[30:])]
    assert np.allclose(((joins - min(values)) / 0.5) % 1, 0, atol=1e-9) or np.allclose(
        ((joins - min(values)) / 0.5) % 1, 1, atol=1e-9)
    groups = funnels(g, 6)
    labels, sizes = np.unique(groups[groups >= 0], return_counts=True)
    assert groups.shape == (30,) and list(labels) == list(range(len(labels))) and np.all(sizes >= 2)
    lows = [min(values[k] for k in np.flatnonzero(groups == lab)) for lab in labels]
    assert lows == sorted(lows)  # funnels numbered by their lowest minimum
    for lab in labels:  # a funnel is one branch of the tree: its minima lie in one component
        assert len(set(g.component[groups == lab])) == 1
    assert list(funnels(build_graph([0, 1, 2], [0.0, -1.0, 2.0], []), 6)) == [1, 0, 2]  # few minima: one each


# ---------------------------------------------------------------- the command


def test_connect_command_writes_the_graph_and_json_prints_the_same(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["connect", "muller-brown", "--out", str(tmp_path), "--basin-starts", "64", "-q"])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "connect-muller-brown"
    written = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert written == ["barriers.png", "basins.png", "disconnectivity.png", "graph.json", "nodes.csv",
                       "paths.png", "profile.png", "summary.md"]
    graph = json.loads((folder / "graph.json").read_text())
    assert {"nodes", "edges", "unresolved"} <= set(graph)
    assert set(graph["nodes"][0]) >= {"id", "x", "value", "index", "kind"}
    assert set(graph["edges"][0]) == {"saddle", "minima", "barriers"}
    res = runner.invoke(cli, ["connect", "muller-brown", "--json", "--basin-starts", "64"])
    assert res.exit_code == 0
    assert json.loads(res.output) == graph
    res = runner.invoke(cli, ["connect", "muller-brown", "--basin-starts", "0"])
    assert "joins minima" in res.output and "1 – 2" in res.output and "0 – 2" in res.output


def test_connect_reads_the_points_of_a_critical_run(tmp_path):
    runner = CliRunner()
    res = runner.invoke(cli, ["critical", "six-hump-camel", "--out", str(tmp_path), "-q"])
    assert res.exit_code == 0
    points = tmp_path / "critical-six-hump-camel" / "points.csv"
    a = json.loads(runner.invoke(cli, ["connect", "six-hump-camel", "--json", "--basin-starts", "0"]).output)
    b = json.loads(runner.invoke(cli, ["connect", "six-hump-camel", "--points", str(points), "--json",
                                       "--basin-starts", "0"]).output)
    assert len(a["nodes"]) == len(b["nodes"]) == 15  # six minima, seven saddles, two maxima
    assert [(e["saddle"], e["minima"]) for e in a["edges"]] == [(e["saddle"], e["minima"]) for e in b["edges"]]
    for ea, eb in zip(a["edges"], b["edges"]):  # the points polished again from their printed digits
        assert ea["barriers"] == pytest.approx(eb["barriers"], abs=1e-12)
    assert b["search"]["starts"] == 0


@pytest.mark.parametrize("args,message", [
    (["muller-brown", "--between", "0"], "two point ids"),
    (["muller-brown", "--between", "0,0"], "two different minima"),
    (["muller-brown", "--between", "0,3"], "is a saddle, not a minimum"),
    (["muller-brown", "--between", "0,99"], "does not exist"),
    (["muller-brown", "--spacing", "-1"], "positive energy step"),
    (["muller-brown", "--spacing", "inf"], "positive energy step"),
    (["muller-brown", "--images", "2"], "--images"),
    (["--expr", "abs(x) + y^2", "--domain", "-1:1,-1:1"], "not smooth"),
    (["pspin", "--dim", "4", "--domain", "-1:1,-1:1,-1:1,-1:1"], "does not apply"),
])
def test_connect_refuses_bad_input_in_one_line(tmp_path, args, message):
    res = CliRunner().invoke(cli, ["connect", *args, "--basin-starts", "0", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert message in res.output and len(res.output.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())


def test_connect_refuses_a_points_file_that_is_not_critical(tmp_path):
    bad = tmp_path / "points.csv"
    bad.write_text("value,x1,x2\n0,0.5,0.5\n")
    res = CliRunner().invoke(cli, ["connect", "himmelblau", "--points", str(bad)])
    assert res.exit_code == 2 and "row 1 is not a critical point" in res.output
    bad.write_text("value,x1\n0,0.5\n")
    res = CliRunner().invoke(cli, ["connect", "himmelblau", "--points", str(bad)])
    assert res.exit_code == 2 and "no column x2" in res.output


def test_connect_on_a_formula_double_well():
    """x^4 - 2x^2 + y^2: minima (+-1, 0) at -1, the pass (0, 0) at 0: barriers 1 both ways, and
    by the mirror symmetry the basins are even within their intervals."""
    res = CliRunner().invoke(cli, ["connect", "--expr", "x^4 - 2*x^2 + y^2", "--domain", "-2:2,-2:2", "--json",
                                   "--basin-starts", "1024"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    (edge,) = d["edges"]
    assert edge["barriers"] == pytest.approx([1.0, 1.0], abs=1e-12)
    b = d["basins"]
    assert b["hits"][0] + b["hits"][1] == 1024
    assert b["low"][0] <= 0.5 <= b["high"][0]
