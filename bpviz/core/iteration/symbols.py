"""The network's labels as symbols: the one parser every renderer uses.

A label reads as a symbol when it is letters (with accents) followed by a subscript: digits
(``w5``, ``w1,2``), an underscore and anything (``w_x1,1``) or a parenthesised list
(``w(h1,i2)``). ``parse`` splits it into (base, subscript); a label that does not read as a
symbol (``2nd``, ``out-1``) is written as it is, upright.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["parse"]

_LABEL = re.compile(
    r"((?:[^\W\d_][\u0300-\u036f\u20d0-\u20ff]*)+)"
    r"(?:_(.+)|([0-9][0-9,]*)|\(([^()]+)\))?"
)


def parse(label: str) -> tuple[str, str | None] | None:
    """``(base, subscript)`` of a label that reads as a symbol, else None:
    ``w5`` → ("w", "5"), ``w1,2`` → ("w", "1,2"), ``w_x1,1`` → ("w", "x1,1"),
    ``w(h1,i2)`` → ("w", "h1,i2"), ``ŵ1`` → ("ŵ", "1"), ``bias`` → ("bias", None)."""
    s = unicodedata.normalize("NFD", label)
    m = _LABEL.fullmatch(s)
    if m is None:
        return None
    base = m.group(1)
    rest = next((g for g in m.groups()[1:] if g is not None), None)
    return unicodedata.normalize("NFC", base), rest
