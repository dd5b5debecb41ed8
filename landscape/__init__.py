"""landscape: optimisation landscapes, their critical points, and gradient descent near saddles.

The public API; every name here is importable without matplotlib (figures are in
landscape.figures) and without scipy until a search is run.
"""

from .critical import CriticalPoint, CriticalSet, Survey, find_critical_points, survey
from .dynamics import Trajectory, escape_step, iterate, run, stall_steps
from .errors import LandscapeError
from .families import LANDSCAPES, Landscape, build
from .optim import OPTIMIZERS, Optimizer, chain, gd, scale
from .spectrum import Spectrum, classify_eigenvalues, spectrum
from .theory import linearised_iterate, predicted_escape_step, stability_bound

__all__ = [
    "LANDSCAPES", "OPTIMIZERS", "CriticalPoint", "CriticalSet", "Landscape", "LandscapeError",
    "Optimizer", "Spectrum", "Trajectory", "build", "chain", "classify_eigenvalues",
    "escape_step", "find_critical_points", "gd", "iterate", "linearised_iterate",
    "predicted_escape_step", "run", "scale", "spectrum", "stability_bound", "stall_steps",
    "Survey", "survey",
]
