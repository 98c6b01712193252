"""The inspector: the selection's chain rule in the network's own symbols, then with the numbers
of the current iteration (seed 004's layout); the matrix form of its layer (seed 003's); and a
finite-difference check. It only reads the session's trace (it never runs backprop), and what the
stepper has not revealed yet shows as "?", so students can predict it first."""

from __future__ import annotations

import html
import re

from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QLabel,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.numbers import fmt
from bpviz.gui.gradcheck_tab import MAX_CHECK, GradCheckTab
from bpviz.gui.matrix_tab import CAP, MatrixTab
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, SELECT, THEMES

__all__ = ["Inspector", "CAP", "MAX_CHECK"]

MAX_TERMS = 6  # terms of a sum written out before "…"
# the phase list no longer exports its activation symbols; _Writer's own until it is rewritten
ACT_SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "id"}
Q = "<span class='q'>?</span>"
T, O, N = "\x01", "\x02", "\x03"  # placeholders in the core's formula templates


def sub(label: str) -> str:
    """``w5`` → w<sub>5</sub>, ``w_x1,2`` → w<sub>x1,2</sub>, ``ŵ1`` → ŵ<sub>1</sub>."""
    if "_" in label:
        a, b = label.split("_", 1)
        return f"{html.escape(a)}<sub>{html.escape(b)}</sub>"
    m = re.fullmatch(r"(\D+?)(\d[\d,]*)", label)
    return f"{html.escape(m[1])}<sub>{m[2]}</sub>" if m else html.escape(label)


def par(a: str, b: str) -> str:
    return f"∂{a}/∂{b}"


def _sum(terms: list[str]) -> str:
    if len(terms) > MAX_TERMS:
        terms = terms[: MAX_TERMS - 2] + ["…", terms[-1]]
    return " + ".join(terms) if terms else "0"


