"""Total error against step, live while training.

One curve fed from the session's growing history buffers, with peak downsampling and
clip-to-view so a run of millions of steps stays fast. The log scale plots log10(E), kept
alongside E as it is recorded, on a linear view with a log axis, so an update never takes the
logarithm of the whole history again.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from bpviz.core.numbers import fmt
from bpviz.gui.session import Session
from bpviz.gui.theme import FORWARD, NEGATIVE, POSITIVE, THEMES

__all__ = ["ErrorPlot"]


class ErrorPlot(pg.PlotWidget):
    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.log_scale = True
        self._x = np.arange(1, 4097, dtype=float)
        self.setMinimumHeight(160)
        pi = self.plotItem
        pi.setLabel("bottom", "step")
        pi.setLabel("left", "E")
        pi.showGrid(x=True, y=True, alpha=0.25)
        pi.getAxis("left").enableAutoSIPrefix(False)
        pi.setMenuEnabled(False)
        self.legend = pi.addLegend(offset=(-10, 8))
        self.curve = pi.plot([], [], pen=pg.mkPen(POSITIVE, width=1.5),
                             name="E of each step (its samples, before its update)")
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        self.curve.setSkipFiniteCheck(True)
        self.epoch_curve = pi.plot([], [], pen=pg.mkPen(NEGATIVE, width=2),
                                   symbol="o", symbolSize=4, symbolBrush=NEGATIVE,
                                   symbolPen=None, name="E of all samples at each epoch's end")
        self.current = pi.plot([], [], pen=None, symbol="o", symbolSize=10,
                               symbolBrush=FORWARD, symbolPen=None,
                               name="this iteration (before its update)")
        self.readout = pg.TextItem(anchor=(0, 0))
        self.readout.setZValue(50)
        pi.addItem(self.readout, ignoreBounds=True)
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999999", style=Qt.PenStyle.DotLine))
        pi.addItem(self.cursor, ignoreBounds=True)
        self.cursor.hide()
        self.setToolTip("Total error E against step. Hover to read off a value.")
        self.scene().sigMouseMoved.connect(self._hover)
        session.historyChanged.connect(self.refresh)
        session.traceChanged.connect(self._refresh_current)
        session.documentChanged.connect(self.refresh)
        session.displayChanged.connect(self._theme)
        self._theme()
        self._axis_mode()
        self.refresh()

    # -- display ------------------------------------------------------------------------------
    def set_log_scale(self, on: bool) -> None:
        self.log_scale = bool(on)
        self._axis_mode()
        self.refresh()

    def _axis_mode(self) -> None:
        self.plotItem.getAxis("left").setLogMode(self.log_scale)
        self.plotItem.setLabel("left", "E (log scale)" if self.log_scale else "E")

    def _theme(self) -> None:
        th = THEMES[self.session.theme]
        self.setBackground(th.background)
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setPen(th.muted)
            a.setTextPen(th.text)
        self.legend.setLabelTextColor(th.text)

    def _y(self, e: np.ndarray, log: np.ndarray | None = None) -> np.ndarray:
        if not self.log_scale:
            return e
        if log is not None:
            return log
        with np.errstate(all="ignore"):
            return np.log10(e)

    def refresh(self) -> None:
        """Show the history: O(1) work besides what is visible (buffers are shared)."""
        h = self.session.history
        n = h.n
        if n > len(self._x):
            self._x = np.arange(1, max(n, 2 * len(self._x)) + 1, dtype=float)
        self.curve.setData(self._x[:n], self._y(h.errors, h.log_errors))
        ep = h.epochs
        multi = self.session.doc.mode == "online" and self.session.doc.n_samples > 1
        if ep and multi:
            xs = np.array([a for a, _ in ep], dtype=float)
            ys = np.array([b for _, b in ep], dtype=float)
            self.epoch_curve.setData(xs, self._y(ys))
        else:
            self.epoch_curve.setData([], [])
        self.legend.setVisible(multi or n > 0)
        self._refresh_current()

    def _refresh_current(self) -> None:
        s = self.session
        e = s.trace.error
        if np.isfinite(e) and e > 0 and not s.training:
            self.current.setData([s.step + 1], self._y(np.array([e])))
        else:
            self.current.setData([], [])

    def _hover(self, pos) -> None:
        vb = self.plotItem.vb
        h = self.session.history
        if not vb.sceneBoundingRect().contains(pos) or h.n == 0:
            self.readout.setText("")
            self.cursor.hide()
            return
        p = vb.mapSceneToView(pos)
        step = int(round(p.x()))
        if not 1 <= step <= h.n:
            self.readout.setText("")
            self.cursor.hide()
            return
        e = h.errors[step - 1]
        th = THEMES[self.session.theme]
        self.readout.setText(f"step {step:,}: E = {fmt(e, self.session.decimals)}", color=th.text)
        r = vb.viewRect()
        self.readout.setPos(r.left(), r.bottom())
        self.cursor.setPos(step)
        self.cursor.show()
