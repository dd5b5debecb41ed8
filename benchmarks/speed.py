"""Benchmark: where users wait (issue 18), every ratio in one run.

    python benchmarks/speed.py [--phc-budget 1800] [--quartic-dims 8,9,10] [--skip A,B,...]
                               [--markdown FILE]

A. Start-up: `landscape --help` against `python -c "import click"` (medians of 11).
B. Fixed cost: a small coercive quartic (N = 4, 5 real critical points) answered end to
   end by `landscape critical polynomial --terms FILE.json` (import, build, search,
   classify, print; median of 5), against the 0.5 s target and PHCpack's `phc -b`.
C. Complete sets where PHCpack struggles: the coercive quartics sum x_i^4 + dense Gaussian
   cubic at N = 8, 9, 10 (3^N complex paths for PHCpack), end to end through the CLI,
   against `phc -b` (Debian's phcpack; skipped with a message when absent). The real points
   are matched (1e-6 relative); where phc runs past --phc-budget seconds it is stopped and
   its time is reported as a lower bound (">").
D. Non-polynomial landscapes, in process, with where the time goes: the Hessian and
   gradient evaluations, the linear solves of the Newton steps, deduplication (matching
   and merging converged points), the rest (classification, bookkeeping). mlp-xor's search
   (its scenario's 16384 starts in [-4, 4]^17), `critical mlp` at its defaults, and
   `critical random-field --dim 5` and `--dim 6` at theirs.
E. Scaling: time against N and against the number of critical points for separable,
   p-spin (p = 3), the quartics and one-hidden-layer tanh networks on XOR, with PHCpack
   (quartics) and a `scipy.optimize.root` loop (separable, to 99% of the points, capped)
   side by side.

A benchmark, not a test: it asserts nothing and prints ratios. --markdown writes the
scaling tables (E) as Markdown, the form the README quotes.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # as the command line does: every peer on one BLAS thread

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from critical_engine import match, root_loop, run_phc  # noqa: E402

from landscape import build  # noqa: E402
from landscape.critical import find_critical_points  # noqa: E402

LANDSCAPE = [sys.executable, "-m", "landscape"]


def load() -> str:
    """The machine's load averages, for the record."""
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg()) + f" on {os.cpu_count()} cores"
    except OSError:
        return "unknown"


def cli_critical(terms: Path) -> tuple[dict, float]:
    """(results JSON, seconds) of `landscape critical polynomial --terms FILE --json -q`, end to end."""
    t = time.perf_counter()
    out = subprocess.run(LANDSCAPE + ["critical", "polynomial", "--terms", str(terms), "--json", "-q"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out), time.perf_counter() - t


def quartic(n: int, seed: int, tmp: Path):
    poly = build("polynomial", {"dim": n, "kind": "coercive", "seed": seed})
    path = tmp / f"quartic-{n}-{seed}.json"
    path.write_text(json.dumps({"terms": poly.terms_list()}))
    return poly, path


def startup() -> None:
    print("A. Start-up")
    click = [sys.executable, "-c", "import click"]
    helps = LANDSCAPE + ["--help"]
    for cmd in (click, helps):  # warm the file cache
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    tc, th = [], []
    for _ in range(11):
        for cmd, times in ((click, tc), (helps, th)):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - t)
    c, h = statistics.median(tc), statistics.median(th)
    print(f"   python -c 'import click' {c * 1e3:.0f} ms, landscape --help {h * 1e3:.0f} ms: "
          f"ratio {h / c:.2f} (target <= 2)")


def fixed_cost(tmp: Path, phc: bool, budget: float) -> None:
    print("\nB. Fixed cost: a 5-point quartic, N = 4, end to end")
    seed = next(s for s in range(50) if _real_count(4, s) == 5)
    poly, path = quartic(4, seed, tmp)
    cli_critical(path)  # warm the file cache
    times = []
    for _ in range(5):
        data, sec = cli_critical(path)
        times.append(sec)
    sec = statistics.median(times)
    line = (f"   seed {seed}: {data['found']} points (Morse {'holds' if data['morse']['holds'] else 'FAILS'}) "
            f"in {sec:.2f} s (median of 5; target < 0.5 s)")
    if phc:
        real, _, t_phc = run_phc(poly, tmp, budget)
        line += f"; phc -b {t_phc:.2f} s ({len(real)} real): phc/engine {t_phc / sec:.1f}x"
    print(line)


def _real_count(n: int, seed: int) -> int:
    poly = build("polynomial", {"dim": n, "kind": "coercive", "seed": seed})
    return len(find_critical_points(poly, starts=4096, seed=0).points)


