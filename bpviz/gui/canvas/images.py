"""What the canvas's pictures show, as RGB arrays (numpy only, no Qt): each hidden and output
neuron's out over the input plane (a heatmap, or a curve over one input), the current sample of
an image-shaped input layer in grey levels, a dense layer's weight matrix, and a neuron's
f′(net) as a gauge.

Every array is (rows, columns, 3) uint8 with row 0 at the top of the picture on screen. The
colours are the data plane's: Okabe–Ito vermillion (low, negative) through the theme's
background to blue (high, positive), colour-blind safe, so a neuron's heatmap reads as the
data plane does.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "LUT_SIZE",
    "BOUNDED",
    "diverging_lut",
    "layer_range",
    "heat_rgb",
    "curve_rgb",
    "grey_rgb",
    "matrix_rgb",
    "symmetric_max",
    "FPRIME_ROWS",
    "fprime_rgb",
    "unknown_rgb",
]

LUT_SIZE = 256
# the ranges of the bounded activations' outs: a neuron's heatmap spans its activation's range
BOUNDED = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}
CURVE_ROWS, CURVE_COLS = 32, 32  # a curve's picture: pixels, about its size on screen
CURVE_HEAT = 0.45  # how much of its colour the strip under a curve takes


def _rgb(colour: str) -> np.ndarray:
    c = colour.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float64)


def diverging_lut(
    background: str, low: str, high: str, strength: float = 1.0, n: int = LUT_SIZE
) -> np.ndarray:
    """(n, 3) uint8: ``low`` through ``background`` (the middle) to ``high``, each end
    ``strength`` of the way from the background (the data plane's scale)."""
    bg, lo, hi = _rgb(background), _rgb(low), _rgb(high)
    t = np.linspace(0.0, 1.0, n)[:, None]
    a = np.abs(2 * t - 1) * strength
    end = np.where(t < 0.5, lo, hi)
    return np.round(bg + (end - bg) * a).astype(np.uint8)


def _index(values: np.ndarray, lo: float, hi: float, n: int) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        t = np.clip((v - lo) / span, 0.0, 1.0)
    t = np.nan_to_num(t, nan=0.5)
    return np.minimum((t * n).astype(np.int64), n - 1)


def symmetric_max(values: np.ndarray) -> float:
    """The largest finite |value| (1 when there is none, or it is 0)."""
    v = np.asarray(values, dtype=np.float64)
    v = np.abs(v[np.isfinite(v)])
    m = float(v.max()) if v.size else 0.0
    return m if m > 0 else 1.0


def layer_range(activation: str, grids: np.ndarray) -> tuple[float, float]:
    """The colour scale of a layer's heatmaps: its activation's range (sigmoid and softmax
    0 … 1, tanh −1 … 1); else ±the largest |out| over the layer's grids (0 in the middle)."""
    bounded = BOUNDED.get(activation)
    if bounded is not None:
        return bounded
    m = symmetric_max(grids)
    return -m, m


def heat_rgb(grid: np.ndarray, lo: float, hi: float, lut: np.ndarray) -> np.ndarray:
    """A neuron's out over the plane, (ny, nx) with row 0 the lowest y, as colours with row 0
    at the top (y up on screen)."""
    return lut[_index(np.asarray(grid)[::-1], lo, hi, len(lut))]


def curve_rgb(
    values: np.ndarray,
    lo: float,
    hi: float,
    lut: np.ndarray,
    line: str,
    rows: int = CURVE_ROWS,
    cols: int = CURVE_COLS,
) -> np.ndarray:
    """A neuron's out along one input: a strip coloured by the value (pale), and the curve
    itself in ``line``, low values at the bottom."""
    v = np.asarray(values, dtype=np.float64)
    x = np.linspace(0, len(v) - 1, cols)
    col = np.interp(x, np.arange(len(v)), np.nan_to_num(v, nan=(lo + hi) / 2))
    strip = lut[_index(col, lo, hi, len(lut))].astype(np.float64)
    bg = lut[len(lut) // 2].astype(np.float64)
    strip = np.round(bg + (strip - bg) * CURVE_HEAT).astype(np.uint8)
    img = np.repeat(strip[None, :, :], rows, axis=0)
    span = hi - lo if hi > lo else 1.0
    y = np.clip(np.round((1 - (col - lo) / span) * (rows - 1)), 0, rows - 1).astype(int)
    ink = _rgb(line).astype(np.uint8)
    for c in range(cols):  # each column's stretch from its neighbour's height to its own,
        a = y[c - 1] if c else y[c]  # two pixels thick
        lo_r, hi_r = min(a, y[c]), max(a, y[c])
        img[max(lo_r - 1, 0) : hi_r + 1, c] = ink
    return img


def grey_rgb(values: np.ndarray, lo: float, hi: float, dark: bool) -> np.ndarray:
    """An image-shaped input in grey levels: ``lo`` the paper (white, or black in the dark
    theme), ``hi`` the ink."""
    v = np.asarray(values, dtype=np.float64)
    span = hi - lo if hi > lo else 1.0
    with np.errstate(invalid="ignore"):
        t = np.nan_to_num(np.clip((v - lo) / span, 0.0, 1.0), nan=0.0)
    g = t if dark else 1.0 - t
    g = np.round(g * 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def matrix_rgb(values: np.ndarray, lut: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """A weight matrix (rows = the next layer's neurons, top first; columns = the inputs) on
    the diverging scale, ±``vmax`` (default: its own largest |value|)."""
    v = np.asarray(values, dtype=np.float64)
    m = symmetric_max(v) if vmax is None else vmax
    return lut[_index(v, -m, m, len(lut))]


FPRIME_ROWS = 40  # a gauge's picture: one column of this many rows, scaled crisp to its box
FPRIME_TICK = 0.25  # the gauge marks sigmoid's largest f′


def fprime_rgb(value: float, background: str, ink: str, tick: str, rows: int = FPRIME_ROWS) -> np.ndarray:
    """A neuron's f′(net) as a gauge on the scale 0 … 1, (rows, 1, 3): filled from the bottom
    to min(f′, 1) of its height in ``ink``, paler the smaller f′ (so a nearly empty gauge is
    also a faint one), the rest ``background`` with a ``tick`` mark at 0.25, sigmoid's
    largest f′ (tanh's and ReLU's is 1, the whole gauge)."""
    v = float(value) if np.isfinite(value) else 0.0
    t = min(max(v, 0.0), 1.0)
    bg, fg = _rgb(background), _rgb(ink)
    img = np.empty((rows, 1, 3), dtype=np.float64)
    img[:] = bg
    filled = int(round(t * rows))
    tick_row = rows - int(round(FPRIME_TICK * rows)) - 1  # just above a quarter's fill
    if filled < rows - tick_row:  # (a fuller gauge covers it)
        img[tick_row] = _rgb(tick)
    if filled:
        img[rows - filled :] = bg + (fg - bg) * (0.35 + 0.65 * t)
    return np.round(img).astype(np.uint8)


def unknown_rgb(background: str, fill: str, rows: int = FPRIME_ROWS) -> np.ndarray:
    """A gauge whose value is not revealed yet: hatched (neither empty nor full), (rows, 2, 3)."""
    img = np.empty((rows, 2, 3), dtype=np.uint8)
    a, b = _rgb(background).astype(np.uint8), _rgb(fill).astype(np.uint8)
    img[:] = a
    img[0::4, 0] = img[1::4, 0] = b
    img[2::4, 1] = img[3::4, 1] = b
    return img
