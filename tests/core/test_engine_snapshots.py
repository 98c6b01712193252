"""What a training snapshot carries at which rate: the parameters and errors at the frame
rate, every sample's outputs and E of all data (a pass over the whole data) in full snapshots
at most every ``FULL_INTERVAL`` while running, and always after commands and at the end."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np

import bpviz.core.engine as engine_mod
from bpviz.core.engine import FULL_INTERVAL, Load, Quit, Train, TrainingEngine, merged, serve
from bpviz.core.presets import load_preset
from bpviz.core.training_settings import TrainingSettings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def advance(self, dt: float) -> None:
        self.now += dt

    def module(self):
        return SimpleNamespace(perf_counter=lambda: self.now, sleep=self.advance)


class Channel:
    def __init__(self, commands, clock) -> None:
        self.todo, self.clock, self.sent, self.at = list(commands), clock, [], []

    def poll(self, timeout: float) -> bool:
        self.clock.advance(0.01)
        return bool(self.todo)

    def recv(self):
        return self.todo.pop(0)

    def send(self, snap) -> None:
        self.sent.append(snap)
        self.at.append(self.clock.now)
        if snap.state != "running":
            self.todo.append(Quit())


def test_full_snapshots_come_at_a_lower_rate(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    doc = load_preset("swap")
    s = dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), max_steps=20_000)
    ch = Channel([Load(doc, 0, 1), Train(s)], clock)
    serve(ch, chunk_seconds=0.0005)
    snaps, at = ch.sent, ch.at
    full = [i for i, x in enumerate(snaps) if x.outputs is not None]
    light = [i for i, x in enumerate(snaps) if x.outputs is None]
    assert full[0] == 0 and full[-1] == len(snaps) - 1  # after the commands, at the end
    assert len(light) > 2 * len(full) > 4
    gaps = np.diff([at[i] for i in full[1:-1]])
    assert gaps.min() >= FULL_INTERVAL - 1e-9
    # a light snapshot repeats the last full one's E of all data
    for i in light:
        prev = max(j for j in full if j < i)
        assert snaps[i].data_error == snaps[prev].data_error
    # the last one's values are the engine's own at those weights
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.trainer.network.set_parameters(list(snaps[-1].weights), snaps[-1].biases)
    np.testing.assert_array_equal(snaps[-1].outputs, e.trainer.network.outputs(doc.inputs))
    assert snaps[-1].data_error == e.trainer.data_error()


def test_merging_keeps_the_outputs_of_a_full_snapshot():
    doc = load_preset("swap")
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(TrainingSettings.of(doc, speed=None, stop_error=None)))
    e.work(0.001)
    a = e.snapshot(full=True)
    e.work(0.001)
    b = e.snapshot(full=False)
    assert b.outputs is None
    m = merged(a, b)
    assert m.outputs is a.outputs and m.step == b.step


def test_the_engine_keeps_only_the_steps_since_its_last_snapshot():
    """The snapshots' errors, one after another, are the run's every step (step numbers
    continuous from 1); after each snapshot the engine's trainer holds none of them, so a run
    of any length costs the training process no memory for its history."""
    from bpviz.core.training import Trainer

    doc = load_preset("swap")
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    st = dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), max_steps=30_000)
    e.command(Train(st))
    snaps = []
    while e.running:
        e.work(0.002)
        snaps.append(e.snapshot(full=False))
        assert len(e.trainer.error_history) == 0 and e.trainer.epoch_errors == []
    assert [s.first_error_step for s in snaps if len(s.errors)][0] == 1
    for a, b in zip(snaps, snaps[1:], strict=False):
        assert b.first_error_step == a.first_error_step + len(a.errors)
    ref = Trainer(doc, path=e.trainer.path, track_epoch_error=True)
    ref.run(max_steps=30_000)
    np.testing.assert_array_equal(np.concatenate([s.errors for s in snaps]), ref.error_history)
    assert [p for s in snaps for p in s.epoch_errors] == ref.epoch_errors
