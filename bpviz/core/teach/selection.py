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
import re

import numpy as np

from bpviz.core.expr import Eq, Partial, Sym
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.phase_equations import MAX_SAMPLES
from bpviz.core.iteration.phases import Phase, Trace
from bpviz.core.iteration.reveal import Revealed
from bpviz.core.numbers import fmt
from bpviz.core.plane import BOUNDED
from bpviz.core.teach import render
from bpviz.core.teach.pictures import Picture, cell_of, figures, ink_range, sign_range

__all__ = ["Explainer", "CAP", "PATHS", "PHASE_LINES", "INPUTS_LISTED", "SAMPLE_PICTURES"]

CAP = 8  # samples of a batch listed in a contributions table
JACOBIAN_ROW = 6  # entries of a softmax neuron's Jacobian row written out
PATHS = 4  # outputs whose path to a weight is written out (the rest counted)
PHASE_LINES = 24  # computations written for a phase with nothing selected (the rest counted)
INPUTS_LISTED = 6  # inputs of a sample listed by value where there are many (the rest counted)
TARGETS_LISTED = 10  # targets listed likewise
SAMPLE_PICTURES = 8  # samples of a step drawn as images at the input phase
STRONGEST = 3  # a unit's largest weights written out under its pictures


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

    def __init__(
        self,
        tr: Trace,
        revealed: Revealed,
        s: int = 0,
        decimals: int = 9,
        plane: tuple | None = None,
        across: int = 4,
    ) -> None:
        """``plane``: (frame, grids) of ``bpviz.core.plane`` (grids from ``neuron_grids`` at
        the trace's weights) to draw a selected neuron's out over the input plane; it is drawn
        only when the plane spans every raw input (one or two: nothing held at a mean).
        ``across``: pictures side by side at most (the view's width decides)."""
        self.tr, self.rv = tr, revealed
        self.plane, self.across = plane, max(1, across)
        self.pictures: dict[str, Picture] = {}  # what the text's <img src='pic:KEY'> show
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

    # -- pictures ----------------------------------------------------------------------------
    def _picture(self, p: Picture) -> Picture:
        self.pictures[p.key] = p
        return p

    def _sample_picture(
        self, key: str, s: int, caption: str, mark: tuple[int, int] | None = None, across: int = 1
    ) -> Picture:
        """Sample s's raw inputs as the input layer's image (ink where they are never
        negative, else the sign scale)."""
        shape = self.net.input_shape
        x = np.asarray(self.tr.inputs[s, : shape[0] * shape[1]], dtype=np.float64).reshape(shape)
        step = self.tr.inputs[:, : shape[0] * shape[1]]  # one scale for the step's samples
        rng = ink_range(step)
        scale, (lo, hi) = ("ink", rng) if rng is not None else ("sign", sign_range(step))
        return self._picture(Picture(key, x, lo, hi, scale, caption, mark, across=across))

    def input_picture(self, i: int) -> str:
        """An input neuron of an image: the sample's image, its pixel ringed."""
        shape = self.net.input_shape
        if shape is None or i >= shape[0] * shape[1]:
            return ""
        r, col = cell_of(i, shape)
        n = self.tr.samples[self.s] + 1
        p = self._sample_picture("x", self.s, f"sample {n}", (r, col))
        return self.label(
            f"{self.name(0, i)} is the ringed pixel, row {r + 1}, column {col + 1} of the "
            f"{shape[0]} × {shape[1]} image",
            "m",
        ) + figures([p])

    def unit_pictures(self, k: int, i: int, col: int | None = None) -> str:
        """A neuron fed by an image (layer 1 of an input with a shape): its incoming weights,
        their ∂E/∂w and their update drawn as images of the input's shape, beside the sample
        it sees — what the unit looks for. ``col``: the selected weight's pixel, ringed."""
        shape, net = self.net.input_shape, self.net
        if shape is None or k != 1:
            return ""
        n_px = shape[0] * shape[1]
        tr, p, name = self.tr, self.p, self.name(k, i)
        mark = cell_of(col, shape) if col is not None and col < n_px else None
        w = net.weights[0][i, :n_px]
        g = p.grad_w[0][i, :n_px]
        d = tr.weights_after[0][i, :n_px] - w
        g_known, d_known = self.known(("grad_w", 1)), self.known(("after", None))
        for q, known in ((("grad_w", 1), g_known), (("after", None), d_known)):
            if not known:
                self.r.hidden_qs.add(q)
        summed = f", Σ over {self.m} samples" if self.m > 1 else ""
        n = tr.samples[self.s] + 1
        pics = [
            self._sample_picture("x", self.s, f"input, sample {n}", mark, 4),
            self._picture(
                Picture(
                    "w",
                    w.reshape(shape),
                    *sign_range(w),
                    "sign",
                    f"weights into {name}",
                    mark,
                    True,
                    False,
                    4,
                )
            ),
            self._picture(
                Picture(
                    "g", g.reshape(shape), *sign_range(g), "sign", f"∂E/∂w{summed}", mark, g_known, False, 4
                )
            ),
            self._picture(
                Picture(
                    "d", d.reshape(shape), *sign_range(d), "sign", "update −η·∂E/∂w", mark, d_known, False, 4
                )
            ),
        ]
        h = self.label(
            f"What {name} looks for: its {n_px:,} incoming weights as the input's "
            f"{shape[0]} × {shape[1]} image",
            "m",
        )
        note = (
            "Blue: positive (an input there raises "
            f"net<sub>{name}</sub>), vermillion: negative, pale: near 0; each picture has its own "
            "scale, written under it."
        )
        if mark is not None:
            note += f" Ringed: {self.name(0, col)}, row {mark[0] + 1}, column {mark[1] + 1}."
        h += figures(pics, note, self.across)
        top = np.argsort(-np.abs(w), kind="stable")[:STRONGEST]
        strongest = ", ".join(
            f"{self.r(self.c.w(0, i, int(c)))} = {self.number(float(w[c]))} "
            f"(row {cell_of(int(c), shape)[0] + 1}, column {cell_of(int(c), shape)[1] + 1})"
            for c in top
        )
        extra = net.sizes[0] - n_px
        if extra > 0:
            strongest += f"; and {extra} derived inputs, not drawn"
        return h + f"<p class='m'>Strongest: {strongest}.</p>"

    def plane_picture(self, k: int, i: int) -> str:
        """The neuron's out over the input plane (the data plane's colours): how the unit
        divides the inputs, at the weights of this iteration (before its update); "?" until
        the stepper reveals the layer's out. Only when the plane is the whole input: one or
        two raw inputs, none held at a mean."""
        if self.plane is None or k < 1:
            return ""
        fr, grids = self.plane
        if fr.held or fr.n_raw != self.net.n_raw:
            return ""
        g = np.asarray(grids[k - 1][i], dtype=np.float64)
        known = self.known(("out", k))  # its out over the plane gives its out at the sample away
        if not known:
            self.r.hidden_qs.add(("out", k))
        act = self.net.activations[k - 1].name
        rng = BOUNDED.get(act)
        if rng is None:
            v = g[np.isfinite(g)]
            lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
            rng = (lo - 0.5, hi + 0.5) if hi - lo <= 1e-12 * max(1.0, abs(lo)) else (lo, hi)
        labels = self.net.labels.neurons[0]
        x0, x1 = (self.number(v) for v in fr.x_range)
        name, out = self.name(k, i), f"out<sub>{self.name(k, i)}</sub>"
        sx = float(self.tr.inputs[self.s, fr.spec.x])
        if fr.curve:
            cap = f"{out} along {html.escape(labels[fr.spec.x])}"
            n = len(g)
            ix = round((sx - fr.x_range[0]) / (fr.x_range[1] - fr.x_range[0]) * (n - 1))
            mark = (0, ix) if 0 <= ix < n else None
            pic = Picture("plane", g, *rng, "plane", cap, mark, known, curve=True)
            lo, hi = (self.number(v) for v in rng)
            where = (
                f"{html.escape(labels[fr.spec.x])} from {x0} to {x1} across, {out} from {lo} to {hi} up"
                + (f"; ringed: sample {self.tr.samples[self.s] + 1}" if mark is not None else "")
            )
        else:
            y0, y1 = (self.number(v) for v in fr.y_range)
            sy = float(self.tr.inputs[self.s, fr.spec.y])
            ny, nx = g.shape
            cx = int((sx - fr.x_range[0]) / (fr.x_range[1] - fr.x_range[0]) * nx)
            cy = int((sy - fr.y_range[0]) / (fr.y_range[1] - fr.y_range[0]) * ny)
            mark = (ny - 1 - cy, cx) if 0 <= cx < nx and 0 <= cy < ny else None
            pic = Picture("plane", g[::-1], *rng, "plane", f"{out} over the input plane", mark, known)
            where = (
                f"{html.escape(labels[fr.spec.x])} from {x0} to {x1} across, "
                f"{html.escape(labels[fr.spec.y])} from {y0} to {y1} up"
                + (f"; ringed: sample {self.tr.samples[self.s] + 1}" if mark is not None else "")
            )
        self._picture(pic)
        return self.label(f"What {name} computes: its out at every point of the input plane", "m") + figures(
            [pic], where + "."
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
            h += f"<p class='s'>{self.r(c.out(0, i, s))} = <b>{self.number(x)}</b></p>"
            return h + self.input_picture(i)
        h += self.plane_picture(k, i) + self.unit_pictures(k, i)
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
        row = C.jacobian_row(c, k, i, s)
        # a long row: its first entries, its own (the diagonal) and the last
        shown = range(n) if n <= JACOBIAN_ROW else sorted({*range(JACOBIAN_ROW - 2), i, n - 1})
        h += "".join(self.eq(row[j]) for j in shown)
        if n > len(shown):
            h += f"<p class='m'>… and {n - len(shown):,} more of the row.</p>"
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
        h += self.unit_pictures(k, r, col)
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
            h += "".join(self.eq(e) for e in paths[:PATHS])
            if len(paths) > PATHS:
                h += f"<p class='m'>… and {len(paths) - PATHS:,} more outputs.</p>"
        h += self.label("The factors")
        h += self.eq(C.grad_out_eq(c, k, r, s)) + self.derivative(k, r)
        x = c.out(j, col, s)
        h += (
            f"<p class='s'>{self.r(Partial(c.net_(k, r, s), c.w(j, r, col)))} = {self.r(x)}"
            f"</p><p class='n'>= <b>{self.num(x.value(), ('out', j) if j else None)}</b></p>"
        )
        h += self.eq(C.delta_eq(c, k, r, s)) + self.beat(k)
        h += self.label(self.update_label(), "m")
        if c.momentum:  # its velocity first: v⁺ = α·v + ∂E/∂w
            h += self.eq(C.velocity_eq(c, j, r, col))
        return h + self.eq(C.update_eq(c, j, r, col)) + self.footer()

    def update_label(self) -> str:
        """Update (η = 0.5), with momentum Update with momentum (α = 0.9, η = 0.5)."""
        eta = self.number(self.tr.learning_rate)
        if self.c.momentum:
            return f"Update with momentum (α = {self.number(self.c.momentum)}, η = {eta})"
        return f"Update (η = {eta})"

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
        h += self.label(self.update_label(), "m")
        if not net.train_biases:
            h += f"<p class='s'>biases fixed: {self.r(b)} stays {self.number(net.biases[j][i])}</p>"
        else:
            if c.momentum:
                h += self.eq(C.bias_velocity_eq(c, j, i))
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
        comps = list(ph.computations)
        if ph.kind == "input":
            h += self.input_samples()
            comps = [x for x in comps if not isinstance(x, str)]  # the rows: input_samples's
        more = 0
        if comps and isinstance(comps[-1], str):
            found = re.fullmatch(r"… and ([\d,]+) more", comps[-1])
            if found:
                more = int(found.group(1).replace(",", ""))
                comps = comps[:-1]
        if len(comps) > PHASE_LINES:
            more += len(comps) - PHASE_LINES
            comps = comps[:PHASE_LINES]
        h += "".join(f"<p class='n'>{html.escape(x) if isinstance(x, str) else r(x)}</p>" for x in comps)
        if more:
            h += (
                f"<p class='m'>… and {more:,} more: select a neuron or a weight to see its own "
                "(the Matrix tab has the whole layer).</p>"
            )
        return h

    def input_samples(self) -> str:
        """The input phase's rows: each sample's inputs and targets, a long row's first few
        by value and the rest counted; an image-shaped input's samples drawn as images."""
        tr, net = self.tr, self.net
        L, m = net.L, self.m
        lab = net.labels.neurons
        n_in = net.sizes[0]
        h = ""
        shape = net.input_shape
        if shape is not None:
            pics = [
                self._sample_picture(f"x{s}", s, f"sample {tr.samples[s] + 1}", None, min(m, SAMPLE_PICTURES))
                for s in range(min(m, SAMPLE_PICTURES))
            ]
            note = "one scale for all (under the first)"
            if m > SAMPLE_PICTURES:
                note = f"{SAMPLE_PICTURES} of the step's {m} samples drawn; " + note
            h += self.label(f"The input{'s' if m > 1 else ''} as {shape[0]} × {shape[1]} images", "m")
            h += figures(pics, note, self.across, shared=True)

        def listed(names, values, cap, what) -> str:
            n = len(values)
            shown = range(n) if n <= cap + 1 else range(cap)
            txt = ", ".join(f"{html.escape(names[i])} = {self.number(float(values[i]))}" for i in shown)
            return txt + (f", … ({n - len(shown):,} more {what})" if n > len(shown) else "")

        for s in range(min(m, MAX_SAMPLES)):
            tag = f"sample {tr.samples[s] + 1}: " if m > 1 else ""
            xs = listed(lab[0][:n_in], tr.inputs[s], INPUTS_LISTED if n_in > 16 else n_in, "inputs")
            ts = listed([f"target_{x}" for x in lab[L]], tr.targets[s], TARGETS_LISTED, "targets")
            h += f"<p class='n'>{tag}{xs}; {ts}</p>"
        if m > MAX_SAMPLES:
            h += f"<p class='m'>… and {m - MAX_SAMPLES:,} more samples.</p>"
        return h
