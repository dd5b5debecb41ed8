"""Studies: one module per scenario kind, each following the contract in ``base``.

``STUDIES`` maps a kind to its ``Study``. It is filled from the modules of this
package (every module but ``base`` and ``common``), then from the
``landscape.studies`` entry-point group (a study in another package), and
``register`` adds one at run time (a study in a test or a notebook). The CLI's
``list --kinds``, the scenario loader, ``landscape run`` and the contract tests
all read this one registry.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from .base import SCHEMA_VERSION, Smoke, Study, from_module

__all__ = ["SCENARIO_DIRS", "SCHEMA_VERSION", "STUDIES", "Smoke", "Study", "register", "run"]

STUDIES: dict[str, Study] = {}
SCENARIO_DIRS: list[Path] = []
"""Folders of scenario files brought by registered studies (beside the built-in ones)."""


def register(module, scenarios: str | Path | None = None, kind: str | None = None) -> Study:
    """Add the study a module declares (and the folder of its scenario files); return it."""
    study = from_module(module, kind)
    STUDIES[study.kind] = study
    if scenarios is not None and Path(scenarios) not in SCENARIO_DIRS:
        SCENARIO_DIRS.append(Path(scenarios))
    return study


def run(scenario, progress=None):
    """The Result of a loaded scenario: its kind's ``run(scenario, settings, progress)``."""
    return STUDIES[scenario.kind].run(scenario, scenario.settings, progress)


def _discover() -> None:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in ("base", "common"))
    for name in ["trajectories"] + [n for n in names if n != "trajectories"]:
        register(importlib.import_module(f"{__name__}.{name}"))
    from importlib.metadata import entry_points

    for ep in entry_points(group="landscape.studies"):
        register(ep.load(), kind=ep.name)


_discover()
