"""Every sample's input, target, current output and error, live while training.

A model/view: ``ResultsModel`` holds the numbers (inputs and targets from the document,
outputs from ``Network.outputs`` or a training snapshot, each row's E from
``Loss.per_sample``) and formats a cell only when the view asks for it, which a view does
only for the rows on screen. While training, snapshots are taken at most ``REFRESH_HZ`` times
a second and announce ``dataChanged`` for the visible rows only; column widths are fixed from
the font (never measured from the cells per update). When training pauses or stops the table
shows the core's values for the stepper's weights."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from bpviz.core.numbers import fmt
from bpviz.core.training import MAX_RESULT_ROWS
from bpviz.gui.session import Session

__all__ = ["ResultsTable", "ResultsModel", "REFRESH_HZ"]

REFRESH_HZ = 4.0  # while training, the table follows the outputs at most this often
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_WIDEST = "-0.00000e-00"  # the widest number fmt(v, 4) writes, for the fixed column width


class ResultsModel(QAbstractTableModel):
    """The table's numbers; ``reads`` counts the cells the view asked for (tests)."""

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.reads = 0
        self.heads: list[str] = []
        self._ni = self._no = 0
        self._rows = 0
        self.outputs: np.ndarray | None = None
        self.per_sample: np.ndarray | None = None

    def rebuild(self) -> None:
        """A new network or new data: new columns and rows."""
        self.beginResetModel()
        d = self.session.doc
        lab = d.network.labels
        ins, outs = lab.neurons[0][:6], lab.neurons[-1][:6]
        self._ni, self._no = len(ins), len(outs)
        self.heads = (
            ["#"] + list(ins) + [f"target {o}" for o in outs] + [f"out {o}" for o in outs] + ["error"]
        )
        self._rows = min(d.n_samples, MAX_RESULT_ROWS)
        self.outputs = self.per_sample = None
        self.endResetModel()

    def set_outputs(self, out: np.ndarray) -> bool:
        """New outputs for the first rows (their E from the core's loss); False when they do
        not fit the table (a snapshot of another network)."""
        if out is None or len(out) != self._rows:
            return False
        d = self.session.doc
        self.outputs = out
        self.per_sample = d.network.loss.per_sample(out, d.targets[: len(out)])
        return True

    def changed(self, first: int, last: int) -> None:
        """The outputs and errors of rows first…last changed (the visible ones)."""
        if self._rows and last >= first:
            c0 = 1 + self._ni + self._no
            self.dataChanged.emit(
                self.index(first, c0), self.index(last, len(self.heads) - 1), [Qt.ItemDataRole.DisplayRole]
            )

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt's names
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.heads)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.heads[section] if 0 <= section < len(self.heads) else None
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        self.reads += 1
        r, c = index.row(), index.column()
        d = self.session.doc
        ni, no = self._ni, self._no
        if c == 0:
            return str(r + 1)
        if c <= ni:
            return fmt(d.inputs[r, c - 1], 4)
        if c <= ni + no:
            return fmt(d.targets[r, c - 1 - ni], 4)
        if self.outputs is None:
            return ""
        if c <= ni + 2 * no:
            return fmt(self.outputs[r, c - 1 - ni - no], 4)
        return fmt(self.per_sample[r], 4)


class ResultsTable(QTableView):
    """The results dock: a view of ``ResultsModel`` that refreshes only what is on screen."""

    def __init__(self, session: Session, controller=None, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.model_ = ResultsModel(session, self)
        self.setModel(self.model_)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setToolTip(
            "Each sample with the network's current output and its error "
            "(½Σ(t − o)², Σ(t − o)² or the mean, as the network's loss says)"
        )
        self._pending: np.ndarray | None = None  # a snapshot's outputs not shown yet
        self._shown_t = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_pending)
        session.documentChanged.connect(self._rebuild)
        session.traceChanged.connect(self._from_session)
        session.trainingChanged.connect(self._from_session)
        if controller is not None:
            controller.snapshotApplied.connect(self._from_snapshot)
        self._rebuild()

    def visible_rows(self) -> tuple[int, int]:
        """(first, last) rows on screen; (0, -1) when none."""
        n = self.model_.rowCount()
        if n == 0:
            return 0, -1
        first = self.rowAt(0)
        last = self.rowAt(self.viewport().height() - 1)
        first = 0 if first < 0 else first
        last = n - 1 if last < 0 else last
        return first, last

    def resizeColumnsToContents(self) -> None:  # noqa: N802 - Qt's name
        """Fixed widths from the font: the widest number or the header, whichever is wider
        (never measured from the cells, so it costs the same for 10 or 1,000 rows)."""
        fm = self.fontMetrics()
        hfm = self.horizontalHeader().fontMetrics()
        pad = 2 * fm.horizontalAdvance("0")
        num = fm.horizontalAdvance(_WIDEST) + pad
        for c, h in enumerate(self.model_.heads):
            w = fm.horizontalAdvance(str(self.model_.rowCount())) + pad if c == 0 else num
            self.setColumnWidth(c, max(w, hfm.horizontalAdvance(h) + pad))
        self.verticalHeader().setDefaultSectionSize(fm.height() + 6)

    def _rebuild(self) -> None:
        self._pending = None
        self.model_.rebuild()
        self.resizeColumnsToContents()
        self._from_session()

    def _from_session(self, *_a) -> None:
        """The stepper's weights (not while training: the snapshots show the run)."""
        if self.session.training:
            return
        self._pending = None
        self._timer.stop()
        d = self.session.doc
        if self.model_.set_outputs(self.session.network.outputs(d.inputs[:MAX_RESULT_ROWS])):
            self._refresh_visible()

    def _from_snapshot(self, snap) -> None:
        if snap.outputs is None or len(snap.outputs) != self.model_.rowCount():
            return
        self._pending = snap.outputs
        if snap.state != "running":
            self._show_pending()  # the end of a run: at once (the session follows it)
            return
        wait = self._shown_t + 1.0 / REFRESH_HZ - time.perf_counter()
        if wait <= 0:
            self._show_pending()
        elif not self._timer.isActive():
            self._timer.start(int(wait * 1000) + 1)

    def _show_pending(self) -> None:
        out, self._pending = self._pending, None
        if out is not None and self.model_.set_outputs(out):
            self._shown_t = time.perf_counter()
            self._refresh_visible()

    def _refresh_visible(self) -> None:
        if self.isVisible():
            self.model_.changed(*self.visible_rows())
        # a hidden table repaints from the model when it is shown: nothing to announce
