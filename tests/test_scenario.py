"""Scenario files: the built-ins load; every kind of bad file fails at load with a one-line reason."""

import pytest

from landscape import LandscapeError
from landscape.scenario import builtin_dir, builtin_names, load, resolve

GOOD = '[landscape]\nfamily = "saddle-2d"\n'


def test_builtin_scenarios_are_found_and_load():
    assert "saddle-2d" in builtin_names()
    for name in builtin_names():
        s = load(resolve(name))
        assert s.name == name and s.description


def test_builtin_scenarios_ship_with_the_package_or_the_source_tree():
    folder = builtin_dir()
    assert (folder / "saddle-2d.toml").is_file()
    assert folder.name == "scenarios"


def test_a_minimal_file_takes_the_defaults(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    s = load(path)
    assert (s.name, s.family, s.steps, s.optimizers[0].settings) == ("mine", "saddle-2d", 400, {"eta": 0.1})


@pytest.mark.parametrize("text,expected", [
    ("x = [\n", "not valid TOML"),
    (GOOD + "foo = 1\n", "[landscape]: unknown parameter 'foo'"),
    (GOOD + "[run]\nstep = 3\n", "[run]: unknown key 'step'"),
    ("[landscape]\nfamily = \"volcano\"\n", "unknown landscape family 'volcano'"),
    ("seed = 1\n", "[landscape] family: required"),
    (GOOD + "[run]\noptimizers = [{name = \"gd\", eta = 0.0}]\n", "gd: eta must be a positive number"),
    (GOOD + "[run]\noptimizers = [{name = \"gd\", eta = -1}]\n", "gd: eta must be a positive number"),
    (GOOD + "[run]\noptimizers = [{name = \"adamw\"}]\n", "unknown optimizer 'adamw'"),
    (GOOD + "[run]\noptimizers = [{name = \"gd\", lr = 0.1}]\n", "unknown setting 'lr'"),
    (GOOD + "[run]\nsteps = 0\n", "[run] steps: expected a positive integer"),
    (GOOD + "[run]\nsteps = 1.5\n", "[run] steps: expected an integer"),
    (GOOD + "[run]\nstarts = [[1.0, 2.0, 3.0]]\n", "point 1 has 3 coordinates, expected 2"),
    (GOOD + "[run]\nstarts = [[1.0, nan]]\n", "[run] starts: expected a finite number"),
    (GOOD + "[run]\nstarts = [[1.0, \"a\"]]\n", "[run] starts: expected a number"),
    (GOOD + "[critical]\ndomain = [[1, -1], [0, 1]]\n", "reversed"),
    (GOOD + "[critical]\ndomain = [[0, 0], [0, 1]]\n", "empty"),
    (GOOD + "[critical]\ndomain = []\n", "needs 2 intervals"),
    (GOOD + "[escape]\nradius = -1\n", "[escape] radius: expected a positive number"),
    (GOOD + "[figures]\nformat = [\"jpg\"]\n", "unknown value 'jpg'"),
    (GOOD + "[figures]\nmake = [\"poster\"]\n", "unknown value 'poster'"),
    ("landscape = 3\n", "[landscape] must be a table"),
])
def test_bad_files_fail_with_file_and_key(tmp_path, text, expected):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(LandscapeError) as err:
        load(path)
    message = str(err.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_unknown_names_and_missing_files():
    with pytest.raises(LandscapeError, match="unknown scenario 'nope'"):
        resolve("nope")
    with pytest.raises(LandscapeError, match="no such scenario file"):
        resolve("missing/file.toml")


def test_overrides_are_checked_and_applied():
    s = load(resolve("saddle-2d"))
    t = s.with_overrides(seed=3, eta=0.25, steps=50, formats="svg,png")
    assert (t.seed, t.steps, t.formats) == (3, 50, ("svg", "png"))
    assert all(o.settings["eta"] == 0.25 for o in t.optimizers)
    for bad in ({"eta": 0}, {"steps": -1}, {"seed": -2}, {"formats": "png,bmp"}):
        with pytest.raises(LandscapeError, match="command line"):
            s.with_overrides(**bad)


def test_setup_cfg_lists_every_subpackage():
    """A non-editable install ships only the packages setup.cfg names: each folder of
    landscape/ with an __init__.py must be among them (landscape.studies was once missed)."""
    import configparser
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    cfg = configparser.ConfigParser()
    cfg.read(root / "setup.cfg")
    listed = set(cfg["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(root).parts) for p in (root / "landscape").rglob("__init__.py")}
    assert found <= listed, found - listed
