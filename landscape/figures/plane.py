"""The three views every 2-D landscape of the trajectories kind gets: basins, surface, animation.

- ``basins_figure``: a grid of starts coloured by the minimum the first optimizer
  reaches; the saddles' stable manifolds, traced independently by gradient ascent
  from each saddle, are drawn over it as dashed curves and lie on the colour boundaries.
- ``surface_figure``: f as a 3-D surface with the critical points marked on it.
- ``animation``: the optimizers' paths growing on the contours, as a GIF (written with
  Pillow, matplotlib's own image library) for slides; only when ``gif`` is among the formats.
"""

from __future__ import annotations

import numpy as np

from .style import (
    KIND_STYLE,
    C,
    contour,
    cycle_colour,
    drawn,
    landscape_label,
    mark_critical_points,
    new_axes,
    theory_line,
)

UNCONVERGED = "#DDDDDD"
DIVERGED = "#FFFFFF"
OTHER = "#777777"

ANIMATION_FRAMES = 60
ANIMATION_FPS = 12
ANIMATION_DPI = 80


BASIN_COLOURS = (C["sky"], C["yellow"], C["green"], C["vermillion"], C["purple"], "#A08C00", C["blue"], "#7F5539")
"""Fills of the basins, in the order of the minima: Okabe-Ito, starting with the colours the
critical-point markers do not use (minima are blue, saddles orange)."""


def _minimum_colour(i: int) -> str:
    return BASIN_COLOURS[i % len(BASIN_COLOURS)]


@drawn
def basins_figure(result, ax=None):
    """Basins of attraction of the first optimizer on a grid of starts, with the stable manifolds."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    fig, ax = new_axes(ax, size=(6.4, 6.4))
    b = result.basins
    (x0, x1), (y0, y1) = result.critical.domain
    G = b.grid
    M = len(b.minima)
    colours = [OTHER, DIVERGED, UNCONVERGED] + [_minimum_colour(i) for i in range(M)]
    img = (b.label + 3).reshape(G)  # labels -3 (other), -2 (diverged), -1 (unconverged), 0 .. M-1 -> 0 .. M+2
    ax.imshow(img, origin="lower", extent=(x0, x1, y0, y1), cmap=ListedColormap(colours), vmin=-0.5,
              vmax=len(colours) - 0.5, interpolation="nearest", aspect="auto", alpha=0.55, rasterized=True)
    second = (b.label >= len(BASIN_COLOURS)).reshape(G)  # minima past the palette's end: hatched
    if second.any():
        xs, ys = np.linspace(x0, x1, G[1]), np.linspace(y0, y1, G[0])
        ax.contourf(xs, ys, second.astype(float), levels=[0.5, 1.5], colors="none", hatches=["///"])
    X, Y = np.meshgrid(np.linspace(x0, x1, 160), np.linspace(y0, y1, 160))
    Z = result.landscape.value(np.stack([X, Y], axis=-1))
    levels = np.unique(np.quantile(Z[np.isfinite(Z)], np.linspace(0, 1, 16)))
    if len(levels) > 1:
        ax.contour(X, Y, Z, levels=levels, colors="black", linewidths=0.3, alpha=0.35)
    handles = []
    for i, (p, frac) in enumerate(zip(b.minima, b.fractions())):
        handles.append(Patch(facecolor=_minimum_colour(i), alpha=0.7,
                             hatch="///" if i >= len(BASIN_COLOURS) else None,
                             label=f"→ minimum ({p.x[0] + 0.0:.3g}, {p.x[1] + 0.0:.3g}): {100 * frac:.1f}%"))
    for code, colour, what in ((-1, UNCONVERGED, "unconverged"), (-3, OTHER, "ends at a saddle or maximum"),
                               (-2, DIVERGED, "diverged")):
        share = float(np.mean(b.label == code))
        if share > 0:
            handles.append(Patch(facecolor=colour, edgecolor="black", linewidth=0.5, alpha=0.7,
                                 label=f"{what}: {100 * share:.1f}%"))
    for j, (_, branches) in enumerate(b.manifolds):
        for k, branch in enumerate(branches):
            (line,) = theory_line(ax, branch[:, 0], branch[:, 1], color="black",
                                  label="stable manifolds (gradient ascent from each saddle)"
                                  if j == 0 and k == 0 else None)
            if j == 0 and k == 0:
                handles.append(line)
    mark_critical_points(ax, result.critical.points)
    kinds = sorted({p.kind for p in result.critical.points}, key=list(KIND_STYLE).index)
    from matplotlib.lines import Line2D

    handles += [Line2D([], [], ls="", marker=KIND_STYLE[k]["marker"], color=KIND_STYLE[k]["color"], mec="black",
                       ms=8, label=k) for k in kinds]
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    eta = f", η = {b.eta:g}" if b.eta is not None else ""
    ax.set_title(f"Basins of attraction of {b.optimizer}{eta}\n{b.steps} steps from each of {G[0]}×{G[1]} starts",
                 fontsize=10)
    fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncols=2, frameon=False)
    return fig


def surface_figure(result, ax=None):
    """f over the domain as a surface, the critical points marked at their values."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    if ax is None:
        fig = Figure(figsize=(6.8, 5.6), layout="constrained")
        ax = fig.add_subplot(projection="3d", computed_zorder=False)
    fig = ax.figure
    (x0, x1), (y0, y1) = result.critical.domain
    X, Y = np.meshgrid(np.linspace(x0, x1, 70), np.linspace(y0, y1, 70))
    Z = result.landscape.value(np.stack([X, Y], axis=-1))
    floor = float(np.nanmin(Z))
    ax.plot_surface(X, Y, Z, cmap="viridis", linewidth=0, antialiased=False, alpha=0.8, rstride=1, cstride=1,
                    zorder=1, rasterized=True)
    levels = np.unique(np.quantile(Z[np.isfinite(Z)], np.linspace(0, 1, 16)))
    if len(levels) > 1:
        ax.contour(X, Y, Z, levels=levels, zdir="z", offset=floor, cmap="viridis", linewidths=0.6, zorder=0)
    handles = []
    for kind, style in KIND_STYLE.items():
        pts = [p for p in result.critical.points if p.kind == kind]
        if not pts:
            continue
        xyz = np.array([[*p.x, p.value] for p in pts])
        ax.scatter(xyz[:, 0], xyz[:, 1], xyz[:, 2], marker=style["marker"], color=style["color"], s=60,
                   edgecolor="black", linewidth=0.8, depthshade=False, zorder=5)
        for x, y, z in xyz:  # a stem to the floor, so each point's position reads off the contour map
            ax.plot([x, x], [y, y], [floor, z], color=style["color"], lw=0.8, ls=":", zorder=4)
        handles.append(Line2D([], [], ls="", marker=style["marker"], color=style["color"], mec="black", ms=8,
                              label=f"{kind} ({len(pts)})"))
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_zlabel("$f$")
    ax.set_zlim(floor, None)
    ax.view_init(elev=32, azim=-60)
    ax.set_title(f"{_name(result)}: the surface and its critical points", fontsize=10)
    if handles:
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8, frameon=False)
    return fig


