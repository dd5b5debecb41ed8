"""Sweeps (landscape.sweep, studies/sweep.py, parallel.py): the same numbers on every backend,
after an interruption and after a worker dies; means against exact and Kac-Rice theory;
bad sweep files refused in one line with nothing written."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from landscape.cli import cli
from landscape.parallel import Dask, InProcess, Processes, TaskFailed
from landscape.sweep import Plan, TaskStore, execute, run_task, task_seed

SMALL = """kind = "sweep"
seed = 0
[landscape]
family = "pspin"
p = 3
[critical]
starts = 1024
[sweep]
grid = { dim = [3, 4] }
seeds = 6
"""


def _sweep_file(tmp_path, text=SMALL, name="small.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _run(args):
    return CliRunner().invoke(cli, args)


def _without_run_counters(data: dict) -> dict:
    data = dict(data)
    data["tasks"] = {k: v for k, v in data["tasks"].items() if k not in ("done", "skipped", "retried")}
    data.pop("versions", None)
    return data


def _folder_bytes(folder: Path) -> dict:
    """Every file of a result folder but results.json and summary.md (which carry the run counters)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in ("results.json", "summary.md")}


def test_the_issue_file_runs_as_written_and_matches_kac_rice(tmp_path):
    """The sweep file of the issue, as written (40 seeds of N = 3 and 4): the means agree with
    Kac-Rice within 3 standard errors, and results.json has the documented keys."""
    text = SMALL.replace("starts = 1024", "starts = 4096").replace("seeds = 6", "seeds = 40")
    result = _run(["sweep", str(_sweep_file(tmp_path, text, "issue.toml")), "--out", str(tmp_path / "out"),
                   "-q", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["params"] for c in data["cells"]] == [{"dim": 3}, {"dim": 4}]
    for cell in data["cells"]:
        assert cell["seeds"] == 40
        assert set(cell) >= {"params", "seeds", "mean", "se", "theory", "z"}
        for part in ("mean", "se", "theory", "z"):
            assert {"total", "minima", "by_index"} <= set(cell[part])
        assert abs(cell["z"]["total"]) < 3 and abs(cell["z"]["minima"]) < 3
        assert len(cell["mean"]["by_index"]) == cell["params"]["dim"]  # indices 0..N-1 on the sphere
        lo, hi = cell["ci"]["total"]
        assert lo < cell["mean"]["total"] < hi
    assert data["tasks"] == {"total": 80, "done": 80, "skipped": 0, "failed": 0, "retried": 0, "failures": []}
    assert data["theory"] == "Kac-Rice" and len(data["task_results"]) == 80
    folder = tmp_path / "out" / "issue"
    assert len(list((folder / "tasks").glob("task-*.json"))) == 80
    assert {"means.png", "by-index.png", "distributions.png", "found-fraction.png", "cells.csv",
            "tasks.csv"} <= {p.name for p in folder.iterdir()}


@pytest.mark.slow
def test_results_are_identical_on_one_or_two_processes_and_a_local_dask_cluster(tmp_path):
    path = _sweep_file(tmp_path)
    outs = {}
    for label, extra in (("one", []), ("two", ["--jobs", "2"]), ("dask", ["--scheduler", "local", "--jobs", "2"])):
        out = tmp_path / label
        result = _run(["sweep", str(path), "--out", str(out), "-q"] + extra)
        assert result.exit_code == 0, result.output
        outs[label] = out / "small"
    first = json.loads((outs["one"] / "results.json").read_text())
    for label in ("two", "dask"):
        assert json.loads((outs[label] / "results.json").read_text()) == first
        assert _folder_bytes(outs[label]) == _folder_bytes(outs["one"])  # figures, CSVs and task records


class _Interrupting(InProcess):
    """The in-process backend, interrupted (as Ctrl-C would) after ``after`` tasks."""

    def __init__(self, after):
        self.after = after

    def run(self, fn, tasks, on_retry=None):
        from landscape.signals import Interrupted

        for k, item in enumerate(super().run(fn, tasks, on_retry)):
            if k == self.after:
                raise Interrupted(signal.SIGINT)
            yield item


def test_an_interrupted_sweep_resumed_equals_the_uninterrupted_one(tmp_path):
    from landscape.signals import Interrupted

    plan = Plan(family="separable", params={}, starts=256, domain=None, grid=(("dim", (2, 3)),), seeds=5)
    whole = execute(plan)
    store = TaskStore(tmp_path / "tasks")
    with pytest.raises(Interrupted):
        execute(plan, _Interrupting(after=4), store)
    assert len(list(store.folder.glob("task-*.json"))) == 4  # what finished is kept, whole
    resumed = execute(plan, InProcess(), store)
    assert resumed.counts == {"total": 10, "done": 6, "skipped": 4, "failed": 0, "retried": 0}
    assert resumed.records == whole.records and resumed.cells == whole.cells


@pytest.mark.slow
def test_ctrl_c_keeps_the_finished_tasks_and_the_rerun_gives_the_same_bytes(tmp_path):
    """A real SIGINT to `landscape sweep` in the middle: exit 130, the finished tasks kept in
    OUT/NAME/tasks/; the same command again finishes, and its folder equals an uninterrupted run's."""
    path = _sweep_file(tmp_path, SMALL.replace("seeds = 6", "seeds = 30"))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "landscape", "sweep", str(path), "--out", str(out), "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tasks = out / "small" / "tasks"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(tasks.glob("task-*.json"))) < 5 and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGINT, err
    kept = len(list(tasks.glob("task-*.json")))
    assert 5 <= kept < 60 and not (out / "small" / "results.json").exists()
    again = subprocess.run([sys.executable, "-m", "landscape", "sweep", str(path), "--out", str(out), "--json", "-q"],
                           capture_output=True, text=True, check=True)
    assert json.loads(again.stdout)["tasks"]["skipped"] == kept
    whole = tmp_path / "whole"
    assert _run(["sweep", str(path), "--out", str(whole), "-q"]).exit_code == 0
    assert _folder_bytes(out / "small") == _folder_bytes(whole / "small")
    assert (_without_run_counters(json.loads((out / "small" / "results.json").read_text()))
            == _without_run_counters(json.loads((whole / "small" / "results.json").read_text())))


def test_a_stored_task_counts_only_when_its_task_matches(tmp_path):
    plan = Plan(family="separable", params={}, starts=64, domain=None, grid=(("dim", (2,)),), seeds=2)
    store = TaskStore(tmp_path)
    task = plan.tasks()[0]
    record = run_task(task)
    store.save(record)
    assert store.load(task) == json.loads(json.dumps(record))
    other = {**task, "starts": 128}  # another search: another file, and none yet
    assert store.load(other) is None
    # a file renamed to another task's name is not taken for that task's result
    store.path(other).write_text(store.path(task).read_text())
    assert store.load(other) is None
    store.path(task).write_text("{not json")
    assert store.load(task) is None


def test_task_seeds_are_named_children_of_the_sweep_seed():
    from landscape.seeds import child

    assert task_seed(0, 3) == int(child(0, "sweep", 3).generate_state(1)[0])
    assert len({task_seed(0, s) for s in range(100)}) == 100 and task_seed(1, 0) != task_seed(0, 0)
    plan = Plan(family="pspin", params={"p": 3, "seed": 7}, starts=64, domain=None,
                grid=(("dim", (3, 4)), ("starts", (64, 128))), seeds=2)
    tasks = plan.tasks()
    assert [t["cell"] for t in tasks[::2]] == [{"dim": 3, "starts": 64}, {"dim": 3, "starts": 128},
                                               {"dim": 4, "starts": 64}, {"dim": 4, "starts": 128}]
    # the task's seed is the family's coupling draw (the file's seed = 7 is replaced) and the search's
    assert all(t["params"]["seed"] == t["seed"] == task_seed(0, t["seed_index"]) for t in tasks)
    assert tasks[0]["starts"] == 64 and tasks[2]["starts"] == 128  # a search key sets the search


def test_separable_counts_are_exact_for_every_seed():
    """C(N, k) 2^(N - k) of index k for every draw: the means are exact, their errors zero, z = 0."""
    plan = Plan(family="separable", params={}, starts=1024, domain=None, grid=(("dim", (2, 3, 4)),), seeds=4)
    run = execute(plan, Processes(2))
    for cell in run.cells:
        n = cell["params"]["dim"]
        exact = [math.comb(n, k) * 2 ** (n - k) for k in range(n + 1)]
        assert cell["mean"]["by_index"] == exact and cell["theory"]["by_index"] == exact
        assert cell["se"]["by_index"] == [0.0] * (n + 1) and cell["z"]["by_index"] == [0.0] * (n + 1)
        assert cell["mean"]["total"] == 3**n and cell["mean"]["found_fraction"] == 1.0
        assert cell["ci"]["total"] == (3**n, 3**n)


def test_goe_sampling_matches_the_exact_index_distribution():
    """random-quadratic: one critical point of the GOE matrix's index; over 300 draws the mean count
    of index k is P(index = k) (exact, counting.goe_index_distribution) within 3.5 standard errors."""
    from landscape.counting import goe_index_distribution

    plan = Plan(family="random-quadratic", params={}, starts=16, domain=None, grid=(("dim", (3,)),), seeds=300)
    cell = execute(plan, Processes(2)).cells[0]
    exact = goe_index_distribution(3).by_index
    assert cell["theory"]["by_index"] == pytest.approx(exact, rel=1e-12)
    assert cell["mean"]["total"] == 1.0
    for m, se, p in zip(cell["mean"]["by_index"], cell["se"]["by_index"], exact):
        assert abs(m - p) <= 3.5 * se
    assert np.allclose(cell["se"]["by_index"], [math.sqrt(m * (1 - m) / 299) for m in cell["mean"]["by_index"]])


@pytest.mark.slow
def test_pspin_means_agree_with_kac_rice_for_n_2_to_6():
    """30 coupling draws per N, each searched to completeness: the mean total and the mean count of
    each index within 3.5 combined standard errors of Kac-Rice (Auffinger, Ben Arous and Cerny 2013)."""
    plan = Plan(family="pspin", params={"p": 3}, starts=4096, domain=None, grid=(("dim", (2, 3, 4, 5, 6)),),
                seeds=30)
    run = execute(plan, Processes(2))
    for cell in run.cells:
        assert cell["mean"]["complete"] == 1.0, cell["params"]
        assert abs(cell["z"]["total"]) < 3.5, cell["params"]
        assert all(abs(z) < 3.5 for z in cell["z"]["by_index"]), cell["params"]


def _slow_task(x):
    time.sleep(0.3)
    return x * x


def test_a_dead_worker_process_costs_only_a_retry():
    """Kill a pool process while tasks run: the pool is rebuilt, the lost tasks run again."""
    backend = Processes(2)
    got, retries = {}, []
    try:
        for i, result in backend.run(_slow_task, list(range(8)), on_retry=lambda i, why: retries.append(i)):
            got[i] = result
            if len(got) == 2:
                for pid in list(backend.executor()._processes):
                    os.kill(pid, signal.SIGKILL)
                    break
    finally:
        backend.close()
    assert got == {i: i * i for i in range(8)} and retries


def _fails(x):
    raise ValueError(f"bad input {x}")


def test_a_failing_task_is_reported_and_the_rest_finish():
    results = dict(Processes(2).run(_fails, [1]))
    assert isinstance(results[0], TaskFailed) and "ValueError: bad input 1" in str(results[0])


@pytest.mark.slow
def test_a_killed_dask_worker_loses_nothing(tmp_path):
    """A 2-worker LocalCluster; one worker process is killed in the middle of the sweep: the
    scheduler runs its tasks again and the records equal those of a run in this process."""
    plan = Plan(family="pspin", params={"p": 3}, starts=1024, domain=None, grid=(("dim", (3, 4, 5)),), seeds=6)
    reference = execute(plan)

    class Killer:
        def __init__(self, client):
            self.client, self.done, self.killed = client, 0, None

        def __call__(self, label, total):
            def update(k):
                self.done += k
                if self.done == 3:
                    self.killed = next(iter(self.client.run(os.getpid).values()))
                    os.kill(self.killed, signal.SIGKILL)
            return update

    with Dask("local", jobs=2) as cluster:
        killer = Killer(cluster.client)
        run = execute(plan, cluster, TaskStore(tmp_path), killer)
        assert killer.killed is not None
        assert killer.killed not in cluster.client.run(os.getpid).values()  # the worker really died
    assert run.counts["failed"] == 0 and run.counts["done"] == 18
    assert run.records == reference.records and run.cells == reference.cells


@pytest.mark.parametrize("edit, message", [
    (("grid = { dim = [3, 4] }", "grid = { foo = [1] }"), "unknown parameter 'foo' for pspin"),
    (("grid = { dim = [3, 4] }", "grid = {}"), "grid: expected a table of parameter lists"),
    (("grid = { dim = [3, 4] }", "grid = { dim = [] }"), "dim: expected a non-empty list"),
    (("seeds = 6", "seeds = 0"), "seeds: expected a positive integer"),
    (("seeds = 6", "seeds = 2.5"), "seeds: expected a positive integer"),
    (("grid = { dim = [3, 4] }", "grid = { dim = [3, 3] }"), "a value is repeated"),
    (("grid = { dim = [3, 4] }", "grid = { seed = [1, 2] }"), "seed is not a grid parameter"),
    (("seeds = 6", "seeds = 6\nbogus = 1"), "unknown key 'bogus'"),
    (("grid = { dim = [3, 4] }", "grid = { dim = [3, 0] }"), "dim = 0"),
])
def test_bad_sweep_files_give_one_line_and_write_nothing(tmp_path, edit, message):
    path = _sweep_file(tmp_path, SMALL.replace(*edit))
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "landscape", "sweep", str(path), "--out", str(out)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_scheduler_that_is_not_there_gives_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "landscape", "sweep", str(_sweep_file(tmp_path)), "--out", str(out),
                             "--scheduler", "tcp://127.0.0.1:1"], capture_output=True, text=True)
    assert result.returncode == 2 and "no Dask scheduler answered" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_without_dask_scheduler_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['distributed'] = None\n"
            f"sys.argv = ['landscape', 'sweep', {str(_sweep_file(tmp_path))!r}, '--out', {str(tmp_path / 'o')!r},"
            " '--scheduler', 'local']\n"
            "from landscape.cli import main\nmain()")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.strip() == ("landscape: error: --scheduler needs Dask's distributed scheduler: "
                                     "pip install 'landscape-sim[dask]'")
    assert not (tmp_path / "o").exists()


