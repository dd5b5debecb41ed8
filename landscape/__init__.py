"""landscape: optimisation landscapes, their critical points, and gradient descent near saddles.

The public API; every name here is importable without matplotlib (figures are in
landscape.figures) and without scipy until a search is run.
"""

from .critical import CriticalPoint, CriticalSet, Survey, find_critical_points, survey
from .dynamics import (Escape, Trajectory, escape_step, first_arrival, iterate, measure_escape,
                       quadratic_escape, rate_sweep, run, stall_steps)
from .errors import LandscapeError
from .families import LANDSCAPES, Landscape, build
from .optim import (OPTIMIZERS, Optimizer, adam, chain, dropout_gd, gd, heavy_ball, negative_curvature,
                    nesterov, newton, noisy_gd, perturbed_gd, saddle_free_newton, scale)
from .spectrum import Spectrum, classify_eigenvalues, spectrum
from .theory import (linear_recurrence, linearised_iterate, predicted_escape, predicted_escape_step,
                     stability_bound, stability_bounds)

__all__ = [
    "LANDSCAPES", "OPTIMIZERS", "CriticalPoint", "CriticalSet", "Escape", "Landscape", "LandscapeError",
    "Optimizer", "Spectrum", "Trajectory", "adam", "build", "chain", "classify_eigenvalues",
    "dropout_gd", "escape_step", "find_critical_points", "first_arrival", "gd", "heavy_ball", "iterate",
    "linear_recurrence", "linearised_iterate", "measure_escape", "negative_curvature", "nesterov", "newton",
    "noisy_gd", "perturbed_gd", "predicted_escape", "predicted_escape_step", "quadratic_escape",
    "rate_sweep", "run", "saddle_free_newton", "scale", "spectrum", "stability_bound", "stability_bounds",
    "stall_steps", "Survey", "survey",
]
