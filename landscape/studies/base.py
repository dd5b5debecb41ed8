"""The Study contract: what every scenario kind declares, ``trajectories`` included.

A study is one module in ``landscape/studies/`` named like its kind
(``saddle_escape.py`` is kind ``saddle-escape``). The registry
(``landscape.studies.STUDIES``) finds it and reads these module attributes:

``Settings``
    A frozen dataclass: the keys of the scenario's ``[kind]`` section with their
    defaults. Its ``__post_init__`` checks ranges and raises LandscapeError.
``run(scenario, settings, progress) -> Result``
    The whole computation, in memory. ``progress(label, total)`` opens a progress
    phase and returns an ``update(k)`` callable; it may be None. The Result is a
    frozen dataclass whose ``to_dict()`` carries every number a table or figure
    shows (predictions included), starting with ``header(scenario)``.
``tables(data, markdown=False) -> list[str]``
    The text (or Markdown) lines of the report, from the JSON-ready dict.
``FIGURES``
    Name -> figure function ``f(result, ax=None) -> matplotlib.figure.Figure``,
    from the study's module in ``landscape/figures/``.
``SMOKE``
    A ``Smoke``: settings small enough that the kind runs in seconds (the tests).
``check(scenario, landscapes)``
    What the kind requires of a loaded scenario, its work and memory bounds included.

Optional: ``MANY_LANDSCAPES`` (takes ``[[landscape]]`` tables), ``TAKES_ETA``
(``--eta`` applies; False where the study sweeps the step itself),
``TAKES_STARTS`` (reads ``[run] starts``), ``ALIASES`` (older names of the
``[kind]`` section), ``files(result) -> [(name, text)]`` (extra files such as a
CSV), ``can_draw(name, result) -> bool`` and ``headline(result) -> str`` (the
line ``landscape run`` prints instead of the tables), ``KEYS`` (the top-level keys of
results.json beyond the header that the README documents; the contract tests hold
every kind to them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..schema import SCHEMA_VERSION, versions  # noqa: F401  (re-exported: the contract's names)

Progress = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class Smoke:
    """How a study's built-in scenarios shrink for the smoke tests: Settings overrides,
    the number of steps, the critical-point starts and the first few landscapes."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    steps: int | None = None
    critical_starts: int | None = None
    landscapes: int | None = None

    def apply(self, scenario):
        """The scenario at smoke size (a Scenario in, a Scenario out)."""
        changes: dict = {}
        if self.settings:
            changes["settings"] = dataclasses.replace(scenario.settings, **self.settings)
        if self.steps is not None:
            changes["steps"] = self.steps
        if self.critical_starts is not None:
            changes["critical_starts"] = self.critical_starts
        if self.landscapes is not None:
            changes["landscapes"] = scenario.landscapes[: self.landscapes]
        return dataclasses.replace(scenario, **changes)


@dataclass(frozen=True)
class Study:
    """One scenario kind, as the registry holds it (see the module docstring)."""

    kind: str
    summary: str
    Settings: type
    run: Callable
    tables: Callable[..., list]
    FIGURES: Mapping[str, Callable]
    SMOKE: Smoke
    check: Callable
    many_landscapes: bool = False
    takes_eta: bool = True
    takes_starts: bool = False
    aliases: tuple[str, ...] = ()
    files: Callable | None = None
    can_draw: Callable | None = None
    headline: Callable | None = None
    keys: tuple[str, ...] = ()

    def drawable(self, result, wanted=None) -> list[str]:
        """The figure names to draw for ``result``: ``wanted`` (default: all), those it can draw."""
        names = list(self.FIGURES) if wanted is None else [n for n in wanted if n in self.FIGURES]
        return [n for n in names if self.can_draw is None or self.can_draw(n, result)]


def kind_of(module_name: str) -> str:
    """``landscape.studies.saddle_escape`` -> ``saddle-escape``."""
    return module_name.rsplit(".", 1)[-1].replace("_", "-")


def from_module(module, kind: str | None = None) -> Study:
    """The Study a module declares; a missing attribute of the contract is a TypeError."""
    missing = [a for a in ("Settings", "run", "tables", "FIGURES", "SMOKE", "check") if not hasattr(module, a)]
    if missing:
        raise TypeError(f"{module.__name__} is not a study: it lacks {', '.join(missing)}")
    doc = (module.__doc__ or "").strip().splitlines()
    summary = doc[0].split(":", 1)[-1].strip().rstrip(".") if doc else ""
    summary = summary[:1].upper() + summary[1:]
    return Study(kind=kind or kind_of(module.__name__), summary=summary, Settings=module.Settings,
                 run=module.run, tables=module.tables, FIGURES=dict(module.FIGURES), SMOKE=module.SMOKE,
                 check=module.check, many_landscapes=getattr(module, "MANY_LANDSCAPES", False),
                 takes_eta=getattr(module, "TAKES_ETA", True), takes_starts=getattr(module, "TAKES_STARTS", False),
                 aliases=tuple(getattr(module, "ALIASES", ())), files=getattr(module, "files", None),
                 can_draw=getattr(module, "can_draw", None), headline=getattr(module, "headline", None),
                 keys=tuple(getattr(module, "KEYS", ())))




def header(scenario) -> dict:
    """The keys every results.json starts with: the schema version and what was run."""
    return {"schema_version": SCHEMA_VERSION, "scenario": scenario.name, "description": scenario.description,
            "kind": scenario.kind, "seed": scenario.seed}
