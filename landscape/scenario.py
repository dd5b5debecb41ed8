"""Scenario files: TOML that names a landscape, starts, optimizers, analyses and figures.

A scenario is data, not code. ``load`` reads and validates it completely, so a
bad file fails before anything is computed or written, with one line naming
the file, the key and what was expected. Built-in scenarios live in the
top-level ``scenarios/`` folder, installed as ``landscape/scenarios``.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LandscapeError
from .figures import FORMATS
from .optim import OptimizerSpec

__all__ = ["FORMATS", "OptimizerSpec", "Scenario", "builtin_names", "describe_builtin", "load", "loads", "resolve"]

MAX_RUN_STARTS = 1000
"""The most [run] starts of a trajectories scenario: each run is a path, a curve and a table row."""


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
    figures: tuple[str, ...] | None = None
    """The figures to draw ([figures] make); None: every figure the kind can draw."""
    formats: tuple[str, ...] = ("png",)
    source: str = ""
    jobs: int = 1
    """Worker processes for the critical-point searches (--jobs; not a file key: the results
    do not depend on it)."""
    scheduler: str | None = None
    """A Dask scheduler's address, or "local" (--scheduler; not a file key): where a sweep's
    tasks run. The results do not depend on it."""
    store: str | None = None
    """The folder a sweep keeps its finished tasks in (OUT/NAME; set by the command line), so
    a rerun continues where an interrupted run stopped."""

    def build_landscape(self):
        from .families import build

        return build(self.family, self.landscape_params, where=f"{self.source}: [landscape]")

    def build_landscapes(self) -> list:
        """Every landscape the scenario names (``[[landscape]]`` tables), in order."""
        from .families import build

        tables = self.landscapes or ((self.family, self.landscape_params),)
        return [build(fam, params, where=f"{self.source}: [landscape]" + (f" {i + 1}" if len(tables) > 1 else ""))
                for i, (fam, params) in enumerate(tables)]

    def with_overrides(self, *, seed=None, eta=None, steps=None, formats=None, jobs=None, scheduler=None,
                       store=None) -> "Scenario":
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

            if not STUDIES[self.kind].takes_eta:
                raise LandscapeError(f"{where}: --eta does not apply to {self.kind}: it sweeps the step size")
            try:
                changes["optimizers"] = tuple(o.with_settings(eta=eta) for o in self.optimizers)
            except LandscapeError as err:
                raise LandscapeError(f"{where}: --eta: {err}") from None
        if jobs is not None:
            changes["jobs"] = _int(jobs, f"{where}: --jobs", minimum=1)
        if formats is not None:
            changes["formats"] = choices(formats, FORMATS, f"{where}: --format")
        if scheduler is not None:
            changes["scheduler"] = _string(scheduler, f"{where}: --scheduler")
        if store is not None:
            changes["store"] = str(store)
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


def scenario_dirs() -> list[Path]:
    """The built-in folder, then the folders of registered studies (studies.register)."""
    from .studies import SCENARIO_DIRS

    return [builtin_dir()] + [d for d in SCENARIO_DIRS if d.is_dir()]


def builtin_names() -> list[str]:
    """Every scenario name `landscape run NAME` accepts, sorted (the first folder wins a clash)."""
    return sorted({p.stem for d in scenario_dirs() for p in d.glob("*.toml")})


def resolve(name_or_path: str) -> Path:
    """A built-in scenario's name, or the path of a .toml file."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise LandscapeError(f"{name_or_path}: no such scenario file")
        return path
    for folder in scenario_dirs():
        candidate = folder / f"{name_or_path}.toml"
        if candidate.is_file():
            return candidate
    raise LandscapeError(f"unknown scenario {name_or_path!r}; built-in: {', '.join(builtin_names())}")


def describe_builtin() -> list[tuple[str, str, str]]:
    """(name, description, kind) of every built-in scenario."""
    out = []
    for name in builtin_names():
        s = load(resolve(name))
        out.append((name, s.description, s.kind))
    return out


# --- loading and validation ---------------------------------------------------

_COMMON = {
    "": {"name", "description", "kind", "seed", "landscape", "critical", "run", "figures"},
    "critical": {"starts", "domain"},
    "run": {"steps", "bound", "starts", "optimizers"},
    "figures": {"make", "format"},
}


