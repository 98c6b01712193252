"""What the canvas writes: the numbers under each neuron, on each edge and bias, the targets,
the layer captions, the tooltips and the colour key, for the phase the session is at.

Every number comes from the session's trace, and whether it is shown at all from
``session.revealed`` (what the phase list has revealed so far): a value not yet reached is "?"
or absent, never computed here. These are plain functions of the session; the view puts the
strings into its text items and the label layout places them.
"""

from __future__ import annotations

import re

from bpviz.core.expr import Eq, Num, Prod
from bpviz.core.iteration.chain import Chain, delta_rule, grad_weight_eq
from bpviz.core.numbers import fmt, sig
from bpviz.core.teach import render
from bpviz.gui.session import Selection, Session
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, NEGATIVE, POSITIVE, SELECT

FULL_GRADIENT_LABELS = 4  # a layer's edges that all write δ × out at the gradient phase


def num(s: Session, v: float) -> str:
    """A number on the canvas: significant figures (View → Significant figures; the
    inspector and tooltips give decimals), true minus signs (core.numbers.sig)."""
    return sig(v, s.sig_digits)


def html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def keep_together(html: str) -> str:
    """A title's formula in parentheses, "(∂E/∂W = δ·outᵀ)", wraps as a whole; words in
    parentheses ("(out − target: the chain rule collapses)") wrap as words (kept whole,
    a long one would be broken inside a word at a large font zoom)."""

    def whole(m: re.Match) -> str:
        inner = m.group(1)
        if "=" not in inner or len(inner) > 24:
            return m.group(0)
        return "(" + inner.replace(" ", "&nbsp;") + ")"

    return re.sub(r"\(([^()]*)\)", whole, html)


def factor(text: str) -> str:
    """A negative factor of a product in parentheses: "(−0.01905)"."""
    return f"({text})" if text.startswith("−") else text


def display_name(net, k: int, i: int) -> str:
    """A neuron's label as the canvas writes it: where the layer's name ends in a digit
    and the label is that name followed by the neuron's number (h2 + 1 = "h21"), a comma
    keeps the two apart ("h2,1"); stored labels do not change."""
    name = net.labels.neurons[k][i]
    layer = net.names[k]
    if layer[-1:].isdigit() and name == f"{layer}{i + 1}":
        return f"{layer},{i + 1}"
    return name


# ---------------------------------------------------------------------------- neuron values
def value_rows(s: Session, k: int, i: int, own: bool = False) -> list:
    """What the canvas writes under neuron (k, i), as the stepper has revealed it: net and
    out from the forward pass on, on one line (they stay through the backward pass), then
    ∂E/∂out, and at the phase that reveals δ how δ comes about, by the core's rule
    (``delta_rule``), over its numbers (a tuple of cells: a row of the label's table):
    "∂E/∂out × f′(net) = δ" (an activation of one neuron), "out − target = δ" (the output
    layer where the loss fits its activation: the chain rule collapses, the lecture's beat)
    or δ alone (a softmax with another loss: δ sums over the layer's Jacobian, which the
    tooltip gives); after it, δ. ``own``: only what the current phase reveals (the label's
    shorter form, where room is short)."""
    p, sm = s.trace.p, s.display_sample
    rv = s.revealed

    def n(v: float) -> str:
        return num(s, v)

    def show(q: str) -> bool:
        return rv.known(q, k) and (not own or rv.at(q, k) == rv.index)

    if k == 0:
        return [n(s.trace.inputs[sm, i]) if rv.known("input", 0) else "?"]
    rows: list = []
    fwd = []  # one line, "net 0.3775 → out 0.5933": out = f(net)
    if show("net"):
        fwd.append(f"net {n(p.net[k][sm, i])}")
    if show("out"):
        fwd.append(f"out {n(p.out[k][sm, i])}")
    if fwd:
        rows.append(" → ".join(fwd))
    rule = delta_rule(s.network, k)
    d = n(p.delta[k][sm, i])
    if rv.known("delta", k) and rv.at("delta", k) == rv.index and rule != "jacobian":
        if rule == "out − target":
            a, b, top = n(p.out[k][sm, i]), factor(n(s.trace.targets[sm, i])), ("out", "−", "target")
            short = f"δ = {a} − {b} = {d}"
        else:
            a, b = factor(n(p.grad_out[k][sm, i])), factor(n(p.fprime[k][sm, i]))
            top, short = ("∂E/∂out", "×", "f′(net)"), f"δ = {a} × {b} = {d}"
        if own:  # one line where room is short
            rows.append(short)
        else:
            rows.append((*top, "=", "δ"))
            rows.append((a, top[1], b, "=", d))
    elif show("delta"):
        rows.append(f"δ {d}")
    elif show("grad_out"):
        rows.append(f"∂E/∂out {n(p.grad_out[k][sm, i])}")
    return rows


