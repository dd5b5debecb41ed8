"""`landscape inspect`: value, derivatives and classification at one point, or what a landscape is."""

from __future__ import annotations

import click

from ..errors import LandscapeError
from .options import (
    FAMILY,
    echo_json,
    expr_options,
    json_option,
    param_option,
    parse_numbers,
    parse_params,
    with_expression,
)


@click.command("inspect", short_help="Value, derivatives and curvature at a point.")
@click.argument("family", metavar="FAMILY", type=FAMILY, required=False)
@expr_options
@param_option
@click.option("--at", "at", default=None, metavar="x,y,...",
              help="The point; without it, only the landscape's description (and an mlp's parameter count).")
@click.option("--layers", default=None, metavar="N0,N1,...",
              help="mlp: the widths, inputs to classes (same as -p layers=[N0,N1,...]).")
@click.option("--batchnorm", is_flag=True, default=None, help="mlp: batch norm after every linear layer.")
@json_option
def command(family, expr, variables, params, at, layers, batchnorm, as_json):
    """Value, gradient, Hessian, eigen-decomposition and classification at a point.

    Without --at: what the landscape is (for mlp: its modules and parameter count),
    e.g. `landscape inspect mlp --layers 20,40 --batchnorm`.
    """
    import numpy as np

    from ..families import build
    from ..spectrum import inspect_point
    from ..tables import fmt

    family, settings = with_expression(family, expr, variables, parse_params(params))
    for option, value, key in (("--layers", layers, "layers"), ("--batchnorm", batchnorm, "batchnorm")):
        if value is None:
            continue
        if family != "mlp":
            raise LandscapeError(f"{option} applies to the mlp family only")
        if key in settings:
            raise LandscapeError(f"{option} and -p {key}= both set {key}: give one of them")
        settings[key] = widths(value) if key == "layers" else True
    land = build(family, settings)
    if at is None:
        describe_landscape(land, as_json)
        return
    given = np.array(parse_numbers(at, "--at"))
    if given.size != land.dim:
        raise LandscapeError(f"--at: {family} needs {land.dim} coordinates, got {given.size}")
    if not np.all(np.isfinite(land.project(given))):
        raise LandscapeError(f"--at: {family} lives on a {land.manifold}; the origin has no projection onto it")
    point = inspect_point(land, given)
    data = {"landscape": land.describe(), "parameters": land.dim, **point.to_dict()}
    if as_json:
        echo_json(data)
        return
    x, H, spec = point.x, point.hessian, point.spectrum
    click.echo(f"{family} at {fmt(x)}")
    if family == "expression":
        _echo_formula(data["landscape"])
    if land.manifold != "euclidean":
        click.echo(f"  (the point of the {land.manifold} nearest to {fmt(given)}; gradient and Hessian are "
                   f"Riemannian, the Hessian in an orthonormal basis of the {land.tangent_dim}-dimensional "
                   "tangent space)")
    click.echo(f"  value        {point.value + 0.0:.10g}")
    click.echo(f"  gradient     {fmt(point.gradient, 8)}   |grad| = {np.linalg.norm(point.gradient):.3g}")
    click.echo("  hessian      " + "\n               ".join(fmt(row, 8) for row in H))
    for lam, v in zip(spec.eigenvalues, spec.eigenvectors.T):
        click.echo(f"  eigenvalue   {lam + 0.0:+.8g}   eigenvector {fmt(v, 6)}")
    click.echo(f"  index {data['index']} ({data['kind']}; eigenvalues within {data['zero_tol']:.2g} "
               "of zero count as zero)")
    if not point.is_critical:
        click.echo("  note: the gradient is not zero here, so this is not a critical point; the "
                   "classification describes the local curvature only")


def widths(text: str) -> list[int]:
    """'20,40' -> [20, 40]: an mlp's positive integer widths."""
    values = parse_numbers(text, "--layers")
    if any(w != int(w) or w < 1 for w in values):
        raise LandscapeError(f"--layers: expected positive integer widths, got {text!r}")
    return [int(w) for w in values]


def _echo_formula(described: dict) -> None:
    """The formula as parsed (constants substituted) and its exact gradient."""
    symbolic = described["formula"]
    click.echo(f"  f            {symbolic['f']}")
    if symbolic.get("gradient"):
        click.echo(f"  grad f       ({', '.join(symbolic['gradient'])})")
    poly = described.get("polynomial")
    if poly:
        coercive = {True: "coercive", False: "not coercive", None: "coercivity undecided"}[poly["coercive"]]
        click.echo(f"  polynomial   degree {poly['degree']}, {poly['terms']} terms, at most "
                   f"{poly['bezout_bound']} isolated critical points (Bezout), {coercive}")


def describe_landscape(land, as_json: bool) -> None:
    """What `inspect` prints without a point: the family, its parameters, its size."""
    data = {"landscape": land.describe(), "parameters": land.dim, "summary": land.summary}
    if as_json:
        echo_json(data)
        return
    click.echo(f"{land.name}: {land.summary}")
    if land.name == "expression":
        _echo_formula(data["landscape"])
    for key, value in land.params().items():
        click.echo(f"  {key:14s} {value}")
    for row in data["landscape"].get("architecture", []):
        click.echo(f"  {row['module']:24s} {row['parameters']:>8d} parameters")
    click.echo(f"  {'total':24s} {land.dim:>8d} parameters" if "architecture" in data["landscape"]
               else f"  dimension      {land.dim}")
