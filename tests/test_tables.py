"""tables.py: formatting only, checked against hand-written expectations."""

import math

from landscape.counting import count_critical
from landscape.tables import (
    count_tables,
    critical_point_rows,
    figure_lines,
    fmt,
    fraction,
    grid,
    morse_line,
    plural,
    shown_indices,
)


def test_fmt():
    assert fmt(None) == "—" and fmt(3) == "3" and fmt(-0.0) == "0"
    assert fmt(1 / 3) == "0.333333" and fmt(1 / 3, 2) == "0.33"
    assert fmt([1.0, 2.5, (3, None)]) == "(1, 2.5, (3, —))"


def test_grid_as_text_and_markdown():
    rows = [["1", "long cell"], ["22", "x"]]
    assert grid(["k", "what"], rows, markdown=False) == ["k   what", "1   long cell", "22  x"]
    assert grid(["k", "what"], rows, markdown=True) == ["| k | what |", "|---|---|", "| 1 | long cell |",
                                                        "| 22 | x |"]


def test_fraction_is_exact_for_any_n():
    assert fraction(0, 10) == "0" and fraction(1, 1) == "0.5" and fraction(252, 10) == "0.2461"
    # C(2000, 1000) / 2^2000 = sqrt(2 / (pi 2000)) (1 - 1/8000 + ...) = 0.017838
    c = math.comb(2000, 1000)
    assert fraction(c, 2000) == "1.784e-2"


def test_shown_indices_keeps_the_ends_and_the_middle():
    assert shown_indices(5) == [0, 1, 2, 3, 4, 5]
    s = shown_indices(100)
    assert s[:6] == [0, 1, 2, 3, 4, 5] and s[6] is None and s[7:12] == [48, 49, 50, 51, 52] and s[-1] == 100


def test_words_and_lines():
    assert [plural(k) for k in ("minimum", "saddle", "maximum", "degenerate")] == \
        ["minima", "saddles", "maxima", "degenerate"]
    assert morse_line({"alternating_sum": 1, "expected": 1, "holds": True, "degenerate": 0}).endswith("holds.")
    assert "FAILS" in morse_line({"alternating_sum": 3, "expected": 1, "holds": False, "degenerate": 0})
    assert "not checked: 2 degenerate" in morse_line({"alternating_sum": 0, "expected": 1, "holds": None,
                                                      "degenerate": 2})
    assert "nothing to check" in morse_line({"alternating_sum": 0, "expected": None, "holds": None, "degenerate": 0})
    assert figure_lines({"figures": []}, True) == []
    assert figure_lines({"figures": ["a.png", "a.pdf"]}, True) == ["", "## Figures", "", "![a](a.png)"]
    assert figure_lines({"figures": ["a.pdf"]}, False) == ["", "Figures:", "", "  a.pdf"]


def test_critical_point_rows():
    rows = critical_point_rows([{"x": [0.0, 1.0], "value": -0.25, "eigenvalues": [1.0, 2.0], "index": 0,
                                 "kind": "minimum", "grad_norm": 1e-15}])
    assert rows[2] == "| (0, 1) | -0.25 | (1, 2) | 0 | minimum | 1e-15 |"


def test_count_tables_for_the_sign_model_are_the_binomial_row():
    """N = 10: C(10, k) configurations of index k, 1 minimum, 1022 saddles (the README's numbers)."""
    data = count_critical(10).to_dict()
    text = count_tables(data)
    assert "1024 sign configurations: 1 minimum, 1 maximum, 1022 saddles (1022 saddles per minimum)." in text[2]
    body = [line.split() for line in text[5:16]]
    assert [int(r[1]) for r in body] == [math.comb(10, k) for k in range(11)]
    assert body[5][2] == "0.2461"  # 252 / 1024
    md = count_tables(data, markdown=True)
    assert md[0].startswith("# N = 10") and md[4].startswith("| index k |")


def test_summary_sentences_that_state_an_outcome_follow_the_numbers():
    """Each outcome sentence of a summary.md is computed from the results, so changing the
    numbers changes the sentence (the gallery's results, altered)."""
    import copy
    import json
    from pathlib import Path

    from landscape.studies import STUDIES

    gallery = Path(__file__).resolve().parents[1] / "figures"

    def text(kind, edit):
        data = copy.deepcopy(json.loads((gallery / kind / "results.json").read_text()))
        edit(data)
        return "\n".join(STUDIES[kind].tables(data, True))

    assert "rise together" in text("mlp-xor", lambda d: None)
    assert "rise together" not in text("mlp-xor", lambda d: d.update(index_loss_spearman=0.1))
    chain = text("saddle-chain", lambda d: None)
    assert "about the same time per saddle" in chain

    def uneven(d):
        for r in d["chain"]:
            if r["optimizer"] == "perturbed-gd":
                r["steps"] = r["steps"] * r["d"]
    assert "varies from" in text("saddle-chain", uneven)
    assert "each under the Barbour-Hall bound" in text("dropout-noise", lambda d: None)
    assert "ABOVE the Barbour-Hall bound at M" not in text("dropout-noise", lambda d: None)
    assert "ABOVE the Barbour-Hall bound (1 - e^-λ) λ/M at M = 10" in text(
        "dropout-noise", lambda d: d["poisson"][0].update(total_variation=1.0))
    assert "on the symmetric subspace" in text("dropout-noise", lambda d: None)
    assert "off the symmetric subspace" in text(
        "dropout-noise", lambda d: d["escape"]["gd_end"].update(asymmetry=[0.3]))
    assert "exact zero-gradient" in text("dead-relu", lambda d: None)
    assert "only nearly flat" in text("dead-relu", lambda d: d.update(gradient_on_dead_parameters=1e-9))
