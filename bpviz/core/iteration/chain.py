"""The chain rule of one iteration as data: every equation bpviz writes, built from a trace.

Each builder returns an :class:`~bpviz.core.expr.Eq` whose symbols carry the network's own
labels and whose numbers carry the (quantity, layer) they belong to, so a view can write "?"
for what its phase has not revealed. Builders make only the terms they write out (a 784-input
sum is six nodes and the sum of the rest), so asking for one neuron of 784-128-10 is cheap.

Sample ``s`` is the 0-based row of the step (``trace.samples[s]`` is the data row); in batch
steps per-sample symbols carry the sample as a superscript and gradients are Σ over samples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bpviz.core.expr import Diff, Eq, Num, Partial, Prod, SumOver, Sym, sum_of

if TYPE_CHECKING:
    from bpviz.core.iteration.phases import Trace

__all__ = [
    "Chain",
    "net_eq",
    "out_eq",
    "error_term_eq",
    "error_total_eq",
    "grad_out_eq",
    "fprime_eq",
    "delta_eq",
    "grad_weight_eq",
    "weight_sample_eq",
    "grad_bias_eq",
    "update_eq",
    "bias_update_eq",
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
    """out = f(net): out_h1 = σ(net_h1) = σ(0.3775) = 0.593269992."""
    a = c.net.activations[k - 1]
    sym = a.expression(c.net_(k, i, s))
    numeric = a.expression(Num(float(c.p.net[k][s, i]), ("net", k)))
    return Eq(
        c.out(k, i, s),
        (sym,),
        () if isinstance(numeric, Num) else (numeric,),
        float(c.p.out[k][s, i]),
        ("out", k),
    )


def error_term_eq(c: Chain, i: int, s: int) -> Eq:
    """One output's share of E: E_o1 = ½(target_o1 − out_o1)² = ½(0.01 − 0.7514)² = 0.2748."""
    L, loss = c.L, c.net.loss
    sym = loss.term_expression(c.target(i, s), c.out(L, i, s), c.count)
    numeric = loss.term_expression(Num(float(c.tr.targets[s, i]), ("target", L)), c.x(L, i, s), c.count)
    return Eq(c.e_term(i, s), (sym,), (numeric,), float(c.terms[s, i]), ("error", L))


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
        numeric = loss.gradient_expression(
            Num(float(c.tr.targets[s, i]), ("target", L)), c.x(L, i, s), c.count
        )
        return Eq(lhs, (sym,), (numeric,), res, ("grad_out", k))
    W, d = net.weights[k], p.delta[k + 1]
    n = net.sizes[k + 1]

    def rest(a, b):
        return float(np.dot(d[s, a:b], W[a:b, i]))

    def path(r):
        v = float(d[s, r] * W[r, i])
        if k + 1 == L:  # seed 004: ∂E_o1/∂out_h1, one path per output
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


def delta_eq(c: Chain, k: int, i: int, s: int) -> Eq:
    """δ = ∂E/∂out · f′(net): δ_o1 = ∂E/∂out_o1·∂out_o1/∂net_o1 = 0.7414 × 0.1868 = 0.1385."""
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


def weight_sample_eq(c: Chain, j: int, r: int, col: int, s: int) -> Eq:
    """One sample's share of ∂E/∂w, by the chain rule: ∂E/∂out · f′(net) · out
    (online it is the whole gradient, ``grad_weight_eq``)."""
    k, p = j + 1, c.p
    v = float(p.delta[k][s, r] * c.p.out[j][s, col])
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
    lhs = Prod((c.delta(k, r, s), c.out(j, col, s)))
    return Eq(lhs, (chain,), (numeric,), v, ("grad_w", k))


def grad_weight_eq(c: Chain, j: int, r: int, col: int) -> Eq:
    """∂E/∂w = δ·out (online), or Σₛ δ⁽ˢ⁾·out⁽ˢ⁾ over the samples of a batch step."""
    k, p = j + 1, c.p
    lhs = Partial(E, c.w(j, r, col), float(p.grad_w[j][r, col]))
    res = float(p.grad_w[j][r, col])
    if c.m == 1:
        one = weight_sample_eq(c, j, r, col, 0)
        short = Prod((Num(float(p.delta[k][0, r]), ("delta", k)), c.x(j, col, 0)))
        return Eq(lhs, (one.symbolic[0], one.lhs), (one.numeric[0], short), res, ("grad_w", k))
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
    """w⁺ = w − η·∂E/∂w: w5⁺ = w5 − η·∂E/∂w5 = 0.4 − 0.5 × 0.082167041 = 0.35891648."""
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
    """b⁺ = b − η·∂E/∂b, or "b stays" where the biases are fixed."""
    if not c.net.train_biases:
        return Eq(c.b(j, i), (), (), float(c.net.biases[j][i]), None, "fixed")
    g = float(c.p.grad_b[j][i])
    sym = Diff(c.b(j, i), Prod((c.eta(), Partial(E, c.b(j, i), g))))
    numeric = Diff(
        Num(float(c.net.biases[j][i])), Prod((Num(float(c.tr.learning_rate)), Num(g, ("grad_b", j + 1))))
    )
    return Eq(c.b(j, i, after=True), (sym,), (numeric,), float(c.tr.biases_after[j][i]), ("after", None))


def weight_paths(c: Chain, j: int, r: int, col: int, s: int) -> list[Eq]:
    """For a weight into the last hidden layer, its share of ∂E/∂w through each output
    (seed 001: ∂e1/∂w11 = −3.84, ∂e2/∂w11 = −0.96): δ_o·w_(o,h)·f′(net_h)·out."""
    k, L, p, net = j + 1, c.L, c.p, c.net
    if k != L - 1:
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
