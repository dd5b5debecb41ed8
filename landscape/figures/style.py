"""The shared look of every figure: palettes, markers, and the axes helpers.

Kinds of critical point differ by marker as well as colour (o minimum, X saddle,
^ maximum, D degenerate), so a grey-scale print or a colour-blind reader still
tells them apart. Helpers build figures with ``matplotlib.figure.Figure``
directly: no pyplot, no backend choice, no rcParams change.
"""

from __future__ import annotations

import numpy as np

KIND_STYLE = {
    "minimum": dict(marker="o", color="#1a9850", label="minimum"),
    "saddle": dict(marker="X", color="#f46d43", label="saddle"),
    "maximum": dict(marker="^", color="#a50026", label="maximum"),
    "degenerate": dict(marker="D", color="#7f7f7f", label="degenerate"),
}


def subplots(nrows: int = 1, ncols: int = 1, *, figsize=(6.4, 4.8), layout: str = "constrained", **kw):
    """A new ``matplotlib.figure.Figure`` and its axes, like ``pyplot.subplots`` but without
    pyplot: no figure manager, no backend, nothing global (a notebook's plotting is untouched)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout=layout)
    return fig, fig.subplots(nrows, ncols, **kw)


def colormap(name: str):
    """A registered colormap by name (``matplotlib.colormaps``), without pyplot."""
    import matplotlib

    return matplotlib.colormaps[name]


def new_axes(ax=None, size=(6.4, 4.8)):
    """(figure, axes): the caller's ``ax`` and its figure, or a new single-axes Figure."""
    if ax is None:
        fig, ax = subplots(figsize=size)
    return ax.figure, ax


def axes_pair(axes=None, size=(11, 4.4)):
    """Two side-by-side axes (a new figure unless the caller gives them)."""
    return axes_row(axes, 2, size)


def axes_row(axes, count: int, size):
    """(figure, ``count`` side-by-side axes): the caller's, or a new Figure's."""
    if axes is None:
        _, axes = subplots(1, count, figsize=size)
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
    fig, ax = new_axes(ax)
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


COUNT_STYLE = {
    "coin": dict(color="#7f7f7f", label="coin flips C(N,k)/2^N"),
    "sampled": dict(color="#4575b4", label="sampled"),
    "goe": dict(color="#d73027", label="GOE exact"),
    "found": dict(color="#1a9850", label="found"),
    "known": dict(color="#000000", label="known exactly"),
}


OPTIMIZER_COLOURS = {
    "gd": "#000000", "heavy-ball": "#1f77b4", "nesterov": "#17becf", "perturbed-gd": "#d62728",
    "noisy-gd": "#ff7f0e", "dropout-gd": "#bcbd22", "newton": "#7f7f7f", "saddle-free-newton": "#2ca02c",
    "negative-curvature": "#9467bd", "adam": "#e377c2",
}


def optimizer_colour(name: str) -> str:
    """The fixed colour of an optimizer, so it looks the same in every figure (grey if unknown)."""
    return OPTIMIZER_COLOURS.get(name, "#8c564b")


def finish(ax, xlabel: str, ylabel: str, title: str, *, logy: bool = False, legend: int | None = 8,
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


def percentile(a: np.ndarray, q: float) -> float:
    """The q-th percentile of the entries that are not NaN; NaN (nothing drawn) when there are none."""
    a = a[~np.isnan(a)]
    return float(np.percentile(a, q)) if a.size else np.nan
