"""The loss landscape dock (issue 16, item 4): its centre is the trace's E, it draws filled
contours, level lines, the path and, at their phases, the gradient's direction and the
update at its true length −η·∂E/∂w (a new η draws a new update); Ctrl+click on a canvas edge
sets the second weight; the path is recorded from the start even while the dock is hidden."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetricsF, QImage
from PySide6.QtWidgets import QApplication

from bpviz.core.landscape import Param, default_span
from bpviz.core.numbers import sig
from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.landscape_view import GRADIENT_COLOUR, LossLandscape
from bpviz.gui.session import Selection, Session


def shown(qtbot, session, size=(520, 560)):
    w = LossLandscape(session)
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def settled(qtbot, w):
    """Wait for the background thread's landscape of the latest request."""
    qtbot.waitUntil(lambda: not w.computing and not w._timer.isActive() and w._view is not None, timeout=5000)
    qtbot.waitUntil(lambda: w.view.result is not None and w.view.job.serial == w.serial, timeout=5000)
    return w.view


def pixels(widget) -> np.ndarray:
    img = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, : img.width(), 2::-1].copy()  # BGRA → RGB


def near(px: np.ndarray, colour: str, tol: int = 12) -> int:
    c = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(px.astype(int) - c).max(axis=-1) <= tol).sum())


def at_update(s: Session, steps: int = 0) -> None:
    for _ in range(steps):
        s.set_phase(s.last_index)
        s.next()
    s.set_phase(s.last_index)


def test_the_centre_is_the_iterations_error_and_the_arrows_are_its_gradient_and_update(qtbot):
    s = Session(load_preset("xor"), "xor")
    s.select(Selection("edge", (1, 0, 0)))
    s.set_second_selection(Selection("edge", (0, 1, 1)))
    at_update(s, 3)
    w = shown(qtbot, s)
    v = settled(qtbot, w)
    tr = s.trace
    res = v.result
    assert abs(res.centre_error - tr.error) <= 1e-12
    assert (res.a, res.b) == (Param("edge", (1, 0, 0)), Param("edge", (0, 1, 1)))
    # the update arrow: from the current point, −η·∂E/∂w at its true length (data units)
    ga, gb = tr.p.grad_w[1][0, 0], tr.p.grad_w[0][1, 1]
    halo, line, label, _c = v.arrows["update"]
    x, y = line.getData()
    assert (x[0], y[0]) == res.centre
    dx, dy = x[1] - x[0], y[1] - y[0]
    assert dx == pytest.approx(-s.learning_rate * ga, abs=1e-12)
    assert dy == pytest.approx(-s.learning_rate * gb, abs=1e-12)
    assert np.hypot(dx, dy) == pytest.approx(s.learning_rate * np.hypot(ga, gb), rel=1e-12)
    assert label.toPlainText() == "−η∇E" and line.isVisible()
    # the gradient arrow points along +∇E
    x, y = v.arrows["gradient"][1].getData()
    gx, gy = x[1] - x[0], y[1] - y[0]
    assert gx * gb == pytest.approx(gy * ga, abs=1e-12) and gx * ga > 0
    # filled contours and level lines are drawn, with the colour bar
    assert v.image.isVisible() and v.image.image.shape[:2] == res.errors.shape
    assert len(v.levels.getData()[0]) > 20 and v._bar_shown
    assert near(pixels(v), GRADIENT_COLOUR) > 30  # the arrow is on screen
    assert "E of all 4 samples" in v.plotItem.titleLabel.text


def test_a_larger_learning_rate_draws_a_longer_update(qtbot):
    s = Session(load_preset("xor"), "xor")
    at_update(s, 2)
    w = shown(qtbot, s)
    v = settled(qtbot, w)
    small = np.array(v.arrow_vectors()["update"])
    s.set_learning_rate(20.0)
    s.set_phase(s.last_index)
    v = settled(qtbot, w)
    big = np.array(v.arrow_vectors()["update"])
    np.testing.assert_allclose(big, small * 10.0, rtol=1e-12)  # η 2 → 20
    # the grid widens to keep the overshoot in view: 3·|Δ| on each axis at least
    assert (v.result.xs[-1] - v.result.xs[0]) / 2 >= 3 * abs(big[0]) - 1e-12


def test_arrows_wait_for_their_phases(qtbot):
    s = Session(load_preset("mazur"), "mazur")
    w = shown(qtbot, s)
    v = settled(qtbot, w)
    assert s.phase_index == 0 and v.arrow_vectors() == {"gradient": None, "update": None}
    assert not v.arrows["update"][1].isVisible()
    s.set_phase(w.view.job.grad_phase - 1)
    assert v.arrow_vectors()["gradient"] is not None and v.arrow_vectors()["update"] is None
    s.set_phase(s.last_index)
    assert v.arrow_vectors()["update"] is not None and v.arrows["update"][1].isVisible()


