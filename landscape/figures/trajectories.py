"""Figures of the trajectories kind (saddle-2d): contours with paths, eigen-components, loss, escape.

Each takes a trajectories Result (studies.trajectories.Result) and an optional ``ax``.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import (
    KIND_STYLE,
    MEASURED,
    C,
    contour,
    cycle_colour,
    drawn,
    landscape_label,
    mark_critical_points,
    new_axes,
    theory_line,
)


def _run_series(result):
    """(colour, run record, trajectory, batch column) for every run, in results order."""
    columns = [(traj, b) for _, traj in result.trajectories for b in range(traj.x.shape[1])]
    for i, (run, (traj, b)) in enumerate(zip(result.runs, columns)):
        yield cycle_colour(i), run, traj, b


def _start_label(run) -> str:
    return f"start ({', '.join(f'{v + 0.0:.3g}' for v in run.start)}) → {run.outcome}"


@drawn
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
    title = f"{landscape_label(result.landscape)}: critical points and GD paths"
    ax.set_title(title + (f" (η = {eta:.3g})" if eta else ""), fontsize=11 if len(title) < 50 else 9)
    ax.legend(fontsize=7, loc="lower left", framealpha=0.85)
    return fig


@drawn
def eigen_components_figure(result, ax=None):
    """|y_i(k)| along each eigenvector of H at the saddle: measured (solid) and the
    study's (1 - eta lambda_i)^k |y_i(0)| (dashed), for the sweep start it chose to show."""
    fig, ax = new_axes(ax)
    sweep, ref = result.sweep, result.reference
    j = sweep.shown
    x = sweep.trajectory.x[:, j]
    ok = np.all(np.isfinite(x), axis=-1)
    y = (x[ok] - ref.x) @ result.eigenvectors
    k = sweep.trajectory.at[ok]  # the step of each stored row (every step unless thinned)
    lam, eta = result.theory["centre_eigenvalues"], result.theory["eta"]
    esc = sweep.escape_step[j]
    shown = len(y) if esc < 0 else int(np.searchsorted(k, int(1.6 * esc) + 20))
    y, k = y[:shown], k[:shown]
    lin = sweep.linearised[np.minimum(k, len(sweep.linearised) - 1)]  # the study's prediction at the drawn steps
    colors = [C["vermillion"], C["blue"], C["green"], C["purple"]]
    ax.set_yscale("log")
    for i, l in enumerate(lam):
        c = colors[i % len(colors)]
        ax.plot(k, np.abs(y[:, i]), "-", color=c, **MEASURED,
                label=f"measured $|y_{i + 1}|$, $\\lambda_{i + 1} = {l:+.3g}$")
        theory_line(ax, k, np.abs(lin[:, i]), color=c,
                    label=f"theory $(1-\\eta\\lambda_{i + 1})^k\\,|y_{i + 1}(0)|$, factor {1 - eta * l:.3g}")
    ax.axhline(result.settings.radius, color="grey", lw=0.8, ls=":")
    ax.text(0.99 * k[-1], result.settings.radius, f"radius r = {result.settings.radius:g}",
            va="bottom", ha="right", fontsize=8, color="grey")
    if esc >= 0:
        ax.axvline(esc, color="black", lw=0.8, ls=":")
        ax.text(esc, 0.02, f" escape step {esc}", rotation=90, va="bottom", fontsize=8,
                transform=ax.get_xaxis_transform())  # x in steps, y in axes units: inside whatever the ylim
    ax.set_ylim(max(np.abs(y[y != 0]).min() / 10, 1e-30), 10)
    ax.set_xlim(0, max(k[-1], 1))
    ax.set_xlabel("step k")
    ax.set_ylabel("$|y_i|$: component along eigenvector $i$ of $H$ at the saddle")
    ax.set_title(f"Eigen-components from $\\varepsilon$ = {sweep.eps[j]:.0e} ($\\eta$ = {eta:g})")
    ax.legend(fontsize=7, loc="lower right")
    return fig


