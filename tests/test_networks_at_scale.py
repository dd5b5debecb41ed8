"""Real networks on real data: the square loss, eigenpairs, training with any optimizer and
dropout, loss slices, and the training and edge-of-stability studies."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from click.testing import CliRunner

from landscape import build
from landscape.cli import cli
from landscape.nn import MLP, one_hot
from landscape.nn import curvature as cv
from landscape.nn import slices
from landscape.nn.datasets import blobs, digits_split
from landscape.nn.modules import SquaredError
from landscape.nn.training import train
from landscape.optim import OptimizerSpec
from landscape.scenario import load, loads, resolve
from landscape.studies import STUDIES
from landscape.studies.edge_of_stability import at_the_edge
from landscape.studies.training import outliers, path_directions


def central_grad(f, x, h=1e-6):
    E = np.eye(x.shape[-1])
    return np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in E], axis=-1)


@pytest.mark.parametrize("batchnorm, p", [(False, 0.0), (True, 0.3)])
def test_the_square_loss_gradient_and_hessian_against_central_differences(batchnorm, p):
    """L = |Z - T|^2 / (2S): dL/dZ = (Z - T)/S exactly; through a network (batch norm, fixed
    dropout masks) backprop's gradient and the R-operator's H V match central differences."""
    rng = np.random.default_rng(3)
    Z, T = rng.standard_normal((5, 3)), one_hot(np.array([0, 1, 2, 1, 0]), 3)
    sq = SquaredError()
    L, cache = sq.loss(Z, T)
    assert L == pytest.approx(0.5 * np.sum((Z - T) ** 2) / 5, rel=1e-14)
    np.testing.assert_allclose(sq.backward(cache), (Z - T) / 5, rtol=1e-15)
    net = MLP((2, 5, 3), "tanh", batchnorm, dropout=p, loss="mse")
    X, labels = blobs(12, 2, 3, 0.5, seed=1)
    T = one_hot(labels, 3)
    theta = rng.standard_normal(net.size)
    masks = net.sample_masks((), 12, rng)
    _, g = net.loss_and_grad(theta, X, T, masks)
    fd = central_grad(lambda t: net.loss(t, X, T, masks), theta)
    assert np.abs(g - fd).max() < 1e-8 * max(1.0, np.abs(g).max())
    V = rng.standard_normal((4, net.size))
    HV = net.hvp(theta, V, X, T, masks)[2]
    fd = np.stack([(net.loss_and_grad(theta + 1e-5 * v, X, T, masks)[1]
                    - net.loss_and_grad(theta - 1e-5 * v, X, T, masks)[1]) / 2e-5 for v in V])
    assert np.abs(HV - fd).max() < 1e-6 * np.abs(HV).max()


def test_eigenpairs_are_eigenpairs_with_canonical_signs_and_a_warm_start_agrees():
    land = build("mlp", {})  # 2-4-3 tanh on blobs, 27 parameters
    theta = land.initial_point(np.random.default_rng(1))
    H = land.hess(theta)
    lam, U = np.linalg.eigh(H)
    vals, V = cv.eigenpairs(lambda W: land.hvp(theta, W), land.dim, 3, "LA")
    np.testing.assert_allclose(vals, lam[-3:], rtol=1e-9)
    np.testing.assert_allclose(V @ H, vals[:, None] * V, atol=1e-8 * abs(lam).max())
    assert np.all(V[np.arange(3), np.abs(V).argmax(axis=1)] > 0)
    warm, W = cv.eigenpairs(lambda W: land.hvp(theta, W), land.dim, 1, v0=V[-1] + 0.01)
    assert warm[0] == pytest.approx(lam[-1], rel=1e-9) and np.allclose(W[0], V[-1], atol=1e-6)


@pytest.fixture(scope="module")
def split():
    return digits_split()


def _digits_net(batchnorm=False, dropout=0.0):
    land = build("mlp", {"layers": [64, 128, 10], "activation": "elu", "batchnorm": batchnorm,
                         "dataset": "digits", "samples": 8})
    return land.with_dropout(dropout) if dropout else land.network, land.initial_point(np.random.default_rng(42))


def test_training_with_heavy_ball_is_the_momentum_recurrence(split):
    """Two full-batch steps of heavy ball (eta 0.05, beta 0.9): v1 = g0, theta1 = theta0 - eta v1,
    v2 = beta v1 + g1, theta2 = theta1 - eta v2, to rounding."""
    X, y = split[0][:64], split[1][:64]
    net, theta0 = _digits_net()
    spec = OptimizerSpec("heavy-ball", {"eta": 0.05, "beta": 0.9})
    run = train(net, theta0, X, y, X, y, optimizer=spec.optimizer, epochs=2, batch=64)
    T = one_hot(y, 10)
    g0 = net.loss_and_grad(theta0, X, T)[1]
    t1 = theta0 - 0.05 * g0
    g1 = net.loss_and_grad(t1, X, T)[1]
    t2 = t1 - 0.05 * (0.9 * g0 + g1)
    np.testing.assert_allclose(run.checkpoints[1], t1, rtol=0, atol=1e-13)
    np.testing.assert_allclose(run.theta, t2, rtol=0, atol=1e-13)


def test_dropout_training_draws_its_masks_from_the_seed_and_evaluates_without_them(split):
    """With dropout p = 0.5 the path depends on the seed's masks (two seeds differ, one seed
    repeats bit for bit); the test loss after training is the inference-mode loss (no masks);
    Adam trains the same network to well above chance."""
    X, y, Xt, yt = split
    net, theta0 = _digits_net(dropout=0.5)
    a = train(net, theta0, X, y, Xt, yt, lr=0.1, epochs=2, seed=1)
    b = train(net, theta0, X, y, Xt, yt, lr=0.1, epochs=2, seed=1)
    c = train(net, theta0, X, y, Xt, yt, lr=0.1, epochs=2, seed=2)
    assert np.array_equal(a.theta, b.theta) and not np.allclose(a.theta, c.theta)
    plain = MLP((64, 128, 10), "elu")
    Z = plain.forward(a.theta, Xt)[0]
    assert a.test_loss[-1] == pytest.approx(float(plain.loss_fn.loss(Z, one_hot(yt, 10))[0]), rel=1e-12)
    adam = train(net, theta0, X, y, Xt, yt, optimizer=OptimizerSpec("adam", {"eta": 0.001}).optimizer, epochs=3)
    assert adam.test_accuracy[-1] > 0.85
    assert a.checkpoints.shape == (3, net.size) and a.path is None


def test_slices_filter_normalised_directions_and_projections():
    net = MLP((3, 4, 2), "tanh", batchnorm=True)
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(net.size)
    d = slices.filter_normalised(net, theta, np.random.default_rng(1))
    for i, m in enumerate(net.modules):
        a, b = int(net.offsets[i]), int(net.offsets[i + 1])
        if m.size and hasattr(m, "n_in"):
            k = m.n_out * m.n_in
            rows, ref = d[a:a + k].reshape(m.n_out, m.n_in), theta[a:a + k].reshape(m.n_out, m.n_in)
            np.testing.assert_allclose(np.linalg.norm(rows, axis=1), np.linalg.norm(ref, axis=1), rtol=1e-12)
            assert np.all(d[a + k:b] == 0)  # the bias
        elif m.size:
            assert np.all(d[a:b] == 0)  # batch norm's gamma and beta
    X, labels = blobs(10, 3, 2, 0.5, seed=2)
    T = one_hot(labels, 2)
    e = slices.filter_normalised(net, theta, np.random.default_rng(2))
    grid = slices.plane(net, theta, d, e, X, T, [-1, 0, 0.5], [0, 2])
    assert grid.shape == (2, 3)
    assert grid[0, 1] == pytest.approx(float(net.loss(theta, X, T)), rel=1e-13)
    assert grid[1, 2] == pytest.approx(float(net.loss(theta + 0.5 * d + 2 * e, X, T)), rel=1e-12)
    line = slices.interpolation(net, theta, theta + d, X, T, [0, 1])
    np.testing.assert_allclose(line, [net.loss(theta, X, T), net.loss(theta + d, X, T)], rtol=1e-13)
    path = theta + np.outer(np.linspace(1, 0, 6), d) + np.outer(np.linspace(0.3, 0, 6) ** 2, e)
    coords, captured = slices.project(path, theta, d, e)
    np.testing.assert_allclose(coords[:, 0], np.linspace(1, 0, 6), atol=1e-12)
    np.testing.assert_allclose(coords[:, 1], np.linspace(0.3, 0, 6) ** 2, atol=1e-12)
    np.testing.assert_allclose(captured, 1.0, atol=1e-12)
    p1, p2 = path_directions(path, theta)
    assert np.isclose(np.linalg.norm(p1), 1) and abs(p1 @ p2) < 1e-12
    assert np.all(slices.project(path, theta, p1, p2)[1] > 1 - 1e-10)  # a planar path lies in its PC plane


def test_outliers_split_at_the_largest_ratio():
    assert outliers(np.array([0.1, 0.2, 9.0, 10.0, 0.15, 8.0])) == (3, pytest.approx(40.0))
    assert outliers(np.array([1.0]))[0] == 1


def test_at_the_edge_counts_a_rise_to_two_over_eta_not_a_start_above_it():
    steps = [0, 10, 20, 30, 40, 50]
    sharp = [6.0, 3.0, 4.0, 5.1, 4.9, 5.3]  # starts above 2/eta = 5, falls, rises to it
    loss = [1.0, 0.5, 0.4, 0.45, 0.3, 0.35]
    e = at_the_edge(steps, loss, sharp, 5.0, 0.95, (0.85, 1.2))
    assert e["reached_step"] == 30 and e["median_ratio"] == pytest.approx(1.02)
    assert e["inside_band"] == 1.0 and e["loss_increases"] == 1 and e["loss_at_reach"] == 0.45
    assert at_the_edge(steps, loss, [1, 1, 1, 1, 1, 1], 5.0, 0.95, (0.85, 1.2))["reached_step"] is None


def _scenario(name, **settings):
    scenario = load(resolve(name))
    return dataclasses.replace(scenario, settings=dataclasses.replace(scenario.settings, **settings))


@pytest.fixture(scope="module")
def digits_study():
    """mlp-digits as the gallery trains it (10 epochs, both runs), with the curvature sized down:
    the Hessian on 256 training images, 6 top eigenvalues, 2 SLQ probes of 12 steps, 7 x 7 slices."""
    s = _scenario("mlp-digits", hessian_samples=256, top=6, probes=2, lanczos_steps=12, trace_probes=8,
                  line=13, grid=7)
    return s, STUDIES["training"].run(s, s.settings).to_dict()


def test_mlp_digits_reaches_its_accuracy_with_and_without_batch_norm(digits_study):
    """64-128-10 ELU, SGD lr 0.1, batch 128, 10 epochs, seed 42: at least 93% of the 360 held-out
    digits (the gallery's run: 95.3% without, 94.2% with batch norm)."""
    _, d = digits_study
    assert [r["batchnorm"] for r in d["runs"]] == [False, True]
    assert [r["parameters"] for r in d["runs"]] == [9610, 9886]
    for r in d["runs"]:
        assert r["final_test_accuracy"] >= 0.93 and r["final_test_accuracy"] == r["test_accuracy"][-1]
        assert len(r["train_loss"]) == len(r["test_loss"]) == len(r["sharpness"]) == r["epochs"] == 10
        assert r["train_loss"][-1] < r["train_loss"][0] / 3
    assert d["threshold"] == pytest.approx(20.0) and d["classes"] == 10 and d["hessian_samples"] == 256


def test_mlp_digits_curvature_is_consistent_with_itself(digits_study):
    """The last epoch's sharpness is the largest of the top eigenvalues; the top eigenvalues are
    descending and bound the SLQ support from above; lambda_min < 0 (SGD stops at a saddle-like
    point of the full-batch loss) and above -lambda_max; the trace is positive."""
    _, d = digits_study
    for r in d["runs"]:
        top = np.asarray(r["top_eigenvalues"])
        assert r["sharpness"][-1] == pytest.approx(top[0], rel=1e-5)
        assert np.all(np.diff(top) <= 0) and top[0] >= r["densities"][-1]["support"][1] - 1e-6 * top[0]
        assert -top[0] < r["bottom_eigenvalue"] < 0
        assert r["trace"] > 0 and r["trace_se"] > 0
        assert r["index_estimate"] == pytest.approx(r["negative_share"] * r["parameters"])
        assert [x["epoch"] for x in r["densities"]] == [0, 5, 10]
        for x in r["densities"]:
            integral = np.sum(np.asarray(x["density"])) * (x["grid"][1] - x["grid"][0])
            assert integral == pytest.approx(1.0, abs=0.01)


def test_mlp_digits_slices_go_through_the_trained_point(digits_study):
    """Each plane's centre is the loss at the trained point; the path's own plane holds nearly all
    of the path; the path ends at the origin of every plane; the line's ends are f(theta_0), f(theta_T)."""
    _, d = digits_study
    for r in d["runs"]:
        centres = {p["directions"]: np.asarray(p["loss"])[3, 3] for p in r["slices"]}
        assert set(centres) == {"random", "hessian", "path"}
        assert max(centres.values()) == pytest.approx(min(centres.values()), rel=1e-12)
        line = r["interpolation"]
        a = np.asarray(line["alpha"])
        assert np.asarray(line["train_loss"])[np.isclose(a, 1)][0] == pytest.approx(centres["random"], rel=1e-10)
        for p in r["slices"]:
            assert abs(p["path_x"][-1]) < 1e-9 and abs(p["path_y"][-1]) < 1e-9
        assert {p["directions"]: p for p in r["slices"]}["path"]["captured_median"] > 0.9


@pytest.mark.slow
def test_edge_of_stability_sharpness_hovers_at_two_over_eta():
    """Full-batch GD, 64-32-10 tanh, square loss, 1000 digits, eta = 0.4 for 800 steps: the
    sharpness starts below 2/eta = 5 (at 3.22), rises to it (after step 100), and from then on its
    median is within 0.97-1.08 x 2/eta with at least 90% of the records in 0.85-1.2 x 2/eta, while the
    loss rises at some records and still ends below where it was at the edge (Cohen et al. 2021)."""
    s = dataclasses.replace(_scenario("edge-of-stability", etas=(0.4,)), steps=800)
    d = STUDIES["edge-of-stability"].run(s, s.settings).to_dict()
    (r,) = d["runs"]
    assert d["sharpness_init"] < 0.7 * r["threshold"] and r["threshold"] == 5.0 and d["threshold"] == [5.0]
    assert r["reached_step"] is not None and r["reached_step"] > 100
    assert 0.97 <= r["median_ratio"] <= 1.08 and r["inside_band"] >= 0.9
    assert r["loss_increases"] > 0 and r["final_loss"] < r["loss_at_reach"]
    assert len(r["steps"]) == len(r["loss"]) == len(r["sharpness"]) == 81


@pytest.mark.parametrize("text, message", [
    ('[training]\nbatchnorm = [1]', "expected true or false"),
    ('[training]\nbatchnorm = [true, true]', "batchnorm: list each"),
    ('[training]\nbatch = 100000', "more than the"),
    ('[run]\noptimizers = [{ name = "newton" }]', "not newton"),
    ('[training]\nkernel = 0.9', "kernel"),
])
def test_bad_training_files_are_refused_in_one_line(tmp_path, text, message):
    base = ('kind = "training"\n[landscape]\nfamily = "mlp"\nlayers = [2, 4, 2]\ndataset = "moons"\n')
    if text.startswith("[run]"):
        body = base + text + "\n"
    else:
        body = base + '[run]\noptimizers = [{ name = "gd", eta = 0.1 }]\n' + text + "\n"
    f = tmp_path / "bad.toml"
    f.write_text(body)
    result = CliRunner().invoke(cli, ["run", str(f), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, message", [
    ('[edge-of-stability]\nband = [1.2, 0.8]', "band"),
    ('[edge-of-stability]\netas = [0.1, 0.1]', "etas"),
    ('[landscape]\nfamily = "saddle-2d"', "needs family"),
])
def test_bad_edge_of_stability_files_are_refused_in_one_line(tmp_path, text, message):
    land = '[landscape]\nfamily = "mlp"\nlayers = [2, 4, 2]\ndataset = "moons"\nloss = "mse"\n'
    body = 'kind = "edge-of-stability"\n' + (text if text.startswith("[landscape]") else land + text) + "\n"
    f = tmp_path / "bad.toml"
    f.write_text(body)
    result = CliRunner().invoke(cli, ["run", str(f), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_generated_data_set_trains_with_its_own_held_out_draw(tmp_path):
    """The training kind on moons (the user's own small problem): the test set is the next data
    seed's draw, and the run writes every figure and the documented keys."""
    f = tmp_path / "moons.toml"
    f.write_text('kind = "training"\nseed = 1\n[landscape]\nfamily = "mlp"\nlayers = [2, 16, 2]\ndataset = "moons"\n'
                 'samples = 200\n[run]\noptimizers = [{ name = "gd", eta = 0.5 }]\n[training]\nepochs = 30\nbatch = 20\n'
                 'batchnorm = [false]\ntop = 4\nprobes = 2\nlanczos_steps = 10\ngrid = 5\nline = 5\n')
    result = CliRunner().invoke(cli, ["run", str(f), "--out", str(tmp_path), "-q"])
    assert result.exit_code == 0, result.output
    d = json.loads((tmp_path / "moons" / "results.json").read_text())
    assert d["test_samples"] == 200 and d["runs"][0]["final_test_accuracy"] > 0.85
    assert sorted(p.name for p in (tmp_path / "moons").glob("*.png")) == sorted(
        f"{n}.png" for n in STUDIES["training"].FIGURES)


@pytest.mark.parametrize("args, message", [
    (["run", "edge-of-stability", "--set", "every"], "expected SECTION.KEY=VALUE"),
    (["run", "edge-of-stability", "--set", "a.b.c=1"], "expected SECTION.KEY=VALUE"),
    (["run", "edge-of-stability", "--set", "edge-of-stability.every=0"], "every"),
    (["run", "edge-of-stability", "--set", "edge-of-stability.colour=1"], "unknown key 'colour'"),
    (["run", "--expr", "x^2 + y^2", "--set", "run.steps=3"], "--set goes with a scenario"),
])
def test_bad_set_assignments_are_refused_in_one_line(tmp_path, args, message):
    result = CliRunner().invoke(cli, args + ["--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_set_assignments_read_toml_values_and_leave_the_file_alone():
    from landscape.scenario import apply_settings

    data = {"seed": 0, "training": {"epochs": 10}}
    out = apply_settings(data, ["training.epochs=3", "training.batchnorm=[true, false]", "seed=7",
                                "description=plain words", "landscape.dataset=\"digits\""])
    assert out == {"seed": 7, "description": "plain words", "training": {"epochs": 3, "batchnorm": [True, False]},
                   "landscape": {"dataset": "digits"}}
    assert data == {"seed": 0, "training": {"epochs": 10}}
    s = load(resolve("mlp-digits"), ["training.epochs=3"])
    assert s.settings.epochs == 3 and s.settings.batchnorm == (False, True)


@pytest.mark.slow
def test_edge_of_stability_is_reproducible_under_its_rule_after_a_rounding_sized_change(monkeypatch):
    """The start changed by 1e-15 relative (another BLAS's rounding) changes the losses after the
    edge by percents (chaos), yet the result is the same under the rule: the trajectories' lengths,
    the step where 2/eta is reached, the statistics within their tolerances."""
    from landscape.families.mlp import MLPLoss
    from landscape.reproduce import differences

    s = dataclasses.replace(load(resolve("edge-of-stability"), ["edge-of-stability.etas=[0.5]"]), steps=400)
    def as_json(result):
        return json.loads(json.dumps(result.to_dict(), default=lambda o: o.tolist()))

    a = as_json(STUDIES["edge-of-stability"].run(s, s.settings))
    original = MLPLoss.initial_point

    def nudged(self, rng, scale=1.0, count=None):
        theta = original(self, rng, scale, count)
        return theta * (1 + 1e-15 * np.random.default_rng(5).standard_normal(theta.shape))

    monkeypatch.setattr(MLPLoss, "initial_point", nudged)
    b = as_json(STUDIES["edge-of-stability"].run(s, s.settings))
    la, lb = np.array(a["runs"][0]["loss_per_step"]), np.array(b["runs"][0]["loss_per_step"])
    assert np.abs(la - lb).max() / la.min() > 1e-3  # chaos: the change grew by twelve orders
    assert differences(a, b) == []
    worse = json.loads(json.dumps(b))
    worse["runs"][0]["median_ratio"] *= 1.05
    assert differences(a, worse) and differences(a, {**b, "kind": "trajectories"})


def test_the_commands_keep_freed_memory_and_the_library_does_not(tmp_path):
    """``keep_freed_memory`` takes on glibc; a fresh interpreter that imports landscape and runs
    a study leaves malloc alone (the commands call it, the library never does)."""
    import subprocess
    import sys

    from landscape.memory import keep_freed_memory

    if sys.platform.startswith("linux"):
        assert keep_freed_memory() is True
    code = ("import sys, landscape.memory as m; calls = []; m.keep_freed_memory = lambda *a: calls.append(a); "
            "from landscape.studies import STUDIES; import landscape; print(len(calls))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"


def test_the_hessian_subset_is_the_first_training_samples_of_a_generated_set():
    """hessian_samples = 40 on moons: the initial sharpness is lambda_max of the training loss's
    Hessian on the first 40 of the run's own training samples (not a fresh draw of 40 moons)."""
    text = ('kind = "training"\n[landscape]\nfamily = "mlp"\nlayers = [2, 6, 2]\ndataset = "moons"\nsamples = 120\n'
            '[run]\noptimizers = [{ name = "gd", eta = 0.5 }]\n[training]\nepochs = 2\nbatch = 30\n'
            'batchnorm = [false]\nhessian_samples = 40\ntop = 3\nprobes = 2\nlanczos_steps = 8\nline = 5\ngrid = 3\n')
    import tomllib

    s = loads(tomllib.loads(text), default_name="moons-hessian")
    d = STUDIES["training"].run(s, s.settings).to_dict()
    land = s.build_landscape()
    X, y = land.data
    from landscape.seeds import stream

    theta0 = land.initial_point(stream(s.seed, "init"), 1.0)
    H = land.network.hessian(theta0, X[:40], one_hot(y[:40], 2))[2]
    assert d["hessian_samples"] == 40
    assert d["runs"][0]["sharpness_init"] == pytest.approx(np.linalg.eigvalsh(H)[-1], rel=1e-8)