def test_the_default_pair_is_the_last_layers_largest_gradients(qtbot):
    s = Session(load_preset("mazur"), "mazur")
    w = shown(qtbot, s)
    v = settled(qtbot, w)
    g = np.abs(s.trace.p.grad_w[-1])
    a, b = v.result.a, v.result.b
    assert a.layer == b.layer == 1 and g[a.row, a.col] == g.max()
    assert "largest |∂E/∂w|" in v.plotItem.titleLabel.text
    assert v.plotItem.getAxis("bottom").labelText == s.network.labels.weights[1][a.row][a.col]


def mazur_canvas(qtbot) -> tuple[Session, NetworkView]:
    """mazur's session and its canvas, 900 × 600, on screen."""
    s = Session(load_preset("mazur"), "mazur")
    c = NetworkView(s)
    qtbot.addWidget(c)
    c.resize(900, 600)
    c.show()
    qtbot.waitExposed(c)
    return s, c


def test_ctrl_click_on_an_edge_sets_the_second_weight(qtbot):
    s, c = mazur_canvas(qtbot)
    pos = c._pos

    def click(view_xy, mods):
        scene = c.vb.mapViewToScene(QPointF(*view_xy))
        qtbot.mouseClick(c.viewport(), Qt.MouseButton.LeftButton, mods, c.mapFromScene(scene))

    click((pos[1][0] + pos[2][0]) / 2, Qt.KeyboardModifier.NoModifier)  # w5
    assert s.selection == Selection("edge", (1, 0, 0)) and s.second_selection is None
    seen = []
    s.secondSelectionChanged.connect(lambda: seen.append(s.second_selection))
    click((pos[1][1] + pos[2][1]) / 2, Qt.KeyboardModifier.ControlModifier)  # w8
    assert s.second_selection == Selection("edge", (1, 1, 1)) and seen == [s.second_selection]
    assert s.selection == Selection("edge", (1, 0, 0))  # the first stays


