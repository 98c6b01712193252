"""The main window: composition only — docks, menus, toolbar, shortcuts, settings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QStyle,
    QTableView,
    QTextEdit,
    QToolBar,
    QWidget,
)

from bpviz import __version__
from bpviz.core import fileformat
from bpviz.core.fileformat import Document, FormatError
from bpviz.core.presets import PRESETS, load_preset, preset_titles
from bpviz.gui.data_editor import DataEditor
from bpviz.gui.error_plot import ErrorPlot
from bpviz.gui.inspector import Inspector
from bpviz.gui.network_view import NetworkView
from bpviz.gui.presentation import STATE_VERSION, Presenter, Stage
from bpviz.gui.results import ResultsTable
from bpviz.gui.session import SIG_DIGITS, Session
from bpviz.gui.theme import apply_font_zoom, apply_palette, zoom_plot_fonts
from bpviz.gui.training import TrainingController, TrainingPanel

__all__ = ["MainWindow"]

MAX_RECENT = 8
PHASE_KEYS = {
    Qt.Key.Key_Right: "next", Qt.Key.Key_PageDown: "next",
    Qt.Key.Key_Left: "previous", Qt.Key.Key_PageUp: "previous",
    Qt.Key.Key_Home: "first", Qt.Key.Key_End: "last",
}
BLANK_KEYS = (Qt.Key.Key_B, Qt.Key.Key_Period)  # what clickers send for a black screen
MODIFIER_KEYS = (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta,
                 Qt.Key.Key_AltGr, Qt.Key.Key_CapsLock, Qt.Key.Key_NumLock)

SHORTCUTS_HTML = """
<h3>Keyboard shortcuts</h3>
<table cellpadding=3>
<tr><td><b>→</b> or <b>Page Down</b></td><td>next phase (a presentation clicker sends these)</td></tr>
<tr><td><b>←</b> or <b>Page Up</b></td><td>previous phase</td></tr>
<tr><td><b>Home</b> / <b>End</b></td><td>first / last phase of the iteration</td></tr>
<tr><td><b>P</b></td><td>play / pause the phases</td></tr>
<tr><td><b>Space</b></td><td>train / pause training</td></tr>
<tr><td><b>Ctrl+N</b> / <b>Ctrl+Shift+N</b></td><td>new network / change this network</td></tr>
<tr><td><b>Ctrl+O</b></td><td>open a network file</td></tr>
<tr><td><b>Ctrl+S</b></td><td>save (the network, its data, settings and progress)</td></tr>
<tr><td><b>Ctrl+Shift+S</b></td><td>save as</td></tr>
<tr><td><b>Ctrl+Z</b> / <b>Ctrl+Shift+Z</b></td><td>undo / redo an edit</td></tr>
<tr><td><b>Enter</b> or double-click</td><td>edit the selected weight or bias</td></tr>
<tr><td><b>Ctrl+D</b></td><td>the data table</td></tr>
<tr><td><b>Ctrl+E</b></td><td>export an image (PNG or SVG)</td></tr>
<tr><td><b>Ctrl+Shift+C</b></td><td>copy the canvas as an image</td></tr>
<tr><td><b>Ctrl+Alt+E</b></td><td>quick export: the next numbered PNG</td></tr>
<tr><td><b>Ctrl+=</b> / <b>Ctrl+-</b> / <b>Ctrl+0</b></td><td>font zoom in / out / reset</td></tr>
<tr><td><b>F</b></td><td>fit the network to the window</td></tr>
<tr><td><b>Ctrl+L</b></td><td>colour legend on the canvas, on / off</td></tr>
<tr><td><b>F5</b></td><td>presentation: the canvas alone at full screen in large type,
at the current phase (F5 again or <b>Esc</b> leaves)</td></tr>
<tr><td><b>Shift+F5</b></td><td>presentation from the first phase</td></tr>
<tr><td><b>B</b> or <b>.</b></td><td>while presenting: black screen; any key brings the picture back</td></tr>
<tr><td><b>C</b></td><td>while presenting: the selection's chain rule as a caption under
the canvas, on / off</td></tr>
<tr><td><b>F11</b></td><td>full screen, with the docks (F11 again or <b>Esc</b> leaves)</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>quit</td></tr>
</table>
<p>The phase keys work wherever the focus is, except while you are typing in a field.
Click a neuron, an edge or a bias to see its chain rule in the inspector.</p>
"""


class _PhaseKeys(QObject):
    """Application-wide phase keys that stay out of the way of text fields and table editors."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        t = ev.type()
        if t not in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return False
        w = self.window
        if not w.isActiveWindow() or QApplication.activePopupWidget() is not None:
            return False
        pres = w.presenter
        if pres.blanked:  # any key brings the picture back, and does nothing else
            if ev.key() in MODIFIER_KEYS:
                return False
            ev.accept()  # a shortcut's key too: no shortcut fires, its key press comes here
            if t == QEvent.Type.KeyPress:
                pres.unblank()
            return True
        if t != QEvent.Type.KeyPress or ev.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            return False
        focus, key = QApplication.focusWidget(), ev.key()
        if key == Qt.Key.Key_Escape and (pres.active or w.isFullScreen()):
            if _escape_is_taken(focus):
                return False
            w.leave_full_screen()
            return True
        if _is_editing(focus):
            return False
        if pres.active and key in BLANK_KEYS:
            pres.blank()
            return True
        if pres.active and key == Qt.Key.Key_C:
            w.act_caption.trigger()
            return True
        what = PHASE_KEYS.get(key)
        if key == Qt.Key.Key_Space:
            what = "train"
        if what is None:
            return False
        w.phase_action(what)
        return True


