"""Data → Generate: a dialog listing every generator (the truth tables, two noisy classes, the
2-D classification sets and the 1-D regression sets) with its parameters, a preview of the rows
and whether they fit the network; applying it replaces the data, the test rows, the class names
and the generator spec in one undo step (``session.replace_document``), changing the network's
input and output layers first when the user asks for that.

What a spec would do to the document is :mod:`generate_plan` (no Qt). :class:`GeneratedSets`
is a part of :class:`~bpviz.gui.panels.data_editor.editor.DataEditor` (a mixin): it uses the
editor's ``_commit_editing``, ``_refuse`` and ``_update_status``.
"""

from __future__ import annotations

import math
import re

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSpinBox,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.datasets import GENERATORS, Param
from bpviz.core.fileformat import Document
from bpviz.gui.panels.data_editor.generate_plan import GeneratePlan, apply_plan, initial_spec, make_plan
from bpviz.gui.panels.data_editor.model import BAD_TEXT, plural
from bpviz.gui.plain_text import auto

__all__ = ["GenerateDialog", "GeneratedSets", "PreviewPlot", "SECTIONS"]

# the list's sections: a generator's kind → heading
SECTIONS = {
    "table": "Truth tables",
    "classification": "Classification (2 inputs)",
    "regression": "Regression (1 input)",
}
# how the dialog labels and explains each spec key (a generator's own ones too)
LABELS = {
    "samples": ("&Samples:", "How many rows to make: the training rows and the test rows together"),
    "noise": (
        "&Noise σ:",
        "The standard deviation σ of the Gaussian noise added to each point "
        "(larger: the classes overlap more, the curve is blurred)",
    ),
    "seed": ("S&eed:", "The seed of the random numbers: the same seed makes the same rows, bit for bit"),
    "test_fraction": (
        "&Test rows:",
        "The share of the rows held out as test rows: never trained on, they show how well the "
        "network does on points it has not seen (the test error)",
    ),
    "classes": ("&Classes:", "The number of classes: one spiral arm each"),
    "turns": ("T&urns:", "How many times each spiral arm winds around the centre"),
    "clusters": ("&Clusters:", "The number of Gaussian clusters: one class each"),
    "degree": ("&Degree:", "The degree d of the Chebyshev polynomial T_d the targets follow"),
}
MAX_TEST_PERCENT = 90.0  # a dialog's sensible top: at least a tenth of the rows trains
# Okabe–Ito: tells the classes apart with any colour vision
CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def _title(g) -> str:
    return f"{g.title}  ({plural(g.n_in, 'input')}, {plural(g.n_out, 'target')})"


def _short(title: str) -> str:
    """A title without its parenthesis ("Circle (2-D)" → "Circle"): the list's headings say it."""
    return re.sub(r"\s*\([^)]*\)$", "", title) or title


