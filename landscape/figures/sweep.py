"""Figures of a sweep: means against the grid with their theory, counts by index, found fractions, spreads.

Every figure reads the sweep's result (``studies.sweep.SweepResult``); the x axis is
the grid's first parameter and each combination of the others is one series. Error
bars are 95% intervals of the mean (1.96 standard errors over the seeds); theory
(Kac-Rice, the GOE, the separable closed form) is drawn dashed on top, with its own
Monte Carlo error as a band where it has one.
"""

from __future__ import annotations

import numpy as np

from .style import THEORY, C, cycle_colour, subplots

Z95 = 1.96


def _data(result) -> dict:
    return result.to_dict() if hasattr(result, "to_dict") else result


def _series(data: dict):
    """[(label, [cells in x order])] grouping cells by every grid key but the first."""
    names = list(data["settings"]["grid"])
    x, rest = names[0], names[1:]
    groups: dict = {}
    for c in data["cells"]:
        key = tuple((k, json_key(c["params"][k])) for k in rest)
        groups.setdefault(key, []).append(c)
    out = []
    for key, cells in groups.items():
        label = ", ".join(f"{k} = {v}" for k, v in key) or None
        out.append((label, cells))
    return x, out


def json_key(v):
    return tuple(v) if isinstance(v, list) else v


def _xs(cells, x):
    values = [c["params"][x] for c in cells]
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    return (np.array(values, dtype=float) if numeric else np.arange(len(values))), values, numeric


def _err(c, key):
    se = c["se"].get(key)
    return 0.0 if se is None else Z95 * se


def _study_numbers(data: dict, count: int = 4) -> list[str]:
    """The numbers a study sweep's figure shows: those with a prediction beside them, then the rest."""
    keys = list(dict.fromkeys(k for c in data["cells"] for k in c["mean"]))
    keys = [k for k in keys if any(c["mean"].get(k) is not None for c in data["cells"])]
    with_theory = [k for k in keys if any(c["theory"].get(k) is not None for c in data["cells"])]
    return (with_theory + [k for k in keys if k not in with_theory])[:count]


def means(result, axes=None):
    """Mean total critical points and mean minima against the first grid parameter, with 95%
    error bars and the theory (dashed; log scale when the values span more than a decade).
    For a sweep of a study: its first numbers that have a prediction beside them."""
    data = _data(result)
    study = "study" in data["base"]
    shown = (_study_numbers(data) if study else ["total", "minima"])
    titles = shown if study else ["all critical points", "minima"]
    if axes is None:
        fig, axes = subplots(1, len(shown), figsize=(5.5 * len(shown), 4.4), squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    x, series = _series(data)
    for ax, key, title in zip(axes, shown, titles):
        spans = []
        for i, (label, cells) in enumerate(series):
            xs, values, numeric = _xs(cells, x)
            m = np.array([np.nan if c["mean"].get(key) is None else c["mean"][key] for c in cells], dtype=float)
            e = np.array([_err(c, key) for c in cells])
            colour = cycle_colour(i)
            ax.errorbar(xs, m, yerr=e, fmt="o", ms=5, color=colour, capsize=3, lw=1.2, zorder=3,
                        label=f"measured{', ' + label if label else ''} (mean ± 95%)")
            th = np.array([np.nan if c["theory"].get(key) is None else c["theory"][key] for c in cells], dtype=float)
            if np.isfinite(th).any():
                ax.plot(xs, th, color=C["black"] if len(series) == 1 else colour, marker="_", ms=10,
                        label=f"theory ({data['theory']})" + (f", {label}" if label else ""), **THEORY)
                spans.append(th[np.isfinite(th)])
            spans.append(m[np.isfinite(m)])
            if not numeric:
                ax.set_xticks(xs, [str(v) for v in values])
            elif x != "starts" and all(float(v).is_integer() for v in values) and len(values) <= 16:
                ax.set_xticks(xs)
        allv = np.concatenate(spans) if spans else np.array([])
        allv = allv[allv > 0]
        if allv.size and allv.max() / allv.min() > 10:
            from matplotlib.ticker import NullFormatter

            ax.set_yscale("log")
            ax.yaxis.set_minor_formatter(NullFormatter())  # decades labelled, not every minor tick
        if x == "starts":
            ax.set_xscale("log", base=2)
        ax.set_xlabel(x)
        ax.set_ylabel(f"mean {title}" if study else f"mean number of {title} per draw")
        ax.set_title(f"{title}: mean over {data['settings']['seeds']} seeds per cell", fontsize=10 if study else None)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=min(4, len(labels)), frameon=False, fontsize=8)
    return fig


