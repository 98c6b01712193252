"""Offscreen export: build the canvas, the error plot, the data plane or the whole window for a
document, set its phase, sample, legend and theme, and write PNG or SVG files without showing
anything.

This is the renderer behind ``bpviz export``. It takes plain values (an
:class:`OffscreenExport`) and knows nothing of the command line: what cannot be drawn raises
:class:`ExportError` (a ValueError) with a one-line reason, which the caller reports as it
likes. Training, if any, is done by the caller (with the numpy core) and handed over as
:class:`Trained`.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, qInstallMessageHandler

from bpviz.core.fileformat import Document
from bpviz.gui.export.centring import centre_canvas, settle
from bpviz.gui.export.images import MAX_PIXELS, MAX_SCALE, MIN_SCALE, check_scale, export_widget
from bpviz.gui.export.names import phase_file_name
from bpviz.gui.theme import apply_palette

__all__ = [
    "WHATS",
    "DEFAULT_SIZES",
    "MIN_SIZE",
    "MIN_SCALE",
    "MAX_SCALE",
    "MAX_PIXELS",
    "ExportError",
    "TooSmall",
    "Trained",
    "OffscreenExport",
    "export_offscreen",
]

WHATS = ("canvas", "plot", "window", "data")
# the canvas is slide-shaped (16:9, network centred); the plot and the window keep theirs; the
# data plane is square-ish (its plot, the key and the colour bar below)
DEFAULT_SIZES = {"window": (1400, 860), "canvas": (1920, 1080), "plot": (900, 400), "data": (900, 900)}
MIN_SIZE = 100  # pixels a side, before scaling


class ExportError(ValueError):
    """The export cannot be made as asked; the message says why, in one line."""


class TooSmall(ExportError):
    """The widget cannot be laid out at the size asked (the window has a minimum size)."""

    def __init__(self, what: str, size: tuple[int, int], needed: tuple[int, int]) -> None:
        self.what, self.size, self.needed = what, size, needed
        super().__init__(f"{size[0]}x{size[1]}: the {what} needs at least {needed[0]}x{needed[1]}")


@dataclass(frozen=True)
class Trained:
    """Parameters after training (by the caller) and the errors that led there: the error of
    each step 1, 2, … and the (step, E) of each finished epoch, which the plot draws."""

    weights: list
    biases: list | None
    step: int
    errors: list[float] = field(default_factory=list)
    epochs: list[tuple[int, float]] = field(default_factory=list)


@dataclass(frozen=True)
class OffscreenExport:
    """What to draw and where. ``out`` is a file, or the folder for ``all_phases`` (created
    only once everything else has been checked). ``phase`` and ``sample_row`` count from 0;
    ``phase=None`` keeps the phase the session opens on, ``sample_row`` makes the step use that
    data row alone, as an online step would."""

    doc: Document
    source: str  # the preset name or file the document came from (titles, names)
    out: Path
    fmt: str = "png"
    what: str = "canvas"
    size: tuple[int, int] | None = None  # None: DEFAULT_SIZES[what]
    scale: float = 1.0
    phase: int | None = None
    all_phases: bool = False
    sample_row: int | None = None
    legend: bool = False
    theme: str = "light"
    trained: Trained | None = None

    def pixel_size(self) -> tuple[int, int]:
        return self.size if self.size is not None else DEFAULT_SIZES[self.what]


def _check(job: OffscreenExport) -> None:
    if job.what not in WHATS:
        raise ExportError(f"{job.what}: expected one of {', '.join(WHATS)}")
    if job.fmt not in ("png", "svg"):
        raise ExportError(f"{job.fmt}: expected png or svg")
    scale = check_scale(job.scale)
    w, h = job.pixel_size()
    if min(w, h) < MIN_SIZE or max(w, h) > MAX_PIXELS:
        raise ExportError(f"{w}x{h}: each side must be {MIN_SIZE} to {MAX_PIXELS} pixels")
    if max(w, h) * scale > MAX_PIXELS:
        raise ExportError(f"{w}x{h} at scale {scale:g} is too large (at most {MAX_PIXELS} pixels a side)")


def _put_history(session, errors: list[float], epochs: list[tuple[int, float]]) -> None:
    """Give the session the errors of steps 1, 2, … (and the epoch errors) so the plot shows
    them."""
    h = getattr(session, "history", None)
    if h is not None and hasattr(h, "extend"):
        h.clear()
        h.extend(1, errors)
        if hasattr(h, "add_epochs"):
            h.add_epochs(list(epochs))
        elif hasattr(h, "epochs"):
            h.epochs = list(epochs)
        session.historyChanged.emit()
    else:  # the older Session: a list of (step, E)
        session.error_log[:] = [(i + 1, e) for i, e in enumerate(errors)]
        session.traceChanged.emit()


@contextmanager
def _quiet_platform() -> Iterator[None]:
    """Keep the offscreen platform's notice about size hints off stderr while exporting."""

    def handler(mode, context, message):
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    prev = qInstallMessageHandler(handler)
    try:
        yield
    finally:
        qInstallMessageHandler(prev)


