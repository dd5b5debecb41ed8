"""What a user of click tools expects: --json everywhere, -q, completion, help that fits,
and a `landscape --help` that imports no numerics."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import imported_by_command

from landscape.cli import cli

COMMANDS = ["list", "run", "critical", "count-critical", "connect", "sweep", "inspect", "report"]


def invoke(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_json_and_its_help_fits(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and "--json" in result.output
    assert all(len(line) <= 100 for line in result.output.splitlines())
    if command not in ("list", "inspect"):
        assert "-q, --quiet" in result.output


def test_the_command_list_is_not_truncated():
    out = invoke("--help").output
    listing = out[out.index("Commands:"):].splitlines()[1:]
    assert len(listing) == len(COMMANDS) and not any(line.rstrip().endswith("...") for line in listing)


def test_help_imports_neither_numpy_scipy_nor_matplotlib():
    assert imported_by_command(["--help"], ("numpy", "scipy", "matplotlib")) == []


def test_import_landscape_is_lazy_and_keeps_its_names():
    code = ("import sys, landscape\nprint('numpy' in sys.modules)\n"
            "from landscape import build, gd, find_critical_points, LANDSCAPES\nprint(build('saddle-2d').dim)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "2"]
    import landscape

    assert set(landscape.__all__) <= set(dir(landscape))
    with pytest.raises(AttributeError):
        landscape.no_such_name


def test_list_json_gives_scenarios_families_and_kinds():
    scenarios = json.loads(invoke("list", "--json").output)
    saddle = next(r for r in scenarios if r["name"] == "saddle-2d")
    assert saddle["kind"] == "trajectories" and saddle["description"].startswith("GD stalls")
    families = json.loads(invoke("list", "--families", "--json").output)
    assert {"saddle-2d", "mlp", "polynomial"} <= {r["name"] for r in families}
    kinds = json.loads(invoke("list", "--kinds", "--json").output)
    by_kind = {r["kind"]: r for r in kinds}
    assert by_kind["trajectories"]["scenarios"] == ["saddle-2d"]
    assert by_kind["saddle-escape"]["figures"] == ["escape-times", "escape-sweeps", "escape-curves"]
    bad = invoke("list", "--kinds", "--families")
    assert bad.exit_code == 2 and "give one of them" in bad.stderr


def test_quiet_silences_progress_and_notes(tmp_path):
    loud = invoke("critical", "himmelblau", "--out", tmp_path / "a")  # a search's progress, and a "wrote" note
    quiet = invoke("critical", "himmelblau", "--out", tmp_path / "b", "-q")
    assert loud.exit_code == quiet.exit_code == 0
    assert "wrote" in loud.stderr and quiet.stderr == ""
    assert quiet.stdout == loud.stdout  # the results themselves are the same


def test_scenario_names_complete_in_the_shell():
    env = {**os.environ, "_LANDSCAPE_COMPLETE": "bash_complete", "COMP_WORDS": "landscape run sad", "COMP_CWORD": "2"}
    code = "import sys; sys.argv[0] = 'landscape'; from landscape.cli import main; main()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
    names = [line.split(",", 1)[1] for line in out.splitlines() if line.startswith("plain,")]
    assert names == ["saddle-2d", "saddle-chain", "saddle-escape"]
    # the README's setup lines: each shell's script names the landscape command
    for shell, marker in (("bash", "complete -o nosort -F"), ("zsh", "compdef"), ("fish", "complete --no-files")):
        env = {**os.environ, "_LANDSCAPE_COMPLETE": f"{shell}_source"}
        script = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout
        assert marker in script and "landscape" in script, shell


def test_report_json_lists_what_it_wrote(tmp_path, monkeypatch):
    """report --json: one row per scenario with its kind, folder and figures (two scenarios here)."""
    import landscape.scenario as scenario

    import landscape.cli.report as report

    monkeypatch.setattr(scenario, "builtin_names", lambda: ["saddle-2d", "example-walk"])
    monkeypatch.setattr(report, "GALLERY_ANALYSES", ())  # tests/test_gallery.py runs the analyses
    result = invoke("report", "--out", tmp_path, "--json", "-q")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["scenario"] for r in rows] == ["saddle-2d", "example-walk"]
    assert rows[0]["kind"] == "trajectories" and "escape.png" in rows[0]["figures"]
    for r in rows:
        assert all((tmp_path / r["scenario"] / f).is_file() for f in r["figures"])


def test_jobs_reaches_count_critical_on_a_landscape_and_does_not_change_the_counts():
    one = invoke("count-critical", "--dim", "3", "--landscape", "separable", "--starts", "2048", "--json", "-j", "1")
    two = invoke("count-critical", "--dim", "3", "--landscape", "separable", "--starts", "2048", "--json", "-j", "2")
    assert one.exit_code == two.exit_code == 0
    a, b = json.loads(one.stdout), json.loads(two.stdout)
    # separable wells: per coordinate two minima and one maximum, so C(3, k) 2^(3-k) points of index k
    assert a["found_by_index"] == b["found_by_index"] == [8, 12, 6, 1]


def test_jobs_reaches_every_study_search_and_changes_no_number(tmp_path, monkeypatch):
    """--jobs on `run` reaches the engine in the trajectories kind (and every study that searches);
    the results are the same for 1 and 2 workers."""
    import landscape.studies.trajectories as tr

    seen = []
    real = tr.find_critical_points

    def spy(*a, **k):
        seen.append(k.get("jobs"))
        return real(*a, **k)

    monkeypatch.setattr(tr, "find_critical_points", spy)
    one = invoke("run", "saddle-2d", "--out", tmp_path / "a", "--json", "-j", "1")
    two = invoke("run", "saddle-2d", "--out", tmp_path / "b", "--json", "-j", "2")
    assert one.exit_code == two.exit_code == 0
    from landscape.budget import max_jobs

    assert seen == [1, min(2, max_jobs())]  # one search per run, with the (capped) --jobs
    a, b = json.loads(one.stdout), json.loads(two.stdout)
    assert a["critical_points"] == b["critical_points"] and a["runs"] == b["runs"]
