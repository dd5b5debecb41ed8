"""Figure of the lr-stability study: the per-step rate against eta.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import THEORY, axes_pair, cycle_colour, drawn, finish, optimizer_style


@drawn
def lr_sweep_figure(result, axes=None):
    """Left: the measured per-step rate against eta for each method, with the predicted
    bounds; GD's regimes shaded. Right: GD's loss at fractions of 2/lambda_max."""
    fig, axes = axes_pair(axes, size=(12, 4.8))
    ax = axes[0]
    regime_colour = {"monotone": "#d4ebf7", "oscillating": "#f7f0b5", "diverging": "#f3c9a6",
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
        style = optimizer_style(method)
        ax.plot(sw.eta, np.minimum(sw.rate, 2), color=style["color"], ls=style["ls"], lw=1.6,
                label=f"{method}" + (rf" ($\beta$ = {beta:g})" if method != "gd" else ""))
        ax.axvline(pred, color=style["color"], **{**THEORY, "lw": 1.1})
        ax.text(pred, 1.93, f" {pred:.3g}", color=style["color"], fontsize=8, va="top")
    ax.axhline(1, color="#444444", lw=0.8)
    ax.set_ylim(0, 2)
    ax.set_xlim(0, right)
    ax.set_xlabel(r"step size $\eta$")
    ax.set_ylabel(r"measured rate $(|x_K - x^*| / |x_{K/2} - x^*|)^{2/K}$  (clipped at 2)")
    ax.set_title(r"Dashed: predicted bounds $2/\lambda_{\max}$, $2(1+\beta)/\lambda_{\max}$, "
                 r"$2(1+\beta)/((1+2\beta)\lambda_{\max})$", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax = axes[1]
    c = result.curves
    bound = 2 / result.eigenvalues.max()
    for j, eta in enumerate(c.eta):
        loss = c.loss[:, j]
        ax.plot(np.arange(len(loss)), np.where(loss > 0, loss, np.nan), lw=1.6, color=cycle_colour(j),
                ls=("-", "--", ":", "-.")[j % 4], label=rf"$\eta$ = {eta / bound:.2f} × $2/\lambda_{{\max}}$: {c.regime[j]}")
    finish(ax, "step k", "$f(x_k) - f(x^*)$", "GD's loss: below the bound it converges, above it diverges",
           logy=True)
    fig.suptitle(rf"Step size against stability on a quadratic, $\lambda$ = {', '.join(f'{v:g}' for v in result.eigenvalues)}")
    return fig