def _panels(data: dict, height: float):
    """(figure, axes, cells, grid names): one panel per cell (the first 12), four to a row."""
    cells = data["cells"][:12]
    cols = min(4, len(cells))
    rows = -(-len(cells) // cols)
    fig, axes = subplots(rows, cols, figsize=(3.2 * cols + 0.6, height * rows + 0.6), squeeze=False)
    return fig, axes, cells, list(data["settings"]["grid"])


def _finish_panels(fig, axes, cells, ylabel: str, ncols: int, total: int | None = None):
    """Hide the spare panels, label the first column, put the legend above the panels (its title
    says so when the sweep has more cells than the panels show)."""
    for panel in list(axes.flat)[len(cells):]:
        panel.set_visible(False)
    for panel in axes[:, 0]:
        panel.set_ylabel(ylabel)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    more = total is not None and total > len(cells)
    fig.legend(handles, labels, loc="outside upper center", ncols=ncols, frameon=False, fontsize=9,
               title=f"the first {len(cells)} of {total} cells (all of them in summary.md and cells.csv)"
               if more else None, title_fontsize=9)
    return fig


def by_index(result, ax=None):
    """Mean count of each index k per cell (bars, 95% error bars) against theory (diamonds)."""
    data = _data(result)
    fig, axes, cells, names = _panels(data, 2.8)
    for panel, c in zip(axes.flat, cells):
        m = np.array([np.nan if v is None else v for v in c["mean"]["by_index"]], dtype=float)
        e = np.array([0.0 if v is None else Z95 * v for v in c["se"]["by_index"]])
        k = np.arange(m.size)
        panel.bar(k, m, yerr=e, color=C["sky"], edgecolor=C["blue"], capsize=2, label="measured (mean ± 95%)")
        th = c["theory"].get("by_index")
        if th is not None:
            panel.plot(k, th, "D", color=C["black"], ms=5, zorder=4, label=f"theory ({data['theory']})")
        panel.set_title(", ".join(f"{n} = {c['params'][n]}" for n in names), fontsize=9)
        panel.set_xlabel("index k")
        panel.set_xticks(k if k.size <= 13 else k[::2])
    return _finish_panels(fig, axes, cells, "mean count", 2, len(data["cells"]))


def found_fraction(result, ax=None):
    """Found / expected total against the first grid parameter (95% error bars): the engine's
    (random starts, then starts next to the points found), and the random starts' alone
    where the neighbour starts added points."""
    from .style import new_axes

    data = _data(result)
    fig, ax = new_axes(ax, size=(8.0, 4.8))
    x, series = _series(data)
    for i, (label, cells) in enumerate(series):
        xs, values, numeric = _xs(cells, x)
        colour = cycle_colour(i)
        both = any(c["mean"].get("found_fraction_random") != c["mean"].get("found_fraction") for c in cells)
        for key, style, what in (("found_fraction", "o-", "search"), ("found_fraction_random", "s:", "random starts alone")):
            if key == "found_fraction_random" and not both:
                continue  # the starts next to found points added nothing: one curve
            m = np.array([np.nan if c["mean"].get(key) is None else c["mean"][key] for c in cells], dtype=float)
            e = np.array([_err(c, key) for c in cells])
            ax.errorbar(xs, m, yerr=e, fmt=style, ms=5 if key == "found_fraction" else 4, color=colour, capsize=3,
                        lw=1.2, alpha=1.0 if key == "found_fraction" else 0.7,
                        label=f"{label + ': ' if label else ''}{what}")
        if not numeric:
            ax.set_xticks(xs, [str(v) for v in values])
    ax.axhline(1.0, color=C["black"], label="all expected points", **THEORY)
    if x == "starts":
        ax.set_xscale("log", base=2)
    else:
        xs, values, numeric = _xs(series[0][1], x)
        if numeric and all(float(v).is_integer() for v in values) and len(values) <= 16:
            ax.set_xticks(xs)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(x + (" (random starts)" if x == "starts" else ""))
    ax.set_ylabel("found / expected critical points")
    ax.set_title("how much of the expected set one search finds", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", frameon=False, fontsize=8)
    return fig


def distributions(result, ax=None):
    """Per cell, the histogram of the total over the seeds, with its mean and the theory."""
    data = _data(result)
    fig, axes, cells, names = _panels(data, 2.6)
    by_cell: dict = {}
    for t in data["task_results"]:
        by_cell.setdefault(repr(sorted(t["params"].items())), []).append(t["total"])
    for panel, c in zip(axes.flat, cells):
        totals = np.array(by_cell.get(repr(sorted(c["params"].items())), []), dtype=float)
        if totals.size:
            lo, hi = totals.min(), totals.max()
            bins = np.arange(lo - 0.5, hi + 1.5) if hi - lo <= 40 else 20
            panel.hist(totals, bins=bins, color=C["sky"], edgecolor=C["blue"], label="draws")
            panel.axvline(totals.mean(), color=C["blue"], lw=2, label="mean")
        th = c["theory"].get("total")
        if th is not None:
            panel.axvline(th, color=C["black"], label=f"theory ({data['theory']})", **THEORY)
        panel.set_title(", ".join(f"{n} = {c['params'][n]}" for n in names), fontsize=9)
        panel.set_xlabel("critical points found")
    return _finish_panels(fig, axes, cells, "draws", 3, len(data["cells"]))


FIGURES = {"means": means, "by-index": by_index, "found-fraction": found_fraction, "distributions": distributions}


def can_draw(name: str, result) -> bool:
    """by-index and found-fraction need the family's theory; every figure needs a finished task."""
    data = _data(result)
    if not data["task_results"]:
        return False
    if "study" in data["base"]:
        return name == "means" and bool(_study_numbers(data))
    if name in ("by-index", "found-fraction"):
        return any(c["theory"].get("by_index") is not None for c in data["cells"])
    return True
