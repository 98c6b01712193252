"""Equations written out: one renderer per medium, one notation for all.

- :func:`text` — plain Unicode for ``bpviz trace`` and the status bar: ``out_h1``, ``δ_o1``,
  ``E_total``, ``∂E/∂w5``, samples as superscripts ``δ_f1⁽²⁾``, Σₛ, true minus.
- :func:`html` — Qt rich text and HTML (banner, inspector, tooltips, ``explain --format html``):
  the same symbols with true subscripts, ``out<sub>h1</sub>``.
- :func:`tex` — LaTeX maths (``explain --format tex`` and Markdown with MathJax).

They share the tree walk and its rules (parentheses by precedence, a negative number in
parentheses wherever it is not the first term, "×" between numbers and "·" between symbols);
only the atoms differ. None of them computes anything but how to write a number.
"""

from __future__ import annotations

import html as _html
import unicodedata
from collections.abc import Callable, Sequence

from bpviz.core.expr import (
    Call,
    Cond,
    Diff,
    Eq,
    Frac,
    Half,
    Neg,
    Node,
    Num,
    Partial,
    Pow,
    Prod,
    Sum,
    SumOver,
    Sym,
)
from bpviz.core.iteration.symbols import parse
from bpviz.core.numbers import fmt

__all__ = ["text", "html", "tex", "Renderer", "minus"]

_SUP = str.maketrans("0123456789s()+-−n", "⁰¹²³⁴⁵⁶⁷⁸⁹ˢ⁽⁾⁺⁻⁻ⁿ")
_SUB = str.maketrans("sjio", "ₛⱼᵢₒ")
_FN_TEXT = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "ln": "ln", "sin": "sin"}


def minus(s: str) -> str:
    """A number's hyphen-minus as a true minus (also in its exponent)."""
    return s.replace("-", "−")


def _default_num(v: float) -> str:
    return minus(fmt(v))


# precedence: higher binds tighter
_ATOM, _POW, _PROD, _SUM, _COND = 4, 3, 2, 1, 0


