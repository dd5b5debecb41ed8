"""Figures: the only package that imports matplotlib, and only inside the functions.

One module per thing drawn: ``trajectories`` (the saddle-2d kind), ``critical``
(`landscape critical`), ``counting`` (`landscape count-critical`) and one per
study, named like its kind; ``style`` holds the shared palette and axes helpers.
Every figure function takes a result and an optional ``ax`` (or ``axes``) and
returns a ``matplotlib.figure.Figure``. Figures are built without pyplot, so
nothing global changes: no backend is chosen, no rcParams are set, and a
notebook user's own plotting keeps working. ``save`` writes a Figure to PNG,
PDF or SVG with the settings that make the files reproducible; an animation
(``plane.animation``) is an object with its own ``save`` that writes a GIF.
"""

from __future__ import annotations

from pathlib import Path

FORMATS = ("png", "pdf", "svg", "gif")
"""Every format a figure can be written in: png, pdf and svg for the still figures, gif for
the animations (a figure function's ``formats`` attribute names the ones it supports)."""

STILL_FORMATS = ("png", "pdf", "svg")


def formats_of(draw) -> tuple[str, ...]:
    """The formats a figure function's result can be written in (STILL_FORMATS unless it says)."""
    return tuple(getattr(draw, "formats", STILL_FORMATS))

SAVE_RC = {"svg.hashsalt": "landscape", "pdf.fonttype": 42, "ps.fonttype": 42}
"""Applied only while saving (``matplotlib.rc_context``): SVG ids that do not change from
run to run, and TrueType (Type 42) fonts in PDF, which journals and editors accept."""

_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "ModDate": None}}
"""No timestamps or version strings in the files, so the same figure gives the same bytes."""


def save(fig, paths_formats) -> None:
    """Save ``fig`` to each ``(path, format)`` pair (format one of FORMATS), at 150 dpi for PNG."""
    import matplotlib

    with matplotlib.rc_context(SAVE_RC):
        for path, fmt in paths_formats:
            fig.savefig(Path(path), format=fmt, dpi=150, metadata=_METADATA[fmt])
