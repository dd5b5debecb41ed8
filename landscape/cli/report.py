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


def _prepared(spec, formats, out, jobs: int):
    """A gallery scenario with report's overrides: the formats, the jobs, and for a sweep its
    task store in OUT/NAME/tasks/ (finished tasks are reused; remove them to recompute)."""
    return spec.with_overrides(formats=formats, jobs=jobs, store=out / spec.name if spec.kind == "sweep" else None)


def _make(item, out, figure_formats, progress=None, jobs: int = 1) -> dict:
    """Run and write one entry of the gallery (a scenario or a GALLERY_ANALYSES entry): its line
    of ``report --json``."""
    from ..report import write_result
    from ..studies import run

    what, payload = item
    if what == "scenario":
        if isinstance(payload, tuple):  # (name, --format) from _in_parallel
            from ..scenario import load, resolve

            name, formats = payload
            payload = _prepared(load(resolve(name)), formats, out, jobs)
        spec = payload
        folder, data = write_result(run(spec, progress), out, spec.formats)
        return {"scenario": spec.name, "kind": spec.kind, "folder": str(folder), "figures": data["figures"]}
    _, command, spec = payload
    result, writer = _analysis(command, spec, progress, jobs)
    folder, data = writer(result, out, figure_formats)
    return {"analysis": made_by(command, spec), "folder": str(folder), "figures": data["figures"]}


HEAVY_FIRST = ("training", "sweep", "edge-of-stability", "mlp-xor", "saddle-escape")
"""Kinds started first when the gallery runs in parallel, so that no long one is left for the end."""


def _in_parallel(items, kinds: dict, out, figure_formats, jobs: int, quiet: bool) -> list[dict]:
    """Every item on ``jobs`` local processes, one item per process at a time (each with one job:
    the results do not depend on it), the long kinds first; the lines in the items' own order."""
    from concurrent.futures import as_completed

    from ..parallel import process_pool

    def rank(i):
        what, payload = items[i]
        kind = kinds.get(payload[0]) if what == "scenario" else None
        return (HEAVY_FIRST.index(kind) if kind in HEAVY_FIRST else len(HEAVY_FIRST), i)

    order = sorted(range(len(items)), key=rank)
    done: list = [None] * len(items)
    with process_pool(jobs) as pool:
        futures = {pool.submit(_make, items[i], out, figure_formats): i for i in order}
        try:
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                if not quiet:
                    click.echo(f"wrote {done[futures[future]]['folder']}/", err=True)
        except BaseException:
            for f in futures:
                f.cancel()
            raise
    return done


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
    from ..scenario import builtin_names, load, resolve

    names = builtin_names()
    out = check_out(out, names + [folder for folder, _, _ in GALLERY_ANALYSES])
    figure_formats = parse_formats(formats) if formats else ("png",)
    jobs = capped_jobs(jobs, quiet)
    specs = [load(resolve(name)) for name in names]  # all checked first
    specs = [_prepared(s, formats, out, jobs) for s in specs]
    items = [("scenario", spec) for spec in specs] + [("analysis", a) for a in GALLERY_ANALYSES]
    if jobs > 1:  # a worker loads its scenario again by name (a loaded one holds closures: no pickling)
        kinds = {spec.name: spec.kind for spec in specs}
        done = _in_parallel([("scenario", (spec.name, formats)) if what == "scenario" else (what, spec)
                             for what, spec in items], kinds, out, figure_formats, jobs, quiet)
    else:
        done = []
        for item in items:
            with Progress(quiet or as_json) as progress:
                done.append(_make(item, out, figure_formats, progress.callback, jobs))
            if not quiet:
                click.echo(f"wrote {done[-1]['folder']}/", err=True)
    if as_json:
        echo_json(done)
