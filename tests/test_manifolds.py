"""Critical points that are not isolated: the manifold test on closed-form critical sets."""

import json
import math

import numpy as np
from click.testing import CliRunner

from landscape import build, find_critical_points
from landscape.cli import cli

# (x^2 + y^2 - 1)^2 + z^2: a circle of minima at f = 0 (one flat direction along it, so a
# 1-dimensional manifold of index 0) and one isolated saddle at the origin, Hessian
# diag(-4, -4, 2), index 2.
RING = {"terms": [[[4, 0, 0], 1], [[2, 2, 0], 2], [[0, 4, 0], 1], [[2, 0, 0], -2], [[0, 2, 0], -2],
                  [[0, 0, 0], 1], [[0, 0, 2], 1]]}


def test_a_circle_of_minima_is_one_manifold_of_dimension_1_and_the_saddle_stays_a_point():
    land = build("polynomial", RING)
    found = find_critical_points(land, [(-2, 2)] * 3, starts=4096, seed=1)
    assert len(found.manifolds) == 1
    ring = found.manifolds[0]
    assert (ring.dimension, ring.index) == (1, 0) and abs(ring.value) < 1e-12
    assert abs(np.hypot(*ring.example[:2]) - 1) < 1e-8 and abs(ring.example[2]) < 1e-8
    assert ring.points == found.counts["degenerate"] > 10  # many distinct points of the circle
    saddles = found.of_kind("saddle")
    assert len(saddles) == 1 and saddles[0].index == 2
    np.testing.assert_allclose(saddles[0].eigenvalues, [-4, -4, 2], atol=1e-8)
    assert found.estimated_total is None  # a continuum has no count
    assert found.to_dict()["manifolds"][0]["dimension"] == 1


def test_an_isolated_degenerate_point_is_not_a_manifold():
    """The monkey saddle x^3 - 3xy^2: H = 0 at the origin, but no other critical point near it."""
    found = find_critical_points(build("monkey-saddle"), starts=2048)
    assert found.counts["degenerate"] == 1 and found.manifolds == ()
    assert found.estimated_total == 1.0


def test_linear_network_critical_manifolds_match_baldi_hornik():
    """|W2 W1 X - Y|^2 / 2 with mode strengths s_i: each critical point learns a subset of the modes
    and sits at f = sum of s_i^2 / 2 over the unlearnt ones (Baldi & Hornik 1989; Saxe et al.
    2014). The global minima form the orbit of GL(h) (W1 -> A W1, W2 -> W2 A^-1), acting freely,
    so of dimension h^2; the origin learns nothing and is an isolated saddle of index h m (the
    Hessian's off-diagonal block has each singular value s_i h times)."""
    s, h = (2.0, 1.0), 2
    land = build("linear-net", {"strengths": list(s), "hidden": h})
    found = find_critical_points(land, starts=8192, seed=0)
    possible = {0.0, s[1] ** 2 / 2, s[0] ** 2 / 2}
    assert found.manifolds and found.estimated_total is None
    for m in found.manifolds:
        assert min(abs(m.value - v) for v in possible) < 1e-9, m
    minima = [m for m in found.manifolds if abs(m.value) < 1e-9]
    assert len(minima) == 1 and minima[0].dimension == h * h and minima[0].index == 0
    # a point that learnt r modes lies on its GL(h) orbit, of dimension h^2 - (h - r)^2: the stabiliser
    # is I + the maps into ker W2 (dimension h - r) that vanish on range W1 (dimension r)
    from itertools import combinations

    unlearnt = {round(sum(v * v for v in u) / 2, 9): len(u) for k in range(len(s) + 1) for u in combinations(s, k)}
    for m in found.manifolds:
        learnt = len(s) - unlearnt[round(m.value, 9)]
        assert m.dimension == h * h - (h - learnt) ** 2, m
    origin = [p for p in found.points if p.kind == "saddle"]
    assert len(origin) == 1 and np.abs(origin[0].x).max() < 1e-9
    assert origin[0].index == h * len(s) and math.isclose(origin[0].value, sum(v * v for v in s) / 2)


def test_critical_linear_net_reports_manifolds_and_no_total():
    """The CLI: JSON `manifolds` [{dimension, value, index, points}], `estimated_total` null, and
    the text says there is no finite total instead of printing a Chao1 number."""
    args = ["critical", "linear-net", "-p", "strengths=[2,1]", "-p", "hidden=2", "--starts", "4096"]
    data = json.loads(CliRunner().invoke(cli, args + ["--json", "-q"]).stdout)
    assert data["estimated_total"] is None and data["estimated_total_ci"] == [None, None]
    assert data["manifolds"] and {"dimension", "value", "index", "points"} <= set(data["manifolds"][0])
    assert sum(m["points"] for m in data["manifolds"]) == data["counts"]["degenerate"]
    text = CliRunner().invoke(cli, args + ["-q"]).stdout
    assert "no finite total" in text and "Estimated total" not in text


def test_the_index_figure_shows_each_manifold_class_with_its_dimension():
    from landscape.critical import survey
    from landscape.figures.critical import index_value_figure
    from landscape.figures.style import legend_overlap

    found = survey(build("polynomial", RING), [(-2, 2)] * 3, starts=4096, seed=1)
    fig = index_value_figure(found)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["1"]  # the circle's dimension, beside its marker
    labels = ax.get_legend_handles_labels()[1]
    assert "manifold of critical points (its dimension beside it)" in labels and "saddle" in labels
    assert legend_overlap(ax) == 0
