"""Adopting a training snapshot is cheap: the session takes the parameters and marks the
iteration's trace stale; the trace is built once, when a view reads it, from those weights."""

from __future__ import annotations

import numpy as np

from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.gui.session import Session


def test_adopting_snapshots_builds_no_trace_until_one_is_read(monkeypatch):
    s = Session(load_preset("swap"))
    s.set_training(True)
    built = []
    make = s._make_trace
    monkeypatch.setattr(s, "_make_trace", lambda: built.append(1) or make())
    w = [a + 0.1 for a in s.network.weights]
    b = None if s.network.biases is None else [a - 0.1 for a in s.network.biases]
    for step in range(1, 31):  # a second of snapshots at the frame rate
        s.adopt_parameters(w, b, step, forget_after=False)
    assert built == []
    tr = s.trace  # a view looks: one trace, of the adopted weights and step
    assert built == [1] and s.trace is tr
    ref = trace_step(s.doc, s.rows_for_step(30), network=s.network, learning_rate=s.learning_rate)
    np.testing.assert_array_equal(tr.weights_after[0], ref.weights_after[0])
    np.testing.assert_array_equal(tr.network.weights[1], w[1])
    assert s.phase_index == 0 and s.phase is tr.phases[0]
