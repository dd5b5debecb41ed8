"""Figures of the dropout-noise study: the noise statistics, escape from the symmetric saddle.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import C, axes_pair, axes_row, cycle_colour, drawn, finish, theory_line


@drawn
def dropout_statistics_figure(result, axes=None):
    """Left: Var[h~] against p, measured and 1/(2(1-p)) - 1/(2 pi) (the mean, 1/sqrt(2 pi), inset
    in the title). Middle: kept units among M, against Binomial and Poisson. Right: the distance
    from Binomial(M, rate/M) to Poisson(rate) against M, under its bound."""
    fig, axes = axes_row(axes, 3, (15, 4.6))
    d = result.to_dict()
    ax = axes[0]
    ps = np.array([r["p"] for r in d["sweep"]])
    grid = np.linspace(0, max(ps.max(), 0.9), 200)
    ax.errorbar(ps, [r["variance_measured"] for r in d["sweep"]], yerr=[2 * r["variance_se"] for r in d["sweep"]],
                fmt="o", color=C["black"], ms=5, capsize=3, zorder=3, label="measured (± 2 s.e.)")
    theory_line(ax, grid, 1 / (2 * (1 - grid)) - 1 / (2 * np.pi), color=C["vermillion"],
                label=r"$1/(2(1-p)) - 1/(2\pi)$")
    worst = max(abs(r["mean_measured"] - r["mean_predicted"]) / r["mean_se"] for r in d["sweep"])
    finish(ax, "drop probability $p$", r"Var$[\tilde h]$",
           rf"ReLU($z$) after dropout; mean $1/\sqrt{{2\pi}}$ within {worst:.1f} s.e.", loc="upper left")
    ax = axes[1]
    kp = d["kept_units"]
    k = np.arange(len(kp["counts"]))
    ax.bar(k, np.asarray(kp["counts"]) / kp["draws"], color="#999999", width=1.0, label=f"{kp['draws']} masks")
    ax.plot(k, kp["binomial_pmf"], "-", color=C["vermillion"], lw=2.2, alpha=0.8, zorder=3,
            label=f"Binomial({kp['units']}, {1 - kp['p']:g})")
    theory_line(ax, k, kp["poisson_pmf"], color=C["blue"], label=f"Poisson({kp['mean_predicted']:g})")
    keep = np.flatnonzero(np.asarray(kp["binomial_pmf"]) > 1e-4)
    ax.set_xlim(keep[0] - 1, keep[-1] + 1)
    finish(ax, f"units kept of $M$ = {kp['units']}", "probability", rf"$\chi^2$ p-value {kp['chi2_pvalue']:.2f}")
    ax = axes[2]
    M = np.array([r["units"] for r in d["poisson"]])
    ax.loglog(M, [r["total_variation"] for r in d["poisson"]], "o-", color=C["black"], lw=1.4, zorder=3,
              label=r"$d_{TV}$ (exact)")
    theory_line(ax, M, [r["bound"] for r in d["poisson"]], color=C["vermillion"],
                label=r"bound $(1 - e^{-\lambda})\,\lambda/M$")
    finish(ax, r"units $M$ (keep probability $\lambda/M$)", "total variation",
           rf"Binomial($M$, $\lambda/M$) → Poisson($\lambda$), $\lambda$ = {d['poisson'][0]['rate']:g}", logy=False)
    fig.suptitle(f"{result.scenario.name}: inverted dropout's statistics")
    return fig


@drawn
def dropout_escape_figure(result, axes=None):
    """Loss and asymmetry between the hidden units per step from starts with identical units:
    GD keeps them identical and stalls at the symmetric saddle; dropout's masks break the tie."""
    fig, axes = axes_pair(axes, size=(12, 4.8))
    cfg = result.scenario.settings
    k = np.arange(result.loss.shape[-1])
    labels = ["GD"] + [f"GD + dropout $p$ = {p:g}" for p in cfg.escape_ps]
    colours = [C["black"]] + [cycle_colour(i) for i in range(len(cfg.escape_ps))]
    for i, (label, colour) in enumerate(zip(labels, colours)):
        for r in range(result.loss.shape[1]):
            axes[0].plot(k, result.loss[i, r], "-", color=colour, lw=0.8, alpha=0.5, label=label if r == 0 else None)
            if i:  # from step 1: the start is symmetric (0)
                axes[1].loglog(k[1:], result.asym[i, r, 1:], "-", color=colour, lw=0.8, alpha=0.5,
                               label=label if r == 0 else None)
    axes[0].axhline(cfg.level, color="#888888", lw=0.7, ls="--")
    finish(axes[0], "step", "loss (dropout off)",
            "Identical hidden units: GD stalls at the symmetric saddle, dropout leaves it", loc="center right")
    finish(axes[1], "step (log)", "asymmetry between hidden units (log)",
            "GD's stays exactly 0 (not drawn); dropout's grows", loc="lower right")
    fig.suptitle(f"{result.scenario.name}: dropout noise and a saddle made by symmetry")
    return fig
