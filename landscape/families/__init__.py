"""Landscape families and the LANDSCAPES registry (name -> factory)."""

import importlib
import math
from collections.abc import Iterator, Mapping

from .base import MAX_MAGNITUDE, Landscape

_WHERE = {  # name -> (module, class), in the order listings show them
    "saddle-2d": ("classic", "Saddle2D"), "monkey-saddle": ("classic", "MonkeySaddle"),
    "rosenbrock": ("classic", "Rosenbrock"), "himmelblau": ("classic", "Himmelblau"),
    "six-hump-camel": ("classic", "SixHumpCamel"), "muller-brown": ("classic", "MullerBrown"),
    "quadratic": ("quadratic", "Quadratic"), "random-quadratic": ("random_quadratic", "RandomQuadratic"),
    "separable": ("separable", "Separable"),
    "random-field": ("random_field", "RandomField"), "pspin": ("pspin", "PSpin"),
    "polynomial": ("polynomial", "Polynomial"), "saddle-chain": ("saddle_chain", "SaddleChain"),
    "linear-net": ("linear_net", "LinearNet"), "mlp": ("mlp", "MLPLoss"), "expression": ("expression", "Expression"),
}


class _Registry(Mapping):
    """LANDSCAPES: family name -> class, importing a family's module only when it is asked
    for, so a command on one family does not pay for the others (mlp alone is ~20 ms)."""

    def __getitem__(self, name: str) -> type[Landscape]:
        module, cls = _WHERE[name]
        return getattr(importlib.import_module(f".{module}", __name__), cls)

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)

    def __repr__(self) -> str:
        return f"LANDSCAPES({', '.join(_WHERE)})"


LANDSCAPES: Mapping[str, type[Landscape]] = _Registry()

__all__ = ["LANDSCAPES", "Expression", "Himmelblau", "Landscape", "LinearNet", "MLPLoss", "MonkeySaddle", "MullerBrown", "Polynomial",
           "PSpin", "Quadratic", "RandomField", "RandomQuadratic", "Rosenbrock", "Saddle2D", "SaddleChain", "Separable", "SixHumpCamel"]


def __getattr__(name: str):
    """The family classes by their own names (``from landscape.families import PSpin``), imported on use."""
    for family, (_, cls) in _WHERE.items():
        if cls == name:
            return LANDSCAPES[family]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build(family: str, params: dict | None = None, where: str = "") -> Landscape:
    """Construct LANDSCAPES[family](**params), checking names and types first.

    Lists become tuples (families are frozen); ints are accepted for floats.
    Every number must be finite and at most MAX_MAGNITUDE in size (the formulas
    square and cube their parameters; beyond that double precision overflows),
    nested lists must be rectangular, a ``seed`` is a non-negative integer (a
    SeedSequence entropy), and keys a family lists in ``exclusive`` together are
    refused. ``where`` prefixes error messages (a scenario file and section).
    """
    import dataclasses

    from ..errors import LandscapeError

    prefix = f"{where}: " if where else ""
    if family not in LANDSCAPES:
        raise LandscapeError(
            f"{prefix}unknown landscape family {family!r}; expected one of {', '.join(LANDSCAPES)}")
    cls = LANDSCAPES[family]
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in (params or {}).items():
        if key not in fields and getattr(cls, "takes_constants", False):  # a = 1.5: a formula's constant
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise LandscapeError(f"{prefix}{family}: {key!r} is not a parameter ({', '.join(fields)}), so it "
                                     f"is a constant of the formula and needs a number, got {value!r}")
            constants = kwargs.setdefault("constants", {})
            if key in constants:
                raise LandscapeError(f"{prefix}{family}: constant {key!r} is given twice")
            constants[key] = _finite(float(value), f"{prefix}{family} constant {key!r}")
            continue
        if key == "constants" and getattr(cls, "takes_constants", False):
            if not isinstance(value, dict):
                raise LandscapeError(f"{prefix}{family} parameter 'constants': expected a table of numbers, "
                                     f"got {value!r}")
            constants = kwargs.setdefault("constants", {})
            for name, number in value.items():
                if isinstance(number, bool) or not isinstance(number, (int, float)):
                    raise LandscapeError(f"{prefix}{family} constant {name!r}: expected a number, got {number!r}")
                if name in constants:
                    raise LandscapeError(f"{prefix}{family}: constant {name!r} is given twice")
                constants[name] = _finite(float(number), f"{prefix}{family} constant {name!r}")
            continue
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise LandscapeError(f"{prefix}unknown parameter {key!r} for {family} (parameters: {known})")
        kwargs[key] = _coerce(value, str(fields[key].type), f"{prefix}{family} parameter {key!r}")
    if "seed" in kwargs and kwargs["seed"] < 0:
        raise LandscapeError(f"{prefix}{family} parameter 'seed': expected an integer >= 0, got {kwargs['seed']}")
    for group in cls.exclusive:
        given = [k for k in group if k in kwargs and kwargs[k] is not None]
        if len(given) > 1:
            raise LandscapeError(f"{prefix}{family}: give one of {' or '.join(group)}, not both")
    cls.check_size(kwargs, f"{prefix}{family}")
    try:
        return cls(**kwargs)
    except LandscapeError as err:
        raise LandscapeError(f"{prefix}{err}") from None


def _finite(value: float, what: str) -> float:
    from ..errors import LandscapeError

    if not math.isfinite(value):
        raise LandscapeError(f"{what}: expected a finite number, got {value}")
    if abs(value) > MAX_MAGNITUDE:
        raise LandscapeError(f"{what}: {value:g} is too large (at most {MAX_MAGNITUDE:.0e} in size: the "
                             "formulas square and cube their parameters)")
    return value


def _element_type(annotation: str) -> str:
    """'tuple[X, ...] | None' -> 'X' (X itself may be a tuple[...] annotation)."""
    depth, start = 0, annotation.index("[") + 1
    for i in range(start, len(annotation)):
        ch = annotation[i]
        depth += ch == "["
        depth -= ch == "]"
        if (ch == "," and depth == 0) or depth < 0:
            return annotation[start:i].strip()
    return "float"


def _coerce(value, annotation: str, what: str):
    from ..errors import LandscapeError

    if value is None:
        if "None" in annotation:
            return None
        raise LandscapeError(f"{what}: expected a value, got none")
    if annotation.startswith("tuple"):
        if not isinstance(value, (list, tuple)):
            raise LandscapeError(f"{what}: expected a list, got {value!r}")
        inner = _element_type(annotation)
        items = tuple(_coerce(v, inner, what) for v in value)
        if inner.startswith("tuple") and len({len(v) for v in items if v is not None}) > 1:
            raise LandscapeError(f"{what}: the rows have different lengths "
                                 f"({', '.join(str(len(v)) for v in items)}); expected a rectangular array")
        return items
    if annotation.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LandscapeError(f"{what}: expected a number, got {value!r}")
        return _finite(float(value), what)
    if annotation.startswith("bool"):
        if not isinstance(value, bool):
            raise LandscapeError(f"{what}: expected true or false, got {value!r}")
        return value
    if annotation.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise LandscapeError(f"{what}: expected an integer, got {value!r}")
        if abs(value) > 2**63 - 1:
            raise LandscapeError(f"{what}: {value} is beyond the 64-bit integer range")
        return value
    if annotation.startswith("str"):
        if not isinstance(value, str):
            raise LandscapeError(f"{what}: expected a string, got {value!r}")
        return value
    return value
