"""Figures of `landscape connect`: the disconnectivity graph, the paths on the plane, the energy
profile along a minimum-energy path, the barriers, and the basins' sizes.

Each takes a ``connect.Connection`` (or a result holding one as ``.connection``) and an
optional ``ax``, and draws what it carries: every number is computed by ``landscape.connect``.
"""

from __future__ import annotations

import numpy as np

from .style import (
    KIND_STYLE,
    C,
    drawn,
    finish,
    landscape_label,
    new_axes,
    theory_line,
)

FUNNEL_COLOURS = (C["blue"], C["vermillion"], C["green"], C["orange"], C["purple"], C["sky"], "#A08C00", "#7F5539")
"""The funnels' colours (Okabe-Ito, yellow darkened to olive to read as a thin line)."""

LONE = C["grey"]
"""A minimum in no funnel (split off alone near the top of the tree)."""

MAX_LABELLED = 40
"""Leaves are labelled with their point ids up to this many minima."""


def _connection(result):
    return getattr(result, "connection", result)


def _title(conn, what: str, width: int = 72) -> str:
    """The landscape on the first line, ``what`` wrapped at ``width`` characters below it."""
    import textwrap

    land = conn.landscape
    return "\n".join([f"{landscape_label(land)}, N = {land.dim}"] + textwrap.wrap(what, width))


@drawn
def disconnectivity_figure(result, ax=None, *, spacing: float | None = None, labels=None, groups: int = 6):
    """The disconnectivity graph: energy up, one leaf per minimum (every one), branches joined at
    the saddle energy that first connects them.

    spacing: raise joins to a grid of this energy step (None: at the saddles' own energies).
    labels: a label per minimum (in the order of ``graph.minima``) to colour by; default the
    ``groups`` funnels below the top joins. With basins measured, each leaf's dot has an area
    proportional to the share of random starts that descend into it.
    """
    from matplotlib.collections import LineCollection

    from ..connect.tree import funnels, layout

    conn = _connection(result)
    graph = conn.graph
    spacing = spacing if spacing is not None else getattr(result, "spacing", None)
    M = len(graph.minima)
    fig, ax = new_axes(ax, size=(max(6.4, min(16.0, 3.0 + 0.05 * M)), 5.2))
    if M == 0:
        ax.text(0.5, 0.5, "no minima", ha="center", transform=ax.transAxes)
        return fig
    lay = layout(graph, spacing)
    if labels is None:
        group = funnels(graph, groups)
        names = None
    else:
        names, group = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    colours = np.array([LONE if g < 0 else FUNNEL_COLOURS[g % len(FUNNEL_COLOURS)] for g in group])
    seg_colour = [colours[leaves[0]] if np.all(group[leaves] == group[leaves[0]]) else C["black"]
                  for leaves in lay.segment_leaves]
    ax.add_collection(LineCollection(lay.segments, colors=seg_colour, linewidths=1.2, zorder=2))
    sizes = np.full(M, 18.0)
    basins = conn.basins
    if basins is not None:
        share = dict(zip(basins["minima"], np.asarray(basins["fraction"], dtype=float)))
        sizes = np.array([12.0 + 400.0 * share.get(m, 0.0) for m in graph.minima])
    ax.scatter(lay.leaf_x, lay.leaf_value, s=sizes, c=list(colours), edgecolor="black", linewidth=0.5, zorder=3)
    if M <= MAX_LABELLED:
        upright = M > 16 or max(len(str(m)) for m in graph.minima) > 2  # long ids read downwards, not overlapping
        for k, m in enumerate(graph.minima):
            ax.annotate(str(m), (lay.leaf_x[k], lay.leaf_value[k]), xytext=(0, -7), textcoords="offset points",
                        ha="center", va="top", fontsize=7, rotation=90 if upright else 0)
    lo = float(lay.leaf_value.min())
    span = lay.top - lo
    ax.set_ylim(lo - 0.12 * span, lay.top)
    ax.set_xlim(-0.8, M - 0.2)
    ax.set_xticks([])
    comps = len(graph.components)
    note = f"{M} minima, {len(graph.edges)} index-1 saddles"
    if comps > 1:
        note += f", {comps} components (joined above the top)"
    if spacing:
        note += f", levels every {spacing:g}"
    if names is not None:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=FUNNEL_COLOURS[g % len(FUNNEL_COLOURS)], lw=2, label=str(n))
                   for g, n in enumerate(names)]
        ax.legend(handles=handles, fontsize=8, loc="upper right")
    if basins is not None:
        note += "; dot area = share of random descents"
    ax.set_ylabel("energy $f$")
    ax.set_title(_title(conn, "disconnectivity graph: " + note), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    return fig


def can_draw_paths(result) -> bool:
    return _connection(result).landscape.dim == 2


@drawn
def paths_figure(result, ax=None):
    """2-D: the contour plot with every critical point, each index-1 saddle's descents (its
    unstable manifold, solid) and ascents (its stable manifold, dashed): the separatrices
    between basins; and the relaxed bands with their climbing images."""
    import matplotlib.patheffects as pe

    from .style import contour

    conn = _connection(result)
    fig, ax = new_axes(ax, size=(7.4, 5.8))
    if conn.landscape.dim != 2:
        ax.text(0.5, 0.5, "paths are drawn for 2-D landscapes", ha="center", transform=ax.transAxes)
        return fig
    view = _view(conn)
    contour(conn.landscape, view, ax=ax)
    first = {"descent": True, "ascent": True}
    for _, sense, _, path in conn.manifolds:
        label = None
        if first[sense]:
            label = "descent from a saddle (unstable manifold)" if sense == "descent" else \
                "ascent from a saddle (stable manifold: separatrix)"
            first[sense] = False
        edge = [pe.Stroke(linewidth=2.6, foreground=C["black"]), pe.Normal()] if sense == "descent" else None
        ax.plot(path[:, 0], path[:, 1], color="white" if sense == "descent" else C["black"],
                ls="-" if sense == "descent" else (0, (4, 2)), lw=1.6, zorder=3, label=label, path_effects=edge)
    route = conn.route
    if route:
        for h, hop in enumerate(route["hops"]):
            band = hop["band"]
            ax.plot(band.x[:, 0], band.x[:, 1], "o-", color=C["vermillion"], ms=3.5, lw=1.0, zorder=6,
                    label="climbing-image band" if h == 0 else None)
            c = band.x[band.climbing]
            ax.scatter([c[0]], [c[1]], marker="*", s=160, color=C["yellow"], edgecolor="black", zorder=7,
                       label="climbing image" if h == 0 else None)
    from .style import mark_critical_points

    mark_critical_points(ax, conn.nodes)
    for n in conn.nodes:
        ax.annotate(str(n.id), n.x, xytext=(5, 5), textcoords="offset points", fontsize=8, color="white",
                    zorder=8)
    (x0, x1), (y0, y1) = view
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.legend(fontsize=7, loc="upper right")
    ax.set_title(_title(conn, "paths from the saddles, and the minimum-energy path"), fontsize=10)
    return fig


def _view(conn) -> tuple[tuple[float, float], tuple[float, float]]:
    """The region drawn: the critical points' bounding box with a margin of a quarter of its size
    (at least a twentieth of the search box), inside the search box. A big box (a random field's)
    would otherwise shrink every point into its middle."""
    box = np.asarray(conn.critical.domain, dtype=float)
    pts = np.array([n.x for n in conn.nodes])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = np.maximum(0.25 * (hi - lo), 0.05 * (box[:, 1] - box[:, 0]))
    lo, hi = np.maximum(lo - pad, box[:, 0]), np.minimum(hi + pad, box[:, 1])
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def _arc(path: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=-1))])


