"""The critical-point engine: search, deduplication, classification, completeness.

Batches of starts run the batched damped Newton solver (newton.py) on
grad f = 0, which finds critical points of every index. Converged points are
merged within a distance tolerance (neighbours.py), joined with their images
under the landscape's symmetries, and classified by the spectrum module.
Completeness is measured, not hoped for: after each batch the total is
estimated from how often each point was re-found (Chao1), the search stops
when that estimate is stable, and every count carries the Morse check
sum_k (-1)^k c_k against the value the topology fixes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .budget import max_jobs, need_memory, need_work
from .errors import LandscapeError
from .schema import SCHEMA_VERSION
from .spectrum import RTOL, classify_eigenvalues, spectrum
from .threads import blas_single_threaded


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """One critical point: coordinates, value, Hessian spectrum and classification."""

    x: np.ndarray
    value: float
    eigenvalues: np.ndarray
    index: int
    kind: str
    grad_norm: float
    hits: int = 1

    def to_dict(self) -> dict:
        return {"x": self.x, "value": self.value, "eigenvalues": self.eigenvalues,
                "index": self.index, "kind": self.kind, "grad_norm": self.grad_norm,
                "hits": self.hits}


@dataclass(frozen=True, eq=False)
class CriticalSet:
    """The distinct critical points found in a domain, sorted by value.

    ``manifolds`` groups the degenerate points that lie on manifolds of critical
    points (``manifolds.Manifold``); when there are any, the critical set is
    infinite and ``estimated_total`` (Chao1) is None. ``newton_steps`` is the
    work spent (Newton iterations summed over starts). ``neighbour_starts`` and
    ``found_by_neighbours``: the starts next to found points that a search which
    ended incomplete spent (``_neighbour_phase``), and the points they added.
    """

    points: tuple[CriticalPoint, ...]
    domain: tuple[tuple[float, float], ...]
    starts: int
    converged: int
    gtol: float
    merge_tol: float
    zero_rtol: float = RTOL
    zero_tol: float = 0.0
    saturation: Saturation | None = None
    estimated_total: float | None = float("nan")
    estimated_total_ci: tuple = (float("nan"), float("nan"))
    morse_expected: int | None = None
    newton_steps: int = 0
    max_newton_steps: int | None = None
    max_seconds: float | None = None
    manifolds: tuple = ()
    neighbour_starts: int = 0
    found_by_neighbours: int = 0
    counts: dict = field(init=False)
    by_index: list = field(init=False)
    morse: MorseCheck = field(init=False)

    def __post_init__(self):
        counts = {k: 0 for k in ("minimum", "saddle", "maximum", "degenerate")}
        m = len(self.points[0].eigenvalues) if self.points else 0
        by_index = [0] * (m + 1)
        for p in self.points:
            counts[p.kind] += 1
            if p.kind != "degenerate":
                by_index[p.index] += 1
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "by_index", by_index)
        object.__setattr__(self, "morse", MorseCheck(
            alternating_sum=sum((-1) ** k * c for k, c in enumerate(by_index)),
            expected=self.morse_expected, degenerate=counts["degenerate"]))

    def of_kind(self, kind: str) -> list[CriticalPoint]:
        return [p for p in self.points if p.kind == kind]

    def nearest(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Index of the nearest point and its distance, for a batch x (..., n)."""
        if not self.points:
            shape = np.shape(x)[:-1]
            return np.full(shape, -1), np.full(shape, np.inf)
        centres = np.array([p.x for p in self.points])
        d = np.linalg.norm(np.asarray(x)[..., None, :] - centres, axis=-1)
        return d.argmin(-1), d.min(-1)

    def to_dict(self) -> dict:
        return {"domain": self.domain, "starts": self.starts, "converged": self.converged,
                "gtol": self.gtol, "merge_tol": self.merge_tol, "zero_rtol": self.zero_rtol,
                "zero_tol": self.zero_tol, "counts": self.counts, "by_index": self.by_index,
                "estimated_total": self.estimated_total, "estimated_total_ci": self.estimated_total_ci,
                "manifolds": [m.to_dict() for m in self.manifolds],
                "newton_steps": self.newton_steps, "max_newton_steps": self.max_newton_steps,
                "max_seconds": self.max_seconds,
                "neighbour_starts": self.neighbour_starts, "found_by_neighbours": self.found_by_neighbours,
                "morse": self.morse.to_dict(),
                "saturation": self.saturation.to_dict() if self.saturation else None,
                "critical_points": [p.to_dict() for p in self.points]}


MAX_COORDINATE = 1e9
"""The largest |coordinate| a search box may reach."""


