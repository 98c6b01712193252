"""The phase list: the ordered steps of one training iteration, with the values each reveals.

It is the single source of truth for what one iteration shows. The GUI stepper highlights it,
the inspector explains it, ``bpviz trace`` prints it and ``bpviz explain`` writes it out; none
of them computes backprop again. For L weight layers there are 5L + 3 phases::

    input, net:L1, out:L1, …, net:LL, out:LL, error,
    grad_out:LL, delta:LL, grad:LL, …, grad_out:L1, delta:L1, grad:L1, update

Each phase involves whole layers, so it stores them compactly (``neuron_layers``,
``edge_layers``); ``neurons``, ``edges`` and ``values`` are expanded on demand, so a
784-128-10 network costs nothing until somebody asks for its 100,352 gradients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bpviz.core.fileformat import Document
from bpviz.core.network import Network, Pass
from bpviz.core.numbers import fmt

__all__ = ["Trace", "Phase", "trace_step", "phase_names", "MAX_LINES"]

MAX_LINES = 48  # numeric lines written out per phase; the rest are summarised
MAX_TERMS = 6  # terms of a sum written out before "…"
MAX_SAMPLES = 4  # samples written out per phase in batch mode

ACT_SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "identity": "id"}


@dataclass
class Trace:
    """One iteration (forward, backward, update) from the network's current parameters."""

    network: Network  # a copy, holding the parameters before the update
    samples: list[int]  # 0-based data rows the step used
    inputs: np.ndarray  # (m, n_in)
    targets: np.ndarray  # (m, n_out)
    learning_rate: float
    p: Pass
    weights_after: list[np.ndarray]
    biases_after: list[np.ndarray] | None

    @property
    def error(self) -> float:
        return self.p.error

    @cached_property
    def phases(self) -> list[Phase]:
        return _build(self)

    def to_json(self) -> dict:
        """The ``trace --json`` object (CLI.md)."""
        net, p = self.network, self.p
        layers = [{"name": net.names[0], "out": p.out[0].tolist()}]
        for k in range(1, net.L + 1):
            layers.append({
                "name": net.names[k],
                "net": p.net[k].tolist(),
                "out": p.out[k].tolist(),
                "grad_out": p.grad_out[k].tolist(),
                "delta": p.delta[k].tolist(),
            })
        return {
            "samples": list(self.samples),
            "error": self.error,
            "layers": layers,
            "grad_weights": [g.tolist() for g in p.grad_w],
            "weights_after": [w.tolist() for w in self.weights_after],
            "grad_biases": None if p.grad_b is None else [g.tolist() for g in p.grad_b],
            "biases_after": None if self.biases_after is None
            else [b.tolist() for b in self.biases_after],
            "phases": [ph.to_json() for ph in self.phases],
        }


def trace_step(doc: Document, rows, network: Network | None = None,
               learning_rate: float | None = None) -> Trace:
    """One step on the data ``rows`` (0-based) from ``network`` (default: the document's)."""
    net = (network or doc.network).copy()
    rows = [int(r) for r in np.atleast_1d(rows)]
    x = np.ascontiguousarray(doc.inputs[rows], dtype=np.float64)
    t = np.ascontiguousarray(doc.targets[rows], dtype=np.float64)
    lr = doc.learning_rate if learning_rate is None else float(learning_rate)
    with np.errstate(all="ignore"):
        p = Pass(net, len(rows))
        p.run(x, t)
        w_after, b_after = net.updated(p.grad_w, p.grad_b, lr)
    return Trace(net, rows, x, t, lr, p, w_after, b_after)


def phase_names(net: Network) -> list[str]:
    names = ["input"]
    for k in range(1, net.L + 1):
        names += [f"net:{net.names[k]}", f"out:{net.names[k]}"]
    names.append("error")
    for k in range(net.L, 0, -1):
        names += [f"grad_out:{net.names[k]}", f"delta:{net.names[k]}", f"grad:{net.names[k]}"]
    names.append("update")
    return names


