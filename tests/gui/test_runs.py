"""Compare runs (issue 16, item 2): Reset, new weights or a network change keeps the run so
far as a faint labelled curve (``session.runs``, bpviz.gui.runs); the run list shows, hides
and removes them; another file starts a new list; Re-initialise draws new start weights from
a shown seed, one undo step, and Reset keeps them. The curves are in the plot's pixels only
while shown, and in its export."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from bpviz.core import fileformat
from bpviz.core.build import draw_parameters
from bpviz.core.presets import load_preset
from bpviz.gui.error_history import History
from bpviz.gui.error_plot import ErrorPlot
from bpviz.gui.run_list import RUN_ALPHA, RunListWidget
from bpviz.gui.runs import MAX_RUNS, POINTS, RunList, run_facts
from bpviz.gui.session import Session


def steps(s: Session, n: int) -> None:
    """n iterations by the stepper (each to its update, applied)."""
    for _ in range(n):
        s.set_phase(s.last_index)
        s.next()


def xor(lr: float = 0.5) -> Session:
    s = Session(load_preset("xor"), "xor")  # batch mode: one curve of E of each step
    s.set_learning_rate(lr)
    return s


def test_reset_keeps_the_run_with_the_history_s_points():
    s = xor()
    steps(s, 25)
    errors = np.array(s.history.errors)
    s.reset()
    assert s.history.n == 0 and len(s.runs) == 1
    r = s.runs.runs[0]
    assert r.curve == "step" and r.n_steps == 25 and r.final_step == 25
    assert np.array_equal(r.steps, np.arange(1, 26)) and np.array_equal(r.errors, errors)
    assert r.final_error == errors[-1] and r.final_text == f"E = {errors[-1]:.4g} at step 25"
    s.reset()  # nothing trained since: nothing more to keep
    assert len(s.runs) == 1


def test_online_runs_keep_the_epoch_curve():
    h = History()
    h.extend(1, np.linspace(1.0, 0.1, 40))
    h.add_epochs([(4 * k, 1.0 / k) for k in range(1, 11)])
    r = RunList().archive(h, run_facts(load_preset("mazur")))
    assert r.curve == "epoch" and list(r.steps) == [4 * k for k in range(1, 11)]
    assert r.final_step == 40 and r.final_error == pytest.approx(0.1) and r.n_steps == 40


def test_a_long_run_is_kept_bounded_with_its_shape():
    n = 300_000
    e = 1.0 / np.sqrt(np.arange(1, n + 1))
    e[1234] = 50.0  # a spike long ago (folded into a bucket) stays
    e[-7] = 1e-6  # and the lowest point near the end
    h = History()
    h.extend(1, e)
    assert h.bounded
    r = RunList().archive(h, run_facts(load_preset("swap")))
    assert len(r.steps) <= 2 * POINTS + 3 and r.nbytes <= 16 * (2 * POINTS + 3)
    assert r.errors.max() == 50.0 and r.errors.min() == 1e-6
    assert r.steps[0] == 1 and r.steps[-1] == n and np.all(np.diff(r.steps) >= 0)
    assert r.final_error == e[-1] and r.n_steps == n


def test_runs_are_named_by_what_differs():
    s = xor(0.5)
    steps(s, 5)
    s.reset()
    assert [r.label for r in s.runs] == ["run 1"]  # nothing differs from the next run yet
    s.set_learning_rate(5)
    assert [r.label for r in s.runs] == ["η = 0.5"]
    steps(s, 5)
    s.reset()
    assert [r.label for r in s.runs] == ["η = 0.5", "η = 5"]
    assert s.runs.live_label == "η = 5"
    steps(s, 3)
    s.set_learning_rate(2)  # during a run: the run says so
    steps(s, 3)
    s.reset()
    assert [r.label for r in s.runs] == ["η = 0.5", "η = 5", "η = 5 → 2"]
    s.set_learning_rate(5)
    assert [r.label for r in s.runs] == ["η = 0.5", "η = 5", "η = 5 → 2"]
    steps(s, 2)
    s.reset()  # two runs alike: their numbers tell them apart
    assert [r.label for r in s.runs][1:] == ["η = 5 · run 2", "η = 5 → 2", "η = 5 · run 4"]


def test_labels_of_two_settings_and_of_the_network():
    lst = RunList()
    h = History()
    h.extend(1, [0.5, 0.4])
    a = load_preset("xor")
    b = a.copy()
    b.learning_rate, b.momentum = 5.0, 0.9
    lst.archive(h, run_facts(a))
    lst.archive(h, run_facts(b))
    lst.note(run_facts(b), 0)
    assert [r.label for r in lst] == ["η = 2 · α = 0", "η = 5 · α = 0.9"]
    c = load_preset("xor-deep")
    lst.note(run_facts(c), 0)
    lst.archive(h, run_facts(c))
    assert lst.runs[-1].label.startswith(f"{'-'.join(map(str, c.network.sizes))} ")


def test_show_hide_remove_and_the_cap():
    lst = RunList()
    seen = []
    lst.changed.connect(lambda: seen.append(1))
    h = History()
    h.extend(1, [1.0, 0.5])
    facts = run_facts(load_preset("xor"))
    for _ in range(MAX_RUNS + 2):
        lst.archive(h, facts)
    assert len(lst) == MAX_RUNS and lst.dropped == 2 and lst.runs[0].number == 3
    assert len({r.colour for r in lst}) == MAX_RUNS  # each its own colour
    lst.set_visible(5, False)
    assert [r.number for r in lst.visible_runs] == [3, 4, 6, 7, 8, 9, 10]
    lst.remove(4)
    assert [r.number for r in lst] == [3, 5, 6, 7, 8, 9, 10] and len(seen) == MAX_RUNS + 4
    lst.clear()
    assert len(lst) == 0


def test_opening_another_file_or_a_new_network_starts_a_new_list(win, monkeypatch):
    s = win.session
    steps(s, 3)
    win.training.reset()
    assert len(s.runs) == 1 and win.run_list.isVisible()
    win.open_preset("xor")
    assert len(s.runs) == 0 and not win.run_list.isVisible()
    steps(s, 3)
    win.training.reset()
    from bpviz.gui.dialogs import network_dialog

    monkeypatch.setattr(network_dialog, "_run", lambda d: True)
    assert win.edit_network(True)
    assert len(s.runs) == 0


def test_a_network_change_keeps_the_run_and_undo_makes_it_live_again():
    s = xor()
    steps(s, 6)
    s.reinitialise(11)
    assert len(s.runs) == 1 and s.history.n == 0
    s.undo_stack.undo()  # the run is the live one again, not an earlier one
    assert len(s.runs) == 0 and s.history.n == 6
    s.undo_stack.redo()
    assert len(s.runs) == 1


def test_reinitialise_draws_from_a_shown_seed_and_reset_keeps_them():
    s = xor()
    old = [w.copy() for w in s.network.weights]
    count = s.undo_stack.count()
    text = s.reinitialise(7)
    assert text.startswith("New weights from uniform ±0.5, seed 7") and "no init scheme" in text
    w, b = draw_parameters(list(s.network.sizes), "uniform", 0.5, 7, True)
    assert all(np.array_equal(x, y) for x, y in zip(s.network.weights, w, strict=True))
    assert all(np.array_equal(x, y) for x, y in zip(s.network.biases, b, strict=True))
    assert s.doc.init == {"scheme": "uniform", "scale": 0.5, "seed": 7}
    assert s.undo_stack.count() == count + 1
    steps(s, 4)
    s.reset()  # back to the new start weights, not the file's
    assert all(np.array_equal(x, y) for x, y in zip(s.network.weights, w, strict=True))
    assert s.runs.runs[0].facts["weights"].text == "seed 7"
    assert [r.label for r in s.runs] == ["run 1"]  # (the next run starts from seed 7 too)
    s.undo_stack.undo()
    assert all(np.array_equal(x, y) for x, y in zip(s.network.weights, old, strict=True))


def test_reinitialise_uses_the_file_s_init_scheme_and_keeps_fixed_biases():
    text = (
        '{"format": "bpviz/1", "layers": [{"name": "i", "size": 2}, {"name": "h", "size": 3, '
        '"activation": "tanh"}, {"name": "o", "size": 1, "activation": "sigmoid"}], '
        '"init": {"scheme": "xavier", "seed": 3}, "biases": "init", '
        '"data": {"inputs": [[0, 1], [1, 0]], "targets": [[1], [0]]}}'
    )
    s = Session(fileformat.loads(text), "x.bpviz.json")
    msg = s.reinitialise()
    seed = s.doc.init["seed"]
    assert seed != 3 and s.doc.init["scheme"] == "xavier"
    assert msg == f"New weights from xavier uniform, seed {seed}"
    w, _b = draw_parameters([2, 3, 1], "xavier", 0.5, seed, True)
    assert np.array_equal(s.network.weights[0], w[0])
    m = Session(load_preset("mazur"), "mazur")  # fixed biases (train_biases false) stay
    biases = [b.copy() for b in m.network.biases]
    assert "fixed biases keep" in m.reinitialise(2)
    assert all(np.array_equal(x, y) for x, y in zip(m.network.biases, biases, strict=True))
    with pytest.raises(ValueError):
        m.reinitialise(-1)


def _plot(qtbot, s: Session) -> ErrorPlot:
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    p.resize(600, 320)
    p.show()
    qtbot.waitExposed(p)
    return p


def _faint_pixels(img: QImage, colour: str) -> int:
    """Pixels of the run's colour at RUN_ALPHA over the white background (±3 a channel)."""
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    ptr = img.constBits()
    a = np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    px = a[:, : 4 * img.width()].reshape(img.height(), img.width(), 4)[..., :3][..., ::-1]  # BGRA → RGB
    c = QColor(colour)
    want = np.array([c.red(), c.green(), c.blue()]) * RUN_ALPHA + 255 * (1 - RUN_ALPHA)
    return int((np.abs(px.astype(float) - want) <= 3).all(axis=2).sum())