class Renderer:
    """The tree walk; subclasses write atoms and operators in their medium."""

    times, dot, plus, minus_op, eq = " × ", "·", " + ", " − ", " = "

    unknown = "?"  # a number the view has not revealed yet

    def __init__(
        self, num: Callable[[float], str] | None = None, known: Callable[[tuple], bool] | None = None
    ) -> None:
        self.fmt = num or _default_num
        self.known = known

    # -- atoms a medium writes its own way
    def number(self, v: float) -> str:
        return self.fmt(v)

    def symbol(self, s: Sym) -> str:
        raise NotImplementedError

    def partial(self, top: str, bottom: str) -> str:
        raise NotImplementedError

    def paren(self, s: str) -> str:
        return f"({s})"

    def half(self) -> str:
        return "½"

    def ellipsis(self, more: int) -> str:
        return f"… ({more:,} more term{'s' if more != 1 else ''})"

    def func(self, name: str, arg: str, prime: bool) -> str:
        p = "′" if prime else ""
        if name == "relu" and not prime:
            return f"max(0, {arg})"
        if name == "exp" and not prime:
            return self.exp(arg)
        return f"{_FN_TEXT.get(name, name)}{p}({arg})"

    def exp(self, arg: str) -> str:
        """e to the power of arg: e^(net_o1)."""
        return f"e^({arg})"

    def negate(self, body: str, bracket: bool) -> str:
        """−a; a sum inside in square brackets: −[t·ln o + (1 − t)·ln(1 − o)]."""
        return f"−[{body}]" if bracket else f"−{body}"

    def sum_over(self, index: str, body: str) -> str:
        return f"Σ{index.translate(_SUB)} {body}"

    def frac(self, a: str, b: str) -> str:
        return f"{a} / {b}"

    def power(self, a: str, n: int) -> str:
        return a + str(n).translate(_SUP)

    def cond(self, then: str, test: str, other: str) -> str:
        return f"{then} if {test} > 0 else {other}"

    def note(self, s: str) -> str:
        return f"  ({s})"

    # -- the walk
    def hidden(self, n: Node) -> bool:
        return isinstance(n, Num) and n.q is not None and self.known is not None and not self.known(n.q)

    def prec(self, n: Node) -> int:
        if isinstance(n, Num):
            if self.hidden(n):
                return _ATOM
            return _ATOM if n.v >= 0 or self.number(n.v)[0] not in "-−" else _SUM
        if isinstance(n, Pow):
            return _POW
        if isinstance(n, Neg):
            return _SUM
        if isinstance(n, (Prod, Frac)):
            return _PROD
        if isinstance(n, (Sum, Diff, SumOver)):
            return _SUM
        if isinstance(n, Cond):
            return _COND
        return _ATOM

    def wrap(self, n: Node, above: int) -> str:
        s = self.node(n)
        return self.paren(s) if self.prec(n) <= above else s

    def node(self, n: Node) -> str:
        if isinstance(n, Num):
            return self.unknown if self.hidden(n) else self.number(n.v)
        if isinstance(n, Half):
            return self.half()
        if isinstance(n, Sym):
            return self.symbol(n)
        if isinstance(n, Partial):
            return self.partial(self.node(n.top), self.node(n.bottom))
        if isinstance(n, Call):
            return self.func(n.name, self.node(n.arg), n.prime)
        if isinstance(n, Prod):
            return self.product(n.factors)
        if isinstance(n, Sum):
            parts = [self.wrap(n.terms[0], _COND)] + [self.wrap(t, _SUM) for t in n.terms[1:]]
            if n.more:
                parts.append(self.ellipsis(n.more))
            if n.last is not None:
                parts.append(self.wrap(n.last, _SUM))
            return self.plus.join(parts)
        if isinstance(n, SumOver):
            return self.sum_over(n.index, self.wrap(n.body, _SUM))
        if isinstance(n, Diff):
            return self.wrap(n.a, _COND) + self.minus_op + self.wrap(n.b, _SUM)
        if isinstance(n, Neg):
            if isinstance(n.a, (Sum, Diff, SumOver)):
                return self.negate(self.node(n.a), True)
            return self.negate(self.wrap(n.a, _SUM), False)
        if isinstance(n, Frac):
            return self.frac(self.wrap(n.a, _SUM), self.wrap(n.b, _PROD))
        if isinstance(n, Pow):
            return self.power(self.wrap(n.a, _POW), n.n)
        if isinstance(n, Cond):
            return self.cond(self.node(n.then), self.node(n.test), self.node(n.other))
        raise TypeError(f"cannot write {type(n).__name__}")

    def product(self, factors: Sequence[Node]) -> str:
        numeric = not any(_has_symbol(f) for f in factors)
        out = ""
        for i, f in enumerate(factors):
            s = self.wrap(f, _SUM if i == 0 and not isinstance(f, Num) else _PROD)
            if i and isinstance(factors[i - 1], Half):
                out += s  # ½(t − o)²
            elif i:
                out += (self.times if numeric else self.dot) + s
            else:
                out = s
        return out

    def equation(
        self, e: Eq, which: Sequence[str] = ("lhs", "symbolic", "numeric", "result"), note: bool = True
    ) -> str:
        s = self.eq.join(self.node(p) for p in e.parts(which))
        return s + self.note(e.note) if note and e.note else s

    def __call__(self, x: Node | Eq, which: Sequence[str] | None = None) -> str:
        if isinstance(x, Eq):
            return self.equation(x, which or ("lhs", "symbolic", "numeric", "result"))
        return self.node(x)


class Text(Renderer):
    """Plain Unicode: ``out_h1``, ``∂E/∂out_o1``, ``δ_f1⁽²⁾``."""

    def symbol(self, s: Sym) -> str:
        base = s.label if s.head is None else f"{s.head}_{s.label}"
        return base + s.mark + self._sample(s.sample)

    @staticmethod
    def _sample(sample) -> str:
        return "" if sample is None else f"({sample})".translate(_SUP)

    def partial(self, top: str, bottom: str) -> str:
        return f"∂{top}/∂{bottom}"