def _escape_is_taken(w: QWidget | None) -> bool:
    """Escape cancels something where the focus is: typing in a field or a table cell (an
    idle table, even an editable one, leaves it to full screen)."""
    if isinstance(w, QAbstractItemView):
        return w.state() == QAbstractItemView.State.EditingState
    return _is_editing(w)


def _scrolled(w: QWidget) -> QScrollArea:
    """w in a frameless scroll area, so a narrow dock can hold a wide panel."""
    sa = QScrollArea()
    sa.setObjectName(f"scroll-{w.objectName() or type(w).__name__}")
    sa.setFrameShape(QScrollArea.Shape.NoFrame)
    sa.setWidgetResizable(True)
    sa.setWidget(w)
    return sa


def _is_editing(w: QWidget | None) -> bool:
    if w is None:
        return False
    if isinstance(w, (QLineEdit, QAbstractSpinBox)):
        return True
    if isinstance(w, (QTextEdit, QPlainTextEdit)) and not w.isReadOnly():
        return True
    if isinstance(w, QAbstractItemView) and (
            w.state() == QAbstractItemView.State.EditingState
            or w.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers):
        return True  # an editable table keeps its arrows for moving between cells
    p = w.parentWidget()
    while p is not None:  # an editor inside a table cell
        if isinstance(p, QAbstractItemView) and \
                p.state() == QAbstractItemView.State.EditingState:
            return True
        p = p.parentWidget()
    return False


