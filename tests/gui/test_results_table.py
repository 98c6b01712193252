"""The results table while training a 1,000-row network: it announces and reads only the rows
on screen (a model/view), its column widths are fixed, and paused it shows the core's values
(``Network.outputs``, ``Loss.per_sample``) for the stepper's weights. Nothing here is timed."""

from __future__ import annotations

import numpy as np
import pytest

from bpviz.core.build import LayerSpec, NetworkSpec, build_document
from bpviz.core.numbers import fmt
from bpviz.gui.results import ResultsTable

FAST = {"speed": None, "stop_error": None}


def big_doc(n: int = 1000):
    """2-8-1 with ``n`` seeded samples of two noisy classes."""
    spec = NetworkSpec(
        [LayerSpec("i", 2), LayerSpec("h", 8, "sigmoid"), LayerSpec("o", 1, "sigmoid")], n_samples=n
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(3)
    cls = rng.integers(0, 2, n)
    doc.inputs = np.array([[-1.0, -1.0], [1.0, 1.0]])[cls] + 0.4 * rng.normal(size=(n, 2))
    doc.targets = cls[:, None].astype(float)
    return doc


@pytest.fixture
def table(qtbot, make_controller):
    s, c = make_controller("big", "process", doc=big_doc())
    t = ResultsTable(s, c)
    qtbot.addWidget(t)
    t.resize(500, 300)
    t.show()
    qtbot.waitExposed(t)
    return s, c, t


def test_training_announces_and_reads_only_the_visible_rows(qtbot, table, wait_state):
    s, c, t = table
    m = t.model_
    assert m.rowCount() == 1000
    first, last = t.visible_rows()
    shown = last - first + 1
    assert 0 < shown < 50
    ranges = []
    m.dataChanged.connect(lambda a, b, roles: ranges.append((a.row(), b.row())))
    snaps = []
    c.snapshotApplied.connect(snaps.append)
    reads_before = m.reads
    c.update_settings(**FAST)
    c.train()
    qtbot.waitUntil(lambda: len(ranges) >= 3 and len(snaps) >= 10, timeout=30_000)
    c.pause()
    wait_state(c, "paused")
    # every announcement covers the rows on screen, never the 1,000
    assert all(a == first and b <= last for a, b in ranges)
    # and the view read at most a screenful of cells per announcement (plus the paint at
    # the pause): bounded by what is on screen, not by the samples
    per_screen = shown * m.columnCount()
    assert m.reads - reads_before <= 3 * per_screen * (len(ranges) + 1)
    # throttled: fewer table refreshes than snapshots while running
    running = [x for x in snaps if x.state == "running"]
    assert len(ranges) <= len(running)


def test_column_widths_are_fixed_while_training(qtbot, table, wait_state):
    s, c, t = table
    widths = [t.columnWidth(i) for i in range(t.model_.columnCount())]
    c.update_settings(max_steps=3000, **FAST)
    c.train()
    wait_state(c, "finished")
    assert [t.columnWidth(i) for i in range(t.model_.columnCount())] == widths


def test_paused_it_shows_the_cores_values(qtbot, table, wait_state):
    s, c, t = table
    c.update_settings(**FAST)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 200, timeout=30_000)
    c.pause()
    wait_state(c, "paused")
    m = t.model_
    # "#", x1, x2, (class, predicted, ✓ where accuracy applies,) target, out, error
    col_out = next(i for i, h in enumerate(m.heads) if h.startswith("out "))
    col_err = m.heads.index("error")
    out = s.network.outputs(s.doc.inputs)
    per = s.doc.network.loss.per_sample(out, s.doc.targets)
    for r in (0, 1, 499, 999):
        assert m.data(m.index(r, col_out)) == fmt(out[r, 0], 4)
        assert m.data(m.index(r, col_err)) == fmt(per[r], 4)
        assert m.data(m.index(r, 1)) == fmt(s.doc.inputs[r, 0], 4)
    # the stepper moves on: the table follows the stepper's weights
    c.stop()
    s.set_phase(s.last_index)
    s.next()
    out = s.network.outputs(s.doc.inputs)
    assert m.data(m.index(999, col_out)) == fmt(out[999, 0], 4)
