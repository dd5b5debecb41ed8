"""Text and Markdown tables from results: formatting only, no numerics, no files.

Every function takes the JSON-ready dict of a result (what results.json holds)
and returns lines; ``markdown=True`` gives the summary.md form. The CLI prints
the text form; report.py writes the Markdown one. The studies' own ``tables``
use ``grid``, ``fmt`` and ``figure_lines`` from here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def fmt(v, digits: int = 6) -> str:
    """Numbers to `digits` significant digits, vectors as (a, b, ...), None as a dash."""
    if v is None:
        return "—"
    if isinstance(v, (list, tuple, np.ndarray)):
        return "(" + ", ".join(fmt(x, digits) for x in v) + ")"
    if isinstance(v, (float, np.floating)):
        return f"{float(v) + 0.0:.{digits}g}"
    return str(v)


def critical_point_rows(points) -> list[str]:
    """Markdown rows for critical points (dicts with x, value, eigenvalues, index, kind)."""
    rows = ["| x | f(x) | eigenvalues | index | kind | \\|grad f\\| |", "|---|---|---|---|---|---|"]
    for p in points:
        rows.append(f"| {fmt(p['x'])} | {fmt(p['value'])} | {fmt(p['eigenvalues'], 4)} | "
                    f"{p['index']} | {p['kind']} | {fmt(p.get('grad_norm'), 2)} |")
    return rows


STOP_TEXT = {
    "stable": "stopped early: the last batch found nothing new, the estimate equals the count "
              "and the Morse sum is met where it is known",
    "budget": "the start budget was spent",
    "newton-steps": "STOPPED at the Newton-step budget (--max-newton-steps); the count is a lower bound",
    "time": "STOPPED at the time limit (--max-seconds); the count is a lower bound, and --starts "
            "with the starts used reproduces it on any machine",
}
"""What each saturation ``stop_reason`` means."""


def stop_text(data: dict) -> str:
    """STOP_TEXT for the search's stop, saying how a stable count was confirmed."""
    sat = data["saturation"]
    if sat["stop_reason"] == "stable" and sat.get("confirmed_by") == "neighbours":
        return ("stopped early: the estimate equals the count, the Morse sum is met where it is known, "
                "and no start next to the points found reached a new one")
    return STOP_TEXT[sat["stop_reason"]]


def total_line(data: dict) -> str:
    """The estimated total, or, when the critical points are not isolated, their manifolds."""
    manifolds = data.get("manifolds") or []
    if not manifolds and data["estimated_total"] is None:
        return "No critical point was found, so there is no total to estimate (Chao1 needs re-found points)."
    if not manifolds:
        ci = data["estimated_total_ci"]
        return (f"Estimated total {data['estimated_total']:.1f} [95% {ci[0]:.1f}, {ci[1]:.1f}] "
                "(Chao1 from how often each point was re-found).")
    on = sum(m["points"] for m in manifolds)
    classes = "; ".join(f"dimension {m['dimension']} at f = {fmt(m['value'])}, index {m['index']} "
                        f"({m['points']} point{'' if m['points'] == 1 else 's'})" for m in manifolds[:6])
    more = f"; and {len(manifolds) - 6} more (see --json)" if len(manifolds) > 6 else ""
    return (f"{on} of the points lie on {len(manifolds)} manifold{'' if len(manifolds) == 1 else 's'} "
            f"of critical points (a continuous symmetry), so there is no finite total: {classes}{more}.")


