"""Every sample's input, target, current output and error, live while training."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from bpviz.core.numbers import fmt
from bpviz.core.training import MAX_RESULT_ROWS
from bpviz.gui.session import Session

__all__ = ["ResultsTable"]


class ResultsTable(QTableWidget):
    def __init__(self, session: Session, controller=None, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.setToolTip(
            "Each sample with the network's current output and its error "
            "(½Σ(t − o)², Σ(t − o)² or the mean, as the network's loss says)"
        )
        session.documentChanged.connect(self._rebuild)
        session.traceChanged.connect(self._from_session)
        if controller is not None:
            controller.snapshotApplied.connect(self._from_snapshot)
        self._rebuild()

    def _rebuild(self) -> None:
        d = self.session.doc
        net = d.network
        lab = net.labels
        ins = lab.neurons[0][:6]
        outs = lab.neurons[-1][:6]
        self._ni, self._no = len(ins), len(outs)
        heads = ["#"] + list(ins) + [f"target {o}" for o in outs] + [f"out {o}" for o in outs] + ["error"]
        self.setColumnCount(len(heads))
        self.setHorizontalHeaderLabels(heads)
        rows = min(d.n_samples, MAX_RESULT_ROWS)
        self.setRowCount(rows)
        for r in range(rows):
            self._set(r, 0, str(r + 1))
            for i in range(self._ni):
                self._set(r, 1 + i, fmt(d.inputs[r, i], 4))
            for i in range(self._no):
                self._set(r, 1 + self._ni + i, fmt(d.targets[r, i], 4))
        self._from_session()

    def _set(self, r: int, c: int, text: str, color: QColor | None = None) -> None:
        it = self.item(r, c)
        if it is None:
            it = QTableWidgetItem()
            it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.setItem(r, c, it)
        it.setText(text)
        if color is not None:
            it.setForeground(color)

    def _from_session(self) -> None:
        if self.session.training:
            return
        d = self.session.doc
        self._show(self.session.network.outputs(d.inputs[:MAX_RESULT_ROWS]))

    def _from_snapshot(self, snap) -> None:
        if snap.outputs is not None and len(snap.outputs) == self.rowCount():
            self._show(snap.outputs)

    def _show(self, out: np.ndarray) -> None:
        d = self.session.doc
        per = d.network.loss.per_sample(out, d.targets[: len(out)])
        self.setUpdatesEnabled(False)
        for r in range(len(out)):
            for i in range(self._no):
                self._set(r, 1 + self._ni + self._no + i, fmt(out[r, i], 4))
            self._set(r, self.columnCount() - 1, fmt(per[r], 4))
        self.setUpdatesEnabled(True)
        self.resizeColumnsToContents()
