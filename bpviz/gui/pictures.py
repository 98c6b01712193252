"""Pictures drawn: the core's ``Picture`` (``bpviz.core.teach.pictures``: numbers and their
scale) made an image on the shared colour scales (``colormaps``), with its colour bar; and how
large, for the width a view has. The inspector's Selection and Matrix tabs draw with these."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen

from bpviz.core.teach.pictures import Picture
from bpviz.gui import colormaps
from bpviz.gui.theme import FORWARD, SELECT

__all__ = [
    "MAX_CELL",
    "PLANE_SIDE",
    "MIN_SIDE",
    "PICTURE_ROOM",
    "pictures_across",
    "picture_size",
    "render_picture",
    "render_bar",
]

MAX_CELL = 12  # px (× font zoom) a value of an image takes at most
PLANE_SIDE = 150  # px (× font zoom) of a neuron's plane heatmap at most
MIN_SIDE = 48  # px an image shrinks to at least to fit the panel's width
PICTURE_ROOM = 100  # px (× font zoom) a picture with its caption needs beside another


@lru_cache(maxsize=8)
def _luts(theme) -> dict[str, np.ndarray]:
    """The scales of a theme, by the pictures' scale names."""
    return {
        "sign": colormaps.diverging(theme),
        "ink": colormaps.ink(theme),
        "plane": colormaps.diverging(theme, colormaps.HEAT),
    }


