"""Contract tests over the registries: every scenario kind (the example study in
tests/example_study included) and every figure function.

Each kind runs at its SMOKE size from its scenario file, writes its folder, and its
results.json carries the header, the package versions and the keys the README
documents for it; a bad key of its section is one line and exit 2 with nothing
written. Each figure draws from a smoke result without a warning and without
touching matplotlib's backend or rcParams.
"""

import json
import re
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from click.testing import CliRunner

from landscape.cli import cli
from landscape.figures import counting as counting_figures
from landscape.figures import critical as critical_figures
from landscape.figures import formats_of, save
from landscape.outdir import MARKER
from landscape.report import write_result
from landscape.scenario import builtin_names, load, resolve
from landscape.studies import SCHEMA_VERSION, STUDIES, run

KINDS = list(STUDIES)
README = Path(__file__).resolve().parents[1] / "README.md"
HEADER = ("schema_version", "scenario", "description", "kind", "seed", "versions", "figures")


def scenario_of(kind):
    """The first scenario file of a kind, at its smoke size."""
    for name in builtin_names():
        sc = load(resolve(name))
        if sc.kind == kind:
            return STUDIES[kind].SMOKE.apply(sc)
    raise AssertionError(f"kind {kind} has no scenario file")


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    """kind -> (result, folder, data) of its smoke run, written with PNG and PDF figures."""
    out = tmp_path_factory.mktemp("smoke")
    done = {}
    for kind in KINDS:
        sc = scenario_of(kind)
        result = run(sc)
        folder, data = write_result(result, out, ("png", "pdf", "gif"))
        done[kind] = (result, folder, data)
    return done


def test_the_registry_holds_the_builtin_kinds_and_the_example():
    assert {"trajectories", "saddle-escape", "lr-stability", "saddle-chain", "linear-net", "mlp-xor",
            "dead-relu", "dropout-noise", "example-walk"} <= set(KINDS)
    import importlib

    for kind in KINDS:  # module names equal kinds
        module = STUDIES[kind].run.__module__
        assert module.rsplit(".", 1)[-1] == kind.replace("-", "_")
        assert importlib.import_module(module).__doc__.startswith(kind + ":")


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_runs_at_smoke_size_and_writes_its_files(kind, smoke):
    result, folder, data = smoke[kind]
    study = STUDIES[kind]
    assert json.loads((folder / "results.json").read_text()) == data
    assert data["schema_version"] == SCHEMA_VERSION and data["kind"] == kind
    missing = [k for k in HEADER + study.keys if k not in data]
    assert not missing, f"{kind}: results.json lacks {missing}"
    assert set(data["versions"]) >= {"python", "numpy", "scipy", "matplotlib", "landscape"}
    drawn = study.drawable(result, result.scenario.figures)
    # each figure in the asked formats it supports: png and pdf for stills, gif for the animations
    assert drawn and data["figures"] == [f"{n}.{f}" for n in drawn for f in ("png", "pdf", "gif")
                                         if f in formats_of(study.FIGURES[n])]
    # a study's extra files may sit in one folder of their own (a sweep's tasks/): the top level
    extra = sorted({name.split("/")[0] for name, _ in (study.files(result) if study.files else [])})
    assert sorted(p.name for p in folder.iterdir()) == sorted(data["figures"] + ["results.json", "summary.md",
                                                                                 MARKER] + extra)
    summary = (folder / "summary.md").read_text()
    assert summary == "\n".join(study.tables(data, markdown=True)) + "\n"
    assert summary.startswith("# ") and all(f"({f})" in summary for f in data["figures"] if f.endswith(".png"))
    for name in data["figures"]:
        blob = (folder / name).read_bytes()
        assert blob[:4] == {"png": b"\x89PNG", "pdf": b"%PDF", "gif": b"GIF8"}[name.rsplit(".", 1)[1]]
        if name.endswith(".pdf"):
            assert b"/FontFile2" in blob and b"/Type3" not in blob  # TrueType (Type 42), no Type 3


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_key_of_a_kinds_section_is_one_line_and_exit_2(kind, tmp_path):
    source = resolve(scenario_of(kind).name).read_text()
    section = next((s for s in (kind, *STUDIES[kind].aliases) if f"[{s}]" in source), kind)
    for path, text, message in (
            ("unknown.toml", f"{source}\n[{section}]\nno_such_key = 1\n", "unknown key 'no_such_key'"),
            ("typed.toml", _wrong_type(source, kind), "expected")):
        if text is None:
            continue
        if f"[{section}]" in source and path == "unknown.toml":  # append to the existing section
            text = source.replace(f"[{section}]\n", f"[{section}]\nno_such_key = 1\n", 1)
        (tmp_path / path).write_text(text)
        result = CliRunner().invoke(cli, ["run", str(tmp_path / path), "--out", str(tmp_path / "out")])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
        assert not (tmp_path / "out").exists()


def _wrong_type(source: str, kind: str):
    """The scenario with its section's first field given a value of the wrong type, or None."""
    import dataclasses

    fields = dataclasses.fields(STUDIES[kind].Settings)
    if not fields:
        return None
    bad = '"not a number"' if "str" not in str(fields[0].type) else "1"
    line = f"{fields[0].name} = {bad}\n"
    sections = [kind, *STUDIES[kind].aliases]
    for s in sections:
        if f"[{s}]" in source:
            return re.sub(rf"\[{re.escape(s)}\]\n(?:{re.escape(fields[0].name)} = [^\n]*\n)?", f"[{s}]\n{line}",
                          source, count=1)
    return f"{source}\n[{kind}]\n{line}"


