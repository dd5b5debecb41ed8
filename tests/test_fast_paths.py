"""The numpy-only replacements on the search's path give exactly what SciPy gives.

``landscape.sobol`` stands in for ``scipy.stats.qmc.Sobol`` and
``landscape.neighbours`` for ``scipy.spatial.cKDTree`` plus
``scipy.sparse.csgraph.connected_components``, so that a small search does
not pay for importing them (issue 18). Equality here is exact, bit for bit.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import imported_by_command

from landscape.neighbours import components, nearest_within, pairs_within
from landscape.sobol import direction_numbers, sobol


@pytest.mark.parametrize("d, m, seed", [(1, 3, 0), (2, 10, 0), (5, 10, 7), (27, 9, [0, 3]), (100, 5, 11)])
def test_sobol_equals_scipy_bit_for_bit(d, m, seed):
    from scipy.stats import qmc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ref = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random_base2(m)
        except TypeError:  # SciPy before 1.15 calls it seed
            ref = qmc.Sobol(d=d, scramble=True, seed=np.random.default_rng(seed)).random_base2(m)
    assert np.array_equal(sobol(d, m, seed), ref)


def test_sobol_direction_numbers_are_scipys():
    from scipy.stats._sobol import _initialize_v

    ref = np.zeros((40, 30), dtype=np.uint32)
    _initialize_v(ref, dim=40, bits=30)
    assert np.array_equal(direction_numbers(40), ref)


def test_sobol_is_a_net():
    """Each coordinate of 2^m scrambled Sobol points (a (0, m, 1)-net) hits every interval of width 2^-m once."""
    u = sobol(6, 8, 3)
    for j in range(6):
        assert np.array_equal(np.sort(np.floor(u[:, j] * 256)), np.arange(256))


def _clouds():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 27):
        centres = rng.uniform(-1, 1, (150, n))
        x = centres[rng.integers(0, 150, 3000)] + 1e-4 * rng.standard_normal((3000, n))
        yield n, centres, x, 3e-4 * np.sqrt(n)


def test_neighbours_equal_kdtree():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    for n, centres, x, tol in _clouds():
        ref = cKDTree(x).query_pairs(tol, output_type="ndarray")
        got = pairs_within(x, tol)
        assert set(map(tuple, np.sort(ref, axis=1))) == set(map(tuple, got)), n
        graph = coo_matrix((np.ones(len(ref)), (ref[:, 0], ref[:, 1])), shape=(len(x), len(x)))
        assert np.array_equal(components(len(x), got), connected_components(graph, directed=False)[1])
        y = centres + 2e-4 * np.random.default_rng(n).standard_normal(centres.shape)
        d, j = cKDTree(x).query(y, distance_upper_bound=tol)
        assert np.array_equal(nearest_within(x, y, tol), np.where(d <= tol, j, -1))


def test_components_of_a_chain_and_isolated_nodes():
    pairs = np.array([[5, 6], [4, 5], [0, 2]])
    assert components(7, pairs).tolist() == [0, 1, 0, 2, 3, 3, 3]
    assert components(3, np.zeros((0, 2), dtype=int)).tolist() == [0, 1, 2]


def test_search_imports_no_scipy():
    """A polynomial search through the command line never imports SciPy (its import is most of a second)."""
    assert imported_by_command(["critical", "polynomial", "-n", "3", "-q"], ("scipy", "matplotlib", "sympy")) == []


def test_search_loads_only_its_own_family():
    """The registry imports a family's module when it is asked for: a polynomial search loads
    neither the networks nor the formula parser (mlp alone costs ~20 ms to import)."""
    assert imported_by_command(["critical", "polynomial", "-n", "3", "-q"],
                               ("landscape.families.mlp", "landscape.nn", "landscape.families.expression")) == []


def test_registry_names_match_the_classes():
    from landscape import families

    assert list(families.LANDSCAPES) == list(families._WHERE)
    for name, cls in families.LANDSCAPES.items():
        assert cls.name == name and getattr(families, cls.__name__) is cls
    with pytest.raises(AttributeError):
        families.NoSuchFamily  # noqa: B018


def test_blas_runs_on_one_thread_unless_the_user_chose():
    """The command line sets the BLAS thread variables to 1 before numpy loads, keeping a value
    the user set; a library search runs inside a one-thread limit (threadpoolctl)."""
    code = ("import os\n"
            "for k in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS'): os.environ.pop(k, None)\n"
            "os.environ['MKL_NUM_THREADS'] = '3'\n"
            "import landscape.cli\n"
            "print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'], os.environ['MKL_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["1", "1", "3"]
    code = ("import os\n"
            "for k in ('OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS'): os.environ.pop(k, None)\n"
            "from threadpoolctl import threadpool_info\n"
            "import landscape.critical as c\n"
            "from landscape import build\n"
            "seen = []\n"
            "real = c._solve\n"
            "def spy(args):\n"
            "    seen.extend(i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas')\n"
            "    return real(args)\n"
            "c._solve = spy\n"
            "c.find_critical_points(build('polynomial', {'dim': 2}), starts=1024)\n"
            "print(sorted(set(seen)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[1]"


def test_versions_match_the_installed_metadata():
    """versions() reads dist-info folder names instead of parsing metadata: the same answers."""
    from importlib.metadata import PackageNotFoundError, version

    from landscape.schema import _installed_version, versions

    def meta(dist):
        try:
            return version(dist)
        except PackageNotFoundError:
            return None

    got = versions()
    for name, dist in (("landscape", "landscape-sim"), ("numpy", "numpy"), ("scipy", "scipy"),
                       ("matplotlib", "matplotlib")):
        assert got[name] == meta(dist) == _installed_version(dist)
    assert _installed_version("no-such-distribution-here") is None
