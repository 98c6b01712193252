"""The Gradients plot: each layer's gradient health against step, on a log scale.

"Why does the deep sigmoid network learn so slowly?" Going back, δ is multiplied by f′(net) in
each layer, and sigmoid's f′ is at most 0.25: in a deep sigmoid network the first layers' δ is
orders of magnitude smaller than the last's, and their weights barely move. The plot shows it
as one curve a layer (``bpviz.core.gradient_health``, kept by ``Session.gradients``): the mean
|δ| of the layer's neurons over the step's rows, its ‖∂E/∂W‖ (Frobenius norm), or both (δ
solid, ∂E/∂W dashed). A log scale, so curves orders of magnitude apart all show; a curve that
drops below the others is a layer whose gradient vanishes.

Colours are Okabe–Ito's colour-blind-safe set, one a layer, and the legend names each layer
as people count them, from 1 after the input, with the network's name for it ("layer 1 (h)").
Each series is a bounded record (``error_history.Record``) drawn by the error plot's peak
decimation (``decimate.envelope``: about two points a pixel, each pixel's min and max), so a
run of any length draws in bounded time. Hover to read a step's values; drag or wheel to look
closer, double-click to follow the run again.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from bpviz.core.numbers import sig
from bpviz.gui.decimate import envelope
from bpviz.gui.gradient_series import SERIES
from bpviz.gui.plain_text import MAX_NAME, escaped
from bpviz.gui.theme import THEMES, zoom_plot_fonts

__all__ = ["GradientPlot", "PALETTE", "MODES", "layer_name"]

# Okabe–Ito, in an order that keeps neighbouring layers far apart; the theme's text colour
# stands for Okabe–Ito black (white on the dark theme), yellow comes last (faint on white)
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", None, "#F0E442")
# what the plot shows: (key, the menu's words, the series drawn)
MODES = (
    ("delta", "mean |δ|", ("delta",)),
    ("grad", "‖∂E/∂W‖", ("grad",)),
    ("both", "both (∂E/∂W dashed)", ("delta", "grad")),
)
AXIS = {"delta": "mean |δ|", "grad": "‖∂E/∂W‖", "both": "|δ|, ‖∂E/∂W‖ dashed"}


def layer_name(names: list[str], j: int) -> str:
    """Weight layer j as people read it: "layer 1 (h)" (layer j + 1 of the network, counted
    from 1 after the input, with its name)."""
    return f"layer {j + 1} ({names[j]})"


def _colour(j: int, theme) -> str:
    c = PALETTE[j % len(PALETTE)]
    return theme.text if c is None else c


class _StepAxis(pg.AxisItem):
    """The step axis with thousands separators."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        places = max(0, int(np.ceil(-np.log10(spacing * scale)))) if spacing * scale > 0 else 0
        return [f"{v * scale:,.{places}f}" for v in values]


