"""`landscape run`: one scenario (a built-in name or a TOML file) of any kind."""

from __future__ import annotations

import click

from .options import (
    Progress,
    capped_jobs,
    check_out,
    echo_json,
    force_option,
    jobs_option,
    json_option,
    out_option,
    quiet_option,
    say_wrote,
    scenario_argument,
    set_force,
)


@click.command("run", short_help="Run a scenario: results, figures, tables.")
@scenario_argument
@out_option("figures", "Folder to write NAME/ into.")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg",
              help="Figure formats, comma-separated (default: the scenario's, usually png).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Override the scenario's seed.")
@click.option("--eta", type=float, default=None, help="Override every optimizer's step size.")
@click.option("--steps", type=int, default=None, help="Override the number of steps.")
@jobs_option
@force_option
@quiet_option
@json_option
def command(scenario, out, formats, seed, eta, steps, jobs, force, quiet, as_json):
    """Run a scenario: critical points, optimizer runs with their theory, figures and results.json.

    \b
    Built-in: saddle-2d (GD at one saddle), saddle-escape (every optimizer),
    lr-stability (the step-size sweep), saddle-chain (d saddles in a row),
    linear-net (Saxe et al.), mlp-xor (a network's critical points),
    dead-relu (dead units, batch norm), dropout-noise. `landscape list` has them all.
    """
    from ..report import write_result, written_files
    from ..scenario import load, resolve
    from ..studies import STUDIES, run

    set_force(force)
    spec = load(resolve(scenario)).with_overrides(seed=seed, eta=eta, steps=steps, formats=formats,
                                                  jobs=capped_jobs(jobs, quiet))
    out = check_out(out, [spec.name])
    study = STUDIES[spec.kind]
    with Progress(quiet or as_json) as progress:
        result = run(spec, progress.callback)
    folder, data = write_result(result, out, spec.formats)
    files = written_files(folder, data)
    if as_json:
        say_wrote(folder, files, quiet)
        echo_json(data)
    elif study.headline is not None:
        click.echo(f"{study.headline(result)}; wrote {folder}/ ({', '.join(files)})")
    else:
        say_wrote(folder, files, quiet)
        click.echo("\n".join(study.tables(data)))
