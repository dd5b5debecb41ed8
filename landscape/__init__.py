"""landscape: optimisation landscapes, their critical points, and gradient descent near saddles.

The public API (``connect`` is the subpackage ``landscape.connect``: ``from landscape.connect import
connect``). Names are imported lazily (PEP 562 ``__getattr__``): ``import
landscape`` costs nothing, and the command line starts without numpy, scipy
or matplotlib. Figures are in ``landscape.figures``; scenario kinds in
``landscape.studies``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_WHERE = {
    "CriticalPoint": "critical", "CriticalSet": "critical", "Survey": "critical",
    "find_critical_points": "critical", "from_points": "critical", "survey": "critical",
    "Connection": "connect",
    "Escape": "dynamics", "Trajectory": "dynamics", "escape_step": "dynamics", "first_arrival": "dynamics",
    "iterate": "dynamics", "measure_escape": "dynamics", "quadratic_escape": "dynamics",
    "rate_sweep": "dynamics", "run": "dynamics", "stall_steps": "dynamics",
    "LandscapeError": "errors",
    "LANDSCAPES": "families", "Landscape": "families", "build": "families",
    "expression": "families.expression", "from_functions": "families.callables",
    "OPTIMIZERS": "optim", "Optimizer": "optim", "OptimizerSpec": "optim", "adam": "optim", "chain": "optim",
    "dropout_gd": "optim", "gd": "optim", "heavy_ball": "optim", "negative_curvature": "optim",
    "nesterov": "optim", "newton": "optim", "noisy_gd": "optim", "perturbed_gd": "optim",
    "saddle_free_newton": "optim", "scale": "optim",
    "PointReport": "spectrum", "Spectrum": "spectrum", "classify_eigenvalues": "spectrum",
    "inspect_point": "spectrum", "spectrum": "spectrum",
    "linear_recurrence": "theory", "linearised_iterate": "theory", "predicted_escape": "theory",
    "predicted_escape_step": "theory", "stability_bound": "theory", "stability_bounds": "theory",
    "stream": "seeds",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'landscape' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, eagerly
    from .critical import (  # noqa: F401
        CriticalPoint,
        CriticalSet,
        Survey,
        find_critical_points,
        from_points,
        survey,
    )
    from .connect import Connection  # noqa: F401
    from .dynamics import (  # noqa: F401
        Escape,
        Trajectory,
        escape_step,
        first_arrival,
        iterate,
        measure_escape,
        quadratic_escape,
        rate_sweep,
        run,
        stall_steps,
    )
    from .errors import LandscapeError  # noqa: F401
    from .families import LANDSCAPES, Landscape, build  # noqa: F401
    from .families.callables import from_functions  # noqa: F401
    from .families.expression import expression  # noqa: F401
    from .optim import (  # noqa: F401
        OPTIMIZERS,
        Optimizer,
        OptimizerSpec,
        adam,
        chain,
        dropout_gd,
        gd,
        heavy_ball,
        negative_curvature,
        nesterov,
        newton,
        noisy_gd,
        perturbed_gd,
        saddle_free_newton,
        scale,
    )
    from .seeds import stream  # noqa: F401
    from .spectrum import (  # noqa: F401
        PointReport,
        Spectrum,
        classify_eigenvalues,
        inspect_point,
        spectrum,
    )
    from .theory import (  # noqa: F401
        linear_recurrence,
        linearised_iterate,
        predicted_escape,
        predicted_escape_step,
        stability_bound,
        stability_bounds,
    )
