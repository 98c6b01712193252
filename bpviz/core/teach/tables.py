"""The tables of the worked example: the data, the weight matrices, and values per neuron or per
sample, the middle of a long row or column left out ("⋯", "⋮")."""

from __future__ import annotations

from collections.abc import Callable

from bpviz.core.expr import Eq, Num, Partial, Sym
from bpviz.core.teach.document import Dots, Math, Table

__all__ = [
    "pick",
    "cell",
    "per_sample",
    "data",
    "weights",
    "matrix",
    "neuron_values",
    "forward",
    "errors",
    "signals",
]

SHOW_SAMPLES = 8  # rows of a per-sample table
TABLE_ROWS = 8  # rows of a matrix table
TABLE_COLS = 5  # columns of a matrix table

H = (Dots("h"),)


def pick(n: int, limit: int) -> list[int | None]:
    """0 … n−1, or the first limit − 2, None (for "⋯") and the last."""
    return list(range(n)) if n <= limit else [*range(limit - 2), None, n - 1]


def cell(v: float) -> tuple:
    return (Math(Num(float(v))),)


def per_sample(tr, head: list, cells: Callable[[int], list]) -> Table:
    """A row per sample of the step (its 1-based number first), ``cells(s)`` the rest."""
    rows = [
        None if s is None else [(str(tr.samples[s] + 1),)] + cells(s)
        for s in pick(len(tr.samples), SHOW_SAMPLES)
    ]
    return Table([("sample",)] + head, rows)


def data(tr, g) -> Table:
    """The inputs and targets of the step's samples; ``g`` the chain's symbols."""
    ins, outs = pick(tr.inputs.shape[1], TABLE_COLS), pick(tr.targets.shape[1], 3)
    head = [H if i is None else (Math(g.out(0, i, 0)),) for i in ins]
    head += [H if i is None else (Math(g.target(i, 0)),) for i in outs]
    return per_sample(
        tr,
        head,
        lambda s: (
            [H if i is None else cell(tr.inputs[s, i]) for i in ins]
            + [H if i is None else cell(tr.targets[s, i]) for i in outs]
        ),
    )


def weights(net, g, ws, bs, j: int, small: bool) -> Table:
    """The weights (and biases) into layer j + 1, each ``w5 = 0.4`` where ``small``."""
    k, lab = j + 1, net.labels
    rows_i, cols_i = pick(net.sizes[k], TABLE_ROWS), pick(net.sizes[j], TABLE_COLS)
    head = [(f"into {net.names[k]}",)]
    head += [H if c is None else (Math(g.out(0, c, 0)),) if j == 0 else (lab.neurons[j][c],) for c in cols_i]
    head += [("bias",)] if bs is not None else []

    def value(label, v):
        return (Math(Eq(Sym(None, label), (), (), float(v))),) if small else cell(v)

    rows = []
    for r in rows_i:
        if r is None:
            rows.append(None)
            continue
        row = [(lab.neurons[k][r],)]
        row += [H if c is None else value(lab.weights[j][r][c], ws[j][r, c]) for c in cols_i]
        if bs is not None:
            row.append(value(lab.biases[j][r], bs[j][r]))
        rows.append(row)
    return Table(head, rows)


def matrix(net, k: int, values) -> Table:
    """A matrix shaped like the weights into layer k (e.g. their gradients)."""
    j, lab = k - 1, net.labels
    cols = pick(net.sizes[j], TABLE_COLS)
    head = [(f"into {net.names[k]}",)] + [H if c is None else (lab.neurons[j][c],) for c in cols]
    rows = [
        None if r is None else [(lab.neurons[k][r],)] + [H if c is None else cell(values[r, c]) for c in cols]
        for r in pick(net.sizes[k], TABLE_ROWS)
    ]
    return Table(head, rows)


def neuron_values(net, p, k: int) -> Table:
    """net and out of the first neurons of layer k (one sample)."""
    rows = [
        None if i is None else [(net.labels.neurons[k][i],), cell(p.net[k][0, i]), cell(p.out[k][0, i])]
        for i in pick(net.sizes[k], TABLE_ROWS)
    ]
    return Table([("neuron",), ("net",), ("out",)], rows)


def forward(tr, g, k: int, group: list[int]) -> Table:
    """net and out of some neurons of layer k, per sample."""
    p = tr.p
    head = [(Math(x),) for i in group for x in (g.net_(k, i, 0), g.out(k, i, 0))]
    return per_sample(tr, head, lambda s: [cell(a[k][s, i]) for i in group for a in (p.net, p.out)])


def errors(tr, g, terms) -> Table:
    """target, out and the error term of (some of) the outputs, per sample."""
    L, p = g.L, tr.p
    outs = pick(tr.targets.shape[1], 3)
    head = [
        x
        for i in outs
        for x in (
            [H] if i is None else [(Math(g.target(i, 0)),), (Math(g.out(L, i, 0)),), (Math(g.e_term(i, 0)),)]
        )
    ]
    return per_sample(
        tr,
        head,
        lambda s: [
            x
            for i in outs
            for x in ([H] if i is None else [cell(tr.targets[s, i]), cell(p.out[L][s, i]), cell(terms[s, i])])
        ],
    )


def signals(tr, g, k: int, r: int) -> Table:
    """∂E/∂out, ∂out/∂net and δ of neuron r of layer k, per sample (out and target for the
    δ = out − target of a fused output layer; no ∂out/∂net for softmax)."""
    p, o, E = tr.p, g.out(k, r, 0), Sym(None, "E")
    if k == g.L and g.fused:  # δ = out − target
        head = [(Math(Partial(E, o)),), (Math(o),), (Math(g.target(r, 0)),), (Math(g.delta(k, r, 0)),)]
        cols = (p.grad_out[k], p.out[k], tr.targets, p.delta[k])
        return per_sample(tr, head, lambda s: [cell(a[s, r]) for a in cols])
    if not g.per_neuron(k):  # softmax has no f′ of one neuron
        head = [(Math(Partial(E, o)),), (Math(g.delta(k, r, 0)),)]
        return per_sample(tr, head, lambda s: [cell(a[k][s, r]) for a in (p.grad_out, p.delta)])
    head = [(Math(Partial(E, o)),), (Math(Partial(o, g.net_(k, r, 0))),), (Math(g.delta(k, r, 0)),)]
    return per_sample(tr, head, lambda s: [cell(a[k][s, r]) for a in (p.grad_out, p.fprime, p.delta)])