def check_domain(domain, dim: int) -> tuple[tuple[float, float], ...]:
    """Validate a box ((lo, hi), ...) with dim finite, non-empty intervals."""
    try:
        box = np.asarray(domain, dtype=float)
    except (TypeError, ValueError):
        raise LandscapeError(f"domain must be {dim} pairs lo:hi") from None
    if box.shape != (dim, 2):
        raise LandscapeError(f"domain needs {dim} intervals lo:hi, got {len(box)}")
    if not np.all(np.isfinite(box)):
        raise LandscapeError("domain bounds must be finite numbers")
    if np.abs(box).max() > MAX_COORDINATE:
        raise LandscapeError(f"domain bounds must lie within ±{MAX_COORDINATE:.0e} (beyond, the "
                             "landscape's values and derivatives overflow double precision)")
    bad = np.flatnonzero(box[:, 1] <= box[:, 0])
    if bad.size:
        i = int(bad[0])
        raise LandscapeError(
            f"domain interval {i + 1} is empty or reversed: {box[i, 0]:g}:{box[i, 1]:g}")
    return tuple((float(lo), float(hi)) for lo, hi in box)


def merge(x: np.ndarray, tol: float) -> np.ndarray:
    """Cluster labels (B,) joining points closer than tol (grid cells, neighbour pairs, components).

    Thousands of starts converge to each point, so the points are first binned
    in cells of diameter tol/2 (np.unique on the cell keys); only one point per
    cell is compared with the others (``neighbours.pairs_within``), and pairs
    within tol join cells into clusters numbered by their first cell. The work
    and memory grow with the number of distinct cells, not with the square of
    the starts per point.
    """
    from .neighbours import components, pairs_within

    if len(x) == 0:
        return np.zeros(0, dtype=int)
    cell = tol / (2 * np.sqrt(x.shape[1]))
    _, first, inverse = np.unique(np.floor(x / cell).astype(np.int64), axis=0, return_index=True,
                                  return_inverse=True)
    reps = x[first]
    return components(len(reps), pairs_within(reps, tol))[inverse.ravel()]


class _Pool:
    """The distinct points found so far, their hits and their symmetry orbits.

    New points are matched to the nearest known one within ``tol``;
    the unmatched are merged among themselves, and each new point's images
    under the landscape's symmetries join the pool (with no hits of their own)
    in the same orbit. Completeness is estimated over orbits, from hits.
    """

    def __init__(self, landscape, tol: float, rtol: float, hscale: float):
        self.landscape, self.tol, self.rtol, self.hscale = landscape, tol, rtol, hscale
        self.sign = np.zeros(0, dtype=int)  # (-1)^index, 0 when degenerate
        self.x = np.zeros((0, landscape.dim))
        self.gnorm = np.zeros(0)
        self.hits = np.zeros(0, dtype=int)
        self.orbit = np.zeros(0, dtype=int)

    def _match(self, y: np.ndarray) -> np.ndarray:
        """Index of the nearest known point within tol of each row of y, or -1."""
        from .neighbours import nearest_within

        return nearest_within(self.x, y, self.tol)

    def _append(self, x, gnorm, orbit):
        n_neg, kind, _ = classify_eigenvalues(np.linalg.eigvalsh(self.landscape.hess(x)),
                                              self.rtol, self.hscale)
        self.sign = np.concatenate([self.sign, np.where(kind == "degenerate", 0, (-1) ** n_neg)])
        self.x = np.concatenate([self.x, x])
        self.gnorm = np.concatenate([self.gnorm, gnorm])
        self.hits = np.concatenate([self.hits, np.zeros(len(x), dtype=int)])
        self.orbit = np.concatenate([self.orbit, orbit])

    def add(self, x: np.ndarray, gnorm: np.ndarray, count_hits: bool = True) -> np.ndarray:
        """Record converged points x (B, n) in start order; returns new points credited to each.

        ``count_hits=False`` for starts that were not drawn at random (the neighbour
        phase): their finds must not enter the re-find counts Chao1 reads."""
        labels = self._match(x)
        credit = np.zeros(len(x), dtype=int)
        fresh = np.flatnonzero(labels < 0)
        if fresh.size:
            sub = merge(x[fresh], self.tol)
            order = np.lexsort((gnorm[fresh], sub))  # within each cluster, smallest |g| first
            first = order[np.r_[True, sub[order][1:] != sub[order][:-1]]]
            base, n_new = len(self.x), len(first)
            orbits = (self.orbit.max() + 1 if len(self.orbit) else 0) + np.arange(n_new)
            self._append(x[fresh][first], gnorm[fresh][first], orbits)
            rank = np.empty(sub.max() + 1, dtype=int)
            rank[sub[first]] = np.arange(n_new)
            labels[fresh] = base + rank[sub]
            # the first start reaching each new point gets the credit, images included
            earliest = np.full(n_new, len(x))
            np.minimum.at(earliest, rank[sub], fresh)
            credit[earliest] += 1 + self._add_images(np.arange(base, base + n_new))
        if count_hits:
            np.add.at(self.hits, labels, 1)
        return credit

    def _add_images(self, new: np.ndarray) -> np.ndarray:
        """Add the symmetry images of the points ``new``; returns how many each added."""
        added = np.zeros(len(new), dtype=int)
        for image in self.landscape.images(self.x[new]):
            match = self._match(image)
            known = match >= 0
            for i, j in zip(new[known], match[known]):  # an image already known: join the orbits
                self.orbit[self.orbit == self.orbit[i]] = self.orbit[j]
            todo = np.flatnonzero(~known)
            if todo.size:
                g = np.linalg.norm(self.landscape.grad(image[todo]), axis=-1)
                self._append(image[todo], g, self.orbit[new[todo]])
                added[todo] += 1
        return added

    def isolated(self) -> bool:
        """At least two points and none degenerate: a degenerate point may lie on a manifold of
        critical points, where every start next to it finds another, so the neighbour phase
        would only pile up points of a continuum."""
        return len(self.x) > 1 and not np.any(self.sign == 0)

    def morse_ok(self, expected: int | None) -> bool:
        """False only when the Morse sum is known, checkable, and not yet met."""
        if expected is None or np.any(self.sign == 0):
            return True
        return int(self.sign.sum()) == expected

    def estimate(self) -> tuple[float, tuple[float, float]]:
        """Chao1 over orbits (from their hits), scaled to points by the mean orbit size."""
        from .stats import chao1

        if len(self.x) == 0:
            return 0.0, (0.0, 0.0)
        _, orbit_ids = np.unique(self.orbit, return_inverse=True)
        orbit_hits = np.bincount(orbit_ids.ravel(), weights=self.hits).astype(int)
        size = len(self.x) / len(orbit_hits)
        est, (lo, hi) = chao1(orbit_hits)
        return est * size, (lo * size, hi * size)


