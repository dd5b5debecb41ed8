"""Trajectory-steps per second: landscape's batched GD next to torch.optim.SGD and a plain loop.

Not a test: it prints rates measured side by side in one run, and checks that
every implementation ends at the same iterates. Two workloads from the issue:
10,000 trajectories on saddle-2d (2-D) and 100 trajectories on a rotated
1,000-D quadratic saddle. torch is optional (pip install torch==2.13.0); its
rows are skipped without it.

    python benchmarks/optimizers.py [--steps 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from landscape import build
from landscape.dynamics import iterate, measure_escape, quadratic_escape
from landscape.optim import gd

ETA = 0.1


def best_time(fn, repeat: int) -> tuple[float, object]:
    """The fastest of ``repeat`` calls (seconds) and the last result."""
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def landscape_gd(land, x0, steps):
    """landscape's iterate generator, keeping only the last iterate (as the other loops do); it
    still checks every step for divergence, which the other loops do not."""
    for k, (x, *_ ) in enumerate(iterate(land, gd(ETA), x0, values=False, grad_norms=False)):
        if k == steps:
            return x


def plain_loop(land, x0, steps):
    """One trajectory at a time, one numpy gradient per step: what a user writes first."""
    out = np.empty_like(x0)
    for b in range(len(x0)):
        x = x0[b].copy()
        for _ in range(steps):
            x = x - ETA * land.grad(x)
        out[b] = x
    return out


def torch_sgd(torch, value, x0, steps):
    """torch.optim.SGD over a (B, n) parameter tensor, gradients by autograd of sum_b f(x_b)."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=ETA)
    for _ in range(steps):
        opt.zero_grad()
        value(x).sum().backward()
        opt.step()
    return x.detach().numpy()


def torch_sgd_manual_grad(torch, grad, x0, steps):
    """torch.optim.SGD with the analytic gradient assigned to .grad (no autograd)."""
    x = torch.tensor(x0, dtype=torch.float64)
    p = torch.nn.Parameter(x)
    opt = torch.optim.SGD([p], lr=ETA)
    with torch.no_grad():
        for _ in range(steps):
            p.grad = grad(p)
            opt.step()
    return p.detach().numpy()


def workloads(torch):
    rng = np.random.default_rng(0)
    saddle = build("saddle-2d")
    x2 = np.column_stack([rng.uniform(-1, 1, 10_000), 1e-6 * rng.standard_normal(10_000)])
    lam = np.concatenate([[-1.0], np.linspace(0.5, 4.0, 999)])
    quad = build("quadratic", {"eigenvalues": list(lam), "seed": 1})
    x1000 = 1e-3 * rng.standard_normal((100, 1000))
    out = [("saddle-2d, 10,000 trajectories", saddle, x2, None, None),
           ("quadratic n=1000, 100 trajectories", quad, x1000, None, None)]
    if torch is not None:
        def v2(x):
            return 0.5 * x[:, 0] ** 2 + 0.25 * x[:, 1] ** 4 - 0.5 * x[:, 1] ** 2

        def g2(x):
            return torch.stack([x[:, 0], x[:, 1] ** 3 - x[:, 1]], -1)

        H = torch.tensor(quad.H)

        def vq(x):
            return 0.5 * ((x @ H) * x).sum(-1)

        def gq(x):
            return x @ H

        out = [(out[0][0], saddle, x2, v2, g2), (out[1][0], quad, x1000, vq, gq)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--loop-trajectories", type=int, default=100,
                    help="the plain loop runs this many trajectories (its rate does not depend on the count)")
    args = ap.parse_args()
    try:
        import torch

        torch.set_num_threads(max(1, torch.get_num_threads()))
        version = torch.__version__
    except ImportError:
        torch, version = None, None
    print(f"GD with eta = {ETA}, {args.steps} steps, best of {args.repeat}; torch {version or 'not installed'}")
    K = args.steps
    for title, land, x0, value, grad in workloads(torch):
        B = len(x0)
        rows = []
        t, ours = best_time(lambda: landscape_gd(land, x0, K), args.repeat)
        rows.append(("landscape (batched numpy)", B * K / t, ours, None))
        few = x0[: args.loop_trajectories]
        t, loop = best_time(lambda: plain_loop(land, few, K), 1)
        rows.append((f"plain Python loop ({len(few)} trajectories)", len(few) * K / t, loop, ours[: len(few)]))
        if torch is not None:
            t, ts = best_time(lambda: torch_sgd(torch, value, x0, K), args.repeat)
            rows.append(("torch.optim.SGD, autograd", B * K / t, ts, ours))
            t, tm = best_time(lambda: torch_sgd_manual_grad(torch, grad, x0, K), args.repeat)
            rows.append(("torch.optim.SGD, analytic grad", B * K / t, tm, ours))
        print(f"\n{title}")
        print(f"  {'implementation':40s} {'trajectory-steps/s':>20s} {'landscape ÷ this':>17s} {'max |diff|':>11s}")
        base = rows[0][1]
        for name, rate, result, ref in rows:
            diff = "" if ref is None else f"{np.max(np.abs(result - (ref if ref is not None else result))):.1e}"
            print(f"  {name:40s} {rate:20.3e} {base / rate:16.2f}x {diff:>11s}")
        if land.name == "quadratic":
            # no iteration at all: the exact escape step of every trajectory from the closed form
            lam, V = np.linalg.eigh(land.H)
            t, (esc, _) = best_time(lambda: quadratic_escape(1 - ETA * lam, x0 @ V, 0.5), args.repeat)
            t_it, meas = best_time(lambda: measure_escape(land, gd(ETA), x0, 10_000, np.zeros(land.dim), 0.5, 1e-3,
                                                          until_escaped=True), 1)
            same = np.array_equal(esc, meas.escape_step)
            print(f"  escape steps of all {B} runs: closed form {t * 1e3:.1f} ms against iterating "
                  f"{meas.steps} steps {t_it * 1e3:.0f} ms ({t_it / t:.0f}x); identical: {same}")


if __name__ == "__main__":
    main()
