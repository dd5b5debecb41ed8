"""Results to files: results.json (with the schema version and package versions), CSV,
summary.md and the figures. Writing only: the numbers come from the studies and
analyses, the tables from tables.py, the drawings from figures/.

Everything for one result is first written into a staging folder next to the
target and then moved into place (outdir.write_folder: safe names, the marker,
stale staging), so a failure never leaves a folder half-written; single files
are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from .outdir import write_folder


def to_jsonable(obj):
    """numpy and tuples to plain JSON types; NaN and inf to null; -0.0 to 0.0."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        v = float(obj)
        return v + 0.0 if math.isfinite(v) else None
    return obj


_NUMBER_LIST = re.compile(r"\[\s*((?:-?[\d.eE+-]+|null)(?:,\s*(?:-?[\d.eE+-]+|null))*)\s*\]")


def dumps(data) -> str:
    """Indented JSON with lists of numbers kept on one line (vectors read as vectors)."""
    text = json.dumps(to_jsonable(data), indent=2, ensure_ascii=False)
    text = _NUMBER_LIST.sub(lambda m: "[" + re.sub(r",\s+", ", ", m.group(1)) + "]", text)
    return text + "\n"


def write_text(path: Path, text: str) -> None:
    """Write atomically: a temporary file in the same folder, then rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_result(result, out: Path, formats=("png",)) -> tuple[Path, dict]:
    """Write ``out/<scenario>/`` for the Result of any scenario kind: the figures its
    study can draw (those the scenario's ``[figures] make`` names), results.json,
    the study's extra files and summary.md; return the folder and the results dict."""
    from .studies import STUDIES

    scenario = result.scenario
    study = STUDIES[scenario.kind]
    wanted = study.drawable(result, scenario.figures)
    files = study.files(result) if study.files is not None else []
    return _write_report(out, scenario.name, result, {n: study.FIGURES[n] for n in wanted}, study.tables,
                         formats, extra=files)


def written_files(folder: Path, data: dict) -> list[str]:
    """The files of a written result folder, for the 'wrote' line: the figures, results.json,
    summary.md, then the rest (CSVs) by name; the hidden marker is left out."""
    first = data["figures"] + ["results.json", "summary.md"]
    return first + sorted(p.name for p in Path(folder).iterdir() if p.name not in first and not p.name.startswith("."))


def write_count(result, out: Path, formats=("png",)) -> tuple[Path, dict]:
    """Write ``out/count-critical/``: the three counting figures, results.json and summary.md."""
    from .figures import counting
    from .tables import count_tables

    return _write_report(out, "count-critical", result, counting.FIGURES, count_tables, formats)


def write_critical(survey, out: Path, formats=("png",)) -> tuple[Path, dict]:
    """Write ``out/critical-FAMILY/``: three figures, results.json, points.csv and summary.md."""
    from .figures import critical
    from .tables import critical_tables

    return _write_report(out, f"critical-{survey.landscape.name}", survey, critical.FIGURES, critical_tables,
                         formats, extra=[("points.csv", points_csv(survey.critical.points))])


def graph_dict(connection) -> dict:
    """graph.json: a connect.Connection's to_dict() with the package versions (what
    `landscape connect --json` prints)."""
    from .schema import versions

    return to_jsonable({**connection.to_dict(), "versions": versions()})


def write_connect(connection, out: Path, formats=("png",), spacing=None) -> tuple[Path, list[str]]:
    """Write ``out/connect-FAMILY/``: the figures the landscape allows, graph.json, nodes.csv and
    summary.md; return the folder and the files written."""
    import functools

    from .connect.connection import nodes_csv
    from .figures import connect as figures
    from .tables import connect_tables

    names = [n for n in figures.FIGURES if n not in figures.CAN_DRAW or figures.CAN_DRAW[n](connection)]
    draws = {n: figures.FIGURES[n] for n in names}
    if spacing is not None:
        draws["disconnectivity"] = functools.wraps(figures.disconnectivity_figure)(
            functools.partial(figures.disconnectivity_figure, spacing=spacing))
    written: list[str] = []

    def fill(stage: Path) -> dict:
        written.extend(_draw(stage, [(fig, draw, connection) for fig, draw in draws.items()], formats))
        data = graph_dict(connection)
        (stage / "graph.json").write_text(dumps(data), encoding="utf-8")
        (stage / "nodes.csv").write_text(nodes_csv(connection.nodes), encoding="utf-8")
        (stage / "summary.md").write_text("\n".join(connect_tables({**data, "figures": written}, markdown=True))
                                          + "\n", encoding="utf-8")
        return data

    folder, _ = write_folder(out, f"connect-{connection.landscape.name}", fill)
    return folder, written + ["graph.json", "nodes.csv", "summary.md"]


def results_dict(result, figures=()) -> dict:
    """The JSON-ready dict of a result: its to_dict(), the package versions, the figure files."""
    from .schema import versions

    return to_jsonable({**result.to_dict(), "versions": versions(), "figures": list(figures)})


def _write_report(out: Path, name: str, result, figure_set: dict, tables, formats, extra=()):
    """``out/name/``: each figure of figure_set drawn from result, results.json, the
    extra (file name, text) pairs, and summary.md from tables(data, markdown=True)."""

    def fill(stage: Path) -> dict:
        written = _draw(stage, [(fig, draw, result) for fig, draw in figure_set.items()], formats)
        data = results_dict(result, written)
        (stage / "results.json").write_text(dumps(data), encoding="utf-8")
        for file_name, text in extra:  # a name may hold one folder level (a sweep's tasks/...)
            (stage / file_name).parent.mkdir(exist_ok=True)
            (stage / file_name).write_text(text, encoding="utf-8")
        (stage / "summary.md").write_text("\n".join(tables(data, markdown=True)) + "\n", encoding="utf-8")
        return data

    return write_folder(out, name, fill)


def points_csv(points) -> str:
    """One row per critical point: value, index, kind, |grad|, hits, then x_1..x_n."""
    if not points:
        return "value,index,kind,grad_norm,hits\n"
    n = len(points[0].x)
    rows = ["value,index,kind,grad_norm,hits," + ",".join(f"x{i + 1}" for i in range(n))]
    rows += [f"{p.value!r},{p.index},{p.kind},{p.grad_norm!r},{p.hits}," + ",".join(repr(float(v)) for v in p.x)
             for p in points]
    return "\n".join(rows) + "\n"


def _draw(stage: Path, jobs, formats) -> list[str]:
    """Draw each (name, figure function, result) into stage in every format; the file names."""
    from .figures import formats_of, save

    written = []
    for name, draw, result in jobs:
        fmts = [fmt for fmt in formats if fmt in formats_of(draw)]  # gif: only the animations; png/pdf/svg: the rest
        if not fmts:
            continue
        names = [f"{name}.{fmt}" for fmt in fmts]
        drawing = draw(result)
        if hasattr(drawing, "savefig"):
            save(drawing, [(stage / n, fmt) for n, fmt in zip(names, fmts)])
        else:
            for n, fmt in zip(names, fmts):
                drawing.save(stage / n, fmt)
        written += names
    return written