def quartics(dims, seeds, tmp: Path, phc: bool, budget: float, table: dict) -> None:
    print("\nC. Coercive quartics, end to end through the CLI, against phc -b"
          + ("" if phc else " (PHCpack not found: apt install phcpack; its columns are skipped)"))
    print(f"{'N':>3} {'seed':>4} {'paths':>6} {'phc real':>8} {'engine':>6} {'of phc':>6} {'extra':>5} "
          f"{'phc s':>8} {'engine s':>8} {'phc/engine':>10}  Morse, completeness")
    for n in dims:
        for seed in range(seeds):
            poly, path = quartic(n, seed, tmp)
            data, sec = cli_critical(path)
            pts = np.array([p["x"] for p in data["critical_points"]]).reshape(-1, n)
            real, t_phc = None, None
            if phc:
                real, _, t_phc = run_phc(poly, tmp, budget)
            got, extra = match(real, pts) if real is not None else ("", "")
            ratio = ("" if t_phc is None else f"{'>' if real is None else ''}{t_phc / sec:.1f}x")
            phc_s = "" if t_phc is None else f"{'>' if real is None else ''}{t_phc:.0f}"
            stop = data["saturation"]["stop_reason"]
            print(f"{n:>3} {seed:>4} {3**n:>6} {'' if real is None else len(real):>8} {data['found']:>6} "
                  f"{got:>6} {extra:>5} {phc_s:>8} {sec:>8.1f} {ratio:>10}  "
                  f"{'holds' if data['morse']['holds'] else 'FAILS'}, stop {stop}, "
                  f"estimate {data['estimated_total']:.1f}")
            table.setdefault("quartic", []).append((n, data["found"], sec, t_phc, real is None))


