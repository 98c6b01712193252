"""The data editor (the "Data" dock): the samples as a table of inputs and targets.

Add, delete, copy and paste rows (a block from a spreadsheet grows the table as needed),
CSV import and export, and generators for lecture examples. Every cell is checked as it is
typed; a cell that is not a finite number keeps the user's text, turns red with the reason as
its tooltip, and the table is not applied until every cell is a number. Whenever it is, the
change is applied at once with ``session.set_data`` — one undo step per edit, paste, deletion,
generated set or import (rows added blank become one step when their last cell is filled).
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QColor, QKeySequence, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSpinBox,
    QStyledItemDelegate,
    QTableView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.datasets import (
    GENERATORS,
    MAX_ROWS,
    DataError,
    csv_header,
    generate,
    number_text,
    parse_pasted,
    read_csv,
    write_csv,
)
from bpviz.core.numbers import read_number
from bpviz.gui.session import Session

__all__ = ["DataEditor", "DataModel", "TwoClassDialog"]

EMPTY = "empty cell (type a number)"
BAD_BG = {"light": "#F6C9C3", "dark": "#6E2A24"}  # not a finite number
EMPTY_BG = {"light": "#FFF1BF", "dark": "#5A4B17"}  # still to fill in
BAD_TEXT = {"light": "#B42318", "dark": "#FF8A7A"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class DataModel(QAbstractTableModel):
    """The table's content: the numbers (an (M, n_in + n_out) array) and, for each cell that
    is not a finite number, the user's text and the reason. Views read it, never the session."""

    edited = Signal(str)  # a change made by the user; the text describes it (for undo)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._values = np.zeros((0, 0))
        self._bad: dict[tuple[int, int], tuple[str, str]] = {}  # (row, col) -> (text, reason)
        self._bad_rows: dict[int, int] = {}
        self.names: list[str] = []
        self.tips: list[str] = []
        self.n_in = 0
        self.theme = "light"

    # -- content ---------------------------------------------------------------------------
    def load(self, inputs: np.ndarray, targets: np.ndarray, input_names, output_names) -> None:
        self.beginResetModel()
        self._values = np.hstack([np.asarray(inputs, float), np.asarray(targets, float)])
        self._bad.clear()
        self._bad_rows.clear()
        self.n_in = len(input_names)
        self.names = [str(n) for n in input_names] + [f"target {o}" for o in output_names]
        self.tips = [f"Input {n}: the value fed to input neuron {n}" for n in input_names] + [
            f"Target for output {o}: what output neuron {o} should give for this sample"
            for o in output_names]
        self.endResetModel()

    @property
    def width(self) -> int:
        return len(self.names)

    @property
    def n_rows(self) -> int:
        return int(self._values.shape[0])

    def values(self) -> np.ndarray:
        return self._values.copy()

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        return self._values[:, : self.n_in].copy(), self._values[:, self.n_in:].copy()

    @property
    def bad(self) -> dict[tuple[int, int], tuple[str, str]]:
        return dict(self._bad)

    def is_valid(self) -> bool:
        return not self._bad

    def first_bad(self, typed: bool = False) -> tuple[int, int, str, str] | None:
        """The first cell that is not a number (``typed``: not counting empty cells)."""
        keys = [k for k, v in self._bad.items() if v[1] != EMPTY] if typed else self._bad
        if not keys:
            return None
        r, c = min(keys)
        return r, c, *self._bad[(r, c)]

    def n_empty(self) -> int:
        return sum(1 for v in self._bad.values() if v[1] == EMPTY)

    def cell_text(self, r: int, c: int) -> str:
        b = self._bad.get((r, c))
        return b[0] if b is not None else number_text(self._values[r, c])

    def _recount(self) -> None:
        rows: dict[int, int] = {}
        for (r, _c), (_text, reason) in self._bad.items():
            if reason != EMPTY:  # empty cells of new rows are shaded, not marked as wrong
                rows[r] = rows.get(r, 0) + 1
        self._bad_rows = rows

    def _put(self, r: int, c: int, text: str) -> bool:
        """Set one cell from text; True when it changed."""
        text = str(text)
        if text.strip() == self.cell_text(r, c) and (r, c) not in self._bad:
            return False
        try:
            v = read_number(text)
        except ValueError as e:
            new = (text, str(e))
            if self._bad.get((r, c)) == new:
                return False
            self._bad[(r, c)] = new
            return True
        old_bad = self._bad.pop((r, c), None)
        old = self._values[r, c]
        self._values[r, c] = v
        return old_bad is not None or old != v or np.signbit(old) != np.signbit(v)

    def set_cells(self, r0: int, c0: int, block: list[list[str]]) -> int:
        """Write a block of texts at (r0, c0), adding blank rows at the end as needed; cells
        past the last column are an error (ValueError). Returns the number of rows added."""
        if not block:
            return 0
        wide = max(len(row) for row in block)
        if c0 + wide > self.width:
            room = self.width - c0
            raise ValueError(
                f"the block is {_plural(wide, 'column')} wide, but from column "
                f"{self.names[c0]} there is room for {room}")
        added = max(0, r0 + len(block) - self.n_rows)
        if added:
            if self.n_rows + added > MAX_ROWS:
                raise ValueError(f"more than {MAX_ROWS:,} rows (bpviz's limit)")
            self.insert_blank_rows(self.n_rows, added)
        for i, row in enumerate(block):
            for j, text in enumerate(row):
                self._put(r0 + i, c0 + j, text)
        self._recount()
        self.dataChanged.emit(self.index(r0, c0), self.index(r0 + len(block) - 1, c0 + wide - 1))
        self.headerDataChanged.emit(Qt.Orientation.Vertical, r0, r0 + len(block) - 1)
        return added

    def insert_blank_rows(self, at: int, count: int) -> None:
        """Rows with every cell empty (to be filled in: not applied until they are)."""
        if count <= 0:
            return
        at = max(0, min(at, self.n_rows))
        self.beginInsertRows(QModelIndex(), at, at + count - 1)
        self._values = np.insert(self._values, [at] * count, 0.0, axis=0) if self.n_rows else \
            np.zeros((count, self.width))
        bad = {((r + count if r >= at else r), c): v for (r, c), v in self._bad.items()}
        for r in range(at, at + count):
            for c in range(self.width):
                bad[(r, c)] = ("", EMPTY)
        self._bad = bad
        self._recount()
        self.endInsertRows()

    def remove_rows(self, rows) -> None:
        rows = sorted({int(r) for r in rows if 0 <= int(r) < self.n_rows})
        if not rows:
            return
        # contiguous runs, from the bottom up, so the view keeps its place
        runs: list[list[int]] = []
        for r in rows:
            if runs and r == runs[-1][1] + 1:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        for a, b in reversed(runs):
            self.beginRemoveRows(QModelIndex(), a, b)
            self._values = np.delete(self._values, np.s_[a:b + 1], axis=0)
            n = b - a + 1
            self._bad = {((r - n if r > b else r), c): v for (r, c), v in self._bad.items()
                         if not a <= r <= b}
            self._recount()
            self.endRemoveRows()

    def refresh_colours(self, theme: str) -> None:
        self.theme = theme
        if self.n_rows and self.width:
            self.dataChanged.emit(self.index(0, 0), self.index(self.n_rows - 1, self.width - 1))

    # -- Qt model interface ------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008 - Qt's names
        return 0 if parent.isValid() else self.n_rows

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else self.width

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemIsEditable

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r, c = index.row(), index.column()
        R = Qt.ItemDataRole
        if role in (R.DisplayRole, R.EditRole):
            return self.cell_text(r, c)
        if role == R.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        b = self._bad.get((r, c))
        if role == R.BackgroundRole and b is not None:
            return QColor((EMPTY_BG if b[1] == EMPTY else BAD_BG)[self.theme])
        if role == R.ToolTipRole:
            what = self.names[c] if c < self.n_in else self.names[c].replace("target ", "the "
                                                                             "target for ")
            if b is not None:
                return f"Sample {r + 1}, {what}: {b[1]}. Not applied until it is a number."
            return f"Sample {r + 1}, {what}: {number_text(self._values[r, c])}"
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        r, c = index.row(), index.column()
        if not self._put(r, c, "" if value is None else str(value)):
            return False
        self._recount()
        self.dataChanged.emit(index, index)
        self.headerDataChanged.emit(Qt.Orientation.Vertical, r, r)
        self.edited.emit(f"Edit {self.names[c]} of sample {r + 1}")
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        R = Qt.ItemDataRole
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < self.width:
                return None
            if role == R.DisplayRole:
                return self.names[section]
            if role == R.ToolTipRole:
                return self.tips[section]
            return None
        if not 0 <= section < self.n_rows:
            return None
        n_bad = self._bad_rows.get(section, 0)
        if role == R.DisplayRole:
            return f"{section + 1} ✗" if n_bad else str(section + 1)
        if role == R.ForegroundRole and n_bad:
            return QColor(BAD_TEXT[self.theme])
        if role == R.ToolTipRole:
            if n_bad:
                return f"Sample {section + 1}: {_plural(n_bad, 'cell')} to fix"
            return f"Sample {section + 1} (click to select the row)"
        return None


