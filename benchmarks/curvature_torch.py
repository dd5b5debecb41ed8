"""The torch side of benchmarks/curvature.py, run in a separate interpreter that has torch,
PyHessian and hessian-eigenthings (none of them a dependency of landscape).

    python benchmarks/curvature_torch.py NET.npz OUT.json

NET.npz holds the network (layers), its parameters in landscape's layout (each Linear's W
row-major (out, in), then b: torch's nn.Linear layout) and the data; OUT.json gets the timings
and values. Everything in float64 on the CPU, one thread per process as on the numpy side.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
from torch import nn


def build(layers, theta):
    mods, off = [], 0
    for i, (a, b) in enumerate(zip(layers, layers[1:])):
        lin = nn.Linear(a, b).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(theta[off:off + a * b].reshape(b, a)))
            off += a * b
            lin.bias.copy_(torch.from_numpy(theta[off:off + b]))
            off += b
        mods.append(lin)
        if i < len(layers) - 2:
            mods.append(nn.ELU())
    return nn.Sequential(*mods)


def best(f, repeat=3):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return min(times), out


def main(path, out):
    torch.set_num_threads(1)
    z = np.load(path)
    layers, theta = [int(v) for v in z["layers"]], z["theta"]
    X, y = torch.from_numpy(z["X"]), torch.from_numpy(z["y"]).long()
    model = build(layers, theta)
    crit = nn.CrossEntropyLoss()
    params = [p for p in model.parameters()]
    n = sum(p.numel() for p in params)
    V = torch.from_numpy(z["V"])
    res = {"torch": torch.__version__, "parameters": n}

    def hvp(v):
        loss = crit(model(X), y)
        g = torch.autograd.grad(loss, params, create_graph=True)
        flat = torch.cat([q.reshape(-1) for q in g])
        h = torch.autograd.grad(flat @ v, params)
        return torch.cat([q.reshape(-1) for q in h])

    t, hv = best(lambda: hvp(V[0]))
    res["hvp_seconds"] = t
    res["hvp_first"] = hv.numpy().tolist()
    t, _ = best(lambda: [hvp(v) for v in V])
    res["hvp16_seconds"] = t
    # hessian-eigenthings: Lanczos for the top 5, its defaults and a longer run
    try:
        import hessian_eigenthings as he

        op = he.HessianOperator(model, [(X, y)], he.supervised_loss(crit))
        for label, kw in (("defaults", {}), ("max_iter=100", {"max_iter": 100})):
            t, r = best(lambda: he.lanczos(op, k=5, which="LA", seed=0, **kw), repeat=1)
            res[f"eigenthings_{label}"] = {"seconds": t, "values": sorted(r.eigenvalues.tolist(), reverse=True)}
        t, r = best(lambda: he.hutchinson(op, num_samples=100, seed=0), repeat=1)
        res["eigenthings_trace"] = {"seconds": t, "value": float(r.estimate) if hasattr(r, "estimate") else float(r.trace)}
    except Exception as err:  # a peer that fails is a result too
        res["eigenthings_error"] = f"{type(err).__name__}: {err}"[:300]
    try:
        from pyhessian import hessian

        H = hessian(model, crit, data=(X, y), cuda=False)
        t, r = best(lambda: H.eigenvalues(maxIter=100, tol=1e-3, top_n=5), repeat=1)
        res["pyhessian_top5"] = {"seconds": t, "values": sorted([float(v) for v in r[0]], reverse=True)}
        t, r = best(lambda: H.trace(maxIter=100, tol=1e-3), repeat=1)
        res["pyhessian_trace"] = {"seconds": t, "value": float(np.mean(r)), "probes": len(r)}
        try:
            t, r = best(lambda: H.density(iter=64, n_v=6), repeat=1)
            res["pyhessian_density"] = {"seconds": t}
        except Exception as err:
            res["pyhessian_density_error"] = f"{type(err).__name__}: {err}"[:300]
    except Exception as err:
        res["pyhessian_error"] = f"{type(err).__name__}: {err}"[:300]
    with open(out, "w") as f:
        json.dump(res, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
