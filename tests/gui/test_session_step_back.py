"""Stepping back through past iterations: the session keeps their parameters in the bounded
step-back store (core.iteration.step_history) and rebuilds each trace, so going back gives
exactly the state of a straight run, within a memory budget whatever the network."""

from __future__ import annotations

import numpy as np

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.gui.session import Session


def straight(s: Session, iterations: int) -> list[tuple]:
    """Step forward through whole iterations; the parameters and error before each update."""
    seen = []
    for _ in range(iterations):
        seen.append(([w.copy() for w in s.network.weights], s.trace.error, s.step, list(s.trace.samples)))
        for _ in range(len(s.names)):
            s.next()
    return seen


def back_to_each(s: Session, seen: list[tuple], to_start: bool = True) -> None:
    for weights, error, step, rows in reversed(seen):
        for _ in range(len(s.names)):
            s.previous()
        assert s.step == step and s.phase_index == 0
        assert all(np.array_equal(a, b) for a, b in zip(s.network.weights, weights, strict=True))
        assert s.trace.error == error and list(s.trace.samples) == rows
    assert s.can_go_back() != to_start


def test_swap_online_back_through_every_iteration_bit_for_bit(qtbot):
    s = Session(load_preset("swap"), "swap")
    back_to_each(s, straight(s, 30))


def test_xor_batch_back_and_forth(qtbot):
    s = Session(load_preset("xor"), "xor")
    seen = straight(s, 12)
    back_to_each(s, seen[6:], to_start=False)
    again = straight(s, 6)
    assert [e for _, e, _, _ in again] == [e for _, e, _, _ in seen[6:]]


def test_784_128_10_keeps_200_iterations_within_the_budget(qtbot):
    rng = np.random.default_rng(5)
    net = Network(
        ["x", "h", "o"],
        [784, 128, 10],
        [make_activation("sigmoid")] * 2,
        [rng.normal(0, 0.05, (128, 784)), rng.normal(0, 0.3, (10, 128))],
        None,
        True,
        make_loss("half_sse"),
    )
    doc = Document(net, rng.uniform(size=(6, 784)), rng.uniform(size=(6, 10)), learning_rate=0.5)
    s = Session(doc, "big")
    seen = []
    for _ in range(200):
        seen.append([w.copy() for w in s.network.weights])
        s.set_phase(s.last_index)
        s.next()
    store = s._steps_back
    assert store.nbytes <= store.budget <= 100 * 2**20
    assert len(store) == 200
    for i in (199, 198, 150, 101, 40, 0):  # kept and replayed states alike
        while s.step > i:
            s.set_phase(0)
            s.previous()
        assert all(np.array_equal(a, b) for a, b in zip(s.network.weights, seen[i], strict=True))
    assert store.nbytes <= store.budget


def test_an_edit_forgets_the_way_back(qtbot):
    s = Session(load_preset("mazur"), "mazur")
    straight(s, 3)
    assert s.can_go_back()
    s.edit_parameter("edge", (0, 0, 0), 0.3)
    assert s.phase_index == 0 and not s.can_go_back()