class GradientPlot(QWidget):
    """The plot with its choice of series above it."""

    def __init__(self, session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.series = session.gradients
        self.mode = "delta"
        self._follow = True
        self._xmax = 0.0
        self._yrange: tuple | None = None
        self._curves: dict = {}  # (what, j) → PlotDataItem
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(6, 2, 6, 0)
        row.addWidget(QLabel("Show"))
        self.choice = QComboBox()
        for key, text, _ in MODES:
            self.choice.addItem(text, key)
        # a narrow dock (a large font zoom) elides the words rather than widening the column
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(8)
        self.choice.setToolTip(
            "mean |δ|: the size of the error signal δ = ∂E/∂net in each layer, averaged over its "
            "neurons and the step's samples. ‖∂E/∂W‖: the size of the gradient of the weights "
            "into the layer (the square root of the sum of their squares), what the update "
            "multiplies by η. Both: δ solid, ∂E/∂W dashed."
        )
        self.choice.currentIndexChanged.connect(lambda _i: self.set_mode(self.choice.currentData()))
        row.addWidget(self.choice)
        row.addStretch(1)
        lay.addLayout(row)
        self.plot = pg.PlotWidget(axisItems={"bottom": _StepAxis("bottom")})
        self.plot.setMinimumHeight(160)
        lay.addWidget(self.plot, 1)
        pi = self.plot.plotItem
        pi.setMenuEnabled(False)
        pi.setLabel("bottom", "step")
        pi.showGrid(x=False, y=True, alpha=0.25)
        ax = pi.getAxis("left")
        ax.enableAutoSIPrefix(False)
        ax.setLogMode(True)  # the curves are log10 of the values: labels 10^k
        ax.setStyle(maxTextLevel=0)  # decades only
        self.legend = pg.LegendItem(colCount=3, horSpacing=14)
        self.legend.setParentItem(pi)
        self.readout_item = pg.TextItem(anchor=(0, 0))
        self.readout_item.setZValue(50)
        pi.addItem(self.readout_item, ignoreBounds=True)
        self.cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999999", style=Qt.PenStyle.DotLine))
        pi.addItem(self.cursor, ignoreBounds=True)
        self.cursor.hide()
        self.plot.setToolTip(
            "Each layer's gradient against step, on a log scale: one curve a layer, layer 1 "
            "the first after the input. Going back through a layer the error signal is "
            "multiplied by the weights and by f′(net); sigmoid's f′ is at most 0.25, so in a "
            "deep sigmoid network the first layers' curves lie orders of magnitude below the "
            "last's (vanishing gradients) and their weights barely move. Hover to read a step; "
            "drag or wheel to look closer, double-click to follow the run again."
        )
        vb = pi.vb
        vb.disableAutoRange()
        vb.sigRangeChangedManually.connect(self._manual)
        vb.sigXRangeChanged.connect(self._redraw)
        vb.sigResized.connect(self._place_legend)
        pi.geometryChanged.connect(self._place_legend)
        self.legend.geometryChanged.connect(self._place_legend)
        self.plot.scene().sigMouseMoved.connect(self._hover)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.series.changed.connect(self.refresh)
        session.displayChanged.connect(self._theme)
        self._build()
        self._theme()

    # -- structure ---------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        """ "delta", "grad" or "both"."""
        if mode not in AXIS:
            raise ValueError(mode)
        if self.choice.currentData() != mode:
            self.choice.setCurrentIndex([m[0] for m in MODES].index(mode))
            return  # (the combo box calls back)
        if mode != self.mode:
            self.mode = mode
            self._yrange = None
            self._build()

    def _shown(self) -> tuple[str, ...]:
        return next(s for k, _t, s in MODES if k == self.mode)

    def _build(self) -> None:
        """One curve a layer and series shown, with the legend's entries (again for another
        network or mode)."""
        pi = self.plot.plotItem
        for c in self._curves.values():
            pi.removeItem(c)
        self._curves = {}
        self.legend.clear()
        self._names = list(self.series.names)
        th = THEMES[self.session.theme]
        for what in self._shown():
            for j in range(len(self._names)):
                style = (
                    Qt.PenStyle.DashLine if what == "grad" and self.mode == "both" else Qt.PenStyle.SolidLine
                )
                c = pg.PlotDataItem(
                    [], [], pen=pg.mkPen(_colour(j, th), width=2, style=style), antialias=False
                )
                c.setSkipFiniteCheck(True)
                pi.addItem(c)
                self._curves[(what, j)] = c
        first = self._shown()[0]
        for j in range(len(self._names)):
            # the legend is rich text: a layer's name from the file is escaped (an <img> in
            # it would be loaded)
            self.legend.addItem(self._curves[(first, j)], escaped(layer_name(self._names, j), MAX_NAME))
        pi.setLabel("left", f"{AXIS[self.mode]} (log scale)")
        self._place_legend()
        self.refresh()

    # -- drawing -----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Take in what the series gained (a hidden plot only notes it: drawn when shown)."""
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        if list(self.series.names) != self._names:
            self._build()
            return
        if not self._follow_x():
            self._redraw()

    def showEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().showEvent(ev)
        if getattr(self, "_stale", False):
            self.refresh()

    def _follow_x(self) -> bool:
        if not self._follow:
            return False
        target = _nice(max(10, self.series.last_step * 1.02))
        if target == self._xmax:
            return False
        self._xmax = target
        self.plot.plotItem.vb.setXRange(0, target, padding=0.01)  # → _redraw
        return True

    def _redraw(self, *_a) -> None:
        vb = self.plot.plotItem.vb
        x0, x1 = vb.viewRange()[0]
        width = max(200, int(vb.width()))
        ys = []
        for (what, j), c in self._curves.items():
            xs, y = points(self.series.records[what][j], x0, x1, width)
            c.setData(xs, y, connect="finite")
            ys.append(y)
        if self._follow:
            self._follow_y(np.concatenate(ys) if ys else np.empty(0))
        self.legend.setVisible(len(self.series) > 0)

    def _follow_y(self, ys: np.ndarray) -> None:
        """Whole decades, at least three, changed only when the data leave them."""
        ok = ys[np.isfinite(ys)]
        if not len(ok):
            return
        top = math.ceil(float(ok.max()))
        rng = (min(math.floor(float(ok.min())), top - 3), top)
        if rng != self._yrange:
            self._yrange = rng
            self.plot.plotItem.vb.setYRange(*rng, padding=0.02)

    def _manual(self, *_a) -> None:
        self._follow = False

    def _clicked(self, ev) -> None:
        if ev.double():
            self._follow = True
            self._xmax = 0.0
            self._yrange = None
            self.refresh()

    def _theme(self) -> None:
        th = THEMES[self.session.theme]
        self.plot.setBackground(th.background)
        pi = self.plot.plotItem
        for name in ("left", "bottom"):
            a = pi.getAxis(name)
            a.setPen(th.muted)
            a.setTextPen(th.text)
        for (_what, j), c in self._curves.items():
            pen = c.opts["pen"]
            c.setPen(pg.mkPen(_colour(j, th), width=2, style=pen.style()))
        self.legend.setLabelTextColor(th.text)
        bg = pg.mkColor(th.background)
        bg.setAlpha(220)
        self.legend.setBrush(pg.mkBrush(bg))
        self.legend.setPen(pg.mkPen(None))
        zoom_plot_fonts(self.plot, self.session.zoom)  # (re-renders the legend's labels)
        self._place_legend()

    def _place_legend(self, *_a) -> None:
        """In rows of their own above the data area, right-aligned, as many entries a row as
        fit (the error plot's way: the legend never covers a curve)."""
        if getattr(self, "_placing", False):
            return
        self._placing = True
        try:
            pi, lg = self.plot.plotItem, self.legend
            room = max(1.0, pi.width() - 4)
            for cols in (4, 3, 2, 1):
                if lg.columnCount != cols:
                    lg.setColumnCount(cols)
                lg.updateSize()
                if lg.width() <= room:
                    break
            h = lg.height() + 2
            if abs(pi.layout.rowMinimumHeight(0) - h) > 0.5:
                pi.layout.setRowFixedHeight(0, h)
            r = pi.vb.geometry()
            lg.setPos(max(0.0, min(r.right(), pi.width()) - lg.width()), 1)
        finally:
            self._placing = False

    # -- reading -----------------------------------------------------------------------------
    def readout(self, step: int) -> tuple[int, str] | None:
        """What the plot says at ``step``: the newest point at or before it (its step) and
        each shown layer's value there, by layer number (None: no point yet)."""
        rows = []
        at = None
        for what in self._shown():
            vals = []
            for j in range(len(self._names)):
                r = self.series.records[what][j]
                s = r.steps
                i = int(np.searchsorted(s, step, side="right")) - 1
                if i < 0:
                    return None
                at = int(s[i])
                vals.append(f"{j + 1}: {sig(float(r.values[i]), 3)}")
            rows.append(f"{SERIES[what]}  " + "  ".join(vals))
        return at, f"step {at:,}\n" + "\n".join(rows)

    def _hover(self, pos) -> None:
        vb = self.plot.plotItem.vb
        got = None
        if vb.sceneBoundingRect().contains(pos) and len(self.series) and self._names:
            got = self.readout(int(round(vb.mapSceneToView(pos).x())))
        if got is None:
            self.readout_item.setText("")
            self.cursor.hide()
            return
        at, text = got
        self.readout_item.setText(text, color=THEMES[self.session.theme].text)
        r = vb.viewRect()
        self.readout_item.setPos(r.left(), r.bottom())
        self.cursor.setPos(at)
        self.cursor.show()


def points(record, x0: float, x1: float, width: int) -> tuple[np.ndarray, np.ndarray]:
    """log10 of a bounded record's points for the range x0 … x1, decimated (buckets by their
    min and max, then the exact values); values ≤ 0 (a layer whose δ is exactly 0, dead ReLUs)
    have no place on a log axis and are left out."""
    b = record.buckets()
    bx, by = envelope(b["first"], b["last"], b["min"], b["max"], x0, x1, width)
    s, v = record.steps, record.values
    ex, ey = envelope(s, s, v, v, x0, x1, width)
    xs, ys = np.concatenate([bx, ex]), np.concatenate([by, ey])
    with np.errstate(all="ignore"):
        ys = np.where(ys > 0, np.log10(ys), np.nan)
    return xs.astype(float), ys


def _nice(v: float) -> float:
    """The next of 1, 1.5, 2, 3, 5, 7.5 × 10^k at or above v (the error plot's x steps)."""
    p = 10.0 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 3, 5, 7.5, 10):
        if m * p >= v:
            return m * p
    return 10 * p
