"""The shared look of every figure: palettes, markers, and the axes helpers.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
Design"), chosen to stay distinct under the common colour-vision deficiencies;
no figure pairs red with green. Kinds of critical point differ by marker as
well as colour (o minimum, X saddle, ^ maximum, D degenerate), and optimizers
by line style as well as colour, so a grey-scale print still tells them apart.
Theory is drawn as dashes on top of the measurement (``THEORY``, zorder 4) and
measured lines are wider and translucent (``MEASURED``), so a prediction that
matches stays visible. Helpers build figures with ``matplotlib.figure.Figure``
directly: no pyplot, no backend choice, no rcParams change.
"""

from __future__ import annotations

import numpy as np

OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
    "grey": "#999999",
}
"""The Okabe-Ito colours (yellow only for fills and thick lines: it is faint on white)."""

C = OKABE_ITO

CYCLE = (C["blue"], C["vermillion"], C["green"], C["orange"], C["purple"], C["sky"], C["black"],
         "#A08C00", C["grey"], "#7F5539")
"""Colours for a sequence of series (runs, starts), in order; the tenth wraps around."""


def cycle_colour(i: int) -> str:
    """The i-th colour of CYCLE."""
    return CYCLE[i % len(CYCLE)]


THEORY = dict(ls=(0, (5, 2.5)), lw=1.4, zorder=4)
"""Line style of every prediction: dashes above the measured data."""

MEASURED = dict(lw=2.6, alpha=0.6, zorder=2)
"""Line style of measured curves that a prediction is drawn over."""

KIND_STYLE = {
    "minimum": dict(marker="o", color=C["blue"], label="minimum"),
    "saddle": dict(marker="X", color=C["orange"], label="saddle"),
    "maximum": dict(marker="^", color=C["purple"], label="maximum"),
    "degenerate": dict(marker="D", color=C["grey"], label="degenerate"),
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


def landscape_label(landscape, width: int = 60) -> str:
    """How a figure names a landscape: its family, or for a typed formula ``f = ...`` (cut to
    ``width`` characters)."""
    if getattr(landscape, "name", "") == "expression":
        text = f"f = {landscape.f}"
        return text if len(text) <= width else text[: width - 3] + "..."
    return landscape.name


def mark_critical_points(ax, points) -> None:
    """Scatter critical points with one marker and colour per kind."""
    for kind, style in KIND_STYLE.items():
        xy = np.array([p.x for p in points if p.kind == kind]).reshape(-1, 2)
        if len(xy):
            ax.scatter(xy[:, 0], xy[:, 1], s=70, edgecolor="black", linewidth=0.8, zorder=5,
                       **style)


def contour(landscape, domain, ax=None, resolution: int = 160):
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
    "coin": dict(color=C["grey"], label=r"coin flips $\binom{N}{k}/2^N$"),
    "sampled": dict(color=C["blue"], label="sampled"),
    "goe": dict(color=C["vermillion"], label="GOE exact"),
    "found": dict(color=C["green"], label="found"),
    "known": dict(color=C["black"], label="known exactly"),
}


OPTIMIZER_STYLES = {
    "gd": (C["black"], "-", "o"), "heavy-ball": (C["blue"], "-", "s"), "nesterov": (C["sky"], "--", "D"),
    "perturbed-gd": (C["vermillion"], "-", "v"), "noisy-gd": (C["orange"], "--", "^"),
    "dropout-gd": ("#A08C00", ":", "P"), "newton": (C["grey"], "-", "x"),
    "saddle-free-newton": (C["green"], "-", "*"), "negative-curvature": (C["purple"], "--", "h"),
    "adam": ("#8C4A9E", ":", "X"),
}
"""(colour, line style, marker) per optimizer: ten optimizers, so colour alone cannot do it.
Dropout's yellow is darkened to olive and Adam takes a darker purple, to read on white."""


def optimizer_style(name: str) -> dict:
    """Keyword arguments (color, ls, marker) for an optimizer's measured line."""
    colour, ls, marker = OPTIMIZER_STYLES.get(name, ("#7F5539", "-", "o"))
    return dict(color=colour, ls=ls, marker=marker)


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


# ---------------------------------------------------------------- legends that cover nothing

LEGEND_PLACES = ("upper right", "upper left", "lower left", "lower right", "center right", "center left",
                 "upper center", "lower center")


def _renderer(fig):
    """A renderer for measuring ``fig`` after its layout: the figure's own canvas's, or an Agg
    canvas attached to this figure only (nothing global changes)."""
    if not hasattr(fig.canvas, "get_renderer"):
        from matplotlib.backend_bases import FigureCanvasBase

        if type(fig.canvas) is not FigureCanvasBase:
            return None  # a canvas someone else manages (a vector backend): leave it alone
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    return fig.canvas.get_renderer()


