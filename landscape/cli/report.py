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
    ("count-critical", "count-critical", {"dim": 6, "model": "goe"}),
    ("critical-pspin", "critical", {"family": "pspin", "dim": 10}),
    ("critical-separable", "critical", {"family": "separable", "dim": 6}),
    ("three-hump-camel", "run", {"expr": "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2", "domain": "-2.5:2.5,-2:2",
                                 "name": "three-hump-camel", "format": "png,gif"}),
    ("wavy-bowl", "run", {"expr": "sin(x)*cos(y) + (x^2 + y^2)/10", "domain": "-5:5,-5:5",
                          "name": "wavy-bowl"}),
)
"""The analyses the gallery shows beside the scenarios: folder, command and its arguments
(the last two: your own landscape, typed as a formula)."""


def made_by(command: str, spec: dict) -> str:
    """The command line that makes a GALLERY_ANALYSES entry, as a user would type it."""
    if command == "run":
        words = ["landscape", "run", f'--expr "{spec["expr"]}"', f"--domain {spec['domain']}", f"--name {spec['name']}"]
        return " ".join(words + ([f"--format {spec['format']}"] if "format" in spec else []))
    words = ["landscape", command] + ([spec["family"]] if "family" in spec else []) + ["--dim", str(spec["dim"])]
    return " ".join(words + (["--model", spec["model"]] if "model" in spec else []))


def _analysis(command: str, spec: dict, progress, jobs: int = 1):
    """Run one of GALLERY_ANALYSES with its command's defaults: (result, writer)."""
    from ..counting import count_critical
    from ..critical import survey
    from ..families import build
    from ..report import write_count, write_critical, write_result

    if command == "run":
        from ..explore import expression_scenario
        from ..studies import run
        from .options import parse_domain

        scenario = expression_scenario(spec["expr"], domain=parse_domain(spec["domain"]), name=spec["name"],
                                       formats=tuple(spec.get("format", "png").split(",")), jobs=jobs)
        return run(scenario, progress), lambda result, out, formats: write_result(result, out, scenario.formats)
    if command == "count-critical":
        return count_critical(spec["dim"], spec["model"], curves=True, progress=progress), write_count
    starts = 65536  # `landscape critical`'s default
    return survey(build(spec["family"], {"dim": spec["dim"]}), starts=starts,
                  progress=progress("searching", starts) if progress else None), write_critical


@click.command("report", short_help="Run every built-in scenario (the gallery).")
@out_option("figures", "Folder to write each scenario's NAME/ into.")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg,gif",
              help="Figure formats, comma-separated (default: each scenario's, usually png).")
@jobs_option
@quiet_option
@json_option
def command(out, formats, jobs, quiet, as_json):
    """Run every built-in scenario into OUT, and the critical-point and counting analyses the
    README's gallery shows (count-critical --dim 6 --model goe, critical pspin --dim 10,
    critical separable --dim 6) and its two formulas (run --expr)."""
    from ..report import write_result
    from ..scenario import builtin_names, load, resolve
    from ..studies import run

    names = builtin_names()
    out = check_out(out, names + [folder for folder, _, _ in GALLERY_ANALYSES])
    figure_formats = parse_formats(formats) if formats else ("png",)
    jobs = capped_jobs(jobs, quiet)
    specs = [load(resolve(name)) for name in names]  # all checked first
    # a sweep keeps its finished tasks in OUT/NAME/tasks/ and reuses them (remove them to recompute)
    specs = [s.with_overrides(formats=formats, jobs=jobs, store=out / s.name if s.kind == "sweep" else None)
             for s in specs]
    done = []
    for spec in specs:
        with Progress(quiet or as_json) as progress:
            result = run(spec, progress.callback)
        folder, data = write_result(result, out, spec.formats)
        done.append({"scenario": spec.name, "kind": spec.kind, "folder": str(folder), "figures": data["figures"]})
        if not quiet:
            click.echo(f"wrote {folder}/", err=True)
    for _, command, spec in GALLERY_ANALYSES:
        with Progress(quiet or as_json) as progress:
            result, writer = _analysis(command, spec, progress.callback, jobs)
        folder, data = writer(result, out, figure_formats)
        done.append({"analysis": made_by(command, spec), "folder": str(folder), "figures": data["figures"]})
        if not quiet:
            click.echo(f"wrote {folder}/", err=True)
    if as_json:
        echo_json(done)
