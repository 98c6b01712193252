"""Regressions found by review: the stepper, the trainer and saved files stay consistent
when training, stepping by hand, changing settings and undoing are mixed."""

import json
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from bpviz.core import fileformat
from bpviz.core.presets import load_preset
from bpviz.core.training import Schedule, Trainer
from bpviz.gui.main_window import MainWindow
from bpviz.gui.session import Session

MB = str(Path(__file__).parent / "data" / "minibatch.bpviz.json")  # 5 samples, batch 2, seed 7


@pytest.fixture(autouse=True)
def no_warnings_box(monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: None)


def test_stop_after_stepping_while_paused_discards_the_steps(wait_state, qtbot, make_controller):
    s, c = make_controller("mazur")
    c.update_settings(max_steps=None)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 50, timeout=20_000)
    c.pause()
    wait_state(c, "paused")
    n = s.step
    for _ in range(3 * 13):  # the lecturer steps through three iterations by hand
        s.next()
    assert s.step == n + 3
    c.stop()  # Stop is still enabled while paused
    assert s.step == n + 3, f"stop threw away the hand steps: step {s.step}, expected {n + 3}"


def test_one_step_while_paused_then_stop(wait_state, qtbot, make_controller):
    s, c = make_controller("mazur")
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 50, timeout=20_000)
    c.pause()
    wait_state(c, "paused")
    n = s.step
    c.one_step()
    assert s.step == n + 1
    c.stop()
    assert s.step == n + 1, f"stop undid One step: step {s.step}"


def test_resume_after_stepping_while_paused_uses_the_stepper_weights(wait_state, qtbot, make_controller):
    s, c = make_controller("mazur")
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 50, timeout=20_000)
    c.pause()
    wait_state(c, "paused")
    n = s.step
    s.set_sample_choice(None)
    # an edit by hand in the stepper: one hand step with a *different* learning rate would
    # differ; simplest: edit a weight via next() after changing nothing -> same path. Use
    # a weight edit through the *stepper's* network directly is not public; use next().
    for _ in range(13 * 5):
        s.next()
    [w.copy() for w in s.network.weights]
    c.update_settings(max_steps=n + 5 + 1)
    c.train()  # "Train (or resume) from the weights the stepper shows"
    wait_state(c, "finished")
    core = Trainer(load_preset("mazur"))
    core.run(max_steps=n + 6)
    assert s.step == n + 6
    # training runs the small-network fast path, the stepper's hand steps the numpy path:
    # the same arithmetic in another order, equal to the last bits (issue 12: ≤ 1e-12)
    np.testing.assert_allclose(s.history.errors, core.error_history, rtol=1e-12, atol=0)
    for a, b in zip(s.network.weights, core.network.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)


def test_resume_after_sample_choice_while_paused(wait_state, qtbot, make_controller):
    """online, 1 sample in mazur; use swap (4 samples): pick sample 2, step twice by hand
    (steps use sample 2), then resume: training must start from the stepper's weights."""
    s, c = make_controller("swap")
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 50, timeout=20_000)
    c.pause()
    wait_state(c, "paused")
    n = s.step
    s.set_sample_choice(2)
    for _ in range(2 * len(s.names)):
        s.next()
    w_hand = [w.copy() for w in s.network.weights]
    c.update_settings(max_steps=n + 3)
    c.train()
    wait_state(c, "finished")
    # expected: from w_hand at step n+2 one more step on row (n+2)%4
    doc = load_preset("swap")
    doc.network.set_parameters(w_hand, doc.network.biases and s.network.biases)
    t = Trainer(doc, start_step=n + 2)
    t.run(max_steps=1)
    for a, b in zip(s.network.weights, t.network.weights, strict=False):
        np.testing.assert_allclose(a, b)


def test_lr_changed_while_running_then_one_step_uses_it(wait_state, qtbot, make_controller):
    s, c = make_controller("mazur")
    c.update_settings(speed=2000)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 20, timeout=20_000)
    c.update_settings(learning_rate=3.0)  # what TrainingPanel._lr_edited does while running
    c.pause()
    wait_state(c, "paused")
    # the stepper's update phase should use the trainer's η = 3
    assert s.learning_rate == 3.0, f"stepper still uses η = {s.learning_rate}"


def test_mode_change_while_running_keeps_shuffle_seed(qtbot, make_controller):
    import dataclasses

    from bpviz.core.engine import Configure, Load, Train, TrainingEngine
    from bpviz.core.training_settings import TrainingSettings

    doc = fileformat.load(MB)  # minibatch, batch 2, shuffle_seed 7
    e = TrainingEngine()
    e.command(Load(doc, 0))
    st = TrainingSettings.of(doc)
    assert (st.mode, st.batch_size, st.shuffle_seed) == ("minibatch", 2, 7)
    e.command(Train(st))
    # what the controller sends when the batch size spin box changes mid-run
    e.command(Configure(dataclasses.replace(st, batch_size=3)))
    assert e.trainer.shuffle_seed == 7, f"shuffle_seed became {e.trainer.shuffle_seed}"


