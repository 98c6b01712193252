"""Peak decimation of a bounded error record for the plot: the points to draw for a visible
range at about two per pixel, each pixel's min and max, so the curve keeps its envelope (a
spike stays visible) however many entries fall in a pixel.

The record (``bpviz.gui.error_history.Record``) is bounded: at most 125,000 exact values and
10,000 buckets, so decimating the visible part from scratch on each redraw costs at most a
few passes over 135,000 numbers (about a millisecond), whatever the run's length; no
pyramid has to be kept up to date. An entry spans steps ``first`` … ``last`` with values
``lo`` … ``hi`` (an exact value: first == last, lo == hi); a bucket is drawn as its min at its
first step and its max at its middle, the way a block of a peak pyramid is.
"""

from __future__ import annotations

import numpy as np

__all__ = ["envelope"]


def envelope(
    first: np.ndarray,
    last: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    x0: float,
    x1: float,
    width: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions and values to draw for the entries that reach into x0 … x1 (and one more on
    each side, so the line runs to the edges) at about ``width`` pixels: every entry when they
    are few, else each pixel's min and max. ``first``/``last`` are increasing."""
    n = len(first)
    if not n:
        return np.zeros(0), np.zeros(0)
    i0 = max(0, int(np.searchsorted(last, x0)) - 1)
    i1 = min(n, int(np.searchsorted(first, x1, side="right")) + 1)
    if i1 <= i0:
        return np.zeros(0), np.zeros(0)
    f, la, a, b = first[i0:i1], last[i0:i1], lo[i0:i1], hi[i0:i1]
    width = max(int(width), 1)
    if i1 - i0 <= 2 * width:
        single = (f == la) & ((a == b) | (a != a))  # an exact value (or NaN): one point
        if single.all():
            return f.astype(float), np.asarray(a, dtype=float)
        xs = np.empty(2 * len(f))
        ys = np.empty(2 * len(f))
        xs[0::2], xs[1::2] = f, (f + la) / 2
        ys[0::2], ys[1::2] = a, b
        keep = np.ones(len(xs), bool)
        keep[1::2] = ~single
        return xs[keep], ys[keep]
    # each pixel's first entry, by binary search of the pixels' left edges (the entries are in
    # order): O(pixels · log entries), the reductions then one pass
    # (integer edges: searching int64 steps for floats would convert every step first)
    edges = np.ceil(np.linspace(float(x0), float(x1), width + 1)).astype(f.dtype)
    at = np.searchsorted(f, edges)  # non-decreasing
    at = at[(at > 0) & (at < len(f))]
    starts = np.concatenate([[0], at[np.diff(at, prepend=0) != 0]])
    ends = np.append(starts[1:], len(f))
    with np.errstate(invalid="ignore"):
        mn = np.fmin.reduceat(a, starts)
        mx = np.fmax.reduceat(b, starts)
    xs = np.empty(2 * len(starts))
    ys = np.empty(2 * len(starts))
    xs[0::2] = f[starts]
    xs[1::2] = (f[starts] + la[ends - 1]) / 2
    ys[0::2], ys[1::2] = mn, mx
    if ends[-1] - starts[-1] > 1:  # the line ends on the newest entry, as it is
        xs, ys = np.append(xs, f[-1]), np.append(ys, a[-1])
    return xs, ys
