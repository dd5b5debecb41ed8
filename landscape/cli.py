"""The `landscape` command: parses options, calls one library function, writes what comes back.

Heavy imports (scipy, matplotlib, the numerical modules) happen inside the
commands, so `landscape --help` starts fast. Every user error is one line on
stderr and exit code 2.
"""

from __future__ import annotations

import sys

import click

from .errors import LandscapeError
from .families import LANDSCAPES


class _Group(click.Group):
    """A click group that reports every error as one line, never a traceback.

    Bad input (LandscapeError, a click usage error), a numerical failure (a
    RuntimeWarning from numpy, which is made an error here, or a failed
    factorisation), memory exhaustion: one line and exit 2. A signal (SIGINT,
    SIGTERM, SIGHUP): one line and exit 128 + the signal number, with any
    staging folder removed. Anything else is a bug: one line that says so and
    exit 1 (LANDSCAPE_TRACEBACK=1 shows the traceback).
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        import os
        import warnings

        from . import budget, signals

        previous = signals.install()
        budget.set_force(False)
        code = 0
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            try:
                rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
                signals.check()
            except signals.Interrupted as err:
                click.echo(f"landscape: interrupted by {err}; a result being written was removed, "
                           "earlier results are intact", err=True)
                code = 128 + err.signum
            except LandscapeError as err:
                click.echo(f"landscape: error: {_one_line(err)}", err=True)
                code = 2
            except click.exceptions.Abort:
                click.echo("landscape: aborted", err=True)
                code = 1
            except click.ClickException as err:
                click.echo(f"landscape: error: {_one_line(err.format_message())}", err=True)
                code = err.exit_code
            except MemoryError:
                click.echo("landscape: error: out of memory; ask for less (a smaller dimension, fewer "
                           "starts, samples or steps)", err=True)
                code = 2
            except (RuntimeWarning, FloatingPointError, OverflowError) as err:
                click.echo(f"landscape: error: numerical failure ({_one_line(err)}): the landscape's values "
                           "leave double precision; use smaller parameters, a smaller domain or step", err=True)
                code = 2
            except Exception as err:  # noqa: BLE001 - the last line of defence against a traceback
                if os.environ.get("LANDSCAPE_TRACEBACK"):
                    raise
                import numpy as np

                if isinstance(err, np.linalg.LinAlgError):
                    click.echo(f"landscape: error: numerical failure ({_one_line(err)}): a matrix could not "
                               "be factorised; its entries are probably too large or not finite", err=True)
                    code = 2
                else:
                    click.echo(f"landscape: internal error: {type(err).__name__}: {_one_line(err)} (a bug: "
                               "please report it with the command; LANDSCAPE_TRACEBACK=1 shows where)", err=True)
                    code = 1
            finally:
                signals.restore(previous)
        if code:
            sys.exit(code)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


def _one_line(err, limit: int = 400) -> str:
    """An exception's message on one line, cut to ``limit`` characters."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit] + " ..."


def _echo_json(data) -> None:
    from .report import dumps

    click.echo(dumps(data), nl=False)


def parse_numbers(text: str, what: str) -> list[float]:
    """'1,-2.5,3' -> [1.0, -2.5, 3.0]; finite numbers only."""
    import math

    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise LandscapeError(f"{what}: expected comma-separated numbers, got {text!r}") from None
    if not all(math.isfinite(v) for v in values):
        raise LandscapeError(f"{what}: coordinates must be finite numbers, got {text!r}")
    return values


def parse_domain(text: str) -> list[tuple[float, float]]:
    """'xmin:xmax,ymin:ymax' -> [(xmin, xmax), (ymin, ymax)]."""
    box = []
    for part in text.split(","):
        bounds = part.split(":")
        if len(bounds) != 2:
            raise LandscapeError(f"--domain: expected lo:hi for each coordinate, got {part!r}")
        box.append(tuple(parse_numbers(",".join(bounds), "--domain")))
    return box


