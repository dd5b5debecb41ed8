"""sweep: a critical-point search averaged over seeds on a grid of parameters, against theory.

Random landscapes mean something as averages over the disorder: one coupling draw
can be far from the mean that Kac-Rice, the GOE and the separable closed form
predict. A sweep repeats the base search of ``[landscape]`` and ``[critical]``
over the grid of ``[sweep] grid`` with ``seeds`` independent draws per cell
(``landscape.sweep``: one task per cell and seed, each seed the family's coupling
draw and the search's), and reports per cell the means with standard errors and
bootstrap intervals, the family's theory and the z-score of the difference. Tasks
run here, on local processes (``--jobs``) or on a Dask cluster (``--scheduler``),
and are stored as they finish, so a rerun continues where an interrupted one
stopped; no number depends on the backend or on the interruption.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import LandscapeError
from ..figures import sweep as figures
from .base import Smoke, header
from .common import require

MANY_LANDSCAPES = False
TAKES_ETA = False
KEYS = ("settings", "theory", "base", "cells", "tasks", "task_results", "starts_for_99")


@dataclass(frozen=True)
class Settings:
    """The ``[sweep]`` section.

    grid: a table of lists, each key a parameter of the landscape's family (or
    ``starts``, the search's budget), e.g. ``grid = { dim = [3, 4], p = [3, 4] }``;
    the cells are their product. seeds: independent draws per cell.
    """

    grid: tuple = ()
    seeds: int = 1
    study: str = ""
    """A scenario of another kind (a built-in name or a file) to run per task instead of a
    critical-point search; its landscapes take the grid's parameters and the task's seed."""

    def __post_init__(self):
        require(isinstance(self.seeds, int) and not isinstance(self.seeds, bool) and self.seeds >= 1,
                f"seeds: expected a positive integer (draws per cell), got {self.seeds!r}")

    @classmethod
    def from_table(cls, table: dict, where: str) -> Settings:
        """The section as written: grid a non-empty table of non-empty lists, seeds an integer."""
        for key in table:
            if key not in ("grid", "seeds", "study"):
                raise LandscapeError(f"{where}: unknown key {key!r}; expected one of grid, seeds, study")
        if "grid" not in table:
            raise LandscapeError(f"{where} grid: required, e.g. grid = {{ dim = [3, 4] }}")
        grid = table["grid"]
        if not isinstance(grid, dict) or not grid:
            raise LandscapeError(f"{where} grid: expected a table of parameter lists, e.g. grid = {{ dim = [3, 4] }}")
        for name, values in grid.items():
            if not isinstance(values, list) or not values:
                raise LandscapeError(f"{where} grid: {name}: expected a non-empty list of values, got {values!r}")
        seeds = table.get("seeds", 1)
        if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
            raise LandscapeError(f"{where} seeds: expected a positive integer (draws per cell), got {seeds!r}")
        study = table.get("study", "")
        if not isinstance(study, str):
            raise LandscapeError(f"{where} study: expected a scenario name or file, got {study!r}")
        return cls(grid=tuple((name, tuple(values)) for name, values in grid.items()), seeds=seeds, study=study)

    def grid_table(self) -> dict:
        return {name: list(values) for name, values in self.grid}


def plan_of(scenario):
    """The sweep.Plan a loaded scenario describes."""
    from ..sweep import Plan

    s = scenario.settings
    return Plan(family=scenario.family, params=dict(scenario.landscape_params), starts=scenario.critical_starts,
                domain=scenario.domain, grid=s.grid, seeds=s.seeds, seed=scenario.seed, study=s.study or None)


def check(scenario, landscapes) -> None:
    """The grid against the family; every cell's landscape built and its search within the bounds."""
    from ..budget import need_work
    from ..critical import _start_work, check_search_budget
    from ..families import build
    from ..sweep import check_grid

    src = scenario.source
    if scenario.settings.study:
        return _check_study(scenario)
    try:
        check_grid(scenario.family, scenario.settings.grid_table(), scenario.settings.seeds)
    except LandscapeError as err:
        raise LandscapeError(f"{src}: [sweep] {err}") from None
    plan = plan_of(scenario)
    work = 0.0
    for cell in plan.cells():
        task = plan.task(cell, 0)
        where = f"{src}: [sweep] cell " + ", ".join(f"{k} = {v}" for k, v in cell.items())
        land = build(scenario.family, task["params"], where=where)
        require(not (scenario.domain is not None and land.manifold != "euclidean"),
                f"{src}: [critical] domain: {land.name} lives on a {land.manifold}; leave domain out")
        if scenario.domain is not None:
            from ..critical import check_domain

            try:
                check_domain(scenario.domain, land.dim)
            except LandscapeError as err:
                raise LandscapeError(f"{where}: [critical] {err}") from None
        try:
            check_search_budget(land, task["starts"])
        except LandscapeError as err:
            raise LandscapeError(f"{where}: {err}") from None
        work += plan.seeds * task["starts"] * _start_work(land)
    # each search is held to the engine's bounds above; the whole sweep only to the hard bound,
    # since it is meant to outgrow one machine (the worst-case estimate is also ~10x what the
    # searches spend: they stop once their count is stable)
    from ..budget import WORK_HARD

    if work > WORK_HARD:
        need_work(work, f"{src}: the sweep's {len(plan.cells()) * plan.seeds} searches",
                  "lower seeds, the grid or [critical] starts")


