"""The window's actions and menus, as tables: :data:`ACTIONS` gives every action its text,
shortcuts, tooltip and what it calls; :data:`MENUS` says where each one goes. Help → Keyboard
shortcuts (:data:`SHORTCUTS_HTML`) lists every shortcut below and the keys the window handles
itself (the phase keys, Space, B, C, Esc; see :mod:`bpviz.gui.stepping`).

:func:`install` makes the actions (the window's ``act_<name>`` attributes) and the menu bar.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox, QStyle

from bpviz import __version__
from bpviz.gui.session import SIG_DIGITS

__all__ = ["ACTIONS", "MENUS", "SHORTCUTS_HTML", "ActionSpec", "install"]

SK = QKeySequence.StandardKey
SP = QStyle.StandardPixmap


@dataclass(frozen=True)
class ActionSpec:
    """One action: the window's ``act_<name>``; ``slot(window)`` is what it calls, ``checked``
    (window) its first state when it is checkable and starts checked."""

    name: str
    text: str
    slot: Callable[[Any], Callable]
    keys: tuple = ()  # QKeySequence.StandardKey or key strings; the first is the main one
    tip: str | None = None
    checkable: bool = False
    checked: Callable[[Any], bool] | None = None
    icon: QStyle.StandardPixmap | None = None


A = ActionSpec
ACTIONS: tuple[ActionSpec, ...] = (
    # File
    A(
        "new",
        "&New network…",
        lambda w: lambda: w.edit_network(True),
        (SK.New,),
        "Build a network: layers, activations, loss, training",
    ),
    A("open", "&Open…", lambda w: w.files.open_dialog, (SK.Open,), "Open a bpviz network file"),
    A(
        "save",
        "&Save",
        lambda w: w.files.save,
        (SK.Save,),
        "Save the network, its data, settings and progress",
    ),
    A(
        "save_as",
        "Save &As…",
        lambda w: w.files.save_as_dialog,
        ("Ctrl+Shift+S",),
        "Save the network with its current weights",
    ),
    A(
        "export",
        "&Export image…",
        lambda w: w.exports.export_dialog,
        ("Ctrl+E",),
        "PNG or SVG of the canvas, the error plot or the window",
    ),
    A(
        "quick",
        "&Quick export",
        lambda w: w.exports.quick_export,
        ("Ctrl+Alt+E",),
        "Save the canvas as the next numbered PNG in the quick export folder (Ctrl+Alt+E)",
    ),
    A("quick_folder", "Quick export &folder…", lambda w: w.exports.choose_quick_folder),
    A(
        "copy",
        "&Copy image",
        lambda w: w.exports.copy_image,
        ("Ctrl+Shift+C",),
        "Copy the canvas to the clipboard (Ctrl+Shift+C)",
    ),
    A(
        "explain",
        "Export &worked example…",
        lambda w: w.exports.export_worked_example,
        (),
        "This iteration written out step by step, as Markdown, HTML or LaTeX",
    ),
    A(
        "csv",
        "Export error &history (CSV)…",
        lambda w: w.exports.export_history_csv,
        (),
        "Step and error of every step so far",
    ),
    # Ctrl+Q, not StandardKey.Quit: Qt leaves that one empty on Windows (and offscreen)
    A("quit", "&Quit", lambda w: w.close, ("Ctrl+Q",), "Quit bpviz"),
    # Edit
    A(
        "network",
        "&Network…",
        lambda w: lambda: w.edit_network(False),
        ("Ctrl+Shift+N",),
        "Change this network's layers, activations, loss, learning rate, mode and initialisation",
    ),
    A(
        "data",
        "&Data…",
        lambda w: w.show_data,
        ("Ctrl+D",),
        "Edit the samples: inputs and targets, CSV, generators",
    ),
    A(
        "edit_weight",
        "Edit &weight…",
        lambda w: w.edit_selected,
        (),
        "Edit the selected weight or bias (Enter, or double-click it)",
    ),
    # the phases: their keys are handled by stepping.PhaseKeys, so they work everywhere
    A("first", "First", lambda w: w.session.first, (), "First phase (Home)", icon=SP.SP_MediaSkipBackward),
    A(
        "prev",
        "Previous",
        lambda w: w.session.previous,
        (),
        "Previous phase (← or Page Up)",
        icon=SP.SP_MediaSeekBackward,
    ),
    A(
        "next",
        "Next",
        lambda w: w.session.next,
        (),
        "Next phase (→ or Page Down)",
        icon=SP.SP_MediaSeekForward,
    ),
    A("last", "Last", lambda w: w.session.last, (), "Last phase (End)", icon=SP.SP_MediaSkipForward),
    A(
        "play",
        "Play",
        lambda w: w.player.toggle,
        ("P",),
        "Step through the phases automatically (P)",
        True,
        icon=SP.SP_MediaPlay,
    ),
    # View
    A("fit", "&Fit to window", lambda w: w.canvas.fit, ("F",), "Fit the network to the window (F)"),
    A(
        "zoom_in",
        "Zoom &in",
        lambda w: lambda: w.session.set_zoom(w.session.zoom * 1.15),
        ("Ctrl+=", "Ctrl++"),
        "Larger fonts and neurons (Ctrl+=)",
    ),
    A(
        "zoom_out",
        "Zoom &out",
        lambda w: lambda: w.session.set_zoom(w.session.zoom / 1.15),
        ("Ctrl+-",),
        "Smaller (Ctrl+-)",
    ),
    A(
        "zoom_reset",
        "&Reset zoom",
        lambda w: lambda: w.session.set_zoom(1.0),
        ("Ctrl+0",),
        "Normal size (Ctrl+0)",
    ),
    A(
        "full",
        "&Full screen",
        lambda w: w.presenter.toggle_full_screen,
        ("F11",),
        "The window at full screen, docks and all (F11; F11 or Esc leaves)",
        True,
    ),
    A(
        "present",
        "&Presentation",
        lambda w: w.toggle_presentation,
        ("F5",),
        "The canvas alone at full screen in large type, for a projector: → / Page Down step, "
        "B blanks, Esc or F5 leaves (F5)",
        True,
    ),
    A(
        "present_start",
        "Present from the &first phase",
        lambda w: w.present_from_start,
        ("Shift+F5",),
        "Presentation mode at phase 1 of this iteration (Shift+F5)",
    ),
    A(
        "caption",
        "Presentation &caption",
        lambda w: w.presenter.set_caption_on,
        (),
        "While presenting, show the inspector's text for the selection as a large caption "
        "under the canvas (C while presenting)",
        True,
        lambda w: w.presenter.caption_on,
    ),
    A(
        "labels",
        "Weight &labels",
        lambda w: w.session.set_show_weight_labels,
        (),
        "Show the weight on each edge (small networks)",
        True,
        lambda w: w.session.show_weight_labels,
    ),
    A(
        "legend",
        "Colour &legend",
        lambda w: w.session.set_show_legend,
        ("Ctrl+L",),
        "A key to the colours and widths on the canvas (Ctrl+L); exports include it while it is shown",
        True,
        lambda w: w.session.show_legend,
    ),
    # Help, Training
    A("shortcuts", "&Keyboard shortcuts", lambda w: lambda: show_shortcuts(w), (SK.HelpContents,)),
    A("about", "&About bpviz", lambda w: lambda: show_about(w)),
    A(
        "train",
        "&Train / Pause",
        lambda w: lambda: w.training.toggle(),
        (),
        "Train from the current weights, or pause (Space)",
    ),
)
del A

SHORTCUTS_HTML = """
<h3>Keyboard shortcuts</h3>
<table cellpadding=3>
<tr><td><b>→</b> or <b>Page Down</b></td><td>next phase (a presentation clicker sends these)</td></tr>
<tr><td><b>←</b> or <b>Page Up</b></td><td>previous phase</td></tr>
<tr><td><b>Home</b> / <b>End</b></td><td>first / last phase of the iteration</td></tr>
<tr><td><b>P</b></td><td>play / pause the phases</td></tr>
<tr><td><b>Space</b></td><td>train / pause training</td></tr>
<tr><td>click the error plot</td><td>the network at that step (drag its marker, or the slider
under the plot, to scrub)</td></tr>
<tr><td><b>Shift+←</b> / <b>Shift+→</b></td><td>the network one step earlier / later in the run</td></tr>
<tr><td><b>Esc</b></td><td>from a past step: back to the live network</td></tr>
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
<tr><td><b>F1</b></td><td>this list</td></tr>
<tr><td><b>Ctrl+Q</b></td><td>quit</td></tr>
</table>
<p>The phase keys work wherever the focus is, except while you are typing in a field.
Click a neuron, an edge or a bias to see its chain rule in the inspector.</p>
"""


def show_shortcuts(window) -> None:
    QMessageBox.information(window, "Keyboard shortcuts", SHORTCUTS_HTML)


def show_about(window) -> None:
    QMessageBox.about(
        window,
        "About bpviz",
        f"<h3>bpviz {__version__}</h3><p>Step through backpropagation one "
        "phase at a time: the forward pass, the error, the error signal "
        "flowing back, the gradients and the update, with every number and "
        "the chain rule behind it.</p>",
    )


def make_action(window, spec: ActionSpec) -> QAction:
    a = QAction(spec.text, window)
    if spec.keys:
        a.setShortcuts([QKeySequence(k) for k in spec.keys])
    if spec.tip:
        a.setToolTip(spec.tip)
        a.setStatusTip(spec.tip)
    a.setCheckable(spec.checkable)
    if spec.checked is not None:
        a.setChecked(spec.checked(window))
    if spec.icon is not None:
        a.setIcon(window.style().standardIcon(spec.icon))
    a.triggered.connect(spec.slot(window))
    window.addAction(a)
    return a


# --------------------------------------------------------------------------- menu builders
# a menu entry is an action's name, None (a separator) or one of these: (window, menu) → None
def _recent(w, m: QMenu) -> None:
    w.files.attach_recent_menu(m.addMenu("Open &Recent"))


def _undo_redo(w, m: QMenu) -> None:
    stack = w.session.undo_stack
    w.act_undo = stack.createUndoAction(w, "&Undo")
    w.act_undo.setShortcut(SK.Undo)
    w.act_redo = stack.createRedoAction(w, "&Redo")
    w.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence(SK.Redo)])
    m.addAction(w.act_undo)
    m.addAction(w.act_redo)


def _choices(w, m: QMenu, title: str, options, current, choose) -> dict:
    """A submenu of checkable, exclusive choices: options are (value, text)."""
    sub = m.addMenu(title)
    grp = QActionGroup(w)
    out = {}
    for value, text in options:
        a = QAction(text, w, checkable=True)
        a.setChecked(current == value)
        a.triggered.connect(lambda _=False, v=value: choose(v))
        grp.addAction(a)
        sub.addAction(a)
        out[value] = a
    return out


def _theme(w, m: QMenu) -> None:
    _choices(w, m, "&Theme", [(n, n.capitalize()) for n in ("light", "dark")], w.session.theme, w.set_theme)


def _edges(w, m: QMenu) -> None:
    s = w.session
    w.edge_actions = _choices(
        w,
        m,
        "&Edges show",
        (
            ("weight", "Weight w"),
            ("grad", "Gradient ∂E/∂w"),
            ("delta_w", "Update Δw = w⁺ − w (−η·∂E/∂w; with momentum −η·v⁺)"),
        ),
        s.edge_mode,
        s.set_edge_mode,
    )


def _decimals(w, m: QMenu) -> None:
    s = w.session
    _choices(
        w,
        m,
        "&Decimals",
        ((9, "9 decimals (as in Mazur's example)"), (4, "4 decimals")),
        s.decimals,
        s.set_decimals,
    )


def _sig_figs(w, m: QMenu) -> None:
    s = w.session
    w.sig_actions = _choices(
        w,
        m,
        "&Significant figures",
        [(d, f"{d} significant figures" + (" (default)" if d == 4 else "")) for d in SIG_DIGITS],
        s.sig_digits,
        s.set_sig_digits,
    )
    sub = m.actions()[-1].menu()
    sub.setToolTip("How many significant figures the canvas writes (the inspector follows Decimals)")
    sub.setToolTipsVisible(True)


def _pictures(w, m: QMenu) -> None:
    """Neuron heatmaps (a toggle) and how dense layers are drawn (a choice), both the canvas's,
    remembered in the window's settings (``view/neuron_heatmaps``, ``view/dense_layers``)."""
    from bpviz.gui.canvas.pictures import AUTO_MATRIX_EDGES, DENSE_STYLES

    c, st = w.canvas, w.settings
    c.set_neuron_heatmaps(str(st.value("view/neuron_heatmaps", "false")).lower() == "true")
    style = st.value("view/dense_layers", "auto")
    c.set_dense_style(style if style in DENSE_STYLES else "auto")

    def heatmaps(on: bool) -> None:
        c.set_neuron_heatmaps(on)
        st.setValue("view/neuron_heatmaps", "true" if on else "false")

    def dense(style: str) -> None:
        c.set_dense_style(style)
        st.setValue("view/dense_layers", style)

    a = QAction("Neuron &heatmaps", w, checkable=True)
    a.setChecked(c.neuron_heatmaps)
    tip = (
        "Beside each hidden and output neuron, its output over the input plane "
        "(networks with one or two inputs)"
    )
    a.setToolTip(tip)
    a.setStatusTip(tip)
    a.toggled.connect(heatmaps)
    m.addAction(a)
    w.act_heatmaps = a
    w.dense_actions = _choices(
        w,
        m,
        "Dense layers &as",
        (
            ("auto", f"Automatic (matrix past {AUTO_MATRIX_EDGES} edges)"),
            ("edges", "Edges"),
            ("matrix", "Weight matrices"),
        ),
        c.dense_style,
        dense,
    )