@dataclass(frozen=True, eq=False)
class Saturation:
    """How the count grew with the starts: the completeness evidence.

    Per batch: cumulative starts, distinct points found, and the Chao1
    estimate of the total with its 95% interval. ``curve_starts`` and
    ``curve_found`` are the distinct points found against starts used, start by
    start (thinned to at most 400 points, evenly spaced in log(starts)).
    ``stop_reason`` is "stable" (the estimate equals the count, the Morse sum is
    met, and either a batch found nothing new, ``confirmed_by`` "batch", or the
    starts next to every point found did, "neighbours"), "budget" (the starts were spent),
    "newton-steps" or "time" (a work bound stopped it; ``tables.STOP_TEXT``).
    """

    starts: tuple[int, ...]
    found: tuple[int, ...]
    estimate: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    curve_starts: np.ndarray
    curve_found: np.ndarray
    stop_reason: str
    confirmed_by: str | None = None

    def to_dict(self) -> dict:
        return {"batches": [{"starts": s, "found": f, "estimate": e, "ci": [lo, hi]}
                            for s, f, e, lo, hi in zip(self.starts, self.found, self.estimate,
                                                        self.low, self.high)],
                "curve": {"starts": self.curve_starts, "found": self.curve_found},
                "stop_reason": self.stop_reason, "confirmed_by": self.confirmed_by}


@dataclass(frozen=True)
class MorseCheck:
    """sum_k (-1)^k c_k over the nondegenerate points found, against the topology's value.

    On a coercive f in R^n the sum is 1; on the sphere S^{N-1} it is 1 + (-1)^{N-1}.
    A mismatch means points were missed (or lie outside the box). Not checked
    when a point is degenerate or the landscape's value is unknown.
    """

    alternating_sum: int
    expected: int | None
    degenerate: int

    @property
    def holds(self) -> bool | None:
        if self.expected is None or self.degenerate:
            return None
        return self.alternating_sum == self.expected

    def to_dict(self) -> dict:
        return {"alternating_sum": self.alternating_sum, "expected": self.expected,
                "degenerate": self.degenerate, "holds": self.holds}


SOLVE_CHUNK = 4096
"""Starts per batched Newton solve and per job (fewer when a start costs more, see
``solve_chunk``); each start's iteration is independent of the others, so the chunking
changes the running time and memory, never the points found."""

ITERATIONS = 40
"""Newton iterations a start typically takes, for the work estimate (the cap is newton's max_iter)."""

START_OVERHEAD = 5e4
"""Operations a start costs per iteration beyond its arithmetic (~10 us measured in low dimension:
acceptance tests, masks, deduplication), for the work estimate."""

CHUNK_BYTES = 2**28
"""Working memory of one chunk: about six n x n matrices per start (H, H^2, the LU
factors, the trial Hessian, eigenvectors) must fit in it."""


def _bytes_per_start(n: int) -> int:
    return 8 * (6 * n * n + 20 * n)


CHUNK_OPS = 5e9
"""Estimated work of one chunk (about a second), so a search on several processes reports
progress, and can stop at its budget, every second or two; a search on one process also
reports after every Newton iteration of its chunk."""

DEFAULT_WORK = 2e11
"""The default work budget of a search, in operations (~40 s at ``budget.OPS_PER_SECOND``;
the searches measured here run 1 to 2 times faster than that rate): ``default_newton_steps``
turns it into Newton steps for a landscape. 1.5e11 left random-field --dim 6 short of its
65536 starts (1735 points, Morse sum 0); this buys them all (1753 points, the sum holds)."""


def iteration_work(landscape) -> float:
    """Estimated operations of one Newton iteration of one start: the landscape's gradient and
    Hessian (its evaluation_cost), two n x n products or solves (~4 n^3) and the overhead."""
    n = landscape.dim
    return 4.0 * n**3 + sum(landscape.evaluation_cost()) + START_OVERHEAD