def parse_params(items: tuple[str, ...]) -> dict:
    """('eigenvalues=[1,-1]', 'seed=3') -> {'eigenvalues': [1, -1], 'seed': 3} (values read as TOML)."""
    import tomllib

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise LandscapeError(f"--param: expected KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value
    return out


family_argument = click.argument("family", metavar="FAMILY", type=click.Choice(sorted(LANDSCAPES)))
param_option = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                            help="A family parameter, e.g. -p eigenvalues=[1,-1,2] -p seed=3.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
format_option = click.option("--format", "formats", default="png", show_default=True, metavar="png,pdf,svg",
                             help="Figure formats with --out.")
force_option = click.option("--force", is_flag=True,
                            help="Run a request estimated to take more than about half an hour (refused "
                                 "without it); requests that cannot finish are refused regardless.")
SEED = click.IntRange(min=0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="landscape-sim", prog_name="landscape")
def cli():
    """Optimisation landscapes: critical points, curvature, and gradient descent near saddles.

    Start with `landscape run saddle-2d`.
    """


@cli.command("list")
@click.option("--families", is_flag=True, help="List the landscape families instead.")
def list_cmd(families):
    """List the built-in scenarios (or the landscape families), one line each."""
    if families:
        for name in sorted(LANDSCAPES):
            click.echo(f"{name:16s} {LANDSCAPES[name].summary}")
        return
    from .scenario import describe_builtin

    for name, description in describe_builtin():
        click.echo(f"{name:16s} {description}")


@cli.command()
@click.argument("scenario", metavar="NAME|FILE.toml")
@click.option("--out", "out", default="figures", show_default=True, type=click.Path(file_okay=False),
              help="Folder to write NAME/ into.")
@click.option("--format", "formats", default=None, metavar="png,pdf,svg",
              help="Figure formats, comma-separated (default: the scenario's, usually png).")
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--eta", type=float, default=None, help="Override every optimizer's step size.")
@click.option("--steps", type=int, default=None, help="Override the number of steps.")
@force_option
@json_option
def run(scenario, out, formats, seed, eta, steps, force, as_json):
    """Run a scenario: critical points, optimizer runs with their theory, figures and results.json.

    Built-in: saddle-2d (GD at one saddle), saddle-escape (every optimizer), lr-stability
    (the step-size sweep), saddle-chain (d saddles in a row), linear-net (Saxe et al.),
    mlp-xor (a network's critical points), dead-relu (dead units, batch norm), dropout-noise.
    """
    from .experiment import run_scenario
    from .report import write_scenario
    from .scenario import load, resolve

    _set_force(force)
    spec = load(resolve(scenario)).with_overrides(seed=seed, eta=eta, steps=steps, formats=formats)
    out = check_out(out, [spec.name])
    if spec.kind != "trajectories":
        _run_study(spec, out, as_json)
        return
    work = spec.steps * max(len(spec.starts), 1) * len(spec.optimizers)
    if work > 200_000 and not as_json:
        with click.progressbar(length=spec.steps * len(spec.optimizers), label="running",
                               file=sys.stderr) as bar:
            result = run_scenario(spec, progress=lambda k: bar.update(1) if k else None)
    else:
        result = run_scenario(spec)
    folder, data = write_scenario(result, out, spec.formats)
    if as_json:
        _echo_json(data)
    else:
        click.echo(f"{spec.name}: {len(result.critical.points)} critical points, "
                   f"{len(result.runs)} runs; wrote {folder}/ "
                   f"({', '.join(data['figures'] + ['results.json', 'summary.md', 'trajectories.csv'])})")


def _run_study(spec, out, as_json) -> None:
    """A study scenario: its tables on stdout (or the JSON), its folder under out."""
    from .experiment import run_study
    from .report import write_scenario
    from .studies import STUDIES

    progress = _Progress()
    try:
        result = run_study(spec, None if as_json else progress)
    finally:
        progress.close()
    folder, data = write_scenario(result, out, spec.formats)
    _say_wrote(folder, data["figures"] + ["results.json", "summary.md"])
    if as_json:
        _echo_json(data)
    else:
        click.echo("\n".join(STUDIES[spec.kind].tables(data)))


@cli.command()
@family_argument
@click.option("--dim", "-n", type=int, default=None, help="The dimension N (families with a dim).")
@param_option
@click.option("--terms", "terms_file", default=None, type=click.Path(dir_okay=False),
              help='polynomial: a JSON file {"terms": [[[e1, ..., eN], coefficient], ...]}.')
@click.option("--domain", default=None, metavar="xmin:xmax,ymin:ymax",
              help="Search box (default: the family's, which holds every critical point when the "
                   "landscape is coercive).")
@click.option("--starts", type=int, default=65536, show_default=True,
              help="Start budget; the search stops earlier once the count is stable.")
@click.option("--batch", type=int, default=None,
              help="Largest completeness batch: batches start at 1024 starts and double up to this "
                   "[default: 16384].")
@click.option("--jobs", "-j", type=int, default=1, show_default=True,
              help="Worker processes (at most the number of cores); the results are the same for any number.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the starts.")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Write OUT/critical-FAMILY/ with figures, results.json, points.csv and summary.md.")
@format_option
@force_option
@json_option
def critical(family, dim, params, terms_file, domain, starts, batch, jobs, seed, out, formats, force, as_json):
    """Find all critical points of a landscape, classify them and measure completeness.

    Prints the count by index (with the exact or expected count where theory
    gives one), the estimated total, the Morse check, and the points by value.
    """
    from .critical import survey
    from .report import critical_tables, to_jsonable

    _set_force(force)
    land = _build_for_search(family, dim, parse_params(params), terms_file)
    box = parse_domain(domain) if domain is not None else None
    figure_formats = _formats(formats) if out is not None else None
    out = check_out(out, [f"critical-{land.name}"]) if out is not None else None
    jobs = _jobs(jobs)
    progress = _Progress()
    try:
        result = survey(land, box, starts=starts, seed=seed, batch=batch, jobs=jobs,
                        progress=None if as_json else progress.lazy("searching", starts))
    finally:
        progress.close()
    if out is not None:
        from .report import write_critical

        folder, written = write_critical(result, out, figure_formats)
        _say_wrote(folder, written["figures"] + ["results.json", "points.csv", "summary.md"])
    data = to_jsonable(result.to_dict())
    if as_json:
        _echo_json(data)
    else:
        click.echo("\n".join(critical_tables(data)))


def _build_for_search(family: str, dim: int | None, settings: dict, terms_file: str | None):
    """The landscape for `critical`: --dim and --terms folded into the family's parameters."""
    import dataclasses

    from .families import build

    if terms_file is not None:
        if family != "polynomial":
            raise LandscapeError("--terms gives a polynomial's terms: use it with the polynomial family")
        settings["terms"] = _read_terms(terms_file)
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


def _read_terms(path: str):
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


@cli.command("count-critical")
@click.option("--dim", "-n", type=int, required=True, help="The dimension N.")
@click.option("--model", default="signs", show_default=True,
              type=click.Choice(["signs", "goe", "coin", "wishart-shifted"]),
              help="signs: exact sign configurations; the others: sampled random Hessians.")
@click.option("--enumerate", "enumerate_all", is_flag=True,
              help="Walk all 2^N sign vectors and classify each (N <= 20).")
@click.option("--samples", type=int, default=100_000, show_default=True,
              help="Random matrices to sample.")
@click.option("--landscape", "family", default=None, metavar="FAMILY",
              type=click.Choice(sorted(LANDSCAPES)), help="Count the critical points of a real landscape.")
@param_option
@click.option("--starts", type=int, default=4096, show_default=True,
              help="Search starts for --landscape.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Seed of the samples and starts.")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="Write OUT/count-critical/ with figures, results.json and summary.md.")