from landscape.figures.style import legend_overlap  # noqa: E402

FIGURE_CASES = [(kind, name) for kind in KINDS for name in STUDIES[kind].FIGURES]


@pytest.mark.parametrize("kind,name", FIGURE_CASES)
def test_every_figure_draws_from_a_smoke_result_and_touches_nothing_global(kind, name, smoke, tmp_path):
    from matplotlib.figure import Figure

    result = smoke[kind][0]
    if not STUDIES[kind].drawable(result, [name]):
        pytest.skip(f"{name} does not apply to this smoke result")
    backend, params = matplotlib.get_backend(), dict(matplotlib.rcParams)
    draw = STUDIES[kind].FIGURES[name]
    if formats_of(draw) == ("gif",):  # an animation: a GIF of several frames, nothing global touched
        from PIL import Image

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            draw(result).save(tmp_path / f"{name}.gif", "gif")
        assert matplotlib.get_backend() == backend and dict(matplotlib.rcParams) == params
        with Image.open(tmp_path / f"{name}.gif") as im:
            assert im.format == "GIF" and im.n_frames > 10
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = draw(result)
        save(fig, [(tmp_path / f"{name}.svg", "svg")])
    assert isinstance(fig, Figure) and fig.axes
    assert matplotlib.get_backend() == backend and dict(matplotlib.rcParams) == params
    assert [legend_overlap(ax) for ax in fig.axes] == [0] * len(fig.axes)  # no legend covers data
    first = fig.axes[0]
    assert first.get_xlabel() or first.get_title() or fig.get_suptitle()


@pytest.fixture(scope="module")
def analysis_results():
    from landscape.counting import count_critical
    from landscape.critical import survey
    from landscape.families import build

    return {"critical": survey(build("six-hump-camel"), starts=2048),
            "counting": count_critical(5, "goe", samples=4000, curves=True, curves_max=8)}


@pytest.mark.parametrize("which,name", [("critical", n) for n in critical_figures.FIGURES]
                         + [("counting", n) for n in counting_figures.FIGURES])
def test_the_analysis_figures_draw_without_warnings(which, name, analysis_results, tmp_path):
    module = critical_figures if which == "critical" else counting_figures
    backend, params = matplotlib.get_backend(), dict(matplotlib.rcParams)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = module.FIGURES[name](analysis_results[which])
        save(fig, [(tmp_path / f"{name}.png", "png"), (tmp_path / f"{name}.pdf", "pdf")])
    assert fig.axes and (tmp_path / f"{name}.png").stat().st_size > 10_000
    assert matplotlib.get_backend() == backend and dict(matplotlib.rcParams) == params
    pdf = (tmp_path / f"{name}.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf  # TrueType (Type 42) fonts, no Type 3
    assert [legend_overlap(ax) for ax in fig.axes] == [0] * len(fig.axes)


def test_the_readme_documents_each_kinds_keys():
    """The README's table of kinds names, outside parentheses, exactly the keys each study
    declares (KEYS), so the contract above holds what the README promises."""
    text = README.read_text()
    table = text[text.index("| scenario (`kind`) |"):]
    table = table[:table.index("\n\n")]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]  # "\|" inside a cell is text
        rows[cells[0].strip("`")] = cells[2]
    for kind in KINDS:
        if kind in ("trajectories", "example-walk"):
            continue
        assert kind in rows, f"the README's table lacks {kind}"
        depth, top, cell = 0, [], rows[kind]
        for m in re.finditer(r"\(|\)|`([a-z_0-9]+)`", cell):
            if m.group(0) == "(":
                depth += 1
            elif m.group(0) == ")":
                depth -= 1
            elif depth == 0:
                top.append(m.group(1))
        assert sorted(top) == sorted(STUDIES[kind].keys), kind
    para = re.search(r"`results.json` \(`schema_version` 1\) has (.*?)The same seed", text, re.S).group(1)
    top, depth = [], 0
    for m in re.finditer(r"\(|\)|`([a-z_]+)`", para):
        depth += {"(": 1, ")": -1}.get(m.group(0), 0)
        if m.group(1) and depth == 0:
            top.append(m.group(1))
    assert set(STUDIES["trajectories"].keys) - {"critical_search"} <= set(top)


def test_the_example_study_is_a_kind_the_cli_lists_and_runs(tmp_path):
    """Registered from tests/ only: `list`, `list --kinds` and `run` see it, and its numbers
    are GD's closed form on a x^2/2, x_k = (1 - eta a)^k x_0 (exact to rounding)."""
    invoke = CliRunner().invoke
    assert "example-walk" in invoke(cli, ["list"]).output
    kinds = json.loads(invoke(cli, ["list", "--kinds", "--json"]).output)
    row = next(r for r in kinds if r["kind"] == "example-walk")
    assert row["scenarios"] == ["example-walk"] and row["figures"] == ["walk"]
    result = invoke(cli, ["run", "example-walk", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    k = np.arange(31)
    np.testing.assert_allclose(data["measured"], (1 - 0.3 * 2.0) ** k * 1.5, rtol=1e-12, atol=1e-300)
    assert data["figures"] == ["walk.png"] and (tmp_path / "example-walk" / "walk.png").is_file()
