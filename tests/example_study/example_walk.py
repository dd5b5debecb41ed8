"""example-walk: GD on a 1-D quadratic a x^2 / 2, measured against x_k = (1 - eta a)^k x_0.

A tiny study for the contract tests (not shipped): its module, its figures
module (``figures_example_walk``) and its scenario file (``example-walk.toml``)
are all it takes for the registry, `landscape list --kinds`, `landscape run`
and the contract tests to pick it up.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from landscape.studies.base import Smoke, header
from landscape.studies.common import require

from . import figures_example_walk as figures


@dataclass(frozen=True)
class Settings:
    """The ``[example-walk]`` section: the curvature ``a`` and the start ``x0``."""

    a: float = 1.0
    x0: float = 1.0

    def __post_init__(self):
        require(self.a > 0, f"a: expected a positive number, got {self.a:g}")


SMOKE = Smoke(steps=20)
KEYS = ("eta", "measured", "predicted")


def check(scenario, landscapes) -> None:
    """Nothing beyond the settings: a handful of steps on one number."""


@dataclass(frozen=True, eq=False)
class Result:
    """``measured`` and ``predicted`` (K+1,): the iterates and the closed form."""

    scenario: object
    eta: float
    measured: np.ndarray
    predicted: np.ndarray

    def to_dict(self) -> dict:
        """The header, eta and both curves."""
        return {**header(self.scenario), "eta": self.eta, "measured": self.measured, "predicted": self.predicted}


def run(scenario, settings, progress=None) -> Result:
    """GD from x0 for ``scenario.steps`` steps; the prediction (1 - eta a)^k x0 (K+1,)."""
    from landscape.dynamics import run as run_steps
    from landscape.families import build

    land = build("quadratic", {"eigenvalues": [settings.a], "rotation": "identity"})
    spec = scenario.optimizers[0]
    traj = run_steps(land, spec.optimizer, np.array([[settings.x0]]), scenario.steps)
    k = np.arange(scenario.steps + 1)
    return Result(scenario, spec.eta, traj.x[:, 0, 0], (1 - spec.eta * settings.a) ** k * settings.x0)


def tables(data: dict, markdown: bool = False) -> list[str]:
    """One line, the last iterate against the closed form, then the figures."""
    from landscape.tables import figure_lines

    return [f"{'# ' if markdown else ''}{data['scenario']}: x_K = {data['measured'][-1]:.6g}, "
            f"predicted {data['predicted'][-1]:.6g}"] + figure_lines(data, markdown)


FIGURES = {"walk": figures.walk_figure}
