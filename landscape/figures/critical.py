"""Figures of `landscape critical`: index against value, saturation of the search, Hessian spectra.

Each takes a critical.Survey and an optional ``ax``.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import C, COUNT_STYLE, KIND_STYLE, THEORY, drawn, new_axes, theory_line


def _title(survey, width: int = 64) -> str:
    """The landscape and its parameters, wrapped at ``width`` characters so a long parameter
    list (linear-net's) stays inside the figure."""
    import textwrap

    land = survey.landscape
    if land.name == "expression":
        return "\n".join(textwrap.wrap(f"f = {land.f}, N = {land.dim}", width))
    extra = ", ".join(f"{k}={v}" for k, v in land.params().items() if k not in ("dim", "terms"))
    return "\n".join(textwrap.wrap(f"{land.name}, N = {land.dim}" + (f" ({extra})" if extra else ""), width))


@drawn
def index_value_figure(survey, ax=None):
    """Index fraction k/m of every critical point against its value, with the mean per value bin.

    The Bray-Dean / Dauphin et al. (2014) picture: critical points at lower
    values have lower index, so low-loss saddles have few descending directions.
    """
    fig, ax = new_axes(ax, size=(6.8, 4.8))
    pts = [p for p in survey.critical.points if p.kind != "degenerate"]
    m = survey.landscape.tangent_dim
    manifolds = survey.critical.manifolds
    for i, man in enumerate(manifolds):  # each class of critical manifolds at its value and index
        style = KIND_STYLE["degenerate"]
        ax.scatter([man.value], [man.index / m], s=60, marker=style["marker"], color=style["color"],
                   edgecolor="black", linewidth=0.6, zorder=4,
                   label="manifold of critical points (its dimension beside it)" if i == 0 else None)
        ax.annotate(f"{man.dimension}", (man.value, man.index / m), xytext=(5, 3), textcoords="offset points",
                    fontsize=8)
    if not pts:
        if not manifolds:
            ax.text(0.5, 0.5, "no nondegenerate critical points found", ha="center", transform=ax.transAxes)
        else:
            ax.legend(fontsize=8, loc="upper left")
        ax.set_xlabel("value $f$ at the critical point")
        ax.set_ylabel(f"index fraction $k$ / {m}")
        ax.set_title(f"{_title(survey)}\nindex against value", fontsize=11)
        return fig
    v = np.array([p.value for p in pts])
    k = np.array([p.index for p in pts]) / m
    jitter = (np.random.default_rng(0).random(len(k)) - 0.5) * (0.6 / m)
    kinds = np.array([p.kind for p in pts])
    for kind in ("minimum", "saddle", "maximum"):
        on = kinds == kind
        if on.any():
            style = KIND_STYLE[kind]
            ax.scatter(v[on], (k + jitter)[on], s=12 if len(pts) > 300 else 26 if len(pts) > 16 else 60,
                       marker=style["marker"], color=style["color"], alpha=0.6 if len(pts) > 16 else 1.0,
                       linewidth=0, label=kind)
    edges = np.quantile(v, np.linspace(0, 1, min(12, max(2, len(v) // 8)) + 1))
    which = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    centres = np.array([v[which == b].mean() for b in range(len(edges) - 1) if np.any(which == b)])
    means = np.array([k[which == b].mean() for b in range(len(edges) - 1) if np.any(which == b)])
    if len(pts) >= 16:  # a trend needs points to average; a handful are clearer on their own
        ax.plot(centres, means, "o-", color="black", lw=1.5, ms=4, label="mean index fraction per value bin")
    if survey.expected_value_by_index is not None:
        theory_line(ax, survey.expected_value_by_index, np.arange(m + 1) / m, color=C["vermillion"],
                    label="Kac-Rice: mean value of the index-$k$ points")
    ax.set_xlabel("value $f$ at the critical point")
    ax.set_ylabel(f"index fraction $k$ / {m}  (points jittered ±{0.3 / m:.2g})")
    ax.set_ylim(-0.05, 1.05)
    on = f" and {len(manifolds)} manifold classes" if manifolds else ""
    ax.set_title(f"{_title(survey)}\nindex against value at {len(pts)} isolated critical "
                 f"point{'' if len(pts) == 1 else 's'}{on}", fontsize=11)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


@drawn
def saturation_figure(survey, ax=None):
    """Distinct critical points found against starts used, with the Chao1 estimate after each batch."""
    fig, ax = new_axes(ax, size=(6.8, 4.8))
    cs = survey.critical
    sat = cs.saturation
    ax.plot(sat.curve_starts, sat.curve_found, "-", color=COUNT_STYLE["found"]["color"], lw=1.8,
            label="distinct points found")
    est = np.array(sat.estimate)
    if not cs.manifolds:  # a continuum of critical points has no total to estimate
        ax.errorbar(sat.starts, est, yerr=[est - np.array(sat.low), np.array(sat.high) - est], fmt="s",
                    color=COUNT_STYLE["sampled"]["color"], ms=5, capsize=3, zorder=3,
                    label="Chao1 estimate of the total after each batch (95% CI)")
    if survey.expected_by_index is not None:
        total = float(np.sum(survey.expected_by_index))
        exact = survey.expected_by_index_se is not None and not np.any(survey.expected_by_index_se)
        ax.axhline(total, color="black", **THEORY,
                   label=f"exact total {total:.4g}" if exact else
                   f"expected total {total:.4g} (Kac-Rice, mean over random couplings)")
    ax.set_xscale("log")
    ax.set_xlabel("starts used")
    ax.set_ylabel("distinct critical points")
    note = f"\n{len(cs.manifolds)} classes of critical manifolds: no finite total" if cs.manifolds else ""
    ax.set_title(f"{_title(survey)}\ndistinct points against starts (search stopped: {sat.stop_reason}){note}",
                 fontsize=11)
    ax.legend(fontsize=8, loc="center right")
    ax.grid(alpha=0.3, which="both")
    return fig


def typical_saddle(points):
    """The saddle of median index, and among those the one of median value (None if no saddle)."""
    saddles = [p for p in points if p.kind == "saddle"]
    if not saddles:
        return None
    k = int(np.median([p.index for p in saddles]))
    same = sorted((p for p in saddles if p.index == k), key=lambda p: p.value) or saddles
    return same[len(same) // 2]


@drawn
def spectra_figure(survey, ax=None):
    """Hessian eigenvalues, sorted, at the lowest minimum and at a typical saddle."""
    fig, ax = new_axes(ax, size=(6.8, 4.8))
    pts = survey.critical.points
    lowest = next((p for p in pts if p.kind == "minimum"), None)
    saddle = typical_saddle(pts)
    for p, name, style in ((lowest, "lowest minimum", KIND_STYLE["minimum"]),
                           (saddle, "typical saddle", KIND_STYLE["saddle"])):
        if p is None:
            continue
        lam = np.sort(p.eigenvalues)
        ax.plot(np.arange(1, len(lam) + 1), lam, marker=style["marker"], color=style["color"], ms=6,
                lw=1, label=f"{name}: f = {p.value:.4g}, index {p.index}")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xlabel("eigenvalue number (ascending)")
    ax.set_ylabel("Hessian eigenvalue" + (" (Riemannian, tangent space)"
                                           if survey.landscape.manifold != "euclidean" else ""))
    ax.set_title(f"{_title(survey)}\nHessian spectra at two critical points", fontsize=11)
    if ax.get_legend_handles_labels()[1]:  # no point found: nothing to label
        ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


FIGURES = {"index-vs-value": index_value_figure, "saturation": saturation_figure, "spectra": spectra_figure}
