"""The worked example of one iteration (``bpviz explain``), the way seed 004 tells it: the network
and its values, the forward pass, the error, the chain rule for each weight with its numbers,
and the update, in the network's own labels.

The narrative only: sections, sentences, which neurons and weights are shown, which tables
(:mod:`.tables`). Every equation comes from :mod:`bpviz.core.iteration.chain` (or is put
together here from :mod:`bpviz.core.expr` nodes carrying the trace's values, so it evaluates);
every sentence about a function from its class in :mod:`bpviz.core.functions`. The result is a
:class:`~.document.Document` that :func:`~.document.write` writes as Markdown, HTML or LaTeX.
Large layers are written for their first few neurons and weights, the rest counted.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from bpviz.core.expr import Diff, Eq, Num, Partial, Prod, Sum, SumOver, Sym
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.chain import Chain
from bpviz.core.teach import document as D
from bpviz.core.teach import figure, tables
from bpviz.core.teach.document import FORMATS, Em, Gap, Math, Strong
from bpviz.core.teach.tables import SHOW_SAMPLES, pick
from bpviz.core.teach.worked_backward import B, Backward, E, W, _count, _is, _symbolic

__all__ = ["ExplainError", "explain", "worked_example", "FORMATS"]

FULL_WEIGHTS = 60  # a weight layer with at most this many weights is written out in full
SHOW_NEURONS = 3  # neurons written out in full in a larger layer
SHOW_WEIGHTS = 3  # weights per neuron written out in full in a larger layer
TABLE_NEURONS = 3  # neurons per forward table in batch mode (two columns each)
SHOW_OUTPUTS = 12  # output neurons written out in the error section


class ExplainError(ValueError):
    """The step cannot be written out (its values are not finite)."""


def explain(doc, tr, format: str = "md", name: str = "", explicit: bool = False) -> str:
    """The worked example of the step ``tr`` of ``doc`` as Markdown, HTML or LaTeX text.
    ``explicit``: the step's sample was chosen by hand (``--sample``), and is worded so."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r} (expected one of {', '.join(FORMATS)})")
    return D.write(worked_example(doc, tr, name, explicit), format)


def worked_example(doc, tr, name: str = "", explicit: bool = False) -> D.Document:
    if not _finite(tr):
        raise ExplainError(
            "the step's values are not finite (an overflow); try a smaller learning rate or smaller weights"
        )
    return _Narrative(doc, tr, explicit).build(doc.title or Path(name).name)


def _finite(tr) -> bool:
    p = tr.p
    arrays = [*tr.weights_after, *p.grad_w, *p.delta[1:], *p.out[1:], *p.grad_out[1:]]
    if tr.biases_after is not None:
        arrays += [*tr.biases_after, *p.grad_b]
    return math.isfinite(tr.error) and all(np.isfinite(a).all() for a in arrays)


