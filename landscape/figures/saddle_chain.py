"""Figure of the saddle-chain study: steps to the minimum against the number of saddles.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import colormap, drawn, finish, optimizer_style, percentile, subplots, theory_line


@drawn
def chain_figure(result, axes=None):
    """Left: steps to the minimum against d (log scale), measured median with the
    quartiles, and GD's linearised recursion. Middle, right: |x_i| of one run at show_dim."""
    if axes is None:
        _, axes = subplots(1, 3, figsize=(15, 4.8), layout="constrained")
    ax = axes[0]
    names = [o.name for o in result.scenario.optimizers]
    for name in names:
        rows = [r for r in result.chain if r["optimizer"] == name]
        d = np.array([r["d"] for r in rows])
        allk = [np.array([np.nan if k is None else k for k in r["steps_all"]], dtype=float) for r in rows]
        med = np.array([np.nan if r["steps"] is None else r["steps"] for r in rows])
        lo = med - np.array([percentile(a, 25) for a in allk])
        hi = np.array([percentile(a, 75) for a in allk]) - med
        style = optimizer_style(name)
        ax.errorbar(d, med, yerr=[lo, hi], fmt=style["marker"], color=style["color"], ms=6, capsize=3, zorder=3,
                    label=f"{name} (measured)")
        if rows[0]["predicted_steps"] is not None:
            theory_line(ax, d, [r["predicted_steps"] for r in rows], color=style["color"],
                        label=f"{name} (linearised recursion)")
    finish(ax, "number of saddles d (= dimension)", "steps to the minimum (median, quartiles)",
            "GD: exponential in d; perturbed GD: linear", logy=True)
    span = max((len(xs) for _, xs in result.shown), default=1)
    floor = min((np.nanmin(np.abs(xs)[np.abs(xs) > 0]) for _, xs in result.shown if np.any(np.abs(xs) > 0)),
                default=1e-10) / 10
    for ax, (name, xs) in zip(axes[1:], result.shown):
        d = xs.shape[1]
        for i in range(d):
            ax.plot(np.abs(xs[:, i]), color=colormap("viridis")(i / max(d - 1, 1)), lw=1.2,
                    label=f"$|x_{{{i + 1}}}|$")
        ax.set_yscale("log")
        ax.set_ylim(floor, 5)
        ax.set_xlim(0, span)
        ax.set_xlabel("step k")
        ax.set_title(f"{name}, d = {d}: coordinates escape one after another", fontsize=10)
        ax.grid(alpha=0.3)
    if len(axes) > 1 and result.shown:
        axes[1].set_ylabel("$|x_i|$ (log scale)")
        axes[1].legend(fontsize=7, ncol=2, loc="lower left")
    axes[0].figure.suptitle("A chain of saddles (after Du et al. 2017): each coordinate shrinks while it waits its turn")
    return axes[0].figure
