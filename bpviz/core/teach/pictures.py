"""Pictures in the inspector's text: numbers too many to list, drawn as small images instead.

A ``Picture`` is the numbers and how to colour them; the text refers to it by key
(``<img src='pic:KEY'>``, and ``pic:KEY:bar`` for its colour bar) and the view that shows the
text turns each into an image (the GUI's colour scales). This module decides what is drawn and
on which scale; it draws nothing itself (no Qt in core).

Scales (``Picture.scale``):

* ``"sign"``: weights, gradients, updates: vermillion below 0, blue above, paler nearer 0,
  symmetric about 0 (lo = −hi = the largest |value|, written "±a"), so a colour's side is
  the sign;
* ``"ink"``: an input image: the background at lo (0) to the text colour at hi;
* ``"plane"``: a neuron's out over the input plane, the data plane's heatmap scale (lo … hi,
  its middle at the scale's middle).

A picture's ``values`` are rows × columns with row 0 drawn at the top (an image's first row; a
plane's highest y), or one row of a function's values along x (``curve``: drawn as a line).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from bpviz.core.numbers import sig

__all__ = ["Picture", "SCALES", "sign_range", "ink_range", "cell_of", "figures", "src", "bar_src"]

SCALES = ("sign", "ink", "plane")


@dataclass(frozen=True, eq=False)
class Picture:
    """Numbers drawn as an image. ``mark``: a cell (row, column) ringed in the selection's
    colour; ``known``: False draws a "?" box (the stepper has not revealed the numbers yet);
    ``curve``: one row of values drawn as a line over ``values``' x range."""

    key: str
    values: np.ndarray
    lo: float
    hi: float
    scale: str
    caption: str  # rich text, escaped
    mark: tuple[int, int] | None = None
    known: bool = True
    curve: bool = False
    across: int = 1  # pictures side by side in its row (the view sizes them to fit)

    def __post_init__(self) -> None:
        if self.scale not in SCALES:
            raise ValueError(f"no scale {self.scale!r}")

    @property
    def shape(self) -> tuple[int, int]:
        v = np.asarray(self.values)
        return (1, v.shape[0]) if v.ndim == 1 else (int(v.shape[0]), int(v.shape[1]))

    def scale_words(self) -> str:
        """The ends of the colour scale, as written under the bar."""
        lo, hi = (sig(v, 2).replace("-", "−") for v in (self.lo, self.hi))
        if self.scale == "sign" and self.lo == -self.hi:
            return f"±{hi}"  # symmetric about 0: the bar's middle is 0
        return f"{lo} … {hi}"


def src(p: Picture) -> str:
    return f"pic:{p.key}"


def bar_src(p: Picture) -> str:
    return f"pic:{p.key}:bar"


def sign_range(values) -> tuple[float, float]:
    """(−a, a), a the largest finite |value| (1 when all are 0 or none is finite)."""
    v = np.asarray(values, dtype=np.float64)
    v = np.abs(v[np.isfinite(v)])
    a = float(v.max()) if v.size else 0.0
    a = a if a > 0 else 1.0
    return -a, a


def ink_range(values) -> tuple[float, float] | None:
    """(0, the largest value) for inputs that are never negative (an image's intensities),
    else None (draw them on the sign scale)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size and float(v.min()) < 0:
        return None
    hi = float(v.max()) if v.size else 0.0
    return 0.0, hi if hi > 0 else 1.0


def cell_of(index: int, shape: tuple[int, int]) -> tuple[int, int]:
    """(row, column) of raw input ``index`` in an image of ``shape`` (row-major)."""
    return divmod(int(index), int(shape[1]))


def figures(pictures: list[Picture], note: str = "", across: int = 4, shared: bool = False) -> str:
    """Pictures as a rich-text table, ``across`` a row: captions above, the images, their
    colour bars and the scales' ends below (``shared``: one scale for all, under the
    first); ``note`` a muted line under them."""
    if not pictures:
        return ""

    def row(cells) -> str:
        return "<tr>" + "".join(f"<td align='center' valign='top'>{c}</td>" for c in cells) + "</tr>"

    q = " <span class='q'>?</span>"
    body = ""
    across = max(1, across)
    scaled = {id(p) for p in pictures[: 1 if shared else None] if p.known and not p.curve}
    for at in range(0, len(pictures), across):
        chunk = pictures[at : at + across]
        body += row(f"<span class='pc'>{p.caption}{'' if p.known else q}</span>" for p in chunk)
        body += row(f"<img src='{src(p)}'>" for p in chunk)
        if any(id(p) in scaled for p in chunk):
            body += row(f"<img src='{bar_src(p)}'>" if id(p) in scaled else "" for p in chunk)
            body += row(
                f"<span class='pc'>{html.escape(p.scale_words())}</span>" if id(p) in scaled else ""
                for p in chunk
            )
    out = f"<table class='pics' cellspacing='0' cellpadding='3'>{body}</table>"
    return out + (f"<p class='m'>{note}</p>" if note else "")
