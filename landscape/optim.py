"""Optimizers as (init, update) pairs built by chaining small transforms.

An Optimizer maps the gradient to a step: ``init(x) -> state`` and
``update(grad, state, x, landscape, rng) -> (step, state)``, batched over the
leading axes of ``x`` (B, n); the caller applies x <- x + step. A transform has
the same shape plus the raw gradient ``g`` as a last argument (so a transform
late in a chain can still test |grad f|), and ``chain(t1, t2, ...)`` feeds each
one's output to the next. State is a tuple of per-transform NamedTuples of
arrays; randomness enters only through the explicit ``numpy.random.Generator``
``rng``, so a seed fixes every run.

On a quadratic with Hessian eigenvalues lambda_i the linear optimizers act on
each eigen-coordinate separately; theory.linear_recurrence gives each one's
closed form.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

from .errors import LandscapeError


class Optimizer(NamedTuple):
    init: Callable[[np.ndarray], Any]
    update: Callable[..., tuple[np.ndarray, Any]]


class EmptyState(NamedTuple):
    pass


class TraceState(NamedTuple):
    momentum: np.ndarray  # (B, n)


class AdamState(NamedTuple):
    count: int
    mu: np.ndarray  # (B, n) first moment
    nu: np.ndarray  # (B, n) second moment


class KickState(NamedTuple):
    step: np.ndarray  # (B,) steps taken
    last_kick: np.ndarray  # (B,) step of the last kick, -inf before the first


def chain(*transforms: Optimizer) -> Optimizer:
    """Compose transforms: the step of one is the input of the next."""

    def init(x):
        return tuple(t.init(x) for t in transforms)

    def update(grad, state, x, landscape=None, rng=None):
        out, new_state = grad, []
        for t, s in zip(transforms, state):
            out, s = t.update(out, s, x, landscape, rng, grad)
            new_state.append(s)
        return out, tuple(new_state)

    return Optimizer(init, update)


def _stateless(fn) -> Optimizer:
    """A transform without state from fn(u, x, landscape, rng, g) -> u'."""
    return Optimizer(lambda x: EmptyState(),
                     lambda u, state, x, landscape=None, rng=None, g=None: (fn(u, x, landscape, rng, g), state))


def _need_rng(rng, what: str) -> np.random.Generator:
    if rng is None:
        raise LandscapeError(f"{what} is random: pass a numpy Generator as rng")
    return rng


# --- transforms -----------------------------------------------------------------

def scale(factor) -> Optimizer:
    """u <- factor * u (factor a number, or an array broadcasting against (B, n))."""
    return _stateless(lambda u, x, land, rng, g: factor * u)


def trace(beta: float, nesterov: bool = False) -> Optimizer:
    """Momentum buffer m <- beta m + u; emits m (heavy ball) or u + beta m (Nesterov).

    Chained with scale(-eta) this is Polyak's heavy ball,
    x_{k+1} = x_k - eta m_{k+1}, m_{k+1} = beta m_k + grad f(x_k), or Nesterov's
    accelerated gradient in the form of Sutskever et al. (2013).
    """

    def update(u, state, x, landscape=None, rng=None, g=None):
        m = beta * state.momentum + u
        return (u + beta * m if nesterov else m), TraceState(m)

    return Optimizer(lambda x: TraceState(np.zeros_like(x, dtype=float)), update)


def add_noise(sigma: float) -> Optimizer:
    """u <- u + sigma xi, xi ~ N(0, I): a stand-in for the noise of a minibatch gradient."""
    return _stateless(lambda u, x, land, rng, g: u + sigma * _need_rng(rng, "noisy-gd").standard_normal(u.shape))


def dropout(p: float) -> Optimizer:
    """u_i <- u_i m_i / (1 - p), m_i ~ Bernoulli(1 - p): unbiased, E[u'] = u."""

    def fn(u, x, land, rng, g):
        keep = _need_rng(rng, "dropout-gd").random(u.shape) >= p
        return np.where(keep, u / (1.0 - p), 0.0)

    return _stateless(fn)


def spectral_precondition(curvature: Callable[[np.ndarray], np.ndarray]) -> Optimizer:
    """u <- V diag(1 / curvature(lambda)) V^T u with H(x) = V diag(lambda) V^T.

    curvature(lambda) = lambda + delta is Newton (damped); |lambda| + delta is the
    saddle-free Newton of Dauphin et al. (2014). A zero curvature gives an
    infinite step, which the run records as a divergence.
    """

    def fn(u, x, landscape, rng, g):
        lam, V = np.linalg.eigh(landscape.hess(x))
        coeff = np.einsum("...ji,...j->...i", V, u)
        with np.errstate(divide="ignore", invalid="ignore"):
            coeff = coeff / curvature(lam)
        return np.einsum("...ij,...j->...i", V, coeff)

    return _stateless(fn)