class Html(Renderer):
    """Qt rich text / HTML: italic symbols with true subscripts."""

    unknown = "<span class='q'>?</span>"

    times, dot, plus, minus_op = " × ", "·", " + ", " − "

    def number(self, v: float) -> str:
        return _html.escape(self.fmt(v))

    def label(self, label: str) -> str:
        parts = parse(label)
        if parts is None:
            c = compound(label)
            if c is None:
                return _html.escape(label)
            kind, args = c
            a = [self.label(x) for x in args]
            return {"square": lambda: f"{a[0]}<sup>2</sup>", "product": lambda: f"{a[0]}·{a[1]}"}.get(
                kind, lambda: f"sin {a[0]}"
            )()
        base, sub = parts
        b = f"<i>{_html.escape(base)}</i>"
        return b if sub is None else f"{b}<sub>{_html.escape(sub)}</sub>"

    def exp(self, arg: str) -> str:
        return f"<i>e</i><sup>{arg}</sup>"

    def symbol(self, s: Sym) -> str:
        if s.head is None:
            out = self.label(s.label)
        else:
            out = f"<i>{_html.escape(s.head)}</i><sub>{_html.escape(s.label)}</sub>"
        out += _html.escape(s.mark)
        if s.sample is not None:
            out += f"<sup>({_html.escape(str(s.sample))})</sup>"
        return out

    def partial(self, top: str, bottom: str) -> str:
        return f"∂{top}/∂{bottom}"

    def sum_over(self, index: str, body: str) -> str:
        return f"Σ<sub><i>{index}</i></sub> {body}"

    def power(self, a: str, n: int) -> str:
        return f"{a}<sup>{n}</sup>"

    def note(self, s: str) -> str:
        return f" &nbsp;({_html.escape(s)})"


class Tex(Renderer):
    """LaTeX maths (inside ``$…$`` or an align environment)."""

    times, dot, plus, minus_op, eq = r" \times ", r" \cdot ", " + ", " - ", " = "

    unknown = "?"

    def __init__(
        self,
        num=None,
        known=None,
        label: Callable[[str], str] | None = None,
        ascii_only: bool = True,
        inline: bool = False,
    ) -> None:
        """``ascii_only``: pdflatex needs every character spelt in ASCII (a letter it cannot
        spell becomes "?"); MathJax behind Markdown takes the rest as it is. ``inline``: maths
        in a line of text, partial derivatives written ∂E/∂w rather than stacked."""
        super().__init__(num or (lambda v: fmt(v)), known)
        self.ascii_only, self.inline = ascii_only, inline
        self._label = label or (lambda s: _tex_label(s, ascii_only))

    def number(self, v: float) -> str:
        s = self.fmt(v).replace("−", "-")
        if "e" in s:
            m, e = s.split("e")
            return rf"{m} \times 10^{{{int(e)}}}"
        return s

    def paren(self, s: str) -> str:
        return rf"\left({s}\right)"

    def half(self) -> str:
        return r"\tfrac{1}{2}"

    def symbol(self, s: Sym) -> str:
        if s.head is None:
            out = self._label(s.label)
        else:
            head = {"δ": r"\delta", "E": "E"}.get(s.head, rf"\mathit{{{s.head}}}")
            sub = r"\mathrm{total}" if s.label == "total" else _tex_sub(s.label, self.ascii_only)
            out = f"{head}_{{{sub}}}"
        mark = s.mark
        if mark.startswith("⁺"):
            out, mark = f"{{{out}}}^{{+}}", mark[1:]
        if mark:  # the neuron of a shared bias label: b_1(h1)
            out += rf"\mathrm{{{_tex_sub(mark, self.ascii_only)}}}"
        if s.sample is not None:
            out = f"{{{out}}}^{{({s.sample})}}"
        return out

    def partial(self, top: str, bottom: str) -> str:
        if self.inline:
            return rf"\partial {top}/\partial {bottom}"
        return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"

    def ellipsis(self, more: int) -> str:
        return rf"\cdots\text{{ ({more:,} more term{'s' if more != 1 else ''}) }}"

    def func(self, name: str, arg: str, prime: bool) -> str:
        p = "'" if prime else ""
        if name == "relu" and not prime:
            return rf"\max\left(0, {arg}\right)"
        if name == "exp" and not prime:
            return f"e^{{{arg}}}"
        head = {"sigmoid": r"\sigma", "tanh": r"\tanh", "ln": r"\ln", "sin": r"\sin"}.get(
            name, rf"\operatorname{{{name}}}"
        )
        return rf"{head}{p}\left({arg}\right)"

    def sum_over(self, index: str, body: str) -> str:
        return rf"\sum_{{{index}}} {body}"

    def negate(self, body: str, bracket: bool) -> str:
        return rf"-\left[{body}\right]" if bracket else f"-{body}"

    def frac(self, a: str, b: str) -> str:
        return rf"\frac{{{_strip(a)}}}{{{_strip(b)}}}"

    def power(self, a: str, n: int) -> str:
        return f"{{{a}}}^{{{n}}}"

    def cond(self, then: str, test: str, other: str) -> str:
        return rf"\begin{{cases}} {then} & {test} > 0 \\ {other} & \text{{otherwise}} \end{{cases}}"

    def note(self, s: str) -> str:
        if self.ascii_only:  # pdflatex: the few signs a note uses as maths, any other letter "?"
            s = "".join(_TEX_TEXT.get(ch) or _TEX_NOTE.get(ch) or (ch if ch.isascii() else "?") for ch in s)
        else:
            s = "".join(_TEX_TEXT.get(ch, ch) for ch in s)
        return rf"\quad\text{{({s})}}"


