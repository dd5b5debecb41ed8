"""Small helpers the studies share."""

from __future__ import annotations

import numpy as np

from ..errors import LandscapeError

STEP_OVERHEAD = 1e5
"""Operations one optimizer step costs beyond its arithmetic (~20 us of Python and numpy calls)."""


def step_work(steps: float, batch: float, per_point: float) -> float:
    """Operations of ``steps`` optimizer steps on ``batch`` points at once, ``per_point`` each."""
    return float(steps) * (float(batch) * per_point + STEP_OVERHEAD)


def point_cost(land) -> float:
    """Operations of one gradient of the landscape at one point (its evaluation_cost)."""
    return land.evaluation_cost()[0]


def check_budget(scenario, ops: float, memory: float = 0.0, fix: str = "lower [run] steps") -> None:
    """Refuse a study whose estimated work or memory is beyond the bounds (budget.py)."""
    from ..budget import need_memory, need_work

    what = f"{scenario.source}: kind {scenario.kind}"
    need_memory(memory, what, fix)
    need_work(ops, what, fix)


def require(condition: bool, message: str) -> None:
    """Raise LandscapeError(message) unless ``condition``."""
    if not condition:
        raise LandscapeError(message)




def median(values) -> float | None:
    """Median of the non-negative entries (a negative marks 'never happened'); None if
    fewer than half the runs got there, since the median is then undefined."""
    v = np.asarray(values, dtype=float)
    ok = v[v >= 0]
    if len(ok) * 2 < len(v) or not len(ok):
        return None
    return float(np.median(np.where(v >= 0, v, np.inf)))


def ticker(progress, label: str, total: int):
    """An update callable for ``total`` units of work, or a no-op."""
    if progress is None:
        return lambda k=1: None
    return progress(label, total)


def num(v, spec: str) -> str:
    """``format(v, spec)``, or a dash for None (a value that overflowed: JSON's null)."""
    return "—" if v is None else format(v, spec)


def fmt_steps(v) -> str:
    """A step count for a table: an integer as such, a median between two steps to one decimal."""
    return "—" if v is None else (f"{v:.0f}" if abs(v - round(v)) < 1e-9 else f"{v:.1f}")