@format_option
@force_option
@json_option
def count_critical(dim, model, enumerate_all, samples, family, params, starts, seed, out, formats,
                   force, as_json):
    """How many critical points of each index: coin flips, random matrices, real landscapes."""
    import dataclasses

    from .counting import count_critical as count
    from .families import build

    _set_force(force)
    land = None
    if family is not None:
        settings = parse_params(params)
        if "dim" in {f.name for f in dataclasses.fields(LANDSCAPES[family])}:
            settings.setdefault("dim", dim)
        land = build(family, settings)
        if land.dim != dim:
            raise LandscapeError(f"--landscape {family} has dimension {land.dim}, not --dim {dim}")
    elif params:
        raise LandscapeError("--param sets a family parameter: use it with --landscape")
    figure_formats = _formats(formats) if out is not None else None
    out = check_out(out, ["count-critical"]) if out is not None else None
    progress = _Progress()
    try:
        # indices count the negative eigenvalues of the Hessian, (N-1) x (N-1) on a sphere
        hessian_dim = land.tangent_dim if land is not None else dim
        result = count(hessian_dim, model, enumerate_all=enumerate_all, samples=samples, seed=seed,
                       landscape=land, starts=starts, curves=out is not None, progress=progress)
    finally:
        progress.close()
    if out is not None:
        from .report import write_count

        folder, data = write_count(result, out, figure_formats)
        _say_wrote(folder, data["figures"] + ["results.json", "summary.md"])
    if as_json:
        from .report import to_jsonable

        _echo_json(to_jsonable(result.to_dict()))
        return
    from .report import count_tables

    click.echo("\n".join(count_tables(result.to_dict(), markdown=False)))


