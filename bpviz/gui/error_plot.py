"""Total error against step, live while training.

The session's history is a bounded record (``error_history.py``: the newest 100,000 steps
exactly, older ones as buckets that know their first and last step, min, max and mean); peak
decimation (``decimate.py``) picks the points to draw for the visible range — about two per
pixel, each pixel's min and max, so old steps show their envelope — at a cost bounded by the
record's size, however long the run (pyqtgraph's own peak downsampling redoes the whole
series every update). Hovering a step reads its E off exactly, or, for a step in a bucket,
says so and gives the bucket's steps, mean and range. The log scale plots log10 of the points
on a log axis. The x range grows in steps (1, 1.5, 2, 3, 5, 7.5 × 10^k) so the axes are not redrawn
every frame; pan or zoom with the mouse to look closer, double-click to follow again.

While following, both ranges keep the whole curve from its start and the "this iteration" dot
in view (the y range follows the data and the dot, also when the dot drops below every error
of the history, as it does after each step of `linear`). The legend is one row above the data
area, never over the curve. A dashed line marks the stop threshold (the session's stop_error),
so a class sees the curve head for "learned"; its label says where a run stopped.

Held-out rows (data.test): a second curve, the test error (E of the test rows on a step's
scale, the training process's or the stepper's points, ``History.test_record``), in Okabe–Ito
orange and dashed (told apart by colour and by dash), bounded and decimated like the training
curve; the legend then says "training" and "test". Where accuracy applies the legend's last
entry is the latest accuracy, "accuracy 93 % · test 90 %" (``Session.scores``). Without test
rows and classes the plot is as before.

Earlier runs of the network (``session.runs``: kept on Reset, new weights or a network change)
are faint labelled curves under the live ones, decimated and scaled the same way
(``run_list.RunCurves``); while following, the x range reaches the longest visible one.

Scrubbing (``scrub_bar.ScrubMarker``): a click on a step shows the network there, a marker
stands at the step on screen (drag it to scrub), double-click goes back to the live run.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QGraphicsItem

from bpviz.core.numbers import fmt
from bpviz.gui.decimate import envelope
from bpviz.gui.run_list import RunCurves
from bpviz.gui.scrub_bar import ScrubMarker
from bpviz.gui.session import Session
from bpviz.gui.theme import FORWARD, NEGATIVE, POSITIVE, THEMES

__all__ = ["ErrorPlot"]


class _StepAxis(pg.AxisItem):
    """The step axis with thousands separators (112,984)."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        places = max(0, int(np.ceil(-np.log10(spacing * scale)))) if spacing * scale > 0 else 0
        return [f"{v * scale:,.{places}f}" for v in values]


LEGEND_NAMES = {
    "step": "E of each step",
    "training": "training",  # the step curve's name when a test curve is beside it
    "test": "test",
    "epoch": "E of all samples (epoch ends)",
    "current": "this iteration",
}
TEST = "#E69F00"  # Okabe–Ito orange: the test curve (dashed, so it differs by more than colour)


def percent(fraction: float) -> str:
    """An accuracy as a whole percentage, rounded down: "93 %" ("100 %" only when every row
    is right)."""
    return f"{math.floor(100 * fraction + 1e-9)} %"


def accuracy_text(scores) -> str:
    """ "accuracy 93 % · test 90 %" from ``Session.scores`` ("" where accuracy does not
    apply): the status line's words."""
    if scores is None or scores.accuracy is None:
        return ""
    text = f"accuracy {percent(scores.accuracy)}"
    if scores.test_accuracy is not None:
        text += f" · test {percent(scores.test_accuracy)}"
    return text


def curve_names(tested: bool, scores) -> tuple[str, str]:
    """The legend's names of the step curve and the test curve: "E of each step", or
    "training" and "test" beside a test curve, each with its latest accuracy where accuracy
    applies ("training · accuracy 93 %")."""
    step = LEGEND_NAMES["training" if tested else "step"]
    test = LEGEND_NAMES["test"]
    if scores is not None and scores.accuracy is not None:
        step += f" · accuracy {percent(scores.accuracy)}"
        if scores.test_accuracy is not None:
            test += f" · accuracy {percent(scores.test_accuracy)}"
    return step, test


