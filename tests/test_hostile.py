"""Hostile inputs: nothing escapes --out, nothing is half-written, no traceback, no silent hours.

Every bad input must end with exit code 2, one line on stderr and nothing
written; every accepted input with exit 0 and a complete folder. Each test
names the kind of failure of issue 13 it guards against.
"""

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

from landscape import budget
from landscape.cli import cli
from landscape.dynamics import EscapeWatch, StallWatch, escape_step, run, stall_steps, thinning
from landscape.errors import LandscapeError
from landscape.families import build
from landscape.optim import gd
from landscape.outdir import MARKER, check_out, clean_stale, is_result_folder, safe_name, write_folder

SADDLE = '[landscape]\nfamily = "saddle-2d"\n[run]\nsteps = 60\n[figures]\nmake = ["loss"]\n'


def invoke(args, cwd=None):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_refused(result, message=None):
    """Exit 2, exactly one line on stderr (which names the problem), no traceback."""
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert len(lines) == 1, lines
    assert lines[0].startswith("landscape: error: ")
    assert "Traceback" not in result.output
    if message is not None:
        assert message in lines[0], lines[0]


@pytest.fixture
def no_computation(monkeypatch):
    """Every entry point of the numerics fails the test if called: a refusal must come first."""
    import landscape.counting
    import landscape.critical
    import landscape.studies

    def computed(*a, **k):
        raise AssertionError("the computation started before the refusal")

    for module, name in ((landscape.critical, "survey"), (landscape.critical, "find_critical_points"),
                         (landscape.studies, "run"),
                         (landscape.counting, "count_critical")):
        monkeypatch.setattr(module, name, computed)


