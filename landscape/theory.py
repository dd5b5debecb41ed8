"""Closed forms for gradient descent near a critical point p.

With H(p) = V diag(lambda) V^T and y = V^T (x - p), GD on the quadratic model is

    y_i(k) = (1 - eta lambda_i)^k y_i(0),

so a direction with lambda_i < 0 grows by |1 - eta lambda_i| = 1 + eta |lambda_i|
per step, and a start at distance |y_u(0)| from the stable manifold leaves a
ball of radius r after about

    k* = ln(r / |y_u(0)|) / ln|1 - eta lambda_min|

steps. Every direction contracts only when |1 - eta lambda_i| < 1 for all
lambda_i > 0, i.e. eta < 2 / lambda_max.
"""

from __future__ import annotations

import numpy as np


def linearised_iterate(eigenvalues, y0, eta: float, steps) -> np.ndarray:
    """y_i(k) = (1 - eta lambda_i)^k y_i(0) for every k in ``steps``.

    eigenvalues (n,), y0 (..., n), steps (K,) -> (K, ..., n).
    """
    k = np.asarray(steps, dtype=float).reshape((-1,) + (1,) * np.ndim(y0))
    return (1.0 - eta * np.asarray(eigenvalues)) ** k * np.asarray(y0)


def predicted_escape_step(eigenvalues, y0, eta: float, radius: float) -> np.ndarray:
    """k* = ln(radius / |y_u(0)|) / ln|1 - eta lambda_min|, per start.

    eigenvalues (n,) ascending, y0 (..., n) in the eigenbasis. The unstable
    component y_u is the one along the most negative eigenvalue. NaN where
    there is no growing direction (lambda_min >= 0) and +inf where y_u(0) = 0
    (a start on the stable manifold never leaves).
    """
    lam = np.asarray(eigenvalues, dtype=float)
    yu = np.abs(np.asarray(y0, dtype=float)[..., int(np.argmin(lam))])
    if lam.min() >= 0:
        return np.full(yu.shape, np.nan)
    rate = np.log(abs(1.0 - eta * lam.min()))
    with np.errstate(divide="ignore"):
        return np.log(radius / yu) / rate


def stability_bound(eigenvalues) -> float:
    """2 / lambda_max: GD converges to a minimum only for eta below it (inf if lambda_max <= 0)."""
    top = float(np.max(eigenvalues))
    return 2.0 / top if top > 0 else float("inf")


def escape_slope(eigenvalues, eta: float) -> float:
    """d k* / d ln(1/eps) = 1 / ln|1 - eta lambda_min|."""
    return 1.0 / float(np.log(abs(1.0 - eta * np.min(eigenvalues))))


# --- every linear optimizer as a two-term recurrence per eigen-direction ----------

LINEAR_METHODS = ("gd", "heavy-ball", "nesterov", "newton", "saddle-free-newton")


def linear_recurrence(method: str, eigenvalues, eta: float, beta: float = 0.0,
                      damping: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, D, F) per eigenvalue: y_{k+1} = T y_k - D y_{k-1} for k >= 1 and y_1 = F y_0.

    With a = eta lambda (and momentum started at zero):
      gd                 T = 1 - a,                 D = 0,             F = T
      heavy-ball         T = 1 + beta - a,          D = beta,          F = 1 - a
      nesterov           T = (1 + beta)(1 - a),     D = beta (1 - a),  F = 1 - a (1 + beta)
      newton             T = 1 - eta lambda / (lambda + damping),       D = 0, F = T
      saddle-free-newton T = 1 - eta lambda / (|lambda| + damping),     D = 0, F = T
    The momentum rows are the trace and determinant of each method's 2x2 state
    matrix (Cayley-Hamilton), so y_k = c1 z1^k + c2 z2^k with z the roots of
    z^2 - T z + D.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    a = eta * lam
    zero = np.zeros_like(lam)
    if method == "gd":
        return 1 - a, zero, 1 - a
    if method == "heavy-ball":
        return 1 + beta - a, np.full_like(lam, beta), 1 - a
    if method == "nesterov":
        return (1 + beta) * (1 - a), beta * (1 - a), 1 - a * (1 + beta)
    if method in ("newton", "saddle-free-newton"):
        with np.errstate(divide="ignore", invalid="ignore"):
            q = 1 - a / ((lam if method == "newton" else np.abs(lam)) + damping)
        return q, zero, q
    raise ValueError(f"no linear recurrence for {method!r}; linear methods: {', '.join(LINEAR_METHODS)}")


