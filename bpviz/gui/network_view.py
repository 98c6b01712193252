"""The canvas: neurons, weighted edges, values, and the highlights of the current phase.

Built once per network structure (``documentChanged``); a phase step only updates data of
existing items. Edges are drawn as a few batched curves (one per sign × width bin); large layers
draw only their strongest edges up to a budget. Hover and click are hit-tested with numpy.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetricsF, QPainterPath, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QLineEdit, QToolTip

from bpviz.core.expr import Eq, Num, Prod
from bpviz.core.iteration.chain import Chain, grad_weight_eq
from bpviz.core.numbers import fmt, sig
from bpviz.core.teach import render
from bpviz.core.teach.trace import formula_terms_html, formula_text
from bpviz.gui.label_layout import Box, Label, Placement, along, around, place
from bpviz.gui.session import Selection, Session
from bpviz.gui.theme import (
    ERROR_SIGNAL,
    FORWARD,
    NEGATIVE,
    POSITIVE,
    SELECT,
    THEMES,
    diverging,
    readable_on,
)

__all__ = ["NetworkView", "EDGE_BUDGET"]

EDGE_BUDGET = 10_000  # edges drawn per weight layer at most
DX = 3.0  # distance between layers (view units)
WIDTH_BINS = (0.8, 1.5, 2.4, 3.4, 4.6)  # pen widths by |value| (× zoom)
MAX_LABELLED_NEURONS = 120
MAX_LABELLED_EDGES_PER_LAYER = 9
HIGHLIGHT_BUDGET = 600  # highlighted edges of a big layer (each costs fill time)
ARROW_FILL = "#8E2F6E"  # arrowheads: the error signal's colour, darker
FULL_GRADIENT_LABELS = 4  # a layer's edges that all write δ × out at the gradient phase
MAX_ARROWS = 400  # arrowheads are drawn while the lit edges are at most this many


def _factor(text: str) -> str:
    """A negative factor of a product in parentheses: "(−0.01905)"."""
    return f"({text})" if text.startswith("−") else text


class _Banner(pg.LabelItem):
    """The phase's title and formula, wrapped to the canvas's width. pyqtgraph's LabelItem
    makes its text's width the layout's minimum width; a long formula (784 inputs) would widen
    the canvas past the window, so the text wraps at the width it is given, and only its height
    is kept as a minimum."""

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().updateMin()
        self.setMinimumWidth(0)
        self.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape, True)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        w = self.rect().width()
        if w > 20 and abs(self.item.textWidth() - w) > 0.5:
            self.item.setTextWidth(w)
        super().resizeEvent(ev)


def _text_item(anchor=(0.0, 0.0)) -> pg.TextItem:
    t = pg.TextItem(anchor=anchor)
    t.textItem.document().setDocumentMargin(2)
    return t


class NetworkView(pg.GraphicsLayoutWidget):
    hovered = Signal(object)  # Selection or None

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        # every cached curve is a pixmap the size of the canvas (~3.4 MB at 1200×700): with
        # Qt's default 10 MB pixmap cache they would evict each other and re-render each frame
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 256 * 1024))
        self.session = session
        self.setMinimumSize(320, 240)
        self.ci.setContentsMargins(6, 4, 6, 6)
        self.banner = _Banner(justify="left")
        self.addItem(self.banner, row=0, col=0)
        self.vb: pg.ViewBox = self.addViewBox(row=1, col=0)
        self.vb.setMenuEnabled(False)
        self.vb.setMouseEnabled(x=True, y=True)
        # labels are placed in pixels (values beside neurons, captions, arrowheads): a zoom,
        # pan or resize places them again
        self.vb.sigRangeChanged.connect(self._on_range)
        self.vb.sigResized.connect(self._on_resized)
        self._refresh_key = None
        self._hover: Selection | None = None
        self._items: list = []
        self._zoom_fitted = None
        self.dropped: list = []  # keys of the labels the last layout had no room for
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        session.documentChanged.connect(self._rebuild)
        session.documentChanged.connect(self.end_edit)
        session.trainingChanged.connect(self._on_display)
        session.traceChanged.connect(self._refresh)
        session.phaseChanged.connect(self._refresh)
        session.selectionChanged.connect(self._refresh_overlay)
        session.selectionChanged.connect(self._on_selection)
        session.displayChanged.connect(self._on_display)
        self._rebuild()

    # ------------------------------------------------------------------------ geometry
    def _rebuild(self) -> None:
        self._hover = None
        for it in self._items:
            self.vb.removeItem(it)
        self._items = []
        net = self.session.network
        sizes = net.sizes
        L = net.L
        tallest = max(sizes)
        height = min(max(tallest - 1, 1), 12.0)
        self._pos = []
        self._spacing = []  # view units between neighbours of each layer
        for k, n in enumerate(sizes):
            # a big layer spans the full height; a small one keeps unit spacing
            sp = height / max(n - 1, 1) if n > 13 else 1.0
            ys = (np.arange(n)[::-1] - (n - 1) / 2) * sp
            self._pos.append(np.column_stack([np.full(n, k * DX), ys]))
            self._spacing.append(sp if n > 1 else math.inf)
        self._top = max(p[:, 1].max() for p in self._pos)
        self._bottom = min(p[:, 1].min() for p in self._pos)
        self._has_bias = net.biases is not None
        # bias nodes: one per weight layer, above the layer it feeds from (their height is set
        # in pixels by the layout)
        if self._has_bias:
            self._bias_pos = np.array([[j * DX + DX * 0.45, self._top + 0.9] for j in range(L)])
        self._big = tallest > 40
        n_neurons = sum(sizes)
        n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self._label_neurons = n_neurons <= MAX_LABELLED_NEURONS
        self._px = self._base_sizes_px()

        self._cache: dict = {}
        self._compact: dict = {}  # id → (text, html): a label's shorter form, where room is short
        self._shrunk: dict = {}  # id → (item, its own text key, its shrunk text key)

        def add(it, z=0):
            it.setZValue(z)
            if isinstance(it, pg.PlotCurveItem):
                # repaint from a cached pixmap until the curve changes (antialiased wide
                # curves cost ~10 ms a frame in software rendering otherwise). Text items are
                # never cached: Qt's device cache of the text inside a pyqtgraph TextItem is
                # not repainted when the item moves, so moved labels vanished (issue 9).
                it.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                # separate segments (connect="pairs") drawn with drawLines, not as one
                # path: ~30× faster for thousands of edges in software rendering
                it.setSegmentedLineMode("on")
            self.vb.addItem(it)
            self._items.append(it)
            return it

        hz = 1 if self._big else -1  # over a big layer's faint edges, else a glow under them
        self._glow = add(pg.PlotCurveItem(connect="pairs", antialias=not self._big), hz)
        self._edge_curves = {}
        for b in range(len(WIDTH_BINS)):  # stronger bins on top
            for sign in (1, -1):
                self._edge_curves[(sign, b)] = add(
                    pg.PlotCurveItem(connect="pairs", antialias=not self._big), 0)
        self._neutral = add(pg.PlotCurveItem(connect="pairs", antialias=not self._big), 0)
        self._bias_curve = add(pg.PlotCurveItem(connect="pairs", antialias=True), 0)
        self._bias_glow = add(pg.PlotCurveItem(connect="pairs", antialias=True), -1)
        self._signal = add(pg.PlotCurveItem(connect="pairs", antialias=not self._big), hz)
        self._overlay = add(pg.PlotCurveItem(connect="pairs", antialias=True), 3)
        # arrowheads: one path in view coordinates (so exports scale them with everything)
        self._arrow_item = add(QGraphicsPathItem(), 4)
        self._arrow_item.setBrush(pg.mkBrush(ARROW_FILL))  # darker than the signal's glow
        self._arrow_item.setPen(pg.mkPen("#FFFFFF", width=0))
        self._arrow_edges: list[tuple[np.ndarray, np.ndarray]] = []
        self._arrows_allowed = n_edges <= MAX_ARROWS
        self._arrow_boxes: list = []
        self._neurons = add(pg.ScatterPlotItem(pxMode=True), 10)
        self._bias_nodes = add(pg.ScatterPlotItem(pxMode=True, symbol="s"), 10)
        self._ring = add(pg.ScatterPlotItem(pxMode=True), 11)
        self._names, self._vals = [], []
        if self._label_neurons:
            for _ in range(n_neurons):
                self._names.append(add(_text_item(), 21))
                self._vals.append(add(_text_item(), 20))
        self._targets = []
        if sizes[-1] <= MAX_LABELLED_NEURONS:
            self._targets = [add(_text_item(), 20) for _ in range(sizes[-1])]
        self._layer_titles = [add(_text_item(), 20) for _ in sizes]
        # weight labels only where a layer's labels can be read (≤ 9 edges)
        self._edge_labels = {}
        for j in range(L):
            if sizes[j] * sizes[j + 1] <= MAX_LABELLED_EDGES_PER_LAYER:
                self._edge_labels[j] = [add(_text_item(), 15)
                                        for _ in range(sizes[j] * sizes[j + 1])]
        self._bias_labels = []
        if self._has_bias and self._label_neurons:
            self._bias_labels = [add(_text_item(), 20) for _ in range(L)]
        self._notes = [add(_text_item(), 20) for _ in range(L)]
        self._dropped_note = add(_text_item(), 20)
        self._legend = add(_text_item(), 30)
        # segment endpoints per weight layer, for drawing and hit-testing
        self._seg = []
        for j in range(L):
            a, b = self._pos[j], self._pos[j + 1]
            rr, cc = np.meshgrid(np.arange(sizes[j + 1]), np.arange(sizes[j]), indexing="ij")
            self._seg.append((a[cc.ravel()], b[rr.ravel()], rr.ravel(), cc.ravel()))
        self._shown: list[np.ndarray] = [np.arange(len(s[2])) for s in self._seg]
        self._refresh_key = None
        self._refresh()
        self.fit()

    def _laid_out(self) -> bool:
        r = self.vb.viewRect()
        return self.vb.width() > 1 and self.vb.height() > 1 and r.width() > 0 and r.height() > 0

    def _on_range(self, *_a) -> None:
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            self._invalidate_cached_curves()
            self._layout()

    def _on_resized(self, *_a) -> None:
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            self._invalidate_cached_curves()
            self.fit()
            self._layout()

    def _invalidate_cached_curves(self) -> None:
        """A zoom, pan or resize draws the cached curves anew: Qt reuses a device-cached
        pixmap when an item only moved on screen, and after a relayout that kept an old
        picture of the edges."""
        for it in self._items:
            if isinstance(it, pg.PlotCurveItem):
                it.update()

    def _margins(self) -> tuple[float, float, float, float]:
        """Pixels left, top, right and bottom of the neurons' centres that the labels need."""
        z = self.session.zoom
        r = float(self._base_sizes_px().max()) / 2
        fm = QFontMetricsF(self._font(9))
        line = fm.lineSpacing()
        title_h = max([t.boundingRect().height() for t in self._layer_titles] + [line + 4])
        top = r + 2 * z + 6 + title_h + 6
        if self._has_bias:
            bias_h = max([t.boundingRect().height() for t in self._bias_labels] + [line + 4])
            top += 16 * z + 3 + bias_h + 4
        bottom = r + 2 * line + 12
        wide = fm.horizontalAdvance("target −0.0000 ") + 8
        if self._targets:
            wide = max([wide] + [t.boundingRect().width() for t in self._targets])
        right = self._base_sizes_px()[-1] / 2 + 10 + wide + 6
        left = max(self._base_sizes_px()[0] / 2 + 10, fm.horizontalAdvance("−0.0000") / 2 + 12)
        return left, top, right, bottom

    def fit(self) -> None:
        """Show the whole network with room for its labels, at the widget's size."""
        L = self.session.network.L
        W, H = self.vb.width(), self.vb.height()
        mleft, mtop, mright, mbottom = self._margins()
        # the network keeps at least 60 % of a small canvas; labels that then lack room are
        # dropped by the layout, never overprinted
        if mleft + mright > 0.4 * W:
            f = 0.4 * W / (mleft + mright)
            mleft, mright = mleft * f, mright * f
        if mtop + mbottom > 0.4 * H:
            f = 0.4 * H / (mtop + mbottom)
            mtop, mbottom = mtop * f, mbottom * f
        self._zoom_fitted = self.session.zoom
        if W <= 1 or H <= 1:
            top = self._top + (1.3 if self._has_bias else 0.6)
            self.vb.setRange(xRange=(-0.9, L * DX + 1.6), yRange=(self._bottom - 0.7, top),
                             padding=0.02)
            return
        sx = max(W - mleft - mright, 40) / (L * DX)
        span = self._top - self._bottom
        sy = max(H - mtop - mbottom, 40) / span if span > 0 else math.inf
        sy = min(sy, 1.0 * DX * sx)  # neighbours no farther apart than the layers
        free = H - mtop - mbottom - span * sy  # centre a short network vertically
        y0 = self._bottom - (mbottom + max(free, 0) / 2) / sy
        y1 = self._top + (mtop + max(free, 0) / 2) / sy
        self.vb.setRange(xRange=(-mleft / sx, L * DX + mright / sx), yRange=(y0, y1), padding=0)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            if ev.oldSize().width() != ev.size().width() or \
                    ev.oldSize().height() != ev.size().height():
                self._fit_banner()
            self.fit()

    # ------------------------------------------------------------------------ painting
    def _base_sizes_px(self) -> np.ndarray:
        z = self.session.zoom
        out = []
        for n in self.session.network.sizes:
            base = 46 if n <= 8 else 32 if n <= 20 else 14 if n <= 80 else 5
            out.append(base * z)
        return np.array(out, dtype=float)

    def _sizes_px(self) -> np.ndarray:
        """Neuron diameters in pixels: the zoomed size, smaller where neighbours are close."""
        return self._px

    def _num(self, v: float) -> str:
        """A number on the canvas: significant figures (View → Significant figures; the
        inspector and tooltips give decimals), true minus signs (core.numbers.sig)."""
        return sig(v, self.session.sig_digits)

    def _font(self, pt: float, bold: bool = False) -> QFont:
        f = QFont()
        f.setPointSizeF(pt * self.session.zoom)
        f.setBold(bold)
        return f

    def _on_display(self) -> None:
        self._refresh_key = None
        self._refresh()
        if self._zoom_fitted != self.session.zoom:
            self.fit()  # spacing grows with the font zoom
        self._layout()

    def _set_curve(self, curve, x, y, color, width: float, dashed: bool = False) -> None:
        """Update a curve only if its data or pen changed, so its cached pixmap survives."""
        c = QColor(color)
        key = (c.rgba(), round(width, 3), dashed)
        old = self._cache.get(id(curve))
        if old is not None and old[0] == key and np.array_equal(old[1], x) \
                and np.array_equal(old[2], y):
            return
        self._cache[id(curve)] = (key, x, y)
        pen = pg.mkPen(c, width=width)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        curve.setPen(pen)
        curve.setData(x, y, connect="pairs")

    def _set_text(self, item, text: str, color: str, pt: float, bold: bool = False,
                  fill: QColor | None = None, html: bool = False) -> None:
        """Update a text item's content only if something about it changed (the layout
        places it)."""
        key = (text, color, round(pt * self.session.zoom, 2), bold,
               None if fill is None else fill.rgba(), html)
        if self._cache.get(id(item)) == key:
            return
        self._cache[id(item)] = key
        item.fill = pg.mkBrush(fill) if fill is not None else pg.mkBrush(None)
        if html:
            item.setHtml(text)
        else:
            item.setText(text, color=color)
        item.setFont(self._font(pt, bold))
        item.update()

    def _refresh(self, *_args) -> None:
        s = self.session
        key = (id(s.trace), s.phase_index, s.training, s.step)
        if key == self._refresh_key:  # traceChanged and phaseChanged often come together
            return
        self._refresh_key = key
        # labels the last layout shortened or shrank take their own form first: a new text
        # equal to a shortened one would otherwise be taken back to the old text
        self._unshrink()
        th = THEMES[s.theme]
        self.setBackground(th.background)
        net, tr = s.network, s.trace
        L = net.L
        ph = s.phase
        sm = s.display_sample
        z = s.zoom
        lab = net.labels
        sizes = net.sizes
        rv = s.revealed

        # ---- banner
        step_txt = f"iteration {s.step + 1:,}"
        if len(tr.samples) == 1:
            step_txt += f" · sample {tr.samples[0] + 1:,} of {s.doc.n_samples:,}"
        else:
            step_txt += (f" · {len(tr.samples):,} samples (showing sample "
                         f"{tr.samples[sm] + 1:,})")
        # the note wraps as a whole, never inside "sample 1 of 4"
        step_txt = step_txt.replace(" ", "&nbsp;").replace("&nbsp;·&nbsp;", " · ")
        color = ERROR_SIGNAL if ph.direction == "backward" else (
            FORWARD if ph.direction == "forward" else th.text)
        extra = ""
        if ph.kind == "error":
            extra = (f" &nbsp; <i>E</i><sub>total</sub> = "
                     f"{fmt(tr.error, s.decimals).replace('-', '−')}")
        if s.training:
            self._banner_parts = (
                f"<span style='color:{th.text}; font-size:{13 * z:.1f}pt; font-weight:600'>"
                f"Training · step {s.step:,}</span><span style='color:{th.muted}; "
                f"font-size:{10 * z:.1f}pt'> &nbsp; the canvas shows the latest weights; "
                f"pause to step through the next iteration</span>", None, "")
        else:
            self._banner_parts = (
                f"<span style='color:{color}; font-size:{13 * z:.1f}pt; font-weight:600'>"
                f"{ph.index + 1}/{len(s.names)} · {_keep_together(_html(ph.title))}</span>"
                f"<span style='color:{th.muted}; font-size:{10 * z:.1f}pt'> &nbsp; {step_txt}</span>",
                (f"<span style='color:{th.text}; font-size:{11 * z:.1f}pt'>",
                 formula_terms_html(ph), formula_text(ph)),
                extra)
        self._fit_banner()

        # ---- edges
        mode = s.edge_mode
        neutral_x, neutral_y = [], []
        bins: dict[tuple[int, int], tuple[list, list]] = {k: ([], []) for k in self._edge_curves}
        vmax = 0.0
        vals = []
        self._note_on = [False] * L
        for j in range(L):
            v = s.edge_values(j).ravel()
            known = mode == "weight" or rv.known("grad_w", j + 1)
            vals.append((v, known))
            if known and v.size:
                vmax = max(vmax, float(np.abs(v).max()))
        for j in range(L):
            a, b, rr, cc = self._seg[j]
            v, known = vals[j]
            idx = np.arange(v.size)
            if v.size > EDGE_BUDGET:
                idx = np.argpartition(-np.abs(v), EDGE_BUDGET)[:EDGE_BUDGET]
                self._set_text(
                    self._notes[j],
                    f"showing the {EDGE_BUDGET:,} strongest of the layer's {v.size:,} edges",
                    th.muted, 8)
                self._note_on[j] = True
            else:
                self._note_on[j] = False
            self._shown[j] = idx
            if not known or vmax == 0:
                neutral_x.append(np.column_stack([a[idx, 0], b[idx, 0]]).ravel())
                neutral_y.append(np.column_stack([a[idx, 1], b[idx, 1]]).ravel())
                continue
            mag = np.abs(v[idx]) / vmax
            wb = np.minimum((mag * len(WIDTH_BINS)).astype(int), len(WIDTH_BINS) - 1)
            sg = np.where(v[idx] >= 0, 1, -1)
            for key in self._edge_curves:
                sel = idx[(sg == key[0]) & (wb == key[1])]
                if sel.size:
                    bins[key][0].append(np.column_stack([a[sel, 0], b[sel, 0]]).ravel())
                    bins[key][1].append(np.column_stack([a[sel, 1], b[sel, 1]]).ravel())
        for key, curve in self._edge_curves.items():
            xs, ys = bins[key]
            col = QColor(POSITIVE if key[0] > 0 else NEGATIVE)
            width = WIDTH_BINS[key[1]] * z
            if self._big:
                # thousands of edges: pale (opaque: blending costs ~30 µs an edge in software
                # rendering) and thin; the strongest are darker and drawn last
                bg = QColor(th.background)
                f = 0.25 + 0.17 * key[1]
                col = QColor(round(bg.red() + (col.red() - bg.red()) * f),
                             round(bg.green() + (col.green() - bg.green()) * f),
                             round(bg.blue() + (col.blue() - bg.blue()) * f))
                width = 1.0
            self._set_curve(curve, np.concatenate(xs) if xs else np.zeros(0),
                            np.concatenate(ys) if ys else np.zeros(0), col, width)
        self._set_curve(self._neutral, np.concatenate(neutral_x) if neutral_x else np.zeros(0),
                        np.concatenate(neutral_y) if neutral_y else np.zeros(0),
                        th.neutral_edge, 1.0 * z)

        # bias labels (the nodes and their dashed edges are placed by the layout)
        if self._has_bias:
            for j, t in enumerate(self._bias_labels):
                b = net.biases[j]
                names = sorted(set(lab.biases[j]))
                if len(names) == 1 and np.all(b == b[0]):
                    txt = f"{names[0]} = {self._num(b[0])}"
                elif len(b) <= 3:
                    txt = "\n".join(f"{lab.biases[j][i]} = {self._num(b[i])}" for i in range(len(b)))
                else:
                    txt = f"biases of layer {net.names[j + 1]}"
                if not net.train_biases:
                    txt += " (fixed)"
                self._set_text(t, txt, th.muted, 9)

        # ---- highlights: exactly the phase's edges and neurons (the phase list decides)
        gx, gy, sx, sy = [], [], [], []
        backward = ph.direction == "backward"
        lit = () if s.training else ph.edge_layers  # no phase is shown while training
        self._lit_edges = set(lit)
        self._arrow_edges = []
        for j in lit:
            a, b, _, _ = self._seg[j]
            idx = self._shown[j]
            if self._big and len(idx) > HIGHLIGHT_BUDGET:
                # over the faint edges, the highlight lights the layer's strongest edges
                v = np.abs(s.edge_values(j).ravel()[idx])
                idx = idx[np.argpartition(-v, HIGHLIGHT_BUDGET)[:HIGHLIGHT_BUDGET]]
            xs_ = np.column_stack([a[idx, 0], b[idx, 0]]).ravel()
            ys_ = np.column_stack([a[idx, 1], b[idx, 1]]).ravel()
            (sx if backward else gx).append(xs_)
            (sy if backward else gy).append(ys_)
            if backward and ph.kind == "grad_out" and self._arrows_allowed:
                self._arrow_edges.append((a[idx], b[idx]))  # the signal flows from j+1 to j
        # bias edges light up where the phase's formula uses the biases
        self._bias_lit: tuple[int, str] | None = None
        if self._has_bias and not s.training and ph.layer_index is not None:
            k = ph.layer_index
            if ph.kind == "net" or (ph.kind == "grad"):
                self._bias_lit = (k - 1, "backward" if backward else "forward")
        if self._has_bias and not s.training and ph.kind == "update" and net.train_biases:
            self._bias_lit = (-1, "forward")  # every bias layer
        glow = QColor(FORWARD)
        glow.setAlpha(255 if self._big else 90 if ph.kind != "update" else 60)
        self._set_curve(self._glow, np.concatenate(gx) if gx else np.zeros(0),
                        np.concatenate(gy) if gy else np.zeros(0), glow, (1.5 if self._big else 9) * z)
        sig = QColor(ERROR_SIGNAL)
        sig.setAlpha(255 if self._big else 150)
        self._set_curve(self._signal, np.concatenate(sx) if sx else np.zeros(0),
                        np.concatenate(sy) if sy else np.zeros(0), sig, (1.5 if self._big else 11) * z)

        # ---- neurons (their sizes are set by the layout)
        brushes, pens = [], []
        fill = QColor(th.neuron_fill)
        for kk in range(L + 1):
            q, qname = self._neuron_quantity(kk)
            qmax = float(np.abs(q).max()) if q is not None and q.size else 0.0
            active = kk in ph.neuron_layers and not s.training
            pcol = (ERROR_SIGNAL if backward else FORWARD) if active else th.neuron_edge
            pen = pg.mkPen(pcol, width=(3.2 if active else 1.3) * z)
            for i in range(sizes[kk]):
                c = diverging(float(q[sm, i]), qmax, th) if q is not None else fill
                brushes.append(pg.mkBrush(c))
                pens.append(pen)
        self._neuron_fill = brushes
        self._neuron_pens = pens

        # ---- texts (placed by the layout)
        n = 0
        bg = QColor(th.background)
        bg.setAlpha(240)
        for kk in range(L + 1):
            for i in range(sizes[kk]):
                if self._label_neurons:
                    t = self._vals[n]
                    rows = self._value_rows(kk, i)
                    if any(isinstance(r, tuple) for r in rows):
                        self._set_text(t, _rows_html(rows, th.text, th.muted), th.text, 9,
                                       fill=bg, html=True)
                    else:
                        self._set_text(t, _rows_plain(rows), th.text, 9, fill=bg)
                    own = self._value_rows(kk, i, own=True) if kk in ph.neuron_layers else rows
                    if own and own != rows:
                        self._compact[id(t)] = (
                            (_rows_html(own, th.text, th.muted), True)
                            if any(isinstance(r, tuple) for r in own) else (_rows_plain(own), False))
                    else:
                        self._compact.pop(id(t), None)
                n += 1
        for kk, t in enumerate(self._layer_titles):
            act = "input" if kk == 0 else net.activations[kk - 1].name
            if act == "linear":
                act = f"f(x) = {fmt(net.activations[kk - 1].slope)}x"
            self._set_text(t, f"layer {net.names[kk]} · {act}", th.muted, 9, fill=bg)
        terms = self._error_terms()
        for i, t in enumerate(self._targets):
            txt = f"target {self._num(tr.targets[sm, i])}" if rv.known("target", L) else "target ?"
            if terms is not None:
                txt += f"\nE = {self._num(terms[i][sm])}"
            self._set_text(t, txt, th.text, 9, fill=bg)
        self._set_text(self._legend, self._legend_html(th), th.text, 8.5,
                       fill=QColor(th.background), html=True)
        self._legend.border = pg.mkPen(th.neutral_edge)
        self._edge_text(th)
        self._layout()
        self._refresh_overlay()

    def _fit_banner(self) -> None:
        """The banner's title and formula, wrapped at the canvas's width; a formula that would
        take more than a third of the canvas's height ends after its last whole term that
        fits, with "…" (the inspector and the trace give it whole)."""
        parts = getattr(self, "_banner_parts", None)
        if parts is None:
            return
        head, formula, extra = parts
        note = getattr(self, "_banner_note", "")
        if note:
            th = THEMES[self.session.theme]
            head += (f"<span style='color:{th.muted}; font-size:{9 * self.session.zoom:.1f}pt'>"
                     f" &nbsp; {note}</span>")
        if formula is None:
            self.banner.setText(head)
            return
        span, terms, text = formula
        width = self.width() - 16
        cap = max(60.0, self.height() / 3)
        if width > 40:
            self.banner.item.setTextWidth(width)

        def html(n: int) -> str:
            body = "; ".join(terms[:n]) + ("; …" if n < len(terms) else "")
            return f"{head}<br>{span}{body}{extra if n == len(terms) else ''}</span>"

        n = len(terms)
        self.banner.setText(html(n))
        while n > 1 and width > 40 and self.banner.item.boundingRect().height() > cap:
            n = max(1, n // 2) if n > 8 else n - 1
            self.banner.setText(html(n))
        self.banner.setToolTip(text if n < len(terms) else "")

    def _legend_html(self, th) -> str:
        """The colour key: what the colours and widths mean."""
        z = self.session.zoom

        def sw(col: str, glyph: str = "━━") -> str:
            return f"<span style='color:{col}; font-weight:900'>{glyph}</span>"

        rows = [
            f"{sw(POSITIVE)} positive &nbsp; {sw(NEGATIVE)} negative "
            f"<span style='color:{th.muted}'>(thicker = larger)</span>",
            f"{sw(FORWARD)} forward pass &nbsp; {sw(ERROR_SIGNAL)} error signal (backward)",
            f"{sw(POSITIVE, '●')}{sw(NEGATIVE, '●')} neuron fill: sign of δ or ∂E/∂out",
            f"{sw(SELECT, '◯')} selection &nbsp; "
            f"<span style='color:{th.muted}'>┄┄</span> bias",
        ]
        return (f"<div style='color:{th.text}; font-size:{8.5 * z:.1f}pt'>"
                + "<br>".join(rows) + "</div>")

    def _display_name(self, k: int, i: int) -> str:
        """A neuron's label as the canvas writes it: where the layer's name ends in a digit
        and the label is that name followed by the neuron's number (h2 + 1 = "h21"), a comma
        keeps the two apart ("h2,1"); stored labels do not change."""
        net = self.session.network
        name = net.labels.neurons[k][i]
        layer = net.names[k]
        if layer[-1:].isdigit() and name == f"{layer}{i + 1}":
            return f"{layer},{i + 1}"
        return name

    # ------------------------------------------------------------------------ layout
    def _to_px(self):
        """Affine maps between view units and scene pixels."""
        p0 = self.vb.mapViewToScene(QPointF(0, 0))
        p1 = self.vb.mapViewToScene(QPointF(1, 1))
        ox, oy, ax, ay = p0.x(), p0.y(), p1.x() - p0.x(), p1.y() - p0.y()

        def to_px(x, y):
            return ox + np.asarray(x) * ax, oy + np.asarray(y) * ay

        def to_view(x, y):
            return (np.asarray(x) - ox) / ax, (np.asarray(y) - oy) / ay

        return to_px, to_view

    def _layout(self) -> None:
        """Sizes of the neurons, places of the bias nodes and arrowheads, and every label put
        where it overlaps no neuron and no other label (label_layout); what finds no room is
        hidden, stays in the tooltip, and a quiet note says so."""
        if not hasattr(self, "_neuron_fill") or not self._laid_out():
            return
        s = self.session
        th = THEMES[s.theme]
        net = s.network
        L, sizes, z = net.L, net.sizes, s.zoom
        sxu, syu = self._scale()
        self._unshrink()  # labels shrunk by the last layout start again from their own size
        to_px, to_view = self._to_px()

        # ---- neuron sizes: the zoomed size, smaller where neighbours would touch
        base = self._base_sizes_px()
        px = np.array([min(base[k], 0.62 * self._spacing[k] * syu, 0.4 * DX * sxu)
                       for k in range(L + 1)])
        px = np.maximum(px, 4.0)
        self._px = px
        pos = np.concatenate(self._pos)
        size = np.concatenate([np.full(n, px[k]) for k, n in enumerate(sizes)])
        key = (tuple(b.color().rgba() for b in self._neuron_fill),
               tuple((q.color().rgba(), q.widthF()) for q in self._neuron_pens),
               tuple(np.round(size, 2)))
        if self._cache.get(id(self._neurons)) != key:  # re-rendering symbols costs ~3 ms
            self._cache[id(self._neurons)] = key
            self._neurons.setData(pos=pos, brush=self._neuron_fill, pen=self._neuron_pens,
                                  size=size)

        obstacles: dict = {}
        for k in range(L + 1):
            cx, cy = to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            r = px[k] / 2
            for i in range(sizes[k]):
                obstacles[("neuron", k, i)] = Box(cx[i] - r, cy[i] - r, 2 * r, 2 * r)

        # ---- bias nodes, a row above the layers, and their dashed edges
        bias_size = 16 * z
        if self._has_bias:
            title_h = max([t.boundingRect().height() for t in self._layer_titles] + [10 * z])
            top_px = to_px(0, self._top)[1] - px.max() / 2 - 2 * z - 6 - title_h - 6 - bias_size / 2
            self._bias_pos[:, 1] = to_view(0, top_px)[1]
            bx, by, gx, gy = [], [], [], []
            for j in range(L):
                if sizes[j + 1] > 40:
                    continue  # a fan of dashed lines into a big layer says nothing
                for i in range(sizes[j + 1]):
                    seg_x = [self._bias_pos[j, 0], self._pos[j + 1][i, 0]]
                    seg_y = [self._bias_pos[j, 1], self._pos[j + 1][i, 1]]
                    bx += seg_x
                    by += seg_y
                    if self._bias_lit is not None and self._bias_lit[0] in (j, -1):
                        gx += seg_x
                        gy += seg_y
            self._set_curve(self._bias_curve, np.array(bx), np.array(by), th.muted, 1.0 * z,
                            dashed=True)
            lit_col = QColor(ERROR_SIGNAL if self._bias_lit and self._bias_lit[1] == "backward"
                             else FORWARD)
            lit_col.setAlpha(130)
            self._set_curve(self._bias_glow, np.array(gx, dtype=float),
                            np.array(gy, dtype=float), lit_col, 6 * z)
            self._bias_nodes.setData(pos=self._bias_pos, size=bias_size, symbol="s",
                                     brush=pg.mkBrush(th.neuron_fill),
                                     pen=pg.mkPen(th.muted, width=1.2 * z))
            bpx, bpy = to_px(self._bias_pos[:, 0], self._bias_pos[:, 1])
            for j in range(L):
                obstacles[("bias", j)] = Box(bpx[j] - bias_size / 2, bpy[j] - bias_size / 2,
                                             bias_size, bias_size)
        else:
            self._bias_curve.setData(np.zeros(0), np.zeros(0))

        labels: list[Label] = []
        items: dict = {}
        places: dict = {}  # key → candidates for a label of another size (its shorter form)
        air = 2 * z  # a little air around the neurons, so a label never touches one
        gap = air + 3.0

        def size_of(item):
            r = item.boundingRect()
            return r.width(), r.height()

        # ---- neuron names, on their neurons, in a font that fits inside
        n = 0
        for k in range(L + 1):
            cx, cy = to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            for i in range(sizes[k]):
                if self._label_neurons:
                    t = self._names[n]
                    fillc = self._neuron_fill[n].color()
                    pt = 10 if base[k] >= 40 * z else 8
                    text = self._display_name(k, i)
                    self._set_text(t, text, readable_on(fillc), pt, bold=True)
                    w, h = size_of(t)
                    fit = min(0.9 * px[k] / max(w - 4, 1), 0.8 * px[k] / max(h - 4, 1), 1.0)
                    if fit < 1.0 and pt * fit * z >= 5:
                        self._set_text(t, text, readable_on(fillc), pt * fit, bold=True)
                        w, h = size_of(t)
                    if pt * fit * z >= 5:
                        key = ("name", n)
                        items[key] = t
                        labels.append(Label(key, w, h, [(cx[i] - w / 2, cy[i] - h / 2)],
                                            frozenset({("neuron", k, i)})))
                    else:
                        t.setVisible(False)
                n += 1

        # ---- arrowheads of the error signal: narrower than long, pointing backwards
        arrow_len, arrow_half = 24 * z, 7.5 * z  # the tip angle is 2·atan(7.5/24) ≈ 35°
        arrows = []
        for a, b in self._arrow_edges:
            ax_, ay_ = to_px(a[:, 0], a[:, 1])
            bx_, by_ = to_px(b[:, 0], b[:, 1])
            for e in range(len(ax_)):
                arrows.append((ax_[e], ay_[e], bx_[e], by_[e]))
        for e, (x0, y0, x1, y1) in enumerate(arrows):
            key = ("arrow", e)
            ln = math.hypot(x1 - x0, y1 - y0) or 1.0
            w = h = 2 * max(arrow_len, arrow_half)  # a box around the head at any angle
            fr = [0.2, 0.26, 0.32, 0.14, 0.38, 0.44]
            cands = [(x0 + (x1 - x0) * f - w / 2, y0 + (y1 - y0) * f - h / 2) for f in fr
                     if ln * f > px.max() / 2 + arrow_len]
            labels.append(Label(key, w, h, cands or [(x0 + (x1 - x0) * 0.3 - w / 2,
                                                     y0 + (y1 - y0) * 0.3 - h / 2)]))

        # ---- values beside the neurons: the phase's own layers first
        active = set(s.phase.neuron_layers)
        value_labels: list[Label] = []
        n = 0
        for k in range(L + 1):
            cx, cy = to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            order = ("below above left below-left above-left" if k == L else
                     "below above right left below-right above-right below-left above-left")
            for i in range(sizes[k]):
                if self._label_neurons:
                    t = self._vals[n]
                    if t.toPlainText():
                        w, h = size_of(t)
                        key = ("value", n)
                        items[key] = t
                        def spots(w, h, x=cx[i], y=cy[i], r=px[k] / 2, order=order):
                            cands = around(x, y, r, w, h, gap, order)
                            # below, a little to either side, before above (where the
                            # layer's caption is): net, out and the backward values are tall
                            bx, by = cands[0]
                            cands[1:1] = [(bx - w * 0.3, by), (bx + w * 0.3, by)]
                            return cands

                        places[key] = spots
                        value_labels.append(Label(key, w, h, spots(w, h)))
                    else:
                        t.setVisible(False)
                n += 1
        first = {("value", m) for k in active for m in range(sum(sizes[:k]),
                                                             sum(sizes[:k + 1]))}
        labels += value_labels
        # ---- targets and the output's error terms, right of the output neurons
        cx, cy = to_px(self._pos[L][:, 0], self._pos[L][:, 1])
        for i, t in enumerate(self._targets):
            w, h = size_of(t)
            key = ("target", i)
            items[key] = t
            labels.append(Label(key, w, h, around(cx[i], cy[i], px[L] / 2, w, h, air + 6,
                                                  "right above-right below-right above below")))
        # ---- layer captions above each layer
        for k, t in enumerate(self._layer_titles):
            w, h = size_of(t)
            cx, cy = to_px(self._pos[k][0, 0], self._pos[k][0, 1])
            y = cy - px[k] / 2 - air - 6 - h
            key = ("title", k)
            items[key] = t
            labels.append(Label(key, w, h, [(cx - w / 2, y), (cx - w / 2, y - h),
                                            (cx - w * 0.8, y), (cx - w * 0.2, y),
                                            (cx - w / 2, y - 2 * h)]))
        # ---- bias labels above their nodes
        if self._has_bias:
            bpx, bpy = to_px(self._bias_pos[:, 0], self._bias_pos[:, 1])
            for j, t in enumerate(self._bias_labels):
                w, h = size_of(t)
                key = ("bias", j)
                items[key] = t
                labels.append(Label(key, w, h, around(bpx[j], bpy[j], bias_size / 2, w, h, 3,
                                                      "above right left above-right above-left")))
        # ---- the legend, in a corner
        rect = self.vb.sceneBoundingRect()
        bounds = Box(rect.x(), rect.y(), rect.width(), rect.height())
        if s.show_legend:
            w, h = size_of(self._legend)
            items["legend"] = self._legend
            labels.append(Label("legend", w, h, [
                (bounds.x + 4, bounds.bottom - h - 4), (bounds.right - w - 4, bounds.bottom - h - 4),
                (bounds.right - w - 4, bounds.y + 4), (bounds.x + 4, bounds.y + 4)]))
        else:
            self._legend.setVisible(False)
        # ---- edge labels along their edges, staggered by source so crossing edges part
        if s.show_weight_labels:
            segs = self._label_segments(to_px)
            for j, labs in self._edge_labels.items():
                a, b, rr, cc = self._seg[j]
                ax_, ay_ = to_px(a[:, 0], a[:, 1])
                bx_, by_ = to_px(b[:, 0], b[:, 1])
                n_in = sizes[j]
                for e, t in enumerate(labs):
                    w, h = size_of(t)
                    f = 0.32 + 0.36 * (cc[e] / max(n_in - 1, 1))
                    fr = [f] + [f + d * sgn for d in (0.07, 0.14, 0.21, 0.28, 0.35, 0.42)
                                for sgn in (-1, 1)]
                    fr = [x for x in fr if 0.12 <= x <= 0.88]
                    key = ("edge", j, e)
                    items[key] = t
                    cands = along(ax_[e], ay_[e], bx_[e], by_[e], w, h, fr)
                    # a label lying across another edge reads as that edge's: places that
                    # cross fewer other edges first (stable: nearer the preferred one first)
                    other = segs[1] != j * 10_000 + e
                    cands.sort(key=lambda c: _crossings(segs[0][other], c[0], c[1], w, h))
                    labels.append(Label(key, w, h, cands))
        else:
            for labs in self._edge_labels.values():
                for t in labs:
                    t.setVisible(False)
        # ---- notes under big layers
        for j, t in enumerate(self._notes):
            if not self._note_on[j]:
                t.setVisible(False)
            else:
                w, h = size_of(t)
                cx, _ = to_px(j * DX + DX / 2, 0)
                key = ("note", j)
                items[key] = t
                labels.append(Label(key, w, h, [(cx - w / 2, bounds.bottom - h - 2),
                                                (cx - w / 2, bounds.bottom - 2 * h - 2)]))

        # who gets room first: names, arrowheads, what this phase reveals (the gradients or
        # new weights on its edges, its layers' values, its other edges' labels), targets,
        # then the rest
        lit = set(s.phase.edge_layers)
        rv = s.revealed
        own_edges = {j for j in lit if rv.at("grad_w", j + 1) == rv.index
                     or rv.at("after") == rv.index}
        rank = {"name": 0, "arrow": 1, "target": 3, "title": 5, "bias": 6, "legend": 7,
                "note": 9}

        def priority(lab: Label) -> float:
            kind = lab.key[0] if isinstance(lab.key, tuple) else lab.key
            if kind == "dropnote":
                return -1
            if kind == "value":  # an input's one short number keeps its place by its neuron
                return (1.4 if lab.key[1] < sizes[0] else 2) if lab.key in first else 4
            if kind == "edge":
                return 1.5 if lab.key[1] in own_edges else 3 if lab.key[1] in lit else 8
            return rank[kind]

        labels.sort(key=priority)
        spaced = {k: (Box(b.x - air, b.y - air, b.w + 2 * air, b.h + 2 * air)
                      if k[0] == "neuron" else b) for k, b in obstacles.items()}

        def solve(labs: list[Label]):
            """Place the labels; what the phase reveals and found no room is tried again in
            its shorter form if it has one (the phase's own values alone), then in a smaller
            font (three quarters, then three fifths), centred where it would have gone."""
            self._unshrink()
            # what the phase reveals first, with its retries, then the rest around it (place
            # is greedy in this order, so where nothing needs a retry this is one pass)
            high = [lab for lab in labs if priority(lab) <= 3]
            low = [lab for lab in labs if priority(lab) > 3]
            res = place(high, spaced, bounds, tol=0.0)
            gone = set(res.dropped)
            retry = [lab for lab in high if lab.key in gone and lab.key != "dropnote"
                     and lab.key in items]
            by_key = {lab.key: lab for lab in labs}
            taken = dict(spaced)
            for k, (x, y) in res.placed.items():
                taken[("placed", k)] = Box(x, y, by_key[k].w, by_key[k].h)
            placed = dict(res.placed)
            for factor in (1.0, 0.75, 0.6):
                smaller = []
                for lab in retry:
                    t = items[lab.key]
                    alt = self._compact.get(id(t))
                    if factor == 1.0 and alt is None:
                        continue  # first only the labels that have a shorter form
                    base = self._shrunk[id(t)][1] if id(t) in self._shrunk \
                        else self._cache.get(id(t))
                    text, color, ptz, bold, fill, html = base
                    if alt is not None:  # the phase's own values alone
                        text, html = alt
                    self._set_text(t, text, color, ptz / z * factor, bold,
                                   None if fill is None else QColor.fromRgba(fill), html)
                    self._shrunk[id(t)] = (t, base, self._cache.get(id(t)))
                    w2, h2 = size_of(t)
                    if lab.key in places:
                        cands = places[lab.key](w2, h2)
                    else:
                        dx, dy = (lab.w - w2) / 2, (lab.h - h2) / 2
                        cands = [(x + dx, y + dy) for x, y in lab.candidates]
                    smaller.append(Label(lab.key, w2, h2, cands, lab.ignore))
                res2 = place(smaller, taken, bounds, tol=0.0)
                for lab in smaller:
                    if lab.key in res2.placed:
                        x, y = res2.placed[lab.key]
                        placed[lab.key] = (x, y)
                        taken[("placed", lab.key)] = Box(x, y, lab.w, lab.h)
                retry = [lab for lab in retry if lab.key not in placed]
                if not retry:
                    break
            res3 = place(low, taken, bounds, tol=0.0)
            placed.update(res3.placed)
            return Placement(placed, [k for k in res.dropped if k not in placed] + res3.dropped)

        result = solve(labels)
        dn = self._dropped_note
        if [k for k in result.dropped if k[0] not in ("arrow", "note")]:
            # some labels have no room: the note that says so is placed first, then the
            # labels again, so it never goes missing itself
            items["dropnote"] = dn
            rest = labels
            for _ in range(3):  # the note's count is the final one
                n_drop = len([k for k in result.dropped
                              if k != "dropnote" and k[0] not in ("arrow", "note")])
                text = (f"{n_drop} label{'s' if n_drop > 1 else ''} hidden for lack of room: "
                        "hover to read, or zoom in")
                if result.dropped and dn.toPlainText() == text and "dropnote" in result.placed:
                    break
                self._set_text(dn, text, th.muted, 8)
                w, h = size_of(dn)
                mid = bounds.x + (bounds.w - w) / 2
                note = Label("dropnote", w, h, [(bounds.right - w - 4, bounds.bottom - h - 2),
                                                (bounds.x + 4, bounds.bottom - h - 2),
                                                (mid, bounds.bottom - h - 2),
                                                (bounds.right - w - 4, bounds.y + 2),
                                                (bounds.x + 4, bounds.y + 2),
                                                (mid, bounds.y + 2)])
                labels = [note] + rest
                result = solve(labels)
        for key, (x, y) in result.placed.items():
            if key != "dropnote" and key[0] == "arrow":
                continue
            t = items[key]
            vx, vy = to_view(x, y)
            t.setPos(float(vx), float(vy))
            t.setVisible(True)
        for key in result.dropped:
            if key == "dropnote" or key[0] != "arrow":
                items[key].setVisible(False)
        self._draw_arrows(arrows, result.placed, arrow_len, arrow_half, to_view)
        self.dropped = [k for k in result.dropped
                        if k != "dropnote" and k[0] not in ("arrow", "note")]
        if "dropnote" not in result.placed:
            dn.setVisible(False)
        # no corner of the canvas had room for the note: the banner says it
        banner_note = ""
        if self.dropped and "dropnote" not in result.placed:
            n = len(self.dropped)
            banner_note = f"·&nbsp;{n}&nbsp;label{'s' if n > 1 else ''}&nbsp;hidden&nbsp;(hover)"
        if banner_note != getattr(self, "_banner_note", ""):
            self._banner_note = banner_note
            self._fit_banner()

    def _unshrink(self) -> None:
        """Give labels the layout shrank their own font again (unless their text changed)."""
        z = self.session.zoom
        for t, base, shrunk in self._shrunk.values():
            if self._cache.get(id(t)) == shrunk:
                text, color, ptz, bold, fill, html = base
                self._set_text(t, text, color, ptz / z, bold,
                               None if fill is None else QColor.fromRgba(fill), html)
        self._shrunk = {}

    def _label_segments(self, to_px):
        """The edges that carry labels, in pixels (x0, y0, x1, y1), with their ids j·10⁴ + e."""
        rows, ids = [], []
        for j in self._edge_labels:
            a, b, _, _ = self._seg[j]
            ax_, ay_ = to_px(a[:, 0], a[:, 1])
            bx_, by_ = to_px(b[:, 0], b[:, 1])
            rows.append(np.column_stack([ax_, ay_, bx_, by_]))
            ids.append(j * 10_000 + np.arange(len(ax_)))
        if not rows:
            return np.zeros((0, 4)), np.zeros(0, dtype=int)
        return np.concatenate(rows), np.concatenate(ids)

    def _draw_arrows(self, arrows, placed, length, half, to_view) -> None:
        """Filled heads on the error signal's edges, each pointing from layer k + 1 to k."""
        path = QPainterPath()
        self._arrow_boxes = []
        for e, (x0, y0, x1, y1) in enumerate(arrows):
            box = placed.get(("arrow", e))
            if box is None:
                continue
            w = 2 * max(length, half)
            cx, cy = box[0] + w / 2, box[1] + w / 2  # centre of the head's box
            ln = math.hypot(x1 - x0, y1 - y0) or 1.0
            ux, uy = (x0 - x1) / ln, (y0 - y1) / ln  # towards layer k (the tip's way)
            tip = (cx + ux * length / 2, cy + uy * length / 2)
            base = (cx - ux * length / 2, cy - uy * length / 2)
            p1 = (base[0] - uy * half, base[1] + ux * half)
            p2 = (base[0] + uy * half, base[1] - ux * half)
            pts = [to_view(*tip), to_view(*p1), to_view(*p2)]
            path.moveTo(float(pts[0][0]), float(pts[0][1]))
            path.lineTo(float(pts[1][0]), float(pts[1][1]))
            path.lineTo(float(pts[2][0]), float(pts[2][1]))
            path.closeSubpath()
            xs = [tip[0], p1[0], p2[0]]
            ys = [tip[1], p1[1], p2[1]]
            self._arrow_boxes.append(Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
        self._arrow_item.setPath(path)

    def arrowheads(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Each drawn arrowhead as (tip, centre of its base) in scene pixels (for tests)."""
        out = []
        path = self._arrow_item.path()
        to_px, _ = self._to_px()
        for i in range(0, path.elementCount() - 3, 4):
            tip = to_px(path.elementAt(i).x, path.elementAt(i).y)
            p1 = to_px(path.elementAt(i + 1).x, path.elementAt(i + 1).y)
            p2 = to_px(path.elementAt(i + 2).x, path.elementAt(i + 2).y)
            out.append(((float(tip[0]), float(tip[1])),
                        (float(p1[0] + p2[0]) / 2, float(p1[1] + p2[1]) / 2),
                        math.hypot(float(p1[0] - p2[0]), float(p1[1] - p2[1]))))
        return out

    def label_boxes(self) -> dict:
        """Every visible label's scene rectangle, and the neurons' and bias nodes' boxes, in
        scene pixels (for the collision test)."""
        out: dict = {}
        groups = {"name": self._names, "value": self._vals, "target": self._targets,
                  "title": self._layer_titles, "bias": self._bias_labels,
                  "note": self._notes + [self._dropped_note], "legend": [self._legend]}
        for j, labs in self._edge_labels.items():
            groups[f"edge{j}"] = labs
        for g, labs in groups.items():
            for i, t in enumerate(labs):
                if t.isVisible() and t.toPlainText().strip():
                    r = t.sceneBoundingRect()
                    out[(g, i)] = Box(r.x(), r.y(), r.width(), r.height())
        for i, b in enumerate(self._arrow_boxes):
            out[("arrow", i)] = b
        return out

    def neuron_boxes(self) -> dict:
        to_px, _ = self._to_px()
        out = {}
        for k, p in enumerate(self._pos):
            cx, cy = to_px(p[:, 0], p[:, 1])
            r = self._px[k] / 2
            for i in range(len(p)):
                out[(k, i)] = Box(float(cx[i] - r), float(cy[i] - r), 2 * r, 2 * r)
        if self._has_bias:
            cx, cy = to_px(self._bias_pos[:, 0], self._bias_pos[:, 1])
            r = 8 * self.session.zoom
            for j in range(len(cx)):
                out[("b", j)] = Box(float(cx[j] - r), float(cy[j] - r), 2 * r, 2 * r)
        return out

    def highlight_state(self) -> dict:
        """What the canvas lights up now: neurons [k, i] and edges [j, r, c] (for tests and
        exports), and whether it is the error signal's colour."""
        s = self.session
        net = s.network
        neurons = [[k, i] for k in range(net.L + 1) if k in s.phase.neuron_layers
                   for i in range(net.sizes[k])]
        edges = [[j, int(self._seg[j][2][e]), int(self._seg[j][3][e])]
                 for j in sorted(self._lit_edges) for e in self._shown[j]]
        return {"neurons": neurons, "edges": edges,
                "colour": "error_signal" if s.phase.direction == "backward" else "forward"}

    def edge_text(self, j: int, r: int, c: int) -> str:
        """The label of edge (j, r, c) as plain text ("" where the layer has none)."""
        labels = self._edge_labels.get(j)
        if labels is None:
            return ""
        rr, cc = self._seg[j][2], self._seg[j][3]
        e = int(np.flatnonzero((rr == r) & (cc == c))[0])
        return labels[e].toPlainText()

    def value_text(self, k: int, i: int) -> str:
        """The numbers written under neuron (k, i)."""
        return self._value_text(k, i)

    def _neuron_quantity(self, k: int):
        """The (m, n) values a layer's neurons are coloured by: δ or ∂E/∂out once the backward
        pass has revealed them."""
        s = self.session
        if k == 0:
            return None, None
        p = s.trace.p
        rv = s.revealed
        if rv.known("delta", k):
            return p.delta[k], "delta"
        if rv.known("grad_out", k):
            return p.grad_out[k], "grad_out"
        return None, None

    def _value_text(self, k: int, i: int) -> str:
        return _rows_plain(self._value_rows(k, i))

    def _value_rows(self, k: int, i: int, own: bool = False) -> list:
        """What the canvas writes under neuron (k, i), as the stepper has revealed it: net and
        out from the forward pass on, on one line (they stay through the backward pass), then
        ∂E/∂out, and
        at the phase that reveals δ its factors, "∂E/∂out × f′(net) = δ" over their numbers
        (a tuple of cells: a row of the label's table); after it, δ. ``own``: only what the
        current phase reveals (the label's shorter form, where room is short)."""
        s = self.session
        p, sm = s.trace.p, s.display_sample
        rv = s.revealed
        num = self._num

        def show(q: str) -> bool:
            return rv.known(q, k) and (not own or rv.at(q, k) == rv.index)

        if k == 0:
            return [num(s.trace.inputs[sm, i]) if rv.known("input", 0) else "?"]
        rows: list = []
        fwd = []  # one line, "net 0.3775 → out 0.5933": out = f(net)
        if show("net"):
            fwd.append(f"net {num(p.net[k][sm, i])}")
        if show("out"):
            fwd.append(f"out {num(p.out[k][sm, i])}")
        if fwd:
            rows.append(" → ".join(fwd))
        if rv.known("delta", k) and rv.at("delta", k) == rv.index and \
                rv.known("grad_out", k) and rv.known("fprime", k):
            g, f, d = (_factor(num(p.grad_out[k][sm, i])), _factor(num(p.fprime[k][sm, i])),
                       num(p.delta[k][sm, i]))
            if own:  # one line where room is short
                rows.append(f"δ = {g} × {f} = {d}")
            else:
                rows.append(("∂E/∂out", "×", "f′(net)", "=", "δ"))
                rows.append((g, "×", f, "=", d))
        elif show("delta"):
            rows.append(f"δ {num(p.delta[k][sm, i])}")
        elif show("grad_out"):
            rows.append(f"∂E/∂out {num(p.grad_out[k][sm, i])}")
        return rows

    def _error_terms(self) -> dict | None:
        """Each output's error term per sample ({i: [value per sample]}), as the phase that
        reveals the error gives them; None before it."""
        s = self.session
        L = s.network.L
        rv = s.revealed
        if not rv.known("error", L):
            return None
        return {e["neuron"][1]: e["value"] for e in s.phases[rv.at("error", L)].values
                if e["quantity"] == "error_term"}

    def _edge_text(self, th) -> None:
        if not self._edge_labels:
            return
        s = self.session
        net, tr = s.network, s.trace
        lab = net.labels
        bg = QColor(th.background)
        for j, labels in self._edge_labels.items():
            a, b, rr, cc = self._seg[j]
            rv = s.revealed
            grad_known = rv.known("grad_w", j + 1)
            upd = rv.known("after")
            here = grad_known and rv.at("grad_w", j + 1) == rv.index
            sel = s.selection
            focus = (tuple(sel.index[1:]) if sel is not None and sel.kind == "edge"
                     and sel.index[0] == j else None)
            for e in range(len(rr)):
                r, c = rr[e], cc[e]
                name = lab.weights[j][r][c]
                w = tr.network.weights[j][r, c]
                if s.edge_mode == "weight":
                    txt = f"{name} = {self._num(w)}"
                    if upd:
                        txt = f"{name}: {self._num(w)} → {self._num(tr.weights_after[j][r, c])}"
                elif s.edge_mode == "grad":
                    g = tr.p.grad_w[j][r, c]
                    txt = f"∂E/∂{name} = {self._num(g) if grad_known else '?'}"
                else:
                    dw = tr.weights_after[j][r, c] - w
                    txt = f"Δ{name} = {self._num(dw) if grad_known else '?'}"
                if here and s.edge_mode in ("weight", "grad"):
                    # the phase that reveals this layer's gradients: δ × out = ∂E/∂w on the
                    # selected edge (or on each of a small layer's, when none of the layer
                    # is selected); the weight stays in the edge's tooltip
                    txt = f"∂E/∂{name} = {self._num(tr.p.grad_w[j][r, c])}"
                    if focus == (r, c) or (focus is None and len(rr) <= FULL_GRADIENT_LABELS):
                        self._set_text(labels[e], self._grad_html(j, r, c, th), th.text, 8.5,
                                       fill=bg, html=True)
                        self._compact[id(labels[e])] = (txt, False)
                        continue
                self._compact.pop(id(labels[e]), None)
                self._set_text(labels[e], txt, th.text, 8.5, fill=bg)

    def _grad_html(self, j: int, r: int, c: int, th) -> str:
        """∂E/∂w = δ·out over its numbers (one sample), or = Σₛ δ·out over the sum (the step's
        samples): never one sample's factors beside a sum over several. The equation is the
        core's (iteration.chain), written by its html renderer."""
        s = self.session
        tr = s.trace
        p, k, m = tr.p, j + 1, len(tr.samples)
        eq = grad_weight_eq(Chain(tr), j, r, c)
        if m == 1:
            shown = Eq(eq.lhs, eq.symbolic[-1:],
                       (Prod((Num(float(p.delta[k][0, r]), ("delta", k)),
                              Num(float(p.out[j][0, c]), ("input", 0) if j == 0 else ("out", j)))),),
                       eq.result, eq.q)
            note = ""
        else:
            shown = Eq(eq.lhs, eq.symbolic[:1], (), eq.result, eq.q)
            note = f" &nbsp;<span style='color:{th.muted}'>({m} samples)</span>"
        top = render.html(shown, which=("lhs", "symbolic"), num=self._num)
        bottom = render.html(shown, which=("numeric", "result"), num=self._num)
        return (f"<div style='color:{th.text}; white-space:pre'>{top}<br>= {bottom}{note}"
                "</div>")

    def _on_selection(self) -> None:
        """A selected edge at its gradient phase writes its δ × out (its label grows)."""
        if self._edge_labels and hasattr(self, "_neuron_fill") and not self.session.training:
            self._unshrink()  # labels in their own form before new texts are compared
            self._edge_text(THEMES[self.session.theme])
            self._layout()

    # ------------------------------------------------------------------------ overlay
    def _refresh_overlay(self) -> None:
        """Selection and hover: redraws only the overlay items."""
        s = self.session
        xs, ys = [], []
        ring_pos, ring_size = [], []
        px = self._sizes_px()
        for sel in (s.selection, self._hover):
            if sel is None:
                continue
            if sel.kind == "edge":
                j, r, c = sel.index
                xs += [self._pos[j][c][0], self._pos[j + 1][r][0]]
                ys += [self._pos[j][c][1], self._pos[j + 1][r][1]]
            elif sel.kind == "neuron":
                k, i = sel.index
                ring_pos.append(self._pos[k][i])
                ring_size.append(px[k] + 10 * s.zoom)
            elif sel.kind == "bias" and self._has_bias:
                j, i = sel.index
                xs += [self._bias_pos[j][0], self._pos[j + 1][i][0]]
                ys += [self._bias_pos[j][1], self._pos[j + 1][i][1]]
        col = QColor(SELECT)
        col.setAlpha(170)
        self._set_curve(self._overlay, np.array(xs, dtype=float), np.array(ys, dtype=float),
                        col, 7 * s.zoom)
        if ring_pos:
            self._ring.setData(pos=np.array(ring_pos), size=ring_size, brush=None,
                               pen=pg.mkPen(SELECT, width=3.5 * s.zoom))
        else:
            self._ring.setData(pos=np.zeros((0, 2)))

    # ------------------------------------------------------------------------ hit-testing
    def _scale(self) -> tuple[float, float]:
        r = self.vb.viewRect()
        w, h = self.vb.width(), self.vb.height()
        if w <= 1 or h <= 1 or r.width() <= 0 or r.height() <= 0:
            return 100.0, 100.0  # not laid out yet
        return w / r.width(), h / r.height()

    def _px_to_view_y(self, px: float) -> float:
        return px / self._scale()[1]

    def _px_to_view_x(self, px: float) -> float:
        return px / self._scale()[0]

    def hit(self, x: float, y: float) -> Selection | None:
        """The neuron, bias or edge under view point (x, y), within a few pixels."""
        sx, sy = self._scale()
        px = self._sizes_px()
        best = None
        for k, p in enumerate(self._pos):
            d = np.hypot((p[:, 0] - x) * sx, (p[:, 1] - y) * sy)
            i = int(np.argmin(d))
            if d[i] <= px[k] / 2 + 3 and (best is None or d[i] < best[0]):
                best = (d[i], Selection("neuron", (k, i)))
        if best:
            return best[1]
        if self._has_bias:
            d = np.hypot((self._bias_pos[:, 0] - x) * sx, (self._bias_pos[:, 1] - y) * sy)
            j = int(np.argmin(d))
            if d[j] <= 12 * self.session.zoom:
                return Selection("bias", (j, 0))
        for j, (a, b, rr, cc) in enumerate(self._seg):
            idx = self._shown[j]
            ax, ay = a[idx, 0] * sx, a[idx, 1] * sy
            bx, by = b[idx, 0] * sx, b[idx, 1] * sy
            qx, qy = x * sx, y * sy
            dx, dy = bx - ax, by - ay
            ll = dx * dx + dy * dy
            t = np.clip(((qx - ax) * dx + (qy - ay) * dy) / np.where(ll == 0, 1, ll), 0, 1)
            dist = np.hypot(ax + t * dx - qx, ay + t * dy - qy)
            e = int(np.argmin(dist)) if dist.size else -1
            if e >= 0 and dist[e] <= 4 and (best is None or dist[e] < best[0]):
                ee = idx[e]
                best = (dist[e], Selection("edge", (j, int(rr[ee]), int(cc[ee]))))
        if best is None and self._has_bias:
            for j in range(len(self._seg)):
                a = self._bias_pos[j]
                for i, b in enumerate(self._pos[j + 1]):
                    dx, dy = (b[0] - a[0]) * sx, (b[1] - a[1]) * sy
                    qx, qy = (x - a[0]) * sx, (y - a[1]) * sy
                    ll = dx * dx + dy * dy
                    t = min(1, max(0, (qx * dx + qy * dy) / ll)) if ll else 0
                    if math.hypot(t * dx - qx, t * dy - qy) <= 4:
                        return Selection("bias", (j, i))
        return best[1] if best else None

    def _view_point(self, scene_pos):
        if not self.vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = self.vb.mapSceneToView(scene_pos)
        return p.x(), p.y()

    def _on_mouse_moved(self, scene_pos) -> None:
        vp = self._view_point(scene_pos)
        h = self.hit(*vp) if vp else None
        if h != self._hover:
            self._hover = h
            self._refresh_overlay()
            self.hovered.emit(h)
            if h is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(QCursor.pos(), self.tooltip(h), self)

    def _on_mouse_clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        vp = self._view_point(ev.scenePos())
        if vp is None:
            return
        hit = self.hit(*vp)
        self.session.select(hit)
        if ev.double() and hit is not None and hit.kind in ("edge", "bias"):
            self.begin_edit(hit)

    # ------------------------------------------------------------------------ editing
    def keyPressEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        sel = self.session.selection
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and sel is not None \
                and sel.kind in ("edge", "bias"):
            self.begin_edit(sel)
            return
        super().keyPressEvent(ev)

    def begin_edit(self, sel: Selection) -> QLineEdit | None:
        """An editor over the weight or bias: Enter applies (undoable), Escape cancels; a value
        that is not a finite number is marked and kept until it is fixed or cancelled."""
        s = self.session
        net = s.network
        if sel.kind == "bias" and net.biases is None:
            return None
        if sel.kind == "edge":
            j, r, c = sel.index
            value = net.weights[j][r, c]
            name = net.labels.weights[j][r][c]
            a, b = self._pos[j][c], self._pos[j + 1][r]
            where = a + (b - a) * 0.5
        else:
            j, i = sel.index
            value = net.biases[j][i]
            name = f"{net.labels.biases[j][i]} ({net.labels.neurons[j + 1][i]})"
            where = (self._bias_pos[j] + self._pos[j + 1][i]) / 2
        self.end_edit()
        ed = QLineEdit(repr(float(value)), self)
        ed.setObjectName("weight-editor")
        ed.setToolTip(f"New value of {name}: Enter applies (Ctrl+Z undoes), Escape cancels")
        ed.setFont(self._font(10))
        ed.selectAll()
        pos = self.mapFromScene(self.vb.mapViewToScene(QPointF(*where)))
        w = int(150 * s.zoom)
        ed.setGeometry(pos.x() - w // 2, pos.y() - int(14 * s.zoom), w, int(28 * s.zoom))

        def apply() -> None:
            text = ed.text().strip().replace(",", ".")
            try:
                v = float(text)
                if not math.isfinite(v):
                    raise ValueError
            except ValueError:
                ed.setStyleSheet("border: 2px solid #D55E00")
                ed.setToolTip(f"“{ed.text()}” is not a finite number: type one, or Escape")
                return
            self.end_edit()
            s.edit_parameter(sel.kind, sel.index, v)
            self.setFocus()

        ed.installEventFilter(self)
        self._apply_edit = apply
        ed.show()
        ed.setFocus()
        self._editor = ed
        return ed

    def end_edit(self) -> None:
        ed = getattr(self, "_editor", None)
        if ed is not None:
            self._editor = None
            ed.hide()
            ed.deleteLater()

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        # Enter and Escape end the edit here: QLineEdit passes Return on to its parent (this
        # canvas), which would open the editor again at once and keep the clicker's keys.
        if obj is getattr(self, "_editor", None) and ev.type() == QEvent.Type.KeyPress:
            if ev.key() == Qt.Key.Key_Escape:
                self.end_edit()
                self.setFocus()
                return True
            if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._apply_edit()
                return True
        return super().eventFilter(obj, ev)

    def tooltip(self, sel: Selection) -> str:
        """Every current value of a neuron, edge or bias (what the stepper has revealed)."""
        s = self.session
        net, tr = s.network, s.trace
        p, sm, d = tr.p, s.display_sample, s.decimals
        lab = net.labels
        rows = []
        rv = s.revealed

        def show(name, what: tuple, value):
            rows.append(f"{name} = {fmt(value, d) if rv.known(*what) else '?'}")

        if sel.kind == "neuron":
            k, i = sel.index
            act = "input" if k == 0 else net.activations[k - 1].name
            head = f"{self._display_name(k, i)} (layer {net.names[k]} · {act})"
            if k == 0:
                show(lab.neurons[k][i], ("input", 0), tr.inputs[sm, i])
            else:
                show("net", ("net", k), p.net[k][sm, i])
                show("out", ("out", k), p.out[k][sm, i])
                if k == net.L:
                    show("target", ("target", k), tr.targets[sm, i])
                show("∂E/∂out", ("grad_out", k), p.grad_out[k][sm, i])
                show("f′(net)", ("fprime", k), p.fprime[k][sm, i])
                show("δ = ∂E/∂net", ("delta", k), p.delta[k][sm, i])
        elif sel.kind == "edge":
            j, r, c = sel.index
            head = (f"{lab.weights[j][r][c]} ({lab.neurons[j][c]} → "
                    f"{lab.neurons[j + 1][r]})")
            rows.append(f"w = {fmt(tr.network.weights[j][r, c], d)}")
            show("∂E/∂w", ("grad_w", j + 1), p.grad_w[j][r, c])
            show("w after update", ("after", None), tr.weights_after[j][r, c])
        else:
            j, i = sel.index
            head = f"{lab.biases[j][i]} (bias of {lab.neurons[j + 1][i]})"
            rows.append(f"b = {fmt(tr.network.biases[j][i], d)}"
                        + ("" if net.train_biases else " (fixed)"))
            show("∂E/∂b", ("grad_b", j + 1), p.grad_b[j][i])
        return f"<b>{_html(head)}</b><br>" + "<br>".join(_html(r) for r in rows)


def _crossings(segs: np.ndarray, x: float, y: float, w: float, h: float) -> int:
    """How many segments (rows x0, y0, x1, y1) pass through the box (Liang–Barsky)."""
    if not len(segs):
        return 0
    x0, y0 = segs[:, 0], segs[:, 1]
    dx, dy = segs[:, 2] - x0, segs[:, 3] - y0
    t0 = np.zeros(len(segs))
    t1 = np.ones(len(segs))
    ok = np.ones(len(segs), dtype=bool)
    for p, q in ((-dx, x0 - x), (dx, x + w - x0), (-dy, y0 - y), (dy, y + h - y0)):
        zero = p == 0
        ok &= ~(zero & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(zero, 0.0, q / np.where(zero, 1.0, p))
        t0 = np.where(~zero & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~zero & (p > 0), np.minimum(t1, r), t1)
    return int(np.count_nonzero(ok & (t0 <= t1)))


def _keep_together(html: str) -> str:
    """A title's formula in parentheses, "(∂E/∂W = δ·outᵀ)", wraps as a whole."""
    return re.sub(r"\(([^()]*)\)", lambda m: "(" + m.group(1).replace(" ", "&nbsp;") + ")", html)


def _html(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _rows_plain(rows: list) -> str:
    """A value label's rows as plain text (a table row's cells joined by spaces)."""
    return "\n".join(" ".join(r) if isinstance(r, tuple) else r for r in rows)


def _rows_html(rows: list, color: str, muted: str) -> str:
    """A value label's rows as rich text: lines, and consecutive table rows as one table whose
    columns line each symbol (the first row, muted) up over its number."""
    out, table = [], []

    def flush() -> None:
        if table:
            body = "".join(
                f"<tr style='color:{muted if n == 0 else color}'>" + "".join(
                    f"<td align='center'>{'&nbsp;' if c % 2 else ''}{_html(x)}"
                    f"{'&nbsp;' if c % 2 else ''}</td>" for c, x in enumerate(r)) + "</tr>"
                for n, r in enumerate(table))
            out.append(f"<table cellspacing='0' cellpadding='0'>{body}</table>")
            table.clear()

    for r in rows:
        if isinstance(r, tuple):
            table.append(r)
        else:
            flush()
            out.append(f"<div>{_html(r)}</div>")
    flush()
    return f"<div style='color:{color}; white-space:pre'>{''.join(out)}</div>"
