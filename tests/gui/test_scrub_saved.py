"""Save keeps the run's checkpoints (session.checkpoints), so a session reopened from its
file scrubs too: a seek after reopening shows bit for bit the weights of a straight run, across
a change of η during the run; a training process that does not answer in time leaves the file
without them, and the status bar says so."""

from __future__ import annotations

import json
import time

import pytest
from test_scrub import same, straight, train

from bpviz.core import fileformat
from bpviz.core.engine import GetCheckpoints
from bpviz.core.presets import load_preset
from bpviz.gui.training import controller as controller_mod


def window(qtbot, settings, doc, source):
    from bpviz.gui.main_window import MainWindow

    w = MainWindow(doc, source, settings=settings, backend="thread")
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def xor_win(qtbot, settings):
    w = window(qtbot, settings, load_preset("xor"), "xor")
    yield w
    w.training.shutdown()


def reopened(qtbot, settings, path):
    return window(qtbot, settings, fileformat.load(str(path)), str(path))


def seek(qtbot, w, step):
    w.training.seek(step)
    qtbot.waitUntil(lambda: w.session.viewing == step, timeout=5000)


def test_a_reopened_session_scrubs_bit_for_bit(qtbot, xor_win, settings, tmp_path):
    w = xor_win
    train(qtbot, w, 300)
    path = tmp_path / "xor.bpviz.json"
    assert w.files.save_to(str(path))
    assert w.statusBar().currentMessage() == f"Saved {path}"
    saved = json.loads(path.read_text())["session"]["checkpoints"]
    assert saved[0]["step"] == 0 and saved[0]["pinned"]
    w2 = reopened(qtbot, settings, path)
    try:
        s2 = w2.session
        assert s2.step == 300 and w2.training.worker is None  # (no process until a seek)
        for n in (120, 0, 299, 7):
            seek(qtbot, w2, n)
            assert same(s2.network.weights, straight(n).network.weights), n
            assert same(s2.network.biases, straight(n).network.biases), n
        w2.training.back_to_live()
        assert s2.step == 300 and same(s2.network.weights, w.session.network.weights)
        # training on from the reopened file keeps the saved history scrubbable
        train(qtbot, w2, 320)
        seek(qtbot, w2, 120)
        assert same(s2.network.weights, straight(120).network.weights)
    finally:
        w2.training.shutdown()


def test_a_change_of_eta_during_the_run_is_replayed_after_reopening(qtbot, xor_win, settings, tmp_path):
    w = xor_win
    s = w.session
    train(qtbot, w, 100)
    s.set_learning_rate(5.0)
    train(qtbot, w, 250)
    path = tmp_path / "xor-eta.bpviz.json"
    assert w.files.save_to(str(path))
    saved = json.loads(path.read_text())["session"]["checkpoints"]
    assert {c["learning_rate"] for c in saved if c["step"] < 100} == {2.0}  # xor's η
    assert {c["learning_rate"] for c in saved if c["step"] >= 100} == {5.0}

    def eta5(t):
        t.learning_rate = 5.0

    w2 = reopened(qtbot, settings, path)
    try:
        for n in (60, 100, 180, 249):
            seek(qtbot, w2, n)
            want = straight(n, [(100, eta5)] if n > 100 else []).network.weights
            assert same(w2.session.network.weights, want), n
    finally:
        w2.training.shutdown()


def test_save_without_an_answer_saves_without_checkpoints_and_says_so(qtbot, xor_win, tmp_path, monkeypatch):
    w = xor_win
    c = w.training
    train(qtbot, w, 50)
    send = c.worker.send
    monkeypatch.setattr(c.worker, "send", lambda cmd: None if isinstance(cmd, GetCheckpoints) else send(cmd))
    monkeypatch.setattr(controller_mod, "SAVE_TIMEOUT", 0.2)
    path = tmp_path / "late.bpviz.json"
    t0 = time.perf_counter()
    assert w.files.save_to(str(path))
    assert time.perf_counter() - t0 < 2.0
    assert "without the run's checkpoints" in w.statusBar().currentMessage()
    doc = fileformat.load(str(path))
    assert doc.session["step"] == 50 and doc.checkpoints is None


def test_reset_forgets_the_files_checkpoints(qtbot, xor_win, settings, tmp_path):
    w = xor_win
    train(qtbot, w, 80)
    path = tmp_path / "x.bpviz.json"
    assert w.files.save_to(str(path))
    w2 = reopened(qtbot, settings, path)
    try:
        seek(qtbot, w2, 40)  # (the training process has the file's checkpoints now)
        kept = tmp_path / "k.bpviz.json"
        assert w2.files.save_to(str(kept))
        assert fileformat.load(str(kept)).checkpoints[0].step == 0
        w2.training.reset()  # step 0 is the file's weights (step 80's): not the saved run's
        again = tmp_path / "y.bpviz.json"
        assert w2.files.save_to(str(again))
        assert fileformat.load(str(again)).checkpoints is None
    finally:
        w2.training.shutdown()
