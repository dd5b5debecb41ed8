"""stats.py: the Wilson interval and the Chao1 estimate, against closed forms and by simulation."""

import numpy as np
import pytest

from landscape.stats import Z95, chao1, wilson_interval


def test_z95_is_the_normal_quantile():
    from scipy.stats import norm

    assert Z95 == pytest.approx(norm.ppf(0.975), rel=1e-15)


def test_wilson_interval_closed_form_and_edges():
    # Wilson (1927): (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n); 30 of 200
    n, k, z = 200, 30, Z95
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = wilson_interval(k, n)
    assert (lo, hi) == (pytest.approx(c - h, rel=1e-14), pytest.approx(c + h, rel=1e-14))
    lo, hi = wilson_interval(n, n)
    assert hi == 1.0 and lo == pytest.approx(n / (n + z * z))  # all hits: the mirror of zero hits
    lo, hi = wilson_interval(np.array([0, 5, 10]), 10)  # batched
    assert lo.shape == hi.shape == (3,) and lo[0] == 0 and hi[-1] == 1 and np.all(lo < hi)


def test_wilson_interval_covers_about_95_percent():
    """Coverage over 20000 binomial draws (n = 50, p = 0.2): within 95% +- 1.5% (Wilson's coverage
    at this n is 94-96%; the Monte Carlo s.e. is 0.15%)."""
    rng = np.random.default_rng(7)
    hits = rng.binomial(50, 0.2, size=20000)
    lo, hi = wilson_interval(hits, 50)
    coverage = np.mean((lo <= 0.2) & (0.2 <= hi))
    assert abs(coverage - 0.95) < 0.015


def test_chao1_matches_the_formula_and_brackets_a_known_population():
    est, (lo, hi) = chao1([1, 1, 1, 2, 2, 5, 7])  # S 7, n 19, f1 3, f2 2
    assert est == pytest.approx(7 + 18 / 19 * 3 * 2 / (2 * 3))
    assert lo <= est <= hi
    assert chao1([]) == (0.0, (0.0, 0.0))
    # a population of 60 equally likely points sampled 80 times: Chao1 is nearly unbiased for equal
    # basins; averaged over 400 repeats it is within 5% of 60 and the 95% interval covers 60 in >= 85%
    rng = np.random.default_rng(3)
    estimates, covered = [], 0
    for _ in range(400):
        hits = np.bincount(rng.integers(0, 60, 80), minlength=60)
        e, (a, b) = chao1(hits[hits > 0])
        estimates.append(e)
        covered += a <= 60 <= b
    assert abs(np.mean(estimates) / 60 - 1) < 0.05 and covered / 400 >= 0.85