@drawn
def loss_figure(result, ax=None):
    """f(x_k) against k for every run: the plateau at the saddle's value, then the drop."""
    fig, ax = new_axes(ax)
    for c, run, traj, b in _run_series(result):
        ax.plot(traj.at, traj.value[:, b], color=c, lw=1.6, label=_start_label(run))
        if run.escape_step is not None:
            ax.plot(run.escape_step, traj.value[traj.row(run.escape_step), b], "o", color=c, mec="black", ms=5)
    values = {}
    for p in result.critical.points:
        values.setdefault((p.kind, round(p.value, 10)), p.value)
    if result.reference is not None:
        # zoom on the plateau: from just below the lowest minimum to above the saddle's value
        low = min(v for (kind, _), v in values.items() if kind == "minimum") \
            if any(kind == "minimum" for kind, _ in values) else np.nanmin(result.trajectories[0][1].value)
        top = result.reference.value
        span = max(top - low, 1e-12)
        ax.set_ylim(low - 0.1 * span, top + 0.6 * span)
    bottom, ceiling = ax.get_ylim()
    for (kind, _), v in values.items():  # each critical value inside the drawn range, labelled at the right
        if bottom <= v <= ceiling:
            ax.axhline(v, color=KIND_STYLE[kind]["color"], lw=0.8, ls=":")
            ax.text(ax.get_xlim()[1], v, f"{kind}: f = {v:.3g} ", va="bottom", ha="right",
                    fontsize=8, color=KIND_STYLE[kind]["color"])
    ax.set_xlabel("step k")
    ax.set_ylabel("$f(x_k)$")
    ax.set_title("Loss: plateau at the saddle, then the drop (dots: escape step)", fontsize=11)
    ax.legend(fontsize=7, loc="upper right")
    return fig


@drawn
def escape_figure(result, ax=None):
    """Measured escape step against ln(1/eps), with the prediction
    k* = ln(r/eps) / ln|1 - eta lambda_min| (slope 1/ln(1 + eta |lambda_min|))."""
    fig, ax = new_axes(ax)
    sweep = result.sweep
    u = np.log(1.0 / sweep.eps)
    r = result.settings.radius
    if len(result.saddle_sweeps) > 1:  # every saddle: measured and predicted in one colour each
        for i, w in enumerate(result.saddle_sweeps):
            c, sw = cycle_colour(i), w.sweep
            ok, order = sw.escape_step >= 0, np.argsort(np.log(1.0 / sw.eps))
            ax.plot(np.log(1.0 / sw.eps)[ok], sw.escape_step[ok], "o", color=c, ms=6, zorder=3,
                    label=f"saddle ({', '.join(f'{v + 0.0:.3g}' for v in w.point.x)}), "
                          f"$\\lambda_{{\\min}}$ = {w.eigenvalues.min():.3g}: measured")
            theory_line(ax, np.log(1.0 / sw.eps)[order], sw.predicted[order], color=c,
                        label=f"predicted, slope {sw.slope:.3g}")
    else:
        order = np.argsort(u)
        ok = sweep.escape_step >= 0
        ax.plot(u[ok], sweep.escape_step[ok], "o", color=C["vermillion"], ms=7, zorder=3,
                label="measured escape step")
        theory_line(ax, u[order], sweep.predicted[order], color=C["blue"],
                    label=f"predicted $k^* = \\ln(r/\\varepsilon) \\cdot {sweep.slope:.3g}$"
                          "  (slope $1/\\ln(1+\\eta|\\lambda_{\\min}|)$)")
    ax.set_xlabel("$\\ln(1/\\varepsilon)$   ($\\varepsilon$: start's distance from the stable manifold)")
    ax.set_ylabel("steps to leave the ball of radius r")
    ax.set_title(f"Escape time grows like $\\ln(1/\\varepsilon)$ ($r$ = {r:g}, $\\eta$ = {result.theory['eta']:g})")
    ax.set_xlim(0, u.max() * 1.05)
    steps = result.scenario.steps
    sweeps = [w.sweep for w in result.saddle_sweeps] or [sweep]
    if any(np.nanmax(sw.predicted) > steps for sw in sweeps):  # predictions beyond the run: show the budget
        ax.axhline(steps, color="grey", lw=0.8, ls=":")
        ax.text(0.01 * u.max(), steps, f"steps run: {steps} (later escapes are not measured)", va="bottom",
                fontsize=8, color="grey")
        measured = max((float(sw.escape_step.max()) for sw in sweeps), default=0.0)
        ax.set_ylim(0, 1.15 * max(steps, measured))
    else:
        ax.set_ylim(0, None)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return fig


FIGURES = {"landscape": landscape_figure, "eigen-components": eigen_components_figure, "loss": loss_figure,
           "escape": escape_figure}
