"""The data plane dock: the samples over the plane of two inputs and the network's output as a
heatmap beneath them, with the class boundary; for one input, the function curve.

What it draws, all of it from ``Session.plane`` (``bpviz.core.plane``: the grid and its values
come from the core, computed in the training process while training; this module only maps
numbers to colours):

* one output (or one chosen of several independent ones): the output's value as a heatmap on
  a colour-blind-safe diverging scale (Okabe–Ito vermillion, the background, blue) with a
  colour bar, and the class boundary, the contour at 0.5 (0 for tanh outputs), as a line;
* several outputs read as classes (softmax, one-hot targets): each point's class (the largest
  output) in Okabe–Ito's categorical colours, paler where the network is less sure, and the
  borders between the regions;
* the samples as points, training rows filled, test rows hollow, coloured by class or target;
  while stepping, the current iteration's samples ringed in orange;
* at the update phase the plane after the update, with the boundary before it dashed;
* one raw input: the function curve of the output against the input, with the samples;
* more than two raw inputs: two chosen ones (the combo boxes), the others held at their
  training mean, as the title says.

The view draws only while it is visible: it tells the session so (``set_plane_use``), and the
training process sends planes only then. Hover reads off the nearest sample or the value
under the cursor.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QTextOption
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from bpviz.core import classify
from bpviz.core import plane as core_plane
from bpviz.core.numbers import sig
from bpviz.gui import colormaps
from bpviz.gui.session import Session
from bpviz.gui.shown import WhileShown
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, NEGATIVE, POSITIVE, SELECT, THEMES, base_point_size

__all__ = ["DataPlane", "PlaneView", "CLASS_COLOURS", "value_colours", "held_words"]

# Okabe–Ito: class 1 vermillion and class 2 blue, as the sign colours of the canvas (one
# output's low and high side), then the rest of the set; then Paul Tol's wine and teal, so ten
# classes (digits) each have their own colour
CLASS_COLOURS = (
    NEGATIVE,
    POSITIVE,
    FORWARD,
    ERROR_SIGNAL,
    SELECT,
    "#56B4E9",
    "#F0E442",
    "#999999",
    "#882255",
    "#44AA99",
)
HELD_LISTED = 4  # held inputs named in the title; more are counted
HEAT = 0.62  # how much of its colour the heatmap's strongest value takes (points take all)
REGION_LOW, REGION_HIGH = 0.18, 0.62  # a class region's colour where the network is unsure … sure
CURVE = FORWARD  # the function curve: the network's output, the forward pass's colour
LUT_SIZE = 256


def _rgb(colour: str) -> np.ndarray:
    c = pg.mkColor(colour)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def value_colours(theme, strength: float = HEAT, n: int = LUT_SIZE) -> np.ndarray:
    """(n, 3) uint8: vermillion (low) through the theme's background (the middle, where the
    boundary lies) to blue (high), each end ``strength`` of the way from the background: the
    shared scale of ``bpviz.gui.colormaps`` (the inspector's pictures use it too)."""
    return colormaps.diverging(theme, strength, n)


def class_colour(i: int) -> str:
    return CLASS_COLOURS[i % len(CLASS_COLOURS)]


def _scaled(values: np.ndarray, lo: float, hi: float, n: int = LUT_SIZE) -> np.ndarray:
    """Indices 0 … n − 1 of values on the scale lo … hi (not finite: the middle)."""
    with np.errstate(all="ignore"):
        t = (np.asarray(values, dtype=np.float64) - lo) / (hi - lo)
    t = np.nan_to_num(t, nan=0.5, posinf=1.0, neginf=0.0)
    return np.clip(np.round(t * (n - 1)), 0, n - 1).astype(np.intp)


def _same(a, b) -> bool:
    """The same object (a plane), or an equal selection (a neuron's (layer, index))."""
    return a is b or (isinstance(a, tuple) and a == b)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def held_words(held, labels) -> str:
    """ "x3 = 0.12, x4 = −0.5 held at their training means"; past HELD_LISTED inputs the
    first few and how many more ("… and 779 more inputs held at their training means")."""
    n = len(held)
    shown = held if n <= HELD_LISTED else held[: HELD_LISTED - 1]
    words = ", ".join(f"{_html(labels[i])} = {sig(v, 3)}" for i, v in shown)
    if n > len(shown):
        words += f" and {n - len(shown):,} more inputs"
    return f"{words} held at {'its' if n == 1 else 'their'} training mean{'s' if n > 1 else ''}"


class _SmoothImage(pg.ImageItem):
    """The heatmap scaled smoothly (bilinear) rather than as blocks of grid cells."""

    def paint(self, painter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        super().paint(painter, *args)


class PlaneView(pg.PlotWidget):
    """The plot of the data plane (a pyqtgraph view: exports as clean vectors)."""

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.output: int | None = None  # the output shown; None: the classes (regions)
        self._drawn = None  # (plane, after) last drawn
        self._labels: list[str] = []
        pi = self.plotItem
        pi.setMenuEnabled(False)
        pi.hideButtons()
        self.setMinimumSize(160, 160)
        self.image = _SmoothImage(axisOrder="row-major")
        self.image.setZValue(-20)
        pi.addItem(self.image)
        self.before = pg.PlotCurveItem(connect="pairs", antialias=True)
        self.before.setZValue(5)
        pi.addItem(self.before)
        self.boundary = pg.PlotCurveItem(connect="pairs", antialias=True)
        self.boundary.setZValue(6)
        pi.addItem(self.boundary)
        self.curve_before = pg.PlotCurveItem(antialias=True)
        self.curve_before.setZValue(5)
        pi.addItem(self.curve_before)
        self.curve = pg.PlotCurveItem(antialias=True)
        self.curve.setZValue(6)
        pi.addItem(self.curve)
        self.level_line = pg.InfiniteLine(angle=0, movable=False)
        self.level_line.setZValue(1)
        pi.addItem(self.level_line, ignoreBounds=True)
        self.train_points = pg.ScatterPlotItem(pxMode=True)
        self.train_points.setZValue(10)
        pi.addItem(self.train_points)
        self.test_points = pg.ScatterPlotItem(pxMode=True)
        self.test_points.setZValue(11)
        pi.addItem(self.test_points)
        self.marks = pg.ScatterPlotItem(pxMode=True)
        self.marks.setZValue(12)
        pi.addItem(self.marks)
        # below the plot: the key (symbols and words) and, for one output's values, the
        # colour bar
        self.key = pg.LabelItem(justify="left")
        pi.layout.addItem(self.key, 4, 1)
        self.bar = pg.ColorBarItem(
            values=(0, 1),
            colorMap=pg.ColorMap(None, [(0, 0, 0), (1, 1, 1)]),
            interactive=False,
            orientation="horizontal",
            width=12,
        )
        self._bar_shown = False
        pi.vb.setMouseEnabled(False, False)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).enableAutoSIPrefix(False)  # the inputs' own numbers, never "× 0.001"
        pi.titleLabel.item.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
        self.scene().sigMouseMoved.connect(self._hover)
        self._points: dict = {}
        self._theme()

    # -- what is shown -------------------------------------------------------------------
    @property
    def doc(self):
        return self.session.doc

    @property
    def regions(self) -> bool:
        """Classes as regions: several outputs read as classes, with no single output chosen."""
        return self.output is None and core_plane.regions(self.doc)

    def shown_output(self) -> int:
        return 0 if self.output is None else self.output

    def set_output(self, i: int | None) -> None:
        if i != self.output:
            self.output = i
            self.rebuild()

    # -- drawing -------------------------------------------------------------------------
    def rebuild(self) -> None:
        """Everything again: labels, points, ranges, the plane (new data, axes, theme)."""
        s = self.session
        net = s.network
        self._labels = list(net.labels.neurons[0][: net.n_raw])
        self._drawn = None
        self._axes_for = None  # labels and ranges again
        self._title = self._key = None
        n_out = net.sizes[-1]
        if self.output is not None and self.output >= n_out:
            self.output = None
        if self.output is None and not core_plane.regions(self.doc) and n_out > 1:
            self.output = 0
        self._draw_points()
        self.refresh()

    def _theme(self) -> None:
        th = THEMES[self.session.theme]
        self.th = th
        self.setBackground(th.background)
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setPen(th.muted)
            a.setTextPen(th.text)
        self.level_line.setPen(pg.mkPen(th.muted, width=1, style=Qt.PenStyle.DashLine))
        self._lut = value_colours(th)
        self._lut_full = value_colours(th, 1.0)
        self.bar.setColorMap(pg.ColorMap(np.linspace(0, 1, LUT_SIZE), self._lut))
        self._zoom()

    def _zoom(self) -> None:
        z = self.session.zoom
        pt = base_point_size() * z
        font = QFont(self.font())
        font.setPointSizeF(pt)
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setTickFont(font)
            a.setStyle(tickTextOffset=max(2, round(3 * z)))
            a.labelStyle = {"color": self.th.text, "font-size": f"{pt:.1f}pt"}
        self.bar.axis.setTickFont(font)
        self.bar.axis.setTextPen(self.th.text)
        self.bar.axis.setPen(self.th.muted)
        self._pt = pt
        self._z = z

    def on_display(self) -> None:
        """Theme or font zoom changed."""
        self._theme()
        self.rebuild()

    def _draw_points(self) -> None:
        """The training and test rows: filled and hollow, coloured by class or target."""
        s = self.session
        doc = self.doc
        fr = s.plane_frame
        z = self._z
        size = 9 * z
        th = self.th
        out = self.shown_output()
        self._points = {}
        for which, item, x, t in (
            ("training", self.train_points, doc.inputs, doc.targets),
            ("test", self.test_points, doc.test_inputs, doc.test_targets),
        ):
            if not len(x):
                item.setData([], [])
                self._points[which] = (np.zeros(0), np.zeros(0))
                continue
            px = x[:, fr.spec.x]
            py = t[:, out] if fr.curve else x[:, fr.spec.y]
            if fr.curve:
                colours = [th.neuron_edge] * len(px)
            elif self.regions or (t.shape[1] > 1 and self.output is None):
                cls = classify.true_classes(doc, t)
                colours = [class_colour(int(c)) for c in cls]
            else:
                lo, hi = core_plane.value_range(doc, t[:, out])
                idx = _scaled(t[:, out], lo, hi)
                colours = [tuple(self._lut_full[i]) for i in idx]
            self._points[which] = (px, py)
            if which == "training":
                brushes = [pg.mkBrush(c) for c in colours]
                item.setData(
                    px, py, size=size, brush=brushes, pen=pg.mkPen(th.neuron_edge, width=1), symbol="o"
                )
            else:
                pens = [pg.mkPen(c, width=max(2.0, 2 * z)) for c in colours]
                item.setData(px, py, size=size, brush=pg.mkBrush(th.background), pen=pens, symbol="o")

    def refresh(self, *_a) -> None:
        """The plane at the weights on screen (or the run's latest), with the boundary before
        the update at the update phase."""
        s = self.session
        plane = s.plane
        after = None if s.training else s.plane_after
        if plane is None:
            return  # while a run has sent none yet: keep what is drawn
        neuron = self.selected_neuron()
        key = (plane, after, self.output, neuron)
        if self._drawn is not None and all(_same(a, b) for a, b in zip(self._drawn, key, strict=True)):
            return
        self._drawn = key
        shown, before = (after, plane) if after is not None else (plane, None)
        if neuron is not None:
            self._draw_neuron(plane, neuron)
            self._draw_marks(plane.frame)
            self._write_title(plane, None, neuron)
            return
        if shown.frame.curve:
            self._draw_curve(shown, before)
        else:
            self._draw_plane(shown, before)
        self._draw_marks(shown.frame)
        self._write_title(shown, before)

    def selected_neuron(self) -> tuple[int, int] | None:
        """The hidden neuron the inspector shows, (layer, index), while stepping (not while
        training): the plane then shows what that neuron computes over the inputs, large."""
        s = self.session
        sel = s.selection
        if s.training or sel is None or sel.kind != "neuron":
            return None
        k, i = sel.index
        return (k, i) if 0 < k < s.network.L else None

    def _neuron_values(self, plane, neuron) -> np.ndarray:
        """The neuron's out over the frame, at the weights the plane was computed at (the
        core's batched pass, once per plane and frame)."""
        key = (id(plane), id(plane.frame))
        if getattr(self, "_grids_key", None) != key:
            net = self.session.trace.network
            self._grids = core_plane.neuron_grids(net, plane.frame)
            self._grids_key = key
        k, i = neuron
        return np.asarray(self._grids[k - 1][i], dtype=np.float64)

    def _draw_neuron(self, plane, neuron) -> None:
        fr = plane.frame
        v = self._neuron_values(plane, neuron)
        self.boundary.hide()
        self.before.hide()
        self.level_line.hide()
        self.curve_before.hide()
        act = self.session.network.activations[neuron[0] - 1].name
        bounded = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
        with np.errstate(all="ignore"):
            lo, hi = bounded.get(act, (float(np.nanmin(v)), float(np.nanmax(v))))
        if not hi > lo:
            hi = lo + 1.0
        if fr.curve:
            self.image.hide()
            self._show_bar(False)
            self.curve.setPen(pg.mkPen(CURVE, width=2.5 * self._z))
            self.curve.setData(fr.xs, np.nan_to_num(v, nan=0.0, posinf=0.0, neginf=0.0))
            self.curve.show()
            self._axes(fr, v)
            return
        self.curve.hide()
        self.image.show()
        rgb = self._lut[_scaled(v, lo, hi)]
        self.image.setImage(np.ascontiguousarray(rgb), autoLevels=False, levels=None)
        (x0, x1), (y0, y1) = fr.x_range, fr.y_range
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self._show_bar(True, lo, hi)
        self._axes(fr)

    def _draw_plane(self, plane, before) -> None:
        fr = plane.frame
        doc = self.doc
        self.curve.hide()
        self.curve_before.hide()
        self.level_line.hide()
        self.image.show()
        xs, ys = fr.xs, fr.ys
        if self.regions:
            k = plane.outputs.shape[-1]
            cls = core_plane.classes(plane)
            with np.errstate(all="ignore"):
                top = np.nan_to_num(plane.outputs.max(axis=-1), nan=0.0)
            sure = np.clip((top - 1 / k) / (1 - 1 / k), 0, 1) if k > 1 else np.ones_like(top)
            bg = _rgb(self.th.background)
            cols = np.array([_rgb(class_colour(i)) for i in range(k)])
            a = (REGION_LOW + (REGION_HIGH - REGION_LOW) * sure)[..., None]
            rgb = np.round(bg + (cols[cls] - bg) * a).astype(np.uint8)
            lines = core_plane.borders(plane.outputs, xs, ys)
            old = core_plane.borders(before.outputs, xs, ys) if before is not None else None
            self._show_bar(False)
        else:
            o = self.shown_output()
            v = plane.output(o)
            lo, hi = core_plane.value_range(doc, v, doc.targets[:, o])
            rgb = self._lut[_scaled(v, lo, hi)]
            at = core_plane.level(doc)
            classed = classify.applies(doc)
            lines = core_plane.contour(v, at, xs, ys) if classed else np.zeros((0, 2))
            old = core_plane.contour(before.output(o), at, xs, ys) if classed and before is not None else None
            self._show_bar(True, lo, hi)
        img = np.ascontiguousarray(rgb)
        self.image.setImage(img, autoLevels=False, levels=None)
        (x0, x1), (y0, y1) = fr.x_range, fr.y_range
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self._set_lines(self.boundary, lines, self.th.text, 2.0, Qt.PenStyle.SolidLine)
        self._set_lines(self.before, old, self.th.text, 1.5, Qt.PenStyle.DashLine)
        self._axes(fr)

    def _set_lines(self, item, seg, colour, width, style) -> None:
        if seg is None or not len(seg):
            item.setData([], [])
            item.hide()
            return
        item.setPen(pg.mkPen(colour, width=width * self._z, style=style))
        item.setData(seg[:, 0], seg[:, 1], connect="pairs")
        item.show()

    def _draw_curve(self, plane, before) -> None:
        fr = plane.frame
        doc = self.doc
        o = self.shown_output()
        self.image.hide()
        self.boundary.hide()
        self.before.hide()
        self._show_bar(False)
        y = plane.output(o)
        self.curve.setPen(pg.mkPen(CURVE, width=2.5 * self._z))
        self.curve.setData(fr.xs, np.nan_to_num(y, nan=0.0, posinf=0.0, neginf=0.0))
        self.curve.show()
        if before is not None:
            self.curve_before.setPen(pg.mkPen(self.th.muted, width=1.5 * self._z, style=Qt.PenStyle.DashLine))
            self.curve_before.setData(fr.xs, np.nan_to_num(before.output(o)))
            self.curve_before.show()
        else:
            self.curve_before.hide()
        if classify.applies(doc):
            self.level_line.setPos(core_plane.level(doc))
            self.level_line.show()
        else:
            self.level_line.hide()
        self._axes(fr, y)

    def _axes(self, fr, y=None) -> None:
        """Labels and ranges (again only when the frame changes)."""
        pi = self.plotItem
        labels = self._labels
        # (the run's planes arrive as new objects: the same frame is the same spec and ranges)
        same = (fr.spec, fr.x_range, fr.y_range) == getattr(self, "_axes_for", None)
        if same and y is None:
            return
        bottom = labels[fr.spec.x] if fr.spec.x < len(labels) else "x"
        pi.setLabel("bottom", _html(bottom), **self.plotItem.getAxis("bottom").labelStyle)
        if fr.curve:
            out_label = self.session.network.labels.neurons[-1][self.shown_output()]
            pi.setLabel("left", _html(out_label), **self.plotItem.getAxis("left").labelStyle)
            doc = self.doc
            o = self.shown_output()
            vals = [y[np.isfinite(y)], doc.targets[:, o], doc.test_targets[:, o]]
            v = np.concatenate([np.asarray(a, dtype=float).ravel() for a in vals])
            lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
            pad = 0.08 * (hi - lo) if hi > lo else 0.5
            pi.vb.setAspectLocked(False)
            pi.vb.setRange(xRange=fr.x_range, yRange=(lo - pad, hi + pad), padding=0)
        else:
            left = labels[fr.spec.y] if fr.spec.y < len(labels) else "y"
            pi.setLabel("left", _html(left), **self.plotItem.getAxis("left").labelStyle)
            if not same:
                wx = fr.x_range[1] - fr.x_range[0]
                wy = fr.y_range[1] - fr.y_range[0]
                pi.vb.setAspectLocked(1 / 3 <= wx / wy <= 3, ratio=1)
                pi.vb.setRange(xRange=fr.x_range, yRange=fr.y_range, padding=0)
        self._axes_for = (fr.spec, fr.x_range, fr.y_range)

    def _show_bar(self, on: bool, lo: float = 0.0, hi: float = 1.0) -> None:
        pi = self.plotItem
        if on and not self._bar_shown:
            pi.layout.addItem(self.bar, 5, 1)
            self.bar.show()
        elif not on and self._bar_shown:
            pi.layout.removeItem(self.bar)
            self.bar.hide()
        self._bar_shown = on
        if on:
            self.bar.setLevels((lo, hi))

    def _draw_marks(self, fr) -> None:
        """The current iteration's samples, ringed (while stepping; not when the step uses
        every row)."""
        s = self.session
        if s.training or not s.doc.n_samples:
            self.marks.setData([], [])
            return
        rows = list(s.trace.samples)
        if len(rows) >= s.doc.n_samples and s.doc.n_samples > 1:
            self.marks.setData([], [])
            return
        px, py = self._points.get("training", (np.zeros(0), np.zeros(0)))
        rows = [r for r in rows if r < len(px)]
        self.marks.setData(
            px[rows],
            py[rows],
            size=16 * self._z,
            brush=None,
            pen=pg.mkPen(SELECT, width=2.5 * self._z),
            symbol="o",
        )

    def _write_title(self, plane, before, neuron=None) -> None:
        s = self.session
        net = s.network
        fr = plane.frame
        labels = self._labels
        outs = net.labels.neurons[-1]
        names = [_html(labels[i]) for i in (fr.spec.x, fr.spec.y) if i is not None]
        if neuron is not None:
            who = _html(net.labels.neurons[neuron[0]][neuron[1]])
            over = f"against {names[0]}" if fr.curve else f"over {names[0]} and {names[1]}"
            what = f"out of {who} (selected) {over}"
        elif fr.curve:
            what = f"{_html(outs[self.shown_output()])} against {names[0]}"
        elif self.regions:
            what = f"class (the largest output) over {names[0]} and {names[1]}"
        else:
            what = f"{_html(outs[self.shown_output()])} over {names[0]} and {names[1]}"
        # while training the title stays put (the step is in the status line and the plot): a
        # new title every frame would lay the plot out again every frame
        when = "training" if s.training else f"after step {plane.step:,}" if plane.step else "before training"
        if before is not None:
            when = f"after the update of step {plane.step:,}"
        lines = [f"{what}  ·  {when}"]
        if fr.held:
            lines.append(held_words(fr.held, labels))
        col = self.th.text
        title = ("<br>".join(lines), col, self._pt)
        new = title != getattr(self, "_title", None)  # (a new text lays the plot out again)
        if new:
            self._title = title
            self.plotItem.setTitle(title[0], color=col, size=f"{self._pt:.1f}pt")
        if self._write_key(plane, before) or new:
            self._fit_texts()

    def _write_key(self, plane, before) -> bool:
        """The key below the plot; True when its text changed."""
        doc = self.doc
        th = self.th
        fr = plane.frame
        parts = []

        def sym(colour, glyph, words):
            parts.append(
                f"<span style='white-space:nowrap'><span style='color:{colour}'>{glyph}</span>"
                f"&nbsp;{_html(words)}</span>"
            )

        if not fr.curve and (self.regions or classify.applies(doc)):
            names = classify.class_names(doc)
            if self.regions or doc.network.sizes[-1] == 1:
                for i, n in enumerate(names):
                    sym(class_colour(i), "■", n)
            else:
                o = self.shown_output()
                sym(NEGATIVE, "■", f"{doc.network.labels.neurons[-1][o]} < {sig(core_plane.level(doc), 3)}")
                sym(POSITIVE, "■", f"≥ {sig(core_plane.level(doc), 3)}")
        edge = th.neuron_edge
        sym(edge, "●", "training")
        if doc.n_test:
            sym(edge, "○", "test")
        if fr.curve:
            sym(CURVE, "━", "network")
            if before is not None:
                sym(th.muted, "╍", "before the update")
        else:
            if self.boundary.isVisible():
                sym(th.text, "━", "border" if self.regions else f"boundary ({sig(core_plane.level(doc), 3)})")
            if before is not None and self.before.isVisible():
                sym(th.text, "╍", "before the update")
        if len(self.marks.data):
            sym(SELECT, "◯", "this step's samples")
        # the entries break between each other, never inside one
        key = (" &nbsp; ".join(parts), th.text, self._pt)
        if key == getattr(self, "_key", None):
            return False
        self._key = key
        self.key.setText(key[0], color=th.text, size=f"{self._pt:.1f}pt")
        return True

    def _fit_texts(self) -> None:
        """The title and the key wrap to the plot's width, so a long title (held inputs) or
        many classes never widen the dock beyond the window."""
        pi = self.plotItem
        room = max(60.0, self.width() - pi.getAxis("left").width() - 12)
        for label in (pi.titleLabel, self.key):
            item = label.item
            item.setTextWidth(-1)
            if item.boundingRect().width() > room:
                item.setTextWidth(room)
            label.updateMin()
            label.resizeEvent(None)
        # pyqtgraph gives the title row a fixed 30 px: as tall as the (wrapped) title instead
        h = pi.titleLabel.item.boundingRect().height() + 4
        pi.titleLabel.setMaximumHeight(h)
        pi.layout.setRowFixedHeight(0, h)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if hasattr(self, "th"):
            self._fit_texts()

    # -- hover ---------------------------------------------------------------------------
    def _hover(self, pos) -> None:
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(pos):
            QToolTip.hideText()
            return
        text = self.describe(vb.mapSceneToView(pos), pos)
        if text:
            QToolTip.showText(self.mapToGlobal(self.mapFromScene(pos)), text, self)

    def describe(self, p, scene_pos=None) -> str:
        """What is under the point p (view coordinates): the nearest sample within a few
        pixels, else the network's output there."""
        s = self.session
        doc = self.doc
        if self._drawn is None:
            return ""
        plane = self._drawn[1] if self._drawn[1] is not None else self._drawn[0]
        if plane is None:
            return ""
        fr = plane.frame
        labels = self._labels
        outs = s.network.labels.neurons[-1]
        vb = self.plotItem.vb
        px_w = vb.viewPixelSize()
        best = None
        for which, (xs, ys) in self._points.items():
            if not len(xs):
                continue
            d = np.hypot((xs - p.x()) / px_w[0], (ys - p.y()) / px_w[1])
            i = int(np.argmin(d))
            if d[i] <= 7 * self._z and (best is None or d[i] < best[0]):
                best = (d[i], which, i)
        if best is not None:
            _d, which, i = best
            x = doc.inputs if which == "training" else doc.test_inputs
            t = doc.targets if which == "training" else doc.test_targets
            ins = ", ".join(f"{labels[j]} = {sig(x[i, j], 4)}" for j in range(x.shape[1]))
            tt = ", ".join(sig(v, 4) for v in t[i])
            words = f"{which} sample {i + 1}: {ins}; target {tt}"
            if classify.applies(doc):
                words += f" ({classify.class_names(doc)[int(classify.true_classes(doc, t[i : i + 1])[0])]})"
            return words
        at = core_plane.value_at(plane, p.x(), None if fr.curve else p.y())
        if at is None:
            return ""
        v, _idx = at
        where = f"{labels[fr.spec.x]} = {sig(p.x(), 3)}"
        if not fr.curve:
            where += f", {labels[fr.spec.y]} = {sig(p.y(), 3)}"
        vals = ", ".join(f"{outs[j]} = {sig(v[j], 3)}" for j in range(len(v)))
        words = f"{where}: {vals}"
        if classify.applies(doc) and not fr.curve:
            cls = int(classify.predict(doc, v[None, :])[0])
            words += f" → {classify.class_names(doc)[cls]}"
        return words


class DataPlane(WhileShown, QWidget):
    """The dock's widget: the axes and output choices (where there is a choice) over the plot."""

    def __init__(self, session: Session, parent=None, controls: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("data-plane")
        self.show_controls = controls  # False: the picture alone (exports)
        self.session = session
        self._view: PlaneView | None = None  # made when first shown (~20 ms of start-up)
        self.x_box = QComboBox()
        self.y_box = QComboBox()
        self.out_box = QComboBox()
        self.x_box.setToolTip("The input across the plane")
        self.y_box.setToolTip("The input up the plane; the other inputs are held at their training means")
        self.out_box.setToolTip(
            "What the heatmap shows: one output's value with its boundary, or for several "
            "outputs read as classes the class of each point (the largest output)"
        )
        self.controls = QWidget()
        row = QHBoxLayout(self.controls)
        row.setContentsMargins(4, 2, 4, 0)
        self._x_label, self._y_label, self._out_label = QLabel("across"), QLabel("up"), QLabel("show")
        for w in (self._x_label, self.x_box, self._y_label, self.y_box, self._out_label, self.out_box):
            row.addWidget(w)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.controls)
        self._layout = lay
        self.setToolTip(
            "The data plane: the samples (training filled, test hollow) over two inputs, and "
            "the network's output at every point of the plane as a heatmap with its class "
            "boundary. Live while training; at the update phase the boundary before the "
            "update is dashed. Hover to read off a sample or the output."
        )
        self._filling = False
        self.x_box.currentIndexChanged.connect(lambda _i: self._axes_chosen(self.x_box))
        self.y_box.currentIndexChanged.connect(lambda _i: self._axes_chosen(self.y_box))
        self.out_box.currentIndexChanged.connect(self._output_chosen)
        s = session
        s.planeChanged.connect(self._on_plane)
        s.traceChanged.connect(self._on_stepping)
        s.phaseChanged.connect(self._on_stepping)
        s.trainingChanged.connect(self._on_training)
        s.documentChanged.connect(self._on_document)
        s.displayChanged.connect(self._on_display)
        s.selectionChanged.connect(self._on_stepping)
        self._display = (s.theme, s.zoom)
        self._stale = True
        self.controls.hide()  # filled when first shown (a 784-input network's boxes cost ~80 ms)

    @property
    def view(self) -> PlaneView:
        """The plot (made on first use)."""
        if self._view is None:
            self._view = PlaneView(self.session, self)
            self._layout.addWidget(self._view, 1)
        return self._view

    # -- visibility: the plane costs nothing while nobody looks (shown.WhileShown) --------
    def _shown_changed(self, on: bool) -> None:
        self.session.set_plane_use("plane", on)
        if not on:
            return
        if self._stale:
            self._stale = False
            self._fill()
            self.view.rebuild()
        else:
            self.view.refresh()

    def _live(self) -> bool:
        if self._shown:
            return True
        self._stale = True
        return False

    # -- choices -------------------------------------------------------------------------
    def _fill(self) -> None:
        s = self.session
        net = s.network
        labels = list(net.labels.neurons[0][: net.n_raw])
        outs = list(net.labels.neurons[-1])
        spec = s.plane_axes
        self._filling = True
        try:
            for box, choice in ((self.x_box, spec.x), (self.y_box, spec.y)):
                box.clear()
                box.addItems(labels)
                if choice is not None:
                    box.setCurrentIndex(choice)
            self.out_box.clear()
            regions = core_plane.regions(s.doc)
            if regions:
                self.out_box.addItem("classes")
            self.out_box.addItems(outs)
            v = self.view
            cur = v.output
            self.out_box.setCurrentIndex((0 if cur is None else cur + 1) if regions else (cur or 0))
        finally:
            self._filling = False
        many_inputs = net.n_raw > 2
        for w in (self._x_label, self.x_box, self._y_label, self.y_box):
            w.setVisible(many_inputs)
        has_choice = self.out_box.count() > 1
        self._out_label.setVisible(has_choice)
        self.out_box.setVisible(has_choice)
        self.controls.setVisible(self.show_controls and (many_inputs or has_choice))

    def _axes_chosen(self, box: QComboBox) -> None:
        if self._filling:
            return
        x, y = self.x_box.currentIndex(), self.y_box.currentIndex()
        if x == y:  # swap rather than refuse: the other box takes the old choice
            old = self.session.plane_axes
            other_box, other = (self.x_box, old.y) if box is self.y_box else (self.y_box, old.x)
            self._filling = True
            other_box.setCurrentIndex(other)
            self._filling = False
            x, y = self.x_box.currentIndex(), self.y_box.currentIndex()
        self.session.set_plane_axes(x, y)
        if self._live():
            self.view.rebuild()

    def _output_chosen(self) -> None:
        if self._filling:
            return
        i = self.out_box.currentIndex()
        regions = core_plane.regions(self.session.doc)
        self.view.set_output((None if i == 0 else i - 1) if regions else i)

    # -- the session's signals -------------------------------------------------------------
    def _on_plane(self) -> None:
        if self._live():
            self.view.refresh()

    def _on_stepping(self, *_a) -> None:
        """New weights, phase or selection while stepping by hand (while training the run's
        planes arrive on their own)."""
        if not self.session.training and self._live():
            self.view.refresh()

    def _on_training(self, _on: bool) -> None:
        if self._live():
            self.view.refresh()

    def _on_document(self) -> None:
        if self._live():
            self._fill()
            self.view.rebuild()

    def _on_display(self) -> None:
        s = self.session
        if (s.theme, s.zoom) == self._display:
            return
        self._display = (s.theme, s.zoom)
        if self._live():
            self.view.on_display()
        elif self._view is not None:
            self._view._theme()
