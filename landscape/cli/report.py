"""`landscape report`: every built-in scenario into one folder (the README's gallery)."""

from __future__ import annotations

import click

from .options import (
    Progress,
    capped_jobs,
    check_out,
    echo_json,
    jobs_option,
    json_option,
    out_option,
    quiet_option,
)


@click.command("report", short_help="Run every built-in scenario (the gallery).")
@out_option("figures", "Folder to write each scenario's NAME/ into.")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg",
              help="Figure formats, comma-separated (default: each scenario's, usually png).")
@jobs_option
@quiet_option
@json_option
def command(out, formats, jobs, quiet, as_json):
    """Run every built-in scenario into OUT (the README's gallery)."""
    from ..report import write_result
    from ..scenario import builtin_names, load, resolve
    from ..studies import run

    names = builtin_names()
    out = check_out(out, names)
    jobs = capped_jobs(jobs, quiet)
    specs = [load(resolve(name)).with_overrides(formats=formats, jobs=jobs) for name in names]  # all checked first
    done = []
    for spec in specs:
        with Progress(quiet or as_json) as progress:
            result = run(spec, progress.callback)
        folder, data = write_result(result, out, spec.formats)
        done.append({"scenario": spec.name, "kind": spec.kind, "folder": str(folder), "figures": data["figures"]})
        if not quiet:
            click.echo(f"wrote {folder}/", err=True)
    if as_json:
        echo_json(done)
