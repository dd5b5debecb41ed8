"""Figure of the linear-net study: loss plateaus and mode strengths against Saxe et al.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import C, MEASURED, axes_pair, colormap, drawn, finish, theory_line


@drawn
def linear_net_figure(result, axes=None):
    """Left: the loss with its plateaus and drops, measured against gradient flow.
    Right: each mode's strength u_a / s_a, measured and predicted."""
    fig, axes = axes_pair(axes, size=(12, 4.8))
    k = np.arange(len(result.loss))
    pred_loss, pred_u = result.predicted_curves()
    ax = axes[0]
    ax.plot(k, result.loss, "-", color=C["black"], label="GD, aligned start (measured)", **MEASURED)
    theory_line(ax, k, pred_loss, color=C["vermillion"], label="gradient flow, Saxe et al. (2014)")
    if result.random_loss is not None:
        ax.plot(k, result.random_loss, ":", color=C["blue"], lw=1.6,
                label=f"GD, random start (scale {result.scenario.settings.random_init:g})")
    finish(ax, "step k", r"loss $\frac{1}{2}\|W_2 W_1 X - Y\|^2$  (log scale)",
           "Plateau, drop, plateau, drop: one mode at a time", logy=True)
    ax = axes[1]
    s = result.landscape.modes[0]
    learnt = result.learn_steps(result.strengths)
    for a in range(s.size):
        colour = colormap("plasma")(a / max(s.size, 1) * 0.85)
        ax.plot(k, result.strengths[:, a] / s[a], "-", color=colour, label=f"$s$ = {s[a]:g}", **MEASURED)
        theory_line(ax, k, pred_u[:, a] / s[a], color=colour, lw=1.2)
        if learnt[a] is not None:
            ax.axvline(learnt[a], color=colour, lw=0.6, alpha=0.6)
    ax.axhline(result.scenario.settings.fraction, color="#888888", lw=0.6)
    finish(ax, "step k", "mode strength $u / s$",
           r"Stronger modes are learnt first, at $t \approx \ln(s/u_0)/(2s)$  (dashed: flow)", loc="lower right")
    fig.suptitle("A two-layer linear network from a small start")
    return fig
