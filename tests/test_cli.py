"""The command line as a user meets it: CliRunner runs, then the files written are read back."""

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from landscape.cli import cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def saddle_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(cli, ["run", "saddle-2d", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "saddle-2d", result


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def test_list_names_every_builtin_scenario():
    result = invoke("list")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.output.splitlines()]
    # the shipped scenarios, plus the example study's that tests/conftest.py registers
    assert names == ["dead-relu", "dropout-noise", "edge-of-stability", "example-walk", "linear-net", "lr-stability",
                     "mlp-digits", "mlp-xor",
                     "muller-brown-paths", "pspin-complexity", "pspin-tree", "saddle-2d", "saddle-chain",
                     "saddle-escape", "separable-completeness"]
    families = invoke("list", "--families").output
    assert "saddle-2d" in families and "muller-brown" in families and "mlp" in families


def test_run_writes_figures_results_and_summary(saddle_run):
    folder, result = saddle_run
    files = {p.name for p in folder.iterdir()}
    assert {"landscape.png", "eigen-components.png", "loss.png", "escape.png", "results.json",
            "summary.md", "trajectories.csv"} <= files
    for name in ("landscape.png", "eigen-components.png", "loss.png", "escape.png"):
        data = (folder / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no staging left
    assert str(folder) in result.output


def test_results_json_holds_the_contract_and_the_right_numbers(saddle_run):
    folder, _ = saddle_run
    data = json.loads((folder / "results.json").read_text())
    for key in ("scenario", "landscape", "critical_points", "runs", "figures"):
        assert key in data
    assert data["scenario"] == "saddle-2d" and data["landscape"]["name"] == "saddle-2d"
    points = {(tuple(p["x"]), p["kind"], p["index"]) for p in data["critical_points"]}
    assert points == {((0.0, 1.0), "minimum", 0), ((0.0, -1.0), "minimum", 0), ((0.0, 0.0), "saddle", 1)}
    for p in data["critical_points"]:
        assert set(p) >= {"x", "value", "eigenvalues", "index", "kind"}
        assert p["value"] == (-0.25 if p["kind"] == "minimum" else 0.0)
    eta, r = 0.1, data["theory"]["radius"]
    delta = r**2 * (1 + eta) / ((2 + eta) * math.log(1 + eta))  # first nonlinear correction
    for run in data["runs"]:
        assert set(run) >= {"optimizer", "eta", "start", "escape_step", "predicted_escape_step",
                            "stall_steps", "final", "outcome"}
        assert run["optimizer"] == "gd" and run["eta"] == eta
        # eigenbasis of H(0) = diag(1, -1), eigenvalues ascending: y = (+-y_start, +-x_start)
        np.testing.assert_array_equal(np.abs(run["start_eigen_coordinates"]), np.abs(run["start"][::-1]))
        eps = abs(run["start"][1])
        if 0 < eps < r:
            k_star = math.log(r / eps) / math.log(1 + eta)
            assert run["predicted_escape_step"] == pytest.approx(k_star, rel=1e-12)
            assert k_star <= run["escape_step"] <= k_star + 1 + delta
            assert run["outcome"] == "minimum" and run["final"][1] == pytest.approx(math.copysign(1, run["start"][1]))
    on_manifold = [run for run in data["runs"] if run["start"][1] == 0.0]
    assert on_manifold and all(run["outcome"] == "saddle" and run["escape_step"] is None for run in on_manifold)
    assert data["figures"] == ["landscape.png", "eigen-components.png", "loss.png", "escape.png", "basins.png",
                               "surface.png"]  # the animation is written with --format gif only
    # GD keeps the sign of y (y <- (1 + eta) y - eta y^3 for |y| < 1), so the basins are the half planes y > 0
    # and y < 0; the 50 x 50 grid on [-2, 2]^2 has no row on y = 0, so each takes exactly half
    basins = data["basins"]
    assert basins["grid"] == [50, 50] and basins["starts"] == 2500
    assert sorted((m["x"][1], m["fraction"]) for m in basins["minima"]) == [(-1.0, 0.5), (1.0, 0.5)]
    assert basins["unconverged"] == basins["diverged"] == basins["other_critical"] == 0
    (branch_a, branch_b), = [m["branches"] for m in basins["stable_manifolds"]]
    assert all(abs(y) < 1e-12 for _, y in branch_a + branch_b)  # the stable manifold is the line y = 0
    assert max(abs(x) for x, _ in branch_a + branch_b) >= 1.99  # ... traced out to the domain's edge
    sweep = data["escape_sweep"]
    pred = np.log(r / np.array(sweep["eps"])) / np.log(1 + eta)
    np.testing.assert_allclose(sweep["predicted_escape_step"], pred, rtol=1e-12)
    assert np.all(np.array(sweep["escape_step"]) == np.ceil(pred + delta))
    assert data["theory"]["stability_bound_centre"] == 2.0 and data["theory"]["stability_bound_minima"] == 1.0


def test_summary_links_the_figures(saddle_run):
    folder, _ = saddle_run
    text = (folder / "summary.md").read_text()
    assert "![landscape](landscape.png)" in text
    assert "| (0, 0) | 0 | (-1, 1) | 1 | saddle |" in text and "| (0, 1) | -0.25 | (1, 2) | 0 | minimum |" in text


def test_trajectories_csv_matches_gd(saddle_run):
    folder, _ = saddle_run
    rows = (folder / "trajectories.csv").read_text().splitlines()
    assert rows[0] == "run,optimizer,step,x1,x2,value,grad_norm"
    first = [r.split(",") for r in rows[1:4]]
    # run 0 starts at (1.5, 0.01): x <- 0.9 x, y <- 1.1 y - 0.1 y^3
    x, y = 1.5, 0.01
    for row in first:
        assert float(row[3]) == pytest.approx(x, rel=1e-15) and float(row[4]) == pytest.approx(y, rel=1e-15)
        x, y = 0.9 * x, 1.1 * y - 0.1 * y**3


def test_same_seed_gives_the_same_results_json_byte_for_byte(saddle_run, tmp_path):
    folder, _ = saddle_run
    again = invoke("run", "saddle-2d", "--out", str(tmp_path))
    assert again.exit_code == 0
    assert (tmp_path / "saddle-2d" / "results.json").read_bytes() == (folder / "results.json").read_bytes()


def test_json_flag_prints_the_results(tmp_path):
    result = invoke("run", "saddle-2d", "--out", str(tmp_path), "--json", "--steps", "300")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == json.loads((tmp_path / "saddle-2d" / "results.json").read_text())
    assert printed["settings"]["steps"] == 300


def test_formats_and_overrides(tmp_path):
    result = invoke("run", "saddle-2d", "--out", str(tmp_path), "--format", "pdf,svg", "--eta", "1.5",
                    "--seed", "4")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "saddle-2d"
    assert (folder / "escape.pdf").read_bytes().startswith(b"%PDF")
    assert b"<svg" in (folder / "landscape.svg").read_bytes()[:2000]
    assert not list(folder.glob("*.png"))
    data = json.loads((folder / "results.json").read_text())
    assert data["seed"] == 4 and all(r["eta"] == 1.5 for r in data["runs"])

    def steps_to_diverge(y, bound=1e6):  # y <- y - 1.5 (y^3 - y); x shrinks as (-0.5)^k
        for k in range(1, 100):
            y = y - 1.5 * (y**3 - y)
            if not abs(y) <= bound:
                return k
    for r in data["runs"]:
        if abs(r["start"][1]) > 1:  # eta = 1.5 > 2/lambda_max = 1 at the minima: far starts blow up
            assert r["outcome"] == "diverged" and r["diverged_step"] == steps_to_diverge(r["start"][1])


def test_critical_json():
    result = invoke("critical", "himmelblau", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"landscape", "domain", "critical_points"}
    kinds = [p["kind"] for p in data["critical_points"]]
    assert sorted(kinds) == sorted(["minimum"] * 4 + ["saddle"] * 4 + ["maximum"])
    values = [p["value"] for p in data["critical_points"]]
    # sorted by value; values within 1e-10 of the largest |f| are ties, ordered by coordinates
    assert all(b >= a - 1e-10 * max(map(abs, values)) for a, b in zip(values, values[1:]))


def test_critical_table_and_domain():
    result = invoke("critical", "saddle-2d", "--domain=-1:1,0.5:2")
    assert result.exit_code == 0
    assert "1 critical point in" in result.output and "minimum" in result.output and "saddle " not in result.output


def test_critical_with_family_parameters():
    result = invoke("critical", "quadratic", "-p", "eigenvalues=[1,-2,3,-4]", "--json")
    (p,) = json.loads(result.stdout)["critical_points"]
    assert p["index"] == 2 and p["kind"] == "saddle"
    np.testing.assert_allclose(sorted(p["eigenvalues"]), [-4, -2, 1, 3], atol=1e-12)


def test_inspect_projects_onto_the_sphere():
    """pspin: a point off the sphere is projected to |s|^2 = N; the gradient is tangent there
    and the Hessian acts on the (N-1)-dimensional tangent space."""
    data = json.loads(invoke("inspect", "pspin", "--at", "2,0,0", "--json").stdout)
    np.testing.assert_allclose(data["x"], [3**0.5, 0, 0], rtol=1e-15)
    assert abs(np.dot(data["gradient"], data["x"])) < 1e-12
    assert np.shape(data["hessian"]) == (2, 2) and len(data["eigenvalues"]) == 2


def test_inspect_json():
    data = json.loads(invoke("inspect", "saddle-2d", "--at", "0,0", "--json").stdout)
    assert set(data) >= {"x", "value", "gradient", "hessian", "eigenvalues", "eigenvectors", "index", "kind"}
    assert data["eigenvalues"] == [-1.0, 1.0] and data["index"] == 1 and data["kind"] == "saddle"
    assert data["eigenvectors"] == [[0.0, 1.0], [1.0, 0.0]]
    data = json.loads(invoke("inspect", "saddle-2d", "--at", "0.5,2", "--json").stdout)
    assert data["gradient"] == [0.5, 6.0] and data["hessian"] == [[1.0, 0.0], [0.0, 11.0]]
    assert json.loads(invoke("inspect", "monkey-saddle", "--at", "0,0", "--json").stdout)["kind"] == "degenerate"


BAD_RUNS = [
    (["run", "nope"], "unknown scenario 'nope'"),
    (["run", "saddle-2d", "--eta", "0"], "--eta: expected a positive number"),
    (["run", "saddle-2d", "--eta", "-1"], "--eta: expected a positive number"),
    (["run", "saddle-2d", "--steps", "0"], "--steps: expected a positive integer"),
    (["run", "saddle-2d", "--format", "jpg"], "unknown value 'jpg'"),
    (["run", "saddle-2d", "--eta", "abc"], "'abc' is not a valid float"),
    (["inspect", "saddle-2d", "--at", "1,2,3"], "needs 2 coordinates"),
    (["inspect", "saddle-2d", "--at", "1,nan"], "finite"),
    (["critical", "saddle-2d", "--domain", "1:-1,0:1"], "reversed"),
    (["critical", "saddle-2d", "--domain", "0:0,0:1"], "empty"),
    (["critical", "volcano"], "Invalid value for 'FAMILY'"),
    (["critical", "saddle-2d", "--dim", "3"], "fixed dimension"),
    (["inspect", "pspin", "--at", "0,0,0"], "no projection"),
    (["critical", "separable", "--dim", "0"], "--dim must be a positive integer"),
    (["critical", "separable", "--starts", "0"], "starts must be a positive integer"),
    (["critical", "separable", "--jobs", "0"], "0 is not in the range x>=1"),
    (["critical", "separable", "--batch", "-4"], "batch must be a positive integer"),
    (["critical", "separable", "--batch", "0"], "batch must be a positive integer"),
    (["critical", "pspin", "-p", "p=5"], "p must be 2, 3 or 4"),
    (["critical", "pspin", "--dim", "80", "-p", "p=4"], "too many"),
    (["critical", "pspin", "--dim", "1"], "dim must be an integer >= 2"),
    (["critical", "polynomial", "-p", "kind=cubic"], "kind must be one of"),
    (["critical", "polynomial", "--terms", "/nonexistent/terms.json"], "cannot read"),
    (["critical", "separable", "--terms", "/nonexistent/terms.json"], "use it with the polynomial family"),
]


@pytest.mark.parametrize("args,message", BAD_RUNS)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args, message, tmp_path):
    result = CliRunner().invoke(cli, args + (["--out", str(tmp_path / "out")] if args[0] == "run" else []))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text,message", [
    ("{", "not valid JSON"),
    ('{"terms": []}', "non-empty list"),
    ('[[[1, 2], 3]]', 'must hold an object {"terms"'),
    ('{"terms": [[[1, 2], 3.0], [[1], 1.0]]}', "same number"),
    ('{"terms": [[[1, -2], 3.0]]}', "non-negative integer exponents"),
    ('{"terms": [[[1, 2], "x"]]}', "term 1 must be"),
    ('{"terms": [[[0, 0], 0.0]]}', "every coefficient is zero"),
])
def test_bad_terms_file_is_one_line(text, message, tmp_path):
    path = tmp_path / "terms.json"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["critical", "polynomial", "--terms", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ["x = [\n", '[landscape]\nfamily = "saddle-2d"\n[run]\nstarts = [[1, 2, 3]]\n'])
