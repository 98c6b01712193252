"""The network dialog's Layers table: one row of widgets per layer (name, size, activation,
slope), input first; adding a hidden layer after the current one, removing the current one,
and the row headers (input, hidden, output).

:class:`LayerRows` is a part of :class:`~bpviz.gui.dialogs.network_dialog.NetworkDialog`
(a mixin): it fills the dialog's ``table`` and keeps ``_rows`` and ``_current``; every field it
adds calls the dialog's ``_validate`` when it changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from bpviz.core import limits
from bpviz.core.build import LayerSpec
from bpviz.core.functions import ACTIVATION_NAMES, make_activation
from bpviz.gui.dialogs.network_fields import FieldError, num_text, read_whole


@dataclass
class LayerRow:
    """The widgets of one layer; ``origin`` is the layer of the old document it continues."""

    name: QLineEdit
    size: QLineEdit
    activation: QComboBox | None  # None for the input layer
    slope: QLineEdit
    origin: int | None

    def widgets(self) -> list[QWidget]:
        out: list[QWidget] = [self.name, self.size]
        if self.activation is not None:
            out.append(self.activation)
        return [*out, self.slope]


class LayerRows:
    """The rows of the NetworkDialog's Layers table."""

    def _table_height(self, rows: int) -> int:
        vh = self.table.verticalHeader()
        row_h = vh.defaultSectionSize()
        return (
            self.table.horizontalHeader().sizeHint().height() + rows * row_h + 2 * self.table.frameWidth() + 2
        )

    def _insert_row(self, i: int, ly: LayerSpec) -> LayerRow:
        name = QLineEdit(ly.name)
        size = QLineEdit(str(ly.size))
        slope = QLineEdit(num_text(ly.slope if ly.slope is not None else 1.0))
        for e in (name, size, slope):
            e.setFrame(False)
        size.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        slope.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._tips[name] = "The layer's name, used in labels (h → h1, h2, …)"
        self._tips[size] = f"Neurons in the layer: a whole number from 1 to {limits.MAX_LAYER_SIZE:,}"
        self._tips[slope] = "f(x) = slope·x: a finite number"
        act = None
        if i > 0 or self._rows:
            act = QComboBox()
            for a in ACTIVATION_NAMES:
                act.addItem(a, a)
                act.setItemData(act.count() - 1, make_activation(a).prose, Qt.ItemDataRole.ToolTipRole)
            self._set_combo(act, ly.activation or "sigmoid")
            act.currentIndexChanged.connect(self._validate)
        row = LayerRow(name, size, act, slope, ly.origin)
        self._rows.insert(i, row)
        self.table.insertRow(i)
        self.table.setCellWidget(i, 0, name)
        self.table.setCellWidget(i, 1, size)
        if act is not None:
            self.table.setCellWidget(i, 2, act)
        else:
            slope.clear()  # the input layer has no activation, so no slope
            lab = QLabel("— (input)")
            lab.setEnabled(False)
            lab.setContentsMargins(6, 0, 0, 0)
            self.table.setCellWidget(i, 2, lab)
        self.table.setCellWidget(i, 3, slope)
        for w in row.widgets():
            w.setToolTip(self._tips.get(w, ""))
            w.installEventFilter(self)
            if isinstance(w, QLineEdit):
                w.textChanged.connect(self._validate)
        self._after_rows_changed()
        return row

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt's name
        if ev.type() == QEvent.Type.FocusIn:
            for i, r in enumerate(self._rows):
                if obj in r.widgets():
                    self._current = i
                    self._update_buttons()
                    break
        return super().eventFilter(obj, ev)

    def layer_count(self) -> int:
        return len(self._rows)

    def name_edit(self, k: int) -> QLineEdit:
        return self._rows[k].name

    def size_edit(self, k: int) -> QLineEdit:
        return self._rows[k].size

    def activation_combo(self, k: int) -> QComboBox | None:
        return self._rows[k].activation

    def slope_edit(self, k: int) -> QLineEdit:
        return self._rows[k].slope

    def set_current_layer(self, k: int) -> None:
        self._current = k
        self._update_buttons()

    def add_layer(self) -> None:
        """A hidden layer after the current one (before the output if none is current or the
        output is): a fresh name, the size and activation of its neighbour."""
        n = len(self._rows)
        i = self._current + 1 if 0 <= self._current < n - 1 else n - 1
        used = {r.name.text().strip() for r in self._rows}
        name = next(c for c in ("h", *(f"h{k}" for k in range(2, n + 3))) if c not in used)
        above = self._rows[i - 1]
        try:
            size = read_whole(above.size.text())
        except FieldError:
            size = 2
        src = above if above.activation is not None else self._rows[i]
        act = src.activation.currentData() if src.activation is not None else "sigmoid"
        row = self._insert_row(i, LayerSpec(name, size, act, 1.0, None))
        self._current = i
        self._update_buttons()
        row.size.setFocus()
        row.size.selectAll()

    def remove_layer(self) -> None:
        """Remove the current layer (not the input; the last hidden one if the input or no row
        is current). At least 2 layers stay."""
        n = len(self._rows)
        if n <= 2:
            return
        i = self._current if 1 <= self._current < n else n - 2
        self._rows.pop(i)
        self.table.removeRow(i)
        self._current = -1  # the next Remove takes the last hidden layer, unless a row is chosen
        self._after_rows_changed()

    def _after_rows_changed(self) -> None:
        n = len(self._rows)
        labels = [
            "input" if k == 0 else "output" if k == n - 1 else "hidden" if n == 3 else f"hidden {k}"
            for k in range(n)
        ]
        self.table.setVerticalHeaderLabels(labels)
        for lab, r in zip(labels, self._rows, strict=True):
            for w, col in zip(
                r.widgets(),
                ("name", "size", "activation", "slope")
                if r.activation is not None
                else ("name", "size", "slope"),
                strict=True,
            ):
                w.setAccessibleName(f"{lab} layer {col}")
        self.table.setMinimumHeight(self._table_height(min(n, 7)))
        self.table.setMaximumHeight(max(self._table_height(n), self._table_height(7)))
        self._update_buttons()
        self._fix_tab_order()
        self._validate()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(len(self._rows) > 2)
