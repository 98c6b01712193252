"""The loss landscape (issue 16, item 4): E over a grid of two parameters is the core's E —
at the current point exactly the trace's (to 1e-12), and at every grid point what
``Network.error`` gives with the two parameters set there (a brute-force loop), for each
loss, weights in the same and in different layers, and biases."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core import landscape as L
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.iteration.phases import trace_step
from bpviz.core.landscape import Param
from bpviz.core.network import Network
from bpviz.core.presets import load_preset


def network(loss: str, sizes=(3, 4, 3, 3), seed=1) -> tuple[Network, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    acts = ["tanh"] * (len(sizes) - 2) + ["softmax" if loss == "cross_entropy" else "sigmoid"]
    net = Network(
        [f"l{k}" for k in range(len(sizes))],
        list(sizes),
        [make_activation(a) for a in acts],
        [rng.normal(0, 0.8, (sizes[k + 1], sizes[k])) for k in range(len(sizes) - 1)],
        [rng.normal(0, 0.3, sizes[k + 1]) for k in range(len(sizes) - 1)],
        loss=make_loss(loss),
    )
    x = rng.normal(0, 1, (5, sizes[0]))
    t = (
        np.eye(sizes[-1])[rng.integers(0, sizes[-1], 5)]
        if loss == "cross_entropy"
        else rng.random((5, sizes[-1]))
    )
    return net, x, t


PAIRS = {
    "same layer": (Param("edge", (1, 0, 2)), Param("edge", (1, 2, 1))),
    "different layers": (Param("edge", (0, 1, 0)), Param("edge", (2, 2, 2))),
    "reversed layers": (Param("edge", (2, 0, 1)), Param("edge", (0, 3, 2))),
    "bias and weight": (Param("bias", (0, 2)), Param("edge", (1, 1, 1))),
    "first and last": (Param("edge", (0, 0, 0)), Param("bias", (2, 0))),
    "output layer": (Param("edge", (2, 0, 1)), Param("edge", (2, 1, 2))),  # softmax's whole layer
    "chained": (Param("edge", (0, 2, 1)), Param("edge", (1, 0, 2))),  # b reads the neuron a moves
    "two neurons": (Param("edge", (0, 1, 2)), Param("bias", (0, 3))),
}


@pytest.mark.parametrize("loss", ["half_sse", "mse", "cross_entropy"])
@pytest.mark.parametrize("pair", list(PAIRS))
def test_the_centre_is_the_cores_error(loss, pair):
    net, x, t = network(loss)
    a, b = PAIRS[pair]
    ls = L.compute(net, x, t, a, b, (1.5, 0.7), 21)
    assert ls.errors.shape == (21, 21)
    assert ls.centre == (a.value(net), b.value(net))
    assert ls.xs[10] == a.value(net) and ls.ys[10] == b.value(net)
    assert abs(ls.centre_error - net.error(x, t)) <= 1e-12


@pytest.mark.parametrize("loss", ["half_sse", "mse", "cross_entropy"])
@pytest.mark.parametrize(
    "pair", ["same layer", "different layers", "bias and weight", "output layer", "chained"]
)
def test_every_grid_point_is_network_error_there(loss, pair):
    """A brute-force loop: set the two parameters, ask Network.error; the grid agrees to
    1e-12 everywhere, so the minimum along a line is the same grid point."""
    net, x, t = network(loss)
    before = [w.copy() for w in net.weights]
    a, b = PAIRS[pair]
    ls = L.compute(net, x, t, a, b, (2.0, 3.0), 9, chunk_floats=40)  # several chunks
    brute = np.empty_like(ls.errors)
    probe = net.copy()
    for iy, vb in enumerate(ls.ys):
        for ix, va in enumerate(ls.xs):
            a.set(probe, va)
            b.set(probe, vb)
            brute[iy, ix] = probe.error(x, t)
    np.testing.assert_allclose(ls.errors, brute, rtol=0, atol=1e-12)
    for iy in range(len(ls.ys)):  # the valley along each line: where the brute force has it
        assert int(np.argmin(ls.errors[iy])) == int(np.argmin(brute[iy]))
    assert all(np.array_equal(w, v) for w, v in zip(net.weights, before, strict=True))


def test_the_trace_of_a_preset_iteration():
    """xor's batch iteration: the grid's centre is the trace's E (the E whose gradient the
    step uses), and the update −η∇E is the trace's new weights minus the old."""
    doc = load_preset("xor")
    tr = trace_step(doc, [0, 1, 2, 3])
    a, b = Param("edge", (1, 0, 0)), Param("edge", (0, 1, 1))
    ls = L.compute(tr.network, tr.inputs, tr.targets, a, b, (1.0, 1.0))
    assert abs(ls.centre_error - tr.error) <= 1e-12
    g = a.of(tr.p.grad_w, tr.p.grad_b)
    assert a.of(tr.weights_after, tr.biases_after) - a.value(tr.network) == pytest.approx(-2.0 * g, abs=1e-15)


def test_grid_offsets_are_exactly_zero_in_the_middle():
    o = L.grid_offsets(41, 0.3)
    assert o[20] == 0.0 and o[0] == -0.3 and o[-1] == 0.3
    assert np.all(np.diff(o) > 0)


def test_default_span_fits_the_update_and_the_value():
    assert L.default_span(0.2, 0.01) == 1.0
    assert L.default_span(0.2, -0.9) == pytest.approx(2.7)
    assert L.default_span(-4.0, 0.1) == 4.0
    assert L.default_span(0.0, float("nan")) == 1.0


def test_largest_gradients_of_the_last_layer():
    net, x, t = network("half_sse")
    p = net.run(x, t)
    got = L.largest_gradients(net, p.grad_w, 2)
    g = np.abs(p.grad_w[-1])
    assert [q.layer for q in got] == [2, 2]
    vals = [g[q.row, q.col] for q in got]
    assert vals[0] == g.max() and vals[0] >= vals[1] >= np.sort(g.ravel())[-2]


def test_cancel_and_progress():
    net, x, t = network("mse")
    seen = []
    with pytest.raises(L.Cancelled):
        L.compute(
            net,
            x,
            t,
            *PAIRS["same layer"],
            (1, 1),
            11,
            progress=lambda d, n: seen.append(d),
            cancelled=lambda: len(seen) >= 2,
            chunk_floats=60,
        )
    assert seen == sorted(seen) and len(seen) == 2


def test_bad_parameters_get_a_sentence():
    net, x, t = network("mse")
    with pytest.raises(ValueError, match="does not exist"):
        L.compute(net, x, t, Param("edge", (0, 9, 0)), Param("edge", (0, 0, 0)), (1, 1), 5)
    with pytest.raises(ValueError, match="differ"):
        L.compute(net, x, t, Param("edge", (0, 0, 0)), Param("edge", (0, 0, 0)), (1, 1), 5)
