"""The trainer: error history as FORMAT.md defines it, chunks, stop conditions, divergence."""

import numpy as np
import pytest

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.phases import trace_step
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.training import Trainer


@pytest.mark.parametrize("name", PRESETS)
def test_history_is_each_steps_error_before_its_update(name):
    doc = load_preset(name)
    t = Trainer(doc)
    net = doc.network.copy()
    for step in range(6):
        rows = t.next_rows()
        tr = trace_step(doc, rows, network=net)
        t.run(max_steps=1)
        assert t.error_history[step] == tr.error  # the same code computes both
        net.set_parameters(tr.weights_after, tr.biases_after)
        for a, b in zip(net.weights, t.network.weights, strict=True):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-15)


def test_chunks_add_up():
    doc = load_preset("swap")
    a, b = Trainer(doc), Trainer(doc)
    a.run(max_steps=1000)
    while b.step < 1000:
        b.run(max_steps=min(37, 1000 - b.step))
    np.testing.assert_array_equal(a.error_history, b.error_history)


def test_time_budget_bounds_a_chunk():
    t = Trainer(load_preset("mazur"))
    r = t.run(seconds=0.02)
    assert r.reason is None and 0 < r.steps == t.step


def test_target_error_stops():
    t = Trainer(load_preset("xor"))
    r = t.run(max_steps=100_000, target_error=0.01)
    assert r.reason == "target"
    assert t.error_history[-1] <= 0.01 < t.error_history[:-1].min()


@pytest.mark.parametrize("name,limit", [("xor", 400), ("xor-deep", 500)])
def test_xor_presets_converge(name, limit):
    t = Trainer(load_preset(name))
    t.run(max_steps=limit, target_error=0.01)
    assert t.error_history[-1] < 0.01
    assert t.data_error() < 0.01


def test_epoch_error_in_online_mode():
    doc = load_preset("swap")
    t = Trainer(doc, track_epoch_error=True)
    t.run(max_steps=8)
    assert [s for s, _ in t.epoch_errors] == [4, 8]
    assert t.epoch_errors[-1][1] == pytest.approx(t.network.error(doc.inputs, doc.targets))


def exploding_doc(lr=1e6):
    lin = make_activation("linear", 3.0)
    net = Network(["x", "h", "o"], [1, 2, 1], [lin, lin], [[[1.0], [1.0]], [[1.0, 1.0]]],
                  loss=make_loss("sse"))
    return Document(net, np.array([[1.0]]), np.array([[0.0]]), learning_rate=lr)


def test_divergence_stops_with_last_finite_weights():
    doc = exploding_doc()
    t = Trainer(doc)
    r = t.run(max_steps=1000)
    assert r.reason == "diverged" and t.diverged_at is not None
    assert len(t.error_history) == t.diverged_at - 1
    assert np.isfinite(t.error_history).all()
    assert t.network.parameters_finite()
    # replaying by hand: the step diverged_at is the first whose values are not finite
    net = doc.network.copy()
    with np.errstate(all="ignore"):
        for _ in range(t.diverged_at - 1):
            tr = trace_step(doc, [0], network=net)
            net.set_parameters(tr.weights_after, tr.biases_after)
        for a, b in zip(net.weights, t.network.weights, strict=True):
            np.testing.assert_array_equal(a, b)
        tr = trace_step(doc, [0], network=net)
        vals = [tr.error] + [w for w in tr.weights_after] + list(tr.p.grad_w)
        assert not all(np.isfinite(v).all() for v in vals)
    assert t.run(max_steps=10).steps == 0  # stays stopped


def test_divergence_is_silent(recwarn):
    Trainer(exploding_doc()).run(max_steps=1000)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
