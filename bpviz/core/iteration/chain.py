"""The chain rule of one iteration as data: every equation bpviz writes, built from a trace.

Each builder returns an :class:`~bpviz.core.expr.Eq` whose symbols carry the network's own
labels and whose numbers carry the (quantity, layer) they belong to, so a view can write "?"
for what its phase has not revealed. Builders make only the terms they write out (a 784-input
sum is six nodes and the sum of the rest), so asking for one neuron of 784-128-10 is cheap.

Sample ``s`` is the 0-based row of the step (``trace.samples[s]`` is the data row); in batch
steps per-sample symbols carry the sample as a superscript and gradients are Σ over samples.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from bpviz.core import features as _features
from bpviz.core.expr import Call, Diff, Eq, Neg, Node, Num, Partial, Prod, Sum, SumOver, Sym, sum_of

if TYPE_CHECKING:
    from bpviz.core.iteration.phases import Trace

__all__ = [
    "Chain",
    "input_eq",
    "net_eq",
    "out_eq",
    "error_term_eq",
    "error_total_eq",
    "grad_out_eq",
    "fprime_eq",
    "jacobian_eq",
    "jacobian_row",
    "delta_eq",
    "delta_rule",
    "grad_weight_eq",
    "weight_sample_eq",
    "grad_bias_eq",
    "update_eq",
    "bias_update_eq",
    "velocity_eq",
    "bias_velocity_eq",
    "weight_paths",
]

E = Sym(None, "E")


class Chain:
    """Symbols and numbers of one trace: ``c.out(k, i, s)`` is out_{label} with its value."""

    def __init__(self, tr: Trace, generic: bool = False) -> None:
        """``generic``: symbols without a sample superscript (a phase's formula, true of
        every sample; its values are the first sample's)."""
        self.generic = generic
        self.tr, self.net, self.p = tr, tr.network, tr.p
        self.lab = self.net.labels
        self.m = len(tr.samples)
        self.L = self.net.L
        # δ of the output layer is out − target (softmax + cross-entropy, sigmoid + binary CE)
        self.fused = self.net.loss.fused(self.net.activations[-1])

    def per_neuron(self, k: int) -> bool:
        """Whether layer k's activation has one f′(net) per neuron (softmax has not)."""
        return self.net.activations[k - 1].per_neuron

    # -- symbols ---------------------------------------------------------------------
    def smp(self, s) -> int | str | None:
        if s == "s":
            return "s"
        return self.tr.samples[s] + 1 if self.m > 1 and not self.generic else None

    def _v(self, arr, s, i):
        return None if s == "s" else float(arr[s, i])

    def n(self, k: int, i: int) -> str:
        return self.lab.neurons[k][i]

    def out(self, k: int, i: int, s) -> Sym:
        if k == 0:
            return Sym(None, self.n(0, i), self._v(self.tr.inputs, s, i), self.smp(s))
        return Sym("out", self.n(k, i), self._v(self.p.out[k], s, i), self.smp(s))

    def net_(self, k: int, i: int, s) -> Sym:
        return Sym("net", self.n(k, i), self._v(self.p.net[k], s, i), self.smp(s))

    def target(self, i: int, s) -> Sym:
        return Sym("target", self.n(self.L, i), self._v(self.tr.targets, s, i), self.smp(s))

    def delta(self, k: int, i: int, s) -> Sym:
        return Sym("δ", self.n(k, i), self._v(self.p.delta[k], s, i), self.smp(s))

    def e_term(self, i: int, s) -> Sym:
        return Sym("E", self.n(self.L, i), self._v(self.terms, s, i), self.smp(s))

    def e_total(self) -> Sym:
        return Sym("E", "total", float(self.p.error))

    def d_out(self, k: int, i: int, s) -> Partial:
        """∂E/∂out of neuron i of layer k."""
        return Partial(E, self.out(k, i, s), self._v(self.p.grad_out[k], s, i))

    def d_net(self, k: int, i: int, s) -> Partial:
        """∂out/∂net = f′(net)."""
        return Partial(self.out(k, i, s), self.net_(k, i, s), self._v(self.p.fprime[k], s, i))

    def w(self, j: int, r: int, c: int, after: bool = False) -> Sym:
        v = (self.tr.weights_after if after else self.net.weights)[j][r, c]
        return Sym(None, self.lab.weights[j][r][c], float(v), mark="⁺" if after else "")

    def b(self, j: int, i: int, after: bool = False) -> Sym:
        """The bias's symbol; where a layer shares one label (seed 004's b1 for h1 and h2)
        the neuron follows it in parentheses: b₁(h1)."""
        v = (self.tr.biases_after if after else self.net.biases)[j][i]
        row = self.lab.biases[j]
        of = f"({self.n(j + 1, i)})" if row.count(row[i]) > 1 else ""
        return Sym(None, row[i], float(v), mark=("⁺" if after else "") + of)

    def eta(self) -> Sym:
        return Sym(None, "η", float(self.tr.learning_rate))

    @property
    def momentum(self) -> float:
        """α of the update (0: plain gradient descent, no velocity)."""
        return float(self.tr.momentum)

    def alpha(self) -> Sym:
        return Sym(None, "α", self.momentum)

    def v(self, j: int, r: int, c: int, after: bool = False) -> Sym:
        """The velocity of weight w: v_w5 before the update, v_w5⁺ after it (momentum)."""
        vel = self.tr.velocity_after if after else self.tr.velocity
        return Sym("v", self.lab.weights[j][r][c], float(vel.weights[j][r, c]), mark="⁺" if after else "")

    def vb(self, j: int, i: int, after: bool = False) -> Sym:
        """The velocity of a bias (a shared label followed by its neuron, as ``b``)."""
        vel = self.tr.velocity_after if after else self.tr.velocity
        row = self.lab.biases[j]
        of = f"({self.n(j + 1, i)})" if row.count(row[i]) > 1 else ""
        return Sym("v", row[i], float(vel.biases[j][i]), mark=("⁺" if after else "") + of)

    # -- numbers with what they belong to ---------------------------------------------
    def x(self, k: int, i: int, s: int) -> Num:
        if k == 0:
            return Num(float(self.tr.inputs[s, i]), ("input", 0))
        return Num(float(self.p.out[k][s, i]), ("out", k))

    @property
    def terms(self) -> np.ndarray:
        if not hasattr(self, "_terms"):
            self._terms = self.net.loss.terms(self.p.out[self.L], self.tr.targets)
        return self._terms

    @property
    def count(self) -> int:
        return self.m * self.net.sizes[self.L]


# ------------------------------------------------------------------------------ forward
def input_eq(c: Chain, i: int, s: int) -> Eq | None:
    """A derived input from the raw ones: x1² = x1·x1 = 2 × 2 = 4, x1·x2, sin x1 (None for a
    raw input)."""
    net = c.net
    f = i - net.n_raw
    if f < 0:
        return None
    kind, idx = _features.parse(net.features[f])
    xs = [c.out(0, q, s) for q in idx]
    nums = [c.x(0, q, s) for q in idx]
    if kind == "square":
        sym, numeric = Prod((xs[0], xs[0])), Prod((nums[0], nums[0]))
    elif kind == "product":
        sym, numeric = Prod(tuple(xs)), Prod(tuple(nums))
    else:
        sym, numeric = Call("sin", xs[0], math.sin), Call("sin", nums[0], math.sin)
    return Eq(c.out(0, i, s), (sym,), (numeric,), float(c.tr.inputs[s, i]), ("input", 0))


def net_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """net = Σ w·out (+ b): net_h1 = w1·i1 + w2·i2 + b1 = 0.15 × 0.05 + … = 0.3775."""
    j, net = k - 1, c.net
    W, prev = net.weights[j], c.p.out[k - 1]
    n_in = net.sizes[k - 1]
    has_b = net.biases is not None
    n = n_in + has_b

    def rest(a, b):
        return float(np.dot(W[i, a:b], prev[s, a:b]))

    def sym(col):
        if col == n_in:
            return Sym(None, c.lab.biases[j][i], float(net.biases[j][i]))
        return Prod((c.w(j, i, col), c.out(k - 1, col, s)))

    def num(col):
        if col == n_in:
            return Num(float(net.biases[j][i]))
        return Prod((Num(float(W[i, col])), c.x(k - 1, col, s)))

    return Eq(
        c.net_(k, i, s), (sum_of(sym, n, rest),), (sum_of(num, n, rest),), float(c.p.net[k][s, i]), ("net", k)
    )


def out_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """out = f(net): out_h1 = σ(net_h1) = σ(0.3775) = 0.593269992; softmax's out divides
    e^(net) by the sum over the layer: out_o1 = e^(net_o1) / (e^(net_o1) + e^(net_o2))."""
    a = c.net.activations[k - 1]
    if not a.per_neuron:
        return _softmax_out_eq(c, k, i, s)
    sym = a.expression(c.net_(k, i, s))
    numeric = a.expression(Num(float(c.p.net[k][s, i]), ("net", k)))
    return Eq(
        c.out(k, i, s),
        (sym,),
        () if isinstance(numeric, Num) else (numeric,),
        float(c.p.out[k][s, i]),
        ("out", k),
    )


def _softmax_out_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """out_i = e^(net_i) / Σ_j e^(net_j) with the layer's nets; where e^net would overflow
    (or every e^net underflow) each net less the largest, m, which gives the same value."""
    a, n = c.net.activations[k - 1], c.net.sizes[k]
    row = c.p.net[k][s]
    m = float(row.max())
    shifted = abs(m) > 500.0
    base = m if shifted else 0.0

    def rest(a_: int, b_: int) -> float:
        with np.errstate(all="ignore"):
            return float(np.exp(row[a_:b_] - base).sum())

    shift_sym = Sym(None, "m", m) if shifted else None
    sym = a.layer_expression(lambda j: c.net_(k, j, s), n, i, rest, shift_sym)
    numeric = a.layer_expression(
        lambda j: Num(float(row[j]), ("net", k)), n, i, rest, Num(m) if shifted else None
    )
    note = f"m = {_plain(m)}, the largest net, so no e^x overflows" if shifted else ""
    return Eq(c.out(k, i, s), (sym,), (numeric,), float(c.p.out[k][s, i]), ("out", k), note)


def _plain(v: float) -> str:
    from bpviz.core.numbers import fmt

    return fmt(v).replace("-", "−")


def _defined(forms: tuple) -> tuple:
    """The forms whose value is a number: a 0·ln 0 or 0/0 where an output saturates at 0 or 1
    (the core counts it as 0) is left out rather than written as nan."""
    out = []
    for f in forms:
        try:
            v = f.value()
        except (ValueError, OverflowError):
            continue
        if not math.isnan(v):
            out.append(f)
    return tuple(out)


def error_term_eq(c: Chain, i: int, s: int) -> Eq:
    """One output's share of E: E_o1 = ½(target_o1 − out_o1)² = ½(0.01 − 0.7514)² = 0.2748;
    cross-entropy's E_o1 = −target_o1·ln(out_o1), 0 where the target is 0 (and said so)."""
    L, loss = c.L, c.net.loss
    t = float(c.tr.targets[s, i])
    sym = loss.term_expression(c.target(i, s), c.out(L, i, s), c.count)
    numeric = loss.term_expression(Num(t, ("target", L)), c.x(L, i, s), c.count)
    note = getattr(loss, "zero_target_note", "") if t == 0 and s != "s" else ""
    return Eq(c.e_term(i, s), (sym,), _defined((numeric,)), float(c.terms[s, i]), ("error", L), note)


def error_total_eq(c: Chain) -> Eq:
    """E_total = E_o1 + E_o2 (+ every sample's terms in a batch) = … = 0.298371109."""
    terms = c.terms
    n_out = terms.shape[1]
    flat = terms.ravel()

    def rest(a, b):
        return float(flat[a:b].sum())

    def sym(t):
        return c.e_term(t % n_out, t // n_out)

    def num(t):
        return Num(float(flat[t]), ("error", c.L))

    note = f"summed over the {c.m} samples of the step" if c.m > 1 else ""
    return Eq(
        c.e_total(),
        (sum_of(sym, flat.size, rest),),
        (sum_of(num, flat.size, rest),),
        float(c.p.error),
        ("error", c.L),
        note,
    )


# ----------------------------------------------------------------------------- backward
def grad_out_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """∂E/∂out: from the loss at the output layer; else the sum over the next layer's
    neurons (∂E/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = δ_o1·w5 + δ_o2·w7 = …)."""
    p, net, L = c.p, c.net, c.L
    lhs = c.d_out(k, i, s)
    res = float(p.grad_out[k][s, i])
    if k == L:
        loss = net.loss
        sym = loss.gradient_expression(c.target(i, s), c.out(L, i, s), c.count)
        t = float(c.tr.targets[s, i])
        numeric = loss.gradient_expression(Num(t, ("target", L)), c.x(L, i, s), c.count)
        note = "target 0" if t == 0 and getattr(loss, "zero_target_note", "") else ""
        return Eq(lhs, (sym,), _defined((numeric,)), res, ("grad_out", k), note)
    W, d = net.weights[k], p.delta[k + 1]
    n = net.sizes[k + 1]

    def rest(a, b):
        return float(np.dot(d[s, a:b], W[a:b, i]))

    def path(r):
        v = float(d[s, r] * W[r, i])
        if k + 1 == L and c.per_neuron(L):  # seed 004: ∂E_o1/∂out_h1, one path per output
            return Partial(c.e_term(r, s), c.out(k, i, s), v)
        return Prod(
            (
                Partial(E, c.net_(k + 1, r, s), float(d[s, r])),
                Partial(c.net_(k + 1, r, s), c.out(k, i, s), float(W[r, i])),
            )
        )

    def sym(r):
        return Prod((c.delta(k + 1, r, s), c.w(k, r, i)))

    def num(r):
        return Prod((Num(float(d[s, r]), ("delta", k + 1)), Num(float(W[r, i]))))

    def term(r):
        return Num(float(d[s, r] * W[r, i]), ("grad_out", k))

    forms = (sum_of(num, n, rest),)
    if n > 1:
        forms += (sum_of(term, n, rest),)
    return Eq(lhs, (sum_of(path, n, rest), sum_of(sym, n, rest)), forms, res, ("grad_out", k))


def fprime_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """f′(net) = ∂out/∂net: ∂out_h1/∂net_h1 = out_h1·(1 − out_h1) = 0.5933 × (1 − 0.5933) = …"""
    a = c.net.activations[k - 1]
    sym = a.derivative_expression(c.net_(k, i, s), c.out(k, i, s))
    numeric = a.derivative_expression(Num(float(c.p.net[k][s, i]), ("net", k)), c.x(k, i, s))
    if isinstance(sym, Num):  # a constant: f′ = 2
        return Eq(c.d_net(k, i, s), (), (), float(c.p.fprime[k][s, i]), ("fprime", k))
    return Eq(
        c.d_net(k, i, s),
        (sym,),
        () if isinstance(numeric, Num) else (numeric,),
        float(c.p.fprime[k][s, i]),
        ("fprime", k),
    )


def jacobian_eq(c: Chain, k: int, i: int, j: int, s: int) -> Eq:
    """One entry of softmax's Jacobian, how out_i moves with net_j: ∂out_o1/∂net_o1 =
    out_o1·(1 − out_o1) on the diagonal, ∂out_o1/∂net_o2 = −out_o1·out_o2 off it."""
    a = c.net.activations[k - 1]
    v = _jacobian_value(c, k, i, j, s)
    sym = a.jacobian_expression(c.out(k, i, s), c.out(k, j, s), i == j)
    numeric = a.jacobian_expression(c.x(k, i, s), c.x(k, j, s), i == j)
    return Eq(Partial(c.out(k, i, s), c.net_(k, j, s), v), (sym,), (numeric,), v, ("fprime", k))


def jacobian_row(c: Chain, k: int, i: int, s: int) -> list[Eq]:
    """Row i of softmax's Jacobian: how out_i moves with each net of its layer (softmax has no
    f′(net) of one neuron: every out depends on every net)."""
    return [jacobian_eq(c, k, i, j, s) for j in range(c.net.sizes[k])]


def _jacobian_value(c: Chain, k: int, row: int, col: int, s: int) -> float:
    """∂out_row/∂net_col of softmax layer k: the diagonal is the pass's f′ array."""
    if row == col:
        return float(c.p.fprime[k][s, row])
    return -(float(c.p.out[k][s, row]) * float(c.p.out[k][s, col]))


def _through_every_out(c: Chain, k: int, i: int, s: int) -> SumOver:
    """Σ_j ∂E/∂out_j·∂out_j/∂net_i: the chain rule through every out of a softmax layer."""
    smp = c.smp(s)
    out_j, net_i = Sym("out", "j", sample=smp), c.net_(k, i, s)
    body = Prod((Partial(E, out_j), Partial(out_j, net_i)))
    terms = tuple(
        Prod((c.d_out(k, j, s), Partial(c.out(k, j, s), net_i, _jacobian_value(c, k, j, i, s))))
        for j in range(c.net.sizes[k])
    )
    return SumOver("j", body, terms)


def delta_rule(net, k: int) -> str:
    """How δ of layer k comes from ∂E/∂out, for views that write it in a few cells:
    ``"out − target"`` (the output layer where the loss fits its activation: softmax +
    cross-entropy, sigmoid + binary cross-entropy), ``"jacobian"`` (softmax with another loss:
    δ_i = out_i·(∂E/∂out_i − Σ_j ∂E/∂out_j·out_j), no f′ of one neuron) or ``"f′"``
    (δ = ∂E/∂out ⊙ f′(net))."""
    if k == net.L and net.loss.fused(net.activations[-1]):
        return "out − target"
    return "f′" if net.activations[k - 1].per_neuron else "jacobian"


def delta_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """δ = ∂E/∂out · f′(net): δ_o1 = ∂E/∂out_o1·∂out_o1/∂net_o1 = 0.7414 × 0.1868 = 0.1385.
    At a softmax layer δ sums over every out of the layer (``_softmax_delta_eq``); where the
    loss and the output activation fit (``Chain.fused``) the chain rule collapses to
    δ = out − target (``_fused_delta_eq``)."""
    if k == c.L and c.fused:
        return _fused_delta_eq(c, i, s)
    if not c.per_neuron(k):
        return _softmax_delta_eq(c, k, i, s)
    p = c.p
    numeric = Prod(
        (Num(float(p.grad_out[k][s, i]), ("grad_out", k)), Num(float(p.fprime[k][s, i]), ("fprime", k)))
    )
    return Eq(
        c.delta(k, i, s),
        (Prod((c.d_out(k, i, s), c.d_net(k, i, s))),),
        (numeric,),
        float(p.delta[k][s, i]),
        ("delta", k),
    )


def _fused_delta_eq(c: Chain, i: int, s: int) -> Eq:
    """The lecture beat: δ_o1 = ∂E/∂out_o1·∂out_o1/∂net_o1 = (out − target)/(out·(1 − out))
    ·out·(1 − out) = out_o1 − target_o1 = 0.7 − 1 = −0.3 (sigmoid + binary cross-entropy), or
    through softmax's every out: Σ_j … = −target_o1·(1 − out_o1) + target_o2·out_o1 + … =
    out_o1 − target_o1 (softmax + cross-entropy, the targets summing to 1)."""
    L, p, net = c.L, c.p, c.net
    loss, a = net.loss, net.activations[-1]
    o, t = c.out(L, i, s), c.target(i, s)
    if a.per_neuron:
        chain: Node = Prod((c.d_out(L, i, s), c.d_net(L, i, s)))
        if hasattr(loss, "collapse_expression"):
            middle: Node = loss.collapse_expression(t, o)
        else:
            middle = Prod(
                (loss.gradient_expression(t, o, c.count), a.derivative_expression(c.net_(L, i, s), o))
            )
    else:
        chain = _through_every_out(c, L, i, s)
        tg, oi = c.tr.targets[s], float(p.out[L][s, i])

        def term(j: int) -> Node:
            if j == i:
                return Neg(Prod((t, Diff(Num(1.0), o))))
            return Prod((c.target(j, s), o))

        def value(j: int) -> float:
            return -(float(tg[i]) * (1.0 - oi)) if j == i else float(tg[j]) * oi

        order = [i] + [j for j in range(net.sizes[L]) if j != i]  # its own term first
        middle = sum_of(
            lambda q: term(order[q]),
            len(order),
            lambda a_, b_: math.fsum(value(order[q]) for q in range(a_, b_)),
        )
    numeric = Diff(c.x(L, i, s), Num(float(c.tr.targets[s, i]), ("target", L)))
    return Eq(
        c.delta(L, i, s),
        (chain, middle, Diff(o, t)),
        (numeric,),
        float(p.delta[L][s, i]),
        ("delta", L),
        loss.fused_note if hasattr(loss, "fused_note") else "",
    )


def _softmax_delta_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """δ of a softmax neuron with any other loss: every out of the layer depends on net_i, so
    δ_i = Σ_j ∂E/∂out_j·∂out_j/∂net_i = out_i·(∂E/∂out_i − Σ_j ∂E/∂out_j·out_j)."""
    p, n = c.p, c.net.sizes[k]
    g, o = p.grad_out[k][s], p.out[k][s]
    smp = c.smp(s)
    out_j = Sym("out", "j", sample=smp)
    weighted = SumOver(
        "j",
        Prod((Partial(E, out_j), out_j)),
        tuple(Prod((c.d_out(k, j, s), c.out(k, j, s))) for j in range(n)),
    )
    second = Prod((c.out(k, i, s), Diff(c.d_out(k, i, s), weighted)))

    def gn(j: int) -> Num:
        return Num(float(g[j]), ("grad_out", k))

    by_jacobian = sum_of(
        lambda j: Prod((gn(j), Num(_jacobian_value(c, k, j, i, s), ("fprime", k)))),
        n,
        lambda a_, b_: math.fsum(float(g[j]) * _jacobian_value(c, k, j, i, s) for j in range(a_, b_)),
    )
    inner = sum_of(
        lambda j: Prod((gn(j), c.x(k, j, s))),
        n,
        lambda a_, b_: math.fsum(float(g[j] * o[j]) for j in range(a_, b_)),
    )
    by_outs = Prod((c.x(k, i, s), Diff(gn(i), inner)))
    return Eq(
        c.delta(k, i, s),
        (_through_every_out(c, k, i, s), second),
        (by_jacobian, by_outs),
        float(p.delta[k][s, i]),
        ("delta", k),
    )


def weight_sample_eq(c: Chain, j: int, r: int, col: int, s: int) -> Eq:
    """One sample's share of ∂E/∂w, by the chain rule: ∂E/∂out · f′(net) · out
    (online it is the whole gradient, ``grad_weight_eq``)."""
    k, p = j + 1, c.p
    v = float(p.delta[k][s, r] * c.p.out[j][s, col])
    lhs = Prod((c.delta(k, r, s), c.out(j, col, s)))
    if not c.per_neuron(k):  # softmax: δ is no product of two factors; ∂E/∂net·∂net/∂w
        net_r = c.net_(k, r, s)
        chain2 = Prod(
            (
                Partial(E, net_r, float(p.delta[k][s, r])),
                Partial(net_r, c.w(j, r, col), float(p.out[j][s, col])),
            )
        )
        numeric2 = Prod((Num(float(p.delta[k][s, r]), ("delta", k)), c.x(j, col, s)))
        return Eq(lhs, (chain2,), (numeric2,), v, ("grad_w", k))
    chain = Prod(
        (
            c.d_out(k, r, s),
            c.d_net(k, r, s),
            Partial(c.net_(k, r, s), c.w(j, r, col), float(p.out[j][s, col])),
        )
    )
    numeric = Prod(
        (
            Num(float(p.grad_out[k][s, r]), ("grad_out", k)),
            Num(float(p.fprime[k][s, r]), ("fprime", k)),
            c.x(j, col, s),
        )
    )
    return Eq(lhs, (chain,), (numeric,), v, ("grad_w", k))


def grad_weight_eq(c: Chain, j: int, r: int, col: int) -> Eq:
    """∂E/∂w = δ·out (online), or Σₛ δ⁽ˢ⁾·out⁽ˢ⁾ over the samples of a batch step."""
    k, p = j + 1, c.p
    lhs = Partial(E, c.w(j, r, col), float(p.grad_w[j][r, col]))
    res = float(p.grad_w[j][r, col])
    if c.m == 1:
        one = weight_sample_eq(c, j, r, col, 0)
        short = Prod((Num(float(p.delta[k][0, r]), ("delta", k)), c.x(j, col, 0)))
        numeric = (one.numeric[0], short) if c.per_neuron(k) else (short,)
        return Eq(lhs, (one.symbolic[0], one.lhs), numeric, res, ("grad_w", k))
    d, o = p.delta[k][:, r], p.out[j][:, col]

    def rest(a, b):
        return float(np.dot(d[a:b], o[a:b]))

    def num(s):
        return Prod((Num(float(d[s]), ("delta", k)), c.x(j, col, s)))

    body = Prod((c.delta(k, r, "s"), c.out(j, col, "s")))
    each = tuple(Prod((c.delta(k, r, s), c.out(j, col, s))) for s in range(c.m))
    return Eq(lhs, (SumOver("s", body, each),), (sum_of(num, c.m, rest),), res, ("grad_w", k))


def grad_bias_eq(c: Chain, j: int, i: int) -> Eq:
    """∂E/∂b = δ (online; ∂net/∂b = 1), or Σₛ δ⁽ˢ⁾ in a batch step."""
    k, p = j + 1, c.p
    res = float(p.grad_b[j][i])
    b = c.b(j, i)
    lhs = Partial(E, b, res)
    if c.m == 1:
        chain = Prod((Partial(E, c.net_(k, i, 0), float(p.delta[k][0, i])), Partial(c.net_(k, i, 0), b, 1.0)))
        return Eq(lhs, (chain, c.delta(k, i, 0)), (), res, ("grad_b", k))
    d = p.delta[k][:, i]
    each = tuple(c.delta(k, i, s) for s in range(c.m))
    numeric = sum_of(lambda s: Num(float(d[s]), ("delta", k)), c.m, lambda a, b_: float(d[a:b_].sum()))
    return Eq(lhs, (SumOver("s", c.delta(k, i, "s"), each),), (numeric,), res, ("grad_b", k))


# ------------------------------------------------------------------------------ update
def update_eq(c: Chain, j: int, r: int, col: int) -> Eq:
    """w⁺ = w − η·∂E/∂w: w5⁺ = w5 − η·∂E/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648; with
    momentum w⁺ = w − η·v⁺ (``velocity_eq`` gives v⁺)."""
    if c.momentum:
        va = float(c.tr.velocity_after.weights[j][r, col])
        sym = Diff(c.w(j, r, col), Prod((c.eta(), c.v(j, r, col, after=True))))
        numeric = Diff(
            Num(float(c.net.weights[j][r, col])),
            Prod((Num(float(c.tr.learning_rate)), Num(va, ("after", None)))),
        )
        return Eq(
            c.w(j, r, col, after=True),
            (sym,),
            (numeric,),
            float(c.tr.weights_after[j][r, col]),
            ("after", None),
        )
    g = float(c.p.grad_w[j][r, col])
    sym = Diff(c.w(j, r, col), Prod((c.eta(), Partial(E, c.w(j, r, col), g))))
    numeric = Diff(
        Num(float(c.net.weights[j][r, col])),
        Prod((Num(float(c.tr.learning_rate)), Num(g, ("grad_w", j + 1)))),
    )
    return Eq(
        c.w(j, r, col, after=True), (sym,), (numeric,), float(c.tr.weights_after[j][r, col]), ("after", None)
    )


def bias_update_eq(c: Chain, j: int, i: int) -> Eq:
    """b⁺ = b − η·∂E/∂b (with momentum b⁺ = b − η·v⁺), or "b stays" where the biases are
    fixed."""
    if not c.net.train_biases:
        return Eq(c.b(j, i), (), (), float(c.net.biases[j][i]), None, "fixed")
    if c.momentum:
        va = float(c.tr.velocity_after.biases[j][i])
        sym = Diff(c.b(j, i), Prod((c.eta(), c.vb(j, i, after=True))))
        numeric = Diff(
            Num(float(c.net.biases[j][i])), Prod((Num(float(c.tr.learning_rate)), Num(va, ("after", None))))
        )
        return Eq(c.b(j, i, after=True), (sym,), (numeric,), float(c.tr.biases_after[j][i]), ("after", None))
    g = float(c.p.grad_b[j][i])
    sym = Diff(c.b(j, i), Prod((c.eta(), Partial(E, c.b(j, i), g))))
    numeric = Diff(
        Num(float(c.net.biases[j][i])), Prod((Num(float(c.tr.learning_rate)), Num(g, ("grad_b", j + 1))))
    )
    return Eq(c.b(j, i, after=True), (sym,), (numeric,), float(c.tr.biases_after[j][i]), ("after", None))


def velocity_eq(c: Chain, j: int, r: int, col: int) -> Eq:
    """Momentum's v⁺ = α·v + ∂E/∂w: v_w5⁺ = α·v_w5 + ∂E/∂w5 = 0.9 × 0.01 + 0.082167041 =
    0.091167041 (v: the step before's, 0 at a run's first step)."""
    g = float(c.p.grad_w[j][r, col])
    v0 = float(c.tr.velocity.weights[j][r, col])
    sym = Sum((Prod((c.alpha(), c.v(j, r, col))), Partial(E, c.w(j, r, col), g)))
    numeric = Sum((Prod((Num(c.momentum), Num(v0))), Num(g, ("grad_w", j + 1))))
    va = float(c.tr.velocity_after.weights[j][r, col])
    return Eq(c.v(j, r, col, after=True), (sym,), (numeric,), va, ("after", None))


def bias_velocity_eq(c: Chain, j: int, i: int) -> Eq:
    """v⁺ = α·v + ∂E/∂b of a trained bias; a fixed bias's velocity stays (0)."""
    if not c.net.train_biases:
        return Eq(c.vb(j, i), (), (), float(c.tr.velocity.biases[j][i]), None, "fixed")
    g = float(c.p.grad_b[j][i])
    v0 = float(c.tr.velocity.biases[j][i])
    sym = Sum((Prod((c.alpha(), c.vb(j, i))), Partial(E, c.b(j, i), g)))
    numeric = Sum((Prod((Num(c.momentum), Num(v0))), Num(g, ("grad_b", j + 1))))
    va = float(c.tr.velocity_after.biases[j][i])
    return Eq(c.vb(j, i, after=True), (sym,), (numeric,), va, ("after", None))


def weight_paths(c: Chain, j: int, r: int, col: int, s: int) -> list[Eq]:
    """For a weight into the last hidden layer, its share of ∂E/∂w through each output
    (seed 001: ∂e1/∂w11 = −3.84, ∂e2/∂w11 = −0.96): δ_o·w_(o,h)·f′(net_h)·out."""
    k, L, p, net = j + 1, c.L, c.p, c.net
    if k != L - 1 or not c.per_neuron(L):  # through softmax every E_o depends on every net
        return []
    out: list[Eq] = []
    for q in range(net.sizes[L]):
        dq, wq = float(p.delta[L][s, q]), float(net.weights[k][q, r])
        fp, x = float(p.fprime[k][s, r]), float(p.out[j][s, col])
        lhs = Partial(c.e_term(q, s), c.w(j, r, col), dq * wq * fp * x)
        sym = Prod((c.delta(L, q, s), c.w(k, q, r), c.d_net(k, r, s), c.out(j, col, s)))
        numeric = Prod((Num(dq, ("delta", L)), Num(wq), Num(fp, ("fprime", k)), c.x(j, col, s)))
        out.append(Eq(lhs, (sym,), (numeric,), dq * wq * fp * x, ("grad_w", k)))
    return out
