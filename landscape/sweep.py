"""Sweeps: a critical-point search repeated over a grid of parameters and independent seeds.

A sweep is ``cells x seeds`` tasks. A cell is one point of the grid (``dim = [3, 4]``,
``p = [3, 4]``: the product, the last key varying fastest); task ``(cell, s)`` draws
its landscape and its starts from one seed,

    seed_s = SeedSequence(sweep seed, spawn_key = (word("sweep"), s)).generate_state(1)[0],

used as the family's ``seed`` (its coupling draw) and as the search's seed. The seed
depends on ``s`` alone, so cells that differ only in the search (``starts``) see the
same landscapes, and adding a cell or a seed changes no other task.

``run_task`` is pure: a task is plain data and its record depends on nothing else, so
any worker gives the same record. ``TaskStore`` keeps each finished record as one
JSON file, written atomically; a rerun reads back the records whose task matches
exactly (parameters, seed and base search), so only missing tasks run again.
``summarise`` turns the records of a cell into means, standard errors, bootstrap
intervals, the family's theory (exact or Kac-Rice) and z-scores, in task order.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import LandscapeError

SEARCH_KEYS = ("starts",)
"""Grid keys that set the search rather than the landscape."""

MAX_TASKS = 100_000
"""The most tasks one sweep may have (each is a record in results.json)."""

BOOTSTRAP = 2000
"""Resamples of the seeds for the bootstrap intervals of a cell's means."""

METRICS = ("total", "minima", "saddles", "maxima", "degenerate", "by_index", "value_by_index",
           "found_fraction", "found_fraction_random", "complete", "estimated_total", "newton_steps", "starts_used",
           "found_by_neighbours")
"""The numbers a cell summarises (the keys of ``mean``, ``se``, ``theory`` and ``z``)."""


def task_seed(seed: int, s: int) -> int:
    """The seed of task s of every cell (a 32-bit integer; see the module docstring)."""
    from .seeds import child

    return int(child(seed, "sweep", s).generate_state(1)[0])


@dataclass(frozen=True)
class Plan:
    """What a sweep runs: the base search, the grid and the seeds per cell.

    family, params: the base landscape (its ``seed`` is replaced by each task's);
    starts, domain: the base search; grid: ((name, values), ...) in file order;
    seeds: tasks per cell; seed: the sweep's seed.
    """

    family: str
    params: dict
    starts: int
    domain: tuple | None
    grid: tuple
    seeds: int
    seed: int = 0
    study: str | None = None
    """A scenario (a built-in name or a file) whose study each task runs instead of a search."""

    def cells(self) -> list[dict]:
        """Every grid point as {name: value}, the last key varying fastest."""
        names = [name for name, _ in self.grid]
        return [dict(zip(names, values)) for values in itertools.product(*(v for _, v in self.grid))]

    def task(self, cell: dict, s: int) -> dict:
        """The plain-data task (cell, s): everything ``run_task`` needs, nothing else."""
        if self.study is not None:
            return study_task(self.study, cell, s, self.seed)
        params = {**self.params, **{k: v for k, v in cell.items() if k not in SEARCH_KEYS}}
        seed = task_seed(self.seed, s)
        if _has_seed(self.family):
            params["seed"] = seed
        return {"family": self.family, "params": params, "cell": cell, "seed_index": s, "seed": seed,
                "starts": int(cell.get("starts", self.starts)),
                "domain": [list(iv) for iv in self.domain] if self.domain is not None else None}

    def tasks(self) -> list[dict]:
        """Cell by cell, seed by seed: the task order every result is merged in."""
        return [self.task(cell, s) for cell in self.cells() for s in range(self.seeds)]

    def landscape(self, cell: dict, s: int = 0):
        from .families import build

        return build(self.family, self.task(cell, s)["params"])


def _has_seed(family: str) -> bool:
    import dataclasses

    from .families import LANDSCAPES

    return "seed" in {f.name for f in dataclasses.fields(LANDSCAPES[family])}


