"""Figures: the only module that imports matplotlib (lazily, with the Agg backend).

Each function takes a result and an optional ``ax`` and returns the Figure, so
a user can place it in a grid of their own or save it as it is.
"""

from __future__ import annotations

import numpy as np

KIND_STYLE = {
    "minimum": dict(marker="o", color="#1a9850", label="minimum"),
    "saddle": dict(marker="X", color="#f46d43", label="saddle"),
    "maximum": dict(marker="^", color="#a50026", label="maximum"),
    "degenerate": dict(marker="D", color="#7f7f7f", label="degenerate"),
}


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "landscape"
    return plt


def _axes(ax, size=(6.4, 4.8)):
    plt = _plt()
    if ax is None:
        fig, ax = plt.subplots(figsize=size, layout="constrained")
    return ax.figure, ax


def _axes_pair(axes, size=(11, 4.4)):
    """Two side-by-side axes (a new figure unless the caller gives them)."""
    if axes is None:
        _, axes = _plt().subplots(1, 2, figsize=size, layout="constrained")
    return axes[0].figure, axes


def mark_critical_points(ax, points) -> None:
    """Scatter critical points with one marker and colour per kind."""
    for kind, style in KIND_STYLE.items():
        xy = np.array([p.x for p in points if p.kind == kind]).reshape(-1, 2)
        if len(xy):
            ax.scatter(xy[:, 0], xy[:, 1], s=70, edgecolor="black", linewidth=0.8, zorder=5,
                       **style)


def contour(landscape, domain, ax=None, resolution: int = 240):
    """Filled contours of a 2-D landscape over ``domain``; levels at quantiles of f,
    so steep functions (Rosenbrock, Müller-Brown) still show their basins."""
    fig, ax = _axes(ax)
    (x0, x1), (y0, y1) = domain
    X, Y = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    Z = landscape.value(np.stack([X, Y], axis=-1))
    levels = np.unique(np.quantile(Z, np.linspace(0, 1, 31)))
    filled = ax.contourf(X, Y, Z, levels=levels, cmap="viridis")
    filled.set_rasterized(True)  # keeps SVG and PDF small; lines and markers stay vector
    ax.contour(X, Y, Z, levels=levels, colors="white", linewidths=0.3, alpha=0.6)
    fig.colorbar(filled, ax=ax, label="f(x)  (levels at quantiles)", format="%.3g",
                 ticks=levels[::5])
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    return fig


def _run_series(result):
    """(colour, run record, trajectory, batch column) for every run, in results order."""
    colors = _plt().get_cmap("tab10")
    columns = [(traj, b) for _, traj in result.trajectories for b in range(traj.x.shape[1])]
    for i, (run, (traj, b)) in enumerate(zip(result.runs, columns)):
        yield colors(i % 10), run, traj, b


def _start_label(run) -> str:
    return f"start ({', '.join(f'{v:.3g}' for v in run.start)}) → {run.outcome}"


def landscape_figure(result, ax=None):
    """Contours, critical points by kind, and every run's path from its start."""
    fig = contour(result.landscape, result.critical.domain, ax=ax)
    ax = fig.axes[0] if ax is None else ax
    for c, run, traj, b in _run_series(result):
        path = traj.x[:, b]
        path = path[np.all(np.isfinite(path), axis=-1)]
        ax.plot(path[:, 0], path[:, 1], "-", color=c, lw=1.6, zorder=3, label=_start_label(run))
        ax.plot(path[::10, 0], path[::10, 1], ".", color=c, ms=3, zorder=3)
        ax.plot(*path[0], "o", color=c, mec="white", ms=6, zorder=4)
    mark_critical_points(ax, result.critical.points)
    eta = result.theory.get("eta")
    title = f"{result.landscape.name}: critical points and GD paths"
    ax.set_title(title + (f" (η = {eta:g})" if eta else ""))
    ax.legend(fontsize=7, loc="lower left", framealpha=0.85)
    return fig


