"""QApplication set-up and the main window's start.

``BPVIZ_EXIT_AFTER_FIRST_PAINT=1`` (benchmarks/bench_startup.py): the window prints
``first-paint <time.monotonic()> <time.process_time()>`` once its canvas has painted for the
first time (the clock, and the CPU time the process has used so far), and quits.

A NET that cannot be opened (the loader refuses it, or the window cannot build it) is one
message in a dialog, and the window opens on mazur instead; Ctrl+C, SIGINT and SIGTERM close
the window cleanly (:mod:`bpviz.gui.interrupts`) and ``run`` returns 128 + the signal.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

__all__ = ["run", "make_app", "exit_after_first_paint"]


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("bpviz")
    app.setApplicationName("bpviz")
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    return app


class _FirstPaint(QObject):
    """Watches a widget; after its first paint event has been handled, prints the clock
    and quits the application."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._seen = False
        widget.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        if ev.type() == QEvent.Type.Paint and not self._seen:
            self._seen = True
            QTimer.singleShot(0, self._report)  # once this paint is done
        return False

    def _report(self) -> None:
        print(f"first-paint {time.monotonic():.6f} {time.process_time():.6f}", flush=True)
        QApplication.instance().quit()


def exit_after_first_paint(widget: QWidget) -> None:
    """Quit once ``widget`` (a graphics view's viewport) has painted; print when, and the
    CPU time used until then."""
    _FirstPaint(widget)


def settle_memory() -> None:
    """Once the window stands: move every object made so far (modules, classes, the window's
    widgets and caches, the loaded network) out of the garbage collector's sight with
    ``gc.freeze()``. They live as long as the window, yet each full collection would walk
    them all: on digits that made the odd phase step take 150–180 ms instead of ~55 ms
    (benchmarks/bench_keys.py). Objects made later are collected as before."""
    import gc

    gc.freeze()


def run(net: str | None = None) -> int:
    """Open the window on NET (a preset or a file; default: the mazur preset). Returns the
    exit status: 0, or 128 + the signal that closed the window (130 for Ctrl+C)."""
    from bpviz.core.presets import resolve
    from bpviz.gui.files import check_opens, open_problem
    from bpviz.gui.interrupts import SignalCloser
    from bpviz.gui.main_window import MainWindow
    from bpviz.gui.plain_text import warn

    app = make_app()
    name = net or "mazur"
    try:
        doc = resolve(name)
        check_opens(doc, name)
    except Exception as e:  # noqa: BLE001 - one message, then the default network
        warn(None, "Cannot open the network", f"{open_problem(name, e)}\n\nOpening mazur instead.")
        name, doc = "mazur", resolve("mazur")
    win = MainWindow(doc, name)
    if os.environ.get("BPVIZ_EXIT_AFTER_FIRST_PAINT") == "1":
        exit_after_first_paint(win.canvas.viewport())
    closer = SignalCloser(win).install()
    settle_memory()
    try:
        win.show_on_screen()  # maximised on a small screen, the first time
        code = app.exec()
    finally:
        closer.uninstall()
        win.training.shutdown()
    return closer.exit_code if closer.exit_code is not None else code
