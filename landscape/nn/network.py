"""A multilayer perceptron assembled from the modules, on a flat parameter vector.

Layer l (widths n_0 -> n_1 -> ... -> n_L) is Linear(n_{l-1}, n_l), then
BatchNorm(n_l) when ``batchnorm`` is on, then for hidden layers (l < L) the
activation and, when ``dropout`` p > 0, inverted dropout. The last layer's
outputs are the logits of a softmax cross-entropy (``loss="mse"``: the outputs
regress the one-hot targets under the square loss). Parameters are the modules'
slices concatenated in that order (each Linear's W row-major, then b; each
BatchNorm's gamma, then beta), so a 20 -> 40 layer with batch norm has
20*40 + 40 + 2*40 = 920.

The gradient is backprop through the modules' backward; the Hessian is exact:
each column is a Hessian-vector product by forward-over-reverse (the
modules' tangent passes), all columns at once as one batch of directions.
"""

from __future__ import annotations

import numpy as np

from ..errors import LandscapeError
from .modules import LOSSES, Activation, BatchNorm, Dropout, Linear


def _over_s(a: np.ndarray) -> np.ndarray:
    """(..., S, c) -> (..., c, S): the sample axis last, to contract it by a matrix product."""
    return np.swapaxes(a, -1, -2)


