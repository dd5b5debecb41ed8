"""The disconnectivity tree's layout: where each minimum's leaf and each join are drawn.

A disconnectivity graph (Becker and Karplus 1997; Wales, "Energy Landscapes",
2003) puts energy on the vertical axis. Each minimum is a leaf starting at its
own energy; two branches join at the energy of the saddle that first makes
their superbasins mutually accessible (``graph.build_graph``'s merges). Every
minimum is a leaf, including minima joined to nothing (a component of its own),
whose branches run to the top.

By default the joins sit at the saddles' own energies (the data's levels).
With ``spacing`` they are raised to the grid E_0 + k * spacing above the lowest
minimum, as in Wales's drawings: joins that land on the same level merge into
one node with several children.

Layout: within each join, the branch holding the lower minimum goes left, so
the lowest minimum of each component is its leftmost leaf; components go left
to right by their lowest minimum. Leaves are spaced evenly (x = 0, 1, ...); a
join sits above the middle of its children. The drawing is a dendrogram:
each branch is a vertical line from its node up to its parent's level, and each
join a horizontal line across its children.

Shapes: M minima; ``leaf_x`` (M,) in the order of ``graph.minima``;
``segments`` (S, 2, 2) of ((x0, e0), (x1, e1)); ``segment_leaves`` a list of S
arrays of the leaves (positions in graph.minima) under each segment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Layout:
    """Leaf positions, join positions, the drawn segments and the top of the drawing."""

    leaf_x: np.ndarray
    leaf_value: np.ndarray
    node_x: np.ndarray
    node_value: np.ndarray
    segments: np.ndarray
    segment_leaves: list
    top: float
    roots: tuple[int, ...]
    spacing: float | None


def layout(graph, spacing: float | None = None) -> Layout:
    """The layout of graph's disconnectivity tree (module docstring)."""
    M = len(graph.minima)
    values = np.array(graph.values, dtype=float)
    children: dict[int, list[int]] = {}
    level = list(values)
    for m in graph.merges:
        children[m.node] = [m.left, m.right]
        level.append(m.value)
    level = np.array(level)
    if spacing is not None and spacing > 0 and len(graph.merges):
        base = values.min()
        snapped = base + np.ceil((level[M:] - base) / spacing - 1e-9) * spacing
        level[M:] = snapped
    parent = {c: n for n, cs in children.items() for c in cs}
    # a join on the same level as its parent is folded into it (several children at one node)
    for node in sorted(children, reverse=True):
        p = parent.get(node)
        if p is not None and level[p] == level[node]:
            kids = children.pop(node)
            at = children[p].index(node)
            children[p][at:at + 1] = kids
            for c in kids:
                parent[c] = p
            parent.pop(node)
    T = len(level)
    lowest = np.full(T, np.inf)
    lowest[:M] = values
    leaves_of: dict[int, list[int]] = {k: [k] for k in range(M)}
    for node in sorted(children):  # children always have smaller ids than their join
        lowest[node] = min(lowest[c] for c in children[node])
        leaves_of[node] = [leaf for c in children[node] for leaf in leaves_of[c]]
        children[node].sort(key=lambda c: (lowest[c], min(leaves_of[c])))
    roots = sorted([k for k in range(T) if k not in parent and (k < M or k in children)],
                   key=lambda k: (lowest[k], min(leaves_of[k])))
    order: list[int] = []

    def visit(node):
        stack = [node]
        while stack:
            k = stack.pop()
            if k < M:
                order.append(k)
            else:
                stack.extend(reversed(children[k]))

    for r in roots:
        visit(r)
    leaf_x = np.zeros(M)
    leaf_x[order] = np.arange(M, dtype=float)
    node_x = np.full(T, np.nan)
    node_x[:M] = leaf_x
    for node in sorted(children):
        xs = [node_x[c] for c in children[node]]
        node_x[node] = 0.5 * (min(xs) + max(xs))
    spread = float(level.max() - values.min()) if T else 0.0
    top = float(level.max() + max(0.08 * spread, 1e-12 + 1e-3 * abs(level.max())))
    segments, under = [], []
    for k in range(T):
        if k >= M and k not in children:
            continue  # folded into its parent
        up = level[parent[k]] if k in parent else top
        segments.append(((node_x[k], level[k]), (node_x[k], up)))
        under.append(np.array(sorted(leaves_of[k])))
        if k in children:
            xs = [node_x[c] for c in children[k]]
            segments.append(((min(xs), level[k]), (max(xs), level[k])))
            under.append(np.array(sorted(leaves_of[k])))
    return Layout(leaf_x=leaf_x, leaf_value=values, node_x=node_x, node_value=level,
                  segments=np.array(segments, dtype=float).reshape(-1, 2, 2), segment_leaves=under,
                  top=top, roots=tuple(roots), spacing=spacing)


def funnels(graph, groups: int = 6) -> np.ndarray:
    """A group label (M,) per minimum: the funnels, the branches below one energy; -1 for a minimum
    in no funnel.

    With at most ``groups`` minima each is its own group. Otherwise the tree is cut at one
    energy: taking the joins in order of energy, after each the branches of two minima or more
    are counted, and the cut is placed after the join where that count is largest (at most
    ``groups``; ties: the higher cut, for bigger funnels). Those branches are the funnels
    (the ``groups`` largest if there are more); a minimum in none of them, alone below the
    cut, is labelled -1 and drawn in a neutral colour. Labels 0, 1, ... go to the funnels in
    the order of their lowest minimum.
    """
    M = len(graph.minima)
    if M <= groups:
        order = sorted(range(M), key=lambda k: (graph.values[k], graph.minima[k]))
        out = np.zeros(M, dtype=int)
        out[order] = np.arange(M)
        return out
    parent = list(range(M))
    size = [1] * M

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    leaf_of = {k: k for k in range(M)}  # a tree node -> one of its leaves
    multi, best, best_at = 0, 0, 0
    for k, m in enumerate(graph.merges):  # Kruskal's order: by energy
        a, b = find(leaf_of[m.left]), find(leaf_of[m.right])
        multi -= (size[a] > 1) + (size[b] > 1)
        parent[b] = a
        size[a] += size[b]
        multi += 1
        leaf_of[m.node] = a
        if min(multi, groups) >= best:
            best, best_at = min(multi, groups), k + 1
    parent = list(range(M))  # the same joins again, up to the cut
    leaf_of = {k: k for k in range(M)}
    for m in graph.merges[:best_at]:
        a, b = find(leaf_of[m.left]), find(leaf_of[m.right])
        parent[b] = a
        leaf_of[m.node] = a
    roots = np.array([find(k) for k in range(M)])
    ids, counts = np.unique(roots, return_counts=True)
    big = sorted((r for r, c in zip(ids, counts) if c > 1), key=lambda r: -counts[list(ids).index(r)])[:groups]
    lows = sorted((min(graph.values[k] for k in np.flatnonzero(roots == r)), int(r)) for r in big)
    leaf_group = np.full(M, -1, dtype=int)
    for g, (_, r) in enumerate(lows):
        leaf_group[roots == r] = g
    return leaf_group

