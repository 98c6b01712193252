"""Gradient health in the training engine (issue 16): snapshots carry (step n, the health of
step n) — the rows step n uses at the weights after step n − 1, the core's
``gradient_health.measure`` — at most every GRADIENT_INTERVAL while running, spaced by their
cost, always at a pause and at the end; merging keeps every point."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from test_engine_snapshots import Channel, Clock

import bpviz.core.engine as engine_mod
from bpviz.core import fileformat
from bpviz.core import gradient_health as G
from bpviz.core.engine import GRADIENT_INTERVAL, MAX_SHARE, Load, Pause, Train, TrainingEngine, merged, serve
from bpviz.core.presets import load_preset
from bpviz.core.training import Schedule
from bpviz.core.training_settings import TrainingSettings

MINIBATCH = Path(__file__).parents[1] / "gui" / "data" / "minibatch.bpviz.json"


def fast(doc, **kw):
    return dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), **kw)


def at_weights(doc, snap):
    net = doc.network.copy()
    net.set_parameters(list(snap.weights), None if snap.biases is None else list(snap.biases))
    return net


def test_a_point_is_the_next_steps_health_at_the_snapshots_weights():
    """Shuffled minibatches: the rows are the ones the next step draws."""
    doc = fileformat.load(MINIBATCH)
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    first = e.snapshot()
    assert [n for n, _ in first.gradients] == [1]  # at the file's weights: step 1's
    e.command(Train(fast(doc)))
    sched = Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed)
    checked = 0
    for _ in range(6):
        e.work(0.002)
        e.command(Pause())
        snap = e.snapshot()
        (n, h), *_ = snap.gradients
        assert n == snap.step + 1
        rows = sched.rows(n - 1)
        want = G.measure(at_weights(doc, snap), doc.inputs[rows], doc.targets[rows])
        np.testing.assert_allclose(h.delta, want.delta, rtol=1e-12)
        np.testing.assert_allclose(h.grad, want.grad, rtol=1e-12)
        assert e.snapshot().gradients == ()  # the same step: nothing new
        e.command(Train(fast(doc)))
        checked += 1
    assert checked == 6


def test_points_come_while_running_at_most_every_gradient_interval(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    doc = load_preset("deep-sigmoid")
    ch = Channel([Load(doc, 0, 1), Train(fast(doc, max_steps=4_000))], clock)
    serve(ch, chunk_seconds=0.0005)
    snaps, at = ch.sent, ch.at
    pts = [(t, s) for t, s in zip(at, snaps, strict=True) if s.gradients]
    assert pts[0][1] is snaps[0] and pts[-1][1] is snaps[-1]  # the first and the end
    assert snaps[-1].gradients[-1][0] == 4_001
    running = [t for t, _s in pts[1:-1]]
    assert len(running) > 3
    assert np.diff(running).min() >= GRADIENT_INTERVAL - 1e-9
    steps = [n for s in snaps for n, _ in s.gradients]
    assert steps == sorted(set(steps))  # increasing, none twice
    assert steps[0] == 1  # Load and Train came together: step 1's, taken before it ran
    # a layer per entry; deep-sigmoid's first layer far below its last
    h = snaps[0].gradients[0][1]
    assert h.L == 6 and h.delta[0] < 1e-3 * h.delta[-1]


def test_a_costly_measurement_comes_less_often(monkeypatch):
    """A pass that takes 10 ms comes at most every 10 ms / MAX_SHARE."""
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    real = G.Meter.__call__

    def slow(self, *a):
        clock.advance(0.01)
        return real(self, *a)

    monkeypatch.setattr(G.Meter, "__call__", slow)
    doc = load_preset("xor")
    ch = Channel([Load(doc, 0, 1), Train(fast(doc, max_steps=20_000))], clock)
    serve(ch, chunk_seconds=0.0005)
    times = [t for t, s in zip(ch.at, ch.sent, strict=True) if s.gradients][1:-1]
    assert len(times) >= 2
    assert np.diff(times).min() >= 0.01 / MAX_SHARE - 1e-9


def test_merging_keeps_every_point():
    doc = load_preset("xor")
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(fast(doc)))
    a = e.snapshot()
    e.work(0.002)
    e.command(Pause())
    b = e.snapshot()
    assert len(a.gradients) == len(b.gradients) == 1
    m = merged(a, b)
    assert [n for n, _ in m.gradients] == [a.step + 1, b.step + 1]