def _set_force(force: bool) -> None:
    from .budget import set_force

    set_force(force)


def check_out(out, names):
    """--out checked before any work: writable, and each OUT/NAME absent or a folder this tool
    wrote; nothing is left behind by the check."""
    from .outdir import check_out as check

    return check(out, names)


def _jobs(jobs: int) -> int:
    """--jobs capped at the cores this process may use (the results do not depend on it)."""
    from .budget import max_jobs

    if jobs > max_jobs():
        click.echo(f"landscape: note: --jobs {jobs} capped at {max_jobs()}, the number of cores", err=True)
    return min(jobs, max_jobs())


def _say_wrote(folder, files: list[str]) -> None:
    click.echo(f"wrote {folder}/ ({', '.join(files)})", err=True)


class _Progress:
    """One click progress bar on stderr per phase of work the library reports."""

    def __init__(self):
        self.bar = None

    def __call__(self, label: str, total: int):
        self.close()
        self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
        self.bar.__enter__()
        return self.bar.update

    def lazy(self, label: str, total: int):
        """An update callable that opens the bar on its first call, so input errors raised
        before any work is done never follow a progress label."""
        def update(k: int):
            if self.bar is None:
                self(label, total)
            self.bar.update(k)
        return update

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _formats(text: str) -> tuple[str, ...]:
    from .scenario import FORMATS, choices

    return choices(text, FORMATS, "--format")


@cli.command()
@family_argument
@param_option
@click.option("--at", "at", default=None, metavar="x,y,...",
              help="The point; without it, only the landscape's description (and an mlp's parameter count).")
@click.option("--layers", default=None, metavar="N0,N1,...",
              help="mlp: the widths, inputs to classes (same as -p layers=[N0,N1,...]).")
