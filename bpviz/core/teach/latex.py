"""A :class:`~bpviz.core.teach.document.Document` as a LaTeX article that pdflatex compiles
with amsmath alone: plain ASCII (text escaped, letters LaTeX cannot spell as accents or
maths), ``align*`` for displays, ``tabular`` for tables, picture mode for the figure. Every piece
of maths is :mod:`~bpviz.core.teach.render`'s LaTeX."""

from __future__ import annotations

import unicodedata

from bpviz.core.expr import Sym
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
from bpviz.core.teach.markdown import aligned
from bpviz.core.teach.render import _GREEK, Tex

__all__ = ["write", "escape"]

_R = Tex(ascii_only=True)
_INLINE = Tex(ascii_only=True, inline=True)

_TEXT_ACCENT = {
    "\u0301": "'",
    "\u0300": "`",
    "\u0302": "^",
    "\u0308": '"',
    "\u0303": "~",
    "\u0304": "=",
    "\u0307": ".",
    "\u030c": "v",
    "\u0306": "u",
    "\u030a": "r",
    "\u0327": "c",
    "\u030b": "H",
    "\u0328": "k",
}
_TEXT_UNI = {  # characters plain LaTeX (OT1, no packages) cannot take as they are
    "\u2212": "$-$",
    "–": "--",
    "—": "---",
    "‘": "`",
    "’": "'",
    "“": "``",
    "”": "''",
    "…": "\\ldots{}",
    "×": "$\\times$",
    "·": "$\\cdot$",
    "²": "$^2$",
    "³": "$^3$",
    "¹": "$^1$",
    "½": "$\\frac{1}{2}$",
    "∂": "$\\partial$",
    "∑": "$\\sum$",
    "≤": "$\\le$",
    "≥": "$\\ge$",
    "≠": "$\\ne$",
    "≈": "$\\approx$",
    "→": "$\\to$",
    "←": "$\\leftarrow$",
    "⁺": "$^+$",
    "⁻": "$^-$",
    "′": "$'$",
    "⊙": "$\\odot$",
    "∞": "$\\infty$",
    "±": "$\\pm$",
    "°": "$^\\circ$",
    "\u00a0": "~",
    "\u2009": "\\,",
    "\u202f": "\\,",
    "ß": "\\ss{}",
    "æ": "\\ae{}",
    "Æ": "\\AE{}",
    "ø": "\\o{}",
    "Ø": "\\O{}",
    "œ": "\\oe{}",
    "Œ": "\\OE{}",
    "ł": "\\l{}",
    "Ł": "\\L{}",
    "å": "\\aa{}",
    "Å": "\\AA{}",
    "ı": "\\i{}",
    "§": "\\S{}",
    "¶": "\\P{}",
    "©": "\\copyright{}",
    "£": "\\pounds{}",
    "ᵀ": "$^T$",
    "ⁿ": "$^n$",
    "ₛ": "$_s$",
    "⋯": "$\\cdots$",
    "⋮": "$\\vdots$",
}
_TEXT_ASCII = {
    "\\": "\\textbackslash{}",
    "{": "\\{",
    "}": "\\}",
    "$": "\\$",
    "&": "\\&",
    "#": "\\#",
    "%": "\\%",
    "_": "\\_",
    "^": "\\^{}",
    "~": "\\~{}",
    "<": "$<$",
    ">": "$>$",
    "|": "$|$",
    '"': "''",
}


def escape(s: str) -> str:
    """Text for pdflatex: specials escaped, accented letters as accents, the rest as maths."""
    out = []
    for ch in unicodedata.normalize("NFC", s):
        if ch in _TEXT_ASCII:
            out.append(_TEXT_ASCII[ch])
        elif ch.isascii():
            out.append(ch)
        elif ch in _TEXT_UNI:
            out.append(_TEXT_UNI[ch])
        elif ch in _GREEK:
            out.append(f"$\\{_GREEK[ch]}$")
        else:
            dec = unicodedata.normalize("NFD", ch)
            if dec[0].isascii() and all(c in _TEXT_ACCENT for c in dec[1:]):
                t = dec[0]
                for acc in dec[1:]:
                    t = f"\\{_TEXT_ACCENT[acc]}{{{t}}}"
                out.append(t)
            elif not unicodedata.category(ch).startswith("M"):
                out.append("?")
    return "".join(out)


def inline(items) -> str:
    return inline_with(
        items,
        lambda x: f"${_INLINE(x).strip()}$",
        lambda d: "$\\cdots$" if d == "h" else "$\\vdots$",
        lambda s: f"\\emph{{{escape(s)}}}",
        lambda s: f"\\textbf{{{escape(s)}}}",
        escape,
    )


