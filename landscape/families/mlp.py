"""The training loss of a small multilayer perceptron as a function of its parameters.

f(theta) = softmax cross-entropy (or, with ``loss = "mse"``, the square loss
against the one-hot labels) of MLP(theta) on a data set (XOR, two moons or
Gaussian blobs generated; scikit-learn's 8 x 8 digits), full batch, batch norm in train mode,
plus (weight_decay/2) |theta|^2. The network is built from the modules in
landscape/nn, whose backward gives the gradient; the Hessian is exact: in
closed form for one hidden layer without batch norm (``MLP._shallow_hessian``),
otherwise its columns are Hessian-vector products by forward-over-reverse
differentiation (Pearlmutter's R-operator) through the same modules, symmetrised.

Symmetries (they make critical points come in families and eigenvalues vanish):
permuting the units of a hidden layer never changes f, and with an odd
activation (tanh) and no batch norm neither does flipping a unit's sign (its
incoming weights, bias and outgoing weights). ``images`` gives these. Without
weight decay there are also flat directions along which f is exactly constant
(``flat_directions``): adding one vector to every output row of the softmax's
linear layer (softmax ignores a common shift), the bias before each batch norm
(subtracted with the mean), and everything a dead ReLU unit owns or feeds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ..errors import LandscapeError
from ..nn import MLP, one_hot
from ..nn.datasets import DATASETS, DEFAULTS, make
from ..nn.modules import ACTIVATIONS, LOSSES, BatchNorm, Linear
from .base import Landscape, points

MAX_IMAGES = 1024

MAX_WIDTH = 4096
MAX_PARAMETERS = 1_000_000
MAX_SAMPLES = 100_000
"""Size bounds: a layer's width, the parameter count, the data set's samples."""
"""Symmetry groups larger than this are not enumerated by ``images``."""


@dataclass(frozen=True)
class MLPLoss(Landscape):
    """Cross-entropy of an MLP with widths ``layers`` (inputs, hidden..., classes) on ``dataset``.

    samples = 0 and noise unset take the data set's defaults (xor: the 4 corners
    exactly; moons: 64 points, noise 0.1; blobs: 60 points, noise 0.5). ``seed``
    draws the data (never the parameters).
    """

    layers: tuple[int, ...] = (2, 4, 3)
    activation: str = "tanh"
    batchnorm: bool = False
    dataset: str = "blobs"
    loss: str = "cross-entropy"
    samples: int = 0
    noise: float | None = None
    weight_decay: float = 0.0
    eps: float = 1e-5
    seed: int = 0
    name = "mlp"
    summary = "cross-entropy of a small MLP on XOR, moons or blobs (exact backprop Hessian)"
    joint_derivatives = True

    @classmethod
    def check_size(cls, params, where):
        layers = list(params.get("layers") or (2, 4, 3))
        if any(w > MAX_WIDTH for w in layers):
            raise LandscapeError(f"{where}: layer widths at most {MAX_WIDTH}, got {layers}")
        count = sum((a + 1) * b for a, b in zip(layers, layers[1:]))
        if count > MAX_PARAMETERS:
            raise LandscapeError(f"{where}: layers {layers} have {count} parameters; at most {MAX_PARAMETERS}")
        if params.get("samples", 0) > MAX_SAMPLES:
            raise LandscapeError(f"{where}: samples {params['samples']} is too many (at most {MAX_SAMPLES})")

    def evaluation_cost(self):
        """Backprop: ~20 x samples x parameters; the exact Hessian: one R-op pass per parameter,
        ~60 x samples x parameters^2, or in closed form for one hidden layer without batch norm
        ~8 x samples x parameters^2; each plus its per-layer overhead. Measured here against
        budget.OPS_PER_SECOND (the 6 and 24 of the bare arithmetic were 2.5-6x low; the closed
        form took 70 us a point for 2-4-3 on 60 samples, 12 us for 2-3-2 on 4)."""
        s, p = float(len(self._X)), float(self.dim)
        if len(self.layers) == 3 and not self.batchnorm and self.loss == "cross-entropy":
            return 20.0 * s * p + 1e5, 8.0 * s * p * p + 5e4
        return 20.0 * s * p + 1e5, 60.0 * s * p * p + 1e5

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise LandscapeError(f"mlp: unknown activation {self.activation!r}; expected one of "
                                 f"{', '.join(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            raise LandscapeError(f"mlp: unknown loss {self.loss!r}; expected one of {', '.join(LOSSES)}")
        if self.dataset not in DATASETS:
            raise LandscapeError(f"mlp: unknown dataset {self.dataset!r}; expected one of {', '.join(DATASETS)}")
        if len(self.layers) < 2 or min(self.layers) < 1:
            raise LandscapeError(f"mlp: layers must list at least two positive widths (inputs, ..., classes), "
                                 f"got {list(self.layers)}")
        if self.layers[-1] < 2:
            raise LandscapeError("mlp: the last width is the number of classes: at least 2")
        if self.samples < 0 or (self.noise is not None and self.noise < 0):
            raise LandscapeError("mlp: samples and noise must be non-negative")
        if self.weight_decay < 0 or self.eps <= 0:
            raise LandscapeError("mlp: weight_decay must be >= 0 and eps > 0")
        samples, noise = DEFAULTS[self.dataset]
        samples = self.samples or samples
        if self.batchnorm and samples < 2:
            raise LandscapeError("mlp: batch norm needs at least 2 samples")
        try:
            X, labels = make(self.dataset, samples, noise if self.noise is None else self.noise,
                             self.layers[0], self.layers[-1], self.seed)
        except LandscapeError as err:
            raise LandscapeError(f"mlp: {err}") from None
        object.__setattr__(self, "_net", MLP(self.layers, self.activation, self.batchnorm, eps=self.eps,
                                                 loss=self.loss))
        object.__setattr__(self, "_X", X)
        object.__setattr__(self, "_labels", labels)
        object.__setattr__(self, "_T", one_hot(labels, self.layers[-1]))

    # --- the protocol -----------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self._net.size

    @property
    def network(self) -> MLP:
        return self._net

    @property
    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """(X (S, inputs), labels (S,))."""
        return self._X.copy(), self._labels.copy()

    def with_dropout(self, p: float) -> MLP:
        """The same network with inverted dropout p after each hidden activation (same parameters)."""
        return MLP(self.layers, self.activation, self.batchnorm, dropout=p, eps=self.eps, loss=self.loss)

    def value(self, theta):
        theta = points(theta, self.dim)
        return self._net.loss(theta, self._X, self._T) + 0.5 * self.weight_decay * np.sum(theta * theta, -1)

    def grad(self, theta):
        theta = points(theta, self.dim)
        return self._net.loss_and_grad(theta, self._X, self._T)[1] + self.weight_decay * theta

    def hvp(self, theta, V):
        """H V for directions V (..., k, dim): exact (forward-over-reverse), (..., k, dim)."""
        theta = points(theta, self.dim)
        return self._net.hvp(theta, np.asarray(V, dtype=float), self._X, self._T)[2] + self.weight_decay * V

    def derivatives(self, theta):
        theta = points(theta, self.dim)
        _, g, H = self._net.hessian(theta, self._X, self._T)
        H[..., np.arange(self.dim), np.arange(self.dim)] += self.weight_decay  # H is new: in place
        return g + self.weight_decay * theta, H

    def hess(self, theta):
        return self.derivatives(theta)[1]

    def describe(self) -> dict:
        return {**super().describe(), "parameters": self.dim, "architecture": self._net.parameter_table(),
                "samples": len(self._X)}

    @property
    def euler_characteristic(self) -> int | None:
        """1 with weight decay and a smooth activation: f is then coercive on R^n."""
        return 1 if self.weight_decay > 0 and self.activation != "relu" else None

    def known_critical_points(self):
        """theta = 0 when h(0) = 0 and the classes are balanced: every unit outputs 0, the softmax
        is uniform, and mean(softmax - T) = 0 makes the last bias's gradient vanish too."""
        counts = np.bincount(self._labels, minlength=self.layers[-1])
        if self.loss != "cross-entropy" or self.activation == "sigmoid" or np.any(counts != counts[0]):
            return None
        return np.zeros((1, self.dim))

    # --- the network's structure ----------------------------------------------------------

    def initial_point(self, rng, scale: float = 1.0, count: int | None = None) -> np.ndarray:
        """LeCun-normal weights (N(0, scale^2 / fan_in)), zero biases, gamma = 1, beta = 0."""
        shape = () if count is None else (count,)
        theta = np.zeros(shape + (self.dim,))
        for i, m in enumerate(self._net.modules):
            a = int(self._net.offsets[i])
            if isinstance(m, Linear):
                k = m.n_out * m.n_in
                theta[..., a:a + k] = scale * rng.standard_normal(shape + (k,)) / np.sqrt(m.n_in)
            elif isinstance(m, BatchNorm):
                theta[..., a:a + m.d] = 1.0
        return theta

    def dead_units(self, theta) -> list[np.ndarray]:
        """Per hidden layer, (..., width) True where the unit's activation input is <= 0 on every
        sample: a ReLU unit there outputs 0 and passes no gradient, so nothing moves it again."""
        theta = points(theta, self.dim)
        return [np.all(a <= 0, axis=-2) for a in self._net.pre_activations(theta, self._X)]

    def flat_directions(self, theta) -> np.ndarray:
        """Orthonormal basis (k, dim) of the directions along which f (without weight decay) is
        constant near theta: softmax's common shift of the last layer, the bias of each linear
        layer followed by batch norm, and every parameter a dead ReLU unit owns or feeds."""
        theta = points(theta, self.dim)
        net, cols = self._net, []
        lin = net.linear_layers()
        off, last = lin[-1]
        if self.batchnorm:  # softmax shift: beta of the last batch norm, all classes alike
            b = int(net.offsets[net.modules.index(last) + 1]) + last.n_out
            cols.append(_indicator(self.dim, b + np.arange(last.n_out)))
            for o, m in lin:  # the mean subtraction removes each pre-norm bias
                cols += [_indicator(self.dim, [o + m.n_out * m.n_in + j]) for j in range(m.n_out)]
        else:  # the same vector added to every row of W_L (and the same number to every b_L)
            cols += [_indicator(self.dim, off + np.arange(last.n_out) * last.n_in + j) for j in range(last.n_in)]
            cols.append(_indicator(self.dim, off + last.n_out * last.n_in + np.arange(last.n_out)))
        if self.activation == "relu":
            for layer, dead in enumerate(self.dead_units(theta)):
                for j in np.flatnonzero(dead):
                    cols += [_indicator(self.dim, [i]) for i in net.unit_parameters(layer, j)]
        if not cols:
            return np.zeros((0, self.dim))
        A = np.array(cols).T
        U, s, _ = np.linalg.svd(A, full_matrices=False)
        return U[:, s > 1e-10 * s.max()].T

    def symmetry_order(self) -> int:
        """Order of the group of unit permutations (and sign flips, for tanh without batch norm)."""
        flips = self.activation == "tanh" and not self.batchnorm
        order = 1
        for w in self.layers[1:-1]:
            order *= math.factorial(w) * (2 ** w if flips else 1)
        return order

    def images(self, x):
        """x under every non-trivial element of the symmetry group (empty if its order > MAX_IMAGES)."""
        if self.symmetry_order() > MAX_IMAGES or self.symmetry_order() == 1:
            return []
        if not hasattr(self, "_group_cache"):  # built once: the engine asks after every batch
            object.__setattr__(self, "_group_cache", self._group())
        perm, sign = self._group_cache
        return [x[..., perm[g]] * sign[g] for g in range(1, len(perm))]

    def _group(self):
        """(perm, sign), each (order, dim): element g maps theta to theta[perm[g]] * sign[g]."""
        net = self._net
        flips = self.activation == "tanh" and not self.batchnorm
        per_layer = []
        for layer, width in enumerate(self.layers[1:-1]):
            # (width, k): every unit's parameters in the same order (row, bias, [gamma, beta], outgoing)
            owned = np.array([net.unit_parameters(layer, j) for j in range(width)])
            elements = []
            for order in itertools.permutations(range(width)):
                for signs in itertools.product((1.0, -1.0), repeat=width if flips else 0):
                    perm, sign = np.arange(self.dim), np.ones(self.dim)
                    perm[owned.ravel()] = owned[list(order)].ravel()
                    if flips:
                        for j, s in enumerate(signs):
                            sign[owned[j]] = s
                    elements.append((perm, sign))
            per_layer.append(elements)
        perms, signs = [], []
        for combo in itertools.product(*per_layer):
            perm, sign = np.arange(self.dim), np.ones(self.dim)
            for p, s in combo:
                perm, sign = perm[p], sign[p] * s
            perms.append(perm)
            signs.append(sign)
        return np.array(perms), np.array(signs)


def _indicator(n: int, idx) -> np.ndarray:
    v = np.zeros(n)
    v[np.asarray(idx, dtype=int)] = 1.0
    return v