def tree(folder: Path) -> dict:
    """Every file below folder with its bytes (hidden ones included)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- the escape from --out --------------------------------------------------------------

TRAVERSALS = ["/../../../../../../../../../../{victim}", "../{victim_name}", "../../{victim_name}", "{victim}",
              "a/b/c", "../x", "/abs", "", ".", "..", ".hidden", "..old", "x/../../{victim_name}",
              "x\\..\\y", "tab\there", "new\nline", "nul\x00", "del\x7f", " lead", "trail ", "x" * 256, "./x", "x/."]


@pytest.mark.parametrize("form", TRAVERSALS)
def test_no_scenario_name_escapes_out(form, tmp_path):
    victim = tmp_path / "thesis"
    victim.mkdir()
    (victim / "chapter1.tex").write_text("two years of work\n")
    before = tree(tmp_path)
    name = form.format(victim=victim, victim_name=victim.name)
    work = tmp_path / "work"
    work.mkdir()
    scenario = work / "evil.toml"
    scenario.write_text(f"name = {json.dumps(name)}\n" + SADDLE)
    result = invoke(["run", scenario, "--out", work / "out"])
    assert_refused(result, "name")
    assert "cannot name a result folder" in result.stderr or "expected a non-empty name" in result.stderr
    assert tree(victim) == {"chapter1.tex": b"two years of work\n"}
    assert not (work / "out").exists()  # nothing written, not even --out
    assert {k: v for k, v in tree(tmp_path).items() if not k.startswith("work")} == before


@pytest.mark.parametrize("stem", [".hidden", "..x"])
def test_a_hidden_file_name_cannot_name_a_folder(stem, tmp_path):
    scenario = tmp_path / f"{stem}.toml"
    scenario.write_text(SADDLE)
    assert_refused(invoke(["run", scenario, "--out", tmp_path / "out"]), "file name")


def test_only_folders_the_tool_wrote_are_replaced(tmp_path, monkeypatch):
    out = tmp_path / "out"
    scenario = tmp_path / "mine.toml"
    scenario.write_text(SADDLE)
    # a folder of the user's own where the result would go
    (out / "mine").mkdir(parents=True)
    (out / "mine" / "notes.txt").write_text("keep me")
    with monkeypatch.context() as m:  # refused before the computation, not after it
        import landscape.studies

        m.setattr(landscape.studies, "run", lambda *a, **k: pytest.fail("computed first"))
        result = invoke(["run", scenario, "--out", out])
    assert_refused(result, "a folder this tool did not write")
    assert (out / "mine" / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in out.iterdir()) == ["mine"]
    # a file, and a link to the user's folder
    (out / "mine" / "notes.txt").unlink()
    (out / "mine").rmdir()
    (out / "mine").write_text("a file")
    assert_refused(invoke(["run", scenario, "--out", out]), "a file")
    (out / "mine").unlink()
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "results.json").write_text('{"schema_version": 1}')
    (out / "mine").symlink_to(target)
    assert_refused(invoke(["run", scenario, "--out", out]), "a link")
    assert tree(target) == {"results.json": b'{"schema_version": 1}'}
    (out / "mine").unlink()
    # the tool's own folder (marker) is replaced, and keeps its marker
    assert invoke(["run", scenario, "--out", out]).exit_code == 0
    first = (out / "mine" / "results.json").read_bytes()
    assert (out / "mine" / MARKER).is_file()
    assert invoke(["run", scenario, "--out", out]).exit_code == 0
    assert (out / "mine" / "results.json").read_bytes() == first
    assert sorted(p.name for p in out.iterdir()) == ["mine"]  # no staging or old folder left


def test_a_result_folder_from_before_the_marker_is_recognised(tmp_path):
    old = tmp_path / "saddle-2d"
    old.mkdir()
    (old / "results.json").write_text('{"schema_version": 1}')
    (old / "loss.png").write_bytes(b"png")
    assert is_result_folder(old)
    (old / "draft.tex").write_text("mine")  # anything the tool does not write makes it the user's
    assert not is_result_folder(old)
    (old / "draft.tex").unlink()
    (old / "sub").mkdir()
    assert not is_result_folder(old)


@pytest.mark.parametrize("name", ["ok", "saddle-2d", "critical-pspin", "a.b", "x_1"])
def test_safe_names_pass(name):
    assert safe_name(name, "test") == name


# --- --out checked before the work ----------------------------------------------------------

@pytest.mark.parametrize("out,message", [("", "empty"), ("{file}/x", "is a file"), ("/proc/landscape-x", "cannot write"),
                                         ("/sys/landscape-x", "cannot write")])
def test_out_is_checked_before_any_work(out, message, tmp_path, no_computation):
    (tmp_path / "file").write_text("x")
    out = out.format(file=tmp_path / "file")
    for args in (["run", "saddle-2d"], ["critical", "himmelblau"], ["count-critical", "--dim", "4"], ["report"]):
        assert_refused(invoke(args + ["--out", out]), message)
    assert (tmp_path / "file").read_text() == "x"


def test_checking_out_leaves_nothing_behind(tmp_path):
    deep = tmp_path / "a" / "b" / "c"
    assert check_out(deep, ["x"]) == deep
    assert not (tmp_path / "a").exists()
    # a bad scenario with a missing --out: refused, and no folder made on the way
    bad = tmp_path / "bad.toml"
    bad.write_text('[landscape]\nfamily = "nope"\n')
    assert_refused(invoke(["run", bad, "--out", deep]), "unknown landscape family")
    assert not (tmp_path / "a").exists()


# --- staging: cleaned after a failure, after a kill, never half-renamed ----------------------

def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_stale_staging_of_a_killed_run_is_removed_and_a_live_one_kept(tmp_path):
    dead, live = _dead_pid(), os.getpid()
    stale = tmp_path / f".saddle-2d.landscape-stage-{dead}-abc123"
    stale.mkdir()
    (stale / "loss.png").write_bytes(b"\x89PNG half")
    old = tmp_path / f".x.landscape-old-{dead}-q"
    old.mkdir()
    running = tmp_path / f".other.landscape-stage-{live}-zz"
    running.mkdir()
    users = tmp_path / ".saddle-2d.backup"  # not ours: a name the tool never makes
    users.mkdir()
    assert sorted(clean_stale(tmp_path)) == sorted([stale, old])
    assert running.is_dir() and users.is_dir() and not stale.exists() and not old.exists()


def test_a_failure_while_writing_leaves_the_previous_result(tmp_path):
    write_folder(tmp_path, "r", lambda stage: (stage / "results.json").write_text("1") and {})
    before = tree(tmp_path)

    def fail(stage):
        (stage / "results.json").write_text("2")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_folder(tmp_path, "r", fail)
    assert tree(tmp_path) == before


def test_a_swallowed_signal_still_stops_the_rename(tmp_path):
    from landscape import signals

    write_folder(tmp_path, "r", lambda stage: (stage / "results.json").write_text("1") and {})
    before = tree(tmp_path)
    previous = signals.install()
    try:
        def swallow(stage):
            (stage / "results.json").write_text("2")
            try:
                signals._handler(signal.SIGTERM, None)
            except signals.Interrupted:
                pass  # a C extension's callback that ate the exception

        with pytest.raises(signals.Interrupted):
            write_folder(tmp_path, "r", swallow)
    finally:
        signals.restore(previous)
        signals._received.clear()
    assert tree(tmp_path) == before
    assert signal.getsignal(signal.SIGINT) is previous[signal.SIGINT]


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_writing_ends_with_one_line_and_leaves_the_previous_result(sig, tmp_path):
    """The signal arrives while the figures are drawn into the staging folder."""
    out = tmp_path / "out"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    # PDFs: the six figures take seconds to write, so the signal lands while they are written
    cmd = [sys.executable, "-m", "landscape", "run", "saddle-2d", "--out", str(out), "--format", "pdf"]
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    before = tree(out / "saddle-2d")
    proc = subprocess.Popen(cmd + ["--seed", "7"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".saddle-2d.landscape-stage-") for p in out.iterdir()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.005)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig
    assert err.strip().splitlines() == [f"landscape: interrupted by {signal.Signals(sig).name}; a result being "
                                        "written was removed, earlier results are intact"]
    assert sorted(p.name for p in out.iterdir()) == ["saddle-2d"]
    assert tree(out / "saddle-2d") == before


# --- one validation layer ----------------------------------------------------------------------

BAD = [
    # (arguments, files, what the one line must say)
    (["critical", "quadratic", "-p", "hessian=[[1,2],[3]]"], {}, "different lengths"),
    (["critical", "separable", "--seed", "-1"], {}, "--seed"),
    (["critical", "separable", "-p", "seed=-3"], {}, "'seed': expected an integer >= 0"),
    (["count-critical", "--dim", "4", "--seed", "-1"], {}, "--seed"),
    (["run", "saddle-2d", "--seed", "-1"], {}, "--seed"),
    (["critical", "rosenbrock", "-p", "b=nan"], {}, "finite"),
    (["critical", "rosenbrock", "-p", "a=inf"], {}, "finite"),
    (["critical", "saddle-chain", "-p", "gamma=inf"], {}, "finite"),
    (["critical", "random-field", "-p", "mu=nan"], {}, "finite"),
    (["critical", "mlp", "-p", "noise=nan"], {}, "finite"),
    (["critical", "quadratic", "-p", "eigenvalues=[1e300,-1e300]"], {}, "too large"),
    (["critical", "rosenbrock", "-p", "b=1e308"], {}, "too large"),
    (["critical", "rosenbrock", "-p", "b=1e99"], {}, "b must be in (0, 1e12]"),
    (["critical", "rosenbrock", "-p", "b=0"], {}, "b must be in (0, 1e12]"),
    (["critical", "rosenbrock", "-p", "a=1e50"], {}, "own search box"),
    (["critical", "quadratic", "-p", "eigenvalues=[1,2]", "-p", "hessian=[[1,0],[0,1]]"], {}, "not both"),
    (["inspect", "mlp", "--layers", "2,3", "-p", "layers=[2,3]"], {}, "both set layers"),
    (["critical", "himmelblau", "--domain=-1e308:1e308,-1:1"], {}, "within"),
    (["critical", "pspin", "--domain=-1:1,-1:1,-1:1"], {}, "does not apply"),
    (["critical", "separable", "--dim", "1000000000"], {}, "too large"),
    (["critical", "random-field", "-p", "dim=4096", "-p", "features=100000"], {}, "features x dim"),
    (["critical", "pspin", "--dim", "1000"], {}, "couplings"),
    (["critical", "mlp", "-p", "layers=[2,100000,2]"], {}, "widths at most"),
    (["critical", "polynomial", "--terms", "t.json"], {"t.json": '{"terms": [[[2, 0], 1e308], [[0, 2], 1]]}'},
     "too large"),
    (["critical", "polynomial", "--terms", "t.json"], {"t.json": '{"terms": [[[0, 0], 3]]}'}, "constant"),
    (["critical", "polynomial", "--terms", "t.json"], {"t.json": "[" * 100_000 + "]" * 100_000}, "nests"),
    (["critical", "polynomial", "--terms", "t.json"], {"t.json": '{"terms": [[[1000000, 0], 1]]}'}, "degree"),
    (["critical", "polynomial", "--terms", "t.json"], {"t.json": '{"terms": [[[2, 0], 1]], "scale": 2}'},
     "unknown key"),
    (["critical", "polynomial", "--terms", "t.json"], {"t.json": '{"terms": [[[2, 0], NaN]]}'}, "finite"),
    (["critical", "polynomial", "--terms", "t.json"],
     {"t.json": '{"terms": [[[4, 0], 1], [[0, 4], 1], [[1, 1], -1e99]]}'}, "own search box"),
    (["run", "saddle-2d", "--steps", "100000000000000000000000"], {}, "years"),
    (["run", "saddle-2d", "--steps", "1000000000"], {}, "--force"),
    (["count-critical", "--dim", "1000", "--model", "goe"], {}, "--force"),
    (["critical", "separable", "--dim", "1000"], {}, "operations"),
    (["run", "s.toml"], {"s.toml": SADDLE + "[escape]\neps = []\n"}, "non-empty"),
    (["run", "s.toml"], {"s.toml": SADDLE + "[escape]\neps = [0.5]\n"}, "below radius"),
    (["run", "s.toml"], {"s.toml": SADDLE.replace("steps = 60", "steps = 60\nstarts = [[nan, 0]]")}, "finite"),
    (["run", "s.toml"], {"s.toml": SADDLE.replace("steps = 60", "steps = 100000000000")}, "operations"),
    (["run", "s.toml"], {"s.toml": SADDLE.replace("steps = 60", "steps = 60\nstarts = [" + ", ".join(["[0.1, 0.1]"] * 1001)
                                                  + "]")}, "at most 1000 points"),
    (["run", "s.toml"], {"s.toml": '[landscape]\nfamily = "saddle-chain"\ndim = 1099511627776\n'}, "too large"),
    (["run", "s.toml"], {"s.toml": '[landscape]\nfamily = "quadratic"\neigenvalues = ['
                         + ", ".join(["1.0"] * 20_000) + "]\n"}, "at most 4096"),
    (["run", "s.toml"], {"s.toml": 'kind = "lr-stability"\n[landscape]\nfamily = "quadratic"\neigenvalues = [1, 2]\n'
                         "[lr-stability]\netas = 100000000\n"}, "memory"),
    (["run", "s.toml"], {"s.toml": 'kind = "mlp-xor"\n[landscape]\nfamily = "mlp"\nlayers = [2, 3, 2]\n'
                         'dataset = "xor"\nweight_decay = 0.01\n[mlp-xor]\nsnapshots = 1000000000\n'}, "memory"),
    (["run", "s.toml"], {"s.toml": 'kind = "mlp-xor"\n[landscape]\nfamily = "mlp"\nlayers = [2, 3, 2]\n'
                         'dataset = "xor"\nweight_decay = 1e300\n'}, "too large"),
    (["run", "s.toml"], {"s.toml": 'kind = "mlp-xor"\n[landscape]\nfamily = "mlp"\nlayers = [2, 3, 2]\n'
                         'dataset = "xor"\nweight_decay = 0.01\n[mlp-xor]\ninit_scale = 1e200\n'}, "init_scale"),
    (["run", "s.toml"], {"s.toml": 'kind = "dropout-noise"\n[landscape]\nfamily = "mlp"\nlayers = [2, 4, 2]\n'
                         'dataset = "xor"\n[dropout-noise]\nsamples = 10000000000\n'}, "memory"),
    (["run", "s.toml"], {"s.toml": 'kind = "saddle-chain"\n[landscape]\nfamily = "saddle-chain"\n'
                         "[saddle-chain]\nshow_dim = 99\n"}, "show_dim"),
    (["inspect", "rosenbrock", "--at", "1e200,1e200"], {}, "numerical failure"),
    (["run", "s.toml"], {"s.toml": '[landscape]\nfamily = "pspin"\ndim = 4\n[run]\nstarts = [[1, 1, 1, 1]]\n'}, "sphere"),
    (["critical", "random-field", "--dim", "8", "--starts", "100000000",
      "--max-newton-steps", "4000000000"], {}, "--force"),
]


@pytest.mark.parametrize("args,files,message", BAD, ids=[" ".join(a)[:60] + m for a, _, m in BAD])
def test_bad_input_is_refused_with_one_line(args, files, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    before = set(os.listdir(tmp_path))
    extra = ["--out", str(tmp_path / "out")] if args[0] == "run" else []
    t0 = time.monotonic()
    assert_refused(invoke(args + extra), message)
    assert time.monotonic() - t0 < 20
    assert set(os.listdir(tmp_path)) == before  # nothing written


def test_jobs_are_capped_at_the_cores_and_the_result_is_the_same():
    capped = invoke(["critical", "himmelblau", "--starts", "1024", "--jobs", "1000", "--json"])
    assert capped.exit_code == 0
    assert capped.stderr.splitlines()[0] == f"landscape: note: --jobs 1000 capped at {budget.max_jobs()}, the number of cores"
    single = invoke(["critical", "himmelblau", "--starts", "1024", "--json"])
    assert json.loads(capped.stdout) == json.loads(single.stdout)
    assert json.loads(single.stdout)["found"] == 9  # Himmelblau: 4 minima, 4 saddles, 1 maximum


def test_force_lets_a_long_run_past_the_soft_bound(monkeypatch):
    monkeypatch.setattr(budget, "WORK_SOFT", 1.0)  # everything is "long" now
    assert_refused(invoke(["critical", "himmelblau", "--starts", "64"]), "--force")
    assert invoke(["critical", "himmelblau", "--starts", "64", "--force"]).exit_code == 0
    monkeypatch.setattr(budget, "WORK_HARD", 10.0)
    assert_refused(invoke(["critical", "himmelblau", "--starts", "64", "--force"]), "operations")


def test_memory_bound_is_against_this_machine():
    limit = budget.MEMORY_FRACTION * budget.machine_memory()
    budget.need_memory(limit, "x", "y")
    with pytest.raises(LandscapeError, match="half of this machine"):
        budget.need_memory(limit + 1, "x", "y")


def test_an_unexpected_error_is_one_line_not_a_traceback(monkeypatch):
    import landscape.critical

    def boom(*a, **k):
        raise TypeError("something the code did not expect")

    monkeypatch.setattr(landscape.critical, "survey", boom)
    result = invoke(["critical", "himmelblau"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "landscape: internal error: TypeError: something the code did not expect (a bug: please report it with "
        "the command; LANDSCAPE_TRACEBACK=1 shows where)"]


def test_a_runtime_warning_in_a_command_becomes_one_line(monkeypatch):
    import landscape.critical

    def overflow(*a, **k):
        np.exp(np.array([1000.0]))

    monkeypatch.setattr(landscape.critical, "survey", overflow)
    result = invoke(["critical", "himmelblau"])
    assert_refused(result, "numerical failure (overflow encountered in exp)")


# --- long runs: stored iterates thinned, measurements exact -------------------------------------

def test_thinned_run_measures_escape_and_stall_exactly():
    f = build("saddle-2d")
    x0 = np.array([[1.0, 1e-3], [0.5, 1e-6], [1.0, 0.0], [0.2, -1e-9]])
    centre, radius, thr, minima = np.zeros(2), 0.1, 1e-2, np.array([[0.0, 1.0], [0.0, -1.0]])
    full = run(f, gd(0.1), x0, 2000)
    watches = (EscapeWatch(4, centre, radius), StallWatch(4, thr, minima, radius))
    thin = run(f, gd(0.1), x0, 2000, every=97, watch=watches)
    np.testing.assert_array_equal(watches[0].result, escape_step(full, centre, radius))
    np.testing.assert_array_equal(watches[1].result, stall_steps(full, thr, minima, radius))
    assert (watches[0].result[[0, 1, 3]] > 0).all() and watches[0].result[2] == -1  # on the stable manifold: never
    np.testing.assert_array_equal(thin.final, full.final)
    np.testing.assert_array_equal(thin.at, np.r_[np.arange(0, 2000, 97), 2000])
    np.testing.assert_array_equal(thin.x, full.x[thin.at])
    assert thin.steps == full.steps == 2000


def test_thinning_bounds_what_a_run_keeps():
    assert thinning(400, 7, 2) == 1  # the built-in scenario keeps every iterate
    every = thinning(10**6, 7, 2)
    rows = 10**6 // every + 2
    assert rows * 7 * 4 <= 2**22 + 7 * 4 * 2


def test_a_long_run_writes_a_thinned_csv_with_exact_escapes(tmp_path, monkeypatch):
    import landscape.dynamics

    out = tmp_path / "out"
    assert invoke(["run", "saddle-2d", "--out", out / "full", "--steps", "3000"]).exit_code == 0
    monkeypatch.setattr(landscape.dynamics, "STORE_VALUES", 4 * 7 * 50)  # at most ~50 rows per run
    assert invoke(["run", "saddle-2d", "--out", out / "thin", "--steps", "3000"]).exit_code == 0
    full = json.loads((out / "full/saddle-2d/results.json").read_text())
    thin = json.loads((out / "thin/saddle-2d/results.json").read_text())
    assert full["runs"] == thin["runs"] and full["escape_sweep"] == thin["escape_sweep"]
    rows = (out / "thin/saddle-2d/trajectories.csv").read_text().splitlines()
    steps = sorted({int(r.split(",")[2]) for r in rows[1:]})
    assert len(steps) <= 52 and steps[0] == 0 and steps[-1] == 3000


def test_search_chunks_change_nothing_but_memory(monkeypatch):
    import landscape.critical as critical

    f = build("separable", {"dim": 3, "seed": 1})
    whole = critical.find_critical_points(f, starts=2048, seed=3)
    monkeypatch.setattr(critical, "CHUNK_BYTES", 5 * critical._bytes_per_start(3))
    assert critical.solve_chunk(f) == 5
    chunked = critical.find_critical_points(f, starts=2048, seed=3)
    assert len(whole.points) == len(chunked.points) == 27  # 3^3, the known count
    for a, b in zip(whole.points, chunked.points):
        np.testing.assert_array_equal(a.x, b.x)
        assert a.hits == b.hits


def test_rosenbrock_box_follows_its_minimum():
    """The minimum (a, a^2) is in the search box for any a, so it is found, not '0 points'."""
    result = invoke(["critical", "rosenbrock", "-p", "a=3", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["found"] == 1 and data["counts"]["minimum"] == 1
    (point,) = data["critical_points"]
    np.testing.assert_allclose(point["x"], [3.0, 9.0], rtol=1e-12)
    # H(a, a^2) = [[2 + 8 b a^2, -4 a b], [-4 a b, 2 b]]: trace 7402, determinant 400 at a = 3, b = 100
    tr, det = 7402.0, 400.0
    np.testing.assert_allclose(point["eigenvalues"], [(tr - math.sqrt(tr**2 - 4 * det)) / 2,
                                                      (tr + math.sqrt(tr**2 - 4 * det)) / 2], rtol=1e-9)
    assert build("rosenbrock").domain == ((-2.0, 2.0), (-1.0, 3.0))  # the default box is unchanged


def test_readme_refusal_example_says_what_it_would_take():
    """README: `landscape count-critical --dim 1000 --model goe` is refused, naming the work and the fix.
    The estimate is samples x 4 n^3 (eigvalsh beyond n = 50) at 5e9 operations per second."""
    result = invoke(["count-critical", "--dim", "1000", "--model", "goe"])
    assert_refused(result, f"~{1e5 * (4.0 * 1000**3 + 100) / budget.OPS_PER_SECOND / 3600:.3g} hours on one core")
    assert "lower --samples or --dim, or pass --force" in result.stderr


def test_search_progress_opens_before_the_first_chunk():
    """Progress within seconds: the bar opens once the checks pass, then counts every start."""
    from landscape.critical import find_critical_points, solve_chunk

    calls = []
    f = build("polynomial", {"dim": 30, "degree": 4, "kind": "gaussian"})  # 46,376 monomials
    assert solve_chunk(f) < 4096  # an expensive landscape gets smaller chunks: more frequent updates
    find_critical_points(f, starts=64, batch=64, progress=calls.append)
    assert calls[0] == 0 and sum(calls) == 64 and len(calls) >= 2


def test_a_signal_between_mkdtemp_and_its_return_leaves_no_staging_folder(tmp_path, monkeypatch):
    """The race CI met once: the staging folder exists but write_folder has not got its name yet."""
    import tempfile

    from landscape import signals
    from landscape.outdir import write_folder

    real = tempfile.mkdtemp

    def interrupted_mkdtemp(*args, **kwargs):
        real(*args, **kwargs)  # the folder is made, then the signal's exception lands
        raise signals.Interrupted(signal.SIGTERM)

    monkeypatch.setattr(tempfile, "mkdtemp", interrupted_mkdtemp)
    with pytest.raises(signals.Interrupted):
        write_folder(tmp_path, "r", lambda stage: {})
    assert list(tmp_path.iterdir()) == []


def test_a_signal_inside_an_import_lock_callback_waits_for_the_next_checkpoint():
    """Raised inside the weakref callback that releases an import lock, Interrupted would be printed
    as "Exception ignored in ..." and dropped; the handler records it instead, and the checkpoint
    before a result folder is renamed (signals.check) raises it."""
    import types

    from landscape import signals

    lock_cb = types.SimpleNamespace(f_code=types.SimpleNamespace(co_name="cb",
                                                                 co_filename="<frozen importlib._bootstrap>"))
    signals._received.clear()
    try:
        assert signals._handler(signal.SIGTERM, lock_cb) is None
        assert signals.received() == signal.SIGTERM
        with pytest.raises(signals.Interrupted):
            signals.check()
        with pytest.raises(signals.Interrupted):  # anywhere else it is raised at once
            signals._handler(signal.SIGTERM, None)
    finally:
        signals._received.clear()