def check_grid(family: str, grid, seeds, families: tuple | None = None) -> tuple:
    """The grid as ((name, values), ...), checked: each name a parameter of the family or a
    search key, each list non-empty with distinct values; seeds a positive integer."""
    import dataclasses

    from .families import LANDSCAPES

    if isinstance(seeds, bool) or not isinstance(seeds, int) or seeds < 1:
        raise LandscapeError(f"seeds: expected a positive integer (draws per cell), got {seeds!r}")
    if not isinstance(grid, dict) or not grid:
        raise LandscapeError("grid: expected a table of parameter lists, e.g. grid = { dim = [3, 4] }")
    # a search's grid: its family's parameters and the search's; a study's: those of any of its
    # landscapes' families and the study's own (STUDY_KEYS)
    fields = set().union(*({f.name for f in dataclasses.fields(LANDSCAPES[f])} for f in (families or (family,))))
    extra = STUDY_KEYS if families else SEARCH_KEYS
    out = []
    for name, values in grid.items():
        if name == "seed":
            raise LandscapeError("grid: seed is not a grid parameter; seeds = N draws N seeds per cell")
        if name not in fields and name not in extra:
            known = ", ".join(sorted(fields - {"seed"}) + list(extra))
            what = " and ".join(dict.fromkeys(families)) if families else family
            raise LandscapeError(f"grid: unknown parameter {name!r} for {what} (parameters: {known})")
        if not isinstance(values, list) or not values:
            raise LandscapeError(f"grid: {name}: expected a non-empty list of values, got {values!r}")
        if name in SEARCH_KEYS + STUDY_KEYS and any(isinstance(v, bool) or not isinstance(v, int) or v < 1
                                                    for v in values):
            raise LandscapeError(f"grid: {name}: expected positive integers, got {values!r}")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise LandscapeError(f"grid: {name}: a value is repeated in {values!r}")
        out.append((name, tuple(values)))
    cells = math.prod(len(v) for _, v in out)
    if cells * seeds > MAX_TASKS:
        raise LandscapeError(f"the sweep has {cells} cells x {seeds} seeds = {cells * seeds} tasks; at most "
                             f"{MAX_TASKS} (each is a record in results.json)")
    return tuple(out)


def run_task(task: dict) -> dict:
    """The record of one task: the task itself and what its search found.

    result: total, minima, saddles, maxima, degenerate; by_index (counts of index
    k = 0..m, m the landscape's dimension, on a sphere N - 1); value_by_index (the mean
    value of the index-k points, None where there are none); estimated_total (Chao1);
    complete (1 when the count equals the estimate and the Morse sum holds where it is
    known, else 0); stop_reason, starts, newton_steps.
    """
    from .critical import find_critical_points
    from .families import build

    land = build(task["family"], task["params"])
    domain = [tuple(iv) for iv in task["domain"]] if task["domain"] is not None else None
    found = find_critical_points(land, domain, starts=task["starts"], seed=task["seed"])
    m = land.tangent_dim
    by_index = [0] * (m + 1)
    sums = [0.0] * (m + 1)
    for p in found.points:
        if p.kind != "degenerate":
            by_index[p.index] += 1
            sums[p.index] += float(p.value)
    total = len(found.points)
    estimate = found.estimated_total
    complete = (estimate is not None and round(estimate) == total and found.morse.holds is not False
                and total > 0)
    counts = found.counts
    return {"task": task, "result": {
        "total": total, "minima": counts["minimum"], "saddles": counts["saddle"], "maxima": counts["maximum"],
        "degenerate": counts["degenerate"], "by_index": by_index,
        "value_by_index": [sums[k] / by_index[k] if by_index[k] else None for k in range(m + 1)],
        "estimated_total": None if estimate is None else float(estimate), "complete": int(complete),
        "morse_holds": found.morse.holds, "stop_reason": found.saturation.stop_reason,
        "starts": found.starts, "neighbour_starts": found.neighbour_starts,
        "found_by_neighbours": found.found_by_neighbours, "newton_steps": found.newton_steps}}


