"""The network dialog (File → New network…, Edit → Network…): layers, biases, loss, training
settings and how new weights are drawn.

Every field is checked as it is typed: text that does not parse, and every problem
:func:`bpviz.core.build.spec_problems` finds, marks its field with a red border and a tooltip
giving the reason, the message line explains the first one, and OK stays disabled until all is
well. Nothing the user types is rewritten or dropped; only a valid spec reaches the core.
Reading the fields (numbers by core.numbers.read_number) is :mod:`network_fields`, without Qt.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.build import (
    INIT_SCHEMES,
    NetworkSpec,
    SpecError,
    build_document,
    default_spec,
    spec_from_document,
    spec_problems,
)
from bpviz.core.fileformat import MODES
from bpviz.core.functions import LOSS_NAMES, make_loss
from bpviz.gui.dialogs.layer_rows import LayerRow, LayerRows
from bpviz.gui.dialogs.network_fields import (
    MODE_TEXT,
    SCHEME_TEXT,
    TypedFields,
    TypedLayer,
    field_order,
    field_text,
    layer_field,
    num_text,
    read_spec,
    summary,
)
from bpviz.gui.plain_text import auto, warn

__all__ = ["NetworkDialog", "edit_network"]

INVALID_STYLE = """
QLineEdit[invalid="true"], QSpinBox[invalid="true"], QTableWidget[invalid="true"] {
    border: 2px solid #D32F2F; border-radius: 2px;
}
"""
INVALID_TEXT = "#D32F2F"
COLUMNS = ("Name", "Size", "Activation", "Slope")


class NetworkDialog(LayerRows, QDialog):
    """Edit a NetworkSpec. ``spec()`` is the edited spec, or None while anything is invalid."""

    def __init__(
        self, spec: NetworkSpec, parent: QWidget | None = None, title: str = "Network", new: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setStyleSheet(INVALID_STYLE)
        self._n_samples = max(1, int(spec.n_samples))
        self._rows: list[LayerRow] = []
        self._current = -1  # the row the user last worked in
        self._tips: dict[QWidget, str] = {}  # each field's own tooltip, shown while it is valid
        self._marked: dict[QWidget, str] = {}
        self._problems: dict[str, str] = {}
        self._building = True
        self._build_ui(new)
        self._load(spec)
        self._building = False
        self._validate()

    # ------------------------------------------------------------------------ building
    def _build_ui(self, new: bool) -> None:
        lay = QVBoxLayout(self)
        top = QFormLayout()
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("shown in the window title")
        top.addRow("&Title:", self.title_edit)
        lay.addLayout(top)

        box = QGroupBox("Layers")
        bl = QVBoxLayout(box)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c, w in ((1, 80), (2, 110), (3, 70)):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(c, w)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.table.setToolTip(
            "One row per layer, input first. The input layer has no "
            "activation; the slope counts for the linear activation only."
        )
        bl.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("&Add layer")
        self.add_button.setToolTip(
            "Insert a hidden layer after the current one "
            "(before the output layer if the input or output is current)"
        )
        self.remove_button = QPushButton("&Remove layer")
        self.remove_button.setToolTip(
            "Remove the current layer (the last hidden layer if the "
            "input is current); a network keeps at least 2 layers"
        )
        self.add_button.clicked.connect(self.add_layer)
        self.remove_button.clicked.connect(self.remove_layer)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        bl.addLayout(buttons)
        lay.addWidget(box, 1)

        box = QGroupBox("Training")
        form = QFormLayout(box)
        self.biases_check = QCheckBox("one &bias per neuron")
        self.train_biases_check = QCheckBox("tra&ined (else kept fixed; their gradients still show)")
        bias_row = QHBoxLayout()
        bias_row.addWidget(self.biases_check)
        bias_row.addWidget(self.train_biases_check)
        bias_row.addStretch(1)
        form.addRow("Biases:", bias_row)
        self.loss_combo = QComboBox()
        for name in LOSS_NAMES:
            loss = make_loss(name)
            self.loss_combo.addItem(f"{loss.title}:  {loss.formula()}", name)
            self.loss_combo.setItemData(self.loss_combo.count() - 1, loss.prose, Qt.ItemDataRole.ToolTipRole)
        form.addRow("&Loss:", self.loss_combo)
        self.lr_edit = QLineEdit()
        self._tips[self.lr_edit] = "η in w ← w − η·∂E/∂w: a finite number > 0"
        form.addRow("Lear&ning rate η:", self.lr_edit)
        self.mode_combo = QComboBox()
        for m in MODES:
            self.mode_combo.addItem(MODE_TEXT[m], m)
        form.addRow("&Mode:", self.mode_combo)
        mb = QHBoxLayout()
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, self._n_samples)
        self._tips[self.batch_spin] = f"Samples per step in minibatch mode (1 to {self._n_samples})"
        self.shuffle_edit = QLineEdit()
        self.shuffle_edit.setPlaceholderText("none: file order")
        self._tips[self.shuffle_edit] = "Empty: batches in file order; a seed: a fresh permutation each epoch"
        self.batch_label = QLabel(f"of {self._n_samples} {'sample' if self._n_samples == 1 else 'samples'};")
        mb.addWidget(self.batch_spin)
        mb.addWidget(self.batch_label)
        shuffle_label = QLabel("shuffle s&eed:")
        shuffle_label.setBuddy(self.shuffle_edit)
        mb.addWidget(shuffle_label)
        mb.addWidget(self.shuffle_edit, 1)
        batch_label = QLabel("Batch si&ze:")
        batch_label.setBuddy(self.batch_spin)
        form.addRow(batch_label, mb)
        lay.addWidget(box)

        box = QGroupBox("New weights")
        form = QFormLayout(box)
        self.init_combo = QComboBox()
        for s in INIT_SCHEMES:
            self.init_combo.addItem(SCHEME_TEXT[s], s)
        form.addRow("S&cheme:", self.init_combo)
        row = QHBoxLayout()
        self.scale_edit = QLineEdit()
        self._tips[self.scale_edit] = "Weights are drawn from uniform(−scale, scale): a number > 0"
        self.seed_edit = QLineEdit()
        self._tips[self.seed_edit] = "numpy.random.default_rng(seed): a whole number ≥ 0"
        row.addWidget(self.scale_edit)
        seed_label = QLabel("see&d:")
        seed_label.setBuddy(self.seed_edit)
        row.addWidget(seed_label)
        row.addWidget(self.seed_edit)
        scale_label = QLabel("&Scale ±:")
        scale_label.setBuddy(self.scale_edit)
        form.addRow(scale_label, row)
        hint = QLabel(
            'Every weight and bias is drawn from the seed, as a file\'s "init" does.'
            if new
            else "Weights and biases that still fit keep their values; the "
            'others are drawn from the seed, as a file\'s "init" does.'
        )
        hint.setWordWrap(True)
        hint.setEnabled(False)  # muted
        form.addRow(hint)
        lay.addWidget(box)

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.message)
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        lay.addWidget(self.button_box)

        for w, tip in self._tips.items():
            w.setToolTip(tip)
        for sig in (
            self.title_edit.textChanged,
            self.lr_edit.textChanged,
            self.shuffle_edit.textChanged,
            self.scale_edit.textChanged,
            self.seed_edit.textChanged,
            self.batch_spin.valueChanged,
            self.biases_check.toggled,
            self.train_biases_check.toggled,
            self.loss_combo.currentIndexChanged,
            self.mode_combo.currentIndexChanged,
            self.init_combo.currentIndexChanged,
        ):
            sig.connect(self._validate)

    def _load(self, spec: NetworkSpec) -> None:
        self.title_edit.setText(spec.title or "")
        for ly in spec.layers:
            self._insert_row(len(self._rows), ly)
        self.biases_check.setChecked(bool(spec.biases))
        self.train_biases_check.setChecked(bool(spec.train_biases))
        self._set_combo(self.loss_combo, spec.loss)
        self.lr_edit.setText(num_text(spec.learning_rate))
        self._set_combo(self.mode_combo, spec.mode)
        bs = spec.batch_size if spec.batch_size is not None else max(1, self._n_samples // 2)
        self.batch_spin.setValue(min(max(1, int(bs)), self._n_samples))
        self.shuffle_edit.setText("" if spec.shuffle_seed is None else str(spec.shuffle_seed))
        self._set_combo(self.init_combo, spec.init_scheme)
        self.scale_edit.setText(num_text(spec.init_scale if spec.init_scale else 0.5))
        self.seed_edit.setText(str(spec.init_seed))

    @staticmethod
    def _set_combo(combo: QComboBox, value) -> None:
        i = combo.findData(value)
        combo.setCurrentIndex(max(0, i))

    def _fix_tab_order(self) -> None:
        chain: list[QWidget] = [self.title_edit]
        for r in self._rows:
            chain += r.widgets()
        chain += [
            self.add_button,
            self.remove_button,
            self.biases_check,
            self.train_biases_check,
            self.loss_combo,
            self.lr_edit,
            self.mode_combo,
            self.batch_spin,
            self.shuffle_edit,
            self.init_combo,
            self.scale_edit,
            self.seed_edit,
        ]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # ------------------------------------------------------------------------ validation
    def _read(self) -> tuple[NetworkSpec, dict[str, str]]:
        """The spec as typed (None where a field does not parse) and the parse problems."""
        layers = [
            TypedLayer(
                r.name.text(),
                r.size.text(),
                r.activation.currentData() if r.activation is not None else None,
                r.slope.text(),
                r.origin,
            )
            for r in self._rows
        ]
        return read_spec(
            TypedFields(
                title=self.title_edit.text(),
                layers=layers,
                biases=self.biases_check.isChecked(),
                train_biases=self.train_biases_check.isChecked(),
                loss=self.loss_combo.currentData(),
                learning_rate=self.lr_edit.text(),
                mode=self.mode_combo.currentData(),
                batch_size=self.batch_spin.value(),
                shuffle_seed=self.shuffle_edit.text(),
                init_scheme=self.init_combo.currentData(),
                init_scale=self.scale_edit.text(),
                init_seed=self.seed_edit.text(),
                n_samples=self._n_samples,
            )
        )

    def _field_widget(self, f: str) -> QWidget | None:
        lf = layer_field(f)
        if lf:
            k, part = lf
            if k >= len(self._rows):
                return self.table
            r = self._rows[k]
            return {"name": r.name, "size": r.size, "slope": r.slope, "activation": r.activation}.get(
                part, self.table
            )
        return {
            "layers": self.table,
            "learning_rate": self.lr_edit,
            "batch_size": self.batch_spin,
            "shuffle_seed": self.shuffle_edit,
            "init.scale": self.scale_edit,
            "init.seed": self.seed_edit,
            "title": self.title_edit,
        }.get(f)

    def _field_text(self, f: str) -> str:
        lf = layer_field(f)
        item = self.table.verticalHeaderItem(lf[0]) if lf else None
        return field_text(f, item.text() if item is not None else None)

    def _validate(self, *_args) -> None:
        if self._building:
            return
        minibatch = self.mode_combo.currentData() == "minibatch"
        self.batch_spin.setEnabled(minibatch)
        self.shuffle_edit.setEnabled(minibatch)
        self.scale_edit.setEnabled(self.init_combo.currentData() == "uniform")
        self.train_biases_check.setEnabled(self.biases_check.isChecked())
        for r in self._rows:
            r.slope.setEnabled(r.activation is not None and r.activation.currentData() == "linear")

        spec, problems = self._read()
        for p in spec_problems(spec):
            problems.setdefault(p.field, p.reason)
        problems = dict(sorted(problems.items(), key=lambda kv: field_order(kv[0])))
        self._problems = problems
        marks: dict[QWidget, list[str]] = {}
        for f, reason in problems.items():
            w = self._field_widget(f)
            if w is not None:
                marks.setdefault(w, []).append(reason)
        for w in list(self._marked):
            if w not in marks:
                self._mark(w, None)
        for w, reasons in marks.items():
            self._mark(w, "; ".join(reasons))
        self.ok_button.setEnabled(not problems)
        if problems:
            f, reason = next(iter(problems.items()))
            more = len(problems) - 1
            extra = f"  (and {more} more {'problem' if more == 1 else 'problems'})" if more else ""
            self.message.setText(f"{self._field_text(f)}: {reason}{extra}")
            self.message.setStyleSheet(f"color: {INVALID_TEXT};")
        else:
            self.message.setText(summary(spec))
            self.message.setStyleSheet("")

    def _mark(self, w: QWidget, reason: str | None) -> None:
        if reason is None:
            self._marked.pop(w, None)
            w.setProperty("invalid", False)
            w.setToolTip(self._tips.get(w, ""))
        else:
            self._marked[w] = reason
            w.setProperty("invalid", True)
            w.setToolTip(auto(reason))  # a reason may quote a name as typed
        w.style().unpolish(w)
        w.style().polish(w)
        w.update()

    def problems(self) -> dict[str, str]:
        """What is wrong now, by field (``layers[1].size``, ``learning_rate``, …)."""
        return dict(self._problems)

    def invalid_widgets(self) -> dict[QWidget, str]:
        """The fields marked invalid, with the reasons their tooltips show."""
        return dict(self._marked)

    # ------------------------------------------------------------------------ result
    def spec(self) -> NetworkSpec | None:
        """The edited spec, or None while anything is invalid."""
        spec, problems = self._read()
        if problems or spec_problems(spec):
            return None
        return spec

    def accept(self) -> None:
        if self.spec() is None:  # OK is disabled then; Enter or a test may still get here
            self._validate()
            return
        super().accept()


# ---------------------------------------------------------------------------- the commands
def _run(dialog: NetworkDialog) -> bool:
    """Show the dialog modally; tests replace this to fill the fields and accept."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def _inform(parent: QWidget | None, title: str, notes: list[str]) -> None:
    """Tell the user what the change did beyond the dialog's fields (not modal)."""
    box = QMessageBox(
        QMessageBox.Icon.Information, title, "\n\n".join(notes), QMessageBox.StandardButton.Ok, parent
    )
    box.setTextFormat(Qt.TextFormat.PlainText)  # the notes name layers as written
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def edit_network(session, parent: QWidget | None = None, new: bool = False) -> bool:
    """File → New network… (``new``) or Edit → Network…: the dialog, then the new document
    as one undoable step. Returns whether the network changed."""
    if session.training:
        QMessageBox.information(parent, "Network", "Pause training before changing the network.")
        return False
    old = None if new else session.current_document()
    spec = default_spec() if old is None else spec_from_document(old)
    title = "New network" if new else "Network"
    dialog = NetworkDialog(spec, parent, title=title, new=new)
    try:
        if not _run(dialog):
            return False
        result = dialog.spec()
        if result is None:
            return False
        try:
            doc, notes = build_document(result, old)
        except SpecError as e:  # the dialog checked everything: not expected
            warn(parent, title, str(e))
            return False
    finally:
        dialog.deleteLater()
    session.replace_document(doc, "New network" if new else "Change the network")
    if notes:
        _inform(parent, title, notes)
    return True
