"""connect: how the critical points connect, saddles as passes, minimum-energy paths and the disconnectivity graph.

The engine finds every critical point in the box; from each saddle the
steepest-descent paths along its negative directions show which minima (or
lower saddles) it joins. Minima and index-1 saddles form the landscape graph,
drawn as a disconnectivity graph (Becker and Karplus 1997); between two minima
a climbing-image nudged elastic band (Henkelman et al. 2000) relaxes along each
hop of their minimax path, and its climbing image is checked against the
engine's saddle. Random descents measure each minimum's basin. The same
computation is `landscape connect`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..figures import connect as figures
from .base import Smoke, header
from .common import require

MANY_LANDSCAPES = False
TAKES_ETA = False


@dataclass(frozen=True)
class Settings:
    """The ``[connect]`` section.

    starts: the critical-point search's start budget; box: search in [-box, box]^n (0: the
    family's own box, or the scenario's [critical] domain); between: two minima's point ids
    for the minimum-energy path ([] : the lowest minimum and the one farthest from it in
    hops); basin_starts: random descents for the basins (0: none); images: a band's images;
    spacing: the disconnectivity graph's level spacing (0: the saddles' own energies);
    max_paths: descents from saddles of index >= 2 planned at most.
    """

    starts: int = 65536
    box: float = 0.0
    between: tuple[int, ...] = ()
    basin_starts: int = 1024
    images: int = 25
    spacing: float = 0.0
    max_paths: int = 4096

    def __post_init__(self):
        require(self.starts >= 1, "starts: expected a positive integer")
        require(self.box >= 0 and self.box <= 1e6, "box: expected a number in [0, 1e6] (0: the family's box)")
        object.__setattr__(self, "between", tuple(self.between))
        require(len(self.between) in (0, 2) and all(isinstance(b, int) and b >= 0 for b in self.between),
                "between: expected two point ids of minima, e.g. [0, 2], or [] for the default pair")
        require(0 <= self.basin_starts <= 1_000_000, "basin_starts: expected an integer in [0, 1000000]")
        require(3 <= self.images <= 1000, "images: expected an integer in [3, 1000]")
        require(self.spacing >= 0, "spacing: expected a number >= 0 (0: the saddles' own energies)")
        require(0 <= self.max_paths <= 1_000_000, "max_paths: expected an integer in [0, 1000000]")


@dataclass(frozen=True, eq=False)
class ConnectResult:
    """The scenario and its ``connect.Connection``."""

    scenario: object
    connection: object

    @property
    def spacing(self):
        return self.scenario.settings.spacing or None

    def to_dict(self) -> dict:
        graph = self.connection.to_dict()
        graph.pop("schema_version")
        return {**header(self.scenario), "settings": dataclasses.asdict(self.scenario.settings), **graph}


def check(scenario, landscapes) -> None:
    """The search within the engine's bounds, on a smooth landscape."""
    from ..critical import check_search_budget

    land = landscapes[0]
    require(getattr(land, "activation", "tanh") != "relu",
            f"{scenario.source}: [landscape] activation: descents and Newton need a smooth landscape; use tanh")
    require(not (scenario.settings.box and land.manifold != "euclidean"),
            f"{scenario.source}: [connect] box: {land.name} lives on a {land.manifold}; leave box out")
    check_search_budget(land, scenario.settings.starts)


def domain_of(scenario, land):
    """The search box: [-box, box]^n, else the scenario's [critical] domain, else the family's."""
    cfg = scenario.settings
    if cfg.box:
        return ((-cfg.box, cfg.box),) * land.dim
    return scenario.domain


def run(scenario, settings, progress=None) -> ConnectResult:
    """The engine's search (seeded by ``seed``, ``scenario.jobs`` workers), then ``connect``."""
    from ..connect import connect
    from ..critical import find_critical_points
    from .common import ticker

    scenario = dataclasses.replace(scenario, settings=settings)
    land = scenario.build_landscape()
    crit = find_critical_points(land, domain_of(scenario, land), starts=settings.starts, seed=scenario.seed,
                                jobs=scenario.jobs, progress=ticker(progress, "critical points", settings.starts))
    conn = connect(land, crit, between=settings.between or None, basin_starts=settings.basin_starts,
                   seed=scenario.seed, images=settings.images, max_paths=settings.max_paths, progress=progress)
    return ConnectResult(scenario, conn)


def tables(data: dict, markdown: bool = False) -> list[str]:
    from ..tables import connect_tables

    return connect_tables(data, markdown)


def files(result) -> list[tuple[str, str]]:
    """nodes.csv (every point with its id, readable by `landscape connect --points`); the graph
    itself is in results.json, under the same keys as `landscape connect`'s graph.json."""
    from ..connect.connection import nodes_csv

    return [("nodes.csv", nodes_csv(result.connection.nodes))]


def can_draw(name: str, result) -> bool:
    test = figures.CAN_DRAW.get(name)
    return test is None or test(result)


def headline(result) -> str:
    d = result.connection.to_dict()["counts"]
    return (f"{result.scenario.name}: {d['minima']} minima joined by {d['edges']} index-1 saddles in "
            f"{d['components']} component(s); {d['unresolved']} descents unresolved")


FIGURES = figures.FIGURES

SMOKE = Smoke(settings={"starts": 1024, "basin_starts": 64, "images": 9, "max_paths": 64})
"""Settings small enough for the smoke tests (seconds)."""

KEYS = ("settings", "landscape", "nodes", "edges", "unresolved", "links", "skipped_saddles", "components", "tree",
        "merges", "counts", "search", "integrator", "basins", "path")
"""The top-level keys of results.json beyond the header (documented in the README)."""
