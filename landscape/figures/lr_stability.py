"""Figure of the lr-stability study: the per-step rate against eta.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import axes_pair, finish, optimizer_colour


def lr_sweep_figure(result, axes=None):
    """Left: the measured per-step rate against eta for each method, with the predicted
    bounds; GD's regimes shaded. Right: GD's loss at fractions of 2/lambda_max."""
    fig, axes = axes_pair(axes, size=(12, 4.8))
    ax = axes[0]
    regime_colour = {"monotone": "#d9f0d3", "oscillating": "#fee08b", "diverging": "#f4a582",
                     "boundary": "#ffffff"}
    right = max(sw.eta.max() for _, _, sw, _, _ in result.sweeps)
    for method, beta, sw, meas, pred in result.sweeps:
        if method == "gd":
            eta = np.append(sw.eta, right)
            regime = np.append(sw.regime, sw.regime[-1])  # GD diverges beyond its own grid too
            for reg, colour in regime_colour.items():
                on = regime == reg
                if on.any():
                    ax.fill_between(eta, 0, 2, where=on, color=colour, alpha=0.6, lw=0,
                                    label=f"GD {reg}")
        ax.plot(sw.eta, np.minimum(sw.rate, 2), "-", color=optimizer_colour(method), lw=1.4,
                label=f"{method}" + (f" (β = {beta:g})" if method != "gd" else ""))
        ax.axvline(pred, color=optimizer_colour(method), ls="--", lw=1)
        ax.text(pred, 1.93, f" {pred:.3g}", color=optimizer_colour(method), fontsize=8, va="top")
    ax.axhline(1, color="#444444", lw=0.8)
    ax.set_ylim(0, 2)
    ax.set_xlim(0, right)
    ax.set_xlabel("step size η")
    ax.set_ylabel("measured rate (|x_K - x*| / |x_{K/2} - x*|)^(2/K)  (clipped at 2)")
    ax.set_title("Dashed: predicted bounds 2/λ_max, 2(1+β)/λ_max, 2(1+β)/((1+2β)λ_max)", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    c = result.curves
    bound = 2 / result.eigenvalues.max()
    for j, eta in enumerate(c.eta):
        loss = c.loss[:, j]
        ax.plot(np.arange(len(loss)), np.where(loss > 0, loss, np.nan), lw=1.4,
                label=f"η = {eta / bound:.2f} × 2/λ_max: {c.regime[j]}")
    finish(ax, "step k", "f(x_k) - f(x*)", "GD's loss: below the bound it converges, above it diverges", logy=True)
    fig.suptitle(f"Step size against stability on a quadratic, λ = {', '.join(f'{v:g}' for v in result.eigenvalues)}")
    return fig
