"""The phase list alone says which phase reveals what: every (quantity, layer) exactly once, in
the order ARCHITECTURE.md gives, and Revealed answers from it."""

import pytest

from bpviz.core.iteration.phases import phase_names, trace_step
from bpviz.core.iteration.reveal import Revealed, reveal_index
from bpviz.core.presets import PRESETS, load_preset


def expected(L):
    """(quantity, layer) → the phase name that must reveal it."""
    out = {("input", 0): "input", ("target", L): "input", ("error", L): "error", ("after", None): "update"}
    return out, [
        (q, k)
        for k in range(1, L + 1)
        for q in ("net", "out", "grad_out", "fprime", "delta", "grad_w", "grad_b")
    ]


@pytest.mark.parametrize("name", PRESETS)
def test_each_quantity_of_each_layer_is_revealed_once_by_its_phase(name):
    doc = load_preset(name)
    net = doc.network
    tr = trace_step(doc, [0])
    at = reveal_index(tr.phases)
    fixed, per_layer = expected(net.L)
    assert len(at) == len(fixed) + len(per_layer)
    names = phase_names(net)
    for key, phase in fixed.items():
        assert names[at[key]] == phase
    kind_of = {
        "net": "net",
        "out": "out",
        "grad_out": "grad_out",
        "fprime": "delta",
        "delta": "delta",
        "grad_w": "grad",
        "grad_b": "grad",
    }
    for q, k in per_layer:
        assert names[at[(q, k)]] == f"{kind_of[q]}:{net.names[k]}"
    # forward in layer order, backward from the output back, δ after ∂E/∂out, gradients after δ
    for k in range(1, net.L + 1):
        assert (
            at[("net", k)]
            < at[("out", k)]
            < at[("error", net.L)]
            < at[("grad_out", k)]
            < at[("delta", k)]
            < at[("grad_w", k)]
            < at[("after", None)]
        )
        if k < net.L:
            assert at[("out", k)] < at[("net", k + 1)]
            assert at[("grad_w", k + 1)] < at[("grad_out", k)]


def test_revealed_answers_from_the_phase_list():
    doc = load_preset("mazur")
    tr = trace_step(doc, [0])
    names = [p.name for p in tr.phases]
    rv = Revealed(tr.phases, names.index("delta:o"))
    assert rv.known("input", 0) and rv.known("out", 2) and rv.known("delta", 2)
    assert rv.known("fprime", 2) and not rv.known("grad_w", 2) and not rv.known("delta", 1)
    assert not rv.known("after")
    with pytest.raises(KeyError):
        rv.known("delta", 0)  # the input layer has no δ