def value_minimal(s: Session, k: int, i: int) -> list | None:
    """The last resort of neuron (k, i)'s label where even its shorter form finds no room:
    the one number of it the phase works with, without its factors (they stay in the
    tooltip and the Inspector): δ at the phase that reveals it by its factors ("δ 0.1385"),
    δ of layer k + 1 when the error signal reaches layer k (Wᵀ·δ), δ and the out it
    multiplies at the gradient phase (δ·outᵀ), out at the error phase; None elsewhere
    (the label is one number already)."""
    ph, p, sm = s.phase, s.trace.p, s.display_sample
    kind, at = ph.kind, ph.layer_index
    if k == 0:
        return None

    def d() -> list:
        return [f"δ {num(s, p.delta[k][sm, i])}"]

    def o() -> list:
        return [f"out {num(s, p.out[k][sm, i])}"]

    if kind == "delta" and k == at and delta_rule(s.network, k) != "jacobian":
        return d()
    if (kind == "grad_out" and k == at + 1) or (kind == "grad" and k == at):
        return d()
    if (kind == "grad" and k == at - 1) or kind == "error":
        return o()
    return None


def rows_plain(rows: list) -> str:
    """A value label's rows as plain text (a table row's cells joined by spaces)."""
    return "\n".join(" ".join(r) if isinstance(r, tuple) else r for r in rows)


def rows_html(rows: list, color: str, muted: str) -> str:
    """A value label's rows as rich text: lines, and consecutive table rows as one table whose
    columns line each symbol (the first row, muted) up over its number."""
    out, table = [], []

    def flush() -> None:
        if table:
            body = "".join(
                f"<tr style='color:{muted if n == 0 else color}'>"
                + "".join(
                    f"<td align='center'>{'&nbsp;' if c % 2 else ''}{html_escape(x)}"
                    f"{'&nbsp;' if c % 2 else ''}</td>"
                    for c, x in enumerate(r)
                )
                + "</tr>"
                for n, r in enumerate(table)
            )
            out.append(f"<table cellspacing='0' cellpadding='0'>{body}</table>")
            table.clear()

    for r in rows:
        if isinstance(r, tuple):
            table.append(r)
        else:
            flush()
            out.append(f"<div>{html_escape(r)}</div>")
    flush()
    return f"<div style='color:{color}; white-space:pre'>{''.join(out)}</div>"


def rows_text(rows: list, th) -> tuple[str, bool]:
    """A value label's rows as (text, is_html): rich text where they hold a table row."""
    if any(isinstance(r, tuple) for r in rows):
        return rows_html(rows, th.text, th.muted), True
    return rows_plain(rows), False


def neuron_quantity(s: Session, k: int):
    """The (m, n) values a layer's neurons are coloured by: δ or ∂E/∂out once the backward
    pass has revealed them."""
    if k == 0:
        return None, None
    p = s.trace.p
    rv = s.revealed
    if rv.known("delta", k):
        return p.delta[k], "delta"
    if rv.known("grad_out", k):
        return p.grad_out[k], "grad_out"
    return None, None