def _has_symbol(n: Node) -> bool:
    """Whether a term has a symbol in it (then products are written with "·", else "×")."""
    if isinstance(n, (Sym, Partial)):
        return True
    if isinstance(n, (Num, Half)):
        return False
    if isinstance(n, Prod):
        return any(_has_symbol(f) for f in n.factors)
    if isinstance(n, Sum):
        return any(_has_symbol(t) for t in n.terms)
    if isinstance(n, (Diff, Frac)):
        return _has_symbol(n.a) or _has_symbol(n.b)
    if isinstance(n, Neg):
        return _has_symbol(n.a)
    if isinstance(n, Pow):
        return _has_symbol(n.a)
    if isinstance(n, Call):
        return _has_symbol(n.arg)
    return True


def _strip(s: str) -> str:
    r"""``s`` without the parentheses around all of it (a fraction's line groups it); only
    where the first \left( closes at the very end, not in "\left(a\right) \cdot \left(b\right)"."""
    if not (s.startswith(r"\left(") and s.endswith(r"\right)")):
        return s
    depth, i = 0, 0
    while i < len(s):
        if s.startswith(r"\left", i):
            depth += 1
            i += 5
        elif s.startswith(r"\right", i):
            depth -= 1
            if depth == 0:
                return s[6:-7] if i == len(s) - 7 else s
            i += 6
        else:
            i += 1
    return s


# LaTeX for the network's labels: ASCII only for pdflatex (Greek letters as \alpha, accented
# letters as \hat{w}, specials escaped); MathJax behind Markdown takes the same spelling.
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "varepsilon",
    "ζ": "zeta",
    "η": "eta",
    "θ": "theta",
    "ι": "iota",
    "κ": "kappa",
    "λ": "lambda",
    "μ": "mu",
    "ν": "nu",
    "ξ": "xi",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "ς": "varsigma",
    "τ": "tau",
    "υ": "upsilon",
    "φ": "varphi",
    "χ": "chi",
    "ψ": "psi",
    "ω": "omega",
    "ϵ": "epsilon",
    "ϕ": "phi",
    "Γ": "Gamma",
    "Δ": "Delta",
    "Θ": "Theta",
    "Λ": "Lambda",
    "Ξ": "Xi",
    "Π": "Pi",
    "Σ": "Sigma",
    "Υ": "Upsilon",
    "Φ": "Phi",
    "Ψ": "Psi",
    "Ω": "Omega",
}
_TEX_ACCENT = {
    "\u0302": "hat",
    "\u0301": "acute",
    "\u0300": "grave",
    "\u0303": "tilde",
    "\u0304": "bar",
    "\u0305": "bar",
    "\u0307": "dot",
    "\u0308": "ddot",
    "\u030c": "check",
    "\u0306": "breve",
    "\u20d7": "vec",
}
_TEX_TEXT = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_TEX_NOTE = {
    "−": "-",
    "·": r"$\cdot$",
    "×": r"$\times$",
    "²": "$^2$",
    "∂": r"$\partial$",
    "Σ": r"$\Sigma$",
    "δ": r"$\delta$",
    "→": r"$\to$",
    "…": r"\ldots{}",
}
_TEX_ESC = {
    "²": "^{2}",  # the labels of derived inputs (x1², x1·x2) inside a subscript
    "·": r"\cdot ",
    "\\": r"\backslash ",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\wedge ",
    "~": r"\sim ",
    " ": r"\ ",
    "|": r"\vert ",
    '"': "''",
    "`": "'",
}


