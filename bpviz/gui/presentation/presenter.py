"""Entering and leaving presentation mode, and the window's F11 full screen.

Presentation mode shows the canvas and its banner alone at full screen, in large type, for a
projector: it hides the docks, toolbars, menu and status bar, raises the font zoom to suit the
screen (16:9 and 4:3 alike), and on leaving puts every one of them back exactly as it was.
F11 shows the window as it is, docks and all, at full screen.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QWidget

from bpviz.gui.presentation.stage import Stage
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, THEMES

__all__ = ["Presenter", "presentation_zoom", "STATE_VERSION"]

STATE_VERSION = 1  # of QMainWindow.saveState: 1 = the docks in one column beside the canvas
REFERENCE = (1280, 720)  # a screen this size presents at zoom BASE_ZOOM …
BASE_ZOOM = 1.5  # … and every other screen in proportion (by its tighter side)


def presentation_zoom(width: int, height: int, factor: float = 1.0) -> float:
    """The font zoom for a full screen of width × height: 1.5 at 1280×720, 1.2 at 1024×768,
    2.25 at 1920×1080 — the same picture on any projector — times the presenter's own factor
    (remembered from a zoom change while presenting)."""
    fit = min(width / REFERENCE[0], height / REFERENCE[1])
    return float(min(3.0, max(1.0, BASE_ZOOM * fit * factor)))


class Presenter(QObject):
    """Enters and leaves presentation mode (and F11's full screen) on a main window that has
    ``stage``, ``canvas``, ``inspector``, ``session`` and ``settings``."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.stage: Stage = window.stage
        self.active = False
        self.caption_on = str(window.settings.value("present/caption", "true")) == "true"
        self._saved: dict | None = None
        self._auto = 1.0  # the zoom this screen presents at (before the presenter's factor)
        s = self.session
        self.stage.blank.on_click = self.unblank
        for sig in (s.phaseChanged, s.traceChanged, s.documentChanged, s.trainingChanged):
            sig.connect(self.stage.update_counter)
        s.displayChanged.connect(self._on_display)
        s.selectionChanged.connect(self.update_caption)
        s.trainingChanged.connect(self.update_caption)
        window.inspector.text.textChanged.connect(self.update_caption)

    @property
    def blanked(self) -> bool:
        return self.active and self.stage.blank.isVisible()

    # -- entering and leaving -----------------------------------------------------------------
    def enter(self) -> None:
        if self.active:
            return
        w, s = self.window, self.session
        self._saved = {
            "window_state": w.windowState(),
            "geometry": w.geometry(),
            "state": QByteArray(w.saveState(STATE_VERSION)),
            "menu": w.menuBar().isVisibleTo(w),
            "status": w.statusBar().isVisibleTo(w),
            "zoom": s.zoom,
            "tab": w.inspector.tabs.currentIndex(),
            "focus": w.focusWidget(),
        }
        self.active = True
        for d in w.findChildren(QDockWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            d.hide()
        for t in w.findChildren(QToolBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            t.hide()
        w.menuBar().hide()
        w.statusBar().hide()
        # the caption reads the inspector's Selection tab, which draws only while it is shown
        w.inspector.tabs.setCurrentIndex(0)
        scr = (w.screen() or w.windowHandle().screen()).geometry()
        self._auto = presentation_zoom(scr.width(), scr.height())
        try:
            factor = float(w.settings.value("present/zoom_factor", 1.0))
        except (TypeError, ValueError):
            factor = 1.0
        self.stage.set_presenting(True)
        s.set_zoom(min(3.0, max(1.0, self._auto * min(2.0, max(0.5, factor)))))
        # the screen's whole area even where no window manager applies "full screen" (a
        # kiosk, a bare X server): the window would otherwise keep its size, larger than a
        # projector's 1280×720, and the canvas would run off the screen
        w.setGeometry(scr)
        w.showFullScreen()
        w.canvas.setFocus()
        self.update_caption()
        self.sync_actions()

    def leave(self) -> None:
        if not self.active:
            return
        w, s, saved = self.window, self.session, self._saved
        if self._auto > 0:  # a zoom chosen while presenting is kept for next time
            w.settings.setValue("present/zoom_factor", round(s.zoom / self._auto, 4))
        self.active = False
        self.stage.set_presenting(False)
        s.set_zoom(saved["zoom"])
        w.inspector.tabs.setCurrentIndex(saved["tab"])
        w.menuBar().setVisible(saved["menu"])
        w.statusBar().setVisible(saved["status"])
        # the window state itself, not restoreGeometry: that one guesses frame sizes when
        # it leaves full screen, and a maximised window would come back a few pixels smaller
        ws = saved["window_state"]
        w.setWindowState(ws)
        if not ws & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            w.setGeometry(saved["geometry"])
        w.restoreState(saved["state"], STATE_VERSION)
        focus = saved["focus"]
        (focus if isinstance(focus, QWidget) and focus.isVisible() else w.canvas).setFocus()
        self._saved = None
        self.sync_actions()

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    # -- F11 and Esc --------------------------------------------------------------------------
    def toggle_full_screen(self, on: bool) -> None:
        """F11: the window as it is, at full screen (presentation mode leaves instead)."""
        w = self.window
        if self.active:
            self.leave()
        elif on:
            w.showFullScreen()
        else:  # back to what it was before (maximised stays maximised)
            w.setWindowState(w.windowState() & ~Qt.WindowState.WindowFullScreen)
        self.sync_actions()

    def leave_full_screen(self) -> None:
        """Esc: out of presentation mode, or out of F11's full screen."""
        if self.active:
            self.leave()
        elif self.window.isFullScreen():
            self.toggle_full_screen(False)

    def zoom_to_restore(self) -> float | None:
        """The window's own zoom while presenting (what Settings should keep), else None."""
        return self._saved["zoom"] if self.active and self._saved else None

    def sync_actions(self) -> None:
        """View → Presentation is checked while presenting, View → Full screen only for F11's
        full screen."""
        w = self.window
        for name, on in (("act_present", self.active), ("act_full", w.isFullScreen() and not self.active)):
            a = getattr(w, name, None)
            if a is not None and a.isChecked() != on:
                a.setChecked(on)

    # -- blank screen -------------------------------------------------------------------------
    def blank(self) -> None:
        if self.active:
            self.stage.blank.setGeometry(self.stage.rect())
            self.stage.blank.show()
            self.stage.blank.raise_()

    def unblank(self) -> None:
        self.stage.blank.hide()

    # -- caption ------------------------------------------------------------------------------
    def set_caption_on(self, on: bool) -> None:
        self.caption_on = bool(on)
        self.window.settings.setValue("present/caption", "true" if on else "false")
        self.update_caption()

    def update_caption(self, *_a) -> None:
        if not self.active:
            return
        s = self.session
        show = self.caption_on and s.selection is not None and not s.training
        html = self.window.inspector.text.toHtml() if show else None
        if show and not self.window.inspector.text.toPlainText().strip():
            html = None
        ph = s.phase
        prefer = (
            ERROR_SIGNAL
            if ph.direction == "backward"
            else THEMES[s.theme].muted
            if ph.kind == "update"
            else FORWARD
        )
        self.stage.set_caption(html, prefer)

    def _on_display(self) -> None:
        self.stage.restyle()
        self.update_caption()