# ---------------------------------------------------------------------------- the output side
def error_terms(s: Session) -> dict | None:
    """Each output's error term per sample ({i: [value per sample]}), as the phase that
    reveals the error gives them; None before it."""
    L = s.network.L
    rv = s.revealed
    if not rv.known("error", L):
        return None
    return {
        e["neuron"][1]: e["value"]
        for e in s.phases[rv.at("error", L)].values
        if e["quantity"] == "error_term"
    }


def target_text(s: Session, i: int, terms: dict | None) -> str:
    """Output i's target, and its error term once the error phase has revealed it."""
    tr, sm, L = s.trace, s.display_sample, s.network.L
    txt = f"target {num(s, tr.targets[sm, i])}" if s.revealed.known("target", L) else "target ?"
    if terms is not None:
        txt += f"\nE = {num(s, terms[i][sm])}"
    return txt


def layer_title(net, k: int) -> str:
    """A layer's caption: its name and activation ("layer h · sigmoid")."""
    act = "input" if k == 0 else net.activations[k - 1].name
    if act == "linear":
        act = f"f(x) = {fmt(net.activations[k - 1].slope)}x"
    return f"layer {net.names[k]} · {act}"


def bias_text(s: Session, j: int) -> str:
    """The label of weight layer j's bias node: one shared value, up to three, or a summary."""
    net = s.network
    lab = net.labels
    b = net.biases[j]
    names = sorted(set(lab.biases[j]))
    if len(names) == 1 and (b == b[0]).all():
        txt = f"{names[0]} = {num(s, b[0])}"
    elif len(b) <= 3:
        txt = "\n".join(f"{lab.biases[j][i]} = {num(s, b[i])}" for i in range(len(b)))
    else:
        txt = f"biases of layer {net.names[j + 1]}"
    if not net.train_biases:
        txt += " (fixed)"
    return txt


# ---------------------------------------------------------------------------- edges
def edge_label(s: Session, j: int, r: int, c: int, n_edges: int, th):
    """The label of edge (j, r, c): (text, is_html, shorter form or None). The edge mode
    decides what it writes (the weight, ∂E/∂w or Δw); at the phase that reveals the layer's
    gradients the selected edge (or each edge of a layer of ≤ 4, when none of it is selected)
    writes δ·out = ∂E/∂w over its numbers, with "∂E/∂w = …" as its shorter form."""
    net, tr = s.network, s.trace
    rv = s.revealed
    grad_known = rv.known("grad_w", j + 1)
    here = grad_known and rv.at("grad_w", j + 1) == rv.index
    sel = s.selection
    focus = tuple(sel.index[1:]) if sel is not None and sel.kind == "edge" and sel.index[0] == j else None
    name = net.labels.weights[j][r][c]
    w = tr.network.weights[j][r, c]
    if s.edge_mode == "weight":
        txt = f"{name} = {num(s, w)}"
        if rv.known("after"):
            txt = f"{name}: {num(s, w)} → {num(s, tr.weights_after[j][r, c])}"
    elif s.edge_mode == "grad":
        g = tr.p.grad_w[j][r, c]
        txt = f"∂E/∂{name} = {num(s, g) if grad_known else '?'}"
    else:
        dw = tr.weights_after[j][r, c] - w
        txt = f"Δ{name} = {num(s, dw) if grad_known else '?'}"
    if here and s.edge_mode in ("weight", "grad"):
        # the weight stays in the edge's tooltip
        txt = f"∂E/∂{name} = {num(s, tr.p.grad_w[j][r, c])}"
        if focus == (r, c) or (focus is None and n_edges <= FULL_GRADIENT_LABELS):
            return grad_html(s, j, r, c, th), True, txt
    return txt, False, None


