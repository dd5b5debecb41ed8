"""`landscape run`: one scenario (a built-in name or a TOML file) of any kind."""

from __future__ import annotations

import click

from ..errors import LandscapeError
from .options import (
    Progress,
    capped_jobs,
    check_out,
    complete_scenario,
    echo_json,
    expr_options,
    force_option,
    jobs_option,
    json_option,
    out_option,
    param_option,
    parse_domain,
    parse_params,
    quiet_option,
    say_wrote,
    set_force,
    split_names,
)


@click.command("run", short_help="Run a scenario, or your own formula (--expr).")
@click.argument("scenario", metavar="NAME|FILE.toml", required=False, shell_complete=complete_scenario)
@expr_options
@click.option("--domain", default=None, metavar="xmin:xmax,ymin:ymax",
              help="With --expr: the box for the search, the runs and the figures [default: [-2, 2]^2, or the "
                   "box that holds every critical point of a coercive polynomial].")
@click.option("--optimizer", "optimizers", default=None, metavar="NAME[,NAME...]",
              help="With --expr: the optimizers to run (the first draws the basins; gd is always added for the "
                   "escape theory) [default: gd].")
@click.option("--name", default=None, help="With --expr: the results folder's name [default: expression].")
@param_option
@out_option("figures", "Folder to write NAME/ into.")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg,gif",
              help="Figure formats, comma-separated (default: the scenario's, usually png).")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Override the scenario's seed.")
@click.option("--eta", type=float, default=None,
              help="Override every optimizer's step size (with --expr: default 0.5 x 2/lambda_max over the domain).")
@click.option("--steps", type=int, default=None,
              help="Override the number of steps (with --expr: default from the escape and settling times).")
@click.option("--set", "assignments", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Set a key of the scenario file, e.g. --set training.epochs=3 (repeatable; VALUE as in TOML).")
@jobs_option
@force_option
@quiet_option
@json_option
def command(scenario, expr, variables, domain, optimizers, name, params, out, formats, seed, eta, steps, assignments,
            jobs, force, quiet, as_json):
    """Run a scenario: critical points, optimizer runs with their theory, figures and results.json.

    \b
    Built-in: saddle-2d (GD at one saddle), saddle-escape (every optimizer),
    lr-stability (the step-size sweep), saddle-chain (d saddles in a row),
    linear-net (Saxe et al.), mlp-xor (a network's critical points),
    dead-relu (dead units, batch norm), dropout-noise, mlp-digits (SGD on the
    digits: Hessian spectra, slices), edge-of-stability. `landscape list` has them all.

    \b
    Your own 2-D landscape: landscape run --expr "x^4 - 2*x^2 + y^2"
    (constants with -p a=1.5; --domain, --eta, --steps, --optimizer override).
    """
    from ..report import write_result, written_files
    from ..scenario import load, resolve
    from ..studies import STUDIES, run

    set_force(force)
    if expr is None:
        for option, value in (("--vars", variables), ("--domain", domain), ("--optimizer", optimizers),
                              ("--name", name), ("-p", params or None)):
            if value is not None:
                raise LandscapeError(f"{option} goes with --expr (a scenario file sets it in its own keys)")
        if scenario is None:
            raise LandscapeError("give a scenario (a built-in name or a FILE.toml) or --expr FORMULA; "
                                 "landscape list shows the built-in ones")
        spec = load(resolve(scenario), assignments).with_overrides(seed=seed, eta=eta, steps=steps, formats=formats,
                                                      jobs=capped_jobs(jobs, quiet))
    else:
        if assignments:
            raise LandscapeError("--set goes with a scenario (with --expr, use --eta, --steps and the other options)")
        spec = _expression_spec(scenario, expr, variables, domain, optimizers, name, params, formats, seed, eta,
                                steps, capped_jobs(jobs, quiet))
    out = check_out(out, [spec.name])
    if spec.kind == "sweep":  # resumable as with `landscape sweep`
        spec = spec.with_overrides(store=out / spec.name)
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


def _expression_spec(scenario, expr, variables, domain, optimizers, name, params, formats, seed, eta, steps, jobs):
    """The trajectories scenario `run --expr` builds around the formula (landscape.explore)."""
    from ..explore import expression_scenario
    from ..outdir import safe_name
    from ..scenario import FORMATS, choices

    if scenario is not None:
        raise LandscapeError(f"give a scenario ({scenario!r}) or --expr, not both")
    if eta is not None and not eta > 0:
        raise LandscapeError(f"--eta: expected a positive number, got {eta:g}")
    if steps is not None and steps < 1:
        raise LandscapeError(f"--steps: expected a positive integer, got {steps}")
    names = split_names(optimizers)
    return expression_scenario(
        expr, vars=split_names(variables), constants=parse_params(params), seed=0 if seed is None else seed,
        domain=parse_domain(domain) if domain is not None else None, eta=eta, steps=steps, optimizers=names,
        formats=choices(formats, FORMATS, "--format") if formats is not None else ("png",),
        name=safe_name(name if name is not None else "expression", "--name"), jobs=jobs)