class _CellDelegate(QStyledItemDelegate):
    """Checks the text while it is typed: the editor turns red with the reason as tooltip."""

    def __init__(self, editor: DataEditor) -> None:
        super().__init__(editor)
        self._editor = editor
        self.open_editor: QWidget | None = None

    def createEditor(self, parent, option, index):  # noqa: N802 - Qt's name
        ed = super().createEditor(parent, option, index)
        self.open_editor = ed
        ed.destroyed.connect(lambda _=None: setattr(self, "open_editor", None))
        if isinstance(ed, QLineEdit):
            ed.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            pidx = QPersistentModelIndex(index)
            ed.textEdited.connect(lambda text, ed=ed, p=pidx: self._check(ed, text, p))
        return ed

    def paint(self, painter, option, index) -> None:
        super().paint(painter, option, index)
        b = self._editor.model._bad.get((index.row(), index.column()))
        if b is not None and b[1] != EMPTY:
            painter.save()
            pen = QPen(QColor(BAD_TEXT[self._editor.model.theme]))
            pen.setWidth(2)
            painter.setPen(pen)
            painter.drawRect(option.rect.adjusted(1, 1, -2, -2))
            painter.restore()

    def _check(self, ed: QLineEdit, text: str, pidx: QPersistentModelIndex) -> None:
        try:
            read_number(text)
        except ValueError as e:
            theme = self._editor.model.theme
            ed.setStyleSheet(f"QLineEdit {{ background: {BAD_BG[theme]}; }}")
            ed.setToolTip(str(e))
            self._editor._typing(pidx.row(), pidx.column(), str(e))
            return
        ed.setStyleSheet("")
        ed.setToolTip("")
        self._editor._typing(pidx.row(), pidx.column(), None)


