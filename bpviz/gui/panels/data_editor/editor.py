"""The data editor (the "Data" dock): the samples as a table of inputs and targets.

Add, delete, copy and paste rows (a block from a spreadsheet grows the table as needed),
CSV import and export, and generators for lecture examples. Every cell is checked as it is
typed; a cell that is not a finite number keeps the user's text, turns red with the reason as
its tooltip, and the table is not applied until every cell is a number. Whenever it is, the
change is applied at once with ``session.set_data`` — one undo step per edit, paste, deletion,
generated set or import (rows added blank become one step when their last cell is filled).

This module is the widget and its link to the session (status line, row actions, applying the
table); the parts by concept are ``model`` (the table's content), ``table`` (typing and keys),
``clipboard``, ``csv_files`` and ``generate``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.datasets import GENERATORS, MAX_ROWS
from bpviz.gui.panels.data_editor.clipboard import Clipboard
from bpviz.gui.panels.data_editor.csv_files import CsvFiles
from bpviz.gui.panels.data_editor.generate import GeneratedSets
from bpviz.gui.panels.data_editor.model import BAD_TEXT, DataModel, plural
from bpviz.gui.panels.data_editor.status_label import StatusLabel
from bpviz.gui.panels.data_editor.table import CellDelegate, DataTable
from bpviz.gui.plain_text import warn
from bpviz.gui.session import Session
from bpviz.gui.session_commands import push_data

__all__ = ["DataEditor"]


class DataEditor(Clipboard, CsvFiles, GeneratedSets, QWidget):
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
        self._dir = ""

        self.model = DataModel(self)
        self.model.theme = session.theme
        self.table = DataTable(self)
        self.table.setModel(self.model)
        self.delegate = CellDelegate(self)
        self.table.setItemDelegate(self.delegate)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(self._edit_triggers())
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        self.table.horizontalHeader().setDefaultSectionSize(92)
        self.table.setToolTip(
            "One row per sample: the inputs, then the targets. Type to edit "
            "(Enter moves down, Tab right); Delete deletes the selected rows; "
            "Ctrl+C / Ctrl+V copy and paste blocks from a spreadsheet."
        )
        self.model.edited.connect(self._on_edited)

        # two rows of buttons, so that a narrow dock shows them all
        self.toolbar = QToolBar("Data: rows", self)
        self.toolbar2 = QToolBar("Data: files and examples", self)
        for tb in (self.toolbar, self.toolbar2):
            tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.act_add = self._action(
            "Add row",
            self.add_row,
            "Add an empty sample below the current row; it is applied when every cell of it is filled in",
        )
        self.act_delete = self._action(
            "Delete rows", self.delete_rows, "Delete the rows of the selected cells (Delete)"
        )
        self.act_copy = self._action("Copy", self.copy, "Copy the selected cells, tab separated (Ctrl+C)")
        self.act_paste = self._action(
            "Paste",
            self.paste,
            "Paste a block copied from a spreadsheet at the current cell, adding rows as needed (Ctrl+V)",
        )
        self.act_revert = QAction("Revert", self)
        self.act_revert.setToolTip(
            "Throw away the edits that are not applied and show the data the network uses"
        )
        self.act_revert.triggered.connect(lambda _=False: self.revert())
        self._build_generate_menu()  # first: a narrow dock hides the last buttons
        self.toolbar2.addSeparator()
        self.act_import = self._action(
            "Import CSV…",
            self.import_dialog,
            "Replace the data with a CSV file that has a header row (comma, semicolon or tab separated)",
            self.toolbar2,
        )
        self.act_export = self._action(
            "Export CSV…", self.export_dialog, "Save the data as CSV with a header row", self.toolbar2
        )

        # as many wrapped lines as the dock gives it (the rest in its tooltip): a short dock
        # at 2× font zoom keeps the table's rows above it
        self.status = StatusLabel(self)
        self.status.setToolTip("Whether the table is applied to the network, and what to fix if it is not")
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
        """The raw inputs' labels (derived input features are computed, not data) and the
        outputs' labels."""
        net = self.session.doc.network
        n_raw = int(net.n_raw)
        return [str(x) for x in net.labels.neurons[0][:n_raw]], [str(x) for x in net.labels.neurons[-1]]

    def _columns(self) -> list[str]:
        ins, outs = self._labels()
        return ins + [f"target {o}" for o in outs]

    def _matches_session(self) -> bool:
        d = self.session.doc
        X, T = self.model.split()
        Xt, Tt = self.model.split_test()
        return all(
            a.shape == b.shape and np.array_equal(a, b)
            for a, b in ((X, d.inputs), (T, d.targets), (Xt, d.test_inputs), (Tt, d.test_targets))
        )

    def reload(self) -> None:
        """Show the session's data (any unapplied edits are dropped)."""
        cur = self.table.currentIndex()
        d = self.session.doc
        ins, outs = self._labels()
        self.model.load(d.inputs, d.targets, ins, outs, d.test_inputs, d.test_targets)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch if self.model.width <= 6 else QHeaderView.ResizeMode.Interactive
        )
        if cur.isValid() and self.model.n_rows:
            self.table.setCurrentIndex(
                self.model.index(
                    min(cur.row(), self.model.n_rows - 1), min(cur.column(), self.model.width - 1)
                )
            )
        self._update_status()

    def _on_document(self) -> None:
        if self._applying:
            return  # our own change: the table already shows it
        same_columns = self._columns() == self.model.names
        if not self.model.is_valid() and same_columns:
            if not self._matches_session():
                self.note = (
                    "The network's data changed (an undo, or another part of the app) "
                    "while this table has edits that are not applied; your text is "
                    "kept. Fix the marked cells to apply the table as it stands, or "
                    "Revert to see the network's data."
                )
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
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.NoEditTriggers if on else self._edit_triggers()
        )
        for a in (self.act_add, self.act_delete, self.act_paste, self.act_import, self.act_revert):
            a.setEnabled(not on)
        self.act_generate.setEnabled(not on)
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
        generator = self.session.doc.generator
        if generator is not None:
            text += " (no longer generated)"
        self._applying = True
        try:
            push_data(self.session, X, T, text, test=self.model.split_test())
        except ValueError as e:  # the model guarantees shapes and finiteness; be safe anyway
            self.last_error = str(e)
            self._update_status()
            return False
        finally:
            self._applying = False
        self.note = ""
        if generator is not None:
            self.message = (
                f"The rows no longer come from the {generator.get('name', '')} generator: a save "
                "keeps them as rows, without data.generator (undo brings it back)."
            )
        self._update_status()
        self.applied.emit()
        return True

    def _on_edited(self, text: str) -> None:
        self.message = ""
        self._apply(self._describe(text))

    def _describe(self, text: str) -> str:
        """The undo text: the user's action, or a summary when earlier edits complete now."""
        d = self.session.doc
        n, nt = self.model.n_train, self.model.n_test
        if not text.startswith("Delete"):
            if n > d.n_samples:
                text = f"Add {plural(n - d.n_samples, 'sample')}"
            elif nt > d.n_test:
                text = f"Add {plural(nt - d.n_test, 'test row')}"
            elif n < d.n_samples:
                text = f"Delete {plural(d.n_samples - n, 'sample')}"
            elif nt < d.n_test:
                text = f"Delete {plural(d.n_test - nt, 'test row')}"
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
            lines.append(
                f"Row {r + 1}, {m.names[c]}: {self._typing_reason} (Enter keeps "
                f"the text, marked and not applied; Esc cancels)."
            )
            bad = True
        fb = m.first_bad(typed=True)
        n_empty = m.n_empty()
        if fb is not None:
            r, c, _text, reason = fb
            n_bad = len(m._bad) - n_empty
            more = f" ({plural(n_bad, 'cell')} to fix)" if n_bad > 1 else ""
            empty = f", and {plural(n_empty, 'empty cell')} to fill in" if n_empty else ""
            lines.append(
                f"Row {r + 1}, column {m.names[c]}: {reason}{more}{empty}. The table "
                f"is not applied until every cell is a finite number; nothing you "
                f"typed is lost. Fix the marked cells, or Revert."
            )
            bad = True
        elif n_empty:
            r, c, _text, _reason = m.first_bad()
            rows = sorted({k[0] for k in m._bad})
            which = (
                f"row {rows[0] + 1}"
                if len(rows) == 1
                else f"rows {rows[0] + 1}–{rows[-1] + 1}"
                if rows[-1] - rows[0] + 1 == len(rows)
                else plural(len(rows), "row")
            )
            lines.append(
                f"Type a number in each empty cell of {which} "
                f"({plural(n_empty, 'cell')} left, next: row {r + 1}, {m.names[c]}; "
                f"Tab moves right). The table is applied when every cell is filled."
            )
        elif not lines:
            # short: a small dock at 2× font zoom shows it whole (the tooltip says more)
            d = self.session.doc
            test = f" + {plural(d.n_test, 'test row')}" if d.n_test else ""
            g = GENERATORS.get(d.generator.get("name")) if d.generator else None
            made = f" · generated: {g.title}" if g is not None else ""
            lines.append(f"{plural(d.n_samples, 'sample')}{test}{made} · applied")
        if self.note:
            lines.append(self.note)
        if self.message and not bad:
            lines.append(self.message)
        if self.session.training:
            lines.append("Training is running: pause it to edit the data.")
        self.status.setText("\n".join(lines))
        self.status.setToolTip(self._status_tip())
        self.status.setStyleSheet(f"color: {BAD_TEXT[theme]};" if bad or self.note else "")
        pending = not self.session.training and (not m.is_valid() or not self._matches_session())
        self.act_revert.setEnabled(pending)
        self.revert_button.setVisible(pending)

    def _status_tip(self) -> str:
        d = self.session.doc
        ins, outs = self._labels()
        tip = (
            f"{plural(d.n_samples, 'sample')} to train on, {plural(len(ins), 'input')} and "
            f"{plural(len(outs), 'target')} each"
        )
        if d.n_test:
            tip += (
                f"; {plural(d.n_test, 'test row')} (at the end, tinted): held out, never trained "
                "on, they measure the test error"
            )
        if d.generator:
            tip += "; made by a generator (Generate…): editing a row by hand keeps the rows and forgets it"
        return tip + ". Whether the table is applied to the network, and what to fix if it is not."

    def _refuse(self, title: str, message: str) -> None:
        self.last_error = message
        self._update_status()
        warn(self, title, message)  # a CSV's or a clipboard's text is shown as text

    def menu_actions(self) -> list[QAction | None]:
        """The editor's actions for a menu (None: a separator), e.g. a main-window Data menu."""
        return [
            self.act_add,
            self.act_delete,
            self.act_copy,
            self.act_paste,
            None,
            self.act_import,
            self.act_export,
            self.act_generate,
            None,
            self.act_revert,
        ]

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
        if sum(1 for r in rows if r < self.model.n_train) >= self.model.n_train:
            self.last_error = "A data set needs at least one sample to train on: keep one row."
            self.message = self.last_error
            self._update_status()
            return False
        first = rows[0]
        self.model.remove_rows(rows)
        self.table.clearSelection()
        idx = self.model.index(min(first, self.model.n_rows - 1), 0)
        self.table.setCurrentIndex(idx)
        n_test = sum(1 for r in rows if self.model.is_test(r))
        what = (
            plural(n_test, "test row")
            if n_test == len(rows)
            else plural(len(rows), "sample")
            if not n_test
            else f"{plural(len(rows) - n_test, 'sample')} and {plural(n_test, 'test row')}"
        )
        self._apply(f"Delete {what}")
        return True

    def _replace(self, X: np.ndarray, T: np.ndarray, text: str, message: str) -> bool:
        """The training rows from new data (the test rows stay), applied as one step."""
        ins, outs = self._labels()
        d = self.session.doc
        self.model.load(X, T, ins, outs, d.test_inputs, d.test_targets)
        self.note = ""
        self.message = message
        self.last_error = ""
        return self._apply(text)

    def revert(self) -> None:
        ed = self.delegate.open_editor
        if ed is not None and self.table.state() == QAbstractItemView.State.EditingState:
            self.table.closeEditor(ed, QAbstractItemDelegate.EndEditHint.RevertModelCache)
        self.note = ""
        self.message = ""
        self._typing_reason = None
        self.reload()
