"""Figures of the mlp-xor study: loss against index, Hessian spectra during training.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import drawn, axes_pair, axes_row, colormap, finish


@drawn
def index_loss_figure(result, axes=None):
    """Left: every critical point's loss against its index (Dauphin et al. 2014), jittered within
    each index, with the mean per index and where the training runs ended. Right: how many
    points of each index, with the Morse sum."""
    fig, axes = axes_pair(axes, size=(12, 4.8))
    pts = result.critical.points
    index = np.array([p.index for p in pts])
    value = np.array([p.value for p in pts])
    n = result.landscape.dim
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(pts))
    ax = axes[0]
    ax.scatter(index + jitter, value, s=7, alpha=0.45, color="#0072B2", linewidth=0, label="critical point")
    ks = np.unique(index)
    ax.plot(ks, [value[index == k].mean() for k in ks], "o-", color="#D55E00", lw=1.4, label="mean per index")
    fin = result.eigenvalues[:, -1]
    ax.scatter(result.run_index()[:, -1] - 0.35, result.loss[:, -1], marker="*", s=90, color="#009E73",
               edgecolor="black", linewidth=0.5, zorder=5, label=f"end of {len(fin)} GD runs")
    ax.set_xticks(np.arange(0, max(ks.max() if len(ks) else 0, 1) + 1))
    finish(ax, "index (negative Hessian eigenvalues; points spread ±0.25 sideways to show their number)",
           "loss (cross-entropy + weight decay)",
            f"{len(pts)} critical points in {n} dimensions: higher loss, higher index", loc="upper left")
    ax = axes[1]
    counts = np.bincount(index, minlength=int(ks.max()) + 1 if len(ks) else 1)
    ax.bar(np.arange(len(counts)), counts, color="#0072B2", alpha=0.8)
    for k, c in enumerate(counts):
        ax.text(k, c, str(c), ha="center", va="bottom", fontsize=8)
    m = result.critical.morse
    finish(ax, "index $k$", "critical points $c_k$",
           rf"$\sum_k (-1)^k c_k$ = {m.alternating_sum} (expected {m.expected}: coercive loss)", legend=None)
    ax.set_xticks(np.arange(len(counts)))
    fig.suptitle(f"{result.scenario.name}: index against loss")
    return fig


@drawn
def hessian_spectra_figure(result, axes=None):
    """Left: the Hessian eigenvalues of the first run against the step (symlog). Middle: each
    run's index along training. Right: all runs' eigenvalues at initialisation and at the end."""
    fig, axes = axes_row(axes, 3, (15, 4.6))
    steps = np.maximum(result.snapshot_steps, 0.5)
    eig = result.eigenvalues
    tol = result.zero_tol
    ax = axes[0]
    for i in range(eig.shape[-1]):
        lam = eig[0, :, i]
        negative = lam[0] < -tol
        ax.plot(steps, lam, "--" if negative else "-", color="#D55E00" if negative else "#0072B2", lw=0.9,
                alpha=0.8)
    ax.set_xscale("log")
    lin = 1e-3  # below this the symlog axis is linear: the weight decay's floor sits just above
    ax.set_yscale("symlog", linthresh=lin)
    ax.axhline(0, color="black", lw=0.6)
    finish(ax, "step (log; step 0 drawn at 0.5)", "Hessian eigenvalues (symlog)",
            "Run 1: dashed orange started negative", legend=None)
    ax = axes[1]
    idx = result.run_index()
    for r in range(idx.shape[0]):
        colour = colormap("viridis")(r / max(idx.shape[0] - 1, 1))
        ax.plot(steps, idx[r] + 0.06 * (r - idx.shape[0] / 2), "o-", ms=3, lw=1, color=colour)
    ax.set_xscale("log")
    finish(ax, "step (log)", "index (negative eigenvalues; runs offset by 0.06 each)",
           "Negative curvature disappears as GD converges", legend=None)
    ax = axes[2]
    first, last = eig[:, 0].ravel(), eig[:, -1].ravel()
    lo = min(first.min(), last.min())
    hi = max(first.max(), last.max())
    # bins of equal width in asinh(x / lin), which is close to the symlog axis's own coordinate
    u = np.linspace(np.arcsinh(min(lo, -lin) / lin), np.arcsinh(max(hi, lin) / lin), 48)
    edges = lin * np.sinh(u)
    ax.hist(first, bins=edges, alpha=0.55, color="#D55E00", label="at initialisation")
    ax.hist(last, bins=edges, alpha=0.55, color="#0072B2", hatch="//", edgecolor="#0072B2",
            label=f"after {int(result.snapshot_steps[-1])} steps")
    ax.set_xscale("symlog", linthresh=lin)
    finish(ax, "eigenvalue (symlog)", "count over all runs", "Spectrum before and after training")
    fig.suptitle(f"{result.scenario.name}: the Hessian along training")
    return fig
