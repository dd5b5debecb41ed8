"""`landscape count-critical`: critical points by index under coin flips, random matrices or a landscape."""

from __future__ import annotations

import click

from ..errors import LandscapeError
from . import options as opt


@click.command("count-critical", short_help="Count critical points by index against theory.")
@click.option("--dim", "-n", type=int, required=True, help="The dimension N.")
@click.option("--model", default="signs", show_default=True, type=opt.MODEL,
              help="signs: exact sign configurations; the others: sampled random Hessians.")
@click.option("--enumerate", "enumerate_all", is_flag=True,
              help="Walk all 2^N sign vectors and classify each (N <= 20).")
@click.option("--samples", type=int, default=100_000, show_default=True, help="Random matrices to sample.")
@click.option("--landscape", "family", default=None, metavar="FAMILY", type=opt.FAMILY,
              help="Count the critical points of a real landscape.")
@opt.expr_options
@opt.param_option
@opt.starts_option(4096, "Search starts for --landscape or --expr.")
@opt.search_budget_options
@opt.jobs_option
@opt.seed_option(0, "Seed of the samples and starts.")
@opt.out_option(None, "Write OUT/count-critical/ with figures, results.json and summary.md.")
@opt.format_option()
@opt.force_option
@opt.quiet_option
@opt.json_option
def command(dim, model, enumerate_all, samples, family, expr, variables, params, starts, max_newton_steps, max_seconds, jobs, seed, out,
            formats, force, quiet, as_json):
    """How many critical points of each index: coin flips, random matrices, real landscapes."""
    import dataclasses

    from ..counting import count_critical as count
    from ..families import LANDSCAPES, build

    opt.set_force(force)
    land = None
    if expr is not None or variables is not None:
        family, settings = opt.with_expression(family, expr, variables, opt.parse_params(params), "--landscape")
    if family is not None:
        settings = settings if expr is not None else opt.parse_params(params)
        if "dim" in {f.name for f in dataclasses.fields(LANDSCAPES[family])}:
            settings.setdefault("dim", dim)
        land = build(family, settings)
        if land.dim != dim:
            raise LandscapeError(f"--landscape {family} has dimension {land.dim}, not --dim {dim}")
    elif params:
        raise LandscapeError("--param sets a family parameter: use it with --landscape")
    figure_formats = opt.formats(formats) if out is not None else None
    out = opt.check_out(out, ["count-critical"]) if out is not None else None
    jobs = opt.capped_jobs(jobs, quiet)
    with opt.Progress(quiet or as_json) as progress:
        # indices count the negative eigenvalues of the Hessian, (N-1) x (N-1) on a sphere
        hessian_dim = land.tangent_dim if land is not None else dim
        result = count(hessian_dim, model, enumerate_all=enumerate_all, samples=samples, seed=seed,
                       landscape=land, starts=starts, curves=out is not None, jobs=jobs,
                       max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                       progress=progress.callback)
    if out is not None:
        from ..report import write_count

        folder, data = write_count(result, out, figure_formats)
        opt.say_wrote(folder, data["figures"] + ["results.json", "summary.md"], quiet)
    from ..report import to_jsonable

    if as_json:
        from ..schema import versions

        opt.echo_json({**to_jsonable(result.to_dict()), "versions": versions()})  # as results.json has them
        return
    from ..tables import count_tables

    click.echo("\n".join(count_tables(result.to_dict(), markdown=False)))
