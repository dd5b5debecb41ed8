"""The landscape graph: minima as nodes, index-1 saddles as edges, and what follows from it.

Edges carry the saddle's value f(s). Sorting them by f(s) and joining
components in that order (Kruskal's algorithm with a union-find) gives at
once:

- the connected components (minima joined by some chain of passes);
- the minimum spanning tree, on which the path between two minima is their
  minimax path: of all chains of passes between them, the one whose highest
  saddle is lowest (a property of every minimum spanning tree: Hu 1961,
  "The maximum capacity route problem"). Its barrier from minimum i is
  max f(s) over its saddles minus f(i);
- the merge events of the disconnectivity graph (Becker and Karplus 1997):
  at the energy f(s) of each tree edge, two superbasins become mutually
  accessible and their branches join.

Ties in f(s) are broken by the saddle's id, so everything is deterministic.
A saddle whose two descents reach the same minimum is an edge from that
minimum to itself: it is kept in the list and joins nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError


@dataclass(frozen=True)
class Edge:
    """An index-1 saddle and the two minima its descents reach (ids, ascending), with
    the barriers f(s) - f(min) from each."""

    saddle: int
    minima: tuple[int, int]
    value: float
    barriers: tuple[float, float]

    def to_dict(self) -> dict:
        return {"saddle": self.saddle, "minima": list(self.minima), "barriers": list(self.barriers)}


@dataclass(frozen=True)
class Merge:
    """One join of the disconnectivity tree: at ``value`` (the saddle ``saddle``'s), the
    superbasins ``left`` and ``right`` (tree-node ids) become the new node ``node``."""

    node: int
    value: float
    saddle: int
    left: int
    right: int


@dataclass(frozen=True, eq=False)
class Graph:
    """Minima (node ids of the point list and their values) joined by index-1 saddles.

    minima: the ids of every minimum (none left out); values: their f; edges: every
    index-1 saddle with both ends at minima; tree: the spanning-tree edges in the
    order Kruskal takes them; merges: the disconnectivity tree's joins (tree nodes
    0..M-1 are the minima in the order of ``minima``, later nodes are joins);
    component (M,): the component label of each minimum (0 = the lowest minimum's).
    """

    minima: tuple[int, ...]
    values: tuple[float, ...]
    edges: tuple[Edge, ...]
    tree: tuple[Edge, ...]
    merges: tuple[Merge, ...]
    component: np.ndarray

    @property
    def components(self) -> list[list[int]]:
        """The minima ids of each component, components in order of their lowest minimum."""
        groups: dict = {}
        for m, c in zip(self.minima, self.component):
            groups.setdefault(int(c), []).append(m)
        return [groups[c] for c in sorted(groups)]

    def position(self, minimum: int) -> int:
        try:
            return self.minima.index(minimum)
        except ValueError:
            raise LandscapeError(f"point {minimum} is not a minimum (the minima are "
                                 f"{', '.join(map(str, self.minima[:12]))}{' ...' if len(self.minima) > 12 else ''})") from None

    def minimax(self, i: int, j: int) -> dict:
        """The minimax path between minima i and j (point ids): the minima and saddles along it in
        order, the highest saddle, and the barriers from each end; LandscapeError when they are
        in different components."""
        a, b = self.position(i), self.position(j)
        if self.component[a] != self.component[b]:
            raise LandscapeError(f"minima {i} and {j} are not connected: no chain of index-1 saddles "
                                 "found joins them")
        adjacency: dict = {}
        for e in self.tree:
            adjacency.setdefault(e.minima[0], []).append((e.minima[1], e))
            adjacency.setdefault(e.minima[1], []).append((e.minima[0], e))
        previous = {i: None}
        frontier = [i]
        while frontier and j not in previous:  # breadth-first over the tree (M nodes at most)
            nxt = []
            for u in frontier:
                for w, e in sorted(adjacency.get(u, []), key=lambda t: t[1].saddle):
                    if w not in previous:
                        previous[w] = (u, e)
                        nxt.append(w)
            frontier = nxt
        minima, saddles = [j], []
        while previous[minima[-1]] is not None:
            u, e = previous[minima[-1]]
            saddles.append(e.saddle)
            minima.append(u)
        minima.reverse()
        saddles.reverse()
        value = {m: v for m, v in zip(self.minima, self.values)}
        at = {e.saddle: e.value for e in self.tree}
        highest = max(saddles, key=lambda s: (at[s], -s)) if saddles else None
        top = at[highest] if saddles else value[i]
        return {"between": [i, j], "minima": minima, "saddles": saddles, "highest_saddle": highest,
                "top": top, "barriers": [top - value[i], top - value[j]]}

    def to_dict(self) -> dict:
        return {"components": self.components,
                "tree": [{"saddle": e.saddle, "minima": list(e.minima), "value": e.value} for e in self.tree],
                "merges": [{"node": m.node, "value": m.value, "saddle": m.saddle, "children": [m.left, m.right]}
                           for m in self.merges]}


def build_graph(minima: list[int], values: list[float], edges: list[Edge]) -> Graph:
    """Kruskal over the edges sorted by (saddle value, saddle id): components, tree, merges."""
    pos = {m: k for k, m in enumerate(minima)}
    M = len(minima)
    parent = list(range(M))
    top = list(range(M))  # the tree node standing for each union-find root's superbasin

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    tree, merges = [], []
    for e in sorted(edges, key=lambda e: (e.value, e.saddle)):
        ra, rb = find(pos[e.minima[0]]), find(pos[e.minima[1]])
        if ra == rb:
            continue
        node = M + len(merges)
        left, right = sorted((top[ra], top[rb]))
        merges.append(Merge(node=node, value=e.value, saddle=e.saddle, left=left, right=right))
        parent[rb] = ra
        top[ra] = node
        tree.append(e)
    roots = np.array([find(k) for k in range(M)], dtype=int)
    # label components by their lowest minimum (minima come sorted by value, then id)
    order = sorted(range(M), key=lambda k: (values[k], minima[k]))
    label, component = {}, np.zeros(M, dtype=int)
    for k in order:
        label.setdefault(roots[k], len(label))
        component[k] = label[roots[k]]
    return Graph(minima=tuple(minima), values=tuple(values), edges=tuple(edges), tree=tuple(tree),
                 merges=tuple(merges), component=component)