def _check_study(scenario) -> None:
    """A study sweep: the grid against its landscapes' families; each cell's scenario checked."""
    from ..scenario import load, resolve
    from ..sweep import check_grid, study_scenario

    src, cfg = scenario.source, scenario.settings
    base = load(resolve(cfg.study))
    families = tuple(f for f, _ in (base.landscapes or ((base.family, base.landscape_params),)))
    try:
        check_grid(base.family, cfg.grid_table(), cfg.seeds, families=families)
    except LandscapeError as err:
        raise LandscapeError(f"{src}: [sweep] {err}") from None
    plan = plan_of(scenario)
    for cell in plan.cells():
        try:
            study_scenario(plan.task(cell, 0))
        except LandscapeError as err:
            label = ", ".join(f"{k} = {v}" for k, v in cell.items())
            raise LandscapeError(f"{src}: [sweep] cell {label}: {err}") from None


@dataclass(frozen=True, eq=False)
class SweepResult:
    """The scenario and its ``sweep.SweepRun``."""

    scenario: object
    run: object

    def to_dict(self) -> dict:
        from ..sweep import starts_for

        run, plan = self.run, self.run.plan
        task_results = [{"params": t["cell"], "seed_index": t["seed_index"], "seed": t["seed"], **r["result"]}
                        for t, r in zip(run.tasks, run.records) if r is not None]
        if plan.study is not None:
            from ..scenario import load, resolve

            failures = [{"params": run.tasks[i]["cell"], "seed_index": run.tasks[i]["seed_index"], "error": e}
                        for i, e in run.failures]
            has_theory = any(v is not None for c in run.cells for v in c["theory"].values())
            return {**header(self.scenario),
                    "settings": {"grid": self.scenario.settings.grid_table(), "seeds": plan.seeds},
                    "theory": "the study's own predictions" if has_theory else None,
                    "base": {"study": plan.study, "kind": load(resolve(plan.study)).kind},
                    "cells": list(run.cells), "tasks": {**run.counts, "failures": failures},
                    "task_results": task_results, "starts_for_99": []}
        failures = [{"params": run.tasks[i]["cell"], "seed_index": run.tasks[i]["seed_index"], "error": e}
                    for i, e in run.failures]
        from ..sweep import THEORY_NAMES

        has_theory = any(c["theory"].get("total") is not None for c in run.cells)
        return {**header(self.scenario),
                "settings": {"grid": self.scenario.settings.grid_table(), "seeds": plan.seeds},
                "theory": THEORY_NAMES.get(plan.family, "the family's") if has_theory else None,
                "base": {"family": plan.family, "landscape": plan.params, "starts": plan.starts,
                         "domain": plan.domain},
                "cells": list(run.cells), "tasks": {**run.counts, "failures": failures},
                "task_results": task_results, "starts_for_99": starts_for(list(run.cells))}


def run(scenario, settings, progress=None) -> SweepResult:
    """Every task of the sweep on ``scenario.jobs`` processes or ``scenario.scheduler``'s
    cluster, stored in ``scenario.store`` (when set) as each finishes."""
    from pathlib import Path

    from ..outdir import MARKER
    from ..parallel import open_backend
    from ..sweep import TaskStore, execute

    store = None
    if scenario.store is not None:
        folder = Path(scenario.store)
        store = TaskStore(folder / "tasks", marker=folder / MARKER)
    with open_backend(scenario.jobs, scenario.scheduler) as backend:
        return SweepResult(scenario, execute(plan_of(scenario), backend, store, progress))


