"""The earlier runs on screen: faint curves on the error plot and a small list under it.

* :class:`RunCurves` draws each visible run of ``session.runs`` (:mod:`bpviz.gui.runs`) on an
  :class:`~bpviz.gui.error_plot.ErrorPlot` as a faint curve under the live ones, with a legend
  entry of its label, through the plot's own decimation (``decimate.envelope``: about two
  points a pixel of the visible range) and its log-scale handling; being items of the plot's
  scene, they are in every export of the plot.
* :class:`RunListWidget` lists the runs: a check box to show or hide each, its colour, its
  label, its last E and its step count, a button to remove it; hidden while there are none.
* :class:`ReinitDialog` and :func:`reinitialise_weights`: Training → Re-initialise weights…,
  new start weights from a new seed (``Session.reinitialise``), the seed in the status bar.

The faint curves are 2 px wide in Paul Tol's muted colours (``runs.RUN_COLOURS``, safe for
colour-blind readers) at ``RUN_ALPHA`` opacity, solid: the live curve is a full-strength
blue line drawn over them, the test curve Okabe–Ito orange and dashed.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.numbers import read_number
from bpviz.gui.decimate import envelope
from bpviz.gui.plain_text import auto, warn
from bpviz.gui.runs import MAX_RUNS, Run, default_init, weights_origin

__all__ = [
    "RunCurves",
    "RunListWidget",
    "ReinitDialog",
    "reinitialise_weights",
    "plot_with_runs",
    "RUN_ALPHA",
]

RUN_ALPHA = 0.5  # a faint curve's opacity (the live curves: 1)
RUN_WIDTH = 2
LIST_TIP = (
    "Earlier runs of this network, each a faint curve on the error plot: Reset, new weights "
    "(Training → Re-initialise weights…) or a change in the network dialog keeps the run so "
    f"far here. The newest {MAX_RUNS} are kept (the oldest is dropped); opening another "
    "network starts a new list. Tick to show or hide a curve; × or Delete removes a run."
)


def run_colour(run: Run, alpha: float = RUN_ALPHA) -> QColor:
    c = QColor(run.colour)
    c.setAlphaF(alpha)
    return c


class RunCurves:
    """The visible runs of the plot's session as faint curves on ``plot`` (an ErrorPlot:
    ``session``, ``plotItem``, ``legend``, ``_y``, ``refresh``). In the window the run list
    under the plot is their legend (the plot's own legend keeps its one row for the live
    curves); an export of the plot (:meth:`for_export`) lists each visible run in the legend
    and names the live curve as the runs are named ("η = 5: E of each step")."""

    def __init__(self, plot) -> None:
        self.plot = plot
        self.runs = plot.session.runs
        self.items: dict[int, pg.PlotDataItem] = {}  # by run number
        self.in_legend = False  # (while exporting)
        self.runs.changed.connect(self.sync)
        self.sync(redraw=False)

    @property
    def legend_needed(self) -> bool:
        """Does the legend list runs now (an export with runs shown)?"""
        return self.in_legend and bool(self.items)

    def sync(self, redraw: bool = True) -> None:
        """An item for each visible run (added, removed, recoloured), then the plot again."""
        pi = self.plot.plotItem
        want = {r.number: r for r in self.runs.visible_runs}
        for n in [n for n in self.items if n not in want]:
            pi.removeItem(self.items.pop(n))
        for n, r in want.items():
            if n not in self.items:
                item = pg.PlotDataItem([], [], pen=pg.mkPen(run_colour(r), width=RUN_WIDTH), antialias=False)
                item.setSkipFiniteCheck(True)
                item.setZValue(-2)  # under the live curves, over the grid and the stop line
                pi.addItem(item)
                self.items[n] = item
        if redraw:
            self.plot.refresh()

    @contextmanager
    def for_export(self) -> Iterator[None]:
        """While exporting: a legend entry for each visible run, after the live ones, and the
        live curve named by what differs; the legend as it was afterwards."""
        if not self.items:
            yield
            return
        p, lg = self.plot, self.plot.legend
        self.in_legend = True
        for r in self.runs.visible_runs:
            lg.addItem(self.items[r.number], html.escape(r.label))
        self._relayout()
        try:
            yield
        finally:
            for item in self.items.values():
                lg.removeItem(item)
            self.in_legend = False
            self._relayout()
            p._redraw()

    def _relayout(self) -> None:
        p = self.plot
        p._show_scores()
        p._relayout_legend()
        p._place_legend()
        p.legend.setVisible(p.session.history.n > 0 or self.legend_needed)
        p.plotItem.layout.activate()  # (the legend's rows now, not at the next event)
        QApplication.sendPostedEvents()

    def live_label(self) -> str:
        """The live run named as the runs beside it are, for the legend of an export ("η =
        5"; "" in the window, where the run list says it)."""
        return html.escape(self.runs.live_label) if self.legend_needed else ""

    def last_step(self) -> int:
        """The last step of the longest visible run (0: none), for the plot's x range."""
        return max((r.n_steps for r in self.runs.visible_runs), default=0)

    def redraw(self, x0: float, x1: float, width: int) -> np.ndarray:
        """Each visible run's points in x0 … x1 at about two a pixel, on the plot's scale;
        returns their y values (for the plot to keep them in view)."""
        out = [np.empty(0)]
        for r in self.runs.visible_runs:
            item = self.items.get(r.number)
            if item is None:
                continue
            xs, ys = envelope(r.steps, r.steps, r.errors, r.errors, x0, x1, width)
            ys = self.plot._y(ys)
            item.setData(xs, ys)
            out.append(ys)
        return np.concatenate(out)


def _swatch(run: Run, size: int = 16) -> QIcon:
    """A short line in the run's faint colour, as the plot draws it."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setPen(QPen(run_colour(run), 3))
    p.drawLine(1, size // 2, size - 2, size // 2)
    p.end()
    return QIcon(pm)


class RunListWidget(QWidget):
    """The earlier runs under the error plot: show or hide, colour, label, last E and steps,
    remove. Hidden while the list is empty."""

    ROWS = 4  # rows shown before the list scrolls

    def __init__(self, session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.runs = session.runs
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 2)
        lay.setSpacing(2)
        head = QHBoxLayout()
        self.title = QLabel("Earlier runs")
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setToolTip(LIST_TIP)
        head.addWidget(self.title)
        head.addStretch(1)
        self.clear_button = QToolButton()
        self.clear_button.setText("Remove all")
        self.clear_button.setToolTip("Remove every earlier run from the list and the plot")
        self.clear_button.setAutoRaise(True)
        self.clear_button.clicked.connect(self._remove_all)
        head.addWidget(self.clear_button)
        lay.addLayout(head)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderHidden(True)  # (one row less: the cells say what they are)
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAllColumnsShowFocus(True)
        self.tree.setToolTip(LIST_TIP)
        self.tree.setIconSize(QSize(16, 16))
        hd = self.tree.header()
        hd.setStretchLastSection(False)
        hd.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2, 3):
            hd.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemChanged.connect(self._item_changed)
        lay.addWidget(self.tree)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.tree)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self._remove_current)
        self._filling = False
        self.runs.changed.connect(self.refresh)
        self.refresh()

    def changeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        """A new font (View → Zoom) makes the rows taller: the list's height follows (its
        rows were cut off at 2×)."""
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.FontChange:
            QTimer.singleShot(0, lambda: self._fit_height(self.tree.topLevelItemCount()))

    def refresh(self) -> None:
        """The rows from the list (again after any change): rows made when runs came or went,
        else the same rows updated (a row is never deleted in its own signal)."""
        runs = list(self.runs)
        self._filling = True
        try:
            if [r.number for r in runs] != self._numbers():
                self.tree.clear()
                for r in runs:
                    self._add_row(r)
            for i, r in enumerate(runs):
                self._fill_row(self.tree.topLevelItem(i), r)
        finally:
            self._filling = False
        dropped = (
            f" ({self.runs.dropped} older dropped: the newest {MAX_RUNS} are kept)"
            if self.runs.dropped
            else ""
        )
        live = self.runs.live_label
        self.title.setText(f"Earlier runs{dropped}" + (f"  ·  this run: {live}" if live else ""))
        self.title.setToolTip(
            LIST_TIP + (f"\nThe run under way (the full-strength curve) has {live}." if live else "")
        )
        self.setVisible(bool(runs))
        self._fit_height(len(runs))

    def _numbers(self) -> list[int]:
        t = self.tree
        return [
            int(t.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole)) for i in range(t.topLevelItemCount())
        ]

    def _add_row(self, r: Run) -> None:
        it = QTreeWidgetItem(["", "", "", ""])
        it.setData(0, Qt.ItemDataRole.UserRole, r.number)
        it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        it.setIcon(0, _swatch(r))
        it.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        it.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.addTopLevelItem(it)
        b = QToolButton()
        b.setText("×")
        b.setAutoRaise(True)
        # (after the click has returned: the button goes with its row)
        b.clicked.connect(lambda _=False, n=r.number: QTimer.singleShot(0, lambda: self.runs.remove(n)))
        self.tree.setItemWidget(it, 3, b)

    def _fill_row(self, it: QTreeWidgetItem, r: Run) -> None:
        it.setText(0, r.label)
        it.setText(1, f"E {_e_text(r.final_error)}")
        it.setText(2, f"{r.n_steps:,} steps")
        it.setCheckState(0, Qt.CheckState.Checked if r.visible else Qt.CheckState.Unchecked)
        tip = auto(r.tooltip() + "\nTick to show its curve on the plot, untick to hide it.")
        for col in range(3):
            it.setToolTip(col, tip)
        b = self.tree.itemWidget(it, 3)
        if b is not None:
            b.setToolTip(auto(f"Remove {r.label} from the list and the plot"))

    def _fit_height(self, n: int) -> None:
        rows = max(1, min(n, self.ROWS))
        row = self.tree.sizeHintForRow(0) if n else self.tree.fontMetrics().height() + 6
        self.tree.setFixedHeight(rows * max(row, 1) + 2 * self.tree.frameWidth() + 2)

    def _item_changed(self, it: QTreeWidgetItem, col: int) -> None:
        if self._filling or col != 0:
            return
        n = it.data(0, Qt.ItemDataRole.UserRole)
        self.runs.set_visible(int(n), it.checkState(0) == Qt.CheckState.Checked)

    def _remove_current(self) -> None:
        it = self.tree.currentItem()
        if it is not None:
            self.runs.remove(int(it.data(0, Qt.ItemDataRole.UserRole)))

    def _remove_all(self) -> None:
        for r in list(self.runs):
            self.runs.remove(r.number)


def _e_text(e: float) -> str:
    return f"{e:.4g}" if np.isfinite(e) else "not finite"


def plot_with_runs(plot: QWidget, runs: RunListWidget) -> QWidget:
    """The error dock's widget: the plot, and the run list under it."""
    w = QWidget()
    w.setObjectName("error-plot-and-runs")
    lay = QVBoxLayout(w)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(plot, 1)
    lay.addWidget(runs, 0)
    return w