class _Narrative(Backward):
    def __init__(self, doc, tr, explicit: bool) -> None:
        self.doc, self.tr, self.explicit = doc, tr, explicit
        self.c, self.g = Chain(tr), Chain(tr, generic=True)  # g: symbols of every sample
        self.net, self.p = tr.network, tr.p
        self.L, self.sizes, self.names = self.net.L, self.net.sizes, self.net.names
        self.m = len(tr.samples)
        self.blocks: list = []

    # -- output ------------------------------------------------------------------------
    def h(self, level: int, text: str) -> None:
        self.blocks.append(D.Heading(level, text))

    def para(self, *items, role: str = "") -> None:
        self.blocks.append(D.Para(tuple(items), role))

    def show(self, *eqs) -> None:
        self.blocks.append(D.Display(tuple(eqs)))

    # -- words -------------------------------------------------------------------------
    def N(self, k: int, i: int) -> str:
        return self.net.labels.neurons[k][i]

    def sl(self, s: int) -> int:
        return self.tr.samples[s] + 1

    def layer_word(self, k: int) -> str:
        kind = "input" if k == 0 else "output" if k == self.L else "hidden"
        return f"{kind} layer {self.names[k]}"

    def title(self, k: int) -> str:
        return self.layer_word(k)[0].upper() + self.layer_word(k)[1:]

    def full(self, k: int) -> bool:
        return self.sizes[k] * self.sizes[k - 1] <= FULL_WEIGHTS

    def shown(self, k: int) -> list[int]:
        return list(range(self.sizes[k] if self.full(k) else min(self.sizes[k], SHOW_NEURONS)))

    def shown_inputs(self, k: int) -> list[int]:
        n = self.sizes[k - 1]
        return list(range(n if self.full(k) else min(n, SHOW_WEIGHTS)))

    def neurons(self, k: int) -> str:
        return ", ".join("…" if i is None else self.N(k, i) for i in pick(self.sizes[k], 6))

    # ================================================================= the document
    def build(self, title: str) -> D.Document:
        for part in (self.intro, self.forward, self.error, self.backward, self.update, self.closing):
            part()
        return D.Document(
            title, "Backpropagation: one iteration worked out", self.blocks, figure.layout(self.net)
        )

    # -- the network -------------------------------------------------------------------
    def intro(self) -> None:
        net, doc, g, L, sizes = self.net, self.doc, self.g, self.L, self.sizes
        self.h(2, "The network")
        desc = f"The network has {_count(sizes[0], 'input')} ({self.neurons(0)})"
        for k in range(1, L + 1):
            desc += (
                f"{', ' if k < L else ' and '}{'an' if k == L else 'a'} {self.layer_word(k)}"
                f" of {_count(sizes[k], 'neuron')} ({self.neurons(k)})"
            )
        desc += ". "
        acts = net.activations
        if all(a == acts[0] for a in acts):
            desc += (
                f"{'Every neuron uses' if L > 1 else 'The neurons use'} the activation "
                f"function {acts[0].title}. "
            )
            desc += acts[0].prose + " "
        else:
            desc += (
                " ".join(
                    f"Layer {self.names[k]} uses {a.title}: {a.prose}" for k, a in enumerate(acts, start=1)
                )
                + " "
            )
        if net.biases is None:
            desc += "There are no biases. "
        elif net.train_biases:
            desc += "Each neuron also adds a bias, which is trained like the weights. "
        else:
            desc += (
                "Each neuron also adds a bias; in this example the biases are kept fixed "
                "(they are not updated). "
            )
        desc += f"The error is {net.loss.title}, {net.loss.prose} The learning rate is "
        items: list = [desc, Math(_is(self.c.eta(), self.tr.learning_rate))]
        if self.c.momentum:
            items += [", with momentum ", Math(_is(self.c.alpha(), self.c.momentum))]
        items.append(". ")
        n, mode, m = doc.n_samples, doc.mode, self.m
        if mode == "online" or (m == 1 and self.explicit):
            items.append(
                "The network learns online, one sample per update. "
                if mode == "online"
                else f"The network learns in {mode} mode, but this step uses one sample "
                "alone, as an online step would. "
            )
            items.append(
                f"This document follows one update, on sample {self.sl(0)}"
                + (" (the only sample)." if n == 1 else f" of {n}.")
            )
        elif mode == "batch":
            items.append(
                f"The network learns in batch mode: one update per pass over all "
                f"{_count(n, 'sample')}, with the error and every gradient summed "
                "over them. This document follows the first update."
            )
        else:
            nums = [self.sl(s) for s in range(m)]
            which = (
                f"samples {nums[0]} to {nums[-1]}"
                if nums == list(range(nums[0], nums[0] + m)) and m > 2
                else "samples " + ", ".join(map(str, nums[:12])) + (", …" if m > 12 else "")
            )
            items.append(
                f"The network learns in minibatches of {doc.batch_size}"
                + (" (shuffled)" if doc.shuffle_seed is not None else "")
                + f": this document follows the first update, on {which}."
            )
        self.para(*items)
        self.para(
            Math(g.net_(1, 0, 0)),
            " is the ",
            Em("total net input"),
            f" of neuron {self.N(1, 0)} (its weighted inputs"
            + (" plus its bias), " if net.biases is not None else "), "),
            Math(g.out(1, 0, 0)),
            " its output after the activation function, and ",
            Math(Partial(E, W)),
            " how much the total error ",
            Math(E),
            " changes when a weight ",
            Math(W),
            " changes a little.",
        )
        self.data_table()
        self.derived_inputs()
        self.weight_tables(after=False)

    def data_table(self) -> None:
        self.para(f"The inputs and targets of the {'sample' if self.m == 1 else 'samples'} in this step:")
        self.blocks.append(tables.data(self.tr, self.g))

    def derived_inputs(self) -> None:
        """The inputs computed from the raw ones (x1², x1·x2, sin x1), with the first sample's
        numbers."""
        net = self.net
        if not net.features:
            return
        n_raw = net.n_raw
        derived = ", ".join(self.N(0, i) for i in range(n_raw, self.sizes[0]))
        raw = ", ".join(self.N(0, i) for i in range(n_raw))
        self.para(
            f"The inputs {derived} are not in the data: the network derives them from the raw "
            f"inputs {raw} of each sample"
            + (f" (here for sample {self.sl(0)})" if self.m > 1 else "")
            + ", and they enter layer "
            f"{self.names[1]} like any other input:"
        )
        eqs = [C.input_eq(self.c, i, 0) for i in range(n_raw, self.sizes[0])]
        self.show(*eqs[:SHOW_OUTPUTS])

    def weight_tables(self, after: bool) -> None:
        net, lab = self.net, self.net.labels
        ws = self.tr.weights_after if after else net.weights
        bs = self.tr.biases_after if after else net.biases
        if not after:
            self.para(
                "The initial weights",
                " and biases" if bs is not None else "",
                " (a row for each receiving neuron, a column for each sending one):",
            )
        for j in range(self.L):
            k = j + 1
            small = self.full(k) and self.sizes[k] <= tables.TABLE_ROWS and self.sizes[j] <= tables.TABLE_COLS
            if self.L > 1 or after or not small:
                note: list = [":"]
                if not small:
                    r0, c0 = self.sizes[k] - 1, self.sizes[j] - 1
                    note = [
                        f" (a {self.sizes[k]:,} × {self.sizes[j]:,} matrix, its corners "
                        f"shown; the entry in row {self.N(k, r0)} and column "
                        f"{self.N(j, c0)} is ",
                        Math(Sym(None, lab.weights[j][r0][c0])),
                        "):",
                    ]
                self.para(Strong(f"Weights into layer {self.names[k]}"), *note)
            self.blocks.append(tables.weights(net, self.g, ws, bs, j, small))

    # -- the forward pass ------------------------------------------------------------
    def forward(self) -> None:
        self.h(2, "The forward pass")
        acts = ", ".join(sorted({a.name for a in self.net.activations}))
        self.para(
            "To begin, we see what the network predicts with the weights and biases "
            "above. For each layer we figure out the ",
            Em("total net input"),
            " of every neuron, squash it with the ",
            Em("activation function"),
            f" ({acts}), and feed the outputs forward as the inputs of the next layer.",
        )
        bias = self.net.biases is not None
        for k in range(1, self.L + 1):
            self.h(3, self.title(k))
            src = "the inputs" if k == 1 else f"the outputs of layer {self.names[k - 1]}"
            shown, c = self.shown(k), self.c
            rest = self.sizes[k] - len(shown)
            act = self.net.activations[k - 1]
            if not act.per_neuron and self.m == 1:  # softmax needs every net before any out
                self.para(
                    f"The net input of each neuron of layer {self.names[k]} weighs {src}"
                    + (" and adds the bias:" if bias else ":")
                )
                self.show(*[C.net_eq(c, k, i, 0) for i in shown])
                self.para(self.softmax_words(k) + ":")
                self.show(*[C.out_eq(c, k, i, 0) for i in shown])
                if rest:
                    self.para(f"The other {_count(rest, 'neuron')} of layer {self.names[k]}:")
                    self.blocks.append(tables.neuron_values(self.net, self.p, k))
                continue
            if self.m == 1:
                for n_i, i in enumerate(shown):
                    self.para(
                        f"The net input of {self.N(k, i)} weighs {src}"
                        + (" and adds the bias:" if bias else ":")
                        if n_i == 0
                        else f"For {self.N(k, i)}:"
                    )
                    self.show(C.net_eq(c, k, i, 0), C.out_eq(c, k, i, 0))
                if rest:
                    self.para(
                        f"The other {_count(rest, 'neuron')} of layer {self.names[k]} are "
                        "computed the same way. The net inputs and outputs of the first "
                        f"{min(self.sizes[k], tables.TABLE_ROWS)}:"
                    )
                    self.blocks.append(tables.neuron_values(self.net, self.p, k))
                continue
            self.para(
                f"For every sample, each neuron weighs {src}"
                + (" and adds its bias" if bias else "")
                + ", then applies the activation function"
                + (":" if act.per_neuron else f" ({self.softmax_words(k)}):")
            )
            self.show(*[_symbolic(f(self.g, k, i, 0)) for i in shown for f in (C.net_eq, C.out_eq)])
            self.para(f"For example, for sample {self.sl(0)}:")
            self.show(C.net_eq(c, k, shown[0], 0), C.out_eq(c, k, shown[0], 0))
            if rest:
                self.para(
                    f"The other {_count(rest, 'neuron')} of layer {self.names[k]} are computed the same way."
                )
            self.para(
                f"The values for all {_count(self.m, 'sample')}:"
                if self.m <= SHOW_SAMPLES
                else f"The values for the first {SHOW_SAMPLES - 2} and the last of the {self.m:,} samples:"
            )
            for c0 in range(0, len(shown), TABLE_NEURONS):
                self.blocks.append(tables.forward(self.tr, self.g, k, shown[c0 : c0 + TABLE_NEURONS]))

    def softmax_words(self, k: int) -> str:
        return (
            f"Layer {self.names[k]} uses softmax: each output is e to the power of its net "
            "input, divided by the sum of the same over the layer, so the outputs are positive "
            "and add up to 1 (the network's probabilities of the classes)"
        )

    # -- the error -----------------------------------------------------------------------
    def error(self) -> None:
        c, g, p, L, tr, loss = self.c, self.g, self.p, self.L, self.tr, self.net.loss
        self.h(2, "The error")
        over = "" if self.m == 1 else ", and over the samples of the step"
        self.para(
            f"Each output neuron's share of the error compares its target with its output; "
            f"the total error sums the shares over the output neurons{over}:"
        )
        term = loss.term_expression(Sym(None, "target"), Sym(None, "out"), c.count)
        self.show(Eq(c.e_total(), (SumOver("o" if self.m == 1 else "s,o", term, ()),)))
        if getattr(loss, "zero_target_note", ""):
            self.para(
                "A share whose target is 0 is 0 (0 times a "
                "logarithm), so with one-hot targets only the target class's output counts: "
                "its share is −ln out, small when out is near 1 and large when out is near 0."
            )
        if self.m == 1:
            self.para(
                f"For {self.N(L, 0)}, the target is ",
                Math(Num(tr.targets[0, 0])),
                " but the network gives ",
                Math(Num(p.out[L][0, 0])),
                ", so its error is:",
            )
            self.show(
                *[Gap() if i is None else C.error_term_eq(c, i, 0) for i in pick(self.sizes[L], SHOW_OUTPUTS)]
            )
            self.para("The total error of the network is the sum of these errors:")
            self.show(C.error_total_eq(c))
            return
        self.para(f"For example, for sample {self.sl(0)} and {self.N(L, 0)}:")
        self.show(C.error_term_eq(c, 0, 0))
        self.para("Every sample and output:")
        self.blocks.append(tables.errors(tr, g, c.terms))
        self.para("The total error is the sum of all of them:")
        self.show(C.error_total_eq(c))

    # -- the update ----------------------------------------------------------------------
    def update(self) -> None:
        c, net, lab = self.c, self.net, self.net.labels
        eta = Sym(None, "η")
        self.h(2, "The update")
        if c.momentum:
            self.momentum_rule()
        else:
            self.para(
                "To decrease the error, we subtract each gradient, multiplied by the learning rate ",
                Math(_is(c.eta(), self.tr.learning_rate)),
                ", from its "
                "weight. The updates are made only now, after every gradient has been "
                "computed with the old weights:",
            )
            self.show(Eq(Sym(None, "w", mark="⁺"), (Diff(W, Prod((eta, Partial(E, W)))),)))
        for j in range(self.L):
            k = j + 1
            self.para(Strong(f"Weights into layer {self.names[k]}"), ":")
            shown = [(r, col) for r in self.shown(k) for col in self.shown_inputs(k)]
            eqs = []
            for r, col in shown:
                if c.momentum:
                    eqs.append(C.velocity_eq(c, j, r, col))
                eqs.append(C.update_eq(c, j, r, col))
            self.show(*eqs)
            n_all = self.sizes[k] * self.sizes[j]
            if len(shown) < n_all:
                self.para(
                    f"The other {n_all - len(shown):,} weights into layer {self.names[k]} "
                    "are updated the same way."
                )
        if net.biases is not None and net.train_biases and c.momentum:
            self.para(Strong("Biases"), ": they are trained too, each with a velocity of its own:")
            eqs = []
            for j in range(self.L):
                for i in self.shown(j + 1):
                    eqs += [C.bias_velocity_eq(c, j, i), C.bias_update_eq(c, j, i)]
            self.show(*eqs)
        elif net.biases is not None and net.train_biases:
            rule = Eq(Sym(None, "b", mark="⁺"), (Diff(B, Prod((eta, Partial(E, B)))),))
            self.para(Strong("Biases"), ": they are trained too, ", Math(rule), ":")
            self.show(*[C.bias_update_eq(c, j, i) for j in range(self.L) for i in self.shown(j + 1)])
        elif net.biases is not None:
            items: list = [Strong("Biases"), ": they are fixed in this example and keep their values, "]
            seen = list(
                dict.fromkeys(
                    (j, lab.biases[j][i]) for j in range(self.L) for i in range(min(self.sizes[j + 1], 8))
                )
            )
            for n, (j, lbl) in enumerate(seen):
                items += [" and " if n == len(seen) - 1 else ", "] if n else []
                items.append(Math(_is(Sym(None, lbl), net.biases[j][lab.biases[j].index(lbl)])))
            self.para(*items, ".")
        self.para("The new weights", " and biases" if net.biases is not None else "", " after this step:")
        self.weight_tables(after=True)

    def momentum_rule(self) -> None:
        """Gradient descent with momentum (bpviz.core.momentum): the velocity, then the step."""
        c = self.c
        eta, alpha = Sym(None, "η"), Sym(None, "α")
        v, v_new = Sym("v", "w"), Sym("v", "w", mark="⁺")
        self.para(
            "This network learns with momentum ",
            Math(_is(c.alpha(), c.momentum)),
            ": each weight keeps a velocity v, a running sum of its past gradients that "
            "shrinks by the factor α at every step (it was 0 before the first step of the "
            "run, so that step is plain gradient descent). First the velocity takes the "
            "new gradient, then the weight moves by the learning rate ",
            Math(_is(c.eta(), self.tr.learning_rate)),
            " times the velocity. The updates are made only now, after every gradient has "
            "been computed with the old weights:",
        )
        self.show(
            Eq(v_new, (Sum((Prod((alpha, v)), Partial(E, W))),)),
            Eq(Sym(None, "w", mark="⁺"), (Diff(W, Prod((eta, v_new))),)),
        )

    def closing(self) -> None:
        e_total = Sym("E", "total")
        which = "this sample" if self.m == 1 else "these samples"
        items: list = [f"Before this step, the error on {which} was ", Math(_is(e_total, self.tr.error)), "."]
        after = self.error_after()
        if after is not None:
            items += [
                " After this one round of backpropagation, with the new weights, it is ",
                Math(_is(e_total, after)),
                ". Repeating the step again and again drives the error further down.",
            ]
        self.para(*items, role="closing")

    def error_after(self) -> float | None:
        """E of the step's samples with the updated weights (the network's forward pass)."""
        net = self.net.copy()
        net.set_parameters(self.tr.weights_after, self.tr.biases_after)
        with np.errstate(all="ignore"):
            e = net.error(self.tr.inputs, self.tr.targets)
        return e if math.isfinite(e) else None
