"""The reproducibility rule: when two results.json files count as the same result.

Same seed, any machine (another CPU, BLAS, thread count or number of jobs):

- every discrete result is identical: ints, strings, booleans and nulls (counts,
  indices, kinds, outcomes, escape and stall steps, which minimum a run reaches,
  the shape of every list and the keys of every object);
- every float agrees to a relative tolerance RTOL = 1e-9, with an absolute floor
  ATOL = 1e-12 for values that are zero in exact arithmetic (a minimum at f = 0,
  an eigenvalue of a flat direction, a coordinate that decayed to 1e-120);
- the quantities that *are* rounding error (``ROUNDOFF_KEYS``: a gradient's norm
  at a critical point, a derivative check's relative error) agree to within a
  factor of 100, or both lie below ATOL: their exact value is the machine's;
- the end point of a run that escaped or diverged (``AMPLIFIED_KEYS`` in an object
  whose ``outcome`` is ``escaped`` or ``diverged``) agrees to ESCAPED_RTOL = 1e-2
  relative: the run started a distance eps (down to 1e-12) from a saddle's stable
  manifold, a computed eigenvector known to 1e-16, and the escape multiplies that
  error by about 1e-4/eps (measured between OpenBLAS's Haswell and Prescott
  kernels on saddle-escape: up to 8e-4). Its outcome, escape step and stall are
  exact;
- GD at the edge of stability is chaotic: a change of 1e-15 in the start (what another BLAS
  kernel's summation order does) grows to a few percent of the loss within a few hundred
  steps once the sharpness reaches 2/eta (measured: 2% at step 300, 7-9% later). For a
  result of kind ``edge-of-stability`` the per-step trajectories (``CHAOTIC_TRAJECTORIES``)
  are compared by their length alone, and its summary statistics to the tolerances of
  ``CHAOTIC_TOLERANCES`` (relative; ``loss_increases`` an integer within that share).
  Its inputs, thresholds and the step where the sharpness first reaches 2/eta are exact;
- ``versions`` (the packages a file was made with) is not compared, nor a sweep's run
  counters (``RUN_COUNTERS`` in its top-level ``tasks``: how many tasks this run did,
  skipped as already finished or retried), which describe the run, not the result.

On one machine the rule is stricter: two runs write byte-identical files.
"""

from __future__ import annotations

import math

RTOL = 1e-9
ATOL = 1e-12
ROUNDOFF_KEYS = frozenset({"grad_norm", "gradient_check", "hessian_check"})
IGNORED_KEYS = frozenset({"versions"})
RUN_COUNTERS = frozenset({"done", "skipped", "retried"})
AMPLIFIED_KEYS = frozenset({"final", "final_value"})
ESCAPED_RTOL = 1e-2
CHAOTIC_KINDS = frozenset({"edge-of-stability"})
CHAOTIC_TRAJECTORIES = frozenset({"loss", "sharpness", "loss_per_step"})
CHAOTIC_TOLERANCES = {"median_ratio": 0.02, "inside_band": 0.1, "max_ratio": 0.3, "final_loss": 0.3,
                      "loss_increases": 0.3}


def _floats_agree(a: float, b: float, key: str, rtol: float = RTOL) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    if key in ROUNDOFF_KEYS:
        lo, hi = sorted((abs(a), abs(b)))
        return hi <= ATOL or (lo > 0 and hi / lo <= 100)
    return abs(a - b) <= rtol * max(abs(a), abs(b)) + ATOL


def differences(a, b, path: str = "", key: str = "", limit: int = 20) -> list[str]:
    """Where the JSON values a and b break the rule: up to ``limit`` lines 'path: a != b'."""
    out: list[str] = []

    chaotic = isinstance(a, dict) and a.get("kind") in CHAOTIC_KINDS

    def walk(x, y, where, k, rtol=RTOL):
        if len(out) >= limit:
            return
        if chaotic and k in CHAOTIC_TRAJECTORIES and where.startswith("/runs["):
            if not (isinstance(x, list) and isinstance(y, list)) or len(x) != len(y):
                out.append(f"{where}: the trajectories differ in length or type")
            return
        if chaotic and k in CHAOTIC_TOLERANCES and where.startswith("/runs[") and x is not None and y is not None:
            if abs(x - y) > CHAOTIC_TOLERANCES[k] * max(abs(x), abs(y)) + ATOL:
                out.append(f"{where}: {x!r} != {y!r} (chaotic: tolerance {CHAOTIC_TOLERANCES[k]:g})")
            return
        if isinstance(x, dict) and isinstance(y, dict):
            ignored = IGNORED_KEYS | (RUN_COUNTERS if where == "/tasks" else frozenset())
            keys_x, keys_y = set(x) - ignored, set(y) - ignored
            if keys_x != keys_y:
                out.append(f"{where or '/'}: keys differ: {sorted(keys_x ^ keys_y)}")
            loose = ESCAPED_RTOL if x.get("outcome") in ("escaped", "diverged") else RTOL
            for name in sorted(keys_x & keys_y):
                walk(x[name], y[name], f"{where}/{name}", name, loose if name in AMPLIFIED_KEYS else RTOL)
        elif isinstance(x, list) and isinstance(y, list):
            if len(x) != len(y):
                out.append(f"{where}: {len(x)} items != {len(y)}")
                return
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{where}[{i}]", k, rtol)
        elif isinstance(x, bool) or isinstance(y, bool) or x is None or y is None or isinstance(x, str):
            if x != y or type(x) is not type(y):
                out.append(f"{where}: {x!r} != {y!r}")
        elif isinstance(x, int) and isinstance(y, int):
            if x != y:
                out.append(f"{where}: {x} != {y}")
        elif isinstance(x, (int, float)) and isinstance(y, (int, float)):
            if not _floats_agree(float(x), float(y), k, rtol):
                out.append(f"{where}: {x!r} != {y!r}")
        elif x != y:
            out.append(f"{where}: {x!r} != {y!r}")

    walk(a, b, path, key)
    return out
