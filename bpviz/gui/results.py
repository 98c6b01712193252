"""Every sample's input, target, current output and error, live while training; with
classes, each row's true and predicted class and whether it is right; the test rows (data.test,
never trained on) after the training rows, headed "test 1", "test 2", … and tinted; and the
confusion matrix of the training or of the test rows (``ResultsPanel``).

A model/view: ``ResultsModel`` holds the numbers (inputs and targets from the document,
outputs from ``Network.outputs`` or a training snapshot, each row's E from
``Loss.per_sample``, classes from ``bpviz.core.classify``) and formats a cell only when the view
asks for it, which a view does only for the rows on screen. While training, snapshots are taken
at most ``REFRESH_HZ`` times a second and announce ``dataChanged`` for the visible rows only;
column widths are fixed from the font (never measured from the cells per update). When training
pauses or stops the table shows the core's values for the stepper's weights. The confusion
matrix reads ``Session.scores`` (the training process's while it runs)."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpviz.core import classify
from bpviz.core.numbers import fmt
from bpviz.core.training import MAX_RESULT_ROWS
from bpviz.gui.session import Session
from bpviz.gui.theme import FORWARD, NEGATIVE, THEMES

__all__ = ["ResultsTable", "ResultsModel", "ResultsPanel", "ConfusionMatrix", "REFRESH_HZ"]

REFRESH_HZ = 4.0  # while training, the table follows the outputs at most this often
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_CENTRE = int(Qt.AlignmentFlag.AlignCenter)
_WIDEST = "-0.00000e-00"  # the widest number fmt(v, 4) writes, for the fixed column width
# a test row's tint and its header's colour: the data editor's (panels/data_editor/model.py)
TEST_BG = {"light": "#E4ECF5", "dark": "#243447"}
TEST_TEXT = {"light": "#1F4E79", "dark": "#9CC3E8"}
RIGHT, WRONG = "✓", "✗"


class ResultsModel(QAbstractTableModel):
    """The table's numbers; ``reads`` counts the cells the view asked for (tests). Rows: the
    first MAX_RESULT_ROWS training rows, then the first MAX_RESULT_ROWS test rows."""

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.reads = 0
        self.heads: list[str] = []
        self._ni = self._no = 0
        self.columns: list[tuple[str, int]] = []
        self._live = 0  # the first column that changes with the weights
        self._rows = 0  # training rows shown
        self._test_rows = 0  # test rows shown, after them
        self.classed = False  # are there class columns (accuracy applies)?
        self.names: list[str] = []
        self._true = np.empty(0, np.int64)  # each row's true class (training, then test)
        self._targets = np.empty((0, 0))
        self.outputs: np.ndarray | None = None  # training rows, then test rows
        self.per_sample: np.ndarray | None = None
        self.predicted: np.ndarray | None = None

    def rebuild(self) -> None:
        """A new network or new data: new columns and rows."""
        self.beginResetModel()
        d = self.session.doc
        lab = d.network.labels
        n_raw = d.inputs.shape[1]  # the data's raw inputs (derived features are not data)
        ins, outs = lab.neurons[0][: min(6, n_raw)], lab.neurons[-1][:6]
        self._ni, self._no = len(ins), len(outs)
        self.classed = classify.applies(d)
        # each column: (what, index): the row, an input, (the class columns,) a target, an
        # output, the row's error
        cols = [("row", 0)] + [("in", i) for i in range(len(ins))]
        heads = ["#"] + list(ins)
        if self.classed:  # right after the inputs: what a class reads first
            cols += [("class", 0), ("predicted", 0), ("right", 0)]
            heads += ["class", "predicted", RIGHT]
        cols += [("target", i) for i in range(len(outs))] + [("out", i) for i in range(len(outs))]
        heads += [f"target {o}" for o in outs] + [f"out {o}" for o in outs]
        cols.append(("error", 0))
        heads.append("error")
        self.columns, self.heads = cols, heads
        self._live = next(i for i, (kind, _) in enumerate(cols) if kind in ("predicted", "out"))
        self._rows = min(d.n_samples, MAX_RESULT_ROWS)
        self._test_rows = min(d.n_test, MAX_RESULT_ROWS)
        self._inputs = np.vstack([d.inputs[: self._rows], d.test_inputs[: self._test_rows]])
        self._targets = np.vstack([d.targets[: self._rows], d.test_targets[: self._test_rows]])
        self.names = classify.class_names(d)
        self._true = classify.true_classes(d, self._targets) if self.classed else np.empty(0, np.int64)
        self.outputs = self.per_sample = self.predicted = None
        self.endResetModel()

    @property
    def train_rows(self) -> int:
        return self._rows

    @property
    def test_rows(self) -> int:
        return self._test_rows

    def is_test(self, r: int) -> bool:
        return r >= self._rows

    def set_outputs(self, out: np.ndarray, test_out: np.ndarray | None = None) -> bool:
        """New outputs for the training rows shown (and the test rows; None: keep theirs),
        their E from the core's loss and their predicted class; False when they do not fit
        the table (a snapshot of another network)."""
        if out is None or len(out) != self._rows:
            return False
        if self._test_rows:
            if test_out is None or len(test_out) != self._test_rows:
                if self.outputs is None:
                    test_out = np.full((self._test_rows, out.shape[1]), np.nan)
                else:
                    test_out = self.outputs[self._rows :]
            out = np.vstack([out, test_out])
        d = self.session.doc
        self.outputs = out
        self.per_sample = d.network.loss.per_sample(out, self._targets)
        if self.classed:
            self.predicted = classify.predict(d, out)
        return True

    def changed(self, first: int, last: int) -> None:
        """The outputs and errors of rows first…last changed (the visible ones)."""
        if self.rowCount() and last >= first:
            self.dataChanged.emit(
                self.index(first, self._live),
                self.index(last, len(self.heads) - 1),
                [Qt.ItemDataRole.DisplayRole],
            )

    # -- QAbstractTableModel ---------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt's names
        return 0 if parent.isValid() else self._rows + self._test_rows

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.heads)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.heads):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.heads[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return _HEAD_TIPS.get(self.heads[section])
        return None

    def row_name(self, r: int) -> str:
        """ "7" for a training row, "test 3" for a test row."""
        return f"test {r - self._rows + 1}" if self.is_test(r) else str(r + 1)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        R = Qt.ItemDataRole
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        kind, i = self.columns[c]
        if role == R.TextAlignmentRole:
            return _CENTRE if kind == "right" else _RIGHT
        if role == R.BackgroundRole:
            return QColor(TEST_BG[self.session.theme]) if self.is_test(r) else None
        if role == R.ForegroundRole:
            if kind == "right" and self.predicted is not None:
                return QColor(FORWARD if self.predicted[r] == self._true[r] else NEGATIVE)
            return QColor(TEST_TEXT[self.session.theme]) if c == 0 and self.is_test(r) else None
        if role == R.ToolTipRole and c == 0 and self.is_test(r):
            return f"Test row {r - self._rows + 1}: held out, never trained on"
        if role != R.DisplayRole:
            return None
        self.reads += 1
        if kind == "row":
            return self.row_name(r)
        if kind == "in":
            return fmt(self._inputs[r, i], 4)
        if kind == "target":
            return fmt(self._targets[r, i], 4)
        if kind == "class":
            return self.names[self._true[r]]
        if self.outputs is None:
            return ""
        if kind == "out":
            return fmt(self.outputs[r, i], 4)
        if kind == "error":
            return fmt(self.per_sample[r], 4)
        if self.predicted is None or not np.isfinite(self.outputs[r]).all():
            return ""
        if kind == "predicted":
            return self.names[self.predicted[r]]
        return RIGHT if self.predicted[r] == self._true[r] else WRONG


_HEAD_TIPS = {
    "#": "The sample's row in the data; test 1, test 2, … are the held-out test rows (tinted)",
    "error": "The row's error, as the network's loss says",
    "class": "The row's true class (from its target)",
    "predicted": "The class the network's output names (the largest output, or one output "
    "against its threshold)",
    RIGHT: "✓: the predicted class is the true one; ✗: it is not",
}


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
            "Each sample with the network's current output and its error (as the network's "
            "loss says); with classes, the true and the predicted class and ✓ or ✗. The test "
            "rows (test 1, …, tinted) come last: held out, never trained on"
        )
        self._pending: tuple | None = None  # a snapshot's outputs (training, test) not shown yet
        self._shown_t = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._show_pending)
        session.documentChanged.connect(self._rebuild)
        session.displayChanged.connect(self._on_display)
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
        m = self.model_
        first = str(m.train_rows) if not m.test_rows else f"test {m.test_rows}"
        name = max((fm.horizontalAdvance(n) for n in m.names), default=0) + pad
        for c, (h, (kind, _)) in enumerate(zip(m.heads, m.columns, strict=True)):
            w = {"row": fm.horizontalAdvance(first) + pad, "class": name, "predicted": name}.get(kind, num)
            if kind == "right":
                w = fm.horizontalAdvance(WRONG) + pad
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
        net = self.session.network
        test = net.outputs(d.test_inputs[:MAX_RESULT_ROWS]) if d.n_test else None
        if self.model_.set_outputs(net.outputs(d.inputs[:MAX_RESULT_ROWS]), test):
            self._refresh_visible()

    def _from_snapshot(self, snap) -> None:
        if snap.outputs is None or len(snap.outputs) != self.model_.train_rows:
            return
        self._pending = (snap.outputs, getattr(snap, "test_outputs", None))
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
        if out is not None and self.model_.set_outputs(*out):
            self._shown_t = time.perf_counter()
            self._refresh_visible()

    def _on_display(self) -> None:
        """The theme may have changed: the test rows' tint follows."""
        self.viewport().update()

    def _refresh_visible(self) -> None:
        if self.isVisible():
            self.model_.changed(*self.visible_rows())
        # a hidden table repaints from the model when it is shown: nothing to announce


