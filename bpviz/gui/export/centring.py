"""The canvas as a slide: :func:`centre_canvas` pans the network so that its drawing, taken
over every phase of the iteration, sits in the middle of the network area, the same place in
every frame of a slide sequence."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication

__all__ = ["centre_canvas", "settle"]


def settle(app: QApplication, rounds: int = 3) -> None:
    """Let Qt lay out and paint what changed (``rounds`` passes of the event loop)."""
    for _ in range(rounds):
        app.processEvents()


def _content_rect(view) -> QRectF:
    """The scene rectangle of what the canvas draws (neurons, edges, labels; not the colour
    key, which keeps its own corner)."""
    vb = view.vb
    skip = {id(getattr(view, "_legend", None))}
    rect = QRectF()
    for it in getattr(vb, "addedItems", []):
        if id(it) in skip or not it.isVisible():
            continue
        if isinstance(it, pg.TextItem) and not it.textItem.toPlainText().strip():
            continue
        if isinstance(it, pg.PlotCurveItem) and (it.xData is None or len(it.xData) == 0):
            continue
        if isinstance(it, pg.ScatterPlotItem) and len(it.data) == 0:
            continue
        r = it.sceneBoundingRect()
        if r.isValid() and math.isfinite(r.width()) and math.isfinite(r.height()):
            rect = rect.united(r)
    return rect


def _phases_rect(view, app) -> QRectF:
    """The union of :func:`_content_rect` over every phase; the phase is left as it was."""
    session = view.session
    here = session.phase_index
    union = QRectF()
    try:
        for i in range(len(session.names)):
            session.set_phase(i)
            settle(app, 1)
            union = union.united(_content_rect(view))
    finally:
        session.set_phase(here)
        settle(app, 1)
    return union


def centre_canvas(view, app: QApplication | None = None, rounds: int = 4) -> tuple[float, float]:
    """Pan the canvas so that its drawing, taken over every phase of the iteration (the same
    place in every frame of a slide sequence), sits in the middle of the network area (under
    the banner). Labels that the canvas keeps inside its edges move less than the pan, so this
    repeats (at most ``rounds`` times) until the drawing is centred to a pixel. Returns the
    (x, y) offset in pixels that was left."""
    vb = getattr(view, "vb", None)
    if vb is None or getattr(view, "session", None) is None:
        return 0.0, 0.0
    app = app or QApplication.instance()
    dx = dy = 0.0
    for _ in range(max(1, rounds)):
        union = _phases_rect(view, app)
        if union.isEmpty():
            return 0.0, 0.0
        area = vb.sceneBoundingRect()
        dx = union.center().x() - area.center().x()
        dy = union.center().y() - area.center().y()
        if abs(dx) < 1.0 and abs(dy) < 1.0:
            break
        c, a = vb.mapSceneToView(union.center()), vb.mapSceneToView(area.center())
        vb.translateBy(x=c.x() - a.x(), y=c.y() - a.y())
        settle(app)
    return dx, dy
