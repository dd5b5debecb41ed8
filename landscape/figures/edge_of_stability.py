"""Figure of the edge-of-stability study: sharpness against 2/eta, and the loss, per step size.
It draws what the result carries (``EdgeResult.to_dict()``); the thresholds are 2/eta.
"""

from __future__ import annotations

import numpy as np

from .style import axes_pair, cycle_colour, drawn, finish, theory_line


@drawn
def sharpness_figure(result, axes=None):
    """Left: the sharpness every few steps for each eta, 2/eta dashed in the same colour, the
    band shaded from where it was reached. Right: the full-batch loss at every step (log)."""
    d = result.to_dict() if hasattr(result, "to_dict") else result
    fig, axes = axes_pair(axes, size=(13, 4.8))
    lo, hi = d["band"]
    K = d["steps"]
    for j, r in enumerate(d["runs"]):
        colour = cycle_colour(j)
        axes[0].plot(r["steps"], r["sharpness"], color=colour, lw=1.8, label=rf"$\eta$ = {r['eta']:g}")
        theory_line(axes[0], [0, K], [r["threshold"]] * 2, color=colour, label=rf"$2/\eta$ = {r['threshold']:.3g}")
        if r["reached_step"] is not None:
            axes[0].fill_between([r["reached_step"], K], lo * r["threshold"], hi * r["threshold"], color=colour,
                                 alpha=0.10, lw=0)
        loss = np.asarray(r["loss_per_step"], dtype=float)
        axes[1].plot(np.arange(len(loss)), np.where(loss > 0, loss, np.nan), color=colour, lw=1.0,
                     label=rf"$\eta$ = {r['eta']:g}")
        if r["reached_step"] is not None:
            axes[1].axvline(r["reached_step"], color=colour, lw=0.8, ls=":")
    finish(axes[0], "step", r"sharpness $\lambda_{\max}$ (Lanczos)",
           f"Sharpness rises to 2/η and hovers there (shaded: {lo:g}–{hi:g} × 2/η after it is reached)", legend=7)
    finish(axes[1], "step", "full-batch training loss (log)", "The loss keeps falling, not monotonically "
                                                             "(dotted: 2/η reached)", logy=True, legend=7)
    land = d["landscape"]["params"]
    fig.suptitle(f"Edge of stability (Cohen et al. 2021): full-batch GD, {'-'.join(map(str, land['layers']))} "
                 f"{land['activation']} network, {land['loss']} loss, {d['landscape']['samples']} digits")
    return fig
