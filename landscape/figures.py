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
    lam, eta = result.theory["centre_eigenvalues"], result.theory["eta"]
    esc = sweep.escape_step[j]
    shown = len(y) if esc < 0 else min(len(y), int(1.6 * esc) + 20)
    y = y[:shown]
    k = np.arange(shown)
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
    ax.set_xlim(0, shown - 1)
    ax.set_xlabel("step k")
    ax.set_ylabel("|component| in the eigenbasis of H at the saddle")
    ax.set_title(f"Eigen-components from ε = {sweep.eps[j]:.0e} (η = {eta:g})")
    ax.legend(fontsize=7, loc="lower right")
    return fig


def loss_figure(result, ax=None):
    """f(x_k) against k for every run: the plateau at the saddle's value, then the drop."""
    fig, ax = _axes(ax)
    for c, run, traj, b in _run_series(result):
        ax.plot(traj.value[:, b], color=c, lw=1.6, label=_start_label(run))
        if run.escape_step is not None:
            ax.plot(run.escape_step, traj.value[run.escape_step, b], "o", color=c, mec="black", ms=5)
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


SCENARIO_FIGURES = {
    "landscape": landscape_figure,
    "eigen-components": eigen_components_figure,
    "loss": loss_figure,
    "escape": escape_figure,
}

_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "ModDate": None}}


def save(fig, paths_formats) -> None:
    """Save to each (path, format) without timestamps, then close the figure."""
    for path, fmt in paths_formats:
        fig.savefig(path, format=fmt, dpi=150, metadata=_METADATA[fmt])
    _plt().close(fig)