def pictures_across(width: float, zoom: float) -> int:
    """How many pictures fit side by side in ``width`` px (their captions readable)."""
    return max(1, int(width // (PICTURE_ROOM * zoom)))


def picture_size(p: Picture, width: float, zoom: float, across: int = 4) -> tuple[int, int]:
    """The picture's size in px: its share of ``width`` (``p.across`` side by side, at most
    ``across``), no larger than MAX_CELL px a value (PLANE_SIDE for a plane), no smaller
    than MIN_SIDE."""
    share = max(MIN_SIDE, width / max(1, min(p.across, across)) - 10 * zoom)
    rows, cols = p.shape
    if p.curve:
        w = int(min(share, 1.5 * PLANE_SIDE * zoom))
        return w, int(w * 0.6)
    if p.scale == "plane":
        side = int(min(share, PLANE_SIDE * zoom))
        return side, max(1, round(side * rows / cols))
    cell = max(1, min(int(share // cols), round(MAX_CELL * min(zoom, 1.5))))
    return cell * cols, cell * rows


def render_picture(p: Picture, theme, size: tuple[int, int], zoom: float = 1.0) -> QImage:
    """The picture as an image of ``size``: its values on its scale (``colormaps``), the
    marked cell ringed in the selection's colour; a "?" box while it is not revealed; a
    curve drawn as a line."""
    w, h = size
    if not p.known:
        img = QImage(w, h, QImage.Format.Format_RGB32)
        img.fill(QColor(theme.banner_bg))
        qp = QPainter(img)
        qp.setPen(QColor(SELECT))
        f = QFont()
        f.setPixelSize(max(10, h // 2))
        f.setBold(True)
        qp.setFont(f)
        qp.drawText(img.rect(), Qt.AlignmentFlag.AlignCenter, "?")
        qp.setPen(QColor(theme.neutral_edge))
        qp.drawRect(0, 0, w - 1, h - 1)
        qp.end()
        return img
    if p.curve:
        return _curve(p, theme, size, zoom)
    lut = _luts(theme)[p.scale]
    values = np.asarray(p.values, dtype=np.float64)
    rgb = lut[colormaps.indices(values, p.lo, p.hi, len(lut))]
    img = colormaps.scaled_image(rgb, w, h, smooth=p.scale == "plane").convertToFormat(
        QImage.Format.Format_RGB32
    )
    qp = QPainter(img)
    qp.setRenderHint(QPainter.RenderHint.Antialiasing)
    qp.setPen(QPen(QColor(theme.neutral_edge), 1))
    qp.drawRect(0, 0, w - 1, h - 1)
    if p.mark is not None:
        rows, cols = p.shape
        cw, ch = w / cols, h / rows
        r, c = p.mark
        pen = QPen(QColor(SELECT), max(2.0, 2 * zoom))
        qp.setPen(pen)
        if p.scale == "plane":  # a point of the plane: a ring around it
            rad = max(5.0, 5 * zoom)
            qp.drawEllipse(QRectF((c + 0.5) * cw - rad, (r + 0.5) * ch - rad, 2 * rad, 2 * rad))
        else:  # a pixel: a ring along the inside of its square (crisp, no antialiasing)
            qp.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            pw = int(pen.widthF())
            qp.setPen(Qt.PenStyle.NoPen)
            qp.setBrush(QColor(SELECT))
            x0, y0, x1, y1 = round(c * cw), round(r * ch), round((c + 1) * cw), round((r + 1) * ch)
            for rect in (
                (x0, y0, x1 - x0, pw),
                (x0, y1 - pw, x1 - x0, pw),
                (x0, y0, pw, y1 - y0),
                (x1 - pw, y0, pw, y1 - y0),
            ):
                qp.drawRect(*rect)
    qp.end()
    return img


def _curve(p: Picture, theme, size: tuple[int, int], zoom: float) -> QImage:
    """A function of one input: the line of its values over lo … hi, in the forward colour."""
    w, h = size
    img = QImage(w, h, QImage.Format.Format_RGB32)
    img.fill(QColor(theme.background))
    qp = QPainter(img)
    qp.setRenderHint(QPainter.RenderHint.Antialiasing)
    qp.setPen(QPen(QColor(theme.neutral_edge), 1))
    qp.drawRect(0, 0, w - 1, h - 1)
    v = np.asarray(p.values, dtype=np.float64)
    pad = 4 * zoom
    t = (np.nan_to_num(v, nan=p.lo) - p.lo) / ((p.hi - p.lo) or 1.0)
    ys = h - pad - np.clip(t, 0, 1) * (h - 2 * pad)
    xs = np.linspace(pad, w - pad, len(v))
    if p.lo < 0 < p.hi:  # the zero line
        y0 = h - pad - (-p.lo) / (p.hi - p.lo) * (h - 2 * pad)
        qp.setPen(QPen(QColor(theme.muted), 1, Qt.PenStyle.DashLine))
        qp.drawLine(int(pad), int(y0), int(w - pad), int(y0))
    path = QPainterPath()
    path.moveTo(xs[0], ys[0])
    for x, y in zip(xs[1:], ys[1:], strict=True):
        path.lineTo(x, y)
    qp.setPen(QPen(QColor(FORWARD), max(2.0, 2 * zoom)))
    qp.drawPath(path)
    if p.mark is not None and 0 <= p.mark[1] < len(v):  # the sample: a ring on the curve
        rad = max(5.0, 5 * zoom)
        qp.setPen(QPen(QColor(SELECT), max(2.0, 2 * zoom)))
        qp.setBrush(Qt.BrushStyle.NoBrush)
        qp.drawEllipse(QRectF(xs[p.mark[1]] - rad, ys[p.mark[1]] - rad, 2 * rad, 2 * rad))
    qp.end()
    return img


def render_bar(p: Picture, theme, width: int, zoom: float = 1.0) -> QImage:
    """The picture's colour scale, lo at the left to hi at the right."""
    lut = _luts(theme)[p.scale]
    h = max(6, round(8 * zoom))
    row = lut[np.linspace(0, len(lut) - 1, max(2, width)).round().astype(int)][None, :, :]
    img = colormaps.scaled_image(np.repeat(row, 2, axis=0), width, h).convertToFormat(
        QImage.Format.Format_RGB32
    )
    qp = QPainter(img)
    qp.setPen(QPen(QColor(theme.neutral_edge), 1))
    qp.drawRect(0, 0, width - 1, h - 1)
    if p.scale == "sign":
        qp.setPen(QPen(QColor(theme.muted), 1))
        qp.drawLine(width // 2, 0, width // 2, h)
    qp.end()
    return img
