"""Held-out rows and classes in the training engine (issue 14, items 1 and 2): a snapshot's
test error is the core's (``training.test_error``) on the test rows only, at most every
TEST_INTERVAL while running and spaced by its cost; full snapshots carry the accuracy and the
confusion matrix of the training and of the test rows; a document without test rows or
classes sends none of it."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
from test_engine_snapshots import Channel, Clock

import bpviz.core.engine as engine_mod
from bpviz.core import classify, training
from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.core.engine import MAX_SHARE, TEST_INTERVAL, Load, Train, TrainingEngine, merged, serve
from bpviz.core.training_settings import TrainingSettings


def heldout_doc(n_train: int = 12, n_test: int = 5):
    """2-4-2 softmax, cross-entropy, minibatches of 4; two classes; the test rows lie apart
    from the training rows, so E over them differs clearly from E over the training rows."""
    spec = NetworkSpec(
        [LayerSpec("x", 2), LayerSpec("h", 4, "tanh"), LayerSpec("y", 2, "softmax")],
        loss="cross_entropy",
        mode="minibatch",
        batch_size=4,
        shuffle_seed=1,
        init_scale=1.0,
        init_seed=3,
        n_samples=n_train,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(5)
    cls = np.arange(n_train) % 2
    doc.inputs = np.where(cls[:, None] == 1, 1.0, -1.0) + 0.3 * rng.normal(size=(n_train, 2))
    doc.targets = np.eye(2)[cls]
    tcls = np.arange(n_test) % 2
    doc.test_inputs = np.where(tcls[:, None] == 1, -0.5, 2.5) + 0.3 * rng.normal(size=(n_test, 2))
    doc.test_targets = np.eye(2)[tcls]
    doc.classes = ["left", "right"]
    return doc


def fast(doc, **kw):
    return dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), **kw)


def at_weights(doc, snap):
    """The document with a snapshot's weights."""
    d = copy.copy(doc)
    d.network = doc.network.copy()
    d.network.set_parameters(list(snap.weights), None if snap.biases is None else list(snap.biases))
    return d


def test_the_test_error_is_the_cores_on_the_test_rows_only():
    doc = heldout_doc()
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(fast(doc)))
    e.work(0.01)
    snap = e.snapshot(full=False)  # the pause or end sends one at once; running, the first is due
    assert snap.step > 0
    d = at_weights(doc, snap)
    expected = training.test_error(d, d.network)
    assert snap.test_errors == ((snap.step, pytest.approx(expected, rel=1e-12)),)
    assert snap.test_error == pytest.approx(expected, rel=1e-12)
    # the training rows' E gives another number
    on_train = d.network.error(doc.inputs, doc.targets)
    assert abs(on_train - expected) > 0.2 * abs(expected)
    # and scaled by M / M_test (the training rows over the five test rows)
    raw = d.network.error(doc.test_inputs, doc.test_targets)
    assert expected == pytest.approx(raw * doc.n_samples / 5, rel=1e-12)


def test_full_snapshots_carry_accuracy_and_confusion_of_each_set():
    doc = heldout_doc()
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(fast(doc)))
    e.work(0.01)
    light = e.snapshot(full=False)
    assert not light.scored and light.accuracy is None and light.confusion is None
    snap = e.snapshot(full=True)
    assert snap.scored
    d = at_weights(doc, snap)
    out, test_out = d.network.outputs(doc.inputs), d.network.outputs(doc.test_inputs)
    assert snap.accuracy == classify.accuracy(d, out, doc.targets)
    assert snap.test_accuracy == classify.accuracy(d, test_out, doc.test_targets)
    np.testing.assert_array_equal(snap.confusion, classify.confusion(d, out, doc.targets))
    np.testing.assert_array_equal(snap.test_confusion, classify.confusion(d, test_out, doc.test_targets))
    assert snap.confusion.sum() == 12 and snap.test_confusion.sum() == 5
    np.testing.assert_array_equal(snap.test_outputs, test_out)
    # a light snapshot after it, merged: the scores of the full one stay
    e.work(0.005)
    later = e.snapshot(full=False)
    m = merged(snap, later)
    assert m.scored and m.accuracy == snap.accuracy and m.test_outputs is snap.test_outputs
    assert m.step == later.step


def test_test_points_come_at_most_every_test_interval_while_running(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    doc = heldout_doc()
    ch = Channel([Load(doc, 0, 1), Train(fast(doc, max_steps=8_000))], clock)
    serve(ch, chunk_seconds=0.0005)
    snaps, at = ch.sent, ch.at
    points = [(t, s) for t, snap in zip(at, snaps, strict=True) for s in snap.test_errors]
    steps = [s[0] for _t, s in points]
    assert steps[0] == snaps[0].step and steps[-1] == snaps[-1].step  # the first and the end
    assert all(b > a for a, b in zip(steps, steps[1:], strict=False))
    running = [t for t, s in points[1:-1]]
    assert len(running) > 5
    assert np.diff(running).min() >= TEST_INTERVAL - 1e-9
    assert len(points) < len(snaps) * 0.75  # not every snapshot carries one


def test_a_costly_test_set_is_measured_less_often(monkeypatch):
    """A pass over the test rows that takes 50 ms comes at most every 50 ms / MAX_SHARE."""
    clock = Clock()
    monkeypatch.setattr(engine_mod, "time", clock.module())
    real = training.Trainer.test_error

    def slow(self):
        clock.advance(0.05)
        return real(self)

    monkeypatch.setattr(training.Trainer, "test_error", slow)
    doc = heldout_doc()
    ch = Channel([Load(doc, 0, 1), Train(fast(doc, max_steps=10_000))], clock)
    serve(ch, chunk_seconds=0.0005)
    times = [t for t, snap in zip(ch.at, ch.sent, strict=True) if snap.test_errors]
    running = times[1:-1]
    assert len(running) >= 2
    assert np.diff(running).min() >= 0.05 / MAX_SHARE - 1e-9


def test_without_test_rows_nothing_of_them_is_sent():
    doc = heldout_doc()
    doc.test_inputs, doc.test_targets = np.zeros((0, 2)), np.zeros((0, 2))
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    snap = e.snapshot(full=True)
    assert snap.test_errors == () and snap.test_error is None and snap.test_outputs is None
    assert snap.test_accuracy is None and snap.test_confusion is None
    assert snap.accuracy is not None and snap.confusion.sum() == 12  # classes: the training rows


def test_without_classes_no_accuracy_is_sent():
    """A regression (sigmoid output, targets between 0 and 1, no class names): test error
    yes, accuracy no."""
    spec = NetworkSpec(
        [LayerSpec("x", 2), LayerSpec("h", 3, "sigmoid"), LayerSpec("y", 1, "sigmoid")], n_samples=6
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(2)
    doc.inputs, doc.targets = rng.normal(size=(6, 2)), rng.uniform(0.2, 0.8, (6, 1))
    doc.test_inputs, doc.test_targets = rng.normal(size=(3, 2)), rng.uniform(0.2, 0.8, (3, 1))
    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    snap = e.snapshot(full=True)
    assert snap.test_errors and snap.test_errors[0][0] == 0
    assert snap.scored and snap.accuracy is None and snap.confusion is None and snap.test_accuracy is None
