"""A :class:`~bpviz.core.teach.document.Document` as one self-contained HTML page: a little CSS,
an inline SVG figure, nothing fetched. Every piece of maths is
:mod:`~bpviz.core.teach.render`'s HTML (italic symbols, true subscripts, true minus)."""

from __future__ import annotations

import html as _html
import unicodedata

from bpviz.core.iteration.symbols import parse
from bpviz.core.teach.document import (
    Display,
    Document,
    Dots,
    Figure,
    Gap,
    Heading,
    Para,
    Table,
    inline_with,
    laid_out,
)
from bpviz.core.teach.render import Html, compound

__all__ = ["write"]

_R = Html()


def esc(s: str) -> str:
    return _html.escape(unicodedata.normalize("NFC", s), quote=False)


def inline(items) -> str:
    return inline_with(
        items,
        lambda x: f'<span class="m">{_R(x)}</span>',
        lambda d: "⋯" if d == "h" else "⋮",
        lambda s: f"<em>{esc(s)}</em>",
        lambda s: f"<strong>{esc(s)}</strong>",
        esc,
    )


def display(d: Display) -> str:
    out = ['<div class="eq"><table>']
    for e in d.eqs:
        rows = [("", "", "⋮")] if isinstance(e, Gap) else laid_out(_R, e)
        for lhs, rel, rhs in rows:
            if rel:
                out.append(f'<tr><td class="l">{lhs}</td><td class="o">=</td><td class="r">{rhs}</td></tr>')
            else:
                out.append(f'<tr><td class="l">{lhs}</td><td class="o"></td><td class="r c">{rhs}</td></tr>')
    out.append("</table></div>\n")
    return "".join(out)


def table(t: Table) -> str:
    def cls(i):
        return "" if i < t.numeric_from else ' class="n"'

    n = len(t.head)
    out = ['<table class="t"><thead><tr>']
    out += [f"<th{cls(i)}>{inline(c)}</th>" for i, c in enumerate(t.head)]
    out.append("</tr></thead><tbody>")
    for r in t.rows:
        r = [(Dots("v"),)] + [()] * (n - 1) if r is None else r
        out.append("<tr>" + "".join(f"<td{cls(i)}>{inline(c)}</td>" for i, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table>\n")
    return "".join(out)


def svg_label(label: str) -> str:
    """A label in SVG text, which has no <sub>: the subscript as a lowered, smaller tspan; a
    derived input (x1², x1·x2, sin x1) with its digits as subscript characters, so nothing
    after them stays lowered."""
    parts = parse(label)
    if parts is None:
        c = compound(label)
        if c is None:
            return esc(label)
        kind, args = c
        a = [_svg_inline(x) for x in args]
        return {"square": lambda: a[0] + "²", "product": lambda: "·".join(a)}.get(
            kind, lambda: "sin " + a[0]
        )()
    base, sub = parts
    b = f'<tspan font-style="italic">{esc(base)}</tspan>'
    return b if sub is None else b + f'<tspan dy="4" font-size="75%">{esc(sub)}</tspan>'


def _svg_inline(label: str) -> str:
    """A symbol on the baseline: its digit subscript as subscript characters (x₁)."""
    base, sub = parse(label)
    b = f'<tspan font-style="italic">{esc(base)}</tspan>'
    if sub is None:
        return b
    return b + (sub.translate(_SUB_DIGITS) if sub.isdigit() else esc(sub))


_SUB_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def figure(fig: Figure) -> str:
    out = [
        f'<figure><svg viewBox="0 0 {fig.width:.0f} {fig.height:.0f}" '
        f'width="{1.3 * fig.width:.0f}" height="{1.3 * fig.height:.0f}" role="img" '
        'aria-label="the network">'
    ]
    for x1, y1, x2, y2, _ in fig.edges:
        out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" class="edge"/>')
    for x1, y1, x2, y2, label in fig.edges:
        if label:
            lx, ly = x1 + 0.3 * (x2 - x1), y1 + 0.3 * (y2 - y1) - 4
            out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" class="wl">{svg_label(label)}</text>')
    for x, y, label, kind in fig.nodes:
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="15" class="{kind}"/>')
        out.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" class="nl">{svg_label(label)}</text>')
    out.append("</svg></figure>\n")
    return "".join(out)


def write(doc: Document) -> str:
    out = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(doc.title)}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n"
        f"<main>\n<header><h1>{esc(doc.title)}</h1>\n"
        f'<p class="sub">{esc(doc.subtitle)}</p></header>\n'
    ]
    for n, b in enumerate(doc.blocks):
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{esc(b.text)}</h{b.level}>\n")
        elif isinstance(b, Para):
            cls = f' class="{b.role}"' if b.role else ""
            out.append(f"<p{cls}>{inline(b.items)}</p>\n")
        elif isinstance(b, Display):
            out.append(display(b))
        elif isinstance(b, Table):
            out.append(table(b))
        if n == 0 and doc.figure is not None:
            out.append(figure(doc.figure))
    return "".join(out) + "</main>\n</body>\n</html>\n"


