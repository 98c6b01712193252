"""QApplication set-up and the main window's start.

``BPVIZ_EXIT_AFTER_FIRST_PAINT=1`` (benchmarks/bench_startup.py): the window prints
``first-paint <time.monotonic()> <time.process_time()>`` once its canvas has painted for the
first time (the clock, and the CPU time the process has used so far), and quits.
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QEvent, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget  # noqa: E402

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


def run(net: str | None = None) -> int:
    """Open the window on NET (a preset or a file; default: the mazur preset)."""
    from bpviz.core.fileformat import FormatError
    from bpviz.core.presets import resolve
    from bpviz.gui.main_window import MainWindow

    app = make_app()
    name = net or "mazur"
    try:
        doc = resolve(name)
    except FormatError as e:
        QMessageBox.warning(None, "Cannot open the network", f"{e}\n\nOpening mazur instead.")
        name, doc = "mazur", resolve("mazur")
    win = MainWindow(doc, name)
    if os.environ.get("BPVIZ_EXIT_AFTER_FIRST_PAINT") == "1":
        exit_after_first_paint(win.canvas.viewport())
    win.show_on_screen()  # maximised on a small screen, the first time
    return app.exec()