class Profile:
    """Wall time in the landscape's derivatives, in the Newton step's solves and in deduplication."""

    def __init__(self):
        self.parts = {"Hessian and gradient": 0.0, "linear solves": 0.0, "deduplication": 0.0}

    def timed(self, part, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.parts[part] += time.perf_counter() - t
        return wrapper

    def run(self, land, call):
        import importlib

        # by module path: `landscape.newton` is also the name of an optimiser the package exports
        critical, newton = (importlib.import_module(f"landscape.{m}") for m in ("critical", "newton"))

        cls = type(land)
        saved = {name: getattr(cls, name) for name in ("derivatives", "grad", "hess")}
        saved_step, saved_add = newton._step, critical._Pool.add
        for name, fn in saved.items():
            setattr(cls, name, self.timed("Hessian and gradient", fn))
        newton._step = self.timed("linear solves", saved_step)
        critical._Pool.add = self.timed("deduplication", saved_add)
        try:
            t = time.perf_counter()
            out = call()
            total = time.perf_counter() - t
        finally:
            for name, fn in saved.items():
                setattr(cls, name, fn)
            newton._step, critical._Pool.add = saved_step, saved_add
        return out, total

    def split(self, total: float) -> str:
        rest = total - sum(self.parts.values())
        return ", ".join(f"{k} {100 * v / total:.0f}%" for k, v in {**self.parts, "rest": rest}.items())


def non_polynomial(table: dict) -> None:
    print("\nD. Non-polynomial landscapes (in process; where the time goes)")
    cases = [
        ("mlp-xor (16384 starts)", build("mlp", {"layers": [2, 3, 2], "activation": "tanh", "dataset": "xor",
                                                  "weight_decay": 0.01}),
         {"domain": [(-4.0, 4.0)] * 17, "starts": 16384}, "< 5 s"),
        ("critical mlp (defaults)", build("mlp", {}), {"starts": 65536}, "< 60 s"),
        ("critical random-field --dim 5", build("random-field", {"dim": 5}), {"starts": 65536}, "< 60 s"),
        ("critical random-field --dim 6", build("random-field", {"dim": 6}), {"starts": 65536}, "< 60 s"),
    ]
    for label, land, kw, target in cases:
        prof = Profile()
        cs, total = prof.run(land, lambda land=land, kw=kw: find_critical_points(land, seed=0, **kw))
        morse = {True: "holds", False: "FAILS", None: "not known"}[cs.morse.holds]
        print(f"   {label}: {len(cs.points)} points, Morse {morse}, {cs.starts} random + "
              f"{cs.neighbour_starts} neighbour starts, stop {cs.saturation.stop_reason}: {total:.1f} s "
              f"(target {target}); {prof.split(total)}")
        if label.startswith("mlp-xor") and (os.cpu_count() or 1) >= 2:
            t = time.perf_counter()
            two = find_critical_points(land, seed=0, jobs=2, **kw)
            sec = time.perf_counter() - t
            same = [p.x.tolist() for p in two.points] == [p.x.tolist() for p in cs.points]
            print(f"   {label} on 2 processes (--jobs 2): {len(two.points)} points, "
                  f"{'identical' if same else 'DIFFERENT'}: {sec:.1f} s (target {target}); "
                  f"1 process / 2 = {total / sec:.2f}x")


def scaling(table: dict, cap: float, tmp: Path, phc: bool, budget: float) -> None:
    print("\nE. Time against N and the number of critical points")
    rows = []
    for n in range(4, 8):  # the quartics below part C's sizes, end to end
        poly, path = quartic(n, 0, tmp)
        data, sec = cli_critical(path)
        t_phc = run_phc(poly, tmp, budget)[2] if phc else None
        rows.append(("quartic", n, data["found"], sec, "", "" if t_phc is None else f"{t_phc:.1f}"))
    for family, params, dims in (("separable", {}, range(2, 9)), ("pspin", {"p": 3}, range(4, 11, 2))):
        for n in dims:
            land = build(family, {**params, "dim": n})
            t = time.perf_counter()
            cs = find_critical_points(land, starts=2**20, seed=0)
            sec = time.perf_counter() - t
            root = ""
            if family == "separable" and n in (4, 6, 8):
                target = int(np.ceil(0.99 * 3**n))
                x0 = land.sample_starts(cs.domain, 2**16, 0)
                box = np.asarray(cs.domain)
                t_root, found, _ = root_loop(land, x0, target, cap, 1e-6 * float(np.linalg.norm(box[:, 1] - box[:, 0])))
                root = f"{'' if found >= target else '>'}{t_root:.1f}"
            rows.append((family, n, len(cs.points), sec, root, ""))
    for n, points, sec, t_phc, stopped in table.get("quartic", []):
        rows.append(("quartic", n, points, sec, "", "" if t_phc is None else f"{'>' if stopped else ''}{t_phc:.0f}"))
    for h in (2, 3, 4, 5):
        land = build("mlp", {"layers": [2, h, 2], "activation": "tanh", "dataset": "xor", "weight_decay": 0.01})
        t = time.perf_counter()
        cs = find_critical_points(land, [(-4.0, 4.0)] * land.dim, starts=16384, seed=0)
        rows.append((f"mlp 2-{h}-2", land.dim, len(cs.points), time.perf_counter() - t, "", ""))
        print(f"   mlp 2-{h}-2: Morse {'holds' if cs.morse.holds else 'FAILS'}, stop {cs.saturation.stop_reason}")
    print(f"{'landscape':>11} {'N':>3} {'points':>7} {'engine s':>9} {'ms/point':>9} {'root loop s':>11} {'phc s':>8}")
    for family, n, points, sec, root, phc_s in rows:
        print(f"{family:>11} {n:>3} {points:>7} {sec:>9.2f} {1e3 * sec / max(points, 1):>9.2f} {root:>11} {phc_s:>8}")
    table["scaling"] = rows


def markdown(table: dict) -> str:
    lines = ["| landscape | N | critical points | engine (s) | ms per point | `scipy.optimize.root` loop to 99% (s) | `phc -b` (s) |",
             "|---|---|---|---|---|---|---|"]
    for family, n, points, sec, root, phc in table.get("scaling", []):
        lines.append(f"| {family} | {n} | {points} | {sec:.2f} | {1e3 * sec / max(points, 1):.2f} | {root} | {phc} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phc-budget", type=float, default=1800.0, help="seconds before phc -b is stopped")
    parser.add_argument("--quartic-dims", default="8,9,10")
    parser.add_argument("--seeds", type=int, default=1, help="quartics per N in part C")
    parser.add_argument("--root-cap", type=float, default=300.0, help="seconds before the root loop stops")
    parser.add_argument("--skip", default="", help="parts to skip, e.g. C,E")
    parser.add_argument("--markdown", type=Path, help="write the scaling table (E) here as Markdown")
    args = parser.parse_args()
    skip = set(args.skip.upper().split(","))
    phc = shutil.which("phc") is not None
    print(f"load {load()} at the start; PHCpack {'found' if phc else 'not found (apt install phcpack)'}")
    table: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if "A" not in skip:
            startup()
        if "B" not in skip:
            fixed_cost(tmp, phc, args.phc_budget)
        if "C" not in skip:
            quartics([int(v) for v in args.quartic_dims.split(",")], args.seeds, tmp, phc, args.phc_budget, table)
        if "D" not in skip:
            non_polynomial(table)
        if "E" not in skip:
            scaling(table, args.root_cap, tmp, phc, args.phc_budget)
    print(f"\nload {load()} at the end")
    if args.markdown:
        args.markdown.write_text(markdown(table))


if __name__ == "__main__":
    main()
