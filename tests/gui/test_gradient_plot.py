"""The Gradients plot and the series behind it (issue 16): a point per hand step from its trace,
points from the training process while it runs, cut back with the history, cleared on Reset
and on another document; one curve a layer on a log scale (checked by pixels: deep-sigmoid's
layers lie apart, the first lowest), the legend counting layers from 1, bounded memory."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from bpviz.core.gradient_health import Health, measure, of_pass
from bpviz.core.numbers import sig
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.gradient_plot import PALETTE, GradientPlot, layer_name
from bpviz.gui.session import Session


def step_updates(s: Session, n: int) -> None:
    for _ in range(n):
        s.set_phase(s.last_index)
        s.next()


def test_a_hand_step_adds_its_traces_point_and_going_back_cuts_it():
    s = Session(load_preset("deep-sigmoid"), "deep-sigmoid")
    g = s.gradients
    assert g.names == ["a", "b", "c", "d", "e", "y"] and len(g) == 0
    traces = []
    for _ in range(3):
        traces.append(s.trace)
        step_updates(s, 1)
    assert list(g.records["delta"][0].steps) == [1, 2, 3]
    n, h = g.latest()
    want = of_pass(traces[-1].p)
    assert n == 3
    np.testing.assert_array_equal(h.delta, want.delta)
    np.testing.assert_array_equal(h.grad, want.grad)
    # the phase list's pass is the core's measure at the weights before the step
    ref = measure(traces[-1].network, s.doc.inputs, s.doc.targets)
    np.testing.assert_allclose(h.delta, ref.delta, rtol=1e-12)
    s.set_phase(0)
    s.previous()  # back into step 3: its point is the gradient of the iteration shown again
    assert g.last_step == 3
    s.set_phase(0)
    s.previous()
    assert g.last_step == 2
    s.reset()
    assert len(g) == 0
    step_updates(s, 2)
    assert len(g) == 2
    s.load(load_preset("xor"), "xor")
    assert len(g) == 0 and g.names == ["h", "y"]


def test_points_arrive_while_training(qtbot, make_controller, wait_state):
    s, c = make_controller("deep-sigmoid", backend="thread")
    s.set_speed(None)
    c.set_limits(max_steps=3_000)
    c.train()
    wait_state(c, "finished", timeout=20_000)
    g = s.gradients
    steps = g.records["delta"][0].steps
    assert len(steps) >= 3 and (np.diff(steps) > 0).all()
    assert steps[-1] == 3_001 == s.step + 1  # the end: the next step's, at the final weights
    n, h = g.latest()
    ref = measure(s.network, s.doc.inputs, s.doc.targets)
    np.testing.assert_allclose(h.delta, ref.delta, rtol=1e-9)
    np.testing.assert_allclose(h.grad, ref.grad, rtol=1e-9)
    c.reset()
    assert len(g) == 0


@pytest.fixture
def deep_plot(qtbot):
    """deep-sigmoid's plot with 40 points of a real run (every 25 steps)."""
    doc = load_preset("deep-sigmoid")
    s = Session(doc, "deep-sigmoid")
    t = Trainer(doc)
    pts = []
    for _ in range(40):
        pts.append((t.step + 1, measure(t.network, doc.inputs, doc.targets)))
        t.run(max_steps=25)
    s.gradients.add(pts)
    p = GradientPlot(s)
    qtbot.addWidget(p)
    p.resize(700, 420)
    p.show()
    qtbot.waitExposed(p)
    qtbot.wait(30)
    return s, p, pts


def pixels(w) -> np.ndarray:
    img = w.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, : img.width(), 2::-1].astype(int)


def rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])


def test_one_curve_a_layer_on_a_log_scale(deep_plot):
    s, p, pts = deep_plot
    assert len(p._curves) == 6
    assert p.plot.plotItem.getAxis("left").logMode
    for j in range(6):
        c = p._curves[("delta", j)]
        xs, ys = c.getData()
        assert list(xs) == [n for n, _ in pts]
        np.testing.assert_allclose(ys, np.log10([h.delta[j] for _, h in pts]))
    names = [label.text for _sample, label in p.legend.items]
    assert names == [f"layer {j + 1} ({n})" for j, n in enumerate("abcdey")]
    assert layer_name(["h", "y"], 0) == "layer 1 (h)"
    # by pixels: each layer's colour is drawn, the first layer lowest and each layer above the
    # one before, far enough apart that they are not squashed together as on a linear axis
    px = pixels(p.plot)
    rows = []
    for j in range(6):
        hit = np.abs(px - rgb(PALETTE[j])).max(axis=2) < 8
        assert hit.sum() > 50, f"layer {j + 1}'s curve is not drawn"
        rows.append(np.median(np.nonzero(hit)[0]))
    assert all(a - b > 12 for a, b in zip(rows, rows[1:], strict=False)), rows  # y grows upwards


def test_the_choice_of_series(deep_plot):
    s, p, pts = deep_plot
    p.set_mode("grad")
    assert set(p._curves) == {("grad", j) for j in range(6)}
    np.testing.assert_allclose(p._curves[("grad", 0)].getData()[1], np.log10([h.grad[0] for _, h in pts]))
    assert "‖∂E/∂W‖" in p.plot.plotItem.getAxis("left").labelText
    p.set_mode("both")
    assert len(p._curves) == 12 and p.choice.currentData() == "both"
    assert p._curves[("grad", 2)].opts["pen"].style() == Qt.PenStyle.DashLine
    assert p._curves[("delta", 2)].opts["pen"].style() == Qt.PenStyle.SolidLine
    got = p.readout(pts[3][0] + 5)
    assert got is not None and got[0] == pts[3][0]
    assert f"1: {sig(pts[3][1].delta[0], 3)}" in got[1] and f"6: {sig(pts[3][1].grad[5], 3)}" in got[1]


def test_memory_is_bounded_and_a_redraw_is_decimated(qtbot):
    s = Session(load_preset("xor"), "xor")
    g = s.gradients
    n = 60_000
    steps = np.arange(1, n + 1)
    rng = np.random.default_rng(0)
    h = rng.uniform(0.1, 1.0, (n, 2))
    for a in range(0, n, 5_000):  # in blocks, as snapshots bring them
        g.add([(int(k), Health(h[k - 1], h[k - 1] * 2)) for k in steps[a : a + 5_000]])
    assert g.nbytes <= g.max_nbytes < 2_000_000
    assert g.records["delta"][0].bucketed and len(g.records["delta"][0]) < 15_000
    p = GradientPlot(s)
    qtbot.addWidget(p)
    p.resize(600, 300)
    p.show()
    qtbot.waitExposed(p)
    xs, _ = p._curves[("delta", 0)].getData()
    assert xs[-1] == n and len(xs) < 4 * 600
