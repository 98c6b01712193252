"""The inspector's text: a neuron's, a weight's or a bias's chain rule, or the phase's, as
rich text (Qt's HTML subset), written from the model's equations.

Numbers the stepper has not revealed yet are written as "?" (``Revealed`` decides), and a
footer names the phase that reveals the first of them. Equations come from
``bpviz.core.iteration.chain``; this module only arranges them: the symbols on one line, the
numbers on the next, section titles in words. CSS classes: ``s`` symbols, ``n`` numbers
(indented), ``lb``/``lf``/``lm`` section titles (backward, forward, muted), ``m`` muted notes,
``q`` the question mark.
"""

from __future__ import annotations

import html

from bpviz.core.expr import Eq, Partial, Sym
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.phases import Phase, Trace
from bpviz.core.iteration.reveal import Revealed
from bpviz.core.numbers import fmt
from bpviz.core.teach import render

__all__ = ["Explainer", "CAP"]

CAP = 30  # samples of a batch listed in a contributions table
JACOBIAN_ROW = 12  # entries of a softmax neuron's Jacobian row written out


class _Watching(render.Html):
    """The HTML renderer, noting which hidden quantities it wrote as "?"."""

    def __init__(self, num, known) -> None:
        super().__init__(num, known)
        self.hidden_qs: set[tuple] = set()

    def hidden(self, n) -> bool:
        h = super().hidden(n)
        if h:
            self.hidden_qs.add(n.q)
        return h


