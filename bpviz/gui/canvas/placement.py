"""Where each label goes, in pixels, after every refresh, zoom, pan or resize.

One layout pass sizes the neurons to their room, places the bias nodes, then gathers every
label the canvas wants to show (neuron names, arrowheads of the error signal, values beside the
neurons, targets, layer captions, bias labels, the legend, edge labels, notes), each with its
candidate places in order of preference, and hands them to :func:`label_layout.place`, which
puts each where it overlaps no neuron and no other label. What the phase reveals goes first;
what finds no room is tried again in its shorter form, then a smaller font; what still finds
none is hidden (it stays in the tooltip) and a quiet note says how many.

:class:`LabelPlacement` is a part of :class:`~bpviz.gui.canvas.view.NetworkView` (a mixin):
it reads the view's items and geometry and sets ``_px``, ``dropped``, ``_arrow_boxes`` and the
banner's note. This module is a little over 500 lines: the layout pass is one algorithm (its
candidates, priorities and retries depend on each other) and reads best in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPainterPath

from bpviz.gui.canvas.geometry import DX, arrow_triangle, crossings_many
from bpviz.gui.canvas.label_layout import Box, Label, Obstacles, Placement, along, around, place
from bpviz.gui.canvas.text_items import DOCUMENT_MARGIN
from bpviz.gui.theme import THEMES, readable_on

NAME, ARROW, TARGET, TITLE, BIAS, LEGEND, NOTE = 0, 2.5, 3, 5, 6, 7, 9  # who gets room first
MIN_POINTS = 6.5  # a label shrunk for room keeps at least this size (9 pt × zoom × factor)


def _size_of(item) -> tuple[float, float]:
    r = item.boundingRect()
    return r.width(), r.height()


@dataclass
class _Pass:
    """What one layout pass gathers: the labels to place, their text items, and the places of
    the labels that may come back in another size."""

    to_px: object
    to_view: object
    px: np.ndarray  # each layer's neuron diameter in pixels
    z: float  # the font zoom
    bounds: Box  # the canvas's view box in scene pixels
    labels: list = field(default_factory=list)
    items: dict = field(default_factory=dict)  # key → text item
    places: dict = field(default_factory=dict)  # key → candidates for another size
    obstacles: dict = field(default_factory=dict)  # key → Box (bias nodes)
    neurons: list = field(default_factory=list)  # per layer: (keys, x, y, diameter) arrays
    first: set = field(default_factory=set)  # the phase's own layers' values
    arrows: list = field(default_factory=list)  # (x0, y0, x1, y1) of each arrowhead's edge
    measured: dict = field(default_factory=dict)  # key → size of its shorter form
    alt: dict = field(default_factory=dict)  # key → the shorter form it is tried in: (text, html)
    stage: dict = field(default_factory=dict)  # key → 0: its shorter form, 1: its last resort

    @property
    def air(self) -> float:
        return 2 * self.z  # a little air around the neurons, so a label never touches one


class LabelPlacement:
    """The layout pass of the NetworkView and the label and arrow geometry it leaves."""

    ARROW_LENGTH, ARROW_HALF = 24, 7.5  # × zoom: the tip angle is 2·atan(7.5/24) ≈ 35°

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
        self._layouts += 1
        s = self.session
        th = THEMES[s.theme]
        self._unshrink()  # labels shrunk by the last layout start again from their own size
        to_px, to_view = self._to_px()
        rect = self.vb.sceneBoundingRect()
        p = _Pass(
            to_px, to_view, self._size_neurons(), s.zoom, Box(rect.x(), rect.y(), rect.width(), rect.height())
        )
        self._place_image(p)  # an image-shaped input layer: its cells are its neurons
        for k in range(s.network.L + 1):
            cx, cy = to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            r = p.px[k] / 2
            keys = [("neuron", k, i) for i in range(s.network.sizes[k])]
            p.neurons.append((keys, cx - r, cy - r, 2 * r))
        bias_size = 16 * p.z
        if self._has_bias:
            self._draw_bias_edges(th, to_px, to_view, p.px, bias_size)
            bpx, bpy = to_px(self._bias_pos[:, 0], self._bias_pos[:, 1])
            for j in range(s.network.L):
                p.obstacles[("bias", j)] = Box(
                    bpx[j] - bias_size / 2, bpy[j] - bias_size / 2, bias_size, bias_size
                )
        else:
            self._bias_curve.setData(np.zeros(0), np.zeros(0))
        self._place_pictures(p)  # heatmaps and weight matrices: obstacles for every label

        self._name_labels(p)
        self._arrow_labels(p)
        self._value_labels(p)
        self._target_labels(p)
        self._title_labels(p)
        self._bias_label_places(p, bias_size)
        self._legend_label(p)
        self._edge_labels_along(p)
        self._note_labels(p)
        result = self._place_all(p, th)
        self._show_placed(p, result)

    # ------------------------------------------------------------------------ neurons
    def _size_neurons(self) -> np.ndarray:
        """Neuron diameters: the zoomed size, smaller where neighbours would touch; the
        scatter item is updated only when a fill, rim or size changed."""
        net = self.session.network
        sxu, syu = self._scale()
        base = self._base_sizes_px()
        px = np.array([min(base[k], 0.62 * self._spacing[k] * syu, 0.4 * DX * sxu) for k in range(net.L + 1)])
        px = np.maximum(px, 4.0)
        self._px = px
        # an image-shaped input layer is drawn as its image (pictures), not as circles
        first = net.sizes[0] if self._geometry.image is not None else 0
        pos = np.concatenate(self._pos)[first:]
        size = np.concatenate([np.full(n, px[k]) for k, n in enumerate(net.sizes)])[first:]
        fill, pens = self._neuron_fill[first:], self._neuron_pens[first:]
        key = (
            # fills and rims come from fixed sets of shared objects (theme.neuron_brush,
            # edges._rim): the same object is the same colour
            tuple(map(id, fill)),
            tuple(map(id, pens)),
            tuple(np.round(size, 2)),
            first,
        )
        if self._cache.get(id(self._neurons)) != key:  # re-rendering symbols costs ~3 ms
            self._cache[id(self._neurons)] = key
            self._neurons.setData(pos=pos, brush=fill, pen=pens, size=size)
        return px

    # ------------------------------------------------------------------------ candidates
    def _name_labels(self, p: _Pass) -> None:
        """Neuron names, on their neurons, in a font that fits inside."""
        s = self.session
        net, z = s.network, p.z
        base = self._base_sizes_px()
        n = 0
        for k in range(net.L + 1):
            cx, cy = p.to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            pictured = k == 0 and self._geometry.image is not None  # the image's cells
            for i in range(net.sizes[k]):
                if self._label_neurons and pictured:
                    self._names[n].setVisible(False)
                elif self._label_neurons:
                    t = self._names[n]
                    fillc = self._neuron_fill[n].color()
                    pt = 10 if base[k] >= 40 * z else 8
                    text = self._display_name(k, i)
                    self._set_text(t, text, readable_on(fillc), pt, bold=True)
                    w, h = _size_of(t)
                    fit = min(0.9 * p.px[k] / max(w - 4, 1), 0.8 * p.px[k] / max(h - 4, 1), 1.0)
                    if fit < 1.0 and pt * fit * z >= 5:
                        self._set_text(t, text, readable_on(fillc), pt * fit, bold=True)
                        w, h = _size_of(t)
                    if pt * fit * z >= 5:
                        key = ("name", n)
                        p.items[key] = t
                        p.labels.append(
                            Label(key, w, h, [(cx[i] - w / 2, cy[i] - h / 2)], frozenset({("neuron", k, i)}))
                        )
                    else:
                        t.setVisible(False)
                n += 1

    def _arrow_labels(self, p: _Pass) -> None:
        """Arrowheads of the error signal, placed like labels along their edges."""
        arrow_len = self.ARROW_LENGTH * p.z
        arrow_half = self.ARROW_HALF * p.z
        for a, b in self._arrow_edges:
            ax_, ay_ = p.to_px(a[:, 0], a[:, 1])
            bx_, by_ = p.to_px(b[:, 0], b[:, 1])
            for e in range(len(ax_)):
                p.arrows.append((ax_[e], ay_[e], bx_[e], by_[e]))
        for e, (x0, y0, x1, y1) in enumerate(p.arrows):
            ln = math.hypot(x1 - x0, y1 - y0) or 1.0
            w = h = 2 * max(arrow_len, arrow_half)  # a box around the head at any angle
            fr = [0.2, 0.26, 0.32, 0.14, 0.38, 0.44]
            cands = [
                (x0 + (x1 - x0) * f - w / 2, y0 + (y1 - y0) * f - h / 2)
                for f in fr
                if ln * f > p.px.max() / 2 + arrow_len
            ]
            p.labels.append(
                Label(
                    ("arrow", e),
                    w,
                    h,
                    cands or [(x0 + (x1 - x0) * 0.3 - w / 2, y0 + (y1 - y0) * 0.3 - h / 2)],
                )
            )

    def _value_labels(self, p: _Pass) -> None:
        """Values beside the neurons: below first, a little to either side, then above."""
        net = self.session.network
        L, sizes = net.L, net.sizes
        gap = p.air + 3.0
        n = 0
        for k in range(L + 1):
            cx, cy = p.to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            order = (
                "below above left below-left above-left"
                if k == L
                else "below above right left below-right above-right below-left above-left"
            )
            pictured = k == 0 and self._geometry.image is not None  # hover a cell to read it
            for i in range(sizes[k]):
                if self._label_neurons:
                    t = self._vals[n]
                    if pictured:
                        t.setVisible(False)
                    elif t.toPlainText():
                        w, h = _size_of(t)
                        key = ("value", n)
                        p.items[key] = t
                        # above a hidden layer's first neuron is its caption's place
                        first = order.replace("above ", "") + " above" if i == 0 and 0 < k < L else order

                        def spots(w, h, x=cx[i], y=cy[i], r=p.px[k] / 2, order=first):
                            cands = around(x, y, r, w, h, gap, order)
                            # below, a little to either side, before above (where the
                            # layer's caption is): net, out and the backward values are tall
                            bx, by = cands[0]
                            cands[1:1] = [(bx - w * 0.3, by), (bx + w * 0.3, by)]
                            return cands

                        p.places[key] = spots
                        p.labels.append(Label(key, w, h, spots(w, h)))
                    else:
                        t.setVisible(False)
                n += 1
        p.first = {
            ("value", m)
            for k in set(self.session.phase.neuron_layers)
            for m in range(sum(sizes[:k]), sum(sizes[: k + 1]))
        }

    def _target_labels(self, p: _Pass) -> None:
        """Targets and the output's error terms, right of the output neurons."""
        L = self.session.network.L
        cx, cy = p.to_px(self._pos[L][:, 0], self._pos[L][:, 1])
        for i, t in enumerate(self._targets):
            w, h = _size_of(t)
            key = ("target", i)
            p.items[key] = t
            p.labels.append(
                Label(
                    key,
                    w,
                    h,
                    around(
                        cx[i],
                        cy[i],
                        p.px[L] / 2,
                        w,
                        h,
                        p.air + 6,
                        "right above-right below-right above below",
                    ),
                )
            )

    def _title_labels(self, p: _Pass) -> None:
        """Layer captions above each layer (higher where a value label took the place)."""
        for k, t in enumerate(self._layer_titles):
            w, h = _size_of(t)
            cx, cy = p.to_px(self._pos[k][0, 0], self._pos[k][0, 1])
            y = cy - p.px[k] / 2 - p.air - 6 - h
            image = self._pic_boxes.get("image") if k == 0 else None
            if image is not None:  # over the middle of the input image
                cx, y = image.x + image.w / 2, image.y - p.air - 6 - h
            key = ("title", k)
            p.items[key] = t
            p.labels.append(
                Label(
                    key,
                    w,
                    h,
                    [
                        (cx - w / 2, y),
                        (cx - w / 2, y - h),
                        (cx - w * 0.8, y),
                        (cx - w * 0.2, y),
                        (cx - w / 2, y - 2 * h),
                        # over a value label placed above the layer's first neuron
                        (cx - w / 2, y - 3 * h),
                        (cx - w / 2, y - 4 * h),
                    ],
                )
            )

    def _bias_label_places(self, p: _Pass, bias_size: float) -> None:
        """Bias labels above their nodes."""
        if not self._has_bias:
            return
        bpx, bpy = p.to_px(self._bias_pos[:, 0], self._bias_pos[:, 1])
        for j, t in enumerate(self._bias_labels):
            w, h = _size_of(t)
            key = ("bias", j)
            p.items[key] = t
            p.labels.append(
                Label(
                    key,
                    w,
                    h,
                    around(bpx[j], bpy[j], bias_size / 2, w, h, 3, "above right left above-right above-left"),
                )
            )

    def _legend_label(self, p: _Pass) -> None:
        """The legend, in a corner (bottom left first)."""
        b = p.bounds
        if self.session.show_legend:
            w, h = _size_of(self._legend)
            p.items["legend"] = self._legend
            p.labels.append(
                Label(
                    "legend",
                    w,
                    h,
                    [
                        (b.x + 4, b.bottom - h - 4),
                        (b.right - w - 4, b.bottom - h - 4),
                        (b.right - w - 4, b.y + 4),
                        (b.x + 4, b.y + 4),
                    ],
                )
            )
        else:
            self._legend.setVisible(False)

    def _edge_labels_along(self, p: _Pass) -> None:
        """Edge labels along their edges, staggered by source so crossing edges part."""
        if not self.session.show_weight_labels:
            for labs in self._edge_labels.values():
                for t in labs:
                    t.setVisible(False)
            return
        sizes = self.session.network.sizes
        segs = self._label_segments(p.to_px)
        for j, labs in self._edge_labels.items():
            a, b, rr, cc = self._seg[j]
            ax_, ay_ = p.to_px(a[:, 0], a[:, 1])
            bx_, by_ = p.to_px(b[:, 0], b[:, 1])
            n_in = sizes[j]
            for e, t in enumerate(labs):
                w, h = _size_of(t)
                f = 0.32 + 0.36 * (cc[e] / max(n_in - 1, 1))
                fr = [f] + [f + d * sgn for d in (0.07, 0.14, 0.21, 0.28, 0.35, 0.42) for sgn in (-1, 1)]
                fr = [x for x in fr if 0.12 <= x <= 0.88]
                key = ("edge", j, e)
                p.items[key] = t
                cands = along(ax_[e], ay_[e], bx_[e], by_[e], w, h, fr)
                # a label lying across another edge reads as that edge's: places that
                # cross fewer other edges first (stable: nearer the preferred one first)
                other = segs[1] != j * 10_000 + e
                if cands:
                    xy = np.asarray(cands, dtype=float)
                    n_cross = crossings_many(segs[0][other], xy[:, 0], xy[:, 1], w, h)
                    cands = [cands[i] for i in np.argsort(n_cross, kind="stable")]
                p.labels.append(Label(key, w, h, cands))

    def _note_labels(self, p: _Pass) -> None:
        """Notes under big layers ("showing the 10,000 strongest …")."""
        for j, t in enumerate(self._notes):
            if not self._note_on[j]:
                t.setVisible(False)
            else:
                w, h = _size_of(t)
                cx, _ = p.to_px(self._geometry.between(j, 0.5), 0)
                key = ("note", j)
                p.items[key] = t
                p.labels.append(
                    Label(
                        key,
                        w,
                        h,
                        [(cx - w / 2, p.bounds.bottom - h - 2), (cx - w / 2, p.bounds.bottom - 2 * h - 2)],
                    )
                )

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

    # ------------------------------------------------------------------------ placing
    def _priority(self, p: _Pass):
        """Who gets room first: names, arrowheads, what this phase reveals (the gradients or
        new weights on its edges, its layers' values, its other edges' labels), targets,
        then the rest."""
        s = self.session
        sizes = s.network.sizes
        lit = set(s.phase.edge_layers)
        rv = s.revealed
        own_edges = {j for j in lit if rv.at("grad_w", j + 1) == rv.index or rv.at("after") == rv.index}
        rank = {
            "name": NAME,
            "arrow": ARROW,
            "target": TARGET,
            "title": TITLE,
            "bias": BIAS,
            "legend": LEGEND,
            "note": NOTE,
            "matrixcap": TITLE,
        }

        def priority(lab: Label) -> float:
            kind = lab.key[0] if isinstance(lab.key, tuple) else lab.key
            if kind == "dropnote":
                return -1
            if kind == "value":  # an input's one short number keeps its place by its neuron
                return (1.4 if lab.key[1] < sizes[0] else 2) if lab.key in p.first else 4
            if kind == "edge":
                return 1.5 if lab.key[1] in own_edges else 3 if lab.key[1] in lit else 8
            return rank[kind]

        return priority

    def _solve(self, p: _Pass, labs: list[Label], priority, spaced: Obstacles) -> Placement:
        """Place the labels; what the phase reveals and found no room is tried again in
        its shorter form if it has one (the phase's own values alone), then in a smaller
        font (three quarters, then three fifths, never below MIN_POINTS: at zoom 1 three fifths
        of 9 pt cannot be read), centred where it would have gone; what
        still finds none, in its last resort if it has one (the phase's result alone, "δ
        0.1385", without its factors) in the same three sizes."""
        self._unshrink()
        p.alt.clear()
        p.measured.clear()
        p.stage.clear()
        # what the phase reveals first, with its retries, then the rest around it (place
        # is greedy in this order, so where nothing needs a retry this is one pass)
        high = [lab for lab in labs if priority(lab) <= 3]
        low = [lab for lab in labs if priority(lab) > 3]
        res = place(high, spaced, p.bounds, tol=0.0)
        gone = set(res.dropped)
        retry = [lab for lab in high if lab.key in gone and lab.key != "dropnote" and lab.key in p.items]
        by_key = {lab.key: lab for lab in labs}
        taken = spaced.plus(
            {("placed", k): Box(x, y, by_key[k].w, by_key[k].h) for k, (x, y) in res.placed.items()}
        )
        placed = dict(res.placed)
        # while training the values change several times a second: no retries (they cost a
        # text layout each), what has no room waits for the pause
        sizes = [f for f in (1.0, 0.75, 0.6) if 9 * p.z * f >= MIN_POINTS]  # readable only
        stages = [(0, f) for f in sizes] + [(1, f) for f in sizes]
        for stage, factor in () if self.session.training else stages:
            smaller = [
                lab2 for lab in retry if (lab2 := self._retry_label(p, lab, factor, stage)) is not None
            ]
            res2 = place(smaller, taken, p.bounds, tol=0.0)
            now = {}
            for lab in smaller:
                if lab.key in res2.placed and (factor == 1.0 or self._shrink_to(p, lab, factor)):
                    x, y = res2.placed[lab.key]
                    placed[lab.key] = (x, y)
                    now[("placed", lab.key)] = Box(x, y, lab.w, lab.h)
            taken = taken.plus(now)
            retry = [lab for lab in retry if lab.key not in placed]
            if not retry:
                break
        res3 = place(low, taken, p.bounds, tol=0.0)
        placed.update(res3.placed)
        return Placement(placed, [k for k in res.dropped if k not in placed] + res3.dropped)

    def _retry_label(self, p: _Pass, lab: Label, factor: float, stage: int = 0) -> Label | None:
        """A dropped label again, in its shorter form (at factor 1.0 only the labels that have
        one; stage 1: in its last resort, only the labels that have one) and at ``factor`` of
        its own font, with candidates for its new size. At 1.0 the item takes its shorter
        form and is measured; smaller, its size is foreseen (text scales with its font, the
        document's margin does not) and only a label that then finds room is set in that size
        (``_shrink_to``): most of a crowded network's retries find none, and each text set
        costs a layout of its rich text."""
        t = p.items[lab.key]
        if stage == 1 and factor != 1.0 and p.stage.get(lab.key) != 1:
            return None  # without a last resort it was tried in these sizes already
        if factor == 1.0:
            alt = (self._compact if stage == 0 else self._minimal).get(id(t))
            if alt is None:
                return None  # first only the labels that have a shorter form
            p.alt[lab.key], p.stage[lab.key] = alt, stage
            self._shrink(p, lab.key, 1.0)
            w2, h2 = _size_of(t)
            p.measured[lab.key] = (w2, h2)
        else:
            w0, h0 = p.measured.get(lab.key, (lab.w, lab.h))
            m = 2 * DOCUMENT_MARGIN
            w2, h2 = (w0 - m) * factor + m, (h0 - m) * factor + m
        if lab.key in p.places:
            cands = p.places[lab.key](w2, h2)
        else:
            dx, dy = (lab.w - w2) / 2, (lab.h - h2) / 2
            cands = [(x + dx, y + dy) for x, y in lab.candidates]
        return Label(lab.key, w2, h2, cands, lab.ignore)

    def _shrink(self, p: _Pass, key, factor: float) -> None:
        """Set a label in the shorter form it is tried in, if any, at ``factor`` of its own
        font."""
        t = p.items[key]
        alt = p.alt.get(key)
        base = self._shrunk[id(t)][1] if id(t) in self._shrunk else self._cache.get(id(t))
        text, color, ptz, bold, fill, html = base
        if alt is not None:  # the phase's own values alone
            text, html = alt
        self._set_text(
            t, text, color, ptz / p.z * factor, bold, None if fill is None else QColor.fromRgba(fill), html
        )
        self._shrunk[id(t)] = (t, base, self._cache.get(id(t)))

    def _shrink_to(self, p: _Pass, lab: Label, factor: float) -> bool:
        """Set a label placed in its foreseen smaller size; whether it fits that box (to a
        pixel: the box holds the text's 2-px margins, so the glyphs still keep apart)."""
        self._shrink(p, lab.key, factor)
        w, h = _size_of(p.items[lab.key])
        return w <= lab.w + 1 and h <= lab.h + 1

    def _place_all(self, p: _Pass, th) -> Placement:
        """Every label placed; when some have no room, the note that says so is placed first
        and the labels again, so it never goes missing itself."""
        priority = self._priority(p)
        labels = sorted(p.labels, key=priority)
        air = p.air
        spaced = Obstacles.of(p.obstacles)  # the neurons with a little air around them
        for keys, x, y, d in p.neurons:
            spaced = spaced.block(keys, x - air, y - air, d + 2 * air, d + 2 * air)
        result = self._solve(p, labels, priority, spaced)
        dn = self._dropped_note
        if [k for k in result.dropped if k[0] not in ("arrow", "note")]:
            p.items["dropnote"] = dn
            rest = labels
            b = p.bounds
            for _ in range(3):  # the note's count is the final one
                n_drop = len([k for k in result.dropped if k != "dropnote" and k[0] not in ("arrow", "note")])
                text = (
                    f"{n_drop} label{'s' if n_drop > 1 else ''} hidden for lack of room: "
                    "hover to read, or zoom in"
                )
                if result.dropped and dn.toPlainText() == text and "dropnote" in result.placed:
                    break
                self._set_text(dn, text, th.muted, 8)
                w, h = _size_of(dn)
                mid = b.x + (b.w - w) / 2
                note = Label(
                    "dropnote",
                    w,
                    h,
                    [
                        (b.right - w - 4, b.bottom - h - 2),
                        (b.x + 4, b.bottom - h - 2),
                        (mid, b.bottom - h - 2),
                        (b.right - w - 4, b.y + 2),
                        (b.x + 4, b.y + 2),
                        (mid, b.y + 2),
                    ],
                )
                result = self._solve(p, [note] + rest, priority, spaced)
        return result

    def _show_placed(self, p: _Pass, result: Placement) -> None:
        """Move the placed labels, hide the dropped ones, draw the arrowheads, and say how
        many labels are hidden (in the canvas's corner, or in the banner if no corner had
        room)."""
        for key, (x, y) in result.placed.items():
            if key != "dropnote" and key[0] == "arrow":
                continue
            t = p.items[key]
            vx, vy = p.to_view(x, y)
            t.setPos(float(vx), float(vy))
            t.setVisible(True)
        for key in result.dropped:
            if key == "dropnote" or key[0] != "arrow":
                p.items[key].setVisible(False)
        self._draw_arrows(p.arrows, result.placed, self.ARROW_LENGTH * p.z, self.ARROW_HALF * p.z, p.to_view)
        self.dropped = [k for k in result.dropped if k != "dropnote" and k[0] not in ("arrow", "note")]
        if "dropnote" not in result.placed:
            self._dropped_note.setVisible(False)
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
                self._set_text(
                    t, text, color, ptz / z, bold, None if fill is None else QColor.fromRgba(fill), html
                )
        self._shrunk = {}

    def _draw_arrows(self, arrows, placed, length, half, to_view) -> None:
        """Filled heads on the error signal's edges, each pointing from layer k + 1 to k."""
        path = QPainterPath()
        self._arrow_boxes = []
        for e, (x0, y0, x1, y1) in enumerate(arrows):
            box = placed.get(("arrow", e))
            if box is None:
                continue
            tip, p1, p2 = arrow_triangle(box[0], box[1], x0, y0, x1, y1, length, half)
            pts = [to_view(*tip), to_view(*p1), to_view(*p2)]
            path.moveTo(float(pts[0][0]), float(pts[0][1]))
            path.lineTo(float(pts[1][0]), float(pts[1][1]))
            path.lineTo(float(pts[2][0]), float(pts[2][1]))
            path.closeSubpath()
            xs = [tip[0], p1[0], p2[0]]
            ys = [tip[1], p1[1], p2[1]]
            self._arrow_boxes.append(Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)))
        self._arrow_item.setPath(path)

    # ------------------------------------------------------------------------ for tests
    def arrowheads(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """Each drawn arrowhead as (tip, centre of its base) in scene pixels (for tests)."""
        out = []
        path = self._arrow_item.path()
        to_px, _ = self._to_px()
        for i in range(0, path.elementCount() - 3, 4):
            tip = to_px(path.elementAt(i).x, path.elementAt(i).y)
            p1 = to_px(path.elementAt(i + 1).x, path.elementAt(i + 1).y)
            p2 = to_px(path.elementAt(i + 2).x, path.elementAt(i + 2).y)
            out.append(
                (
                    (float(tip[0]), float(tip[1])),
                    (float(p1[0] + p2[0]) / 2, float(p1[1] + p2[1]) / 2),
                    math.hypot(float(p1[0] - p2[0]), float(p1[1] - p2[1])),
                )
            )
        return out

    def label_boxes(self) -> dict:
        """Every visible label's scene rectangle, and the neurons' and bias nodes' boxes, in
        scene pixels (for the collision test)."""
        out: dict = {}
        groups = {
            "name": self._names,
            "value": self._vals,
            "target": self._targets,
            "title": self._layer_titles,
            "bias": self._bias_labels,
            "note": self._notes + [self._dropped_note],
            "legend": [self._legend],
        }
        for j, labs in self._edge_labels.items():
            groups[f"edge{j}"] = labs
        groups["matrixcap"] = list(self._matrix_caps.values())
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
        for key, b in self.picture_boxes().items():  # heatmaps, the input image, matrices
            out[("picture", key)] = b
        return out
