"""The README's examples: its Python block runs and prints what its comments say, and every
`landscape ...` line in its shell blocks parses (command, options and choices exist)."""

import contextlib
import io
import math
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

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
    assert "[(1, 2), (0, 2)]" in lines
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


# ---------------------------------------------------------------- every README command runs

def _json(result):
    import json

    return json.loads(result.stdout)


def _outcomes(data):
    from collections import Counter

    return Counter(r["outcome"] for r in data["runs"])


def _check_eta_15(res, cwd):
    data = _json(res)
    counts = _outcomes(data)
    # beyond 2/λ_max = 1 at the minima no run settles in one: 4 oscillate unconverged, 2 diverge, and the
    # start on the stable manifold (y = 0) still reaches the saddle, whose x-direction is stable for η < 2
    assert counts == {"unconverged": 4, "diverged": 2, "saddle": 1}
    assert not any(r["ends_at"] and r["outcome"] == "minimum" for r in data["runs"])
    return True


def _check_random_field(res, cwd):
    data = _json(res)
    assert data["found"] == 185 and data["morse_sum"] == 1 and data["saturation"]["stop_reason"] == "stable"
    return (cwd / "figures" / "count-critical" / "results.json").exists()


def _check_expr_run(res, cwd):
    data = _json(res)
    files = {p.name for p in (cwd / "figures" / "expression").iterdir()}
    assert {"landscape.png", "basins.png", "surface.png", "escape.png", "results.json"} <= files
    assert sorted(p["kind"] for p in data["critical_points"]) == ["minimum", "minimum", "saddle"]
    (sweep,) = data["saddle_sweeps"]  # one saddle, at the origin, eigenvalues -4 and 2
    assert sweep["eigenvalues"] == pytest.approx([-4.0, 2.0], abs=1e-12)
    eta = data["settings"]["optimizers"][0]["eta"]
    assert sweep["slope"] == pytest.approx(1 / math.log(1 + 4 * eta), rel=1e-12)
    # lambda_max over [-2, 2]^2 is 12 x^2 - 4 = 44 at the edge, which the curvature grid includes
    assert eta == pytest.approx(1 / 44, rel=1e-12)
    return all(abs(k - p) <= 2 for k, p in zip(sweep["escape_step"], sweep["predicted_escape_step"]))


def _binomials(n):
    return [math.comb(n, k) for k in range(n + 1)]


# README line -> (arguments actually run, or None for the line itself; check(result, cwd) or None).
_SMALL_CURVATURE = [a for k in ("hessian_samples=256", "top=4", "probes=2", "lanczos_steps=8", "trace_probes=4",
                                 "line=5", "grid=5") for a in ("--set", f"training.{k}")]
"""The same training as mlp-digits, with its curvature and slices sized down for the test."""

