"""The gallery in figures/ is what the tool makes: `landscape report` regenerates it, and every
results.json agrees with the committed one under the reproducibility rule (landscape/reproduce.py)
on whatever machine runs the tests. On one machine, two runs are byte-identical."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from landscape.cli import cli
from landscape.cli.report import GALLERY_ANALYSES, made_by
from landscape.reproduce import differences

GALLERY = Path(__file__).resolve().parents[1] / "figures"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    # on two processes: the searches' results are the same for any --jobs, which this also checks
    result = CliRunner().invoke(cli, ["report", "--out", str(out), "-q", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.slow
def test_report_regenerates_every_folder_of_the_gallery(regenerated):
    committed = sorted(p.name for p in GALLERY.iterdir() if (p / "results.json").exists())
    made = sorted(p.name for p in regenerated.iterdir() if p.is_dir())
    # conftest registers tests/example_study, whose scenario is not part of the shipped gallery
    assert sorted(set(made) - {"example-walk"}) == committed
    for name in committed:
        mine = {p.name for p in (regenerated / name).iterdir()}
        theirs = {p.name for p in (GALLERY / name).iterdir()}
        assert mine == theirs, name


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(p.name for p in GALLERY.iterdir() if (p / "results.json").exists()))
def test_every_gallery_result_is_reproduced_on_this_machine(name, regenerated):
    committed = json.loads((GALLERY / name / "results.json").read_text())
    fresh = json.loads((regenerated / name / "results.json").read_text())
    assert differences(committed, fresh) == []


def test_the_readme_names_the_commands_report_runs_for_the_analyses():
    readme = (GALLERY.parent / "README.md").read_text()
    for _, command, spec in GALLERY_ANALYSES:
        assert f"`{made_by(command, spec)} --out figures`" in readme


def test_the_rule_itself():
    assert differences({"a": 1, "b": [1.0, "x"]}, {"a": 1, "b": [1.0 + 1e-12, "x"]}) == []
    assert differences({"a": 1}, {"a": 2}) == ["/a: 1 != 2"]  # a count is exact
    assert differences({"v": 1.0}, {"v": 1.0 + 1e-6}) and not differences({"v": 1e-15}, {"v": -1e-15})
    assert not differences({"grad_norm": 2e-10}, {"grad_norm": 3e-11})  # rounding error: its magnitude
    assert differences({"grad_norm": 2e-6}, {"grad_norm": 2e-9})
    escaped = {"outcome": "escaped", "final": [1e4], "escape_step": 7}
    assert not differences(escaped, {**escaped, "final": [1e4 * (1 + 1e-3)]})
    assert differences(escaped, {**escaped, "escape_step": 8})
    assert not differences({"versions": {"numpy": "1"}}, {"versions": {"numpy": "2"}})
    assert differences({"k": [1, 2]}, {"k": [1, 2, 3]}) == ["/k: 2 items != 3"]


@pytest.mark.slow
def test_two_runs_on_one_machine_write_the_same_bytes(tmp_path):
    for run in ("a", "b"):
        for args in (["run", "saddle-2d", "--format", "png,pdf,svg"], ["run", "lr-stability"],
                     ["critical", "himmelblau", "--format", "png,pdf,svg"]):
            result = CliRunner().invoke(cli, args + ["--out", str(tmp_path / run), "-q"])
            assert result.exit_code == 0, result.output
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert a == b and len(a) > 20
    for rel in a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
