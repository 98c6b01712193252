"""The network dialog (File → New network…, Edit → Network…): layers, derived input features,
biases, loss, training settings and how new weights are drawn.

The input layer's Size is the raw inputs a data row holds; each ticked input feature (x1²,
x1·x2, sin x1, …: ``core.features``) adds an input neuron computed from them, named after its
formula. The loss and the output activation must go together (cross-entropy with softmax,
binary cross-entropy with sigmoid: ``functions.compatibility_problem``), and the data's targets
must suit the loss (``functions.target_problem``); a button offers the output activation the
chosen loss needs.

Every field is checked as it is typed: text that does not parse, and every problem
:func:`bpviz.core.build.spec_problems` finds, marks its field with a red border and a tooltip
giving the reason, the message line explains the first one, and OK stays disabled until all is
well. Nothing the user types is rewritten or dropped; only a valid spec reaches the core.
Reading the fields (numbers by core.numbers.read_number) is :mod:`network_fields`, without Qt.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from bpviz.core import features as core_features
from bpviz.core import limits
from bpviz.core.build import (
    INIT_SCHEMES,
    NetworkSpec,
    SpecError,
    build_document,
    default_spec,
    spec_from_document,
    spec_problems,
)
from bpviz.core.fileformat import MODES, Document
from bpviz.core.functions import ACTIVATION_NAMES, LOSS_NAMES, LOSSES, make_loss, target_problem
from bpviz.core.network import Labels
from bpviz.gui.dialogs.layer_rows import LayerRow, LayerRows
from bpviz.gui.dialogs.network_fields import (
    MODE_TEXT,
    MOMENTUM_TIP,
    SCHEME_TEXT,
    FieldError,
    TypedFields,
    TypedLayer,
    field_order,
    field_text,
    layer_field,
    num_text,
    read_momentum_field,
    read_spec,
    read_whole,
    summary,
    with_momentum,
)
from bpviz.gui.plain_text import auto, warn

__all__ = ["NetworkDialog", "edit_network"]

INVALID_STYLE = """
QLineEdit[invalid="true"], QSpinBox[invalid="true"], QTableWidget[invalid="true"],
QComboBox[invalid="true"], QGroupBox[invalid="true"] {
    border: 2px solid #D32F2F; border-radius: 2px;
}
"""
MAX_FEATURE_INPUTS = 4  # features are offered for up to 4 raw inputs (4 squares, 6 products, 4 sines)
FEATURE_COLUMNS = 3
INVALID_TEXT = "#D32F2F"
COLUMNS = ("Name", "Size", "Activation", "Slope")


def _narrow(combo: QComboBox) -> None:
    """A combo box as narrow as a 1024-pixel screen at 2× font zoom needs (its list still
    shows whole lines)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(16)
    view = combo.view()
    view.setMinimumWidth(view.sizeHintForColumn(0) + 2 * view.frameWidth() + 24)