def canonical(obj) -> str:
    """JSON with sorted keys and no spaces: the same text for the same data on any machine."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)


class TaskStore:
    """Finished task records, one JSON file each in ``folder``.

    A record's file name is a hash of its task; a file counts as the task's only when
    the task it holds equals the task asked for (parameters, seed, search), so a
    renamed, stale or foreign file is never taken for a result. Files are written to a
    temporary name and renamed into place, so a record is whole or absent.
    """

    def __init__(self, folder, marker=None):
        self.folder = Path(folder)
        self.marker = Path(marker) if marker is not None else None

    def path(self, task: dict) -> Path:
        digest = hashlib.blake2b(canonical(task).encode("utf-8"), digest_size=10).hexdigest()
        return self.folder / f"task-{digest}.json"

    def load(self, task: dict) -> dict | None:
        try:
            record = json.loads(self.path(task).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("task") != task or not isinstance(record.get("result"), dict):
            return None
        return record

    def save(self, record: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.marker is not None and not self.marker.exists():  # the folder is a result folder from now on
            from .outdir import MARKER_TEXT

            self.marker.write_text(MARKER_TEXT, encoding="utf-8")
        path = self.path(record["task"])
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(canonical(record) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()


def _stats(values) -> tuple:
    """(mean, standard error) of a list of numbers (None entries dropped); se None below 2."""
    x = np.array([v for v in values if v is not None], dtype=float)
    if x.size == 0:
        return None, None
    mean = float(x.mean())
    return mean, (float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else None)


def _vector_stats(rows) -> tuple:
    """Per-position (mean, se) of equal-length lists whose entries may be None."""
    if not rows:
        return [], []
    pairs = [_stats([r[k] for r in rows]) for k in range(len(rows[0]))]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _z(mean, se, theory, theory_se):
    """(mean - theory) / sqrt(se^2 + theory_se^2); 0 when both agree exactly with no error;
    None when it is undefined (no theory, or no error and a difference)."""
    if mean is None or theory is None or (isinstance(theory, float) and not math.isfinite(theory)):
        return None
    spread = math.hypot(se or 0.0, theory_se or 0.0)
    if spread == 0:
        return 0.0 if abs(mean - theory) <= 1e-12 * max(1.0, abs(theory)) else None
    return (mean - theory) / spread


def bootstrap_interval(values, rng, level: float = 0.95) -> tuple | None:
    """The percentile bootstrap interval of the mean of ``values`` (BOOTSTRAP resamples)."""
    x = np.asarray([v for v in values if v is not None], dtype=float)
    if x.size < 2:
        return None
    means = x[rng.integers(0, x.size, size=(BOOTSTRAP, x.size))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


THEORY_NAMES = {"pspin": "Kac-Rice", "separable": "exact", "random-quadratic": "GOE, exact"}
"""What each family's theory is, for the tables and figures."""


def theory_of(land) -> dict:
    """The family's expectations for a cell: by_index (exact or Kac-Rice) with its standard
    errors, total, minima, maxima, and value_by_index where known; {} without theory."""
    expected = land.expected_index_counts()
    if expected is None:
        return {}
    mean, se = (np.asarray(a, dtype=float) for a in expected)
    total, total_se = land.expected_total()
    values = land.expected_index_values()
    out = {"by_index": mean.tolist(), "total": total, "minima": float(mean[0]), "maxima": float(mean[-1]),
           "saddles": float(mean[1:-1].sum()), "found_fraction": 1.0, "found_fraction_random": 1.0}
    out_se = {"by_index": se.tolist(), "total": total_se, "minima": float(se[0]), "maxima": float(se[-1]),
              "saddles": float(np.sqrt(np.sum(se[1:-1] ** 2))), "found_fraction": 0.0, "found_fraction_random": 0.0}
    if values is not None:
        out["value_by_index"] = [None if not np.isfinite(v) else float(v) for v in np.asarray(values, dtype=float)]
    return {"mean": out, "se": out_se}


def summarise(plan: Plan, cell: dict, records: list[dict], theory: dict) -> dict:
    """One cell's entry of results.json: params, seeds, mean, se, ci, theory, z."""
    from .seeds import stream

    results = [r["result"] for r in records]
    mean, se = {}, {}
    expected_total = theory.get("mean", {}).get("total")
    for key in ("total", "minima", "saddles", "maxima", "degenerate", "complete", "estimated_total", "newton_steps",
                "found_by_neighbours"):
        mean[key], se[key] = _stats([r[key] for r in results])
    mean["starts_used"], se["starts_used"] = _stats([r["starts"] + r["neighbour_starts"] for r in results])
    if expected_total:  # all found, and those the random starts found before the neighbour starts
        mean["found_fraction"], se["found_fraction"] = _stats([r["total"] / expected_total for r in results])
        mean["found_fraction_random"], se["found_fraction_random"] = _stats(
            [(r["total"] - r["found_by_neighbours"]) / expected_total for r in results])
    else:
        for key in ("found_fraction", "found_fraction_random"):
            mean[key], se[key] = None, None
    for key in ("by_index", "value_by_index"):
        mean[key], se[key] = _vector_stats([r[key] for r in results])
    rng = stream(plan.seed, "sweep", "bootstrap", canonical(cell))
    ci = {key: bootstrap_interval([r[key] for r in results], rng) for key in ("total", "minima")}
    t_mean, t_se = theory.get("mean", {}), theory.get("se", {})
    th = {key: t_mean.get(key) for key in METRICS}
    z = {}
    for key in METRICS:
        m, s, t = mean.get(key), se.get(key), t_mean.get(key)
        if isinstance(t, list):
            ts = t_se.get(key) or [0.0] * len(t)
            z[key] = [_z(a, b, c, d) for a, b, c, d in zip(m or [None] * len(t), s or [None] * len(t), t, ts)]
        else:
            z[key] = _z(m, s, t, t_se.get(key))
    return {"params": cell, "seeds": len(records), "mean": mean, "se": se, "ci": ci, "theory": th, "z": z}


