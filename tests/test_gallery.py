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


def seed_sweeps(out: Path) -> int:
    """Give each gallery sweep its committed task records but the first draw of every cell, as an
    interrupted run would leave them: the report recomputes one task per cell (which must give the
    committed record again) and rebuilds the means from all. Recomputing all of pspin-complexity
    takes minutes; one draw per cell, seconds. Returns the number of tasks left to recompute."""
    from landscape.outdir import MARKER, MARKER_TEXT

    left = 0
    for folder in sorted(GALLERY.iterdir()):
        if not (folder / "tasks").is_dir():
            continue
        (out / folder.name / "tasks").mkdir(parents=True)
        (out / folder.name / MARKER).write_text(MARKER_TEXT)
        for path in (folder / "tasks").glob("task-*.json"):
            if json.loads(path.read_text())["task"]["seed_index"] == 0:
                left += 1
            else:
                (out / folder.name / "tasks" / path.name).write_bytes(path.read_bytes())
    return left


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gallery")
    assert seed_sweeps(out) > 0
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
        if (GALLERY / name / "tasks").is_dir():  # a sweep: every record, the recomputed ones too, under the rule
            for path in (GALLERY / name / "tasks").iterdir():
                fresh = json.loads((regenerated / name / "tasks" / path.name).read_text())
                assert differences(json.loads(path.read_text()), fresh) == [], (name, path.name)


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
@pytest.mark.slow
def test_two_runs_on_one_machine_write_the_same_bytes(regenerated, tmp_path):
    """Run again on one process what the report made on two: the same bytes, figures included (PNG
    from the report's saddle-2d, lr-stability and three-hump camel with its GIF; PDF and SVG, with
    their ids and fonts, from two runs of `critical himmelblau`)."""
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        result = CliRunner().invoke(cli, ["critical", "himmelblau", "--format", "png,pdf,svg", "--out", str(out), "-q"])
        assert result.exit_code == 0, result.output
    camel = next(spec for folder, _, spec in GALLERY_ANALYSES if folder == "three-hump-camel")
    for args in (["run", "saddle-2d"], ["run", "lr-stability"],
                 ["run", "--expr", camel["expr"], "--domain", camel["domain"], "--name", camel["name"],
                  "--format", camel["format"]]):
        result = CliRunner().invoke(cli, args + ["--out", str(b), "-q"])
        assert result.exit_code == 0, result.output
    pairs = [(a / rel, b / rel) for rel in (p.relative_to(a) for p in a.rglob("*") if p.is_file())]
    pairs += [(regenerated / rel, b / rel) for name in ("saddle-2d", "lr-stability", "three-hump-camel")
              for rel in (p.relative_to(b) for p in (b / name).rglob("*") if p.is_file())]
    assert len(pairs) > 25 and any(str(x).endswith(".gif") for x, _ in pairs)
    for x, y in pairs:
        assert x.read_bytes() == y.read_bytes(), y


def test_the_readme_numbers_of_your_own_landscape_are_the_gallerys():
    """What the README's "Your own landscape" says about the three-hump camel and the wavy bowl."""
    import math

    camel = json.loads((GALLERY / "three-hump-camel" / "results.json").read_text())
    kinds = sorted(p["kind"] for p in camel["critical_points"])
    assert kinds == ["minimum"] * 3 + ["saddle"] * 2 and camel["critical_search"]["morse"]["holds"]
    by_value = sorted(camel["critical_points"], key=lambda p: p["value"])
    # the global minimum f(0, 0) = 0 (Surjanovic and Bingham's test-function library)
    assert by_value[0]["kind"] == "minimum" and max(map(abs, by_value[0]["x"])) < 1e-12 and by_value[0]["value"] < 1e-20
    for p, (x, y, f) in zip(by_value[1:], [(1.7476, -0.8738, 0.2986)] * 2 + [(1.0705, -0.5353, 0.8774)] * 2):
        assert sorted(map(abs, p["x"])) == pytest.approx(sorted([x, abs(y)]), abs=6e-5) and p["value"] == \
            pytest.approx(f, abs=6e-5)
        u, v = p["x"]  # and the gradient, written out by hand, vanishes there
        assert math.hypot(4 * u - 4.2 * u ** 3 + u ** 5 + v, u + 2 * v) < 1e-9
    eta = camel["settings"]["optimizers"][0]["eta"]
    # eta = 1/lambda_max; the Hessian [[4 - 12.6 x^2 + 5 x^4, 1], [1, 2]] is largest at the box's edge x = 2.5
    hxx = 4 - 12.6 * 2.5 ** 2 + 5 * 2.5 ** 4
    lam_max = (hxx + 2) / 2 + math.sqrt(((hxx - 2) / 2) ** 2 + 1)
    assert eta == pytest.approx(1 / lam_max, rel=1e-12) and f"{eta:.4g}" == "0.008294"
    assert f"λ_max = {lam_max:.4g}" in camel["description"] and f"{lam_max:.4g}" == "120.6"
    shares = sorted(round(100 * m["fraction"], 1) for m in camel["basins"]["minima"])
    assert shares == [27.0, 27.0, 46.0]
    worst = sorted(max(abs(k - q) for k, q in zip(w["escape_step"], w["predicted_escape_step"]))
                   for w in camel["saddle_sweeps"])
    assert worst[0] < 1 and 3 < worst[1] < 4  # "up to 4 steps and the other by less than 1"
    assert [round(w["lambda_min"], 3) for w in camel["saddle_sweeps"]] == [-4.039, -4.039]
    assert {round(w["slope"], 2) for w in camel["saddle_sweeps"]} == {30.35}
    assert "animation.gif" in camel["figures"]
    assert camel["saddle_sweeps"][0]["eps"][-1] == pytest.approx(2e-12, rel=1e-12)  # "down to 2 x 10^-12"
    # "the four runs that start beside a saddle ... leave along its unstable manifold, one to each side"
    beside = [r for r in camel["runs"] if math.dist(r["start"], r["saddle"]) < 1e-5]
    assert len(beside) == 4 and len(camel["runs"]) == 8
    for saddle in {tuple(r["saddle"]) for r in beside}:
        ends = {tuple(r["ends_at"]) for r in beside if tuple(r["saddle"]) == saddle}
        assert len(ends) == 2  # the two sides reach two different minima
    bowl = json.loads((GALLERY / "wavy-bowl" / "results.json").read_text())
    assert bowl["critical_search"]["counts"] == {"minimum": 4, "saddle": 4, "maximum": 1, "degenerate": 0}
    assert bowl["critical_search"]["morse"]["alternating_sum"] == 1