class NetworkDialog(LayerRows, QDialog):
    """Edit a NetworkSpec. ``spec()`` is the edited spec, or None while anything is invalid."""

    def __init__(
        self,
        spec: NetworkSpec,
        parent: QWidget | None = None,
        title: str = "Network",
        new: bool = False,
        doc: Document | None = None,
    ) -> None:
        """``doc``: the document the network replaces (its targets must suit the loss; its
        input labels name the derived features); None for a new network."""
        super().__init__(parent)
        self._doc = doc
        self.feature_checks: dict[str, QCheckBox] = {}
        self._feature_key: tuple = ()
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
        self._initial_size()
        self._sized = False

    def showEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        if not self._sized:  # again, now that the style has polished every field
            self._sized = True
            self._initial_size()
        super().showEvent(ev)

    def _initial_size(self) -> None:
        """All of it when the screen has room, else as much as fits (the rest scrolls): a
        1024 × 768 projector at 2× font zoom."""
        body = self.body.sizeHint()
        sb = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        m = self.layout().contentsMargins()
        spacing = max(0, self.layout().spacing())
        self.scroll.setMinimumWidth(self.body.minimumSizeHint().width() + sb)
        h = self.fontMetrics().height()
        body_h = max(body.height(), self.body.heightForWidth(body.width()))  # wrapped hints
        want = QSize(
            body.width() + sb + m.left() + m.right(),
            body_h
            + 2 * h  # the message (a line or two)
            + self.button_box.sizeHint().height()
            + 2 * spacing
            + m.top()
            + m.bottom(),
        )
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            want = want.boundedTo(QSize(screen.width() - 40, screen.height() - 60))
        self.resize(want)

    # ------------------------------------------------------------------------ building
    def _build_ui(self, new: bool) -> None:
        self.body = QWidget()  # everything but the message and the buttons: scrolls when tall
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(0, 0, 0, 0)
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
        fm = self.fontMetrics()  # widths follow the font (2× on a projector)
        widest = max(fm.horizontalAdvance(a) for a in ACTIVATION_NAMES)
        for c, w in (
            (1, fm.horizontalAdvance("Size") + fm.horizontalAdvance("0000") + 16),
            (2, max(widest + 3 * fm.height(), fm.horizontalAdvance("Activation") + 16)),
            (3, fm.horizontalAdvance("Slope") + fm.horizontalAdvance("00") + 16),
        ):
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

        self.features_box = QGroupBox("Input features")
        self.features_box.setToolTip(
            "Derived inputs, computed from the raw inputs of each sample (as in TensorFlow "
            "Playground): each one ticked adds an input neuron named after its formula. The data "
            "keeps the raw inputs only."
        )
        fl = QVBoxLayout(self.features_box)
        self.features_grid = QGridLayout()
        self.features_grid.setHorizontalSpacing(2 * self.fontMetrics().height())
        fl.addLayout(self.features_grid)
        self.features_note = QLabel()
        self.features_note.setWordWrap(True)
        self.features_note.setTextFormat(Qt.TextFormat.PlainText)  # neuron labels from a file
        self.features_note.setEnabled(False)  # muted
        fl.addWidget(self.features_note)
        lay.addWidget(self.features_box)

        box = QGroupBox("Training")
        form = QFormLayout(box)
        self.biases_check = QCheckBox("one &bias per neuron")
        self.train_biases_check = QCheckBox("tra&ined")
        self.train_biases_check.setToolTip(
            "Trained biases change with every update; untrained ones stay fixed (their gradients still show)"
        )
        bias_row = QHBoxLayout()
        bias_row.addWidget(self.biases_check)
        bias_row.addWidget(self.train_biases_check)
        bias_row.addStretch(1)
        form.addRow("Biases:", bias_row)
        self.loss_combo = QComboBox()
        for name in LOSS_NAMES:
            loss = make_loss(name)
            self.loss_combo.addItem(f"{loss.title}:  {loss.formula()}", name)
            self.loss_combo.setItemData(
                self.loss_combo.count() - 1, f"{loss.formula()}\n{loss.prose}", Qt.ItemDataRole.ToolTipRole
            )
        _narrow(self.loss_combo)
        self.output_button = QPushButton()  # "Use a softmax output", when the loss needs one
        self.output_button.setVisible(False)
        self.output_button.clicked.connect(self._use_required_output)
        loss_row = QHBoxLayout()
        loss_row.addWidget(self.loss_combo, 1)
        loss_row.addWidget(self.output_button)
        loss_label = QLabel("&Loss:")
        loss_label.setBuddy(self.loss_combo)
        form.addRow(loss_label, loss_row)
        self.lr_edit = QLineEdit()
        self._tips[self.lr_edit] = "η in w ← w − η·∂E/∂w: a finite number > 0"
        form.addRow("Lear&ning rate η:", self.lr_edit)
        self.momentum_edit = QLineEdit()
        self._tips[self.momentum_edit] = MOMENTUM_TIP
        momentum_label = QLabel("Moment&um α:")
        momentum_label.setBuddy(self.momentum_edit)
        momentum_label.setToolTip(MOMENTUM_TIP)
        form.addRow(momentum_label, self.momentum_edit)
        self.mode_combo = QComboBox()
        for m in MODES:
            self.mode_combo.addItem(MODE_TEXT[m], m)
        _narrow(self.mode_combo)
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
        _narrow(self.init_combo)
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

        self.scroll = QScrollArea()
        self.scroll.setWidget(self.body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        outer = QVBoxLayout(self)
        outer.addWidget(self.scroll, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        outer.addWidget(self.message)
        self.button_box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        outer.addWidget(self.button_box)

        for w, tip in self._tips.items():
            w.setToolTip(tip)
        for sig in (
            self.title_edit.textChanged,
            self.lr_edit.textChanged,
            self.momentum_edit.textChanged,
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
        feats = list(getattr(spec, "features", []) or [])
        if feats and self._rows and isinstance(spec.layers[0].size, int):
            self._rows[0].size.setText(str(spec.layers[0].size - len(feats)))  # the raw inputs
        self._initial_features = feats
        self.biases_check.setChecked(bool(spec.biases))
        self.train_biases_check.setChecked(bool(spec.train_biases))
        self._set_combo(self.loss_combo, spec.loss)
        self.lr_edit.setText(num_text(spec.learning_rate))
        self.momentum_edit.setText(f"{self._doc.momentum:g}" if self._doc is not None else "0")
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
            *self.feature_checks.values(),
            self.biases_check,
            self.train_biases_check,
            self.loss_combo,
            self.output_button,
            self.lr_edit,
            self.momentum_edit,
            self.mode_combo,
            self.batch_spin,
            self.shuffle_edit,
            self.init_combo,
            self.scale_edit,
            self.seed_edit,
        ]
        for a, b in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(a, b)

    # ------------------------------------------------------------------------ input features
    def checked_features(self) -> list[str]:
        """The ticked features, in the order offered."""
        if not self.feature_checks:
            return list(getattr(self, "_initial_features", []))
        return [f for f, c in self.feature_checks.items() if c.isChecked()]

    def _raw_count(self) -> int | None:
        if not self._rows:
            return None
        try:
            return read_whole(self._rows[0].size.text())
        except FieldError:
            return None

    def _raw_labels(self, n: int) -> list[str]:
        """The raw inputs' labels as the built network will have them: the old ones while the
        input layer keeps its name, else the name numbered (x → x1, x2)."""
        name = self._rows[0].name.text().strip() or "x"
        fresh = Labels.neuron_names(name, n)
        d = self._doc
        if d is not None and d.network.names[0] == name:
            net = d.network
            old = [str(x) for x in net.labels.neurons[0][: net.sizes[0] - len(net.features)]]
            return [old[i] if i < len(old) else fresh[i] for i in range(n)]
        return fresh

    def _sync_features(self) -> None:
        """The feature check boxes for the raw inputs as typed (rebuilt when they change),
        and the line saying what the input layer holds."""
        n = self._raw_count()
        checked = self.checked_features()
        if n is None or n < 1 or n > limits.MAX_LAYER_SIZE:
            return  # typing: keep the boxes as they are until the size reads
        offered = core_features.choices(n) if n <= MAX_FEATURE_INPUTS else []
        names = offered + [f for f in checked if f not in offered]
        labels = self._raw_labels(n)
        key = (tuple(names), tuple(labels))
        if key != self._feature_key:
            self._feature_key = key
            for c in self.feature_checks.values():
                self.features_grid.removeWidget(c)
                c.deleteLater()
            self.feature_checks = {}
            for i, f in enumerate(names):
                problem = core_features.problem(f, n)
                c = QCheckBox(core_features.label(f, labels) if problem is None else f)
                c.setChecked(f in checked)
                c.setToolTip(
                    f"{f}: {core_features.formula(f, labels)}; an input neuron computed from each sample"
                    if problem is None
                    else auto(f"{f}: {problem}")
                )
                c.setAccessibleName(f"input feature {f}")
                c.toggled.connect(self._validate)
                self.features_grid.addWidget(c, i // FEATURE_COLUMNS, i % FEATURE_COLUMNS)
                self.feature_checks[f] = c
            self.features_grid.setColumnStretch(FEATURE_COLUMNS, 1)
            self._fix_tab_order()
        checked = self.checked_features()
        raw = f"{', '.join(labels[:6])}{', …' if n > 6 else ''}"
        note = ""
        if n > MAX_FEATURE_INPUTS:
            note = (
                f"Derived features are offered for up to {MAX_FEATURE_INPUTS} raw inputs; "
                f"this network has {n}. "
            )
        if checked:
            shown = [
                core_features.label(f, labels) if core_features.problem(f, n) is None else f for f in checked
            ]
            note += (
                f"Input layer: {n} raw ({raw}) + {len(checked)} computed ({', '.join(shown)}) = "
                f"{n + len(checked)} neurons. The data keeps the raw inputs only."
            )
        elif not note:
            note = f"None ticked: the input layer is the {n} raw input{'s' if n != 1 else ''} ({raw})."
        self.features_note.setText(note)

    # ------------------------------------------------------------------------ the loss
    def _required_output(self) -> str | None:
        """The output activation the chosen loss needs when the output layer has another."""
        loss = self.loss_combo.currentData()
        need = LOSSES[loss].requires_activation if loss in LOSSES else None
        out = self._rows[-1].activation if self._rows else None
        if need is None or out is None or out.currentData() == need:
            return None
        return need

    def _use_required_output(self) -> None:
        need = self._required_output()
        if need is not None:
            self._set_combo(self._rows[-1].activation, need)

    def _targets_problem(self, spec: NetworkSpec) -> str | None:
        """Why the data's targets (cut or padded to the outputs, as the build does) cannot go
        with the loss; None without old data or when they can."""
        d = self._doc
        n_out = spec.layers[-1].size if spec.layers else None
        if d is None or not isinstance(n_out, int) or n_out < 1 or spec.loss not in LOSSES:
            return None
        for t, where in ((d.targets, "data"), (d.test_targets, "test rows")):
            if t is None or not len(t):
                continue
            fitted = np.zeros((len(t), n_out))
            k = min(n_out, t.shape[1])
            fitted[:, :k] = t[:, :k]
            p = target_problem(spec.loss, fitted)
            if p:
                return (
                    f"{p} (in the {where}): make targets that suit it first (Data → Generate "
                    "makes one-hot classes), or choose another loss"
                )
        return None

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

    def momentum(self) -> float | None:
        """The momentum α as typed (None: not a momentum; ``problems`` says why)."""
        try:
            return read_momentum_field(self.momentum_edit.text())
        except FieldError:
            return None

    def _read_with_features(self) -> tuple[NetworkSpec, dict[str, str]]:
        """The spec as typed with the ticked features: the input layer's size counts them, as
        the file's does (the field shows the raw inputs)."""
        spec, problems = self._read()
        try:  # α is the document's, not the spec's (bpviz.core.build has none)
            read_momentum_field(self.momentum_edit.text())
        except FieldError as e:
            problems["momentum"] = str(e)
        feats = self.checked_features()
        spec.features = feats
        first = spec.layers[0] if spec.layers else None
        if feats and first is not None and isinstance(first.size, int) and first.size >= 1:
            spec.layers[0] = first._replace(size=first.size + len(feats))
        return spec, problems

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
        if f == "features" or f.startswith("features["):
            return self.features_box
        return {
            "layers": self.table,
            "loss": self.loss_combo,
            "learning_rate": self.lr_edit,
            "momentum": self.momentum_edit,
            "batch_size": self.batch_spin,
            "shuffle_seed": self.shuffle_edit,
            "init.scale": self.scale_edit,
            "init.seed": self.seed_edit,
            "title": self.title_edit,
        }.get(f)

    def _field_text(self, f: str) -> str:
        if f == "features" or f.startswith("features["):
            return "Input features"
        if f == "n_samples":
            return "Data"
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
        self._sync_features()
        loss = make_loss(self.loss_combo.currentData())
        self._tips[self.loss_combo] = f"{loss.formula()}\n{loss.prose}"  # the reason while marked
        if self.loss_combo not in self._marked:
            self.loss_combo.setToolTip(self._tips[self.loss_combo])
        need = self._required_output()
        self.output_button.setVisible(need is not None)
        if need is not None:
            self.output_button.setText(f"Use a {need} &output")
            self.output_button.setToolTip(
                f"Set the output layer's activation to {need}: {self.loss_combo.currentData()} needs it"
            )

        spec, problems = self._read_with_features()
        for p in spec_problems(spec):
            problems.setdefault(p.field, p.reason)
        if "loss" not in problems:
            tp = self._targets_problem(spec)
            if tp:
                problems["loss"] = tp
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
            text = summary(spec)
            if spec.features:
                n = spec.layers[0].size - len(spec.features)
                labels = self._raw_labels(n)
                shown = ", ".join(core_features.label(f, labels) for f in spec.features)
                text += f" The input layer computes {shown} from {n} raw input{'s' if n != 1 else ''}."
            self.message.setText(text)
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
        spec, problems = self._read_with_features()
        if problems or spec_problems(spec) or self._targets_problem(spec):
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
    dialog = NetworkDialog(spec, parent, title=title, new=new, doc=old)
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
        with_momentum(doc, dialog.momentum(), old)
    finally:
        dialog.deleteLater()
    session.replace_document(doc, "New network" if new else "Change the network")
    if notes:
        _inform(parent, title, notes)
    return True
