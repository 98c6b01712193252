"""The training engine without Qt: typed commands, the one serve loop (driven here through a
scripted channel, and once through the real training process), pacing and snapshot throttling
against a fake clock, stop threshold, pause and resume, divergence, merging snapshots."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

import bpviz.core.engine as engine_mod
from bpviz.core import fileformat
from bpviz.core.engine import (
    SNAPSHOT_INTERVAL,
    Configure,
    EditParameter,
    Load,
    Pause,
    Quit,
    Stop,
    Train,
    TrainingEngine,
    continues,
    merged,
    serve,
)
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.core.training_settings import TrainingSettings

FAST = {"speed": None, "stop_error": None}
MINIBATCH = Path(__file__).parents[1] / "gui" / "data" / "minibatch.bpviz.json"


def settings(doc, **kw) -> TrainingSettings:
    """The document's settings at full speed, without a stop threshold, changed by kw."""
    return dataclasses.replace(TrainingSettings.of(doc, **FAST), **kw)


class Script:
    """A channel for ``serve``: commands given up front, then ``react(snapshot)`` may give
    more; ``Quit`` once ``done(snapshot)`` holds."""

    def __init__(self, commands, react=None, done=None, clock=None) -> None:
        self.todo = list(commands)
        self.react = react or (lambda snap: [])
        self.done = done or (lambda snap: snap.state != "running")
        self.clock = clock
        self.sent: list = []
        self.sent_at: list[float] = []

    def poll(self, timeout: float) -> bool:
        if self.clock is not None:
            self.clock.advance(0.01)  # each look at the channel takes 10 ms of the fake clock
        return bool(self.todo)

    def recv(self):
        return self.todo.pop(0)

    def send(self, snap) -> None:
        self.sent.append(snap)
        if self.clock is not None:
            self.sent_at.append(self.clock.now)
        self.todo += self.react(snap)
        if self.done(snap):
            self.todo.append(Quit())


def errors_of(snaps) -> np.ndarray:
    """Every step's error, in order, checking that the snapshots' step numbers join up."""
    out, nxt = [], None
    for s in snaps:
        if len(s.errors):
            assert nxt is None or s.first_error_step == nxt
            nxt = s.first_error_step + len(s.errors)
            out.append(s.errors)
    return np.concatenate(out) if out else np.empty(0)


# ------------------------------------------------------------------------------ commands
def test_commands_are_typed_and_frozen():
    doc = load_preset("mazur")
    cmd = Train(settings(doc))
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmd.settings = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        cmd.settings.learning_rate = 2.0
    e = TrainingEngine()
    with pytest.raises(TypeError, match="not an engine command"):
        e.command(("train", {"learning_rate": 0.5}))  # the old untyped tuples
    with pytest.raises(RuntimeError, match="no network loaded"):
        e.command(Train(settings(doc)))


def test_settings_change_at_a_step_boundary():
    """η and the limit of a Configure take effect from the next step: the same errors as a
    trainer whose η changed after step 100."""
    doc = load_preset("mazur")
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(settings(doc, max_steps=100)))
    while e.running:
        e.work()
    assert (e.state, e.trainer.step) == ("finished", 100)
    e.command(Configure(settings(doc, learning_rate=2.0, max_steps=250)))
    e.command(Train(settings(doc, learning_rate=2.0, max_steps=250)))
    while e.running:
        e.work()
    ref = Trainer(doc)
    ref.run(max_steps=100)
    ref.learning_rate = 2.0
    ref.run(max_steps=150)
    np.testing.assert_array_equal(e.trainer.error_history, ref.error_history)


def test_a_new_batch_size_keeps_the_shuffle_seed():
    doc = fileformat.load(MINIBATCH)  # 5 samples, batch 2, shuffle_seed 7
    e = TrainingEngine()
    e.command(Load(doc, 0))
    st = settings(doc)
    e.command(Train(st))
    e.command(Configure(dataclasses.replace(st, batch_size=3)))
    t = e.trainer
    assert (t.mode, t.batch_size, t.shuffle_seed) == ("minibatch", 3, 7)


def test_an_edit_reaches_the_trainer():
    doc = load_preset("mazur")
    e = TrainingEngine()
    e.command(Load(doc, 0))
    e.command(EditParameter("edge", (0, 1, 1), 0.9))
    e.command(EditParameter("bias", (1, 0), 0.25))
    assert e.trainer.network.weights[0][1, 1] == 0.9
    assert e.trainer.network.biases[1][0] == 0.25
    assert doc.network.weights[0][1, 1] != 0.9  # the engine trains a copy


# ----------------------------------------------------------------------------- the pace
class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def advance(self, dt: float) -> None:
        self.now += dt

    def time_module(self):
        return SimpleNamespace(perf_counter=lambda: self.now, sleep=self.advance)


def test_the_engine_keeps_the_pace(monkeypatch):
    """At 10 steps/s: the first step at once, then one every 0.1 s (a fake clock)."""
    clock = FakeClock()
    monkeypatch.setattr(engine_mod, "time", clock.time_module())
    doc = load_preset("xor")
    e = TrainingEngine()
    e.command(Load(doc, 0))
    e.command(Train(settings(doc, speed=10)))
    total = sum(e.work() for _ in range(5))
    assert total == 1 == e.trainer.step
    clock.advance(0.55)
    for _ in range(5):
        e.work()
    assert e.trainer.step == 6
    e.command(Configure(settings(doc, speed=None, max_steps=500)))  # full speed: no pacing
    e.work(seconds=None)  # no time budget either: the fake clock stands still
    assert e.trainer.step == 500


