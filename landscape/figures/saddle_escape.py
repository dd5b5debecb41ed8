"""Figures of the saddle-escape study: escape times, the sweeps, distance curves.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import colormap, finish, new_axes, optimizer_colour, subplots


def escape_times_figure(result, axes=None):
    """Median escape step against ln(1/eps), one panel per landscape and one line per
    optimizer; dashed: the linearised prediction of each linear method."""
    cases = result.cases
    if axes is None:
        _, axes = subplots(1, len(cases), figsize=(5.2 * len(cases), 5.4), layout="constrained",
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
            ax.plot(u, k, "o-", color=optimizer_colour(name), ms=4, lw=1.2, label=name)
            pred = [m["predicted_escape_step"] for m in mine]
            if all(p is not None for p in pred):
                ax.plot(u, pred, "--", color=optimizer_colour(name), lw=1, alpha=0.8)
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
    from matplotlib.lines import Line2D

    handles.append(Line2D([], [], ls="--", color="#555555"))
    labels.append("linearised prediction")
    axes[0].figure.legend(handles, labels, loc="outside lower center", ncol=6, fontsize=8)
    axes[0].figure.suptitle("Escape from a saddle: plain GD pays ln(1/ε)/ln(1+η|λ_min|); "
                            "momentum, curvature and noise pay less; Newton never leaves")
    return axes[0].figure


def escape_sweeps_figure(result, axes=None):
    """Escape steps of GD, heavy ball and Nesterov against eta, |lambda_min| and the
    dimension (measured markers, predicted lines), and GD's stall against ln(1/eps)."""
    if axes is None:
        _, axes = subplots(2, 2, figsize=(11, 8.4), layout="constrained")
        axes = axes.ravel()
    sw = result.sweeps
    methods = ("gd", "heavy-ball", "nesterov")
    for ax, key, col, xlabel in ((axes[0], "eta_sweep", "eta", "step size η"),
                                 (axes[1], "lambda_sweep", "lambda_min", "|λ_min|")):
        for m in methods:
            rows = sorted((r for r in sw[key] if r["optimizer"] == m), key=lambda r: abs(r[col]))
            x = np.abs([r[col] for r in rows])
            ax.plot(x, [r["predicted_escape_step"] for r in rows], "-", color=optimizer_colour(m), lw=1.2)
            ax.plot(x, [np.nan if r["escape_step"] is None else r["escape_step"] for r in rows], "o",
                    color=optimizer_colour(m), ms=5, label=m)
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
        ax.plot(dims, [r[pred] for r in sw["dim_sweep"]], "-", color=optimizer_colour(m), lw=1.2)
        ax.plot(dims, [np.nan if r[meas] is None else r[meas] for r in sw["dim_sweep"]], "o",
                color=optimizer_colour(m), ms=5, label=m + (" (closed form, no iteration)" if m == "gd" else ""))
    ax.set_xscale("log")
    finish(ax, "dimension n", "median escape step",
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
        colour = colormap("viridis")(i / max(len(result.cases) - 1, 1) * 0.85)
        ax.plot(u, [np.median(pred[eps == e]) for e in levels], "-", color=colour, lw=1.2)
        ax.plot(u, [np.median(meas[eps == e]) for e in levels], "o", color=colour, ms=5, label=case.label)
    finish(ax, "ln(1/ε)", f"GD's stall: steps with |∇f| < {result.scenario.settings.stall_threshold:g}",
            "stall length (markers: measured medians; lines: the linear model)")
    axes[0].figure.suptitle("What sets the escape time: η, |λ_min|, dimension and ε")
    return axes[0].figure


def escape_curves_figure(result, ax=None):
    """Distance from the stable manifold, |v_u . (x_k - p)|, against step for every
    optimizer from the same start on the 2-D landscape (log scale): a straight line
    of slope ln(1 + eta|lambda_min|) for GD, steeper with momentum, a kick for the
    perturbed methods, and a collapse onto the saddle for Newton."""
    case = next(c for c in result.cases if c.landscape.dim == 2)
    fig, ax = new_axes(ax, size=(8, 5.4))
    v = case.eigenvectors[:, int(np.argmin(case.eigenvalues))]
    r = result.scenario.settings.radius
    longest = 0
    for name, xs in result.paths:
        y = np.abs((xs - case.saddle) @ v)
        out = np.flatnonzero(np.linalg.norm(xs - case.saddle, axis=-1) > r)
        stop = min(out[0] + 15 if len(out) else len(y), len(y))
        if len(out):
            longest = max(longest, stop)
        ax.plot(np.arange(stop), np.maximum(y[:stop], 1e-300), "-", color=optimizer_colour(name), lw=1.4, label=name)
    y0 = abs(float((result.paths[0][1][0] - case.saddle) @ v))
    if result.path_prediction is not None:
        pred = np.asarray(result.path_prediction)[:longest]
        k = np.arange(len(pred))
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
