"""Peak decimation that keeps up with a growing series.

A pyramid of (min, max) per block of 2, 4, 8, … values, extended as values arrive, so the
points to draw for any range cost O(pixels), not O(values): a plot of a million steps updates
as fast as one of a thousand. min/max commute with log10, so one pyramid serves both scales.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PeakPyramid"]


class PeakPyramid:
    def __init__(self) -> None:
        self.values = np.empty(0)  # a view of the series (level 0)
        self.n = 0
        self._min: list[np.ndarray] = []  # level k ≥ 1: blocks of 2**k values
        self._max: list[np.ndarray] = []

    def update(self, values: np.ndarray, changed_from: int) -> None:
        """The series is now ``values``; entries from ``changed_from`` on are new."""
        self.values = values
        n = len(values)
        start = min(changed_from, self.n, n)
        prev_min, prev_max = values, values
        k = 1
        while (n >> k) >= 1:
            m = n >> k
            if len(self._min) < k:
                self._min.append(np.empty(0))
                self._max.append(np.empty(0))
            mn, mx = self._min[k - 1], self._max[k - 1]
            if len(mn) < m:
                size = max(m, 2 * len(mn), 64)
                g_mn, g_mx = np.empty(size), np.empty(size)
                g_mn[: len(mn)], g_mx[: len(mx)] = mn, mx
                self._min[k - 1], self._max[k - 1] = mn, mx = g_mn, g_mx
            b = start >> k  # first block of this level that changed
            if b < m:
                lo, hi = prev_min[2 * b : 2 * m], prev_max[2 * b : 2 * m]
                with np.errstate(invalid="ignore"):
                    np.fmin(lo[0::2], lo[1::2], out=mn[b:m])
                    np.fmax(hi[0::2], hi[1::2], out=mx[b:m])
            prev_min, prev_max = mn, mx
            k += 1
        self.n = n

    def points(self, i0: int, i1: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions and values to draw for entries i0 … i1 − 1 at about ``width`` pixels:
        every value when they are few, else each block's min and max."""
        i0, i1 = max(0, i0), min(self.n, i1)
        if i1 <= i0:
            return np.zeros(0), np.zeros(0)
        span = i1 - i0
        k = 0
        while (span >> (k + 1)) >= max(width, 1) and k + 1 <= len(self._min):
            k += 1
        if k == 0:
            idx = np.arange(i0, i1)
            return idx.astype(float), self.values[i0:i1]
        size = 1 << k
        b0, b1 = i0 >> k, i1 >> k  # whole blocks; the ragged ends come from the raw values
        mn, mx = self._min[k - 1][b0:b1], self._max[k - 1][b0:b1]
        pos = (np.arange(b0, b1) * size).astype(float)
        xs = np.empty(2 * len(pos))
        ys = np.empty(2 * len(pos))
        xs[0::2] = pos
        xs[1::2] = pos + size / 2
        ys[0::2] = mn
        ys[1::2] = mx
        tail = np.arange(b1 * size, i1)  # fewer than one block: drawn as they are
        if len(tail):
            xs = np.concatenate([xs, tail.astype(float)])
            ys = np.concatenate([ys, self.values[tail]])
        return xs, ys
