"""Figures of `landscape count-critical`: the index distribution, P(minimum), saddles per minimum.

Each takes a counting.CountResult and optional ``axes``.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from .style import COUNT_STYLE, THEORY, axes_pair, drawn, new_axes, theory_line


def _index_series(result) -> list[tuple[str, np.ndarray, np.ndarray | None, str]]:
    """(style, fractions by index, 95% half-widths or None, label) for every series of a count."""
    n = result.dim
    series = [("coin", np.array([c / 2**n for c in result.signs.by_index]), None,
               COUNT_STYLE["coin"]["label"])]
    if result.ensemble is not None:
        e = result.ensemble
        lo, hi = e.fraction_ci
        series.append(("sampled", e.fractions, np.vstack([e.fractions - lo, hi - e.fractions]),
                       f"{e.model} sampled ({e.samples} matrices, 95% CI)"))
    if result.goe is not None:
        series.append(("goe", np.asarray(result.goe.by_index), None, COUNT_STYLE["goe"]["label"]))
    if result.landscape is not None:
        lc = result.landscape
        found = np.asarray(lc.found_by_index, dtype=float)
        series.append(("found", found / max(found.sum(), 1), None,
                       f"found on {lc.landscape.name} ({int(found.sum())} points)"))
        if lc.known_by_index is not None:
            known = np.asarray(lc.known_by_index, dtype=float)
            series.append(("known", known / known.sum(), None, r"$\binom{N}{k} 2^{N-k} / 3^N$ (exact)"))
    return series


@drawn
def index_distribution_figure(result, axes=None):
    """Fraction of critical points (or Hessians) of each index k: linear and log scales."""
    fig, axes = axes_pair(axes)
    n = result.dim
    series = _index_series(result)
    k = np.arange(n + 1)
    width = 0.8 / len(series)
    for ax, log in zip(axes, (False, True)):
        for i, (style, frac, err, label) in enumerate(series):
            colour = COUNT_STYLE[style]["color"]
            if n <= 40:
                x = k - 0.4 + width * (i + 0.5)
                shown = frac if not log else np.where(frac > 0, frac, np.nan)
                ax.bar(x, shown, width, color=colour, alpha=0.85, label=label, hatch=("", "//", "..", "xx", "\\\\")[i % 5],
                       edgecolor="white", linewidth=0.3)
                if err is not None:
                    ax.errorbar(x, frac, yerr=err, fmt="none", ecolor="black", lw=0.8, capsize=2)
            else:
                ax.plot(k, frac, "-", color=colour, lw=1.4, label=label)
        ax.set_xlabel("index $k$ (number of negative Hessian eigenvalues)")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # an index is a whole number
        ax.set_ylabel("fraction" + (" (log scale)" if log else ""))
        if log:
            ax.set_yscale("log")
        ax.grid(alpha=0.3, axis="y")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(series), 3), fontsize=8)
    title = f"N = {n}: index distribution"
    if result.landscape is not None:
        title += f" of the critical points of {result.landscape.landscape.name}"
    fig.suptitle(title + " against coin flips and the GOE")
    return fig


@drawn
def p_minimum_figure(result, axes=None):
    """P(all N eigenvalues > 0) against N: coin flips 2^-N, GOE exact and sampled, exp(-theta N^2)."""
    fig, axes = axes_pair(axes)
    c = result.curves
    theta = c.theta_limit
    dims = np.asarray(c.dims, dtype=float)
    log10 = np.log10(np.e)
    ax = axes[0]
    ax.plot(dims, c.log_p_coin * log10, "-", color=COUNT_STYLE["coin"]["color"], lw=1.5,
            label="coin flips $2^{-N}$")
    ax.plot(dims, np.asarray(c.log_p_goe) * log10, "o-", color=COUNT_STYLE["goe"]["color"], ms=4,
            lw=1.2, label="GOE exact (de Bruijn Pfaffian)")
    theory_line(ax, dims, -theta * dims**2 * log10, color="black",
                label=r"$e^{-\theta N^2}$, $\theta = \ln(3)/4$")
    for n, p, lo, hi, samples in c.sampled:
        if p > 0:
            ax.errorbar(n, np.log10(p), yerr=[[np.log10(p) - np.log10(max(lo, 1e-300))],
                                               [np.log10(hi) - np.log10(p)]],
                        fmt="s", color=COUNT_STYLE["sampled"]["color"], ms=5, capsize=3)
        else:
            ax.plot(n, np.log10(hi), "v", color=COUNT_STYLE["sampled"]["color"], ms=6)
    ax.plot([], [], "s", color=COUNT_STYLE["sampled"]["color"],
            label=f"GOE sampled, {c.sampled[0][4]} matrices each (95% CI; ▼ upper bound)"
            if c.sampled else "GOE sampled")
    ax.set_xlabel("dimension $N$")
    ax.set_ylabel(r"$\log_{10} P(\mathrm{minimum})$")
    ax.set_title("Probability that a random Hessian is a minimum")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    ax = axes[1]
    ax.plot(dims, -np.asarray(c.log_p_goe) / dims**2, "o-", color=COUNT_STYLE["goe"]["color"], ms=3.5,
            label=r"GOE exact: $-\ln P / N^2$")
    ax.axhline(theta, color="black", **THEORY, label=rf"$\ln(3)/4$ = {theta:.4f}")
    ax.plot(dims, np.log(2) / dims, "-", color=COUNT_STYLE["coin"]["color"],
            label=r"coin flips: $\ln 2 / N$")
    ax.set_ylim(0, 0.75)
    ax.set_xlabel("dimension $N$")
    ax.set_ylabel(r"$-\ln P(\mathrm{minimum}) / N^2$")
    ax.set_title(rf"The rate tends to $\ln(3)/4$ (fit over $N \geq$ {int(dims[len(dims) // 2])}: "
                 rf"$\theta$ = {c.theta_fit:.5f})")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


@drawn
def saddle_ratio_figure(result, ax=None):
    """Saddles per minimum against N (log scale): coin flips, GOE, separable wells, what was found."""
    fig, ax = new_axes(ax, size=(6.8, 4.8))
    c = result.curves
    dims = np.asarray(c.dims, dtype=float)
    many = dims >= 2
    ax.plot(dims[many], 2.0 ** dims[many] - 2, "-", color=COUNT_STYLE["coin"]["color"], lw=1.5,
            label="coin flips: $(2^N - 2) / 1$")
    p = np.exp(np.asarray(c.log_p_goe))
    with np.errstate(over="ignore", divide="ignore"):
        ratio = np.where(p > 0, (1 - 2 * p) / p, np.exp(-np.asarray(c.log_p_goe)))
    ax.plot(dims[many], ratio[many], "o-", color=COUNT_STYLE["goe"]["color"], ms=3.5,
            label="GOE exact: $(1 - 2P) / P$")
    ax.plot(dims[many], (3.0 ** dims[many] - 2.0 ** dims[many] - 1) / 2.0 ** dims[many], "--",
            color=COUNT_STYLE["known"]["color"], lw=1.2,
            label="separable double wells: $(3^N - 2^N - 1) / 2^N$")
    if result.ensemble is not None and result.ensemble.by_index[0] > 0 and result.dim >= 2:
        e = result.ensemble
        ax.plot(e.dim, sum(e.by_index[1:-1]) / e.by_index[0], "s", ms=8,
                color=COUNT_STYLE["sampled"]["color"], label=f"{e.model} sampled at N = {e.dim}")
    if result.landscape is not None:
        counts = result.landscape.critical.counts
        if counts["minimum"]:
            ax.plot(result.dim, counts["saddle"] / counts["minimum"], "*", ms=14,
                    color=COUNT_STYLE["found"]["color"], markeredgecolor="black",
                    label=f"found on {result.landscape.landscape.name} at N = {result.dim}")
    ax.set_yscale("log")
    ax.set_xlabel("dimension $N$")
    ax.set_ylabel("saddles per minimum")
    ax.set_title("How much more common saddles are than minima")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3, which="both")
    return fig


FIGURES = {"index-distribution": index_distribution_figure, "p-minimum": p_minimum_figure,
           "saddle-ratio": saddle_ratio_figure}
