"""The data plane in the training engine (issue 15, item 1): asked for with ``SetPlane``, a
snapshot carries the plane at its own step's weights (the core's ``plane.compute``), at most
every PLANE_INTERVAL while running and spaced by its cost, always at a pause and at the end;
nothing is computed while no plane is asked for."""

from __future__ import annotations

import dataclasses

import numpy as np
from test_engine_snapshots import Channel, Clock

import bpviz.core.engine as engine_mod
from bpviz.core import plane as P
from bpviz.core.engine import (
    MAX_SHARE,
    PLANE_INTERVAL,
    Load,
    Pause,
    SetPlane,
    Train,
    TrainingEngine,
    merged,
    serve,
)
from bpviz.core.presets import load_preset
from bpviz.core.training_settings import TrainingSettings


def fast(doc, **kw):
    return dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), **kw)


def at_weights(doc, snap):
    net = doc.network.copy()
    net.set_parameters(list(snap.weights), None if snap.biases is None else list(snap.biases))
    return net


def test_a_snapshots_plane_is_the_cores_at_its_weights():
    doc = load_preset("spiral")
    e = TrainingEngine()
    e.command(SetPlane(P.PlaneSpec(0, 1)))
    e.command(Load(doc, 5, 1))  # the plane stays asked for across loads
    first = e.snapshot()
    assert first.plane is not None and first.plane.step == 5
    e.command(Train(fast(doc)))
    e.work(0.01)
    e.command(Pause())
    snap = e.snapshot()
    pl = snap.plane
    assert pl is not None and pl.step == snap.step > 5
    ref = P.compute(at_weights(doc, snap), P.frame(doc))
    assert np.array_equal(pl.outputs, ref.outputs)
    assert np.array_equal(pl.frame.xs, ref.frame.xs) and pl.neurons is None
    # the same step again: nothing new to send
    assert e.snapshot().plane is None
    # another spec: a new plane at once, with the neurons when asked
    e.command(SetPlane(P.PlaneSpec(1, 0, neurons=True)))
    other = e.snapshot()
    assert other.plane.spec == P.PlaneSpec(1, 0, neurons=True)
    assert [g.shape[0] for g in other.plane.neurons] == [8, 8, 2]


def test_without_a_plane_asked_for_none_is_computed(monkeypatch):
    calls = []
    monkeypatch.setattr(P, "compute", lambda *a, **k: calls.append(1))
    doc = load_preset("circle")
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(fast(doc)))
    e.work(0.005)
    assert e.snapshot().plane is None and not calls
    e.command(SetPlane(None))
    assert e.snapshot().plane is None and not calls


def test_planes_come_at_most_every_plane_interval_while_running(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    doc = load_preset("circle")
    ch = Channel([SetPlane(P.PlaneSpec()), Load(doc, 0, 1), Train(fast(doc, max_steps=6_000))], clock)
    serve(ch, chunk_seconds=0.0005)
    snaps, at = ch.sent, ch.at
    with_plane = [(t, s) for t, s in zip(at, snaps, strict=True) if s.plane is not None]
    assert with_plane[0][1] is snaps[0] and with_plane[-1][1] is snaps[-1]  # the first, the end
    assert snaps[-1].state == "finished" and snaps[-1].plane.step == snaps[-1].step == 6_000
    running = [t for t, _s in with_plane[1:-1]]
    assert len(running) > 3
    assert np.diff(running).min() >= PLANE_INTERVAL - 1e-9
    assert len(with_plane) < 0.75 * len(snaps)


def test_a_costly_plane_comes_less_often(monkeypatch):
    """A plane that takes 10 ms comes at most every 10 ms / MAX_SHARE."""
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    real = P.compute

    def slow(*a, **k):
        clock.advance(0.01)
        return real(*a, **k)

    monkeypatch.setattr(P, "compute", slow)
    doc = load_preset("circle")
    ch = Channel([SetPlane(P.PlaneSpec()), Load(doc, 0, 1), Train(fast(doc, max_steps=5_000))], clock)
    serve(ch, chunk_seconds=0.0005)
    times = [t for t, s in zip(ch.at, ch.sent, strict=True) if s.plane is not None][1:-1]
    assert len(times) >= 2
    assert np.diff(times).min() >= 0.01 / MAX_SHARE - 1e-9


def test_merging_keeps_the_latest_plane():
    doc = load_preset("circle")
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(SetPlane(P.PlaneSpec()))
    e.command(Train(fast(doc)))
    a = e.snapshot()
    e.work(0.002)
    b = e.snapshot()  # running, within PLANE_INTERVAL: no plane
    assert a.plane is not None and b.plane is None
    assert merged(a, b).plane is a.plane
    e.command(Pause())
    c = e.snapshot()
    assert merged(a, c).plane is c.plane