class MainWindow(QMainWindow):
    def __init__(self, doc: Document, source: str = "mazur", settings: QSettings | None = None,
                 backend: str = "process"):
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.session = Session(doc, source, self)
        self._read_display_settings()
        apply_palette(self.session.theme)
        apply_font_zoom(self.session.zoom)
        self.setWindowTitle("bpviz")
        self.canvas = NetworkView(self.session, self)
        self.stage = Stage(self.canvas, self.session, self)  # the canvas, and presentation's
        self.setCentralWidget(self.stage)
        self.inspector = Inspector(self.session, self)
        # one column of docks beside the canvas, so the canvas keeps most of a small screen:
        # the inspector above, the error plot below with the other panels tabbed behind it
        # (a dock added later joins a tab group, or starts hidden)
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.inspector_dock = self._dock("Inspector", self.inspector, right)
        self.plot = ErrorPlot(self.session, self)
        self.plot_dock = self._dock("Error", self.plot, right)
        self.splitDockWidget(self.inspector_dock, self.plot_dock, Qt.Orientation.Vertical)
        self.training = TrainingController(self.session, backend, self)
        self.training.message.connect(self._show_message)
        self.training_panel = TrainingPanel(self.training, self.plot, self)
        self.training_dock = self._dock("Training", _scrolled(self.training_panel), right,
                                        tab_with=self.plot_dock)
        self.results = ResultsTable(self.session, self.training, self)
        self.results_dock = self._dock("Results", self.results, right, tab_with=self.plot_dock)
        self.data_editor = DataEditor(self.session, self)
        self.data_dock = self._dock("Data", self.data_editor, right, tab_with=self.plot_dock)
        self.plot_dock.raise_()
        self.session.trainingChanged.connect(self._on_training)
        QApplication.instance().aboutToQuit.connect(self.training.shutdown)
        self.play_timer = QTimer(self)
        self.play_timer.timeout.connect(self._play_tick)
        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self._status = QLabel()
        # a normal widget, not a permanent one: Qt hides it while a message shows (a
        # permanent label with stretch left the messages no room, so they never appeared)
        self.statusBar().addWidget(self._status, 1)
        self.session.phaseChanged.connect(self._update_status)
        self.session.traceChanged.connect(self._update_status)
        self.session.documentChanged.connect(self._on_document)
        self.session.modifiedChanged.connect(self._on_modified)
        self.session.stepRefused.connect(lambda m: self.statusBar().showMessage(m, 8000))
        self.presenter = Presenter(self)
        self.act_caption.setChecked(self.presenter.caption_on)
        self._zoom_applied: float | None = None
        self.session.displayChanged.connect(self._on_zoom)
        self._on_zoom()
        self._keys = _PhaseKeys(self)
        QApplication.instance().installEventFilter(self._keys)
        self._on_document()
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1440, 900)
        self._fresh = geo is None  # no remembered geometry: show_on_screen fits the screen
        state = self.settings.value("window/state")
        # a state saved by an older layout (another version) gives way to today's default
        if state is None or not self.restoreState(state, STATE_VERSION):
            self._default_layout()

    def show_on_screen(self) -> None:
        """Show the window; the first time (no remembered geometry) on a screen smaller than
        1440×900, maximised, with the default layout fitted to it."""
        screen = self.screen()
        avail = screen.availableGeometry() if screen is not None else None
        if not self._fresh or avail is None or (avail.width() >= 1480
                                                and avail.height() >= 960):
            self.show()
            return
        self.setGeometry(avail)
        self._default_layout()
        self.showMaximized()

    def _default_layout(self) -> None:
        """The dock column takes a third of the width; the inspector 55 % of its height."""
        w, h = self.width(), self.height()
        self.resizeDocks([self.inspector_dock], [max(300, round(w * 0.32))],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.inspector_dock, self.plot_dock], [round(h * 0.55), round(h * 0.45)],
                         Qt.Orientation.Vertical)

    # ------------------------------------------------------------------------ building
    def _dock(self, title: str, widget: QWidget, area, tab_with: QDockWidget | None = None,
              hidden: bool = False) -> QDockWidget:
        """A dock in area; tabbed behind tab_with, or hidden, so the canvas keeps its room."""
        d = QDockWidget(title, self)
        d.setObjectName(f"dock-{title}")
        d.setWidget(widget)
        self.addDockWidget(area, d)
        if tab_with is not None:
            self.tabifyDockWidget(tab_with, d)
        if hidden:
            d.hide()
        return d

    def _action(self, text, slot, shortcut=None, tip=None, checkable=False) -> QAction:
        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        a.setCheckable(checkable)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _create_actions(self) -> None:
        s = self.session
        SK = QKeySequence.StandardKey
        self.act_open = self._action("&Open…", self.open_dialog, SK.Open,
                                     "Open a bpviz network file")
        self.act_save = self._action("&Save", self.save, SK.Save,
                                     "Save the network, its data, settings and progress")
        self.act_save_as = self._action("Save &As…", self.save_as_dialog,
                                        QKeySequence("Ctrl+Shift+S"),
                                        "Save the network with its current weights")
        self.act_export = self._action("&Export image…", self.export_dialog,
                                       QKeySequence("Ctrl+E"),
                                       "PNG or SVG of the canvas, the error plot or the window")
        self.act_quick = self._action("&Quick export", self.quick_export,
                                      QKeySequence("Ctrl+Alt+E"),
                                      "Save the canvas as the next numbered PNG in the quick "
                                      "export folder (Ctrl+Alt+E)")
        self.act_quick_folder = self._action("Quick export &folder…", self.choose_quick_folder)
        self.act_copy = self._action("&Copy image", self.copy_image,
                                     QKeySequence("Ctrl+Shift+C"),
                                     "Copy the canvas to the clipboard (Ctrl+Shift+C)")
        self.act_explain = self._action("Export &worked example…", self.export_worked_example,
                                        None, "This iteration written out step by step, as "
                                        "Markdown, HTML or LaTeX")
        self.act_csv = self._action("Export error &history (CSV)…", self.export_history_csv,
                                    None, "Step and error of every step so far")
        self.act_undo = self.session.undo_stack.createUndoAction(self, "&Undo")
        self.act_undo.setShortcut(SK.Undo)
        self.act_redo = self.session.undo_stack.createRedoAction(self, "&Redo")
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(SK.Redo)])
        self.act_new = self._action("&New network…", lambda: self.edit_network(True), SK.New,
                                    "Build a network: layers, activations, loss, training")
        self.act_network = self._action("&Network…", lambda: self.edit_network(False),
                                        QKeySequence("Ctrl+Shift+N"),
                                        "Change this network's layers, activations, loss, "
                                        "learning rate, mode and initialisation")
        self.act_data = self._action("&Data…", self.show_data, QKeySequence("Ctrl+D"),
                                     "Edit the samples: inputs and targets, CSV, generators")
        self.act_edit_weight = self._action("Edit &weight…", self.edit_selected, None,
                                            "Edit the selected weight or bias (Enter, or "
                                            "double-click it)")
        self.act_quit = self._action("&Quit", self.close, SK.Quit, "Quit bpviz")
        # phase actions: the keys themselves are handled by _PhaseKeys so they work everywhere
        self.act_first = self._action("First", s.first, None, "First phase (Home)")
        self.act_prev = self._action("Previous", s.previous, None,
                                     "Previous phase (← or Page Up)")
        self.act_next = self._action("Next", s.next, None, "Next phase (→ or Page Down)")
        self.act_last = self._action("Last", s.last, None, "Last phase (End)")
        self.act_play = self._action("Play", self.toggle_play, QKeySequence("P"),
                                     "Step through the phases automatically (P)", True)
        SP = QStyle.StandardPixmap
        for a, icon in ((self.act_first, SP.SP_MediaSkipBackward),
                        (self.act_prev, SP.SP_MediaSeekBackward),
                        (self.act_next, SP.SP_MediaSeekForward),
                        (self.act_last, SP.SP_MediaSkipForward),
                        (self.act_play, SP.SP_MediaPlay)):
            a.setIcon(self.style().standardIcon(icon))
        self.act_fit = self._action("&Fit to window", self.canvas.fit, QKeySequence("F"),
                                    "Fit the network to the window (F)")
        self.act_zoom_in = self._action("Zoom &in", lambda: s.set_zoom(s.zoom * 1.15),
                                        [QKeySequence("Ctrl+="), QKeySequence("Ctrl++")],
                                        "Larger fonts and neurons (Ctrl+=)")
        self.act_zoom_out = self._action("Zoom &out", lambda: s.set_zoom(s.zoom / 1.15),
                                         QKeySequence("Ctrl+-"), "Smaller (Ctrl+-)")
        self.act_zoom_reset = self._action("&Reset zoom", lambda: s.set_zoom(1.0),
                                           QKeySequence("Ctrl+0"), "Normal size (Ctrl+0)")
        self.act_full = self._action("&Full screen", self.toggle_full_screen,
                                     QKeySequence("F11"),
                                     "The window at full screen, docks and all (F11; F11 or "
                                     "Esc leaves)", True)
        self.act_present = self._action(
            "&Presentation", self.toggle_presentation, QKeySequence("F5"),
            "The canvas alone at full screen in large type, for a projector: → / Page Down "
            "step, B blanks, Esc or F5 leaves (F5)", True)
        self.act_present_start = self._action(
            "Present from the &first phase", self.present_from_start, QKeySequence("Shift+F5"),
            "Presentation mode at phase 1 of this iteration (Shift+F5)")
        self.act_caption = self._action(
            "Presentation &caption", self.presenter_caption, None,
            "While presenting, show the inspector's text for the selection as a large caption "
            "under the canvas (C while presenting)", True)
        self.act_labels = self._action("Weight &labels", s.set_show_weight_labels, None,
                                       "Show the weight on each edge (small networks)", True)
        self.act_labels.setChecked(s.show_weight_labels)
        self.act_legend = self._action(
            "Colour &legend", s.set_show_legend, QKeySequence("Ctrl+L"),
            "A key to the colours and widths on the canvas (Ctrl+L); exports include it "
            "while it is shown", True)
        self.act_legend.setChecked(s.show_legend)
        self.act_shortcuts = self._action("&Keyboard shortcuts", self.show_shortcuts,
                                          QKeySequence.StandardKey.HelpContents)
        self.act_about = self._action("&About bpviz", self.show_about)
        self.act_train = self._action("&Train / Pause", lambda: self.training.toggle(), None,
                                      "Train from the current weights, or pause (Space)")

    def _create_menus(self) -> None:
        s = self.session
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self.file_menu = f
        f.addAction(self.act_new)
        f.addAction(self.act_open)
        self.recent_menu = f.addMenu("Open &Recent")
        f.addAction(self.act_save)
        f.addAction(self.act_save_as)
        f.addSeparator()
        for a in (self.act_export, self.act_copy, self.act_quick, self.act_quick_folder,
                  self.act_explain, self.act_csv):
            f.addAction(a)
        f.addSeparator()
        f.addAction(self.act_quit)
        self._fill_recent()
        e = mb.addMenu("&Edit")
        self.edit_menu = e
        e.addAction(self.act_undo)
        e.addAction(self.act_redo)
        e.addSeparator()
        e.addAction(self.act_edit_weight)
        e.addAction(self.act_network)
        e.addAction(self.act_data)
        v = mb.addMenu("&View")
        theme = v.addMenu("&Theme")
        grp = QActionGroup(self)
        for name in ("light", "dark"):
            a = QAction(name.capitalize(), self, checkable=True)
            a.setChecked(s.theme == name)
            a.triggered.connect(lambda _=False, n=name: self.set_theme(n))
            grp.addAction(a)
            theme.addAction(a)
        v.addAction(self.act_zoom_in)
        v.addAction(self.act_zoom_out)
        v.addAction(self.act_zoom_reset)
        v.addAction(self.act_fit)
        v.addAction(self.act_full)
        v.addAction(self.act_present)
        v.addAction(self.act_present_start)
        v.addAction(self.act_caption)
        v.addSeparator()
        edges = v.addMenu("&Edges show")
        grp = QActionGroup(self)
        self.edge_actions = {}
        for mode, text in (("weight", "Weight w"), ("grad", "Gradient ∂E/∂w"),
                           ("delta_w", "Update Δw = −η·∂E/∂w")):
            a = QAction(text, self, checkable=True)
            a.setChecked(s.edge_mode == mode)
            a.triggered.connect(lambda _=False, m=mode: s.set_edge_mode(m))
            grp.addAction(a)
            edges.addAction(a)
            self.edge_actions[mode] = a
        v.addAction(self.act_labels)
        v.addAction(self.act_legend)
        dec = v.addMenu("&Decimals")
        grp = QActionGroup(self)
        for d, text in ((9, "9 decimals (as in Mazur's example)"), (4, "4 decimals")):
            a = QAction(text, self, checkable=True)
            a.setChecked(s.decimals == d)
            a.triggered.connect(lambda _=False, d=d: s.set_decimals(d))
            grp.addAction(a)
            dec.addAction(a)
        figs = v.addMenu("&Significant figures")
        figs.setToolTip("How many significant figures the canvas writes (the inspector "
                        "follows Decimals)")
        figs.setToolTipsVisible(True)
        grp = QActionGroup(self)
        self.sig_actions = {}
        for d in SIG_DIGITS:
            a = QAction(f"{d} significant figures" + (" (default)" if d == 4 else ""), self,
                        checkable=True)
            a.setChecked(s.sig_digits == d)
            a.triggered.connect(lambda _=False, d=d: s.set_sig_digits(d))
            grp.addAction(a)
            figs.addAction(a)
            self.sig_actions[d] = a
        v.addSeparator()
        for d in (self.inspector_dock, self.training_dock, self.plot_dock, self.results_dock,
                  self.data_dock):
            v.addAction(d.toggleViewAction())
        dm = mb.addMenu("&Data")
        for a in self.data_editor.menu_actions():
            dm.addSeparator() if a is None else dm.addAction(a)
        t = mb.addMenu("&Training")
        t.addAction(self.act_train)
        t.addAction(QAction("&Stop", self, triggered=lambda: self.training.stop()))
        t.addAction(QAction("&One step", self, triggered=lambda: self.training.one_step()))
        t.addAction(QAction("&Reset to the file's weights", self,
                            triggered=lambda: self.training.reset()))
        h = mb.addMenu("&Help")
        h.addAction(self.act_shortcuts)
        h.addAction(self.act_about)

    def _create_toolbar(self) -> None:
        tb = QToolBar("Phases", self)
        tb.setObjectName("toolbar-phases")
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(tb)
        for a in (self.act_first, self.act_prev, self.act_next, self.act_last, self.act_play):
            tb.addAction(a)
        self.delay = QSpinBox()
        self.delay.setRange(200, 10_000)
        self.delay.setSingleStep(100)
        self.delay.setSuffix(" ms")
        self.delay.setValue(int(self.settings.value("play/delay", 1500)))
        self.delay.setToolTip("Delay between phases while playing")
        self.delay.valueChanged.connect(lambda v: self.play_timer.setInterval(v))
        tb.addWidget(self.delay)
        tb.addSeparator()
        tb.addWidget(QLabel(" Sample "))
        self.sample_box = QComboBox()
        self.sample_box.setToolTip("The sample an online iteration uses (next in order by "
                                   "default); in batch mode, the sample the canvas shows")
        # as wide as its longest entry ("12: (0.25, 1, …)"), never cut
        self.sample_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sample_box.activated.connect(self._on_sample_chosen)
        tb.addWidget(self.sample_box)
        tb.addSeparator()
        tb.addWidget(QLabel(" Network "))
        self.preset_box = QComboBox()
        self.preset_box.setToolTip("Open a built-in example network")
        for name, title in preset_titles():
            self.preset_box.addItem(f"{name} — {title}", name)
        self.preset_box.activated.connect(
            lambda i: self.open_preset(self.preset_box.itemData(i)))
        tb.addWidget(self.preset_box)

    # ------------------------------------------------------------------------ behaviour
    def phase_action(self, what: str) -> None:
        if what == "train":
            self.training.toggle()
            return
        if self.session.training:
            self.statusBar().showMessage("Pause training (Space) to step through phases", 3000)
            return
        if what in ("next", "previous"):
            self.stop_play()
        getattr(self.session, what)()

    def _on_training(self, on: bool) -> None:
        if on:
            self.stop_play()
        for a in (self.act_first, self.act_prev, self.act_next, self.act_last, self.act_play):
            a.setEnabled(not on)
        self.sample_box.setEnabled(not on)
        if not on:
            self._update_status()

    def _show_message(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()  # never blocks the event loop (snapshots keep arriving)
        self._message_box = box

    def toggle_play(self, on: bool) -> None:
        if on:
            self.play_timer.start(self.delay.value())
            self.act_play.setText("Pause")
            self.act_play.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.stop_play()

    def stop_play(self) -> None:
        self.play_timer.stop()
        self.act_play.setChecked(False)
        self.act_play.setText("Play")
        self.act_play.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def _play_tick(self) -> None:
        self.session.next()

    def set_theme(self, name: str) -> None:
        apply_palette(name)
        self.session.set_theme(name)

    def toggle_full_screen(self, on: bool) -> None:
        """F11: the window as it is, at full screen (presentation mode leaves instead)."""
        if self.presenter.active:
            self.presenter.leave()
        elif on:
            self.showFullScreen()
        else:  # back to what it was before (maximised stays maximised)
            self.setWindowState(self.windowState() & ~Qt.WindowState.WindowFullScreen)
        self.act_full.setChecked(self.isFullScreen() and not self.presenter.active)

    def leave_full_screen(self) -> None:
        """Esc: out of presentation mode, or out of F11's full screen."""
        if self.presenter.active:
            self.presenter.leave()
        elif self.isFullScreen():
            self.toggle_full_screen(False)

    def toggle_presentation(self, _checked: bool = False) -> None:
        """F5: presentation mode at the current phase, or back to the window."""
        self.stop_play()
        self.presenter.toggle()

    def present_from_start(self) -> None:
        """Shift+F5: presentation mode at phase 1."""
        self.stop_play()
        self.presenter.enter()
        self.phase_action("first")

    def presenter_caption(self, on: bool) -> None:
        self.presenter.set_caption_on(on)

    def changeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(ev)
        if ev.type() == QEvent.Type.WindowStateChange and hasattr(self, "presenter"):
            self.act_full.setChecked(self.isFullScreen() and not self.presenter.active)

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
        # a dock whose font equals the application's draws its title in the platform's title
        # font, fixed when the dock was made; a font that differs (only in its style
        # strategy) makes the title follow the zoom like everything else
        title = QFont(QApplication.font())
        title.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
        for d in self.findChildren(QDockWidget):
            d.setFont(title)
        icon = round(self.style().pixelMetric(QStyle.PixelMetric.PM_ToolBarIconSize) * z)
        for tb in self.findChildren(QToolBar):
            tb.setIconSize(QSize(icon, icon))
        for view in self.findChildren(QTableView):
            for h in (view.horizontalHeader(), view.verticalHeader()):
                base = h.property("bpviz-section-size")
                if base is None:  # first seen at the zoom before this one
                    base = h.defaultSectionSize() / was
                    h.setProperty("bpviz-section-size", base)
                h.setDefaultSectionSize(max(1, round(base * z)))
        # the application font reaches the widgets through posted events: after them
        QTimer.singleShot(0, self._after_zoom)

    def _after_zoom(self) -> None:
        """Once the window has its new fonts and layout: the results' columns fit their text
        (the canvas redraws its cached edges itself when it is resized)."""
        self.results.resizeColumnsToContents()

    def _on_sample_chosen(self, i: int) -> None:
        self.session.set_sample_choice(self.sample_box.itemData(i))

    def _on_document(self) -> None:
        s = self.session
        doc = s.doc
        self.sample_box.blockSignals(True)
        self.sample_box.clear()
        if doc.mode == "online":
            self.sample_box.addItem("next in order", None)
        for i in range(doc.n_samples):
            xs = ", ".join(f"{v:g}" for v in doc.inputs[i][:4])
            more = ", …" if doc.inputs.shape[1] > 4 else ""
            self.sample_box.addItem(f"{i + 1}: ({xs}{more})", i)
        self.sample_box.blockSignals(False)
        idx = self.preset_box.findData(s.source)
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(idx if idx >= 0 else -1)
        self.preset_box.blockSignals(False)
        self._on_modified()
        self._update_status()

    def _update_status(self, *_a) -> None:
        s = self.session
        self.act_prev.setEnabled(s.can_go_back() and not s.training)
        self._status.setText(
            f"{s.doc.title or s.source}  ·  iteration {s.step + 1:,}  ·  phase "
            f"{s.phase_index + 1}/{len(s.names)}: {s.phase.title}  ·  η = {s.learning_rate:g}"
            f"  ·  {s.doc.mode}")

    # ------------------------------------------------------------------------ files
    def open_preset(self, name: str) -> None:
        if not self.maybe_save():
            self._on_document()  # put the preset chooser back
            return
        self.stop_play()
        self.session.load(load_preset(name), name)

    def open_path(self, path: str) -> bool:
        """Open a file; on any problem show the loader's message and keep the current network."""
        try:
            doc = fileformat.load(path)
        except FormatError as e:
            QMessageBox.warning(self, "Cannot open the network", str(e))
            return False
        if not self.maybe_save():
            return False
        self.stop_play()
        self.session.load(doc, str(path))
        self._add_recent(str(path))
        return True

    def open_dialog(self) -> None:
        start = self.settings.value("files/last_dir", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, "Open network", start,
                                              "bpviz networks (*.bpviz.json *.json);;All (*)")
        if path:
            self.settings.setValue("files/last_dir", str(Path(path).parent))
            self.open_path(path)

    def save_as_dialog(self) -> None:
        start = self.settings.value("files/last_dir", str(Path.home()))
        base = self.session.source if self.session.source in PRESETS else "network"
        path, _ = QFileDialog.getSaveFileName(self, "Save network as",
                                              str(Path(start) / f"{base}.bpviz.json"),
                                              "bpviz networks (*.bpviz.json)")
        if path:
            self.save_to(with_extension(path))

    def save_to(self, path: str) -> bool:
        """Write the session as bpviz/1 (atomically: a failed save keeps the old file)."""
        s = self.session
        doc = s.current_document()
        # the errors of steps 1 … step (while training the history may run ahead of the
        # weights shown); a history with a gap keeps the part before it, never shifted
        errs = s.history.errors[: s.step]
        bad = np.flatnonzero(~np.isfinite(errs))
        if len(bad):
            errs = errs[: bad[0]]
        doc.session = {"step": s.step, "phase": s.phase_index,
                       "error_history": errs.tolist(),
                       "stop_error": s.stop_error}  # the training dock's threshold (null: none)
        doc.speed = "full" if s.speed is None else s.speed  # its speed, a top-level key
        try:
            fileformat.save(doc, path)
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Cannot save", f"{path}: {getattr(e, 'strerror', None) or e}")
            return False
        s.mark_saved(str(path))
        self._add_recent(path)
        self._on_modified()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def save(self) -> bool:
        s = self.session
        if s.source in PRESETS or not s.source or not Path(s.source).suffix:
            return self.save_as_dialog()
        return self.save_to(s.source)

    def maybe_save(self) -> bool:
        """Ask before unsaved work is lost; False means the user cancelled."""
        if not self.session.modified:
            return True
        B = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self, "Unsaved changes",
            "The network has changes that are not saved (edits or training). Save them?",
            B.Save | B.Discard | B.Cancel, B.Save)
        if answer == B.Save:
            return self.save()
        return answer == B.Discard

    def _on_modified(self, *_a) -> None:
        self.setWindowModified(self.session.modified)
        self._on_title()

    def _on_title(self) -> None:
        s = self.session
        name = s.source if s.source in PRESETS else (Path(s.source).name or "untitled")
        title = f"{name}[*] — {s.doc.title} — bpviz" if s.doc.title else f"{name}[*] — bpviz"
        self.setWindowTitle(title)

    # ------------------------------------------------------------------------ exports
    def _export_target(self, what: str):
        return {"canvas": self.canvas, "plot": self.plot, "window": self}[what]

    def export_dialog(self) -> None:
        from bpviz.gui.export import export_file_name, export_stem, export_widget
        from bpviz.gui.export_dialog import ExportDialog

        st = self.settings
        d = ExportDialog(self, st.value("export/what", "canvas"), st.value("export/fmt", "png"),
                         int(st.value("export/scale", 2)),
                         str(st.value("export/transparent", "false")) == "true")
        if not d.exec():
            return
        c = d.choice()
        for k in ("what", "fmt", "scale"):
            st.setValue(f"export/{k}", c[k])
        st.setValue("export/transparent", "true" if c["transparent"] else "false")
        s = self.session
        # the phase in the name (mazur-03-out-h.png): several phases, several files
        start = Path(st.value("files/export_dir", str(Path.home()))) / export_file_name(
            export_stem(s.source), c["what"], s.phase_index, s.names[s.phase_index], c["fmt"],
            len(s.names), s.step + 1)
        flt = "PNG image (*.png)" if c["fmt"] == "png" else "SVG image (*.svg)"
        path, _ = QFileDialog.getSaveFileName(self, "Export image", str(start), flt)
        if not path:
            return
        if not path.lower().endswith("." + c["fmt"]):
            path += "." + c["fmt"]
        st.setValue("files/export_dir", str(Path(path).parent))
        try:
            export_widget(self._export_target(c["what"]), path, c["fmt"],
                          c["scale"] if c["fmt"] == "png" else 1.0, c["transparent"])
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Cannot export", f"{path}: {e}")
            return
        self.statusBar().showMessage(f"Exported {path}", 4000)

    def copy_image(self) -> None:
        from bpviz.gui.export import copy_to_clipboard

        copy_to_clipboard(self.canvas, 2.0)
        self.statusBar().showMessage("Copied the canvas to the clipboard", 3000)

    def choose_quick_folder(self) -> bool:
        folder = QFileDialog.getExistingDirectory(
            self, "Quick export folder", self.settings.value("export/quick_dir", str(Path.home())))
        if folder:
            self.settings.setValue("export/quick_dir", folder)
        return bool(folder)

    def quick_export(self) -> str | None:
        """The canvas as the next numbered PNG in the quick export folder (for a sequence
        grabbed while stepping)."""
        from bpviz.gui.export import QuickExporter, export_stem, phase_tag

        s = self.session
        folder = self.settings.value("export/quick_dir")
        if not folder or not Path(folder).is_dir():
            if not self.choose_quick_folder():
                return None
            folder = self.settings.value("export/quick_dir")
        try:
            path = QuickExporter(folder, export_stem(s.source), scale=2.0).export(
                self.canvas, phase_tag(s.phase_index, s.names[s.phase_index], len(s.names)))
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Cannot export", f"{folder}: {e}")
            return None
        self.statusBar().showMessage(f"Saved {path}", 3000)
        return str(path)

    def export_worked_example(self) -> None:
        from bpviz.core.atomic import write_atomic
        from bpviz.core.teach.worked_example import explain

        s = self.session
        start = Path(self.settings.value("files/export_dir", str(Path.home()))) / \
            f"{Path(s.source).stem or 'bpviz'}-worked-example.html"
        path, flt = QFileDialog.getSaveFileName(
            self, "Export worked example", str(start),
            "HTML, self-contained (*.html);;Markdown with LaTeX maths (*.md);;LaTeX (*.tex)")
        if not path:
            return
        fmt = Path(path).suffix.lower().lstrip(".")
        if fmt not in ("html", "md", "tex"):
            fmt = "html" if "HTML" in flt else "md" if "Markdown" in flt else "tex"
            path += "." + fmt
        B = QMessageBox.StandardButton
        images = QMessageBox.question(
            self, "Worked example", "Add an image of the canvas at each phase?",
            B.Yes | B.No, B.Yes) == B.Yes
        try:
            text = explain(s.current_document(), s.trace, fmt, name=Path(s.source).stem)
            if images:
                text = with_phase_images(text, fmt, Path(path), self.phase_images())
            write_atomic(path, text)
        except (OSError, ValueError) as e:
            QMessageBox.warning(self, "Cannot export", f"{path}: {e}")
            return
        self.statusBar().showMessage(f"Wrote {path}", 4000)

    def phase_images(self) -> list[tuple[str, str, bytes]]:
        """(name, title, PNG bytes) of the canvas at every phase of this iteration; the
        stepper goes back to where it was."""
        from PySide6.QtCore import QBuffer, QIODevice

        from bpviz.gui.export import render_image

        s = self.session
        here = s.phase_index
        out = []
        try:
            for i, ph in enumerate(s.phases):
                s.set_phase(i)
                QApplication.processEvents()
                buf = QBuffer()
                buf.open(QIODevice.OpenModeFlag.WriteOnly)
                render_image(self.canvas, 1.0).save(buf, "PNG")
                out.append((ph.name, f"{i + 1}. {ph.title}", bytes(buf.data())))
        finally:
            s.set_phase(here)
        return out

    def export_history_csv(self) -> None:
        from bpviz.core.atomic import write_atomic

        h = self.session.history
        start = Path(self.settings.value("files/export_dir", str(Path.home()))) / \
            f"{Path(self.session.source).stem or 'bpviz'}-errors.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export error history", str(start),
                                              "CSV (*.csv)")
        if not path:
            return
        try:
            write_atomic(path, history_csv(h))
        except OSError as e:
            QMessageBox.warning(self, "Cannot export", f"{path}: {e.strerror or e}")
            return
        self.statusBar().showMessage(f"Wrote {path} ({h.n:,} steps)", 4000)

    def edit_network(self, new: bool) -> bool:
        from bpviz.gui.network_dialog import edit_network

        if new and not self.maybe_save():
            return False
        self.training.stop()
        changed = edit_network(self.session, self, new=new)
        if changed and new:
            self.session.source = ""  # untitled: Save asks for a file name
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

    def _recent(self) -> list[str]:
        v = self.settings.value("files/recent", "[]")
        try:
            out = json.loads(v) if isinstance(v, str) else list(v)
        except ValueError:
            out = []
        return [p for p in out if isinstance(p, str)]

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        rec = [path] + [p for p in self._recent() if p != path]
        self.settings.setValue("files/recent", json.dumps(rec[:MAX_RECENT]))
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        rec = self._recent()
        for p in rec:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.triggered.connect(lambda _=False, p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(rec))

    # ------------------------------------------------------------------------ help, settings
    def show_shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS_HTML)

    def show_about(self) -> None:
        QMessageBox.about(self, "About bpviz",
                          f"<h3>bpviz {__version__}</h3><p>Step through backpropagation one "
                          "phase at a time: the forward pass, the error, the error signal "
                          "flowing back, the gradients and the update, with every number and "
                          "the chain rule behind it.</p>")

    def _read_display_settings(self) -> None:
        s, st = self.session, self.settings
        s.theme = st.value("view/theme", "light") if st.value("view/theme") in (
            "light", "dark") else "light"
        try:
            s.zoom = min(3.0, max(0.5, float(st.value("view/zoom", 1.0))))
            s.decimals = 4 if int(st.value("view/decimals", 9)) == 4 else 9
        except (TypeError, ValueError):
            pass
        try:
            d = int(st.value("view/sig_digits", 4))
            s.sig_digits = d if d in SIG_DIGITS else 4
        except (TypeError, ValueError):
            pass
        mode = st.value("view/edges", "weight")
        s.edge_mode = mode if mode in ("weight", "grad", "delta_w") else "weight"
        s.show_weight_labels = str(st.value("view/weight_labels", "true")).lower() == "true"
        s.show_legend = str(st.value("view/legend", "false")).lower() == "true"

    def closeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        self.training.pause()
        if not self.maybe_save():
            ev.ignore()
            return
        self.stop_play()
        self.presenter.leave()  # the window's own layout and zoom are what is remembered
        self.training.shutdown()
        st, s = self.settings, self.session
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/state", self.saveState(STATE_VERSION))
        st.setValue("view/theme", s.theme)
        st.setValue("view/zoom", s.zoom)
        st.setValue("view/decimals", s.decimals)
        st.setValue("view/sig_digits", s.sig_digits)
        st.setValue("view/edges", s.edge_mode)
        st.setValue("view/weight_labels", "true" if s.show_weight_labels else "false")
        st.setValue("view/legend", "true" if s.show_legend else "false")
        st.setValue("play/delay", self.delay.value())
        QApplication.instance().removeEventFilter(self._keys)
        if not any(isinstance(w, MainWindow) and w is not self and w.isVisible()
                   for w in QApplication.topLevelWidgets()):
            apply_font_zoom(1.0)  # the application's font is the last window's to give back
        super().closeEvent(ev)