def can_draw_profile(result) -> bool:
    return bool(_connection(result).route)


@drawn
def profile_figure(result, ax=None):
    """Energy along the minimum-energy path between the chosen minima, hop by hop: the steepest-
    descent path through each hop's saddle (the exact path, dashed) and the band's images placed
    at their nearest point of it, with the saddles (stars) and minima (circles) marked."""
    from ..connect.neb import resample

    conn = _connection(result)
    fig, ax = new_axes(ax, size=(7.4, 4.6))
    route = conn.route
    if not route:
        ax.text(0.5, 0.5, "no path: the lowest minimum joins no other", ha="center", transform=ax.transAxes)
        return fig
    land = conn.landscape
    offset = 0.0
    nodes = conn.nodes
    for h, hop in enumerate(route["hops"]):
        mep = resample(conn.profile_paths[hop["saddle"]], 2000)
        s = _arc(mep)
        theory_line(ax, offset + s, land.value(mep), color=C["black"],
                    label="steepest-descent path (integrated)" if h == 0 else None)
        band = hop["band"]
        nearest = np.linalg.norm(band.x[:, None, :] - mep[None, :, :], axis=-1).argmin(axis=1)
        ax.plot(offset + s[nearest], band.values, "o", color=C["vermillion"], ms=5, alpha=0.8, zorder=3,
                label="band images (CI-NEB)" if h == 0 else None)
        top = s[np.argmax(land.value(mep))]
        ax.scatter([offset + top], [nodes[hop["saddle"]].value], marker="X", s=120, zorder=5,
                   color=KIND_STYLE["saddle"]["color"], edgecolor="black",
                   label="index-1 saddle (engine)" if h == 0 else None)
        ax.annotate(f"{hop['saddle']}", (offset + top, nodes[hop["saddle"]].value), xytext=(6, 4),
                    textcoords="offset points", fontsize=8)
        for m, at in ((hop["minima"][0], 0.0), (hop["minima"][1], s[-1])):
            ax.scatter([offset + at], [nodes[m].value], marker="o", s=60, zorder=5,
                       color=KIND_STYLE["minimum"]["color"], edgecolor="black",
                       label="minimum" if (h == 0 and at == 0.0) else None)
            ax.annotate(f"{m}", (offset + at, nodes[m].value), xytext=(4, -11), textcoords="offset points",
                        fontsize=8)
        offset += s[-1]
    i, j = route["between"]
    b1, b2 = route["barriers"]
    finish(ax, "distance along the path", "energy $f$",
           _title(conn, f"minimum-energy path {i} → {j}: barrier {b1:.4g} from {i}, {b2:.4g} from {j}"),
           legend=8)
    return fig


