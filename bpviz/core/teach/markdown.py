"""A :class:`~bpviz.core.teach.document.Document` as Markdown with LaTeX maths, the way GitHub
and MathJax read it: ``$…$`` inline, ``$$…$$`` displayed (an ``aligned`` block for several
rows), pipe tables. Every piece of maths is :mod:`~bpviz.core.teach.render`'s LaTeX."""

from __future__ import annotations

import re

from bpviz.core.teach.document import (
    Display,
    Document,
    Dots,
    Gap,
    Heading,
    Para,
    Table,
    inline_with,
    laid_out,
)
from bpviz.core.teach.render import Tex

__all__ = ["write"]

_R = Tex(ascii_only=False)
_INLINE = Tex(ascii_only=False, inline=True)


def escape(s: str) -> str:
    """Text for Markdown: every character that could start markup, an HTML tag, maths or a
    table cell backslash-escaped, so a name from a file is shown as written."""
    return re.sub(r"([\\`*_\[\]<>|$~#])", r"\\\1", s)


def maths(tex: str) -> str:
    """LaTeX maths inside Markdown: ``<`` and ``>`` as ``\\lt`` / ``\\gt`` (MathJax and KaTeX
    read them), so a Markdown renderer without maths never sees a tag in a label."""
    return tex.replace("<", "\\lt ").replace(">", "\\gt ")


def inline(items) -> str:
    return inline_with(
        items,
        lambda x: f"${maths(_INLINE(x).strip())}$",
        lambda d: "$\\cdots$" if d == "h" else "$\\vdots$",
        lambda s: f"*{escape(s)}*",
        lambda s: f"**{escape(s)}**",
        escape,
    )


def display(d: Display) -> str:
    rows: list[tuple[str, str, str]] = []
    for e in d.eqs:
        rows += [("", "", r"\vdots")] if isinstance(e, Gap) else laid_out(_R, e)
    if len(rows) == 1:
        lhs, rel, rhs = rows[0]
        return f"$$\n{maths(lhs)}{' = ' + maths(rhs) if rel else maths(rhs)}\n$$\n\n"
    return "$$\n\\begin{aligned}\n" + maths(aligned(rows)) + "\n\\end{aligned}\n$$\n\n"


def aligned(rows) -> str:
    """Rows of an aligned / align* block: ``lhs &= rhs``, a continued row ``&\\quad + …``."""
    out = []
    for lhs, rel, rhs in rows:
        out.append(f"{lhs} &= {rhs}" if rel else f"{lhs} &\\quad {rhs}" if rhs else lhs)
    return " \\\\\n".join(out)


def table(t: Table) -> str:
    def cells(r):
        return "| " + " | ".join(inline(c) for c in r) + " |"

    n = len(t.head)
    sep = "|" + "|".join(":---" if i < t.numeric_from else "---:" for i in range(n)) + "|"
    body = [cells([(Dots("v"),)] + [()] * (n - 1)) if r is None else cells(r) for r in t.rows]
    return "\n".join([cells(t.head), sep, *body]) + "\n\n"


def write(doc: Document) -> str:
    out = [f"# {escape(doc.title)}\n\n*{escape(doc.subtitle)}*\n\n"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append("#" * b.level + " " + escape(b.text) + "\n\n")
        elif isinstance(b, Para):
            out.append(inline(b.items) + "\n\n")
        elif isinstance(b, Display):
            out.append(display(b))
        elif isinstance(b, Table):
            out.append(table(b))
    return "".join(out)