def scale_by_adam(b1: float, b2: float, eps: float) -> Optimizer:
    """u <- mhat / (sqrt(vhat) + eps), the bias-corrected moments of Kingma and Ba (2015)."""

    def update(u, state, x, landscape=None, rng=None, g=None):
        k = state.count + 1
        mu = b1 * state.mu + (1 - b1) * u
        nu = b2 * state.nu + (1 - b2) * u * u
        out = (mu / (1 - b1**k)) / (np.sqrt(nu / (1 - b2**k)) + eps)
        return out, AdamState(k, mu, nu)

    return Optimizer(lambda x: AdamState(0, np.zeros_like(x, dtype=float), np.zeros_like(x, dtype=float)),
                     update)


def perturb(radius: float, g_thres: float, t_thres: int) -> Optimizer:
    """Add xi ~ uniform on the ball of ``radius`` when |grad f| <= g_thres, at most
    once every ``t_thres`` steps (Jin et al. 2017, "How to escape saddle points
    efficiently", Algorithm 2). Only the runs that qualify draw a kick."""

    def update(u, state, x, landscape=None, rng=None, g=None):
        k = state.step
        due = (np.linalg.norm(g, axis=-1) <= g_thres) & (k - state.last_kick >= t_thres)
        if due.any():
            rng = _need_rng(rng, "perturbed-gd")
            u = np.array(u, dtype=float)
            u[due] += ball(rng, int(due.sum()), u.shape[-1], radius)
        return u, KickState(k + 1, np.where(due, k, state.last_kick))

    def init(x):
        b = np.shape(x)[:-1]
        return KickState(np.zeros(b), np.full(b, -np.inf))

    return Optimizer(init, update)


def ball(rng: np.random.Generator, m: int, n: int, radius: float) -> np.ndarray:
    """m points uniform in the n-ball of ``radius``: a Gaussian direction times radius U^(1/n)."""
    d = rng.standard_normal((m, n))
    d /= np.linalg.norm(d, axis=-1, keepdims=True)
    return d * (radius * rng.random(m) ** (1.0 / n))[:, None]


def curvature_step(g_thres: float, length: float) -> Optimizer:
    """Where |grad f| <= g_thres and lambda_min(H) < 0, add ``length`` v_min, the unit
    eigenvector of the most negative eigenvalue, signed to go downhill
    (v . grad <= 0; + when the gradient is orthogonal to it)."""

    def fn(u, x, landscape, rng, g):
        small = np.linalg.norm(g, axis=-1) <= g_thres
        if not small.any():
            return u
        idx = np.flatnonzero(small)
        lam, V = np.linalg.eigh(landscape.hess(x[idx]))
        v = V[..., 0]
        sign = np.where(np.einsum("...i,...i->...", v, g[idx]) > 0, -1.0, 1.0)
        u = np.array(u, dtype=float)
        u[idx] += np.where(lam[..., :1] < 0, length * sign[:, None] * v, 0.0)
        return u

    return _stateless(fn)


# --- checked settings -------------------------------------------------------------

