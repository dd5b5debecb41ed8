"""Figures of the saddle-escape study: escape times, the sweeps, distance curves.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import THEORY, colormap, drawn, finish, new_axes, optimizer_style, subplots, theory_line


@drawn
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
            style = optimizer_style(name)
            ax.plot(u, k, ms=5, lw=1.0, alpha=0.85, label=name, **style)
            pred = [m["predicted_escape_step"] for m in mine]
            if all(p is not None for p in pred):
                theory_line(ax, u, pred, color=style["color"], lw=1.2)
        if stuck:
            ax.text(0.03, 0.97, "never escape (converge to the saddle):\n" + ", ".join(stuck),
                    transform=ax.transAxes, va="top", fontsize=8,
                    bbox=dict(boxstyle="round", fc="white", ec="#999999"))
        ax.set_title(case.label, fontsize=10)
        ax.set_xlabel(r"$\ln(1/\varepsilon)$")
        ax.set_ylim(0, None)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("median steps to leave the ball around the saddle")
    handles, labels = axes[0].get_legend_handles_labels()
    from matplotlib.lines import Line2D

    handles.append(Line2D([], [], color="#555555", **THEORY))
    labels.append("linearised prediction (dashed, in the optimizer's colour)")
    axes[0].figure.legend(handles, labels, loc="outside lower center", ncol=6, fontsize=8)
    axes[0].figure.suptitle(r"Escape from a saddle: plain GD pays $\ln(1/\varepsilon)/\ln(1+\eta|\lambda_{\min}|)$; "
                            "momentum, curvature and noise pay less; Newton never leaves")
    return axes[0].figure


@drawn
def escape_sweeps_figure(result, axes=None):
    """Escape steps of GD, heavy ball and Nesterov against eta, |lambda_min| and the
    dimension (measured markers, predicted lines), and GD's stall against ln(1/eps)."""
    if axes is None:
        _, axes = subplots(2, 2, figsize=(11, 8.4), layout="constrained")
        axes = axes.ravel()
    sw = result.sweeps
    methods = ("gd", "heavy-ball", "nesterov")
    for ax, key, col, xlabel in ((axes[0], "eta_sweep", "eta", r"step size $\eta$"),
                                 (axes[1], "lambda_sweep", "lambda_min", r"$|\lambda_{\min}|$")):
        for m in methods:
            rows = sorted((r for r in sw[key] if r["optimizer"] == m), key=lambda r: abs(r[col]))
            x = np.abs([r[col] for r in rows])
            style = optimizer_style(m)
            ax.plot(x, [np.nan if r["escape_step"] is None else r["escape_step"] for r in rows],
                    color=style["color"], marker=style["marker"], ls="none", ms=6, label=m)
            theory_line(ax, x, [r["predicted_escape_step"] for r in rows], color=style["color"])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("escape step")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_title(rf"against $\eta$ ($\lambda_{{\min}}$ = -1, $\varepsilon$ = {sw['eps']:g})", fontsize=10)
    axes[1].set_title(rf"against $|\lambda_{{\min}}|$ ($\eta$ = {sw['eta']:g}, $\varepsilon$ = {sw['eps']:g})",
                      fontsize=10)
    axes[0].legend(fontsize=8, title="markers: measured; dashes: predicted", title_fontsize=8)
    ax = axes[2]
    dims = [r["dim"] for r in sw["dim_sweep"]]
    for m, meas, pred in (("gd", "gd_median_escape_step", "gd_predicted_median"),
                          ("heavy-ball", "heavy_ball_median_escape_step", "heavy_ball_predicted_median")):
        style = optimizer_style(m)
        ax.plot(dims, [np.nan if r[meas] is None else r[meas] for r in sw["dim_sweep"]], color=style["color"],
                marker=style["marker"], ls="none", ms=6, label=m + (" (closed form, no iteration)" if m == "gd" else ""))
        theory_line(ax, dims, [r[pred] for r in sw["dim_sweep"]], color=style["color"])
    ax.set_xscale("log")
    finish(ax, "dimension n", "median escape step",
            f"against dimension: starts uniform on a sphere of radius {sw['eps']:g};\n"
            r"the unstable component shrinks like $1/\sqrt{n}$, so $k^*$ grows like $\ln(n)/(2\ln(1+\eta|\lambda|))$")
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
        ax.plot(u, [np.median(meas[eps == e]) for e in levels], "osD"[i % 3], color=colour, ms=6, ls="none",
                label=case.label)
        theory_line(ax, u, [np.median(pred[eps == e]) for e in levels], color=colour)
    finish(ax, r"$\ln(1/\varepsilon)$",
           rf"GD's stall: steps with $|\nabla f|$ < {result.scenario.settings.stall_threshold:g}",
           "stall length (markers: measured medians; dashes: the linear model)")
    axes[0].figure.suptitle(r"What sets the escape time: $\eta$, $|\lambda_{\min}|$, dimension and $\varepsilon$")
    return axes[0].figure


@drawn
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
        style = optimizer_style(name)
        ax.plot(np.arange(stop), np.maximum(y[:stop], 1e-300), color=style["color"], ls=style["ls"], lw=1.6,
                label=name)
    y0 = abs(float((result.paths[0][1][0] - case.saddle) @ v))
    if result.path_prediction is not None:
        pred = np.asarray(result.path_prediction)[:longest]
        k = np.arange(len(pred))
        theory_line(ax, k[pred < 3 * r], pred[pred < 3 * r], color="#555555",
                    label=r"$\varepsilon\,(1 + \eta|\lambda_{\min}|)^k$ (GD, linearised)")
    ax.axhline(r, color="#999999", lw=0.8)
    ax.text(longest, r * 1.6, f"ball radius r = {r:g} ", fontsize=8, color="#555555", ha="right")
    ax.set_yscale("log")
    ax.set_ylim(y0 * 1e-4, 10)
    ax.set_xlim(0, longest)
    ax.set_xlabel("step k")
    ax.set_ylabel(r"distance from the stable manifold $|y_u(k)|$")
    ax.set_title(f"{case.label}: every optimizer from the same start, ε = {y0:.0e}\n"
                 "(Newton's line falls off the bottom: it converges to the saddle)", fontsize=10)
    ax.legend(fontsize=7, loc="lower right", ncol=2)
    ax.grid(alpha=0.3, which="both")
    return fig