def _name(result) -> str:
    return landscape_label(result.landscape)


class Animation:
    """The frames of the paths animation; ``save(path, fmt)`` writes the GIF."""

    formats = ("gif",)

    def __init__(self, result):
        self.result = result

    def frames(self):
        """The frames as (H, W, 4) uint8 RGBA arrays: the contours are rendered once (Agg) and
        each frame restores them and draws only the paths, the current points and the step."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        result = self.result
        fig = contour(result.landscape, result.critical.domain, resolution=160)
        fig.set_size_inches(6.4, 4.8)
        fig.set_dpi(ANIMATION_DPI)
        ax = fig.axes[0]
        mark_critical_points(ax, result.critical.points)
        series = [(traj, b) for _, traj in result.trajectories for b in range(traj.x.shape[1])]
        lines, dots = [], []
        for i, _ in enumerate(series):
            c = cycle_colour(i)
            lines.append(ax.plot([], [], "-", color=c, lw=1.8, zorder=6, animated=True)[0])
            dots.append(ax.plot([], [], "o", color=c, mec="white", ms=7, zorder=7, animated=True)[0])
        label = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=10, color="white",
                        bbox=dict(facecolor="black", alpha=0.5, lw=0), animated=True)
        names = ", ".join(dict.fromkeys(spec.name for spec, _ in result.trajectories))
        ax.set_title(f"{_name(result)}: {names} paths", fontsize=10)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)
        steps = _last_movement(series, result.critical.domain)
        for k in np.unique(np.round(np.linspace(0, steps, ANIMATION_FRAMES)).astype(int)):
            canvas.restore_region(background)
            for (traj, b), line, dot in zip(series, lines, dots):
                path = traj.x[: traj.row(int(k)) + 1, b]
                path = path[np.all(np.isfinite(path), axis=-1)]
                line.set_data(path[:, 0], path[:, 1])
                dot.set_data(path[-1:, 0], path[-1:, 1])
                ax.draw_artist(line)
                ax.draw_artist(dot)
            label.set_text(f"step {int(k)}")
            ax.draw_artist(label)
            yield np.asarray(canvas.buffer_rgba()).copy()

    def save(self, path, fmt: str = "gif") -> None:
        """Write the frames as a looping GIF with Pillow (the library matplotlib's PillowWriter
        uses; here fed blitted frames, about 20 times faster than redrawing each one), holding
        the last frame for a second."""
        from PIL import Image

        rgb = [Image.fromarray(f, "RGBA").convert("RGB") for f in self.frames()]
        # one palette for every frame (from the last, which holds every path), so the unchanged
        # background encodes the same in each and the GIF stores only what moved
        palette = rgb[-1].quantize(colors=255, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in rgb]
        durations = [int(1000 / ANIMATION_FPS)] * (len(images) - 1) + [1000]
        images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0,
                       optimize=True)


def _last_movement(series, domain) -> int:
    """The step after which no run moves more than 0.1% of the domain's size any more (its
    stored iterates stay within that of its final one), plus 10%: the frames span the motion."""
    size = float(np.min(np.diff(np.asarray(domain, dtype=float), axis=1)))
    last = 1
    for traj in {id(t): t for t, _ in series}.values():  # each optimizer's batch of runs at once
        x = traj.x  # (K, B, n); a diverged run is NaN from its divergence on
        ok = np.all(np.isfinite(x), axis=-1)  # (K, B)
        final = traj.final  # (B, n): the last finite iterate
        moving = ok & (np.linalg.norm(x - final, axis=-1) > 1e-3 * size)
        if moving.any():
            row = int(np.max(np.where(moving.any(axis=1))[0]))  # the last stored row where some run moves
            last = max(last, int(traj.at[min(row + 1, len(traj.at) - 1)]))
    total = max(int(traj.at[-1]) for traj, _ in series)
    return min(total, int(1.1 * last) + 1)


def animation(result) -> Animation:
    """The optimizers' paths on the contours as an animation (GIF only)."""
    return Animation(result)


animation.formats = Animation.formats
"""The formats this figure can be written in (the others: png, pdf, svg)."""


FIGURES = {"basins": basins_figure, "surface": surface_figure, "animation": animation}
