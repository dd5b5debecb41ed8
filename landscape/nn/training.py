"""Mini-batch SGD on a network (``nn.network.MLP``): epochs, shuffling, batch norm's running statistics.

Each epoch visits the training set in a fresh order drawn from the named stream
``(seed, "train", "shuffle")`` (its epoch-th permutation), in batches of ``batch``
(the last one smaller). A step is theta <- theta - lr (grad L_batch(theta) + weight_decay theta),
the gradient by backprop in train mode (batch statistics in batch norm). Batch norm's running
mean and variance are updated from each step's batch at the parameters the step started from,
as PyTorch does (momentum 0.1, unbiased variance); evaluation is in inference mode: the running
statistics replace the batch's, so a single example's output does not depend on the others.
After every epoch the training loss, the test loss and the test accuracy are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Training:
    """Per-epoch curves (length epochs) and the end state: theta (n,), the running statistics."""

    train_loss: tuple
    test_loss: tuple
    test_accuracy: tuple
    theta: np.ndarray
    state: tuple

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


def train_sgd(net, theta0, X, labels, X_test, labels_test, *, lr: float = 0.1, epochs: int = 10,
              batch: int = 128, weight_decay: float = 0.0, seed: int = 0, progress=None) -> Training:
    """Train from ``theta0`` (n,) on (X (S, d), labels (S,)), evaluating on the test split after
    each epoch; ``progress(k)`` is called after each step. See the module docstring."""
    from ..seeds import stream
    from .datasets import one_hot
    from .modules import BatchNorm

    theta = np.array(theta0, dtype=float)
    T = one_hot(labels, net.layers[-1])
    rng = stream(seed, "train", "shuffle")
    has_bn = any(isinstance(m, BatchNorm) for m in net.modules)
    state = None
    curves = ([], [], [])
    for _ in range(epochs):
        order = rng.permutation(len(labels))
        for start in range(0, len(order), batch):
            idx = order[start:start + batch]
            if has_bn:  # the running statistics of this step's forward pass, before it moves theta
                state = net.running_stats(theta, X[idx], state)
            _, g = net.loss_and_grad(theta, X[idx], T[idx])
            theta -= lr * (g + weight_decay * theta)
            if progress is not None:
                progress(1)
        for curve, value in zip(curves, (evaluate(net, theta, X, labels, state)[0],
                                         *evaluate(net, theta, X_test, labels_test, state))):
            curve.append(value)
    return Training(train_loss=tuple(curves[0]), test_loss=tuple(curves[1]), test_accuracy=tuple(curves[2]),
                    theta=theta, state=tuple(state or ()))
