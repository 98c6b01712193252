"""One layer of the canvas's edges: many segments in a few pens, painted opaque into an image
of their own, which is kept until the segments, pens or view change and blended at the
layer's opacity.

Qt's software rasteriser strokes a translucent wide segment 5–20× slower than an opaque one
(and every ``PlotCurveItem`` with a device cache was a canvas-sized pixmap blended on every
repaint). Here a layer strokes its pens opaque once into its image, then a repaint is one
blit. A phase step that changes only the highlights leaves the edge layer's image alone:
``rebuilds`` counts how often the image was drawn anew.

Exports paint through the same path (an image at the export's resolution); a vector export
(SVG) gets the segments themselves, their pens carrying the opacity as alpha.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPaintEngine, QPainter, QPen, QTransform
from PySide6.QtWidgets import QWidget

from bpviz.gui.canvas.drawing_cost import EXPORT_AA_EDGES


class Stroke:
    """Segments (x, y in pairs, view units) in one opaque colour and pixel width."""

    __slots__ = ("rgba", "width", "x", "y")

    def __init__(self, color, width: float, x: np.ndarray, y: np.ndarray) -> None:
        self.rgba = QColor(color).rgba()
        self.width = round(float(width), 3)
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)

    def same(self, other: Stroke) -> bool:
        return (
            self.rgba == other.rgba
            and self.width == other.width
            and np.array_equal(self.x, other.x)
            and np.array_equal(self.y, other.y)
        )


class EdgeLayer(pg.GraphicsObject):
    """Strokes painted opaque into a cached image, shown at ``opacity``."""

    def __init__(self) -> None:
        super().__init__()
        self._strokes: list[Stroke] = []
        self._antialias = True
        self._alpha = 1.0
        self._bounds = QRectF()
        self._pad_px = 0.0
        self._image: QImage | None = None
        self._image_key = None
        self._version = 0
        self.rebuilds = 0  # images drawn (a repaint with nothing changed draws none)

    # ------------------------------------------------------------------ data
    @property
    def n_segments(self) -> int:
        return sum(len(s.x) // 2 for s in self._strokes)

    @property
    def antialias(self) -> bool:
        return self._antialias

    def set_strokes(self, strokes: list[Stroke], antialias: bool, opacity: float = 1.0) -> bool:
        """New strokes; nothing happens (the image is kept) when they equal the old ones.
        Returns whether anything changed."""
        strokes = [s for s in strokes if len(s.x)]
        same = (
            antialias == self._antialias
            and round(opacity, 4) == round(self._alpha, 4)
            and len(strokes) == len(self._strokes)
            and all(a.same(b) for a, b in zip(strokes, self._strokes, strict=True))
        )
        if same:
            return False
        self.prepareGeometryChange()
        self._strokes = strokes
        self._antialias = antialias
        self._alpha = opacity
        self._version += 1
        if strokes:
            xs = np.concatenate([s.x for s in strokes])
            ys = np.concatenate([s.y for s in strokes])
            self._bounds = QRectF(
                QPointF(float(xs.min()), float(ys.min())), QPointF(float(xs.max()), float(ys.max()))
            )
            self._pad_px = max(s.width for s in strokes) / 2 + 2
        else:
            self._bounds = QRectF()
        self.update()
        return True

    # ------------------------------------------------------------------ geometry
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        if not self._strokes:
            return QRectF()
        px = self.pixelVectors()
        if px[0] is None:
            return QRectF(self._bounds)
        dx = abs(px[0].x()) + abs(px[1].x())
        dy = abs(px[0].y()) + abs(px[1].y())
        return self._bounds.adjusted(
            -dx * self._pad_px, -dy * self._pad_px, dx * self._pad_px, dy * self._pad_px
        )

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        self.prepareGeometryChange()  # the pixel padding is in view units
        self.update()

    # ------------------------------------------------------------------ painting
    def _draw(self, p: QPainter, alpha: float = 1.0, to_device: QTransform | None = None) -> None:
        """Every stroke's segments; with ``to_device`` the points are mapped here (numpy) and
        painted untransformed: Qt strokes a wide pen under a scaling transform through a
        ~30× slower path."""
        for s in self._strokes:
            c = QColor.fromRgba(s.rgba)
            if alpha < 1.0:
                c.setAlphaF(alpha)
            pen = QPen(c, s.width)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.SquareCap)
            p.setPen(pen)
            x, y = s.x, s.y
            if to_device is not None:
                t = to_device
                x, y = x * t.m11() + y * t.m21() + t.dx(), x * t.m12() + y * t.m22() + t.dy()
            # the segments in a buffer Qt reads directly (no Python object per segment)
            n = len(x) // 2
            segs = PrimitiveArray(QLineF, 4)
            segs.resize(n)
            m = segs.ndarray()
            m[:, 0], m[:, 1], m[:, 2], m[:, 3] = (
                x[0 : 2 * n : 2],
                y[0 : 2 * n : 2],
                x[1 : 2 * n : 2],
                y[1 : 2 * n : 2],
            )
            p.drawLines(*segs.drawargs())

    def paint(self, p: QPainter, *_args) -> None:
        if not self._strokes:
            return
        exporting = self._exportOpts is not False
        aa = self._antialias or (exporting and self.n_segments <= EXPORT_AA_EDGES)
        dev = p.device()
        if p.paintEngine() is None or p.paintEngine().type() != QPaintEngine.Type.Raster or dev is None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, aa)
            self._draw(p, self._alpha)  # a vector device: the segments themselves
            return
        # in the painter's logical coordinates (its world transform: a widget painted through
        # its window's backing store has an offset below that, which Qt adds itself), the
        # image in device pixels
        dpr = dev.devicePixelRatioF() or 1.0
        logical_px = 1.0 if isinstance(dev, QWidget) else 1.0 / dpr  # QImage sizes are physical
        wt = p.transform()
        area = QRectF(0, 0, dev.width() * logical_px, dev.height() * logical_px)
        seen = wt.mapRect(self.boundingRect()).intersected(area)
        if seen.isEmpty():
            return
        target = QRectF(
            seen.x() * dpr, seen.y() * dpr, seen.width() * dpr, seen.height() * dpr
        ).toAlignedRect()
        key = (
            self._version,
            aa,
            wt.m11(),
            wt.m12(),
            wt.m21(),
            wt.m22(),
            wt.dx(),
            wt.dy(),
            dpr,
            target.getRect(),
        )
        if key != self._image_key:
            img = QImage(target.width(), target.height(), QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(Qt.GlobalColor.transparent)
            q = QPainter(img)
            q.setRenderHint(QPainter.RenderHint.Antialiasing, aa)
            to_image = (
                wt * QTransform.fromScale(dpr, dpr) * QTransform.fromTranslate(-target.x(), -target.y())
            )
            self._draw(q, to_device=to_image)
            q.end()
            self._image, self._image_key = img, key
            self.rebuilds += 1
        p.save()
        p.resetTransform()
        p.setOpacity(p.opacity() * self._alpha)
        p.drawImage(
            QRectF(target.x() / dpr, target.y() / dpr, target.width() / dpr, target.height() / dpr),
            self._image,
        )
        p.restore()
