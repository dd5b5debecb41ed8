"""Scenario files: TOML that names a landscape, starts, optimizers, analyses and figures.

A scenario is data, not code. ``load`` reads and validates it completely, so a
bad file fails before anything is computed or written, with one line naming
the file, the key and what was expected. Built-in scenarios live in the
top-level ``scenarios/`` folder, installed as ``landscape/scenarios``.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LandscapeError

FIGURES = ("landscape", "eigen-components", "loss", "escape")
FORMATS = ("png", "pdf", "svg")
MAX_RUN_STARTS = 1000
"""The most [run] starts of a trajectories scenario: each run is a path, a curve and a table row."""


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by registry name with its settings (e.g. eta)."""

    name: str
    settings: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        extra = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in self.settings.items())
        return f"{self.name} ({extra})" if extra else self.name


@dataclass(frozen=True)
class Scenario:
    """A validated scenario. Every field has a default, so a file states only what it changes."""

    name: str
    family: str
    description: str = ""
    kind: str = "trajectories"
    landscapes: tuple[tuple[str, dict], ...] = ()
    settings: object = None
    seed: int = 0
    landscape_params: dict = field(default_factory=dict)
    critical_starts: int = 256
    domain: tuple[tuple[float, float], ...] | None = None
    steps: int = 400
    bound: float = 1e6
    starts: tuple[tuple[float, ...], ...] = ()
    optimizers: tuple[OptimizerSpec, ...] = (OptimizerSpec("gd", {"eta": 0.1}),)
    radius: float = 0.1
    stall_threshold: float = 1e-3
    eps: tuple[float, ...] = tuple(10.0 ** -k for k in range(1, 13))
    stable_offset: float = 0.05
    centre: tuple[float, ...] | None = None
    figures: tuple[str, ...] = FIGURES
    formats: tuple[str, ...] = ("png",)
    source: str = ""

    def build_landscape(self):
        from .families import build

        return build(self.family, self.landscape_params, where=f"{self.source}: [landscape]")

    def build_landscapes(self) -> list:
        """Every landscape the scenario names (``[[landscape]]`` tables), in order."""
        from .families import build

        tables = self.landscapes or ((self.family, self.landscape_params),)
        return [build(fam, params, where=f"{self.source}: [landscape]" + (f" {i + 1}" if len(tables) > 1 else ""))
                for i, (fam, params) in enumerate(tables)]

    def with_overrides(self, *, seed=None, eta=None, steps=None, formats=None) -> "Scenario":
        """The same scenario with command-line overrides applied (and checked)."""
        where = "command line"
        changes = {}
        if seed is not None:
            changes["seed"] = _int(seed, f"{where}: --seed", minimum=0)
        if steps is not None:
            changes["steps"] = _int(steps, f"{where}: --steps", minimum=1)
        if eta is not None:
            eta = _number(eta, f"{where}: --eta", positive=True)
            from .studies import STUDIES

            if not getattr(STUDIES.get(self.kind), "takes_eta", True):
                raise LandscapeError(f"{where}: --eta does not apply to {self.kind}: it sweeps the step size")
            changes["optimizers"] = tuple(
                dataclasses.replace(o, settings={**o.settings, "eta": eta}) for o in self.optimizers)
        if formats is not None:
            changes["formats"] = choices(formats, FORMATS, f"{where}: --format")
        scenario = dataclasses.replace(self, **changes)
        if steps is not None or eta is not None:  # the kind's checks and work bound depend on both
            check_kind(scenario, scenario.build_landscapes())
        return scenario


# --- built-in scenarios -------------------------------------------------------

def builtin_dir() -> Path:
    """Folder of the built-in scenarios: inside the installed package, or the source tree's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "scenarios", here.parent / "scenarios"):
        if candidate.is_dir() and any(candidate.glob("*.toml")):
            return candidate
    raise LandscapeError("the built-in scenarios are missing from this installation")


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.toml"))


def resolve(name_or_path: str) -> Path:
    """A built-in scenario's name, or the path of a .toml file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise LandscapeError(f"{name_or_path}: no such scenario file")
        return path
    candidate = builtin_dir() / f"{name_or_path}.toml"
    if not candidate.is_file():
        raise LandscapeError(
            f"unknown scenario {name_or_path!r}; built-in: {', '.join(builtin_names())}")
    return candidate