def test_a_run_s_faint_curve_is_drawn_only_while_shown(qtbot):
    s = xor()
    steps(s, 40)
    s.reset()
    p = _plot(qtbot, s)
    r = s.runs.runs[0]
    qtbot.waitUntil(lambda: _faint_pixels(p.grab().toImage(), r.colour) > 50)
    xs, ys = p.run_curves.items[r.number].getData()
    assert np.allclose(ys, np.log10(r.errors)) and np.array_equal(xs, r.steps)  # log scale
    p.set_log_scale(False)
    assert np.allclose(p.run_curves.items[r.number].getData()[1], r.errors)
    s.runs.set_visible(r.number, False)
    assert not p.run_curves.items
    p.repaint()
    assert _faint_pixels(p.grab().toImage(), r.colour) == 0
    s.runs.set_visible(r.number, True)
    p.repaint()
    assert _faint_pixels(p.grab().toImage(), r.colour) > 50


def test_the_export_of_the_plot_has_the_runs_and_their_legend(qtbot, tmp_path):
    from bpviz.gui.export import export_widget

    s = xor(0.5)
    steps(s, 30)
    s.reset()
    s.set_learning_rate(5)
    steps(s, 30)
    p = _plot(qtbot, s)
    r = s.runs.runs[0]
    entries = [label.text for _sample, label in p.legend.items]
    assert "η = 0.5" not in entries  # in the window the run list names the runs
    png = export_widget(p, tmp_path / "plot.png", scale=1.0)
    assert _faint_pixels(QImage(str(png)), r.colour) > 50
    svg = export_widget(p, tmp_path / "plot.svg").read_text(encoding="utf-8")
    assert r.colour.lower() in svg.lower() and "η = 0.5" in svg and "η = 5: E of each step" in svg
    assert [label.text for _sample, label in p.legend.items] == entries  # as it was


