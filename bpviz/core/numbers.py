"""How bpviz writes a number.

- ``fmt``: fixed decimals, 9 as seed 004 prints them, 4 as seed 003 rounds (the inspector, the
  CLI and the worked examples; the seeds' figures are checked against it).
- ``sig``: significant figures, for the canvas, where a fixed number of decimals would hide a
  small value (δ = 0.009954 rounded to 4 decimals reads "0.01").
"""

from __future__ import annotations

import math
import re

__all__ = ["fmt", "sig", "MINUS", "read_number"]

MINUS = "\u2212"  # the true minus sign, as type-setters write it


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


def sig(v: float, digits: int = 4) -> str:
    """``v`` to ``digits`` significant figures, never a rounding that hides it.

    The rule:
    - 1e-4 ≤ |v| < 1e7: fixed notation with ``digits`` significant figures, and never fewer
      than the whole integer part (``0.009954``, ``0.0006813``, ``0.7414``, ``1.106``,
      ``12346``);
    - smaller or larger: scientific, ``digits`` significant figures in the mantissa and the
      exponent without a plus or leading zeros (``3.511e−5``, ``1.2e7``);
    - trailing zeros (and a bare decimal point) are dropped, in both notations (``0.5``,
      ``2e−5``);
    - negative numbers and exponents take the true minus sign "−" (U+2212); zero is ``0``.
    """
    v = float(v)
    digits = max(1, int(digits))
    if not math.isfinite(v):
        return "nan" if math.isnan(v) else ("∞" if v > 0 else f"{MINUS}∞")
    if v == 0.0:
        return "0"
    a = abs(v)
    if 1e-4 <= a < 1e7:
        decimals = max(digits - 1 - math.floor(math.log10(a)), 0)
        s = f"{a:.{decimals}f}"
        if float(s) >= 1e7:  # rounded up past the range: write it as the large numbers are
            return _sci(v, digits)
        if "." in s:
            s = s.rstrip("0").rstrip(".")
        if float(s) == 0.0:
            return "0"
    else:
        return _sci(v, digits)
    return (MINUS if v < 0 else "") + s


def _sci(v: float, digits: int) -> str:
    mant, exp = f"{abs(v):.{digits - 1}e}".split("e")
    if "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    e = int(exp)
    return (MINUS if v < 0 else "") + f"{mant}e{MINUS if e < 0 else ''}{abs(e)}"


# ------------------------------------------------------------------------------ reading
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")


def _show(text: str) -> str:
    t = text if len(text) <= 24 else text[:21] + "..."
    return '"' + t.replace('"', '\\"') + '"'


def read_number(text: str, decimal_comma: bool = False) -> float:
    """The one rule for reading a number someone typed (a dialog field, the canvas's weight
    editor, the Training dock, a data cell, a CSV field): a finite float, or a ValueError whose
    message is the reason (``empty``, ``"abc" is not a number``, ``NaN is not a finite
    number``, a hint to use a decimal point). The true minus sign reads as a minus;
    ``decimal_comma`` also accepts ``0,5`` (a CSV whose separator is not a comma)."""
    s = str(text).strip().replace(MINUS, "-")
    if not s:
        raise ValueError("empty cell (type a number)")
    if decimal_comma and _DECIMAL_COMMA.fullmatch(s):
        s = s.replace(",", ".")
    if "_" in s:  # float() accepts 1_000; a spreadsheet does not
        raise ValueError(f"{_show(s)} is not a number")
    try:
        v = float(s)
    except ValueError:
        if re.fullmatch(r"[+-]?\d*,\d+", s):
            raise ValueError(
                f"{_show(s)} is not a number (use a decimal point: {s.replace(',', '.')})"
            ) from None
        raise ValueError(f"{_show(s)} is not a number") from None
    if math.isnan(v):
        raise ValueError(f"{_show(s)} is not a finite number (NaN)")
    if math.isinf(v):
        if s.lower().lstrip("+-").startswith("inf"):
            raise ValueError(f"{_show(s)} is not a finite number (infinity)")
        raise ValueError(f"{_show(s)} is too large (beyond ±1.8e308, it overflows to infinity)")
    return v
