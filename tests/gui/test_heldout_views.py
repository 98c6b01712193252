"""The window's side of held-out rows and classes (issue 14, items 1 and 2): the error plot's
test curve (drawn only when the data has test rows), the status line's E and accuracy, the
confusion matrix's counts on a hand-made case, the results table's test rows and ✓/✗, a test
point after each hand step, and a file with test rows saved and reopened mid-training."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from PySide6.QtGui import QColor

from bpviz.core import classify, fileformat, training
from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.gui.error_plot import TEST, ErrorPlot
from bpviz.gui.results import RIGHT, TEST_BG, WRONG, ResultsPanel, ResultsTable
from bpviz.gui.session import Session


def heldout_doc():
    """2-4-2 softmax, cross-entropy; 12 training rows, 5 test rows, two named classes."""
    spec = NetworkSpec(
        [LayerSpec("x", 2), LayerSpec("h", 4, "tanh"), LayerSpec("y", 2, "softmax")],
        loss="cross_entropy",
        mode="batch",
        learning_rate=0.1,
        init_scale=1.0,
        init_seed=3,
        n_samples=12,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(5)
    cls = np.arange(12) % 2
    doc.inputs = np.where(cls[:, None] == 1, 1.0, -1.0) + 0.3 * rng.normal(size=(12, 2))
    doc.targets = np.eye(2)[cls]
    tcls = np.arange(5) % 2
    doc.test_inputs = np.where(tcls[:, None] == 1, 1.0, -1.0) + 0.6 * rng.normal(size=(5, 2))
    doc.test_targets = np.eye(2)[tcls]
    doc.classes = ["left", "right"]
    return doc


def threshold_doc():
    """1-1 sigmoid, out = σ(10·x): class "pos" exactly when x ≥ 0. Training rows x = −2, −1,
    1, 2, 3 with classes neg, pos, pos, neg, pos: predicted neg, neg, pos, pos, pos, so the
    confusion is [[1, 1], [1, 2]] (rows true, columns predicted); test rows x = −1, 1, 2 with
    pos, pos, pos: [[0, 0], [1, 2]]."""
    spec = NetworkSpec([LayerSpec("x", 1), LayerSpec("y", 1, "sigmoid")], n_samples=5)
    doc, _ = build_document(spec)
    doc.network.weights[0][:] = 10.0
    doc.network.biases[0][:] = 0.0
    doc.inputs = np.array([[-2.0], [-1.0], [1.0], [2.0], [3.0]])
    doc.targets = np.array([[0.0], [1.0], [1.0], [0.0], [1.0]])
    doc.test_inputs = np.array([[-1.0], [1.0], [2.0]])
    doc.test_targets = np.array([[1.0], [1.0], [1.0]])
    doc.classes = ["neg", "pos"]
    return doc


def without_test_rows(doc):
    doc.test_inputs = np.zeros((0, doc.inputs.shape[1]))
    doc.test_targets = np.zeros((0, doc.targets.shape[1]))
    return doc


# -- the error plot ----------------------------------------------------------------------------
def _orange_pixels(widget) -> int:
    img = widget.grab().toImage()
    target = QColor(TEST)
    n = 0
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            c = img.pixelColor(x, y)
            if (
                abs(c.red() - target.red()) < 12
                and abs(c.green() - target.green()) < 12
                and abs(c.blue() - target.blue()) < 12
            ):
                n += 1
    return n


@pytest.mark.parametrize("tested", [True, False])
def test_the_test_curve_is_drawn_only_with_test_rows(qtbot, tested):
    doc = heldout_doc() if tested else without_test_rows(heldout_doc())
    s = Session(doc, "heldout")
    steps = np.arange(1, 201)
    s.history.extend(1, 2.0 / np.sqrt(steps))
    s.history.add_test([(k, 3.0 / np.sqrt(k)) for k in range(10, 201, 10)])
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    p.resize(500, 260)
    p.show()
    qtbot.waitExposed(p)
    s.historyChanged.emit()
    names = [label.text for _sample, label in p.legend.items]
    if tested:
        assert _orange_pixels(p) > 50
        assert names[0].startswith("training") and names[1].startswith("test")
        xs, _ys = p.test_curve.getData()
        assert xs[0] == 0 and xs[-1] == 200  # the file's weights (the session's point), then the run's
    else:
        assert _orange_pixels(p) == 0
        assert not any(n.startswith("test") for n in names) and names[0].startswith("E of each step")


# -- the status line ---------------------------------------------------------------------------
def test_the_status_line_says_e_and_the_accuracy_of_each_set(qtbot, settings):
    from bpviz.gui.main_window import MainWindow

    doc = heldout_doc()
    w = MainWindow(doc, "heldout", settings=settings)
    qtbot.addWidget(w)
    text = w._status.text()
    net = doc.network
    e = net.error(doc.inputs, doc.targets)
    acc = classify.accuracy(doc, net.outputs(doc.inputs), doc.targets)
    test_acc = classify.accuracy(doc, net.outputs(doc.test_inputs), doc.test_targets)
    assert acc != test_acc  # so the two cannot be mistaken for each other
    pct = [math.floor(100 * a + 1e-9) for a in (acc, test_acc)]
    words = f"E = {e:.4g}  ·  accuracy {pct[0]} % · test {pct[1]} %"
    assert words in text
    # no classes, no test rows: E only
    w.session.load(_regression_doc())
    text = w._status.text()
    assert "E = " in text and "accuracy" not in text and "test" not in text


def _regression_doc():
    spec = NetworkSpec([LayerSpec("x", 1), LayerSpec("y", 1, "linear")], n_samples=3)
    doc, _ = build_document(spec)
    doc.inputs = np.array([[0.0], [1.0], [2.0]])
    doc.targets = np.array([[0.5], [1.5], [2.5]])
    return doc


# -- the confusion matrix ----------------------------------------------------------------------
def test_the_confusion_matrix_counts_a_hand_made_case(qtbot):
    s = Session(threshold_doc(), "threshold")
    np.testing.assert_array_equal(s.scores.confusion, [[1, 1], [1, 2]])
    np.testing.assert_array_equal(s.scores.test_confusion, [[0, 0], [1, 2]])
    assert s.scores.accuracy == pytest.approx(3 / 5) and s.scores.test_accuracy == pytest.approx(2 / 3)
    t = ResultsTable(s)
    panel = ResultsPanel(s, t)
    qtbot.addWidget(panel)
    cm = panel.confusion
    tab = cm.table

    def cells():
        return [[tab.item(i, j).text() for j in range(2)] for i in range(2)]

    assert [tab.horizontalHeaderItem(j).text() for j in range(2)] == ["neg", "pos"]
    assert [tab.verticalHeaderItem(i).text() for i in range(2)] == ["neg", "pos"]
    assert cells() == [["1", "1"], ["1", "2"]]
    assert cm.summary.text().startswith("3 of 5 right")
    cm.which.setCurrentIndex(1)
    assert cells() == [["0", "0"], ["1", "2"]]
    assert cm.summary.text().startswith("2 of 3 right")


# -- the results table -------------------------------------------------------------------------
def test_results_list_the_test_rows_after_the_training_rows_with_their_classes(qtbot):
    s = Session(threshold_doc(), "threshold")
    t = ResultsTable(s)
    qtbot.addWidget(t)
    m = t.model_
    assert m.rowCount() == 5 + 3
    heads = m.heads
    col = {h: heads.index(h) for h in ("#", "class", "predicted", RIGHT, "error")}

    def cell(r, name):
        return m.data(m.index(r, col[name]))

    assert [cell(r, "#") for r in range(8)] == ["1", "2", "3", "4", "5", "test 1", "test 2", "test 3"]
    assert [cell(r, "class") for r in range(8)] == ["neg", "pos", "pos", "neg", "pos", "pos", "pos", "pos"]
    assert [cell(r, "predicted") for r in range(8)] == [
        "neg",
        "neg",
        "pos",
        "pos",
        "pos",
        "neg",
        "pos",
        "pos",
    ]
    ok = [RIGHT, WRONG, RIGHT, WRONG, RIGHT, WRONG, RIGHT, RIGHT]
    assert [cell(r, RIGHT) for r in range(8)] == ok
    from PySide6.QtCore import Qt

    bg = m.data(m.index(5, 0), Qt.ItemDataRole.BackgroundRole)
    assert bg is not None and bg.name().upper() == TEST_BG["light"].upper()
    assert m.data(m.index(4, 0), Qt.ItemDataRole.BackgroundRole) is None
    # a test row's error is its own row's, from the core's loss
    net = s.network
    per = net.loss.per_sample(net.outputs(s.doc.test_inputs), s.doc.test_targets)
    from bpviz.core.numbers import fmt

    assert cell(6, "error") == fmt(per[1], 4)


# -- the stepper -------------------------------------------------------------------------------
def test_a_hand_step_adds_a_test_point_after_its_update(qtbot):
    s = Session(heldout_doc(), "heldout")
    r = s.history.test_record
    assert list(r.steps) == [0]
    s.set_phase(s.last_index)
    s.next()
    assert list(r.steps) == [0, 1]
    d = copy.copy(s.doc)
    d.network = s.network
    assert r.values[-1] == pytest.approx(training.test_error(d, s.network), rel=1e-12)
    assert r.values[-1] != r.values[0]
    assert s.scores.step == 1
    s.set_phase(0)
    s.previous()  # back before the update: its test point goes too
    assert list(r.steps) == [0]


# -- saving mid-training -------------------------------------------------------------------------
def test_a_file_with_test_rows_saved_and_reopened_mid_training(qtbot, settings, tmp_path):
    from bpviz.gui.main_window import MainWindow

    w = MainWindow(heldout_doc(), "heldout", settings=settings, backend="thread")
    qtbot.addWidget(w)
    c = w.training
    c.update_settings(speed=None, stop_error=None)
    c.train()
    qtbot.waitUntil(lambda: len(w.session.history.test_record) > 2, timeout=10_000)
    path = tmp_path / "heldout.bpviz.json"
    assert w.save_to(str(path))
    back = fileformat.load(path)
    assert back.n_test == 5 and back.classes == ["left", "right"]
    np.testing.assert_array_equal(back.test_inputs, heldout_doc().test_inputs)
    assert w.open_path(str(path))
    assert c.state == "idle" and w.session.doc.n_test == 5
    first = w.session.history.test_record.last_step
    c.train()
    qtbot.waitUntil(lambda: w.session.history.test_record.last_step > first + 10, timeout=10_000)
    c.stop()
    assert w.session.scores is not None and w.session.scores.test_accuracy is not None
    assert "test " in w._status.text()
    w.session.mark_saved(str(path))
    assert c.shutdown()
