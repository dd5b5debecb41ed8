"""`landscape sweep`: a sweep scenario (built-in name or FILE.toml), resumable, on processes or Dask."""

from __future__ import annotations

import click

from ..errors import LandscapeError
from .options import (
    Progress,
    capped_jobs,
    check_out,
    complete_scenario,
    echo_json,
    force_option,
    jobs_option,
    json_option,
    out_option,
    quiet_option,
    say_wrote,
    scheduler_option,
    set_force,
)


@click.command("sweep", short_help="Average searches over seeds and a grid, against theory.")
@click.argument("scenario", metavar="NAME|FILE.toml", shell_complete=complete_scenario)
@out_option("figures", "Folder to write NAME/ into (finished tasks are kept in NAME/tasks/ as they land).")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg",
              help="Figure formats, comma-separated (default: the scenario's, usually png).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Override the scenario's seed.")
@click.option("--seeds", type=click.IntRange(min=1), default=None,
              help="Override the draws per cell: the first N seeds of each cell, the same tasks a full run "
                   "starts with (a quick look now; the full run later reuses them).")
@jobs_option
@scheduler_option
@force_option
@quiet_option
@json_option
def command(scenario, out, formats, seed, seeds, jobs, scheduler, force, quiet, as_json):
    """Run a sweep: every (cell, seed) task of the grid, then means, errors and theory per cell.

    \b
    kind = "sweep" scenarios: pspin-complexity (Kac-Rice against the mean count),
    separable-completeness (how many starts find 99%). Rerunning the same command
    skips the tasks already in OUT/NAME/tasks/ and gives the same results.
    """
    from .. import signals
    from ..report import write_result, written_files
    from ..scenario import load, resolve
    from ..studies import STUDIES, run

    set_force(force)
    spec = load(resolve(scenario))
    if spec.kind != "sweep":
        raise LandscapeError(f"{scenario} is a {spec.kind} scenario, not a sweep: run it with landscape run")
    if seeds is not None:
        import dataclasses

        spec = dataclasses.replace(spec, settings=dataclasses.replace(spec.settings, seeds=seeds))
    out = check_out(out, [spec.name])
    spec = spec.with_overrides(seed=seed, formats=formats, jobs=capped_jobs(jobs, quiet) if scheduler is None else jobs,
                               scheduler=scheduler, store=out / spec.name)
    with Progress(quiet or as_json) as progress:
        try:
            result = run(spec, progress.callback)
        except signals.Interrupted:
            progress.close()
            if not quiet:
                click.echo(f"landscape: note: the tasks that finished are kept in {out / spec.name}/tasks/; "
                           "rerun the same command to continue", err=True)
            raise
    folder, data = write_result(result, out, spec.formats)
    files = written_files(folder, data)
    if as_json:
        say_wrote(folder, files, quiet)
        echo_json(data)
    else:
        say_wrote(folder, files, quiet)
        click.echo("\n".join(STUDIES["sweep"].tables(data)))
    if data["tasks"]["failed"]:
        raise click.exceptions.Exit(1)
