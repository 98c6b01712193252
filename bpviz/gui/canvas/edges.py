"""The canvas's curves: weighted edges in a few batched pens, the phase's highlights, the bias
nodes' dashed edges, and the neurons' fill and rims.

Edges are drawn as one ``PlotCurveItem(connect="pairs")`` per sign × width bin, never one item
per edge; a layer with more than ``EDGE_BUDGET`` edges draws its strongest (and a note says
so). The highlight is exactly the phase's edges and neurons (the phase list decides), in the
forward colour or the error signal's; the backward pass's ∂E/∂out phases add arrowheads.

:class:`EdgeDrawing` is a part of :class:`~bpviz.gui.canvas.view.NetworkView` (a mixin): it
uses the view's session, geometry (``_seg``, ``_pos``, ``_bias_pos``) and curve items, and
sets ``_shown`` (the drawn edges, for hit-testing), ``_lit_edges``, ``_arrow_edges``,
``_bias_lit``, ``_note_on``, ``_neuron_fill`` and ``_neuron_pens``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from bpviz.gui.canvas.drawing_cost import (
    GLOW_ALPHA,
    SIGNAL_ALPHA,
    SIGNAL_WIDE,
    UPDATE_GLOW_ALPHA,
    DrawingPlan,
    highlight_cap,
    plan_for,
)
from bpviz.gui.canvas.edge_layer import Stroke
from bpviz.gui.canvas.geometry import WIDTH_BINS, pairs, strongest, width_bins
from bpviz.gui.canvas.texts import bias_text, neuron_quantity
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, NEGATIVE, POSITIVE, THEMES, neuron_brush

EDGE_BUDGET = 10_000  # edges drawn per weight layer at most
# while training, at most this many (the canvas redraws the strongest edges a few times a
# second; 11,280 pale 400-px edges cost 40–70 ms to paint, ~3,000 a third of that, so the
# window stays responsive); a pause draws the full budget again
EDGE_BUDGET_TRAINING = 3_000
EDGE_BINS = [(sign, b) for b in range(len(WIDTH_BINS)) for sign in (1, -1)]  # weakest first


_RIMS: dict = {}


def _rim(color: str, width: float):
    """A shared pen for the neurons' rims (the scatter's symbol cache is keyed by the pen
    object, so a new pen each step would render every symbol again)."""
    key = (color, round(width, 3))
    pen = _RIMS.get(key)
    if pen is None:
        if len(_RIMS) > 256:
            _RIMS.clear()
        pen = _RIMS[key] = pg.mkPen(color, width=width)
    return pen


def _joined(parts: list) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0)


class EdgeDrawing:
    """Edges, highlights, bias edges and neuron colours of the NetworkView."""

    def _set_curve(self, curve, x, y, color, width: float, dashed: bool = False) -> None:
        """Update a curve only if its data or pen changed, so its cached pixmap survives."""
        c = QColor(color)
        key = (c.rgba(), round(width, 3), dashed)
        old = self._cache.get(id(curve))
        if old is not None and old[0] == key and np.array_equal(old[1], x) and np.array_equal(old[2], y):
            return
        self._cache[id(curve)] = (key, x, y)
        pen = pg.mkPen(c, width=width)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        curve.setPen(pen)
        curve.setData(x, y, connect="pairs")

    def _invalidate_cached_curves(self) -> None:
        """A zoom, pan or resize draws the cached curves anew: Qt reuses a device-cached
        pixmap when an item only moved on screen, and after a relayout that kept an old
        picture of the edges. (The edge layers key their images by the view's transform.)"""
        for it in self._items:
            if isinstance(it, pg.PlotCurveItem):
                it.update()
        self._replan()

    def _plan(self) -> DrawingPlan:
        """The drawing plan for the edges drawn now, at the view's current scale."""
        sx, sy = self._scale()
        n, length = 0, 0.0
        for j, idx in enumerate(self._shown):
            a, b, _, _ = self._seg[j]
            if len(idx):
                d = (b[idx] - a[idx]) * (sx, sy)
                length += float(np.hypot(d[:, 0], d[:, 1]).sum())
                n += len(idx)
        return plan_for(n, length)

    def _draw_edges(self, th) -> None:
        """Every layer's edges in the bins of their sign and |value| (the weight, or its
        gradient or change once revealed, by the edge mode); unknown values are neutral.
        A layer over the budget draws its strongest edges and turns its note on. Widths,
        colours and antialiasing follow the drawing plan (drawing_cost)."""
        s = self.session
        L, z = s.network.L, s.zoom
        rv = s.revealed
        neutral_x, neutral_y = [], []
        bins: dict[tuple[int, int], tuple[list, list]] = {k: ([], []) for k in EDGE_BINS}
        vmax = 0.0
        vals = []
        self._note_on = [False] * L
        matrices = getattr(self, "_matrix_layers", set())
        for j in range(L):
            v = s.edge_values(j).ravel()
            known = s.edge_mode == "weight" or rv.known("grad_w", j + 1)
            vals.append((v, known))
            if known and v.size and j not in matrices:
                vmax = max(vmax, float(np.abs(v).max()))
        for j in range(L):
            a, b, rr, cc = self._seg[j]
            v, known = vals[j]
            if j in matrices:  # drawn as its weight matrix (pictures)
                self._shown[j] = np.zeros(0, dtype=int)
                continue
            budget = EDGE_BUDGET_TRAINING if s.training else EDGE_BUDGET
            idx = strongest(v, budget)
            if v.size > budget:
                self._set_text(
                    self._notes[j],
                    f"showing the {budget:,} strongest of the layer's {v.size:,} edges"
                    + (" while training" if s.training else ""),
                    th.muted,
                    8,
                )
                self._note_on[j] = True
            self._shown[j] = idx
            if not known or vmax == 0:
                x, y = pairs(a, b, idx)
                neutral_x.append(x)
                neutral_y.append(y)
                continue
            sg, wb = width_bins(v[idx], vmax)
            for key in EDGE_BINS:
                sel = idx[(sg == key[0]) & (wb == key[1])]
                if sel.size:
                    x, y = pairs(a, b, sel)
                    bins[key][0].append(x)
                    bins[key][1].append(y)
        plan = self._drawing_plan = self._plan()
        bg = QColor(th.background)
        strokes = []
        for key in EDGE_BINS:  # stronger bins on top
            xs, ys = bins[key]
            col = QColor(POSITIVE if key[0] > 0 else NEGATIVE)
            f = plan.strength(key[1])
            if f < 1.0:
                # pale and opaque: the background mixed in, so the strongest stand out
                col = QColor(
                    round(bg.red() + (col.red() - bg.red()) * f),
                    round(bg.green() + (col.green() - bg.green()) * f),
                    round(bg.blue() + (col.blue() - bg.blue()) * f),
                )
            strokes.append(Stroke(col, plan.edge_width(WIDTH_BINS[key[1]] * z), _joined(xs), _joined(ys)))
        strokes.append(Stroke(th.neutral_edge, 1.0 * z, _joined(neutral_x), _joined(neutral_y)))
        self._edge_layer.set_strokes(strokes, plan.antialias)

    def _write_bias_labels(self, th) -> None:
        """The bias nodes' labels (the nodes and their dashed edges are placed by the
        layout)."""
        if self._has_bias:
            for j, t in enumerate(self._bias_labels):
                self._set_text(t, bias_text(self.session, j), th.muted, 9)

    def _draw_highlights(self) -> None:
        """Exactly the phase's edges (the phase list decides), the bias edges its formula
        uses, and the edges that get arrowheads (the error signal at ∂E/∂out)."""
        s = self.session
        ph, z = s.phase, s.zoom
        gx, gy, sx, sy = [], [], [], []
        backward = ph.direction == "backward"
        lit = () if s.training else ph.edge_layers  # no phase is shown while training
        self._lit_edges = set(lit)
        self._arrow_edges = []
        for j in lit:
            a, b, _, _ = self._seg[j]
            idx = self._shown[j]
            cap = highlight_cap(len(idx))
            if cap is not None:
                # thousands of faint edges: the highlight lights the layer's strongest
                v = np.abs(s.edge_values(j).ravel()[idx])
                idx = idx[strongest(v, cap)]
            xs_, ys_ = pairs(a, b, idx)
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
        if self._has_bias and not s.training and ph.kind == "update" and s.network.train_biases:
            self._bias_lit = (-1, "forward")  # every bias layer
        plan = self._drawing_plan
        z_glow = 1 if plan.glow_on_top else -1  # thin and opaque over the edges, else a soft glow under
        alpha = GLOW_ALPHA if ph.kind != "update" else UPDATE_GLOW_ALPHA
        self._glow.setZValue(z_glow)
        self._glow.set_strokes(
            [Stroke(FORWARD, plan.glow_width() * z, _joined(gx), _joined(gy))],
            plan.antialias,
            plan.glow_opacity(alpha),
        )
        self._signal.setZValue(z_glow)
        self._signal.set_strokes(
            [Stroke(ERROR_SIGNAL, plan.glow_width(SIGNAL_WIDE) * z, _joined(sx), _joined(sy))],
            plan.antialias,
            plan.glow_opacity(SIGNAL_ALPHA),
        )

    def _replan(self) -> None:
        """A zoom, pan or resize: a new plan (the edges' lengths on screen changed) redraws
        the layers if it draws differently."""
        if not hasattr(self, "_drawing_plan") or not hasattr(self, "_lit_edges"):
            return
        if self._plan() != self._drawing_plan:
            self._draw_edges(THEMES[self.session.theme])
            self._draw_highlights()

    def _colour_neurons(self, th) -> None:
        """Each neuron's fill (the sign and size of its δ or ∂E/∂out once revealed) and rim
        (thick in the phase's colour where the phase lights its layer); the layout sets their
        sizes."""
        s = self.session
        ph, sizes, z = s.phase, s.network.sizes, s.zoom
        backward = ph.direction == "backward"
        brushes, pens = [], []
        for kk in range(s.network.L + 1):
            q, _ = neuron_quantity(s, kk)
            qmax = float(np.abs(q).max()) if q is not None and q.size else 0.0
            active = kk in ph.neuron_layers and not s.training
            pcol = (ERROR_SIGNAL if backward else FORWARD) if active else th.neuron_edge
            pen = _rim(pcol, (3.2 if active else 1.3) * z)
            if q is None:
                brushes += [neuron_brush(0.0, 0.0, th)] * sizes[kk]
            else:
                row = q[s.display_sample]
                brushes += [neuron_brush(float(row[i]), qmax, th) for i in range(sizes[kk])]
            pens += [pen] * sizes[kk]
        self._neuron_fill = brushes
        self._neuron_pens = pens

    def _draw_bias_edges(self, th, to_px, to_view, neuron_px: np.ndarray, bias_size: float) -> None:
        """The bias nodes a row above the layers (over the captions), their dashed edges
        into the layers they feed, and the glow of the ones the phase uses."""
        s = self.session
        L, sizes, z = s.network.L, s.network.sizes, s.zoom
        title_h = max([t.boundingRect().height() for t in self._layer_titles] + [10 * z])
        first = to_px(0, self._top)[1] - neuron_px.max() / 2  # the top neurons' upper edge
        top_px = first - 2 * z - 6 - title_h - 6 - bias_size / 2
        # inside the canvas, where a large font zoom left no room above the captions (a node
        # cut in half by the banner): then the captions find another place or give way
        top_px = max(min(top_px, first - bias_size), self.vb.sceneBoundingRect().y() + bias_size / 2 + 2)
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
        self._set_curve(self._bias_curve, np.array(bx), np.array(by), th.muted, 1.0 * z, dashed=True)
        lit_col = QColor(ERROR_SIGNAL if self._bias_lit and self._bias_lit[1] == "backward" else FORWARD)
        # opaque pen, translucent item: Qt strokes translucent wide pens ~10× slower, and the
        # item's cached pixmap is blended at its opacity in one go
        self._bias_glow.setOpacity(130 / 255)
        self._set_curve(self._bias_glow, np.array(gx, dtype=float), np.array(gy, dtype=float), lit_col, 6 * z)
        self._bias_nodes.setData(
            pos=self._bias_pos,
            size=bias_size,
            symbol="s",
            brush=pg.mkBrush(th.neuron_fill),
            pen=pg.mkPen(th.muted, width=1.2 * z),
        )