def with_extension(path: str) -> str:
    """A path typed without the format's extension gets ``.bpviz.json`` (``lesson`` →
    ``lesson.bpviz.json``); one ending in ``.json`` is kept as typed."""
    return path if path.lower().endswith(".json") else path + ".bpviz.json"


def history_csv(h) -> str:
    """The error history as CSV: step, error (and the epoch error where an epoch ended)."""
    ep = dict(zip(h.epoch_steps.astype(int).tolist(), h.epoch_errors.tolist(), strict=True))
    lines = ["step,error,epoch_error"]
    for i, e in enumerate(h.errors.tolist(), 1):
        lines.append(f"{i},{e!r},{ep[i]!r}" if i in ep else f"{i},{e!r},")
    return "\n".join(lines) + "\n"


def with_phase_images(text: str, fmt: str, path: Path, images) -> str:
    """The worked example with a last section showing the canvas at each phase: embedded in
    HTML, files in a folder beside a Markdown or LaTeX document."""
    import base64
    import html as _h

    from bpviz.gui.export import phase_file_name

    if fmt == "html":
        figs = "".join(
            f'<figure><img alt="{_h.escape(t)}" style="max-width:100%" '
            f'src="data:image/png;base64,{base64.b64encode(png).decode()}">'
            f"<figcaption>{_h.escape(t)}</figcaption></figure>\n" for _, t, png in images)
        section = f"<section><h2>The canvas at each phase</h2>\n{figs}</section>\n"
        i = text.rfind("</main>")
        return text[:i] + section + text[i:] if i >= 0 else text + section
    folder = path.with_name(path.stem + "-phases")
    folder.mkdir(exist_ok=True)
    names = []
    for k, (name, title, png) in enumerate(images):
        f = phase_file_name(k, name, "png")
        (folder / f).write_bytes(png)
        names.append((f"{folder.name}/{f}", title))
    if fmt == "md":
        return text + "\n## The canvas at each phase\n\n" + "".join(
            f"![{t}]({f})\n\n*{t}*\n\n" for f, t in names)
    tex = "".join(f"\\begin{{center}}\\includegraphics[width=\\linewidth]{{{f}}}\\\\\n"
                  f"\\small {_tex_escape(t)}\\end{{center}}\n" for f, t in names)
    text = text.replace("\\usepackage{amsmath}", "\\usepackage{amsmath}\n\\usepackage{graphicx}", 1)
    i = text.rfind("\\end{document}")
    return text[:i] + "\\section*{The canvas at each phase}\n" + tex + text[i:]


def _tex_escape(t: str) -> str:
    """A phase title as plain LaTeX text (ASCII; the maths symbols spelled out)."""
    names = {"∂": "d", "δ": "delta ", "η": "eta", "σ": "sigma", "·": "*", "ᵀ": "^T",
             "−": "-", "⁺": "+", "≤": "<=", "→": "->", "Σ": "sum ", "½": "1/2", "²": "^2"}
    special = {"\\": "\\textbackslash{}", "_": "\\_", "&": "\\&", "%": "\\%",
               "#": "\\#", "$": "\\$", "{": "\\{", "}": "\\}", "^": "\\^{}",
               "~": "\\~{}"}
    out = []
    for ch in t:
        for c in names.get(ch, ch):
            out.append(special.get(c, c if ord(c) < 128 else "-"))
    return "".join(out)
