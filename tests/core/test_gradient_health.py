"""Gradient health (issue 16): each layer's mean |δ| and ‖∂E/∂W‖ of one step, checked against
the phase list's own numbers and against finite differences, and the vanishing gradients of the
deep-sigmoid preset beside deep-tanh, measured."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core.gradcheck import numeric_gradients
from bpviz.core.gradient_health import Meter, measure, of_pass
from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer


@pytest.mark.parametrize("name,rows", [("xor", [0, 1, 2, 3]), ("swap", [2]), ("xor-deep", [1, 3])])
def test_the_numbers_are_the_phase_lists(name, rows):
    """mean |δ| from the values the delta phases reveal, ‖∂E/∂W‖ from the grad phases'."""
    doc = load_preset(name)
    tr = trace_step(doc, rows)
    h = of_pass(tr.p)
    L = doc.network.L
    assert h.L == L
    for ph in tr.phases:
        if ph.kind == "delta":
            deltas = [v["value"] for v in ph.values if v["quantity"] == "delta"]
            assert len(deltas) == doc.network.sizes[ph.layer_index]
            want = np.mean(np.abs(np.array(deltas)))  # neurons × rows
            assert h.delta[ph.layer_index - 1] == pytest.approx(want, rel=1e-12)
        if ph.kind == "grad":
            g = [v["value"] for v in ph.values if v["quantity"] == "grad_weight"]
            assert h.grad[ph.layer_index - 1] == pytest.approx(np.sqrt(np.sum(np.square(g))), rel=1e-12)
    # the same from measure, at the document's weights, which it leaves as they were
    before = [w.copy() for w in doc.network.weights]
    m = measure(doc.network, doc.inputs[rows], doc.targets[rows])
    np.testing.assert_array_equal(m.delta, h.delta)
    np.testing.assert_array_equal(m.grad, h.grad)
    assert all(np.array_equal(a, b) for a, b in zip(before, doc.network.weights, strict=True))


def test_the_gradient_norm_is_the_finite_differences():
    doc = load_preset("xor-deep")
    net = doc.network
    h = measure(net, doc.inputs, doc.targets)
    for j, w in enumerate(net.weights):
        params = [("w", j, (r, c)) for r in range(w.shape[0]) for c in range(w.shape[1])]
        num = np.array(numeric_gradients(net, doc.inputs, doc.targets, params))
        assert h.grad[j] == pytest.approx(np.linalg.norm(num), rel=1e-6)


def test_the_meter_follows_weights_changed_in_place():
    doc = load_preset("swap")
    t = Trainer(doc, path="numpy")
    meter = Meter(t.network)
    for _ in range(3):
        rows = t.next_rows()
        got = meter(t.inputs[rows], t.targets[rows])
        want = measure(t.network.copy(), t.inputs[rows], t.targets[rows])
        np.testing.assert_allclose(got.delta, want.delta, rtol=1e-14)
        np.testing.assert_allclose(got.grad, want.grad, rtol=1e-14)
        t.run(max_steps=5)


# measured with the core trainer (README, the presets' descriptions)
DEEP = {
    # name: (first layer's mean |δ| / the output's at the start; the step E falls below 0.01)
    "deep-sigmoid": (1.885e-4, 16_430),
    "deep-tanh": (8.100e-2, 28),
}


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_sigmoid_vanishes_and_deep_tanh_does_not(name):
    ratio, learned = DEEP[name]
    doc = load_preset(name)
    net = doc.network
    assert net.sizes == [2, 4, 4, 4, 4, 4, 1] and net.L == 6
    assert net.activations[-1].name == "sigmoid"
    assert {a.name for a in net.activations[:-1]} == {name.split("-")[1]}
    h = measure(net, doc.inputs, doc.targets)
    assert h.delta[0] / h.delta[-1] == pytest.approx(ratio, rel=1e-3)
    if name == "deep-sigmoid":  # each layer back is smaller: orders of magnitude in all
        assert (np.diff(h.delta) > 0).all() and h.delta[0] / h.delta[-1] < 1e-3
    else:
        assert h.delta[0] / h.delta[-1] > 1e-2
    t = Trainer(doc)
    t.run(max_steps=learned, stop_error=doc.session["stop_error"])
    assert t.stopped_at is not None and t.stopped_at[0] == learned
    assert f"step {learned:,}" in doc.description
    assert (doc.init["scheme"], doc.init["seed"]) == ("xavier", 0)  # a seeded draw