def _densify(xy: np.ndarray, step: float = 3.0) -> np.ndarray:
    """Points along a polyline (P, 2) in display pixels, at most ``step`` apart (NaNs break it):
    the vertices, and n evenly spaced points inside each segment longer than step."""
    a, b = xy[:-1], xy[1:]
    with np.errstate(invalid="ignore"):
        length = np.linalg.norm(b - a, axis=-1)
    n = np.where(np.isfinite(length) & (length > step), np.minimum(length // step, 2000), 0).astype(int)
    seg = np.repeat(np.arange(len(a)), n)
    k = np.arange(seg.size) - np.repeat(np.cumsum(n) - n, n)  # 0 .. n-1 within each segment
    t = ((k + 1) / (n[seg] + 1))[:, None]
    return np.concatenate([xy, a[seg] + t * (b[seg] - a[seg])])


def data_points(ax) -> np.ndarray:
    """Display coordinates (P, 2) of what an axes shows as data: line vertices with their
    segments sampled every 3 px, scatter markers, bar outlines; only the points inside the axes."""
    from matplotlib.collections import PathCollection
    from matplotlib.patches import Rectangle

    pts = [np.zeros((0, 2))]
    for line in ax.get_lines():
        if not line.get_visible():
            continue
        xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
        pts.append(_densify(xy) if line.get_linestyle() not in ("None", "", " ") else xy)
    for coll in ax.collections:
        if isinstance(coll, PathCollection) and coll.get_visible() and len(coll.get_offsets()):
            pts.append(coll.get_offset_transform().transform(np.asarray(coll.get_offsets(), dtype=float)))
    for patch in ax.patches:
        if isinstance(patch, Rectangle) and patch.get_visible() and patch.get_height() != 0:
            corners = patch.get_transform().transform([[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]])
            pts.append(_densify(corners))
    xy = np.concatenate(pts)
    xy = xy[np.all(np.isfinite(xy), axis=-1)]
    box = ax.get_window_extent()
    inside = (xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)
    return xy[inside]


def legend_overlap(ax, renderer=None) -> int:
    """How many data points (``data_points`` of the axes and of any twin sharing its frame)
    its legend covers (0 without one)."""
    legend = ax.get_legend()
    if legend is None or not legend.get_visible():
        return 0
    renderer = renderer or _renderer(ax.figure)
    box = legend.get_window_extent(renderer).padded(2)
    frame = ax.get_window_extent()
    twins = [a for a in ax.figure.axes if a is ax or np.allclose(a.get_window_extent().extents, frame.extents)]
    xy = np.concatenate([data_points(a) for a in twins])  # a twinx axes' curves count too
    return int(np.sum((xy[:, 0] >= box.x0) & (xy[:, 0] <= box.x1) & (xy[:, 1] >= box.y0) & (xy[:, 1] <= box.y1)))


def tidy_legends(fig):
    """Move every axes legend that covers data to the first corner or edge where it covers
    nothing, or, when there is none, outside the axes on the right (the figure grows by the
    legend's width, so the axes keep their size). Returns fig."""
    renderer = None
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        renderer = renderer or _renderer(fig)
        if renderer is None:
            return fig  # nothing to measure with
        if legend_overlap(ax, renderer) == 0:
            continue
        # a legend inside the axes takes no part in the layout, so one drawing measures every place:
        # its box is recomputed from its new loc, the data's points from their transforms
        for place in LEGEND_PLACES:
            legend.set_loc(place)
            if legend_overlap(ax, renderer) == 0:
                break
        else:  # outside on the right, with the figure widened by the legend's width
            width = legend.get_window_extent(renderer).width / fig.dpi
            legend.set_loc("upper left")
            legend.set_bbox_to_anchor((1.02, 1.0), transform=ax.transAxes)
            w, h = fig.get_size_inches()
            fig.set_size_inches(w + width + 0.2, h)
        renderer = _renderer(fig)
    return fig


def drawn(function):
    """Decorator for a figure function: the Figure it returns has its legends tidied."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return tidy_legends(function(*args, **kwargs))
    return wrapper


def theory_line(ax, x, y, color: str = "black", label: str | None = None, **kw):
    """A prediction: dashes (``THEORY``) above the data, with a thin white halo so they stay
    visible over a measured line or markers of the same colour."""
    import matplotlib.patheffects as pe

    style = {**THEORY, **kw}
    halo = [pe.Stroke(linewidth=style["lw"] + 1.6, foreground="white", alpha=0.9), pe.Normal()]
    return ax.plot(x, y, color=color, label=label, path_effects=halo, **style)
