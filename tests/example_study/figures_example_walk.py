"""The figure of the example-walk study: |x_k| against k, measured and predicted."""

from __future__ import annotations

import numpy as np

from landscape.figures.style import new_axes


def walk_figure(result, ax=None):
    """|x_k| (log) against k: the iterates (dots) on the closed form (line)."""
    fig, ax = new_axes(ax)
    k = np.arange(len(result.measured))
    ax.semilogy(k, np.abs(result.predicted), "-", color="#0072B2", label="(1 - ηa)^k x0")
    ax.semilogy(k, np.abs(result.measured), "o", color="#D55E00", ms=3, label="GD")
    ax.set_xlabel("step k")
    ax.set_ylabel("|x_k|")
    ax.legend(loc="upper right")
    return fig
