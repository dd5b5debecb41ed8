"""Mini-batch SGD (landscape/nn/training.py) on the digits: the classic 64-128-10 ELU network."""

from __future__ import annotations

import numpy as np
import pytest

from landscape import build
from landscape.nn.datasets import digits_split, one_hot
from landscape.nn.training import evaluate, train_sgd


@pytest.fixture(scope="module")
def split():
    return digits_split()


def _net(batchnorm):
    land = build("mlp", {"layers": [64, 128, 10], "activation": "elu", "batchnorm": batchnorm,
                         "dataset": "digits", "samples": 8})
    return land.network, land.initial_point(np.random.default_rng(42))


@pytest.mark.parametrize("batchnorm", [False, True])
def test_ten_epochs_of_sgd_learn_the_digits(split, batchnorm):
    """lr 0.1, batch 128, 10 epochs, seed 42 (the classic experiment): at least 93% of the 360
    held-out digits right with and without batch norm (measured 95.0% and 95.0%), from 9610 and
    9886 parameters; the same seed gives the same curves."""
    net, theta0 = _net(batchnorm)
    run = train_sgd(net, theta0, *split, lr=0.1, epochs=10, batch=128, seed=42)
    assert net.size == (9886 if batchnorm else 9610)
    assert run.test_accuracy[-1] >= 0.93 and run.train_loss[-1] < 0.35
    assert run.to_dict()["final_test_accuracy"] == run.test_accuracy[-1] and len(run.test_loss) == 10
    again = train_sgd(net, theta0, *split, lr=0.1, epochs=10, batch=128, seed=42)
    assert again.test_accuracy == run.test_accuracy and np.array_equal(again.theta, run.theta)


def test_one_full_batch_epoch_is_one_gradient_step(split):
    X, y = split[0][:100], split[1][:100]
    net, theta0 = _net(False)
    run = train_sgd(net, theta0, X, y, X, y, lr=0.05, epochs=1, batch=100, weight_decay=0.01, seed=0)
    _, g = net.loss_and_grad(theta0, X, one_hot(y, 10))
    assert np.allclose(run.theta, theta0 - 0.05 * (g + 0.01 * theta0), rtol=0, atol=1e-15)


def test_batch_norm_inference_uses_the_running_statistics(split):
    """In inference mode a single test example gives a finite output that does not depend on the
    batch it comes in (train mode would normalise it by its own statistics: a zero variance)."""
    net, theta0 = _net(True)
    run = train_sgd(net, theta0, *split, lr=0.1, epochs=2, batch=128, seed=42)
    X_test = split[2]
    one = net.predict(run.theta, X_test[:1], list(run.state))
    assert np.all(np.isfinite(one))
    assert np.allclose(one[0], net.predict(run.theta, X_test, list(run.state))[0], rtol=0, atol=1e-12)
    loss, accuracy = evaluate(net, run.theta, X_test, split[3], run.state)
    assert loss == pytest.approx(run.test_loss[-1]) and accuracy == run.test_accuracy[-1]