def test_the_run_list_shows_hides_and_removes(qtbot):
    s = xor()
    steps(s, 5)
    s.reset()
    steps(s, 5)
    s.reset()
    w = RunListWidget(s)
    qtbot.addWidget(w)
    w.show()
    t = w.tree
    assert t.topLevelItemCount() == 2 and w.isVisible()
    first = t.topLevelItem(0)
    assert first.text(2) == "5 steps" and first.text(1).startswith("E ") and first.toolTip(0)
    first.setCheckState(0, Qt.CheckState.Unchecked)
    assert not s.runs.runs[0].visible
    t.itemWidget(t.topLevelItem(1), 3).click()  # ×
    qtbot.waitUntil(lambda: [r.number for r in s.runs] == [1])
    assert t.topLevelItemCount() == 1 and t.topLevelItem(0).checkState(0) == Qt.CheckState.Unchecked
    w.clear_button.click()
    assert len(s.runs) == 0 and not w.isVisible()


def test_the_new_weights_button_asks_then_says_the_seed(win, monkeypatch):
    from bpviz.gui import run_list

    s = win.session
    steps(s, 3)
    chosen = {}

    def accept(dialog):
        dialog.seed.setValue(42)
        chosen["text"] = dialog.findChildren(run_list.QLabel)[0].text()
        return True

    monkeypatch.setattr(run_list, "_run", accept)
    win.training_panel.btn_reinit.click()
    assert "The start weights now: the file's weights." in chosen["text"]
    assert s.doc.init["seed"] == 42 and len(s.runs) == 1
    assert win.statusBar().currentMessage().startswith("New weights from uniform ±0.5, seed 42")
    assert "uniform ±0.5, seed 42" in win.training_panel.btn_reinit.toolTip()
    monkeypatch.setattr(run_list, "_run", lambda d: (d.scale.setText("zero"), True)[1])
    monkeypatch.setattr(run_list, "warn", lambda _p, _t, text: chosen.update(warned=text))
    win.act_reinit.trigger()  # a scale that is not a number: a sentence, nothing drawn
    assert "is not a scale" in chosen["warned"] and s.doc.init["seed"] == 42


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_at_2x_zoom_on_a_projector_the_error_dock_cuts_nothing_off(qtbot, settings, size):
    """The plot keeps room for a curve, the run list's rows are whole (its height was fixed
    at 1× and the rows cut off at 2×), the scrub marker's label lies inside the plot."""
    from bpviz.gui.main_window import MainWindow

    s0 = Session(load_preset("xor"), "xor")
    w = MainWindow(s0.doc, "xor", settings=settings, backend="thread")
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    s = w.session
    steps(s, 30)
    s.reset()
    steps(s, 60)
    s.set_zoom(2.0)
    w.training.seek(20)
    qtbot.waitUntil(lambda: s.viewing == 20, timeout=5000)
    qtbot.wait(100)
    tree = w.run_list.tree
    item = tree.topLevelItem(0)
    assert item is not None and w.run_list.isVisible()
    assert tree.viewport().rect().contains(tree.visualItemRect(item))  # the row is whole
    vb = w.plot.plotItem.vb
    assert vb.height() >= 60  # a curve's worth of plot under the legend at 2×
    label = w.plot.scrub.line.label
    assert label.isVisible()
    assert vb.sceneBoundingRect().contains(label.sceneBoundingRect())  # not cut by the plot's edge
    w.training.shutdown()
