"""Total error against step: the iterations stepped through so far."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from bpviz.gui.session import Session
from bpviz.gui.theme import FORWARD, POSITIVE, THEMES

__all__ = ["ErrorPlot"]


class ErrorPlot(pg.PlotWidget):
    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.setMinimumHeight(160)
        self.plotItem.setLabel("bottom", "step")
        self.plotItem.setLabel("left", "E")
        self.plotItem.showGrid(x=True, y=True, alpha=0.25)
        self.plotItem.setLogMode(y=True)
        self.plotItem.getAxis("left").enableAutoSIPrefix(False)
        self.curve = self.plot([], [], pen=pg.mkPen(POSITIVE, width=2), symbol="o",
                               symbolSize=6, symbolBrush=POSITIVE, name="error of each step")
        self.current = self.plot([], [], pen=None, symbol="o", symbolSize=11,
                                 symbolBrush=FORWARD, symbolPen=None, name="current iteration")
        self.setToolTip("Total error E of each step you have stepped through (log scale); "
                        "the green dot is the current iteration's error.")
        session.traceChanged.connect(self._refresh)
        session.documentChanged.connect(self._refresh)
        session.displayChanged.connect(self._theme)
        self._theme()
        self._refresh()

    def _theme(self) -> None:
        th = THEMES[self.session.theme]
        self.setBackground(th.background)
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setPen(th.muted)
            a.setTextPen(th.text)

    def _refresh(self) -> None:
        s = self.session
        log = s.error_log
        xs = np.array([a for a, _ in log], dtype=float)
        ys = np.array([b for _, b in log], dtype=float)
        ok = ys > 0
        self.curve.setData(xs[ok], ys[ok])
        self.plotItem.setXRange(0, max(10, s.step + 2), padding=0.02)
        e = s.trace.error
        if e > 0 and np.isfinite(e):
            self.current.setData([s.step + 1], [e])
        else:
            self.current.setData([], [])