# ------------------------------------------------------------------------------ new weights
class ReinitDialog(QDialog):
    """Training → Re-initialise weights…: the scheme (the file's ``init``, else uniform
    ±0.5) and a new seed, prefilled; the weights now and what happens, in words."""

    def __init__(self, session, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Re-initialise weights")
        d = default_init(session.doc)
        form = QFormLayout(self)
        note = QLabel(
            f"The start weights now: {weights_origin(session.doc)}.\n"
            'New ones are drawn from the seed as a file\'s "init" draws them. Reset then goes '
            "back to them; the run so far stays on the error plot, faint; Undo (Ctrl+Z) brings "
            "the old weights back."
        )
        note.setTextFormat(Qt.TextFormat.PlainText)
        note.setWordWrap(True)
        form.addRow(note)
        self.scheme = QComboBox()
        self.scheme.addItem("uniform ±scale", "uniform")
        self.scheme.addItem("xavier uniform ±√(6 / (n_in + n_out))", "xavier")
        self.scheme.setCurrentIndex(max(0, self.scheme.findData(d["scheme"])))
        self.scheme.setToolTip("How each weight is drawn: uniform(−a, a)")
        self.scale = QLineEdit(f"{d['scale']:g}")
        self.scale.setToolTip("a of uniform(−a, a): a number > 0")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setValue(d["seed"])
        self.seed.setToolTip("numpy.random.default_rng(seed): the same seed draws the same weights")
        another = QPushButton("Another seed")
        another.setToolTip("A new random seed")
        another.clicked.connect(lambda: self.seed.setValue(default_init(session.doc)["seed"]))
        row = QHBoxLayout()
        row.addWidget(self.seed, 1)
        row.addWidget(another)
        form.addRow("Scheme", self.scheme)
        form.addRow("Scale", self.scale)
        form.addRow("Seed", row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Draw weights")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.scheme.currentIndexChanged.connect(
            lambda *_: self.scale.setEnabled(self.scheme.currentData() == "uniform")
        )
        self.scale.setEnabled(self.scheme.currentData() == "uniform")

    def choice(self) -> tuple[int, str, float]:
        """(seed, scheme, scale); ValueError (a sentence) for a scale that is not a number."""
        try:
            scale = read_number(self.scale.text().strip())
        except ValueError:
            raise ValueError(f"“{self.scale.text()}” is not a scale: type a number greater than 0") from None
        return self.seed.value(), self.scheme.currentData(), scale


def _run(dialog: QDialog) -> bool:
    """Show the dialog modally; tests replace this to accept it."""
    return dialog.exec() == QDialog.DialogCode.Accepted


def reinitialise_weights(session, controller, parent: QWidget | None = None) -> bool:
    """The dialog, then new start weights (training stops first; one undo step); the status
    bar says the scheme and the seed. Whether the weights changed."""
    dialog = ReinitDialog(session, parent)
    try:
        if not _run(dialog):
            return False
        try:
            seed, scheme, scale = dialog.choice()
        except ValueError as e:
            warn(parent, "Re-initialise weights", str(e))
            return False
    finally:
        dialog.deleteLater()
    controller.stop()
    try:
        text = session.reinitialise(seed, scheme, scale)
    except ValueError as e:
        warn(parent, "Re-initialise weights", str(e))
        return False
    win = parent.window() if parent is not None else None
    if isinstance(win, QMainWindow):
        win.statusBar().showMessage(text, 15000)
    return True
