"""Shared test helpers: Agg backend, seeded generators, central differences.

BLAS runs on one thread here, as under the command line (``landscape.threads``), so the
gallery's results, written by `landscape report`, are reproduced in process bit for bit.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import matplotlib  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def central_grad(f, x, h):
    """Central-difference gradient of a batched scalar function: (..., n)."""
    n = x.shape[-1]
    out = np.empty(x.shape)
    for i in range(n):
        e = np.zeros(n)
        e[i] = h
        out[..., i] = (f(x + e) - f(x - e)) / (2 * h)
    return out


def central_jacobian(g, x, h):
    """Central-difference Jacobian of a batched vector function: (..., n, n), J[..., i, j] = dg_i/dx_j."""
    n = x.shape[-1]
    out = np.empty(x.shape + (n,))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        out[..., :, j] = (g(x + e) - g(x - e)) / (2 * h)
    return out


# The example study (tests/example_study, not shipped) joins the registry for every test, so the
# contract tests, `landscape list --kinds` and `landscape run example-walk` pick it up as they would
# a built-in kind.
def _register_example_study():
    from pathlib import Path

    from example_study import example_walk

    from landscape.studies import register

    register(example_walk, scenarios=Path(__file__).parent / "example_study")


_register_example_study()


def imported_by_command(argv, packages) -> list[str]:
    """Which of ``packages`` (packages or modules, dotted names too) a fresh interpreter has imported after running
    `landscape ARGV` (its exit swallowed): how the start-up tests see what a command loads."""
    import ast
    import subprocess
    import sys

    code = (f"import sys; sys.argv = ['landscape'] + {list(argv)!r}\n"
            "from landscape.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            f"print(sorted({{p for p in {list(packages)!r} for m in sys.modules if m == p or m.startswith(p + '.')}}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return ast.literal_eval(out.strip().splitlines()[-1])
