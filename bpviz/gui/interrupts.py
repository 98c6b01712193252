"""Ctrl+C, SIGINT, SIGTERM and SIGHUP end the window cleanly: the main window closes the normal way
(training stopped, settings remembered) and the process exits 128 + the signal's number (130
for Ctrl+C, as the command line does), never with a traceback.

Python runs a signal handler only between bytecodes, and Qt's event loop runs in C++: with
Python's default handler a Ctrl+C raised KeyboardInterrupt inside whatever slot ran next (a
paint event of the plot), and the window could crash. Here the handlers do nothing but note
the signal; :func:`signal.set_wakeup_fd` writes its number into a socket pair whose reading end
a ``QSocketNotifier`` watches, so the event loop wakes at once and closes the window from an
ordinary slot.

The unsaved-work question is asked only where a person can answer it: after SIGINT on a real
display. SIGTERM (a logout, a service manager), SIGHUP (the terminal closed) and any signal on a
platform without a screen (``offscreen``, ``minimal``) close without asking. A second signal
while the question is open exits at once.
"""

from __future__ import annotations

import contextlib
import signal
import socket

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

__all__ = ["SignalCloser", "HEADLESS_PLATFORMS", "HANDLED_SIGNALS"]

HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb")  # no person sees a question
# SIGHUP: the terminal the window was started from went away (by default it killed the window)
HANDLED_SIGNALS = tuple(
    s
    for s in (
        getattr(signal, "SIGINT", None),
        getattr(signal, "SIGTERM", None),
        getattr(signal, "SIGHUP", None),
    )
    if s is not None
)


def _noted(signum, frame) -> None:  # the Python-level handler: the wakeup byte does the work
    return None


class SignalCloser(QObject):
    """While installed, SIGINT / SIGTERM / SIGHUP close ``window`` through the event loop; the
    application then exits with ``exit_code`` (128 + the signal). ``uninstall()`` puts the
    previous handlers back."""

    def __init__(self, window: QWidget, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.exit_code: int | None = None  # set once a signal ended the window
        self.received: list[int] = []
        self._closing = False
        self._old: dict[int, object] = {}
        self._old_fd: int | None = None
        self._r, self._w = socket.socketpair()
        self._r.setblocking(False)
        self._w.setblocking(False)
        self._notifier = QSocketNotifier(self._r.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._on_wakeup)
        self._installed = False

    def install(self) -> SignalCloser:
        """Take over the handled signals (main thread only)."""
        if self._installed:
            return self
        self._old_fd = signal.set_wakeup_fd(self._w.fileno(), warn_on_full_buffer=False)
        for sig in HANDLED_SIGNALS:
            self._old[sig] = signal.signal(sig, _noted)
        self._installed = True
        return self

    def uninstall(self) -> None:
        if not self._installed:
            return
        for sig, old in self._old.items():
            with contextlib.suppress(TypeError, ValueError):
                signal.signal(sig, old if old is not None else signal.SIG_DFL)
        signal.set_wakeup_fd(self._old_fd if self._old_fd is not None else -1)
        self._installed = False
        self._notifier.setEnabled(False)
        for s in (self._r, self._w):
            s.close()

    # -- on the event loop --------------------------------------------------------------------
    def _on_wakeup(self, *_a) -> None:
        try:
            data = self._r.recv(256)
        except (BlockingIOError, InterruptedError, OSError):
            return
        for signum in data:
            if signum in HANDLED_SIGNALS:
                self.received.append(signum)
                self._close(signum)

    @staticmethod
    def person_can_answer(signum: int) -> bool:
        """Only after Ctrl+C / SIGINT on a screen a person looks at."""
        platform = (QGuiApplication.platformName() or "").lower()
        return signum == signal.SIGINT and platform not in HEADLESS_PLATFORMS

    def _close(self, signum: int) -> None:
        app = QApplication.instance()
        code = 128 + int(signum)
        if self._closing:  # a second signal while the question is open: exit now
            self.exit_code = code
            app.exit(code)
            return
        self._closing = True
        try:
            w = self.window
            ask = self.person_can_answer(signum)
            if not ask and hasattr(w, "files"):
                w.skip_unsaved_question = True
            closed = w.close() if w.isVisible() else True
            if closed:
                self.exit_code = code
                app.exit(code)
        finally:
            self._closing = False
            if hasattr(self.window, "skip_unsaved_question"):
                self.window.skip_unsaved_question = False