def _fprime(w, m: QMenu) -> None:
    """View → Shade neurons by f′(net): each hidden and output neuron's f′ as a gauge beside
    it (the canvas's), remembered in the window's settings (``view/fprime_shading``)."""
    c, st = w.canvas, w.settings
    c.set_fprime_shading(str(st.value("view/fprime_shading", "false")).lower() == "true")

    def shade(on: bool) -> None:
        c.set_fprime_shading(on)
        st.setValue("view/fprime_shading", "true" if on else "false")

    a = QAction("Shade neurons by f′(&net)", w, checkable=True)
    a.setChecked(c.fprime_shading)
    tip = (
        "Beside each hidden and output neuron, a bar filled to its f′(net) on 0 … 1 (sigmoid's "
        "f′ is at most 0.25, tanh's and ReLU's 1): f′ near 0: saturated, the gradient barely passes"
    )
    a.setToolTip(tip)
    a.setStatusTip(tip)
    a.toggled.connect(shade)
    m.addAction(a)
    w.act_fprime = a


def _docks(w, m: QMenu) -> None:
    for d in (w.inspector_dock, w.training_dock, w.plot_dock, w.results_dock, w.data_dock):
        m.addAction(d.toggleViewAction())
    toggle = w.gradient_dock.toggleViewAction()  # (issue 16)
    toggle.setToolTip("Each layer's mean |δ| and ‖∂E/∂W‖ against step, on a log scale: vanishing gradients")
    m.addAction(toggle)


