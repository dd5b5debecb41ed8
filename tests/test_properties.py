"""Property-based hostile inputs (hypothesis): mutated scenarios, -p values and terms files.

The contract for every input, checked on each generated example:
- exit 0, and (with --out) a complete folder: results.json that parses, summary.md, the marker,
  no staging left; or
- exit 2, one line on stderr, and nothing written at all;
- never a traceback, never an internal error, never longer than LIMIT_SECONDS or more than
  LIMIT_BYTES of traced memory.

The soft work bound is lowered to WORK_SOFT (about 2 s of work) for these tests, so every
example either finishes quickly or is refused: an accepted example that takes longer than
LIMIT_SECONDS means the work estimate is wrong. Examples are derandomized with a fixed
count, so CI runs the same inputs every time.
"""

import dataclasses
import json
import math
import time
import tomllib
import tracemalloc

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from landscape import budget
from landscape.cli import cli
from landscape.families import LANDSCAPES
from landscape.outdir import MARKER
from landscape.scenario import builtin_dir

WORK_SOFT = 1e10
LIMIT_SECONDS = 45.0
LIMIT_BYTES = 2 * 2**30
PROFILE = dict(deadline=None, derandomize=True, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                      HealthCheck.data_too_large])


@pytest.fixture(autouse=True)
def tight_work_bound(monkeypatch):
    monkeypatch.setattr(budget, "WORK_SOFT", WORK_SOFT)


# --- values a hostile user types ------------------------------------------------------------

EDGE = [math.nan, math.inf, -math.inf, 0, -1, 1, 2, 0.5, -0.0, 1e308, -1e308, 5e-324, 1e-300, 2**31, 2**63 - 1,
        -(2**63), 4096, 4097, 10**9, 1e100, 1e101, 3, 64, 65]
numbers = st.one_of(st.sampled_from(EDGE), st.integers(-10**4, 10**4),
                    st.floats(allow_nan=True, allow_infinity=True, width=64))
scalars = st.one_of(numbers, st.booleans(), st.text(max_size=6),
                    st.sampled_from(["random", "identity", "tanh", "relu", "xor", "moons", "gd", "coercive"]))
hostile = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=10)
small = st.one_of(st.integers(0, 6), st.floats(-3, 3).map(lambda v: round(v, 3)))
plausible = st.one_of(small, st.lists(small, min_size=1, max_size=4),
                      st.lists(st.lists(small, min_size=2, max_size=2), min_size=2, max_size=2))
values = st.one_of(hostile, plausible)  # about half the draws could be right, so both outcomes are tested


def toml_value(v) -> str:
    """A Python value as TOML (floats keep nan and inf; strings as JSON, whose escapes TOML reads)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    return "[" + ", ".join(toml_value(x) for x in v) + "]"


def toml_document(doc: dict) -> str:
    top = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items() if not isinstance(v, dict)]
    tables = [f"[{json.dumps(k)}]\n" + "\n".join(f"{json.dumps(kk)} = {toml_value(vv)}" for kk, vv in v.items())
              for k, v in doc.items() if isinstance(v, dict)]
    return "\n".join(top) + "\n\n" + "\n\n".join(tables) + "\n"


# --- the contract ---------------------------------------------------------------------------

def check_contract(args, out=None, count=True):
    """Run the command; assert exit 0 with a complete folder, or exit 2 with one line and nothing."""
    tracemalloc.start()
    t0 = time.monotonic()
    try:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        elapsed = time.monotonic() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    if count:  # hypothesis's statistics: how often each outcome was reached
        event(f"exit {result.exit_code}")
    assert "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 2), (args, result.exit_code, result.output[-800:])
    assert elapsed < LIMIT_SECONDS, (args, elapsed)
    assert peak < LIMIT_BYTES, (args, peak)
    if result.exit_code == 2:
        # one error line, last; before it at most the labels of progress bars already opened (an
        # error found during the work, such as a numerical failure)
        lines = result.stderr.strip().splitlines()
        assert lines[-1].startswith("landscape: error: "), lines
        assert not [line for line in lines[:-1] if line.startswith("landscape:") or "Error" in line
                    or "Warning" in line], lines
        assert out is None or not out.exists(), sorted(out.rglob("*"))
    elif out is not None:
        (folder,) = [p for p in out.iterdir()]  # one result folder, no staging left beside it
        assert not folder.name.startswith(".")
        json.loads((folder / "results.json").read_text())
        assert (folder / "summary.md").read_text().strip()
        assert (folder / MARKER).is_file()
    return result


# --- mutated scenarios --------------------------------------------------------------------------

def small_scenarios() -> dict:
    """The built-in scenarios, sized down so a valid mutation runs in a second or two."""
    base = {name: tomllib.loads((builtin_dir() / f"{name}.toml").read_text())
            for name in ("saddle-2d", "lr-stability", "saddle-chain", "linear-net")}
    base["saddle-2d"]["run"]["steps"] = 80
    base["saddle-2d"]["figures"] = {"make": ["loss"]}
    base["lr-stability"]["lr-stability"]["etas"] = 20
    base["lr-stability"]["run"]["steps"] = 60
    base["saddle-chain"]["saddle-chain"].update(dims=[1, 2], starts=2, show_dim=2)
    base["saddle-chain"]["run"]["steps"] = 2000
    base["linear-net"]["run"]["steps"] = 300
    return base


SMALL = small_scenarios()
PATHS = sorted({(name, section, key) for name, doc in SMALL.items() for section, table in doc.items()
                if isinstance(table, dict) for key in table}
               | {(name, "", key) for name, doc in SMALL.items() for key in ("seed", "name", "kind", "bogus")}
               | {(name, "run", "starts") for name in SMALL} | {(name, "critical", "domain") for name in SMALL})


@settings(max_examples=30, **PROFILE)
@given(path=st.sampled_from(PATHS), value=values, delete=st.booleans(), data=st.data())
def test_mutated_scenarios_keep_the_contract(path, value, delete, data, tmp_path_factory):
    name, section, key = path
    doc = json.loads(json.dumps(SMALL[name]))  # a deep copy
    table = doc if section == "" else doc.setdefault(section, {})
    if delete and key in table and data.draw(st.integers(0, 3)) == 0:
        del table[key]
    else:
        table[key] = value
    folder = tmp_path_factory.mktemp("mutated")
    scenario = folder / "mutant.toml"
    scenario.write_text(toml_document(doc), encoding="utf-8", errors="surrogatepass")
    check_contract(["run", scenario, "--out", folder / "out"], folder / "out")


# --- -p values -----------------------------------------------------------------------------------

FAMILY_KEYS = sorted({(family, f.name) for family, cls in LANDSCAPES.items() for f in dataclasses.fields(cls)}
                     | {(family, "bogus") for family in LANDSCAPES})


DEFAULTS = {(family, f.name): f.default for family, cls in LANDSCAPES.items() for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING and f.default is not None}


def near(default):
    """Values of the default's own shape: the default, or its numbers scaled by a drawn factor."""
    if isinstance(default, bool) or isinstance(default, str):
        return st.just(default)
    if isinstance(default, (int, float)):
        return st.sampled_from([0.5, 1, 2, 3, -1, 10]).map(lambda c: type(default)(c * default))
    return st.just(list(default))


