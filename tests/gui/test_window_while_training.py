"""While training, the window's work per snapshot stays bounded: only the canvas builds the
iteration's trace (a 784-128-10 one costs a few ms), at its own rate; the canvas refreshes only
as often as its measured cost allows and draws fewer edges of a big layer; the process uses one
BLAS thread. Nothing here is timed: costs are set by hand or counted (benchmarks/bench_stall.py
measures the times)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from bpviz.core.presets import load_preset
from bpviz.gui.canvas.view import TRAINING_SHARE
from bpviz.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, settings):
    made = []

    def make(doc, name="net"):
        w = MainWindow(doc, name, settings=settings)
        qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.session.mark_saved(w.session.source)
        w.training.shutdown()


def adopt(s, step):
    """A training snapshot's parameters, as the controller hands them to the session."""
    w = [a + 0.001 * step for a in s.network.weights]
    b = None if s.network.biases is None else list(s.network.biases)
    s.adopt_parameters(w, b, step, forget_after=False)


def test_only_the_canvas_builds_the_trace_while_training_at_its_own_rate(window, monkeypatch):
    w = window(load_preset("xor"), "xor")
    s, v = w.session, w.canvas
    s.set_training(True)
    QApplication.processEvents()
    adopt(s, 0)
    v._next_refresh = time.perf_counter() + 1000  # as if the canvas were very slow: it waits
    built = []
    make = s._make_trace
    monkeypatch.setattr(s, "_make_trace", lambda: built.append(s.step) or make())
    for step in range(1, 20):
        adopt(s, step)
        QApplication.processEvents()
    w.canvas.viewport().repaint()
    assert built == []  # the status bar, the plot, the results, the inspector: none built it
    assert "training" in w._status.text() and f"step {s.step:,}" in w._status.text()
    s.set_training(False)  # the pause: the stepper shows this iteration, from its trace
    QApplication.processEvents()
    assert built == [19]
    assert "phase 1/" in w._status.text()


def test_a_costly_canvas_refreshes_by_its_cost_and_ends_on_the_latest_weights(window):
    w = window(load_preset("mazur"), "mazur")
    s, v = w.session, w.canvas
    s.set_training(True)
    QApplication.processEvents()
    v._refresh_ms, v._paint_ms = 0.0, 100.0  # as if a paint cost 100 ms
    v._next_refresh = 0.0
    adopt(s, 1)  # its turn: shown at once, and the next turn 4 × 100 ms later
    t = time.perf_counter()
    assert v._refresh_key[3] == 1
    assert v._next_refresh >= t + 0.1 / TRAINING_SHARE - 0.05
    v._next_refresh = t + 1000  # (the test's clock stands still)
    for step in range(2, 30):
        adopt(s, step)
        QApplication.processEvents()
        assert v._refresh_key[3] == 1  # not its turn: the canvas still shows step 1 …
    assert v._later.isActive()  # … and waits for its turn, which shows the latest weights
    v._next_refresh = 0.0
    v._later.timeout.emit()
    assert v._refresh_key[3] == 29


def test_a_big_layer_draws_fewer_edges_while_training_and_all_of_its_budget_after(window, qtbot):
    from bpviz.core.build import LayerSpec, NetworkSpec, build_document
    from bpviz.gui.canvas.edges import EDGE_BUDGET, EDGE_BUDGET_TRAINING

    layers = [LayerSpec("x", 784), LayerSpec("h", 128, "sigmoid"), LayerSpec("y", 10, "sigmoid")]
    doc, _ = build_document(NetworkSpec(layers, n_samples=4))
    rng = np.random.default_rng(3)
    doc.inputs = rng.uniform(size=(4, 784))
    w = window(doc)
    s, v = w.session, w.canvas
    v.set_dense_style("edges")  # (automatic draws a layer this wide as its weight matrix)
    assert len(v._shown[0]) == EDGE_BUDGET
    s.set_training(True)  # (the canvas may wait for its turn)
    qtbot.waitUntil(lambda: len(v._shown[0]) == EDGE_BUDGET_TRAINING < EDGE_BUDGET, timeout=5000)
    assert v._notes[0].toPlainText().endswith("while training")
    s.set_training(False)
    QApplication.processEvents()
    assert len(v._shown[0]) == EDGE_BUDGET
    assert "while training" not in v._notes[0].toPlainText()


def test_the_window_process_uses_one_blas_thread_once_it_trains_unless_the_user_says(monkeypatch):
    from threadpoolctl import threadpool_info, threadpool_limits

    from bpviz.gui.training.worker import WINDOW_BLAS_THREADS
    from bpviz.gui.training.worker import limit_window_blas as limit_blas

    def blas_threads():
        return {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}

    if not blas_threads():
        pytest.skip("numpy has no BLAS that threadpoolctl knows here")
    with threadpool_limits(2, user_api="blas"):
        for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
            monkeypatch.delenv(v, raising=False)
        before = blas_threads()
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        limit_blas()  # the user's setting wins
        assert blas_threads() == before
        monkeypatch.delenv("OMP_NUM_THREADS")
        limit_blas()
        assert blas_threads() == {WINDOW_BLAS_THREADS}
