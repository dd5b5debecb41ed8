"""Benchmark: sweep tasks per second on each backend, Dask's overhead per task, and a model of
pspin-complexity up to N = 16 on 100 workers (issue 19), every ratio in one run.

    python benchmarks/sweep.py [--quick]

A. Throughput: the same tasks (p-spin p = 3 searches) in this process, on 1 and 2 local
   worker processes, and on a LocalCluster of 1 and 2 Dask workers; tasks per second and the
   speed-up of 2 workers over 1 for each backend. Two task sizes: small (N = 3, 256 starts,
   ~20 ms: what overhead costs) and real (N = 8, 16384 starts, ~0.4 s).
B. Overhead: seconds per task that each backend adds to the in-process time, from the small
   tasks; Dask's against local processes' as a ratio.
C. Model: the measured cost of one pspin-complexity task (p = 3, 16384 starts) for N = 2..12,
   a fit of log(seconds) against N, and the Kac-Rice expected count, extrapolated to N = 16;
   the wall time of pspin-complexity's 40 seeds per N on 100 workers.

A benchmark, not a test: it asserts nothing and prints ratios (Dask rows skipped with a message
when dask.distributed is not installed).
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import math
import time

import numpy as np

from landscape.parallel import Dask, InProcess, Processes
from landscape.sweep import Plan, execute, run_task


def timed(plan: Plan, backend) -> float:
    t = time.perf_counter()
    execute(plan, backend)
    return time.perf_counter() - t


def throughput(label: str, plan: Plan, dask: bool) -> dict:
    tasks = len(plan.tasks())
    rows = {}
    rows["in-process"] = timed(plan, InProcess())
    for j in (1, 2):
        with Processes(j) as backend:
            rows[f"processes x{j}"] = timed(plan, backend)
    if dask:
        for j in (1, 2):
            with Dask("local", jobs=j) as backend:
                timed(Plan(**{**plan.__dict__, "seeds": 2}), backend)  # warm the workers' imports
                rows[f"dask x{j}"] = timed(plan, backend)
    print(f"\n   {label}: {tasks} tasks")
    for name, sec in rows.items():
        print(f"     {name:14s} {sec:7.2f} s  {tasks / sec:8.1f} tasks/s")
    for kind in ("processes", "dask"):
        if f"{kind} x1" in rows:
            print(f"     {kind}: 2 workers / 1 = {rows[f'{kind} x1'] / rows[f'{kind} x2']:.2f}x faster")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer tasks (a smoke run of the script)")
    args = parser.parse_args()
    try:
        import distributed  # noqa: F401
        dask = True
    except ImportError:
        dask = False
        print("dask.distributed is not installed (pip install 'landscape-sim[dask]'): its rows are skipped")
    load = " / ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load {load} on {os.cpu_count()} cores at the start")
    print("\nA. Throughput (p-spin p = 3 searches)")
    small = Plan(family="pspin", params={"p": 3}, starts=256, domain=None, grid=(("dim", (3,)),),
                 seeds=16 if args.quick else 96)
    real = Plan(family="pspin", params={"p": 3}, starts=16384, domain=None, grid=(("dim", (8,)),),
                seeds=4 if args.quick else 24)
    rows = throughput("small (N = 3, 256 starts)", small, dask)
    throughput("real (N = 8, 16384 starts)", real, dask)

    print("\nB. Overhead per task (small tasks; each backend's time per task minus in-process's, "
          "one worker)")
    n = len(small.tasks())
    base = rows["in-process"] / n
    over = {k: (v / n - base) * 1e3 for k, v in rows.items() if k.endswith("x1")}
    for k, v in over.items():
        print(f"     {k:14s} {v:7.2f} ms per task")
    if "dask x1" in over and over["processes x1"] > 0:
        print(f"     Dask / local processes: {over['dask x1'] / over['processes x1']:.1f}x the overhead")

    print("\nC. pspin-complexity (p = 3, 16384 starts, 40 seeds per N) on 100 workers, modelled")
    dims = list(range(2, 11 if args.quick else 13))
    cost = []
    for n in dims:
        plan = Plan(family="pspin", params={"p": 3}, starts=16384, domain=None, grid=(("dim", (n,)),), seeds=3)
        t = time.perf_counter()
        for task in plan.tasks():
            run_task(task)
        cost.append((time.perf_counter() - t) / 3)
    from landscape import build

    fit_n = [n for n in dims if n >= 6]
    slope, icpt = np.polyfit(fit_n, [math.log(cost[dims.index(n)]) for n in fit_n], 1)
    print("     measured seconds per task: " + ", ".join(f"N={n}: {c:.2f}" for n, c in zip(dims, cost)))
    print(f"     fit over N >= 6: seconds ~ {math.exp(icpt):.3g} x {math.exp(slope):.3f}^N")
    total = 0.0
    lines = []
    for n in range(2, 17):
        sec = cost[dims.index(n)] if n in dims else math.exp(icpt + slope * n)
        expected = build("pspin", {"dim": n, "p": 3}).expected_total()[0]
        total += 40 * sec
        lines.append(f"N={n}: E[total] {expected:.0f}, {sec:.1f} s/task")
    print("     " + "; ".join(lines))
    print(f"     all 15 N x 40 seeds: {total / 3600:.2f} core-hours; on 100 workers about "
          f"{total / 100 / 60:.1f} min of tasks (the 40 tasks of N = 16 run side by side: the longest "
          f"one, {math.exp(icpt + slope * 16):.0f} s, bounds the wall time from below)")
    print(f"\nload {' / '.join(f'{v:.2f}' for v in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
