"""Total error against step, live while training.

The session's history grows in buffers; a peak-decimation pyramid (``decimate.py``) picks
the points to draw for the visible range — about two per pixel, each block's min and max —
so an update costs the same with a million steps as with a thousand (pyqtgraph's own peak
downsampling redoes the whole series every update). The log scale plots log10 of those
points on a log axis. The x range grows in steps (1, 1.5, 2, 3, 5, 7.5 × 10^k) so the axes are not redrawn
every frame; pan or zoom with the mouse to look closer, double-click to follow again.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from bpviz.core.numbers import fmt
from bpviz.gui.decimate import PeakPyramid
from bpviz.gui.session import Session
from bpviz.gui.theme import FORWARD, NEGATIVE, POSITIVE, THEMES

__all__ = ["ErrorPlot"]


class ErrorPlot(pg.PlotWidget):
    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.log_scale = True
        self._pyr = PeakPyramid()
        self._ep_pyr = PeakPyramid()
        self._follow = True
        self._xmax = 0.0
        self.setMinimumHeight(160)
        pi = self.plotItem
        pi.setLabel("bottom", "step")
        pi.setLabel("left", "E")
        # the axes' own grid costs ~20 ms a frame in software rendering; this one is two
        # batched, cached curves redrawn only when the range changes
        self._grid = pg.PlotCurveItem(connect="pairs", antialias=False)
        self._grid.setZValue(-10)
        self._grid.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        pi.addItem(self._grid, ignoreBounds=True)
        pi.getAxis("left").enableAutoSIPrefix(False)
        pi.setMenuEnabled(False)
        self.legend = pi.addLegend(offset=(-10, 8))
        # live curves: no antialiasing, a cosmetic 1 px pen (a zig-zag of thousands of segments
        # costs ~30 ms a frame antialiased in software rendering)
        self.curve = pi.plot([], [], pen=pg.mkPen(POSITIVE, width=1), antialias=False,
                             name="E of each step (its samples, before its update)")
        self.curve.setSkipFiniteCheck(True)
        self.epoch_curve = pi.plot([], [], pen=pg.mkPen(NEGATIVE, width=2), antialias=False,
                                   name="E of all samples at each epoch's end")
        self.epoch_curve.setSkipFiniteCheck(True)
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
        vb = pi.vb
        vb.disableAutoRange()  # ranges grow in steps (see refresh) so the axes stay cached
        self._yrange = None
        vb.sigRangeChangedManually.connect(self._manual_range)
        vb.sigXRangeChanged.connect(self._redraw)
        vb.sigRangeChanged.connect(self._update_grid)
        self.scene().sigMouseClicked.connect(self._clicked)
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
        self._yrange = None
        self._redraw()
        self._refresh_current()

    def _axis_mode(self) -> None:
        ax = self.plotItem.getAxis("left")
        ax.setLogMode(self.log_scale)
        # label only the decades on a log axis (the 2…9 × 10^k labels overlap in a short dock)
        ax.setStyle(maxTextLevel=0 if self.log_scale else 1)
        self.plotItem.setLabel("left", "E (log scale)" if self.log_scale else "E")

    def _theme(self) -> None:
        th = THEMES[self.session.theme]
        self.setBackground(th.background)
        self._grid.setPen(pg.mkPen(th.grid, width=1))
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setPen(th.muted)
            a.setTextPen(th.text)
        self.legend.setLabelTextColor(th.text)
        bg = pg.mkColor(th.background)
        bg.setAlpha(220)
        self.legend.setBrush(pg.mkBrush(bg))
        self.legend.setPen(pg.mkPen(th.grid))

    def _y(self, e: np.ndarray) -> np.ndarray:
        if not self.log_scale:
            return e
        with np.errstate(all="ignore"):
            return np.log10(e)

    def _update_grid(self, *_a) -> None:
        vb = self.plotItem.vb
        (x0, x1), (y0, y1) = vb.viewRange()
        xs, ys = [], []
        for name, lo, hi, size in (("bottom", x0, x1, vb.width()), ("left", y0, y1, vb.height())):
            ax = self.plotItem.getAxis(name)
            levels = ax.tickValues(lo, hi, max(size, 1))
            vals = levels[0][1] if levels else []
            for v in vals:
                if name == "bottom":
                    xs += [v, v]
                    ys += [y0, y1]
                else:
                    xs += [x0, x1]
                    ys += [v, v]
        self._grid.setData(np.array(xs, dtype=float), np.array(ys, dtype=float),
                           connect="pairs")

    def _legend_entry(self, item, show: bool) -> None:
        """The legend lists a curve only where it is drawn (no epoch curve in batch mode)."""
        listed = getattr(item, "_in_legend", True)  # added by plot(name=…) at first
        if show and not listed:
            self.legend.addItem(item, item.opts.get("name", ""))
        elif not show and listed:
            self.legend.removeItem(item)
        item._in_legend = show

    def _manual_range(self, *_a) -> None:
        self._follow = False

    def _clicked(self, ev) -> None:
        if ev.double():
            self._follow = True
            self._xmax = 0.0
            self._yrange = None
            self.refresh()

    def _follow_y(self, ys: np.ndarray) -> None:
        """Whole decades (log scale) or a 1-2-5 ceiling (linear), so the range changes
        rarely; the axis is redrawn only then."""
        ok = ys[np.isfinite(ys)]
        if not len(ok):
            return
        lo, hi = float(ok.min()), float(ok.max())
        if self.log_scale:  # at least three decades, so the axis labels only decades
            top = np.ceil(hi)
            rng = (min(np.floor(lo), top - 3), top)
        else:
            rng = (0.0, _nice(max(hi, 1e-12)))
        if rng != self._yrange:
            self._yrange = rng
            self.plotItem.vb.setYRange(*rng, padding=0.02)

    def refresh(self) -> None:
        """Take in what the history gained (or lost) and redraw the visible range."""
        h = self.session.history
        self._pyr.update(h.errors, h.changed_from)
        h.changed_from = h.n
        self._ep_pyr.update(h.epoch_errors, h.epochs_changed_from)
        h.epochs_changed_from = len(h.epoch_errors)
        if self._follow:
            target = _nice(max(10, h.n * 1.02))
            if target != self._xmax:
                self._xmax = target
                self.plotItem.vb.setXRange(0, target, padding=0.01)  # → _redraw
                self._refresh_current()
                return
        self._redraw()
        self._refresh_current()

    def _redraw(self, *_a) -> None:
        h = self.session.history
        vb = self.plotItem.vb
        x0, x1 = vb.viewRange()[0]
        width = max(200, int(vb.width()))
        i0, i1 = max(0, int(x0) - 2), min(h.n, int(np.ceil(x1)) + 1)
        xs, ys = self._pyr.points(i0, i1, width)
        ys = self._y(ys)
        self.curve.setData(xs + 1, ys)  # entry i is step i + 1
        multi = self.session.doc.mode == "online" and self.session.doc.n_samples > 1
        steps = h.epoch_steps
        self._legend_entry(self.epoch_curve, multi)
        if multi and len(steps):
            j0 = max(0, int(np.searchsorted(steps, x0)) - 1)
            j1 = min(len(steps), int(np.searchsorted(steps, x1)) + 1)
            ex, ey = self._ep_pyr.points(j0, j1, width)
            ey = self._y(ey)
            self.epoch_curve.setData(np.interp(ex, np.arange(len(steps)), steps), ey)
            ys = np.concatenate([ys, ey])
        else:
            self.epoch_curve.setData([], [])
        if self._follow:
            e = self.session.trace.error
            self._follow_y(np.append(ys, self._y(np.array([e]))) if e > 0 else ys)
        self.legend.setVisible(h.n > 0)

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


def _nice(v: float) -> float:
    """The next of 1, 1.5, 2, 3, 5, 7.5 × 10^k at or above v."""
    p = 10.0 ** np.floor(np.log10(v))
    for m in (1, 1.5, 2, 3, 5, 7.5, 10):
        if m * p >= v:
            return m * p
    return 10 * p