def starts_for(cells: list[dict], fraction: float = 0.99) -> list[dict]:
    """For a grid with ``starts``: per combination of the other parameters, the fewest
    starts whose mean found fraction reaches ``fraction`` (None when none does), the mean
    starts that cell actually used (random and neighbour starts together), and the fewest
    random starts that reach it without the neighbour starts."""
    if not cells or "starts" not in cells[0]["params"]:
        return []
    groups: dict = {}
    for c in cells:
        key = canonical({k: v for k, v in c["params"].items() if k != "starts"})
        groups.setdefault(key, []).append(c)
    out = []
    for key, group in groups.items():
        enough = sorted(c["params"]["starts"] for c in group
                        if c["mean"]["found_fraction"] is not None and c["mean"]["found_fraction"] >= fraction)
        first = next(c for c in group if c["params"]["starts"] == enough[0]) if enough else None
        alone = sorted(c["params"]["starts"] for c in group if (c["mean"].get("found_fraction_random") or 0) >= fraction)
        out.append({"params": json.loads(key), "fraction": fraction, "starts": enough[0] if enough else None,
                    "starts_used": first["mean"]["starts_used"] if first else None,
                    "starts_random_alone": alone[0] if alone else None})
    return out


@dataclass(frozen=True, eq=False)
class SweepRun:
    """A finished sweep: the plan, each task's record in task order (None where it failed),
    the failures [(task number, error)], each cell's summary, and the run's task counts
    (total, done here, skipped as already finished, failed, retried)."""

    plan: Plan
    tasks: tuple
    records: tuple
    failures: tuple
    cells: tuple
    counts: dict
    others: tuple = ()
    """(file name, text) of the records in the store that this plan does not ask for (a full
    sweep's, kept when --seeds looks at fewer draws): carried into the new folder untouched."""


def execute(plan: Plan, backend=None, store: TaskStore | None = None, progress=None) -> SweepRun:
    """Run every task of ``plan`` that ``store`` does not already hold, on ``backend``.

    Each record is saved the moment its task finishes (completion order); the cells are
    summarised from the records in task order, so the result is the same for any backend,
    any number of workers and any split between this run and earlier ones.
    ``progress(label, total)`` opens the bar (it may carry ``note(text)`` for retries).
    """
    from .parallel import InProcess, TaskFailed

    backend = backend or InProcess()
    tasks = plan.tasks()
    records: list = [store.load(t) if store is not None else None for t in tasks]
    skipped = sum(r is not None for r in records)
    todo = [i for i, r in enumerate(records) if r is None]
    note = getattr(progress, "note", None)
    update = None
    if progress is not None and todo:
        label = f"sweep: {len(todo)} tasks" + (f" ({skipped} already done)" if skipped else "")
        update = progress(label, len(todo))
    retried = 0
    failures = []

    def on_retry(j: int, why: str) -> None:
        nonlocal retried
        retried += 1
        if note is not None:
            note(f"task {_describe(tasks[todo[j]])}: {why}; running it again")

    fn = run_study_task if plan.study is not None else run_task
    for j, record in backend.run(fn, [tasks[i] for i in todo], on_retry):
        i = todo[j]
        if isinstance(record, TaskFailed):
            failures.append((i, str(record)))
            if note is not None:
                note(f"task {_describe(tasks[i])} failed: {record}")
        else:
            record = json.loads(canonical(record))  # as a stored one reads back: keys sorted, the same bytes
            records[i] = record
            if store is not None:
                store.save(record)
        if update is not None:
            update(1)
    failures.sort()
    cells = []
    for c, cell in enumerate(plan.cells()):
        mine = [r for r in records[c * plan.seeds:(c + 1) * plan.seeds] if r is not None]
        cells.append(summarise_study(cell, mine) if plan.study is not None
                     else summarise(plan, cell, mine, theory_of(plan.landscape(cell))))
    counts = {"total": len(tasks), "done": len(todo) - len(failures), "skipped": skipped,
              "failed": len(failures), "retried": retried}
    others = ()
    if store is not None and store.folder.is_dir():
        mine = {store.path(t).name for t in tasks}
        others = tuple((p.name, p.read_text(encoding="utf-8")) for p in sorted(store.folder.glob("task-*.json"))
                       if p.name not in mine)
    return SweepRun(plan=plan, tasks=tuple(tasks), records=tuple(records), failures=tuple(failures),
                    cells=tuple(cells), counts=counts, others=others)


