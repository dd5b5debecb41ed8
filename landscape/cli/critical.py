"""`landscape critical`: every critical point of one landscape, classified, with completeness."""

from __future__ import annotations

import click

from ..errors import LandscapeError
from . import options as opt


@click.command("critical", short_help="Find and classify every critical point.")
@opt.landscape_options
@click.option("--domain", default=None, metavar="xmin:xmax,ymin:ymax",
              help="Search box (default: the family's, which holds every critical point when the "
                   "landscape is coercive).")
@opt.starts_option(65536, "Start budget; the search stops earlier once the count is stable.")
@click.option("--batch", type=int, default=None,
              help="Largest completeness batch: batches start at 1024 starts and double up to this "
                   "[default: 16384].")
@opt.search_budget_options
@opt.jobs_option
@opt.scheduler_option
@opt.seed_option(0, "Seed of the starts.")
@opt.out_option(None, "Write OUT/critical-FAMILY/ with figures, results.json, points.csv and summary.md.")
@opt.format_option()
@opt.force_option
@opt.quiet_option
@opt.json_option
def command(family, expr, variables, dim, params, terms_file, domain, starts, batch, max_newton_steps, max_seconds, jobs,
            scheduler, seed, out, formats, force, quiet, as_json):
    """Find all critical points of a landscape, classify them and measure completeness.

    FAMILY is a built-in family, or give your own formula with --expr, e.g.
    landscape critical --expr "x^4 - 2*x^2 + y^2" --domain -2:2,-2:2.

    Prints the count by index (with the exact or expected count where theory
    gives one), the estimated total, the Morse check, and the points by value.
    """
    from ..critical import survey
    from ..report import to_jsonable
    from ..tables import critical_tables

    opt.set_force(force)
    box = opt.parse_domain(domain) if domain is not None else None
    family, settings = opt.with_expression(family, expr, variables, opt.parse_params(params))
    if family == "expression" and box is not None:
        settings.setdefault("box", [list(iv) for iv in box])  # the formula is checked at the box's centre
    land = build_for_search(family, dim, settings, terms_file)
    figure_formats = opt.formats(formats) if out is not None else None
    out = opt.check_out(out, [f"critical-{land.name}"]) if out is not None else None
    from contextlib import nullcontext

    from ..parallel import Dask

    jobs = opt.capped_jobs(jobs, quiet) if scheduler is None else jobs
    with (Dask(scheduler, jobs) if scheduler is not None else nullcontext()) as cluster, \
            opt.Progress(quiet or as_json) as progress:
        result = survey(land, box, starts=starts, seed=seed, batch=batch, jobs=jobs,
                        max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                        progress=progress.lazy("searching", starts),
                        executor=cluster.executor() if cluster is not None else None)
    if out is not None:
        from ..report import write_critical

        folder, written = write_critical(result, out, figure_formats)
        opt.say_wrote(folder, written["figures"] + ["results.json", "points.csv", "summary.md"], quiet)
    data = to_jsonable(result.to_dict())
    if as_json:
        from ..schema import versions

        opt.echo_json({**data, "versions": versions()})  # as results.json has them
    else:
        click.echo("\n".join(critical_tables(data)))


def build_for_search(family: str, dim: int | None, settings: dict, terms_file: str | None):
    """The landscape for `critical`: --dim and --terms folded into the family's parameters."""
    import dataclasses

    from ..families import LANDSCAPES, build

    if terms_file is not None:
        if family != "polynomial":
            raise LandscapeError("--terms gives a polynomial's terms: use it with the polynomial family")
        settings["terms"] = read_terms(terms_file)
    if dim is not None:
        if dim < 1:
            raise LandscapeError(f"--dim must be a positive integer, got {dim}")
        if "dim" not in {f.name for f in dataclasses.fields(LANDSCAPES[family])}:
            raise LandscapeError(f"{family} has a fixed dimension; --dim does not apply")
        if "terms" not in settings:
            settings.setdefault("dim", dim)
    land = build(family, settings)
    if dim is not None and land.dim != dim:
        raise LandscapeError(f"{family} has dimension {land.dim}, not --dim {dim}")
    return land


def read_terms(path: str):
    """The ``terms`` list of a polynomial's JSON file, refused with one line if malformed."""
    import json

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as err:
        raise LandscapeError(f"--terms: cannot read {path}: {err.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise LandscapeError(f"--terms: {path} is not valid JSON ({err})") from None
    except RecursionError:
        raise LandscapeError(f"--terms: {path} nests its lists too deeply to be a polynomial's terms") from None
    if not isinstance(data, dict) or "terms" not in data:
        raise LandscapeError(f'--terms: {path} must hold an object {{"terms": [[[e1, ..., eN], c], ...]}}')
    extra = sorted(set(data) - {"terms"})
    if extra:
        raise LandscapeError(f"--terms: {path}: unknown key {extra[0]!r}; the file holds only \"terms\"")
    return data["terms"]