def critical_tables(data: dict, markdown: bool = False, rows: int = 12) -> list[str]:
    """The lines of `landscape critical`'s report: totals, by index, by value."""
    land, points = data["landscape"], data["critical_points"]
    head = "# " if markdown else ""
    params = ", ".join(f"{k} {v}" for k, v in land["params"].items() if k not in ("dim", "terms"))
    box = " x ".join(f"[{lo:.4g}, {hi:.4g}]" for lo, hi in data["domain"][:3])
    where = ("on the sphere |s|^2 = N" if data["manifold"] == "sphere" else
             f"in {box}{' x ...' if len(data['domain']) > 3 else ''}")
    stop = stop_text(data)
    title = formula_title(land) or f"{land['name']}, N = {land['dim']}" + (f" ({params})" if params else "")
    lines = [f"{head}{title}", "",
             f"{data['found']} critical point{'' if data['found'] == 1 else 's'} {where} "
             f"from {data['starts']} starts "
             f"({data['converged']} converged, {data.get('newton_steps', 0)} Newton steps; {stop}).",
             total_line(data),
             (", ".join(f"{c} {k if c == 1 else plural(k)}" for k, c in data["counts"].items() if c)
              or "No critical point") + ".",
             morse_line(data["morse"])]
    if data.get("neighbour_starts"):
        lines.insert(3, f"{data['neighbour_starts']} more starts next to the points found (along their axes and "
                        f"Hessian eigenvectors) found {data['found_by_neighbours']} more.")
    if data.get("count_bound") is not None:
        lines.append(f"At most {data['count_bound']} exist (complex solutions: "
                     + ("2 x Cartwright-Sturmfels eigenvector classes" if data["manifold"] == "sphere"
                        else "Bezout (D-1)^N" if land["name"] in ("polynomial", "expression") else "3^N") + ").")
    lines.append("")
    expected, se = data.get("expected_by_index"), data.get("expected_by_index_se")
    exact = expected is not None and not any(se)
    mean_values = data.get("expected_value_by_index")
    header = ["index k", "found"] + (["exact" if exact else "expected (Kac-Rice) ± se"] if expected else []) + \
             ["lowest f", "mean f"] + (["expected mean f"] if mean_values else [])
    by_value: dict[int, list[float]] = {}
    for p in points:
        if p["kind"] != "degenerate":
            by_value.setdefault(p["index"], []).append(p["value"])
    table = []
    for k, c in enumerate(data["by_index"]):
        row = [str(k), str(c)]
        if expected:
            row.append(f"{expected[k]:.0f}" if exact else f"{expected[k]:.2f} ± {se[k]:.2f}")
        vals = by_value.get(k, [])
        row += [f"{min(vals):.6g}" if vals else "", f"{float(np.mean(vals)):.6g}" if vals else ""]
        if mean_values:
            row.append(f"{mean_values[k]:.4g}")
        table.append(row)
    lines += (["## By index", ""] if markdown else ["By index:"]) + grid(header, table, markdown)
    shown = points if len(points) <= rows else points[:rows - 3] + [None] + points[-2:]
    show_x = land["dim"] <= 4
    header = ["f(x)", "index", "kind", "|grad f|", "hits"] + (["x"] if show_x else [])
    table = []
    for p in shown:
        if p is None:
            table.append(["…"] * len(header))
            continue
        row = [f"{p['value']:.8g}", str(p["index"]), p["kind"], f"{p['grad_norm']:.1e}", str(p["hits"])]
        if show_x:
            row.append(fmt(np.asarray(p["x"]), 5))
        table.append(row)
    title = "By value" + (f" (lowest {rows - 3} and highest 2 of {len(points)}; all in points.csv "
                          "and --json)" if len(points) > rows else "")
    lines += [""] + ([f"## {title}", ""] if markdown else [f"{title}:"]) + grid(header, table, markdown)
    return lines + figure_lines(data, markdown)


def figure_lines(data: dict, markdown: bool) -> list[str]:
    """The figures written, as Markdown images (PNGs) or an indented list."""
    if not data.get("figures"):
        return []
    lines = ["", "## Figures" if markdown else "Figures:", ""]
    return lines + ([f"![{Path(f).stem}]({f})" if markdown else f"  {f}" for f in data["figures"]
                     if f.endswith((".png", ".gif"))] or [f"  {f}" for f in data["figures"]])


def formula_title(land: dict) -> str | None:
    """'f(x, y) = x^4 - 2*x^2 + y^2: a polynomial of degree 4, coercive' for a landscape typed as a
    formula (its description dict), with its constants; None for the other families."""
    if land.get("name") != "expression":
        return None
    p = land["params"]
    out = f"f({', '.join(p['vars'])}) = {p['f']}"
    if p.get("constants"):
        out += " with " + ", ".join(f"{k} = {v:g}" for k, v in p["constants"].items())
    poly = land.get("polynomial")
    if poly:
        coercive = {True: "coercive", False: "not coercive", None: "coercivity undecided"}[poly["coercive"]]
        out += f": a polynomial of degree {poly['degree']} ({poly['terms']} terms, {coercive})"
    return out


def plural(kind: str) -> str:
    """minimum -> minima, saddle -> saddles, maximum -> maxima; other words unchanged."""
    return {"minimum": "minima", "maximum": "maxima", "saddle": "saddles"}.get(kind, kind)


def morse_line(m: dict) -> str:
    """One sentence on the Morse check sum_k (-1)^k c_k from a critical set's ``morse`` dict."""
    s = f"Morse check: sum_k (-1)^k c_k = {m['alternating_sum']}"
    if m["expected"] is None:
        return s + " (no value is known for this landscape, so nothing to check)."
    if m["holds"] is None:
        return s + f", not checked: {m['degenerate']} degenerate point(s)."
    return s + f", expected {m['expected']}: " + ("holds." if m["holds"] else
                                                  "FAILS, so some critical points were missed.")


