"""Stepping through the phases from the window: the phase keys, which work wherever the focus
is except while the user types in a field (a presentation clicker sends → / Page Down), and
play / pause, which steps on a timer.

:class:`PhaseKeys` is an application-wide event filter; :class:`PhasePlayer` holds the timer
and the one rule for what a phase key does (nothing while training but a message; Space
trains or pauses).

Scrubbing (issue 16): Shift+← / Shift+→ show the network one step earlier / later (a past
step of the run, ``TrainingController.seek``; a running run pauses first), and Esc goes back
to the live network from a past step (after leaving presentation or full screen, which Esc
does first, and unless a field takes it).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QStyle,
    QTextEdit,
    QWidget,
)

__all__ = ["PhaseKeys", "PhasePlayer", "PHASE_KEYS", "BLANK_KEYS", "SCRUB_KEYS"]

PHASE_KEYS = {
    Qt.Key.Key_Right: "next",
    Qt.Key.Key_PageDown: "next",
    Qt.Key.Key_Left: "previous",
    Qt.Key.Key_PageUp: "previous",
    Qt.Key.Key_Home: "first",
    Qt.Key.Key_End: "last",
}
BLANK_KEYS = (Qt.Key.Key_B, Qt.Key.Key_Period)  # what clickers send for a black screen
SCRUB_KEYS = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}  # with Shift: a step of the run
MODIFIER_KEYS = (
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_Meta,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_CapsLock,
    Qt.Key.Key_NumLock,
)


class PhasePlayer(QObject):
    """Play / pause through the phases, and what a phase key does. The window gives it its
    Play action (``act_play``) and the toolbar's delay once they exist."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.session.next)

    def step(self, what: str) -> None:
        """``what`` is next, previous, first, last (a phase) or train (train / pause)."""
        w = self.window
        if what == "train":
            w.training.toggle()
            return
        if self.session.training:
            w.statusBar().showMessage("Pause training (Space) to step through phases", 3000)
            return
        if what in ("next", "previous"):
            self.stop()
        getattr(self.session, what)()

    def toggle(self, on: bool) -> None:
        w = self.window
        if on:
            self.timer.start(w.delay.value())
            w.act_play.setText("Pause")
            w.act_play.setIcon(w.style().standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.stop()

    def stop(self) -> None:
        w = self.window
        self.timer.stop()
        w.act_play.setChecked(False)
        w.act_play.setText("Play")
        w.act_play.setIcon(w.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))

    def set_delay(self, ms: int) -> None:
        self.timer.setInterval(ms)


class PhaseKeys(QObject):
    """Application-wide phase keys that stay out of the way of text fields and table editors.
    While presenting: B or . blanks the screen (any key brings it back), C the caption."""

    def __init__(self, window) -> None:
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
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        focus, key = QApplication.focusWidget(), ev.key()
        if key == Qt.Key.Key_Escape and (pres.active or w.isFullScreen()):
            if escape_is_taken(focus):
                return False
            pres.leave_full_screen()
            return True
        if key == Qt.Key.Key_Escape and w.session.viewing is not None:
            if escape_is_taken(focus):
                return False
            w.training.back_to_live()
            return True
        if is_editing(focus):
            return False
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier and key in SCRUB_KEYS:
            s = w.session
            at = s.step if s.viewing is None else s.viewing
            w.training.seek(at + SCRUB_KEYS[key])
            return True
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
        w.player.step(what)
        return True


def escape_is_taken(w: QWidget | None) -> bool:
    """Escape cancels something where the focus is: typing in a field or a table cell (an
    idle table, even an editable one, leaves it to full screen)."""
    if isinstance(w, QAbstractItemView):
        return w.state() == QAbstractItemView.State.EditingState
    return is_editing(w)


def is_editing(w: QWidget | None) -> bool:
    """The focus is somewhere keys type or move a cursor: a field, an editable text or table,
    an editor inside a table cell."""
    if w is None:
        return False
    if isinstance(w, (QLineEdit, QAbstractSpinBox)):
        return True
    if isinstance(w, (QTextEdit, QPlainTextEdit)) and not w.isReadOnly():
        return True
    if isinstance(w, QAbstractItemView) and (
        w.state() == QAbstractItemView.State.EditingState
        or w.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers
    ):
        return True  # an editable table keeps its arrows for moving between cells
    p = w.parentWidget()
    while p is not None:  # an editor inside a table cell
        if isinstance(p, QAbstractItemView) and p.state() == QAbstractItemView.State.EditingState:
            return True
        p = p.parentWidget()
    return False