def test_panel_lr_while_running_then_save(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from bpviz.gui.main_window import MainWindow

    st = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    w = MainWindow(load_preset("mazur"), "mazur", settings=st)
    qtbot.addWidget(w)
    p = w.training_panel
    w.training.update_settings(speed=2000)
    w.training.train()
    qtbot.waitUntil(lambda: w.session.history.n > 20, timeout=20_000)
    p.lr.setText("2")
    p._lr_edited()
    w.training.stop()
    w.save_to(str(tmp_path / "x.bpviz.json"))
    saved = json.loads((tmp_path / "x.bpviz.json").read_text())
    lr_shown = p.lr.text()
    w.training.shutdown()
    w.close()
    assert saved["learning_rate"] == 2.0, f"panel shows η={lr_shown}, file has {saved['learning_rate']}"


def fresh_rows(doc, step):
    sch = Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed)
    return [int(r) for r in sch.rows(step)]


def test_reset_after_an_epoch_shows_the_first_batch_again(qtbot):
    doc = fileformat.load(MB)  # 5 samples, batch 2, shuffle_seed 7: 3 steps/epoch
    s = Session(doc, "mb")
    first = s.trace.samples
    for _ in range(4 * len(s.names)):  # 4 steps: into epoch 2
        s.next()
    s.reset()
    assert s.step == 0
    assert s.trace.samples == first, f"after Reset step 1 uses rows {s.trace.samples}, first time {first}"


def test_previous_across_an_epoch_then_next(qtbot):
    doc = fileformat.load(MB)
    s = Session(doc, "mb")
    seen = {}
    for _k in range(7):
        seen[s.step] = s.trace.samples
        for _ in range(len(s.names)):
            s.next()
    for _ in range(5 * len(s.names)):  # back 5 iterations (to step 2, in epoch 0)
        s.previous()
    assert s.step == 2
    for _ in range(len(s.names)):  # forward again: step 3 -> first batch of epoch 1
        s.next()
    assert s.trace.samples == seen[3], (s.trace.samples, seen[3])


def test_undo_network_change_restores_progress(qtbot):
    s = Session(load_preset("mazur"), "mazur")
    for _ in range(5 * len(s.names)):
        s.next()
    _step, _hist = s.step, s.history.errors.copy()
    new = s.current_document()
    new.learning_rate = 0.1  # e.g. the network dialog, only η changed
    s.replace_document(new, "Change the network")
    s.undo_stack.undo()
    print("after undo: step", s.step, "history", s.history.n, "lr", s.learning_rate)
    s.reset()
    file_w = load_preset("mazur").network.weights
    same = all(np.array_equal(a, b) for a, b in zip(s.network.weights, file_w, strict=False))
    assert (s.step, s.history.n) == (0, 0)
    assert same, "Reset after undoing a network change does not go back to the file's weights"


def test_undo_network_change_keeps_step(qtbot):
    s = Session(load_preset("mazur"), "mazur")
    for _ in range(5 * len(s.names)):
        s.next()
    new = s.current_document()
    new.learning_rate = 0.1
    s.replace_document(new)
    s.undo_stack.undo()
    assert s.step == 5 and s.history.n == 5, (s.step, s.history.n)


def test_save_while_running(qtbot, tmp_path):
    st = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    w = MainWindow(load_preset("swap"), "swap", settings=st)
    qtbot.addWidget(w)
    w.training.update_settings(speed=None, stop_error=None)  # full speed, no stop (not swap's
    w.training.train()  # lecture speed)
    qtbot.waitUntil(lambda: w.session.history.n > 5000, timeout=20_000)
    qtbot.wait(150)
    p = tmp_path / "r.bpviz.json"
    w.save_to(str(p))  # Ctrl+S mid-run
    d = json.loads(p.read_text())
    w.training.shutdown()
    w.session._trained = False
    w.close()
    assert len(d["session"]["error_history"]) == d["session"]["step"], (
        len(d["session"]["error_history"]),
        d["session"]["step"],
    )


def test_one_step_after_divergence(qtbot, tmp_path, monkeypatch):
    msgs = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: msgs.append(a[1:]))
    st = QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat)
    w = MainWindow(load_preset("linear"), "linear", settings=st)
    qtbot.addWidget(w)
    p = w.training_panel
    p.lr.setText("1e6")
    p._lr_edited()
    w.training.train()
    qtbot.waitUntil(lambda: w.training.state == "diverged", timeout=20_000)
    s = w.session
    print("diverged; step", s.step, "E next", s.trace.error)
    w.training.one_step()
    w.training.one_step()
    w.training.one_step()
    print("after one step: step", s.step, "weights", [x.tolist() for x in s.network.weights])
    w.save_to(str(tmp_path / "d.bpviz.json"))
    w.training.shutdown()
    s._trained = False
    s.undo_stack.setClean()
    w.close()
    assert all(np.isfinite(x).all() for x in s.network.weights)
