"""Landscape families and the LANDSCAPES registry (name -> factory)."""

from .base import Landscape
from .classic import Himmelblau, MonkeySaddle, MullerBrown, Rosenbrock, Saddle2D, SixHumpCamel
from .linear_net import LinearNet
from .mlp import MLPLoss
from .polynomial import Polynomial
from .pspin import PSpin
from .quadratic import Quadratic
from .random_field import RandomField
from .saddle_chain import SaddleChain
from .separable import Separable

LANDSCAPES: dict[str, type[Landscape]] = {
    cls.name: cls
    for cls in (Saddle2D, MonkeySaddle, Rosenbrock, Himmelblau, SixHumpCamel, MullerBrown, Quadratic,
                Separable, RandomField, PSpin, Polynomial, SaddleChain, LinearNet, MLPLoss)
}

__all__ = ["LANDSCAPES", "Landscape", "Himmelblau", "LinearNet", "MLPLoss", "MonkeySaddle", "MullerBrown", "Polynomial",
           "PSpin", "Quadratic", "RandomField", "Rosenbrock", "Saddle2D", "SaddleChain", "Separable", "SixHumpCamel"]


def build(family: str, params: dict | None = None, where: str = "") -> Landscape:
    """Construct LANDSCAPES[family](**params), checking names and types first.

    Lists become tuples (families are frozen); ints are accepted for floats.
    ``where`` prefixes error messages (a scenario file and section).
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
        if key not in fields:
            known = ", ".join(fields) or "none"
            raise LandscapeError(f"{prefix}unknown parameter {key!r} for {family} (parameters: {known})")
        kwargs[key] = _coerce(value, str(fields[key].type), f"{prefix}{family} parameter {key!r}")
    try:
        return cls(**kwargs)
    except LandscapeError as err:
        raise LandscapeError(f"{prefix}{err}") from None


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
        return tuple(_coerce(v, _element_type(annotation), what) for v in value)
    if annotation.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise LandscapeError(f"{what}: expected a number, got {value!r}")
        return float(value)
    if annotation.startswith("bool"):
        if not isinstance(value, bool):
            raise LandscapeError(f"{what}: expected true or false, got {value!r}")
        return value
    if annotation.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise LandscapeError(f"{what}: expected an integer, got {value!r}")
        return value
    if annotation.startswith("str"):
        if not isinstance(value, str):
            raise LandscapeError(f"{what}: expected a string, got {value!r}")
        return value
    return value