def files(result) -> list[tuple[str, str]]:
    """cells.csv (one row per cell: params, seeds, means and theory), tasks.csv (one row per
    task), and every task's record under tasks/, as the store keeps them."""
    from ..sweep import TaskStore, canonical

    data = result.to_dict()
    names = list(data["settings"]["grid"])
    if "study" in data["base"]:
        return _study_files(result, data, names)
    keys = ("total", "minima", "saddles", "maxima", "found_fraction", "complete")
    rows = [",".join(names + ["seeds"] + [f"{k}_{w}" for k in keys for w in ("mean", "se", "theory", "z")])]
    for c in data["cells"]:
        vals = [json.dumps(c["params"][n]) for n in names] + [str(c["seeds"])]
        for k in keys:
            vals += ["" if c[w].get(k) is None else repr(c[w][k]) for w in ("mean", "se", "theory", "z")]
        rows.append(",".join(v.replace(",", ";") for v in vals))
    cells_csv = "\n".join(rows) + "\n"
    trows = [",".join(names + ["seed_index", "seed", "total", "minima", "saddles", "maxima", "degenerate",
                               "estimated_total", "complete", "stop_reason", "starts", "neighbour_starts",
                               "found_by_neighbours", "newton_steps", "by_index"])]
    for t in data["task_results"]:
        vals = [json.dumps(t["params"][n]) for n in names] + [str(t[k]) for k in (
            "seed_index", "seed", "total", "minima", "saddles", "maxima", "degenerate")]
        vals += ["" if t["estimated_total"] is None else repr(t["estimated_total"]), str(t["complete"]),
                 t["stop_reason"], str(t["starts"]), str(t["neighbour_starts"]), str(t["found_by_neighbours"]),
                 str(t["newton_steps"]), " ".join(map(str, t["by_index"]))]
        trows.append(",".join(v.replace(",", ";") for v in vals))
    store = TaskStore("tasks")
    out = [("cells.csv", cells_csv), ("tasks.csv", "\n".join(trows) + "\n")]
    out += [(f"tasks/{store.path(r['task']).name}", canonical(r) + "\n") for r in result.run.records if r is not None]
    out += [(f"tasks/{name}", text) for name, text in result.run.others]  # a fuller sweep's, kept
    return out


def _study_keys(data: dict, limit: int | None = None) -> list[str]:
    keys: dict = {}
    for c in data["cells"]:
        for k in c["mean"]:
            keys.setdefault(k, None)
    return list(keys)[:limit]


def _study_files(result, data: dict, names: list[str]) -> list[tuple[str, str]]:
    """A study sweep's cells.csv (mean and se of each number per cell), tasks.csv (each task's
    numbers) and the task records."""
    from ..sweep import TaskStore, canonical

    keys = _study_keys(data)

    def cell(v):
        return "" if v is None else repr(v)

    rows = [",".join(names + ["seeds"] + [f"{k}_{w}" for k in keys for w in ("mean", "se")])]
    for c in data["cells"]:
        rows.append(",".join([json.dumps(c["params"][n]).replace(",", ";") for n in names] + [str(c["seeds"])]
                             + [cell(c[w].get(k)) for k in keys for w in ("mean", "se")]))
    trows = [",".join(names + ["seed_index", "seed"] + keys)]
    for t in data["task_results"]:
        trows.append(",".join([json.dumps(t["params"][n]).replace(",", ";") for n in names]
                              + [str(t["seed_index"]), str(t["seed"])] + [cell(t["numbers"].get(k)) for k in keys]))
    store = TaskStore("tasks")
    return ([("cells.csv", "\n".join(rows) + "\n"), ("tasks.csv", "\n".join(trows) + "\n")]
            + [(f"tasks/{store.path(r['task']).name}", canonical(r) + "\n") for r in result.run.records if r is not None]
            + [(f"tasks/{name}", text) for name, text in result.run.others])


def _study_tables(data: dict, markdown: bool) -> list[str]:
    from ..tables import figure_lines, grid

    head = "# " if markdown else ""
    names = list(data["settings"]["grid"])
    t = data["tasks"]
    lines = [f"{head}{data['scenario']}: a sweep of the {data['base']['kind']} study {data['base']['study']}", "",
             *([data["description"], ""] if data["description"] else []),
             f"Over {', '.join(f'{n} = {v}' for n, v in data['settings']['grid'].items())}; "
             f"{data['settings']['seeds']} seeds per cell, each the scenario's seed and its landscapes'. "
             f"{t['total']} tasks: {t['done']} run now, {t['skipped']} already done, {t['failed']} failed, "
             f"{t['retried']} retried. Each number the study reports (its results.json, lists of up to 16 "
             "entries by position), mean ± standard error over the seeds; [prediction; z] where the study "
             "reports its own prediction beside it.", ""]
    keys = _study_keys(data, 60)
    header = ["number"] + [", ".join(f"{n} = {c['params'][n]}" for n in names) for c in data["cells"]]
    rows = []
    for k in keys:
        row = [k]
        for c in data["cells"]:
            text = _pm(c["mean"].get(k), c["se"].get(k))
            if c["theory"].get(k) is not None:
                text += f" [{c['theory'][k]:.4g}; {_pm(c['z'].get(k), None, '.2f')}]"
            row.append(text)
        rows.append(row)
    lines += grid(header, rows, markdown)
    if len(_study_keys(data)) > len(keys):
        lines += ["", f"... and {len(_study_keys(data)) - len(keys)} more numbers in cells.csv"]
    return lines + figure_lines(data, markdown)