class ConfusionMatrix(QWidget):
    """The confusion matrix of the training or of the test rows (a switch): rows the true
    class, columns the predicted one, the class names as headers, counts in the cells (the
    diagonal, right, tinted green and bold; wrong ones that occur, vermillion). It reads
    ``Session.scores`` and computes nothing."""

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("confusion")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("Confusion of")
        top.addWidget(self.title)
        self.which = QComboBox()
        self.which.addItems(["training rows", "test rows"])
        self.which.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.which.setToolTip("Count the training rows, or the held-out test rows")
        self.which.currentIndexChanged.connect(self.refresh)
        top.addWidget(self.which)
        top.addStretch(1)
        lay.addLayout(top)
        # "210 of 210 right · rows: true class, columns: predicted" (wraps in a narrow dock)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setToolTip(
            "Rows: the true class; columns: the class the network predicts. The diagonal "
            "counts the rows it gets right."
        )
        lay.addWidget(self.table, 1)
        self._shown: tuple | None = None
        session.scoresChanged.connect(self.refresh)
        session.traceChanged.connect(self.refresh)
        session.trainingChanged.connect(self.refresh)
        session.documentChanged.connect(self.refresh)
        session.displayChanged.connect(self._restyle)
        self.refresh()

    @property
    def applies(self) -> bool:
        return classify.applies(self.session.doc)

    def counts(self) -> np.ndarray | None:
        """The matrix shown: (k, k) counts, or None (no scores yet, or no test rows)."""
        sc = self.session.scores
        if sc is None:
            return None
        return sc.test_confusion if self.which.currentIndex() == 1 else sc.confusion

    def refresh(self, *_a) -> None:
        d = self.session.doc
        has_test = d.n_test > 0
        item = self.which.model().item(1)
        item.setEnabled(has_test)
        if not has_test and self.which.currentIndex() == 1:
            self.which.setCurrentIndex(0)  # (refresh again through the signal)
            return
        if not self.applies:
            self._shown = None
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            self.summary.setText("")
            return
        axes = "rows: true class, columns: predicted"
        names = classify.class_names(d)
        m = self.counts()
        key = (tuple(names), None if m is None else m.tobytes(), self.session.theme)
        if key == self._shown:
            return  # the same counts: nothing to redraw
        self._shown = key
        k = len(names)
        t = self.table
        if t.rowCount() != k or t.columnCount() != k:
            t.setRowCount(k)
            t.setColumnCount(k)
        t.setHorizontalHeaderLabels(names)
        t.setVerticalHeaderLabels(names)
        th = THEMES[self.session.theme]
        right_bg, wrong_bg = _tint(FORWARD, th.background), _tint(NEGATIVE, th.background)
        bold = QFont(self.font())
        bold.setBold(True)
        for i in range(k):
            for j in range(k):
                n = None if m is None else int(m[i, j])
                it = t.item(i, j)
                if it is None:
                    it = QTableWidgetItem()
                    it.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    t.setItem(i, j, it)
                it.setText("" if n is None else f"{n:,}")
                it.setToolTip(
                    ""
                    if n is None
                    else f"{n:,} {'row' if n == 1 else 'rows'} of class {names[i]} predicted as {names[j]}"
                )
                it.setFont(bold if i == j else self.font())
                if i == j:
                    it.setBackground(right_bg)
                elif n:
                    it.setBackground(wrong_bg)
                else:
                    it.setData(Qt.ItemDataRole.BackgroundRole, None)
        t.resizeColumnsToContents()
        t.resizeRowsToContents()
        # room for the header and up to four classes before the table scrolls
        rows = sum(t.rowHeight(i) for i in range(min(k, 4)))
        t.setMinimumHeight(t.horizontalHeader().height() + rows + 2 * t.frameWidth() + 2)
        if m is None:
            self.summary.setText(f"not counted between runs for data this large · {axes}")
        else:
            self.summary.setText(f"{int(np.trace(m)):,} of {int(m.sum()):,} right · {axes}")

    def _restyle(self) -> None:
        self._shown = None
        self.refresh()


def _tint(colour: str, background: str, share: float = 0.3) -> QColor:
    """``colour`` mixed into ``background``: a light tint that keeps the text readable."""
    a, b = QColor(colour), QColor(background)
    return QColor(
        round(b.red() + (a.red() - b.red()) * share),
        round(b.green() + (a.green() - b.green()) * share),
        round(b.blue() + (a.blue() - b.blue()) * share),
    )


class ResultsPanel(QWidget):
    """The Results dock: the table above, the confusion matrix below (only where accuracy
    applies), split so either can be given the room."""

    def __init__(self, session: Session, table: ResultsTable, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("results-panel")
        self.session = session
        self.table = table
        self.confusion = ConfusionMatrix(session)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(table)
        self.splitter.addWidget(self.confusion)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)
        session.documentChanged.connect(self._on_document)
        self._on_document()

    def _on_document(self) -> None:
        self.confusion.setVisible(self.confusion.applies)
