"""The canvas's pictures: each neuron's heatmap over the input plane, an image-shaped input
layer drawn as its sample's image, and dense layers drawn as weight-matrix heatmaps.

* **Neuron heatmaps** (View → Neuron heatmaps; networks with one or two raw inputs): beside each
  hidden and output neuron, on its left, its out over the input plane (the data plane's grid
  and colours: vermillion low, blue high, over the activation's range), or along the one input.
  The grids come from ``core.plane`` through the session (``Session.plane``: computed once per
  weights while stepping, sent by the training process while training); the images are made
  only when the plane changes, at the canvas's own throttled rate while training.
* **Image-shaped input** (``Network.input_shape``): the input layer is the current sample as
  an image in grey levels, one square cell per input; hovering a cell reads its input.
* **f′ gauges** (View → Shade neurons by f′(net)): beside each hidden and output neuron (of a
  per-neuron activation), on its right, a bar filled from the bottom to its f′(net) for the
  sample shown, on the scale 0 … 1 and paler the smaller f′, with a tick at 0.25, sigmoid's
  largest f′ (tanh's and ReLU's is 1): a neuron whose bar is empty is saturated, and the error
  signal going back through it is multiplied by nearly 0. The values are the trace's
  (``Pass.fprime``), hatched until the stepper reveals them (its delta phase), the latest
  weights' while training.
* **Weight matrices** (View → Dense layers: Edges, Matrix, or Automatic past
  ``AUTO_MATRIX_EDGES`` edges in a layer): a layer's weights as a heatmap, a row per neuron it
  feeds (each row level with its neuron) and a column per input, on a diverging scale (blue +,
  vermillion −, ±its largest |value|). At its gradient phase it shows ∂E/∂W, at the update
  ΔW; its frame lights in the phase's colour where the phase's edges would.

The label layout places the pictures before the labels (``_place_pictures``): they are
obstacles no label may cover, and ``picture_boxes`` gives them to the collision test.

:class:`Pictures` is a part of :class:`~bpviz.gui.canvas.view.NetworkView` (a mixin).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtGui import QColor

from bpviz.gui.canvas import images
from bpviz.gui.canvas.geometry import IMAGE_HALF, place_image
from bpviz.gui.canvas.label_layout import Box, Label
from bpviz.gui.canvas.text_items import new_text_item
from bpviz.gui.canvas.tiles import Tile, TileLayer, to_qimage
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, NEGATIVE, POSITIVE

__all__ = ["Pictures", "AUTO_MATRIX_EDGES", "DENSE_STYLES", "IMAGE_CELL_PX", "image_width_px"]

AUTO_MATRIX_EDGES = 600  # Automatic: a layer with more edges is drawn as its weight matrix
DENSE_STYLES = ("auto", "edges", "matrix")
HEAT_PX = 40  # a neuron heatmap's side at font zoom 1 (pixels), where its layer has room
HEAT_MIN_PX = 14  # smaller than this, a layer's heatmaps are left out
HEAT_ROOM = 0.86  # of the spacing between a layer's neurons a heatmap may take
FPRIME_W = 7  # an f′ gauge's width at font zoom 1 (pixels); as tall as its neuron
FPRIME_GAP = 3  # between a neuron and its gauge (× zoom)
FPRIME_MIN_PX = 10  # a layer whose neurons are drawn smaller (pixels) gets no gauges
IMAGE_CELL_PX = 16  # an input image's cells are at most this many pixels a side (× zoom)
MATRIX_ROW_PX = 40  # a matrix's rows in one block up to ~1.5× this tall (× zoom), else strips


def image_width_px(image: tuple[int, int], zoom: float) -> float:
    """The widest an input image is drawn (pixels): its cells at IMAGE_CELL_PX a side."""
    return image[1] * IMAGE_CELL_PX * zoom


class Pictures:
    """Heatmaps, the input image and the weight matrices of the NetworkView."""

    neuron_heatmaps = False  # View → Neuron heatmaps
    fprime_shading = False  # View → Shade neurons by f′(net)
    dense_style = "auto"  # View → Dense layers: "auto", "edges" or "matrix"

    # ------------------------------------------------------------------------ choices
    def set_neuron_heatmaps(self, on: bool) -> None:
        """Each neuron's out over the input plane beside it (networks with ≤ 2 raw inputs)."""
        on = bool(on)
        if on == self.neuron_heatmaps:
            return
        self.neuron_heatmaps = on
        self._sync_plane_use()
        self._refresh_key = None
        self._refresh()

    def set_fprime_shading(self, on: bool) -> None:
        """Each hidden and output neuron's f′(net) as a gauge beside it."""
        on = bool(on)
        if on == self.fprime_shading:
            return
        self.fprime_shading = on
        self._refresh_key = None
        self._refresh()

    def fprime_layers(self) -> list[int]:
        """The layers k whose neurons get an f′ gauge (shading on; a per-neuron activation:
        softmax's f′ is a matrix, not a number a neuron)."""
        net = self.session.network
        if not self.fprime_shading:
            return []
        return [k for k in range(1, net.L + 1) if net.activations[k - 1].per_neuron]

    def fprime_value(self, k: int, i: int) -> float | None:
        """f′(net) of neuron (k, i) for the sample shown, as the trace has it; None until
        the stepper reveals it (while training: the latest weights', always)."""
        s = self.session
        if not s.training and not s.revealed.known("fprime", k):
            return None
        tr = s.trace
        return float(tr.p.fprime[k][min(s.display_sample, len(tr.samples) - 1), i])

    def set_dense_style(self, style: str) -> None:
        """Dense layers as edges, as weight matrices, or automatically (matrices past
        AUTO_MATRIX_EDGES edges in a layer)."""
        if style not in DENSE_STYLES:
            raise ValueError(style)
        if style == self.dense_style:
            return
        self.dense_style = style
        if hasattr(self, "_pos"):
            self._rebuild()

    @property
    def heatmaps_shown(self) -> bool:
        """Whether the heatmaps are on and the network has a plane of one or two inputs."""
        return self.neuron_heatmaps and self.session.network.n_raw <= 2

    def _sync_plane_use(self) -> None:
        """Ask the session for every neuron's grid only while the heatmaps are drawn."""
        self.session.set_plane_use("neurons", self.heatmaps_shown)

    def matrix_layers(self, sizes=None) -> set[int]:
        """The weight layers drawn as matrices in the current style."""
        sizes = self.session.network.sizes if sizes is None else sizes
        if self.dense_style == "edges":
            return set()
        return {
            j
            for j in range(len(sizes) - 1)
            if self.dense_style == "matrix" or sizes[j] * sizes[j + 1] > AUTO_MATRIX_EDGES
        }

    # ------------------------------------------------------------------------ building
    def _add_pictures(self) -> None:
        """The tile layer and the matrices' captions (after the network's geometry)."""
        self._tiles = self._add(TileLayer(), 5)
        self._matrix_caps = {j: self._add(new_text_item(), 20) for j in sorted(self._matrix_layers)}
        self._pic_images: dict = {}  # key → (QImage, smooth)
        self._pic_frames: dict = {}  # key → (colour, width at zoom 1)
        self._pic_cache: dict = {}  # key → (what it was made of, QImage)
        self._heat_ranges: dict = {}  # layer k → (lo, hi) of its heatmaps' colour scale
        self._pic_boxes: dict = {}  # key → Box in scene pixels (the last layout's)
        self._last_plane = None
        self._heat_last: dict = {}  # the heatmaps last made (kept until a new plane comes)
        self._sync_plane_use()

    def _picture_key(self):
        """What the pictures depend on beyond the phase: the plane while training (it comes
        with the snapshots), the plane's axes otherwise."""
        if not self.heatmaps_shown:
            return None
        s = self.session
        if s.training:
            self._last_plane = s.plane  # kept: its id stays unique while it is compared
            return id(self._last_plane), s.plane_axes
        return s.plane_axes

    def _cached(self, key, made_of, make):
        old = self._pic_cache.get(key)
        if old is not None and old[0] == made_of:
            return old[1]
        img = to_qimage(make())
        self._pic_cache[key] = (made_of, img)
        return img

    def _draw_pictures(self, th) -> None:
        """The images of this phase (made only when what they show changed) and their
        frames; the layout places them."""
        s = self.session
        self._pic_images, self._pic_frames = {}, {}
        lut = images.diverging_lut(th.background, NEGATIVE, POSITIVE)
        ph = s.phase
        backward = ph.direction == "backward"
        lit_col = ERROR_SIGNAL if backward else FORWARD
        if self._geometry.image is not None:
            self._draw_input_image(th)
            active = 0 in ph.neuron_layers and not s.training
            self._pic_frames["image"] = (lit_col, 3.2) if active else (th.neuron_edge, 1.0)
        lit = set() if s.training else set(ph.edge_layers)
        for j in sorted(self._matrix_layers):
            values, what = self._matrix_values(j)
            if values is None:
                made_of = ("neutral", th.name, values is None)
                img = self._cached(
                    ("matrix", j),
                    made_of,
                    lambda j=j: np.full((*self._matrix_shape(j), 3), _grey(th), np.uint8),
                )
                vmax = None
            else:
                vmax = images.symmetric_max(values)
                made_of = (s.trace_serial, s.phase_index, s.edge_mode, th.name, what, s.training, s.step)
                img = self._cached(("matrix", j), made_of, lambda v=values: images.matrix_rgb(v, lut))
            self._pic_images[("matrix", j)] = (img, False)
            self._pic_frames[("matrix", j)] = (lit_col, 3.2) if j in lit else (th.neutral_edge, 1.0)
            cap = self._matrix_caps[j]
            text = what if vmax is None else f"{what}  ±{self._num(vmax)}"
            bg = QColor(th.background)
            bg.setAlpha(240)
            self._set_text(cap, text, th.muted, 8.5, fill=bg)
        if self.heatmaps_shown:
            self._draw_heatmaps(th, lut)
        self._draw_fprime(th)

    def _draw_fprime(self, th) -> None:
        """The f′ gauges (made again only when a value or the theme changed)."""
        net = self.session.network
        for k in self.fprime_layers():
            for i in range(net.sizes[k]):
                v = self.fprime_value(k, i)
                key = ("fprime", k, i)
                if v is None:
                    img = self._cached(
                        key, ("?", th.name), lambda: images.unknown_rgb(th.background, th.neutral_edge)
                    )
                else:
                    img = self._cached(
                        key, (v, th.name), lambda v=v: images.fprime_rgb(v, th.background, th.text, th.muted)
                    )
                self._pic_images[key] = (img, False)
                self._pic_frames[key] = (th.muted, 1.0)

    def _draw_input_image(self, th) -> None:
        s = self.session
        rows, cols = self._geometry.image
        sm = min(s.display_sample, len(s.trace.inputs) - 1)
        x = np.asarray(s.trace.inputs[sm, : rows * cols], dtype=np.float64)
        lo, hi = self._input_range()
        made_of = (s.trace_serial, sm, th.name, s.training, s.step, x.tobytes())
        img = self._cached(
            "image", made_of, lambda: images.grey_rgb(x.reshape(rows, cols), lo, hi, th.name == "dark")
        )
        self._pic_images["image"] = (img, False)

    def _input_range(self) -> tuple[float, float]:
        """The grey scale of the input image: from min(0, least input) to the largest input
        over the document's rows (the same for every sample)."""
        doc = self.session.doc
        key = ("input range", self.session.generation)
        got = self._pic_cache.get(key)
        if got is None:
            x = np.asarray(doc.inputs, dtype=np.float64)
            x = x[np.isfinite(x)]
            lo = min(0.0, float(x.min())) if x.size else 0.0
            hi = float(x.max()) if x.size else 1.0
            got = self._pic_cache[key] = (lo, hi if hi > lo else lo + 1.0)
        return got

    def _matrix_shape(self, j: int) -> tuple[int, int]:
        sizes = self.session.network.sizes
        return sizes[j + 1], sizes[j]

    def _matrix_values(self, j: int):
        """What weight layer j's matrix shows and its caption: ∂E/∂W at its gradient phase,
        ΔW at the update, else what the edges show (the edge mode), once known; (None, its
        caption) while not yet known."""
        s = self.session
        ph, tr, rv = s.phase, s.trace, s.revealed
        if not s.training and ph.kind == "grad" and ph.layer_index == j + 1:
            return tr.p.grad_w[j], "∂E/∂W"
        if not s.training and ph.kind == "update":
            rule = "ΔW = −η·V⁺" if tr.momentum else "ΔW = −η·∂E/∂W"
            return tr.weights_after[j] - tr.network.weights[j], rule
        if s.edge_mode == "weight":
            return s.edge_values(j), "W"
        what = "∂E/∂W" if s.edge_mode == "grad" else "ΔW"
        if rv.known("grad_w", j + 1):
            return s.edge_values(j), what
        return None, f"{what} ?"

    def _draw_heatmaps(self, th, lut) -> None:
        """Every hidden and output neuron's heatmap, from the session's plane (made again
        only when the plane or the theme changed)."""
        s = self.session
        plane = s.plane
        grids = None if plane is None else plane.neurons
        if grids is None:  # none yet (training just began): the last ones stay
            self._pic_images.update(self._heat_last)
            return
        acts = s.network.activations
        curve = plane.frame.curve
        for k in range(1, len(grids) + 1):
            g = grids[k - 1]
            lo, hi = images.layer_range(acts[k - 1].name, g)
            self._heat_ranges[k] = (lo, hi)
            for i in range(g.shape[0]):
                made_of = (id(plane), th.name, lo, hi)
                if curve:
                    img = self._cached(
                        ("heat", k, i),
                        made_of,
                        lambda v=g[i], lo=lo, hi=hi: images.curve_rgb(v, lo, hi, lut, th.text),
                    )
                else:
                    img = self._cached(
                        ("heat", k, i), made_of, lambda v=g[i], lo=lo, hi=hi: images.heat_rgb(v, lo, hi, lut)
                    )
                self._pic_images[("heat", k, i)] = (img, not curve)  # a curve stays crisp
        self._pic_cache["plane"] = (None, plane)  # keeps the plane (and its id) alive
        self._heat_last = {k: v for k, v in self._pic_images.items() if k[0] == "heat"}

    # ------------------------------------------------------------------------ layout
    def _place_image(self, p) -> None:
        """The input image, square cells of a whole number of pixels, centred where the
        input layer stands; the edges from its cells follow it."""
        g = self._geometry
        if g.image is None:
            return
        rows, cols = g.image
        x0, y0, x1, y1 = g.image_rect
        sxu, syu = self._scale()
        nominal_h = (self._top - self._bottom) * syu
        cell = math.floor(
            min(
                2 * IMAGE_HALF * sxu / cols,
                max(nominal_h, 4 * rows) / rows,
                IMAGE_CELL_PX * self.session.zoom,
            )
        )
        cell = max(cell, 2)
        w, h = cell * cols, cell * rows
        cx, cy = p.to_px(0.0, 0.0)
        left, top = round(float(cx) - w / 2), round(float(cy) - h / 2)
        vx0, vy1 = p.to_view(left, top)
        vx1, vy0 = p.to_view(left + w, top + h)
        if place_image(g, (float(vx0), float(vy0), float(vx1), float(vy1))) and 0 not in self._matrix_layers:
            self._draw_edges_again()
        p.px[0] = cell
        self._px[0] = cell
        self._pic_boxes["image"] = Box(left, top, w, h)

    def _draw_edges_again(self) -> None:
        """The image moved: the edges fanned from its cells are drawn from their new places."""
        from bpviz.gui.theme import THEMES

        if hasattr(self, "_lit_edges"):
            self._draw_edges(THEMES[self.session.theme])
            self._draw_highlights()

    def _heat_side(self, p, k: int, left: float = -math.inf) -> float:
        """The side of layer k's heatmaps in pixels (0: no room for them): a share of the
        room between its neurons, and no wider than the room between the layer before (its
        neurons, or their f′ gauges reaching to ``left``) and this one."""
        _, syu = self._scale()
        room = self._spacing[k] * syu * HEAT_ROOM if math.isfinite(self._spacing[k]) else math.inf
        x_prev, _ = p.to_px(self._pos[k - 1][:, 0], self._pos[k - 1][:, 1])
        x, _ = p.to_px(self._pos[k][:, 0], self._pos[k][:, 1])
        before = max(float(np.max(x_prev)) + p.px[k - 1] / 2, left)
        across = float(np.min(x)) - p.px[k] / 2 - 4 * p.z - (before + 6 * p.z)  # gap, air
        side = min(HEAT_PX * p.z, room, across)
        return side if side >= HEAT_MIN_PX * p.z else 0.0

    def _place_fprime(self, p, boxes: dict) -> dict:
        """The f′ gauges right of their neurons, into ``boxes``; returns each layer's
        rightmost gauge pixel."""
        z = p.z
        right: dict = {}
        w = max(3, round(FPRIME_W * z))
        for k in self.fprime_layers():
            if p.px[k] < FPRIME_MIN_PX:
                continue
            cx, cy = p.to_px(self._pos[k][:, 0], self._pos[k][:, 1])
            r, h = p.px[k] / 2, round(p.px[k])
            for i in range(len(cx)):
                key = ("fprime", k, i)
                if key in self._pic_images:
                    b = Box(round(float(cx[i] + r + FPRIME_GAP * z)), round(float(cy[i] - h / 2)), w, h)
                    boxes[key] = b
                    right[k] = max(right.get(k, -math.inf), b.right)
        return right

    def _place_pictures(self, p) -> None:
        """The heatmaps left of their neurons and the matrices between the layers, as
        obstacles of the label layout and tiles of the picture layer; the matrices'
        captions as labels (above the matrix first)."""
        g = self._geometry
        net = self.session.network
        z = p.z
        tiles: dict = {}
        boxes: dict = {k: v for k, v in self._pic_boxes.items() if k == "image"}
        g.heat_rects = {}
        g.matrix_rects = {}
        g.fprime_rects = {}
        self._matrix_strips: dict = {}  # j → [(first row, end row, picture key)]
        heat_left: dict = {}  # layer k → the leftmost pixel its heatmaps take
        gap = 4 * z
        gauges = self._place_fprime(p, boxes)  # f′ gauges: layer k → their right edge
        if self.heatmaps_shown:
            for k in range(1, net.L + 1):
                side = self._heat_side(p, k, gauges.get(k - 1, -math.inf) + 1)
                if not side:
                    continue
                cx, cy = p.to_px(self._pos[k][:, 0], self._pos[k][:, 1])
                r = p.px[k] / 2
                for i in range(net.sizes[k]):
                    key = ("heat", k, i)
                    if key not in self._pic_images:
                        continue
                    x = round(float(cx[i] - r - gap - side))
                    y = round(float(cy[i] - side / 2))
                    b = Box(x, y, round(side), round(side))
                    boxes[key] = b
                    heat_left[k] = min(heat_left.get(k, math.inf), b.x)
        for j in sorted(self._matrix_layers):
            rows, cols = self._matrix_shape(j)
            ax, _ = p.to_px(self._pos[j][:, 0], self._pos[j][:, 1])
            bx, by = p.to_px(self._pos[j + 1][:, 0], self._pos[j + 1][:, 1])
            if j == 0 and "image" in boxes:
                left = boxes["image"].right + 10 * z
            else:
                left = float(ax.max()) + p.px[j] / 2 + 8 * z
            if j in gauges:  # clear of layer j's f′ gauges
                left = max(left, gauges[j] + 6 * z)
            right = min(float(bx.min()) - p.px[j + 1] / 2 - 8 * z, heat_left.get(j + 1, math.inf) - gap)
            if j > 0 or "image" not in boxes:
                left += 0.12 * max(right - left, 0)  # air for the labels beside layer j
            row_h = abs(float(by[0] - by[-1])) / (rows - 1) if rows > 1 else p.px[j + 1]
            if right - left < 4:
                continue
            # rows as tall as their neurons' spacing, in one block; where that is far taller
            # than a neuron (or would reach the bias node), a strip per row, level with it
            strip = max(p.px[j + 1], MATRIX_ROW_PX * z)
            bias = p.obstacles.get(("bias", j))
            top = float(by.min()) - row_h / 2
            if row_h <= 1.5 * strip and (bias is None or top >= bias.bottom + 4 * z):
                bottom = float(by.max()) + row_h / 2
                boxes[("matrix", j)] = Box(round(left), round(top), round(right - left), round(bottom - top))
                self._matrix_strips[j] = [(0, rows, ("matrix", j))]
                continue
            h = min(strip, 0.9 * row_h)
            self._matrix_strips[j] = []
            for r in range(rows):
                key = ("matrix", j, r)
                boxes[key] = Box(round(left), round(float(by[r]) - h / 2), round(right - left), round(h))
                self._matrix_strips[j].append((r, r + 1, key))
        pad = {}
        for key, b in boxes.items():
            img = self._pic_images.get(key[:2] if key[0] == "matrix" else key)
            if img is None:
                continue
            if key[0] == "matrix" and len(key) == 3:  # one row's strip
                img = (self._row_image(img[0], key[2]), img[1])
            if key[0] == "matrix" and (b.w < img[0].width() or b.h < img[0].height()):
                img = (img[0], True)  # more cells than pixels: averaged, not every other one
            colour, width = self._pic_frames.get(key[:2] if key[0] == "matrix" else key, (None, 1.0))
            if key[0] == "heat":
                colour, width = self._heat_frame(key)
            vx0, vy1 = p.to_view(b.x, b.y)
            vx1, vy0 = p.to_view(b.right, b.bottom)
            rect = (float(vx0), float(vy0), float(vx1), float(vy1))
            tiles[key] = Tile(img[0], rect, colour, width * z, img[1])
            if key[0] == "heat":
                g.heat_rects[key[1:]] = rect
            elif key[0] == "fprime":
                g.fprime_rects[key[1:]] = rect
            elif key[0] == "matrix":
                r0 = key[2] if len(key) == 3 else 0
                r1 = r0 + 1 if len(key) == 3 else self._matrix_shape(key[1])[0]
                g.matrix_rects.setdefault(key[1], []).append((rect, r0, r1))
            pad[key] = width * z
        self._tiles.set_tiles(tiles)
        self._pic_inner = {k: b for k, b in boxes.items() if k in tiles}
        # obstacles, with their frames (drawn outside the image)
        self._pic_boxes = {
            k: Box(b.x - pad.get(k, 0), b.y - pad.get(k, 0), b.w + 2 * pad.get(k, 0), b.h + 2 * pad.get(k, 0))
            for k, b in boxes.items()
            if k in tiles
        }
        for k, b in self._pic_boxes.items():
            p.obstacles[("picture", k)] = b
        for j, t in self._matrix_caps.items():
            parts = [
                self._pic_boxes[key] for *_, key in self._matrix_strips.get(j, ()) if key in self._pic_boxes
            ]
            if not parts or not t.toPlainText():
                t.setVisible(False)
                continue
            x0, y0 = min(b.x for b in parts), min(b.y for b in parts)
            b = Box(x0, y0, max(b.right for b in parts) - x0, max(b.bottom for b in parts) - y0)
            w, h = t.boundingRect().width(), t.boundingRect().height()
            key = ("matrixcap", j)
            p.items[key] = t
            cands = [
                (b.x + (b.w - w) / 2, b.y - h - 2),
                (b.x, b.y - h - 2),
                (b.right - w, b.y - h - 2),
                (b.x + (b.w - w) / 2, b.y - 2 * h - 2),
                (b.x + (b.w - w) / 2, b.bottom + 2),
            ]
            p.labels.append(Label(key, w, h, cands))

    def _row_image(self, img, r: int):
        """Row r of a matrix's image (kept while the image is the same)."""
        key = ("row", id(img), r)
        got = self._pic_cache.get(key)
        if got is None or got[0] is not img:
            got = self._pic_cache[key] = (img, img.copy(0, r, img.width(), 1))
        return got[1]

    def _heat_frame(self, key) -> tuple[str, float]:
        """A heatmap's frame: the neuron's rim colour where the phase lights its layer."""
        from bpviz.gui.theme import THEMES

        s = self.session
        th = THEMES[s.theme]
        k = key[1]
        active = k in s.phase.neuron_layers and not s.training
        if active:
            return (ERROR_SIGNAL if s.phase.direction == "backward" else FORWARD), 2.0
        return th.neutral_edge, 1.0

    # ------------------------------------------------------------------------ reading it
    def picture_boxes(self, frames: bool = True) -> dict:
        """Every picture drawn (heatmaps, the input image, matrices) as a Box in scene
        pixels, with its frame (for tests and the collision check) or the image alone."""
        boxes = self._pic_boxes if frames else getattr(self, "_pic_inner", {})
        return {k: v for k, v in boxes.items() if k in self._tiles.tiles}

    def picture_legend(self) -> dict:
        """What the legend says about the pictures shown: heatmaps (with their axes), the
        matrices, the image."""
        s = self.session
        out = {}
        if self.heatmaps_shown and any(k[0] == "heat" for k in self._pic_images if isinstance(k, tuple)):
            labels = s.network.labels.neurons[0]
            spec = s.plane_axes
            if spec is None or spec.curve:
                out["heatmaps"] = f"along {labels[spec.x if spec else 0]} →"
            else:
                out["heatmaps"] = f"{labels[spec.x]} →, {labels[spec.y]} ↑"
        if self._matrix_layers:
            out["matrices"] = True
        if any(isinstance(k, tuple) and k[0] == "fprime" for k in self._pic_images):
            out["fprime"] = True
        if self._geometry.image is not None:
            out["image"] = True
        return out

    def matrix_cell_rect(self, j: int, r: int, c: int):
        """The view rectangle of cell (r, c) of weight layer j's matrix, or None."""
        _, cols = self._matrix_shape(j)
        for (x0, y0, x1, y1), r0, r1 in self._geometry.matrix_rects.get(j, ()):
            if r0 <= r < r1:
                cw, ch = (x1 - x0) / cols, (y1 - y0) / (r1 - r0)
                return (x0 + c * cw, y1 - (r - r0 + 1) * ch, x0 + (c + 1) * cw, y1 - (r - r0) * ch)
        return None


def _grey(th) -> np.ndarray:
    c = QColor(th.neuron_fill)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.uint8)