def eigen_components_figure(result, ax=None, eps_shown: float = 1e-6):
    """|y_i(k)| along each eigenvector of H at the saddle: measured (solid) and
    (1 - eta lambda_i)^k |y_i(0)| (dashed), for the sweep start nearest eps_shown."""
    fig, ax = _axes(ax)
    sweep, ref = result.sweep, result.reference
    j = int(np.argmin(np.abs(np.log(sweep.eps / eps_shown))))
    x = sweep.trajectory.x[:, j]
    ok = np.all(np.isfinite(x), axis=-1)
    y = (x[ok] - ref.x) @ result.eigenvectors
    k = sweep.trajectory.at[ok]  # the step of each stored row (every step unless thinned)
    lam, eta = result.theory["centre_eigenvalues"], result.theory["eta"]
    esc = sweep.escape_step[j]
    shown = len(y) if esc < 0 else int(np.searchsorted(k, int(1.6 * esc) + 20))
    y, k = y[:shown], k[:shown]
    from .theory import linearised_iterate

    lin = linearised_iterate(lam, sweep.y0[j], eta, k)
    colors = ["#d73027", "#4575b4", "#1a9850", "#984ea3"]
    for i, l in enumerate(lam):
        c = colors[i % len(colors)]
        ax.semilogy(k, np.abs(y[:, i]), "-", color=c, lw=2,
                    label=f"measured $|y_{i + 1}|$, λ = {l:+.3g}")
        ax.semilogy(k, np.abs(lin[:, i]), "--", color=c, lw=1.2,
                    label=f"theory $(1-ηλ)^k |y_{i + 1}(0)|$, factor {1 - eta * l:.3g}")
    ax.axhline(result.scenario.radius, color="grey", lw=0.8, ls=":")
    ax.text(0.99 * k[-1], result.scenario.radius, f"radius r = {result.scenario.radius:g}",
            va="bottom", ha="right", fontsize=8, color="grey")
    if esc >= 0:
        ax.axvline(esc, color="black", lw=0.8, ls=":")
        ax.text(esc, ax.get_ylim()[0], f" escape step {esc}", rotation=90, va="bottom",
                fontsize=8)
    ax.set_ylim(max(np.abs(y[y != 0]).min() / 10, 1e-30), 10)
    ax.set_xlim(0, max(k[-1], 1))
    ax.set_xlabel("step k")
    ax.set_ylabel("|component| in the eigenbasis of H at the saddle")
    ax.set_title(f"Eigen-components from ε = {sweep.eps[j]:.0e} (η = {eta:g})")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def loss_figure(result, ax=None):
    """f(x_k) against k for every run: the plateau at the saddle's value, then the drop."""
    fig, ax = _axes(ax)
    for c, run, traj, b in _run_series(result):
        ax.plot(traj.at, traj.value[:, b], color=c, lw=1.6, label=_start_label(run))
        if run.escape_step is not None:
            ax.plot(run.escape_step, traj.value[traj.row(run.escape_step), b], "o", color=c, mec="black", ms=5)
    values = {}
    for p in result.critical.points:
        values.setdefault((p.kind, round(p.value, 10)), p.value)
    for (kind, _), v in values.items():
        ax.axhline(v, color=KIND_STYLE[kind]["color"], lw=0.8, ls=":")
        ax.text(ax.get_xlim()[1], v, f"{kind}: f = {v:.3g} ", va="bottom", ha="right",
                fontsize=8, color=KIND_STYLE[kind]["color"])
    if result.reference is not None:
        # zoom on the plateau: from just below the lowest minimum to above the saddle's value
        low = min(v for (kind, _), v in values.items() if kind == "minimum") \
            if any(kind == "minimum" for kind, _ in values) else np.nanmin(result.trajectories[0][1].value)
        top = result.reference.value
        span = max(top - low, 1e-12)
        ax.set_ylim(low - 0.1 * span, top + 0.6 * span)
    ax.set_xlabel("step k")
    ax.set_ylabel("f(x_k)")
    ax.set_title("Loss: plateau at the saddle, then the drop (dots: escape step)", fontsize=11)
    ax.legend(fontsize=7, loc="upper right")
    return fig


def escape_figure(result, ax=None):
    """Measured escape step against ln(1/eps), with the prediction
    k* = ln(r/eps) / ln|1 - eta lambda_min| (slope 1/ln(1 + eta |lambda_min|))."""
    fig, ax = _axes(ax)
    sweep = result.sweep
    u = np.log(1.0 / sweep.eps)
    grid = np.linspace(0, u.max() * 1.05, 100)
    r = result.scenario.radius
    ax.plot(grid, (np.log(r) + grid) * sweep.slope, "-", color="#4575b4", lw=1.5,
            label=f"predicted k* = ln(r/ε)·{sweep.slope:.3g}  (slope 1/ln(1+η|λ_min|))")
    ok = sweep.escape_step >= 0
    ax.plot(u[ok], sweep.escape_step[ok], "o", color="#d73027", ms=6, label="measured escape step")
    ax.set_xlabel("ln(1/ε)   (ε: start's distance from the stable manifold)")
    ax.set_ylabel("steps to leave the ball of radius r")
    ax.set_title(f"Escape time grows like ln(1/ε) (r = {r:g}, η = {result.theory['eta']:g})")
    ax.set_xlim(0, grid[-1])
    ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


COUNT_STYLE = {
    "coin": dict(color="#7f7f7f", label="coin flips C(N,k)/2^N"),
    "sampled": dict(color="#4575b4", label="sampled"),
    "goe": dict(color="#d73027", label="GOE exact"),
    "found": dict(color="#1a9850", label="found"),
    "known": dict(color="#000000", label="known exactly"),
}


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
            series.append(("known", known / known.sum(), None, "C(N,k) 2^(N-k) / 3^N (exact)"))
    return series


def index_distribution_figure(result, axes=None):
    """Fraction of critical points (or Hessians) of each index k: linear and log scales."""
    fig, axes = _axes_pair(axes)
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
                ax.bar(x, shown, width, color=colour, alpha=0.85, label=label)
                if err is not None:
                    ax.errorbar(x, frac, yerr=err, fmt="none", ecolor="black", lw=0.8, capsize=2)
            else:
                ax.plot(k, frac, "-", color=colour, lw=1.4, label=label)
        ax.set_xlabel("index k (number of negative Hessian eigenvalues)")
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