def _data_editor(w, m: QMenu) -> None:
    for a in w.data_editor.menu_actions():
        m.addSeparator() if a is None else m.addAction(a)


def _scrub(w, m: QMenu) -> None:
    """Training → Train from here and Back to live: for a past step of the run on screen (a
    click on the error plot), enabled while one is."""
    from bpviz.gui.scrub_bar import BACK_TIP, TRAIN_FROM_HERE_TIP

    t, s = w.training, w.session
    w.act_train_here = QAction("Train from &here", w, triggered=lambda: t.train_from_here())
    w.act_live = QAction("&Back to live", w, triggered=lambda: t.back_to_live())
    for a, tip in ((w.act_train_here, TRAIN_FROM_HERE_TIP), (w.act_live, BACK_TIP)):
        a.setToolTip(tip)
        a.setStatusTip(tip)
        a.setEnabled(False)
        m.addAction(a)

    def follow() -> None:
        for a in (w.act_train_here, w.act_live):
            a.setEnabled(s.viewing is not None)

    s.viewingChanged.connect(follow)
    s.documentChanged.connect(follow)


def _training(w, m: QMenu) -> None:
    t = w.training
    m.addAction(QAction("&Stop", w, triggered=lambda: t.stop()))
    m.addAction(QAction("&One step", w, triggered=lambda: t.one_step()))
    m.addAction(QAction("&Reset to the file's weights", w, triggered=lambda: t.reset()))
    w.act_reinit = _reinit_action(w)
    m.addAction(w.act_reinit)