def _describe(task: dict) -> str:
    cell = ", ".join(f"{k}={v}" for k, v in task["cell"].items())
    return f"({cell}; seed {task['seed_index']})"


# --- sweeps of a study: any scenario kind, averaged over seeds ------------------------------

HEADER_KEYS = ("schema_version", "scenario", "description", "kind", "seed", "versions", "figures", "settings")
"""Top-level keys of a study's results that are not its numbers."""

MAX_LIST = 16
"""Lists up to this long are averaged entry by entry; longer ones (curves, point lists) are left out."""

MAX_NUMBERS = 2000
"""The most numbers one task of a study sweep keeps (in the order its results.json has them)."""

STUDY_KEYS = ("steps",)
"""Grid keys that set the study's scenario rather than its landscapes."""


def flatten(data, prefix: str = "") -> dict:
    """The numbers of a JSON-ready result as {"a/b/0/c": value}: every int or float (not
    bool) under dicts, and under lists of at most MAX_LIST entries; None entries are kept
    (a step that never came), strings and longer lists are not."""
    out: dict = {}

    def walk(x, path):
        if len(out) >= MAX_NUMBERS:
            return
        if isinstance(x, dict):
            for k, v in x.items():
                if not path and k in HEADER_KEYS:
                    continue
                walk(v, f"{path}/{k}" if path else str(k))
        elif isinstance(x, list):
            if len(x) <= MAX_LIST:
                for i, v in enumerate(x):
                    walk(v, f"{path}/{i}")
        elif x is None or (isinstance(x, (int, float)) and not isinstance(x, bool)):
            out[path] = x
    walk(data, prefix)
    return out


def study_task(study: str, cell: dict, s: int, seed: int) -> dict:
    return {"study": study, "cell": cell, "seed_index": s, "seed": task_seed(seed, s)}


def study_scenario(task: dict):
    """The base scenario of a study task with the cell and the task's seed applied (checked)."""
    import dataclasses

    from .families import LANDSCAPES
    from .scenario import check_kind, load, resolve

    base = load(resolve(task["study"]))
    cell, seed = task["cell"], task["seed"]
    tables = []
    for family, params in base.landscapes or ((base.family, base.landscape_params),):
        fields = {f.name for f in dataclasses.fields(LANDSCAPES[family])}
        new = {**params, **{k: v for k, v in cell.items() if k in fields}}
        if "seed" in fields:
            new["seed"] = seed
        tables.append((family, new))
    changes = {"landscapes": tuple(tables), "family": tables[0][0], "landscape_params": tables[0][1], "seed": seed}
    if "steps" in cell:
        changes["steps"] = int(cell["steps"])
    scenario = dataclasses.replace(base, **changes)
    check_kind(scenario, scenario.build_landscapes())
    return scenario


def run_study_task(task: dict) -> dict:
    """The record of one task of a study sweep: the numbers of the study's results (``flatten``)."""
    from .report import to_jsonable
    from .studies import STUDIES

    scenario = study_scenario(task)
    result = STUDIES[scenario.kind].run(scenario, scenario.settings, None)
    return {"task": task, "result": {"numbers": flatten(to_jsonable(result.to_dict()))}}


def partner(path: str, keys) -> str | None:
    """The prediction a measured number is compared with: the same path with ``measured``
    turned into ``predicted`` in its last name, or ``predicted_`` before it."""
    head, _, last = path.rpartition("/")
    for name in (last.replace("measured", "predicted"), f"predicted_{last}"):
        candidate = f"{head}/{name}" if head else name
        if name != last and candidate in keys:
            return candidate
    return None


def summarise_study(cell: dict, records: list[dict]) -> dict:
    """One cell of a study sweep: mean and se of every number the study reports (over the
    draws that have it), and, where the study reports its prediction beside a measurement
    (``partner``), that prediction as the theory with the z-score of the difference."""
    keys: dict = {}
    for r in records:
        for k in r["result"]["numbers"]:
            keys.setdefault(k, None)
    mean, se = {}, {}
    for k in keys:
        mean[k], se[k] = _stats([r["result"]["numbers"].get(k) for r in records])
    theory, z = {}, {}
    for k in keys:
        p = partner(k, keys)
        theory[k] = mean[p] if p is not None else None
        z[k] = _z(mean[k], se[k], theory[k], se[p] if p is not None else None) if p is not None else None
    return {"params": cell, "seeds": len(records), "mean": mean, "se": se, "ci": {}, "theory": theory, "z": z}
