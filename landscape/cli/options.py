"""Shared click options, parameter types and small helpers of the commands.

Choices come from the registries (families, ensembles, scenario kinds), read
only when a command needs them, so `landscape --help` imports no numerics.
"""

from __future__ import annotations

import sys

import click

from ..errors import LandscapeError

SEED = click.IntRange(min=0)


class RegistryChoice(click.Choice):
    """A click.Choice whose choices are read from a registry on first use (not at import)."""

    def __init__(self, load, case_sensitive: bool = True):
        self._load = load
        self._choices = None
        self.case_sensitive = case_sensitive

    @property
    def choices(self):
        if self._choices is None:
            self._choices = tuple(self._load())
        return self._choices

    @choices.setter
    def choices(self, value):
        self._choices = tuple(value)


def _families():
    from ..families import LANDSCAPES

    return sorted(LANDSCAPES)


def _models():
    from ..counting import MODELS

    return MODELS


FAMILY = RegistryChoice(_families)
MODEL = RegistryChoice(_models)


def complete_scenario(ctx, param, incomplete: str):
    """Shell completion for NAME|FILE.toml: the scenario names, or files for a path."""
    from click.shell_completion import CompletionItem

    if "/" in incomplete or incomplete.endswith(".toml"):
        return [CompletionItem(incomplete, type="file")]
    from ..scenario import builtin_names

    return [CompletionItem(n) for n in builtin_names() if n.startswith(incomplete)]


family_argument = click.argument("family", metavar="FAMILY", type=FAMILY)
scenario_argument = click.argument("scenario", metavar="NAME|FILE.toml", shell_complete=complete_scenario)
param_option = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                            help="A family parameter, e.g. -p eigenvalues=[1,-1,2] -p seed=3.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
quiet_option = click.option("--quiet", "-q", is_flag=True,
                            help="No progress bars and no 'wrote' notes on stderr (errors still show).")
force_option = click.option("--force", is_flag=True,
                            help="Run a request estimated to take more than about half an hour (refused "
                                 "without it); requests that cannot finish are refused regardless.")
jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
                           help="Worker processes for the critical-point searches (at most the number of "
                                "cores); the results are the same for any number.")

scheduler_option = click.option(
    "--scheduler", default=None, metavar="ADDRESS|local",
    help="Run the work on a Dask cluster: a scheduler's address (tcp://host:8786), or 'local' for a "
         "LocalCluster of --jobs workers here; the results are the same. Needs pip install "
         "'landscape-sim[dask]'.")


def landscape_options(f):
    """FAMILY (optional: --expr gives a formula instead), --expr/--vars, --dim, -p KEY=VALUE and
    --terms: the landscape options `critical` and `connect` share."""
    decorators = [
        click.argument("family", metavar="FAMILY", type=FAMILY, required=False),
        expr_options,
        click.option("--dim", "-n", type=int, default=None, help="The dimension N (families with a dim)."),
        param_option,
        click.option("--terms", "terms_file", default=None, type=click.Path(dir_okay=False),
                     help='polynomial: a JSON file {"terms": [[[e1, ..., eN], coefficient], ...]}.'),
    ]
    for decorate in reversed(decorators):
        f = decorate(f)
    return f


def expr_options(f):
    """--expr FORMULA and --vars NAMES: a landscape typed as a formula (the expression family)."""
    f = click.option("--vars", "variables", default=None, metavar="x,y,...",
                     help="With --expr: the variables' names, in order [default: x, y, z, or x1 ... xN].")(f)
    return click.option("--expr", default=None, metavar="FORMULA",
                        help='Your own landscape, e.g. --expr "x^4 - 2*x^2 + y^2" (constants: -p a=1.5; '
                             "functions: exp, log, sqrt, sin, cos, tanh, sigmoid, softplus, erf, ...).")(f)


def with_expression(family, expr, variables, settings: dict, what: str = "FAMILY"):
    """(family, settings) for a command given FAMILY or --expr FORMULA (and --vars): the formula
    becomes the expression family's ``f``; -p KEY=VALUE are then its constants."""
    if expr is None:
        if variables is not None:
            raise LandscapeError("--vars names a formula's variables: use it with --expr")
        if family is None:
            raise LandscapeError(f"give a landscape: {what} (landscape list --families) or --expr FORMULA")
        return family, settings
    if family is not None:
        raise LandscapeError(f"give {what} ({family}) or --expr, not both")
    if "f" in settings:
        raise LandscapeError("--expr and -p f= both give the formula: give one of them")
    out = {"f": expr, **settings}
    if variables is not None:
        out["vars"] = split_names(variables)
    return "expression", out