# A declared smaller size is written out here; --json is added where the check reads the JSON.
CLAIMS = {
    "landscape run saddle-2d": (None, lambda r, cwd: {"escape.png", "loss.png", "landscape.png",  # six figures
                                                       "eigen-components.png", "basins.png", "surface.png",
                                                       "results.json", "summary.md", "trajectories.csv"}
                                == {p.name for p in (cwd / "figures" / "saddle-2d").iterdir()} - {".landscape-result"}),
    "landscape count-critical --dim 10": (["count-critical", "--dim", "10", "--json"],
                                          lambda r, cwd: _json(r)["by_index"] == _binomials(10)),
    "landscape run saddle-escape": (["run", "saddle-escape", "--json", "-q", "--out", "o"],
                                    lambda r, cwd: len(_json(r)["optimizers"]) == 10),
    "landscape run lr-stability": (["run", "lr-stability", "--json", "-q", "--out", "o"],
                                   lambda r, cwd: _json(r)["kind"] == "lr-stability"),
    "landscape run saddle-chain": (["run", "saddle-chain", "--json", "-q", "--out", "o"], None),
    "landscape run linear-net": (["run", "linear-net", "--json", "-q", "--out", "o"], None),
    "landscape list": (None, lambda r, cwd: "saddle-2d" in r.stdout),
    "landscape list --families": (None, lambda r, cwd: "pspin" in r.stdout),
    "landscape list --kinds": (None, lambda r, cwd: "saddle-escape" in r.stdout),
    "landscape run saddle-2d --out results --format png,pdf,svg":
        (None, lambda r, cwd: {"escape.png", "escape.pdf", "escape.svg"}
         <= {p.name for p in (cwd / "results" / "saddle-2d").iterdir()}),
    "landscape run saddle-2d --eta 0.2 --steps 600 --seed 3":
        (["run", "saddle-2d", "--eta", "0.2", "--steps", "600", "--seed", "3", "--json", "-q"],
         lambda r, cwd: _json(r)["seed"] == 3 and all(run["eta"] == 0.2 for run in _json(r)["runs"])),
    "landscape run saddle-2d --eta 1.5": (["run", "saddle-2d", "--eta", "1.5", "--json", "-q"], _check_eta_15),
    "landscape run saddle-2d --json": (["run", "saddle-2d", "--json", "-q"],
                                       lambda r, cwd: _json(r)["kind"] == "trajectories"),
    "landscape run mlp-xor --jobs 2 -q": (["run", "mlp-xor", "--jobs", "2", "-q", "--steps", "200"],
                                          lambda r, cwd: r.stderr == "" and "Morse sum Σ(-1)^k c_k = 1" in r.stdout),
    "landscape run mlp-digits": (["run", "mlp-digits", "--json", "-q", "--out", "o", *_SMALL_CURVATURE],
                                 lambda r, cwd: [x["final_test_accuracy"] >= 0.93 for x in _json(r)["runs"]] == [True, True]),
    "landscape run edge-of-stability": (["run", "edge-of-stability", "--json", "-q", "--out", "o", "--steps", "300",
                                         "--set", "edge-of-stability.etas=[0.5]"],
                                        lambda r, cwd: _json(r)["runs"][0]["reached_step"] is not None
                                        and _json(r)["threshold"] == [4.0]),
    "landscape run mlp-digits --set training.epochs=3 --set training.batchnorm=[true]":
        (["run", "mlp-digits", "--json", "-q", "--set", "training.epochs=3", "--set", "training.batchnorm=[true]",
          *_SMALL_CURVATURE],
         lambda r, cwd: [(x["batchnorm"], x["epochs"]) for x in _json(r)["runs"]] == [(True, 3)]),
    "landscape run my-scenario.toml": (None, None),  # the file below, written by the test
    "landscape critical himmelblau": (None, lambda r, cwd: "4 minima, 4 saddles, 1 maximum" in r.stdout),
    "landscape critical separable --dim 6":
        (["critical", "separable", "--dim", "6", "--json", "-q"],
         lambda r, cwd: _json(r)["by_index"] == [math.comb(6, k) * 2 ** (6 - k) for k in range(7)]),
    "landscape critical pspin --dim 10 -p p=3 --out figures":
        (None, lambda r, cwd: (cwd / "figures" / "critical-pspin" / "results.json").exists()),
    "landscape critical polynomial --dim 6 -p seed=2": (None, lambda r, cwd: "Morse check" in r.stdout),
    "landscape critical polynomial --terms f.json": (None, lambda r, cwd: "critical point" in r.stdout),
    "landscape critical random-field --dim 4 --jobs 2":
        (["critical", "random-field", "--dim", "4", "--jobs", "2", "--starts", "8192"],
         lambda r, cwd: "Morse check: sum_k (-1)^k c_k = 1, expected 1: holds" in r.stdout),
    "landscape critical saddle-2d --domain=-1:1,0.5:2 --json":
        (None, lambda r, cwd: [p["kind"] for p in _json(r)["critical_points"]] == ["minimum"]),
    "landscape inspect saddle-2d --at 0,0": (None, lambda r, cwd: "saddle" in r.stdout),
    "landscape inspect monkey-saddle --at 0,0 --json": (None, lambda r, cwd: _json(r)["kind"] == "degenerate"),
    "landscape inspect mlp --layers 20,40 --batchnorm --json": (None, lambda r, cwd: _json(r)["parameters"] == 920),
    "landscape count-critical --dim 10000 --json":
        (["count-critical", "--dim", "10000", "--json"],
         lambda r, cwd: _json(r)["by_index"][1] == 10000 and isinstance(_json(r)["by_index"][5000], str)),
    "landscape count-critical --dim 12 --enumerate":
        (["count-critical", "--dim", "12", "--enumerate", "--json"],
         lambda r, cwd: _json(r)["enumeration_agrees"] and _json(r)["enumerated_by_index"] == _binomials(12)),
    "landscape count-critical --dim 5 --model goe":
        (["count-critical", "--dim", "5", "--model", "goe", "--samples", "20000", "--json"],
         lambda r, cwd: len(_json(r)["by_index_exact"]) == 6),
    "landscape count-critical --dim 4 --model wishart-shifted --samples 1000000 --seed 3":
        (["count-critical", "--dim", "4", "--model", "wishart-shifted", "--samples", "20000", "--seed", "3", "--json"],
         lambda r, cwd: _json(r)["samples"] == 20000 and sum(_json(r)["by_index"]) + _json(r)["degenerate"] == 20000),
    "landscape count-critical --dim 5 --landscape separable --starts 8192":
        (["count-critical", "--dim", "5", "--landscape", "separable", "--starts", "8192", "--json"],
         lambda r, cwd: _json(r)["found"] == 3**5),
    "landscape count-critical --dim 3 --landscape random-field -p mu=0.25 --starts 16384 --out figures":
        (["count-critical", "--dim", "3", "--landscape", "random-field", "-p", "mu=0.25", "--starts", "16384",
          "--out", "figures", "--json"], _check_random_field),
    'landscape run --expr "x^4 - 2*x^2 + y^2"': (["run", "--expr", "x^4 - 2*x^2 + y^2", "--json", "-q"], _check_expr_run),
    'landscape critical --expr "x^4 - 2*x^2 + y^2" --domain -2:2,-2:2':
        (None, lambda r, cwd: "2 minima, 1 saddle." in r.stdout
         and "Morse check: sum_k (-1)^k c_k = 1, expected 1: holds" in r.stdout),
    'landscape inspect --expr "a*x^3 - 3*x*y^2" -p a=1 --at 0,0':
        (None, lambda r, cwd: "index 0 (degenerate" in r.stdout),
    "landscape connect muller-brown": (None, lambda r, cwd: "1 – 2" in r.stdout and "0 – 2" in r.stdout
                                       and "minima 0 → 2 → 1 over saddles 4, 3" in r.stdout),
    "landscape connect muller-brown --between 0,2 --out figures --format png,pdf":
        (None, lambda r, cwd: {"disconnectivity.pdf", "paths.png", "graph.json"}
         <= {p.name for p in (cwd / "figures" / "connect-muller-brown").iterdir()}),
    "landscape connect separable --dim 3 --json":
        (None, lambda r, cwd: len(_json(r)["edges"]) == 12 and _json(r)["counts"]["components"] == 1),
    'landscape connect --expr "x^4 - 2*x^2 + y^2" --domain -2:2,-2:2':
        (None, lambda r, cwd: "0 – 1         1                 1" in r.stdout),
    "landscape critical six-hump-camel --out figures":
        (None, lambda r, cwd: (cwd / "figures" / "critical-six-hump-camel" / "points.csv").exists()),
    "landscape connect six-hump-camel --points figures/critical-six-hump-camel/points.csv":
        (None, lambda r, cwd: "given as points" in r.stdout and "6 minima; 7 of 7 index-1 saddles" in r.stdout),
    "landscape run muller-brown-paths": (["run", "muller-brown-paths", "--json", "-q", "--out", "o"],
                                         lambda r, cwd: [e["minima"] for e in _json(r)["edges"]] == [[1, 2], [0, 2]]),
    "landscape run pspin-tree": (["run", "pspin-tree", "--json", "-q", "--out", "o", "--jobs", "2"],
                                 lambda r, cwd: (_json(r)["counts"]["minima"], _json(r)["counts"]["minima_found_by_descent"])
                                 == (32, 30)),
    "landscape count-critical --dim 1000 --model goe":
        (None, lambda r, cwd: r.exit_code == 2 and "hours" in r.stderr and "--force" in r.stderr),
    # sweeps at 2 to 4 seeds per cell (--seeds: the first tasks of the full sweep)
    "landscape sweep pspin-complexity --jobs 2":
        (["sweep", "pspin-complexity", "--seeds", "1", "--jobs", "2", "--json", "-q"],
         lambda r, cwd: _check_sweep(r, cwd, "pspin-complexity", 11, 1)),
    "landscape sweep FILE.toml": (["sweep", "FILE.toml", "--seeds", "4", "--json", "-q"],
                                  lambda r, cwd: _check_sweep(r, cwd, "FILE", 2, 4)),
    "landscape sweep FILE.toml --scheduler local --jobs 2":
        (["sweep", "FILE.toml", "--seeds", "4", "--scheduler", "local", "--jobs", "2", "--json", "-q"],
         lambda r, cwd: _check_sweep(r, cwd, "FILE", 2, 4)),
    "landscape sweep FILE.toml --scheduler tcp://head:8786":  # no cluster here: the one-line refusal
        (None, lambda r, cwd: r.exit_code == 2 and "--scheduler tcp://head:8786: no Dask scheduler answered"
         in r.stderr and not (cwd / "figures").exists()),
    "landscape critical pspin --dim 10 --scheduler local":
        (["critical", "pspin", "--dim", "10", "--scheduler", "local", "--json", "-q"],
         lambda r, cwd: _json(r)["critical_points"] == _json(CliRunner().invoke(  # the same points as here
             cli, ["critical", "pspin", "--dim", "10", "--json", "-q"]))["critical_points"]),
    "landscape sweep pspin-complexity --scheduler tcp://head:8786 --out results":  # the cluster example
        (None, lambda r, cwd: r.exit_code == 2 and "no Dask scheduler answered" in r.stderr
         and not (cwd / "results").exists()),
}

