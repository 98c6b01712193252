"""Scrubbing the error curve in the window: a click on the error plot at step N puts the
weights of step N on the session (bit for bit those of a straight run of N steps), with the
banner and the slider saying so; stepping through phases works from there, back past it too;
Esc brings the live network back as it was; "Train from here" goes on from N and discards the
steps after it; a running run pauses first; steps taken by hand (no run) scrub too."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer


@pytest.fixture
def xor_win(qtbot, settings):
    """The window on xor with the thread backend, trained 300 steps at full speed."""
    from bpviz.gui.main_window import MainWindow

    w = MainWindow(load_preset("xor"), "xor", settings=settings, backend="thread")
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.plot_dock.raise_()
    yield w
    w.training.shutdown()


def train(qtbot, w, steps: int) -> None:
    s, c = w.session, w.training
    s.set_speed(None)
    s.set_stop_error(None)
    c.set_limits(max_steps=steps)
    c.train()
    qtbot.waitUntil(lambda: c.state == "finished" and s.step == steps, timeout=10_000)


def straight(steps: int, events=()) -> Trainer:
    """xor trained as the window's training process trains it: the path it chooses."""
    doc = load_preset("xor")
    t = Trainer(doc, track_epoch_error=doc.n_samples > 1)
    for at, change in [*events, (steps, None)]:
        t.run(max_steps=at - t.step)
        if change is not None:
            change(t)
    return t


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def click_step(qtbot, w, step: int) -> int:
    """Click the error plot at ``step``; returns the step the click means."""
    plot = w.plot
    vb = plot.plotItem.vb
    (_, _), (y0, y1) = vb.viewRange()
    scene = vb.mapViewToScene(QPointF(step, (y0 + y1) / 2))
    pos = plot.mapFromScene(scene)
    at = plot.scrub.step_at(plot.mapToScene(pos))
    qtbot.mouseClick(plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    return at


def test_clicking_the_plot_shows_that_steps_weights_and_esc_returns_to_live(qtbot, xor_win):
    w = xor_win
    s = w.session
    train(qtbot, w, 300)
    live = [a.copy() for a in s.network.weights]
    at = click_step(qtbot, w, 120)
    assert abs(at - 120) <= 2
    qtbot.waitUntil(lambda: s.viewing == at, timeout=5000)
    assert s.step == at and s.history.n == 300  # the curve is all there
    assert same(s.network.weights, straight(at).network.weights)
    assert w.plot.scrub.line.isVisible() and w.plot.scrub.line.value() == at
    assert w.scrub_bar.label.text() == f"Viewing step {at:,} of 300"
    assert w.scrub_bar.slider.value() == at and w.scrub_bar.here.isEnabled()
    assert f"Viewing step {at:,} of 300" in w.canvas._banner_parts[0]
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert s.viewing is None and s.step == 300
    assert same(s.network.weights, live)
    assert not w.plot.scrub.line.isVisible() and not w.scrub_bar.here.isEnabled()


def test_stepping_from_a_past_step_and_back_past_it(qtbot, xor_win):
    w = xor_win
    s, c = w.session, w.training
    train(qtbot, w, 300)
    c.seek(120)
    qtbot.waitUntil(lambda: s.viewing == 120, timeout=5000)
    for _ in range(len(s.names)):  # every phase, then the update
        s.next()
    assert s.viewing == s.step == 121 and s.history.n == 300
    np.testing.assert_allclose(  # the stepper's step: the trainer's to the last bits
        s.network.weights[0], straight(121).network.weights[0], rtol=1e-13, atol=1e-15
    )
    s.previous()  # back over the update: the viewed step again, at its last phase
    assert s.viewing == 120 and s.phase_index == s.last_index
    assert same(s.network.weights, straight(120).network.weights)
    s.first()
    assert s.can_go_back()
    s.previous()  # past what the view holds: the controller fetches step 119
    qtbot.waitUntil(lambda: s.viewing == 119, timeout=5000)
    assert s.phase_index == s.last_index
    assert same(s.network.weights, straight(119).network.weights)


def test_train_from_here_discards_the_later_history(qtbot, xor_win):
    w = xor_win
    s, c = w.session, w.training
    train(qtbot, w, 300)
    before = np.array(s.history.errors).copy()
    c.seek(100)
    qtbot.waitUntil(lambda: s.viewing == 100, timeout=5000)
    eta0 = s.doc.learning_rate  # (xor's: 2)
    s.set_learning_rate(5.0)  # the live run's setting: the step viewed keeps its own η
    assert s.viewing == 100 and s.learning_rate == eta0 and s.doc.learning_rate == 5.0
    c.set_limits(max_steps=150)
    c.train_from_here()
    assert s.viewing is None and s.history.n == 100  # the steps after it are gone at once
    qtbot.waitUntil(lambda: c.state == "finished" and s.step == 150, timeout=10_000)
    after = np.array(s.history.errors)
    assert len(after) == 150
    assert np.array_equal(after[:100], before[:100])  # the steps before it are kept
    assert not np.array_equal(after[100:150], before[100:150])  # η = 5 from step 101

    def eta5(t):
        t.learning_rate = 5.0

    assert same(s.network.weights, straight(150, [(100, eta5)]).network.weights)
    # the steps before "here" can still be scrubbed (the history goes on across the Load)
    c.seek(60)
    qtbot.waitUntil(lambda: s.viewing == 60, timeout=5000)
    assert same(s.network.weights, straight(60).network.weights)
    c.seek(120)
    qtbot.waitUntil(lambda: s.viewing == 120, timeout=5000)
    assert same(s.network.weights, straight(120, [(100, eta5)]).network.weights)
    assert s.learning_rate == 5.0


def test_scrubbing_a_running_run_pauses_it_first(qtbot, xor_win):
    w = xor_win
    s, c = w.session, w.training
    s.set_speed(None)
    s.set_stop_error(None)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 500, timeout=10_000)
    c.seek(200)
    qtbot.waitUntil(lambda: s.viewing == 200, timeout=5000)
    assert c.state == "paused" and s.live_step > 200
    assert same(s.network.weights, straight(200).network.weights)
    live = s.live_step
    c.back_to_live()
    assert s.step == live
    c.train()  # resumes the run where it was
    qtbot.waitUntil(lambda: s.history.n > live + 100, timeout=10_000)
    c.pause()
    qtbot.waitUntil(lambda: c.state == "paused", timeout=5000)


