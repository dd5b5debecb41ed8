"""Mini-batch training of a network (``nn.network.MLP``): epochs, shuffling, dropout, batch norm.

Each epoch visits the training set in a fresh order drawn from the named stream
``(seed, "train", "shuffle")`` (its epoch-th permutation), in batches of ``batch``
(the last one smaller). A step feeds g = grad L_batch(theta) + weight_decay theta to an
optimizer of ``landscape.optim`` (default: SGD, theta <- theta - lr g); the gradient is by
backprop in train mode: batch statistics in batch norm and, when the network has dropout,
fresh masks per step from the stream ``(seed, "train", "dropout")``. Batch norm's running mean
and variance are updated from each step's batch at the parameters the step started from, as
PyTorch does (momentum 0.1, unbiased variance); evaluation is in inference mode: dropout off and
the running statistics in place of the batch's, so a single example's output does not depend on
the others. After every epoch the training loss, the test loss and the test accuracy are recorded
(all in inference mode), and the parameters kept as a checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Training:
    """Per-epoch curves (length epochs) and the end state: theta (n,), the running statistics,
    ``checkpoints`` (epochs + 1, n) the parameters at the start and after every epoch, and
    ``path`` (steps + 1, n) after every step when it was asked for (else None)."""

    train_loss: tuple
    test_loss: tuple
    test_accuracy: tuple
    theta: np.ndarray
    state: tuple
    checkpoints: np.ndarray | None = None
    path: np.ndarray | None = None
    states: tuple = ()

    def to_dict(self) -> dict:
        return {"epochs": len(self.train_loss), "train_loss": list(self.train_loss),
                "test_loss": list(self.test_loss), "test_accuracy": list(self.test_accuracy),
                "final_test_accuracy": self.test_accuracy[-1] if self.test_accuracy else None}


def evaluate(net, theta, X, labels, state) -> tuple[float, float]:
    """(cross-entropy, accuracy) of ``net`` at ``theta`` on (X, labels) in inference mode."""
    from .datasets import one_hot

    Z = net.predict(theta, X, list(state) if state else None)
    loss, _ = net.loss_fn.loss(Z, one_hot(labels, Z.shape[-1]))
    return float(loss), float(np.mean(Z.argmax(axis=-1) == labels))


def steps_per_epoch(samples: int, batch: int) -> int:
    return -(-int(samples) // int(batch))


def train(net, theta0, X, labels, X_test, labels_test, *, optimizer=None, lr: float = 0.1, epochs: int = 10,
          batch: int = 128, weight_decay: float = 0.0, seed: int = 0, keep_path: bool = False,
          progress=None) -> Training:
    """Train from ``theta0`` (n,) on (X (S, d), labels (S,)), evaluating on the test split after
    each epoch. ``optimizer`` is a ``landscape.optim.Optimizer`` (an ``OptimizerSpec``'s
    ``.optimizer``) or None for SGD with step ``lr``; its random transforms (noisy-gd) draw from
    the stream ``(seed, "train", "optimizer")``. ``progress(k)`` is called after each step.
    See the module docstring."""
    from ..optim import gd
    from ..seeds import stream
    from .datasets import one_hot
    from .modules import BatchNorm

    opt = optimizer if optimizer is not None else gd(lr)
    theta = np.array(theta0, dtype=float)
    T = one_hot(labels, net.layers[-1])
    shuffle, drops = stream(seed, "train", "shuffle"), stream(seed, "train", "dropout")
    noise = stream(seed, "train", "optimizer")
    has_bn = any(isinstance(m, BatchNorm) for m in net.modules)
    state, states = None, []
    opt_state = opt.init(theta[None])
    curves = ([], [], [])
    checkpoints, path = [theta.copy()], [theta.copy()] if keep_path else None
    for _ in range(epochs):
        order = shuffle.permutation(len(labels))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            masks = net.sample_masks((), len(idx), drops)
            if has_bn:  # the running statistics of this step's forward pass, before it moves theta
                state = net.running_stats(theta, X[idx], state, masks)
            _, g = net.loss_and_grad(theta, X[idx], T[idx], masks)
            step, opt_state = opt.update((g + weight_decay * theta)[None], opt_state, theta[None], None, noise)
            theta = theta + step[0]
            if path is not None:
                path.append(theta.copy())
            if progress is not None:
                progress(1)
        checkpoints.append(theta.copy())
        states.append(tuple(state or ()))
        for curve, value in zip(curves, (evaluate(net, theta, X, labels, state)[0],
                                         *evaluate(net, theta, X_test, labels_test, state))):
            curve.append(value)
    return Training(train_loss=tuple(curves[0]), test_loss=tuple(curves[1]), test_accuracy=tuple(curves[2]),
                    theta=theta, state=tuple(state or ()), checkpoints=np.array(checkpoints),
                    path=None if path is None else np.array(path), states=tuple(states))


def train_sgd(net, theta0, X, labels, X_test, labels_test, *, lr: float = 0.1, epochs: int = 10,
              batch: int = 128, weight_decay: float = 0.0, seed: int = 0, progress=None) -> Training:
    """Plain mini-batch SGD with step ``lr``: ``train`` with its default optimizer."""
    return train(net, theta0, X, labels, X_test, labels_test, lr=lr, epochs=epochs, batch=batch,
                 weight_decay=weight_decay, seed=seed, progress=progress)