def test_the_canvas_marks_the_second_weight(qtbot):
    """The Ctrl+clicked weight is marked on the canvas too (dashed, in the selection's
    colour): the class sees which two weights the landscape is over."""
    from bpviz.gui.theme import SELECT

    s, c = mazur_canvas(qtbot)
    s.select(Selection("edge", (1, 0, 0)))  # w5
    qtbot.wait(20)
    a, b = c._pos[1][1], c._pos[2][1]  # w8, h2 → o2

    def region() -> np.ndarray:
        px = pixels(c)
        scene = c.vb.mapViewToScene(QPointF(a[0] + 0.3 * (b[0] - a[0]), a[1] + 0.3 * (b[1] - a[1])))
        p = c.mapFromScene(scene)
        return px[p.y() - 10 : p.y() + 10, p.x() - 10 : p.x() + 10].astype(int)

    before = region()
    s.set_second_selection(Selection("edge", (1, 1, 1)))
    qtbot.wait(20)
    marked = region()
    changed = np.abs(marked - before).max(axis=-1) > 40
    assert changed.sum() > 20  # the dashes over w8
    orange = np.array([int(SELECT[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(marked - orange).sum(axis=-1) < np.abs(before - orange).sum(axis=-1)).sum() > 20
    s.set_second_selection(None)
    qtbot.wait(20)
    assert np.array_equal(region(), before)


def test_the_path_is_recorded_from_the_start_while_the_dock_is_hidden(qtbot):
    s = Session(load_preset("xor"), "xor")
    w = LossLandscape(s)  # never shown: computes nothing, records the path
    qtbot.addWidget(w)
    at_update(s, 5)
    assert w.trail.steps.tolist() == [0, 1, 2, 3, 4, 5] and w._view is None
    w.show()
    qtbot.waitExposed(w)
    v = settled(qtbot, w)
    steps, pts = v.path
    assert steps.tolist() == [0, 1, 2, 3, 4, 5]
    assert tuple(pts[-1]) == v.result.centre
    assert v.path_line.isVisible()
    s.load(load_preset("mazur"), "mazur")  # a new document: a new path
    assert w.trail.steps.tolist() == [0]


def test_hover_reads_off_E_at_the_nearest_grid_point(qtbot):
    s = Session(load_preset("xor"), "xor")
    w = shown(qtbot, s)
    v = settled(qtbot, w)
    res = v.result
    la, lb = v.job.labels
    dx = res.xs[1] - res.xs[0]
    words = v.describe(res.xs[3] + 0.3 * dx, res.ys[7])
    assert words == f"{la} = {sig(res.xs[3], 4)}, {lb} = {sig(res.ys[7], 4)}: E = {sig(res.errors[7, 3], 6)}"
    assert v.describe(*res.centre).startswith("step 0 of the path")  # the path's point wins


def big_session(rows: int = 1280) -> Session:
    """784-128-10, batch over ``rows`` seeded rows: a landscape takes a fraction of a second."""
    from bpviz.core.build import LayerSpec, NetworkSpec, build_document

    spec = NetworkSpec(
        [LayerSpec("i", 784), LayerSpec("h", 128, "sigmoid"), LayerSpec("o", 10, "sigmoid")],
        mode="batch",
        init_scheme="xavier",
        n_samples=rows,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(3)
    doc.inputs = rng.random((rows, 784))
    doc.targets = np.eye(10)[rng.integers(0, 10, rows)]
    s = Session(doc, "big")
    s.select(Selection("edge", (0, 5, 300)))
    s.set_second_selection(Selection("edge", (1, 3, 7)))
    return s


def test_progress_while_computing_and_a_new_request_replaces_the_old(qtbot, monkeypatch):
    from bpviz.gui import landscape_view

    monkeypatch.setattr(landscape_view, "SHOW_PROGRESS_AFTER", 0.0)
    s = big_session()
    w = LossLandscape(s)
    qtbot.addWidget(w)
    seen = []
    w.progress.valueChanged.connect(seen.append)
    w.resize(500, 500)
    w.show()
    qtbot.waitUntil(lambda: w.progress.isVisible(), timeout=3000)
    first = w.serial
    w.set_zoom(2.0)  # while the first computes: it is cancelled, the new one drawn
    v = settled(qtbot, w)
    assert v.job.serial == w.serial > first and not w.progress.isVisible()
    assert any(0 < p < 100 for p in seen)
    a, job = v.result.a, v.job
    assert v.result.xs[-1] - v.result.centre[0] == 2.0 * default_span(a.value(s.network), job.update[0])
    assert abs(v.result.centre_error - s.trace.error) <= 1e-12 * abs(s.trace.error)  # E ≈ 1,900


def test_the_choose_dialog_takes_labels_and_says_what_is_wrong(qtbot):
    from bpviz.gui.landscape_view import ChooseDialog

    s = Session(load_preset("mazur"), "mazur")
    d = ChooseDialog(s.network, None, None)
    qtbot.addWidget(d)
    d.x_box.setCurrentText("w5")
    d.y_box.setCurrentText("nothing")
    d._accept()
    assert d.chosen is None and "No weight or bias is labelled “nothing”" in d.problem.text()
    d.y_box.setCurrentText("<b>w9</b>")  # what was typed is quoted as text, never as markup
    d._accept()
    assert d.problem.textFormat() == Qt.TextFormat.PlainText and "“<b>w9</b>”" in d.problem.text()
    d.y_box.setCurrentText("b1 (of h2)")  # mazur's two biases into h share the label b1
    d._accept()
    assert d.chosen == (Param("edge", (1, 0, 0)), Param("bias", (0, 1)))


def test_the_key_is_never_cut_off_when_a_phase_lengthens_it(qtbot):
    """At the update phase the key gains "−η∇E = (…, …), η = 20" and wraps onto another line:
    its row grows with it (it was left at the first phase's height, cutting the last line)."""
    s = Session(load_preset("xor"), "xor")
    s.set_learning_rate(20.0)
    w = shown(qtbot, s, size=(460, 366))  # the dock's size in a 1600 × 1000 window
    v = settled(qtbot, w)
    assert v.key_shown
    before = v.key.item.boundingRect().height()
    s.set_phase(s.last_index)
    QApplication.processEvents()  # (no new grid: the phase only adds the arrows)
    item = v.key.item
    assert "η = 20" in item.toPlainText() and item.boundingRect().height() > before
    bottom = v.mapFromScene(item.sceneBoundingRect().bottomLeft()).y()
    assert bottom <= v.viewport().height()  # the whole key on screen
    assert v.key.geometry().height() >= item.boundingRect().height()  # its row holds it


@pytest.mark.parametrize("width", [420, 520, 650])
def test_at_2x_zoom_the_arrow_labels_and_the_colour_bar_s_numbers_stay_in_view(qtbot, width):
    """The arrows' labels turn back from the plot's edge (one ran off its left side), and the
    colour bar's axis is as wide as its numbers at the font zoom (at 2× they were cut away)."""
    s = Session(load_preset("xor"), "xor")
    s.set_zoom(2.0)
    at_update(s, 250)
    s.set_phase(s.last_index)
    w = shown(qtbot, s, size=(width, 360))
    v = settled(qtbot, w)
    QApplication.processEvents()
    vb = v.plotItem.vb
    labels = [label for _h, _l, label, _c in v.arrows.values() if label.isVisible()]
    # the gradient's and the update's, where the plot has room for them (at 420 px the title
    # wraps and leaves a strip of plot: a label that fits nowhere is left out, never cut)
    if width > 420:
        assert len(labels) == 2
    for label in labels:
        assert vb.sceneBoundingRect().contains(label.sceneBoundingRect()), label.toPlainText()
    ax = v.bar.axis
    widest = max(QFontMetricsF(v._font).horizontalAdvance(t) for _i, t in ax._tickLevels[0])
    assert ax.width() >= widest  # room for every number beside the bar