# ------------------------------------------------------------------------------ the phase
@dataclass(eq=False)
class Phase:
    index: int
    name: str
    kind: str  # input, net, out, error, grad_out, delta, grad, update
    layer: str | None  # the layer's name
    layer_index: int | None  # k in 0…L
    direction: str | None  # "forward", "backward" or None
    title: str
    formula: str
    neuron_layers: tuple[int, ...]  # every neuron of these layers is involved
    edge_layers: tuple[int, ...]  # every edge of these weight matrices (index into weights)
    trace: Trace = field(repr=False)

    @property
    def neurons(self) -> list[list[int]]:
        sizes = self.trace.network.sizes
        return [[k, i] for k in self.neuron_layers for i in range(sizes[k])]

    @property
    def edges(self) -> list[list[int]]:
        ws = self.trace.network.weights
        return [[j, r, c] for j in self.edge_layers
                for r in range(ws[j].shape[0]) for c in range(ws[j].shape[1])]

    @property
    def reveals(self) -> tuple[tuple[str, int | None], ...]:
        """The (quantity, layer k) pairs this phase reveals (the table in ARCHITECTURE.md):
        ``input`` of layer 0 and ``target`` of layer L at the input; ``net`` / ``out`` of its
        layer going forward; ``error`` (each output's term and E) at L; then going back
        ``grad_out`` (∂E/∂out), ``fprime`` and ``delta`` (f′(net) and δ = ∂E/∂net), ``grad_w``
        and ``grad_b`` (∂E/∂W and ∂E/∂b into layer k); ``after`` (the parameters after the
        update, no layer). Cheap: no value is computed (``values`` does that)."""
        k, L = self.layer_index, self.trace.network.L
        return {
            "input": (("input", 0), ("target", L)),
            "net": (("net", k),),
            "out": (("out", k),),
            "error": (("error", L),),
            "grad_out": (("grad_out", k),),
            "delta": (("fprime", k), ("delta", k)),
            "grad": (("grad_w", k), ("grad_b", k)),
            "update": (("after", None),),
        }[self.kind]

    @cached_property
    def values(self) -> list[dict]:
        """What the phase reveals: entries ``{"symbol", "quantity", "value"}`` with a
        ``neuron`` [layer, i], ``edge`` [layer, row, col] or ``bias`` [layer, i]. Per-sample
        quantities (input, target, net, out, error terms, ∂E/∂out, f′, δ) have one value per
        sample of the step; gradients, E and parameters are one number (the update also
        gives ``old``)."""
        return _values(self)

    @cached_property
    def lines(self) -> list[str]:
        """The phase's computations written out with their numbers."""
        return _lines(self)

    def to_json(self) -> dict:
        return {
            "index": self.index,
            "name": self.name,
            "kind": self.kind,
            "layer": self.layer,
            "direction": self.direction,
            "title": self.title,
            "formula": self.formula,
            "neurons": self.neurons,
            "edges": self.edges,
            "values": self.values,
            "lines": self.lines,
        }