def compound(label: str) -> tuple[str, tuple[str, ...]] | None:
    """A derived input's label (``features.label``) read back as an expression of symbols:
    "x1²" → ("square", ("x1",)), "x1·x2" → ("product", ("x1", "x2")), "sin x1" →
    ("sin", ("x1",)); None where a part is no symbol, or the label is none of these."""
    if label.endswith("²"):
        kind, args = "square", (label[:-1],)
    elif label.count("·") == 1:
        kind, args = "product", tuple(label.split("·"))
    elif label.startswith("sin "):
        kind, args = "sin", (label[4:],)
    else:
        return None
    return (kind, args) if all(a and parse(a) is not None for a in args) else None


def _graphemes(s: str) -> list[str]:
    """Letters with their combining accents."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", s):
        if out and unicodedata.category(ch).startswith("M"):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _tex_char(g: str, ascii_only: bool = True) -> str:
    """One letter (with its accents) in LaTeX maths."""
    if g in _TEX_ESC:
        return _TEX_ESC[g]
    if g.isascii():
        return g
    if g in _GREEK:
        return f"\\{_GREEK[g]} "
    if (g[0] in _GREEK or g[0].isascii()) and all(c in _TEX_ACCENT for c in g[1:]):
        out = f"\\{_GREEK[g[0]]} " if g[0] in _GREEK else g[0]
        for acc in g[1:]:
            out = f"\\{_TEX_ACCENT[acc]}{{{out.strip()}}}"
        return out
    return "?" if ascii_only else unicodedata.normalize("NFC", g)


def _tex_sub(s: str, ascii_only: bool = True) -> str:
    """Any text inside maths (a subscript, an upright name): specials escaped."""
    return "".join(_tex_char(g, ascii_only) for g in _graphemes(s)).rstrip()


def _tex_label(label: str, ascii_only: bool = True) -> str:
    r"""A network label as a symbol: w5 → w_{5}, w(h1,i2) → w_{h1,i2}, ŵ1 → {\hat{w}}_{1},
    η → {\eta}, a derived input x1² → {x_{1}}^{2}; a label that is no symbol upright
    (\mathrm{2nd})."""
    parts = parse(label)
    if parts is None:
        c = compound(label)
        if c is not None:
            kind, args = c
            a = [_tex_label(x, ascii_only) for x in args]
            if kind == "square":
                return f"{{{a[0]}}}^{{2}}"
            return rf"{a[0]} \cdot {a[1]}" if kind == "product" else rf"\sin {a[0]}"
        return rf"\mathrm{{{_tex_sub(label, ascii_only)}}}"
    base, sub = parts
    letters = _graphemes(base)
    if len(letters) == 1:
        b = _tex_char(letters[0], ascii_only).strip()
        b = b if len(b) == 1 else f"{{{b}}}"
    else:
        b = rf"\mathit{{{_tex_sub(base, ascii_only)}}}"
    return b if sub is None else f"{b}_{{{_tex_sub(sub, ascii_only)}}}"


def text(x, which=None, num=None, known=None) -> str:
    return Text(num, known)(x, which)


def html(x, which=None, num=None, known=None) -> str:
    return Html(num, known)(x, which)


def tex(x, which=None, num=None, known=None) -> str:
    return Tex(num, known)(x, which)