def _number(name: str, value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise LandscapeError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(v):
        raise LandscapeError(f"{name} must be a finite number, got {value!r}")
    return v


def positive(name: str, value) -> float:
    """``value`` as a finite float > 0, or a LandscapeError naming ``name``."""
    v = _number(name, value)
    if v <= 0:
        raise LandscapeError(f"{name} must be a positive number, got {value!r}")
    return v


def non_negative(name: str, value) -> float:
    v = _number(name, value)
    if v < 0:
        raise LandscapeError(f"{name} must be >= 0, got {value!r}")
    return v


def fraction(name: str, value) -> float:
    """A number in [0, 1)."""
    v = _number(name, value)
    if not 0 <= v < 1:
        raise LandscapeError(f"{name} must be in [0, 1), got {value!r}")
    return v


def count(name: str, value) -> int:
    v = _number(name, value)
    if v != int(v) or v < 1:
        raise LandscapeError(f"{name} must be a positive integer, got {value!r}")
    return int(v)


# --- the optimizers ---------------------------------------------------------------

def gd(eta: float = 0.1) -> Optimizer:
    """Gradient descent, x_{k+1} = x_k - eta grad f(x_k).

    Near a critical point with Hessian eigenpairs (lambda_i, v_i), the
    coordinates y_i = v_i . (x - p) follow y_i(k) = (1 - eta lambda_i)^k y_i(0)
    to first order; the iteration is stable only for eta < 2 / lambda_max.
    """
    return chain(scale(-positive("eta", eta)))


def heavy_ball(eta: float = 0.1, beta: float = 0.9) -> Optimizer:
    """Polyak's heavy ball: m_{k+1} = beta m_k + grad f(x_k), x_{k+1} = x_k - eta m_{k+1}.

    Per eigen-direction y_{k+1} = (1 + beta - eta lambda) y_k - beta y_{k-1}: a
    negative lambda grows like the larger root of z^2 - (1 + beta + eta|lambda|) z + beta.
    """
    return chain(trace(fraction("beta", beta)), scale(-positive("eta", eta)))


def nesterov(eta: float = 0.1, beta: float = 0.9) -> Optimizer:
    """Nesterov momentum: m_{k+1} = beta m_k + grad f(x_k), x_{k+1} = x_k - eta (grad f(x_k) + beta m_{k+1}).

    Per eigen-direction y_{k+1} = (1 + beta)(1 - eta lambda) y_k - beta (1 - eta lambda) y_{k-1}.
    """
    return chain(trace(fraction("beta", beta), nesterov=True), scale(-positive("eta", eta)))


def perturbed_gd(eta: float = 0.1, radius: float = 0.01, g_thres: float = 1e-3,
                 t_thres: int = 50) -> Optimizer:
    """GD plus a kick uniform in the ball of ``radius`` whenever |grad f| <= g_thres,
    at most once every ``t_thres`` steps (Jin et al. 2017)."""
    return chain(scale(-positive("eta", eta)),
                 perturb(positive("radius", radius), positive("g_thres", g_thres), count("t_thres", t_thres)))


def noisy_gd(eta: float = 0.1, sigma: float = 1e-3) -> Optimizer:
    """x_{k+1} = x_k - eta (grad f(x_k) + sigma xi_k), xi_k ~ N(0, I)."""
    return chain(add_noise(positive("sigma", sigma)), scale(-positive("eta", eta)))


def dropout_gd(eta: float = 0.1, p: float = 0.5) -> Optimizer:
    """GD on the gradient with each coordinate kept with probability 1 - p and scaled by 1/(1 - p)."""
    return chain(dropout(fraction("p", p)), scale(-positive("eta", eta)))


def newton(eta: float = 1.0, damping: float = 0.0) -> Optimizer:
    """x_{k+1} = x_k - eta (H + damping I)^{-1} grad f(x_k).

    Every eigen-direction contracts by 1 - eta lambda / (lambda + damping), the
    negative ones included: Newton is attracted to saddles as much as to minima.
    """
    d = non_negative("damping", damping)
    return chain(spectral_precondition(lambda lam: lam + d), scale(-positive("eta", eta)))


def saddle_free_newton(eta: float = 1.0, damping: float = 0.1) -> Optimizer:
    """x_{k+1} = x_k - eta (|H| + damping I)^{-1} grad f(x_k), |H| = V |Lambda| V^T.

    Dauphin et al. (2014): a direction of negative curvature is multiplied by
    1 + eta |lambda| / (|lambda| + damping) per step, so it is pushed away.
    """
    d = non_negative("damping", damping)
    return chain(spectral_precondition(lambda lam: np.abs(lam) + d), scale(-positive("eta", eta)))


def negative_curvature(eta: float = 0.1, g_thres: float = 1e-3, length: float = 0.1) -> Optimizer:
    """GD, plus a step of ``length`` along the most negative curvature direction when
    |grad f| <= g_thres and that curvature is negative."""
    return chain(scale(-positive("eta", eta)),
                 curvature_step(positive("g_thres", g_thres), positive("length", length)))


def adam(eta: float = 0.01, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam (Kingma and Ba 2015): x_{k+1} = x_k - eta mhat / (sqrt(vhat) + eps)."""
    return chain(scale_by_adam(fraction("b1", b1), fraction("b2", b2), positive("eps", eps)),
                 scale(-positive("eta", eta)))


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "gd": gd,
    "heavy-ball": heavy_ball,
    "nesterov": nesterov,
    "perturbed-gd": perturbed_gd,
    "noisy-gd": noisy_gd,
    "dropout-gd": dropout_gd,
    "newton": newton,
    "saddle-free-newton": saddle_free_newton,
    "negative-curvature": negative_curvature,
    "adam": adam,
}

DEFAULTS: dict[str, dict[str, float]] = {
    name: {p.name: p.default for p in inspect.signature(make).parameters.values()}
    for name, make in OPTIMIZERS.items()}
"""Each optimizer's settings with their defaults (read once from the constructors' keywords)."""


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer by registry name with the settings given (e.g. eta), built once.

    ``settings`` holds only what was given (it is what a scenario file and
    results.json show); ``get`` and ``eta`` fall back to the optimizer's
    default. Building checks every setting's range, so a bad spec fails here.
    """

    name: str
    settings: dict = field(default_factory=dict)
    optimizer: Optimizer = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.name not in OPTIMIZERS:
            raise LandscapeError(f"unknown optimizer {self.name!r}; expected one of {', '.join(OPTIMIZERS)}")
        unknown = [k for k in self.settings if k not in DEFAULTS[self.name]]
        if unknown:
            raise LandscapeError(f"unknown setting {unknown[0]!r} for {self.name} "
                                 f"(settings: {', '.join(DEFAULTS[self.name])})")
        object.__setattr__(self, "optimizer", OPTIMIZERS[self.name](**self.settings))

    def get(self, key: str, default: float | None = None) -> float | None:
        """The setting ``key``: as given, else the optimizer's default, else ``default``."""
        value = self.settings.get(key, DEFAULTS[self.name].get(key, default))
        return None if value is None else float(value)

    @property
    def eta(self) -> float:
        """The step size (every optimizer has one)."""
        return float(self.get("eta"))

    def with_settings(self, **changes) -> "OptimizerSpec":
        """The same optimizer with some settings replaced (checked and built again)."""
        return OptimizerSpec(self.name, {**self.settings, **changes})

    @property
    def label(self) -> str:
        extra = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in self.settings.items())
        return f"{self.name} ({extra})" if extra else self.name