@click.option("--batchnorm", is_flag=True, default=None, help="mlp: batch norm after every linear layer.")
@json_option
def inspect(family, params, at, layers, batchnorm, as_json):
    """Value, gradient, Hessian, eigen-decomposition and classification at a point.

    Without --at: what the landscape is (for mlp: its modules and parameter count),
    e.g. `landscape inspect mlp --layers 20,40 --batchnorm`.
    """
    import numpy as np

    from .families import build
    from .report import fmt
    from .spectrum import spectrum

    settings = parse_params(params)
    for option, value, key in (("--layers", layers, "layers"), ("--batchnorm", batchnorm, "batchnorm")):
        if value is None:
            continue
        if family != "mlp":
            raise LandscapeError(f"{option} applies to the mlp family only")
        if key in settings:
            raise LandscapeError(f"{option} and -p {key}= both set {key}: give one of them")
        settings[key] = _widths(value) if key == "layers" else True
    land = build(family, settings)
    if at is None:
        _describe_landscape(land, as_json)
        return
    x = np.array(parse_numbers(at, "--at"))
    if x.size != land.dim:
        raise LandscapeError(f"--at: {family} needs {land.dim} coordinates, got {x.size}")
    given, x = x, land.project(x)
    if not np.all(np.isfinite(x)):
        raise LandscapeError(f"--at: {family} lives on a {land.manifold}; the origin has no projection onto it")
    H = land.hess(x)
    spec = spectrum(H)
    data = {"landscape": land.describe(), "parameters": land.dim, "x": x, "value": float(land.value(x)),
            "gradient": land.grad(x), "hessian": H, "eigenvalues": spec.eigenvalues,
            "eigenvectors": spec.eigenvectors.T, "index": int(spec.n_neg), "kind": str(spec.kind),
            "zero_tol": float(spec.tol),
            "is_critical": bool(np.linalg.norm(land.grad(x)) <= 1e-8 * max(1.0, np.abs(H).max()))}
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{family} at {fmt(x)}")
    if land.manifold != "euclidean":
        click.echo(f"  (the point of the {land.manifold} nearest to {fmt(given)}; gradient and Hessian are "
                   f"Riemannian, the Hessian in an orthonormal basis of the {land.tangent_dim}-dimensional "
                   "tangent space)")
    click.echo(f"  value        {data['value'] + 0.0:.10g}")
    click.echo(f"  gradient     {fmt(data['gradient'], 8)}   |grad| = {np.linalg.norm(data['gradient']):.3g}")
    click.echo("  hessian      " + "\n               ".join(fmt(row, 8) for row in H))
    for lam, v in zip(spec.eigenvalues, spec.eigenvectors.T):
        click.echo(f"  eigenvalue   {lam + 0.0:+.8g}   eigenvector {fmt(v, 6)}")
    click.echo(f"  index {data['index']} ({data['kind']}; eigenvalues within {data['zero_tol']:.2g} "
               "of zero count as zero)")
    if not data["is_critical"]:
        click.echo("  note: the gradient is not zero here, so this is not a critical point; the "
                   "classification describes the local curvature only")


def _widths(text: str) -> list[int]:
    widths = parse_numbers(text, "--layers")
    if any(w != int(w) or w < 1 for w in widths):
        raise LandscapeError(f"--layers: expected positive integer widths, got {text!r}")
    return [int(w) for w in widths]


def _describe_landscape(land, as_json: bool) -> None:
    """What `inspect` prints without a point: the family, its parameters, its size."""
    data = {"landscape": land.describe(), "parameters": land.dim, "summary": land.summary}
    if as_json:
        _echo_json(data)
        return
    click.echo(f"{land.name}: {land.summary}")
    for key, value in land.params().items():
        click.echo(f"  {key:14s} {value}")
    for row in data["landscape"].get("architecture", []):
        click.echo(f"  {row['module']:24s} {row['parameters']:>8d} parameters")
    click.echo(f"  {'total':24s} {land.dim:>8d} parameters" if "architecture" in data["landscape"]
               else f"  dimension      {land.dim}")


@cli.command()
@click.option("--out", default="figures", show_default=True, type=click.Path(file_okay=False))
@click.option("--format", "formats", default=None, metavar="png,pdf,svg")
def report(out, formats):
    """Run every built-in scenario into OUT (the README's gallery)."""
    from .experiment import run_scenario, run_study
    from .report import write_scenario
    from .scenario import builtin_names, load, resolve

    names = builtin_names()
    out = check_out(out, names)
    progress = _Progress()
    for name in names:
        spec = load(resolve(name)).with_overrides(formats=formats)
        try:
            result = run_study(spec, progress) if spec.kind != "trajectories" else run_scenario(spec)
        finally:
            progress.close()
        folder, _ = write_scenario(result, out, spec.formats)
        click.echo(f"wrote {folder}/", err=True)


def main() -> None:
    cli()