# ------------------------------------------------------------------------------ symbols
class _Sym:
    """The network's own labels, as formulas use them."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.lab = net.labels

    def n(self, k: int, i: int) -> str:
        return self.lab.neurons[k][i]

    def out(self, k: int, i: int) -> str:
        return self.n(0, i) if k == 0 else f"out_{self.n(k, i)}"

    def net_(self, k: int, i: int) -> str:
        return f"net_{self.n(k, i)}"

    def w(self, j: int, r: int, c: int) -> str:
        return self.lab.weights[j][r][c]

    def b(self, j: int, i: int) -> str:
        return self.lab.biases[j][i]

    def b_unique(self, j: int, i: int) -> str:
        """A bias label that names one neuron even where a layer shares one label (seed 004)."""
        row = self.lab.biases[j]
        lbl = row[i]
        return lbl if row.count(lbl) == 1 else f"{lbl}({self.n(j + 1, i)})"

    def act(self, k: int, arg: str) -> str:
        a = self.net.activations[k - 1]
        if a.name == "linear":
            return f"{fmt(a.slope)}·{arg}"
        if a.name == "identity":
            return arg
        return f"{ACT_SYMBOL[a.name]}({arg})"


def _sum(terms: list[str]) -> str:
    if len(terms) > MAX_TERMS:
        terms = terms[: MAX_TERMS - 2] + ["…", terms[-1]]
    return " + ".join(terms) if terms else "0"


def _first(n: int, limit: int = 4) -> range:
    """The indices a formula writes out (it shows three, then "…")."""
    return range(min(n, limit))


def _sum_of(term, n: int) -> str:
    """_sum of term(0) … term(n − 1), making only the terms it writes out."""
    if n <= MAX_TERMS:
        return _sum([term(c) for c in range(n)])
    return " + ".join([term(c) for c in range(MAX_TERMS - 2)] + ["…", term(n - 1)])


def _list(names: list[str], limit: int = 6) -> str:
    """Names separated by commas, the middle of a long list left out: "x1, x2, …, x784"."""
    if len(names) > limit:
        names = names[: limit - 2] + ["…", names[-1]]
    return ", ".join(names)


def _join(parts: list[str], limit: int = 3) -> str:
    if len(parts) > limit:
        return "; ".join(parts[:limit]) + "; …"
    return "; ".join(parts)


def _build(tr: Trace) -> list[Phase]:
    net = tr.network
    L = net.L
    S = _Sym(net)
    sizes = net.sizes
    nm = net.names
    out: list[Phase] = []

    def add(name, kind, k, direction, title, formula, nl=(), el=()):
        out.append(Phase(len(out), name, kind, None if k is None else nm[k], k, direction,
                         title, formula, tuple(nl), tuple(el), tr))

    ins = _list([S.n(0, i) for i in range(sizes[0])])
    tgs = _list([f"target_{S.n(L, i)}" for i in range(sizes[L])])
    nsamp = len(tr.samples)
    which = (f"sample {tr.samples[0] + 1}" if nsamp == 1
             else f"{nsamp} samples")
    verb = "enters" if nsamp == 1 else "enter"
    add("input", "input", 0, None, f"Input: {which} {verb} layer {nm[0]}",
        f"inputs {ins}; targets {tgs}", (0, L))
    for k in range(1, L + 1):
        j = k - 1
        parts = []
        for i in _first(sizes[k]):
            total = _sum_of(lambda c, i=i, j=j, k=k: f"{S.w(j, i, c)}·{S.out(k - 1, c)}",
                            sizes[k - 1])
            if net.biases is not None:
                total += f" + {S.b(j, i)}"
            parts.append(f"{S.net_(k, i)} = {total}")
        add(f"net:{nm[k]}", "net", k, "forward",
            f"Forward: net input of layer {nm[k]} (weighted sum of layer {nm[k - 1]})",
            _join(parts), (k,), (j,))
        parts = [f"{S.out(k, i)} = {S.act(k, S.net_(k, i))}" for i in _first(sizes[k])]
        add(f"out:{nm[k]}", "out", k, "forward",
            f"Forward: output of layer {nm[k]} = {net.activations[j].name}(net)",
            _join(parts), (k,))
    e_terms = _sum_of(lambda i: f"E_{S.n(L, i)}", sizes[L])
    loss = net.loss
    cnt = nsamp * sizes[L]
    parts = [f"E_{S.n(L, i)} = {loss.term_formula('target_' + S.n(L, i), S.out(L, i), cnt)}"
             for i in _first(sizes[L])]
    total = e_terms + (" (summed over the samples)" if nsamp > 1 else "")
    add("error", "error", L, None, f"Error: {loss.formula()}",
        f"E_total = {total}; " + _join(parts, 2), (L,))
    for k in range(L, 0, -1):
        j = k - 1
        if k == L:
            parts = [f"∂E/∂{S.out(k, i)} = "
                     f"{loss.gradient_formula('target_' + S.n(k, i), S.out(k, i), cnt)}"
                     for i in _first(sizes[k])]
            title = f"Backward: ∂E/∂out of output layer {nm[k]}, from the loss"
            el = ()
        else:
            parts = [f"∂E/∂{S.out(k, i)} = "
                     + _sum_of(lambda r, i=i, k=k: f"δ_{S.n(k + 1, r)}·{S.w(k, r, i)}",
                               sizes[k + 1])
                     for i in _first(sizes[k])]
            title = f"Backward: the error signal reaches layer {nm[k]} (∂E/∂out = Wᵀ·δ)"
            el = (k,)
        add(f"grad_out:{nm[k]}", "grad_out", k, "backward", title, _join(parts),
            (k, k + 1) if k < L else (k,), el)
        a = net.activations[j]
        parts = [f"δ_{S.n(k, i)} = ∂E/∂{S.out(k, i)} · "
                 f"{a.derivative_formula(S.out(k, i), S.net_(k, i))}" for i in _first(sizes[k])]
        add(f"delta:{nm[k]}", "delta", k, "backward",
            f"Backward: δ = ∂E/∂net of layer {nm[k]} (∂E/∂out times f′(net))",
            _join(parts), (k,))
        parts = [f"∂E/∂{S.w(j, r, c)} = δ_{S.n(k, r)}·{S.out(k - 1, c)}"
                 for r in _first(sizes[k]) for c in _first(sizes[k - 1])]
        if net.biases is not None:
            parts.append(f"∂E/∂{S.b_unique(j, 0)} = δ_{S.n(k, 0)}")
        add(f"grad:{nm[k]}", "grad", k, "backward",
            f"Backward: gradients of the weights into layer {nm[k]} (∂E/∂W = δ·outᵀ)",
            _join(parts, 2), (k, k - 1), (j,))
    w0 = S.w(0, 0, 0)
    formula = f"{w0}⁺ = {w0} − η·∂E/∂{w0} for every weight, η = {fmt(tr.learning_rate)}"
    if net.biases is not None:
        formula += ("; biases likewise" if net.train_biases else "; biases fixed")
    add("update", "update", None, None, "Update: gradient descent on every weight",
        formula, (), tuple(range(L)))
    return out


# ------------------------------------------------------------------------------ values
def _f(v: float) -> str:
    """A factor in a product or sum: negative numbers in parentheses, as seed 001 writes them."""
    s = fmt(v)
    return f"({s})" if s.startswith("-") else s


def _per(arr: np.ndarray, i: int) -> list[float]:
    return [float(v) for v in arr[:, i]]


def _values(ph: Phase) -> list[dict]:
    tr, net, p = ph.trace, ph.trace.network, ph.trace.p
    S = _Sym(net)
    L, k = net.L, ph.layer_index
    v: list[dict] = []
    kind = ph.kind
    if kind == "input":
        for i in range(net.sizes[0]):
            v.append({"symbol": S.n(0, i), "quantity": "input", "neuron": [0, i],
                      "value": _per(tr.inputs, i)})
        for i in range(net.sizes[L]):
            v.append({"symbol": f"target_{S.n(L, i)}", "quantity": "target", "neuron": [L, i],
                      "value": _per(tr.targets, i)})
    elif kind == "net":
        v = [{"symbol": S.net_(k, i), "quantity": "net", "neuron": [k, i],
              "value": _per(p.net[k], i)} for i in range(net.sizes[k])]
    elif kind == "out":
        v = [{"symbol": S.out(k, i), "quantity": "out", "neuron": [k, i],
              "value": _per(p.out[k], i)} for i in range(net.sizes[k])]
    elif kind == "error":
        terms = net.loss.terms(p.out[L], tr.targets)
        v = [{"symbol": f"E_{S.n(L, i)}", "quantity": "error_term", "neuron": [L, i],
              "value": _per(terms, i)} for i in range(net.sizes[L])]
        v.append({"symbol": "E_total", "quantity": "error", "value": float(p.error)})
    elif kind == "grad_out":
        v = [{"symbol": f"∂E/∂{S.out(k, i)}", "quantity": "grad_out", "neuron": [k, i],
              "value": _per(p.grad_out[k], i)} for i in range(net.sizes[k])]
    elif kind == "delta":
        for i in range(net.sizes[k]):
            v.append({"symbol": f"∂{S.out(k, i)}/∂{S.net_(k, i)}", "quantity": "fprime",
                      "neuron": [k, i], "value": _per(p.fprime[k], i)})
        for i in range(net.sizes[k]):
            v.append({"symbol": f"δ_{S.n(k, i)}", "quantity": "delta", "neuron": [k, i],
                      "value": _per(p.delta[k], i)})
    elif kind == "grad":
        j = k - 1
        g = p.grad_w[j]
        for r in range(g.shape[0]):
            for c in range(g.shape[1]):
                v.append({"symbol": f"∂E/∂{S.w(j, r, c)}", "quantity": "grad_weight",
                          "edge": [j, r, c], "value": float(g[r, c])})
        if p.grad_b is not None:
            for i in range(net.sizes[k]):
                v.append({"symbol": f"∂E/∂{S.b_unique(j, i)}", "quantity": "grad_bias",
                          "bias": [j, i], "value": float(p.grad_b[j][i])})
    elif kind == "update":
        for j in range(net.L):
            w, wn = net.weights[j], tr.weights_after[j]
            for r in range(w.shape[0]):
                for c in range(w.shape[1]):
                    v.append({"symbol": S.w(j, r, c), "quantity": "weight", "edge": [j, r, c],
                              "old": float(w[r, c]), "value": float(wn[r, c])})
        if net.biases is not None:
            for j in range(net.L):
                for i in range(net.sizes[j + 1]):
                    v.append({"symbol": S.b_unique(j, i), "quantity": "bias", "bias": [j, i],
                              "old": float(net.biases[j][i]),
                              "value": float(tr.biases_after[j][i]),
                              "trained": net.train_biases})
    return v


# ------------------------------------------------------------------------------ lines
def _lines(ph: Phase) -> list[str]:
    tr, net, p = ph.trace, ph.trace.network, ph.trace.p
    S = _Sym(net)
    L, k = net.L, ph.layer_index
    m = len(tr.samples)
    shown = range(min(m, MAX_SAMPLES))
    lines: list[str] = []

    def tag(s: int) -> str:
        return f"[sample {tr.samples[s] + 1}] " if m > 1 else ""

    kind = ph.kind
    if kind == "input":
        for s in shown:
            xs = ", ".join(f"{S.n(0, i)} = {fmt(tr.inputs[s, i])}" for i in range(net.sizes[0]))
            ts = ", ".join(f"target_{S.n(L, i)} = {fmt(tr.targets[s, i])}"
                           for i in range(net.sizes[L]))
            lines.append(f"{tag(s)}{xs}; {ts}")
    elif kind == "net":
        j = k - 1
        for s in shown:
            for i in range(net.sizes[k]):
                terms = [f"{_f(net.weights[j][i, c])}×{_f(p.out[k - 1][s, c])}"
                         for c in range(net.sizes[k - 1])]
                if net.biases is not None:
                    terms.append(_f(net.biases[j][i]))
                lines.append(f"{tag(s)}{S.net_(k, i)} = {_sum(terms)} = {fmt(p.net[k][s, i])}")
    elif kind == "out":
        a = net.activations[k - 1]
        for s in shown:
            for i in range(net.sizes[k]):
                arg = fmt(p.net[k][s, i])
                lines.append(f"{tag(s)}{S.out(k, i)} = {S.act(k, arg)} = {fmt(p.out[k][s, i])}"
                             if a.name != "identity" else
                             f"{tag(s)}{S.out(k, i)} = {S.net_(k, i)} = {fmt(p.out[k][s, i])}")
    elif kind == "error":
        terms = net.loss.terms(p.out[L], tr.targets)
        cnt = terms.size
        for s in shown:
            for i in range(net.sizes[L]):
                f = net.loss.term_formula(_f(tr.targets[s, i]), _f(p.out[L][s, i]), cnt)
                lines.append(f"{tag(s)}E_{S.n(L, i)} = {f} = {fmt(terms[s, i])}")
        lines.append(f"E_total = {_sum([_f(x) for x in terms.ravel()])} = {fmt(p.error)}")
    elif kind == "grad_out":
        for s in shown:
            for i in range(net.sizes[k]):
                if k == L:
                    f = net.loss.gradient_formula(_f(tr.targets[s, i]), _f(p.out[L][s, i]),
                                                  m * net.sizes[L])
                    lines.append(f"{tag(s)}∂E/∂{S.out(k, i)} = {f} = {fmt(p.grad_out[k][s, i])}")
                else:
                    terms = [f"{_f(p.delta[k + 1][s, r])}×{_f(net.weights[k][r, i])}"
                             for r in range(net.sizes[k + 1])]
                    lines.append(f"{tag(s)}∂E/∂{S.out(k, i)} = {_sum(terms)} = "
                                 f"{fmt(p.grad_out[k][s, i])}")
    elif kind == "delta":
        for s in shown:
            for i in range(net.sizes[k]):
                lines.append(f"{tag(s)}δ_{S.n(k, i)} = {_f(p.grad_out[k][s, i])} × "
                             f"{_f(p.fprime[k][s, i])} = {fmt(p.delta[k][s, i])}")
    elif kind == "grad":
        j = k - 1
        for r in range(net.sizes[k]):
            for c in range(net.sizes[k - 1]):
                terms = [f"{_f(p.delta[k][s, r])}×{_f(p.out[k - 1][s, c])}" for s in range(m)]
                lines.append(f"∂E/∂{S.w(j, r, c)} = {_sum(terms)} = {fmt(p.grad_w[j][r, c])}")
        if p.grad_b is not None:
            for i in range(net.sizes[k]):
                terms = [_f(p.delta[k][s, i]) for s in range(m)]
                lines.append(f"∂E/∂{S.b_unique(j, i)} = δ_{S.n(k, i)} = {_sum(terms)} = "
                             f"{fmt(p.grad_b[j][i])}" if m > 1 else
                             f"∂E/∂{S.b_unique(j, i)} = δ_{S.n(k, i)} = {fmt(p.grad_b[j][i])}")
    elif kind == "update":
        eta = fmt(tr.learning_rate)
        for j in range(net.L):
            w, wn, g = net.weights[j], tr.weights_after[j], p.grad_w[j]
            for r in range(w.shape[0]):
                for c in range(w.shape[1]):
                    lines.append(f"{S.w(j, r, c)}⁺ = {fmt(w[r, c])} − {eta} × {_f(g[r, c])} "
                                 f"= {fmt(wn[r, c])}")
        if net.biases is not None:
            for j in range(net.L):
                for i in range(net.sizes[j + 1]):
                    b = S.b_unique(j, i)
                    if net.train_biases:
                        lines.append(f"{b}⁺ = {fmt(net.biases[j][i])} − {eta} × "
                                     f"{_f(p.grad_b[j][i])} = {fmt(tr.biases_after[j][i])}")
                    else:
                        lines.append(f"{b} = {fmt(net.biases[j][i])} (fixed)")
    if len(lines) > MAX_LINES:
        n = len(lines) - MAX_LINES
        lines = lines[:MAX_LINES] + [f"… and {n} more"]
    return lines
