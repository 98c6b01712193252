"""The data plane dock (issue 15, item 1): its heatmap is the core's forward pass over the grid
(mapped to colours), it changes while training and freezes when paused (pixels), one input
draws the function curve (sine), more than two inputs say which are held at their training
mean and offer the axes, the update phase draws the boundary before the update dashed, and a
hidden dock asks the training process for nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from bpviz.core import plane as P
from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.data_plane import DataPlane, _scaled
from bpviz.gui.session import Session


def shown(qtbot, session, size=(420, 460)):
    w = DataPlane(session)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def trained(name, steps):
    doc = load_preset(name)
    t = Trainer(doc, doc.network.copy())
    t.run(max_steps=steps, seconds=10)
    s = Session(doc, name)
    s.adopt_parameters(t.network.weights, t.network.biases, t.step)
    return s


def pixels(w) -> np.ndarray:
    img = w.view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, : img.width(), :3].copy()


def test_the_heatmap_is_the_cores_forward_pass_at_the_grid_points(qtbot):
    s = trained("circle", 400)
    w = shown(qtbot, s)
    fr = s.plane_frame
    ref = s.network.outputs(fr.rows())[:, 0].reshape(fr.shape)  # the core's pass, row by row
    assert np.array_equal(s.plane.output(0), ref)
    v = w.view
    lo, hi = P.value_range(s.doc, ref, s.doc.targets[:, 0])
    assert np.array_equal(v.image.image, v._lut[_scaled(ref, lo, hi)])
    r = v.image.mapRectToParent(v.image.boundingRect())
    assert (r.left(), r.right()) == pytest.approx(fr.x_range)
    assert (r.top(), r.bottom()) == pytest.approx(fr.y_range)
    # the boundary is the core's contour at 0.5
    seg = P.contour(ref, 0.5, fr.xs, fr.ys)
    x, y = v.boundary.getData()
    assert len(seg) > 10 and np.array_equal(x, seg[:, 0]) and np.array_equal(y, seg[:, 1])
    # the samples: training filled, test hollow, coloured by class
    assert len(v.train_points.data) == s.doc.n_samples and len(v.test_points.data) == s.doc.n_test
    assert v.key.text.count("■") == 2 and "inside" in v.key.text and "○" in v.key.text


def test_the_heatmap_changes_while_training_and_freezes_when_paused(qtbot, make_controller, wait_state):
    s, c = make_controller("circle")
    w = shown(qtbot, s)
    assert s.plane_request == P.PlaneSpec(0, 1)
    before = pixels(w)
    c.update_settings(speed=None, stop_error=None)
    seen = []
    s.planeChanged.connect(lambda: seen.append(s.plane.step if s.plane is not None else None))
    c.train()
    qtbot.waitUntil(lambda: len([x for x in seen if x]) >= 2, timeout=8000)
    running = pixels(w)
    assert (running != before).any(axis=2).mean() > 0.02  # the heatmap moved
    c.pause()
    wait_state(c, "paused")
    qtbot.wait(50)
    paused = pixels(w)
    assert s.plane.step == s.step  # the plane of the weights the stepper took
    qtbot.wait(300)
    assert np.array_equal(pixels(w), paused)  # frozen
    assert (paused != before).any(axis=2).mean() > 0.02
    ref = s.network.outputs(s.plane_frame.rows())[:, 0]
    assert np.array_equal(s.plane.output(0).ravel(), ref)
    c.stop()


def test_one_input_draws_the_function_curve(qtbot):
    s = trained("sine", 2000)
    w = shown(qtbot, s)
    v = w.view
    assert s.plane.frame.curve and not v.image.isVisible() and v.curve.isVisible()
    x, y = v.curve.getData()
    assert np.array_equal(x, s.plane.frame.xs)
    assert np.array_equal(y, s.network.outputs(x[:, None])[:, 0])
    # the samples: input across, target up
    tx, ty = v.train_points.getData()
    assert np.array_equal(tx, s.doc.inputs[:, 0]) and np.array_equal(ty, s.doc.targets[:, 0])
    assert "against x1" in v.plotItem.titleLabel.text
    assert not w.controls.isVisible()  # nothing to choose


def four_input_doc():
    spec = NetworkSpec(
        [LayerSpec("x", 4), LayerSpec("h", 5, "tanh"), LayerSpec("y", 3, "softmax")],
        loss="cross_entropy",
        init_scale=1.0,
        init_seed=2,
        n_samples=30,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(1)
    cls = np.arange(30) % 3
    doc.inputs = rng.normal(size=(30, 4)) + cls[:, None]
    doc.targets = np.eye(3)[cls]
    doc.classes = ["a", "b", "c"]
    return doc


def test_more_than_two_inputs_say_what_is_held_and_offer_the_axes(qtbot):
    s = Session(four_input_doc(), "four")
    w = shown(qtbot, s)
    means = s.doc.inputs.mean(axis=0)
    title = w.view.plotItem.titleLabel.text
    assert "held at their training means" in title
    assert "x3 = " in title and "x4 = " in title and "x1 = " not in title
    assert w.x_box.isVisible() and w.y_box.isVisible() and w.x_box.count() == 4
    w.x_box.setCurrentIndex(3)  # x4 across, x2 up: x1 and x3 held
    assert s.plane_axes == P.PlaneSpec(3, 1)
    assert s.plane_request == P.PlaneSpec(3, 1)
    title = w.view.plotItem.titleLabel.text
    assert "x1 = " in title and "x3 = " in title and "x4 = " not in title
    assert dict(s.plane.frame.held) == pytest.approx({0: means[0], 2: means[2]})
    # the same input on both axes: the other box takes the old choice
    w.y_box.setCurrentIndex(3)
    assert s.plane_axes == P.PlaneSpec(1, 3)
    assert (w.x_box.currentIndex(), w.y_box.currentIndex()) == (1, 3)
    # classes as regions, or one output's value
    v = w.view
    assert v.regions and w.out_box.currentText() == "classes" and not v._bar_shown
    w.out_box.setCurrentIndex(2)  # y2
    assert v.output == 1 and not v.regions and v._bar_shown
    assert v.plotItem.titleLabel.text.startswith("y2 over")


def test_the_update_phase_draws_the_boundary_before_the_update_dashed(qtbot):
    s = trained("moons", 300)
    w = shown(qtbot, s)
    v = w.view
    assert not v.before.isVisible()
    s.set_phase(s.last_index)
    after, now = s.plane_after, s.plane
    assert after is not None and after.step == s.step + 1 and now.step == s.step
    tr = s.trace
    net = s.network.copy()
    net.set_parameters(tr.weights_after, tr.biases_after)
    assert np.array_equal(after.output(0).ravel(), net.outputs(after.frame.rows())[:, 0])
    assert v.before.isVisible() and v.boundary.isVisible()
    fr = now.frame
    x, _y = v.before.getData()
    assert np.array_equal(x, P.contour(now.output(0), 0.5, fr.xs, fr.ys)[:, 0])
    assert "before the update" in v.key.text
    s.next()  # the update applied: one plane again, the new weights
    assert s.plane_after is None and not v.before.isVisible()
    assert np.array_equal(s.plane.outputs, after.outputs)


def test_a_hidden_dock_asks_for_no_plane_and_the_window_has_the_dock(win, qtbot):
    s = win.session
    assert win.plane_dock.widget() is win.data_plane
    assert win.plane_dock in win.tabifiedDockWidgets(win.plot_dock)
    # behind the error plot: Qt keeps a tabbed dock "visible", moved off the window; the
    # dock's visibilityChanged says it is not shown
    assert not win.data_plane.shown and s.plane_request is None
    view_menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "View")
    assert win.plane_dock.toggleViewAction() in view_menu.actions()
    win.plane_dock.raise_()
    qtbot.waitUntil(lambda: win.data_plane.shown)
    assert s.plane_request == P.PlaneSpec(0, 1)
    assert win.data_plane.view.image.image is not None  # drawn when first shown
    win.plot_dock.raise_()
    qtbot.waitUntil(lambda: not win.data_plane.shown)
    assert s.plane_request is None


def test_many_held_inputs_are_counted_not_listed():
    from bpviz.gui.data_plane import HELD_LISTED, held_words

    labels = [f"i{k + 1}" for k in range(784)]
    held = tuple((k, 0.5) for k in range(2, 784))
    words = held_words(held, labels)
    assert words.count(" = ") == HELD_LISTED - 1
    assert words.endswith("and 779 more inputs held at their training means")
    assert held_words(((2, -0.25),), labels) == "i3 = \u22120.25 held at its training mean"


def test_a_selected_hidden_neuron_fills_the_plane_with_what_it_computes(qtbot):
    """Issue 15: select a hidden neuron and the plane shows its out over the inputs, large —
    the core's batched pass at the grid points — and goes back to the network's output when
    the selection goes."""
    from bpviz.gui.session import Selection

    s = trained("circle", 300)
    w = shown(qtbot, s)
    v = w.view
    network_image = v.image.image.copy()
    s.select(Selection("neuron", (1, 2)))  # h3
    fr = s.plane_frame
    net = s.trace.network
    out = net.forward(fr.rows()).out[1][:, 2].reshape(fr.shape)  # h3's out, row by row
    assert np.array_equal(v.image.image, v._lut[_scaled(out, -1.0, 1.0)])  # tanh: −1 … 1
    assert not np.array_equal(v.image.image, network_image)
    assert "h3" in v.plotItem.titleLabel.text and "selected" in v.plotItem.titleLabel.text
    assert not v.boundary.isVisible()
    s.select(Selection("neuron", (2, 0)))  # the output neuron: the plane as before
    assert np.array_equal(v.image.image, network_image)
    s.select(None)
    assert np.array_equal(v.image.image, network_image)