def test_bad_scenario_file_writes_nothing(text, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and str(path) in result.stderr
    assert not (tmp_path / "out").exists()


def test_help_imports_neither_scipy_nor_matplotlib():
    code = ("import sys, landscape.cli; "
            "print(sorted(m for m in ('scipy', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_python_dash_m_works():
    out = subprocess.run([sys.executable, "-m", "landscape", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "run" in out.stdout and out.stderr == ""


# ---------------------------------------------------------------- count-critical

def test_count_critical_signs_table_and_json():
    result = invoke("count-critical", "--dim", "10")
    assert result.exit_code == 0
    assert "1024 sign configurations: 1 minimum, 1 maximum, 1022 saddles" in result.output
    assert "252" in result.output  # C(10, 5)
    data = json.loads(invoke("count-critical", "--dim", "10", "--json").stdout)
    assert data["dim"] == 10 and data["model"] == "signs"
    assert data["sign_configurations"] == 1024 and data["minima"] == 1 and data["maxima"] == 1
    assert data["saddles"] == 1022
    assert data["by_index"] == [math.comb(10, k) for k in range(11)]


def test_count_critical_huge_dimension_is_exact_in_json():
    data = json.loads(invoke("count-critical", "--dim", "3000", "--json").stdout)
    assert data["sign_configurations"] == str(2**3000) and data["saddles"] == str(2**3000 - 2)
    assert len(data["by_index"]) == 3001 and data["by_index"][1500] == str(math.comb(3000, 1500))
    text = invoke("count-critical", "--dim", "10000").output
    assert "e+3010 sign configurations" in text and "…" in text


def test_count_critical_enumerate_agrees():
    data = json.loads(invoke("count-critical", "--dim", "8", "--enumerate", "--json").stdout)
    assert data["enumerated_by_index"] == data["by_index"] and data["enumeration_agrees"] is True


def test_count_critical_goe_json_contract():
    data = json.loads(invoke("count-critical", "--dim", "3", "--model", "goe", "--samples", "200000",
                             "--json").stdout)
    assert data["model"] == "goe" and data["samples"] == 200000 and len(data["by_index"]) == 4
    assert sum(data["by_index"]) + data["degenerate"] == 200000
    lo, hi = data["ci"]
    assert lo <= data["p_minimum"] <= hi
    from landscape.counting import goe_minimum_probability  # checked against tplquad in test_counting

    assert data["p_minimum_exact"] == goe_minimum_probability(3)[0]
    assert data["minima"] == data["by_index"][0] and data["saddles"] == sum(data["by_index"][1:3])


def test_count_critical_landscape_writes_figures(tmp_path):
    result = invoke("count-critical", "--dim", "3", "--landscape", "separable", "--starts", "1024",
                    "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "count-critical"
    data = json.loads((folder / "results.json").read_text())
    assert data["found"] == 27 and data["found_by_index"] == [8, 12, 6, 1]
    assert data["starts"] == 1024 and data["estimated_total"] == pytest.approx(27)
    assert data["known_by_index"] == [8, 12, 6, 1] and data["morse_sum"] == 1
    assert data["expected_by_index_binomial"] == pytest.approx([27 / 8, 81 / 8, 81 / 8, 27 / 8])
    assert sum(data["expected_by_index_goe"]) == pytest.approx(27)
    for name in ("index-distribution", "p-minimum", "saddle-ratio"):
        assert (folder / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"({name}.png)" in (folder / "summary.md").read_text()
    assert data["curves"]["theta_fit"] == pytest.approx(math.log(3) / 4, rel=1e-4)


BAD_COUNTS = [
    (["count-critical", "--dim", "0"], "--dim must be an integer from 1 to 10000"),
    (["count-critical", "--dim", "10001"], "from 1 to 10000"),
    (["count-critical", "--dim", "21", "--enumerate"], "from 1 to 20 for --enumerate"),
    (["count-critical", "--dim", "3", "--model", "goe", "--samples", "0"], "--samples must be a positive"),
    (["count-critical", "--dim", "3", "--model", "cauchy"], "Invalid value for '--model'"),
    (["count-critical", "--dim", "3", "--landscape", "separable", "--starts", "0"], "--starts must be"),
    (["count-critical", "--dim", "3", "--model", "goe", "--landscape", "separable"], "give one of them"),
    (["count-critical", "--dim", "3", "--landscape", "himmelblau"], "dimension 2, not --dim 3"),
    (["count-critical", "--dim", "3", "-p", "tilt=0.1"], "use it with --landscape"),
    (["count-critical", "--dim", "3", "--landscape", "separable", "-p", "tilt=0.5"], "tilt must be"),
    (["count-critical", "--dim", "3", "--format", "gif", "--out", "OUT"], "unknown value 'gif'"),
]


@pytest.mark.parametrize("args,message", BAD_COUNTS)
def test_count_critical_bad_input(args, message, tmp_path):
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (tmp_path / "out").exists()