def recurrence_roots(T, D) -> tuple[np.ndarray, np.ndarray]:
    """Roots of z^2 - T z + D, the one of larger modulus first (complex dtype)."""
    T, D = np.asarray(T, dtype=complex), np.asarray(D, dtype=complex)
    s = np.sqrt(T * T - 4 * D)
    z1, z2 = (T + s) / 2, (T - s) / 2
    swap = np.abs(z2) > np.abs(z1)
    return np.where(swap, z2, z1), np.where(swap, z1, z2)


def recurrence_iterate(T, D, F, y0, steps) -> np.ndarray:
    """y_k of y_{k+1} = T y_k - D y_{k-1}, y_1 = F y_0, for every k in ``steps``.

    T, D, F broadcast against y0 (..., n); returns (K, ..., n), real. Uses
    y_k = c1 z1^k + c2 z2^k, c1 = (y_1 - z2 y_0)/(z1 - z2), and for a double
    root y_k = z^k (y_0 + k (y_1 / z - y_0)).
    """
    y0 = np.asarray(y0, dtype=float)
    k = np.asarray(steps, dtype=float).reshape((-1,) + (1,) * max(y0.ndim, np.ndim(T)))
    z1, z2 = recurrence_roots(T, D)
    y1 = np.asarray(F) * y0
    gap = z1 - z2
    double = np.abs(gap) <= 1e-12 * np.maximum(np.abs(z1), 1e-300)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        c1 = np.where(double, 0, (y1 - z2 * y0) / np.where(double, 1, gap))
        c2 = y0 - c1
        distinct = c1 * z1**k + c2 * z2**k
        safe = np.where(z1 == 0, 1, z1)
        repeated = z1**k * (y0 + k * (y1 / safe - y0))
    return np.real(np.where(double, repeated, distinct))


def growth_coefficient(T, D, F) -> tuple[np.ndarray, np.ndarray]:
    """(|z1|, |c1| / y_0): the dominant root and the weight of its mode, per unit y_0."""
    z1, z2 = recurrence_roots(T, D)
    with np.errstate(divide="ignore", invalid="ignore"):
        c1 = (np.asarray(F) - z2) / (z1 - z2)
    return np.abs(z1), np.abs(c1)


def predicted_escape(method: str, lam_min: float, y_u, radius: float, eta: float,
                     beta: float = 0.0, damping: float = 0.0) -> np.ndarray:
    """Linearised escape step k* = ln(radius / (|c1| |y_u|)) / ln|z1| along the most
    negative eigenvalue, for a start whose component along it is y_u.

    For GD this is ln(radius / |y_u|) / ln(1 + eta |lambda_min|); for momentum z1 is
    the larger root of the 2x2 recurrence. NaN when the direction does not grow.
    """
    T, D, F = linear_recurrence(method, np.array([lam_min]), eta, beta, damping)
    rho, c1 = growth_coefficient(T, D, F)
    y_u = np.abs(np.asarray(y_u, dtype=float))
    if not rho[0] > 1:
        return np.full(y_u.shape, np.nan)
    with np.errstate(divide="ignore"):
        return np.log(radius / (c1[0] * y_u)) / np.log(rho[0])


def stability_bounds(lam_max: float, beta: float = 0.0) -> dict[str, float]:
    """Largest stable eta per method on a quadratic whose top eigenvalue is lam_max.

    Jury's conditions on z^2 - T z + D give: GD 2/lam_max, heavy ball
    2(1 + beta)/lam_max, Nesterov 2(1 + beta)/((1 + 2 beta) lam_max).
    """
    if lam_max <= 0:
        return {"gd": np.inf, "heavy-ball": np.inf, "nesterov": np.inf}
    return {"gd": 2 / lam_max, "heavy-ball": 2 * (1 + beta) / lam_max,
            "nesterov": 2 * (1 + beta) / ((1 + 2 * beta) * lam_max)}


def median_unstable_fraction(dim: int, unstable: int = 1) -> float:
    """Median of |P_u xi| for xi uniform on the unit sphere S^{dim-1} and P_u the
    projection onto ``unstable`` coordinates: |P_u xi|^2 ~ Beta(u/2, (dim-u)/2)."""
    if unstable >= dim:
        return 1.0
    from scipy.stats import beta as beta_dist

    return float(np.sqrt(beta_dist.ppf(0.5, unstable / 2, (dim - unstable) / 2)))


# --- two-layer linear network (Saxe, McClelland and Ganguli 2014) -------------------

def saxe_mode_strength(s, u0, t) -> np.ndarray:
    """u(t) = s e^{2st} / (e^{2st} - 1 + s/u0): gradient flow of a balanced mode
    (du/dt = 2u(s - u)) of strength s from u0, t in units of eta x steps."""
    s, u0, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (s, u0, t)))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(-2 * s * t)
        return s / (1 - e + e * s / u0)


