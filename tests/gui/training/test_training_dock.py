"""The Training dock sets, the session keeps: η, mode and batch size changed in the dock are
undoable edits (Ctrl+Z brings them back), they mark the document modified, so closing the
window asks; a mode changed mid-run reaches the running trainer; a window that never trains
starts no training thread or process."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMessageBox

from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    made = []

    def make(name="swap"):
        st = QSettings(str(tmp_path / f"w{len(made)}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(load_preset(name), name, settings=st)
        qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.training.shutdown()
        w.session._trained = False
        w.session.undo_stack.setClean()
        w.close()


@pytest.fixture
def questions(monkeypatch):
    """Every "Save changes?" question asked, answered Cancel."""
    asked = []

    def ask(*a, **k):
        asked.append(a)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", ask)
    return asked


def ctrl_z(qtbot, w) -> None:
    """Ctrl+Z as the keyboard sends it, with the canvas focused (the session's undo)."""
    assert w.act_undo.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.canvas.setFocus()
    qtbot.keyClick(w.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def test_learning_rate_from_the_dock_is_undoable_and_closing_asks(window, qtbot, questions):
    w = window("swap")
    p, s = w.training_panel, w.session
    p.lr.setText("0.1")
    p.lr.editingFinished.emit()
    assert s.learning_rate == 0.1 and s.doc.learning_rate == 0.1
    assert s.trace.learning_rate == 0.1  # the stepper's update phase uses it at once
    assert s.modified and w.isWindowModified()
    assert w.training.settings.learning_rate == 0.1  # what the next run gets
    # closing the window asks before the change is lost (Cancel keeps it open)
    assert not w.close()
    assert len(questions) == 1 and w.isVisible()
    ctrl_z(qtbot, w)
    assert s.learning_rate == 0.5 and p.lr.text() == "0.5"
    assert not s.modified and not w.isWindowModified()
    assert w.close()  # nothing left to save: no question
    assert len(questions) == 1


def test_a_refused_learning_rate_changes_nothing(window):
    w = window("swap")
    p, s = w.training_panel, w.session
    p.lr.setText("0,1")
    p.lr.editingFinished.emit()
    assert "use a decimal point" in p.lr_note.text()
    assert s.learning_rate == 0.5 and not s.modified and s.undo_stack.count() == 0


def test_mode_and_batch_size_from_the_dock_are_undoable_and_closing_asks(window, qtbot, questions):
    w = window("swap")
    p, s = w.training_panel, w.session
    i = p.mode.findData("minibatch")
    p.mode.setCurrentIndex(i)
    p.mode.activated.emit(i)
    assert (s.doc.mode, s.doc.batch_size) == ("minibatch", 4) and p.batch.isEnabled()
    p.batch.setValue(2)
    assert s.doc.batch_size == 2 and len(s.trace.samples) == 2
    assert s.modified and w.isWindowModified() and s.undo_stack.count() == 2
    assert not w.close() and len(questions) == 1
    ctrl_z(qtbot, w)
    assert s.doc.batch_size == 4 and p.batch.value() == 4
    ctrl_z(qtbot, w)
    assert (s.doc.mode, s.doc.batch_size) == ("online", None)
    assert p.mode.currentData() == "online" and not p.batch.isEnabled()
    assert not s.modified and w.close() and len(questions) == 1


def test_speed_and_threshold_stay_out_of_the_undo_history(window):
    w = window("swap")
    p, s = w.training_panel, w.session
    p.set_full_speed(True)
    p.stop_error.setText("0.5")
    p.stop_error.editingFinished.emit()
    assert (s.speed, s.stop_error) == (None, 0.5) and w.training.settings.speed is None
    assert s.undo_stack.count() == 0 and not s.modified


def test_a_mode_changed_mid_run_reaches_the_trainer(window, qtbot):
    w = window("swap")
    p, s, c = w.training_panel, w.session, w.training
    c.update_settings(speed=3000, stop_error=None)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 100, timeout=20_000)
    i = p.mode.findData("batch")
    p.mode.setCurrentIndex(i)
    p.mode.activated.emit(i)  # the run goes on, in batch mode from its next step
    assert c.state == "running" and s.doc.mode == "batch" and s.modified
    n = s.history.n
    qtbot.waitUntil(lambda: s.history.n > n + 100, timeout=20_000)
    c.stop()
    h = s.history.errors
    a = Trainer(load_preset("swap"))
    a.run(max_steps=len(h))
    k = int(np.argmax(h != a.error_history))  # the first step in batch mode (the engine ran
    assert n <= k < len(h)  # on while the change travelled to it)
    b = Trainer(load_preset("swap"))
    b.run(max_steps=k)  # errors[k] is the first batch step's own
    b.set_mode("batch")
    b.run(max_steps=len(h) - k)
    np.testing.assert_array_equal(h, b.error_history)


def test_a_window_that_never_trains_starts_no_process(window, qtbot, monkeypatch):
    started = []
    popen = subprocess.Popen

    def spy(*a, **k):
        started.append(a[0])
        return popen(*a, **k)

    monkeypatch.setattr(subprocess, "Popen", spy)
    w = window("mazur")
    s = w.session
    for _ in range(2 * len(s.names)):
        s.next()  # stepping, an edit, a new setting: none of them trains
    s.edit_parameter("edge", (0, 0, 0), 0.2)
    w.training_panel.set_full_speed(True)
    assert w.training.worker is None and started == []
    assert w.training.shutdown()  # nothing to stop
    w.training.train()  # the first Train starts the thread and the training process
    qtbot.waitUntil(lambda: len(started) == 1, timeout=10_000)
    assert "bpviz.core.engine_process" in started[0]
    qtbot.waitUntil(lambda: s.history.n > 10, timeout=20_000)
    w.training.stop()
    w.training.train()  # the same process trains again
    qtbot.waitUntil(lambda: w.training.state == "running", timeout=10_000)
    assert len(started) == 1
    w.training.stop()
