"""Benchmark: the critical-point engine against what a user would run instead, side by side.

    python benchmarks/critical_engine.py [--phc-dims 4,5,6,7] [--separable-dims 4,6,8]
                                         [--seeds 3] [--root-cap 600] [--jobs 1]

1. Coercive random quartics f = sum x_i^4 + dense Gaussian cubic (3^N complex
   critical points) against PHCpack's black-box homotopy solver `phc -b`
   (Debian package phcpack), which finds every complex solution of grad f = 0
   and so gives the true real critical set. For each N and seed: the real
   points PHCpack found, how many of them the engine found (matched within
   1e-6 relative), points the engine found that PHCpack did not, and the two
   times (phc's wall time including its file I/O; the engine's full search,
   early stop included).
2. The separable double wells (3^N known points) at N = 4, 6, 8: the time to
   find 99% of them, the engine against a Python loop of
   scipy.optimize.root(method="hybr", jac=hess) over the same starts in the
   same order (stopped at 99%, or at --root-cap seconds).
3. How the engine's time grows with N and with the number of critical points
   (separable N = 2..8, p-spin p = 3 N = 4..10).

A benchmark, not a test: nothing here asserts; it prints ratios.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from landscape import build
from landscape.critical import find_critical_points


def phc_system(poly) -> str:
    """grad f = 0 in PHCpack's input format: N, then one polynomial per line ending with ';'."""
    n = poly.dim
    exps, coef = poly._gradient_terms
    lines = [str(n)]
    for i in range(n):
        terms = []
        for e, c in zip(exps, coef[:, i]):
            if c == 0:
                continue
            mono = "*".join(f"x{j + 1}^{k}" if k > 1 else f"x{j + 1}" for j, k in enumerate(e) if k)
            terms.append(f"{c:+.17e}" + (f"*{mono}" if mono else ""))
        lines.append(" ".join(terms) + ";")
    return "\n".join(lines) + "\n"


