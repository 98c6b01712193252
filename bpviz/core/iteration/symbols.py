"""The network's labels as symbols: the one parser every renderer uses.

A label reads as a symbol when it is letters (with accents) followed by a subscript: digits
(``w5``, ``w1,2``), an underscore and anything (``w_x1,1``) or a parenthesised list
(``w(h1,i2)``). ``parse`` splits it into (base, subscript); a label that does not read as a
symbol (``2nd``, ``out-1``) is written as it is, upright.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bpviz.core.network import Network

__all__ = ["parse", "Names", "name_list"]

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


class Names:
    """The network's own labels in the plain-text spelling (``out_h1``, ``net_h1``, ``w5``),
    as the phase list's ``values`` name them."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.lab = net.labels

    def n(self, k: int, i: int) -> str:
        return self.lab.neurons[k][i]

    def out(self, k: int, i: int) -> str:
        return self.n(0, i) if k == 0 else f"out_{self.n(k, i)}"

    def net_(self, k: int, i: int) -> str:
        return f"net_{self.n(k, i)}"

    def w(self, j: int, r: int, c: int) -> str:
        return self.lab.weights[j][r][c]

    def b_unique(self, j: int, i: int) -> str:
        """A bias label that names one neuron even where a layer shares one label (seed 004)."""
        row = self.lab.biases[j]
        lbl = row[i]
        return lbl if row.count(lbl) == 1 else f"{lbl}({self.n(j + 1, i)})"


def name_list(names: list[str], limit: int = 6) -> str:
    """Names separated by commas, the middle of a long list left out: "x1, x2, …, x784"."""
    if len(names) > limit:
        names = names[: limit - 2] + ["…", names[-1]]
    return ", ".join(names)