class Explainer:
    """Rich text for one selection of one trace at phase ``revealed.index``; sample ``s`` is
    the one the canvas shows (0-based in the step)."""

    def __init__(self, tr: Trace, revealed: Revealed, s: int = 0, decimals: int = 9) -> None:
        self.tr, self.rv = tr, revealed
        self.net, self.p = tr.network, tr.p
        self.m = len(tr.samples)
        self.s = max(0, min(s, self.m - 1))
        self.c = C.Chain(tr)
        self.decimals = decimals
        self.r = _Watching(self.number, self.known)

    # -- numbers -----------------------------------------------------------------------------
    def number(self, v: float) -> str:
        return fmt(v, self.decimals).replace("-", "−")

    def known(self, q: tuple) -> bool:
        return q[0] == "input" or self.rv.known(*q)

    def num(self, v: float, q: tuple | None = None) -> str:
        if q is not None and not self.known(q):
            self.r.hidden_qs.add(q)
            return self.r.unknown
        return self.number(v)

    # -- layout ------------------------------------------------------------------------------
    def eq(self, e: Eq) -> str:
        """``lhs = symbols`` (each further symbolic form on its own line), then the numbers
        and the result, bold."""
        r = self.r
        forms = [r(f) for f in e.symbolic]
        out = f"<p class='s'>{r(e.lhs)}" + (f" = {forms[0]}" if forms else "") + "</p>"
        out += "".join(f"<p class='n'>= {f}</p>" for f in forms[1:])
        nums = [r(f) for f in e.numeric]
        if e.result is not None:
            res = Eq(e.lhs, (), (), e.result, e.q)
            nums.append(f"<b>{r(res, ('result',))}</b>")
        if nums:
            out += f"<p class='n'>= {' = '.join(nums)}"
            out += f" &nbsp;({html.escape(e.note)})" if e.note else ""
            out += "</p>"
        return out

    @staticmethod
    def head(text: str, note: str = "") -> str:
        return f"<h3>{text}</h3>" + (f"<p class='m'>{note}</p>" if note else "")

    @staticmethod
    def label(text: str, cls: str = "b") -> str:
        return f"<p class='l{cls}'>{text}</p>"

    def name(self, k: int, i: int) -> str:
        return html.escape(self.net.labels.neurons[k][i])

    def sample_note(self) -> str:
        if self.m == 1:
            return f"sample {self.tr.samples[0] + 1}"
        return (
            f"a batch of {self.m} samples; single-sample factors are for sample "
            f"{self.tr.samples[self.s] + 1}, the one the canvas shows"
        )

    def footer(self) -> str:
        pending = [q for q in self.r.hidden_qs if q is not None]
        if not pending:
            return ""
        first = min(self.rv.at(*q) for q in pending)
        title = self.rv.phases[first].title
        return (
            f"<p class='m'><span class='q'>?</span> not revealed yet: predict it, then step "
            f"on (it is revealed at phase {first + 1}: <i>{html.escape(title)}</i>).</p>"
        )

    # -- selections --------------------------------------------------------------------------
    def neuron(self, k: int, i: int) -> str:
        c, s, L, net = self.c, self.s, self.net.L, self.net
        role = "input" if k == 0 else "output" if k == L else "hidden"
        h = self.head(
            f"Neuron {self.name(k, i)} ({role} layer {html.escape(net.names[k])}, "
            f"{html.escape(self._act_words(k))})",
            self.sample_note(),
        )
        if k == 0:
            derived = C.input_eq(c, i, s)
            if derived is not None:  # a derived feature: x1² = x1·x1 = 2 × 2 = 4
                return h + self.label("Derived from the raw inputs", "f") + self.eq(derived)
            x = self.tr.inputs[s, i]
            return h + f"<p class='s'>{self.r(c.out(0, i, s))} = <b>{self.number(x)}</b></p>"
        h += self.label("Forward", "f") + self.eq(C.net_eq(c, k, i, s)) + self.eq(C.out_eq(c, k, i, s))
        if k == L:
            h += f"<p class='s'>{self.r(c.target(i, s))} = <b>{self.number(self.tr.targets[s, i])}</b></p>"
            h += self.eq(C.error_term_eq(c, i, s))
        h += self.label("Backward") + self.eq(C.grad_out_eq(c, k, i, s))
        h += self.derivative(k, i) + self.eq(C.delta_eq(c, k, i, s))
        return h + self.beat(k) + self.footer()

    def derivative(self, k: int, i: int) -> str:
        """f′(net) of the neuron; for softmax, whose out depends on every net of its layer,
        its row of the Jacobian ∂out_i/∂net_j = out_i·([i = j] − out_j) instead."""
        c, s = self.c, self.s
        if self.net.activations[k - 1].per_neuron:
            return self.eq(C.fprime_eq(c, k, i, s))
        n = self.net.sizes[k]
        h = self.label(
            f"How {self.name(k, i)} moves with each net of layer {html.escape(self.net.names[k])} "
            "(softmax has no f′ of one neuron: its row of the Jacobian)",
            "m",
        )
        h += "".join(self.eq(e) for e in C.jacobian_row(c, k, i, s)[:JACOBIAN_ROW])
        if n > JACOBIAN_ROW:
            h += f"<p class='m'>… and {n - JACOBIAN_ROW:,} more of the row.</p>"
        return h

    def beat(self, k: int) -> str:
        """Why δ of the output layer is out − target, where the loss and the output fit."""
        if k != self.net.L or not self.c.fused:
            return ""
        return f"<p class='m'>Why is δ = out − target? {html.escape(self.net.loss.delta_prose)}</p>"

    def _act_words(self, k: int) -> str:
        if k == 0:
            return "the inputs"
        a = self.net.activations[k - 1]
        return f"f(x) = {a.formula('x')}"

    def edge(self, j: int, r: int, col: int) -> str:
        c, s, k, tr = self.c, self.s, j + 1, self.tr
        w = self.r(c.w(j, r, col))
        h = self.head(f"Weight {w}: {self.name(j, col)} → {self.name(k, r)}", self.sample_note())
        g = C.grad_weight_eq(c, j, r, col)
        if self.m == 1:
            h += self.label("Chain rule") + self.eq(g)
        else:
            h += self.label(f"Batch: the step's {self.m} samples each contribute δ·out")
            h += self.eq(g)
            h += self.contributions(k, r, j, col)
            h += self.label(f"Chain rule: the contribution of sample {tr.samples[s] + 1}")
            h += self.eq(C.weight_sample_eq(c, j, r, col, s))
        paths = C.weight_paths(c, j, r, col, s)
        if len(paths) > 1:
            h += self.label("Through each output (their sum is the sample's term)")
            h += "".join(self.eq(e) for e in paths)
        h += self.label("The factors")
        h += self.eq(C.grad_out_eq(c, k, r, s)) + self.derivative(k, r)
        x = c.out(j, col, s)
        h += (
            f"<p class='s'>{self.r(Partial(c.net_(k, r, s), c.w(j, r, col)))} = {self.r(x)}"
            f"</p><p class='n'>= <b>{self.num(x.value(), ('out', j) if j else None)}</b></p>"
        )
        h += self.eq(C.delta_eq(c, k, r, s)) + self.beat(k)
        h += self.label(f"Update (η = {self.number(tr.learning_rate)})", "m")
        return h + self.eq(C.update_eq(c, j, r, col)) + self.footer()

    def bias(self, j: int, i: int) -> str:
        c, k, net = self.c, j + 1, self.net
        if net.biases is None:
            return self.head("Bias") + "<p>This network has no biases.</p>"
        row = net.labels.biases[j]
        b = Sym(None, row[i])
        shared = f" (of {self.name(k, i)})" if row.count(row[i]) > 1 else ""
        h = self.head(f"Bias {self.r(b)}{shared}", self.sample_note())
        h += f"<p class='s'>{self.r(b)} = <b>{self.number(net.biases[j][i])}</b></p>"
        h += self.label("Gradient") + self.eq(C.grad_bias_eq(c, j, i))
        if self.m > 1:
            h += self.contributions(k, i, j, None)
        h += self.eq(C.delta_eq(c, k, i, self.s))
        h += self.label(f"Update (η = {self.number(self.tr.learning_rate)})", "m")
        if not net.train_biases:
            h += f"<p class='s'>biases fixed: {self.r(b)} stays {self.number(net.biases[j][i])}</p>"
        else:
            h += self.eq(C.bias_update_eq(c, j, i))
        return h + self.footer()

    def contributions(self, k: int, r: int, j: int, col: int | None) -> str:
        """Per sample: δ (and out, and δ·out for a weight); then their sum, the gradient."""
        c, p = self.c, self.p
        d = self.r(Sym("δ", self.net.labels.neurons[k][r]))
        cols = ["sample", d]
        if col is not None:
            o = (
                self.r(c.out(j, col, 0))
                if self.m == 1
                else self.r(
                    Sym(None, self.net.labels.neurons[0][col])
                    if j == 0
                    else Sym("out", self.net.labels.neurons[j][col])
                )
            )
            cols += [o, f"{d} · {o}"]
        rows = ["<tr>" + "".join(f"<th>{x}</th>" for x in cols) + "</tr>"]
        qd, qg = ("delta", k), ("grad_w", k) if col is not None else ("grad_b", k)
        qo = ("out", j) if j else None
        for s in range(min(self.m, CAP)):
            dv = p.delta[k][s, r]
            cells = [str(self.tr.samples[s] + 1), self.num(dv, qd)]
            if col is not None:
                cells += [self.num(p.out[j][s, col], qo), self.num(dv * p.out[j][s, col], qg)]
            rows.append("<tr>" + "".join(f"<td align='right'>{x}</td>" for x in cells) + "</tr>")
        g = p.grad_w[j][r, col] if col is not None else p.grad_b[j][r]
        rows.append(
            f"<tr><td colspan={len(cols) - 1}><b>Σ</b> (the gradient)</td>"
            f"<td align='right'><b>{self.num(g, qg)}</b></td></tr>"
        )
        more = (
            f"<p class='m'>{CAP} of {self.m} samples listed; the sum is over all.</p>" if self.m > CAP else ""
        )
        return "<table cellspacing='0' cellpadding='4' border='1'>" + "".join(rows) + "</table>" + more

    def phase(self, ph: Phase, count: int) -> str:
        """Nothing selected: the phase's formula and its computations with numbers."""
        r = render.Html(self.number)
        h = (
            "<p class='m'>Click a neuron or an edge (or a bias) on the canvas to see its chain "
            "rule here, first in symbols, then with this iteration's numbers.</p>"
        )
        h += self.head(f"Phase {ph.index + 1} of {count}: {html.escape(ph.title)}")
        h += "".join(
            f"<p class='s'>{html.escape(x) if isinstance(x, str) else r(x)}</p>"
            for x in ph.equations
            if x != "…"
        )
        return h + "".join(
            f"<p class='n'>{html.escape(x) if isinstance(x, str) else r(x)}</p>" for x in ph.computations
        )