class _Table(QTableView):
    """Keyboard: Enter moves down, Delete deletes the selected rows, Ctrl+C / Ctrl+V copy and
    paste blocks (tab separated, as spreadsheets do) — all only when no cell is being edited."""

    def __init__(self, editor: DataEditor) -> None:
        super().__init__(editor)
        self._editor = editor

    def closeEditor(self, ed, hint) -> None:  # noqa: N802 - Qt's name
        H = QAbstractItemDelegate.EndEditHint
        if hint == H.SubmitModelCache:  # Enter / Return: commit and go down one row
            super().closeEditor(ed, H.NoHint)
            self._move_down()
            self._editor._typing(-1, -1, None)
            return
        super().closeEditor(ed, hint)
        self._editor._typing(-1, -1, None)

    def _move_down(self) -> None:
        cur = self.currentIndex()
        if cur.isValid() and cur.row() + 1 < self.model().rowCount():
            self.setCurrentIndex(cur.siblingAtRow(cur.row() + 1))

    def keyPressEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        if self.state() != QAbstractItemView.State.EditingState:
            if ev.matches(QKeySequence.StandardKey.Paste):
                self._editor.paste()
                return
            if ev.matches(QKeySequence.StandardKey.Copy):
                self._editor.copy()
                return
            if ev.key() == Qt.Key.Key_Delete and ev.modifiers() in (
                    Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
                self._editor.delete_rows()
                return
            if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                    self.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers:
                self._move_down()
                return
        super().keyPressEvent(ev)


class TwoClassDialog(QDialog):
    """Size, seed and noise of the two-class set."""

    def __init__(self, parent=None, n: int = 40, seed: int = 0, sigma: float = 0.6) -> None:
        super().__init__(parent)
        self.setWindowTitle("Two noisy classes")
        form = QFormLayout(self)
        intro = QLabel("Points around (−1, −1) with target 0 and around (1, 1) with target 1, "
                       "alternating; the same seed gives the same set.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.n = QSpinBox()
        self.n.setRange(2, MAX_ROWS)
        self.n.setValue(n)
        self.n.setToolTip("How many points (samples); half in each class")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setValue(seed)
        self.seed.setToolTip("Seed of the random numbers: the same seed gives the same points")
        self.sigma = QDoubleSpinBox()
        self.sigma.setRange(0.0, 5.0)
        self.sigma.setDecimals(2)
        self.sigma.setSingleStep(0.1)
        self.sigma.setValue(sigma)
        self.sigma.setToolTip("Standard deviation σ of the noise around each centre "
                              "(larger: the classes overlap more)")
        form.addRow("&Points:", self.n)
        form.addRow("&Seed:", self.seed)
        form.addRow("&Noise σ:", self.sigma)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                               QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def values(self) -> dict:
        return {"n": self.n.value(), "seed": self.seed.value(),
                "sigma": round(self.sigma.value(), 2)}


def _set_data_takes_text(session: Session) -> bool:
    try:
        return "text" in inspect.signature(session.set_data).parameters
    except (TypeError, ValueError):
        return False


class DataEditor(QWidget):
    """The samples of the session's document as an editable table (see the module doc)."""

    applied = Signal()  # the table was applied to the session

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.last_error = ""  # the last refused import, paste or generator (for tests too)
        self.note = ""  # a note about the table and the session's data (kept edits, …)
        self.message = ""  # the last thing done, shown in the status line
        self._applying = False
        self._typing_reason: str | None = None
        self._typing_at = (-1, -1)
        self._text_param = _set_data_takes_text(session)
        self._two_class = {"n": 40, "seed": 0, "sigma": 0.6}
        self._dir = ""

        self.model = DataModel(self)
        self.model.theme = session.theme
        self.table = _Table(self)
        self.table.setModel(self.model)
        self.delegate = _CellDelegate(self)
        self.table.setItemDelegate(self.delegate)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(self._edit_triggers())
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.horizontalHeader().setDefaultSectionSize(92)
        self.table.setToolTip("One row per sample: the inputs, then the targets. Type to edit "
                              "(Enter moves down, Tab right); Delete deletes the selected rows; "
                              "Ctrl+C / Ctrl+V copy and paste blocks from a spreadsheet.")
        self.model.edited.connect(self._on_edited)

        # two rows of buttons, so that a narrow dock shows them all
        self.toolbar = QToolBar("Data: rows", self)
        self.toolbar2 = QToolBar("Data: files and examples", self)
        for tb in (self.toolbar, self.toolbar2):
            tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.act_add = self._action("Add row", self.add_row,
                                    "Add an empty sample below the current row; it is applied "
                                    "when every cell of it is filled in")
        self.act_delete = self._action("Delete rows", self.delete_rows,
                                       "Delete the rows of the selected cells (Delete)")
        self.act_copy = self._action("Copy", self.copy,
                                     "Copy the selected cells, tab separated (Ctrl+C)")
        self.act_paste = self._action("Paste", self.paste,
                                      "Paste a block copied from a spreadsheet at the current "
                                      "cell, adding rows as needed (Ctrl+V)")
        self.act_revert = QAction("Revert", self)
        self.act_revert.setToolTip("Throw away the edits that are not applied and show the "
                                   "data the network uses")
        self.act_revert.triggered.connect(lambda _=False: self.revert())
        self.act_import = self._action("Import CSV…", self.import_dialog,
                                       "Replace the data with a CSV file that has a header row "
                                       "(comma, semicolon or tab separated)", self.toolbar2)
        self.act_export = self._action("Export CSV…", self.export_dialog,
                                       "Save the data as CSV with a header row", self.toolbar2)
        self.toolbar2.addSeparator()
        self.gen_menu = QMenu("Generate", self)
        self.gen_menu.setToolTipsVisible(True)
        self.gen_actions: dict[str, QAction] = {}
        for name, g in GENERATORS.items():
            dots = "…" if name == "two-class" else ""
            a = self.gen_menu.addAction(f"{g.title}{dots}  ({_plural(g.n_in, 'input')}, "
                                        f"{_plural(g.n_out, 'target')})")
            a.setToolTip(g.description)
            a.setStatusTip(g.description)
            a.triggered.connect(lambda _=False, n=name: self.generate_set(n))
            self.gen_actions[name] = a
        self.gen_button = QToolButton(self)
        self.gen_button.setText("Generate")
        self.gen_button.setMenu(self.gen_menu)
        self.gen_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.gen_button.setToolTip("Replace the data with a lecture example: AND, OR, XOR, the "
                                   "swap table or two noisy classes")
        self.toolbar2.addWidget(self.gen_button)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setToolTip("Whether the table is applied to the network, and what to fix "
                               "if it is not")
        self.status.setContentsMargins(4, 2, 4, 2)
        self.revert_button = QToolButton(self)
        self.revert_button.setDefaultAction(self.act_revert)
        status_row = QHBoxLayout()
        status_row.setContentsMargins(0, 0, 0, 0)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.revert_button, 0, Qt.AlignmentFlag.AlignTop)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(2)
        lay.addWidget(self.toolbar)
        lay.addWidget(self.toolbar2)
        lay.addWidget(self.table, 1)
        lay.addLayout(status_row)

        self.setFocusProxy(self.table)
        session.documentChanged.connect(self._on_document)
        session.trainingChanged.connect(self._on_training)
        session.displayChanged.connect(self._on_display)
        self.reload()
        self._on_training(session.training)

    # -- building ----------------------------------------------------------------------------
    def _action(self, text: str, slot, tip: str, toolbar: QToolBar | None = None) -> QAction:
        a = QAction(text, self)
        a.setToolTip(tip)
        a.setStatusTip(tip)
        a.triggered.connect(lambda _=False: slot())
        (toolbar or self.toolbar).addAction(a)
        return a

    @staticmethod
    def _edit_triggers():
        T = QAbstractItemView.EditTrigger
        return T.DoubleClicked | T.EditKeyPressed | T.AnyKeyPressed | T.SelectedClicked

    # -- the session -------------------------------------------------------------------------
    def _labels(self) -> tuple[list[str], list[str]]:
        net = self.session.doc.network
        return [str(x) for x in net.labels.neurons[0]], [str(x) for x in net.labels.neurons[-1]]

    def _columns(self) -> list[str]:
        ins, outs = self._labels()
        return ins + [f"target {o}" for o in outs]

    def _matches_session(self) -> bool:
        d = self.session.doc
        X, T = self.model.split()
        return X.shape == d.inputs.shape and T.shape == d.targets.shape and \
            np.array_equal(X, d.inputs) and np.array_equal(T, d.targets)

    def reload(self) -> None:
        """Show the session's data (any unapplied edits are dropped)."""
        cur = self.table.currentIndex()
        d = self.session.doc
        ins, outs = self._labels()
        self.model.load(d.inputs, d.targets, ins, outs)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Stretch if self.model.width <= 6
                                else QHeaderView.ResizeMode.Interactive)
        if cur.isValid() and self.model.n_rows:
            self.table.setCurrentIndex(self.model.index(min(cur.row(), self.model.n_rows - 1),
                                                        min(cur.column(), self.model.width - 1)))
        self._update_status()

    def _on_document(self) -> None:
        if self._applying:
            return  # our own change: the table already shows it
        same_columns = self._columns() == self.model.names
        if not self.model.is_valid() and same_columns:
            if not self._matches_session():
                self.note = ("The network's data changed (an undo, or another part of the app) "
                             "while this table has edits that are not applied; your text is "
                             "kept. Fix the marked cells to apply the table as it stands, or "
                             "Revert to see the network's data.")
            self._update_status()
            return
        if not self.model.is_valid():
            self.note = "A different network: the edits that were not applied are gone."
        elif same_columns and self._matches_session():
            self._update_status()
            return
        else:
            self.note = ""
        self.message = ""
        self.reload()

    def _on_training(self, on: bool) -> None:
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers if on
                                   else self._edit_triggers())
        for a in (self.act_add, self.act_delete, self.act_paste, self.act_import,
                  self.act_revert):
            a.setEnabled(not on)
        self.gen_button.setEnabled(not on)
        self._update_status()

    def _on_display(self) -> None:
        if self.session.theme != self.model.theme:
            self.model.refresh_colours(self.session.theme)
            self._update_status()

    def _apply(self, text: str) -> bool:
        """Apply the table to the session when every cell is a number (one undo step)."""
        if self.session.training or not self.model.is_valid():
            self._update_status()
            return False
        if self._matches_session():
            self.note = ""
            self._update_status()
            return True
        X, T = self.model.split()
        self._applying = True
        try:
            if self._text_param:
                self.session.set_data(X, T, text=text)
            else:
                self.session.set_data(X, T)
        except ValueError as e:  # the model guarantees shapes and finiteness; be safe anyway
            self.last_error = str(e)
            self._update_status()
            return False
        finally:
            self._applying = False
        self.note = ""
        self._update_status()
        self.applied.emit()
        return True

    def _on_edited(self, text: str) -> None:
        self.message = ""
        self._apply(self._describe(text))

    def _describe(self, text: str) -> str:
        """The undo text: the user's action, or a summary when earlier edits complete now."""
        d = self.session.doc
        n = self.model.n_rows
        if n > d.n_samples:
            return f"Add {_plural(n - d.n_samples, 'sample')}"
        if n < d.n_samples and not text.startswith("Delete"):
            return f"Delete {_plural(d.n_samples - n, 'sample')}"
        return text

    # -- status ------------------------------------------------------------------------------
    def _typing(self, r: int, c: int, reason: str | None) -> None:
        self._typing_at, self._typing_reason = (r, c), reason
        self._update_status()

    def _update_status(self) -> None:
        m = self.model
        theme = self.model.theme
        lines: list[str] = []
        bad = False
        if self._typing_reason is not None and self._typing_at[0] >= 0:
            r, c = self._typing_at
            lines.append(f"Row {r + 1}, {m.names[c]}: {self._typing_reason} (Enter keeps "
                         f"the text, marked and not applied; Esc cancels).")
            bad = True
        fb = m.first_bad(typed=True)
        n_empty = m.n_empty()
        if fb is not None:
            r, c, _text, reason = fb
            n_bad = len(m._bad) - n_empty
            more = f" ({_plural(n_bad, 'cell')} to fix)" if n_bad > 1 else ""
            empty = f", and {_plural(n_empty, 'empty cell')} to fill in" if n_empty else ""
            lines.append(f"Row {r + 1}, column {m.names[c]}: {reason}{more}{empty}. The table "
                         f"is not applied until every cell is a finite number; nothing you "
                         f"typed is lost. Fix the marked cells, or Revert.")
            bad = True
        elif n_empty:
            r, c, _text, _reason = m.first_bad()
            rows = sorted({k[0] for k in m._bad})
            which = f"row {rows[0] + 1}" if len(rows) == 1 else \
                f"rows {rows[0] + 1}–{rows[-1] + 1}" if rows[-1] - rows[0] + 1 == len(rows) \
                else _plural(len(rows), "row")
            lines.append(f"Type a number in each empty cell of {which} "
                         f"({_plural(n_empty, 'cell')} left, next: row {r + 1}, {m.names[c]}; "
                         f"Tab moves right). The table is applied when every cell is filled.")
        elif not lines:
            d = self.session.doc
            ins, outs = self._labels()
            lines.append(f"{_plural(d.n_samples, 'sample')} · {_plural(len(ins), 'input')}, "
                         f"{_plural(len(outs), 'target')} · applied to the network")
        if self.note:
            lines.append(self.note)
        if self.message and not bad:
            lines.append(self.message)
        if self.session.training:
            lines.append("Training is running: pause it to edit the data.")
        self.status.setText("\n".join(lines))
        self.status.setStyleSheet(f"color: {BAD_TEXT[theme]};" if bad or self.note else "")
        pending = not self.session.training and (not m.is_valid() or
                                                  not self._matches_session())
        self.act_revert.setEnabled(pending)
        self.revert_button.setVisible(pending)

    def _refuse(self, title: str, message: str) -> None:
        self.last_error = message
        self._update_status()
        QMessageBox.warning(self, title, message)

    def menu_actions(self) -> list[QAction | None]:
        """The editor's actions for a menu (None: a separator), e.g. a main-window Data menu."""
        return [self.act_add, self.act_delete, self.act_copy, self.act_paste, None,
                self.act_import, self.act_export, self.gen_menu.menuAction(), None,
                self.act_revert]

    def _commit_editing(self) -> None:
        """Finish a cell being typed in (as Enter would) before a toolbar action."""
        ed = self.delegate.open_editor
        if ed is not None and self.table.state() == QAbstractItemView.State.EditingState:
            self.table.commitData(ed)
            self.table.closeEditor(ed, QAbstractItemDelegate.EndEditHint.NoHint)

    # -- actions -----------------------------------------------------------------------------
    def add_row(self) -> None:
        if self.session.training:
            return
        self._commit_editing()
        cur = self.table.currentIndex()
        at = cur.row() + 1 if cur.isValid() else self.model.n_rows
        if self.model.n_rows >= MAX_ROWS:
            self._refuse("Cannot add a row", f"more than {MAX_ROWS:,} rows (bpviz's limit)")
            return
        self.model.insert_blank_rows(at, 1)
        idx = self.model.index(at, 0)
        self.table.setCurrentIndex(idx)
        self.table.scrollTo(idx)
        self.table.setFocus()
        self.message = ""
        self._update_status()

    def selected_rows(self) -> list[int]:
        sm = self.table.selectionModel()
        rows = {i.row() for i in sm.selectedIndexes()}
        if not rows and self.table.currentIndex().isValid():
            rows = {self.table.currentIndex().row()}
        return sorted(rows)

    def delete_rows(self, rows=None) -> bool:
        if self.session.training:
            return False
        self._commit_editing()
        rows = self.selected_rows() if rows is None else sorted(set(rows))
        if not rows:
            return False
        if len(rows) >= self.model.n_rows:
            self.last_error = "A data set needs at least one sample: keep one row."
            self.message = self.last_error
            self._update_status()
            return False
        first = rows[0]
        self.model.remove_rows(rows)
        self.table.clearSelection()
        idx = self.model.index(min(first, self.model.n_rows - 1), 0)
        self.table.setCurrentIndex(idx)
        self._apply(f"Delete {_plural(len(rows), 'sample')}")
        return True

    def copy(self) -> str:
        idx = self.table.selectionModel().selectedIndexes() or (
            [self.table.currentIndex()] if self.table.currentIndex().isValid() else [])
        if not idx:
            return ""
        r0, r1 = min(i.row() for i in idx), max(i.row() for i in idx)
        c0, c1 = min(i.column() for i in idx), max(i.column() for i in idx)
        text = "\n".join("\t".join(self.model.cell_text(r, c) for c in range(c0, c1 + 1))
                         for r in range(r0, r1 + 1)) + "\n"
        QApplication.clipboard().setText(text)
        return text

    def paste(self, text: str | None = None) -> bool:
        """Paste a block (the clipboard's text by default) at the current cell."""
        if self.session.training:
            return False
        self._commit_editing()
        if text is None:
            text = QApplication.clipboard().text()
        block = parse_pasted(text)
        if not block:
            self.message = "Nothing to paste: the clipboard has no text."
            self._update_status()
            return False
        m = self.model
        heads = {h.strip().lower() for h in m.names + csv_header(*self._labels())}
        skipped = False
        if len(block) > 1 and all(c.strip().lower() in heads for c in block[0]):
            block, skipped = block[1:], True  # a header row copied along with the numbers
        sel = self.table.selectionModel().selectedIndexes()
        cur = self.table.currentIndex()
        r0, c0 = (cur.row(), cur.column()) if cur.isValid() else (0, 0)
        if sel:  # a rectangle around the current cell: paste at its top left
            rows, cols = [i.row() for i in sel], [i.column() for i in sel]
            top, left = min(rows), min(cols)
            area = (max(rows) - top + 1) * (max(cols) - left + 1)
            if area == len(sel) and (not cur.isValid() or (
                    top <= r0 <= max(rows) and left <= c0 <= max(cols))):
                r0, c0 = top, left
        if len(block) == 1 and len(block[0]) == 1 and len(sel) > 1:  # one value: fill selection
            for i in sel:
                m._put(i.row(), i.column(), block[0][0])
            m._recount()
            m.dataChanged.emit(m.index(0, 0), m.index(m.n_rows - 1, m.width - 1))
            m.headerDataChanged.emit(Qt.Orientation.Vertical, 0, m.n_rows - 1)
            self.message = f"Pasted into {_plural(len(sel), 'cell')}."
            self._apply(f"Paste into {_plural(len(sel), 'cell')}")
            return True
        rows_before = m.n_rows
        try:
            added = m.set_cells(r0, c0, block)
        except ValueError as e:
            self.last_error = f"Cannot paste: {e}."
            self.message = self.last_error
            self._update_status()
            return False
        self.last_error = ""
        wide = max(len(r) for r in block)
        sm = self.table.selectionModel()
        sm.select(self._rect(r0, c0, r0 + len(block) - 1, c0 + wide - 1),
                  QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.message = (f"Pasted {_plural(len(block), 'row')}"
                        + (f" ({_plural(added, 'new row')})" if added else "")
                        + (", skipping the header row" if skipped else "") + ".")
        what = f"Paste {_plural(len(block), 'row')}"
        if m.n_rows > rows_before and m.is_valid():
            what = f"Paste {_plural(len(block), 'row')} (add {added})"
        self._apply(what)
        return True

    def _rect(self, r0, c0, r1, c1) -> QItemSelection:
        return QItemSelection(self.model.index(r0, c0), self.model.index(r1, c1))

    def _replace(self, X: np.ndarray, T: np.ndarray, text: str, message: str) -> bool:
        """The whole table from new data, applied as one step."""
        ins, outs = self._labels()
        self.model.load(X, T, ins, outs)
        self.note = ""
        self.message = message
        self.last_error = ""
        return self._apply(text)

    def import_csv(self, path: str) -> bool:
        """Replace the data with a CSV file; on any problem, a message naming the row and
        column, and the table and the session stay as they were."""
        if self.session.training:
            return False
        self._commit_editing()
        ins, outs = self._labels()
        try:
            X, T = read_csv(Path(path), len(ins), len(outs), ins, outs)
        except DataError as e:
            self._refuse("Cannot import the data", f"{Path(path).name}: {e}")
            return False
        return self._replace(X, T, f"Import {Path(path).name}",
                             f"Imported {_plural(len(X), 'sample')} from {Path(path).name}.")

    def export_csv(self, path: str) -> bool:
        self._commit_editing()
        if not self.model.is_valid():
            fb = self.model.first_bad()
            self._refuse("Cannot export the data",
                         f"Row {fb[0] + 1}, column {self.model.names[fb[1]]}: {fb[3]}. Fix the "
                         "marked cells (or Revert) before exporting.")
            return False
        X, T = self.model.split()
        ins, outs = self._labels()
        try:
            write_csv(path, X, T, ins, outs)
        except OSError as e:
            self._refuse("Cannot export the data", f"{path}: {e.strerror or e}")
            return False
        self.message = f"Saved {_plural(len(X), 'sample')} to {Path(path).name}."
        self._update_status()
        return True

    def generate_set(self, name: str, ask: bool = True, **kw) -> bool:
        """Replace the data with a generated example; refused (with a message) when its shape
        does not fit the network. ``two-class`` asks for its size and seed unless ``ask`` is
        False (then ``kw`` or the last values are used)."""
        if self.session.training:
            return False
        self._commit_editing()
        ins, outs = self._labels()
        g = GENERATORS[name]
        if (g.n_in, g.n_out) != (len(ins), len(outs)):
            try:
                generate(name, len(ins), len(outs))
            except DataError as e:
                self._refuse("Cannot generate the data", f"{e}.")
                return False
        if name == "two-class":
            params = {**self._two_class, **kw}
            if ask and not kw:
                dlg = TwoClassDialog(self, **params)
                if dlg.exec() != QDialog.DialogCode.Accepted:
                    return False
                params = dlg.values()
            kw = params
        try:
            X, T, desc = generate(name, len(ins), len(outs), **kw)
        except DataError as e:
            self._refuse("Cannot generate the data", f"{e}.")
            return False
        if name == "two-class":
            self._two_class = dict(kw)
        return self._replace(X, T, f"Generate {g.title}", f"Generated: {desc}")

    def revert(self) -> None:
        ed = self.delegate.open_editor
        if ed is not None and self.table.state() == QAbstractItemView.State.EditingState:
            self.table.closeEditor(ed, QAbstractItemDelegate.EndEditHint.RevertModelCache)
        self.note = ""
        self.message = ""
        self._typing_reason = None
        self.reload()

    # -- dialogs -----------------------------------------------------------------------------
    def _start_dir(self) -> str:
        if self._dir:
            return self._dir
        return str(QSettings().value("files/data_dir", str(Path.home())))

    def _remember_dir(self, path: str) -> None:
        self._dir = str(Path(path).parent)
        QSettings().setValue("files/data_dir", self._dir)

    def import_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import data", self._start_dir(),
                                              "CSV (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self._remember_dir(path)
            self.import_csv(path)

    def export_dialog(self) -> None:
        src = self.session.source
        stem = Path(src).name.split(".")[0] if src else "data"
        path, _ = QFileDialog.getSaveFileName(self, "Export data",
                                              str(Path(self._start_dir()) / f"{stem}-data.csv"),
                                              "CSV (*.csv)")
        if path:
            if not Path(path).suffix:
                path += ".csv"
            self._remember_dir(path)
            self.export_csv(path)
