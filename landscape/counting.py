"""How many critical points of each index: sign configurations, random Hessians, exact GOE.

Three pictures of the Hessian at a critical point of an n-dimensional function:

* **signs** (the coin-flip picture): each eigenvalue is + or - independently, so
  of the 2^n sign configurations C(n, k) have index k; one is a minimum, one a
  maximum and 2^n - 2 are saddles. Exact Python integers for any n.
* **ensembles**: random symmetric matrices (``ENSEMBLES``) sampled in batches
  and classified by their inertia (``spectrum.hessian_inertia``), with Wilson
  95% intervals on every fraction.
* **GOE exact**: the probability that a GOE matrix has index k, for every k,
  from the joint eigenvalue density with de Bruijn's Pfaffian formula
  (``goe_index_distribution``). P(index 0) falls like exp(-theta n^2) with
  theta = ln(3)/4 (Dean and Majumdar 2006), far faster than 2^-n.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from .errors import LandscapeError
from .schema import SCHEMA_VERSION
from .stats import wilson_interval

THETA_GOE = math.log(3) / 4
"""Rate of P(all eigenvalues > 0) ~ exp(-theta n^2) for the GOE (Dean and Majumdar 2006)."""

SIGNS_MAX_DIM = 10_000
ENUMERATE_MAX_DIM = 20
ENSEMBLE_MAX_DIM = 1000
GOE_EXACT_MAX_DIM = 40
GOE_INDEX_EXACT_MAX_DIM = 24
"""The full exact index distribution costs n + 1 Pfaffians; beyond this only P(index 0)."""


def binomial_row(n: int) -> list[int]:
    """[C(n, 0), ..., C(n, n)] as exact integers, by C(n, k+1) = C(n, k) (n - k) / (k + 1)."""
    row = [1]
    for k in range(n):
        row.append(row[-1] * (n - k) // (k + 1))
    return row


@dataclass(frozen=True)
class SignCount:
    """The coin-flip picture in n dimensions: sign configurations by index, exactly.

    by_index[k] = C(n, k); minima = maxima = 1; saddles = 2^n - 2 (0 for n = 1,
    where the two configurations are the minimum and the maximum).
    """

    dim: int
    by_index: tuple[int, ...]

    @property
    def sign_configurations(self) -> int:
        return 1 << self.dim

    @property
    def minima(self) -> int:
        return self.by_index[0]

    @property
    def maxima(self) -> int:
        return self.by_index[-1]

    @property
    def saddles(self) -> int:
        return sum(self.by_index[1:-1])

    @property
    def saddle_ratio(self) -> int:
        """Saddles per minimum."""
        return self.saddles // self.minima

    def to_dict(self) -> dict:
        return {"dim": self.dim, "model": "signs",
                "sign_configurations": exact_json(self.sign_configurations),
                "minima": exact_json(self.minima), "maxima": exact_json(self.maxima),
                "saddles": exact_json(self.saddles),
                "saddles_per_minimum": exact_json(self.saddle_ratio),
                "by_index": [exact_json(c) for c in self.by_index]}


def sign_counts(n: int) -> SignCount:
    """The exact sign-configuration counts of an n x n Hessian, 1 <= n <= SIGNS_MAX_DIM."""
    check_dim(n, SIGNS_MAX_DIM, "the signs model")
    return SignCount(dim=n, by_index=tuple(binomial_row(n)))


def exact_json(value: int) -> int | str:
    """An integer as JSON: a number up to 2^53 (exact in every JSON reader), a decimal string above."""
    return int(value) if value <= 2**53 else str(value)


def compact_int(value: int, digits: int = 5) -> str:
    """An exact integer for a table: written out below 10^12, else as mantissa e+exponent."""
    if value < 10**12:
        return str(value)
    text = str(value)  # at most a few thousand digits here, well inside Python's limit
    head = text[:17]
    mantissa, exponent = float(head) / 10 ** (len(head) - 1), len(text) - 1
    shown = f"{mantissa:.{digits - 1}f}"
    if shown.startswith("10"):  # 9.99996 rounds up
        shown, exponent = f"{1:.{digits - 1}f}", exponent + 1
    return f"{shown}e+{exponent}"


def index_moments(weights) -> tuple[float, float]:
    """Mean and variance of the index k from counts or probabilities by k = 0..n."""
    w = np.asarray(weights, dtype=float)
    w = w / max(w.sum(), 1e-300)
    k = np.arange(w.size)
    mean = float(k @ w)
    return mean, float((k - mean) ** 2 @ w)


def check_samples(samples) -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise LandscapeError(f"--samples must be a positive integer, got {samples}")


def check_dim(n, limit: int, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 1 <= n <= limit:
        raise LandscapeError(f"--dim must be an integer from 1 to {limit} for {what}, got {n}")


def enumerate_signs(n: int, progress: Callable[[int], None] | None = None,
                    seed: int = 0) -> list[int]:
    """Walk all 2^n sign vectors, classify each diagonal Hessian, count by index.

    Hessian b is diag(s_b * m) with s_b the b-th sign vector and m a fixed set of
    seeded magnitudes in [0.5, 2]; each is classified by the same inertia
    routine as the sampled ensembles (``spectrum.hessian_inertia``). The counts
    must equal C(n, k). Returns [count of index 0, ..., count of index n].
    """
    from .spectrum import hessian_inertia

    check_dim(n, ENUMERATE_MAX_DIM, "--enumerate")
    magnitudes = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    bits = 1 << np.arange(n)
    counts = np.zeros(n + 1, dtype=np.int64)
    chunk = min(1 << n, 1 << 14)
    eye = np.eye(n)
    for start in range(0, 1 << n, chunk):
        b = np.arange(start, min(start + chunk, 1 << n))
        signs = np.where(b[:, None] & bits, -1.0, 1.0)
        n_neg, n_zero, _, _ = hessian_inertia((signs * magnitudes)[:, :, None] * eye)
        if np.any(n_zero):
            raise LandscapeError("a diagonal Hessian with entries of size >= 0.5 came out degenerate")
        counts += np.bincount(n_neg, minlength=n + 1)
        if progress:
            progress(len(b))
    return counts.tolist()


# ---------------------------------------------------------------- ensembles

class Ensemble(NamedTuple):
    """A random symmetric matrix model: ``sample(rng, count, n) -> (count, n, n)``."""

    sample: Callable[[np.random.Generator, int, int], np.ndarray]
    summary: str


def _goe(rng, count, n):
    """H = (A + A^T) / 2, A_ij ~ N(0, 1): H_ii ~ N(0, 1), H_ij ~ N(0, 1/2), density ~ exp(-tr H^2 / 2)."""
    a = rng.standard_normal((count, n, n))
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def _coin(rng, count, n):
    """H = diag(g), g_i ~ N(0, 1): eigenvalue signs are independent fair coins."""
    return rng.standard_normal((count, n)).reshape(count, n, 1) * np.eye(n)


def _wishart_shifted(rng, count, n):
    """H = X^T X / n - I with X (n x n) of N(0, 1): Marchenko-Pastur on [0, 4] moved to mean 0."""
    x = rng.standard_normal((count, n, n))
    return np.swapaxes(x, -1, -2) @ x / n - np.eye(n)


ENSEMBLES: dict[str, Ensemble] = {
    "goe": Ensemble(_goe, "Gaussian orthogonal ensemble, density ~ exp(-tr H^2 / 2)"),
    "coin": Ensemble(_coin, "independent eigenvalue signs (diagonal Gaussian matrices)"),
    "wishart-shifted": Ensemble(_wishart_shifted, "X^T X / n - I: a Wishart matrix shifted to mean 0"),
}


@dataclass(frozen=True)
class EnsembleCount:
    """Index counts of ``samples`` random n x n matrices from one ensemble.

    by_index (n+1,) counts of index k among the non-degenerate matrices;
    degenerate: matrices with an eigenvalue within rtol * ||H||_F of zero.
    """

    dim: int
    model: str
    samples: int
    seed: int
    by_index: tuple[int, ...]
    degenerate: int

    @property
    def fractions(self) -> np.ndarray:
        return np.asarray(self.by_index) / self.samples

    @property
    def fraction_ci(self) -> tuple[np.ndarray, np.ndarray]:
        return wilson_interval(self.by_index, self.samples)

    @property
    def p_minimum(self) -> float:
        return self.by_index[0] / self.samples

    @property
    def index_mean(self) -> float:
        return index_moments(self.by_index)[0]

    @property
    def index_variance(self) -> float:
        return index_moments(self.by_index)[1]

    def to_dict(self) -> dict:
        lo, hi = self.fraction_ci
        saddles = sum(self.by_index[1:-1]) if self.dim > 1 else 0
        return {"dim": self.dim, "model": self.model, "samples": self.samples, "seed": self.seed,
                "minima": self.by_index[0], "maxima": self.by_index[-1], "saddles": saddles,
                "degenerate": self.degenerate, "by_index": list(self.by_index),
                "fractions": self.fractions, "fractions_ci": [[a, b] for a, b in zip(lo, hi)],
                "p_minimum": self.p_minimum, "ci": [lo[0], hi[0]],
                "index_mean": self.index_mean, "index_variance": self.index_variance}


SAMPLE_CHUNK = 1 << 14


def sample_ensemble(model: str, n: int, samples: int, seed: int = 0,
                    progress: Callable[[int], None] | None = None) -> EnsembleCount:
    """Draw ``samples`` matrices of ``ENSEMBLES[model]`` in chunks and count them by index.

    The chunks are drawn in order from one ``default_rng(seed)``, so the counts
    depend on the seed only. ``progress(k)`` is called after each chunk of k.
    """
    from .spectrum import hessian_inertia

    if model not in ENSEMBLES:
        raise LandscapeError(f"unknown model {model!r}; expected one of signs, {', '.join(ENSEMBLES)}")
    check_dim(n, ENSEMBLE_MAX_DIM, f"the {model} model")
    check_samples(samples)
    rng = np.random.default_rng(seed)
    counts = np.zeros(n + 1, dtype=np.int64)
    degenerate = 0
    chunk = max(1, min(SAMPLE_CHUNK, (1 << 22) // (n * n)))
    for start in range(0, samples, chunk):
        size = min(chunk, samples - start)
        n_neg, n_zero, _, _ = hessian_inertia(ENSEMBLES[model].sample(rng, size, n))
        ok = n_zero == 0
        counts += np.bincount(n_neg[ok], minlength=n + 1)
        degenerate += int(size - ok.sum())
        if progress:
            progress(size)
    return EnsembleCount(dim=n, model=model, samples=samples, seed=seed,
                         by_index=tuple(int(c) for c in counts), degenerate=degenerate)


# ---------------------------------------------------------------- GOE, exactly

@dataclass(frozen=True)
class GoeExact:
    """Exact index distribution of an n x n GOE matrix (density ~ exp(-tr H^2 / 2)).

    by_index[k] = P(exactly k negative eigenvalues); log_p_minimum = ln P(k = 0),
    kept separately because P(k = 0) underflows doubles beyond n of about 45.
    """

    dim: int
    by_index: tuple[float, ...]
    log_p_minimum: float

    @property
    def p_minimum(self) -> float:
        return self.by_index[0]

    @property
    def index_mean(self) -> float:
        return index_moments(self.by_index)[0]

    @property
    def index_variance(self) -> float:
        return index_moments(self.by_index)[1]

    def to_dict(self) -> dict:
        return {"dim": self.dim, "p_minimum_exact": self.p_minimum,
                "log_p_minimum_exact": self.log_p_minimum,
                "by_index_exact": list(self.by_index),
                "index_mean_exact": self.index_mean, "index_variance_exact": self.index_variance,
                "rate_exact": -self.log_p_minimum / self.dim**2, "rate_limit": THETA_GOE}


def _precision(n: int) -> int:
    """Decimal digits for the Pfaffians: P(index 0) ~ 10^(-0.12 n^2) must stand well above rounding."""
    return 30 + n + math.ceil(THETA_GOE / math.log(10) * n * n)


def _pfaffian(a):
    """Pfaffian of a skew-symmetric mpmath matrix of even size, by elimination with pivoting.

    With pivot p = A[k, k+1], Pf(A) = p Pf(B) where the trailing block B loses
    (A[k, i] A[k+1, j] - A[k, j] A[k+1, i]) / p (a congruence that clears row k,
    so B stays skew-symmetric). Swapping rows and columns k+1 and q flips the sign.
    """
    import mpmath as mp

    a = a.copy()
    n = a.rows
    result = mp.mpf(1)
    for k in range(0, n - 1, 2):
        q = max(range(k + 1, n), key=lambda j: abs(a[k, j]))
        if q != k + 1:
            for j in range(n):
                a[k + 1, j], a[q, j] = a[q, j], a[k + 1, j]
            for j in range(n):
                a[j, k + 1], a[j, q] = a[j, q], a[j, k + 1]
            result = -result
        p = a[k, k + 1]
        if p == 0:
            return mp.mpf(0)
        result *= p
        rest = range(k + 2, n)
        u = {i: a[k, i] / p for i in rest}
        v = {i: a[k + 1, i] for i in rest}
        for i in rest:
            for j in rest:
                if j > i:
                    a[i, j] -= u[i] * v[j] - u[j] * v[i]
                    a[j, i] = -a[i, j]
    return result


class _DeBruijn:
    """The de Bruijn matrices of the GOE, weight w(x) = exp(-x^2/2) times z on x < 0.

    Ordered integral over x_1 < ... < x_n of prod_{i<j}(x_j - x_i) prod w_z(x_i)
    = Pf(A(z)), A_jk = iint sign(y - x) x^j y^k w_z(x) w_z(y) dx dy (j, k < n), bordered for
    odd n by A_{j,n} = int x^j w_z(x) dx. Splitting the plane into quadrants:
    A(z) = A++ + z A+- + z^2 A--, each piece in closed form:
    M_j = int_0^inf x^j e^{-x^2/2} dx = 2^{(j-1)/2} Gamma((j+1)/2), and by polar coordinates
    A++_jk = M_{j+k+1} int_0^{pi/2} sign(t - pi/4) cos^j t sin^k t dt (incomplete beta functions).
    Normalised by the ordered Mehta integral (2 pi)^{n/2} prod_j Gamma(1 + j/2) / Gamma(3/2) / n!,
    Pf(A(z)) is the generating polynomial sum_k P(index k) z^k.
    """

    def __init__(self, n: int):
        import mpmath as mp

        self.mp, self.n = mp, n
        half = mp.mpf(1) / 2
        m = [mp.power(2, mp.mpf(j - 1) / 2) * mp.gamma(mp.mpf(j + 1) / 2) for j in range(2 * n + 1)]
        self.moments = m

        def angular(j, k):
            a, b = mp.mpf(k + 1) / 2, mp.mpf(j + 1) / 2
            return mp.beta(a, b) / 2 - mp.betainc(a, b, 0, half)

        self.pp = [[m[j + k + 1] * angular(j, k) for k in range(n)] for j in range(n)]
        self.mix = [[((-1) ** j - (-1) ** k) * m[j] * m[k] for k in range(n)] for j in range(n)]
        self.mm = [[-((-1) ** (j + k)) * self.pp[j][k] for k in range(n)] for j in range(n)]
        mehta = (2 * mp.pi) ** (mp.mpf(n) / 2) * mp.fprod(
            mp.gamma(1 + mp.mpf(j) / 2) / mp.gamma(mp.mpf(3) / 2) for j in range(1, n + 1))
        self.norm = mehta / mp.factorial(n)

    def generating(self, z):
        """sum_k P(index k) z^k at one (complex) z."""
        mp, n = self.mp, self.n
        size = n + n % 2
        a = mp.matrix(size, size)
        for j in range(n):
            for k in range(n):
                a[j, k] = self.pp[j][k] + z * self.mix[j][k] + z * z * self.mm[j][k]
        if n % 2:
            for j in range(n):
                a[j, n] = self.moments[j] * (1 + z * (-1) ** j)
                a[n, j] = -a[j, n]
        return _pfaffian(a) / self.norm


def goe_minimum_probability(n: int) -> tuple[float, float]:
    """(P, ln P) that all n eigenvalues of a GOE matrix are positive, exactly (de Bruijn)."""
    import mpmath as mp

    check_dim(n, GOE_EXACT_MAX_DIM, "the exact GOE probabilities")
    with mp.workdps(_precision(n)):
        p = _DeBruijn(n).generating(mp.mpf(0))
        return float(p), float(mp.log(p))


def goe_index_distribution(n: int) -> GoeExact:
    """P(index = k) for k = 0..n of an n x n GOE matrix, exactly.

    The generating polynomial is evaluated at the n+1 roots of unity and its
    coefficients recovered by a discrete Fourier transform (perfectly
    conditioned: every error is relative to sum_k P_k = 1); P(index 0) is
    evaluated at z = 0 directly so it keeps full relative precision.
    """
    import mpmath as mp

    check_dim(n, GOE_EXACT_MAX_DIM, "the exact GOE probabilities")
    with mp.workdps(_precision(n)):
        db = _DeBruijn(n)
        m = n + 1
        roots = [mp.expjpi(mp.mpf(2 * r) / m) for r in range(m)]
        values = [db.generating(z) for z in roots]
        coef = [mp.re(mp.fsum(values[r] * mp.conj(roots[r]) ** k for r in range(m))) / m
                for k in range(m)]
        p0 = db.generating(mp.mpf(0))
        coef[0] = coef[n] = p0  # P(index 0) = P(index n) by H -> -H
        return GoeExact(dim=n, by_index=tuple(float(c) for c in coef),
                        log_p_minimum=float(mp.log(p0)))


# ---------------------------------------------------------------- curves over n

@dataclass(frozen=True)
class MinimumCurves:
    """P(minimum) against n: coin flips 2^-n, GOE exact, GOE sampled; the fitted GOE rate.

    log_p_goe[i] = ln P(all n_i eigenvalues > 0) exactly; sampled holds
    (n, p, low, high, samples) with Wilson 95% intervals. theta_fit is the
    least-squares fit of ln P = -theta n^2 + a n + b ln n + c over the upper half
    of the exact range (the finite-n corrections Dean and Majumdar's leading
    term leaves out), to set against THETA_GOE = ln(3)/4.
    """

    dims: tuple[int, ...]
    log_p_goe: tuple[float, ...]
    sampled: tuple[tuple[int, float, float, float, int], ...]
    theta_fit: float

    @property
    def theta_limit(self) -> float:
        """The large-n rate ln(3)/4 of Dean and Majumdar (2006)."""
        return THETA_GOE

    @property
    def log_p_coin(self) -> np.ndarray:
        return -np.asarray(self.dims) * math.log(2)

    def to_dict(self) -> dict:
        return {"dims": list(self.dims), "log_p_minimum_coin": self.log_p_coin,
                "log_p_minimum_goe_exact": list(self.log_p_goe),
                "goe_sampled": [{"dim": n, "p_minimum": p, "ci": [lo, hi], "samples": s}
                                for n, p, lo, hi, s in self.sampled],
                "theta_fit": self.theta_fit, "theta_limit": THETA_GOE}


def minimum_curves(n_max: int = 30, sampled_max: int = 6, samples: int = 1_000_000,
                   seed: int = 0, progress: Callable[[int], None] | None = None) -> MinimumCurves:
    """Exact ln P(minimum) of the GOE for n = 1..n_max and sampled values for n <= sampled_max.

    ``progress(1)`` is called after each exact n and each sampled n.
    """
    check_dim(n_max, GOE_EXACT_MAX_DIM, "the exact GOE probabilities")
    dims = tuple(range(1, n_max + 1))
    logs = []
    for n in dims:
        logs.append(goe_minimum_probability(n)[1])
        if progress:
            progress(1)
    sampled = []
    for n in range(1, min(sampled_max, n_max) + 1):
        count = sample_ensemble("goe", n, samples, seed=seed + n)
        lo, hi = count.fraction_ci
        sampled.append((n, count.p_minimum, float(lo[0]), float(hi[0]), samples))
        if progress:
            progress(1)
    upper = np.asarray(dims[len(dims) // 2:], dtype=float)
    if upper.size >= 4:
        design = np.column_stack([-upper**2, upper, np.log(upper), np.ones_like(upper)])
        theta = float(np.linalg.lstsq(design, np.asarray(logs[len(dims) // 2:]), rcond=None)[0][0])
    else:
        theta = float("nan")
    return MinimumCurves(dims=dims, log_p_goe=tuple(logs), sampled=tuple(sampled), theta_fit=theta)


# ---------------------------------------------------------------- real landscapes

@dataclass(frozen=True)
class LandscapeCount:
    """The critical points of one landscape found by the search, by index, with the estimated total.

    estimated_total is Chao1 from the re-find counts (``stats.chao1``); known_by_index
    is the closed-form count where the family has one (separable wells).
    """

    landscape: object
    critical: object  # critical.CriticalSet
    estimated_total: float | None
    estimated_total_ci: tuple

    @property
    def dim(self) -> int:
        """The size of the Hessians counted: N in R^N, N - 1 on the sphere (pspin)."""
        return self.landscape.tangent_dim

    @property
    def found_by_index(self) -> list[int]:
        counts = [0] * (self.dim + 1)
        for p in self.critical.points:
            if p.kind != "degenerate":
                counts[p.index] += 1
        return counts

    @property
    def known_by_index(self) -> list[int] | None:
        known = getattr(self.landscape, "known_index_counts", None)
        return known() if known else None

    def to_dict(self) -> dict:
        cs = self.critical
        by_index = self.found_by_index
        n = self.dim
        found = len(cs.points)
        out = {"dim": n, "model": "landscape", "landscape": self.landscape.describe(),
               "sign_configurations": exact_json(1 << n),
               "minima": cs.counts["minimum"], "maxima": cs.counts["maximum"],
               "saddles": cs.counts["saddle"], "degenerate": cs.counts["degenerate"],
               "by_index": by_index, "found": found, "found_by_index": by_index,
               "starts": cs.starts, "converged": cs.converged,
               "estimated_total": self.estimated_total,
               "estimated_total_ci": list(self.estimated_total_ci), "estimator": "chao1",
               "morse_sum": sum((-1) ** k * c for k, c in enumerate(by_index)),
               "expected_by_index_binomial": [found * c / 2**n for c in binomial_row(n)]}
        known = self.known_by_index
        if known is not None:
            out["known_total"] = sum(known)
            out["known_by_index"] = known
        out.update({k: v for k, v in cs.to_dict().items() if k not in ("counts",)})
        return out


def count_landscape(landscape, *, starts: int, seed: int = 0, jobs: int = 1,
                    max_newton_steps: int | None = None, max_seconds: float | None = None,
                    progress: Callable[[int], None] | None = None) -> LandscapeCount:
    """Find, classify and count the critical points of ``landscape`` in its domain."""
    from .critical import find_critical_points

    found = find_critical_points(landscape, starts=starts, seed=seed, jobs=jobs,
                                 max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                                 progress=progress)
    return LandscapeCount(landscape=landscape, critical=found, estimated_total=found.estimated_total,
                          estimated_total_ci=found.estimated_total_ci)


# ---------------------------------------------------------------- one call behind `count-critical`

MODELS = ("signs",) + tuple(ENSEMBLES)


@dataclass(frozen=True)
class CountCritical:
    """Everything `landscape count-critical` reports for one dimension n.

    signs is always there; enumerated when asked; ensemble for a sampled model;
    goe (the exact index distribution) for the GOE model, for landscapes and for
    figures; goe_minimum (P, ln P) for the GOE beyond the full distribution's
    range; landscape for --landscape; curves (P(minimum) against n) for figures.
    """

    dim: int
    model: str
    signs: SignCount
    enumerated: list[int] | None = None
    ensemble: EnsembleCount | None = None
    goe: GoeExact | None = None
    goe_minimum: tuple[float, float] | None = None
    landscape: LandscapeCount | None = None
    curves: MinimumCurves | None = None

    def to_dict(self) -> dict:
        n = self.dim
        out: dict = {"schema_version": SCHEMA_VERSION}
        if self.landscape is not None:
            out.update(self.landscape.to_dict())
        elif self.ensemble is not None:
            out["sign_configurations"] = exact_json(self.signs.sign_configurations)
            out.update(self.ensemble.to_dict())
        else:
            out.update(self.signs.to_dict())
        out["binomial_fractions"] = [c / 2**n for c in self.signs.by_index]
        out["index_variance_binomial"] = n / 4
        if self.enumerated is not None:
            out["enumerated_by_index"] = self.enumerated
            out["enumeration_agrees"] = self.enumerated == list(self.signs.by_index)
        if self.goe is not None:
            out.update(self.goe.to_dict())
            out["index_variance_goe_asymptotic"] = math.log(n) / math.pi**2
            if self.landscape is not None:
                found = len(self.landscape.critical.points)
                out["expected_by_index_goe"] = [found * p for p in self.goe.by_index]
        elif self.goe_minimum is not None:
            out["p_minimum_exact"], out["log_p_minimum_exact"] = self.goe_minimum
            out["rate_exact"] = -self.goe_minimum[1] / n**2
            out["rate_limit"] = THETA_GOE
        if self.curves is not None:
            out["curves"] = self.curves.to_dict()
        return out


def count_critical(dim: int, model: str = "signs", *, enumerate_all: bool = False,
                   samples: int = 100_000, seed: int = 0, landscape=None, starts: int = 4096,
                   curves: bool = False, curves_max: int = 30, jobs: int = 1,
                   max_newton_steps: int | None = None, max_seconds: float | None = None,
                   progress=None) -> CountCritical:
    """Count critical points by index in ``dim`` dimensions under one model, or on a landscape.

    ``progress(label, total)`` (optional) returns a callable taking the work done
    since its last call; it is asked for each phase that takes time. ``jobs`` worker
    processes search a landscape (the counts do not depend on it); ``max_newton_steps``
    and ``max_seconds`` bound its search (``critical.find_critical_points``).
    """
    if model not in MODELS:
        raise LandscapeError(f"unknown model {model!r}; expected one of {', '.join(MODELS)}")
    if enumerate_all and (model != "signs" or landscape is not None):
        raise LandscapeError("--enumerate walks the sign configurations: use it with the signs model only")
    if landscape is not None and model != "signs":
        raise LandscapeError("--model and --landscape answer different questions; give one of them")

    # every input is checked before any work starts, so an error never follows a progress bar
    if enumerate_all:
        check_dim(dim, ENUMERATE_MAX_DIM, "--enumerate")
    if model in ENSEMBLES:
        check_dim(dim, ENSEMBLE_MAX_DIM, f"the {model} model")
        check_samples(samples)
        from .budget import need_work

        # an inertia count is an n^3/3 LDL^T per shift; eigvalsh beyond 50 costs ~ 4 n^3
        per = 2 * dim**3 / 3 if dim <= 50 else 4.0 * dim**3
        need_work(samples * (per + 100.0), f"sampling {samples} {model} matrices of size {dim}",
                  "lower --samples or --dim")
    if landscape is not None and (isinstance(starts, bool) or not isinstance(starts, int) or starts < 1):
        raise LandscapeError(f"--starts must be a positive integer, got {starts}")
    if landscape is not None:
        from .critical import check_search_budget

        check_search_budget(landscape, starts, newton_steps=max_newton_steps)

    def phase(label, total):
        return progress(label, total) if progress else None

    signs = sign_counts(dim)
    enumerated = ensemble = goe = goe_min = found = curve = None
    if enumerate_all:
        enumerated = enumerate_signs(dim, phase("enumerating sign vectors", 1 << dim), seed)
    if model in ENSEMBLES:
        ensemble = sample_ensemble(model, dim, samples, seed,
                                   phase(f"sampling {model} matrices", samples))
    if landscape is not None:
        found = count_landscape(landscape, starts=starts, seed=seed, jobs=jobs,
                                max_newton_steps=max_newton_steps, max_seconds=max_seconds,
                                progress=phase("searching for critical points", starts))
    if model == "goe" or landscape is not None or curves:
        if dim <= GOE_INDEX_EXACT_MAX_DIM:
            goe = goe_index_distribution(dim)
        elif model == "goe" and dim <= GOE_EXACT_MAX_DIM:
            goe_min = goe_minimum_probability(dim)
    if curves:
        top = min(max(curves_max, min(dim, GOE_EXACT_MAX_DIM)), GOE_EXACT_MAX_DIM)
        curve = minimum_curves(top, seed=seed, progress=phase("P(minimum) against n", top + 6))
    return CountCritical(dim=dim, model="landscape" if landscape is not None else model,
                         signs=signs, enumerated=enumerated, ensemble=ensemble, goe=goe,
                         goe_minimum=goe_min, landscape=found, curves=curve)
