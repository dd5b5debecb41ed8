"""Results to files: JSON (with a schema version), CSV and summary.md.

Everything for one scenario is first written into a staging folder next to
the target and then moved into place, so a failure never leaves a folder
half-written; single files are written to a temporary name and renamed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np


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


def fmt(v, digits: int = 6) -> str:
    """Numbers to `digits` significant digits, vectors as (a, b, ...), None as a dash."""
    if v is None:
        return "—"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "(" + ", ".join(fmt(x, digits) for x in v) + ")"
    if isinstance(v, (float, np.floating)):
        return f"{float(v) + 0.0:.{digits}g}"
    return str(v)


def critical_table(points) -> list[str]:
    """Markdown rows for critical points (dicts with x, value, eigenvalues, index, kind)."""
    rows = ["| x | f(x) | eigenvalues | index | kind | \\|grad f\\| |", "|---|---|---|---|---|---|"]
    for p in points:
        rows.append(f"| {fmt(p['x'])} | {fmt(p['value'])} | {fmt(p['eigenvalues'], 4)} | "
                    f"{p['index']} | {p['kind']} | {fmt(p.get('grad_norm'), 2)} |")
    return rows


def summary_markdown(data: dict) -> str:
    """The tables a report needs, with the figures linked."""
    lines = [f"# {data['scenario']}", "", data.get("description", ""), "",
             f"Landscape `{data['landscape']['name']}` (dimension {data['landscape']['dim']}), "
             f"seed {data['seed']}.", ""]
    crit = data["critical_search"]
    lines += ["## Critical points", "",
              f"{len(data['critical_points'])} found from {crit['starts']} starts in the domain "
              f"{fmt([tuple(iv) for iv in data['domain']])}; an eigenvalue counts as zero below "
              f"{crit['zero_tol']:.2g} (relative tolerance {crit['zero_rtol']:.0e} of the typical "
              f"curvature); every point has |grad f| <= {crit['gtol']:.2g}.", ""]
    lines += critical_table(data["critical_points"]) + [""]
    th = data["theory"]
    if "centre" in th:
        lines += ["## Theory at the saddle", "",
                  f"Saddle {fmt(th['centre'])} with Hessian eigenvalues {fmt(th['centre_eigenvalues'], 4)}."]
        if "eta" in th:
            lines += [f"GD with η = {th['eta']:g} multiplies the eigen-components by "
                      f"{fmt(th['contraction_factors'], 4)} per step, so a start at distance ε from "
                      f"the stable manifold leaves the ball of radius r = {th['radius']:g} after "
                      f"k* = ln(r/ε) × {th['escape_slope']:.4g} steps."]
        lines += [f"Stability bound 2/λ_max: {fmt(th['stability_bound_centre'], 4)} at the saddle, "
                  f"{fmt(th['stability_bound_minima'], 4)} at the minima.", ""]
    if data["runs"]:
        lines += ["## Runs", "",
                  "| optimizer | η | start | escape step | predicted | stall steps | outcome | ends at | f(final) |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for r in data["runs"]:
            lines.append(
                f"| {r['optimizer']} | {fmt(r['eta'])} | {fmt(r['start'], 3)} | {fmt(r['escape_step'])} | "
                f"{fmt(r['predicted_escape_step'], 4)} | {r['stall_steps']} | "
                f"{r['outcome']}{' at step ' + str(r['diverged_step']) if r['diverged_step'] else ''} | "
                f"{fmt(r['ends_at'], 4)} | {fmt(r['final_value'], 4)} |")
        lines.append("")
    sw = data.get("escape_sweep")
    if sw:
        lines += ["## Escape time against ε", "",
                  "| ε | escape step | predicted k* | stall steps |", "|---|---|---|---|"]
        for e, k, p, s in zip(sw["eps"], sw["escape_step"], sw["predicted_escape_step"],
                              sw["stall_steps"]):
            lines.append(f"| {e:.0e} | {fmt(k)} | {fmt(p, 4)} | {s} |")
        lines.append("")
    if data["figures"]:
        lines += ["## Figures", ""]
        lines += [f"![{Path(f).stem}]({f})" for f in data["figures"] if f.endswith(".png")] or \
                 [f"- [{f}]({f})" for f in data["figures"]]
        lines.append("")
    return "\n".join(lines)


def trajectories_csv(result) -> str:
    """Long format: one row per (run, step) with x, f(x) and |grad f|."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    dim = result.landscape.dim
    w.writerow(["run", "optimizer", "step"] + [f"x{i + 1}" for i in range(dim)] + ["value", "grad_norm"])
    run = 0
    for spec, traj in result.trajectories:
        for b in range(traj.x.shape[1]):
            for k in range(traj.x.shape[0]):
                w.writerow([run, spec.name, k] + [repr(float(v)) for v in traj.x[k, b]]
                           + [repr(float(traj.value[k, b])), repr(float(traj.grad_norm[k, b]))])
            run += 1
    return buf.getvalue()


def write_scenario(result, out: Path, formats=("png",)) -> tuple[Path, dict]:
    """Write ``out/<scenario>/`` with figures, results.json, summary.md and
    trajectories.csv; return the folder and the results dict."""
    from . import figures as figs

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / result.scenario.name
    stage = Path(tempfile.mkdtemp(dir=out, prefix=f".{result.scenario.name}."))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(stage, 0o777 & ~umask)  # mkdtemp makes it private; the result is an ordinary folder
    try:
        written = []
        wanted = [f for f in result.scenario.figures
                  if f in figs.SCENARIO_FIGURES and _can_draw(f, result)]
        for name in wanted:
            fig = figs.SCENARIO_FIGURES[name](result)
            names = [f"{name}.{fmt}" for fmt in formats]
            figs.save(fig, [(stage / n, fmt) for n, fmt in zip(names, formats)])
            written += names
        data = to_jsonable(result.to_dict(figures=written))
        (stage / "results.json").write_text(dumps(data), encoding="utf-8")
        (stage / "summary.md").write_text(summary_markdown(data), encoding="utf-8")
        (stage / "trajectories.csv").write_text(trajectories_csv(result), encoding="utf-8")
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=out, prefix=f".{result.scenario.name}.old."))
            os.replace(target, old / "x")
            os.replace(stage, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return target, data


def _can_draw(name: str, result) -> bool:
    if name in ("landscape",):
        return result.landscape.dim == 2
    if name in ("eigen-components", "escape"):
        return result.sweep is not None
    return bool(result.trajectories)
