"""The chain rule as data: small expression trees that know their value.

An equation the app writes (``δ_o1 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 = 0.741365 × 0.186816 =
0.138499``) is an :class:`Eq` of nodes: symbols and partial derivatives carry the value the core
computed, numbers are numbers, and sums, products, differences, powers and function applications
combine them. Every node evaluates (``value()``), so a test can check that each side of every
equation gives the number it prints; renderers (``bpviz.core.teach.render``: plain text, Qt /
HTML, LaTeX) only write the trees out, they do no maths.

Long sums keep their first terms and the sum of the rest (:class:`Sum` with ``rest``), so a
784-input neuron costs six nodes, not 784.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Node",
    "Num",
    "Sym",
    "Partial",
    "Call",
    "Prod",
    "Sum",
    "SumOver",
    "Diff",
    "Neg",
    "Frac",
    "Pow",
    "Cond",
    "Eq",
    "Half",
    "num",
    "total",
    "sum_of",
]


class Node:
    """A term of an equation; ``value()`` evaluates it."""

    def value(self) -> float:  # pragma: no cover - every node overrides it
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Num(Node):
    """A number, written by the renderer's number format."""

    v: float
    q: tuple | None = None  # (quantity, layer) it belongs to: a view may hide it as "?"

    def value(self) -> float:
        return float(self.v)


@dataclass(frozen=True, eq=False)
class Half(Node):
    """½, written as a fraction sign, not as 0.5."""

    def value(self) -> float:
        return 0.5


@dataclass(frozen=True, eq=False)
class Sym(Node):
    """A symbol: ``head`` with the network's ``label`` as its subscript (out_h1, net_h1, δ_o1,
    target_o1, E_o1, E_total), or the label alone where ``head`` is None (w5, i1, b1).
    ``sample`` (1-based data row) is written as a superscript in batch steps."""

    head: str | None
    label: str
    v: float | None = None
    sample: int | str | None = None
    mark: str = ""  # after the subscript: "⁺" for the value after the update

    def value(self) -> float:
        if self.v is None:
            raise ValueError(f"{self.head or ''}{self.label} has no value")
        return float(self.v)


@dataclass(frozen=True, eq=False)
class Partial(Node):
    """∂top/∂bottom, one symbol with its value."""

    top: Node
    bottom: Node
    v: float | None = None

    def value(self) -> float:
        if self.v is None:
            raise ValueError("a partial derivative without a value")
        return float(self.v)


@dataclass(frozen=True, eq=False)
class Call(Node):
    """A function applied to one argument: σ(net_h1), tanh(0.3), e^x (``name`` "exp"),
    max(0, x) (``name`` "relu"); ``prime`` writes f′(x)."""

    name: str
    arg: Node
    fn: Callable[[float], float] = field(repr=False)
    prime: bool = False

    def value(self) -> float:
        return float(self.fn(self.arg.value()))


@dataclass(frozen=True, eq=False)
class Prod(Node):
    factors: tuple[Node, ...]

    def value(self) -> float:
        return math.prod(f.value() for f in self.factors)


@dataclass(frozen=True, eq=False)
class Sum(Node):
    """``terms`` written out; ``more`` terms left out as "…", whose sum is ``rest``; ``last``
    the final term written after the "…" (``x1 + x2 + … + x784``)."""

    terms: tuple[Node, ...]
    more: int = 0
    rest: float = 0.0
    last: Node | None = None

    def value(self) -> float:
        s = math.fsum(t.value() for t in self.terms) + self.rest
        return s + (self.last.value() if self.last is not None else 0.0)


@dataclass(frozen=True, eq=False)
class SumOver(Node):
    """Σ over ``index`` (``s``: the samples of a batch step) of ``body`` — the symbolic form,
    whose value is the sum of ``terms``, one per sample."""

    index: str
    body: Node
    terms: tuple[Node, ...]

    def value(self) -> float:
        return math.fsum(t.value() for t in self.terms)


@dataclass(frozen=True, eq=False)
class Diff(Node):
    a: Node
    b: Node

    def value(self) -> float:
        return self.a.value() - self.b.value()


@dataclass(frozen=True, eq=False)
class Neg(Node):
    """−a: −target_o1·ln(out_o1), −[t·ln o + (1 − t)·ln(1 − o)]."""

    a: Node

    def value(self) -> float:
        return -self.a.value()


@dataclass(frozen=True, eq=False)
class Frac(Node):
    a: Node
    b: Node

    def value(self) -> float:
        return _divide(self.a.value(), self.b.value())


def _divide(a: float, b: float) -> float:
    """a / b as numpy divides: ±inf or nan for a zero b (−1 / 0 where an output saturates),
    never an exception."""
    if b != 0.0:
        return a / b
    if a == 0.0 or math.isnan(a):
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


@dataclass(frozen=True, eq=False)
class Pow(Node):
    a: Node
    n: int

    def value(self) -> float:
        return self.a.value() ** self.n


@dataclass(frozen=True, eq=False)
class Cond(Node):
    """``then`` if ``test`` > 0 else ``other`` (ReLU's derivative)."""

    then: Node
    test: Node
    other: Node

    def value(self) -> float:
        return self.then.value() if self.test.value() > 0 else self.other.value()


@dataclass(frozen=True, eq=False)
class Eq:
    """``lhs = symbolic… = numeric… = result``: the symbolic forms (the chain rule, then the
    same in δ and out), then the forms with numbers, then the value the core computed (which
    belongs to ``q``, a (quantity, layer) a view may not have revealed yet). ``note`` is a few
    plain words the renderers add after it."""

    lhs: Node
    symbolic: tuple[Node, ...] = ()
    numeric: tuple[Node, ...] = ()
    result: float | None = None
    q: tuple | None = None
    note: str = ""

    def parts(self, which: Sequence[str] = ("lhs", "symbolic", "numeric", "result")) -> list:
        out: list[Node] = []
        for name in which:
            if name == "lhs":
                out.append(self.lhs)
            elif name == "result":
                if self.result is not None:
                    out.append(Num(self.result, self.q))
            else:
                out.extend(getattr(self, name))
        return out

    def values(self) -> list[float]:
        """The value of every part: all equal when the equation is right."""
        return [p.value() for p in self.parts()]


def num(v) -> Num:
    return Num(float(v))


def total(terms: Sequence[Node], limit: int = 6) -> Node:
    """The sum of ``terms``, the middle left out past ``limit``: first limit − 2, "…", last."""
    terms = list(terms)
    if len(terms) == 1:
        return terms[0]
    if len(terms) <= limit:
        return Sum(tuple(terms))
    shown, hidden = terms[: limit - 2], terms[limit - 2 : -1]
    return Sum(tuple(shown), len(hidden), math.fsum(t.value() for t in hidden), terms[-1])


def sum_of(term: Callable[[int], Node], n: int, rest: Callable[[int, int], float], limit: int = 6) -> Node:
    """Like :func:`total` of ``term(0) … term(n − 1)``, making only the terms it writes out;
    ``rest(a, b)`` gives the sum of terms a … b − 1 (from the arrays, without nodes)."""
    if n <= limit:
        return total([term(c) for c in range(n)], limit)
    a, b = limit - 2, n - 1
    return Sum(tuple(term(c) for c in range(a)), b - a, float(rest(a, b)), term(b))