def grid(header: list[str], rows: list[list[str]], markdown: bool) -> list[str]:
    """A table as aligned text columns, or as Markdown."""
    if markdown:
        return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
               ["| " + " | ".join(r) + " |" for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    return ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in [header] + rows]


def shown_indices(n: int, limit: int = 40) -> list[int | None]:
    """Every k for small n; otherwise the ends and the middle, None marking a gap."""
    if n <= limit:
        return list(range(n + 1))
    mid = n // 2
    return [*range(6), None, *range(mid - 2, mid + 3), None, *range(n - 5, n + 1)]


def fraction(count: int, n: int) -> str:
    """count / 2^n to 4 significant digits, however small (exact integers in, logs out)."""
    if count == 0:
        return "0"
    if n < 1000:
        return f"{count / 2**n:.4g}"
    log10 = math.log10(count) - n * math.log10(2)
    exponent = math.floor(log10)
    return f"{10 ** (log10 - exponent):.4g}e{exponent:+d}"


def count_tables(data: dict, markdown: bool = False) -> list[str]:
    """The lines of `count-critical`'s report (stdout, or summary.md with markdown=True)."""
    from .counting import binomial_row, compact_int

    n, model = data["dim"], data["model"]
    ks = shown_indices(n)
    gap = ["…"] * 5
    binom = [int(c) for c in data["by_index"]] if model == "signs" else binomial_row(n)
    lines = []
    head = "# " if markdown else ""
    if model == "signs":
        lines += [f"{head}N = {n}, model signs: each Hessian eigenvalue is + or - with probability 1/2", "",
                  f"{compact_int(int(data['sign_configurations']))} sign configurations: 1 minimum, "
                  f"1 maximum, {compact_int(int(data['saddles']))} saddles "
                  f"({compact_int(int(data['saddles_per_minimum']))} saddles per minimum).", ""]
        header = ["index k", "C(N,k) configurations", "fraction C(N,k)/2^N"]
        enum = data.get("enumerated_by_index")
        if enum is not None:
            header.append("enumerated")
        rows = []
        for k in ks:
            if k is None:
                rows.append(gap[:len(header)])
                continue
            row = [str(k), compact_int(binom[k]), fraction(binom[k], n)]
            if enum is not None:
                row.append(str(enum[k]))
            rows.append(row)
        lines += grid(header, rows, markdown)
        if enum is not None:
            lines += ["", f"Enumeration of all 2^{n} sign vectors "
                          f"{'agrees with' if data['enumeration_agrees'] else 'DISAGREES with'} C(N,k)."]
        if len(ks) < n + 1:
            lines += ["", f"(rows shown: the ends and the middle of k = 0..{n}; --json has all {n + 1}, "
                          "exactly)"]
    elif model == "landscape":
        land = data["landscape"]
        params = ", ".join(f"{k} {v}" for k, v in land["params"].items() if k != "dim")
        size = "" if land["dim"] == n else f"; its Hessians act on the {n}-dimensional tangent space"
        title = formula_title(land)
        title = title + (f" ({size[2:]})" if size else "") if title else \
            f"{land['name']} landscape, N = {land['dim']} ({params}{size})"
        lines += [f"{head}{title}", "",
                  f"{data['found']} critical points found from {data['starts']} starts "
                  f"({data['converged']} converged; {stop_text(data)})"
                  + (f"; exactly {data['known_total']} exist" if "known_total" in data else "") + ".",
                  total_line(data), ""]
        header = ["index k", "found"] + (["known"] if "known_by_index" in data else []) + \
                 ["coin flips found·C(N,k)/2^N", "GOE found·P(k)" if "expected_by_index_goe" in data else None]
        header = [h for h in header if h]
        rows = []
        for k in ks:
            if k is None:
                rows.append(gap[:len(header)])
                continue
            row = [str(k), str(data["found_by_index"][k])]
            if "known_by_index" in data:
                row.append(str(data["known_by_index"][k]))
            row.append(f"{data['expected_by_index_binomial'][k]:.4g}")
            if "expected_by_index_goe" in data:
                row.append(f"{data['expected_by_index_goe'][k]:.4g}")
            rows.append(row)
        lines += grid(header, rows, markdown)
        kinds = [(data["minima"], "minimum", "minima"), (data["saddles"], "saddle", "saddles"),
                 (data["maxima"], "maximum", "maxima"), (data["degenerate"], "degenerate", "degenerate")]
        lines += ["", ", ".join(f"{c} {one if c == 1 else many}" for c, one, many in kinds) + ".",
                  morse_line(data["morse"])]
    else:
        ci = data["ci"]
        lines += [f"{head}N = {n}, model {model}: {data['samples']} random Hessians (seed {data['seed']})",
                  ""]
        exact = data.get("by_index_exact")
        header = ["index k", "coin flips C(N,k)/2^N", "sampled [95% CI]"] + (["GOE exact"] if exact else [])
        lo_hi = data["fractions_ci"]
        rows = []
        for k in ks:
            if k is None:
                rows.append(gap[:len(header)])
                continue
            row = [str(k), fraction(binom[k], n),
                   f"{data['fractions'][k]:.4g} [{lo_hi[k][0]:.3g}, {lo_hi[k][1]:.3g}]"]
            if exact:
                row.append(f"{exact[k]:.4g}")
            rows.append(row)
        lines += grid(header, rows, markdown)
        lines += ["", f"P(minimum): sampled {data['p_minimum']:.4g} [95% {ci[0]:.3g}, {ci[1]:.3g}]"
                      + (f", exact {data['p_minimum_exact']:.6g}" if "p_minimum_exact" in data else "")
                      + f", coin flips 2^-N = {fraction(1, n)}."]
        if "rate_exact" in data:
            lines.append(f"Rate -ln P(minimum) / N^2 = {data['rate_exact']:.4f} at N = {n}; it tends to "
                         f"ln(3)/4 = {data['rate_limit']:.4f} (Dean and Majumdar 2006).")
        var = f"Index variance: sampled {data['index_variance']:.4g}"
        if "index_variance_exact" in data:
            var += f", exact {data['index_variance_exact']:.4g}"
        var += f", binomial N/4 = {data['index_variance_binomial']:.4g}"
        if model == "goe":
            var += "; the GOE's grows only like ln(N)/π² (Majumdar et al. 2009)"
        lines.append(var + ".")
        if data["degenerate"]:
            lines.append(f"{data['degenerate']} samples had an eigenvalue within the zero tolerance "
                         "and are left out of the counts.")
    curves = data.get("curves")
    if curves:
        lines += ["", f"GOE P(minimum) exactly for N = 1..{curves['dims'][-1]}: the fit "
                      f"ln P = -θN² + aN + b ln N + c over the upper half gives θ = {curves['theta_fit']:.6f} "
                      f"against ln(3)/4 = {curves['theta_limit']:.6f}."]
    return lines + figure_lines(data, markdown)



