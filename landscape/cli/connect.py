"""`landscape connect`: which minima each saddle joins, the disconnectivity graph, minimum-energy paths."""

from __future__ import annotations

import click

from ..errors import LandscapeError
from . import options as opt


@click.command("connect", short_help="Join minima by their saddles: graph, tree and paths.")
@opt.landscape_options
@click.option("--domain", default=None, metavar="xmin:xmax,ymin:ymax",
              help="Search box (default: the family's).")
@click.option("--between", default=None, metavar="I,J",
              help="The two minima (point ids) for the minimum-energy path [default: the lowest minimum and "
                   "the minimum farthest from it in hops].")
@click.option("--points", "points_file", default=None, type=click.Path(dir_okay=False),
              help="Use these critical points instead of searching: points.csv of `critical --out` "
                   "(or nodes.csv of an earlier connect).")
@opt.starts_option(65536, "Start budget of the search; it stops earlier once the count is stable.")
@click.option("--basin-starts", type=click.IntRange(0, 1_000_000), default=1024, show_default=True,
              help="Steepest descents from random starts that measure each minimum's basin (0: none).")
@click.option("--images", type=click.IntRange(3, 1000), default=25, show_default=True,
              help="Images of each climbing-image band, its two ends included.")
@click.option("--max-paths", type=click.IntRange(0, 1_000_000), default=4096, show_default=True,
              help="Descents from saddles of index >= 2 to follow at most (lowest index first); index-1 "
                   "saddles are always followed.")
@click.option("--spacing", type=float, default=None,
              help="Draw the disconnectivity graph's joins on levels this far apart [default: at the saddles' "
                   "own energies].")
@opt.search_budget_options
@opt.jobs_option
@opt.seed_option(0, "Seed of the search's and the basins' starts.")
@opt.out_option(None, "Write OUT/connect-FAMILY/ with graph.json, the figures, nodes.csv and summary.md.")
@opt.format_option()
@opt.force_option
@opt.quiet_option
@opt.json_option
def command(family, expr, variables, dim, params, terms_file, domain, between, points_file, starts, basin_starts,
            images, max_paths, spacing, max_newton_steps, max_seconds, jobs, seed, out, formats, force, quiet, as_json):
    """Descend from every saddle to the minima it joins, and draw the landscape as a tree.

    FAMILY is a built-in family, or give a formula with --expr. The critical
    points come from the engine's search (as in `landscape critical`) or from
    --points. Prints each index-1 saddle with the two minima it joins and both
    barriers, the disconnectivity tree's joins, the minimax path between two
    minima with a climbing-image band checked against the engine's saddles,
    and the basins' sizes. --json prints graph.json.
    """
    from ..connect import connect
    from ..critical import find_critical_points, from_points
    from ..report import graph_dict
    from ..tables import connect_tables
    from .critical import build_for_search

    opt.set_force(force)
    box = opt.parse_domain(domain) if domain is not None else None
    family, settings = opt.with_expression(family, expr, variables, opt.parse_params(params))
    if family == "expression" and box is not None:
        settings.setdefault("box", [list(iv) for iv in box])
    pair = parse_between(between) if between is not None else None
    if spacing is not None and not 0 < spacing < float("inf"):
        raise LandscapeError(f"--spacing must be a positive energy step, got {spacing}")
    land = build_for_search(family, dim, settings, terms_file)
    if box is not None and land.manifold != "euclidean":
        raise LandscapeError(f"--domain does not apply to {land.name}: it lives on a {land.manifold}")
    figure_formats = opt.formats(formats) if out is not None else None
    out = opt.check_out(out, [f"connect-{land.name}"]) if out is not None else None
    jobs = opt.capped_jobs(jobs, quiet)
    from ..connect.connection import check_budget

    check_budget(land, 0, basin_starts, max_paths)  # before the search; again with its saddles after it
    with opt.Progress(quiet or as_json) as progress:
        if points_file is not None:
            crit = from_points(land, read_points(points_file, land.dim), box, seed=seed, where=points_file)
        else:
            crit = find_critical_points(land, box, starts=starts, seed=seed, jobs=jobs,
                                        max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                                        progress=progress.lazy("searching", starts))
        conn = connect(land, crit, between=pair, basin_starts=basin_starts, seed=seed, images=images,
                       max_paths=max_paths, progress=progress.callback)
    if out is not None:
        from ..report import write_connect

        folder, written = write_connect(conn, out, figure_formats, spacing=spacing)
        opt.say_wrote(folder, written, quiet)
    data = graph_dict(conn)
    if as_json:
        opt.echo_json(data)
    else:
        click.echo("\n".join(connect_tables(data)))


def parse_between(text: str) -> tuple[int, int]:
    """'I,J' -> (I, J), two different non-negative point ids."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise LandscapeError(f"--between: expected two point ids I,J (e.g. 0,2), got {text!r}")
    i, j = (int(p) for p in parts)
    if i == j:
        raise LandscapeError("--between: give two different minima")
    return i, j


MAX_POINTS = 1_000_000
"""The most rows a --points file may have."""


def read_points(path: str, dim: int):
    """The coordinates (P, dim) in a points.csv (columns x1..xN, as `critical --out` writes)."""
    import csv

    import numpy as np

    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise LandscapeError(f"--points: {path} is empty")
            cols = [f"x{i + 1}" for i in range(dim)]
            missing = [c for c in cols if c not in header]
            if missing:
                raise LandscapeError(f"--points: {path} has no column {missing[0]} (expected the columns "
                                     f"x1..x{dim} of a points.csv for this {dim}-dimensional landscape)")
            extra = [h for h in header if h.startswith("x") and h[1:].isdigit() and int(h[1:]) > dim]
            if extra:
                raise LandscapeError(f"--points: {path} has column {extra[0]}: its points have more than the "
                                     f"landscape's {dim} coordinates")
            at = [header.index(c) for c in cols]
            rows = []
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(rows) >= MAX_POINTS:
                    raise LandscapeError(f"--points: {path} has more than {MAX_POINTS} points")
                try:
                    rows.append([float(row[k]) for k in at])
                except (ValueError, IndexError):
                    raise LandscapeError(f"--points: {path} line {line}: expected {dim} numbers in "
                                         f"columns x1..x{dim}") from None
    except OSError as err:
        raise LandscapeError(f"--points: cannot read {path}: {err.strerror}") from None
    except (UnicodeDecodeError, csv.Error) as err:
        raise LandscapeError(f"--points: {path} is not a CSV file ({err})") from None
    if not rows:
        raise LandscapeError(f"--points: {path} has no points")
    return np.array(rows, dtype=float)