def apply_settings(data: dict, assignments, where: str = "--set") -> dict:
    """The parsed TOML ``data`` with each ``SECTION.KEY=VALUE`` (or top-level ``KEY=VALUE``) of
    ``assignments`` put in; VALUE is read as a TOML value (``3``, ``0.5``, ``true``, ``[1, 2]``,
    ``"text"``), and a bare word as a string. The result is validated like the file itself."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for item in assignments or ():
        key, sep, value = item.partition("=")
        path = key.strip().split(".")
        if not sep or not all(path) or len(path) > 2:
            raise LandscapeError(f"{where} {item!r}: expected SECTION.KEY=VALUE (e.g. training.epochs=3) or KEY=VALUE")
        try:
            parsed = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            parsed = value.strip()
        if len(path) == 1:
            data[path[0]] = parsed
        else:
            table = data.setdefault(path[0], {})
            if not isinstance(table, dict):
                raise LandscapeError(f"{where} {item!r}: {path[0]} is not a section of the scenario")
            table[path[1]] = parsed
    return data


def load(path, assignments=None) -> Scenario:
    """Read and validate a scenario file, with ``assignments`` (``apply_settings``) put in first;
    raise LandscapeError on the first problem."""
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
    if assignments:
        data = apply_settings(data, assignments)
    return loads(data, src, default_name=path.stem)


def loads(data: dict, src: str = "<scenario>", default_name: str | None = None) -> Scenario:
    """A validated Scenario from the parsed TOML ``data`` (what ``load`` reads from a file);
    ``src`` names it in errors and ``default_name`` is the name when it has no name key."""
    from .studies import STUDIES

    kind = _string(data.get("kind", "trajectories"), f"{src}: kind")
    if kind not in STUDIES:
        raise LandscapeError(f"{src}: kind: unknown value {kind!r}; expected one of {', '.join(STUDIES)}")
    if kind == "sweep" and isinstance(data.get("sweep"), dict) and "study" in data["sweep"]:
        data = _study_sweep(data, src)
    study = STUDIES[kind]
    own = [s for s in (kind, *study.aliases) if s in data]
    if len(own) > 1:
        raise LandscapeError(f"{src}: [{own[0]}] and [{own[1]}] are the same section; give one of them")
    section = own[0] if own else kind
    others = {s: k for k, st in STUDIES.items() if k != kind for s in (k, *st.aliases)}
    for key in data:
        if key in others and key not in _COMMON[""]:
            raise LandscapeError(f"{src}: [{key}]: not used by kind {kind}; its settings go in [{kind}]")
        if key not in _COMMON[""] and key not in (kind, *study.aliases):
            allowed = sorted(_COMMON[""] | {kind})
            raise LandscapeError(f"{src}: unknown key {key!r}; expected one of {', '.join(allowed)}")

    tables = data.get("landscape", {})
    if isinstance(tables, list) and tables and all(isinstance(t, dict) for t in tables):
        if not study.many_landscapes:
            many = ", ".join(k for k, st in STUDIES.items() if st.many_landscapes)
            raise LandscapeError(f"{src}: [[landscape]]: only kind {many} takes several landscapes")
    elif not isinstance(tables, dict):
        raise LandscapeError(f"{src}: [landscape] must be a table")
    else:
        tables = [tables]
    for name in ("critical", "run", "figures", section):
        if not isinstance(data.get(name, {}), dict):
            raise LandscapeError(f"{src}: [{name}] must be a table")
    if not study.takes_starts and "starts" in data.get("run", {}):
        raise LandscapeError(f"{src}: [run] starts: not used by kind {kind}; its settings go in [{kind}]")
    for name, allowed in _COMMON.items():
        if not name:
            continue
        for key in data.get(name, {}):
            if key not in allowed:
                raise LandscapeError(
                    f"{src}: [{name}]: unknown key {key!r}; expected one of {', '.join(sorted(allowed))}")

    kw: dict = {"source": src}
    from .outdir import safe_name

    if "name" in data:
        kw["name"] = safe_name(_string(data["name"], f"{src}: name"), f"{src}: name")
    else:  # the results folder is named after the file
        kw["name"] = safe_name(default_name or "", f"{src}: the file name (or a name key)")
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

    figs = data.get("figures", {})
    if "make" in figs:
        kw["figures"] = choices(figs["make"], tuple(study.FIGURES), f"{src}: [figures] make")
    if "format" in figs:
        kw["formats"] = choices(figs["format"], FORMATS, f"{src}: [figures] format")

    reader = getattr(study.Settings, "from_table", None)  # a section with tables of its own (a sweep's grid)
    kw["settings"] = (reader(data.get(section, {}), f"{src}: [{section}]") if reader is not None
                      else read_settings(study.Settings, data.get(section, {}), f"{src}: [{section}]"))
    scenario = Scenario(**kw)
    lands = scenario.build_landscapes()
    check_against_landscape(scenario, lands[0])
    check_kind(scenario, lands)
    return scenario


def _study_sweep(data: dict, src: str) -> dict:
    """A sweep of a study: [sweep] study names a scenario (a built-in name, or a file, relative
    to this one), which brings the landscape; the name is stored resolved."""
    name = _string(data["sweep"]["study"], f"{src}: [sweep] study")
    for key in ("landscape", "critical", "run"):
        if key in data:
            raise LandscapeError(f"{src}: [{key}]: a sweep of a study takes it from the study's scenario "
                                 f"({name}); leave it out")
    here = Path(src).parent / name
    path = here if name.endswith(".toml") and here.is_file() else resolve(name)
    base = load(path)
    if base.kind == "sweep":
        raise LandscapeError(f"{src}: [sweep] study: {name} is itself a sweep; name a scenario of another kind")
    study = str(path.resolve()) if path.suffix == ".toml" and name.endswith(".toml") else name
    return {**data, "sweep": {**data["sweep"], "study": study},
            "landscape": {"family": base.family, **base.landscape_params}}


def check_kind(scenario: Scenario, landscapes) -> None:
    """What the scenario's kind requires of it, its work and memory bounds included."""
    from .studies import STUDIES

    STUDIES[scenario.kind].check(scenario, landscapes)


