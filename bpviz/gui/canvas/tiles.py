"""Pictures on the canvas: images placed in rectangles of the view (y up), each with an
optional frame, in one graphics item.

The per-neuron heatmaps, an image-shaped input layer and the weight matrices of dense layers
are tiles of one :class:`TileLayer`. The label layout sets each tile's rectangle (in view
units, so exports scale them with everything else); an image changes only when what it shows
does. Painting maps each image onto its rectangle with a local transform (no reset of the
painter's), so raster and vector (SVG) exports draw the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

__all__ = ["Tile", "TileLayer", "to_qimage"]


def to_qimage(rgb: np.ndarray) -> QImage:
    """An (h, w, 3) uint8 array as a QImage that owns its pixels."""
    a = np.ascontiguousarray(rgb, dtype=np.uint8)
    h, w = a.shape[:2]
    argb = np.empty((h, w), dtype=np.uint32)
    argb[:] = (
        0xFF000000 | (a[..., 0].astype(np.uint32) << 16) | (a[..., 1].astype(np.uint32) << 8) | a[..., 2]
    )
    img = QImage(argb.data, w, h, 4 * w, QImage.Format.Format_RGB32)
    return img.copy()  # a deep copy: the array goes away


@dataclass
class Tile:
    """An image in the view rectangle (x0, y0)–(x1, y1) (y0 < y1: y points up), with a frame
    of ``frame`` colour and ``width`` px (none where ``frame`` is None); ``smooth`` scales the
    image smoothly (a heatmap), else each cell stays a crisp block (pixels, weights)."""

    image: QImage
    rect: tuple[float, float, float, float]
    frame: str | None = None
    width: float = 1.0
    smooth: bool = False


class TileLayer(pg.GraphicsObject):
    """Tiles by key; a repaint draws each image onto its rectangle."""

    def __init__(self) -> None:
        super().__init__()
        self._tiles: dict = {}
        self._bounds = QRectF()
        self._pad = 0.0

    @property
    def tiles(self) -> dict:
        return self._tiles

    def set_tiles(self, tiles: dict) -> None:
        """New tiles (key → Tile); repaints only when something changed."""
        same = tiles.keys() == self._tiles.keys() and all(
            a.image is b.image
            and a.rect == b.rect
            and a.frame == b.frame
            and a.width == b.width
            and a.smooth == b.smooth
            for a, b in ((tiles[k], self._tiles[k]) for k in tiles)
        )
        if same:
            return
        self.prepareGeometryChange()
        self._tiles = dict(tiles)
        if tiles:
            r = np.array([t.rect for t in tiles.values()], dtype=float)
            self._bounds = QRectF(
                QPointF(float(r[:, 0].min()), float(r[:, 1].min())),
                QPointF(float(r[:, 2].max()), float(r[:, 3].max())),
            )
            self._pad = max(t.width for t in tiles.values()) + 2
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        if not self._tiles:
            return QRectF()
        px = self.pixelVectors()
        if px[0] is None:
            return QRectF(self._bounds)
        dx = (abs(px[0].x()) + abs(px[1].x())) * self._pad
        dy = (abs(px[0].y()) + abs(px[1].y())) * self._pad
        return self._bounds.adjusted(-dx, -dy, dx, dy)

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        self.prepareGeometryChange()  # the frames' padding is in pixels
        self.update()

    def paint(self, p: QPainter, *_args) -> None:
        for t in self._tiles.values():
            x0, y0, x1, y1 = t.rect
            w, h = t.image.width(), t.image.height()
            if x1 <= x0 or y1 <= y0 or w == 0 or h == 0:
                continue
            p.save()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, t.smooth)
            # image row 0 at the top: the view's y points up
            p.translate(x0, y1)
            p.scale((x1 - x0) / w, -(y1 - y0) / h)
            p.drawImage(QPointF(0, 0), t.image)
            p.restore()
            if t.frame is not None:
                # around the image, not over its edge cells: half the pen's width out
                m = p.transform()
                ux = t.width / 2 / max(abs(m.m11()) + abs(m.m21()), 1e-12)
                uy = t.width / 2 / max(abs(m.m22()) + abs(m.m12()), 1e-12)
                pen = QPen(QColor(t.frame), t.width)
                pen.setCosmetic(True)
                pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
                p.setPen(pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(QPointF(x0 - ux, y0 - uy), QPointF(x1 + ux, y1 + uy)))