def grad_html(s: Session, j: int, r: int, c: int, th) -> str:
    """∂E/∂w = δ·out over its numbers (one sample), or = Σₛ δ·out over the sum (the step's
    samples): never one sample's factors beside a sum over several. The equation is the
    core's (iteration.chain), written by its html renderer."""
    tr = s.trace
    p, k, m = tr.p, j + 1, len(tr.samples)
    eq = grad_weight_eq(Chain(tr), j, r, c)
    if m == 1:
        shown = Eq(
            eq.lhs,
            eq.symbolic[-1:],
            (
                Prod(
                    (
                        Num(float(p.delta[k][0, r]), ("delta", k)),
                        Num(float(p.out[j][0, c]), ("input", 0) if j == 0 else ("out", j)),
                    )
                ),
            ),
            eq.result,
            eq.q,
        )
        note = ""
    else:
        shown = Eq(eq.lhs, eq.symbolic[:1], (), eq.result, eq.q)
        note = f" &nbsp;<span style='color:{th.muted}'>({m} samples)</span>"

    def n(v: float) -> str:
        return num(s, v)

    top = render.html(shown, which=("lhs", "symbolic"), num=n)
    bottom = render.html(shown, which=("numeric", "result"), num=n)
    return f"<div style='color:{th.text}; white-space:pre'>{top}<br>= {bottom}{note}</div>"


# ---------------------------------------------------------------------------- key and tooltips
def legend_html(th, zoom: float, pictures: dict | None = None) -> str:
    """The colour key: what the colours and widths mean; ``pictures`` (the canvas's
    ``picture_legend``) adds the heatmaps beside the neurons, the weight matrices and the
    input image where they are shown."""

    def sw(col: str, glyph: str = "━━") -> str:
        return f"<span style='color:{col}; font-weight:900'>{glyph}</span>"

    def muted(text: str) -> str:
        return f"<span style='color:{th.muted}'>{text}</span>"

    rows = [
        f"{sw(POSITIVE)} positive &nbsp; {sw(NEGATIVE)} negative {muted('(thicker = larger)')}",
        f"{sw(FORWARD)} forward pass &nbsp; {sw(ERROR_SIGNAL)} error signal (backward)",
        f"{sw(POSITIVE, '●')}{sw(NEGATIVE, '●')} neuron fill: sign of δ or ∂E/∂out",
        f"{sw(SELECT, '◯')} selection &nbsp; {muted('┄┄')} bias",
    ]
    pictures = pictures or {}
    if "heatmaps" in pictures:
        rows.append(
            f"{sw(NEGATIVE, '■')}{sw(POSITIVE, '■')} by a neuron: its out over "
            f"{html_escape(pictures['heatmaps'])}, low … high"
        )
        rows.append(muted("&nbsp;&nbsp;&nbsp;&nbsp;(sigmoid 0…1, tanh −1…1, else ±its layer's largest)"))
    if "matrices" in pictures:
        rows.append(
            f"{sw(NEGATIVE, '■')}{sw(POSITIVE, '■')} weight matrix: row = neuron fed, "
            "column = input, − … + " + muted("(±its largest)")
        )
    if "image" in pictures:
        rows.append(f"{sw(th.text, '■')} input image: the sample, a cell per input, darker = larger")
    if "fprime" in pictures:
        rows.append(
            f"{sw(th.text, '▮')} by a neuron: f′(net), the bar filled 0 … 1 "
            + muted("(the tick: 0.25, sigmoid's most; tanh's and ReLU's most is 1)")
        )
        indent = "&nbsp;" * 4
        note = "f′ near 0: saturated, the gradient barely passes; hatched: not yet known"
        rows.append(muted(f"{indent}{note}"))
    return f"<div style='color:{th.text}; font-size:{8.5 * zoom:.1f}pt'>" + "<br>".join(rows) + "</div>"


# what each activation's f′ can be, for the f′ gauge's tooltip
FPRIME_RANGE = {
    "sigmoid": "sigmoid's f′ = out·(1 − out) is at most 0.25 (the tick), at net = 0",
    "tanh": "tanh's f′ = 1 − out² is at most 1 (the whole bar), at net = 0",
    "relu": "ReLU's f′ is 1 where net > 0 (the whole bar) and 0 where net < 0",
    "identity": "the identity's f′ is always 1 (the whole bar)",
}


