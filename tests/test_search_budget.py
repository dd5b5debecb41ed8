"""Bounded, talkative, machine-independent searches: the Newton-step budget, the time limit,
progress after every Newton iteration, and the rounding grid that makes the points found
immune to last-bit differences between BLAS libraries."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from landscape import build, find_critical_points
from landscape.cli import cli
from landscape.critical import batch_sizes, default_newton_steps, solve_chunk


def _same(a, b):
    assert a.starts == b.starts and a.converged == b.converged and a.newton_steps == b.newton_steps
    assert [p.hits for p in a.points] == [p.hits for p in b.points]
    np.testing.assert_array_equal([p.x for p in a.points], [p.x for p in b.points])


def test_the_newton_step_budget_stops_at_the_same_start_for_any_jobs():
    land = build("separable", {"dim": 5, "seed": 2})
    chunk = solve_chunk(land)
    one = find_critical_points(land, starts=2**16, max_newton_steps=20_000)
    two = find_critical_points(land, starts=2**16, max_newton_steps=20_000, jobs=2)
    _same(one, two)
    assert one.saturation.stop_reason == "newton-steps"
    # it stops after the chunk that crossed the budget, never before it
    assert 20_000 <= one.newton_steps < 20_000 + chunk * 200
    before = one.saturation.starts[-2] if len(one.saturation.starts) > 1 else 0
    last = batch_sizes(2**16)[len(one.saturation.starts) - 1]
    assert (one.starts - before) % chunk == 0 or one.starts - before == last  # cut at a chunk boundary
    assert one.to_dict()["max_newton_steps"] == 20_000


def test_a_search_stopped_by_the_clock_is_the_search_with_that_many_starts():
    land = build("himmelblau")
    timed = find_critical_points(land, starts=2**16, max_seconds=1e-9)
    assert timed.saturation.stop_reason == "time" and timed.starts < 2**16
    _same(timed, find_critical_points(land, starts=timed.starts))


@pytest.mark.slow
def test_critical_linear_net_at_its_defaults_stops_at_the_budget_and_reports_manifolds(tmp_path):
    """The issue's case: before, 824 s for 2048 starts, silent, and a Chao1 'total' of a continuum.
    Now the default Newton-step budget stops it (the same start on every machine), a log gets
    progress lines, and the answer is manifolds with no total."""
    result = CliRunner().invoke(cli, ["critical", "linear-net", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "critical-linear-net" / "results.json").read_text())
    assert "STOPPED at the Newton-step budget" in result.stdout and "no finite total" in result.stdout
    land = build("linear-net")
    assert data["saturation"]["stop_reason"] == "newton-steps"
    assert data["max_newton_steps"] == default_newton_steps(land) <= data["newton_steps"]
    assert data["manifolds"] and data["estimated_total"] is None
    assert max(m["dimension"] for m in data["manifolds"]) == 16  # the GL(4) orbit of the minima
    assert "searching:" in result.stderr  # not a terminal: a line every 10 s


def test_progress_moves_after_every_newton_iteration_not_only_per_chunk():
    calls = []
    land = build("six-hump-camel")
    found = find_critical_points(land, starts=1024, progress=calls.append)
    assert solve_chunk(land) >= 1024  # one chunk: per-chunk progress would be a single step
    assert calls[0] == 0 and len(calls) > 10 and sum(calls) == found.starts


class _Perturbed:
    """A landscape whose gradient and Hessian carry a relative error of 1e-15 (a few ulps), smooth in x: what
    another BLAS, CPU or thread count does to the last bits of the same formulas."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def _wobble(self, x):
        return 1.0 + 1e-15 * np.sin(1e3 * np.asarray(x).sum(-1))

    def grad(self, x):
        return self._inner.grad(x) * self._wobble(x)[..., None]

    def hess(self, x):
        return self._inner.hess(x) * self._wobble(x)[..., None, None]

    def derivatives(self, x):
        g, h = self._inner.derivatives(x)
        w = self._wobble(x)
        return g * w[..., None], h * w[..., None, None]


def test_last_bit_differences_do_not_change_which_points_are_found():
    """A 2-3-2 tanh network on XOR (hundreds of critical points, fractal Newton basins). With the
    rounding grid the perturbed search finds the same points with the same hits; without it
    (quantum None, the engine before the grid) the same perturbation sends starts elsewhere."""
    import landscape.newton as newton

    land = build("mlp", {"layers": [2, 3, 2], "dataset": "xor", "weight_decay": 0.01})
    box = [(-4.0, 4.0)] * land.dim
    plain = find_critical_points(land, box, starts=1024, seed=0)
    wobbly = find_critical_points(_Perturbed(land), box, starts=1024, seed=0)
    assert len(plain.points) > 300
    assert [p.hits for p in plain.points] == [p.hits for p in wobbly.points]
    assert plain.by_index == wobbly.by_index and plain.converged == wobbly.converged
    np.testing.assert_allclose([p.x for p in plain.points], [p.x for p in wobbly.points], atol=1e-9)

    x0 = land.sample_starts(box, 1024, 0)
    kw = dict(gtol=1e-9, xtol=1e-10, max_step=8.0)
    a = newton.newton_solve(land, x0, **kw)
    b = newton.newton_solve(_Perturbed(land), x0, **kw)
    assert np.sum(np.abs(a[0] - b[0]).max(-1) > 1e-6) > 0  # starts that went elsewhere


@pytest.mark.slow
def test_another_blas_kernel_finds_the_same_points():
    """OpenBLAS picks its kernels by CPU; OPENBLAS_CORETYPE forces another (Prescott: SSE3 only),
    a different machine in everything but the hardware. The JSON of a search agrees exactly in
    every discrete field and to 1e-9 in every float."""
    import numpy

    config = str(numpy.show_config(mode="dicts"))
    if "openblas" not in config.lower() or "DYNAMIC_ARCH" not in config:
        pytest.skip("needs numpy on OpenBLAS built with DYNAMIC_ARCH")
    args = [sys.executable, "-m", "landscape", "critical", "mlp", "-p", "layers=[2,3,2]", "-p", "dataset=xor",
            "-p", "weight_decay=0.01", "--domain", ",".join(["-4:4"] * 17), "--starts", "2048", "--json", "-q"]
    runs = []
    for core in ("Haswell", "Prescott"):
        env = dict(os.environ, OPENBLAS_CORETYPE=core)
        runs.append(json.loads(subprocess.run(args, env=env, capture_output=True, text=True, check=True).stdout))
    a, b = runs
    assert a["found"] == b["found"] > 500 and a["by_index"] == b["by_index"]
    assert [p["hits"] for p in a["critical_points"]] == [p["hits"] for p in b["critical_points"]]
    np.testing.assert_allclose([p["value"] for p in a["critical_points"]],
                               [p["value"] for p in b["critical_points"]], rtol=1e-9)


def test_nothing_found_means_no_estimate_and_json_carries_versions(tmp_path):
    """f(x, y) = x + y^2 has no critical point: the count is 0 and there is no Chao1 total (not 0.0);
    --json records the package versions as results.json does."""
    (tmp_path / "f.json").write_text('{"terms": [[[1, 0], 1], [[0, 2], 1]]}')
    args = ["critical", "polynomial", "--terms", str(tmp_path / "f.json"), "--starts", "1024", "-q"]
    data = json.loads(CliRunner().invoke(cli, args + ["--json"]).stdout)
    assert data["found"] == 0 and data["estimated_total"] is None
    assert set(data["versions"]) >= {"python", "numpy", "landscape"}
    text = CliRunner().invoke(cli, args).stdout
    assert "no total to estimate" in text and "Estimated total" not in text
