"""The backward pass of the worked example (``bpviz explain``): the error signal reaching each
layer, δ of each neuron, each weight's and bias's gradient by the chain rule, and the paths a
hidden neuron's error signal takes. A part of the narrative in
:mod:`~bpviz.core.teach.worked_example` (whose ``_Narrative`` it is mixed into: it uses the
narrative's chains ``c``/``g``, ``para``, ``show`` and ``h``), kept apart so each reads alone.
Every equation comes from :mod:`bpviz.core.iteration.chain` or is put together from
:mod:`bpviz.core.expr` nodes carrying the trace's values.
"""

from __future__ import annotations

from bpviz.core.expr import Eq, Num, Partial, Prod, SumOver, Sym, total
from bpviz.core.iteration import chain as C
from bpviz.core.teach import tables
from bpviz.core.teach.document import Em, Gap, Math
from bpviz.core.teach.tables import pick

__all__ = ["Backward"]

E, W, B = Sym(None, "E"), Sym(None, "w"), Sym(None, "b")
SHOW_TERMS = 6  # paths of a sum written out before "⋮"

_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _count(n: int, noun: str) -> str:
    return f"{_WORDS[n] if n < len(_WORDS) else f'{n:,}'} {noun}{'' if n == 1 else 's'}"


def _symbolic(e: Eq) -> Eq:
    """The equation's symbolic forms alone (true of every sample); a constant keeps its value."""
    return Eq(e.lhs, e.symbolic) if e.symbolic else e


def _is(sym: Sym, v: float) -> Eq:
    """``w5 = 0.4``."""
    return Eq(sym, (), (), float(v))