_CSS = """\
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #1a1a1a;
  font-family: "Charter", "Bitstream Charter", "Sitka Text", Cambria, Georgia,
  "Times New Roman", serif; font-size: 17px; line-height: 1.5; }
main { max-width: 50em; margin: 0 auto; padding: 2.5em 1.5em 4em; }
header { text-align: center; margin-bottom: 2em; }
h1 { font-size: 1.9em; margin: 0 0 .2em; line-height: 1.2; }
.sub { font-style: italic; color: #444; margin: 0; }
h2 { font-size: 1.4em; margin: 2em 0 .6em; border-bottom: 1px solid #ccc; padding-bottom: .15em; }
h3 { font-size: 1.15em; margin: 1.6em 0 .5em; }
h4 { font-size: 1em; margin: 1.2em 0 .4em; }
p { margin: .6em 0; }
.m, .eq { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", Cambria,
  Georgia, serif; white-space: nowrap; }
.m { white-space: normal; }
.rm { font-style: normal; }
sub, sup { font-size: 72%; line-height: 0; }
.eq { margin: .7em 0 .9em 1.5em; overflow-x: auto; }
.eq table { border-collapse: collapse; }
.eq td { padding: .3em 0; vertical-align: middle; }
.eq td.l { text-align: right; }
.eq td.o { padding: .3em .45em; }
.eq td.c { padding-left: 1.6em; }
.fr { display: inline-block; vertical-align: middle; text-align: center; margin: 0 .1em; }
.fr > span { display: block; padding: 0 .2em; line-height: 1.25; }
.fr > .nu { border-bottom: 1px solid currentColor; }
.big { font-size: 130%; }
table.t { border-collapse: collapse; margin: .8em auto 1.2em; font-size: .95em; }
table.t th, table.t td { border: 1px solid #bbb; padding: .25em .7em; text-align: left; }
table.t thead th { background: #f2f2f2; }
table.t .n { text-align: right; font-variant-numeric: tabular-nums; }
figure { text-align: center; margin: 1.2em 0; }
figure svg { max-width: 100%; height: auto; }
svg .edge { stroke: #777; stroke-width: 1.2; }
svg circle { fill: #fff; stroke: #222; stroke-width: 1.5; }
svg circle.bias { fill: #f4f4f4; stroke-dasharray: 3 2; }
svg .nl { font: italic 15px Georgia, serif; text-anchor: middle; }
svg .wl { font: 12px Georgia, serif; fill: #8a2b0e; text-anchor: middle; }
.closing { margin-top: 2em; padding-top: .8em; border-top: 1px solid #ccc; }
@media print { body { font-size: 11pt; } main { max-width: none; padding: 0; }
  h2, h3, h4 { break-after: avoid; } .eq, table.t { break-inside: avoid; } }
"""
