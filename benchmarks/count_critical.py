"""Benchmark: classifying random Hessians, matrices per second, measured side by side.

    python benchmarks/count_critical.py [--matrices 20000]

For N = 2, 10, 50 it times, on the same GOE matrices, best of three:
  tool      landscape.spectrum.hessian_inertia (unpivoted LDL^T at two shifts,
            Sylvester's law of inertia; eigvalsh above LDL_MAX_DIM or when untrusted)
  batched   numpy.linalg.eigvalsh on the whole (B, N, N) stack, signs counted after
  loop      numpy.linalg.eigvalsh called once per matrix in a Python loop
and prints matrices/second with the tool's speed as a ratio of each. A
benchmark, not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse

import numpy as np

from landscape.counting import ENSEMBLES
from landscape.spectrum import hessian_inertia, inertia
from timing import best_of  # benchmarks/timing.py, beside this script




def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matrices", type=int, default=20000, help="matrices per N (fewer at N = 50)")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'N':>3}  {'tool /s':>12}  {'batched eigvalsh /s':>20}  {'loop eigvalsh /s':>17}  "
          f"{'tool/batched':>12}  {'tool/loop':>9}  agree")
    for n in (2, 10, 50):
        count = args.matrices if n < 50 else max(args.matrices // 10, 100)
        H = ENSEMBLES["goe"].sample(rng, count, n)
        scale = np.linalg.norm(H, axis=(1, 2))
        tol = 1e-6 * scale
        hessian_inertia(H[:100])  # warm up
        t_tool = best_of(lambda: hessian_inertia(H))
        t_batch = best_of(lambda: inertia(np.linalg.eigvalsh(H), tol))
        m = min(count, 2000)
        t_loop = best_of(lambda: [np.linalg.eigvalsh(h) for h in H[:m]]) * count / m
        ours = hessian_inertia(H)[0]
        ref = inertia(np.linalg.eigvalsh(H), tol)[0]
        print(f"{n:>3}  {count / t_tool:>12.0f}  {count / t_batch:>20.0f}  {count / t_loop:>17.0f}  "
              f"{t_batch / t_tool:>12.2f}  {t_loop / t_tool:>9.2f}  {bool(np.all(ours == ref))}")


if __name__ == "__main__":
    main()