STATUS_WORDS = {"left-box": "left the box", "diverged": "diverged", "unfinished": "unfinished (step budget)",
                "no-critical-point": "stopped where Newton found no critical point"}


def connect_tables(data: dict, markdown: bool = False, rows: int = 20) -> list[str]:
    """The text (or Markdown) of `landscape connect` and of connect scenarios, from graph.json's dict."""
    from collections import Counter

    head = "# " if markdown else ""
    land = data["landscape"]
    name = formula_title(land) or f"{land['name']}, N = {land['dim']}"
    title = f"{data['scenario']}: " if data.get("scenario") else ""
    lines = [f"{head}{title}{name} — how the critical points connect", ""]
    if data.get("description"):
        lines += [data["description"], ""]
    s, c = data["search"], data["counts"]
    nodes = data["nodes"]
    by_id = {n["id"]: n for n in nodes}
    origin = (f"from {s['starts']} starts (stopped: {s['stop_reason']})" if s["starts"] else "given as points")
    lines.append(f"{s['found']} critical points {origin}, by index {s['by_index']}.")
    lines.append(f"{c['minima']} {'minimum' if c['minima'] == 1 else 'minima'}; {c['edges']} of "
                 f"{c['index1_saddles']} index-1 saddle{'' if c['index1_saddles'] == 1 else 's'} join two of them; "
                 f"{c['components']} component{'s' if c['components'] != 1 else ''}"
                 + (f"; {c['found_by_descent']} critical points found by descent, {c['minima_found_by_descent']} of "
                    "them minima (the search missed them)" if c["found_by_descent"] else "")
                 + (f"; {c['unresolved']} descents did not end at a minimum." if c["unresolved"] else "."))
    it = data["integrator"]
    lines += [f"Descents: {it['paths']} paths, {it['method']}, local error <= {it['atol']:.3g} per step, "
              f"started {it['delta']:.3g} from each saddle; {it['steps']} steps in all.", ""]
    edges = sorted(data["edges"], key=lambda e: (by_id[e["saddle"]]["value"], e["saddle"]))
    table = [[str(e["saddle"]), fmt(by_id[e["saddle"]]["value"]), f"{e['minima'][0]} – {e['minima'][1]}",
              fmt(e["barriers"][0]), fmt(e["barriers"][1])] for e in edges[:rows]]
    if table:
        lines += [f"{'## ' if markdown else ''}Passes (index-1 saddles by value)", ""]
        lines += grid(["saddle", "f(s)", "joins minima", "barrier from 1st", "barrier from 2nd"], table, markdown)
        if len(edges) > rows:
            lines.append(f"... and {len(edges) - rows} more (graph.json).")
        lines.append("")
    if data["merges"]:
        minima = sorted((n for n in nodes if n["kind"] == "minimum"), key=lambda n: (n["value"], n["id"]))
        leaf = {k: str(n["id"]) for k, n in enumerate(minima)}
        order = []
        for m in data["merges"][:rows]:
            a, b = (leaf.get(ch, f"[{ch}]") for ch in m["children"])
            leaf[m["node"]] = f"[{m['node']}]"
            order.append([str(m["node"]), fmt(m["value"]), str(m["saddle"]), a, b])
        lines += [f"{'## ' if markdown else ''}The disconnectivity tree, lowest join first "
                  "([k]: an earlier join)", ""]
        lines += grid(["join", "energy", "saddle", "branch", "branch"], order, markdown)
        if len(data["merges"]) > rows:
            lines.append(f"... and {len(data['merges']) - rows} more joins (graph.json).")
        lines.append("")
    if data["links"]:
        tally = Counter((l["sense"], l["index"], l["reaches_index"] if l["status"] == "reached" else l["status"])
                        for l in data["links"])
        lines.append(f"{'## ' if markdown else ''}Paths from higher saddles" if markdown else "Paths from higher saddles:")
        if markdown:
            lines.append("")
        for (sense, k, where), count in sorted(tally.items(), key=lambda t: (t[0][0], t[0][1], str(t[0][2]))):
            target = f"index-{where} points" if isinstance(where, int) else STATUS_WORDS.get(where, where)
            verb = "descents along negative directions" if sense == "descent" else "ascents along the positive direction"
            lines.append(f"{'- ' if markdown else '  '}index {k}: {count} {verb} → {target}")
        if data.get("skipped_saddles"):
            lines.append(f"{'- ' if markdown else '  '}{data['skipped_saddles']} saddles of high index not followed "
                         "(max_paths)")
        lines.append("")
    if data["unresolved"]:
        lines.append("Unresolved descents (saddle, side: why):")
        for u in data["unresolved"][:rows]:
            lines.append(f"{'- ' if markdown else '  '}{u['saddle']}, {u['side']:+d}: {u['why']}")
        lines.append("")
    route = data.get("path")
    if route:
        i, j = route["between"]
        lines += [f"{'## ' if markdown else ''}Minimum-energy path {i} → {j}", "",
                  f"Minimax path: minima {' → '.join(map(str, route['minima']))} over saddles "
                  f"{', '.join(map(str, route['saddles']))}; highest {route['highest_saddle']} at "
                  f"{fmt(route['top'])}: barrier {fmt(route['barriers'][0])} from {i}, {fmt(route['barriers'][1])} "
                  f"from {j}.", ""]
        hop_rows = [[f"{h['minima'][0]} → {h['minima'][1]}", str(h["saddle"]),
                     "yes" if h["matches"] else f"no ({h['polished_to']})", f"{h['distance']:.2e}",
                     f"{h['value_error']:.1e}", str(h["band"]["iterations"]),
                     "yes" if h["band"]["converged"] else "no", h["band"]["init"]] for h in route["hops"]]
        lines += grid(["hop", "saddle", "climbing image on it", "distance", "f error", "iterations", "converged",
                       "band start"], hop_rows, markdown)
        lines.append("")
    basins = data.get("basins")
    if basins:
        share = sorted(zip(basins["minima"], basins["fraction"], basins["low"], basins["high"]),
                       key=lambda t: (-t[1], t[0]))
        lines += [f"{'## ' if markdown else ''}Basins: {basins['starts']} steepest descents from random starts"
                  + (f" ({basins['elsewhere']} ended elsewhere)" if basins["elsewhere"] else ""), ""]
        lines += grid(["minimum", "f", "share", "95% interval"],
                      [[str(m), fmt(by_id[m]["value"]), f"{f:.3f}", f"[{lo:.3f}, {hi:.3f}]"]
                       for m, f, lo, hi in share[:rows]], markdown)
        if len(share) > rows:
            lines.append(f"... and {len(share) - rows} more minima (graph.json).")
    return lines + figure_lines(data, markdown)