def test_steps_taken_by_hand_scrub_without_a_run(qtbot, xor_win):
    w = xor_win
    s = w.session
    states = []
    for _ in range(5):
        states.append([a.copy() for a in s.network.weights])
        s.set_phase(s.last_index)
        s.next()
    assert s.step == 5 and s.history.n == 5 and w.training.worker is None
    qtbot.keyClick(w, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)  # one step back
    assert s.viewing == 4 and same(s.network.weights, states[4])
    w.training.seek(1)
    assert s.viewing == 1 and same(s.network.weights, states[1])
    assert s.history.n == 5
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert s.viewing is None and s.step == 5


def test_an_edit_waits_for_the_live_network(qtbot, xor_win):
    w = xor_win
    s = w.session
    for _ in range(3):
        s.set_phase(s.last_index)
        s.next()
    w.training.seek(1)
    told = []
    s.stepRefused.connect(told.append)
    s.edit_parameter("edge", (0, 0, 0), 0.123)
    assert told and "Esc" in told[0] and s.viewing == 1
    assert s.network.weights[0][0, 0] != 0.123


def test_a_drag_sends_one_seek_at_a_time_and_the_bar_shows_progress(qtbot, xor_win):
    from bpviz.core.engine import Seek

    w = xor_win
    s, c = w.session, w.training
    train(qtbot, w, 300)
    sent = []
    real = c._send
    c._send = lambda cmd: (sent.append(cmd), real(cmd))
    for k in (10, 20, 30, 40):  # a drag asks for many steps at once
        c.seek(k)
    assert [x.step for x in sent if isinstance(x, Seek)] == [10]
    qtbot.waitUntil(lambda: s.viewing == 40, timeout=5000)
    assert [x.step for x in sent if isinstance(x, Seek)] == [10, 40]  # only the latest waited
    c.seekProgress.emit(1500, 4000)  # a long replay's progress, as the controller passes it on
    assert w.scrub_bar.label.text() == "Replaying 1,500 of 4,000 steps…"
    c.seekProgress.emit(0, 0)
    assert w.scrub_bar.label.text() == "Viewing step 40 of 300"


def test_save_while_viewing_a_past_step_writes_the_live_run(qtbot, xor_win, tmp_path):
    from bpviz.core import fileformat

    w = xor_win
    s, c = w.session, w.training
    train(qtbot, w, 300)
    live = [a.copy() for a in s.network.weights]
    c.seek(120)
    qtbot.waitUntil(lambda: s.viewing == 120, timeout=5000)
    path = tmp_path / "lesson.bpviz.json"
    assert w.files.save_to(str(path))
    assert s.viewing is None and s.step == 300  # back to live, and it says so
    assert "live network at step 300" in w.statusBar().currentMessage()
    doc = fileformat.load(str(path))
    assert doc.session["step"] == 300 and len(doc.session["error_history"]) == 300
    assert same(doc.network.weights, live)


def test_the_hover_readout_and_the_markers_label_never_print_over_each_other(qtbot, xor_win):
    import pyqtgraph as pg

    w = xor_win
    s, c = w.session, w.training
    train(qtbot, w, 300)
    c.seek(20)  # the marker near the left, where the readout is written
    qtbot.waitUntil(lambda: s.viewing == 20, timeout=5000)
    plot = w.plot
    vb = plot.plotItem.vb
    (_, _), (y0, y1) = vb.viewRange()

    def texts():
        return [
            it
            for it in plot.scene().items()
            if isinstance(it, pg.TextItem) and it.isVisible() and it.textItem.toPlainText().strip()
        ]

    for at in (22, 150):  # hover beside the marker, then far from it
        plot._hover(vb.mapViewToScene(QPointF(at, (y0 + y1) / 2)))
        shown = texts()
        assert plot.readout in shown
        rects = [it.sceneBoundingRect() for it in shown]
        for i, a in enumerate(rects):
            for b in rects[i + 1 :]:
                assert not a.intersects(b), [it.textItem.toPlainText() for it in shown]
    from PySide6.QtCore import QEvent

    plot.leaveEvent(QEvent(QEvent.Type.Leave))  # the pointer leaves: the marker says its step again
    assert plot.readout.textItem.toPlainText() == "" and not plot.cursor.isVisible()
    assert plot.scrub.line.label.isVisible() and "step 20" in plot.scrub.line.label.toPlainText()
