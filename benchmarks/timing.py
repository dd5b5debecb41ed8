"""The one timing rule the benchmarks share: the fastest of a few calls."""

from __future__ import annotations

import time


def best_of(fn, repeats: int = 3) -> float:
    """The fastest of ``repeats`` calls of ``fn()``, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