def describe_builtin() -> list[tuple[str, str]]:
    """(name, description) of every built-in scenario."""
    return [(name, load(resolve(name)).description) for name in builtin_names()]


# --- loading and validation ---------------------------------------------------

_SECTIONS = {
    "": {"name", "description", "kind", "seed", "landscape", "critical", "run", "escape", "figures"},
    "critical": {"starts", "domain"},
    "run": {"steps", "bound", "starts", "optimizers"},
    "escape": {"radius", "stall_threshold", "eps", "stable_offset", "centre"},
    "figures": {"make", "format"},
}


def load(path) -> Scenario:
    """Read and validate a scenario file; raise LandscapeError on the first problem."""
    path = Path(path)
    src = str(path)
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise LandscapeError(f"{src}: no such scenario file") from None
    except tomllib.TOMLDecodeError as err:
        raise LandscapeError(f"{src}: not valid TOML: {err}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise LandscapeError(f"{src}: cannot read: {err}") from None

    from .studies import STUDIES

    kind = _string(data.get("kind", "trajectories"), f"{src}: kind")
    if kind != "trajectories" and kind not in STUDIES:
        raise LandscapeError(f"{src}: kind: unknown value {kind!r}; expected one of "
                             f"trajectories, {', '.join(STUDIES)}")
    sections = {**_SECTIONS, "": _SECTIONS[""] | ({kind} if kind in STUDIES else set())}
    tables = data.get("landscape", {})
    if isinstance(tables, list) and tables and all(isinstance(t, dict) for t in tables):
        if not getattr(STUDIES.get(kind), "many_landscapes", False):
            many = ", ".join(k for k, m in STUDIES.items() if m.many_landscapes)
            raise LandscapeError(f"{src}: [[landscape]]: only kind {many} takes several landscapes")
    elif not isinstance(tables, dict):
        raise LandscapeError(f"{src}: [landscape] must be a table")
    else:
        tables = [tables]
    for section in ("critical", "run", "escape", "figures", kind):
        if not isinstance(data.get(section, {}), dict):
            raise LandscapeError(f"{src}: [{section}] must be a table")
    if kind in STUDIES:  # keys only the trajectories kind reads would be silently ignored
        for section, key in (("escape", None), ("run", "starts"), ("figures", "make")):
            table = data.get(section, {})
            if (key is None and table) or (key is not None and key in table):
                what = f"[{section}]" + (f" {key}" if key else "")
                raise LandscapeError(f"{src}: {what}: not used by kind {kind}; its settings go in [{kind}]")
    for section, allowed in sections.items():
        table = data if section == "" else data.get(section, {})
        where = f"{src}: [{section}]" if section else src
        for key in table:
            if key not in allowed:
                raise LandscapeError(
                    f"{where}: unknown key {key!r}; expected one of {', '.join(sorted(allowed))}")

    kw: dict = {"source": src}
    from .outdir import safe_name

    if "name" in data:
        kw["name"] = safe_name(_string(data["name"], f"{src}: name"), f"{src}: name")
    else:  # the results folder is named after the file
        kw["name"] = safe_name(path.stem, f"{src}: the file name (or a name key)")
    if "description" in data:
        kw["description"] = _string(data["description"], f"{src}: description")
    if "seed" in data:
        kw["seed"] = _int(data["seed"], f"{src}: seed", minimum=0)

    kw["kind"] = kind
    landscapes = []
    for table in tables:
        land = dict(table)
        if "family" not in land:
            raise LandscapeError(f"{src}: [landscape] family: required (a landscape family name)")
        landscapes.append((_string(land.pop("family"), f"{src}: [landscape] family"), land))
    kw["family"], kw["landscape_params"] = landscapes[0]
    kw["landscapes"] = tuple(landscapes)

    crit = data.get("critical", {})
    if "starts" in crit:
        kw["critical_starts"] = _int(crit["starts"], f"{src}: [critical] starts", minimum=1)
    if "domain" in crit:
        kw["domain"] = tuple(tuple(_numbers(iv, f"{src}: [critical] domain", length=2))
                             for iv in _list(crit["domain"], f"{src}: [critical] domain"))

    run = data.get("run", {})
    if "steps" in run:
        kw["steps"] = _int(run["steps"], f"{src}: [run] steps", minimum=1)
    if "bound" in run:
        kw["bound"] = _number(run["bound"], f"{src}: [run] bound", positive=True)
    if "starts" in run:
        points = _list(run["starts"], f"{src}: [run] starts")
        if len(points) > MAX_RUN_STARTS:
            raise LandscapeError(f"{src}: [run] starts: at most {MAX_RUN_STARTS} points, got {len(points)} (each run is "
                                 "drawn, tabled and written out; kind saddle-escape measures many starts at once)")
        kw["starts"] = tuple(tuple(_numbers(p, f"{src}: [run] starts")) for p in points)
    if "optimizers" in run:
        kw["optimizers"] = tuple(_optimizer(o, f"{src}: [run] optimizers")
                                 for o in _list(run["optimizers"], f"{src}: [run] optimizers"))
        if not kw["optimizers"]:
            raise LandscapeError(f"{src}: [run] optimizers: expected at least one optimizer")

    esc = data.get("escape", {})
    for key in ("radius", "stall_threshold"):
        if key in esc:
            kw[key] = _number(esc[key], f"{src}: [escape] {key}", positive=True)
    if "stable_offset" in esc:
        kw["stable_offset"] = _number(esc["stable_offset"], f"{src}: [escape] stable_offset",
                                      minimum=0.0)
    if "eps" in esc:
        kw["eps"] = tuple(_number(e, f"{src}: [escape] eps", positive=True)
                          for e in _list(esc["eps"], f"{src}: [escape] eps"))
        if not kw["eps"]:
            raise LandscapeError(f"{src}: [escape] eps: expected a non-empty list (leave the key out for "
                                 "the default sweep)")
        if len(kw["eps"]) > 1000:
            raise LandscapeError(f"{src}: [escape] eps: at most 1000 values, got {len(kw['eps'])}")
    radius = kw.get("radius", Scenario.radius)
    for key, values in (("eps", kw.get("eps", ())), ("stable_offset", (kw.get("stable_offset", 0.0),))):
        if any(v >= radius for v in values):
            raise LandscapeError(f"{src}: [escape] {key}: must be below radius = {radius:g} (the sweep "
                                 "starts inside the ball it measures the escape from)")
    if "centre" in esc:
        kw["centre"] = tuple(_numbers(esc["centre"], f"{src}: [escape] centre"))

    figs = data.get("figures", {})
    if "make" in figs:
        kw["figures"] = choices(figs["make"], FIGURES, f"{src}: [figures] make")
    if "format" in figs:
        kw["formats"] = choices(figs["format"], FORMATS, f"{src}: [figures] format")

    if kind in STUDIES:
        kw["settings"] = read_settings(STUDIES[kind].Settings, data.get(kind, {}), f"{src}: [{kind}]")
    scenario = Scenario(**kw)
    lands = scenario.build_landscapes()
    check_against_landscape(scenario, lands[0])
    check_kind(scenario, lands)
    return scenario


def check_kind(scenario: Scenario, landscapes) -> None:
    """What the scenario's kind requires of it, its work and memory bounds included."""
    from .studies import STUDIES

    if scenario.kind in STUDIES:
        STUDIES[scenario.kind].check(scenario, landscapes)
    else:
        from .experiment import check_budget

        check_budget(scenario, landscapes[0])


def read_settings(cls, table: dict, where: str):
    """A study's Settings dataclass from its TOML table: each key checked against the
    field's type (float, int, str, or a tuple of them); ranges by cls.__post_init__."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kw = {}
    for key, value in table.items():
        if key not in fields:
            raise LandscapeError(f"{where}: unknown key {key!r}; expected one of {', '.join(fields)}")
        kind = str(fields[key].type)
        what = f"{where} {key}"
        if kind.startswith("tuple"):
            item = "int" if "int" in kind else "float"
            values = _list(value, what)
            if not values:
                raise LandscapeError(f"{what}: expected a non-empty list")
            kw[key] = tuple(_int(v, what) if item == "int" else _number(v, what) for v in values)
        elif kind == "int":
            kw[key] = _int(value, what)
        elif kind == "float":
            kw[key] = _number(value, what)
        else:
            kw[key] = _string(value, what)
    try:
        return cls(**kw)
    except LandscapeError as err:
        raise LandscapeError(f"{where}: {err}") from None


def check_against_landscape(scenario: Scenario, landscape) -> None:
    """Dimensions of starts, centre and domain must match the landscape."""
    src, n = scenario.source, landscape.dim
    if scenario.kind == "trajectories" and landscape.manifold != "euclidean":
        raise LandscapeError(f"{src}: [landscape]: {landscape.name} lives on a {landscape.manifold}; the trajectories "
                             "kind runs optimizers in R^n (use landscape critical for its critical points)")
    for i, p in enumerate(scenario.starts):
        if len(p) != n:
            raise LandscapeError(
                f"{src}: [run] starts: point {i + 1} has {len(p)} coordinates, expected {n}")
    if scenario.centre is not None and len(scenario.centre) != n:
        raise LandscapeError(
            f"{src}: [escape] centre: has {len(scenario.centre)} coordinates, expected {n}")
    if scenario.domain is not None:
        from .critical import check_domain

        try:
            check_domain(scenario.domain, n)
        except LandscapeError as err:
            raise LandscapeError(f"{src}: [critical] {err}") from None


def _optimizer(value, where: str) -> OptimizerSpec:
    from .optim import OPTIMIZERS

    if not isinstance(value, dict) or "name" not in value:
        raise LandscapeError(f"{where}: expected a table with a name, e.g. {{name = \"gd\", eta = 0.1}}")
    settings = dict(value)
    name = _string(settings.pop("name"), f"{where}: name")
    if name not in OPTIMIZERS:
        raise LandscapeError(f"{where}: unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    allowed = inspect.signature(OPTIMIZERS[name]).parameters
    for key, v in settings.items():
        if key not in allowed:
            raise LandscapeError(
                f"{where}: unknown setting {key!r} for {name} (settings: {', '.join(allowed)})")
        settings[key] = _number(v, f"{where}: {name} {key}")
    try:
        OPTIMIZERS[name](**settings)  # each optimizer checks its own ranges
    except LandscapeError as err:
        raise LandscapeError(f"{where}: {name}: {err}") from None
    return OptimizerSpec(name, settings)


# --- small typed readers: each returns the value or raises naming `where` -------

def _string(value, where: str) -> str:
    if not isinstance(value, str):
        raise LandscapeError(f"{where}: expected a string, got {value!r}")
    return value


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise LandscapeError(f"{where}: expected a list, got {value!r}")
    return value


def _int(value, where: str, minimum: int | None = None) -> int:
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, int):
        raise LandscapeError(f"{where}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        want = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise LandscapeError(f"{where}: expected {want}, got {value}")
    return value


def _number(value, where: str, positive: bool = False, minimum: float | None = None) -> float:
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LandscapeError(f"{where}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise LandscapeError(f"{where}: expected a finite number, got {value}")
    if positive and value <= 0:
        raise LandscapeError(f"{where}: expected a positive number, got {value:g}")
    if minimum is not None and value < minimum:
        raise LandscapeError(f"{where}: expected a number >= {minimum:g}, got {value:g}")
    return value


def _numbers(value, where: str, length: int | None = None) -> list[float]:
    items = _list(value, where)
    if length is not None and len(items) != length:
        raise LandscapeError(f"{where}: expected {length} numbers, got {len(items)}")
    if not items:
        raise LandscapeError(f"{where}: expected a list of numbers, got an empty list")
    return [_number(v, where) for v in items]


def choices(value, allowed, where: str) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else _list(value, where)
    out = []
    for item in items:
        item = _string(item, where).strip().lower()
        if item not in allowed:
            raise LandscapeError(f"{where}: unknown value {item!r}; expected some of {', '.join(allowed)}")
        if item not in out:
            out.append(item)
    if not out:
        raise LandscapeError(f"{where}: expected at least one of {', '.join(allowed)}")
    return tuple(out)