def run_phc(poly, workdir: Path, budget: float | None = None):
    """(real solutions (r, n), number of complex solutions, wall seconds) from `phc -b`.

    With ``budget`` (seconds) phc is stopped there and (None, None, seconds) comes back:
    its time is then a lower bound.
    """
    import os
    import signal

    src, out = workdir / "system", workdir / "output"
    src.write_text(phc_system(poly))
    out.unlink(missing_ok=True)
    t = time.perf_counter()
    proc = subprocess.Popen(["phc", "-b", str(src), str(out)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return None, None, time.perf_counter() - t
    elapsed = time.perf_counter() - t
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, "phc -b")
    text = src.read_text()  # phc appends THE SOLUTIONS to its input file
    block = text[text.index("THE SOLUTIONS"):].splitlines()
    count, dim = (int(v) for v in block[1].split())
    sols, current = [], {}
    for line in block[2:]:
        parts = line.split()
        if len(parts) == 4 and parts[0].startswith("x") and parts[1] == ":":
            # phc numbers the unknowns in the order they first appear: map back by name
            current[int(parts[0][1:]) - 1] = complex(float(parts[2]), float(parts[3]))
            if len(current) == dim:
                sols.append([current[j] for j in range(dim)])
                current = {}
    z = np.array(sols)
    real = np.all(np.abs(z.imag) <= 1e-8 * (1 + np.abs(z.real)), axis=1)
    return z[real].real, count, elapsed


def match(truth: np.ndarray, found: np.ndarray, rtol: float = 1e-6) -> tuple[int, int]:
    """(points of truth found, points of found not in truth), matched within rtol (1 + |x|)."""
    from scipy.spatial import cKDTree

    if len(truth) == 0 or len(found) == 0:
        return 0, len(found)
    scale = rtol * (1 + np.abs(truth).max())
    d, _ = cKDTree(found).query(truth)
    d2, _ = cKDTree(truth).query(found)
    return int(np.sum(d <= scale)), int(np.sum(d2 > scale))


def phc_comparison(dims, seeds, jobs) -> None:
    if shutil.which("phc") is None:
        print("PHCpack not found (apt install phcpack); skipping part 1")
        return
    print("1. Coercive random quartics: the complete real critical set, engine vs PHCpack `phc -b`")
    print(f"{'N':>2} {'seed':>4} {'complex':>7} {'real (phc)':>10} {'engine found':>12} {'of phc':>6} "
          f"{'extra':>5} {'phc s':>7} {'engine s':>8} {'phc/engine':>10}  Morse")
    with tempfile.TemporaryDirectory() as tmp:
        for n in dims:
            ratios = []
            for seed in range(seeds):
                poly = build("polynomial", {"dim": n, "kind": "coercive", "seed": seed})
                real, count, t_phc = run_phc(poly, Path(tmp))
                t = time.perf_counter()
                cs = find_critical_points(poly, starts=2**17, seed=seed, jobs=jobs)
                t_eng = time.perf_counter() - t
                pts = np.array([p.x for p in cs.points]).reshape(-1, n)
                got, extra = match(real, pts)
                ratios.append(t_phc / t_eng)
                print(f"{n:>2} {seed:>4} {count:>7} {len(real):>10} {len(pts):>12} {got:>6} {extra:>5} "
                      f"{t_phc:>7.2f} {t_eng:>8.2f} {t_phc / t_eng:>9.1f}x  "
                      f"{'holds' if cs.morse.holds else 'FAILS'}")
            print(f"   N = {n}: engine {np.exp(np.mean(np.log(ratios))):.1f}x faster than phc "
                  "(geometric mean over seeds)")


def root_loop(land, x0, target: int, cap: float, tol: float):
    """scipy.optimize.root from each start in order until `target` distinct points: (time, found, starts)."""
    from scipy.optimize import root

    found = np.zeros((0, land.dim))
    t = time.perf_counter()
    for i, x in enumerate(x0):
        sol = root(lambda y: land.grad(y), x, jac=lambda y: land.hess(y), method="hybr")
        if sol.success and np.linalg.norm(land.grad(sol.x)) <= 1e-8:
            if len(found) == 0 or np.min(np.linalg.norm(found - sol.x, axis=1)) > tol:
                found = np.vstack([found, sol.x])
                if len(found) >= target:
                    return time.perf_counter() - t, len(found), i + 1
        if time.perf_counter() - t > cap:
            break
    return time.perf_counter() - t, len(found), i + 1


def separable_comparison(dims, cap, jobs) -> None:
    print("\n2. Separable double wells: time to find 99% of the 3^N critical points, same starts in the same order")
    print(f"{'N':>2} {'3^N':>6} {'engine starts':>13} {'engine s':>8} {'root starts':>11} {'root s':>8} "
          f"{'root/engine':>11}   engine to completion (stable stop)")
    for n in dims:
        land = build("separable", {"dim": n})
        total = 3**n
        target = int(np.ceil(0.99 * total))
        budget = 2**21
        t = time.perf_counter()
        full = find_critical_points(land, starts=budget, seed=0, jobs=jobs)
        t_full = time.perf_counter() - t
        # the engine's time to 99%: a run whose budget ends where the full run's curve reached it
        curve = full.saturation
        starts99 = int(curve.curve_starts[np.searchsorted(curve.curve_found, target)])
        t = time.perf_counter()
        part = find_critical_points(land, starts=starts99, seed=0, jobs=jobs)
        t_eng = time.perf_counter() - t
        assert len(part.points) >= target, "the budgeted run must reach 99%"
        from landscape.critical import batch_sizes

        x0 = np.concatenate([land.sample_starts(full.domain, size, 0 if b == 0 else [0, b])
                             for b, size in enumerate(batch_sizes(full.starts))])
        box = np.asarray(full.domain)
        tol = 1e-6 * float(np.linalg.norm(box[:, 1] - box[:, 0]))
        t_root, n_root, s_root = root_loop(land, x0, target, cap, tol)
        done = n_root >= target
        print(f"{n:>2} {total:>6} {starts99:>13} {t_eng:>8.2f} {s_root:>11} {t_root:>8.1f} "
              f"{'' if done else '>'}{t_root / t_eng:>9.1f}x   {len(full.points)} points, "
              f"{full.starts} starts, {t_full:.2f} s"
              + ("" if done else f"  (root loop stopped at the {cap:.0f} s cap with {n_root} points)"))


def growth(jobs) -> None:
    print("\n3. Engine time against N and the number of critical points (full search, early stop)")
    print(f"{'family':>10} {'N':>2} {'points':>7} {'starts':>7} {'seconds':>8} {'ms per point':>12}")
    for family, params, dims in (("separable", {}, range(2, 9)), ("pspin", {"p": 3}, range(4, 11, 2))):
        for n in dims:
            land = build(family, {**params, "dim": n})
            t = time.perf_counter()
            cs = find_critical_points(land, starts=2**20, seed=0, jobs=jobs)
            sec = time.perf_counter() - t
            print(f"{family:>10} {n:>2} {len(cs.points):>7} {cs.starts:>7} {sec:>8.2f} "
                  f"{1e3 * sec / max(len(cs.points), 1):>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phc-dims", default="4,5,6,7")
    parser.add_argument("--separable-dims", default="4,6,8")
    parser.add_argument("--seeds", type=int, default=3, help="random quartics per N")
    parser.add_argument("--root-cap", type=float, default=600.0, help="seconds before the root loop stops")
    parser.add_argument("--jobs", type=int, default=1, help="engine worker processes")
    parser.add_argument("--skip", default="", help="parts to skip, e.g. 2,3")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    find_critical_points(build("polynomial", {"dim": 2}), starts=2048)  # warm-up: imports, caches
    if "1" not in skip:
        phc_comparison([int(v) for v in args.phc_dims.split(",")], args.seeds, args.jobs)
    if "2" not in skip:
        separable_comparison([int(v) for v in args.separable_dims.split(",")], args.root_cap, args.jobs)
    if "3" not in skip:
        growth(args.jobs)


if __name__ == "__main__":
    main()