MIN_HEIGHT = 160  # pixels at font zoom 1 (× √zoom above it)


class ErrorPlot(pg.PlotWidget):
    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent, axisItems={"bottom": _StepAxis("bottom")})
        self.session = session
        self.log_scale = True
        self._follow = True
        self._xmax = 0.0
        self.setMinimumHeight(MIN_HEIGHT)
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
        # the legend: one row above the data area (the title row), so it never covers the
        # curve; placed by _place_legend
        self.legend = pg.LegendItem(colCount=3, horSpacing=14)
        self.legend.setParentItem(pi)
        pi.legend = self.legend  # plot(name=…) adds its curve here
        # live curves: no antialiasing, a cosmetic 1 px pen (a zig-zag of thousands of segments
        # costs ~30 ms a frame antialiased in software rendering)
        self.curve = pi.plot(
            [], [], pen=pg.mkPen(POSITIVE, width=1), antialias=False, name=LEGEND_NAMES["step"]
        )
        self.curve.setSkipFiniteCheck(True)
        self.epoch_curve = pi.plot(
            [], [], pen=pg.mkPen(NEGATIVE, width=2), antialias=False, name=LEGEND_NAMES["epoch"]
        )
        self.epoch_curve.setSkipFiniteCheck(True)
        self.test_curve = pi.plot(
            [],
            [],
            pen=pg.mkPen(TEST, width=2, style=Qt.PenStyle.DashLine),
            antialias=False,
            name=LEGEND_NAMES["test"],
        )
        self.test_curve.setSkipFiniteCheck(True)
        self.current = pi.plot(
            [],
            [],
            pen=None,
            symbol="o",
            symbolSize=10,
            symbolBrush=FORWARD,
            symbolPen=None,
            name=LEGEND_NAMES["current"],
        )
        self.readout = pg.TextItem(anchor=(0, 0))
        self.readout.setZValue(50)
        pi.addItem(self.readout, ignoreBounds=True)
        # the stop threshold: a dashed line with its words at the left end, under the line
        # on a log axis (the range keeps room there, and the curve ends above the line), over
        # it on a linear one (nothing is below 0); see update_stop
        self.stop_line = pg.InfiniteLine(
            angle=0, movable=False, label="", labelOpts={"position": 0.01, "anchors": [(0, 0), (0, 0)]}
        )
        self.stop_line.setZValue(-5)
        pi.addItem(self.stop_line, ignoreBounds=True)
        self._stop_note: str | None = None
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999999", style=Qt.PenStyle.DotLine))
        pi.addItem(self.cursor, ignoreBounds=True)
        self.cursor.hide()
        self.setToolTip(
            "Total error E against step. E of each step: the error of the samples that step "
            "used, before its update. E of all samples at each epoch's end (online mode): "
            "the curve a class expects. Test (dashed, with held-out rows): E of the test rows, "
            "never trained on, scaled to a step's rows so both curves share a scale; when it "
            "rises while the training curve falls, the network is overfitting. This iteration: "
            "the error of the next step, where the stepper is. Accuracy: the share of rows "
            "whose predicted class is right. Hover to read off a value; drag or wheel to look "
            "closer, double-click to follow the run again. Click a step to see the network "
            "there (the exact weights of that step; drag its marker to scrub, Esc for the "
            "live run)."
        )
        self.scene().sigMouseMoved.connect(self._hover)
        vb = pi.vb
        vb.disableAutoRange()  # ranges grow in steps (see refresh) so the axes stay cached
        self._yrange = None
        vb.sigRangeChangedManually.connect(self._manual_range)
        vb.sigXRangeChanged.connect(self._redraw)
        vb.sigRangeChanged.connect(self._fit_y_ticks)  # (before the grid: it reads the ticks)
        vb.sigResized.connect(self._fit_y_ticks)
        vb.sigRangeChanged.connect(self._update_grid)
        vb.sigResized.connect(self._place_legend)
        vb.sigResized.connect(self._fit_stop_label)
        vb.sigRangeChanged.connect(self._fit_stop_label)  # the plot follows the curve after a stop
        pi.geometryChanged.connect(self._place_legend)
        self.legend.geometryChanged.connect(self._place_legend)  # font zoom, entries
        self.run_curves = RunCurves(self)  # earlier runs, faint, under the live curves
        self._ys = np.empty(0)  # the visible curve points' y values (for following)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.scrub = ScrubMarker(self)  # a click shows that step's network (scrub_bar.py)
        session.historyChanged.connect(self.refresh)
        session.traceChanged.connect(self._refresh_current)
        session.trainingChanged.connect(self._refresh_current)  # the dot is back after a run
        session.documentChanged.connect(self.refresh)
        session.documentChanged.connect(lambda: self.update_stop())
        session.displayChanged.connect(self._theme)
        session.scoresChanged.connect(self._show_scores)
        session.traceChanged.connect(self._show_scores)
        session.trainingChanged.connect(self._show_scores)
        session.documentChanged.connect(self._show_scores)  # (after refresh: the entries)
        self._theme()
        self._axis_mode()
        self.update_stop()
        self.refresh()
        self._show_scores()

    # -- display ------------------------------------------------------------------------------
    def set_log_scale(self, on: bool) -> None:
        self.log_scale = bool(on)
        self._axis_mode()
        self._yrange = None
        self.update_stop(self._stop_note)
        self._redraw()
        self._refresh_current()

    def update_stop(self, stopped: tuple[str, int] | None = None) -> None:
        """The stop threshold's line, labelled "stop when E < 0.01", or where a run stopped
        (``stopped``: E as the dock writes it, and the step): "Stopped: E = 0.00998 < 0.01 at
        step 302", shorter where the plot is narrow; hidden without a threshold."""
        self._stop_note = stopped
        se = self.session.stop_error
        if se is None or not se > 0:
            self.stop_line.hide()
            return
        y = float(np.log10(se)) if self.log_scale else float(se)
        self.stop_line.setPos(y)
        self.stop_line.show()
        self._fit_stop_label()
        if self._follow:
            self._follow_y(np.concatenate([self._ys, self._dot_y(), self._stop_y()]))

    def _fit_stop_label(self, *_a) -> None:
        """The longest wording of the threshold's label that fits the data area's width."""
        se = self.session.stop_error
        if se is None or not self.stop_line.isVisible():
            return
        st = self._stop_note
        if st is None:
            texts = [f"stop when E < {se:g}", f"E < {se:g}"]
        else:
            e, step = st
            texts = [
                f"Stopped: E = {e} < {se:g} at step {step:,}",
                f"Stopped at step {step:,}: E < {se:g}",
                f"Stopped: E < {se:g}",
            ]
        label = self.stop_line.label
        vb = self.plotItem.vb
        room = vb.width() * 0.97
        # under the line (clear of the dot) on a log axis, else over it; the longest wording
        # that fits the data area and covers no point of a curve; no words rather than
        # clipped or covering ones (the training dock says it too)
        below, above = [(0, -0.35)] * 2, [(0, 1)] * 2
        box = vb.sceneBoundingRect()
        pts = [c.getData() for c in (self.curve, self.epoch_curve, self.test_curve, self.current)]
        pts = [(x, y) for x, y in pts if x is not None and len(x)]
        for anchors in [below, above] if self.log_scale else [above]:
            label.anchors = anchors
            for t in texts:
                label.setFormat(t)
                if label.boundingRect().width() > room:
                    continue
                label.updatePosition()
                r = label.sceneBoundingRect()
                if r.top() < box.top() - 1 or r.bottom() > box.bottom() + 1:
                    break  # too tall here: the other side
                v = vb.mapSceneToView(r).boundingRect()
                if not any(
                    np.any((x >= v.left()) & (x <= v.right()) & (y >= v.top()) & (y <= v.bottom()))
                    for x, y in pts
                ):
                    return
        label.setFormat("")

    def _stop_y(self) -> np.ndarray:
        """The threshold line's y, and on a log axis room for its words under it."""
        se = self.session.stop_error
        if se is None or not se > 0:
            return np.empty(0)
        y = self._y(np.array([float(se)]))
        return np.append(y, y - 0.7) if self.log_scale else y

    def _axis_mode(self) -> None:
        ax = self.plotItem.getAxis("left")
        ax.setLogMode(self.log_scale)
        # label only the decades on a log axis (the 2…9 × 10^k labels overlap in a short dock)
        ax.setStyle(maxTextLevel=0 if self.log_scale else 1)
        self.plotItem.setLabel("left", "E (log scale)" if self.log_scale else "E")

    def _theme(self) -> None:
        th = THEMES[self.session.theme]
        # room for the legend's rows, the axes' words and a curve at any font zoom (the
        # docks above it give way)
        self.setMinimumHeight(round(MIN_HEIGHT * max(1.0, self.session.zoom) ** 0.5))
        self.setBackground(th.background)
        self._grid.setPen(pg.mkPen(th.grid, width=1))
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setPen(th.muted)
            a.setTextPen(th.text)
        self.legend.setLabelTextColor(th.text)
        for _sample, label in self.legend.items:  # pyqtgraph only re-colours new labels
            label.setText(label.text)
        bg = pg.mkColor(th.background)
        bg.setAlpha(220)
        self.legend.setBrush(pg.mkBrush(bg))
        self.legend.setPen(pg.mkPen(None))
        self.stop_line.setPen(pg.mkPen(th.muted, width=1, style=Qt.PenStyle.DashLine))
        self.stop_line.label.setColor(th.text)
        self._place_legend()

    def _place_legend(self, *_a) -> None:
        """Right-aligned with the data area, in rows of their own above it: as many entries
        a row as fit the plot's width (again whenever the plot or the legend's font size
        changes)."""
        if getattr(self, "_placing", False):
            return
        self._placing = True
        try:
            self._place_legend_now()
        finally:
            self._placing = False

    def _place_legend_now(self) -> None:
        pi, lg = self.plotItem, self.legend
        room = max(1.0, pi.width() - 4)
        for cols in (3, 2, 1):
            if lg.columnCount != cols:
                lg.setColumnCount(cols)
            lg.updateSize()
            if lg.width() <= room:
                break
        h = lg.height() + 2
        if abs(pi.layout.rowMinimumHeight(0) - h) > 0.5:
            pi.layout.setRowFixedHeight(0, h)
        r = pi.vb.geometry()  # in the plot item's coordinates
        lg.setPos(max(0.0, min(r.right(), pi.width()) - lg.width()), 1)

    def _y(self, e: np.ndarray) -> np.ndarray:
        if not self.log_scale:
            return e
        with np.errstate(all="ignore"):
            return np.log10(e)

    def _fit_y_ticks(self, *_a) -> None:
        """On a log scale every decade gets a label; where decades are closer than a label's
        height (a short dock, a large font zoom on a projector) only every second, third, …
        decade does, so the labels never print over each other."""
        ax = self.plotItem.getAxis("left")
        vb = self.plotItem.vb
        _, (y0, y1) = vb.viewRange()
        step = 1
        if self.log_scale and y1 > y0 and vb.height() > 1:
            font = ax.style.get("tickFont") or ax.font()
            need = 1.4 * QFontMetricsF(font).height()  # a label's height and some air
            per_decade = vb.height() / (y1 - y0)
            step = max(1, math.ceil(need / per_decade))
        if step != getattr(self, "_y_tick_step", 1):
            self._y_tick_step = step
            if step > 1:
                ax.setTickSpacing(levels=[(step, 0)])
            else:
                ax.setTickSpacing()  # pyqtgraph's own spacing again
            self._update_grid()

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
        self._grid.setData(np.array(xs, dtype=float), np.array(ys, dtype=float), connect="pairs")

    def _legend_entry(self, item, show: bool) -> None:
        """The legend lists a curve only where it is drawn (no epoch curve in batch mode)."""
        listed = getattr(item, "_in_legend", True)  # added by plot(name=…) at first
        if show and not listed:
            self.legend.addItem(item, item.opts.get("name", ""))
        elif not show and listed:
            self.legend.removeItem(item)
        item._in_legend = show
        if show != listed:
            self._relayout_legend()
            self._place_legend()

    def _relayout_legend(self) -> None:
        """The entries in a fixed order (training, test, epochs, this iteration), filling the
        rows from the left: pyqtgraph leaves a hole where an entry was removed and puts a new
        one in the first hole."""
        lg = self.legend
        order = [self.curve, self.test_curve, self.epoch_curve, self.current]
        lg.items.sort(key=lambda e: order.index(e[0].item) if e[0].item in order else len(order))
        for i in range(lg.layout.count() - 1, -1, -1):
            lg.layout.removeAt(i)
        lg.rowCount = max(1, math.ceil(len(lg.items) / lg.columnCount))
        for sample, label in lg.items:
            lg._addItemToLayout(sample, label)
        lg.updateSize()

    def _rename(self, item, name: str) -> None:
        """A listed curve's legend text."""
        for sample, label in self.legend.items:
            if sample.item is item:
                if label.text != name:
                    label.setText(name)
                return

    def _show_scores(self, *_a) -> None:
        """The curves' legend names, with the latest training and test accuracy."""
        step, test = curve_names(self.session.doc.n_test > 0, self.session.scores)
        live = self.run_curves.live_label()  # beside earlier runs: "η = 5: E of each step"
        step = f"{live}: {step}" if live else step
        self._rename(self.curve, step)
        self._rename(self.test_curve, test)

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
        if self.log_scale:
            with np.errstate(all="ignore"):
                ys = ys[ys > -300]  # E = 0 (log −inf) has no place on a log axis
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
        h.changed_from = h.n  # (the record is decimated afresh at each redraw)
        h.epochs_changed_from = len(h.epoch_record)
        if self._follow_x():  # → _redraw
            self._refresh_current()
            return
        self._redraw()
        self._refresh_current()

    def _follow_x(self) -> bool:
        """While following: from step 0 to past the last step and the dot. Whether the range
        changed."""
        if not self._follow:
            return False
        h = self.session.history
        last = max(h.n, self.session.step + 1, self.run_curves.last_step())
        target = _nice(max(10, last * 1.02))
        if target == self._xmax:
            return False
        self._xmax = target
        self.plotItem.vb.setXRange(0, target, padding=0.01)
        return True

    def _redraw(self, *_a) -> None:
        h = self.session.history
        vb = self.plotItem.vb
        x0, x1 = vb.viewRange()[0]
        width = max(200, int(vb.width()))
        xs, ys = _points(h.step_record, x0, x1, width)
        ys = self._y(ys)
        self.curve.setData(xs, ys)
        multi = self.session.doc.mode == "online" and self.session.doc.n_samples > 1
        self._legend_entry(self.epoch_curve, multi)
        if multi and len(h.epoch_record):
            ex, ey = _points(h.epoch_record, x0, x1, width)
            ey = self._y(ey)
            self.epoch_curve.setData(ex, ey)
            ys = np.concatenate([ys, ey])
        else:
            self.epoch_curve.setData([], [])
        tested = self.session.doc.n_test > 0
        self._legend_entry(self.test_curve, tested)
        if tested and len(h.test_record):
            tx, ty = _points(h.test_record, x0, x1, width)
            ty = self._y(ty)
            self.test_curve.setData(tx, ty)
            ys = np.concatenate([ys, ty])
        else:
            self.test_curve.setData([], [])
        ys = np.concatenate([ys, self.run_curves.redraw(x0, x1, width)])
        self._ys = ys
        if self._follow:
            self._follow_y(np.concatenate([ys, self._dot_y(), self._stop_y()]))
        self.legend.setVisible(h.n > 0 or self.run_curves.legend_needed)

    def _dot_y(self) -> np.ndarray:
        """The y of the "this iteration" dot (empty when it is not drawn)."""
        s = self.session
        if s.training:
            return np.empty(0)  # (and the iteration's trace is not built for it)
        e = s.trace.error
        if np.isfinite(e) and e > 0:
            return self._y(np.array([e]))
        return np.empty(0)

    def _refresh_current(self) -> None:
        s = self.session
        y = self._dot_y()
        self.current.setData([s.step + 1] if len(y) else [], y)
        # the dot stays in view, however far it dropped (_follow_x redraws when it moves)
        if self._follow and len(y) and not self._follow_x():
            self._follow_y(np.concatenate([self._ys, y, self._stop_y()]))

    def leaveEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        """The pointer left the plot: its readout goes (and the marker's label comes back)."""
        super().leaveEvent(ev)
        self._no_readout()

    def _no_readout(self) -> None:
        self.readout.setText("")
        self.cursor.hide()
        self.scrub.show_label(True)

    def _hover(self, pos) -> None:
        vb = self.plotItem.vb
        h = self.session.history
        if not vb.sceneBoundingRect().contains(pos) or h.n == 0:
            self._no_readout()
            return
        p = vb.mapSceneToView(pos)
        step = int(round(p.x()))
        if not 1 <= step <= h.n:
            self._no_readout()
            return
        r = h.value_at(step)
        if r is None:  # a gap (a file saved without its history)
            self._no_readout()
            return
        th = THEMES[self.session.theme]
        text = readout_text(step, r, self.session.decimals)
        t = _latest_test(h.test_record, step)
        if t is not None:
            text += f"; test E = {fmt(t[1], self.session.decimals)} (step {t[0]:,})"
        self.readout.setText(text, color=th.text)
        r = vb.viewRect()
        self.readout.setPos(r.left(), r.bottom())
        self.cursor.setPos(step)
        self.cursor.show()
        # the readout names the step hovered: the marker's own label would print over it
        self.scrub.show_label(False)


