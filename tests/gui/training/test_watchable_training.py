"""Watchable training by default (issue 9, item 8): each network's lecture speed, full speed in
one click, a stop threshold that ends the run at "learned" and says so, both saved with the
session (never undoable edits); the error plot keeps the dot and the curve's start in view.
Nothing here is timed (tests/core/test_engine.py checks the engine's pacing against a fake
clock)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt

from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.training import Trainer
from bpviz.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path):
    made = []

    def make(name="xor"):
        st = QSettings(str(tmp_path / f"w{len(made)}.ini"), QSettings.Format.IniFormat)
        w = MainWindow(load_preset(name), name, settings=st)
        qtbot.addWidget(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.training.shutdown()
        w.session._trained = False
        w.session.undo_stack.setClean()
        w.close()


# ----------------------------------------------------------------------------- the defaults
def test_xor_trains_at_its_lecture_speed_by_default(window, qtbot):
    w = window("xor")
    p, c = w.training_panel, w.training
    assert c.settings.speed == 10 and c.settings.stop_error == 0.01
    assert not p.full_speed.isChecked()
    assert p.rate.text() == "10 steps/s"
    assert p.stop_error.text() == "0.01"
    assert "Next run: at 10 steps/s, stops when E < 0.01" in p.status.text()
    w.phase_action("train")  # what Space does: train at the lecture speed
    qtbot.waitUntil(lambda: c.state == "running", timeout=10_000)
    assert c.settings.speed == 10
    c.stop()


@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_opens_at_its_own_speed_and_threshold(window, name):
    w = window("mazur")
    w.open_preset(name)
    doc = load_preset(name)
    c = w.training
    assert c.settings.speed == doc.speed
    assert c.settings.stop_error == doc.session["stop_error"]
    assert w.training_panel.stop_error.text() == f"{doc.session['stop_error']:g}"


def test_full_speed_is_one_click(window, qtbot):
    w = window("xor")
    p, c = w.training_panel, w.training
    qtbot.mouseClick(p.full_speed, Qt.MouseButton.LeftButton)
    assert c.settings.speed is None and w.session.speed is None
    assert "at full speed" in p.status.text()
    qtbot.mouseClick(p.full_speed, Qt.MouseButton.LeftButton)
    assert c.settings.speed == 10
    p.full_speed.setChecked(True)
    p.rate.setValue(40)  # a speed typed in the box is the speed: full speed goes off
    assert not p.full_speed.isChecked() and c.settings.speed == 40


# ------------------------------------------------------------------------- the stop threshold
def test_a_run_stops_at_the_threshold_and_says_where(window, qtbot):
    w = window("xor")
    w.resize(1400, 860)
    w.show()
    qtbot.waitExposed(w)
    p, c, s = w.training_panel, w.training, w.session
    assert w.plot.stop_line.isVisible()  # the threshold is on the plot before the run
    assert w.plot.stop_line.label.toPlainText() == "stop when E < 0.01"
    p.full_speed.setChecked(True)  # the default threshold, without the lecture's 30 s
    c.train()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=20_000)
    assert c.last.reason == "target" and s.step == 302
    core = Trainer(load_preset("xor"))
    core.run(max_steps=302)
    np.testing.assert_array_equal(s.history.errors, core.error_history)
    assert s.history.errors[-1] < 0.01 <= s.history.errors[:-1].min()
    told = "Stopped: E = 0.00998 < 0.01 at step 302"
    assert told in p.status.text()
    assert w.statusBar().currentMessage() == told
    qtbot.waitUntil(lambda: w.plot.stop_line.label.toPlainText() == told, timeout=2_000)
    label = w.plot.stop_line.label.sceneBoundingRect()
    assert w.plot.plotItem.vb.sceneBoundingRect().contains(label)
    # a class that wants more: Train again runs on (E is already below the threshold)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 400, timeout=20_000)
    assert c.state == "running" and "goes on until you stop it" in p.status.text()
    c.stop()


def test_online_runs_stop_on_e_of_all_samples(window, qtbot):
    w = window("swap")
    c, s = w.training, w.session
    w.training_panel.full_speed.setChecked(True)
    c.train()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=30_000)
    doc = load_preset("swap")
    assert s.step == 8084  # not step 1, whose one sample already has E < 0.05
    assert s.network.error(doc.inputs, doc.targets) < 0.01
    assert "at step 8,084" in w.training_panel.status.text()  # thousands separators


def test_a_bad_threshold_is_refused_and_an_empty_one_means_never(window):
    w = window("xor")
    p, c = w.training_panel, w.training
    p.stop_error.setText("0")
    p.stop_error.editingFinished.emit()
    assert c.settings.stop_error == 0.01 and "not a stop threshold" in p.stop_error.toolTip()
    p.stop_error.setText("")
    p.stop_error.editingFinished.emit()
    assert c.settings.stop_error is None and w.session.stop_error is None
    assert "no stop threshold" in p.status.text()


def test_speed_and_threshold_are_saved_with_the_session_not_undone(window, tmp_path):
    w = window("xor")
    p, s = w.training_panel, w.session
    p.stop_error.setText("0.02")
    p.stop_error.editingFinished.emit()
    p.rate.setValue(15)
    assert s.undo_stack.count() == 0 and not s.modified  # settings, not edits
    path = tmp_path / "x.bpviz.json"
    assert w.save_to(str(path))
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["speed"] == 15 and saved["session"]["stop_error"] == 0.02
    w.open_preset("mazur")
    assert w.training.settings.speed == 25
    assert w.open_path(str(path))
    assert (w.training.settings.speed, w.training.settings.stop_error) == (15, 0.02)
    assert p.rate.value() == 15 and p.stop_error.text() == "0.02"
    # full speed and no threshold: "full" and null
    p.full_speed.setChecked(True)
    p.stop_error.setText("")
    p.stop_error.editingFinished.emit()
    assert w.save_to(str(path))
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["speed"] == "full" and saved["session"]["stop_error"] is None
    w.open_preset("xor")
    assert w.open_path(str(path))
    assert p.full_speed.isChecked() and p.stop_error.text() == ""
    assert w.training.settings.speed is None and w.training.settings.stop_error is None


# --------------------------------------------------------------------------------- the plot
def _in_view(plot) -> bool:
    (x0, x1), (y0, y1) = plot.plotItem.vb.viewRange()
    xs, ys = plot.current.getData()
    return xs is not None and len(xs) == 1 and x0 <= xs[0] <= x1 and y0 <= ys[0] <= y1


@pytest.mark.parametrize(("name", "steps"), [("linear", 4), ("xor", 20_000), ("mazur", 10_000)])
def test_the_dot_stays_in_view_after_a_run(window, qtbot, name, steps):
    w = window(name)
    c, s = w.training, w.session
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    c.update_settings(speed=None, stop_error=None, max_steps=steps)
    c.train()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=30_000)
    qtbot.waitUntil(lambda: _in_view(w.plot), timeout=2_000)
    assert s.step == steps
    # the curve's start is in view too
    (x0, _x1), (y0, y1) = w.plot.plotItem.vb.viewRange()
    assert x0 <= 1 and y0 <= np.log10(s.history.errors[0]) <= y1


def swap_plot_after_400_steps(qtbot):
    """An error plot of swap with the history (steps and epochs) of 400 trained steps."""
    from bpviz.gui.error_plot import ErrorPlot
    from bpviz.gui.session import Session

    s = Session(load_preset("swap"), "swap")
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    t = Trainer(load_preset("swap"), track_epoch_error=True)
    t.run(max_steps=400)
    s.history.extend(1, t.error_history)
    s.history.add_epochs(t.epoch_errors)
    return s, p


def test_the_legend_never_covers_the_data(qtbot):
    s, p = swap_plot_after_400_steps(qtbot)
    for width in (1200, 520):
        p.resize(width, 220)
        p.show()
        qtbot.waitExposed(p)
        p.refresh()
        qtbot.wait(10)
        legend = p.legend.sceneBoundingRect()
        data = p.plotItem.vb.sceneBoundingRect()
        assert p.legend.isVisible() and len(p.legend.items) == 3
        assert not legend.intersects(data), (width, legend, data)
        assert p.sceneRect().contains(legend), (width, legend)


def test_the_step_axis_has_thousands_separators(qtbot):
    from bpviz.gui.error_plot import ErrorPlot
    from bpviz.gui.session import Session

    s = Session(load_preset("xor"), "xor")
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    assert p.plotItem.getAxis("bottom").tickStrings([0, 50_000, 112_984], 1, 50_000) == [
        "0",
        "50,000",
        "112,984",
    ]


def test_the_legend_stays_out_of_the_data_at_font_zoom_2(qtbot):
    from bpviz.gui.theme import zoom_plot_fonts

    s, p = swap_plot_after_400_steps(qtbot)
    p.resize(600, 300)
    p.show()
    qtbot.waitExposed(p)
    p.refresh()
    zoom_plot_fonts(p, 2.0)
    qtbot.wait(10)
    legend = p.legend.sceneBoundingRect()
    assert not legend.intersects(p.plotItem.vb.sceneBoundingRect()), legend
    assert p.sceneRect().contains(legend), legend