def _start_work(landscape) -> float:
    """Estimated operations of one start: ITERATIONS Newton iterations."""
    return ITERATIONS * iteration_work(landscape)


def default_newton_steps(landscape) -> int:
    """The Newton steps (summed over starts) that DEFAULT_WORK buys on this landscape; the same
    on every machine, so a search that stops at it stops at the same start everywhere."""
    return int(max(ITERATIONS * SOLVE_CHUNK // 64, DEFAULT_WORK // iteration_work(landscape)))


def solve_chunk(landscape) -> int:
    """Starts per chunk: SOLVE_CHUNK, or fewer so a chunk fits CHUNK_BYTES and takes about
    CHUNK_OPS at most. It depends on the landscape alone, never on the machine or the jobs."""
    by_memory = CHUNK_BYTES // _bytes_per_start(landscape.dim)
    return int(max(1, min(SOLVE_CHUNK, by_memory, CHUNK_OPS // _start_work(landscape))))


def check_search_budget(landscape, starts: int, jobs: int = 1, newton_steps: int | None = None) -> None:
    """Refuse a search whose chunks cannot fit in memory or whose Newton iterations would
    take more than the work bound: ``_start_work`` per start, or the Newton-step budget
    when that is smaller."""
    n = landscape.dim
    chunk = min(solve_chunk(landscape), starts)
    need_memory(jobs * chunk * _bytes_per_start(n), f"the critical-point search in dimension {n}",
                "lower the dimension" + (" or --jobs" if jobs > 1 else ""))
    work = starts * _start_work(landscape)
    if newton_steps is not None:
        work = min(work, (newton_steps + jobs * chunk * ITERATIONS) * iteration_work(landscape))
    need_work(work, f"a search from {starts} starts in dimension {n}",
              "lower --starts, --max-newton-steps or the dimension")


FIRST_BATCH = 1024
"""Starts in the first completeness batch; each later batch doubles, up to the cap."""

MAX_BATCH = 16384


def batch_sizes(starts: int, cap: int | None = None) -> list[int]:
    """Batch sizes spending ``starts``: 1024, 2048, 4096, ... up to ``cap`` (default 16384).

    Doubling lets a small critical set stop after a few thousand starts, while a
    batch that finds nothing new is always as large as half of all the starts
    before it, which is what makes "nothing new" convincing.
    """
    cap = cap or MAX_BATCH
    sizes, used, size = [], 0, min(FIRST_BATCH, cap)
    while used < starts:
        sizes.append(min(size, starts - used))
        used += sizes[-1]
        size = min(2 * size, cap)
    return sizes


def _solve(args):
    """One chunk of starts (module level, so worker processes can run it)."""
    from .newton import newton_solve

    landscape, x0, gtol, xtol, max_step, quantum, box, on_iteration = args
    return newton_solve(landscape, x0, gtol=gtol, xtol=xtol, max_step=max_step, quantum=quantum,
                        box=box, on_iteration=on_iteration)


@blas_single_threaded
def _solve_elsewhere(args):
    """``_solve`` on a worker this process did not start (a Dask cluster's): one BLAS thread there too."""
    return _solve(args)


@blas_single_threaded
def find_critical_points(landscape, domain=None, *, starts: int = 512, seed: int = 0,
                         rtol: float = RTOL, batch: int | None = None, jobs: int = 1,
                         max_newton_steps: int | None = None, max_seconds: float | None = None,
                         progress=None, neighbours: bool = True, executor=None) -> CriticalSet:
    """All critical points of ``landscape`` in ``domain``, with evidence of completeness.

    Up to ``starts`` starts (landscape.sample_starts: scrambled Sobol in the box,
    uniform on a sphere) are spent in batches of ``batch_sizes(starts, batch)``
    (1024, doubling up to ``batch``); batch b draws its starts from the named
    child ``seeds.child(seed, "critical", b)``. After each batch the distinct
    points are counted and their total estimated (Chao1 over symmetry orbits,
    from how often each was re-found). Once the estimate equals the count and the
    Morse sum (where the topology fixes it) is met, starts next to every point
    (``_neighbour_phase``) test the count, when they cost fewer starts than the
    next batch: if none reaches a new point the search stops (``confirmed_by``
    "neighbours"). Otherwise it stops once a batch finds nothing new with those
    two tests met ("batch"); a Morse sum not yet met means points are missing,
    so it goes on. A search that spends its starts or its Newton steps without
    meeting the tests then starts next to the points it found, which adds
    points and no hits. ``neighbours=False`` skips both uses.

    Each batch is solved in chunks of ``solve_chunk`` starts, on ``jobs``
    processes: the result is the same for any ``jobs``. Two budgets stop a search
    early, after the chunk that reaches them, in start order:
    ``max_newton_steps`` (Newton iterations summed over starts; default
    ``default_newton_steps``, about 40 s of modelled work, the same on every
    machine) and ``max_seconds`` (wall clock; machine-dependent, but the result
    is exactly that of a search with ``starts`` = the starts it used).
    ``progress(k)`` is called as k more starts finish (after every Newton
    iteration on one process, after every chunk on several). ``executor``: a
    ``concurrent.futures``-style executor to run the chunks on instead (a Dask
    cluster's, ``parallel.Dask.executor()``); its ``map`` keeps the chunk order,
    so the result is again the same; the caller owns it.

    Tolerances come from the landscape: gtol = 1e-9 x the median |grad f| over
    the first batch, merge distance = 1e-6 x the box diagonal. Every reported
    point has |grad f| <= gtol (images added by symmetry are checked too).
    Degenerate points are tested for lying on manifolds of critical points
    (``manifolds.find_manifolds``); when any does, the critical set is not
    finite and ``estimated_total`` is None; so it is when no point was found.
    """
    import time

    from .newton import quantum_for
    from .seeds import child

    if domain is not None and landscape.manifold != "euclidean":
        raise LandscapeError(f"a domain does not apply to {landscape.name}: it lives on a "
                             f"{landscape.manifold} and its starts are drawn on it")
    if domain is None:
        try:
            domain = check_domain(landscape.domain, landscape.dim)
        except LandscapeError as err:
            raise LandscapeError(f"{landscape.name}'s own search box does not fit ({err}): its critical "
                                 "points lie too far out; rescale the landscape or give a domain") from None
    else:
        domain = check_domain(domain, landscape.dim)
    for name, value in (("starts", starts), ("batch", 1 if batch is None else batch), ("jobs", jobs),
                        ("max_newton_steps", 1 if max_newton_steps is None else max_newton_steps)):
        if value < 1:
            raise LandscapeError(f"{name} must be a positive integer, got {value}")
    if max_seconds is not None and not (max_seconds > 0 and np.isfinite(max_seconds)):
        raise LandscapeError(f"max_seconds must be a positive number, got {max_seconds}")
    if max_newton_steps is None:
        max_newton_steps = default_newton_steps(landscape)
    jobs = min(jobs, max_jobs())  # more processes than cores only cost memory; results are the same
    check_search_budget(landscape, starts, jobs, max_newton_steps)
    chunk = solve_chunk(landscape)
    if progress:
        progress(0)  # the bar opens now, after every check, not after the first chunk
    started = time.monotonic()
    box = np.asarray(domain)
    diag = float(np.linalg.norm(box[:, 1] - box[:, 0]))
    quantum = quantum_for(diag)
    slack = 1e-9 * (box[:, 1] - box[:, 0])
    rows, curve, used, gtol, stop, steps = [], [], 0, None, "budget", 0
    near, tried, confirmed_by = (0, 0, 0), False, None
    own = executor is None
    solve = _solve if own else _solve_elsewhere
    if jobs > 1 or not own:
        import pickle

        try:
            pickle.dumps(landscape)
        except Exception as err:  # noqa: BLE001 - any failure to pickle means: no worker can get it
            where = f"jobs = {jobs}" if own else "the cluster"
            raise LandscapeError(f"{where}: the landscape cannot be sent to worker processes ({err}); use "
                                 "jobs = 1, or define its functions at module level") from None
    if jobs > 1 and own:
        from .parallel import process_pool

        executor = process_pool(jobs)
    finished = False
    try:
        sizes = batch_sizes(starts, batch)
        for b, size in enumerate(sizes):
            x0 = landscape.sample_starts(domain, size, child(seed, "critical", b))
            if gtol is None:
                gscale, hscale = landscape_scales(landscape, x0)
                gtol = 1e-9 * gscale
                pool = _Pool(landscape, 1e-6 * diag, rtol, hscale)
            tick = progress if (progress and not executor) else None
            tasks = [(landscape, x0[i:i + chunk], gtol, 1e-10 * diag, 0.25 * diag, quantum,
                      box if landscape.manifold == "euclidean" else None, tick)
                     for i in range(0, size, chunk)]
            parts = []
            for part in (executor.map(solve, tasks) if executor else map(solve, tasks)):
                parts.append(part)
                steps += int(part[3].sum())
                if progress and executor:
                    progress(len(part[0]))
                if steps >= max_newton_steps:
                    stop = "newton-steps"
                elif max_seconds is not None and time.monotonic() - started >= max_seconds:
                    stop = "time"
                if stop != "budget":
                    break
            x, gnorm, ok, _ = (np.concatenate(a) for a in zip(*parts))
            size = len(x)
            inside = np.all((x >= box[:, 0] - slack) & (x <= box[:, 1] + slack), axis=-1)
            keep = np.flatnonzero(ok & inside)
            credit = np.zeros(size, dtype=int)
            credit[keep] = pool.add(x[keep], gnorm[keep])
            curve.append(credit)
            used += size
            est, (lo, hi) = pool.estimate()
            rows.append((used, len(pool.x), est, lo, hi, int(keep.size)))
            if stop != "budget":
                break
            complete = round(est) == len(pool.x) and pool.morse_ok(landscape.euler_characteristic)
            if b > 0 and credit.sum() == 0 and complete:
                stop, confirmed_by = "stable", "batch"
                break
            n_dirs = 2 * landscape.dim * 2 * len(NEIGHBOUR_REACH)  # at most, per point
            if (complete and neighbours and not tried and b + 1 < len(sizes) and pool.isolated()
                    and landscape.manifold == "euclidean" and n_dirs * len(pool.x) <= sizes[b + 1]):
                # the count looks complete: starts next to every point confirm it for less than
                # the next batch, which would otherwise have to find nothing new
                tried = True
                part = _neighbour_phase(landscape, pool, executor, chunk, gtol, diag, quantum, box, slack,
                                        max(max_newton_steps - steps, 0), solve)
                near = tuple(a + c for a, c in zip(near, part))
                steps += part[2]
                if part[1] == 0 and steps < max_newton_steps:
                    stop, confirmed_by = "stable", "neighbours"
                    break
        if (neighbours and stop in ("budget", "newton-steps") and landscape.manifold == "euclidean"
                and pool.isolated()
                and not (round(est) == len(pool.x) and pool.morse_ok(landscape.euler_characteristic))):
            part = _neighbour_phase(landscape, pool, executor, chunk, gtol, diag, quantum, box, slack,
                                    int(NEIGHBOUR_SHARE * max_newton_steps), solve)
            near = tuple(a + c for a, c in zip(near, part))
            steps += part[2]
        finished = True
    finally:
        if executor and own:  # on an error, a signal or a budget stop, the queued chunks are dropped
            executor.shutdown(wait=finished, cancel_futures=True)
    found_curve = np.cumsum(np.concatenate(curve))
    at = np.unique(np.geomspace(1, len(found_curve), 400).round().astype(int))
    saturation = Saturation(
        starts=tuple(r[0] for r in rows), found=tuple(r[1] for r in rows),
        estimate=tuple(r[2] for r in rows), low=tuple(r[3] for r in rows), high=tuple(r[4] for r in rows),
        curve_starts=at, curve_found=found_curve[at - 1], stop_reason=stop, confirmed_by=confirmed_by)
    found = _classify(landscape, pool, rtol, hscale)
    from .manifolds import find_manifolds

    manifolds = find_manifolds(landscape, found, zero_tol=rtol * hscale, gtol=gtol, scale=diag)
    # a continuum has no count, and Chao1 needs re-found points: nothing found, nothing to estimate
    known = not manifolds and len(pool.x) > 0
    total, ci = (rows[-1][2], (rows[-1][3], rows[-1][4])) if known else (None, (None, None))
    if known and near[1]:  # the estimate read the random starts alone; it is at least the count
        total, ci = max(total, len(pool.x)), (max(ci[0], len(pool.x)), max(ci[1], len(pool.x)))
    return CriticalSet(points=found, domain=domain, starts=used,
                       converged=int(sum(r[5] for r in rows)), gtol=gtol, merge_tol=pool.tol,
                       zero_rtol=rtol, zero_tol=rtol * hscale, saturation=saturation,
                       estimated_total=total, estimated_total_ci=ci,
                       morse_expected=landscape.euler_characteristic, newton_steps=steps,
                       max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                       manifolds=tuple(manifolds), neighbour_starts=near[0],
                       found_by_neighbours=near[1])


NEIGHBOUR_ROUNDS = 8
"""Rounds of the neighbour phase: each starts next to the points the previous one added."""
NEIGHBOUR_SHARE = 0.5
"""Newton steps the neighbour phase may spend, as a share of the search's own bound."""
NEIGHBOUR_REACH = (0.75, 1.5)
"""How far from a found point its neighbour starts lie, in median nearest-neighbour distances (both)."""


GAP = 1e-6
"""An eigenvector is a neighbour direction when its eigenvalue is this far (relative to the
spectral radius) from the others: then rounding moves it by ~1e-16 / GAP, far below the grid."""


def _neighbour_directions(H: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(centres (D, n), unit directions (D, n)) for points x (F, n) with Hessians H (F, n, n).

    Each point's coordinate axes, and those eigenvectors of its Hessian whose
    eigenvalue is separated from the others by GAP x the spectral radius, with
    canonical signs (largest component positive). Within a cluster of nearly
    equal eigenvalues (a symmetry makes them equal) the eigenvectors are any
    basis of their space, chosen by the rounding; the axes stand in for them, so
    the directions, like every start, are the same on every machine.
    """
    F, n = x.shape
    lam, V = np.linalg.eigh(H)
    radius = np.abs(lam).max(-1, keepdims=True)
    step = np.diff(lam, axis=-1)
    gap = np.minimum(np.concatenate([np.full((F, 1), np.inf), step], -1),
                     np.concatenate([step, np.full((F, 1), np.inf)], -1))
    simple = gap > GAP * np.maximum(radius, 1e-300)  # (F, n)
    vecs = np.swapaxes(V, -1, -2)  # rows v_i (F, n, n)
    lead = np.take_along_axis(vecs, np.abs(vecs).argmax(-1)[..., None], -1)
    vecs = vecs * np.where(lead < 0, -1.0, 1.0)
    owner, which = np.nonzero(simple)
    centres = np.concatenate([np.repeat(x, n, axis=0), x[owner]])
    dirs = np.concatenate([np.tile(np.eye(n), (F, 1)), vecs[owner, which]])
    return centres, dirs


def _nearest_other(x: np.ndarray) -> np.ndarray:
    """Distance (m,) from each row of x (m, n) to its nearest other row: blocks of pairwise
    distances up to a few thousand points (no scipy import on a small search), a KD-tree beyond."""
    if len(x) > 4096:
        from scipy.spatial import cKDTree

        return cKDTree(x).query(x, k=2)[0][:, 1]
    d2 = np.einsum("ij,ij->i", x, x)
    out = np.empty(len(x))
    for a in range(0, len(x), 512):  # 512 x m blocks: bounded memory, one matmul each
        block = d2[a:a + 512, None] + d2[None, :] - 2.0 * x[a:a + 512] @ x.T
        block[np.arange(len(block)), a + np.arange(len(block))] = np.inf
        out[a:a + 512] = np.sqrt(np.maximum(block.min(axis=1), 0.0))
    return out


def _neighbour_phase(landscape, pool: _Pool, executor, chunk: int, gtol: float, diag: float, quantum: float,
                     box: np.ndarray, slack: np.ndarray, max_steps: int, solve=None) -> tuple[int, int, int]:
    """Starts next to the points found, for a search whose random starts ended incomplete.

    Random starts find the points with large basins again and again and the
    small ones rarely; but critical points come in a network (each saddle
    between the points its descent and ascent directions lead to), so a
    missing point is usually near a found one along one of its Hessian's
    eigenvectors. Each round starts Newton at x +- d v_i for every point x the
    previous round added (the first: every point found) and every direction v_i
    of ``_neighbour_directions`` (its axes and its Hessian's well-separated
    eigenvectors), with d each of NEIGHBOUR_REACH x the median distance
    from a found point to its nearest other; it stops when a round adds
    nothing, after NEIGHBOUR_ROUNDS rounds, or at ``max_steps`` Newton steps.
    Both signs of each direction are used; the starts are rounded to the
    search's grid like random ones.
    Finds add points but no hits (Chao1 reads the random starts alone).
    Returns (starts used, points added, Newton steps).
    """
    reach = np.array(NEIGHBOUR_REACH) * float(np.median(_nearest_other(pool.x)))
    signed = np.concatenate([reach, -reach])
    front = np.arange(len(pool.x))
    used = added = steps = 0
    for _ in range(NEIGHBOUR_ROUNDS):
        if front.size == 0 or steps >= max_steps or not reach.min() > 0:
            break
        centres, dirs = _neighbour_directions(landscape.hess(pool.x[front]), pool.x[front])
        x0 = (centres[:, None, :] + signed[None, :, None] * dirs[:, None, :]).reshape(-1, pool.x.shape[1])
        tasks = [(landscape, x0[i:i + chunk], gtol, 1e-10 * diag, 0.25 * diag, quantum, box, None)
                 for i in range(0, len(x0), chunk)]
        parts = []
        for part in (executor.map(solve or _solve, tasks) if executor else map(_solve, tasks)):
            parts.append(part)
            steps += int(part[3].sum())
            if steps >= max_steps:
                break
        x, gnorm, ok, _ = (np.concatenate(a) for a in zip(*parts))
        used += len(x)
        inside = np.all((x >= box[:, 0] - slack) & (x <= box[:, 1] + slack), axis=-1)
        keep = np.flatnonzero(ok & inside)
        before = len(pool.x)
        pool.add(x[keep], gnorm[keep], count_hits=False)
        front = np.arange(before, len(pool.x))
        added += len(front)
    return used, added, steps


def _classify(landscape, pool: _Pool, rtol: float, hscale: float) -> tuple[CriticalPoint, ...]:
    """CriticalPoints of the pool, sorted by value, ties by coordinates.

    The keys are rounded (values to 1e-10 of their largest magnitude, coordinates to the
    merge tolerance) so that images of one point under a symmetry, whose values agree only
    to the last bits, come in the same order on every machine.
    """
    if len(pool.x) == 0:
        return ()
    vals = landscape.value(pool.x)
    spec = spectrum(landscape.hess(pool.x), rtol=rtol, scale=hscale)
    vscale = max(float(np.abs(vals).max()), 1e-300)
    keys = (np.round(vals / vscale * 1e10),) if np.all(np.isfinite(vals)) else (vals,)
    order = np.lexsort(tuple(np.round(pool.x.T[::-1] / pool.tol)) + keys)
    return tuple(CriticalPoint(
        x=pool.x[i], value=float(vals[i]), eigenvalues=spec.eigenvalues[i], index=int(spec.n_neg[i]),
        kind=str(spec.kind[i]), grad_norm=float(pool.gnorm[i]), hits=int(pool.hits[i])) for i in order)


def landscape_scales(landscape, x: np.ndarray) -> tuple[float, float]:
    """Typical |grad f| and Hessian spectral radius over the points x (medians).

    These set the search's gradient tolerance and the classification's zero
    tolerance, so both follow the landscape's own units.
    """
    with np.errstate(all="ignore"):
        g = np.linalg.norm(landscape.grad(x), axis=-1)
        h = np.abs(np.linalg.eigvalsh(landscape.hess(x))).max(-1)
    gscale, hscale = float(np.nanmedian(g)), float(np.nanmedian(h))
    return (gscale if np.isfinite(gscale) and gscale > 0 else 1.0,
            hscale if np.isfinite(hscale) and hscale > 0 else 1.0)


@dataclass(frozen=True, eq=False)
class Survey:
    """Everything `landscape critical` reports: the landscape, the points found, and theory.

    expected_by_index (with its standard error): the exact or expected number
    of critical points of each index where the family knows it (separable:
    exact; p-spin: the Kac-Rice expectation over the random couplings).
    expected_value_by_index: the expected mean value of the points of each
    index (p-spin: Kac-Rice). count_bound: the most critical points there can
    be (complex solutions).
    """

    landscape: object
    critical: CriticalSet
    expected_by_index: np.ndarray | None = None
    expected_by_index_se: np.ndarray | None = None
    expected_value_by_index: np.ndarray | None = None
    count_bound: int | None = None

    def to_dict(self) -> dict:
        out = {"schema_version": SCHEMA_VERSION, "landscape": self.landscape.describe(),
               "manifold": self.landscape.manifold, "found": len(self.critical.points),
               **self.critical.to_dict()}
        out["expected_by_index"] = self.expected_by_index
        out["expected_by_index_se"] = self.expected_by_index_se
        out["expected_value_by_index"] = self.expected_value_by_index
        out["count_bound"] = self.count_bound
        return out


def survey(landscape, domain=None, *, starts: int = 65536, seed: int = 0, batch: int | None = None,
           jobs: int = 1, max_newton_steps: int | None = None, max_seconds: float | None = None,
           progress=None, executor=None) -> Survey:
    """find_critical_points, plus what the family's theory says to compare with."""
    found = find_critical_points(landscape, domain, starts=starts, seed=seed, batch=batch, jobs=jobs,
                                 max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                                 progress=progress, executor=executor)
    expected = landscape.expected_index_counts()
    mean, se = expected if expected is not None else (None, None)
    return Survey(landscape=landscape, critical=found, expected_by_index=mean,
                  expected_by_index_se=se, expected_value_by_index=landscape.expected_index_values(),
                  count_bound=landscape.count_bound())


POINT_SLACK = 1e3
"""A given point is accepted as critical when Newton from it converges within POINT_REACH of it;
it is refused when it has |grad f| > POINT_SLACK x the search's gtol and Newton moves it farther."""

POINT_REACH = 1e-6
"""... as a fraction of the box diagonal."""


def from_points(landscape, x, domain=None, *, seed: int = 0, rtol: float = RTOL, where: str = "points") -> CriticalSet:
    """A CriticalSet from given points (P, n), e.g. a previous search's points.csv.

    The tolerances are the ones a search with this seed would use (gtol and the Hessian
    scale from the first batch of starts, merge distance 1e-6 of the box diagonal); each
    point is polished by Newton's method and classified the same way. A row that is not
    next to a critical point (Newton moves it more than 1e-6 of the box diagonal) is
    refused with its row number; rows that polish onto the same point are merged.
    """
    from .newton import newton_solve, quantum_for
    from .seeds import child

    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or x.shape[1] != landscape.dim:
        raise LandscapeError(f"{where}: expected points with {landscape.dim} coordinates, got shape {x.shape}")
    if len(x) == 0:
        raise LandscapeError(f"{where}: no points")
    if not np.all(np.isfinite(x)):
        raise LandscapeError(f"{where}: row {int(np.flatnonzero(~np.isfinite(x).all(1))[0]) + 1} is not finite")
    if domain is None:
        domain = check_domain(landscape.domain, landscape.dim)
    else:
        domain = check_domain(domain, landscape.dim)
    box = np.asarray(domain)
    diag = float(np.linalg.norm(box[:, 1] - box[:, 0]))
    gscale, hscale = landscape_scales(landscape, landscape.sample_starts(domain, 1024, child(seed, "critical", 0)))
    gtol = 1e-9 * gscale
    x = landscape.project(x)
    y, gnorm, ok, _ = newton_solve(landscape, x, gtol=gtol, xtol=1e-10 * diag, max_step=POINT_REACH * diag,
                                   max_iter=100, quantum=quantum_for(diag))
    moved = np.linalg.norm(y - x, axis=-1)
    bad = np.flatnonzero(~ok | (moved > POINT_REACH * diag))
    if bad.size:
        r = int(bad[0])
        g0 = float(np.linalg.norm(landscape.grad(x[r:r + 1])))
        raise LandscapeError(f"{where}: row {r + 1} is not a critical point of this landscape (|grad f| = {g0:.3g}; "
                             f"Newton's method does not settle within {POINT_REACH:g} of the box diagonal)")
    pool = _Pool(landscape, 1e-6 * diag, rtol, hscale)
    pool.add(y, gnorm)
    found = _classify(landscape, pool, rtol, hscale)
    return CriticalSet(points=found, domain=domain, starts=0, converged=len(x), gtol=gtol, merge_tol=pool.tol,
                       zero_rtol=rtol, zero_tol=rtol * hscale, saturation=None,
                       estimated_total=None, estimated_total_ci=(None, None),
                       morse_expected=landscape.euler_characteristic)