class MLP:
    """The network: modules, parameter layout, loss, gradient, Hessian-vector products."""

    def __init__(self, layers, activation: str = "tanh", batchnorm: bool = False, dropout: float = 0.0,
                 eps: float = 1e-5, loss: str = "cross-entropy"):
        layers = tuple(int(n) for n in layers)
        if len(layers) < 2 or min(layers) < 1:
            raise LandscapeError(f"layers must list at least two positive widths (inputs, ..., outputs), got {list(layers)}")
        self.layers, self.activation, self.batchnorm, self.p = layers, activation, bool(batchnorm), float(dropout)
        self.modules: list = []
        for l in range(1, len(layers)):
            self.modules.append(Linear(layers[l - 1], layers[l]))
            if self.batchnorm:
                self.modules.append(BatchNorm(layers[l], eps=eps))
            if l < len(layers) - 1:
                self.modules.append(Activation(activation))
                if self.p > 0:
                    self.modules.append(Dropout(self.p))
        self.offsets = np.cumsum([0] + [m.size for m in self.modules])
        self.size = int(self.offsets[-1])
        if loss not in LOSSES:
            raise LandscapeError(f"unknown loss {loss!r}; expected one of {', '.join(LOSSES)}")
        self.loss_name = loss
        self.loss_fn = LOSSES[loss]()

    # --- layout -------------------------------------------------------------------

    def parameter_table(self) -> list[dict]:
        """One row per module with trainable parameters: what it is and how many."""
        return [{"module": m.describe(), "parameters": m.size} for m in self.modules if m.size]

    def slices(self, theta: np.ndarray) -> list[np.ndarray]:
        return [theta[..., a:b] for a, b in zip(self.offsets[:-1], self.offsets[1:])]

    def linear_layers(self) -> list[tuple[int, Linear]]:
        """(offset, module) of each Linear, in order."""
        return [(int(self.offsets[i]), m) for i, m in enumerate(self.modules) if isinstance(m, Linear)]

    def unit_parameters(self, layer: int, unit: int) -> np.ndarray:
        """Indices of everything hidden unit ``unit`` of hidden layer ``layer`` (0-based) owns or
        feeds: its incoming weights and bias, its BatchNorm gamma and beta, its outgoing weights."""
        lin = self.linear_layers()
        off, m = lin[layer]
        idx = list(off + unit * m.n_in + np.arange(m.n_in)) + [off + m.n_out * m.n_in + unit]
        if self.batchnorm:
            k = self.modules.index(m) + 1
            bo = int(self.offsets[k])
            idx += [bo + unit, bo + m.n_out + unit]
        off2, m2 = lin[layer + 1]
        idx += list(off2 + np.arange(m2.n_out) * m2.n_in + unit)
        return np.array(sorted(idx))

    def sample_masks(self, lead: tuple, samples: int, rng: np.random.Generator) -> list[np.ndarray] | None:
        """Fresh dropout masks (lead + (S, n_l)) for each hidden layer, or None without dropout."""
        if self.p == 0:
            return None
        drops = [m for m in self.modules if isinstance(m, Dropout)]
        return [d.sample(lead + (samples, w), rng) for d, w in zip(drops, self.layers[1:-1])]

    # --- passes ---------------------------------------------------------------------

    def forward(self, theta, X, masks=None):
        """Logits (..., S, K) and the caches, in train mode (batch statistics; dropout only with masks)."""
        caches, masks = [], list(masks) if masks is not None else None
        for m, p in zip(self.modules, self.slices(theta)):
            if isinstance(m, Dropout):
                X, c = m.forward(p, X, masks.pop(0) if masks is not None else None)
            else:
                X, c = m.forward(p, X)
            caches.append(c)
        return X, caches

    def pre_activations(self, theta, X) -> list[np.ndarray]:
        """The input of each hidden layer's activation, (..., S, n_l) per layer (train mode, no dropout)."""
        out = []
        for m, p in zip(self.modules, self.slices(theta)):
            if isinstance(m, Activation):
                out.append(X)
            X, _ = m.forward(p, X)  # dropout without a mask is the identity
        return out

    def loss(self, theta, X, T, masks=None) -> np.ndarray:
        """L (...) in train mode, by a forward pass that keeps no caches and computes no h', h''."""
        masks = list(masks) if masks is not None else None
        for m, p in zip(self.modules, self.slices(theta)):
            if isinstance(m, Activation):
                X = m.value(X)
            elif isinstance(m, Dropout):
                X = X * masks.pop(0) if masks is not None else X
            else:
                X, _ = m.forward(p, X)
        return self.loss_fn.loss(X, T)[0]

    def _backward(self, theta, caches, G):
        grads = []
        for m, p, c in zip(self.modules[::-1], self.slices(theta)[::-1], caches[::-1]):
            gp, G = m.backward(p, c, G)
            grads.append(gp)
        return np.concatenate(grads[::-1], axis=-1)

    def loss_and_grad(self, theta, X, T, masks=None) -> tuple[np.ndarray, np.ndarray]:
        """(L (...), dL/dtheta (..., n)) by backprop."""
        Z, caches = self.forward(theta, X, masks)
        L, lc = self.loss_fn.loss(Z, T)
        return L, self._backward(theta, caches, self.loss_fn.backward(lc))

    def hvp(self, theta, V, X, T, masks=None):
        """(L (...), grad (..., n), H V (..., k, n)) for directions V (..., k, n): exact, by one
        forward-over-reverse pass (Pearlmutter's R-operator) over all k directions at once."""
        p = theta[..., None, :]
        if masks is not None:
            masks = [m[..., None, :, :] for m in masks]
        Z, caches = self.forward(p, X, masks)
        L, lc = self.loss_fn.loss(Z, T)
        dX, dcaches = None, []
        for m, pm, dpm, c in zip(self.modules, self.slices(p), self.slices(V), caches):
            dX, dc = m.tangent(pm, dpm, c, dX)
            dcaches.append(dc)
        G = self.loss_fn.backward(lc)
        dG = self.loss_fn.backward_tangent(lc, dX)
        grads, hv = [], []
        for m, pm, dpm, c, dc in zip(self.modules[::-1], self.slices(p)[::-1], self.slices(V)[::-1],
                                     caches[::-1], dcaches[::-1]):
            dgp, dG_next = m.backward_tangent(pm, dpm, c, dc, G, dG)
            gp, G = m.backward(pm, c, G)
            dG = dG_next
            grads.append(gp)
            hv.append(dgp)
        lead = np.broadcast_shapes(p.shape[:-1], V.shape[:-1])
        hv = np.concatenate([np.broadcast_to(h, lead + h.shape[-1:]) for h in hv[::-1]], axis=-1)
        return L[..., 0], np.concatenate(grads[::-1], axis=-1)[..., 0, :], hv

    def hessian(self, theta, X, T, masks=None):
        """(L, grad, H (..., n, n)), exact and symmetric.

        One hidden layer without batch norm or dropout masks: the closed form
        (``_shallow_hessian``), several times faster. Otherwise H V with V = I
        by the R-operator, symmetrised (its columns agree with the rows to
        rounding; 1/2 (H + H^T) makes the symmetry exact).
        """
        if (len(self.layers) == 3 and not self.batchnorm and (self.p == 0 or masks is None)
                and self.loss_name == "cross-entropy"):
            return self._shallow_hessian(theta, X, T)
        L, g, H = self.hvp(theta, np.eye(self.size), X, T, masks)
        return L, g, 0.5 * (H + np.swapaxes(H, -1, -2))

    def _shallow_order(self) -> np.ndarray:
        """Network index of each parameter in the order (W1 | b1) row by row, then (W2 | b2) row by row."""
        D, Hn, K = self.layers
        j, i = np.divmod(np.arange(Hn * (D + 1)), D + 1)
        first = np.where(i < D, j * D + i, Hn * D + j)
        k, m = np.divmod(np.arange(K * (Hn + 1)), Hn + 1)
        off = Hn * (D + 1)
        second = off + np.where(m < Hn, k * Hn + m, K * Hn + k)
        return np.concatenate([first, second])

    def _shallow_gather(self) -> np.ndarray:
        """(n * n,) positions in ``_shallow_hessian``'s buffer of H's entries in network order.

        The buffer holds the blocks as their products leave them: layer 1 x layer 1 as
        (j, m, i, l) = H~[(j, i), (m, l)], layer 1 x layer 2 as (k, j, i, m) = H~[(j, i), (k, m)],
        layer 2 x layer 2 as (k, l, m, o) = H~[(k, m), (l, o)], where (j, i) is row j of (W1 | b1)
        and (k, m) row k of (W2 | b2). Rounding leaves a sum and its mirror image unequal in
        their last bits; H[a, b] and H[b, a] both read the first of the two, so H is exactly
        symmetric without an extra pass.
        """
        if getattr(self, "_gather", None) is None:
            D, Hn, K = self.layers
            D1, H1 = D + 1, Hn + 1
            n1 = Hn * D1
            c11, c12 = Hn * Hn * D1 * D1, K * Hn * D1 * H1
            tilde = np.argsort(self._shallow_order())  # tilde position of each network index
            P, Q = np.meshgrid(tilde, tilde, indexing="ij")
            first = (P < n1) & (Q < n1)
            cross = (P < n1) & (Q >= n1)
            back = (P >= n1) & (Q < n1)
            pos = np.empty(P.shape, dtype=np.intp)
            j, i = np.divmod(P, D1)
            m, l = np.divmod(Q, D1)
            pos[first] = (((j * Hn + m) * D1 + i) * D1 + l)[first]
            k, mm = np.divmod(Q - n1, H1)
            pos[cross] = (c11 + ((k * Hn + j) * D1 + i) * H1 + mm)[cross]
            k2, m2 = np.divmod(P - n1, H1)
            pos[back] = (c11 + ((k2 * Hn + m) * D1 + l) * H1 + m2)[back]
            second = (P >= n1) & (Q >= n1)
            pos[second] = (c11 + c12 + ((k2 * K + k) * H1 + m2) * H1 + mm)[second]
            self._gather = np.minimum(pos, pos.T).ravel()
        return self._gather

    def _shallow_hessian(self, theta, X, T):
        """(L, grad, H) of z = W2 h(W1 x + b1) + b2 under softmax cross-entropy, in closed form.

        Per sample s (S of them), with a = W1 x + b1 (Hn), u = h(a), z (K),
        p = softmax(z), r = (p - t)/S = dL/dz and Lam = (diag p - p p^T)/S = d2L/dz2;
        x~ = (x, 1), u~ = (u, 1) absorb the biases, so layer 1's parameters are
        rows j of (W1 | b1) against x~ and layer 2's rows k of (W2 | b2) against u~:

        - Gauss-Newton part J^T Lam J with dz_k/d(W2|b2)[k', m] = delta_kk' u~_m and
          dz_k/d(W1|b1)[j, i] = W2[k, j] h'(a_j) x~_i;
        - second derivatives of z: within row j of layer 1,
          sum_k r_k W2[k, j] h''(a_j) x~_i x~_l; between (W1|b1)[j, i] and W2[k, j],
          r_k h'(a_j) x~_i (z is bilinear in the two layers); none within layer 2.

        Every sum over samples is a matrix product (rows, S) @ (S, cols), batched over
        theta's leading axes; tests check it against the R-operator. Shapes: theta (..., n),
        X (S, D), T (S, K) one-hot; returns L (...), grad (..., n), H (..., n, n).
        """
        D, Hn, K = self.layers
        lin1, act, lin2 = self.modules
        p1, _, p2 = self.slices(theta)
        lead = theta.shape[:-1]
        W1, b1 = lin1.split(p1)
        W2, b2 = lin2.split(p2)
        S = X.shape[-2]
        a = X @ np.swapaxes(W1, -1, -2) + b1[..., None, :]  # (..., S, Hn)
        u, d1, d2 = act.fn(a)
        z = u @ np.swapaxes(W2, -1, -2) + b2[..., None, :]  # (..., S, K)
        L, (P, _) = self.loss_fn.loss(z, T)
        r = (P - T) / S  # dL/dz (..., S, K)
        Xt = np.concatenate([X, np.ones(X.shape[:-1] + (1,))], axis=-1)  # (S, D+1)
        Ut = np.concatenate([u, np.ones(u.shape[:-1] + (1,))], axis=-1)  # (..., S, Hn+1)
        rW = r @ W2  # dL/du (..., S, Hn)
        q = rW * d1  # dL/da
        n1, n2 = Hn * (D + 1), K * (Hn + 1)
        g = np.concatenate([(np.swapaxes(q, -1, -2) @ Xt).reshape(lead + (n1,)),
                            (np.swapaxes(r, -1, -2) @ Ut).reshape(lead + (n2,))], axis=-1)
        # Lam = (diag p - p p^T)/S, never formed per sample: Lam W2 and W2^T Lam W2 from P W2
        PW = P @ W2  # (..., S, Hn)
        LW = P[..., :, :, None] * (W2[..., None, :, :] - PW[..., :, None, :]) / S  # Lam W2 (..., S, K, Hn)
        WW = (W2[..., :, :, None] * W2[..., :, None, :]).reshape(W2.shape[:-2] + (K, Hn * Hn))
        M = ((P @ WW).reshape(lead + (S, Hn, Hn)) - PW[..., :, :, None] * PW[..., :, None, :]) / S
        A = M * d1[..., :, :, None] * d1[..., :, None, :]
        A[..., np.arange(Hn), np.arange(Hn)] += rW * d2  # h'' terms sit on the diagonal units
        # every block is a sum over samples: a product (rows, S) @ (S, cols) per batch row, kept
        # in its product's own layout in one buffer; one gather then puts H in network order
        D1, H1 = D + 1, Hn + 1
        c11, c12, c22 = Hn * Hn * D1 * D1, K * Hn * D1 * H1, K * K * H1 * H1
        raw = np.empty(lead + (c11 + c12 + c22,))
        XX = (Xt[:, :, None] * Xt[:, None, :]).reshape(S, D1 * D1)
        R11 = (_over_s(A.reshape(lead + (S, Hn * Hn))) @ XX).reshape(lead + (Hn, Hn, D1, D1))  # (j, m, i, l)
        raw[..., :c11] = R11.reshape(lead + (c11,))
        XU = (Xt[:, :, None] * Ut[..., :, None, :]).reshape(lead + (S, D1 * H1))
        C = (_over_s((LW * d1[..., None, :]).reshape(lead + (S, K * Hn))) @ XU).reshape(lead + (K, Hn, D1, H1))
        E = (_over_s((r[..., :, :, None] * d1[..., :, None, :]).reshape(lead + (S, K * Hn))) @ Xt)
        C[..., :, np.arange(Hn), :, np.arange(Hn)] += np.moveaxis(E.reshape(lead + (K, Hn, D1)), -2, 0)
        raw[..., c11:c11 + c12] = C.reshape(lead + (c12,))  # (k, j, i, m)
        UU = (Ut[..., :, :, None] * Ut[..., :, None, :]).reshape(lead + (S, H1 * H1))
        Lam = -(P[..., :, :, None] * P[..., :, None, :])
        Lam[..., np.arange(K), np.arange(K)] += P
        R22 = _over_s(Lam.reshape(lead + (S, K * K))) / S @ UU  # (k, l, m, o)
        raw[..., c11 + c12:] = R22.reshape(lead + (c22,))
        n = self.size
        H = np.take(raw, self._shallow_gather(), axis=-1).reshape(lead + (n, n))
        return L, g[..., np.argsort(self._shallow_order())], H

    # --- inference --------------------------------------------------------------------

    def running_stats(self, theta, X, state=None, masks=None):
        """BatchNorm running (mean, var) per BatchNorm module after one train-mode pass on X."""
        _, caches = self.forward(theta, X, masks)
        bns = [(m, c) for m, c in zip(self.modules, caches) if isinstance(m, BatchNorm)]
        state = state or [None] * len(bns)
        return [m.running(s, c) for (m, c), s in zip(bns, state)]

    def predict(self, theta, X, state=None):
        """Inference-mode logits: dropout off, BatchNorm with running statistics ``state``."""
        state = list(state or [])
        for m, p in zip(self.modules, self.slices(theta)):
            if isinstance(m, BatchNorm):
                if not state:
                    raise LandscapeError("inference with batch norm needs its running statistics")
                X = m.infer(p, X, state.pop(0))
            elif isinstance(m, Dropout):
                continue
            else:
                X, _ = m.forward(p, X)
        return X
