"""A document as data: headings, paragraphs, displayed equations, tables and a figure.

The worked example (:mod:`bpviz.core.teach.worked_example`) says *what* to write as a
:class:`Document`; one writer per medium says *how* (:mod:`.markdown`, :mod:`.htmldoc`,
:mod:`.latex`), with the renderers of :mod:`.render` for every piece of maths. Paragraphs are
sequences of inline items: plain text (``str``), :class:`Em`, :class:`Strong` and
:class:`Math` (an expression or an equation of :mod:`bpviz.core.expr`).

:func:`rows` lays an equation out in rows for every medium alike: ``lhs = a = b`` on one line
when it fits, else one row per form, and a sum too long for a row continued on the next.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bpviz.core.expr import Eq, Node, Sum
from bpviz.core.teach import render

__all__ = [
    "inline_with",
    "FORMATS",
    "Document",
    "Heading",
    "Para",
    "Display",
    "Gap",
    "Table",
    "Figure",
    "Em",
    "Strong",
    "Dots",
    "Math",
    "Row",
    "rows",
    "laid_out",
    "write",
]

FORMATS = ("md", "html", "tex")

ROW_WIDTH = 78  # characters of plain text in one row of a display


class Em(str):
    """Emphasised text."""


class Strong(str):
    """Bold text."""


class Dots(str):
    """ "⋯" (``Dots("h")``) where a row leaves terms out, "⋮" (``Dots("v")``) a column."""


@dataclass(frozen=True)
class Math:
    """Inline maths: an expression, or an equation written on one line."""

    x: Node | Eq


@dataclass
class Heading:
    level: int  # 2 a section, 3 a subsection, 4 below that
    text: str


@dataclass
class Para:
    items: tuple
    role: str = ""  # "closing": the last paragraph, set apart


class Gap:
    """A row of a display that says "and so on" (⋮)."""


@dataclass
class Display:
    """Equations shown apart, aligned at their "=" signs."""

    eqs: tuple  # of Eq (and Gap)


@dataclass
class Table:
    """``head`` and ``rows`` are lists of cells; a cell is a tuple of inline items. Columns
    from ``numeric_from`` on are aligned right."""

    head: list
    rows: list  # None: a row of "⋮"
    numeric_from: int = 1


@dataclass
class Figure:
    """The network as a picture: ``nodes`` (x, y, label, kind) with kind "neuron" or "bias",
    ``edges`` (x1, y1, x2, y2, label or ""); labels are the network's, written as symbols."""

    nodes: list
    edges: list
    width: float
    height: float


@dataclass
class Document:
    title: str
    subtitle: str
    blocks: list = field(default_factory=list)
    figure: Figure | None = None  # placed after the first section's first block

    def equations(self) -> list[Eq]:
        """Every displayed equation (for the tests that check each one evaluates)."""
        return [e for b in self.blocks if isinstance(b, Display) for e in b.eqs if isinstance(e, Eq)]


# --------------------------------------------------------------------------- equation rows
@dataclass
class Row:
    """One row of a display: ``lhs`` (or None on a continued row), then ``lead`` — "=" with
    ``items`` the forms joined by "=", or "+" with ``items`` the further terms of a sum (an
    ``int`` among them is "… n more terms")."""

    lhs: Node | None
    lead: str
    items: list


def _width(x) -> int:
    return len(render.text(x)) if isinstance(x, Node) else 12


def rows(eq: Eq, width: Callable[[Node], int] = _width, limit: int = ROW_WIDTH) -> list[Row]:
    """The rows of one equation: everything on one row when it fits, else as many forms per
    row as fit; a sum wider than a row is continued on the next rows."""
    lhs, forms = eq.lhs, eq.parts()[1:]
    if not forms:
        return [Row(lhs, "", [])]
    out: list[Row] = []
    line: list[Node] = []
    used = width(lhs)
    for n, f in enumerate(forms):
        w = width(f) + 3
        slack = 16 if n == len(forms) - 1 and eq.result is not None else 0  # a short result
        if line and used + w > limit + slack:
            out.append(Row(lhs if not out else None, "=", line))
            line, used = [], 6
        line.append(f)
        used += w
    out.append(Row(lhs if not out else None, "=", line))
    split: list[Row] = []
    for r in out:
        if len(r.items) == 1 and isinstance(r.items[0], Sum) and width(r.items[0]) > limit:
            split += _split_sum(r, r.items[0], width, limit)
        else:
            split.append(r)
    return split


def _split_sum(r: Row, s: Sum, width, limit: int) -> list[Row]:
    terms: list = list(s.terms) + ([s.more] if s.more else []) + ([s.last] if s.last is not None else [])
    chunks: list[list] = [[]]
    used = 6
    for t in terms:
        w = (width(t) if not isinstance(t, int) else 24) + 3
        if chunks[-1] and used + w > limit:
            chunks.append([])
            used = 8
        chunks[-1].append(t)
        used += w
    first = chunks[0]
    cut = next((i for i, t in enumerate(first) if isinstance(t, int)), len(first))
    if cut < len(first):  # "… n more" never ends the first row
        chunks[0:1] = [first[:cut], first[cut:]]
        first = chunks[0]
    head = Row(r.lhs, "=", [Sum(tuple(first))] if len(first) > 1 else first)
    return [head] + [Row(None, "+", c) for c in chunks[1:]]


def right_side(r: render.Renderer, row: Row) -> str:
    """What a row writes right of its "=" (or its "+"), in the renderer's medium."""
    if row.lead == "+":
        return r.plus.lstrip() + r.plus.join(
            r.ellipsis(t) if isinstance(t, int) else r.wrap(t, 1) for t in row.items
        )
    return r.eq.join(r(x) for x in row.items)


def inline_with(items, math, dots, em, strong, text) -> str:
    """A paragraph's items in one medium: each writer gives how it writes maths, an
    ellipsis, emphasis, strong text and plain text."""
    out = []
    for it in items:
        if isinstance(it, Math):
            out.append(math(it.x))
        elif isinstance(it, Dots):
            out.append(dots(it))
        elif isinstance(it, Em):
            out.append(em(it))
        elif isinstance(it, Strong):
            out.append(strong(it))
        else:
            out.append(text(it))
    return "".join(out)


def laid_out(r: render.Renderer, eq: Eq) -> list[tuple[str, str, str]]:
    """(lhs, relation, right side) per row of ``eq`` in the renderer's medium; the note,
    if any, after the last row."""
    out = [
        (r(row.lhs) if row.lhs is not None else "", "=" if row.lead == "=" else "", right_side(r, row))
        for row in rows(eq)
    ]
    if eq.note:
        lhs, rel, rhs = out[-1]
        out[-1] = (lhs, rel, rhs + r.note(eq.note))
    return out


def write(doc: Document, form: str) -> str:
    """The document as Markdown with LaTeX maths (``md``), a self-contained HTML page
    (``html``) or a LaTeX article (``tex``)."""
    if form == "md":
        from bpviz.core.teach import markdown as w
    elif form == "html":
        from bpviz.core.teach import htmldoc as w
    elif form == "tex":
        from bpviz.core.teach import latex as w
    else:
        raise ValueError(f"unknown format {form!r} (expected one of {', '.join(FORMATS)})")
    return w.write(doc)
