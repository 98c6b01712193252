"""The data editor's table widget and its cell delegate: every cell is checked as it is typed
(the editor turns red with the reason as its tooltip); Enter moves down; Delete, Ctrl+C and
Ctrl+V act on rows and blocks when no cell is being edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QKeySequence, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QLineEdit,
    QStyledItemDelegate,
    QTableView,
    QWidget,
)

from bpviz.core.numbers import read_number
from bpviz.gui.panels.data_editor.model import BAD_BG, BAD_TEXT, EMPTY

if TYPE_CHECKING:
    from bpviz.gui.panels.data_editor.editor import DataEditor


class CellDelegate(QStyledItemDelegate):
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


class DataTable(QTableView):
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
                Qt.KeyboardModifier.NoModifier,
                Qt.KeyboardModifier.KeypadModifier,
            ):
                self._editor.delete_rows()
                return
            if (
                ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and self.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers
            ):
                self._move_down()
                return
        super().keyPressEvent(ev)
