"""Figures of the training study: curves, sharpness against 2/eta, spectra, outliers, slices.
They draw what the result carries (``TrainingResult.to_dict()``); every prediction shown is
computed by the study.
"""

from __future__ import annotations

import numpy as np

from .style import C, MEASURED, axes_row, colormap, drawn, finish, subplots, theory_line

RUN_STYLE = {False: dict(color=C["blue"], ls="-", marker="o"), True: dict(color=C["vermillion"], ls="--", marker="s")}


def _label(run) -> str:
    return "with batch norm" if run["batchnorm"] else "without batch norm"


def _data(result) -> dict:
    return result.to_dict() if hasattr(result, "to_dict") else result


@drawn
def curves_figure(result, axes=None):
    """Left: training and test loss per epoch; right: test accuracy per epoch, one line per run."""
    d = _data(result)
    fig, axes = axes_row(axes, 2, (11.5, 4.4))
    for r in d["runs"]:
        st = RUN_STYLE[r["batchnorm"]]
        e = np.arange(1, r["epochs"] + 1)
        axes[0].plot(e, r["train_loss"], color=st["color"], ls="-", marker=st["marker"], ms=4, label=f"train, {_label(r)}")
        axes[0].plot(e, r["test_loss"], color=st["color"], ls=":", marker=st["marker"], ms=4, mfc="white",
                     label=f"test, {_label(r)}")
        axes[1].plot(e, 100 * np.asarray(r["test_accuracy"]), color=st["color"], ls=st["ls"], marker=st["marker"], ms=4,
                     label=f"{_label(r)}: {100 * r['final_test_accuracy']:.1f}% at the end")
    finish(axes[0], "epoch", "cross-entropy (inference mode)", "Loss per epoch", logy=True)
    finish(axes[1], "epoch", "test accuracy (%)", f"Accuracy on the {d['test_samples']} held-out samples", loc="lower right")
    land = d["landscape"]["params"]
    fig.suptitle(f"{'-'.join(map(str, land['layers']))} {land['activation']} network on {land['dataset']}, "
                 f"{d['optimizer']}")
    return fig


@drawn
def sharpness_figure(result, ax=None):
    """The top Hessian eigenvalue of the training loss per epoch (0 = initialisation), per run,
    with GD's stability bound 2/eta dashed."""
    from .style import new_axes

    d = _data(result)
    fig, ax = new_axes(ax, (7.2, 4.6))
    top, low = 0.0, np.inf
    for r in d["runs"]:
        st = RUN_STYLE[r["batchnorm"]]
        s = [r["sharpness_init"], *r["sharpness"]]
        ax.plot(np.arange(len(s)), s, color=st["color"], ls=st["ls"], marker=st["marker"], ms=4, label=_label(r))
        top, low = max(top, max(s)), min(low, min(s))
    theory_line(ax, [0, d["runs"][0]["epochs"]], [d["threshold"]] * 2, color=C["black"],
                label=rf"$2/\eta$ = {d['threshold']:.3g} (GD's stability bound)")
    logy = d["threshold"] > 3 * top
    ax.set_ylim(max(min(low, d["threshold"]), 1e-12) / 1.5 if logy else 0, max(d["threshold"], top) * (2 if logy else 1.4))
    finish(ax, "epoch", r"sharpness $\lambda_{\max}$ of the training loss", "Sharpness along training against 2/η",
           logy=logy)
    if logy:
        from matplotlib.ticker import FormatStrFormatter

        ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    return fig


@drawn
def spectrum_figure(result, axes=None):
    """SLQ eigenvalue densities at initialisation, mid-training and the end, one panel per run
    (symmetric-log x so the bulk near 0 and the outliers both show); the Lanczos top eigenvalues
    at the end as ticks on top."""
    d = _data(result)
    runs = d["runs"]
    if axes is None:
        fig, axes = subplots(1, len(runs), figsize=(5.8 * len(runs) + 1, 4.4), squeeze=False)
        axes = axes[0]
    else:
        axes = np.atleast_1d(axes)
        fig = axes[0].figure
    colours = (C["sky"], C["orange"], C["black"])
    for ax, r in zip(axes, runs):
        for dens, colour, ls in zip(r["densities"], colours, ("-", "--", "-")):
            y = np.maximum(np.asarray(dens["density"]), 1e-8)
            ax.plot(dens["grid"], y, color=colour, ls=ls, lw=1.6,
                    label=f"{dens['label']} (epoch {dens['epoch']}), negative {100 * dens['negative_share']:.0f}%")
        for v in r["top_eigenvalues"]:
            ax.axvline(v, ymin=0.93, ymax=1.0, color=C["vermillion"], lw=1.0)
        ax.set_xscale("symlog", linthresh=max(1e-3, r["densities"][-1]["width"]))
        ax.set_ylim(1e-6, None)
        finish(ax, "eigenvalue λ", "density (log)", f"{_label(r)}: ticks = top {len(r['top_eigenvalues'])} by Lanczos",
               logy=True, legend=7)
    fig.suptitle(f"Hessian eigenvalue density by stochastic Lanczos quadrature ({d['slq']['probes']} probes, "
                 f"{d['slq']['lanczos_steps']} steps, Gaussian kernel {d['slq']['kernel']:g} × span)")
    return fig


