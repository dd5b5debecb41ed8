"""`landscape report`: every built-in scenario into one folder (the README's gallery)."""

from __future__ import annotations

import click

from .options import (
    Progress,
    capped_jobs,
    check_out,
    echo_json,
    formats as parse_formats,
    jobs_option,
    json_option,
    out_option,
    quiet_option,
)


GALLERY_ANALYSES = (
    ("count-critical", "landscape count-critical --dim 6 --model goe"),
    ("critical-pspin", "landscape critical pspin --dim 10"),
    ("critical-separable", "landscape critical separable --dim 6"),
)
"""The analyses the gallery shows beside the scenarios: folder, and the command that makes it."""


def _analysis(folder: str, progress):
    """Run one of GALLERY_ANALYSES: (result, writer)."""
    from ..counting import count_critical
    from ..critical import survey
    from ..families import build
    from ..report import write_count, write_critical

    if folder == "count-critical":
        return count_critical(6, "goe", curves=True, progress=progress), write_count
    family = folder.removeprefix("critical-")
    return survey(build(family, {"dim": 10 if family == "pspin" else 6}),
                  progress=progress("searching", 65536) if progress else None), write_critical


@click.command("report", short_help="Run every built-in scenario (the gallery).")
@out_option("figures", "Folder to write each scenario's NAME/ into.")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg",
              help="Figure formats, comma-separated (default: each scenario's, usually png).")
@jobs_option
@quiet_option
@json_option
def command(out, formats, jobs, quiet, as_json):
    """Run every built-in scenario into OUT, and the critical-point and counting analyses the
    README's gallery shows (count-critical --dim 6 --model goe, critical pspin --dim 10,
    critical separable --dim 6)."""
    from ..report import write_result
    from ..scenario import builtin_names, load, resolve
    from ..studies import run

    names = builtin_names()
    out = check_out(out, names + [folder for folder, _ in GALLERY_ANALYSES])
    figure_formats = parse_formats(formats) if formats else ("png",)
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
    for name, made_by in GALLERY_ANALYSES:
        with Progress(quiet or as_json) as progress:
            result, writer = _analysis(name, progress.callback)
        folder, data = writer(result, out, figure_formats)
        done.append({"analysis": made_by, "folder": str(folder), "figures": data["figures"]})
        if not quiet:
            click.echo(f"wrote {folder}/", err=True)
    if as_json:
        echo_json(done)