class ParamFields(QWidget):
    """The spin boxes of one generator's parameters (fixed ones shown, disabled)."""

    changed = Signal()

    def __init__(self, g, parent=None) -> None:
        super().__init__(parent)
        self.g = g
        self.boxes: dict[str, QSpinBox | QDoubleSpinBox] = {}
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for p in g.params:
            box = self._box(p)
            self.boxes[p.name] = box
            label, tip = LABELS.get(p.name, (f"{p.label[:1].upper()}{p.label[1:]}:", p.help))
            form.addRow(label, box)
            box.setToolTip(self._tip(p, tip))
            box.valueChanged.connect(self.changed)
        w = max(b.sizeHint().width() for b in self.boxes.values()) if self.boxes else 0
        for b in self.boxes.values():
            b.setMinimumWidth(w)

    @staticmethod
    def _tip(p: Param, tip: str) -> str:
        if p.fixed:
            return f"{tip}. Fixed at {p.low:g} for this set."
        if p.name == "test_fraction":
            return f"{tip}. From 0 % (none) to {MAX_TEST_PERCENT:g} %."
        if p.integer:
            return f"{tip}. A whole number from {p.low:,} to {p.high:,}."
        return f"{tip}. From {p.low:g} to {p.high:g}."

    def _box(self, p: Param) -> QSpinBox | QDoubleSpinBox:
        if p.name == "test_fraction":
            box = QDoubleSpinBox()
            box.setDecimals(1)
            box.setRange(0.0, MAX_TEST_PERCENT)
            box.setSingleStep(5.0)
            box.setSuffix(" %")
            box.setValue(100.0 * p.default)
        elif p.integer:
            box = QSpinBox()
            box.setRange(int(p.low), int(min(p.high, 2**31 - 1)))
            box.setGroupSeparatorShown(p.high >= 10_000)
            box.setValue(int(p.default))
        else:
            box = QDoubleSpinBox()
            box.setDecimals(3 if p.name == "noise" else 2)
            box.setRange(float(p.low), float(p.high))
            box.setSingleStep(0.25 if p.name == "turns" else 0.1 if p.default >= 0.5 else 0.01)
            box.setValue(float(p.default))
        box.setEnabled(not p.fixed)
        box.setAccelerated(True)
        box.setKeyboardTracking(False)  # typing 150 is not a set of 1, then 15, then 150 rows
        box.setProperty("param", p.name)
        return box

    def spec(self) -> dict:
        """The spec these fields show (every parameter, in the generator's order)."""
        out: dict = {"name": self.g.name}
        for p in self.g.params:
            v = self.boxes[p.name].value()
            if p.name == "test_fraction":
                v = round(v / 100.0, 6)
            elif p.integer:
                v = int(v)
            else:
                v = round(float(v), 6)
            out[p.name] = v
        return out

    def set_spec(self, spec: dict) -> None:
        for p in self.g.params:
            if p.name not in spec:
                continue
            v = spec[p.name]
            box = self.boxes[p.name]
            box.blockSignals(True)
            box.setValue(100.0 * v if p.name == "test_fraction" else v)
            box.blockSignals(False)
        self.changed.emit()


