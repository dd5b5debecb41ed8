"""The network scenarios end to end (small sizes), their JSON contracts and their numbers."""

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner

from landscape.cli import cli
from landscape.studies import run as run_study
from landscape.report import write_result
from landscape.scenario import load, resolve

SMALL = {
    "mlp-xor": dict(starts=16384, runs=3, snapshots=5),
    "dead-relu": dict(etas=(0.3, 3.0), runs=8),
    "dropout-noise": dict(ps=(0.5,), samples=20000, draws=2000, poisson_units=(10, 100, 1000), runs=4),
}
STEPS = {"mlp-xor": 600, "dead-relu": 200, "dropout-noise": 600}


@pytest.fixture(scope="module")
def nn_studies(tmp_path_factory):
    out = tmp_path_factory.mktemp("nn")
    done = {}
    for name, settings in SMALL.items():
        sc = load(resolve(name))
        sc = dataclasses.replace(sc, steps=STEPS[name], settings=dataclasses.replace(sc.settings, **settings))
        result = run_study(sc)
        done[name] = (result, *write_result(result, out, ("png",)))
    return done


def test_mlp_xor_results(nn_studies):
    result, folder, data = nn_studies["mlp-xor"]
    assert json.loads((folder / "results.json").read_text()) == data
    assert data["parameters"] == 17 == 2 * 3 + 3 + 3 * 2 + 2
    assert data["gradient_check"] < 1e-6 and data["hessian_check"] < 1e-6
    pts = data["critical_points"]
    assert len(pts) > 50 and all({"value", "index", "grad_norm"} <= set(p) for p in pts)
    # the engine's points are critical: |grad| below the search tolerance, rechecked here
    land = result.landscape
    x = np.array([p["x"] for p in pts])
    assert np.linalg.norm(land.grad(x), axis=-1).max() <= data["search"]["gtol"]
    assert max(p["grad_norm"] for p in pts) <= data["search"]["gtol"]
    # indices recomputed from the Hessian; the Morse sum of a coercive loss is 1
    lam = np.linalg.eigvalsh(land.hess(x))
    assert [int(v) for v in (lam < -data["search"]["zero_tol"]).sum(-1)] == [p["index"] for p in pts]
    assert data["search"]["morse"]["alternating_sum"] == 1
    # Dauphin et al.: index and loss rise together; the lowest points are minima
    assert data["index_loss_spearman"] > 0.5
    means = [r["loss_mean"] for r in data["loss_by_index"]]
    assert means == sorted(means)
    # the symmetry group maps the set to itself: orbit sizes divide the group's order (48)
    assert data["symmetries"]["group_order"] == 48
    assert all(48 % int(size) == 0 for size in data["symmetries"]["orbit_sizes"])
    assert {p.name for p in folder.iterdir()} >= {"index-vs-loss.png", "hessian-spectra.png", "summary.md"}


def test_dead_relu_results(nn_studies):
    result, folder, data = nn_studies["dead-relu"]
    assert data["dead_units"] > 0 and data["dead_units_at_analysis"] > 0
    # a dead unit's parameters: exactly zero gradient and zero Hessian rows, and null vectors of H
    assert data["gradient_on_dead_parameters"] == 0.0 and data["hessian_on_dead_parameters"] == 0.0
    assert data["flat_directions"]["in_null_space"] < 1e-12
    assert data["zero_eigenvalues"] >= data["flat_directions"]["total"] > 0
    assert data["first_layer_dead_parameters_moved"] == 0.0
    # with batch norm the structure's flat directions (pre-norm biases, softmax's shift, dead units)
    # are null vectors of H, so at least that many eigenvalues are zero (a unit alive on only a few
    # samples can add more: equality is not a theorem, and depends on the draw)
    bn = data["batchnorm"]
    assert bn["flat_directions"]["in_null_space"] < 1e-12
    assert bn["zero_eigenvalues"] >= bn["flat_directions"]["total"] > 0
    # batch norm keeps more units alive at the large step size
    big = [r for r in data["sweep"] if r["eta"] == 3.0]
    plain, normed = (next(r for r in big if r["batchnorm"] == b) for b in (False, True))
    assert normed["dead_fraction"] < plain["dead_fraction"]


def test_dropout_noise_results(nn_studies):
    result, folder, data = nn_studies["dropout-noise"]
    keys = {"p", "mean_measured", "variance_measured", "mean_predicted", "variance_predicted", "samples"}
    assert keys <= set(data) and data["p"] == 0.5 and data["samples"] == 20000
    assert data["mean_predicted"] == pytest.approx(1 / np.sqrt(2 * np.pi))
    assert data["variance_predicted"] == pytest.approx(1 / (2 * 0.5) - 1 / (2 * np.pi))
    assert abs(data["mean_measured"] - data["mean_predicted"]) < 4 * data["mean_se"]
    assert abs(data["variance_measured"] - data["variance_predicted"]) < 4 * data["variance_se"]
    assert all(r["total_variation"] <= r["bound"] for r in data["poisson"])
    runs = {r["p"]: r for r in data["escape"]["runs"]}
    # GD keeps identical units identical (exactly) and never leaves; dropout breaks the tie
    assert runs[0.0]["escaped"] == 0 and runs[0.0]["final_asymmetry_median"] == 0.0
    assert min(data["escape"]["gd_end"]["index"]) >= 1  # GD stalls near a saddle
    assert runs[0.1]["escaped"] == runs[0.1]["runs"]


def test_inspect_mlp_counts_parameters():
    result = CliRunner().invoke(cli, ["inspect", "mlp", "--layers", "20,40", "--batchnorm", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["parameters"] == 920
    assert [r["parameters"] for r in data["landscape"]["architecture"]] == [840, 80]


@pytest.mark.parametrize("args,message", [
    (["inspect", "saddle-2d", "--layers", "2,3"], "--layers applies to the mlp family only"),
    (["inspect", "mlp", "--layers", "2,1.5"], "positive integer widths"),
    (["inspect", "mlp", "-p", "dataset=\"xor\"", "--layers", "3,2"], "xor has 2 inputs"),
    (["inspect", "mlp", "-p", "activation=\"swish\""], "unknown activation"),
])
def test_inspect_mlp_bad_input(args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and message in result.output and result.output.count("\n") == 1


@pytest.mark.parametrize("text,message", [
    ('kind = "mlp-xor"\n[landscape]\nfamily = "mlp"\ndataset = "xor"\nlayers = [2, 2, 2]\n', "weight_decay: must be > 0"),
    ('kind = "dead-relu"\n[landscape]\nfamily = "mlp"\nactivation = "tanh"\n', "needs \"relu\""),
    ('kind = "dropout-noise"\n[landscape]\nfamily = "mlp"\n[dropout-noise]\np = 1.5\n', "each must be in (0, 1)"),
])
def test_bad_network_scenarios(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out").exists()
