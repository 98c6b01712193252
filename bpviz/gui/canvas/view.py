"""The canvas widget: neurons, weighted edges, values, and the highlights of the current phase.

Built once per network structure (``documentChanged``); a phase step only updates data of
existing items, in named steps (:meth:`NetworkView._refresh`): the banner, the edges, the bias
labels, the highlights, the neuron colours, the texts, then the label layout and the overlay.
Hover and click are hit-tested with numpy (``geometry.hit_test``).

The view is composed of parts by concept, each in its own module: ``edges`` (curves and
highlights, drawn as ``edge_layer`` images in the way ``drawing_cost`` chooses by the number of
edges), ``placement`` (the label layout pass), ``text_items`` (updating the labels),
``weight_editor`` (editing a weight on the canvas); what it writes comes from ``texts`` and
``banner``, where things are from ``geometry``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QFontMetricsF, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QToolTip

from bpviz.gui.canvas import texts
from bpviz.gui.canvas.banner import Banner, banner_parts
from bpviz.gui.canvas.edge_layer import EdgeLayer
from bpviz.gui.canvas.edges import EDGE_BUDGET, EdgeDrawing
from bpviz.gui.canvas.geometry import DX, IMAGE_HALF, base_sizes_px, hit_test, layout_network, picture_hit
from bpviz.gui.canvas.pictures import Pictures, image_width_px
from bpviz.gui.canvas.placement import LabelPlacement
from bpviz.gui.canvas.text_items import TextItems, new_text_item
from bpviz.gui.canvas.weight_editor import WeightEditing
from bpviz.gui.session import Selection, Session
from bpviz.gui.theme import SELECT, THEMES

__all__ = ["NetworkView", "EDGE_BUDGET"]

MAX_LABELLED_NEURONS = 120
MAX_LABELLED_EDGES_PER_LAYER = 9
ARROW_FILL = "#8E2F6E"  # arrowheads: the error signal's colour, darker
MAX_ARROWS = 400  # arrowheads are drawn while the lit edges are at most this many
# while training, the canvas takes at most this share of the GUI thread: it shows the latest
# weights again only once this many times its last refresh and paint have passed (a preset's
# refresh of ~5 ms keeps the frame rate; 784-128-10's ~70 ms shows ~4 frames a second and
# leaves the window, the error plot and the keys responsive)
TRAINING_SHARE = 0.25


class NetworkView(TextItems, EdgeDrawing, LabelPlacement, Pictures, WeightEditing, pg.GraphicsLayoutWidget):
    hovered = Signal(object)  # Selection or None

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        # every cached curve is a pixmap the size of the canvas (~3.4 MB at 1200×700): with
        # Qt's default 10 MB pixmap cache they would evict each other and re-render each frame
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 256 * 1024))
        self.session = session
        self.setMinimumSize(320, 240)
        self.ci.setContentsMargins(6, 4, 6, 6)
        self.banner = Banner(justify="left")
        self.addItem(self.banner, row=0, col=0)
        self.vb: pg.ViewBox = self.addViewBox(row=1, col=0)
        self.vb.setMenuEnabled(False)
        self.vb.setMouseEnabled(x=True, y=True)
        # labels are placed in pixels (values beside neurons, captions, arrowheads): a zoom,
        # pan or resize places them again
        self.vb.sigRangeChanged.connect(self._on_range)
        self.vb.sigResized.connect(self._on_resized)
        self._refresh_key = None
        self._refresh_ms = self._paint_ms = 0.0  # the last refresh's and paint's cost
        self._next_refresh = 0.0  # while training: when the canvas may refresh again
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.timeout.connect(self._refresh)
        self._reserving = QTimer(self)
        self._reserving.setSingleShot(True)
        self._reserving.timeout.connect(self._reserve_banner)
        self._layouts = 0  # label layouts done (a resize that refits needs only one)
        self._holding = False  # a refresh settles the geometry: no label layout meanwhile
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
        session.secondSelectionChanged.connect(self._refresh_overlay)
        session.selectionChanged.connect(self._on_selection)
        session.displayChanged.connect(self._on_display)
        session.planeChanged.connect(self._refresh)  # the heatmaps' plane (new axes, or the run's)
        self._rebuild()

    # ------------------------------------------------------------------------ building
    def _rebuild(self) -> None:
        """New items for a new network structure: positions, curves, text items."""
        self._hover = None
        self._banner_key = None  # the banner's height is kept per network, size and zoom
        for it in self._items:
            self.vb.removeItem(it)
        self._items = []
        net = self.session.network
        sizes = net.sizes
        self._has_bias = net.biases is not None
        self._matrix_layers = self.matrix_layers(sizes)
        g = self._geometry = layout_network(
            sizes, self._has_bias, net.input_shape, frozenset(self._matrix_layers)
        )
        self._pos, self._spacing, self._seg = g.pos, g.spacing, g.seg
        self._top, self._bottom = g.top, g.bottom
        if self._has_bias:
            self._bias_pos = g.bias_pos
        n_neurons = sum(sizes)
        n_edges = sum(
            a * b
            for j, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))
            if j not in self._matrix_layers
        )
        self._label_neurons = n_neurons <= MAX_LABELLED_NEURONS
        self._px = self._base_sizes_px()
        self._cache: dict = {}
        self._docs: dict = {}  # id → {text key: its QTextDocument} (see _set_text)
        self._compact: dict = {}  # id → (text, html): a label's shorter form, where room is short
        self._minimal: dict = {}  # id → (text, html): its last resort, the phase's result alone
        self._shrunk: dict = {}  # id → (item, its own text key, its shrunk text key)
        self._add_curves(n_edges)
        self._add_texts(n_neurons)
        self._add_pictures()
        self._shown: list[np.ndarray] = [np.arange(len(s[2])) for s in self._seg]
        self._refresh_key = None
        self._refresh()
        self.fit()

    def _add(self, it, z=0):
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

    def _add_curves(self, n_edges: int) -> None:
        """The edge bins, glows, bias edges, overlay, arrowheads and neuron scatters."""
        add = self._add
        # the edges, the forward glow and the error signal: layers painted opaque into their
        # own images (edge_layer), widths, colours and antialiasing by cost (drawing_cost)
        self._glow = add(EdgeLayer(), -1)
        self._edge_layer = add(EdgeLayer(), 0)
        self._signal = add(EdgeLayer(), -1)
        self._bias_curve = add(pg.PlotCurveItem(connect="pairs", antialias=True), 0)
        self._bias_glow = add(pg.PlotCurveItem(connect="pairs", antialias=True), -1)
        self._overlay = add(pg.PlotCurveItem(connect="pairs", antialias=True), 3)
        # the loss landscape's second weight (Ctrl+click): dashed, beside the selection's
        self._overlay2 = add(pg.PlotCurveItem(connect="pairs", antialias=True), 3)
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

    def _add_texts(self, n_neurons: int) -> None:
        """Text items for names, values, targets, captions, weights, biases and notes: only
        where they can be read (≤ 120 neurons, ≤ 9 edges in a layer)."""
        add, sizes, L = self._add, self.session.network.sizes, self.session.network.L
        self._names, self._vals = [], []
        if self._label_neurons:
            for _ in range(n_neurons):
                self._names.append(add(new_text_item(), 21))
                self._vals.append(add(new_text_item(), 20))
        self._targets = []
        if sizes[-1] <= MAX_LABELLED_NEURONS:
            self._targets = [add(new_text_item(), 20) for _ in range(sizes[-1])]
        self._layer_titles = [add(new_text_item(), 20) for _ in sizes]
        self._edge_labels = {}
        for j in range(L):
            if sizes[j] * sizes[j + 1] <= MAX_LABELLED_EDGES_PER_LAYER and j not in self._matrix_layers:
                self._edge_labels[j] = [add(new_text_item(), 15) for _ in range(sizes[j] * sizes[j + 1])]
        self._bias_labels = []
        if self._has_bias and self._label_neurons:
            self._bias_labels = [add(new_text_item(), 20) for _ in range(L)]
        self._notes = [add(new_text_item(), 20) for _ in range(L)]
        self._dropped_note = add(new_text_item(), 20)
        self._legend = add(new_text_item(), 30)

    # ------------------------------------------------------------------------ geometry
    def _laid_out(self) -> bool:
        r = self.vb.viewRect()
        return self.vb.width() > 1 and self.vb.height() > 1 and r.width() > 0 and r.height() > 0

    def _on_range(self, *_a) -> None:
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            self._invalidate_cached_curves()
            if not self._holding:
                self._layout()

    def _on_resized(self, *_a) -> None:
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            self._invalidate_cached_curves()
            before = self._layouts
            self.fit()  # a new range lays the labels out (_on_range); else do it here
            if self._layouts == before and not self._holding:
                self._layout()

    def _settle_banner(self) -> None:
        """The banner's new height takes effect now (Qt would resize the view box later and
        lay every label out a second time): the view is refitted here, and the labels are
        laid out once, by the refresh."""
        self._holding = True
        try:
            self.ci.layout.activate()
        finally:
            self._holding = False

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
        # an image-shaped input layer reaches IMAGE_HALF left of its centre (view units)
        image = self._geometry.image
        extra = IMAGE_HALF if image is not None else 0.0
        if extra:
            mleft = 8 * self.session.zoom
        if W <= 1 or H <= 1:
            top = self._top + (1.3 if self._has_bias else 0.6)
            self.vb.setRange(
                xRange=(-0.9 - extra, self._geometry.width + 1.6),
                yRange=(self._bottom - 0.7, top),
                padding=0.02,
            )
            return
        sx = max(W - mleft - mright, 40) / (self._geometry.width + extra)
        if image is not None:  # its cells at their largest: the rest of the network gets the room
            half_px = image_width_px(image, self.session.zoom) / 2
            sx_capped = max(W - mleft - mright - half_px, 40) / self._geometry.width
            if half_px <= IMAGE_HALF * sx_capped:
                sx, extra = sx_capped, half_px / sx_capped
        span = self._top - self._bottom
        sy = max(H - mtop - mbottom, 40) / span if span > 0 else math.inf
        sy = min(sy, 1.0 * DX * sx)  # neighbours no farther apart than the layers
        free = H - mtop - mbottom - span * sy  # centre a short network vertically
        y0 = self._bottom - (mbottom + max(free, 0) / 2) / sy
        y1 = self._top + (mtop + max(free, 0) / 2) / sy
        self.vb.setRange(
            xRange=(-extra - mleft / sx, self._geometry.width + mright / sx), yRange=(y0, y1), padding=0
        )

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if hasattr(self, "_pos") and not getattr(self, "closed", False):
            if ev.oldSize().width() != ev.size().width() or ev.oldSize().height() != ev.size().height():
                self._fit_banner()
            self.fit()

    def _base_sizes_px(self) -> np.ndarray:
        return base_sizes_px(self.session.network.sizes, self.session.zoom)

    def _sizes_px(self) -> np.ndarray:
        """Neuron diameters in pixels: the zoomed size, smaller where neighbours are close."""
        return self._px

    # ------------------------------------------------------------------------ text items
    def _num(self, v: float) -> str:
        return texts.num(self.session, v)

    def _display_name(self, k: int, i: int) -> str:
        return texts.display_name(self.session.network, k, i)

    # ------------------------------------------------------------------------ refresh
    def _on_display(self) -> None:
        self._refresh_key = None
        self._refresh()  # (lays the labels out)
        if self._zoom_fitted != self.session.zoom:
            self.fit()  # spacing grows with the font zoom (a new range lays them out again)

    def _refresh(self, *_args) -> None:
        """The phase, trace or display changed: every item's data, then the layout."""
        s = self.session
        # (not building the trace; the pictures: the plane the heatmaps show)
        key = (s.trace_serial, s.phase_index, s.training, s.step, self._picture_key())
        if key == self._refresh_key:  # traceChanged and phaseChanged often come together
            return
        now = time.perf_counter()
        if s.training and now < self._next_refresh:  # the latest weights, a little later
            if not self._later.isActive():
                self._later.start(max(1, math.ceil((self._next_refresh - now) * 1e3)))
            return
        self._later.stop()
        self._refresh_key = key
        # labels the last layout shortened or shrank take their own form first: a new text
        # equal to a shortened one would otherwise be taken back to the old text
        self._unshrink()
        th = THEMES[s.theme]
        self.setBackground(th.background)
        self._banner_parts = banner_parts(s, th)
        self._fit_banner()
        self._settle_banner()
        self._draw_edges(th)
        self._write_bias_labels(th)
        self._draw_highlights()
        self._colour_neurons(th)
        self._draw_pictures(th)
        self._write_texts(th)
        self._layout()
        self._refresh_overlay()
        self._refresh_ms = (time.perf_counter() - now) * 1e3
        cost = (self._refresh_ms + self._paint_ms) / 1e3
        self._next_refresh = now + cost / TRAINING_SHARE

    def paintEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        t0 = time.perf_counter()
        super().paintEvent(ev)
        self._paint_ms = (time.perf_counter() - t0) * 1e3

    def _write_texts(self, th) -> None:
        """The values under the neurons (with their shorter forms), the layer captions, the
        targets, the legend and the edge labels (the layout places them)."""
        s = self.session
        net = s.network
        bg = QColor(th.background)
        bg.setAlpha(240)
        if self._label_neurons:
            active = s.phase.neuron_layers
            n = 0
            for kk in range(net.L + 1):
                for i in range(net.sizes[kk]):
                    t = self._vals[n]
                    rows = texts.value_rows(s, kk, i)
                    text, html = texts.rows_text(rows, th)
                    self._set_text(t, text, th.text, 9, fill=bg, html=html)
                    own = texts.value_rows(s, kk, i, own=True) if kk in active else rows
                    if own and own != rows:
                        self._compact[id(t)] = texts.rows_text(own, th)
                    else:
                        self._compact.pop(id(t), None)
                    least = texts.value_minimal(s, kk, i) if kk in active else None
                    if least:
                        self._minimal[id(t)] = texts.rows_text(least, th)
                    else:
                        self._minimal.pop(id(t), None)
                    n += 1
        for kk, t in enumerate(self._layer_titles):
            self._set_text(t, texts.layer_title(net, kk), th.muted, 9, fill=bg)
        terms = texts.error_terms(s)
        for i, t in enumerate(self._targets):
            self._set_text(t, texts.target_text(s, i, terms), th.text, 9, fill=bg)
        self._set_text(
            self._legend,
            texts.legend_html(th, s.zoom, self.picture_legend()),
            th.text,
            8.5,
            fill=QColor(th.background),
            html=True,
        )
        self._legend.border = pg.mkPen(th.neutral_edge)
        self._edge_text(th)

    def _edge_text(self, th) -> None:
        """Each labelled edge's text (texts.edge_label), with its shorter form if it has one."""
        bg = QColor(th.background)
        for j, labels in self._edge_labels.items():
            rr, cc = self._seg[j][2], self._seg[j][3]
            for e in range(len(rr)):
                text, html, compact = texts.edge_label(self.session, j, rr[e], cc[e], len(rr), th)
                self._set_text(labels[e], text, th.text, 8.5, fill=bg, html=html)
                if compact is None:
                    self._compact.pop(id(labels[e]), None)
                else:
                    self._compact[id(labels[e])] = (compact, False)

    def _fit_banner(self) -> None:
        parts = getattr(self, "_banner_parts", None)
        if parts is None:
            return
        s = self.session
        args = (getattr(self, "_banner_note", ""), THEMES[s.theme].muted, s.zoom, self.width(), self.height())
        key = (self.width(), self.height(), s.zoom, s.training, len(s.trace.samples) if not s.training else 0)
        if key != self._banner_key and not self._reserving.isActive():
            # the height of the tallest phase's banner, kept (measured once the window has
            # settled: a window being shown is resized several times)
            self._reserving.start(0)
        self.banner.fit(parts, *args)

    def _reserve_banner(self) -> None:
        s = self.session
        if getattr(self, "closed", False) or getattr(self, "_banner_parts", None) is None:
            return
        self._banner_key = (
            self.width(),
            self.height(),
            s.zoom,
            s.training,
            len(s.trace.samples) if not s.training else 0,
        )
        th = THEMES[s.theme]
        every = [self._banner_parts] if s.training else [banner_parts(s, th, ph) for ph in s.phases]
        args = (getattr(self, "_banner_note", ""), th.muted, s.zoom, self.width(), self.height())
        if self.banner.reserve(every, *args):
            # the network's room changed (another network's banners were taller: its picture
            # sat lower until the next step): fitted and laid out again now
            self._settle_banner()
            self.fit()
            self._layout()

    def _on_selection(self) -> None:
        """A selected edge at its gradient phase writes its δ × out (its label grows)."""
        if self._edge_labels and hasattr(self, "_neuron_fill") and not self.session.training:
            self._unshrink()  # labels in their own form before new texts are compared
            self._edge_text(THEMES[self.session.theme])
            self._layout()

    def _refresh_overlay(self) -> None:
        """Selection and hover: redraws only the overlay items."""
        s = self.session
        xs, ys = [], []
        ring_pos, ring_size = [], []
        px = self._sizes_px()
        for sel in (s.selection, self._hover):
            self._overlay_of(sel, xs, ys, ring_pos, ring_size, px)
        col = QColor(SELECT)
        col.setAlpha(170)
        self._set_curve(self._overlay, np.array(xs, dtype=float), np.array(ys, dtype=float), col, 7 * s.zoom)
        if ring_pos:
            self._ring.setData(
                pos=np.array(ring_pos), size=ring_size, brush=None, pen=pg.mkPen(SELECT, width=3.5 * s.zoom)
            )
        else:
            self._ring.setData(pos=np.zeros((0, 2)))
        xs2, ys2 = [], []
        second = s.second_selection
        if second is not None and second != s.selection:
            self._overlay_of(second, xs2, ys2, [], [], px)
        self._set_curve(
            self._overlay2,
            np.array(xs2, dtype=float),
            np.array(ys2, dtype=float),
            col,
            5 * s.zoom,
            dashed=True,
        )

    def _overlay_of(self, sel, xs, ys, ring_pos, ring_size, px) -> None:
        """What marks ``sel`` on the canvas: its edge's or bias edge's line (its cell of a
        matrix), or a ring for a neuron; appended to the lists."""
        if sel is not None:
            s = self.session
            if sel.kind == "edge" and sel.index[0] in self._matrix_layers:
                cell = self.matrix_cell_rect(*sel.index)  # its cell of the matrix, outlined
                if cell is not None:
                    x0, y0, x1, y1 = cell
                    xs += [x0, x1, x1, x1, x1, x0, x0, x0]
                    ys += [y0, y0, y0, y1, y1, y1, y1, y0]
            elif sel.kind == "edge":
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

    # ------------------------------------------------------------------------ hit-testing
    def _scale(self) -> tuple[float, float]:
        r = self.vb.viewRect()
        w, h = self.vb.width(), self.vb.height()
        if w <= 1 or h <= 1 or r.width() <= 0 or r.height() <= 0:
            return 100.0, 100.0  # not laid out yet
        return w / r.width(), h / r.height()

    def hit(self, x: float, y: float) -> Selection | None:
        """The neuron, bias or edge under view point (x, y), within a few pixels."""
        found = picture_hit(self._geometry, x, y, {j: self._matrix_shape(j) for j in self._matrix_layers})
        if found is not None:
            return Selection(*found)
        sx, sy = self._scale()
        found = hit_test(self._geometry, self._shown, x, y, sx, sy, self._sizes_px(), 12 * self.session.zoom)
        return None if found is None else Selection(*found)

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
        if ev.modifiers() & Qt.KeyboardModifier.ControlModifier and hit is not None and hit.kind != "neuron":
            self.session.set_second_selection(hit)  # the loss landscape's second parameter
            return
        self.session.select(hit)
        if ev.double() and hit is not None and hit.kind in ("edge", "bias"):
            self.begin_edit(hit)

    # ------------------------------------------------------------------------ reading it
    def tooltip(self, sel: Selection) -> str:
        """Every current value of a neuron, edge or bias (what the stepper has revealed);
        with the f′ gauges shown, a neuron's says what its gauge means."""
        tip = texts.tooltip(self.session, sel)
        if sel.kind == "neuron" and sel.index[0] in self.fprime_layers():
            tip += "<br>" + texts.fprime_note(self.session, sel.index[0])
        return tip

    def highlight_state(self) -> dict:
        """What the canvas lights up now: neurons [k, i] and edges [j, r, c] (for tests and
        exports), and whether it is the error signal's colour."""
        s = self.session
        net = s.network
        neurons = [
            [k, i] for k in range(net.L + 1) if k in s.phase.neuron_layers for i in range(net.sizes[k])
        ]
        edges = [
            [j, int(self._seg[j][2][e]), int(self._seg[j][3][e])]
            for j in sorted(self._lit_edges)
            # a layer drawn as its matrix lights all of it (its frame)
            for e in (range(len(self._seg[j][2])) if j in self._matrix_layers else self._shown[j])
        ]
        return {
            "neurons": neurons,
            "edges": edges,
            "colour": "error_signal" if s.phase.direction == "backward" else "forward",
        }

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
        return texts.rows_plain(texts.value_rows(self.session, k, i))