def split_names(text: str | None) -> list[str] | None:
    """'u, v' -> ['u', 'v']: a comma-separated option (--vars, --optimizer); None stays None."""
    return None if text is None else [v.strip() for v in text.split(",")]


def seed_option(default, help: str):
    return click.option("--seed", type=SEED, default=default, show_default=default is not None, help=help)


def out_option(default, help: str):
    return click.option("--out", default=default, show_default=default is not None,
                        type=click.Path(file_okay=False), help=help)


def format_option(default="png", help: str = "Figure formats with --out, comma-separated."):
    return click.option("--format", "formats", default=default, show_default=default is not None,
                        metavar="png,pdf,svg", help=help)


def starts_option(default: int, help: str):
    return click.option("--starts", type=int, default=default, show_default=True, help=help)


def search_budget_options(f):
    """--max-newton-steps and --max-seconds: the two bounds on a critical-point search."""
    f = click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="Stop the search after this many seconds (at the next chunk, about a "
                          "second); the result says so and is that of --starts set to the starts "
                          "it used.")(f)
    return click.option("--max-newton-steps", type=click.IntRange(min=1), default=None,
                        help="Stop the search once this many Newton steps (summed over starts) are "
                             "spent [default: what 2e11 operations buy, well under a minute, the "
                             "same on every machine].")(f)


# --- helpers ---------------------------------------------------------------------

def echo_json(data) -> None:
    from ..report import dumps

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


def formats(text: str) -> tuple[str, ...]:
    """--format of a command that draws still figures only (critical, count-critical)."""
    from ..figures import STILL_FORMATS
    from ..scenario import choices

    return choices(text, STILL_FORMATS, "--format")


def set_force(force: bool) -> None:
    from ..budget import set_force as set_it

    set_it(force)


def check_out(out, names):
    """--out checked before any work: writable, and each OUT/NAME absent or a folder this tool
    wrote; nothing is left behind by the check."""
    from ..outdir import check_out as check

    return check(out, names)


def capped_jobs(jobs: int, quiet: bool = False) -> int:
    """--jobs capped at the cores this process may use (the results do not depend on it)."""
    from ..budget import max_jobs

    if jobs > max_jobs() and not quiet:
        click.echo(f"landscape: note: --jobs {jobs} capped at {max_jobs()}, the number of cores", err=True)
    return min(jobs, max_jobs())


def say_wrote(folder, files: list[str], quiet: bool = False) -> None:
    if not quiet:
        click.echo(f"wrote {folder}/ ({', '.join(files)})", err=True)


class _LogBar:
    """Progress for a stderr that is not a terminal (a log file, CI, nohup): a line
    ``label: done/total (p%), elapsed`` at most every ``every`` seconds, and one at the end,
    so a long job shows it is alive without flooding the log."""

    def __init__(self, label: str, total: int, every: float = 10.0):
        import time

        self.label, self.total, self.every, self.done = label, total, every, 0
        self.clock = time.monotonic
        self.start = self.last = self.clock()

    def _line(self) -> None:
        pct = f" ({100 * self.done / self.total:.0f}%)" if self.total else ""
        elapsed = self.clock() - self.start
        left = (f", about {elapsed * (self.total - self.done) / self.done:.0f} s left"
                if 0 < self.done < self.total else "")
        click.echo(f"{self.label}: {self.done}/{self.total}{pct}, {elapsed:.0f} s{left}", err=True)

    def update(self, k: int) -> None:
        self.done += k
        now = self.clock()
        if now - self.last >= self.every:
            self.last = now
            self._line()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.clock() - self.start >= self.every:
            self._line()
        return False


class Progress:
    """One progress bar on stderr per phase of work the library reports (click's bar on a
    terminal, a line every 10 s otherwise); ``None`` from ``callback`` when quiet (the
    library then reports nothing)."""

    def __init__(self, quiet: bool = False):
        self.bar = None
        self.quiet = quiet

    def __call__(self, label: str, total: int):
        self.close()
        if sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr)
        else:
            self.bar = _LogBar(label, total)
        self.bar.__enter__()
        return self.bar.update

    def note(self, text: str) -> None:
        """A line on stderr beside the bar (a retried or failed task), unless quiet."""
        if not self.quiet:
            click.echo(f"\nlandscape: note: {text}" if self.bar is not None and sys.stderr.isatty()
                       else f"landscape: note: {text}", err=True)

    @property
    def callback(self):
        """What to hand the library: this object, or None when quiet."""
        return None if self.quiet else self

    def lazy(self, label: str, total: int):
        """An update callable that opens the bar on its first call, so input errors raised
        before any work is done never follow a progress label (None when quiet)."""
        if self.quiet:
            return None

        def update(k: int):
            if self.bar is None:
                self(label, total)
            self.bar.update(k)
        return update

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
