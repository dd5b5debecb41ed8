"""Network modules with their backprop written out: forward, backward and the tangent (R-op) passes.

Every module is batched over leading axes: inputs are ``(..., S, d)`` (S
samples) and a module's parameters are the ``(..., P)`` slice of the network's
flat parameter vector that belongs to it, so many parameter vectors (many
networks) run at once through the same data.

``backward(p, cache, G)`` takes G = dL/dY and returns (dL/dp, dL/dX).
The two tangent passes give exact Hessian-vector products (Pearlmutter 1994,
"Fast exact multiplication by the Hessian"): ``tangent`` pushes a direction
(dp, dX) forward, giving dY and the directional derivative of the cache;
``backward_tangent`` is the directional derivative of ``backward``, so the
parameter part of its result is H v. Tangent arrays carry one more leading
axis than the primal ones (one row per direction); the caller gives the primal
arrays a singleton axis there, so the two broadcast.

A module's cache is a tuple of arrays; the tangent of a cache is a tuple of the
same length (None where the input has no tangent: the data).
"""

from __future__ import annotations

import numpy as np

from ..errors import LandscapeError


def _sum_samples(a: np.ndarray) -> np.ndarray:
    return a.sum(axis=-2)


def _mean_samples(a: np.ndarray) -> np.ndarray:
    return a.mean(axis=-2, keepdims=True)


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class Linear:
    """Y = X W^T + b, W (out, in) row-major then b (out,) in the parameter slice.

    dL/dW = (dL/dY)^T X,  dL/db = 1^T dL/dY,  dL/dX = (dL/dY) W.
    """

    def __init__(self, n_in: int, n_out: int):
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.size = self.n_out * self.n_in + self.n_out

    def describe(self) -> str:
        return f"linear {self.n_in} -> {self.n_out}"

    def split(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.n_out * self.n_in
        return p[..., :k].reshape(p.shape[:-1] + (self.n_out, self.n_in)), p[..., k:]

    def pack(self, gW: np.ndarray, gb: np.ndarray) -> np.ndarray:
        return np.concatenate([gW.reshape(gW.shape[:-2] + (-1,)), gb], axis=-1)

    def forward(self, p, X):
        W, b = self.split(p)
        return X @ _mT(W) + b[..., None, :], (X,)

    def backward(self, p, cache, G):
        (X,) = cache
        W, _ = self.split(p)
        return self.pack(_mT(G) @ X, _sum_samples(G)), G @ W

    def tangent(self, p, dp, cache, dX):
        (X,) = cache
        W, _ = self.split(p)
        dW, db = self.split(dp)
        dY = X @ _mT(dW) + db[..., None, :]
        if dX is not None:
            dY = dY + dX @ _mT(W)
        return dY, (dX,)

    def backward_tangent(self, p, dp, cache, dcache, G, dG):
        (X,), (dX,) = cache, dcache
        W, _ = self.split(p)
        dW, _ = self.split(dp)
        dgW = _mT(dG) @ X
        if dX is not None:
            dgW = dgW + _mT(G) @ dX
        return self.pack(dgW, _sum_samples(dG)), dG @ W + G @ dW


def _relu(x):
    return np.maximum(x, 0.0), (x > 0).astype(float), np.zeros_like(x)


def _elu(x):
    """alpha = 1: x for x > 0, e^x - 1 otherwise (C^1; h'' jumps at 0)."""
    pos = x > 0
    e = np.minimum(x, 0.0)
    np.exp(e, out=e)  # e^min(x, 0) is h' itself: 1 where x > 0
    h = e - 1.0
    np.copyto(h, x, where=pos)
    d2 = e.copy()
    d2[pos] = 0.0
    return h, e, d2  # in place where it can: each temporary of a large batch costs page faults


def _tanh(x):
    t = np.tanh(x)
    d = 1.0 - t * t
    return t, d, -2.0 * t * d


def _sigmoid(x):
    e = np.exp(-np.abs(x))  # never overflows
    s = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    d = s * (1.0 - s)
    return s, d, d * (1.0 - 2.0 * s)


ACTIVATIONS = {"relu": _relu, "elu": _elu, "tanh": _tanh, "sigmoid": _sigmoid}

VALUES = {"relu": lambda x: np.maximum(x, 0.0), "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0.0))),
          "tanh": np.tanh, "sigmoid": lambda x: _sigmoid(x)[0]}
"""name -> h alone, for passes that need no derivative (a loss at many points: slices)."""
"""name -> x |-> (h(x), h'(x), h''(x)); ReLU's h'' is 0 (its Hessian is the one of each linear piece)."""


class Activation:
    """Y = h(X) elementwise: dL/dX = dL/dY * h'(X); its tangent adds dL/dY * h''(X) dX."""

    size = 0

    def __init__(self, kind: str):
        if kind not in ACTIVATIONS:
            raise LandscapeError(f"unknown activation {kind!r}; expected one of {', '.join(ACTIVATIONS)}")
        self.kind = kind
        self.fn = ACTIVATIONS[kind]
        self.value = VALUES[kind]

    def describe(self) -> str:
        return self.kind

    def forward(self, p, X):
        h, d1, d2 = self.fn(X)
        return h, (X, d1, d2)

    def backward(self, p, cache, G):
        return p[..., :0], G * cache[1]

    def tangent(self, p, dp, cache, dX):
        return cache[1] * dX, (dX,)

    def backward_tangent(self, p, dp, cache, dcache, G, dG):
        _, d1, d2 = cache
        return dp[..., :0], dG * d1 + G * d2 * dcache[0]


class BatchNorm:
    """Train mode: Y = gamma (X - mu) / sqrt(var + eps) + beta with the batch's mean and (biased)
    variance over the S samples; parameters gamma (d,) then beta (d,).

    With xhat = (X - mu)/sigma, sigma = sqrt(var + eps):
    dL/dgamma = sum_s G xhat,  dL/dbeta = sum_s G,
    dL/dX = gamma/sigma (G - mean_s G - xhat mean_s(G xhat))  (through mu and var).
    Inference mode uses running estimates instead (``infer``); ``running`` updates them
    as PyTorch does: m <- (1 - momentum) m + momentum mu, v likewise with the unbiased
    variance S/(S - 1) var.
    """

    def __init__(self, d: int, eps: float = 1e-5, momentum: float = 0.1):
        self.d, self.eps, self.momentum = int(d), float(eps), float(momentum)
        self.size = 2 * self.d

    def describe(self) -> str:
        return f"batchnorm {self.d}"

    def split(self, p):
        return p[..., :self.d], p[..., self.d:]

    def forward(self, p, X):
        gamma, beta = self.split(p)
        mu = _mean_samples(X)
        c = X - mu
        var = _mean_samples(c * c)
        sigma = np.sqrt(var + self.eps)
        xhat = c / sigma
        return gamma[..., None, :] * xhat + beta[..., None, :], (xhat, sigma, mu, var)

    def backward(self, p, cache, G):
        gamma, _ = self.split(p)
        xhat, sigma = cache[:2]
        gX = gamma[..., None, :] / sigma * (G - _mean_samples(G) - xhat * _mean_samples(G * xhat))
        return np.concatenate([_sum_samples(G * xhat), _sum_samples(G)], -1), gX

    def tangent(self, p, dp, cache, dX):
        gamma, _ = self.split(p)
        dgamma, dbeta = self.split(dp)
        xhat, sigma = cache[:2]
        if dX is None:
            dxhat = dsigma = None
            dY = dgamma[..., None, :] * xhat + dbeta[..., None, :]
        else:
            dsigma = _mean_samples(xhat * dX)  # d sigma = mean(xhat dX): var's tangent over 2 sigma
            dxhat = (dX - _mean_samples(dX) - xhat * dsigma) / sigma
            dY = dgamma[..., None, :] * xhat + gamma[..., None, :] * dxhat + dbeta[..., None, :]
        return dY, (dxhat, dsigma)

    def backward_tangent(self, p, dp, cache, dcache, G, dG):
        gamma, _ = self.split(p)
        dgamma, _ = self.split(dp)
        xhat, sigma = cache[:2]
        dxhat, dsigma = dcache
        c = _mean_samples(G * xhat)
        inner = G - _mean_samples(G) - xhat * c
        # d(inner) = dG - mean dG - dxhat c - xhat dc,  dc = mean(dG xhat + G dxhat)
        dc = _mean_samples(dG * xhat)
        d_inner = dG - _mean_samples(dG)
        dg_gamma = dG * xhat
        d_scale = dgamma[..., None, :] / sigma  # d(gamma / sigma)
        if dxhat is not None:
            dc = dc + _mean_samples(G * dxhat)
            d_inner = d_inner - dxhat * c
            dg_gamma = dg_gamma + G * dxhat
            d_scale = d_scale - gamma[..., None, :] * dsigma / (sigma * sigma)
        d_inner = d_inner - xhat * dc
        dgX = d_scale * inner + gamma[..., None, :] / sigma * d_inner
        return np.concatenate([_sum_samples(dg_gamma), _sum_samples(dG)], -1), dgX

    def running(self, state, cache):
        """Running (mean, var) after one train-mode pass; state None starts at (0, 1)."""
        _, _, mu, var = cache
        S = cache[0].shape[-2]
        m, v = state if state is not None else (0.0, 1.0)
        unbiased = var[..., 0, :] * S / max(S - 1, 1)
        return ((1 - self.momentum) * m + self.momentum * mu[..., 0, :],
                (1 - self.momentum) * v + self.momentum * unbiased)

    def infer(self, p, X, state):
        """Inference mode: the running statistics replace the batch's, so each sample is
        normalised on its own (Y no longer depends on the rest of the batch)."""
        gamma, beta = self.split(p)
        m, v = state
        return (gamma[..., None, :] * (X - np.asarray(m)[..., None, :]) / np.sqrt(np.asarray(v)[..., None, :] + self.eps)
                + beta[..., None, :])


class Dropout:
    """Inverted dropout: Y = X m / (1 - p), m ~ Bernoulli(1 - p) per unit and sample; off at inference.

    Scaling by 1/(1 - p) keeps E[Y] = X, so inference needs no rescaling. The mask
    is an input (``mask``): the module is linear in X given it, and its backward is
    dL/dX = dL/dY m / (1 - p).
    """

    size = 0

    def __init__(self, p: float):
        if not 0.0 <= p < 1.0:
            raise LandscapeError(f"dropout p must be in [0, 1), got {p:g}")
        self.p = float(p)

    def describe(self) -> str:
        return f"dropout p={self.p:g}"

    def sample(self, shape, rng: np.random.Generator) -> np.ndarray:
        """A mask m/(1 - p) of the given shape: 0 with probability p, 1/(1 - p) otherwise."""
        return (rng.random(shape) >= self.p) / (1.0 - self.p)

    def forward(self, p, X, mask=None):
        if mask is None:  # inference
            return X, (None,)
        return X * mask, (mask,)

    def backward(self, p, cache, G):
        mask = cache[0]
        return p[..., :0], G if mask is None else G * mask

    def tangent(self, p, dp, cache, dX):
        mask = cache[0]
        return (dX if mask is None else dX * mask), (None,)

    def backward_tangent(self, p, dp, cache, dcache, G, dG):
        mask = cache[0]
        return dp[..., :0], dG if mask is None else dG * mask


class SoftmaxCrossEntropy:
    """L = -(1/S) sum_s sum_k T_sk log softmax(Z)_sk for one-hot targets T (S, K).

    dL/dZ = (Y - T)/S with Y = softmax(Z); its tangent is dY/S, dY = Y (dZ - sum_k Y_k dZ_k).
    """

    def loss(self, Z, T):
        """(L (...), cache) for logits Z (..., S, K)."""
        shift = Z - Z.max(axis=-1, keepdims=True)
        logsum = np.log(np.exp(shift).sum(axis=-1, keepdims=True))
        logp = shift - logsum
        S = Z.shape[-2]
        return -(T * logp).sum(axis=(-2, -1)) / S, (np.exp(logp), T)

    def backward(self, cache):
        Y, T = cache
        return (Y - T) / Y.shape[-2]

    def backward_tangent(self, cache, dZ):
        Y, _ = cache
        dY = Y * (dZ - (Y * dZ).sum(axis=-1, keepdims=True))
        return dY / Y.shape[-2]


class SquaredError:
    """L = (1/(2S)) sum_s |Z_s - T_s|^2 for targets T (S, K) (one-hot: regression on the labels).

    dL/dZ = (Z - T)/S, and its tangent dZ/S: the Hessian in Z is I/S, so the Gauss-Newton part
    of the parameters' Hessian is J^T J / S. The square loss of Cohen et al. (2021)'s clearest
    edge-of-stability runs.
    """

    def loss(self, Z, T):
        """(L (...), cache) for outputs Z (..., S, K)."""
        R = Z - T
        return 0.5 * (R * R).sum(axis=(-2, -1)) / Z.shape[-2], (R,)

    def backward(self, cache):
        R = cache[0]
        return R / R.shape[-2]

    def backward_tangent(self, cache, dZ):
        return dZ / cache[0].shape[-2]


LOSSES = {"cross-entropy": SoftmaxCrossEntropy, "mse": SquaredError}
"""The output losses by name."""