def display(d: Display) -> str:
    rows: list[tuple[str, str, str]] = []
    for e in d.eqs:
        rows += [("", "", r"\vdots")] if isinstance(e, Gap) else laid_out(_R, e)
    if len(rows) == 1:
        lhs, rel, rhs = rows[0]
        return f"\\[\n{lhs}{' = ' + rhs if rel else rhs}\n\\]\n\n"
    body = "\\begin{align*}\n" + aligned(rows) + "\n\\end{align*}"
    if len(rows) > 10:  # a long block may break across pages, a short one stays whole
        return "{\\allowdisplaybreaks\n" + body + "\\par}\n\n"
    return body + "\n\n"


def table(t: Table) -> str:
    n = len(t.head)
    spec = "".join("l" if i < t.numeric_from else "r" for i in range(n))
    spec = spec[:1] + "|" + spec[1:]
    size = "\\small" if n <= 6 else "\\footnotesize\\setlength{\\tabcolsep}{4pt}"
    lines = [
        "\\begin{center}",
        size,
        f"\\begin{{tabular}}{{{spec}}}",
        "\\hline",
        " & ".join(inline(c) for c in t.head) + " \\\\",
        "\\hline",
    ]
    for r in t.rows:
        r = [(Dots("v"),)] + [()] * (n - 1) if r is None else r
        lines.append(" & ".join(inline(c) for c in r) + " \\\\")
    lines += ["\\hline", "\\end{tabular}", "\\end{center}"]
    return "\n".join(lines) + "\n\n"


def figure(fig: Figure) -> str:
    """The network in LaTeX's own picture mode (\\qbezier draws a line of any slope)."""
    u = 0.75  # pt per figure unit
    lines = [
        f"\\begin{{center}}\\setlength{{\\unitlength}}{{{u}pt}}",
        f"\\begin{{picture}}({fig.width:.0f},{fig.height:.0f})",
    ]
    h = fig.height
    for x1, y1, x2, y2, label in fig.edges:
        y1, y2 = h - y1, h - y2
        lines.append(
            f"\\qbezier({x1:.1f},{y1:.1f})({(x1 + x2) / 2:.1f},{(y1 + y2) / 2:.1f})({x2:.1f},{y2:.1f})"
        )
        if label:
            lx, ly = x1 + 0.3 * (x2 - x1), y1 + 0.3 * (y2 - y1)
            lines.append(
                f"\\put({lx:.1f},{ly + 4:.1f}){{\\makebox(0,0)[b]{{\\scriptsize ${_R(Sym(None, label))}$}}}}"
            )
    for x, y, label, _ in fig.nodes:
        y = h - y
        lines.append(f"\\put({x:.1f},{y:.1f}){{\\circle{{30}}}}")
        lines.append(f"\\put({x:.1f},{y:.1f}){{\\makebox(0,0){{${_R(Sym(None, label))}$}}}}")
    lines += ["\\end{picture}\\end{center}", ""]
    return "\n".join(lines) + "\n"


_PREAMBLE = [
    "\\documentclass[11pt,a4paper]{article}",
    "\\usepackage{amsmath}",
    "\\setlength{\\textwidth}{16cm}",
    "\\setlength{\\oddsidemargin}{\\dimexpr 2.5cm-1in\\relax}",
    "\\setlength{\\evensidemargin}{\\oddsidemargin}",
    "\\setlength{\\topmargin}{\\dimexpr 2cm-1in\\relax}",
    "\\setlength{\\headheight}{0pt}",
    "\\setlength{\\headsep}{0pt}",
    "\\setlength{\\textheight}{24.5cm}",
    "\\setlength{\\parindent}{0pt}",
    "\\setlength{\\parskip}{0.55em plus 0.2em}",
    "\\renewcommand{\\arraystretch}{1.15}",
    "\\begin{document}",
]


def write(doc: Document) -> str:
    out = [
        "\n".join(
            _PREAMBLE
            + [
                "\\begin{center}",
                f"{{\\LARGE\\bfseries {escape(doc.title)}\\par}}",
                "\\medskip",
                f"{{\\large {escape(doc.subtitle)}\\par}}",
                "\\end{center}",
                "",
            ]
        )
        + "\n"
    ]
    cmd = {2: "section", 3: "subsection", 4: "subsubsection"}
    for n, b in enumerate(doc.blocks):
        if isinstance(b, Heading):
            out.append(f"\\{cmd[b.level]}*{{{escape(b.text)}}}\n\n")
        elif isinstance(b, Para):
            out.append(inline(b.items) + "\n\n")
        elif isinstance(b, Display):
            out.append(display(b))
        elif isinstance(b, Table):
            out.append(table(b))
        if n == 0 and doc.figure is not None:
            out.append(figure(doc.figure))
    return "".join(out) + "\\end{document}\n"
