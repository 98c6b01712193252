"""``bpviz explain``: one iteration written out as a worked example, the way seed 004 does it.

The network and its values, every forward computation with its numbers, the error, the chain
rule for each weight with its numbers, and the updated weights, in the network's own labels.
One builder (:class:`_Explainer`) writes the document through a writer for the format:
Markdown with LaTeX maths (``$…$`` inline, ``$$…$$`` display, as GitHub renders it), a
self-contained HTML page (``<sub>``/``<sup>`` and a little CSS, nothing fetched), or a LaTeX
article that needs amsmath only.

Every number comes from the :class:`~bpviz.core.iteration.phases.Trace` (its forward/backward arrays and
the update); nothing here computes backprop again. Layers with more than ``FULL_WEIGHTS``
weights are written for their first few neurons and weights, with the rest counted, so a
784-128-10 network gives a document of a few dozen kilobytes.
"""

from __future__ import annotations

import html as _html
import math
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np

from bpviz.core.atomic import write_atomic
from bpviz.core.numbers import fmt
from bpviz.core.iteration.phases import Trace, trace_step

__all__ = ["FORMATS", "explain", "explain_command"]

FORMATS = ("md", "html", "tex")

FULL_WEIGHTS = 60  # a weight layer with at most this many weights is written out in full
SHOW_NEURONS = 3  # neurons written out in full in a larger layer
SHOW_WEIGHTS = 3  # weights per neuron written out in full in a larger layer
MAX_TERMS = 6  # terms of a sum written out before "⋯"
SHOW_SAMPLES = 8  # rows of a per-sample table
TABLE_ROWS = 8  # rows of a matrix table
TABLE_COLS = 5  # columns of a matrix table
TABLE_NEURONS = 3  # neurons per forward table in batch mode (two columns each)
SHOW_OUTPUTS = 12  # output neurons written out in the error section

# ======================================================================= writers
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "varepsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu",
    "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "varsigma", "τ": "tau",
    "υ": "upsilon", "φ": "varphi", "χ": "chi", "ψ": "psi", "ω": "omega", "ϵ": "epsilon",
    "ϕ": "phi", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi",
    "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}
_MATH_ACCENT = {"\u0302": "hat", "\u0301": "acute", "\u0300": "grave", "\u0303": "tilde",
                "\u0304": "bar", "\u0305": "bar", "\u0307": "dot", "\u0308": "ddot",
                "\u030c": "check", "\u0306": "breve", "\u20d7": "vec"}
_TEXT_ACCENT = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~",
                "\u0304": "=", "\u0307": ".", "\u030c": "v", "\u0306": "u", "\u030a": "r",
                "\u0327": "c", "\u030b": "H", "\u0328": "k"}
_TEXT_UNI = {  # characters plain LaTeX (OT1, no packages) cannot take as they are
    "\u2212": "$-$", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
    "…": "\\ldots{}", "×": "$\\times$", "·": "$\\cdot$", "²": "$^2$", "³": "$^3$",
    "¹": "$^1$", "½": "$\\frac{1}{2}$", "∂": "$\\partial$", "∑": "$\\sum$", "≤": "$\\le$",
    "≥": "$\\ge$", "≠": "$\\ne$", "≈": "$\\approx$", "→": "$\\to$", "←": "$\\leftarrow$",
    "⁺": "$^+$", "⁻": "$^-$", "′": "$'$", "⊙": "$\\odot$", "∞": "$\\infty$", "±": "$\\pm$",
    "°": "$^\\circ$", "\u00a0": "~", "\u2009": "\\,", "\u202f": "\\,", "ß": "\\ss{}",
    "æ": "\\ae{}", "Æ": "\\AE{}", "ø": "\\o{}", "Ø": "\\O{}", "œ": "\\oe{}", "Œ": "\\OE{}",
    "ł": "\\l{}", "Ł": "\\L{}", "å": "\\aa{}", "Å": "\\AA{}", "ı": "\\i{}", "§": "\\S{}",
    "¶": "\\P{}", "©": "\\copyright{}", "£": "\\pounds{}", "ᵀ": "$^T$", "ⁿ": "$^n$",
}
_TEXT_ASCII = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
               "#": "\\#", "%": "\\%", "_": "\\_", "^": "\\^{}", "~": "\\~{}",
               "<": "$<$", ">": "$>$", "|": "$|$", '"': "''"}
_MATH_ASCII = {"\\": "\\backslash ", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&",
               "#": "\\#", "%": "\\%", "_": "\\_", "^": "\\wedge ", "~": "\\sim ",
               "|": "\\vert ", " ": "\\ ", '"': "''", "`": "'"}


class _M(str):
    """Inline maths, already in the writer's syntax."""


class _I(str):
    """Italic text."""


class _B(str):
    """Bold text."""


class _TeXMaths:
    """Maths in LaTeX syntax, shared by the Markdown and LaTeX writers.

    ``ascii_only``: real LaTeX (pdflatex with no extra packages) needs every character spelt
    in ASCII; MathJax/KaTeX behind Markdown take Unicode as it is."""

    ascii_only = False
    times = " \\times "
    cdot = " \\cdot "
    plus = " + "
    minus = " - "
    neg = "-"
    cdots = "\\cdots"
    vdots = "\\vdots"
    eta = "\\eta"
    quad = "\\quad "

    # -- numbers and labels --------------------------------------------------------------
    def num(self, v: float, paren: bool = False) -> str:
        s = fmt(v)
        if "e" in s:
            mant, exp = s.split("e")
            s = f"{mant} \\times 10^{{{int(exp)}}}"
        if paren and s.startswith("-"):
            return f"({s})"
        return s

    def _char(self, ch: str) -> str:
        if ch in _MATH_ASCII:
            return _MATH_ASCII[ch]
        if ch.isascii():
            return ch
        base = unicodedata.normalize("NFD", ch)
        if base in _GREEK:
            return f"\\{_GREEK[base]} "
        if len(base) > 1 and base[0].isascii() and all(c in _MATH_ACCENT for c in base[1:]):
            out = base[0]
            for acc in base[1:]:
                out = f"\\{_MATH_ACCENT[acc]}{{{out}}}"
            return out
        if self.ascii_only:
            return "?"
        return ch

    def rm(self, s: str) -> str:
        """Any text inside maths, upright."""
        return "\\mathrm{" + "".join(self._char(c) for c in unicodedata.normalize("NFC", s)) + "}"

    def _letters(self, s: str, italic_word: bool = True) -> str:
        chars = _split_graphemes(s)
        body = "".join(self._char(unicodedata.normalize("NFC", g)) for g in chars)
        if len(chars) == 1:
            return body if len(body) == 1 else "{" + body.strip() + "}"
        return "\\mathit{" + body + "}" if italic_word else "\\mathrm{" + body + "}"

    def sub(self, s: str) -> str:
        """A label inside a subscript: h1, o2, 1,2 stay as they are."""
        if s and re.fullmatch(r"[A-Za-z]?[0-9]*(?:,[A-Za-z]?[0-9]*)*", s):
            return s
        if re.fullmatch(r"[A-Za-z]+", s):
            return self._letters(s, italic_word=False)
        return self.rm(s)

    def lab(self, label: str) -> str:
        """A network label as a symbol: w5 → w_5, w(h1,i2) → w_{h1,i2}, ŵ1 → \\hat{w}_1."""
        parts = _label_parts(label)
        if parts is None:
            return self.rm(label)
        base, rest = parts
        b = self._letters(base)
        return b if rest is None else f"{b}_{{{self.sub(rest)}}}"

    def var(self, name: str, label: str) -> str:
        """net_{h1}, out_{h1}, target_{o1}, E_{o1}, δ_{h1}."""
        head = {"net": "\\mathit{net}", "out": "\\mathit{out}", "target": "\\mathit{target}",
                "E": "E", "delta": "\\delta"}[name]
        return f"{head}_{{{self.sub(label)}}}"

    def etotal(self) -> str:
        return "E_{\\mathrm{total}}"

    # -- structure -----------------------------------------------------------------------
    def d(self, a: str, b: str, inline: bool = False) -> str:
        if inline:
            return f"\\partial {a}/\\partial {b}"
        return f"\\frac{{\\partial {a}}}{{\\partial {b}}}"

    def frac(self, a: str, b: str) -> str:
        return f"\\frac{{{a}}}{{{b}}}"

    def sup(self, a: str, s: str) -> str:
        return f"{{{a}}}^{{{s}}}"

    def sample(self, a: str, s: int) -> str:
        return f"{a}^{{({s})}}"

    def plus_sup(self, a: str) -> str:
        return f"{a}^{{+}}"

    def paren(self, a: str) -> str:
        return f"\\left({a}\\right)"

    def exp(self, a: str) -> str:
        return f"e^{{{a}}}"

    def fn(self, name: str, arg: str) -> str:
        if name in ("tanh", "max"):
            return f"\\{name}({arg})"
        return f"\\{name}({arg})" if name == "sigma" else f"\\operatorname{{{name}}}({arg})"

    def sum_over(self, idx: str) -> str:
        return f"\\sum_{{{idx}}}"

    def text(self, s: str) -> str:
        return "\\text{" + s + "}"