def test_serve_throttles_snapshots_and_loses_no_error(monkeypatch):
    """While running, a snapshot at most every SNAPSHOT_INTERVAL (fake clock); together the
    snapshots carry every step's error, numbered without a gap."""
    clock = FakeClock()
    monkeypatch.setattr(engine_mod, "time", clock.time_module())
    doc = load_preset("swap")
    ch = Script([Load(doc, 0, 3), Train(settings(doc, max_steps=20_000))], clock=clock)
    serve(ch, chunk_seconds=0.0005)
    snaps = ch.sent
    assert snaps[-1].state == "finished" and snaps[-1].reason == "max_steps"
    assert {s.gen for s in snaps} == {3}
    gaps = np.diff(ch.sent_at[1:-1])  # between the first (after the commands) and the last
    assert len(gaps) > 3 and gaps.min() >= SNAPSHOT_INTERVAL - 1e-9
    ref = Trainer(doc)
    ref.run(max_steps=20_000)
    np.testing.assert_array_equal(errors_of(snaps), ref.error_history)


# ------------------------------------------------------------------------------ the loop
def test_serve_stops_at_the_threshold():
    doc = load_preset("xor")
    ch = Script([Load(doc, 0), Train(settings(doc, stop_error=0.01))])
    eng = TrainingEngine()
    serve(ch, engine=eng)
    last = ch.sent[-1]
    assert (last.state, last.reason, last.step) == ("finished", "target", 302)
    assert last.stopped_error < 0.01 and last.stop_armed
    # Train again: E is already below the threshold, so the run goes on
    ch2 = Script([Train(settings(doc, stop_error=0.01, max_steps=400))])
    serve(ch2, engine=eng)
    assert not ch2.sent[-1].stop_armed
    assert (ch2.sent[-1].reason, ch2.sent[-1].step) == ("max_steps", 400)


def test_serve_pauses_resumes_and_stops():
    doc = load_preset("mazur")
    seen = {"paused": 0}

    def react(snap):
        if snap.state == "running" and snap.step > 100 and not seen["paused"]:
            seen["paused"] = 1
            return [Pause()]
        if snap.state == "paused" and seen["paused"] == 1:
            seen["paused"] = 2
            seen["at"] = snap.step
            return [Train(settings(doc))]  # resume
        if snap.state == "running" and seen["paused"] == 2 and snap.step > seen["at"] + 100:
            seen["paused"] = 3
            return [Stop()]
        return []

    ch = Script(
        [Load(doc, 0), Train(settings(doc))],
        react=react,
        done=lambda snap: snap.state == "idle" and seen["paused"] == 3,
    )
    serve(ch)
    states = [s.state for s in ch.sent]
    assert "paused" in states and states[-1] == "idle" and ch.sent[-1].reason == "stopped"
    paused = next(s for s in ch.sent if s.state == "paused")
    assert paused.step == seen["at"]
    ref = Trainer(doc)
    ref.run(max_steps=ch.sent[-1].step)
    np.testing.assert_array_equal(errors_of(ch.sent), ref.error_history)


def test_serve_stops_a_diverging_run_at_the_last_finite_weights():
    doc = load_preset("linear")
    doc.learning_rate = 1e6
    ch = Script([Load(doc, 0), Train(settings(doc))])
    serve(ch)
    last = ch.sent[-1]
    ref = Trainer(doc)
    ref.run(max_steps=1000)
    assert last.state == "diverged" and last.diverged_at == ref.diverged_at
    for a, b in zip(last.weights, ref.network.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert np.isfinite(errors_of(ch.sent)).all()


def test_the_training_process_serves_typed_commands():
    """The real process (python -m bpviz.core.engine_process FD): the commands cross the pipe
    pickled, the snapshots come back, Quit ends it."""
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpviz.core.engine_process", str(theirs.fileno())],
        pass_fds=(theirs.fileno(),),
        stdin=subprocess.DEVNULL,
    )
    theirs.close()
    conn = Connection(ours.detach())
    try:
        doc = load_preset("swap")
        conn.send(Load(doc, 0, 5))
        conn.send(Train(settings(doc, max_steps=500)))
        snaps = []
        while not snaps or snaps[-1].state == "running":
            assert conn.poll(20), "no snapshot from the training process"
            snaps.append(conn.recv())
        conn.send(Quit())
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        conn.close()
    assert snaps[-1].state == "finished" and snaps[-1].gen == 5
    ref = Trainer(doc)
    ref.run(max_steps=500)
    np.testing.assert_array_equal(errors_of(snaps), ref.error_history)


# ----------------------------------------------------------------------- merging snapshots
def test_snapshots_of_a_replaced_run_are_never_merged_into_the_new_one():
    """The worker merges snapshots that arrive together; a stale one of the previous load
    (its next step 53) must not renumber the new run's errors (steps 58 on): that lost the
    hand steps' errors of a run resumed at once (seen at lecture speed, under load)."""
    doc = load_preset("mazur")
    e = TrainingEngine()
    e.command(Load(doc, 52, 1))
    old = e.snapshot()
    e.command(Load(doc, 57, 2))
    e.command(Train(settings(doc, max_steps=58)))
    e.work()
    new = e.snapshot()
    assert (old.first_error_step, new.first_error_step, len(new.errors)) == (53, 58, 1)
    assert not continues(old, new)
    # the same run: merged, every error with its own step number
    a = dataclasses.replace(new, errors=new.errors[:0], first_error_step=58)
    assert continues(a, new) and merged(a, new).first_error_step == 58