def test_critical_on_a_local_cluster_finds_the_same_points():
    args = ["critical", "pspin", "--dim", "5", "--starts", "2048", "--json", "-q"]
    here = json.loads(_run(args).stdout)
    there = _run(args + ["--scheduler", "local", "--jobs", "2"])
    assert there.exit_code == 0, there.output
    there = json.loads(there.stdout)
    assert [p["x"] for p in there["critical_points"]] == [p["x"] for p in here["critical_points"]]
    assert there["by_index"] == here["by_index"]


def test_sweep_refuses_a_scenario_that_is_not_a_sweep(tmp_path):
    result = subprocess.run([sys.executable, "-m", "landscape", "sweep", "saddle-2d", "--out", str(tmp_path / "o")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "not a sweep: run it with landscape run" in result.stderr
    assert not (tmp_path / "o").exists()


GALLERY = Path(__file__).resolve().parents[1] / "figures"


def test_the_gallery_sweeps_say_what_the_readme_says():
    """The README's numbers for the two built-in sweeps, read from the committed gallery."""
    pspin = json.loads((GALLERY / "pspin-complexity" / "results.json").read_text())
    cells = pspin["cells"]
    assert [c["params"]["dim"] for c in cells] == list(range(2, 13)) and all(c["seeds"] == 40 for c in cells)
    assert max(abs(c["z"][k]) for c in cells for k in ("total", "minima")) < 1.8
    assert cells[0]["mean"]["total"] == pytest.approx(5.2) and round(cells[-1]["mean"]["total"]) == 666
    assert cells[1]["se"]["total"] / cells[1]["mean"]["total"] < 0.06  # about 5% at small N
    for c in cells:  # k <-> N - 1 - k: H -> -H maps index k to N - 1 - k, for the theory exactly
        assert c["theory"]["by_index"] == pytest.approx(c["theory"]["by_index"][::-1], rel=1e-12)
    sep = json.loads((GALLERY / "separable-completeness" / "results.json").read_text())
    rows = {r["params"]["dim"]: r for r in sep["starts_for_99"]}
    assert all(rows[n]["starts"] == 16 for n in range(2, 7))
    assert [rows[n]["starts_random_alone"] for n in range(2, 7)] == [64, 256, 1024, 4096, None]
    assert rows[6]["starts_used"] == pytest.approx(35008)


def test_a_sweep_of_a_study_averages_its_numbers_against_its_own_predictions(tmp_path):
    """[sweep] study names a scenario of another kind: each task runs it with the task's seed;
    every number of its results.json is averaged, and where it reports a prediction beside a
    measurement (x_measured / x_predicted, or x / predicted_x) that is the theory."""
    path = _sweep_file(tmp_path, 'kind = "sweep"\nseed = 0\n[sweep]\nstudy = "dropout-noise"\n'
                                 'grid = { steps = [200, 300] }\nseeds = 3\n', "study.toml")
    result = _run(["sweep", str(path), "--out", str(tmp_path / "out"), "-q", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["base"] == {"study": "dropout-noise", "kind": "dropout-noise"}
    assert [c["params"] for c in data["cells"]] == [{"steps": 200}, {"steps": 300}]
    for cell in data["cells"]:
        assert set(cell["mean"]) == set(cell["se"]) == set(cell["theory"]) == set(cell["z"])
        assert cell["theory"]["kept_units/mean_measured"] == cell["mean"]["kept_units/mean_predicted"]
        values = [t["numbers"]["kept_units/mean_measured"] for t in data["task_results"] if t["params"] == cell["params"]]
        assert cell["mean"]["kept_units/mean_measured"] == pytest.approx(np.mean(values), rel=1e-12)
        assert cell["se"]["kept_units/mean_measured"] == pytest.approx(np.std(values, ddof=1) / math.sqrt(3), rel=1e-9)
    seeds = {t["seed"] for t in data["task_results"]}
    assert seeds == {task_seed(0, s) for s in range(3)}  # the same three draws in each cell
    assert (tmp_path / "out" / "study" / "means.png").exists()


@pytest.mark.parametrize("text, message", [
    ('kind = "sweep"\n[landscape]\nfamily = "pspin"\n[sweep]\nstudy = "saddle-2d"\ngrid = { steps = [1] }\n',
     "[landscape]: a sweep of a study takes it from the study's scenario"),
    ('kind = "sweep"\n[sweep]\nstudy = "pspin-complexity"\ngrid = { steps = [1] }\n', "is itself a sweep"),
    ('kind = "sweep"\n[sweep]\nstudy = "saddle-2d"\ngrid = { starts = [1] }\n', "unknown parameter 'starts'"),
    ('kind = "sweep"\n[sweep]\nstudy = "no-such-scenario"\ngrid = { steps = [1] }\n', "unknown scenario"),
])
def test_bad_study_sweeps_are_refused_in_one_line(tmp_path, text, message):
    result = subprocess.run([sys.executable, "-m", "landscape", "sweep", str(_sweep_file(tmp_path, text)),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_a_quick_look_with_fewer_seeds_keeps_the_full_sweeps_records(tmp_path):
    """--seeds 2 after a full run reads the first two draws of each cell and keeps every other
    record in tasks/; the full command again then runs nothing."""
    path = _sweep_file(tmp_path)
    out = tmp_path / "out"
    assert _run(["sweep", str(path), "--out", str(out), "-q"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in (out / "small" / "tasks").iterdir()}
    quick = json.loads(_run(["sweep", str(path), "--out", str(out), "-q", "--json", "--seeds", "2"]).stdout)
    assert quick["tasks"]["skipped"] == 4 and all(c["seeds"] == 2 for c in quick["cells"])
    assert {p.name: p.read_bytes() for p in (out / "small" / "tasks").iterdir()} == before
    again = json.loads(_run(["sweep", str(path), "--out", str(out), "-q", "--json"]).stdout)
    assert again["tasks"]["skipped"] == 12 and again["tasks"]["done"] == 0
