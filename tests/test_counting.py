"""Counting by index: exact binomial identities, enumeration, GOE sampling against the exact Pfaffian."""

import math

import numpy as np
import pytest
from scipy import integrate

from landscape import build
from landscape.counting import (
    ENSEMBLES, THETA_GOE, binomial_row, compact_int, count_critical, enumerate_signs, exact_json,
    goe_index_distribution, goe_minimum_probability, minimum_curves, sample_ensemble, sign_counts)
from landscape.errors import LandscapeError
from landscape.spectrum import classify_eigenvalues, classify_hessians, hessian_inertia
from landscape.stats import chao1, wilson_interval


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 20, 63, 64, 100, 1000, 10_000])
def test_binomial_identities(n):
    s = sign_counts(n)
    for k in sorted({*range(0, n + 1, max(1, n // 40)), n - 1, n}):
        assert s.by_index[k] == math.comb(n, k)
    assert s.sign_configurations == 2**n == sum(s.by_index)
    assert s.minima == s.maxima == 1
    assert s.saddles == 2**n - 2
    assert s.by_index == s.by_index[::-1]                                    # C(n,k) = C(n,n-k)
    assert sum((-1) ** k * c for k, c in enumerate(s.by_index)) == 0          # alternating sum
    assert sum(k * c for k, c in enumerate(s.by_index)) == n * 2 ** (n - 1)   # mean index n/2


def test_big_counts_are_exact_strings_in_json():
    d = sign_counts(100).to_dict()
    assert d["sign_configurations"] == str(2**100) and d["saddles"] == str(2**100 - 2)
    assert d["by_index"][2] == 4950 and d["by_index"][50] == str(math.comb(100, 50))
    assert exact_json(2**53) == 2**53 and exact_json(2**53 + 1) == str(2**53 + 1)
    assert compact_int(2**100) == "1.2677e+30"
    assert compact_int(999_999_999_999) == "999999999999"


@pytest.mark.parametrize("n", [1, 2, 5, 9, 12])
def test_enumeration_agrees_with_the_formula(n):
    assert enumerate_signs(n) == binomial_row(n)


def test_dimension_limits_are_one_line_errors():
    with pytest.raises(LandscapeError, match="from 1 to 10000"):
        sign_counts(10_001)
    with pytest.raises(LandscapeError, match="from 1 to 20"):
        enumerate_signs(21)
    with pytest.raises(LandscapeError, match="--dim"):
        sign_counts(0)
    with pytest.raises(LandscapeError, match="signs model only"):
        count_critical(3, "goe", enumerate_all=True)


# ---------------------------------------------------------------- inertia without eigenvalues

@pytest.mark.parametrize("n", [1, 2, 3, 10, 30, 50])
@pytest.mark.parametrize("model", list(ENSEMBLES))
def test_inertia_by_ldl_matches_eigenvalues(n, model, rng):
    H = ENSEMBLES[model].sample(rng, 4000 if n < 30 else 500, n)
    index, kind, tol = classify_hessians(H)
    lam = np.linalg.eigvalsh(H)
    index2, kind2, _ = classify_eigenvalues(lam, scale=np.linalg.norm(H, axis=(1, 2)))
    np.testing.assert_array_equal(index, index2)
    np.testing.assert_array_equal(kind, kind2)


def test_inertia_sees_zero_eigenvalues_and_needs_no_pivot():
    # [[0, 1], [1, 0]] has a zero first pivot (eigenvalues +-1): the untrusted path must answer
    n_neg, n_zero, n_pos, _ = hessian_inertia(np.array([[[0.0, 1.0], [1.0, 0.0]],
                                                        np.diag([3.0, 0.0]),
                                                        np.diag([-2.0, 1e-9])]))
    np.testing.assert_array_equal(n_neg, [1, 0, 1])
    np.testing.assert_array_equal(n_zero, [0, 1, 1])
    np.testing.assert_array_equal(n_pos, [1, 1, 0])


def test_inertia_is_invariant_under_congruence(rng):
    # Sylvester: S H S^T has the inertia of H for any nonsingular S
    lam = np.array([-3.0, -0.5, 0.7, 2.0, 4.0])
    U = np.linalg.qr(rng.standard_normal((200, 5, 5)))[0]
    V = np.linalg.qr(rng.standard_normal((200, 5, 5)))[0]
    S = U * rng.uniform(0.5, 2.0, (200, 1, 5)) @ V  # singular values in [0.5, 2]
    H = S * lam @ np.swapaxes(S, -1, -2)
    index, kind, _ = classify_hessians(H)
    assert np.all(index == 2) and np.all(kind == "saddle")


# ---------------------------------------------------------------- GOE exact

def _goe_density(lam):
    """Unnormalised GOE joint eigenvalue density, |Vandermonde| exp(-sum lambda^2 / 2)."""
    lam = np.asarray(lam)
    vdm = np.prod([abs(lam[j] - lam[i]) for i in range(len(lam)) for j in range(i + 1, len(lam))])
    return vdm * np.exp(-0.5 * np.sum(lam**2))


def test_exact_minimum_probability_n2_against_numerical_integration():
    # independent: scipy quadrature over the ordered region x < y, positive quadrant over all
    f = lambda y, x: _goe_density([x, y])  # noqa: E731
    positive = integrate.dblquad(f, 0, np.inf, lambda x: x, np.inf, epsabs=1e-13)[0]
    total = integrate.dblquad(f, -np.inf, np.inf, lambda x: x, np.inf, epsabs=1e-13)[0]
    p, logp = goe_minimum_probability(2)
    assert p == pytest.approx(positive / total, rel=1e-8)
    assert p == pytest.approx((2 - math.sqrt(2)) / 4, rel=1e-14)  # the closed form for N = 2
    assert logp == pytest.approx(math.log(p), rel=1e-14)


def test_exact_minimum_probability_n3_against_numerical_integration():
    f = lambda z, y, x: _goe_density([x, y, z])  # noqa: E731
    top = 12.0  # the density beyond |lambda| = 12 is below exp(-72)
    opts = dict(epsabs=1e-10, epsrel=1e-8)  # enough for the 1e-6 below, in a few seconds
    positive = integrate.tplquad(f, 0, top, lambda x: x, top, lambda x, y: y, top, **opts)[0]
    total = integrate.tplquad(f, -top, top, lambda x: x, top, lambda x, y: y, top, **opts)[0]
    assert goe_minimum_probability(3)[0] == pytest.approx(positive / total, rel=1e-6)


def test_exact_index_distribution_invariants():
    for n in (1, 2, 3, 4, 7, 12):
        g = goe_index_distribution(n)
        p = np.asarray(g.by_index)
        assert p.sum() == pytest.approx(1.0, abs=1e-14)  # the Mehta integral normalises it
        np.testing.assert_allclose(p, p[::-1], rtol=1e-12, atol=1e-300)  # H -> -H
        assert np.all(p > 0)
        assert g.index_mean == pytest.approx(n / 2, abs=1e-12)
        assert g.p_minimum == pytest.approx(goe_minimum_probability(n)[0], rel=1e-14)
    assert goe_index_distribution(1).by_index == pytest.approx((0.5, 0.5), rel=1e-15)
    # N = 2: P(index 1) = 1 - 2 P(index 0) = 1/sqrt(2)
    assert goe_index_distribution(2).by_index[1] == pytest.approx(1 / math.sqrt(2), rel=1e-14)


def test_index_variance_grows_like_log_n_not_like_n():
    var = np.array([goe_index_distribution(n).index_variance for n in (8, 16)])
    # Majumdar et al. 2009: Delta(N) ~ ln N / (beta pi^2) + C; doubling N adds about ln 2 / pi^2
    assert var[1] - var[0] == pytest.approx(math.log(2) / math.pi**2, rel=0.25)
    assert np.all(var < np.array([8, 16]) / 4 / 3)  # far below the binomial's N/4


def test_rate_approaches_ln3_over_4():
    c = minimum_curves(30, sampled_max=0)
    rate = -np.asarray(c.log_p_goe) / np.asarray(c.dims) ** 2
    assert np.all(np.diff(rate) < 0) and np.all(rate > THETA_GOE)
    assert c.theta_fit == pytest.approx(THETA_GOE, rel=1e-4)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_goe_sampling_agrees_with_exact_within_its_interval(n):
    count = sample_ensemble("goe", n, 1_000_000, seed=n)
    exact = np.asarray(goe_index_distribution(n).by_index)
    # P(minimum) inside its Wilson interval: 95% family-wise over the five N (Bonferroni: 99% each)
    lo, hi = wilson_interval(count.by_index[0], count.samples, z=2.5758)
    assert lo <= exact[0] <= hi
    # every fraction inside its 99.99% interval (n+1 intervals per N, five N: a family-wise bound)
    lo, hi = wilson_interval(count.by_index, count.samples, z=3.8906)
    assert np.all((lo <= exact) & (exact <= hi)), (count.fractions, exact)
    # an eigenvalue within 1e-6 ||H||_F of zero has probability of order 1e-6 per matrix
    assert count.degenerate <= 1e-4 * count.samples


def test_coin_model_is_binomial():
    n, samples = 6, 200_000
    count = sample_ensemble("coin", n, samples, seed=3)
    lo, hi = wilson_interval(count.by_index, samples, z=2.6901)  # 95% family-wise over 7 (Bonferroni)
    binom = np.array(binomial_row(n)) / 2**n
    assert np.all((lo <= binom) & (binom <= hi))


def test_sampling_is_deterministic_for_a_seed():
    a = sample_ensemble("wishart-shifted", 4, 30_000, seed=9)
    b = sample_ensemble("wishart-shifted", 4, 30_000, seed=9)
    assert a == b and a.by_index != sample_ensemble("wishart-shifted", 4, 30_000, seed=10).by_index


def test_wilson_interval_known_values():
    lo, hi = wilson_interval(0, 100)
    assert lo == 0 and hi == pytest.approx(1.959963984540054**2 / (100 + 1.959963984540054**2))
    # 50 of 100: the textbook Wilson interval (0.4038, 0.5962)
    lo, hi = wilson_interval(50, 100)
    assert lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)


def test_chao1_known_values():
    # hits [1,1,1,2,2,5,7]: S = 7, n = 19, f1 = 3, f2 = 2: 7 + 18/19 * 3 * 2 / (2 * 3)
    est, (lo, hi) = chao1([1, 1, 1, 2, 2, 5, 7])
    assert est == pytest.approx(7 + 18 / 19)
    assert 7 <= lo <= est <= hi
    assert chao1([3, 4, 5]) == (3.0, (3.0, 3.0))  # no singletons: nothing unseen


# ---------------------------------------------------------------- real landscapes

@pytest.mark.parametrize("n,starts", [(1, 64), (2, 256), (3, 1024), (4, 4096), (5, 8192), (6, 48_000)])
def test_separable_found_counts_equal_binomial_times_power_of_two(n, starts):
    land = build("separable", {"dim": n, "seed": n})
    r = count_critical(n, landscape=land, starts=starts, seed=1).landscape
    expected = [math.comb(n, k) * 2 ** (n - k) for k in range(n + 1)]
    assert r.found_by_index == expected
    assert len(r.critical.points) == 3**n
    assert r.to_dict()["morse_sum"] == 1
    # every found point is one of the closed-form points
    known = land.known_critical_points()
    found = np.array([p.x for p in r.critical.points])
    d = np.linalg.norm(found[:, None, :] - known[None, :, :], axis=-1).min(axis=1)
    assert d.max() < 1e-8


def test_separable_estimate_flags_an_incomplete_search():
    """300 random starts alone miss some of the 243 points, and the estimate says so; the
    count (whose search then starts next to the points found) gets all 243."""
    from landscape.critical import find_critical_points

    land = build("separable", {"dim": 5, "seed": 2})
    alone = find_critical_points(land, starts=300, seed=0, neighbours=False)
    assert len(alone.points) < 243
    assert alone.estimated_total > len(alone.points)  # singletons betray the points not yet found
    r = count_critical(5, landscape=land, starts=300, seed=0).landscape
    assert len(r.critical.points) == 243 and r.to_dict()["morse_sum"] == 1


def test_random_field_critical_points_are_critical_and_morse_sum_is_one():
    land = build("random-field", {"dim": 2, "features": 32, "mu": 1.0, "seed": 4})
    r = count_critical(2, landscape=land, starts=4096, seed=0).landscape
    pts = r.critical.points
    assert len(pts) >= 3
    g = np.linalg.norm(land.grad(np.array([p.x for p in pts])), axis=-1)
    assert np.all(g <= r.critical.gtol)
    # confining mu/2 |x|^2: the Euler characteristic of the plane, 1 = minima - saddles + maxima
    assert r.to_dict()["morse_sum"] == 1


def test_random_field_starts_follow_its_critical_points():
    """x_j = -d_j phi / mu at a critical point, so the starts are N(0, (sigma_j / mu)^2) per
    coordinate, which holds the critical points found (their spread is about 3/4 of it); in 5 dimensions
    a third of them converge, against 4% of uniform starts in the box (the README's numbers;
    measured 33% and 4.1% on 1024 starts)."""
    from landscape.critical import landscape_scales
    from landscape.families.base import Landscape
    from landscape.newton import newton_solve, quantum_for

    land = build("random-field", {"dim": 5})
    box = np.asarray(land.domain)
    diag = float(np.linalg.norm(box[:, 1] - box[:, 0]))
    sigma = np.sqrt(np.mean(land._w**2, axis=0)) / land.mu
    x_gauss = land.sample_starts(land.domain, 1024, 0)
    assert np.allclose(x_gauss.std(axis=0), sigma, rtol=0.1) and np.abs(x_gauss.mean(axis=0)).max() < 0.1 * sigma.min()
    half = 4.5 * sigma
    x_uniform = Landscape.sample_starts(land, np.stack([-half, half], axis=1), 1024, 0)
    gscale, _ = landscape_scales(land, x_gauss)
    rates = []
    for x0 in (x_gauss, x_uniform):
        x, _, ok, _ = newton_solve(land, x0, gtol=1e-9 * gscale, xtol=1e-10 * diag, max_step=0.25 * diag,
                                   quantum=quantum_for(diag), box=box)
        rates.append(ok.mean())
        if x0 is x_gauss:
            found = x[ok]
    assert rates[0] > 0.25 and rates[1] < 0.08
    # the critical points' own spread is narrower (measured 0.70-0.81 sigma), inside the starts'
    spread = found.std(axis=0) / sigma
    assert np.all((spread > 0.6) & (spread < 0.9))
