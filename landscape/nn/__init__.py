"""Small neural networks from first-principles backprop modules (numpy, batched)."""

from .datasets import DATASETS, one_hot
from .modules import (
           ACTIVATIONS,
           Activation,
           BatchNorm,
           Dropout,
           Linear,
           SoftmaxCrossEntropy,
)
from .network import MLP

__all__ = ["ACTIVATIONS", "DATASETS", "MLP", "Activation", "BatchNorm", "Dropout", "Linear",
           "SoftmaxCrossEntropy", "one_hot"]