@drawn
def outliers_figure(result, ax=None):
    """The top eigenvalues at the end, descending, per run (log y), the outliers split off by the
    largest ratio marked, and the number of classes C as a vertical line."""
    from .style import new_axes

    d = _data(result)
    fig, ax = new_axes(ax, (7.2, 4.6))
    for r in d["runs"]:
        st = RUN_STYLE[r["batchnorm"]]
        lam = np.asarray(r["top_eigenvalues"])
        j = np.arange(1, len(lam) + 1)
        ax.plot(j, np.where(lam > 0, lam, np.nan), color=st["color"], ls=st["ls"], marker=st["marker"], ms=4,
                label=f"{_label(r)}: {r['outliers']} outlier(s), gap ×{r['outlier_gap']:.2f}")
        k = r["outliers"]
        ax.axvspan(0.5, k + 0.5, color=st["color"], alpha=0.08)
    ax.axvline(d["classes"] + 0.5, color=C["black"], **{"ls": (0, (5, 2.5)), "lw": 1.2},
               label=f"C = {d['classes']} classes (Sagun et al. 2017; Papyan 2019)")
    finish(ax, "rank j", r"$\lambda_j$ (log)", "Top Hessian eigenvalues at the end; shaded: the outliers", logy=True,
           legend=7)
    return fig


@drawn
def interpolation_figure(result, ax=None):
    """Training and test loss along (1 - a) theta_0 + a theta_T, a from -0.5 to 1.5."""
    from .style import new_axes

    d = _data(result)
    fig, ax = new_axes(ax, (7.2, 4.6))
    for r in d["runs"]:
        st = RUN_STYLE[r["batchnorm"]]
        line = r["interpolation"]
        ax.plot(line["alpha"], line["train_loss"], color=st["color"], ls="-", **{k: v for k, v in MEASURED.items() if k != "lw"},
                lw=2.2, label=f"train, {_label(r)}")
        ax.plot(line["alpha"], line["test_loss"], color=st["color"], ls=":", lw=1.6, label=f"test, {_label(r)}")
    for a in (0, 1):
        ax.axvline(a, color=C["grey"], lw=0.8)
    finish(ax, r"$a$ in $(1-a)\,\theta_0 + a\,\theta_T$", "loss (train mode, log)",
           "From the initialisation (a = 0) to the trained point (a = 1)", logy=True, legend=7)
    return fig


@drawn
def slices_figure(result, axes=None):
    """Contours of the training loss in planes through the trained point: rows = runs, columns =
    (two filter-normalised random directions, the top two Hessian eigenvectors, the path's two
    principal directions); the training
    path projected on each plane (white), its start a circle, its end a star."""
    d = _data(result)
    runs = d["runs"]
    if axes is None:
        fig, axes = subplots(len(runs), 3, figsize=(16, 4.9 * len(runs)), squeeze=False)
    else:
        fig = np.ravel(axes)[0].figure
        axes = np.asarray(axes).reshape(len(runs), 3)
    import matplotlib.patheffects as pe

    outline = [pe.Stroke(linewidth=3.2, foreground="black"), pe.Normal()]
    cmap = colormap("viridis")
    for row, r in zip(axes, runs):
        for ax, p in zip(row, r["slices"]):
            Z = np.log10(np.maximum(np.asarray(p["loss"]), 1e-12))
            levels = np.linspace(Z.min(), np.percentile(Z, 98), 25)
            filled = ax.contourf(p["x"], p["y"], Z, levels=levels, cmap=cmap, extend="max")
            filled.set_rasterized(True)
            ax.contour(p["x"], p["y"], Z, levels=levels, colors="white", linewidths=0.3, alpha=0.5)
            fig.colorbar(filled, ax=ax, label=r"$\log_{10}$ training loss", format="%.2f")
            ax.plot(p["path_x"], p["path_y"], color="white", lw=1.6, path_effects=outline, label="training path (projected)")
            ax.plot(p["path_x"][0], p["path_y"][0], "o", mfc="white", mec="black", ms=8, mew=1.2, label="start")
            ax.plot(0, 0, "*", color=C["orange"], ms=12, mec="black", label="trained point")
            ax.set_xlim(p["x"][0], p["x"][-1])
            ax.set_ylim(p["y"][0], p["y"][-1])
            what, a, b = {"random": ("filter-normalised random directions", "$d_1$", "$d_2$"),
                          "hessian": ("top two Hessian eigenvectors", "$v_1$", "$v_2$"),
                          "path": ("the path's principal directions", "PC 1", "PC 2")}[p["directions"]]
            finish(ax, f"along {a}", f"along {b}",
                   f"{_label(r)}: {what}\nthe plane holds {100 * p['captured_median']:.0f}% of the path's "
                   "displacement (median)", legend=7)
    fig.suptitle("Loss slices through the trained point (star), with the training path projected "
                 "(Li et al. 2018: random directions and the path's principal directions)")
    return fig
