"""report.py: JSON conversion and layout, atomic files and folders, the CSV of critical points."""

import json
import math

import numpy as np
import pytest

from landscape import build, find_critical_points
from landscape.outdir import MARKER
from landscape.report import (
    dumps,
    points_csv,
    results_dict,
    to_jsonable,
    write_result,
    write_text,
)
from landscape.scenario import load, resolve
from landscape.studies import SCHEMA_VERSION, STUDIES, run


def test_to_jsonable_makes_plain_json():
    data = {"a": np.float32(1.5), "b": np.arange(3), "c": (np.int64(2), np.bool_(True)), "d": float("nan"),
            "e": -0.0, "f": np.array([np.inf, -np.inf]), 3: None}
    out = to_jsonable(data)
    assert out == {"a": 1.5, "b": [0, 1, 2], "c": [2, True], "d": None, "e": 0.0, "f": [None, None], "3": None}
    assert math.copysign(1, out["e"]) == 1.0  # -0.0 is written as 0.0
    assert type(out["b"][0]) is int and type(out["c"][1]) is bool
    json.dumps(out, allow_nan=False)  # strict JSON: no NaN or Infinity


def test_dumps_keeps_vectors_on_one_line_and_round_trips():
    data = {"x": [1.0, -2.5, None], "nested": [{"v": [1, 2]}], "s": "text [1, 2]"}
    text = dumps(data)
    assert '"x": [1.0, -2.5, null]' in text and '"v": [1, 2]' in text and text.endswith("\n")
    assert json.loads(text) == data


def test_write_text_replaces_atomically_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "a.txt"
    write_text(path, "one")
    write_text(path, "two")
    assert path.read_text() == "two" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_points_csv_has_one_row_per_point_with_exact_floats():
    found = find_critical_points(build("six-hump-camel"), starts=1024)
    rows = points_csv(found.points).splitlines()
    assert rows[0] == "value,index,kind,grad_norm,hits,x1,x2" and len(rows) == 1 + len(found.points) == 16
    cells = rows[1].split(",")
    p = found.points[0]
    assert float(cells[0]) == p.value and int(cells[1]) == p.index and cells[2] == p.kind  # repr round-trips
    assert [float(v) for v in cells[5:]] == list(p.x)
    assert points_csv([]) == "value,index,kind,grad_norm,hits\n"


def test_write_result_writes_the_study_folder_with_its_header_and_versions(tmp_path):
    sc = STUDIES["example-walk"].SMOKE.apply(load(resolve("example-walk")))
    result = run(sc)
    folder, data = write_result(result, tmp_path, ("png", "svg"))
    assert folder == tmp_path / "example-walk"
    assert sorted(p.name for p in folder.iterdir()) == sorted(["walk.png", "walk.svg", "results.json", "summary.md",
                                                               MARKER])
    assert data == json.loads((folder / "results.json").read_text()) == results_dict(result, data["figures"])
    assert data["schema_version"] == SCHEMA_VERSION and data["figures"] == ["walk.png", "walk.svg"]
    assert list(data)[-2:] == ["versions", "figures"] and data["versions"]["numpy"] == np.__version__
    # written again: replaced in place, byte for byte the same
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_result(result, tmp_path, ("png", "svg"))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_a_failing_figure_leaves_the_previous_folder_intact(tmp_path, monkeypatch):
    sc = STUDIES["example-walk"].SMOKE.apply(load(resolve("example-walk")))
    result = run(sc)
    folder, _ = write_result(result, tmp_path)
    before = (folder / "results.json").read_text()

    def broken(result, ax=None):
        raise RuntimeError("drawing failed")

    monkeypatch.setitem(STUDIES["example-walk"].FIGURES, "walk", broken)
    with pytest.raises(RuntimeError):
        write_result(result, tmp_path)
    assert (folder / "results.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example-walk"]  # no staging folder left