def _pm(mean, se, spec=".4g") -> str:
    if mean is None:
        return "—"
    return f"{mean:{spec}}" + (f" ± {se:.2g}" if se is not None else "")


def tables(data: dict, markdown: bool = False) -> list[str]:
    """A headline, then one row per cell: the means of total and minima with their standard
    errors, the theory and the z-scores; then each cell's counts by index against theory."""
    from ..tables import figure_lines, grid

    if "study" in data["base"]:
        return _study_tables(data, markdown)
    head = "# " if markdown else ""
    names = list(data["settings"]["grid"])
    t = data["tasks"]
    base = data["base"]
    fixed = ", ".join(f"{k} = {v}" for k, v in base["landscape"].items() if k != "seed")
    lines = [f"{head}{data['scenario']}: a sweep of {base['family']}", "",
             *([data["description"], ""] if data["description"] else []),
             f"{base['family']}{' (' + fixed + ')' if fixed else ''}, {base['starts']} starts per search, over "
             f"{', '.join(f'{n} = {v}' for n, v in data['settings']['grid'].items())}; {data['settings']['seeds']} "
             f"seeds per cell, each the coupling draw and the search's seed. {t['total']} tasks: {t['done']} run "
             f"now, {t['skipped']} already done, {t['failed']} failed, {t['retried']} retried. Theory: "
             f"{data['theory'] or 'none for this family'}; z = (mean - theory) / combined standard error.", ""]
    header = names + ["seeds", "total (mean ± se)", "theory", "z", "minima (mean ± se)", "theory", "z",
                      "found / expected", "complete"]
    rows = []
    for c in data["cells"]:
        m, s, th, z = c["mean"], c["se"], c["theory"], c["z"]
        rows.append([str(c["params"][n]) for n in names] + [
            str(c["seeds"]), _pm(m["total"], s["total"]), _pm(th.get("total"), None), _pm(z.get("total"), None, ".2f"),
            _pm(m["minima"], s["minima"]), _pm(th.get("minima"), None), _pm(z.get("minima"), None, ".2f"),
            _pm(m["found_fraction"], s["found_fraction"], ".3f"), _pm(m["complete"], None, ".2f")])
    lines += grid(header, rows, markdown)
    for c in data["cells"]:
        if c["theory"].get("by_index") is None or c["mean"]["by_index"] is None:
            continue
        label = ", ".join(f"{n} = {c['params'][n]}" for n in names)
        lines += ["", f"## By index, {label}" if markdown else f"By index, {label}:", ""]
        rows = [[str(k), _pm(m, s), _pm(th, None), _pm(z, None, ".2f")]
                for k, (m, s, th, z) in enumerate(zip(c["mean"]["by_index"], c["se"]["by_index"],
                                                      c["theory"]["by_index"], c["z"]["by_index"]))]
        lines += grid(["index k", "mean ± se", "theory", "z"], rows, markdown)
    if data["starts_for_99"]:
        lines.append("")
    for row in data["starts_for_99"]:
        label = ", ".join(f"{k} = {v}" for k, v in row["params"].items()) or "every cell"
        alone = row.get("starts_random_alone")
        lines.append(f"Starts for 99% of the expected points ({label}): "
                     + (f"{row['starts']} random ({row['starts_used']:.0f} with the neighbour starts)"
                        if row["starts"] is not None else "more than the grid has")
                     + f"; random starts alone: {alone if alone is not None else 'more than the grid has'}")
    if data["tasks"]["failures"]:
        lines += ["", f"{len(data['tasks']['failures'])} tasks failed (rerun the same command to retry them): "
                  + "; ".join(f"{f['params']} seed {f['seed_index']}: {f['error']}" for f in data["tasks"]["failures"][:3])]
    return lines + figure_lines(data, markdown)


FIGURES = figures.FIGURES
SMOKE = Smoke(settings={"seeds": 2}, critical_starts=128)


def can_draw(name: str, result) -> bool:
    return figures.can_draw(name, result)