def _build(job: OffscreenExport, settings: QSettings):
    """(window or None, the widget to draw, its session)."""
    if job.what == "window":
        from bpviz.gui.main_window import MainWindow

        window = MainWindow(job.doc, job.source, settings=settings)
        return window, window, window.session
    from bpviz.gui.session import Session

    session = Session(job.doc, job.source)
    if job.what == "canvas":
        from bpviz.gui.canvas import NetworkView

        widget = NetworkView(session)
    elif job.what == "data":
        from bpviz.gui.data_plane import DataPlane

        widget = DataPlane(session, controls=False)  # the picture alone, not the choices
    else:
        from bpviz.gui.error_plot import ErrorPlot

        widget = ErrorPlot(session)
    widget.setMinimumSize(MIN_SIZE, MIN_SIZE)  # our own view: any size the caller asks for
    return None, widget, session


def _prepare(job: OffscreenExport, widget, session, app) -> None:
    """Lay the widget out at the size asked and put the session where the job says."""
    width, height = job.pixel_size()
    # laid out and painted, never shown on a screen
    widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    widget.resize(width, height)
    widget.show()
    settle(app)
    got = widget.size()
    if got != QSize(width, height):
        raise TooSmall(job.what, (width, height), (got.width(), got.height()))
    if job.trained is not None:
        t = job.trained
        session.adopt_parameters(t.weights, t.biases, t.step)
        _put_history(session, list(t.errors), list(t.epochs))
    if job.sample_row is not None:  # the step on that row alone, as an online step would be
        if session.doc.mode != "online":
            session.set_mode("online")
        session.set_sample_choice(job.sample_row)
    if job.phase is not None and not job.all_phases:
        session.set_phase(job.phase)
    if job.legend:
        session.set_show_legend(True)
    apply_palette(job.theme)  # the widgets' colours (menus, docks) too
    session.set_theme(job.theme)  # also refreshes every view with the final layout
    settle(app)
    if job.what == "canvas":
        centre_canvas(widget, app)


def _write(job: OffscreenExport, widget, session, app) -> list[Path]:
    out = Path(job.out)
    if not job.all_phases:
        return [export_widget(widget, out, job.fmt, job.scale)]
    # everything else is checked by now: only now create the folder
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"{out}: cannot create the folder ({e.strerror})") from None
    total = len(session.names)
    written = []
    for i, name in enumerate(session.names):
        session.set_phase(i)
        settle(app, 2)
        written.append(
            export_widget(widget, out / phase_file_name(i, name, job.fmt, total), job.fmt, job.scale)
        )
    return written


def export_offscreen(job: OffscreenExport) -> list[Path]:
    """Draw ``job`` offscreen (Qt's offscreen platform unless QT_QPA_PLATFORM says otherwise)
    and write it; returns the files written. Raises :class:`ExportError` when it cannot be
    drawn as asked (nothing is written then), OSError when a file cannot be written."""
    _check(job)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bpviz.gui.app import make_app

    app = make_app()
    with _quiet_platform(), tempfile.TemporaryDirectory(prefix="bpviz-export-") as tmpdir:
        # the window's settings go to a throwaway file, never the user's
        settings = QSettings(os.path.join(tmpdir, "bpviz.ini"), QSettings.Format.IniFormat)
        window = widget = session = None
        try:
            window, widget, session = _build(job, settings)
            _prepare(job, widget, session, app)
            return _write(job, widget, session, app)
        finally:
            if window is not None:
                window.close()
            if widget is not None:
                widget.hide()
                widget.deleteLater()
            settle(app, 2)
            settings.sync()
            del session
