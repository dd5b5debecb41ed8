"""Benchmark: matrix-free curvature of the 64-128-10 digits network against torch's peers (issue 20).

    python benchmarks/curvature.py [--torch-python PATH]

The network: 64-128-10 ELU, 9610 parameters, after the mlp-digits training (SGD, lr 0.1,
10 epochs, seed 42), the Hessian of the cross-entropy on the 1437 training images. The torch
side (``benchmarks/curvature_torch.py``) runs in another interpreter that has torch (CPU),
PyHessian and hessian-eigenthings; ``--torch-python`` names it (default: $LANDSCAPE_TORCH_PYTHON;
without one the torch rows are skipped). Both sides use float64 and one thread, in one run.

A. Hessian-vector products per second: ours one at a time and 16 in one batch (the R-operator),
   torch's double backward one at a time; the relative difference of the two H v.
B. The top 5 eigenvalues: ours (ARPACK through scipy's eigsh) against hessian-eigenthings'
   Lanczos (its defaults, and 100 steps) and PyHessian's power iteration (100 iterations, tol
   1e-3); the reference is eigsh at tol 1e-12.
C. The trace: ours (Hutchinson, 100 Rademacher probes, with its standard error) against
   hessian-eigenthings' Hutchinson and PyHessian's.
D. The density: ours (SLQ, 6 probes x 64 steps) in seconds, PyHessian's if it runs; ours against
   the exact spectrum of a 27-parameter network (1-Wasserstein distance / spectral width).

It asserts nothing and prints ratios.
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from landscape import build
from landscape.nn import curvature as cv
from landscape.nn.datasets import digits_split
from landscape.nn.training import train_sgd
from landscape.seeds import stream


def best(f, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--torch-python", default=os.environ.get("LANDSCAPE_TORCH_PYTHON"))
    args = ap.parse_args()
    X, y, Xt, yt = digits_split()
    land = build("mlp", {"layers": [64, 128, 10], "activation": "elu", "dataset": "digits"})
    theta0 = land.initial_point(stream(42, "init"))
    theta = train_sgd(land.network, theta0, X, y, Xt, yt, lr=0.1, epochs=10, batch=128, seed=42).theta
    n = land.dim
    V = stream(0, "benchmark").standard_normal((16, n))
    hvp = lambda W: land.hvp(theta, W)  # noqa: E731
    ours = {}
    ours["hvp"], hv = best(lambda: hvp(V[:1]))
    ours["hvp16"], _ = best(lambda: hvp(V))
    t_ref, ref = best(lambda: cv.extreme_eigenvalues(hvp, n, 5, tol=1e-12), repeat=1)
    ours["top5"], top = best(lambda: cv.extreme_eigenvalues(hvp, n, 5, tol=1e-6), repeat=1)
    ours["trace"], (tr, se) = best(lambda: cv.hutchinson_trace(hvp, n, 100), repeat=1)
    ours["slq"], _ = best(lambda: cv.slq(hvp, n, 6, 64), repeat=1)
    small = build("mlp", {})
    st = small.initial_point(np.random.default_rng(1))
    lam = np.linalg.eigvalsh(small.hess(st))
    nodes, weights = cv.slq(lambda W: small.hvp(st, W), small.dim, 200, 15)
    w1 = cv.wasserstein(nodes, weights, lam) / (lam.max() - lam.min())

    peer = None
    if args.torch_python:
        with tempfile.TemporaryDirectory() as tmp:
            net = Path(tmp) / "net.npz"
            np.savez(net, layers=np.array(land.layers), theta=theta, X=X, y=y, V=V)
            out = Path(tmp) / "out.json"
            here = Path(__file__).with_name("curvature_torch.py")
            done = subprocess.run([args.torch_python, str(here), str(net), str(out)], capture_output=True, text=True,
                                  env={**os.environ, "OMP_NUM_THREADS": "1"})
            if done.returncode == 0:
                peer = json.loads(out.read_text())
            else:
                print("torch side failed:", done.stderr.strip().splitlines()[-1:])
    ref_desc = ref[::-1]
    fmt = lambda v: ", ".join(f"{x:.6g}" for x in v)  # noqa: E731
    print(f"Network 64-128-10 ELU, {n} parameters, 1437 training images, after 10 epochs of SGD.")
    print(f"Reference top 5 (eigsh, tol 1e-12, {t_ref:.2f} s): {fmt(ref_desc)}")
    print("\nA. Hessian-vector products")
    print(f"  ours, 1 vector:          {ours['hvp'] * 1e3:8.1f} ms  ({1 / ours['hvp']:.0f} HVP/s)")
    print(f"  ours, 16 in one batch:   {ours['hvp16'] * 1e3:8.1f} ms  ({16 / ours['hvp16']:.0f} HVP/s)")
    if peer:
        print(f"  torch double backward:   {peer['hvp_seconds'] * 1e3:8.1f} ms  ({1 / peer['hvp_seconds']:.0f} HVP/s); "
              f"16 one by one {peer['hvp16_seconds'] * 1e3:.1f} ms")
        diff = np.abs(np.array(peer["hvp_first"]) - hv[0]).max() / np.abs(hv[0]).max()
        print(f"  ratio torch/ours: 1 vector {peer['hvp_seconds'] / ours['hvp']:.2f}x, 16 vectors "
              f"{peer['hvp16_seconds'] / ours['hvp16']:.2f}x; max |H v (torch) - H v (ours)| / max |H v| = {diff:.1e}")
    print("\nB. Top 5 eigenvalues")
    err = lambda v: np.abs(np.sort(v)[::-1][:5] - ref_desc).max() / ref_desc[0]  # noqa: E731
    print(f"  ours (eigsh, tol 1e-6):  {ours['top5']:6.2f} s  {fmt(top[::-1])}  (max error {err(top):.1e} of λ1)")
    if peer:
        for key, label in (("eigenthings_defaults", "eigenthings Lanczos, defaults"),
                           ("eigenthings_max_iter=100", "eigenthings Lanczos, 100 steps"),
                           ("pyhessian_top5", "PyHessian power iteration")):
            if key in peer:
                r = peer[key]
                print(f"  {label}: {r['seconds']:6.2f} s  {fmt(r['values'])}  (max error {err(np.array(r['values'])):.1e} of "
                      f"λ1; time {r['seconds'] / ours['top5']:.1f}x ours)")
        for key in ("eigenthings_error", "pyhessian_error"):
            if key in peer:
                print(f"  {key}: {peer[key]}")
    print("\nC. Trace")
    print(f"  ours (Hutchinson, 100 probes): {ours['trace']:6.2f} s  {tr:.4g} ± {se:.2g}")
    if peer:
        for key, label in (("eigenthings_trace", "eigenthings Hutchinson, 100"), ("pyhessian_trace", "PyHessian")):
            if key in peer:
                r = peer[key]
                print(f"  {label}: {r['seconds']:6.2f} s  {r['value']:.4g}  ({(r['value'] - tr) / se:+.1f} of our se; time "
                      f"{r['seconds'] / ours['trace']:.1f}x ours)")
    print("\nD. Density")
    print(f"  ours (SLQ, 6 probes x 64 steps): {ours['slq']:.2f} s")
    if peer:
        if "pyhessian_density" in peer:
            print(f"  PyHessian density (6 probes x 64 steps): {peer['pyhessian_density']['seconds']:.2f} s "
                  f"({peer['pyhessian_density']['seconds'] / ours['slq']:.1f}x ours)")
        else:
            print(f"  PyHessian density: {peer.get('pyhessian_density_error', 'not run')}")
    print(f"  ours against the exact spectrum of a 27-parameter network (200 probes x 15 steps): W1 = {100 * w1:.2f}% "
          "of the spectral width")


if __name__ == "__main__":
    main()