REFUSALS = {"landscape count-critical --dim 1000 --model goe", "landscape sweep FILE.toml --scheduler tcp://head:8786",
            "landscape sweep pspin-complexity --scheduler tcp://head:8786 --out results"}
"""README lines that show a refusal: they exit 2, which their check asserts."""


def _check_sweep(result, cwd, name, cells, seeds):
    data = _json(result)
    assert len(data["cells"]) == cells and all(c["seeds"] == seeds for c in data["cells"])
    assert data["theory"] == "Kac-Rice" and data["tasks"]["failed"] == 0
    return len(list((cwd / "figures" / name / "tasks").glob("task-*.json"))) == cells * seeds

LINES = [re.split(r"\s[#>|]", line.strip())[0].strip() for block in _blocks("bash") for line in block.splitlines()
         if line.strip().startswith("landscape ")]


def test_every_readme_command_has_a_run_and_a_check():
    assert sorted(set(LINES)) == sorted(CLAIMS)


@pytest.mark.slow
@pytest.mark.parametrize("line", sorted(CLAIMS))
def test_every_readme_command_runs_and_does_what_the_readme_says(line, tmp_path, monkeypatch):
    from click.testing import CliRunner

    monkeypatch.chdir(tmp_path)
    (tmp_path / "f.json").write_text('{"terms": [[[4, 0], 1], [[0, 4], 1], [[1, 1], -3.5], [[2, 0], -1]]}')
    (tmp_path / "my-scenario.toml").write_text('[landscape]\nfamily = "himmelblau"\n[run]\nsteps = 200\n')
    sweep = next(b for b in _blocks("toml") if 'kind = "sweep"' in b)
    (tmp_path / "FILE.toml").write_text(sweep)  # the README's sweep file
    if "--points figures/critical-six-hump-camel" in line:  # the README's line before it writes the points
        assert CliRunner().invoke(cli, ["critical", "six-hump-camel", "--out", "figures", "-q"]).exit_code == 0
    args, check = CLAIMS[line]
    args = args if args is not None else shlex.split(line)[1:]
    result = CliRunner().invoke(cli, args)
    if line not in REFUSALS:
        assert result.exit_code == 0, (line, result.output)
    if check is not None:
        assert check(result, tmp_path), (line, result.stdout[-2000:])


@pytest.mark.parametrize("block", _blocks("toml"), ids=lambda b: b.splitlines()[0][:40])
def test_every_readme_scenario_block_loads(block):
    """The README's TOML examples are valid scenarios (a fragment gets every other key's default)."""
    import tomllib

    from landscape.scenario import loads

    scenario = loads(tomllib.loads(block), "README.md", default_name="readme")
    assert scenario.build_landscape().dim >= 1