def can_draw_barriers(result) -> bool:
    return bool(_connection(result).graph.edges)


@drawn
def barriers_figure(result, ax=None):
    """Each index-1 saddle's two barriers f(s) - f(min) against its value f(s) (pele's barrier
    distribution): the lower barrier filled, the higher open."""
    conn = _connection(result)
    fig, ax = new_axes(ax, size=(6.6, 4.8))
    edges = conn.graph.edges
    if not edges:
        ax.text(0.5, 0.5, "no index-1 saddle joins two minima", ha="center", transform=ax.transAxes)
        return fig
    v = np.array([e.value for e in edges])
    b = np.sort(np.array([e.barriers for e in edges]), axis=1)
    ax.scatter(v, b[:, 0], s=28, color=C["blue"], edgecolor="black", linewidth=0.4, zorder=3,
               label="lower barrier")
    ax.scatter(v, b[:, 1], s=28, facecolor="none", edgecolor=C["vermillion"], linewidth=1.0, zorder=3,
               label="higher barrier")
    ax.set_ylim(bottom=min(0.0, float(b.min())))
    finish(ax, "saddle value $f(s)$", "barrier $f(s) - f(\\mathrm{min})$",
           _title(conn, f"barriers of {len(edges)} index-1 saddles"), legend=8)
    return fig


def can_draw_basins(result) -> bool:
    return _connection(result).basins is not None


@drawn
def basins_figure(result, ax=None):
    """The share of random starts whose steepest descent ends in each minimum, against the
    minimum's value, with 95% Wilson intervals, coloured like the disconnectivity graph."""
    from ..connect.tree import funnels

    conn = _connection(result)
    fig, ax = new_axes(ax, size=(6.6, 4.8))
    basins = conn.basins
    if basins is None:
        ax.text(0.5, 0.5, "basins not measured", ha="center", transform=ax.transAxes)
        return fig
    graph = conn.graph
    group = dict(zip(graph.minima, funnels(graph)))
    value = {n.id: n.value for n in conn.nodes}
    ids = basins["minima"]
    x = np.array([value[m] for m in ids])
    y = np.asarray(basins["fraction"], dtype=float)
    lo, hi = np.asarray(basins["low"], dtype=float), np.asarray(basins["high"], dtype=float)
    colours = [LONE if group.get(m, -1) < 0 else FUNNEL_COLOURS[group[m] % len(FUNNEL_COLOURS)] for m in ids]
    ax.errorbar(x, y, yerr=[y - lo, hi - y], fmt="none", ecolor=C["grey"], lw=1, zorder=2)
    ax.scatter(x, y, c=colours, s=36, edgecolor="black", linewidth=0.5, zorder=3)
    if len(ids) <= MAX_LABELLED:
        for m, xi, yi in zip(ids, x, y):
            ax.annotate(str(m), (xi, yi), xytext=(4, 3), textcoords="offset points", fontsize=7)
    ax.set_ylim(bottom=0)
    finish(ax, "minimum value $f$", "share of random starts",
           _title(conn, f"basins: {basins['starts']} steepest descents from random starts "
                        f"({basins['elsewhere']} elsewhere)"), legend=None)
    return fig


FIGURES = {"disconnectivity": disconnectivity_figure, "paths": paths_figure, "profile": profile_figure,
           "barriers": barriers_figure, "basins": basins_figure}

CAN_DRAW = {"paths": can_draw_paths, "profile": can_draw_profile, "barriers": can_draw_barriers,
            "basins": can_draw_basins}
