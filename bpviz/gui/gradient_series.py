"""The gradient health of the steps the session has seen, for the Gradients plot: per weight
layer j (into layer j + 1), the mean |δ| and ‖∂E/∂W‖ of a step (``bpviz.core.gradient_health``),
each a bounded :class:`~bpviz.gui.error_history.Record`, so the plot decimates them as the
error plot does its curves and memory stays flat however long the run.

Where the points come from: while training, the training process sends one at most ~30 times
a second (``Snapshot.gradients``; the controller hands them to :meth:`GradientSeries.add`); a
hand step adds the one of the step it applied, read off its trace (:meth:`add_trace`, from
``Session.next``). A point at step n is the gradient step n used: its rows at the weights after
step n − 1, the same pass as step n's error on the error plot.

It belongs to the error history it goes with: a new history (another document, an undone
network change) clears it, a history cut back (the stepper going back, training adopted at an
earlier step) cuts it back to the step after the history's last, and a history cleared (Reset)
clears it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from bpviz.core.gradient_health import SERIES, Health, of_pass
from bpviz.core.iteration.phases import Trace
from bpviz.gui.error_history import TEST_BUCKETS, TEST_EXACT, Record

__all__ = ["GradientSeries", "SERIES", "EXACT", "BUCKETS"]

# points come at most ~30 a second: the newest 10,000 of each series exact (5 minutes of a
# run), older ones in 4,000 buckets; 0.4 MB a series at most
EXACT, BUCKETS = TEST_EXACT, TEST_BUCKETS


class GradientSeries(QObject):
    """``records[what][j]``: the Record of series ``what`` ("delta": mean |δ|, "grad":
    ‖∂E/∂W‖) of weight layer j; ``names[j]`` the name of layer j + 1."""

    changed = Signal()

    def __init__(self, session) -> None:
        super().__init__(session)
        self.session = session
        self._history = None
        self._seen_n = 0
        self.names: list[str] = []
        self.records: dict[str, list[Record]] = {}
        self.revision = 0  # counts every change (the plot redraws when it moves)
        self._reset()
        session.documentChanged.connect(self._on_document)
        session.historyChanged.connect(self._on_history)

    # -- reading ---------------------------------------------------------------------------
    @property
    def L(self) -> int:
        return len(self.names)

    def __len__(self) -> int:
        """Points held (exact ones and buckets) in the first layer's mean |δ|."""
        return len(self.records["delta"][0]) if self.L else 0

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for rs in self.records.values() for r in rs)

    @property
    def max_nbytes(self) -> int:
        return sum(r.max_nbytes for rs in self.records.values() for r in rs)

    @property
    def last_step(self) -> int:
        return self.records["delta"][0].last_step if self.L else 0

    def latest(self) -> tuple[int, Health] | None:
        """The newest exact point (None: none)."""
        if not self.L:
            return None
        r = self.records["delta"][0]
        if not len(r.steps):
            return None
        step = int(r.steps[-1])
        return step, Health(
            np.array([float(x.values[-1]) for x in self.records["delta"]]),
            np.array([float(x.values[-1]) for x in self.records["grad"]]),
        )

    # -- changes ---------------------------------------------------------------------------
    def add(self, points) -> None:
        """(step, Health) points, in increasing steps, replacing any at or after the first."""
        points = [(int(n), h) for n, h in points if h.L == self.L]
        if not points:
            return
        steps = np.array([n for n, _ in points], dtype=np.int64)
        if len(self) and steps[0] <= self.last_step:
            self._truncate(int(steps[0]) - 1)
        for what in SERIES:
            values = np.array([getattr(h, what) for _, h in points], dtype=np.float64)  # (n, L)
            for j, r in enumerate(self.records[what]):
                r.append(steps, values[:, j])
        self._changed()

    def add_trace(self, step: int, trace: Trace) -> None:
        """The point of a step the stepper applied: its trace's pass (the values its phase
        list reveals)."""
        h = of_pass(trace.p)
        if np.isfinite(h.delta).all() and np.isfinite(h.grad).all():
            self.add([(step, h)])

    def clear(self) -> None:
        self._reset()
        self._changed()

    def _reset(self) -> None:
        net = self.session.network
        self.names = list(net.names[1:])
        self.records = {what: [Record(EXACT, BUCKETS) for _ in self.names] for what in SERIES}
        self._history = self.session.history
        self._seen_n = self._history.n

    def _truncate(self, step: int) -> None:
        for rs in self.records.values():
            for r in rs:
                r.truncate(step)

    def _changed(self) -> None:
        self.revision += 1
        self.changed.emit()

    # -- following the session ---------------------------------------------------------------
    def _on_document(self) -> None:
        """Another document or an undone network change (a new history), or another layer
        structure: the points are of another network."""
        net = self.session.network
        if self.session.history is not self._history or list(net.names[1:]) != self.names:
            self.clear()

    def _on_history(self) -> None:
        h = self.session.history
        if h is not self._history:
            self.clear()
            return
        n, seen = h.n, self._seen_n
        self._seen_n = n
        if n == 0 and seen > 0:  # Reset (or back to step 0)
            if len(self):
                self.clear()
            return
        if len(self) and self.last_step > n + 1:
            self._truncate(n + 1)
            self._changed()