class _Writer:
    """Rich text for one selection, from the session's trace; hidden values become "?"."""

    def __init__(self, session) -> None:
        self.ses, tr = session, session.trace
        self.tr, self.net, self.p = tr, tr.network, tr.p
        self.lab = self.net.labels
        self.m = len(tr.samples)
        self.s = max(0, min(session.display_sample, self.m - 1))
        self.pending: set[str] = set()
        self.cnt = self.m * self.net.sizes[-1]

    # -- numbers and symbols ---------------------------------------------------------------
    def ph(self, kind: str, k: int) -> str | None:
        """The phase that reveals this quantity of layer k (None: known from the start), as
        the phase list says (``grad`` = the gradients into layer k)."""
        if kind == "out" and k == 0:
            return None
        return _phase_revealing(self.ses, {"grad": "grad_w"}.get(kind, kind), k)

    def seen(self, phase: str | None) -> bool:
        if phase is None or self.ses.reached(phase):
            return True
        self.pending.add(phase)
        return False

    def num(self, v: float, phase: str | None = None, bold: bool = False) -> str:
        if not self.seen(phase):
            return Q
        t = fmt(v, self.ses.decimals).replace("-", "−")
        return f"<b>{t}</b>" if bold else t

    def fac(self, v: float, phase: str | None = None) -> str:
        t = self.num(v, phase)
        return f"({t})" if t.startswith("−") else t

    def n(self, k: int, i: int) -> str:
        return html.escape(self.lab.neurons[k][i])

    def out(self, k: int, i: int) -> str:
        return sub(self.lab.neurons[0][i]) if k == 0 else f"out<sub>{self.n(k, i)}</sub>"

    def netn(self, k: int, i: int) -> str:
        return f"net<sub>{self.n(k, i)}</sub>"

    def d(self, k: int, i: int) -> str:
        return f"δ<sub>{self.n(k, i)}</sub>"

    def w(self, j: int, r: int, c: int) -> str:
        return sub(self.lab.weights[j][r][c])

    def tgt(self, i: int) -> str:
        return f"target<sub>{self.n(self.net.L, i)}</sub>"

    E = "E<sub>total</sub>"

    @staticmethod
    def tmpl(text: str, **subs: str) -> str:
        text = html.escape(text)
        for key, ph in (("t", T), ("o", O), ("n", N)):
            text = text.replace(ph, subs.get(key, ""))
        return text

    def act(self, k: int, arg: str) -> str:
        a = self.net.activations[k - 1]
        if a.name == "linear":
            return f"{fmt(a.slope)}·{arg}"
        return arg if a.name == "identity" else f"{ACT_SYMBOL[a.name]}({arg})"

    # -- layout ----------------------------------------------------------------------------
    @staticmethod
    def eq(sym: str, nums: str | None = None) -> str:
        s = f"<p class='s'>{sym}</p>"
        return s + (f"<p class='n'>= {nums}</p>" if nums is not None else "")

    @staticmethod
    def head(text: str, note: str = "") -> str:
        return f"<h3>{text}</h3>" + (f"<p class='m'>{note}</p>" if note else "")

    @staticmethod
    def label(text: str, cls: str = "b") -> str:
        """A section title: b(ackward), f(orward) or m(uted)."""
        return f"<p class='l{cls}'>{text}</p>"

    def sample_note(self) -> str:
        if self.m == 1:
            return f"sample {self.tr.samples[0] + 1}"
        return (f"a batch of {self.m} samples; single-sample factors are for sample "
                f"{self.tr.samples[self.s] + 1}, the one the canvas shows")

    def footer(self) -> str:
        if not self.pending:
            return ""
        first = min(self.pending, key=self.ses.names.index)
        title = self.ses.phases[self.ses.names.index(first)].title
        return (f"<p class='m'><span class='q'>?</span> not revealed yet: predict it, then step "
                f"on (it is revealed at: <i>{html.escape(title)}</i>).</p>")

    # -- the pieces of the chain rule, for sample s ----------------------------------------
    def net_lines(self, k: int, i: int, s: int) -> str:
        j, net, p = k - 1, self.net, self.p
        sym = [f"{self.w(j, i, c)}·{self.out(k - 1, c)}" for c in range(net.sizes[j])]
        nums = [f"{self.fac(net.weights[j][i, c])}×{self.fac(p.out[j][s, c], self.ph('out', j))}"
                for c in range(net.sizes[j])]
        if net.biases is not None:
            sym.append(sub(self.lab.biases[j][i]))
            nums.append(self.fac(net.biases[j][i]))
        res = self.num(p.net[k][s, i], self.ph("net", k), True)
        return self.eq(f"{self.netn(k, i)} = {_sum(sym)}", f"{_sum(nums)} = {res}")

    def out_lines(self, k: int, i: int, s: int) -> str:
        arg = self.num(self.p.net[k][s, i], self.ph("net", k))
        res = self.num(self.p.out[k][s, i], self.ph("out", k), True)
        return self.eq(f"{self.out(k, i)} = {self.act(k, self.netn(k, i))}",
                       f"{self.act(k, arg)} = {res}")

    def fprime_lines(self, k: int, i: int, s: int) -> str:
        f = self.net.activations[k - 1].derivative_formula(O, N)
        sym = self.tmpl(f, o=self.out(k, i), n=self.netn(k, i))
        nums = self.tmpl(f, o=self.fac(self.p.out[k][s, i], self.ph("out", k)),
                         n=self.fac(self.p.net[k][s, i], self.ph("net", k)))
        res = self.num(self.p.fprime[k][s, i], self.ph("delta", k), True)
        head = f"{par(self.out(k, i), self.netn(k, i))} = {sym}"
        return self.eq(head, res if nums == sym else f"{nums} = {res}")

    def grad_out_lines(self, k: int, i: int, s: int) -> str:
        net, p, L = self.net, self.p, self.net.L
        P = self.ph("grad_out", k)
        res = self.num(p.grad_out[k][s, i], P, True)
        sym = par(self.E, self.out(k, i))
        if k == L:
            f = net.loss.gradient_formula(T, O, self.cnt)
            nums = self.tmpl(f, t=self.fac(self.tr.targets[s, i]),
                             o=self.fac(p.out[L][s, i], self.ph("out", L)))
            return self.eq(f"{sym} = {self.tmpl(f, t=self.tgt(i), o=self.out(k, i))}",
                           f"{nums} = {res}")
        rs = range(net.sizes[k + 1])
        if k + 1 == L:  # seed 004: one path per output neuron, ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1
            paths = [par(f"E<sub>{self.n(L, r)}</sub>", self.out(k, i)) for r in rs]
        else:
            paths = [f"{par(self.E, self.netn(k + 1, r))}·{par(self.netn(k + 1, r), self.out(k, i))}"
                     for r in rs]
        dw = [f"{self.d(k + 1, r)}·{self.w(k, r, i)}" for r in rs]
        pd = self.ph("delta", k + 1)
        nums = [f"{self.fac(p.delta[k + 1][s, r], pd)}×{self.fac(net.weights[k][r, i])}" for r in rs]
        terms = [self.fac(p.delta[k + 1][s, r] * net.weights[k][r, i], P) for r in rs]
        return (f"<p class='s'>{sym} = {_sum(paths)}</p><p class='n'>= {_sum(dw)}</p>"
                f"<p class='n'>= {_sum(nums)}</p><p class='n'>= {_sum(terms)} = {res}</p>")

    def delta_lines(self, k: int, i: int, s: int) -> str:
        p = self.p
        sym = f"{self.d(k, i)} = {par(self.E, self.out(k, i))} · {par(self.out(k, i), self.netn(k, i))}"
        nums = (f"{self.fac(p.grad_out[k][s, i], self.ph('grad_out', k))} × "
                f"{self.fac(p.fprime[k][s, i], self.ph('delta', k))} = "
                f"{self.num(p.delta[k][s, i], self.ph('delta', k), True)}")
        return self.eq(sym, nums)

    # -- selections ------------------------------------------------------------------------
    def edge(self, j: int, r: int, c: int) -> str:
        k, p, tr, s = j + 1, self.p, self.tr, self.s
        w = self.w(j, r, c)
        dw = par(self.E, w)
        pg = self.ph("grad", k)
        h = self.head(f"Weight {w}: {self.n(k - 1, c)} → {self.n(k, r)}", self.sample_note())
        chain = (f"{dw} = {par(self.E, self.out(k, r))} · {par(self.out(k, r), self.netn(k, r))}"
                 f" · {par(self.netn(k, r), w)}")
        nums = (f"{self.fac(p.grad_out[k][s, r], self.ph('grad_out', k))} × "
                f"{self.fac(p.fprime[k][s, r], self.ph('delta', k))} × "
                f"{self.fac(p.out[j][s, c], self.ph('out', j))}")
        if self.m == 1:
            h += self.label("Chain rule")
            h += self.eq(chain, f"{nums} = {self.num(p.grad_w[j][r, c], pg, True)}")
        else:
            h += self.label(f"Batch: the step's {self.m} samples each contribute δ·out")
            h += self.eq(f"{dw} = Σ<sub>samples</sub> {self.d(k, r)} · {self.out(j, c)}")
            h += self.contributions(k, r, j, c)
            h += self.label(f"Chain rule: the contribution of sample {tr.samples[s] + 1}")
            h += self.eq(chain.replace(dw, f"{self.d(k, r)} · {self.out(j, c)}", 1),
                         f"{nums} = {self.num(p.delta[k][s, r] * p.out[j][s, c], pg, True)}")
        h += self.label("The factors")
        h += self.grad_out_lines(k, r, s) + self.fprime_lines(k, r, s)
        h += self.eq(f"{par(self.netn(k, r), w)} = {self.out(j, c)}",
                     self.num(p.out[j][s, c], self.ph("out", j), True))
        h += self.delta_lines(k, r, s)
        h += self.label(f"Update (η = {self.num(tr.learning_rate)})", "m")
        h += self.eq(f"{w}<sup>+</sup> = {w} − η · {dw}",
                     f"{self.num(self.net.weights[j][r, c])} − {self.num(tr.learning_rate)} × "
                     f"{self.fac(p.grad_w[j][r, c], pg)} = "
                     f"{self.num(tr.weights_after[j][r, c], 'update', True)}")
        return h + self.footer()

    def contributions(self, k: int, r: int, j: int, c: int | None) -> str:
        """Per sample: δ (and out, and δ·out for a weight); then their sum, the gradient."""
        p, pd, pg, po = self.p, self.ph("delta", k), self.ph("grad", k), self.ph("out", j)
        cols = ["sample", self.d(k, r)]
        if c is not None:
            cols += [self.out(j, c), f"{self.d(k, r)} · {self.out(j, c)}"]
        rows = ["<tr>" + "".join(f"<th>{x}</th>" for x in cols) + "</tr>"]
        for s in range(min(self.m, CAP)):
            dv = p.delta[k][s, r]
            cells = [str(self.tr.samples[s] + 1), self.num(dv, pd)]
            if c is not None:
                cells += [self.num(p.out[j][s, c], po), self.num(dv * p.out[j][s, c], pg)]
            rows.append("<tr>" + "".join(f"<td align='right'>{x}</td>" for x in cells) + "</tr>")
        g = p.grad_w[j][r, c] if c is not None else p.grad_b[j][r]
        rows.append(f"<tr><td colspan={len(cols) - 1}><b>Σ</b> (the gradient)</td>"
                    f"<td align='right'>{self.num(g, pg, True)}</td></tr>")
        more = (f"<p class='m'>{CAP} of {self.m} samples listed; the sum is over all.</p>"
                if self.m > CAP else "")
        return ("<table cellspacing='0' cellpadding='4' border='1'>" + "".join(rows)
                + "</table>" + more)

    def neuron(self, k: int, i: int) -> str:
        net, p, s, L = self.net, self.p, self.s, self.net.L
        role = "input" if k == 0 else "output" if k == L else "hidden"
        h = self.head(f"Neuron {self.n(k, i)} ({role} layer {html.escape(net.names[k])})",
                      self.sample_note())
        if k == 0:
            return h + self.eq(f"{self.out(0, i)} = {self.num(self.tr.inputs[s, i], None, True)}")
        h += self.label("Forward", "f") + self.net_lines(k, i, s) + self.out_lines(k, i, s)
        if k == L:
            h += self.eq(f"{self.tgt(i)} = {self.num(self.tr.targets[s, i], None, True)}")
            f = net.loss.term_formula(T, O, self.cnt)
            e = net.loss.terms(p.out[L], self.tr.targets)[s, i]  # its share of E
            nums = self.tmpl(f, t=self.fac(self.tr.targets[s, i]),
                             o=self.fac(p.out[L][s, i], self.ph("out", L)))
            h += self.eq(f"E<sub>{self.n(k, i)}</sub> = {self.tmpl(f, t=self.tgt(i), o=self.out(k, i))}",
                         f"{nums} = {self.num(e, 'error', True)}")
        h += self.label("Backward") + self.grad_out_lines(k, i, s) + self.fprime_lines(k, i, s)
        return h + self.delta_lines(k, i, s) + self.footer()

    def bias(self, j: int, i: int) -> str:
        net, p, tr, k = self.net, self.p, self.tr, j + 1
        if net.biases is None:
            return self.head("Bias") + "<p>This network has no biases.</p>"
        row = self.lab.biases[j]
        b = sub(row[i]) + (f" (of {self.n(k, i)})" if row.count(row[i]) > 1 else "")
        pg = self.ph("grad", k)
        db = par(self.E, sub(row[i]))
        h = self.head(f"Bias {b}", self.sample_note()) + self.eq(
            f"{sub(row[i])} = {self.num(net.biases[j][i], None, True)}")
        h += self.label("Gradient")
        if self.m == 1:
            h += self.eq(f"{db} = {par(self.E, self.netn(k, i))} · {par(self.netn(k, i), sub(row[i]))}"
                         f" = {self.d(k, i)} · 1", self.num(p.grad_b[j][i], pg, True))
        else:
            h += self.eq(f"{db} = Σ<sub>samples</sub> {self.d(k, i)}")
            h += self.contributions(k, i, j, None)
        h += self.delta_lines(k, i, self.s)
        h += self.label(f"Update (η = {self.num(tr.learning_rate)})", "m")
        if not net.train_biases:
            h += (f"<p class='s'>biases fixed: {sub(row[i])} stays "
                  f"{self.num(net.biases[j][i])}</p>")
        else:
            h += self.eq(f"{sub(row[i])}<sup>+</sup> = {sub(row[i])} − η · {db}",
                         f"{self.num(net.biases[j][i])} − {self.num(tr.learning_rate)} × "
                         f"{self.fac(p.grad_b[j][i], pg)} = "
                         f"{self.num(tr.biases_after[j][i], 'update', True)}")
        return h + self.footer()

    def phase(self) -> str:
        ph = self.ses.phase
        h = ("<p class='m'>Click a neuron or an edge (or a bias) on the canvas to see its chain "
             "rule here, first in symbols, then with this iteration's numbers.</p>")
        h += self.head(f"Phase {ph.index + 1} of {len(self.ses.names)}: {html.escape(ph.title)}")
        h += f"<p class='s'>{html.escape(ph.formula)}</p>"
        return h + "".join(f"<p class='n'>{html.escape(x)}</p>" for x in ph.lines)