class Backward:
    """The backward pass's sections, mixed into the worked example's narrative."""

    # -- the backward pass ---------------------------------------------------------------
    def backward(self) -> None:
        g, L, names = self.g, self.L, self.names
        self.h(2, "The backward pass")
        self.para(
            "Our goal with backpropagation is to update each weight so that the outputs come "
            "closer to the targets, which makes the total error smaller. For that we need, for "
            "every weight ",
            Math(W),
            ", the partial derivative ",
            Math(Partial(E, W)),
            ": how much a small change in ",
            Math(W),
            " changes the total error (the ",
            Em("gradient"),
            " with respect to ",
            Math(W),
            "). The chain rule builds it from "
            "pieces we can compute one at a time, starting at the output layer and working "
            "backwards.",
        )
        for k in range(L, 0, -1):
            j = k - 1
            self.h(3, self.title(k))
            w0 = g.w(j, 0, 0)
            rule = Eq(Partial(E, w0), (C.weight_sample_eq(g, j, 0, 0, 0).symbolic[0],))
            if k == L:
                self.para(
                    "Consider ",
                    Math(w0),
                    ". We want to know how much a change in ",
                    Math(w0),
                    " affects the total error, ",
                    Math(Partial(E, w0)),
                    ". By the chain rule:",
                )
                self.show(rule)
                self.para(
                    "We need to figure out each piece of this equation"
                    + (", for every sample of the step." if self.m > 1 else ".")
                )
            elif k == L - 1:
                self.para(
                    "Next, we continue the backward pass to the weights into layer "
                    f"{names[k]}. The chain rule has the same shape:"
                )
                self.show(rule)
                self.para(
                    f"but the first factor is different: the output of a neuron of layer "
                    f"{names[k]} feeds every neuron of layer {names[k + 1]}, and so "
                    "affects the total error along several paths. ",
                    Math(Partial(E, g.out(k, 0, 0))),
                    " has to take all of them into account.",
                )
            else:
                self.para(
                    f"Layer {names[k]} works exactly like layer {names[k + 1]}, one layer "
                    f"further back: its error signal comes from the δ values of layer "
                    f"{names[k + 1]}."
                )
            if self.m > 1:
                if g.per_neuron(k):
                    each = Prod((g.d_out(k, 0, "s"), g.d_net(k, 0, "s"), Partial(g.net_(k, 0, "s"), w0)))
                else:  # softmax: ∂E/∂net·∂net/∂w
                    each = Prod((Partial(E, g.net_(k, 0, "s")), Partial(g.net_(k, 0, "s"), w0)))
                self.para(
                    "With several samples the total error is a sum over them, so every "
                    "gradient is the sum of the chain rules of the samples (",
                    Math(Sym(None, "s")),
                    " counts the samples):",
                )
                self.show(
                    Eq(Partial(E, w0), (SumOver("s", each, ()), C.grad_weight_eq(g, j, 0, 0).symbolic[0]))
                )
            shown = self.shown(k)
            for n_i, r in enumerate(shown):
                self.h(4, f"{'Output' if k == L else 'Hidden'} neuron {self.N(k, r)}")
                if self.m == 1:
                    self.neuron_backward(k, r, first=n_i == 0)
                else:
                    self.neuron_backward_batch(k, r)
                rest = self.sizes[j] - len(self.shown_inputs(k))
                if rest:
                    self.para(
                        f"The other {_count(rest, 'weight')} into {self.N(k, r)} follow "
                        "the same pattern, each with its own input."
                    )
                self.bias_grad(k, r)
            rest = self.sizes[k] - len(shown)
            if rest:
                self.para(
                    f"The other {_count(rest, 'neuron')} of layer {names[k]} work the "
                    f"same way. The gradients of the weights into layer {names[k]}:"
                )
                self.blocks.append(tables.matrix(self.net, k, self.p.grad_w[j]))
            if self.net.biases is not None and not self.net.train_biases and k == L:
                self.para(
                    Em(
                        "The biases are fixed in this example: their gradients are "
                        "shown, but the biases are not updated."
                    )
                )

    def paths(self, k: int, r: int) -> list:
        """∂E_o/∂out_h = ∂E_o/∂net_o · ∂net_o/∂out_h = δ_o·w = …, one per output o."""
        c, p = self.c, self.p
        out = []
        for q in pick(self.sizes[k + 1], SHOW_TERMS):
            if q is None:
                out.append(Gap())
                continue
            d, w = float(p.delta[k + 1][0, q]), float(self.net.weights[k][q, r])
            net_q, o = c.net_(k + 1, q, 0), c.out(k, r, 0)
            via = (c.delta(k + 1, q, 0), c.w(k, q, r))
            numbers = (Prod((Num(d, ("delta", k + 1)), Num(w))),)
            if not c.per_neuron(k + 1):  # softmax: each E_o depends on every net, so a path is
                # the one through net_o, not through E_o alone
                lhs = Prod((Partial(E, net_q, d), Partial(net_q, o, w)))
                out.append(Eq(lhs, (Prod(via),), numbers, d * w))
                continue
            e_q = c.e_term(q, 0)
            chain = Prod((Partial(e_q, net_q, d), Partial(net_q, o, w)))
            out.append(Eq(Partial(e_q, o, d * w), (chain, Prod(via)), numbers, d * w))
        return out

    def neuron_backward(self, k: int, r: int, first: bool) -> None:
        c, L, j, name = self.c, self.L, k - 1, self.N(k, r)
        o, net_ = c.out(k, r, 0), c.net_(k, r, 0)
        grad_out = C.grad_out_eq(c, k, r, 0)
        if k == L and first:
            self.para(
                "First, how much does the total error change with the output ",
                Math(o),
                "? "
                + (
                    f"Only the term of {name} depends on it:"
                    if self.sizes[L] > 1
                    else "The total error is its term alone:"
                ),
            )
            shares = total(
                [
                    self.net.loss.term_expression(c.target(i, 0), c.out(L, i, 0), c.count)
                    for i in range(self.sizes[L])
                ]
            )
            self.show(Eq(c.e_total(), (shares,), (), float(self.p.error)), grad_out)
        elif k == L:
            self.para("How much the total error changes with the output ", Math(o), ":")
            self.show(grad_out)
        else:
            n = self.sizes[k + 1]
            self.para(
                "First, ",
                Math(Partial(E, o)),
                ": ",
                Math(o),
                " feeds "
                + ("the neuron" if n == 1 else "both neurons" if n == 2 else f"all {_count(n, 'neuron')}")
                + f" of layer {self.names[k + 1]}, so the total error depends on it "
                "through each of them:",
            )
            self.show(*(self.paths(k, r) if k == L - 1 else []), grad_out)
        self.signal(k, r, first)
        cols = self.shown_inputs(k)
        self.para(
            "Finally, how much does ",
            Math(net_),
            " change with respect to each weight "
            f"into {name}? Each weight multiplies one input, so the derivative is that "
            "input:",
        )
        self.show(
            _symbolic(C.net_eq(c, k, r, 0)),
            *[
                Eq(
                    Partial(net_, c.w(j, r, col), float(self.p.out[j][0, col])),
                    (c.out(j, col, 0),),
                    (),
                    float(self.p.out[j][0, col]),
                )
                for col in cols
            ],
        )
        self.para("Putting it all together:")
        self.show(*[C.grad_weight_eq(c, j, r, col) for col in cols])

    def signal(self, k: int, r: int, first: bool) -> None:
        """From ∂E/∂out to δ = ∂E/∂net of one neuron (one sample): times f′(net); through a
        softmax layer's Jacobian; or, where the loss fits the output activation, the chain
        rule collapsing to out − target (the lecture beat)."""
        c, j, name, net_ = self.c, k - 1, self.N(k, r), self.c.net_(k, r, 0)
        act = self.net.activations[j]
        back = " (the next layer back will use it)" if k > 1 else ""
        if act.per_neuron:
            self.para(
                f"Next, how much does the output of {name} change with respect to its total "
                "net input? " + act.prose
            )
            self.show(C.fprime_eq(c, k, r, 0))
        else:
            layer = self.names[k]
            self.para(
                f"Next, how does the output of {name} change with the net inputs? With "
                f"{act.name}, {name}'s output depends on the net input of every neuron of layer "
                + (
                    f"{layer}. {act.prose} The row of {name} in this matrix:"
                    if first
                    else f"{layer}; its row:"
                )
            )
            self.show(*self.jacobian_rows(k, r))
        if k == self.L and c.fused:
            self.para(
                "Multiplying out the chain rule for the error signal ",
                Math(c.delta(k, r, 0)),
                f" of {name}, everything but its output and its target cancels. " + self.net.loss.delta_prose
                if first
                else f" of {name}, the chain rule collapses to out − target as it did above:",
            )
        elif act.per_neuron:
            self.para(
                "The product of these two factors, ",
                Math(Partial(E, net_)),
                ", is the error signal ",
                Math(c.delta(k, r, 0)),
                f" of {name}{back}:",
            )
        else:
            self.para(
                "The error signal ",
                Math(c.delta(k, r, 0)),
                f" of {name} collects the paths through every output of the layer{back}:",
            )
        self.show(C.delta_eq(c, k, r, 0))

    def jacobian_rows(self, k: int, r: int, chain=None) -> list:
        """The row of neuron r of softmax layer k in the Jacobian, long rows cut short."""
        chain = chain or self.c
        return [
            Gap() if j is None else C.jacobian_eq(chain, k, r, j, 0) for j in pick(self.sizes[k], SHOW_TERMS)
        ]

    def neuron_backward_batch(self, k: int, r: int) -> None:
        c, g, j, name = self.c, self.g, k - 1, self.N(k, r)
        self.para(f"For each sample, the error signal of {name}:")
        if self.net.activations[j].per_neuron:
            self.show(*[_symbolic(f(g, k, r, 0)) for f in (C.grad_out_eq, C.fprime_eq, C.delta_eq)])
            self.para(f"For sample {self.sl(0)}, with its numbers:")
            self.show(*[f(c, k, r, 0) for f in (C.grad_out_eq, C.fprime_eq, C.delta_eq)])
        else:
            rows = [e if isinstance(e, Gap) else _symbolic(e) for e in self.jacobian_rows(k, r, g)]
            self.show(_symbolic(C.grad_out_eq(g, k, r, 0)), *rows, _symbolic(C.delta_eq(g, k, r, 0)))
            self.para(f"For sample {self.sl(0)}, with its numbers:")
            self.show(C.grad_out_eq(c, k, r, 0), *self.jacobian_rows(k, r), C.delta_eq(c, k, r, 0))
        if k == self.L and c.fused:
            self.para("Why is δ = out − target? " + self.net.loss.delta_prose)
        net_ = g.net_(k, r, 0)
        self.para("Every sample:")
        self.blocks.append(tables.signals(self.tr, g, k, r))
        cols = self.shown_inputs(k)
        self.para(
            f"Each weight into {name} multiplies one input, so ",
            Math(Eq(Partial(net_, g.w(j, r, cols[0])), (g.out(j, cols[0], 0),))),
            " and so on. Summing the products over the samples:",
        )
        self.show(*[C.grad_weight_eq(c, j, r, col) for col in cols])

    def bias_grad(self, k: int, r: int) -> None:
        if self.net.biases is None:
            return
        c, j = self.c, k - 1
        net_ = c.net_(k, r, 0) if self.m == 1 else self.g.net_(k, r, 0)
        if self.m == 1:
            self.para(
                "The bias enters ",
                Math(net_),
                " multiplied by 1, so ",
                Math(_is(Partial(net_, c.b(j, r)), 1.0)),
                " and its gradient is the error signal itself:",
            )
        else:
            self.para(
                "The bias enters ",
                Math(net_),
                " multiplied by 1, so its gradient is the sum of the error signals:",
            )
        self.show(C.grad_bias_eq(c, j, r))
