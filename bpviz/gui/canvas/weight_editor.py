"""Editing a weight or bias on the canvas: double-click it, or select it and press Enter; type;
Enter applies (one undo step), Escape cancels.

The typed text is read by :func:`bpviz.core.numbers.read_number`, the one rule for a typed
number (the network dialog and the data editor use it too): "0,5" is refused with a hint to
use a decimal point, as everywhere else. A text that is not a finite number is marked and kept
until it is fixed or cancelled. Enter and Escape end the edit here, so the keys go straight back
to the canvas and a presentation clicker works at once.

:class:`WeightEditing` is a part of :class:`~bpviz.gui.canvas.view.NetworkView` (a mixin);
the open editor is ``_editor`` (None when closed).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QLineEdit

from bpviz.core.numbers import read_number
from bpviz.gui import plain_text
from bpviz.gui.session import Selection

BAD_STYLE = "border: 2px solid #D55E00"


class WeightEditing:
    """The NetworkView's editor over a weight or bias."""

    _editor: QLineEdit | None = None

    def keyPressEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        sel = self.session.selection
        if (
            ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and sel is not None
            and sel.kind in ("edge", "bias")
        ):
            self.begin_edit(sel)
            return
        super().keyPressEvent(ev)

    def begin_edit(self, sel: Selection) -> QLineEdit | None:
        """An editor over the weight or bias: Enter applies (undoable), Escape cancels; a value
        that is not a finite number is marked and kept until it is fixed or cancelled."""
        s = self.session
        net = s.network
        if sel.kind == "bias" and net.biases is None:
            return None
        if sel.kind == "edge":
            j, r, c = sel.index
            value = net.weights[j][r, c]
            name = net.labels.weights[j][r][c]
            a, b = self._pos[j][c], self._pos[j + 1][r]
            where = a + (b - a) * 0.5
        else:
            j, i = sel.index
            value = net.biases[j][i]
            name = f"{net.labels.biases[j][i]} ({net.labels.neurons[j + 1][i]})"
            where = (self._bias_pos[j] + self._pos[j + 1][i]) / 2
        self.end_edit()
        ed = QLineEdit(repr(float(value)), self)
        ed.setObjectName("weight-editor")
        ed.setToolTip(plain_text.auto(f"New value of {name}: Enter applies (Ctrl+Z undoes), Escape cancels"))
        ed.setFont(self._font(10))
        ed.selectAll()
        pos = self.mapFromScene(self.vb.mapViewToScene(QPointF(*where)))
        w = int(150 * s.zoom)
        ed.setGeometry(pos.x() - w // 2, pos.y() - int(14 * s.zoom), w, int(28 * s.zoom))

        def apply() -> None:
            try:
                v = read_number(ed.text())
            except ValueError as e:
                ed.setStyleSheet(BAD_STYLE)
                ed.setToolTip(plain_text.auto(f"Not applied: not a finite number ({e}). Type one, or Escape"))
                return
            self.end_edit()
            s.edit_parameter(sel.kind, sel.index, v)
            self.setFocus()

        ed.installEventFilter(self)
        self._apply_edit = apply
        ed.show()
        ed.setFocus()
        self._editor = ed
        return ed

    def end_edit(self) -> None:
        ed = self._editor
        if ed is not None:
            self._editor = None
            ed.hide()
            ed.deleteLater()

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        # Enter and Escape end the edit here: QLineEdit passes Return on to its parent (this
        # canvas), which would open the editor again at once and keep the clicker's keys.
        if obj is self._editor and obj is not None and ev.type() == QEvent.Type.KeyPress:
            if ev.key() == Qt.Key.Key_Escape:
                self.end_edit()
                self.setFocus()
                return True
            if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._apply_edit()
                return True
        return super().eventFilter(obj, ev)