def p_minimum_figure(result, axes=None):
    """P(all N eigenvalues > 0) against N: coin flips 2^-N, GOE exact and sampled, exp(-theta N^2)."""
    from .counting import THETA_GOE

    fig, axes = _axes_pair(axes)
    c = result.curves
    dims = np.asarray(c.dims, dtype=float)
    log10 = np.log10(np.e)
    ax = axes[0]
    ax.plot(dims, c.log_p_coin * log10, "-", color=COUNT_STYLE["coin"]["color"], lw=1.5,
            label="coin flips 2^-N")
    ax.plot(dims, np.asarray(c.log_p_goe) * log10, "o-", color=COUNT_STYLE["goe"]["color"], ms=3.5,
            lw=1.2, label="GOE exact (de Bruijn Pfaffian)")
    ax.plot(dims, -THETA_GOE * dims**2 * log10, "--", color="black", lw=1,
            label="exp(-θN²), θ = ln(3)/4")
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
    ax.set_xlabel("dimension N")
    ax.set_ylabel("log10 P(minimum)")
    ax.set_title("Probability that a random Hessian is a minimum")
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    ax = axes[1]
    ax.plot(dims, -np.asarray(c.log_p_goe) / dims**2, "o-", color=COUNT_STYLE["goe"]["color"], ms=3.5,
            label="GOE exact: -ln P / N²")
    ax.axhline(THETA_GOE, color="black", ls="--", lw=1, label=f"ln(3)/4 = {THETA_GOE:.4f}")
    ax.plot(dims, np.log(2) / dims, "-", color=COUNT_STYLE["coin"]["color"],
            label="coin flips: ln 2 / N")
    ax.set_ylim(0, 0.75)
    ax.set_xlabel("dimension N")
    ax.set_ylabel("-ln P(minimum) / N²")
    ax.set_title(f"The rate tends to ln(3)/4 (fit over N ≥ {int(dims[len(dims) // 2])}: "
                 f"θ = {c.theta_fit:.5f})")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def saddle_ratio_figure(result, ax=None):
    """Saddles per minimum against N (log scale): coin flips, GOE, separable wells, what was found."""
    fig, ax = _axes(ax, size=(6.8, 4.8))
    c = result.curves
    dims = np.asarray(c.dims, dtype=float)
    many = dims >= 2
    ax.plot(dims[many], 2.0 ** dims[many] - 2, "-", color=COUNT_STYLE["coin"]["color"], lw=1.5,
            label="coin flips: (2^N - 2) / 1")
    p = np.exp(np.asarray(c.log_p_goe))
    with np.errstate(over="ignore", divide="ignore"):
        ratio = np.where(p > 0, (1 - 2 * p) / p, np.exp(-np.asarray(c.log_p_goe)))
    ax.plot(dims[many], ratio[many], "o-", color=COUNT_STYLE["goe"]["color"], ms=3.5,
            label="GOE exact: (1 - 2P) / P")
    ax.plot(dims[many], (3.0 ** dims[many] - 2.0 ** dims[many] - 1) / 2.0 ** dims[many], "-",
            color=COUNT_STYLE["known"]["color"], lw=1,
            label="separable double wells: (3^N - 2^N - 1) / 2^N")
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
    ax.set_xlabel("dimension N")
    ax.set_ylabel("saddles per minimum")
    ax.set_title("How much more common saddles are than minima")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3, which="both")
    return fig


COUNT_FIGURES = {
    "index-distribution": index_distribution_figure,
    "p-minimum": p_minimum_figure,
    "saddle-ratio": saddle_ratio_figure,
}


def _title(survey) -> str:
    land = survey.landscape
    extra = ", ".join(f"{k}={v}" for k, v in land.params().items() if k not in ("dim", "terms"))
    return f"{land.name}, N = {land.dim}" + (f" ({extra})" if extra else "")