def read_settings(cls, table: dict, where: str):
    """A study's Settings dataclass from its TOML table: each key checked against the
    field's type (float, int, str, a tuple of them, or one of those or None); ranges by
    cls.__post_init__, whose message starts with the key."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kw = {}
    for key, value in table.items():
        if key not in fields:
            raise LandscapeError(f"{where}: unknown key {key!r}; expected one of {', '.join(fields)}")
        kind = str(fields[key].type).removesuffix(" | None")
        what = f"{where} {key}"
        if kind.startswith("tuple"):
            item = "int" if "int" in kind else "bool" if "bool" in kind else "float"
            values = _list(value, what)
            if not values:
                raise LandscapeError(f"{what}: expected a non-empty list")
            kw[key] = tuple(_int(v, what) if item == "int" else _bool(v, what) if item == "bool"
                            else _number(v, what) for v in values)
        elif kind == "bool":
            kw[key] = _bool(value, what)
        elif kind == "int":
            kw[key] = _int(value, what)
        elif kind == "float":
            kw[key] = _number(value, what)
        else:
            kw[key] = _string(value, what)
    try:
        return cls(**kw)
    except LandscapeError as err:
        text = str(err)
        keyed = text.split(":", 1)[0] in fields  # "eps: ..." reads as "[section] eps: ..."
        raise LandscapeError(f"{where}{' ' if keyed else ': '}{text}") from None


def check_against_landscape(scenario: Scenario, landscape) -> None:
    """Dimensions of the starts and the domain must match the landscape."""
    src, n = scenario.source, landscape.dim
    for i, p in enumerate(scenario.starts):
        if len(p) != n:
            raise LandscapeError(
                f"{src}: [run] starts: point {i + 1} has {len(p)} coordinates, expected {n}")
    if scenario.domain is not None:
        from .critical import check_domain

        try:
            check_domain(scenario.domain, n)
        except LandscapeError as err:
            raise LandscapeError(f"{src}: [critical] {err}") from None


def _optimizer(value, where: str) -> OptimizerSpec:
    """An OptimizerSpec from a table {name = "gd", eta = 0.1}: built, and so checked, once
    (the spec refuses an unknown name or setting, each optimizer its own ranges)."""
    from .optim import DEFAULTS

    if not isinstance(value, dict) or "name" not in value:
        raise LandscapeError(f"{where}: expected a table with a name, e.g. {{name = \"gd\", eta = 0.1}}")
    settings = dict(value)
    name = _string(settings.pop("name"), f"{where}: name")
    known = DEFAULTS.get(name, {})
    settings = {k: _number(v, f"{where}: {name} {k}") if k in known else v for k, v in settings.items()}
    try:
        return OptimizerSpec(name, settings)
    except LandscapeError as err:
        raise LandscapeError(f"{where}: {err}" if not known or any(k not in known for k in settings)
                             else f"{where}: {name}: {err}") from None


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


def _bool(value, where: str) -> bool:
    if not isinstance(value, bool):
        raise LandscapeError(f"{where}: expected true or false, got {value!r}")
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
