"""QApplication set-up and the main window's start."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

__all__ = ["run", "make_app"]


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName("bpviz")
    app.setApplicationName("bpviz")
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    return app


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
    win.show_on_screen()  # maximised on a small screen, the first time
    return app.exec()