def test_the_readme_numbers_of_the_connected_landscapes_are_the_gallerys():
    """What the README's "How the critical points connect" says of Müller-Brown and the 4-spin."""
    mb = json.loads((GALLERY / "muller-brown-paths" / "results.json").read_text())
    value = {n["id"]: n["value"] for n in mb["nodes"]}
    assert [round(value[i], 2) for i in (0, 1, 2)] == [-146.70, -108.17, -80.77]
    route = mb["path"]
    assert route["between"] == [0, 1] and route["minima"] == [0, 2, 1]
    assert all(h["matches"] and h["distance"] < 2e-8 for h in route["hops"])
    barriers = {value[e["saddle"]].__round__(2): [round(b, 2) for b in e["barriers"]] for e in mb["edges"]}
    assert barriers == {-40.66: [106.03, 40.10], -72.25: [35.92, 8.52]}
    ps = json.loads((GALLERY / "pspin-tree" / "results.json").read_text())
    c = ps["counts"]
    assert (c["minima"], c["index1_saddles"], c["edges"], c["components"]) == (32, 94, 94, 1)
    assert ps["search"]["starts"] == 2048 and ps["search"]["by_index"][0] == 2
    assert c["minima_found_by_descent"] == 30 and ps["basins"]["starts"] == 512
    lowest = min((n for n in ps["nodes"] if n["kind"] == "minimum"), key=lambda n: n["value"])
    assert lowest["found_by"] == "descent"  # "the lowest among them"


def test_the_readme_numbers_of_the_real_networks_are_the_gallerys():
    """What the README's "Real networks on real data" says of mlp-digits and edge-of-stability."""
    d = json.loads((GALLERY / "mlp-digits" / "results.json").read_text())
    plain, bn = d["runs"]
    assert (plain["batchnorm"], bn["batchnorm"]) == (False, True)
    assert (plain["parameters"], bn["parameters"]) == (9610, 9886) and d["test_samples"] == 360
    assert (round(100 * plain["final_test_accuracy"], 1), round(100 * bn["final_test_accuracy"], 1)) == (95.3, 94.2)
    assert [round(v, 2) for v in (plain["sharpness_init"], plain["sharpness"][-1], bn["sharpness_init"],
                                  bn["sharpness"][-1])] == [1.99, 1.13, 4.43, 2.54]
    assert d["threshold"] == 20 and max(plain["sharpness"] + bn["sharpness"]) < d["threshold"] / 7
    shares = [round(100 * r["densities"][i]["negative_share"]) for r in (plain, bn) for i in (0, 2)]
    assert shares == [13, 7, 12, 3]
    assert (round(plain["bottom_eigenvalue"], 3), round(bn["bottom_eigenvalue"], 3)) == (-0.039, -0.071)
    assert 100 < plain["index_estimate"] < 1000 and 100 < bn["index_estimate"] < 1000  # "a few hundred"
    assert len(plain["top_eigenvalues"]) == 20 and d["classes"] == 10
    assert (round(plain["outlier_gap"], 2), plain["outliers"], round(bn["outlier_gap"], 2)) == (1.30, 1, 1.11)
    for r in (plain, bn):
        planes = {p["directions"]: p["captured_median"] for p in r["slices"]}
        assert 0.01 <= round(planes["random"], 2) <= 0.03 and round(planes["path"], 2) == 0.99
        assert r["interpolation"]["monotone"]
    e = json.loads((GALLERY / "edge-of-stability" / "results.json").read_text())
    assert [r["eta"] for r in e["runs"]] == [0.3, 0.4, 0.5] and e["landscape"]["samples"] == 1000
    assert round(e["sharpness_init"], 2) == 3.22
    assert [r["reached_step"] for r in e["runs"]] == [590, 190, 100]
    assert [round(r["median_ratio"], 3) for r in e["runs"]] == [1.013, 1.023, 1.038]
    assert [round(100 * r["inside_band"]) for r in e["runs"]] == [100, 99, 97] and e["band"] == [0.85, 1.2]
    assert all(r["loss_increases"] > 0 and r["final_loss"] < r["loss_at_reach"] for r in e["runs"])
