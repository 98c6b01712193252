"""Colour scales shared by the views that draw numbers as images (the data plane, the
inspector's pictures, the canvas's heatmaps), so one colour means one thing everywhere.

All are colour-blind safe (Okabe–Ito): the sign of a value is vermillion (negative, or below
the scale's middle) or blue (positive, above), fading to the theme's background at the middle;
an input image is ink on the background. A scale is a look-up table, (n, 3) uint8, and
``indices`` maps values onto it. Qt only for parsing colours and making images; no maths of
the network here.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from bpviz.gui.theme import NEGATIVE, POSITIVE

__all__ = ["LUT_SIZE", "HEAT", "rgb", "diverging", "ink", "indices", "image", "scaled_image"]

LUT_SIZE = 256
HEAT = 0.62  # how much of its colour the data plane's heatmap takes at its strongest value


def rgb(colour: str) -> np.ndarray:
    """A colour ("#RRGGBB" or a name) as float64 (r, g, b) in 0 … 255."""
    c = QColor(colour)
    return np.array([c.red(), c.green(), c.blue()], dtype=np.float64)


def diverging(theme, strength: float = 1.0, n: int = LUT_SIZE) -> np.ndarray:
    """(n, 3) uint8: vermillion (low) through the theme's background (the middle) to blue
    (high), each end ``strength`` of the way from the background. ``diverging(theme, HEAT)``
    is the data plane's heatmap scale; ``diverging(theme)`` the full-strength sign scale of
    weights and gradients (symmetric about 0: lo = −hi)."""
    bg, lo, hi = rgb(theme.background), rgb(NEGATIVE), rgb(POSITIVE)
    t = np.linspace(0.0, 1.0, n)[:, None]
    a = np.abs(2 * t - 1) * strength
    end = np.where(t < 0.5, lo, hi)
    return np.round(bg + (end - bg) * a).astype(np.uint8)


def ink(theme, n: int = LUT_SIZE) -> np.ndarray:
    """(n, 3) uint8: the theme's background (low) to its text colour (high): an input image
    drawn as ink on paper (a digit's strokes dark on white, light on the dark theme)."""
    bg, fg = rgb(theme.background), rgb(theme.text)
    t = np.linspace(0.0, 1.0, n)[:, None]
    return np.round(bg + (fg - bg) * t).astype(np.uint8)


def indices(values, lo: float, hi: float, n: int = LUT_SIZE) -> np.ndarray:
    """Indices 0 … n − 1 of ``values`` on the scale lo … hi (not finite, or lo = hi: the
    middle; beyond the ends: the ends)."""
    with np.errstate(all="ignore"):
        t = (np.asarray(values, dtype=np.float64) - lo) / (hi - lo)
    t = np.nan_to_num(t, nan=0.5, posinf=1.0, neginf=0.0)
    return np.clip(np.round(t * (n - 1)), 0, n - 1).astype(np.intp)


def image(rgb_array: np.ndarray) -> QImage:
    """An (h, w, 3) uint8 array as a QImage (a copy: the array may go)."""
    a = np.ascontiguousarray(rgb_array, dtype=np.uint8)
    h, w = a.shape[:2]
    return QImage(a.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


def scaled_image(rgb_array: np.ndarray, width: int, height: int, smooth: bool = False) -> QImage:
    """The array as an image of width × height pixels: each value a block of pixels
    (``smooth``: scaled bilinearly, for a sampled function such as a heatmap)."""
    mode = Qt.TransformationMode.SmoothTransformation if smooth else Qt.TransformationMode.FastTransformation
    return image(rgb_array).scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio, mode)