class _MarkdownWriter(_TeXMaths):
    suffix = "md"

    def escape(self, s: str) -> str:
        return re.sub(r"([\\`*_\[\]<>|$~#])", r"\\\1", s)

    def inline(self, items) -> str:
        out = []
        for it in items:
            if isinstance(it, _M):
                out.append(f"${it.strip()}$")
            elif isinstance(it, _I):
                out.append(f"*{self.escape(it)}*")
            elif isinstance(it, _B):
                out.append(f"**{self.escape(it)}**")
            else:
                out.append(self.escape(it))
        return "".join(out)

    def heading(self, level: int, text: str) -> str:
        return "#" * level + " " + self.escape(text) + "\n\n"

    def para(self, *items) -> str:
        return self.inline(items) + "\n\n"

    def eq(self, rows) -> str:
        if len(rows) == 1 and rows[0][1]:
            lhs, _, rhs = rows[0]
            return f"$$\n{lhs} = {rhs}\n$$\n\n"
        return "$$\n\\begin{aligned}\n" + _aligned(rows) + "\n\\end{aligned}\n$$\n\n"

    def table(self, head, rows, numeric_from: int = 1) -> str:
        def cells(r):
            return "| " + " | ".join(self.inline(c) for c in r) + " |"

        sep = "|" + "|".join(":---" if i < numeric_from else "---:" for i in range(len(head))) + "|"
        return "\n".join([cells(head), sep, *(cells(r) for r in rows)]) + "\n\n"

    def document(self, title: str, subtitle: str, body: list[str], figure: str | None) -> str:
        return f"# {self.escape(title)}\n\n*{self.escape(subtitle)}*\n\n" + "".join(body)

    def figure(self, fig) -> str | None:
        return None


class _LaTeXWriter(_TeXMaths):
    suffix = "tex"
    ascii_only = True

    def escape(self, s: str) -> str:
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
                elif unicodedata.category(ch).startswith("M"):
                    continue
                else:
                    out.append("?")
        return "".join(out)

    def inline(self, items) -> str:
        out = []
        for it in items:
            if isinstance(it, _M):
                out.append(f"${it.strip()}$")
            elif isinstance(it, _I):
                out.append(f"\\emph{{{self.escape(it)}}}")
            elif isinstance(it, _B):
                out.append(f"\\textbf{{{self.escape(it)}}}")
            else:
                out.append(self.escape(it))
        return "".join(out)

    def heading(self, level: int, text: str) -> str:
        cmd = {1: "section", 2: "section", 3: "subsection", 4: "subsubsection"}[level]
        return f"\\{cmd}*{{{self.escape(text)}}}\n\n"

    def para(self, *items) -> str:
        return self.inline(items) + "\n\n"

    def eq(self, rows) -> str:
        if len(rows) == 1 and rows[0][1]:
            lhs, _, rhs = rows[0]
            return f"\\[\n{lhs} = {rhs}\n\\]\n\n"
        body = "\\begin{align*}\n" + _aligned(rows) + "\n\\end{align*}"
        if len(rows) > 10:  # a long block may break across pages, a short one stays whole
            return "{\\allowdisplaybreaks\n" + body + "\\par}\n\n"
        return body + "\n\n"

    def table(self, head, rows, numeric_from: int = 1) -> str:
        spec = "".join("l" if i < numeric_from else "r" for i in range(len(head)))
        spec = spec[:1] + "|" + spec[1:]
        size = "\\small" if len(head) <= 6 else "\\footnotesize\\setlength{\\tabcolsep}{4pt}"
        lines = ["\\begin{center}", size, f"\\begin{{tabular}}{{{spec}}}", "\\hline",
                 " & ".join(self.inline(c) for c in head) + " \\\\", "\\hline"]
        lines += [" & ".join(self.inline(c) for c in r) + " \\\\" for r in rows]
        lines += ["\\hline", "\\end{tabular}", "\\end{center}"]
        return "\n".join(lines) + "\n\n"

    def document(self, title: str, subtitle: str, body: list[str], figure: str | None) -> str:
        pre = "\n".join([
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
            "\\begin{center}",
            f"{{\\LARGE\\bfseries {self.escape(title)}\\par}}",
            "\\medskip",
            f"{{\\large {self.escape(subtitle)}\\par}}",
            "\\end{center}",
            "",
        ])
        fig = [figure] if figure else []
        return pre + "\n" + "".join(body[:1] + fig + body[1:]) + "\\end{document}\n"

    def figure(self, fig) -> str | None:
        """The network as a picture (LaTeX's own picture mode: \\qbezier for any slope)."""
        if fig is None:
            return None
        nodes, edges, width, height = fig
        u = 0.75  # pt per figure unit: the figure is laid out in px-like units
        lines = [f"\\begin{{center}}\\setlength{{\\unitlength}}{{{u}pt}}",
                 f"\\begin{{picture}}({width:.0f},{height:.0f})"]
        for x1, y1, x2, y2, label in edges:
            y1, y2 = height - y1, height - y2
            lines.append(f"\\qbezier({x1:.1f},{y1:.1f})({(x1 + x2) / 2:.1f},{(y1 + y2) / 2:.1f})"
                         f"({x2:.1f},{y2:.1f})")
            if label:
                lx, ly = x1 + 0.3 * (x2 - x1), y1 + 0.3 * (y2 - y1)
                lines.append(f"\\put({lx:.1f},{ly + 4:.1f}){{\\makebox(0,0)[b]{{\\scriptsize "
                             f"${label}$}}}}")
        for x, y, label, _ in nodes:
            y = height - y
            lines.append(f"\\put({x:.1f},{y:.1f}){{\\circle{{30}}}}")
            lines.append(f"\\put({x:.1f},{y:.1f}){{\\makebox(0,0){{${label}$}}}}")
        lines += ["\\end{picture}\\end{center}", ""]
        return "\n".join(lines) + "\n"


class _HtmlWriter:
    """Maths as HTML: italic variables, <sub>/<sup>, stacked fractions in a little CSS."""

    suffix = "html"
    times = " × "
    cdot = " · "
    plus = " + "
    minus = " − "
    neg = "−"
    cdots = "⋯"
    vdots = "⋮"
    eta = "<i>η</i>"
    quad = "&emsp;"

    def num(self, v: float, paren: bool = False) -> str:
        s = fmt(v)
        if "e" in s:
            mant, exp = s.split("e")
            s = f"{mant} × 10<sup>{int(exp)}</sup>"
        neg = s.startswith("-")
        s = s.replace("-", "−")
        return f"({s})" if paren and neg else s

    def esc(self, s: str) -> str:
        return _html.escape(unicodedata.normalize("NFC", s), quote=False)

    def rm(self, s: str) -> str:
        return f'<span class="rm">{self.esc(s)}</span>'

    def sub(self, s: str) -> str:
        return self.esc(s)

    def lab(self, label: str) -> str:
        parts = _label_parts(label)
        if parts is None:
            return self.rm(label)
        base, rest = parts
        b = f"<i>{self.esc(base)}</i>"
        return b if rest is None else f"{b}<sub>{self.esc(rest)}</sub>"

    def var(self, name: str, label: str) -> str:
        head = {"net": "<i>net</i>", "out": "<i>out</i>", "target": "<i>target</i>",
                "E": "<i>E</i>", "delta": "<i>δ</i>"}[name]
        return f"{head}<sub>{self.sub(label)}</sub>"

    def etotal(self) -> str:
        return "<i>E</i><sub>total</sub>"

    def d(self, a: str, b: str, inline: bool = False) -> str:
        if inline:
            return f"∂{a}/∂{b}"
        return self.frac(f"∂{a}", f"∂{b}")

    def frac(self, a: str, b: str) -> str:
        return f'<span class="fr"><span class="nu">{a}</span><span class="de">{b}</span></span>'

    def sup(self, a: str, s: str) -> str:
        return f"{a}<sup>{s}</sup>"

    def sample(self, a: str, s: int) -> str:
        return f"{a}<sup>({s})</sup>"

    def plus_sup(self, a: str) -> str:
        return f"{a}<sup>+</sup>"

    def paren(self, a: str) -> str:
        return f"({a})"

    def exp(self, a: str) -> str:
        return f"<i>e</i><sup>{a}</sup>"

    def fn(self, name: str, arg: str) -> str:
        return f"{'σ' if name == 'sigma' else name}({arg})"

    def sum_over(self, idx: str) -> str:
        return f'<span class="big">Σ</span><sub>{idx}</sub>'

    def text(self, s: str) -> str:
        return f'<span class="rm">{s}</span>'

    # -- blocks --------------------------------------------------------------------------
    def inline(self, items) -> str:
        out = []
        for it in items:
            if isinstance(it, _M):
                out.append(f'<span class="m">{it.strip()}</span>')
            elif isinstance(it, _I):
                out.append(f"<em>{self.esc(it)}</em>")
            elif isinstance(it, _B):
                out.append(f"<strong>{self.esc(it)}</strong>")
            else:
                out.append(self.esc(it))
        return "".join(out)

    def heading(self, level: int, text: str) -> str:
        return f"<h{level}>{self.esc(text)}</h{level}>\n"

    def para(self, *items) -> str:
        return f"<p>{self.inline(items)}</p>\n"

    def eq(self, rows) -> str:
        out = ['<div class="eq"><table>']
        for lhs, rel, rhs in rows:
            if rel:
                out.append(f'<tr><td class="l">{lhs}</td><td class="o">=</td>'
                           f'<td class="r">{rhs}</td></tr>')
            else:
                out.append(f'<tr><td class="l"></td><td class="o"></td>'
                           f'<td class="r c">{rhs}</td></tr>')
        out.append("</table></div>\n")
        return "".join(out)

    def table(self, head, rows, numeric_from: int = 1) -> str:
        def cls(i):
            return "" if i < numeric_from else ' class="n"'

        out = ['<table class="t"><thead><tr>']
        out += [f"<th{cls(i)}>{self.inline(c)}</th>" for i, c in enumerate(head)]
        out.append("</tr></thead><tbody>")
        for r in rows:
            out.append("<tr>" + "".join(f"<td{cls(i)}>{self.inline(c)}</td>"
                                        for i, c in enumerate(r)) + "</tr>")
        out.append("</tbody></table>\n")
        return "".join(out)

    def document(self, title: str, subtitle: str, body: list[str], figure: str | None) -> str:
        fig = [figure] if figure else []
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{self.esc(title)}</title>\n<style>\n{_CSS}</style>\n</head>\n<body>\n"
            f'<main>\n<header><h1>{self.esc(title)}</h1>\n'
            f'<p class="sub">{self.esc(subtitle)}</p></header>\n'
            + "".join(body[:1] + fig + body[1:]) + "</main>\n</body>\n</html>\n")

    def figure(self, fig) -> str | None:
        """The network as an inline SVG (no external file)."""
        if fig is None:
            return None
        nodes, edges, width, height = fig
        out = [f'<figure><svg viewBox="0 0 {width:.0f} '
               f'{height:.0f}" width="{1.3 * width:.0f}" height="{1.3 * height:.0f}" role="img" '
               'aria-label="the network">']
        for x1, y1, x2, y2, _ in edges:
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                       'class="edge"/>')
        for x1, y1, x2, y2, label in edges:
            if label:
                lx, ly = x1 + 0.3 * (x2 - x1), y1 + 0.3 * (y2 - y1) - 4
                out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" class="wl">{label}</text>')
        for x, y, label, kind in nodes:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="15" class="{kind}"/>')
            out.append(f'<text x="{x:.1f}" y="{y + 5:.1f}" class="nl">{label}</text>')
        out.append("</svg></figure>\n")
        return "".join(out)

    def svg_label(self, label: str) -> str:
        parts = _label_parts(label)
        if parts is None:
            return self.esc(label)
        base, rest = parts
        if rest is None:
            return f'<tspan font-style="italic">{self.esc(base)}</tspan>'
        return (f'<tspan font-style="italic">{self.esc(base)}</tspan>'
                f'<tspan dy="4" font-size="75%">{self.esc(rest)}</tspan>')


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