def _reinit_action(w) -> QAction:
    """Training → Re-initialise weights…: new start weights from a new seed (run_list)."""
    from bpviz.gui.run_list import reinitialise_weights

    a = QAction("Re-&initialise weights…", w)
    tip = (
        "Draw new start weights from a new seed (the file's init scheme, or uniform ±0.5); "
        "the run so far stays on the error plot, faint; Undo brings the old weights back"
    )
    a.setToolTip(tip)
    a.setStatusTip(tip)
    a.triggered.connect(lambda: reinitialise_weights(w.session, w.training, w))
    return a


MENUS: tuple[tuple[str, tuple], ...] = (
    (
        "&File",
        (
            "new",
            "open",
            _recent,
            "save",
            "save_as",
            None,
            "export",
            "copy",
            "quick",
            "quick_folder",
            "explain",
            "csv",
            None,
            "quit",
        ),
    ),
    ("&Edit", (_undo_redo, None, "edit_weight", "network", "data")),
    (
        "&View",
        (
            _theme,
            "zoom_in",
            "zoom_out",
            "zoom_reset",
            "fit",
            "full",
            "present",
            "present_start",
            "caption",
            None,
            _edges,
            "labels",
            "legend",
            _pictures,
            _fprime,
            _decimals,
            _sig_figs,
            None,
            _docks,
        ),
    ),
    ("&Data", (_data_editor,)),
    ("&Training", ("train", _scrub, None, _training)),
    ("&Help", ("shortcuts", "about")),
)


def install(window) -> None:
    """Every action of :data:`ACTIONS` as ``window.act_<name>``, then the menu bar."""
    for spec in ACTIONS:
        setattr(window, f"act_{spec.name}", make_action(window, spec))
    bar = window.menuBar()
    for title, entries in MENUS:
        m = bar.addMenu(title)
        for e in entries:
            if e is None:
                m.addSeparator()
            elif callable(e):
                e(window, m)
            else:
                m.addAction(getattr(window, f"act_{e}"))
