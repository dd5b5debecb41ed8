"""The `landscape` command: a thin click layer over the library, one module per command.

Each command parses its options (shared decorators in ``options``), builds what
it needs from the registries, calls one library function and writes or prints
what comes back; no numerics happen here. Heavy imports (numpy, scipy,
matplotlib, the numerical modules) happen inside the commands, so
`landscape --help` starts without them. Every user error is one line on stderr
and exit code 2 (``_Group.main``).

Linear algebra runs single-threaded unless the user says otherwise
(``BLAS_THREADS``, set before numpy is imported; why: ``landscape.threads``).
"""

from __future__ import annotations

import os
import sys

from ..threads import ENV as BLAS_THREADS  # noqa: E402 - a module without numpy

for _name in BLAS_THREADS:
    os.environ.setdefault(_name, "1")  # a value the user set is kept

import click  # noqa: E402

from ..errors import LandscapeError  # noqa: E402

__all__ = ["cli", "main"]


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

        from .. import budget, signals

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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="landscape-sim", prog_name="landscape")
def cli():
    """Optimisation landscapes: critical points, curvature, and gradient descent near saddles.

    Start with `landscape run saddle-2d`. Shell completion: see the README
    (`eval "$(_LANDSCAPE_COMPLETE=bash_source landscape)"`).
    """
    from ..memory import keep_freed_memory

    keep_freed_memory()  # the process is ours: reuse freed blocks (landscape/memory.py)


def _attach() -> None:
    from . import connect, count_critical, critical, inspect, listing, report, run, sweep

    for module in (listing, run, critical, count_critical, connect, sweep, inspect, report):
        cli.add_command(module.command)


_attach()


def main() -> None:
    cli()