def _aligned(rows) -> str:
    out = []
    for lhs, rel, rhs in rows:
        out.append(f"{lhs} &= {rhs}" if rel else f"&\\quad {rhs}")
    return " \\\\\n".join(out)


def _split_graphemes(s: str) -> list[str]:
    """Letters with their combining accents (NFD input)."""
    out: list[str] = []
    for ch in s:
        if out and unicodedata.category(ch).startswith("M"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


_LABEL = re.compile(r"((?:[^\W\d_][\u0300-\u036f\u20d0-\u20ff]*)+)"
                    r"(?:_(.+)|([0-9][0-9,]*)|\(([^()]+)\))?")


def _label_parts(label: str) -> tuple[str, str | None] | None:
    """``(base, subscript)`` of a label that reads as a symbol: w5, w1,2, w_x1,1, w(h1,i2)."""
    s = unicodedata.normalize("NFD", label)
    m = _LABEL.fullmatch(s)
    if m is None:
        return None
    base = m.group(1)
    rest = next((g for g in m.groups()[1:] if g is not None), None)
    return unicodedata.normalize("NFC", base), rest


# ======================================================================= the builder
_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _count(n: int, noun: str, plural: str | None = None) -> str:
    word = _WORDS[n] if n < len(_WORDS) else f"{n:,}"
    return f"{word} {noun if n == 1 else (plural or noun + 's')}"


def _pick(n: int, limit: int) -> list[int | None]:
    """Indices 0…n−1, or the first limit−2, None (for ⋯) and the last."""
    if n <= limit:
        return list(range(n))
    return [*range(limit - 2), None, n - 1]


class _Explainer:
    def __init__(self, doc, tr: Trace, w, name: str, explicit: bool = False) -> None:
        self.doc, self.tr, self.W = doc, tr, w
        self.name = name
        self.explicit = explicit  # the step's sample was chosen with --sample
        self.net = tr.network
        self.p = tr.p
        self.labels = self.net.labels
        self.L = self.net.L
        self.sizes = self.net.sizes
        self.m = len(tr.samples)
        self.parts: list[str] = []

    # -- symbols ---------------------------------------------------------------------
    def N(self, k: int, i: int) -> str:
        return self.labels.neurons[k][i]

    def out(self, k: int, i: int) -> str:
        return self.W.lab(self.N(0, i)) if k == 0 else self.W.var("out", self.N(k, i))

    def netv(self, k: int, i: int) -> str:
        return self.W.var("net", self.N(k, i))

    def w(self, j: int, r: int, c: int) -> str:
        return self.W.lab(self.labels.weights[j][r][c])

    def b(self, j: int, i: int) -> str:
        return self.W.lab(self.labels.biases[j][i])

    def b_of(self, j: int, i: int) -> str:
        """The bias of one neuron, marked with the neuron where a layer shares one label."""
        row = self.labels.biases[j]
        if row.count(row[i]) == 1:
            return self.b(j, i)
        return self.W.sample(self.b(j, i), self.W.sub(self.N(j + 1, i)))

    def delta(self, k: int, i: int) -> str:
        return self.W.var("delta", self.N(k, i))

    def target(self, i: int) -> str:
        return self.W.var("target", self.N(self.L, i))

    def E(self, i: int) -> str:
        return self.W.var("E", self.N(self.L, i))

    def sl(self, s: int) -> int:
        """The 1-based number of the step's s-th sample."""
        return self.tr.samples[s] + 1

    def layer_word(self, k: int) -> str:
        if k == 0:
            return f"input layer {self.net.names[0]}"
        return (f"output layer {self.net.names[k]}" if k == self.L
                else f"hidden layer {self.net.names[k]}")

    def full(self, k: int) -> bool:
        """Whether the weight layer into layer k is written out in full."""
        return self.sizes[k] * self.sizes[k - 1] <= FULL_WEIGHTS

    def shown_neurons(self, k: int) -> list[int]:
        n = self.sizes[k]
        return list(range(n)) if self.full(k) else list(range(min(n, SHOW_NEURONS)))

    def shown_inputs(self, k: int) -> list[int]:
        n = self.sizes[k - 1]
        return list(range(n)) if self.full(k) else list(range(min(n, SHOW_WEIGHTS)))

    def label_list(self, k: int, limit: int = 6) -> list:
        """The neurons of layer k for a sentence: h1, h2, …, h128."""
        out: list = []
        for n_i, i in enumerate(_pick(self.sizes[k], limit)):
            if n_i:
                out.append(", ")
            out.append("…" if i is None else _M(self.W.sub(self.N(k, i))))
        return out

    # -- maths helpers -----------------------------------------------------------------
    def M(self, s: str) -> _M:
        return _M(s)

    def n(self, v: float, paren: bool = False) -> str:
        return self.W.num(v, paren)

    def sum_(self, terms: list[str], limit: int = MAX_TERMS) -> list[str]:
        if len(terms) > limit:
            return terms[: limit - 2] + [self.W.cdots, terms[-1]]
        return terms

    def wrap(self, terms: list[str], per_row: int) -> list[str]:
        """A sum cut into rows: the first row, then rows that continue with "+"."""
        W = self.W
        rows = [terms[i:i + per_row] for i in range(0, len(terms), per_row)] or [["0"]]
        out = [W.plus.join(rows[0])]
        out += [W.plus.strip() + " " + W.plus.join(r) for r in rows[1:]]
        return out

    def chain(self, lhs: str, *rhs) -> list[tuple[str, str, str]]:
        """Rows lhs = rhs1 = rhs2 …; an rhs given as a list is a wrapped sum (see wrap)."""
        rows: list[tuple[str, str, str]] = []
        for r in rhs:
            pieces = r if isinstance(r, list) else [r]
            for q, piece in enumerate(pieces):
                rows.append((lhs if not rows else "", "=" if q == 0 else "", piece))
        return rows

    # -- output --------------------------------------------------------------------------
    def h(self, level: int, text: str) -> None:
        self.parts.append(self.W.heading(level, text))

    def para(self, *items) -> None:
        self.parts.append(self.W.para(*items))

    def eq(self, rows) -> None:
        self.parts.append(self.W.eq(rows))

    def table(self, head, rows, numeric_from: int = 1) -> None:
        self.parts.append(self.W.table(head, rows, numeric_from))

    # ================================================================= the document
    def build(self) -> str:
        title = self.doc.title or Path(self.name).name
        self.intro()
        self.forward()
        self.error()
        self.backward()
        self.update()
        self.closing()
        fig = self.W.figure(self.figure_layout())
        return self.W.document(title, "Backpropagation: one iteration worked out", self.parts,
                               fig)

    # -- the network -------------------------------------------------------------------
    def act_words(self, a) -> list:
        W, M = self.W, self.M
        x = "x"
        if a.name == "sigmoid":
            return ["the sigmoid function ", M(f"{W.fn('sigma', x)} = "
                                              f"1/(1 + {W.exp(W.neg + x)})")]
        if a.name == "tanh":
            return ["the hyperbolic tangent ", M(W.fn("tanh", x))]
        if a.name == "relu":
            return ["the rectifier (ReLU) ", M(W.fn("max", "0, " + x))]
        if a.name == "identity":
            return ["no activation (the output is the net input)"]
        return ["the linear activation ", M(f"f(x) = {self.n(a.slope)}{W.cdot}x")]

    def loss_formula(self, inline: bool = False) -> str:
        W = self.W
        loss = self.net.loss
        t, o = W.rm("target"), W.rm("out")
        idx = "s,\\,o" if self.m > 1 and W.suffix != "html" else ("s, o" if self.m > 1 else "o")
        sq = W.sup(W.paren(f"{t}{W.minus}{o}"), "2")
        if loss.name == "sse":
            return f"{W.etotal()} = {W.sum_over(idx)} {sq}"
        den = "2" if loss.name == "half_sse" else "N"
        if inline and W.suffix == "html":
            coef = "½" if den == "2" else "1/<i>N</i>"
        elif inline:
            coef = f"\\tfrac{{1}}{{{den}}}"
        else:
            coef = W.frac("1", den)
        return f"{W.etotal()} = {W.sum_over(idx)} {coef}{sq}"

    def intro(self) -> None:
        net, doc, W, M = self.net, self.doc, self.W, self.M
        L, sizes, names = self.L, self.sizes, net.names
        self.h(2, "The network")
        desc: list = [f"The network has {_count(sizes[0], 'input')} (", *self.label_list(0),
                      ")"]
        for k in range(1, L + 1):
            desc += [", " if k < L else " and ", f"{'an' if k == L else 'a'} "
                     f"{self.layer_word(k)} of {_count(sizes[k], 'neuron')} (",
                     *self.label_list(k), ")"]
        desc.append(". ")
        acts = net.activations
        if all(a == acts[0] for a in acts):
            desc += ["Every neuron uses " if L > 1 else "The neurons use ", *self.act_words(acts[0]),
                     ". "]
        else:
            for k, a in enumerate(acts, start=1):
                desc += [f"Layer {names[k]} uses ", *self.act_words(a), ". "]
        if net.biases is not None:
            desc.append("Each neuron also adds a bias")
            desc.append("; in this example the biases are kept fixed (they are not updated). "
                        if not net.train_biases else ", which is trained like the weights. ")
        else:
            desc.append("There are no biases. ")
        desc += ["The error is ", M(self.loss_formula(inline=True))]
        if net.loss.name == "mse":
            desc += [" (", M("N"), " is the number of output values in the step)"]
        desc += [" and the learning rate is ", M(f"{W.eta} = {self.n(self.tr.learning_rate)}"),
                 ". "]
        M_ = doc.n_samples
        mode = doc.mode
        explicit = self.m == 1 and mode != "online" and self.explicit
        if mode == "online" or explicit:
            how = ("The network learns online, one sample per update. " if mode == "online" else
                   f"The network learns in {mode} mode, but this step uses one sample alone, "
                   "as an online step would. ")
            desc += [how, f"This document follows one update, on sample {self.sl(0)}"
                     + (" (the only sample)." if M_ == 1 else f" of {M_}.")]
        elif mode == "batch":
            desc += ["The network learns in batch mode: one update per pass over all "
                     f"{_count(M_, 'sample')}, with the error and every gradient summed over "
                     f"them. This document follows the first update."]
        else:
            nums = [self.sl(s) for s in range(self.m)]
            if nums == list(range(nums[0], nums[0] + self.m)) and self.m > 2:
                which = f"samples {nums[0]} to {nums[-1]}"
            else:
                which = "samples " + ", ".join(str(x) for x in nums[:12]) + (
                    ", …" if self.m > 12 else "")
            desc += [f"The network learns in minibatches of {doc.batch_size}"
                     + (" (shuffled)" if doc.shuffle_seed is not None else "")
                     + f": this document follows the first update, on {which}."]
        self.para(*desc)
        self.para(
            M(self.netv(1, 0)), " is the ", _I("total net input"), " of neuron ",
            M(W.sub(self.N(1, 0))), " (its weighted inputs"
            + (" plus its bias), " if net.biases is not None else "), "), M(self.out(1, 0)),
            " its output after the activation function, and ",
            M(W.d(W.etotal(), W.lab("w"), inline=True)), " how much the total error changes "
            "when a weight ", M(W.lab("w")), " changes a little.")
        self.data_table()
        self.weight_tables(after=False)

    def data_table(self) -> None:
        W, M, tr, L = self.W, self.M, self.tr, self.L
        ins, outs = _pick(self.sizes[0], TABLE_COLS), _pick(self.sizes[L], 3)
        head = [["sample"]]
        head += [[M(W.lab(self.N(0, i)) if i is not None else W.cdots)] for i in ins]
        head += [[M(self.target(i) if i is not None else W.cdots)] for i in outs]
        rows = []
        for s in _pick(self.m, SHOW_SAMPLES):
            if s is None:
                rows.append([[M(W.vdots)]] + [[""] for _ in ins + outs])
                continue
            r = [[str(self.sl(s))]]
            r += [[M(self.n(tr.inputs[s, i]) if i is not None else W.cdots)] for i in ins]
            r += [[M(self.n(tr.targets[s, i]) if i is not None else W.cdots)] for i in outs]
            rows.append(r)
        which = "sample" if self.m == 1 else "samples"
        self.para(f"The inputs and targets of the {which} in this step:")
        self.table(head, rows)

    def weight_tables(self, after: bool) -> None:
        W, M, net = self.W, self.M, self.net
        ws = self.tr.weights_after if after else net.weights
        bs = self.tr.biases_after if after else net.biases
        if not after:
            self.para("The initial weights", " and biases" if bs is not None else "",
                      " (a row for each receiving neuron, a column for each sending one):")
        for j in range(self.L):
            k = j + 1
            rows_i, cols_i = _pick(self.sizes[k], TABLE_ROWS), _pick(self.sizes[j], TABLE_COLS)
            small = self.full(k) and None not in rows_i + cols_i
            head = [[f"into {self.net.names[k]}"]]
            head += [[M(self.out(j, c) if c is not None else W.cdots)] if j == 0 or c is None
                     else [M(W.sub(self.N(j, c)))] for c in cols_i]
            if bs is not None:
                head.append(["bias"])
            rows = []
            for r in rows_i:
                if r is None:
                    rows.append([[M(W.vdots)]] + [[""] for _ in cols_i]
                                + ([[""]] if bs is not None else []))
                    continue
                row = [[M(W.sub(self.N(k, r)))]]
                for c in cols_i:
                    if c is None:
                        row.append([M(W.cdots)])
                    elif small:
                        row.append([M(f"{self.w(j, r, c)} = {self.n(ws[j][r, c])}")])
                    else:
                        row.append([M(self.n(ws[j][r, c]))])
                if bs is not None:
                    row.append([M(f"{self.b(j, r)} = {self.n(bs[j][r])}" if small
                                  else self.n(bs[j][r]))])
                rows.append(row)
            if self.L > 1 or after or not small:
                note: list = [":"]
                if not small:
                    r0, c0 = self.sizes[k] - 1, self.sizes[j] - 1
                    note = [f" (a {self.sizes[k]:,} × {self.sizes[j]:,} matrix, its corners "
                            "shown; the entry in row ", M(W.sub(self.N(k, r0))), " and column ",
                            M(W.sub(self.N(j, c0))), " is ", M(self.w(j, r0, c0)), "):"]
                self.para(_B(f"Weights into layer {self.net.names[k]}"), *note)
            self.table(head, rows)

    # -- the forward pass ------------------------------------------------------------
    def act_rows(self, k: int, i: int, s: int, lhs: str | None = None) -> list:
        """out = f(net) = f(number) = value."""
        W, p = self.W, self.p
        a = self.net.activations[k - 1]
        o = lhs or self.out(k, i)
        x, v = p.net[k][s, i], p.out[k][s, i]
        nv = self.netv(k, i)
        if a.name == "sigmoid":
            f_sym = W.frac("1", "1 + " + W.exp(W.neg + nv))
            f_num = W.frac("1", "1 + " + W.exp(W.neg + self.n(x, paren=True)))
        elif a.name == "tanh":
            f_sym, f_num = W.fn("tanh", nv), W.fn("tanh", self.n(x))
        elif a.name == "relu":
            f_sym, f_num = W.fn("max", "0, " + nv), W.fn("max", "0, " + self.n(x))
        elif a.name == "identity":
            return self.chain(o, nv, self.n(v))
        else:
            f_sym = f"{self.n(a.slope)}{W.cdot}{nv}"
            f_num = f"{self.n(a.slope)}{W.times}{self.n(x, paren=True)}"
        return [(o, "=", f"{f_sym} = {f_num} = {self.n(v)}")]

    def net_terms(self, k: int, i: int, s: int | None) -> list[str]:
        """The terms of net_k,i: symbols (s is None) or the numbers of sample s."""
        W, net, p = self.W, self.net, self.p
        j = k - 1
        n_in = self.sizes[j]
        cols = _pick(n_in, MAX_TERMS)
        terms = []
        for c in cols:
            if c is None:
                terms.append(W.cdots)
            elif s is None:
                terms.append(f"{self.w(j, i, c)}{W.cdot}{self.out(j, c)}")
            else:
                terms.append(f"{self.n(net.weights[j][i, c], True)}{W.times}"
                             f"{self.n(p.out[j][s, c], True)}")
        if net.biases is not None:
            terms.append(f"{self.b(j, i)}{W.cdot}1" if s is None
                         else f"{self.n(net.biases[j][i], True)}{W.times}1")
        return terms

    def net_rows(self, k: int, i: int, s: int) -> list:
        sym = self.net_terms(k, i, None)
        num = self.net_terms(k, i, s)
        per = 3
        value = self.n(self.p.net[k][s, i])
        if len(num) <= per:
            return self.chain(self.netv(k, i), self.wrap(sym, 4),
                              self.W.plus.join(num) + f" = {value}")
        return self.chain(self.netv(k, i), self.wrap(sym, 4), self.wrap(num, per), value)

    def forward(self) -> None:
        net = self.net
        L, names = self.L, net.names
        self.h(2, "The forward pass")
        acts = ", ".join(sorted({a.name for a in net.activations}))
        self.para(
            "To begin, we see what the network predicts with the weights and biases above. "
            "For each layer we figure out the ", _I("total net input"), " of every neuron, "
            "squash it with the ", _I("activation function"), f" ({acts}), and feed the "
            "outputs forward as the inputs of the next layer.")
        for k in range(1, L + 1):
            self.h(3, f"{self.layer_word(k)[0].upper()}{self.layer_word(k)[1:]}")
            src = ("the inputs" if k == 1 else f"the outputs of layer {names[k - 1]}")
            if self.m == 1:
                self.forward_single(k, src)
            else:
                self.forward_batch(k, src)

    def forward_single(self, k: int, src: str) -> None:
        W, M = self.W, self.M
        shown = self.shown_neurons(k)
        for n_i, i in enumerate(shown):
            if n_i == 0:
                self.para("The net input of ", M(W.sub(self.N(k, i))), f" weighs {src}"
                          + (" and adds the bias" if self.net.biases is not None else "") + ":")
            else:
                self.para("For ", M(W.sub(self.N(k, i))), ":")
            self.eq(self.net_rows(k, i, 0) + self.act_rows(k, i, 0))
        rest = self.sizes[k] - len(shown)
        if rest:
            self.para(f"The other {_count(rest, 'neuron')} of layer {self.net.names[k]} are "
                      "computed the same way. The net inputs and outputs of the first "
                      f"{min(self.sizes[k], TABLE_ROWS)}:")
            self.neuron_value_table(k)

    def neuron_value_table(self, k: int) -> None:
        W, M, p = self.W, self.M, self.p
        rows = []
        for i in _pick(self.sizes[k], TABLE_ROWS):
            if i is None:
                rows.append([[M(W.vdots)], [""], [""]])
            else:
                rows.append([[M(W.sub(self.N(k, i)))], [M(self.n(p.net[k][0, i]))],
                             [M(self.n(p.out[k][0, i]))]])
        self.table([["neuron"], [M(W.rm("net"))], [M(W.rm("out"))]], rows)

    def forward_batch(self, k: int, src: str) -> None:
        W, M, p = self.W, self.M, self.p
        shown = self.shown_neurons(k)
        self.para(f"For every sample, each neuron weighs {src}"
                  + (" and adds its bias" if self.net.biases is not None else "")
                  + ", then applies the activation function:")
        rows = []
        a = self.net.activations[k - 1]
        for i in shown:
            rows += self.chain(self.netv(k, i), self.wrap(self.net_terms(k, i, None), 4))
            rows += self.act_sym(k, i, a)
        self.eq(rows)
        i0 = shown[0]
        self.para(f"For example, for sample {self.sl(0)}:")
        self.eq(self.net_rows(k, i0, 0) + self.act_rows(k, i0, 0))
        if len(shown) < self.sizes[k]:
            self.para(f"The other {_count(self.sizes[k] - len(shown), 'neuron')} of layer "
                      f"{self.net.names[k]} are computed the same way.")
        self.para(f"The values for all {_count(self.m, 'sample')}:" if self.m <= SHOW_SAMPLES
                  else f"The values for the first {SHOW_SAMPLES - 1} and the last of the "
                  f"{self.m:,} samples:")
        for c0 in range(0, len(shown), TABLE_NEURONS):
            group = shown[c0:c0 + TABLE_NEURONS]
            head = [["sample"]]
            for i in group:
                head += [[M(self.netv(k, i))], [M(self.out(k, i))]]
            rows = []
            for s in _pick(self.m, SHOW_SAMPLES):
                if s is None:
                    rows.append([[M(W.vdots)]] + [[""] for _ in range(2 * len(group))])
                    continue
                r = [[str(self.sl(s))]]
                for i in group:
                    r += [[M(self.n(p.net[k][s, i]))], [M(self.n(p.out[k][s, i]))]]
                rows.append(r)
            self.table(head, rows)

    def act_sym(self, k: int, i: int, a) -> list:
        W = self.W
        nv = self.netv(k, i)
        f = {
            "sigmoid": lambda: W.frac("1", "1 + " + W.exp(W.neg + nv)),
            "tanh": lambda: W.fn("tanh", nv),
            "relu": lambda: W.fn("max", "0, " + nv),
            "identity": lambda: nv,
            "linear": lambda: f"{self.n(a.slope)}{W.cdot}{nv}",
        }[a.name]()
        return [(self.out(k, i), "=", f)]

    # -- the error -----------------------------------------------------------------------
    def term_sym(self, i: int, t: str | None = None, o: str | None = None) -> str:
        W = self.W
        t = t or self.target(i)
        o = o or self.out(self.L, i)
        sq = W.sup(W.paren(f"{t}{W.minus}{o}"), "2")
        name = self.net.loss.name
        if name == "half_sse":
            return f"{W.frac('1', '2')}{sq}"
        if name == "sse":
            return sq
        return f"{W.frac('1', str(self.m * self.sizes[self.L]))}{sq}"

    def error_terms(self) -> np.ndarray:
        return self.net.loss.terms(self.p.out[self.L], self.tr.targets)

    def error(self) -> None:
        W, M, p, L = self.W, self.M, self.p, self.L
        self.h(2, "The error")
        loss = self.net.loss
        what = {"half_sse": "half the squared difference", "sse": "the squared difference",
                "mse": "the squared difference divided by N"}[loss.name]
        over = "" if self.m == 1 else ", and over the samples of the step"
        self.para(f"The error of each output neuron is {what} between its target and its "
                  f"output; the total error sums them over the output neurons{over}:")
        self.eq([(W.etotal(), "=", self.loss_formula().split(" = ", 1)[1])])
        terms = self.error_terms()
        outs = _pick(self.sizes[L], SHOW_OUTPUTS)
        if self.m == 1:
            self.para("For ", M(W.sub(self.N(L, 0))), ", the target is ",
                      M(self.n(self.tr.targets[0, 0])), " but the network gives ",
                      M(self.n(p.out[L][0, 0])), ", so its error is:")
            rows = []
            for i in outs:
                if i is None:
                    rows.append(("", "", W.vdots))
                    continue
                num = self.term_sym(i, self.n(self.tr.targets[0, i], True),
                                    self.n(p.out[L][0, i], True))
                rows.append((self.E(i), "=", f"{self.term_sym(i)} = {num} = "
                             f"{self.n(terms[0, i])}"))
            self.eq(rows)
            syms = [self.E(i) if i is not None else W.cdots for i in outs]
            nums = [self.n(terms[0, i]) if i is not None else W.cdots for i in outs]
            self.para("The total error of the network is the sum of these errors:")
            if len(nums) <= 4:
                self.eq([(W.etotal(), "=", f"{W.plus.join(syms)} = {W.plus.join(nums)} = "
                          f"{self.n(p.error)}")])
            else:
                self.eq(self.chain(W.etotal(), W.plus.join(syms), self.wrap(nums, 4),
                                   self.n(p.error)))
            return
        self.para(f"For example, for sample {self.sl(0)} and ", M(W.sub(self.N(L, 0))), ":")
        num = self.term_sym(0, self.n(self.tr.targets[0, 0], True), self.n(p.out[L][0, 0], True))
        self.eq([(W.sample(self.E(0), self.sl(0)), "=", f"{num} = {self.n(terms[0, 0])}")])
        self.para("Every sample and output:")
        outs = _pick(self.sizes[L], 3)
        head = [["sample"]]
        for i in outs:
            if i is None:
                head.append([M(W.cdots)])
            else:
                head += [[M(self.target(i))], [M(self.out(L, i))], [M(self.E(i))]]
        rows = []
        for s in _pick(self.m, SHOW_SAMPLES):
            if s is None:
                rows.append([[M(W.vdots)]] + [[""] for _ in range(len(head) - 1)])
                continue
            r = [[str(self.sl(s))]]
            for i in outs:
                if i is None:
                    r.append([M(W.cdots)])
                else:
                    r += [[M(self.n(self.tr.targets[s, i]))], [M(self.n(p.out[L][s, i]))],
                          [M(self.n(terms[s, i]))]]
            rows.append(r)
        self.table(head, rows)
        flat = [self.n(x) for x in terms.ravel()]
        self.para("The total error is the sum of all of them:")
        self.eq(self.chain(W.etotal(), self.wrap(self.sum_(flat), 4), self.n(p.error)))

    # -- the backward pass ---------------------------------------------------------------
    def backward(self) -> None:
        W, M, L = self.W, self.M, self.L
        self.h(2, "The backward pass")
        w0 = self.w(L - 1, 0, 0)
        self.para(
            "Our goal with backpropagation is to update each weight so that the outputs come "
            "closer to the targets, which makes the total error smaller. For that we need, for "
            "every weight ", M(W.lab("w")), ", the partial derivative ",
            M(W.d(W.etotal(), W.lab("w"), inline=True)), ": how much a small change in ",
            M(W.lab("w")), " changes the total error (the ", _I("gradient"), " with respect to ",
            M(W.lab("w")), "). The chain rule builds it from pieces we can compute one at a "
            "time, starting at the output layer and working backwards.")
        for k in range(L, 0, -1):
            self.h(3, f"{self.layer_word(k)[0].upper()}{self.layer_word(k)[1:]}")
            if k == L:
                r, c = 0, 0
                self.para("Consider ", M(w0), ". We want to know how much a change in ", M(w0),
                          " affects the total error, ", M(W.d(W.etotal(), w0, inline=True)),
                          ". By the chain rule:")
                self.eq([(W.d(W.etotal(), w0), "=", self.chain_sym(k, r, c))])
                self.para("We need to figure out each piece of this equation"
                          + (", for every sample of the step" if self.m > 1 else "") + ".")
            elif k == L - 1:
                self.para(
                    "Next, we continue the backward pass to the weights into layer "
                    f"{self.net.names[k]}. The chain rule has the same shape:")
                self.eq([(W.d(W.etotal(), self.w(k - 1, 0, 0)), "=",
                          self.chain_sym(k, 0, 0))])
                self.para(
                    "but the first factor is different: the output of a neuron of layer "
                    f"{self.net.names[k]} feeds every neuron of layer {self.net.names[k + 1]}, "
                    "and so affects the total error along several paths. ",
                    M(W.d(W.etotal(), self.out(k, 0), inline=True)),
                    " has to take all of them into account.")
            else:
                self.para(f"Layer {self.net.names[k]} works exactly like layer "
                          f"{self.net.names[k + 1]}, one layer further back: its error signal "
                          f"comes from the δ values of layer {self.net.names[k + 1]}.")
            if self.m > 1:
                self.para("With several samples the total error is a sum over them, so every "
                          "gradient is the sum of the chain rules of the samples (", M("s"),
                          " counts the samples):")
                self.eq([(W.d(W.etotal(), self.w(k - 1, 0, 0)), "=",
                          f"{W.sum_over('s')} {W.sample(W.paren(self.chain_sym(k, 0, 0)), 's')}")])
            shown = self.shown_neurons(k)
            for n_i, r in enumerate(shown):
                self.neuron_backward(k, r, first=(n_i == 0))
            rest = self.sizes[k] - len(shown)
            if rest:
                self.para(f"The other {_count(rest, 'neuron')} of layer {self.net.names[k]} "
                          "work the same way. The gradients of the weights into layer "
                          f"{self.net.names[k]}:")
                self.matrix_table(k, self.p.grad_w[k - 1])
            if self.net.biases is not None and not self.net.train_biases and k == L:
                self.para(_I("The biases are fixed in this example: their gradients are "
                             "shown, but the biases are not updated."))

    def chain_sym(self, k: int, r: int, c: int) -> str:
        W = self.W
        j = k - 1
        return (f"{W.d(W.etotal(), self.out(k, r))}{W.cdot}"
                f"{W.d(self.out(k, r), self.netv(k, r))}{W.cdot}"
                f"{W.d(self.netv(k, r), self.w(j, r, c))}")

    def grad_out_rows(self, k: int, r: int, first: bool) -> tuple[list, list]:
        """Paragraph items and rows that explain ∂E_total/∂out for sample 0 (single sample)."""
        W, M, p, L = self.W, self.M, self.p, self.L
        s = 0
        o = self.out(k, r)
        lhs = W.d(W.etotal(), o)
        value = self.n(p.grad_out[k][s, r])
        if k == L:
            t_num, o_num = self.n(self.tr.targets[s, r], True), self.n(p.out[L][s, r], True)
            diff_sym = W.paren(f"{self.target(r)}{W.minus}{o}")
            diff_num = W.paren(f"{t_num}{W.minus}{o_num}")
            name = self.net.loss.name
            two_m1 = f"2{W.minus.strip()}1" if W.suffix == "html" else "2-1"
            if name == "half_sse":
                coef, deriv = W.neg, f"2{W.cdot}{W.frac('1', '2')}{W.sup(diff_sym, two_m1)}"
            elif name == "sse":
                coef, deriv = f"{W.neg}2", f"2{W.sup(diff_sym, two_m1)}"
            else:
                nn = str(self.m * self.sizes[L])
                coef = f"{W.neg}{W.frac('2', nn)}"
                deriv = f"{W.frac('1', nn)}{W.cdot}2{W.sup(diff_sym, two_m1)}"
            zeros = "" if self.sizes[L] == 1 else " + 0"
            rows = []
            if first:
                terms = [self.term_sym(i) if i is not None else W.cdots
                         for i in _pick(self.sizes[L], 4)]
                items = ["First, how much does the total error change with the output ",
                         M(o), "? "]
                items += (["Only the term of ", M(W.sub(self.N(L, r))), " depends on it:"]
                          if self.sizes[L] > 1 else ["The total error is its term alone:"])
                rows += [(W.etotal(), "=", W.plus.join(terms))]
                rows += [(lhs, "=", f"{deriv}{W.cdot}({W.neg}1){zeros}")]
                rows += [("", "=", f"{coef}{diff_sym}")]
                rows += [("", "=", f"{coef}{diff_num} = {value}")]
            else:
                items = ["How much the total error changes with the output ", M(o), ":"]
                rows = [(lhs, "=", f"{coef}{diff_sym} = {coef}{diff_num} = {value}")]
            return items, rows
        # hidden layer: the sum over the paths through layer k + 1
        nxt = _pick(self.sizes[k + 1], MAX_TERMS)
        last = k + 1 == L
        n_next = self.sizes[k + 1]
        items = ["First, ", M(W.d(W.etotal(), o, inline=True)), ": ", M(o), " feeds "
                 + ("the neuron" if n_next == 1 else "both neurons" if n_next == 2 else
                    f"all {_count(n_next, 'neuron')}")
                 + f" of layer {self.net.names[k + 1]}, so the total error depends on it "
                 "through each of them:"]
        sym_paths, rows = [], []
        path_rows = []
        nums = []
        for q in nxt:
            if q is None:
                sym_paths.append(W.cdots)
                nums.append(W.cdots)
                path_rows.append(("", "", W.vdots))
                continue
            dlt, wq = p.delta[k + 1][s, q], self.net.weights[k][q, r]
            prod = dlt * wq  # one path: a product of two stored numbers
            nq = self.netv(k + 1, q)
            if last:
                e_q = self.E(q)
                sym_paths.append(W.d(e_q, o))
                path_rows.append((W.d(e_q, o), "=",
                                  f"{W.d(e_q, nq)}{W.cdot}{W.d(nq, o)} = "
                                  f"{self.delta(k + 1, q)}{W.cdot}{self.w(k, q, r)} = "
                                  f"{self.n(dlt, True)}{W.times}{self.n(wq, True)} = "
                                  f"{self.n(prod)}"))
            else:
                sym_paths.append(f"{W.d(W.etotal(), nq)}{W.cdot}{W.d(nq, o)}")
            nums.append(self.n(prod, True) if last else
                        f"{self.n(dlt, True)}{W.times}{self.n(wq, True)}")
        rows += self.chain(lhs, self.wrap(sym_paths, 4 if last else 2))
        if last:
            rows += path_rows
            rows += self.chain(lhs, self.wrap(nums, 4), value)
        else:
            dsym = [f"{self.delta(k + 1, q)}{W.cdot}{self.w(k, q, r)}" if q is not None
                    else W.cdots for q in nxt]
            rows += self.chain("", self.wrap(dsym, 4), self.wrap(nums, 2), value)
        return items, rows

    def fprime_rows(self, k: int, r: int, s: int) -> tuple[list, list]:
        W, M, p = self.W, self.M, self.p
        a = self.net.activations[k - 1]
        o, nv = self.out(k, r), self.netv(k, r)
        lhs = W.d(o, nv)
        ov, fv = p.out[k][s, r], self.n(p.fprime[k][s, r])
        if a.name == "sigmoid":
            return (["The derivative of the sigmoid function is its output multiplied by "
                     "1 minus its output:"],
                    [(lhs, "=", f"{o}(1{W.minus}{o}) = {self.n(ov)}(1{W.minus}{self.n(ov)}) "
                      f"= {fv}")])
        if a.name == "tanh":
            return (["The derivative of tanh is 1 minus the square of its output:"],
                    [(lhs, "=", f"1{W.minus}{W.sup(o, '2')} = 1{W.minus}"
                      f"{W.sup(self.n(ov, True), '2')} = {fv}")])
        if a.name == "relu":
            x = p.net[k][s, r]
            why = (f"{nv} = {self.n(x)} > 0" if x > 0 else f"{nv} = {self.n(x)} \\le 0"
                   if W.suffix != "html" else f"{nv} = {self.n(x)} ≤ 0")
            return (["The rectifier passes positive net inputs through and stops the others, "
                     "so its derivative is 1 or 0; here ", M(why), ":"],
                    [(lhs, "=", fv)])
        if a.name == "identity":
            return (["The output is the net input itself, so:"], [(lhs, "=", fv)])
        return ([f"The activation multiplies by {fmt(a.slope)}, so its derivative is that "
                 "number:"], [(lhs, "=", fv)])

    def neuron_backward(self, k: int, r: int, first: bool) -> None:
        W, M, p, L = self.W, self.M, self.p, self.L
        j = k - 1
        nm = W.sub(self.N(k, r))
        kind = "Output" if k == L else "Hidden"
        self.h(4, f"{kind} neuron {self.N(k, r)}")
        o, nv = self.out(k, r), self.netv(k, r)
        if self.m > 1:
            self.neuron_backward_batch(k, r)
            return
        items, rows = self.grad_out_rows(k, r, first)
        self.para(*items)
        self.eq(rows)
        f_items, f_rows = self.fprime_rows(k, r, 0)
        self.para("Next, how much does the output of ", M(nm),
                  " change with respect to its total net input? ", *f_items)
        self.eq(f_rows)
        self.para("The product of these two factors, ", M(W.d(W.etotal(), nv, inline=True)),
                  ", is the error signal ", M(self.delta(k, r)), " of ", M(nm),
                  " (the next layer back will use it)" if k > 1 else "", ":")
        self.eq(self.chain(self.delta(k, r), f"{W.d(W.etotal(), o)}{W.cdot}{W.d(o, nv)}",
                           f"{self.n(p.grad_out[k][0, r], True)}{W.times}"
                           f"{self.n(p.fprime[k][0, r], True)} = {self.n(p.delta[k][0, r])}"))
        cols = self.shown_inputs(k)
        net_sym = W.plus.join(self.net_terms(k, r, None))
        self.para("Finally, how much does ", M(nv), " change with respect to each weight into ",
                  M(nm), "? Each weight multiplies one input, so the derivative is that input:")
        rows = [(nv, "=", net_sym)]
        for c in cols:
            rows.append((W.d(nv, self.w(j, r, c)), "=",
                         f"{self.out(j, c)} = {self.n(p.out[j][0, c])}"))
        self.eq(rows)
        self.para("Putting it all together:")
        rows = []
        for c in cols:
            g = p.grad_w[j][r, c]
            rows += self.chain(
                W.d(W.etotal(), self.w(j, r, c)), self.chain_sym(k, r, c),
                f"{self.n(p.grad_out[k][0, r], True)}{W.times}{self.n(p.fprime[k][0, r], True)}"
                f"{W.times}{self.n(p.out[j][0, c], True)} = {self.n(g)}")
        self.eq(rows)
        rest = self.sizes[j] - len(cols)
        if rest:
            self.para(f"The other {_count(rest, 'weight')} into ", M(nm), " follow the same "
                      "pattern, each with its own input.")
        self.bias_grad(k, r)

    def bias_grad(self, k: int, r: int) -> None:
        W, M, p = self.W, self.M, self.p
        if self.net.biases is None:
            return
        j = k - 1
        b = self.b_of(j, r)
        nv = self.netv(k, r)
        g = p.grad_b[j][r]
        if self.m == 1:
            self.para("The bias enters ", M(nv), " multiplied by 1, so ",
                      M(f"{W.d(nv, b, inline=True)} = 1"), " and its gradient is the error "
                      "signal itself:")
            self.eq([(W.d(W.etotal(), b), "=", f"{self.delta(k, r)}{W.cdot}1 = {self.n(g)}")])
        else:
            terms = [self.n(p.delta[k][s, r], True) for s in range(self.m)]
            self.para("The bias enters ", M(nv), " multiplied by 1, so its gradient is the "
                      "sum of the error signals:")
            self.eq(self.chain(W.d(W.etotal(), b),
                               f"{W.sum_over('s')} {W.sample(self.delta(k, r), 's')}",
                               self.wrap(self.sum_(terms), 4), self.n(g)))

    def neuron_backward_batch(self, k: int, r: int) -> None:
        W, M, p, L = self.W, self.M, self.p, self.L
        j = k - 1
        nm = W.sub(self.N(k, r))
        o, nv = self.out(k, r), self.netv(k, r)
        # the symbolic factors of one sample
        if k == L:
            name = self.net.loss.name
            dsym = W.paren(f"{self.target(r)}{W.minus}{o}")
            coef = {"half_sse": W.neg, "sse": f"{W.neg}2"}.get(
                name, f"{W.neg}{W.frac('2', str(self.m * self.sizes[L]))}")
            g_sym = [f"{coef}{dsym}"]
        else:
            nxt = _pick(self.sizes[k + 1], MAX_TERMS)
            g_sym = self.wrap([f"{self.delta(k + 1, q)}{W.cdot}{self.w(k, q, r)}"
                               if q is not None else W.cdots for q in nxt], 4)
        a = self.net.activations[k - 1]
        f_sym = {"sigmoid": f"{o}(1{W.minus}{o})", "tanh": f"1{W.minus}{W.sup(o, '2')}",
                 "relu": "1 \\text{ if } " + nv + " > 0 \\text{ else } 0" if W.suffix != "html"
                 else f"1 if {nv} > 0 else 0",
                 "identity": "1", "linear": self.n(a.slope)}[a.name]
        self.para("For each sample, the error signal of ", M(nm), ":")
        self.eq(self.chain(W.d(W.etotal(), o), g_sym) + [
            (W.d(o, nv), "=", f_sym),
            (self.delta(k, r), "=", f"{W.d(W.etotal(), o)}{W.cdot}{W.d(o, nv)}")])
        # the first sample with its numbers
        s0 = self.sl(0)
        if k == L:
            t_num, o_num = self.n(self.tr.targets[0, r], True), self.n(p.out[L][0, r], True)
            g_rows = [(W.d(W.etotal(), o), "=", f"{coef}{W.paren(f'{t_num}{W.minus}{o_num}')}"
                       f" = {self.n(p.grad_out[k][0, r])}")]
        else:
            nxt = _pick(self.sizes[k + 1], MAX_TERMS)
            terms = [f"{self.n(p.delta[k + 1][0, q], True)}{W.times}"
                     f"{self.n(self.net.weights[k][q, r], True)}" if q is not None
                     else W.cdots for q in nxt]
            if len(terms) <= 2:
                g_rows = [(W.d(W.etotal(), o), "=",
                           f"{W.plus.join(terms)} = {self.n(p.grad_out[k][0, r])}")]
            else:
                g_rows = self.chain(W.d(W.etotal(), o), self.wrap(terms, 2),
                                    self.n(p.grad_out[k][0, r]))
        self.para(f"For sample {s0}, with its numbers:")
        f_rows = self.fprime_rows(k, r, 0)[1]
        self.eq(g_rows + f_rows
                + [(self.delta(k, r), "=",
                    f"{self.n(p.grad_out[k][0, r], True)}{W.times}"
                    f"{self.n(p.fprime[k][0, r], True)} = {self.n(p.delta[k][0, r])}")])
        head = [["sample"], [M(W.d(W.etotal(), o, inline=True))], [M(W.d(o, nv, inline=True))],
                [M(self.delta(k, r))]]
        rows = []
        for s in _pick(self.m, SHOW_SAMPLES):
            if s is None:
                rows.append([[M(W.vdots)], [""], [""], [""]])
                continue
            rows.append([[str(self.sl(s))], [M(self.n(p.grad_out[k][s, r]))],
                         [M(self.n(p.fprime[k][s, r]))], [M(self.n(p.delta[k][s, r]))]])
        self.para("Every sample:")
        self.table(head, rows)
        cols = self.shown_inputs(k)
        self.para("Each weight into ", M(nm), " multiplies one input, so ",
                  M(W.d(nv, self.w(j, r, cols[0]), inline=True) + " = " + self.out(j, cols[0])),
                  " and so on. Summing the products over the samples:")
        rows = []
        for c in cols:
            terms = [f"{self.n(p.delta[k][s, r], True)}{W.times}{self.n(p.out[j][s, c], True)}"
                     for s in range(min(self.m, MAX_TERMS + 1))]
            if self.m > MAX_TERMS:
                s = self.m - 1
                terms = terms[: MAX_TERMS - 2] + [
                    W.cdots, f"{self.n(p.delta[k][s, r], True)}{W.times}"
                    f"{self.n(p.out[j][s, c], True)}"]
            rows += self.chain(
                W.d(W.etotal(), self.w(j, r, c)),
                f"{W.sum_over('s')} {W.sample(self.delta(k, r), 's')}{W.cdot}"
                f"{W.sample(self.out(j, c), 's')}",
                self.wrap(terms, 2), self.n(p.grad_w[j][r, c]))
        self.eq(rows)
        rest = self.sizes[j] - len(cols)
        if rest:
            self.para(f"The other {_count(rest, 'weight')} into ", M(nm), " follow the same "
                      "pattern.")
        self.bias_grad(k, r)

    def matrix_table(self, k: int, values: np.ndarray) -> None:
        W, M = self.W, self.M
        j = k - 1
        rows_i, cols_i = _pick(self.sizes[k], TABLE_ROWS), _pick(self.sizes[j], TABLE_COLS)
        head = [[f"into {self.net.names[k]}"]]
        head += [[M(W.sub(self.N(j, c)) if c is not None else W.cdots)] for c in cols_i]
        rows = []
        for r in rows_i:
            if r is None:
                rows.append([[M(W.vdots)]] + [[""] for _ in cols_i])
                continue
            rows.append([[M(W.sub(self.N(k, r)))]]
                        + [[M(self.n(values[r, c]) if c is not None else W.cdots)]
                           for c in cols_i])
        self.table(head, rows)

    # -- the update ----------------------------------------------------------------------
    def update(self) -> None:
        W, M, net, p, tr = self.W, self.M, self.net, self.p, self.tr
        self.h(2, "The update")
        eta = self.n(tr.learning_rate)
        self.para("To decrease the error, we subtract each gradient, multiplied by the "
                  "learning rate ", M(f"{W.eta} = {eta}"), ", from its weight. The updates are "
                  "made only now, after every gradient has been computed with the old weights:")
        wl = W.lab("w")
        self.eq([(W.plus_sup(wl), "=", f"{wl}{W.minus}{W.eta}{W.cdot}{W.d(W.etotal(), wl)}")])
        for j in range(self.L):
            k = j + 1
            self.para(_B(f"Weights into layer {net.names[k]}"), ":")
            rows = []
            for r in self.shown_neurons(k):
                for c in self.shown_inputs(k):
                    ws = self.w(j, r, c)
                    rows.append((W.plus_sup(ws), "=",
                                 f"{ws}{W.minus}{W.eta}{W.cdot}"
                                 f"{W.d(W.etotal(), ws)} = {self.n(net.weights[j][r, c])}"
                                 f"{W.minus}{eta}{W.times}{self.n(p.grad_w[j][r, c], True)}"
                                 f" = {self.n(tr.weights_after[j][r, c])}"))
            self.eq(rows)
            n_all = self.sizes[k] * self.sizes[j]
            if len(rows) < n_all:
                self.para(f"The other {n_all - len(rows):,} weights into layer {net.names[k]} "
                          "are updated the same way.")
        if net.biases is not None:
            if net.train_biases:
                self.para(_B("Biases"), ": they are trained too, ", M(
                    f"{W.plus_sup(W.lab('b'))} = {W.lab('b')}{W.minus}{W.eta}{W.cdot}"
                    f"{W.d(W.etotal(), W.lab('b'), inline=True)}"), ":")
                rows = []
                for j in range(self.L):
                    for i in self.shown_neurons(j + 1):
                        b = self.b_of(j, i)
                        rows.append((W.plus_sup(b), "=",
                                     f"{b}{W.minus}{W.eta}{W.cdot}{W.d(W.etotal(), b)} = "
                                     f"{self.n(net.biases[j][i])}{W.minus}{eta}{W.times}"
                                     f"{self.n(p.grad_b[j][i], True)} = "
                                     f"{self.n(tr.biases_after[j][i])}"))
                self.eq(rows)
            else:
                vals = []
                for j in range(self.L):
                    seen = []
                    for i in range(min(self.sizes[j + 1], TABLE_ROWS)):
                        lbl = self.labels.biases[j][i]
                        if lbl in seen:
                            continue
                        seen.append(lbl)
                        vals.append(f"{self.b(j, i)} = {self.n(net.biases[j][i])}")
                self.para(_B("Biases"), ": they are fixed in this example and keep their "
                          "values, ", *_join_math(vals), ".")
        self.para("The new weights", " and biases" if net.biases is not None else "",
                  " after this step:")
        self.weight_tables(after=True)

    def closing(self) -> None:
        W, M, tr = self.W, self.M, self.tr
        which = "this sample" if self.m == 1 else "these samples"
        items = ["Before this step, the error on ", which, " was ",
                 M(f"{W.etotal()} = {self.n(tr.error)}"), "."]
        after = self.error_after()
        if after is not None:
            items += [" After this one round of backpropagation, with the new weights, it is ",
                      M(f"{W.etotal()} = {self.n(after)}"),
                      ". Repeating the step again and again drives the error further down."]
        self.parts.append(self.W.para(*items).replace("<p>", '<p class="closing">', 1)
                          if W.suffix == "html" else self.W.para(*items))

    def error_after(self) -> float | None:
        """E of the step's samples with the updated weights (a forward pass, no backprop)."""
        net = self.net.copy()
        net.set_parameters(self.tr.weights_after, self.tr.biases_after)
        with np.errstate(all="ignore"):
            e = net.error(self.tr.inputs, self.tr.targets)
        return e if math.isfinite(e) else None

    # -- the figure ------------------------------------------------------------------------
    def figure_layout(self):
        """Node and edge positions for a small network (None for a large one)."""
        sizes, L = self.sizes, self.L
        if max(sizes) > 6 or L > 4:
            return None
        has_b = self.net.biases is not None
        dx, dy, top = 150.0, 70.0, 50.0 if has_b else 30.0
        rows = max(sizes)
        width = 60 + dx * L + 60
        height = top + dy * (rows - 1) + 40
        nodes, edges = [], []
        pos = {}
        for k, n in enumerate(sizes):
            x = 60 + dx * k
            y0 = top + (rows - n) * dy / 2
            for i in range(n):
                pos[k, i] = (x, y0 + i * dy)
        small = max(sizes) <= 3
        lbl = self._fig_label
        for j in range(L):
            for r in range(sizes[j + 1]):
                for c in range(sizes[j]):
                    edges.append((*_shorten(*pos[j, c], *pos[j + 1, r], 15.0),
                                  lbl(self.labels.weights[j][r][c]) if small else ""))
        for (k, i), (x, y) in pos.items():
            nodes.append((x, y, lbl(self.N(k, i)), "neuron"))
        if has_b:
            for j in range(L):
                x = 60 + dx * j + dx * 0.5
                y = top - 30
                row = self.labels.biases[j]
                shared = len(set(row)) == 1
                nodes.append((x, y, lbl(row[0]) if shared else "1", "bias"))
                for r in range(sizes[j + 1]):
                    edges.append((*_shorten(x, y, *pos[j + 1, r], 15.0),
                                  "" if shared or not small else lbl(row[r])))
        return nodes, edges, width, height - 10

    def _fig_label(self, label: str) -> str:
        W = self.W
        if W.suffix == "html":
            return W.svg_label(label)
        return W.lab(label)


def _shorten(x1: float, y1: float, x2: float, y2: float, r: float) -> tuple[float, ...]:
    """The segment between two circles of radius r, from rim to rim."""
    d = math.hypot(x2 - x1, y2 - y1) or 1.0
    ux, uy = (x2 - x1) / d, (y2 - y1) / d
    return x1 + r * ux, y1 + r * uy, x2 - r * ux, y2 - r * uy


def _join_math(parts: list[str]) -> list:
    out: list = []
    for i, s in enumerate(parts):
        if i:
            out.append(" and " if i == len(parts) - 1 else ", ")
        out.append(_M(s))
    return out


# ======================================================================= entry points
_WRITERS = {"md": _MarkdownWriter, "html": _HtmlWriter, "tex": _LaTeXWriter}


def explain(doc, tr: Trace, format: str = "md", name: str = "", explicit: bool = False) -> str:
    """The worked example of the step ``tr`` of ``doc`` as a Markdown, HTML or LaTeX text.

    ``explicit``: the step's sample was chosen with ``--sample`` (worded as such)."""
    if format not in _WRITERS:
        raise ValueError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    return _Explainer(doc, tr, _WRITERS[format](), name, explicit).build()


def _finite(tr: Trace) -> bool:
    p = tr.p
    arrays = [*tr.weights_after, *p.grad_w, *p.delta[1:], *p.out[1:], *p.grad_out[1:]]
    if tr.biases_after is not None:
        arrays += [*tr.biases_after, *p.grad_b]
    return math.isfinite(tr.error) and all(np.isfinite(a).all() for a in arrays)


def explain_command(args) -> int:
    """``bpviz explain NET [--sample K] [--format md|html|tex] [-o FILE]`` (CLI.md)."""
    from bpviz.cli import UsageError, _check_writable, _doc, _first_rows

    form = getattr(args, "format", None) or "md"
    if form not in _WRITERS:
        raise UsageError(f"--format {form}: expected one of {', '.join(FORMATS)}")
    out = getattr(args, "out", None)
    if out:
        _check_writable(out)
    doc = _doc(args.net)
    sample = getattr(args, "sample", None)
    tr = trace_step(doc, _first_rows(doc, sample))
    if not _finite(tr):
        raise UsageError(f"{args.net}: the step's values are not finite (an overflow); try a "
                         "smaller learning rate or smaller weights")
    text = explain(doc, tr, form, name=args.net, explicit=sample is not None)
    if out:
        write_atomic(out, text)
        return 0
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0
