"""`landscape list`: the built-in scenarios, the landscape families or the scenario kinds."""

from __future__ import annotations

import click

from .options import echo_json, json_option


@click.command("list", short_help="List the scenarios, families or kinds.")
@click.option("--families", is_flag=True, help="List the landscape families instead.")
@click.option("--kinds", is_flag=True, help="List the scenario kinds (the studies) instead.")
@json_option
def command(families, kinds, as_json):
    """List the built-in scenarios (or the landscape families, or the scenario kinds), one line each."""
    from ..errors import LandscapeError

    if families and kinds:
        raise LandscapeError("--families and --kinds: give one of them")
    if families:
        from ..families import LANDSCAPES

        rows = [{"name": name, "summary": LANDSCAPES[name].summary} for name in sorted(LANDSCAPES)]
        text = [f"{r['name']:16s} {r['summary']}" for r in rows]
    elif kinds:
        from ..scenario import describe_builtin
        from ..studies import STUDIES

        scenarios = describe_builtin()
        rows = [{"kind": k, "summary": s.summary, "figures": list(s.FIGURES),
                 "scenarios": [n for n, _, kind in scenarios if kind == k]} for k, s in STUDIES.items()]
        text = [f"{r['kind']:16s} {r['summary']} (scenarios: {', '.join(r['scenarios']) or 'none'})"
                for r in rows]
    else:
        from ..scenario import describe_builtin

        rows = [{"name": n, "kind": k, "description": d} for n, d, k in describe_builtin()]
        text = [f"{r['name']:16s} {r['description']}" for r in rows]
    if as_json:
        echo_json(rows)
    else:
        click.echo("\n".join(text))
