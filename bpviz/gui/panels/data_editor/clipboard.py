"""Copy and paste in the data editor: blocks of cells, tab separated as spreadsheets write
them; a pasted block grows the table as needed, skips a header row copied along with the
numbers, and one value pasted on a selection fills it.

:class:`Clipboard` is a part of :class:`~bpviz.gui.panels.data_editor.editor.DataEditor`
(a mixin).
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QApplication

from bpviz.core.datasets import csv_header, parse_pasted
from bpviz.gui.panels.data_editor.model import plural


class Clipboard:
    """The DataEditor's copy and paste."""

    def copy(self) -> str:
        idx = self.table.selectionModel().selectedIndexes() or (
            [self.table.currentIndex()] if self.table.currentIndex().isValid() else []
        )
        if not idx:
            return ""
        r0, r1 = min(i.row() for i in idx), max(i.row() for i in idx)
        c0, c1 = min(i.column() for i in idx), max(i.column() for i in idx)
        text = (
            "\n".join(
                "\t".join(self.model.cell_text(r, c) for c in range(c0, c1 + 1)) for r in range(r0, r1 + 1)
            )
            + "\n"
        )
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
            if area == len(sel) and (
                not cur.isValid() or (top <= r0 <= max(rows) and left <= c0 <= max(cols))
            ):
                r0, c0 = top, left
        if len(block) == 1 and len(block[0]) == 1 and len(sel) > 1:  # one value: fill selection
            for i in sel:
                m._put(i.row(), i.column(), block[0][0])
            m._recount()
            m.dataChanged.emit(m.index(0, 0), m.index(m.n_rows - 1, m.width - 1))
            m.headerDataChanged.emit(Qt.Orientation.Vertical, 0, m.n_rows - 1)
            self.message = f"Pasted into {plural(len(sel), 'cell')}."
            self._apply(f"Paste into {plural(len(sel), 'cell')}")
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
        sm.select(
            self._rect(r0, c0, r0 + len(block) - 1, c0 + wide - 1),
            QItemSelectionModel.SelectionFlag.ClearAndSelect,
        )
        self.message = (
            f"Pasted {plural(len(block), 'row')}"
            + (f" ({plural(added, 'new row')})" if added else "")
            + (", skipping the header row" if skipped else "")
            + "."
        )
        what = f"Paste {plural(len(block), 'row')}"
        if m.n_rows > rows_before and m.is_valid():
            what = f"Paste {plural(len(block), 'row')} (add {added})"
        self._apply(what)
        return True

    def _rect(self, r0, c0, r1, c1) -> QItemSelection:
        return QItemSelection(self.model.index(r0, c0), self.model.index(r1, c1))
