"""The README's examples: its Python block runs and prints what its comments say, and every
`landscape ...` line in its shell blocks parses (command, options and choices exist)."""

import contextlib
import io
import re
import shlex
from pathlib import Path

import click
import pytest

from landscape.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def _blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, re.S)


def test_the_python_example_runs_and_prints_what_it_says():
    code = _blocks("python")[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "{'minimum': 6, 'saddle': 7, 'maximum': 2, 'degenerate': 0}"
    assert "degenerate" in lines and float(lines[-1]) == pytest.approx(1 / __import__("math").log(1.1))


COMMANDS = [shlex.split(re.split(r"\s[#>|]", line)[0]) for block in _blocks("bash") for line in block.splitlines()
            if line.startswith("landscape ")]


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_every_readme_command_parses(args):
    group_ctx = cli.make_context("landscape", args[1:2] or ["--help"], resilient_parsing=True)
    name = args[1]
    command = cli.get_command(group_ctx, name)
    assert command is not None, f"no command {name}"
    try:
        command.make_context(name, args[2:])
    except click.exceptions.Exit:
        pass  # --help