@st.composite
def parameter(draw):
    family, key = draw(st.sampled_from(FAMILY_KEYS))
    if (family, key) in DEFAULTS and draw(st.booleans()):
        return family, key, draw(near(DEFAULTS[family, key]))
    return family, key, draw(values)


@settings(max_examples=120, **PROFILE)
@given(param=parameter(), command=st.sampled_from(["critical", "inspect"]))
def test_parameter_values_keep_the_contract(param, command):
    family, key, value = param
    args = [command, family, "-p", f"{key}={toml_value(value)}"]
    check_contract(args + (["--starts", "64", "--json"] if command == "critical" else ["--json"]))


# --- terms files ---------------------------------------------------------------------------------

exponent = st.one_of(st.integers(0, 6), st.sampled_from([-1, 64, 65, 10**6, 2**63, 0.5, math.nan, "2", None]))
term = st.one_of(st.tuples(st.lists(exponent, min_size=0, max_size=4), numbers).map(list), hostile)


@st.composite
def wellformed_terms(draw):
    """A polynomial in n <= 3 variables: a quartic in each variable (so it is coercive) plus random terms."""
    n = draw(st.integers(1, 3))
    quartic = [[[4 * (j == i) for j in range(n)], 1.0] for i in range(n)] if draw(st.booleans()) else []
    others = draw(st.lists(st.tuples(st.lists(st.integers(0, 3), min_size=n, max_size=n),
                                     st.floats(-5, 5).map(lambda v: round(v, 2))).map(list), max_size=5))
    spoiler = draw(st.lists(term, max_size=1)) if draw(st.integers(0, 3)) == 0 else []
    return {"terms": quartic + others + spoiler}


terms_doc = st.one_of(wellformed_terms(), wellformed_terms(), st.fixed_dictionaries({"terms": st.lists(term, max_size=6)}),
                      hostile, st.dictionaries(st.text(max_size=5), hostile, max_size=3))


@settings(max_examples=80, **PROFILE)
@given(doc=terms_doc)
def test_terms_files_keep_the_contract(doc, tmp_path_factory):
    folder = tmp_path_factory.mktemp("terms")
    path = folder / "terms.json"
    path.write_text(json.dumps(doc, allow_nan=True))
    check_contract(["critical", "polynomial", "--terms", path, "--starts", "128", "--json"])


def test_the_generators_reach_both_outcomes(tmp_path):
    """The suite tests the contract only if valid inputs run and bad ones are refused."""
    good = check_contract(["critical", "polynomial", "--terms", _terms(tmp_path, [[[4, 0], 1], [[0, 4], 1],
                                                                                  [[2, 0], -1], [[0, 2], -1]]),
                           "--starts", "128", "--json"], count=False)
    assert good.exit_code == 0 and json.loads(good.stdout)["found"] == 9  # (x^4 - x^2): 3 per axis, 3^2
    bad = check_contract(["critical", "polynomial", "--terms", _terms(tmp_path, [[[0, 0], 1]])], count=False)
    assert bad.exit_code == 2


def _terms(folder, terms):
    path = folder / f"t{len(list(folder.iterdir()))}.json"
    path.write_text(json.dumps({"terms": terms}))
    return path