def saxe_learn_time(s, u0, fraction: float = 0.5) -> np.ndarray:
    """t = ln(u_f (s - u0) / (u0 (s - u_f))) / (2s) with u_f = fraction * s: the time
    for a mode of strength s to grow from u0 to that fraction (eq. 7 of Saxe et al.)."""
    s, u0 = np.asarray(s, dtype=float), np.asarray(u0, dtype=float)
    uf = fraction * s
    return np.log(uf * (s - u0) / (u0 * (s - uf))) / (2 * s)


def saxe_gd_learn_steps(s, u0, eta: float, fraction: float = 0.5) -> np.ndarray:
    """GD steps to learn the mode: the flow time / eta, stretched by eta s / ln(1 + eta s).

    While u << s, GD multiplies u by (1 + eta s)^2 per step where the flow gives
    e^{2 eta s}; the growth phase dominates the time, so the steps are the flow's
    times that ratio (it tends to 1 as eta s -> 0).
    """
    s = np.asarray(s, dtype=float)
    return saxe_learn_time(s, u0, fraction) / eta * (eta * s / np.log1p(eta * s))


# --- the saddle chain (after Du et al. 2017) -----------------------------------------

def chain_phase_ends(x0, eta: float, gamma: float, L: float, a: float, level: float = 0.5) -> np.ndarray:
    """Linearised GD times t_i at which x_i reaches ``level`` a on the saddle chain.

    x_i grows by (1 + eta gamma) per step once x_{i-1} has arrived, and shrinks by
    (1 - eta L) per step before: t_i = t_{i-1} + [ln(level a / |x_i(t_{i-1})|) + c] / ln(1 + eta gamma)
    with |x_i(t_{i-1})| = |x_i(0)| (1 - eta L)^{t_{i-1}}, t_0 = 0. The constant
    c = ln(1 / (1 - level^2)) / 2 is the end of the escape: with its gate open x_i follows
    dy/dt = gamma y (1 - y^2/a^2), whose solution has y^2 / (a^2 - y^2) growing like e^{2 gamma t}. So
    t_i ~ (1 + kappa) t_{i-1}, kappa = ln(1/(1 - eta L)) / ln(1 + eta gamma): the time
    grows geometrically with the chain's length. x0 (..., d) -> (..., d).
    """
    x0 = np.abs(np.asarray(x0, dtype=float))
    up, down = np.log1p(eta * gamma), -np.log1p(-eta * L)
    t = np.zeros(x0.shape[:-1])
    end = 0.5 * np.log(1 / (1 - level**2))
    out = []
    for i in range(x0.shape[-1]):  # a recursion over the chain, not over points
        t = t + (np.maximum(np.log(level * a / x0[..., i]) + t * down, 0.0) + end) / up
        out.append(t)
    return np.stack(out, -1)


def dropout_relu_moments(p: float) -> dict[str, float]:
    """Moments of inverted dropout on a ReLU of a standard normal: h~ = ReLU(z) m / (1 - p),
    z ~ N(0, 1), m ~ Bernoulli(1 - p).

    With q = 1 - p and E[ReLU(z)^k] = 1/sqrt(2 pi), 1/2, sqrt(2/pi), 3/2 for k = 1..4,
    E[h~^k] = E[ReLU(z)^k] / q^(k-1), so

        E[h~] = 1/sqrt(2 pi),   Var[h~] = 1/(2q) - 1/(2 pi).

    Also the fourth central moment mu4, which sets the standard error of a sample
    variance from N draws: sqrt((mu4 - Var^2) / N).
    """
    q = 1.0 - p
    m1, m2, m3, m4 = 1 / np.sqrt(2 * np.pi), 0.5 / q, np.sqrt(2 / np.pi) / q**2, 1.5 / q**3
    var = m2 - m1 * m1
    mu4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * m1**4
    return {"mean": float(m1), "variance": float(var), "mu4": float(mu4)}


def binomial_poisson_distance(units: int, rate: float) -> tuple[float, float]:
    """(total variation between Binomial(M, rate/M) and Poisson(rate), the Barbour-Hall bound).

    The number of units dropout keeps among M, each with probability q = rate/M,
    is Binomial(M, q); as M grows at fixed M q it tends to Poisson(M q), with
    d_TV <= (1 - e^{-rate}) q (Barbour and Hall 1984).
    """
    from scipy import stats

    q = rate / units
    k = np.arange(units + 1)
    binom, pois = stats.binom.pmf(k, units, q), stats.poisson.pmf(k, rate)
    tv = 0.5 * (np.abs(binom - pois).sum() + stats.poisson.sf(units, rate))
    return float(tv), float((1 - np.exp(-rate)) * q)
