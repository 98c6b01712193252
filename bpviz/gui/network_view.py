"""The canvas: neurons, weighted edges, values, and the highlights of the current phase.

Built once per network structure (``documentChanged``); a phase step only updates data of
existing items. Edges are drawn as a few batched curves (one per sign × width bin); large layers
draw only their strongest edges up to a budget. Hover and click are hit-tested with numpy.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QLineEdit, QToolTip

from bpviz.core.numbers import fmt
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
MAX_ARROWS = 400


def _fmtc(v: float) -> str:
    """Numbers on the canvas: 4 decimals (the inspector and tooltips give all 9)."""
    return fmt(v, 4)


class _Banner(pg.LabelItem):
    """The phase's title and formula. pyqtgraph's LabelItem makes its text's width the
    layout's minimum width; a long formula (784 inputs) would widen the canvas past the
    window, so only the height is kept as a minimum and the text is clipped."""

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().updateMin()
        self.setMinimumWidth(0)
        self.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape, True)


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
        # labels are offset in pixels (values under neurons, titles, arrows): a zoom, pan or
        # resize moves them
        self.vb.sigRangeChanged.connect(self._on_range)
        self._refresh_key = None
        self._hover: Selection | None = None
        self._items: list = []
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        session.documentChanged.connect(self._rebuild)
        session.documentChanged.connect(self.end_edit)
        session.trainingChanged.connect(self._on_display)
        session.traceChanged.connect(self._refresh)
        session.phaseChanged.connect(self._refresh)
        session.selectionChanged.connect(self._refresh_overlay)
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
        for k, n in enumerate(sizes):
            # a big layer spans the full height; a small one keeps unit spacing
            sp = height / max(n - 1, 1) if n > 13 else 1.0
            ys = (np.arange(n)[::-1] - (n - 1) / 2) * sp
            self._pos.append(np.column_stack([np.full(n, k * DX), ys]))
        self._top = max(p[:, 1].max() for p in self._pos)
        self._bottom = min(p[:, 1].min() for p in self._pos)
        self._has_bias = net.biases is not None
        # bias nodes: one per weight layer, above the layer it feeds from
        if self._has_bias:
            self._bias_pos = np.array([[j * DX + DX * 0.45, self._top + 0.9] for j in range(L)])
        self._big = tallest > 40
        n_neurons = sum(sizes)
        n_edges = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self._label_neurons = n_neurons <= MAX_LABELLED_NEURONS

        self._cache: dict = {}

        def add(it, z=0):
            it.setZValue(z)
            # repaint from a cached pixmap until the item changes (antialiased wide curves
            # cost ~10 ms a frame in software rendering otherwise). A TextItem paints its
            # background box with the scene transform, so only its inner text is cached.
            if isinstance(it, pg.PlotCurveItem):
                it.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
                # separate segments (connect="pairs") drawn with drawLines, not as one
                # path: ~30× faster for thousands of edges in software rendering
                it.setSegmentedLineMode("on")
            elif isinstance(it, pg.TextItem):
                it.textItem.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
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
        self._signal = add(pg.PlotCurveItem(connect="pairs", antialias=not self._big), hz)
        self._overlay = add(pg.PlotCurveItem(connect="pairs", antialias=True), 3)
        self._arrows = []
        if n_edges <= MAX_ARROWS:
            for _ in range(max(sizes[k] * sizes[k + 1] for k in range(L))):
                a = add(pg.ArrowItem(headLen=12, tailLen=0, pen=None), 4)
                a.setVisible(False)
                self._arrows.append(a)
        self._neurons = add(pg.ScatterPlotItem(pxMode=True), 10)
        self._bias_nodes = add(pg.ScatterPlotItem(pxMode=True, symbol="s"), 10)
        self._ring = add(pg.ScatterPlotItem(pxMode=True), 11)
        self._names, self._vals = [], []
        if self._label_neurons:
            for _ in range(n_neurons):
                self._names.append(add(pg.TextItem(anchor=(0.5, 0.5)), 20))
                self._vals.append(add(pg.TextItem(anchor=(0.5, 0.0)), 20))
        self._targets = []
        if sizes[-1] <= MAX_LABELLED_NEURONS:
            self._targets = [add(pg.TextItem(anchor=(0.0, 0.5)), 20) for _ in range(sizes[-1])]
        self._layer_titles = [add(pg.TextItem(anchor=(0.5, 1.0)), 20) for _ in sizes]
        # weight labels only where a layer's labels can be read (≤ 9 edges)
        self._edge_labels = {}
        for j in range(L):
            if sizes[j] * sizes[j + 1] <= MAX_LABELLED_EDGES_PER_LAYER:
                self._edge_labels[j] = [add(pg.TextItem(anchor=(0.5, 0.5)), 15)
                                        for _ in range(sizes[j] * sizes[j + 1])]
        self._bias_labels = []
        if self._has_bias and self._label_neurons:
            self._bias_labels = [add(pg.TextItem(anchor=(0.5, 1.0)), 20) for _ in range(L)]
        self._notes = [add(pg.TextItem(anchor=(0.5, 0.0)), 20) for _ in range(L)]
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

    def _on_range(self, *_a) -> None:
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            self._refresh_key = None
            self._refresh()

    def fit(self) -> None:
        L = self.session.network.L
        top = self._top + (1.3 if self._has_bias else 0.6)
        self.vb.setRange(xRange=(-0.9, L * DX + 1.6), yRange=(self._bottom - 0.7, top),
                         padding=0.02)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            self.fit()

    # ------------------------------------------------------------------------ painting
    def _sizes_px(self) -> np.ndarray:
        z = self.session.zoom
        out = []
        for n in self.session.network.sizes:
            base = 46 if n <= 8 else 32 if n <= 20 else 14 if n <= 80 else 5
            out.append(base * z)
        return np.array(out)

    def _font(self, pt: float, bold: bool = False) -> QFont:
        f = QFont()
        f.setPointSizeF(pt * self.session.zoom)
        f.setBold(bold)
        return f

    def _on_display(self) -> None:
        self._refresh_key = None
        self._refresh()

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

    def _set_text(self, item, text: str, color: str, pt: float, pos, bold: bool = False,
                  fill: QColor | None = None) -> None:
        """Update a text item only if something about it changed."""
        key = (text, color, round(pt * self.session.zoom, 2), bold, tuple(np.round(pos, 6)),
               None if fill is None else fill.rgba())
        if self._cache.get(id(item)) == key:
            return
        self._cache[id(item)] = key
        if fill is not None:
            item.fill = pg.mkBrush(fill)
        item.setText(text, color=color)
        item.setFont(self._font(pt, bold))
        item.setPos(*pos)
        item.update()

    def _refresh(self, *_args) -> None:
        s = self.session
        key = (id(s.trace), s.phase_index, s.training, s.step)
        if key == self._refresh_key:  # traceChanged and phaseChanged often come together
            return
        self._refresh_key = key
        th = THEMES[s.theme]
        self.setBackground(th.background)
        net, tr = s.network, s.trace
        p = tr.p
        L = net.L
        ph = s.phase
        sm = s.display_sample
        z = s.zoom
        lab = net.labels
        sizes = net.sizes
        reached = s.reached

        # ---- banner
        step_txt = f"iteration {s.step + 1}"
        if len(tr.samples) == 1:
            step_txt += f" · sample {tr.samples[0] + 1} of {s.doc.n_samples}"
        else:
            step_txt += (f" · {len(tr.samples)} samples (showing sample "
                         f"{tr.samples[sm] + 1})")
        color = ERROR_SIGNAL if ph.direction == "backward" else (
            FORWARD if ph.direction == "forward" else th.text)
        extra = ""
        if ph.kind == "error":
            extra = f" &nbsp; E<sub>total</sub> = {fmt(tr.error, s.decimals)}"
        if s.training:
            self.banner.setText(
                f"<span style='color:{th.text}; font-size:{13 * z:.0f}pt; font-weight:600'>"
                f"Training · step {s.step:,}</span><span style='color:{th.muted}; "
                f"font-size:{10 * z:.0f}pt'> &nbsp; the canvas shows the latest weights; "
                f"pause to step through the next iteration</span>")
        else:
            self.banner.setText(
                f"<span style='color:{color}; font-size:{13 * z:.0f}pt; font-weight:600'>"
                f"{ph.index + 1}/{len(s.names)} · {ph.title}</span>"
                f"<span style='color:{th.muted}; font-size:{10 * z:.0f}pt'> &nbsp; {step_txt}</span>"
                f"<br><span style='color:{th.text}; font-size:{11 * z:.0f}pt'>"
                f"{_html(ph.formula)}{extra}</span>")

        # ---- edges
        mode = s.edge_mode
        neutral_x, neutral_y = [], []
        bins: dict[tuple[int, int], tuple[list, list]] = {k: ([], []) for k in self._edge_curves}
        vmax = 0.0
        vals = []
        for j in range(L):
            v = s.edge_values(j).ravel()
            known = mode == "weight" or reached(f"grad:{net.names[j + 1]}")
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
                    th.muted, 8, (j * DX + DX / 2, self._bottom - 0.15))
                self._notes[j].setVisible(True)
            else:
                self._notes[j].setVisible(False)
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

        # bias edges (dashed), bias nodes
        if self._has_bias:
            bx, by = [], []
            for j in range(L):
                if sizes[j + 1] > 40:
                    continue  # a fan of dashed lines into a big layer says nothing
                for i in range(sizes[j + 1]):
                    bx += [self._bias_pos[j, 0], self._pos[j + 1][i, 0]]
                    by += [self._bias_pos[j, 1], self._pos[j + 1][i, 1]]
            self._set_curve(self._bias_curve, np.array(bx), np.array(by), th.muted, 1.0 * z,
                            dashed=True)
            self._bias_nodes.setData(pos=self._bias_pos, size=18 * z, symbol="s",
                                     brush=pg.mkBrush(th.neuron_fill),
                                     pen=pg.mkPen(th.muted, width=1.2 * z))
            for j, t in enumerate(self._bias_labels):
                b = net.biases[j]
                names = sorted(set(lab.biases[j]))
                if len(names) == 1 and np.all(b == b[0]):
                    txt = f"{names[0]} = {_fmtc(b[0])}"
                elif len(b) <= 3:
                    txt = "\n".join(f"{lab.biases[j][i]} = {_fmtc(b[i])}" for i in range(len(b)))
                else:
                    txt = f"biases of layer {net.names[j + 1]}"
                if not net.train_biases:
                    txt += " (fixed)"
                self._set_text(t, txt, th.muted, 9,
                               (self._bias_pos[j, 0], self._bias_pos[j, 1] + 0.12))
        else:
            self._bias_curve.setData(np.zeros(0), np.zeros(0))

        # ---- highlights: exactly the phase's edges and neurons (the phase list decides)
        gx, gy, sx, sy = [], [], [], []
        for arrow in self._arrows:
            arrow.setVisible(False)
        backward = ph.direction == "backward"
        lit = () if s.training else ph.edge_layers  # no phase is shown while training
        self._lit_edges = set(lit)
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
            if backward and ph.kind == "grad_out" and self._arrows:
                self._place_arrows(a[idx], b[idx])  # the signal flows from layer j+1 to j
        glow = QColor(FORWARD)
        glow.setAlpha(255 if self._big else 90 if ph.kind != "update" else 60)
        self._set_curve(self._glow, np.concatenate(gx) if gx else np.zeros(0),
                        np.concatenate(gy) if gy else np.zeros(0), glow, (1.5 if self._big else 9) * z)
        sig = QColor(ERROR_SIGNAL)
        sig.setAlpha(255 if self._big else 150)
        self._set_curve(self._signal, np.concatenate(sx) if sx else np.zeros(0),
                        np.concatenate(sy) if sy else np.zeros(0), sig, (1.5 if self._big else 11) * z)

        # ---- neurons
        px = self._sizes_px()
        pos = np.concatenate(self._pos)
        brushes, pens, size = [], [], []
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
                size.append(px[kk])
        key = (tuple(b.color().rgba() for b in brushes),
               tuple((q.color().rgba(), q.widthF()) for q in pens), tuple(size))
        if self._cache.get(id(self._neurons)) != key:  # re-rendering symbols costs ~3 ms
            self._cache[id(self._neurons)] = key
            self._neurons.setData(pos=pos, brush=brushes, pen=pens, size=size)
        self._neuron_fill = brushes

        # ---- texts
        n = 0
        for kk in range(L + 1):
            q, _ = self._neuron_quantity(kk)
            for i in range(sizes[kk]):
                if self._label_neurons:
                    fillc = brushes[n].color()
                    name = self._names[n]
                    self._set_text(name, lab.neurons[kk][i], readable_on(fillc),
                                   10 if px[kk] >= 40 else 8, self._pos[kk][i], bold=True)
                    bg = QColor(th.background)
                    bg.setAlpha(215)
                    r_view = self._px_to_view_y(px[kk] / 2 + 2)
                    self._set_text(self._vals[n], self._value_text(kk, i), th.text, 9,
                                   (self._pos[kk][i][0], self._pos[kk][i][1] - r_view), fill=bg)
                n += 1
        for kk, t in enumerate(self._layer_titles):
            act = "input" if kk == 0 else net.activations[kk - 1].name
            if act == "linear":
                act = f"f(x) = {fmt(net.activations[kk - 1].slope)}x"
            bg = QColor(th.background)
            bg.setAlpha(230)
            self._set_text(t, f"layer {net.names[kk]} · {act}", th.muted, 9,
                           (kk * DX, self._top + self._px_to_view_y(px[kk] / 2 + 4)), fill=bg)
        for i, t in enumerate(self._targets):
            txt = f"target {_fmtc(tr.targets[sm, i])}" if reached("input") else "target ?"
            if reached("error"):
                with np.errstate(all="ignore"):
                    terms = net.loss.terms(p.out[L], tr.targets)
                txt += f"\nE = {_fmtc(terms[sm, i])}"
            self._set_text(t, txt, th.text, 9,
                           (L * DX + self._px_to_view_x(px[L] / 2 + 8), self._pos[L][i][1]))
        self._edge_text(th)
        self._refresh_overlay()

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

    def value_text(self, k: int, i: int) -> str:
        """The numbers written under neuron (k, i)."""
        return self._value_text(k, i)

    def _neuron_quantity(self, k: int):
        """The (m, n) values a layer's neurons are coloured by: δ or ∂E/∂out once the backward
        pass has revealed them."""
        s = self.session
        if k == 0:
            return None, None
        name = s.network.names[k]
        p = s.trace.p
        if s.reached(f"delta:{name}"):
            return p.delta[k], "delta"
        if s.reached(f"grad_out:{name}"):
            return p.grad_out[k], "grad_out"
        return None, None

    def _value_text(self, k: int, i: int) -> str:
        s = self.session
        p, sm = s.trace.p, s.display_sample
        name = s.network.names[k]
        if k == 0:
            return _fmtc(s.trace.inputs[sm, i]) if s.reached("input") else "?"
        lines = []
        if s.reached(f"out:{name}"):
            lines.append(f"out {_fmtc(p.out[k][sm, i])}")
        elif s.reached(f"net:{name}"):
            lines.append(f"net {_fmtc(p.net[k][sm, i])}")
        if s.reached(f"delta:{name}"):
            lines.append(f"δ {_fmtc(p.delta[k][sm, i])}")
        elif s.reached(f"grad_out:{name}"):
            lines.append(f"∂E/∂out {_fmtc(p.grad_out[k][sm, i])}")
        return "\n".join(lines)

    def _edge_text(self, th) -> None:
        if not self._edge_labels:
            return
        s = self.session
        net, tr = s.network, s.trace
        lab = net.labels
        show = s.show_weight_labels
        for j, labels in self._edge_labels.items():
            a, b, rr, cc = self._seg[j]
            grad_known = s.reached(f"grad:{net.names[j + 1]}")
            upd = s.reached("update")
            n_in = net.sizes[j]
            for e in range(len(rr)):
                r, c = rr[e], cc[e]
                name = lab.weights[j][r][c]
                w = tr.network.weights[j][r, c]
                if s.edge_mode == "weight":
                    txt = f"{name} = {_fmtc(w)}"
                    if upd:
                        txt = f"{name}: {_fmtc(w)} → {_fmtc(tr.weights_after[j][r, c])}"
                elif s.edge_mode == "grad":
                    g = tr.p.grad_w[j][r, c]
                    txt = f"∂E/∂{name} = {_fmtc(g) if grad_known else '?'}"
                else:
                    dw = tr.weights_after[j][r, c] - w
                    txt = f"Δ{name} = {_fmtc(dw) if grad_known else '?'}"
                if not upd and s.edge_mode == "weight" and grad_known and s.phase.kind == "grad" \
                        and s.phase.layer_index == j + 1:
                    txt += f"\n∂E/∂{name} = {_fmtc(tr.p.grad_w[j][r, c])}"
                t = labels[e]
                # stagger labels along the edge by source neuron so crossing edges don't collide
                f = 0.32 + 0.36 * (c / max(n_in - 1, 1))
                x = a[e, 0] + (b[e, 0] - a[e, 0]) * f
                y = a[e, 1] + (b[e, 1] - a[e, 1]) * f
                self._set_text(t, txt, th.text, 8.5, (x, y), fill=QColor(th.background))
                t.setVisible(show)

    def _place_arrows(self, a: np.ndarray, b: np.ndarray) -> None:
        """Arrowheads pointing backwards (from layer k + 1 towards k) along the lit edges."""
        vb = self.vb
        for e in range(min(len(a), len(self._arrows))):
            tip = a[e] + (b[e] - a[e]) * 0.11
            p0 = vb.mapViewToScene(QPointF(*b[e]))
            p1 = vb.mapViewToScene(QPointF(*a[e]))
            ang = math.degrees(math.atan2(p1.y() - p0.y(), p1.x() - p0.x()))
            arr = self._arrows[e]
            arr.setStyle(angle=ang + 180, headLen=18 * self.session.zoom, headWidth=
                         12 * self.session.zoom, tailLen=0, brush=pg.mkBrush(ERROR_SIGNAL),
                         pen=pg.mkPen("#6B2D5C", width=1))
            arr.setPos(*tip)
            arr.setVisible(True)

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

        ed.returnPressed.connect(apply)
        ed.installEventFilter(self)
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
        if obj is getattr(self, "_editor", None) and ev.type() == QEvent.Type.KeyPress \
                and ev.key() == Qt.Key.Key_Escape:
            self.end_edit()
            self.setFocus()
            return True
        return super().eventFilter(obj, ev)

    def tooltip(self, sel: Selection) -> str:
        """Every current value of a neuron, edge or bias (what the stepper has revealed)."""
        s = self.session
        net, tr = s.network, s.trace
        p, sm, d = tr.p, s.display_sample, s.decimals
        lab = net.labels
        rows = []

        def show(name, phase, value):
            rows.append(f"{name} = {fmt(value, d) if s.reached(phase) else '?'}")

        if sel.kind == "neuron":
            k, i = sel.index
            head = lab.neurons[k][i]
            if k == 0:
                show(head, "input", tr.inputs[sm, i])
            else:
                nm = net.names[k]
                show("net", f"net:{nm}", p.net[k][sm, i])
                show("out", f"out:{nm}", p.out[k][sm, i])
                if k == net.L:
                    show("target", "input", tr.targets[sm, i])
                show("∂E/∂out", f"grad_out:{nm}", p.grad_out[k][sm, i])
                show("f′(net)", f"delta:{nm}", p.fprime[k][sm, i])
                show("δ = ∂E/∂net", f"delta:{nm}", p.delta[k][sm, i])
        elif sel.kind == "edge":
            j, r, c = sel.index
            head = (f"{lab.weights[j][r][c]} ({lab.neurons[j][c]} → "
                    f"{lab.neurons[j + 1][r]})")
            rows.append(f"w = {fmt(tr.network.weights[j][r, c], d)}")
            show("∂E/∂w", f"grad:{net.names[j + 1]}", p.grad_w[j][r, c])
            show("w after update", "update", tr.weights_after[j][r, c])
        else:
            j, i = sel.index
            head = f"{lab.biases[j][i]} (bias of {lab.neurons[j + 1][i]})"
            rows.append(f"b = {fmt(tr.network.biases[j][i], d)}"
                        + ("" if net.train_biases else " (fixed)"))
            show("∂E/∂b", f"grad:{net.names[j + 1]}", p.grad_b[j][i])
        return f"<b>{_html(head)}</b><br>" + "<br>".join(_html(r) for r in rows)


def _html(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