class PreviewPlot(QWidget):
    """The rows a spec makes, drawn small: 2 inputs as points coloured by class (test rows as
    rings), 1 input as the target over the input."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.plan: GeneratePlan | None = None
        self.setMinimumSize(160, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("The rows the set makes: filled dots train, rings are test rows (never trained on)")

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        h = self.fontMetrics().height()
        return QSize(16 * h, 14 * h)

    def set_plan(self, plan: GeneratePlan | None) -> None:
        self.plan = plan
        self.update()

    @staticmethod
    def _classes(targets: np.ndarray, low: float) -> np.ndarray:
        if targets.shape[1] > 1:
            return targets.argmax(axis=1)
        mid = (low + 1.0) / 2.0
        return (targets[:, 0] >= mid).astype(int)

    def paintEvent(self, _ev) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        fg = pal.color(QPalette.ColorRole.Text)
        plan = self.plan
        m = max(4, self.fontMetrics().height() // 2)
        box = QRectF(self.rect()).adjusted(m, m, -m, -m)
        made = plan.generated if plan is not None else None
        square = made is not None and made.inputs.shape[1] != 1
        if square:  # the same scale on both axes: a circle stays round
            side = min(box.width(), box.height())
            box = QRectF(box.center().x() - side / 2, box.center().y() - side / 2, side, side)
        frame = QColor(fg)
        frame.setAlpha(90)
        p.setPen(QPen(frame, 1))
        p.drawRect(box)
        if made is None:
            p.setPen(fg)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, "no preview")
            p.end()
            return
        X = np.vstack([made.inputs, made.test_inputs])
        T = np.vstack([made.targets, made.test_targets])
        n_train = len(made.inputs)
        if not square:
            pts = np.hstack([X[:, :1], T[:, :1]])
            colour = np.zeros(len(X), int)
        else:
            pts = X[:, :2]
            colour = self._classes(T, plan.low) if T.shape[1] else np.zeros(len(X), int)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        lo, span = lo - 0.05 * span, span * 1.1
        if square:
            s = max(span)
            lo, span = lo - (s - span) / 2, np.array([s, s])
        inner = box.adjusted(2, 2, -2, -2)
        sx = (pts[:, 0] - lo[0]) / span[0] * inner.width() + inner.left()
        sy = inner.bottom() - (pts[:, 1] - lo[1]) / span[1] * inner.height()
        # the axes through 0 where 0 is in view
        axis = QColor(fg)
        axis.setAlpha(50)
        p.setPen(QPen(axis, 1, Qt.PenStyle.DashLine))
        if lo[0] < 0 < lo[0] + span[0]:
            x0 = (0 - lo[0]) / span[0] * inner.width() + inner.left()
            p.drawLine(QPointF(x0, inner.top()), QPointF(x0, inner.bottom()))
        if lo[1] < 0 < lo[1] + span[1]:
            y0 = inner.bottom() - (0 - lo[1]) / span[1] * inner.height()
            p.drawLine(QPointF(inner.left(), y0), QPointF(inner.right(), y0))
        r = 5.0 if len(X) <= 8 else max(2.0, min(4.0, 200.0 / math.sqrt(len(X))))
        r *= max(1.0, self.fontMetrics().height() / 17.0)  # the font zoom of a projector
        step = max(1, len(X) // 4000)  # a preview, not every one of 100,000 points
        for i in range(0, len(X), step):
            c = QColor(CLASS_COLOURS[int(colour[i]) % len(CLASS_COLOURS)])
            if i < n_train:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(c)
            else:
                p.setPen(QPen(c, 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(QPointF(sx[i], sy[i]), r, r)
        p.end()


class GenerateDialog(QDialog):
    """Choose a generator and its parameters, see the rows and whether they fit the network.
    ``plan()`` is what OK applies (``plan().ok``: it can be applied)."""

    def __init__(
        self, doc: Document, parent: QWidget | None = None, name: str | None = None, last: dict | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Generate data")
        self.doc = doc
        self._plan: GeneratePlan | None = None
        self.pages: dict[str, ParamFields] = {}

        self.list = QListWidget()
        self.list.setAccessibleName("Generators")
        self.list.setToolTip("The data sets bpviz can make; each one replaces the data and the test rows")
        self.stack = QStackedWidget()
        bold = QFont(self.font())
        bold.setBold(True)
        kind = None
        for g in GENERATORS.values():
            if g.kind != kind:
                kind = g.kind
                head = QListWidgetItem(SECTIONS.get(kind, kind))
                head.setFlags(Qt.ItemFlag.NoItemFlags)  # a heading: not a choice
                head.setFont(bold)
                head.setForeground(self.palette().color(QPalette.ColorRole.WindowText))
                self.list.addItem(head)
            it = QListWidgetItem("   " + _short(g.title))
            it.setData(Qt.ItemDataRole.UserRole, g.name)
            it.setToolTip(g.description)
            self.list.addItem(it)
            page = ParamFields(g)
            page.changed.connect(self._update)
            self.pages[g.name] = page
            self.stack.addWidget(page)
        self.list.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        sb = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        self.list.setMinimumWidth(self.list.sizeHintForColumn(0) + 2 * self.list.frameWidth() + sb + 8)

        self.heading = QLabel()
        self.heading.setFont(bold)
        self.heading.setWordWrap(True)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.PlainText)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.description.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.preview = PreviewPlot()
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        self.counts.setTextFormat(Qt.TextFormat.PlainText)  # class names may come from a file

        params = QHBoxLayout()
        params.addWidget(self.stack, 0, Qt.AlignmentFlag.AlignTop)
        params.addWidget(self.preview, 1)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addWidget(self.description)
        right.addLayout(params, 1)
        right.addWidget(self.counts)
        top = QHBoxLayout()
        top.addWidget(self.list, 0)
        top.addLayout(right, 1)

        self.fit = QLabel()
        self.fit.setWordWrap(True)
        self.fit.setTextFormat(Qt.TextFormat.PlainText)
        self.adapt_check = QCheckBox("C&hange the network")
        self.adapt_check.setToolTip(
            "Give the network's input and output layers the sizes the set needs; every weight "
            "that still fits keeps its value, the others are drawn from the seed; derived inputs "
            "that need an input the set lacks are dropped (undo brings the old network back)"
        )
        self.adapt_check.toggled.connect(self._update)
        self.message = QLabel()  # why Generate cannot go ahead, or what it will do
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.hints = QLabel()  # advice that does not stop it
        self.hints.setWordWrap(True)
        self.hints.setTextFormat(Qt.TextFormat.PlainText)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Generate")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        lay = QVBoxLayout(self)
        lay.addLayout(top, 1)
        lay.addWidget(line)
        lay.addWidget(self.fit)
        lay.addWidget(self.adapt_check)
        lay.addWidget(self.hints)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)

        self.list.currentItemChanged.connect(lambda *_: self._on_select())
        self.list.itemDoubleClicked.connect(lambda *_: self.accept())
        start = initial_spec(doc, name, last)
        for n, page in self.pages.items():
            if last and n in last:
                page.set_spec(last[n])
        self.pages[start["name"]].set_spec(start)
        self.select(start["name"])
        self._initial_size()

    def _initial_size(self) -> None:
        """Room for the preview, within the screen (1024 × 768 at 2× font zoom too)."""
        h = self.fontMetrics().height()
        want = self.sizeHint().expandedTo(QSize(44 * h, 26 * h))
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            want = want.boundedTo(QSize(screen.width() - 40, screen.height() - 60))
        self.resize(want.expandedTo(self.minimumSizeHint()))

    # -- choosing ------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return list(self.pages)

    def current_name(self) -> str:
        it = self.list.currentItem()
        return it.data(Qt.ItemDataRole.UserRole) if it is not None else next(iter(self.pages))

    def select(self, name: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == name:
                self.list.setCurrentRow(i)
                break
        self._on_select()

    def _on_select(self) -> None:
        name = self.current_name()
        g = GENERATORS[name]
        self.stack.setCurrentWidget(self.pages[name])
        self.heading.setText(_title(g))
        self.description.setText(g.description)
        self._update()

    def page(self, name: str | None = None) -> ParamFields:
        return self.pages[name or self.current_name()]

    def set_param(self, key: str, value) -> None:
        """Set a parameter of the current generator as its field would (a test's hand)."""
        box = self.page().boxes[key]
        box.setValue(100.0 * value if key == "test_fraction" else value)

    def spec(self) -> dict:
        return self.page().spec()

    def plan(self) -> GeneratePlan:
        return self._plan if self._plan is not None else make_plan(self.spec(), self.doc)

    # -- checking ------------------------------------------------------------------------------
    def _update(self) -> None:
        plan = make_plan(self.spec(), self.doc, self.adapt_check.isChecked())
        self._plan = plan
        self.preview.set_plan(plan)
        made = plan.generated
        if made is not None:
            parts = [
                f"{plural(len(made.inputs), 'row')} to train, "
                f"{plural(len(made.test_inputs), 'test row')} (never trained on)"
            ]
            if made.classes:
                parts.append(f"Classes: {', '.join(made.classes)}. {plan.targets_text}")
            self.counts.setText("\n".join(parts))
        else:
            self.counts.setText("")
        self.fit.setText(plan.fit_text)
        self.adapt_check.setVisible(not plan.fits)
        if not plan.fits:
            self.adapt_check.setText(f"C&hange the network: {plan.adapt_text}")
        bad = BAD_TEXT["dark" if self._dark() else "light"]
        self.fit.setStyleSheet("" if plan.fits or plan.adapt else f"color: {bad};")
        self.hints.setText("\n".join(plan.notes))
        self.hints.setVisible(bool(plan.notes))
        if plan.problem:  # the fit line says already what does not fit
            text = plan.action if plan.action and not plan.fits and not plan.adapt else plan.problem
        else:
            text = "Generate replaces the data, the test rows and the class names (one undo step)" + (
                " and changes the network." if plan.adapt else "."
            )
        self.message.setText(text)
        self.message.setStyleSheet(f"color: {bad};" if plan.problem else "")
        self.ok_button.setEnabled(plan.ok)
        self.ok_button.setToolTip(auto(plan.problem) if plan.problem else "Replace the data with these rows")

    def _dark(self) -> bool:
        return self.palette().color(QPalette.ColorRole.Window).lightness() < 128

    def accept(self) -> None:
        if not self.plan().ok:  # OK is disabled then; Enter or a double-click may still get here
            return
        super().accept()


def _run(dialog: GenerateDialog) -> bool:
    """Show the dialog modally; tests replace this to fill the fields and accept."""
    return dialog.exec() == QDialog.DialogCode.Accepted


# generate_set()'s old keyword names for two-class
_OLD_KEYWORDS = {"n": "samples", "sigma": "noise"}


class GeneratedSets:
    """The DataEditor's Generate… action and its dialog."""

    def _build_generate_menu(self) -> None:
        """The Generate… action, as a button on the second toolbar and in the Data menu."""
        self._last_specs: dict[str, dict] = {}
        self.act_generate = QAction("&Generate…", self)
        tip = (
            "Replace the data with a generated set: AND, OR, XOR, the swap table, noisy classes, "
            "circle, spirals, clusters, moons, a sine or a polynomial, with test rows"
        )
        self.act_generate.setToolTip(tip)
        self.act_generate.setStatusTip(tip)
        self.act_generate.triggered.connect(lambda _=False: self.generate_dialog())
        self.gen_button = QToolButton(self)
        self.gen_button.setDefaultAction(self.act_generate)
        self.gen_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.toolbar2.addWidget(self.gen_button)

    def generate_dialog(self, name: str | None = None) -> bool:
        """Data → Generate…: the dialog, then its rows as one undo step."""
        if self.session.training:
            return False
        self._commit_editing()
        dlg = GenerateDialog(self.session.current_document(), self, name, self._last_specs)
        try:
            if not _run(dlg):
                return False
            plan = dlg.plan()
        finally:
            dlg.deleteLater()
        return self.apply_plan(plan)

    def generate_set(self, name: str, ask: bool = False, adapt: bool = False, **kw) -> bool:
        """Replace the data with generator ``name`` (``kw``: its spec parameters; two-class
        also takes the old ``n`` and ``sigma``). ``ask``: open the dialog on it instead. A set
        that does not fit the network is refused with a message, unless ``adapt``."""
        if ask:
            return self.generate_dialog(name)
        if self.session.training:
            return False
        self._commit_editing()
        spec = {"name": name, **{_OLD_KEYWORDS.get(k, k): v for k, v in kw.items()}}
        return self.apply_plan(make_plan(spec, self.session.current_document(), adapt))

    def apply_plan(self, plan: GeneratePlan) -> bool:
        """Apply a plan to the session (one undo step), or say why it cannot be."""
        if self.session.training:
            return False
        g = GENERATORS.get(plan.spec.get("name"))
        title = g.title if g is not None else "data"
        if not plan.ok:
            self._refuse(f"Cannot generate {title}", plan.problem or "Nothing was generated.")
            return False
        cur = self.session.current_document()
        try:
            doc, notes = apply_plan(plan, cur)
        except ValueError as e:  # the plan checked everything: not expected
            self._refuse(f"Cannot generate {title}", f"{e}")
            return False
        self._last_specs[plan.spec["name"]] = dict(plan.spec)
        self.last_error = ""
        same = not plan.adapt and _same_data(doc, self.session.doc)
        if not same:
            self.session.replace_document(doc, f"Generate {title}")
        self.note = ""
        self.reload()
        # the status line names the generator; say what else changed (the description is long)
        self.message = " ".join(
            [f"The network changed to fit: {plan.adapt_text}.", *notes] if plan.adapt else notes
        )
        self._update_status()
        if not same:
            self.applied.emit()
        return True


def _same_data(a: Document, b: Document) -> bool:
    def eq(x, y) -> bool:
        return x.shape == y.shape and np.array_equal(x, y)

    return (
        eq(a.inputs, b.inputs)
        and eq(a.targets, b.targets)
        and eq(a.test_inputs, b.test_inputs)
        and eq(a.test_targets, b.test_targets)
        and a.classes == b.classes
        and a.generator == b.generator
    )
