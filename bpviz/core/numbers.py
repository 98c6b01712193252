"""How bpviz writes a number: 9 decimals as seed 004 prints them, 4 as seed 003 rounds."""

from __future__ import annotations

import math

__all__ = ["fmt"]


def fmt(v: float, decimals: int = 9) -> str:
    """``0.593269992``, ``0.4``, ``-9.6``; scientific where fixed decimals would hide the value
    (``3.51085e-05``); trailing zeros dropped."""
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == 0.0:
        return "0"
    a = abs(v)
    small = 1e-4 if decimals >= 7 else 10.0 ** -(decimals - 1)
    if a < small or a >= 1e7:
        s = f"{v:.{max(decimals - 3, 3)}e}"
        mant, exp = s.split("e")
        if "." in mant:
            mant = mant.rstrip("0").rstrip(".")
        return f"{mant}e{exp}"
    s = f"{v:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s