def fprime_note(s: Session, k: int) -> str:
    """The f′ gauge explained for a neuron of layer k (HTML, a line of the tooltip)."""
    act = s.network.activations[k - 1]
    rng = FPRIME_RANGE.get(act.name, f"{act.name}'s f′ is {act.derivative_formula()}")
    return html_escape(
        f"The bar beside it: f′(net) on a scale of 0 to 1 ({rng}). δ = ∂E/∂out · f′(net): "
        "f′ near 0 means saturated, and the gradient barely passes back through it."
    )


def jacobian_rows(s: Session, k: int, i: int) -> list[str]:
    """Neuron i's row of softmax layer k's Jacobian, ∂out_i/∂net_j for each j of the layer,
    as the phase that reveals δ gives it (only the diagonal for a layer too wide for the
    whole), or "?" before it."""
    rv = s.revealed
    if not rv.known("delta", k):
        return ["∂out/∂net (the Jacobian's row) = ?"]
    ph = s.phases[rv.at("delta", k)]
    sm = s.display_sample
    return [
        f"{e['symbol']} = {fmt(e['value'][sm], s.decimals)}"
        for e in ph.values
        if e["quantity"] == "jacobian" and e["neuron"] == [k, i]
    ]


def tooltip(s: Session, sel: Selection) -> str:
    """Every current value of a neuron, edge or bias (what the stepper has revealed)."""
    net, tr = s.network, s.trace
    p, sm, d = tr.p, s.display_sample, s.decimals
    lab = net.labels
    rows = []
    rv = s.revealed

    def show(name, what: tuple, value):
        rows.append(f"{name} = {fmt(value, d) if rv.known(*what) else '?'}")

    if sel.kind == "neuron":
        k, i = sel.index
        act = "input" if k == 0 else net.activations[k - 1].name
        head = f"{display_name(net, k, i)} (layer {net.names[k]} · {act})"
        if k == 0:
            show(lab.neurons[k][i], ("input", 0), tr.inputs[sm, i])
        else:
            show("net", ("net", k), p.net[k][sm, i])
            show("out", ("out", k), p.out[k][sm, i])
            if not net.activations[k - 1].per_neuron:  # the arrow net → out is the layer's
                rows.append(f"({act}: out = e^net / Σ e^net over layer {net.names[k]})")
            if k == net.L:
                show("target", ("target", k), tr.targets[sm, i])
            show("∂E/∂out", ("grad_out", k), p.grad_out[k][sm, i])
            if net.activations[k - 1].per_neuron:
                show("f′(net)", ("fprime", k), p.fprime[k][sm, i])
            else:  # softmax: a row of the Jacobian, not one neuron's derivative
                rows.extend(jacobian_rows(s, k, i))
            rule = delta_rule(net, k)
            how = " = out − target" if rule == "out − target" else ""
            show(f"δ = ∂E/∂net{how}", ("delta", k), p.delta[k][sm, i])
    elif sel.kind == "edge":
        j, r, c = sel.index
        head = f"{lab.weights[j][r][c]} ({lab.neurons[j][c]} → {lab.neurons[j + 1][r]})"
        rows.append(f"w = {fmt(tr.network.weights[j][r, c], d)}")
        show("∂E/∂w", ("grad_w", j + 1), p.grad_w[j][r, c])
        show("w after update", ("after", None), tr.weights_after[j][r, c])
    else:
        j, i = sel.index
        head = f"{lab.biases[j][i]} (bias of {lab.neurons[j + 1][i]})"
        rows.append(f"b = {fmt(tr.network.biases[j][i], d)}" + ("" if net.train_biases else " (fixed)"))
        show("∂E/∂b", ("grad_b", j + 1), p.grad_b[j][i])
    return f"<b>{html_escape(head)}</b><br>" + "<br>".join(html_escape(r) for r in rows)