class Inspector(QWidget):
    """Tabs: the selection's chain rule, the phase in matrix form (matrix_tab), a gradient
    check (gradcheck_tab)."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tabs = QTabWidget(self)
        QVBoxLayout(self).addWidget(self.tabs)
        self.layout().setContentsMargins(0, 0, 0, 0)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.matrix = MatrixTab(session)
        self.check = GradCheckTab(session)
        for page, name, tip in (
                (self.text, "Selection", "The chain rule of the selected weight, neuron or bias: "
                 "in symbols, then with numbers; ? = not revealed by the stepper yet"),
                (self.matrix, "Matrix", "The current phase in matrix form: W·out + b = net, "
                 "f(net) = out, Wᵀ·δ, ∂E/∂out ⊙ f′(net) = δ, δ·outᵀ = ∂E/∂W, the update"),
                (self.check, "Gradient check", "Backprop's gradient against a central finite "
                 "difference (ε = 1e−6) for the selected weight, bias or neuron's layer")):
            self.tabs.setTabToolTip(self.tabs.addTab(page, name), tip)
        self._pages = (self.matrix, self.check)
        for page in self._pages:
            page.setObjectName("page")
        self._dirty = [True, True, True]
        self.tabs.currentChanged.connect(self._refresh)
        for sig in (session.traceChanged, session.phaseChanged, session.selectionChanged,
                    session.documentChanged):
            sig.connect(self._on_change)
        session.displayChanged.connect(self._on_display)
        session.trainingChanged.connect(self._on_change)
        self._restyle()
        self._refresh()

    # the tabs' parts, by their old names (tests, presentation)
    @property
    def tables(self) -> dict:
        return self.matrix.tables

    @property
    def matrix_note(self) -> QLabel:
        return self.matrix.note

    @property
    def check_table(self) -> QTableWidget:
        return self.check.table

    @property
    def check_note(self) -> QLabel:
        return self.check.note

    @property
    def check_results(self) -> list[dict]:
        return self.check.results

    # -- signals -----------------------------------------------------------------------------
    def _on_change(self, *_args) -> None:
        self._dirty = [True, True, True]
        self._refresh()

    def _on_display(self) -> None:
        self._restyle()
        self._on_change()

    def _refresh(self, *_args) -> None:
        """Only the visible tab is drawn; the others when they are shown. While training
        the weights change many times a second: the panel waits for the pause."""
        if self.session.training:
            return
        i = self.tabs.currentIndex()
        if i >= 0 and self._dirty[i]:
            self._dirty[i] = False
            (self._show_selection, self.matrix.refresh, self.check.refresh)[i]()

    def _restyle(self) -> None:
        th, z = THEMES[self.session.theme], self.session.zoom
        self.text.setStyleSheet(f"QTextBrowser {{ background: {th.background}; color: {th.text};"
                                " border: none; }")
        doc = self.text.document()
        f = QFont(self.text.font())
        f.setPointSizeF(12.5 * z)
        doc.setDefaultFont(f)
        doc.setDocumentMargin(10 * z)
        ind = f"{28 * z:.0f}px"
        doc.setDefaultStyleSheet(
            f"h3 {{ font-size: {15 * z:.1f}pt; margin-top: 2px; margin-bottom: 2px; }}"
            f"p {{ margin-top: 3px; margin-bottom: 3px; }} p.n {{ margin-left: {ind}; }}"
            f"p.lb, p.lf, p.lm {{ font-size: {10.5 * z:.1f}pt; font-weight: 600; margin-top: 12px; }}"
            f"p.lb {{ color: {ERROR_SIGNAL}; }} p.lf {{ color: {FORWARD}; }}"
            f"p.lm, p.m {{ color: {th.muted}; }} p.m {{ font-size: {10.5 * z:.1f}pt; }}"
            f".q {{ color: {SELECT}; font-weight: bold; }} th {{ color: {th.muted}; }}"
            f"table {{ margin-left: {ind}; border-color: {th.neutral_edge}; }}")
        css = (f"QWidget#page {{ background: {th.background}; }}"
               f"QLabel {{ color: {th.text}; font-size: {11 * z:.1f}pt; }}"
               f"QLabel#op {{ color: {th.muted}; font-size: {15 * z:.1f}pt; font-weight: 600; }}"
               f"QTableWidget {{ background: {th.background}; color: {th.text}; "
               f"gridline-color: {th.neutral_edge}; font-size: {10.5 * z:.1f}pt; }}"
               f"QHeaderView::section {{ background: {th.banner_bg}; color: {th.muted}; "
               f"border: none; padding: 2px 6px; font-size: {10 * z:.1f}pt; }}"
               f"QTableCornerButton::section {{ background: {th.banner_bg}; border: none; }}"
               f"QLabel#note {{ padding: 6px; background: {th.banner_bg}; }}")
        for page in self._pages:
            page.setStyleSheet(css)

    # -- the selection tab -------------------------------------------------------------------
    def _show_selection(self) -> None:
        w, sel = _Writer(self.session), self.session.selection
        try:
            body = (w.phase() if sel is None else w.edge(*sel.index) if sel.kind == "edge"
                    else w.bias(*sel.index) if sel.kind == "bias" else w.neuron(*sel.index))
        except IndexError:  # a selection from another network
            body = w.phase()
        self.text.setHtml(body)

    def selection_text(self) -> str:
        """The Selection tab as plain text (sub- and superscripts flattened)."""
        return self.text.toPlainText()


def _phase_revealing(session, quantity: str, k: int | None) -> str:
    """The name of the phase of this iteration that reveals the quantity of layer k."""
    return session.phases[session.revealed.at(quantity, k)].name
