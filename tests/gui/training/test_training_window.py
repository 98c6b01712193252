"""Training from the window: snapshots, the same numbers as the core, commands at step
boundaries, divergence, shutdown, the lecture speed and the stop threshold, the plot. Waits on
signals and conditions, never sleeps; nothing here is timed (benchmarks measure speed).

Runs that check numbers go at full speed and without the stop threshold (``FAST``): the
window's defaults are a lecture speed and a stop at "learned"."""

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.main_window import MainWindow
from bpviz.gui.session import Session

BACKENDS = ["process", "thread"]
FAST = {"speed": None, "stop_error": None}


@pytest.mark.parametrize("backend", BACKENDS)
def test_history_equals_the_core(wait_state, qtbot, make_controller, backend):
    s, c = make_controller("swap", backend)
    c.update_settings(max_steps=3000, **FAST)
    c.train()
    wait_state(c, "finished")
    core = Trainer(load_preset("swap"))
    core.run(max_steps=3000)
    assert s.step == 3000 and s.history.n == 3000
    np.testing.assert_array_equal(s.history.errors, core.error_history)
    for a, b in zip(s.network.weights, core.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert c.last.reason == "max_steps"
    # the epoch error curve: online over 4 samples, one point per 4 steps
    assert s.history.epoch_steps[:3].tolist() == [4, 8, 12]


def test_start_pause_resume_stop_reset(wait_state, qtbot, make_controller):
    s, c = make_controller("mazur", "process")
    c.update_settings(**FAST)
    snaps = []
    c.snapshotApplied.connect(snaps.append)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 100, timeout=20_000)
    assert s.training
    c.pause()
    wait_state(c, "paused")
    assert not s.training
    paused_at = s.step
    assert snaps[-1].state == "paused" and snaps[-1].step == paused_at
    assert s.history.n == paused_at  # every step's error arrived
    # pausing put the stepper on the current weights
    np.testing.assert_array_equal(s.trace.network.weights[1], snaps[-1].weights[1])
    assert s.phase_index == 0
    c.train()  # resume
    qtbot.waitUntil(lambda: s.step > paused_at + 50, timeout=20_000)
    c.stop()
    wait_state(c, "idle")
    core = Trainer(load_preset("mazur"))
    core.run(max_steps=s.step)
    np.testing.assert_array_equal(s.history.errors, core.error_history)
    c.reset()
    assert s.step == 0 and s.history.n == 0
    np.testing.assert_array_equal(s.network.weights[0], load_preset("mazur").network.weights[0])


def test_learning_rate_change_takes_effect_at_a_step_boundary(wait_state, qtbot, make_controller):
    s, c = make_controller("mazur", "process")
    c.update_settings(speed=2000, stop_error=None)  # slow enough to change it mid-run
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 200, timeout=20_000)
    c.update_settings(learning_rate=2.0)
    qtbot.waitUntil(lambda: s.history.n > 800, timeout=20_000)
    c.stop()
    wait_state(c, "idle")
    n = s.history.n
    h = s.history.errors
    a = Trainer(load_preset("mazur"))
    a.run(max_steps=n)
    k = int(np.argmax(h != a.error_history))  # the first step the new rate shaped
    assert 200 <= k < 800
    b = Trainer(load_preset("mazur"))
    b.run(max_steps=k - 1)
    b.learning_rate = 2.0
    b.run(max_steps=n - (k - 1))
    np.testing.assert_array_equal(h, b.error_history)


@pytest.mark.parametrize("backend", BACKENDS)
def test_divergence_stops_with_the_last_finite_weights(wait_state, qtbot, make_controller, backend):
    doc = load_preset("linear")
    doc.learning_rate = 1e6
    s, c = make_controller("linear", backend, doc=doc)
    c.update_settings(**FAST)
    msgs = []
    c.message.connect(lambda t, m: msgs.append((t, m)))
    c.train()
    wait_state(c, "diverged")
    snap = c.last
    assert snap.diverged_at is not None
    core = Trainer(doc)
    core.run(max_steps=1000)
    assert core.diverged_at == snap.diverged_at
    for a, b in zip(s.network.weights, core.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(s.history.errors).all() and s.history.n == snap.diverged_at - 1
    qtbot.waitUntil(lambda: len(msgs) == 1)
    assert "smaller learning rate" in msgs[0][1] and f"step {snap.diverged_at}" in msgs[0][1]


def test_target_error(wait_state, qtbot, make_controller):
    s, c = make_controller("xor", "process")
    c.update_settings(target_error=0.01, **FAST)
    c.train()
    wait_state(c, "finished")
    assert c.last.reason == "target"
    assert s.history.errors[-1] <= 0.01


@pytest.mark.parametrize("backend", BACKENDS)
def test_rapid_start_stop_cycles(wait_state, qtbot, make_controller, backend):
    s, c = make_controller("swap", backend)
    for _ in range(100):
        c.train()
        c.stop()
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 10, timeout=20_000)
    c.stop()
    wait_state(c, "idle")
    core = Trainer(load_preset("swap"))
    core.run(max_steps=s.step)
    np.testing.assert_array_equal(s.history.errors, core.error_history)


def test_closing_the_window_mid_training_leaves_nothing(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    w = MainWindow(load_preset("swap"), "swap", settings=settings)
    qtbot.addWidget(w)
    w.show()
    w.training.train()
    qtbot.waitUntil(lambda: w.session.history.n > 50, timeout=20_000)
    w.close()
    assert not w.training.worker.thread.isRunning()


def test_opening_another_preset_mid_training_stops_the_run(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    w = MainWindow(load_preset("swap"), "swap", settings=settings)
    qtbot.addWidget(w)
    w.training.train()
    qtbot.waitUntil(lambda: w.session.history.n > 50, timeout=20_000)
    w.open_preset("mazur")
    assert w.training.state == "idle" and not w.session.training
    assert w.session.step == 0 and w.session.history.n == 0
    # late snapshots of the old run must not land in the new network: train the new one and
    # compare with the core
    w.training.update_settings(max_steps=200, **FAST)
    w.training.train()
    qtbot.waitUntil(lambda: w.training.state == "finished", timeout=20_000)
    core = Trainer(load_preset("mazur"))
    core.run(max_steps=200)
    np.testing.assert_array_equal(w.session.history.errors, core.error_history)


def test_the_legend_lists_each_drawn_curve_once(qtbot):
    from bpviz.gui.error_plot import ErrorPlot

    s = Session(load_preset("swap"), "swap")
    p = ErrorPlot(s)
    qtbot.addWidget(p)
    t = Trainer(load_preset("swap"), track_epoch_error=True)
    for _ in range(3):
        n = len(t.error_history)
        t.run(max_steps=40)
        s.history.extend(n + 1, t.error_history[n:])
        s.history.add_epochs(t.epoch_errors[len(s.history.epoch_steps) :])
        p.refresh()
    labels = [label.text for _, label in p.legend.items]
    assert len(labels) == len(set(labels)) == 3
    s.load(load_preset("xor"), "xor")  # batch: no epoch curve, not in the legend
    p.refresh()
    assert len(p.legend.items) == 2