def readout_text(step: int, r, decimals: int) -> str:
    """The hover readout of ``step`` from its reading (``History.value_at``): its E, or for a
    step older than the exact record, that it is a bucket's mean, with the bucket's steps and
    range."""
    if r.exact:
        return f"step {step:,}: E = {fmt(r.mean, decimals)}"
    return (
        f"step {step:,}: E ≈ {fmt(r.mean, decimals)}, mean of steps {r.first:,}–{r.last:,} "
        f"(range {fmt(r.lo, decimals)} to {fmt(r.hi, decimals)})"
    )


def _latest_test(record, step: int) -> tuple[int, float] | None:
    """The test curve's exact point at or before ``step`` (None: none there)."""
    s = record.steps
    i = int(np.searchsorted(s, step, side="right")) - 1
    return None if i < 0 else (int(s[i]), float(record.values[i]))


def _points(record, x0: float, x1: float, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The points of a bounded record (buckets, then exact values) for the range x0 … x1."""
    b = record.buckets()
    bx, by = envelope(b["first"], b["last"], b["min"], b["max"], x0, x1, width)
    s, v = record.steps, record.values
    ex, ey = envelope(s, s, v, v, x0, x1, width)
    if not len(bx):
        return ex, ey
    return np.concatenate([bx, ex]), np.concatenate([by, ey])


def _nice(v: float) -> float:
    """The next of 1, 1.5, 2, 3, 5, 7.5 × 10^k at or above v."""
    p = 10.0 ** np.floor(np.log10(v))
    for m in (1, 1.5, 2, 3, 5, 7.5, 10):
        if m * p >= v:
            return m * p
    return 10 * p
