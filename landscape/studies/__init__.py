"""Studies: what a scenario of a given ``kind`` computes, beyond the single-landscape runs.

Each study module has a ``Settings`` dataclass (its scenario section, checked by
scenario.read_settings), ``check(scenario, landscapes)``, ``run(scenario,
progress) -> result`` with ``result.to_dict()``, and ``tables(data, markdown)``;
its figures are in figures.STUDY_FIGURES. ``progress(label, total)`` returns an
update callable, or is None.
"""

from . import chain, dead_relu, dropout_noise, escape, linear_net, mlp_xor, stability

STUDIES = {
    "saddle-escape": escape,
    "lr-stability": stability,
    "saddle-chain": chain,
    "linear-net": linear_net,
    "mlp-xor": mlp_xor,
    "dead-relu": dead_relu,
    "dropout-noise": dropout_noise,
}
