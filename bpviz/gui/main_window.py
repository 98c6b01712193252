"""The main window: composition only — the canvas in the middle, the docks beside it, the
actions, menus and toolbar, the status bar, and the wiring between them.

What each part does lives elsewhere: the actions and menus in :mod:`bpviz.gui.actions`, the
toolbar in :mod:`bpviz.gui.toolbar`, opening and saving in :mod:`bpviz.gui.files`, exports in
:mod:`bpviz.gui.exports_menu`, the phase keys and play in :mod:`bpviz.gui.stepping`,
presentation mode and F11 in :mod:`bpviz.gui.presentation`, the remembered settings in
:mod:`bpviz.gui.preferences`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QTabBar,
    QWidget,
)

from bpviz.core.fileformat import Document
from bpviz.gui import actions, preferences
from bpviz.gui.canvas import NetworkView
from bpviz.gui.data_plane import DataPlane
from bpviz.gui.error_plot import ErrorPlot, accuracy_text
from bpviz.gui.exports_menu import ExportCommands
from bpviz.gui.files import FileCommands
from bpviz.gui.gradient_plot import GradientPlot
from bpviz.gui.inspector import Inspector
from bpviz.gui.landscape_view import LossLandscape
from bpviz.gui.panels.data_editor import DataEditor
from bpviz.gui.plain_text import MAX_NAME, auto, displayable
from bpviz.gui.presentation import STATE_VERSION, Presenter, Stage
from bpviz.gui.results import ResultsPanel, ResultsTable
from bpviz.gui.run_list import RunListWidget, plot_with_runs
from bpviz.gui.scrub_bar import ScrubBar
from bpviz.gui.session import Session
from bpviz.gui.stepping import PhaseKeys, PhasePlayer
from bpviz.gui.theme import apply_font_zoom, apply_palette, zoom_plot_fonts, zoom_window_chrome
from bpviz.gui.toolbar import PhaseToolbar
from bpviz.gui.training import TrainingController, TrainingPanel

__all__ = ["MainWindow"]


def _scrolled(w: QWidget) -> QScrollArea:
    """w in a frameless scroll area, so a narrow dock can hold a wide panel."""
    sa = QScrollArea()
    sa.setObjectName(f"scroll-{w.objectName() or type(w).__name__}")
    sa.setFrameShape(QScrollArea.Shape.NoFrame)
    sa.setWidgetResizable(True)
    sa.setWidget(w)
    return sa


class _ElidedLabel(QLabel):
    """The status line: one line that ends in "…" where the window is too narrow (a projector
    at 1024 px, a large font zoom), the whole of it in its tooltip; ``text()`` is the whole."""

    def __init__(self) -> None:
        super().__init__()
        self._whole = ""

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._whole = text
        self.setToolTip(auto(text))
        self._elide()

    def text(self) -> str:
        return self._whole

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._whole, Qt.TextElideMode.ElideRight, max(self.width(), 20))
        super().setText(shown)

    def minimumSizeHint(self):  # noqa: N802 - Qt's name: never widens the window
        hint = super().minimumSizeHint()
        hint.setWidth(20)
        return hint


def score_words(scores) -> str:
    """The status line's scores after "  ·  ": E of all training rows, then the accuracy of the
    training and test rows ("E = 0.0123 · accuracy 93 % · test 90 %"), or the test error where
    there are test rows but accuracy does not apply; "" when the session has none (data too
    large to score on the GUI thread between runs)."""
    if scores is None:
        return ""
    words = []
    if scores.error is not None:
        words.append(f"E = {scores.error:.4g}")
    acc = accuracy_text(scores)
    if acc:
        words.append(acc)
    elif scores.test_error is not None:
        words.append(f"test E = {scores.test_error:.4g}")
    return "".join(f"  ·  {w}" for w in words)


class MainWindow(QMainWindow):
    def __init__(
        self,
        doc: Document,
        source: str = "mazur",
        settings: QSettings | None = None,
        backend: str = "process",
    ):
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.skip_unsaved_question = False  # a signal closes the window with no one to ask
        self.session = s = Session(doc, source, self)
        preferences.read_display(s, self.settings)
        apply_palette(s.theme)
        apply_font_zoom(s.zoom)
        self.setWindowTitle("bpviz")
        self.canvas = NetworkView(s, self)
        self.stage = Stage(self.canvas, s, self)  # the canvas, and presentation's
        self.setCentralWidget(self.stage)
        self._build_docks(backend)
        self.files = FileCommands(self)
        self.exports = ExportCommands(self)
        self.player = PhasePlayer(self)
        self.presenter = Presenter(self)
        actions.install(self)  # the act_* actions and the menu bar
        self._add_dock_toggles()
        self.toolbar = PhaseToolbar(self)
        self.addToolBar(self.toolbar)
        self.delay, self.sample_box = self.toolbar.delay, self.toolbar.sample_box
        self._status = _ElidedLabel()
        self._status.setTextFormat(Qt.TextFormat.PlainText)  # the file's title is text, never markup
        # a normal widget, not a permanent one: Qt hides it while a message shows (a
        # permanent label with stretch left the messages no room, so they never appeared)
        self.statusBar().addWidget(self._status, 1)
        self._wire()
        self._zoom_applied: float | None = None
        self._on_zoom()
        self._keys = PhaseKeys(self)
        QApplication.instance().installEventFilter(self._keys)
        self._on_document()
        self._restore_layout()

    # ------------------------------------------------------------------------ composition
    def _build_docks(self, backend: str) -> None:
        """One column of docks beside the canvas, so the canvas keeps most of a small screen:
        the inspector above, the error plot below with the other panels tabbed behind it."""
        s, right = self.session, Qt.DockWidgetArea.RightDockWidgetArea
        self.inspector = Inspector(s, self)
        self.inspector_dock = self._dock("Inspector", self.inspector, right)
        self.plot = ErrorPlot(s, self)
        self.run_list = RunListWidget(s, self)  # earlier runs, under the plot
        self.plot_dock = self._dock("Error", plot_with_runs(self.plot, self.run_list), right)
        self.splitDockWidget(self.inspector_dock, self.plot_dock, Qt.Orientation.Vertical)
        # the data plane: behind the error plot, so the canvas keeps its space (and nothing
        # computes a plane until someone looks: the dock tells the session when it shows)
        self.data_plane = DataPlane(s, self)
        self.plane_dock = self._dock("Data plane", self.data_plane, right, tab_with=self.plot_dock)
        self.data_plane.follow_dock(self.plane_dock)
        # the loss landscape beside it: records the path from the start, computes only shown
        self.landscape = LossLandscape(s, self)
        self.landscape_dock = self._dock("Loss landscape", self.landscape, right, tab_with=self.plot_dock)
        self.landscape.follow_dock(self.landscape_dock)
        # each layer's gradient health (issue 16): vanishing gradients, a curve a layer
        self.gradient_plot = GradientPlot(s, self)
        self.gradient_dock = self._dock("Gradients", self.gradient_plot, right, tab_with=self.plot_dock)
        self.training = TrainingController(s, backend, self)
        self.training.message.connect(self._show_message)
        self.training.notice.connect(lambda m: self.statusBar().showMessage(m, 8000))
        # scrubbing (issue 16): a slider over the run's steps and its buttons, under the plot
        self.scrub_bar = ScrubBar(s, self.training, self)
        self.plot_dock.widget().layout().insertWidget(1, self.scrub_bar)
        self.training_panel = TrainingPanel(self.training, self.plot, self)
        self.training_dock = self._dock(
            "Training", _scrolled(self.training_panel), right, tab_with=self.plot_dock
        )
        self.results = ResultsTable(s, self.training, self)
        self.results_panel = ResultsPanel(s, self.results, self)  # the table and the confusion matrix
        self.results_dock = self._dock("Results", self.results_panel, right, tab_with=self.plot_dock)
        self.data_editor = DataEditor(s, self)
        self.data_dock = self._dock("Data", self.data_editor, right, tab_with=self.plot_dock)
        self.plot_dock.raise_()

    def _dock(self, title: str, widget: QWidget, area, tab_with: QDockWidget | None = None) -> QDockWidget:
        """A dock in area, tabbed behind tab_with (a dock added later joins a tab group)."""
        d = QDockWidget(title, self)
        d.setObjectName(f"dock-{title}")
        d.setWidget(widget)
        self.addDockWidget(area, d)
        if tab_with is not None:
            self.tabifyDockWidget(tab_with, d)
        # a dock moved or floated may make a new tab group (Qt makes its tab bar then)
        d.dockLocationChanged.connect(self._readable_tabs_later)
        d.topLevelChanged.connect(self._readable_tabs_later)
        self._readable_tabs_later()
        return d

    def _readable_tabs_later(self, *_a) -> None:
        QTimer.singleShot(0, self._readable_tabs)

    def _readable_tabs(self) -> None:
        """The docks' tabs say their whole names ("Loss landscape", not "Lo…"): where they do
        not all fit, the tab bar scrolls (its arrows) instead of cutting every name short."""
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self and bar.elideMode() != Qt.TextElideMode.ElideNone:
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)

    def _add_dock_toggles(self) -> None:
        """View menu: the data plane's toggle after the other docks' (the menu table lists
        those)."""
        for a in self.menuBar().actions():
            if a.menu() is not None and a.text().replace("&", "") == "View":
                toggle = self.plane_dock.toggleViewAction()
                toggle.setToolTip("The data plane: the samples and the network's output over two inputs")
                a.menu().addAction(toggle)
                toggle = self.landscape_dock.toggleViewAction()
                toggle.setToolTip(
                    "The loss landscape: E over two weights around their current values, with "
                    "the path and the iteration's gradient and update"
                )
                a.menu().addAction(toggle)
                return

    def _wire(self) -> None:
        s = self.session
        QApplication.instance().aboutToQuit.connect(self.training.shutdown)
        s.trainingChanged.connect(self._on_training)
        s.phaseChanged.connect(self._update_status)
        s.traceChanged.connect(self._update_status)
        s.scoresChanged.connect(self._update_status)
        s.documentChanged.connect(self._on_document)
        s.modifiedChanged.connect(self.files.update_title)
        s.stepRefused.connect(lambda m: self.statusBar().showMessage(m, 8000))
        s.displayChanged.connect(self._on_zoom)

    def _restore_layout(self) -> None:
        """The remembered geometry and docks; a state saved by an older layout (another
        version) gives way to today's default."""
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1440, 900)
        self._fresh = geo is None  # no remembered geometry: show_on_screen fits the screen
        state = self.settings.value("window/state")
        if state is None or not self.restoreState(state, STATE_VERSION):
            self._default_layout()

    def show_on_screen(self) -> None:
        """Show the window; the first time (no remembered geometry) on a screen smaller than
        1440×900, maximised, with the default layout fitted to it."""
        screen = self.screen()
        avail = screen.availableGeometry() if screen is not None else None
        if not self._fresh or avail is None or (avail.width() >= 1480 and avail.height() >= 960):
            self.show()
            return
        self.setGeometry(avail)
        self._default_layout()
        self.showMaximized()

    def _default_layout(self) -> None:
        """The dock column takes a third of the width; the inspector 55 % of its height."""
        w, h = self.width(), self.height()
        self.resizeDocks([self.inspector_dock], [max(300, round(w * 0.32))], Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.inspector_dock, self.plot_dock], [round(h * 0.55), round(h * 0.45)], Qt.Orientation.Vertical
        )

    # ------------------------------------------------------------------------ kept on the window
    # (scripts and tests call these by the window's name)
    def save_to(self, path: str) -> bool:
        return self.files.save_to(path)

    def open_path(self, path: str) -> bool:
        return self.files.open_path(path)

    def open_preset(self, name: str) -> None:
        self.files.open_preset(name)

    def export_dialog(self) -> None:
        self.exports.export_dialog()

    def quick_export(self) -> str | None:
        return self.exports.quick_export()

    def phase_action(self, what: str) -> None:
        self.player.step(what)

    # ------------------------------------------------------------------------ small commands
    def edit_network(self, new: bool) -> bool:
        """File → New network (asks to save first) or Edit → Network…"""
        from bpviz.gui.dialogs.network_dialog import edit_network

        if new and not self.files.maybe_save():
            return False
        self.training.stop()
        changed = edit_network(self.session, self, new=new)
        if changed and new:
            self.session.source = ""  # untitled: Save asks for a file name
            self.session.runs.clear()  # a new network: a new list of runs
            self._on_document()
        return changed

    def show_data(self) -> None:
        self.data_dock.show()
        self.data_dock.raise_()
        self.data_editor.setFocus()

    def edit_selected(self) -> None:
        sel = self.session.selection
        if sel is None or sel.kind not in ("edge", "bias"):
            self.statusBar().showMessage("Select a weight or a bias first (click it)", 3000)
            return
        self.canvas.begin_edit(sel)

    def set_theme(self, name: str) -> None:
        apply_palette(name)
        self.session.set_theme(name)

    def toggle_presentation(self, _checked: bool = False) -> None:
        """F5: presentation mode at the current phase, or back to the window."""
        self.player.stop()
        self.presenter.toggle()

    def present_from_start(self) -> None:
        """Shift+F5: presentation mode at phase 1."""
        self.player.stop()
        self.presenter.enter()
        self.player.step("first")

    # ------------------------------------------------------------------------ listening
    def _on_training(self, on: bool) -> None:
        if on:
            self.player.stop()
        self.toolbar.set_training(on)
        self._update_status()

    def _show_message(self, title: str, text: str) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            displayable(title, MAX_NAME),
            displayable(text),
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()  # never blocks the event loop (snapshots keep arriving)
        self._message_box = box

    def _on_document(self) -> None:
        self.toolbar.show_document()
        self.files.update_title()
        self._update_status()

    def _update_status(self, *_a) -> None:
        s = self.session
        self.act_prev.setEnabled(s.can_go_back() and not s.training)
        # while training the phase says nothing (and reading it would build the iteration's
        # trace for every snapshot)
        where = (
            f"training  ·  step {s.step:,}"
            if s.training
            else f"iteration {s.step + 1:,}  ·  phase {s.phase_index + 1}/{len(s.names)}: "
            f"{displayable(s.phase.title, MAX_NAME)}"
        )
        name = displayable(s.doc.title or s.source, MAX_NAME).replace("\n", " ")
        scores = score_words(s.scores)
        alpha = f"  ·  α = {s.momentum:g}" if s.momentum else ""  # momentum (0: plain descent)
        self._status.setText(
            f"{name}  ·  {where}{scores}  ·  η = {s.learning_rate:g}{alpha}  ·  {s.doc.mode}"
        )

    def _on_zoom(self) -> None:
        """The font zoom applies to the whole window: the application font (docks, menus,
        tables, status bar, toolbar), the error plot's axes and legend, toolbar icons and
        table rows; the canvas and the inspector size themselves from the session's zoom."""
        z = self.session.zoom
        if z == self._zoom_applied:
            return
        was = self._zoom_applied or z
        self._zoom_applied = z
        apply_font_zoom(z)
        zoom_plot_fonts(self.plot, z)
        zoom_window_chrome(self, z, was)
        # the application font reaches the widgets through posted events: after them the
        # results' columns fit their text (the canvas redraws its cached edges when resized)
        QTimer.singleShot(0, self.results.resizeColumnsToContents)

    def changeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.WindowStateChange and hasattr(self, "presenter"):
            self.presenter.sync_actions()

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        self.training.pause()
        if not self.skip_unsaved_question and not self.files.maybe_save():
            ev.ignore()
            return
        self.player.stop()
        self.presenter.leave()  # the window's own layout and zoom are what is remembered
        self.training.shutdown()
        st = self.settings
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState(STATE_VERSION))
        preferences.write_display(self.session, st)
        st.setValue("play/delay", self.delay.value())
        QApplication.instance().removeEventFilter(self._keys)
        if not any(
            isinstance(w, MainWindow) and w is not self and w.isVisible()
            for w in QApplication.topLevelWidgets()
        ):
            apply_font_zoom(1.0)  # the application's font is the last window's to give back
        super().closeEvent(ev)
