"""Work and memory bounds, checked before a computation starts.

A request that cannot finish is refused up front with one line that says
what it would take and which option changes it, instead of allocating until
MemoryError or running for days with nothing printed.

- **Memory**: an estimate in bytes against ``MEMORY_FRACTION`` of this
  machine's physical memory (the only bound that depends on the machine: a
  request that fits runs the same everywhere).
- **Work**: an estimate in floating-point operations against two fixed
  bounds, the same on every machine. Above ``WORK_SOFT`` (about half an hour
  on one core at ~5e9 operations per second) a run needs ``--force``; above
  ``WORK_HARD`` (weeks) it is refused.
- **Processes**: ``--jobs`` is capped at the cores this process may use.
"""

from __future__ import annotations

import os

from .errors import LandscapeError

MEMORY_FRACTION = 0.5
WORK_SOFT = 1e13
WORK_HARD = 1e16
OPS_PER_SECOND = 5e9
"""The conversion to time in messages: one core's rate on dense arithmetic (measured estimates run
from 20% above to 5x below the time taken on searches here)."""

_force = False


def set_force(force: bool) -> None:
    """Allow work between WORK_SOFT and WORK_HARD (the CLI's --force)."""
    global _force
    _force = bool(force)


def machine_memory() -> int:
    """Physical memory in bytes (8 GiB when the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def max_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def size(nbytes: float) -> str:
    """Bytes as a short human number: 3.2 GB."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes:.0f} B"


def need_memory(nbytes: float, what: str, fix: str) -> None:
    """Refuse when ``what`` would need more than MEMORY_FRACTION of the machine's memory."""
    limit = MEMORY_FRACTION * machine_memory()
    if nbytes > limit:
        raise LandscapeError(f"{what} would need about {size(nbytes)} of memory, more than "
                             f"{size(limit)} (half of this machine's); {fix}")


def need_work(ops: float, what: str, fix: str) -> None:
    """Refuse when ``what`` would take more than WORK_HARD operations, or WORK_SOFT without --force."""
    hours = ops / OPS_PER_SECOND / 3600
    took = f"about {ops:.1e} operations (~{hours:.3g} hours on one core)" if hours < 1e4 else \
        f"about {ops:.1e} operations (years on one core)"
    if ops > WORK_HARD:
        raise LandscapeError(f"{what} would take {took}; {fix}")
    if ops > WORK_SOFT and not _force:
        raise LandscapeError(f"{what} would take {took}; {fix}, or pass --force to run it anyway")
