"""Figures of the dead-relu study: dead units against the step size, the empty Hessian rows.
They draw what the result carries; every prediction shown is computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import drawn, axes_pair, finish


@drawn
def dead_units_figure(result, axes=None):
    """Left: one run at the large step, dead units and loss per step, with and without batch norm.
    Right: the fraction of dead units after training against the step size."""
    fig, axes = axes_pair(axes, size=(12, 4.8))
    d = result.to_dict()
    ax = axes[0]
    k = np.arange(len(d["detail"]["dead"]))
    units = sum(result.plain.layers[1:-1])
    ax.step(k, d["detail"]["dead"], where="post", color="#D55E00", lw=1.6, label="dead units, plain")
    ax.step(k, d["detail"]["dead_batchnorm"], where="post", color="#0072B2", lw=1.6, ls="--",
            label="dead units, batch norm")
    ax.set_ylim(-0.5, units + 0.5)
    twin = ax.twinx()
    twin.plot(k, d["detail"]["loss"], ":", color="#D55E00", lw=1.1)
    twin.plot(k, d["detail"]["loss_batchnorm"], ":", color="#0072B2", lw=1.1)
    twin.set_yscale("log")
    twin.set_ylabel("loss (dotted, log scale)")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(0, k[-1])
    finish(ax, "step (symlog)", f"dead units (of {units})",
            f"One run at η = {d['large_eta']:g}: units die in the first large steps", loc="upper right")
    ax = axes[1]
    for bn, colour, style, label in ((False, "#D55E00", "o-", "plain"), (True, "#0072B2", "s--", "batch norm")):
        rows = [r for r in d["sweep"] if r["batchnorm"] == bn]
        ax.plot([r["eta"] for r in rows], [r["dead_fraction"] for r in rows], style, color=colour, lw=1.6, label=label)
    ax.set_xscale("log")
    finish(ax, r"step size $\eta$ (log)", "fraction of hidden units dead after training",
            f"{d['settings']['runs']} starts per η, {d['steps']} steps", loc="upper left")
    fig.suptitle(f"{result.scenario.name}: ReLU units killed by large steps")
    return fig


@drawn
def dead_spectrum_figure(result, axes=None):
    """Left: |H| after the first deaths (log colour): the parameters of dead units are empty
    rows and columns. Right: the sorted |eigenvalues| with and without batch norm."""
    fig, axes = axes_pair(axes, size=(12, 5.2))
    d = result.to_dict()
    sp = result.spectra["plain"]
    H = np.abs(sp["hessian"])
    floor = max(H.max() * 1e-12, 1e-300)
    ax = axes[0]
    im = ax.imshow(np.log10(np.maximum(H, floor)), cmap="magma_r", interpolation="nearest",
                   vmin=np.log10(floor), vmax=np.log10(H.max()))
    fig.colorbar(im, ax=ax, label=r"$\log_{10}|H_{ij}|$", shrink=0.85)
    finish(ax, "parameter j", "parameter i",
            f"$|H|$ at step {d['analysis_step']}: {d['dead_units_at_analysis']} dead units, "
            f"{d['flat_directions']['dead_unit_parameters']} empty rows", legend=None)
    ax.grid(False)
    ax = axes[1]
    for data, colour, marker, label in ((d, "#D55E00", "o", "plain"), (d["batchnorm"], "#0072B2", "s", "batch norm")):
        lam = np.sort(np.abs(np.asarray(data["eigenvalues"])))
        lo = lam[lam > 0].min() if np.any(lam > 0) else 1e-300
        ax.semilogy(np.arange(1, len(lam) + 1), np.maximum(lam, lo), marker, ls="none", ms=2.5, color=colour,
                    label=f"{label}: {data['zero_eigenvalues']} below {data['zero_tol']:.0e}")
        ax.axhline(data["zero_tol"], color=colour, lw=0.7, ls="--")
    finish(ax, r"eigenvalue number (by $|\lambda|$)", r"$|\lambda|$ (log)", "Hessian eigenvalues: the zero block and the rest",
            loc="lower right")
    fig.suptitle(f"{result.scenario.name}: zero-gradient, zero-curvature directions of dead units")
    return fig