def index_value_figure(survey, ax=None):
    """Index fraction k/m of every critical point against its value, with the mean per value bin.

    The Bray-Dean / Dauphin et al. (2014) picture: critical points at lower
    values have lower index, so low-loss saddles have few descending directions.
    """
    fig, ax = _axes(ax, size=(6.8, 4.8))
    pts = [p for p in survey.critical.points if p.kind != "degenerate"]
    m = survey.landscape.tangent_dim
    if not pts:
        ax.text(0.5, 0.5, "no nondegenerate critical points found", ha="center", transform=ax.transAxes)
        return fig
    v = np.array([p.value for p in pts])
    k = np.array([p.index for p in pts]) / m
    jitter = (np.random.default_rng(0).random(len(k)) - 0.5) * (0.6 / m)
    colours = [KIND_STYLE[p.kind]["color"] for p in pts]
    ax.scatter(v, k + jitter, s=10 if len(pts) > 300 else 22, c=colours, alpha=0.55, linewidth=0)
    edges = np.quantile(v, np.linspace(0, 1, min(12, max(2, len(v) // 8)) + 1))
    which = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    centres = np.array([v[which == b].mean() for b in range(len(edges) - 1) if np.any(which == b)])
    means = np.array([k[which == b].mean() for b in range(len(edges) - 1) if np.any(which == b)])
    ax.plot(centres, means, "o-", color="black", lw=1.5, ms=4, label="mean index fraction per value bin")
    if survey.expected_value_by_index is not None:
        ax.plot(survey.expected_value_by_index, np.arange(m + 1) / m, "--", color="#4575b4", lw=1.5,
                label="Kac-Rice: mean value of the index-k points")
    for kind in ("minimum", "saddle", "maximum"):
        if any(p.kind == kind for p in pts):
            ax.scatter([], [], s=22, color=KIND_STYLE[kind]["color"], label=kind)
    ax.set_xlabel("value f at the critical point")
    ax.set_ylabel(f"index fraction k / {m}")
    ax.set_ylim(-0.05, 1.05)
    ax.set_title(f"{_title(survey)}\nindex against value at {len(pts)} critical points", fontsize=11)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


def saturation_figure(survey, ax=None):
    """Distinct critical points found against starts used, with the Chao1 estimate after each batch."""
    fig, ax = _axes(ax, size=(6.8, 4.8))
    cs = survey.critical
    sat = cs.saturation
    ax.plot(sat.curve_starts, sat.curve_found, "-", color=COUNT_STYLE["found"]["color"], lw=1.8,
            label="distinct points found")
    est = np.array(sat.estimate)
    ax.errorbar(sat.starts, est, yerr=[est - np.array(sat.low), np.array(sat.high) - est], fmt="s",
                color=COUNT_STYLE["sampled"]["color"], ms=4, capsize=3,
                label="Chao1 estimate of the total after each batch (95% CI)")
    if survey.expected_by_index is not None:
        total = float(np.sum(survey.expected_by_index))
        exact = survey.expected_by_index_se is not None and not np.any(survey.expected_by_index_se)
        ax.axhline(total, color="black", ls="--", lw=1,
                   label=f"exact total {total:.4g}" if exact else
                   f"expected total {total:.4g} (Kac-Rice, mean over random couplings)")
    ax.set_xscale("log")
    ax.set_xlabel("starts used")
    ax.set_ylabel("distinct critical points")
    ax.set_title(f"{_title(survey)}\ndistinct points against starts (search stopped: {sat.stop_reason})",
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


def spectra_figure(survey, ax=None):
    """Hessian eigenvalues, sorted, at the lowest minimum and at a typical saddle."""
    fig, ax = _axes(ax, size=(6.8, 4.8))
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
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


CRITICAL_FIGURES = {
    "index-vs-value": index_value_figure,
    "saturation": saturation_figure,
    "spectra": spectra_figure,
}


SCENARIO_FIGURES = {
    "landscape": landscape_figure,
    "eigen-components": eigen_components_figure,
    "loss": loss_figure,
    "escape": escape_figure,
}

# --- studies ------------------------------------------------------------------------

OPTIMIZER_COLOURS = {
    "gd": "#000000", "heavy-ball": "#1f77b4", "nesterov": "#17becf", "perturbed-gd": "#d62728",
    "noisy-gd": "#ff7f0e", "dropout-gd": "#bcbd22", "newton": "#7f7f7f", "saddle-free-newton": "#2ca02c",
    "negative-curvature": "#9467bd", "adam": "#e377c2",
}


def _colour(name: str) -> str:
    return OPTIMIZER_COLOURS.get(name, "#8c564b")


def _finish(ax, xlabel: str, ylabel: str, title: str, *, logy: bool = False, legend: int | None = 8,
            loc: str = "best") -> None:
    """Labels, a size-10 title, an optional log y axis, the legend and a light grid."""
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    if legend:
        ax.legend(fontsize=legend, loc=loc)
    ax.grid(alpha=0.3, which="both" if logy else "major")


def escape_times_figure(result, axes=None):
    """Median escape step against ln(1/eps), one panel per landscape and one line per
    optimizer; dashed: the linearised prediction of each linear method."""
    plt = _plt()
    cases = result.cases
    if axes is None:
        _, axes = plt.subplots(1, len(cases), figsize=(5.2 * len(cases), 5.4), layout="constrained",
                               squeeze=False)
        axes = axes[0]
    names = [o.name for o in result.scenario.optimizers]
    for ax, case in zip(axes, cases):
        rows = [m for m in result.medians if m["landscape"] == case.label]
        stuck = []
        for name in names:
            mine = [m for m in rows if m["optimizer"] == name]
            u = np.log(1 / np.array([m["eps"] for m in mine]))
            k = np.array([np.nan if m["median_escape_step"] is None else m["median_escape_step"] for m in mine])
            if np.all(np.isnan(k)):
                stuck.append(name)
                continue
            ax.plot(u, k, "o-", color=_colour(name), ms=4, lw=1.2, label=name)
            pred = [m["predicted_escape_step"] for m in mine]
            if all(p is not None for p in pred):
                ax.plot(u, pred, "--", color=_colour(name), lw=1, alpha=0.8)
        if stuck:
            ax.text(0.03, 0.97, "never escape (converge to the saddle):\n" + ", ".join(stuck),
                    transform=ax.transAxes, va="top", fontsize=8,
                    bbox=dict(boxstyle="round", fc="white", ec="#999999"))
        ax.set_title(case.label, fontsize=10)
        ax.set_xlabel("ln(1/ε)")
        ax.set_ylim(0, None)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("median steps to leave the ball around the saddle")
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(plt.Line2D([], [], ls="--", color="#555555"))
    labels.append("linearised prediction")
    axes[0].figure.legend(handles, labels, loc="outside lower center", ncol=6, fontsize=8)
    axes[0].figure.suptitle("Escape from a saddle: plain GD pays ln(1/ε)/ln(1+η|λ_min|); "
                            "momentum, curvature and noise pay less; Newton never leaves")
    return axes[0].figure


def escape_sweeps_figure(result, axes=None):
    """Escape steps of GD, heavy ball and Nesterov against eta, |lambda_min| and the
    dimension (measured markers, predicted lines), and GD's stall against ln(1/eps)."""
    plt = _plt()
    if axes is None:
        _, axes = plt.subplots(2, 2, figsize=(11, 8.4), layout="constrained")
        axes = axes.ravel()
    sw = result.sweeps
    methods = ("gd", "heavy-ball", "nesterov")
    for ax, key, col, xlabel in ((axes[0], "eta_sweep", "eta", "step size η"),
                                 (axes[1], "lambda_sweep", "lambda_min", "|λ_min|")):
        for m in methods:
            rows = sorted((r for r in sw[key] if r["optimizer"] == m), key=lambda r: abs(r[col]))
            x = np.abs([r[col] for r in rows])
            ax.plot(x, [r["predicted_escape_step"] for r in rows], "-", color=_colour(m), lw=1.2)
            ax.plot(x, [np.nan if r["escape_step"] is None else r["escape_step"] for r in rows], "o",
                    color=_colour(m), ms=5, label=m)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("escape step")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_title(f"against η (λ_min = -1, ε = {sw['eps']:g})", fontsize=10)
    axes[1].set_title(f"against |λ_min| (η = {sw['eta']:g}, ε = {sw['eps']:g})", fontsize=10)
    axes[0].legend(fontsize=8, title="markers: measured; lines: predicted", title_fontsize=8)
    ax = axes[2]
    dims = [r["dim"] for r in sw["dim_sweep"]]
    for m, meas, pred in (("gd", "gd_median_escape_step", "gd_predicted_median"),
                          ("heavy-ball", "heavy_ball_median_escape_step", "heavy_ball_predicted_median")):
        ax.plot(dims, [r[pred] for r in sw["dim_sweep"]], "-", color=_colour(m), lw=1.2)
        ax.plot(dims, [np.nan if r[meas] is None else r[meas] for r in sw["dim_sweep"]], "o",
                color=_colour(m), ms=5, label=m + (" (closed form, no iteration)" if m == "gd" else ""))
    ax.set_xscale("log")
    _finish(ax, "dimension n", "median escape step",
            f"against dimension: starts uniform on a sphere of radius {sw['eps']:g};\n"
            "the unstable component shrinks like 1/√n, so k* grows like ln(n)/(2 ln(1+η|λ|))")
    ax.grid(alpha=0.3, which="both")
    ax = axes[3]
    for i, case in enumerate(result.cases):
        runs = [r for r in result.runs if r["landscape"] == case.label and r["optimizer"] == "gd"]
        eps = np.array([r["eps"] for r in runs])
        meas = np.array([r["stall_steps"] for r in runs], dtype=float)
        pred = np.array([r["predicted_stall_steps"] for r in runs], dtype=float)
        levels = np.unique(eps)[::-1]
        u = np.log(1 / levels)
        colour = plt.cm.viridis(i / max(len(result.cases) - 1, 1) * 0.85)
        ax.plot(u, [np.median(pred[eps == e]) for e in levels], "-", color=colour, lw=1.2)
        ax.plot(u, [np.median(meas[eps == e]) for e in levels], "o", color=colour, ms=5, label=case.label)
    _finish(ax, "ln(1/ε)", f"GD's stall: steps with |∇f| < {result.scenario.settings.stall_threshold:g}",
            "stall length (markers: measured medians; lines: the linear model)")
    axes[0].figure.suptitle("What sets the escape time: η, |λ_min|, dimension and ε")
    return axes[0].figure


def escape_curves_figure(result, ax=None):
    """Distance from the stable manifold, |v_u . (x_k - p)|, against step for every
    optimizer from the same start on the 2-D landscape (log scale): a straight line
    of slope ln(1 + eta|lambda_min|) for GD, steeper with momentum, a kick for the
    perturbed methods, and a collapse onto the saddle for Newton."""
    case = next(c for c in result.cases if c.landscape.dim == 2)
    fig, ax = _axes(ax, size=(8, 5.4))
    v = case.eigenvectors[:, int(np.argmin(case.eigenvalues))]
    r = result.scenario.settings.radius
    gd = next((o for o in result.scenario.optimizers if o.name == "gd"), None)
    longest = 0
    for name, xs in result.paths:
        y = np.abs((xs - case.saddle) @ v)
        out = np.flatnonzero(np.linalg.norm(xs - case.saddle, axis=-1) > r)
        stop = min(out[0] + 15 if len(out) else len(y), len(y))
        if len(out):
            longest = max(longest, stop)
        ax.plot(np.arange(stop), np.maximum(y[:stop], 1e-300), "-", color=_colour(name), lw=1.4, label=name)
    y0 = abs(float((result.paths[0][1][0] - case.saddle) @ v))
    if gd is not None:
        k = np.arange(longest)
        from .studies.common import settings_of

        pred = y0 * (1 + settings_of(gd, "eta", 0.1) * abs(case.eigenvalues.min())) ** k
        ax.plot(k[pred < 3 * r], pred[pred < 3 * r], "--", color="#555555", lw=1, label="ε (1 + η|λ_min|)^k")
    ax.axhline(r, color="#999999", lw=0.8)
    ax.text(longest, r * 1.6, f"ball radius r = {r:g} ", fontsize=8, color="#555555", ha="right")
    ax.set_yscale("log")
    ax.set_ylim(y0 * 1e-4, 10)
    ax.set_xlim(0, longest)
    ax.set_xlabel("step k")
    ax.set_ylabel("distance from the stable manifold |y_u(k)|")
    ax.set_title(f"{case.label}: every optimizer from the same start, ε = {y0:.0e}\n"
                 "(Newton's line falls off the bottom: it converges to the saddle)", fontsize=10)
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    ax.grid(alpha=0.3, which="both")
    return fig


def lr_sweep_figure(result, axes=None):
    """Left: the measured per-step rate against eta for each method, with the predicted
    bounds; GD's regimes shaded. Right: GD's loss at fractions of 2/lambda_max."""
    fig, axes = _axes_pair(axes, size=(12, 4.8))
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
        ax.plot(sw.eta, np.minimum(sw.rate, 2), "-", color=_colour(method), lw=1.4,
                label=f"{method}" + (f" (β = {beta:g})" if method != "gd" else ""))
        ax.axvline(pred, color=_colour(method), ls="--", lw=1)
        ax.text(pred, 1.93, f" {pred:.3g}", color=_colour(method), fontsize=8, va="top")
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
    _finish(ax, "step k", "f(x_k) - f(x*)", "GD's loss: below the bound it converges, above it diverges", logy=True)
    fig.suptitle(f"Step size against stability on a quadratic, λ = {', '.join(f'{v:g}' for v in result.eigenvalues)}")
    return fig


def _percentile(a: np.ndarray, q: float) -> float:
    """The q-th percentile of the entries that are not NaN; NaN (nothing drawn) when there are none."""
    a = a[~np.isnan(a)]
    return float(np.percentile(a, q)) if a.size else np.nan


def chain_figure(result, axes=None):
    """Left: steps to the minimum against d (log scale), measured median with the
    quartiles, and GD's linearised recursion. Middle, right: |x_i| of one run at show_dim."""
    plt = _plt()
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 4.8), layout="constrained")
    ax = axes[0]
    names = [o.name for o in result.scenario.optimizers]
    for name in names:
        rows = [r for r in result.chain if r["optimizer"] == name]
        d = np.array([r["d"] for r in rows])
        allk = [np.array([np.nan if k is None else k for k in r["steps_all"]], dtype=float) for r in rows]
        med = np.array([np.nan if r["steps"] is None else r["steps"] for r in rows])
        lo = med - np.array([_percentile(a, 25) for a in allk])
        hi = np.array([_percentile(a, 75) for a in allk]) - med
        ax.errorbar(d, med, yerr=[lo, hi], fmt="o", color=_colour(name), ms=5, capsize=3, label=f"{name} (measured)")
        if rows[0]["predicted_steps"] is not None:
            ax.plot(d, [r["predicted_steps"] for r in rows], "-", color=_colour(name), lw=1.2,
                    label=f"{name} (linearised recursion)")
    _finish(ax, "number of saddles d (= dimension)", "steps to the minimum (median, quartiles)",
            "GD: exponential in d; perturbed GD: linear", logy=True)
    span = max((len(xs) for _, xs in result.shown), default=1)
    floor = min((np.nanmin(np.abs(xs)[np.abs(xs) > 0]) for _, xs in result.shown if np.any(np.abs(xs) > 0)),
                default=1e-10) / 10
    for ax, (name, xs) in zip(axes[1:], result.shown):
        d = xs.shape[1]
        for i in range(d):
            ax.plot(np.abs(xs[:, i]), color=plt.cm.viridis(i / max(d - 1, 1)), lw=1.2, label=f"|x_{i + 1}|")
        ax.set_yscale("log")
        ax.set_ylim(floor, 5)
        ax.set_xlim(0, span)
        ax.set_xlabel("step k")
        ax.set_title(f"{name}, d = {d}: coordinates escape one after another", fontsize=10)
        ax.grid(alpha=0.3)
    if len(axes) > 1 and result.shown:
        axes[1].set_ylabel("|x_i| (log scale)")
        axes[1].legend(fontsize=7, ncol=2, loc="lower left")
    axes[0].figure.suptitle("A chain of saddles (after Du et al. 2017): each coordinate shrinks while it waits its turn")
    return axes[0].figure


def linear_net_figure(result, axes=None):
    """Left: the loss with its plateaus and drops, measured against gradient flow.
    Right: each mode's strength u_a / s_a, measured and predicted."""
    fig, axes = _axes_pair(axes, size=(12, 4.8))
    k = np.arange(len(result.loss))
    pred_loss, pred_u = result.predicted_curves()
    ax = axes[0]
    ax.plot(k, result.loss, "-", color="#000000", lw=1.6, label="GD, aligned start (measured)")
    ax.plot(k, pred_loss, "--", color="#d62728", lw=1.2, label="gradient flow, Saxe et al. (2014)")
    if result.random_loss is not None:
        ax.plot(k, result.random_loss, ":", color="#1f77b4", lw=1.4,
                label=f"GD, random start (scale {result.scenario.settings.random_init:g})")
    _finish(ax, "step k", "loss 1/2 |W2 W1 X - Y|²  (log scale)", "Plateau, drop, plateau, drop: one mode at a time",
            logy=True)
    ax = axes[1]
    s = result.landscape.modes[0]
    learnt = result.learn_steps(result.strengths)
    plt = _plt()
    for a in range(s.size):
        colour = plt.cm.plasma(a / max(s.size, 1) * 0.85)
        ax.plot(k, result.strengths[:, a] / s[a], "-", color=colour, lw=1.6, label=f"s = {s[a]:g}")
        ax.plot(k, pred_u[:, a] / s[a], "--", color=colour, lw=1)
        if learnt[a] is not None:
            ax.axvline(learnt[a], color=colour, lw=0.6, alpha=0.6)
    ax.axhline(result.scenario.settings.fraction, color="#888888", lw=0.6)
    _finish(ax, "step k", "mode strength u / s", "Stronger modes are learnt first, at t ≈ ln(s/u0)/(2s)  (dashed: flow)",
            loc="lower right")
    fig.suptitle("A two-layer linear network from a small start")
    return fig


def _axes_row(axes, count: int, size):
    """``count`` side-by-side axes (a new figure unless the caller gives them)."""
    if axes is None:
        _, axes = _plt().subplots(1, count, figsize=size, layout="constrained")
    return axes[0].figure, axes


def index_loss_figure(result, axes=None):
    """Left: every critical point's loss against its index (Dauphin et al. 2014), jittered within
    each index, with the mean per index and where the training runs ended. Right: how many
    points of each index, with the Morse sum."""
    fig, axes = _axes_pair(axes, size=(12, 4.8))
    pts = result.critical.points
    index = np.array([p.index for p in pts])
    value = np.array([p.value for p in pts])
    n = result.landscape.dim
    jitter = np.random.default_rng(0).uniform(-0.25, 0.25, len(pts))
    ax = axes[0]
    ax.scatter(index + jitter, value, s=7, alpha=0.45, color="#1f77b4", linewidth=0, label="critical point")
    ks = np.unique(index)
    ax.plot(ks, [value[index == k].mean() for k in ks], "o-", color="#d62728", lw=1.4, label="mean per index")
    fin = result.eigenvalues[:, -1]
    ax.scatter(result.run_index()[:, -1] - 0.35, result.loss[:, -1], marker="*", s=90, color="#2ca02c",
               edgecolor="black", linewidth=0.5, zorder=5, label=f"end of {len(fin)} GD runs")
    ax.set_xticks(np.arange(0, max(ks.max() if len(ks) else 0, 1) + 1))
    _finish(ax, "index (negative Hessian eigenvalues)", "loss (cross-entropy + weight decay)",
            f"{len(pts)} critical points in {n} dimensions: higher loss, higher index", loc="upper left")
    ax = axes[1]
    counts = np.bincount(index, minlength=int(ks.max()) + 1 if len(ks) else 1)
    ax.bar(np.arange(len(counts)), counts, color="#1f77b4", alpha=0.8)
    for k, c in enumerate(counts):
        ax.text(k, c, str(c), ha="center", va="bottom", fontsize=8)
    m = result.critical.morse
    _finish(ax, "index k", "critical points c_k",
            f"Σ(-1)^k c_k = {m.alternating_sum} (expected {m.expected}: coercive loss)", legend=None)
    ax.set_xticks(np.arange(len(counts)))
    fig.suptitle(f"{result.scenario.name}: index against loss")
    return fig


def hessian_spectra_figure(result, axes=None):
    """Left: the Hessian eigenvalues of the first run against the step (symlog). Middle: each
    run's index along training. Right: all runs' eigenvalues at initialisation and at the end."""
    fig, axes = _axes_row(axes, 3, (15, 4.6))
    plt = _plt()
    steps = np.maximum(result.snapshot_steps, 0.5)
    eig = result.eigenvalues
    tol = result.zero_tol
    ax = axes[0]
    for i in range(eig.shape[-1]):
        lam = eig[0, :, i]
        ax.plot(steps, lam, "-", color="#d62728" if lam[0] < -tol else "#1f77b4", lw=0.9, alpha=0.8)
    ax.set_xscale("log")
    lin = 1e-3  # below this the symlog axis is linear: the weight decay's floor sits just above
    ax.set_yscale("symlog", linthresh=lin)
    ax.axhline(0, color="black", lw=0.6)
    _finish(ax, "step (log; step 0 drawn at 0.5)", "Hessian eigenvalues (symlog)",
            "Run 1: red started negative", legend=None)
    ax = axes[1]
    idx = result.run_index()
    for r in range(idx.shape[0]):
        colour = plt.cm.viridis(r / max(idx.shape[0] - 1, 1))
        ax.plot(steps, idx[r] + 0.06 * (r - idx.shape[0] / 2), "o-", ms=3, lw=1, color=colour)
    ax.set_xscale("log")
    _finish(ax, "step (log)", "index (negative eigenvalues)", "Negative curvature disappears as GD converges",
            legend=None)
    ax = axes[2]
    first, last = eig[:, 0].ravel(), eig[:, -1].ravel()
    lo = min(first.min(), last.min())
    hi = max(first.max(), last.max())
    # bins of equal width in asinh(x / lin), which is close to the symlog axis's own coordinate
    u = np.linspace(np.arcsinh(min(lo, -lin) / lin), np.arcsinh(max(hi, lin) / lin), 48)
    edges = lin * np.sinh(u)
    ax.hist(first, bins=edges, alpha=0.55, color="#d62728", label="at initialisation")
    ax.hist(last, bins=edges, alpha=0.55, color="#1f77b4", label=f"after {int(result.snapshot_steps[-1])} steps")
    ax.set_xscale("symlog", linthresh=lin)
    _finish(ax, "eigenvalue (symlog)", "count over all runs", "Spectrum before and after training")
    fig.suptitle(f"{result.scenario.name}: the Hessian along training")
    return fig


def dead_units_figure(result, axes=None):
    """Left: one run at the large step, dead units and loss per step, with and without batch norm.
    Right: the fraction of dead units after training against the step size."""
    fig, axes = _axes_pair(axes, size=(12, 4.8))
    d = result.to_dict()
    ax = axes[0]
    k = np.arange(len(d["detail"]["dead"]))
    units = sum(result.plain.layers[1:-1])
    ax.step(k, d["detail"]["dead"], where="post", color="#d62728", lw=1.6, label="dead units, plain")
    ax.step(k, d["detail"]["dead_batchnorm"], where="post", color="#1f77b4", lw=1.6, label="dead units, batch norm")
    ax.set_ylim(-0.5, units + 0.5)
    twin = ax.twinx()
    twin.plot(k, d["detail"]["loss"], ":", color="#d62728", lw=1.1)
    twin.plot(k, d["detail"]["loss_batchnorm"], ":", color="#1f77b4", lw=1.1)
    twin.set_yscale("log")
    twin.set_ylabel("loss (dotted, log scale)")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, k[-1])
    _finish(ax, "step (symlog)", f"dead units (of {units})",
            f"One run at η = {d['large_eta']:g}: units die in the first large steps", loc="center right")
    ax = axes[1]
    for bn, colour, label in ((False, "#d62728", "plain"), (True, "#1f77b4", "batch norm")):
        rows = [r for r in d["sweep"] if r["batchnorm"] == bn]
        ax.plot([r["eta"] for r in rows], [r["dead_fraction"] for r in rows], "o-", color=colour, lw=1.6, label=label)
    ax.set_xscale("log")
    _finish(ax, "step size η (log)", "fraction of hidden units dead after training",
            f"{d['settings']['runs']} starts per η, {d['steps']} steps", loc="upper left")
    fig.suptitle(f"{result.scenario.name}: ReLU units killed by large steps")
    return fig


def dead_spectrum_figure(result, axes=None):
    """Left: |H| after the first deaths (log colour): the parameters of dead units are empty
    rows and columns. Right: the sorted |eigenvalues| with and without batch norm."""
    fig, axes = _axes_pair(axes, size=(12, 5.2))
    d = result.to_dict()
    sp = result.spectra["plain"]
    H = np.abs(sp["hessian"])
    floor = max(H.max() * 1e-12, 1e-300)
    ax = axes[0]
    im = ax.imshow(np.log10(np.maximum(H, floor)), cmap="magma_r", interpolation="nearest",
                   vmin=np.log10(floor), vmax=np.log10(H.max()))
    fig.colorbar(im, ax=ax, label="log10 |H_ij|", shrink=0.85)
    _finish(ax, "parameter j", "parameter i",
            f"|H| at step {d['analysis_step']}: {d['dead_units_at_analysis']} dead units, "
            f"{d['flat_directions']['dead_unit_parameters']} empty rows", legend=None)
    ax.grid(False)
    ax = axes[1]
    for data, colour, label in ((d, "#d62728", "plain"), (d["batchnorm"], "#1f77b4", "batch norm")):
        lam = np.sort(np.abs(np.asarray(data["eigenvalues"])))
        lo = lam[lam > 0].min() if np.any(lam > 0) else 1e-300
        ax.semilogy(np.arange(1, len(lam) + 1), np.maximum(lam, lo), ".", ms=3, color=colour,
                    label=f"{label}: {data['zero_eigenvalues']} below {data['zero_tol']:.0e}")
        ax.axhline(data["zero_tol"], color=colour, lw=0.7, ls="--")
    _finish(ax, "eigenvalue number (by |λ|)", "|λ| (log)", "Hessian eigenvalues: the zero block and the rest",
            loc="lower right")
    fig.suptitle(f"{result.scenario.name}: zero-gradient, zero-curvature directions of dead units")
    return fig

def dropout_statistics_figure(result, axes=None):
    """Left: Var[h~] against p, measured and 1/(2(1-p)) - 1/(2 pi) (the mean, 1/sqrt(2 pi), inset
    in the title). Middle: kept units among M, against Binomial and Poisson. Right: the distance
    from Binomial(M, rate/M) to Poisson(rate) against M, under its bound."""
    fig, axes = _axes_row(axes, 3, (15, 4.6))
    d = result.to_dict()
    ax = axes[0]
    ps = np.array([r["p"] for r in d["sweep"]])
    grid = np.linspace(0, max(ps.max(), 0.9), 200)
    ax.plot(grid, 1 / (2 * (1 - grid)) - 1 / (2 * np.pi), "-", color="#d62728", lw=1.2,
            label="1/(2(1-p)) - 1/(2π)")
    ax.errorbar(ps, [r["variance_measured"] for r in d["sweep"]], yerr=[2 * r["variance_se"] for r in d["sweep"]],
                fmt="o", color="#000000", ms=4, capsize=3, label="measured (± 2 s.e.)")
    worst = max(abs(r["mean_measured"] - r["mean_predicted"]) / r["mean_se"] for r in d["sweep"])
    _finish(ax, "drop probability p", "Var[h~]",
            f"ReLU(z) after dropout; mean 1/√(2π) within {worst:.1f} s.e.", loc="upper left")
    ax = axes[1]
    kp = d["kept_units"]
    k = np.arange(len(kp["counts"]))
    ax.bar(k, np.asarray(kp["counts"]) / kp["draws"], color="#999999", width=1.0, label=f"{kp['draws']} masks")
    ax.plot(k, kp["binomial_pmf"], "-", color="#d62728", lw=1.4, label=f"Binomial({kp['units']}, {1 - kp['p']:g})")
    ax.plot(k, kp["poisson_pmf"], "--", color="#1f77b4", lw=1.2, label=f"Poisson({kp['mean_predicted']:g})")
    keep = np.flatnonzero(np.asarray(kp["binomial_pmf"]) > 1e-4)
    ax.set_xlim(keep[0] - 1, keep[-1] + 1)
    _finish(ax, f"units kept of M = {kp['units']}", "probability", f"χ² p-value {kp['chi2_pvalue']:.2f}")
    ax = axes[2]
    M = np.array([r["units"] for r in d["poisson"]])
    ax.loglog(M, [r["total_variation"] for r in d["poisson"]], "o-", color="#000000", lw=1.4, label="d_TV (exact)")
    ax.loglog(M, [r["bound"] for r in d["poisson"]], "--", color="#d62728", lw=1.2, label="(1 - e^-λ) λ/M")
    _finish(ax, "units M (keep probability λ/M)", "total variation",
            f"Binomial(M, λ/M) → Poisson(λ), λ = {d['poisson'][0]['rate']:g}", logy=False)
    fig.suptitle(f"{result.scenario.name}: inverted dropout's statistics")
    return fig


def dropout_escape_figure(result, axes=None):
    """Loss and asymmetry between the hidden units per step from starts with identical units:
    GD keeps them identical and stalls at the symmetric saddle; dropout's masks break the tie."""
    fig, axes = _axes_pair(axes, size=(12, 4.8))
    plt = _plt()
    cfg = result.scenario.settings
    k = np.arange(result.loss.shape[-1])
    labels = ["GD"] + [f"GD + dropout p = {p:g}" for p in cfg.escape_ps]
    colours = ["#000000"] + [plt.cm.plasma(0.15 + 0.6 * i / max(len(cfg.escape_ps) - 1, 1))
                             for i in range(len(cfg.escape_ps))]
    for i, (label, colour) in enumerate(zip(labels, colours)):
        for r in range(result.loss.shape[1]):
            axes[0].plot(k, result.loss[i, r], "-", color=colour, lw=0.8, alpha=0.5, label=label if r == 0 else None)
            if i:  # from step 1: the start is symmetric (0)
                axes[1].loglog(k[1:], result.asym[i, r, 1:], "-", color=colour, lw=0.8, alpha=0.5,
                               label=label if r == 0 else None)
    axes[0].axhline(cfg.level, color="#888888", lw=0.7, ls="--")
    _finish(axes[0], "step", "loss (dropout off)",
            "Identical hidden units: GD stalls at the symmetric saddle, dropout leaves it", loc="center right")
    _finish(axes[1], "step (log)", "asymmetry between hidden units (log)",
            "GD's stays exactly 0 (not drawn); dropout's grows", loc="lower right")
    fig.suptitle(f"{result.scenario.name}: dropout noise and a saddle made by symmetry")
    return fig


STUDY_FIGURES = {
    "saddle-escape": {"escape-times": escape_times_figure, "escape-sweeps": escape_sweeps_figure,
                      "escape-curves": escape_curves_figure},
    "lr-stability": {"lr-sweep": lr_sweep_figure},
    "saddle-chain": {"chain-steps": chain_figure},
    "linear-net": {"learning-curves": linear_net_figure},
    "mlp-xor": {"index-vs-loss": index_loss_figure, "hessian-spectra": hessian_spectra_figure},
    "dead-relu": {"dead-units": dead_units_figure, "dead-spectrum": dead_spectrum_figure},
    "dropout-noise": {"dropout-statistics": dropout_statistics_figure, "dropout-escape": dropout_escape_figure},
}

_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "ModDate": None}}


def save(fig, paths_formats) -> None:
    """Save to each (path, format) without timestamps, then close the figure."""
    for path, fmt in paths_formats:
        fig.savefig(path, format=fmt, dpi=150, metadata=_METADATA[fmt])
    _plt().close(fig)
