"""Small classification data sets, deterministic for a seed, never downloaded.

Each returns (X (S, d), labels (S,) int); ``one_hot`` gives the targets T (S, K).
Features are centred and scaled to unit variance per coordinate (XOR's corners
already are), so one weight scale suits every data set. xor, moons and blobs are
generated; digits is the 8 x 8 handwritten digits that scikit-learn ships inside its
wheel (the optional extra ``landscape-sim[data]``), with a fixed train/test split.
"""

from __future__ import annotations

import numpy as np

from ..errors import LandscapeError


def xor(samples: int = 4, noise: float = 0.0, seed: int = 0):
    """The corners (+-1, +-1), labelled 1 where x y < 0; sample i is corner i mod 4 plus
    N(0, noise^2) jitter. With 4 samples and no noise: the four XOR points exactly."""
    corners = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    X = corners[np.arange(samples) % 4] + noise * np.random.default_rng(seed).standard_normal((samples, 2))
    labels = (np.arange(samples) % 4 >= 2).astype(int)
    return X, labels


def moons(samples: int = 64, noise: float = 0.1, seed: int = 0):
    """Two interleaved half circles: (cos t, sin t) and (1 - cos t, 1/2 - sin t), t evenly
    spaced in [0, pi], alternating classes, plus N(0, noise^2) jitter; then standardised."""
    t = np.pi * (np.arange(samples) // 2) / max((samples + 1) // 2 - 1, 1)
    labels = np.arange(samples) % 2
    X = np.where(labels[:, None] == 0, np.stack([np.cos(t), np.sin(t)], -1),
                 np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], -1))
    X = X + noise * np.random.default_rng(seed).standard_normal(X.shape)
    return _standardise(X), labels


def blobs(samples: int = 60, features: int = 2, classes: int = 3, noise: float = 0.5, seed: int = 0):
    """Gaussian blobs: class centres N(0, 4 I) in ``features`` dimensions, sample i of class
    i mod classes at its centre plus N(0, noise^2 I); then standardised."""
    rng = np.random.default_rng(seed)
    centres = 2.0 * rng.standard_normal((classes, features))
    labels = np.arange(samples) % classes
    X = centres[labels] + noise * rng.standard_normal((samples, features))
    return _standardise(X), labels


DIGITS_TEST = 360
"""Images of the digits set held out for testing (of 1797); the other 1437 are the training split."""

INSTALL_DATA = "pip install 'landscape-sim[data]'"


def digits_split():
    """(X_train (1437, 64), y_train, X_test (360, 64), y_test): the 1797 8 x 8 digits
    (Alpaydin and Kaynak 1998, as scikit-learn ships them), split by one fixed permutation
    (the named stream ("digits", "split") of seed 0, the same for every landscape seed) and
    standardised per pixel with the training split's mean and standard deviation (pixels that
    are constant there are only centred)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise LandscapeError(f"the digits data set needs scikit-learn: {INSTALL_DATA}") from None
    from ..seeds import stream

    data = load_digits()
    order = stream(0, "digits", "split").permutation(len(data.target))
    train, test = order[:-DIGITS_TEST], order[-DIGITS_TEST:]
    X = data.data.astype(float)
    mean, sd = X[train].mean(axis=0), X[train].std(axis=0)
    sd = np.where(sd > 0, sd, 1.0)
    return (X[train] - mean) / sd, data.target[train], (X[test] - mean) / sd, data.target[test]


def digits(samples: int = 1437, noise: float = 0.0, seed: int = 0):
    """The first ``samples`` images of the digits training split (``digits_split``), as they
    are: ``noise`` and ``seed`` do not apply (the data are not generated)."""
    X, y, _, _ = digits_split()
    if not 1 <= samples <= len(y):
        raise LandscapeError(f"digits has {len(y)} training images; samples must be in [1, {len(y)}], got {samples}")
    return X[:samples], y[:samples]


def _standardise(X):
    sd = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[labels]


DATASETS = {"xor": xor, "moons": moons, "blobs": blobs, "digits": digits}
DEFAULTS = {"xor": (4, 0.0), "moons": (64, 0.1), "blobs": (60, 0.5), "digits": (1437, 0.0)}
"""name -> (samples, noise) when the landscape leaves them unset."""


def make(name: str, samples: int, noise: float, inputs: int, classes: int, seed: int):
    """(X, labels) of data set ``name`` shaped for a network with ``inputs`` and ``classes``."""
    if name not in DATASETS:
        raise LandscapeError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    if name == "blobs":
        return blobs(samples, inputs, classes, noise, seed)
    if name == "digits":
        if inputs != 64 or classes != 10:
            raise LandscapeError(f"digits has 64 inputs (8 x 8 pixels) and 10 classes: layers must start with 64 "
                                 f"and end with 10 (got {inputs} and {classes})")
        return digits(samples, noise, seed)
    if inputs != 2 or classes != 2:
        raise LandscapeError(f"{name} has 2 inputs and 2 classes: layers must start with 2 and end "
                             f"with 2 (got {inputs} and {classes}); dataset = \"blobs\" takes any widths")
    return DATASETS[name](samples, noise, seed)
