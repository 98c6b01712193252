"""The data editor's table model: the samples as numbers, and each cell that is not yet a
finite number as the user's text with the reason (so nothing typed is lost).

Views read the model, never the session; the editor applies it to the session when every cell
is a number. Cells are read with :func:`bpviz.core.numbers.read_number`, the one rule for a
typed number.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from bpviz.core.datasets import MAX_ROWS, number_text
from bpviz.core.numbers import read_number
from bpviz.gui.plain_text import auto

EMPTY = "empty cell (type a number)"
BAD_BG = {"light": "#F6C9C3", "dark": "#6E2A24"}  # not a finite number
EMPTY_BG = {"light": "#FFF1BF", "dark": "#5A4B17"}  # still to fill in
TEST_BG = {"light": "#E4ECF5", "dark": "#243447"}  # a test row (never trained on)
TEST_TEXT = {"light": "#1F4E79", "dark": "#9CC3E8"}  # its row header
BAD_TEXT = {"light": "#B42318", "dark": "#FF8A7A"}


def plural(n: int, word: str) -> str:
    """ "1 sample", "2,000 samples"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


class DataModel(QAbstractTableModel):
    """The table's content: the numbers (an (M, n_in + n_out) array) and, for each cell that
    is not a finite number, the user's text and the reason. Views read it, never the session.

    The first ``n_train`` rows are the training samples; the rows after them are the test
    rows (``data.test``: never trained on), tinted and headed "test 1", "test 2", …; rows
    inserted among or right after the training rows train, rows added after a test row test."""

    edited = Signal(str)  # a change made by the user; the text describes it (for undo)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._values = np.zeros((0, 0))
        self._bad: dict[tuple[int, int], tuple[str, str]] = {}  # (row, col) -> (text, reason)
        self._bad_rows: dict[int, int] = {}
        self.names: list[str] = []
        self.tips: list[str] = []
        self.n_in = 0
        self.n_train = 0
        self.theme = "light"

    # -- content ---------------------------------------------------------------------------
    def load(
        self,
        inputs: np.ndarray,
        targets: np.ndarray,
        input_names,
        output_names,
        test_inputs: np.ndarray | None = None,
        test_targets: np.ndarray | None = None,
    ) -> None:
        """The training rows, then the test rows (none when not given)."""
        self.beginResetModel()
        train = np.hstack([np.asarray(inputs, float), np.asarray(targets, float)])
        self.n_train = int(train.shape[0])
        if test_inputs is not None and len(test_inputs):
            test = np.hstack([np.asarray(test_inputs, float), np.asarray(test_targets, float)])
            train = np.vstack([train, test])
        self._values = train
        self._bad.clear()
        self._bad_rows.clear()
        self.n_in = len(input_names)
        self.names = [str(n) for n in input_names] + [f"target {o}" for o in output_names]
        self.tips = [f"Input {n}: the value fed to input neuron {n}" for n in input_names] + [
            f"Target for output {o}: what output neuron {o} should give for this sample" for o in output_names
        ]
        self.endResetModel()

    @property
    def width(self) -> int:
        return len(self.names)

    @property
    def n_rows(self) -> int:
        return int(self._values.shape[0])

    def values(self) -> np.ndarray:
        return self._values.copy()

    @property
    def n_test(self) -> int:
        return self.n_rows - self.n_train

    def is_test(self, r: int) -> bool:
        return r >= self.n_train

    def row_name(self, r: int) -> str:
        """ "Sample 3" or "Test row 2" (1-based, as the row headers count)."""
        return f"Test row {r - self.n_train + 1}" if self.is_test(r) else f"Sample {r + 1}"

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """The training rows: (inputs, targets)."""
        v = self._values[: self.n_train]
        return v[:, : self.n_in].copy(), v[:, self.n_in :].copy()

    def split_test(self) -> tuple[np.ndarray, np.ndarray]:
        """The test rows: (inputs, targets), (0, n) arrays when there are none."""
        v = self._values[self.n_train :]
        return v[:, : self.n_in].copy(), v[:, self.n_in :].copy()

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
                f"the block is {plural(wide, 'column')} wide, but from column "
                f"{self.names[c0]} there is room for {room}"
            )
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
        if at <= self.n_train:
            self.n_train += count
        self.beginInsertRows(QModelIndex(), at, at + count - 1)
        self._values = (
            np.insert(self._values, [at] * count, 0.0, axis=0)
            if self.n_rows
            else np.zeros((count, self.width))
        )
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
            self.n_train -= max(0, min(b + 1, self.n_train) - a)
            self.beginRemoveRows(QModelIndex(), a, b)
            self._values = np.delete(self._values, np.s_[a : b + 1], axis=0)
            n = b - a + 1
            self._bad = {
                ((r - n if r > b else r), c): v for (r, c), v in self._bad.items() if not a <= r <= b
            }
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
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

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
        if role == R.BackgroundRole:
            if b is not None:
                return QColor((EMPTY_BG if b[1] == EMPTY else BAD_BG)[self.theme])
            if r >= self.n_train:
                return QColor(TEST_BG[self.theme])
            return None
        if role == R.ToolTipRole:
            what = self.names[c] if c < self.n_in else self.names[c].replace("target ", "the target for ")
            row = self.row_name(r)
            if r >= self.n_train:
                row += " (held out: never trained on)"
            # names from the file and text typed or imported are text, never markup
            if b is not None:
                return auto(f"{row}, {what}: {b[1]}. Not applied until it is a number.")
            return auto(f"{row}, {what}: {number_text(self._values[r, c])}")
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
        self.edited.emit(f"Edit {self.names[c]} of {self.row_name(r)[:1].lower()}{self.row_name(r)[1:]}")
        return True

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        R = Qt.ItemDataRole
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < self.width:
                return None
            if role == R.DisplayRole:
                return self.names[section]
            if role == R.ToolTipRole:
                return auto(self.tips[section])
            return None
        if not 0 <= section < self.n_rows:
            return None
        n_bad = self._bad_rows.get(section, 0)
        test = section >= self.n_train
        if role == R.DisplayRole:
            text = f"test {section - self.n_train + 1}" if test else str(section + 1)
            return f"{text} ✗" if n_bad else text
        if role == R.ForegroundRole:
            if n_bad:
                return QColor(BAD_TEXT[self.theme])
            return QColor(TEST_TEXT[self.theme]) if test else None
        if role == R.ToolTipRole:
            name = self.row_name(section)
            if n_bad:
                return f"{name}: {plural(n_bad, 'cell')} to fix"
            if test:
                return f"{name}: held out, never trained on; the test error and accuracy use it"
            return f"{name} (click to select the row)"
        return None
