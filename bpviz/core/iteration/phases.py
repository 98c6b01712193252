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

from bpviz.core.expr import Eq, SumOver, Sym, sum_of
from bpviz.core.fileformat import Document
from bpviz.core.iteration import chain as C
from bpviz.core.network import Network, Pass
from bpviz.core.numbers import fmt

__all__ = ["Trace", "Phase", "trace_step", "phase_names", "MAX_LINES"]

MAX_LINES = 48  # numeric lines written out per phase; the rest are summarised
MAX_SAMPLES = 4  # samples written out per phase in batch mode


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


def trace_step(
    doc: Document, rows, network: Network | None = None, learning_rate: float | None = None
) -> Trace:
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
        return [
            [j, r, c] for j in self.edge_layers for r in range(ws[j].shape[0]) for c in range(ws[j].shape[1])
        ]

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
    def equations(self) -> list:
        """The phase's formula as data: equations in symbols (``Eq``) and words (``str``);
        ``bpviz.core.teach`` writes it in each medium."""
        return _formula(self)

    @cached_property
    def computations(self) -> list:
        """The phase's computations with this step's numbers, as equations (``Eq``) and
        words (``str``: a summary such as "… and 12 more")."""
        return _line_items(self)


# ------------------------------------------------------------------------------ symbols
class _Sym:
    """The network's own labels, as the values' symbols use them (plain text)."""

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

    def b_unique(self, j: int, i: int) -> str:
        """A bias label that names one neuron even where a layer shares one label (seed 004)."""
        row = self.lab.biases[j]
        lbl = row[i]
        return lbl if row.count(lbl) == 1 else f"{lbl}({self.n(j + 1, i)})"


def _list(names: list[str], limit: int = 6) -> str:
    """Names separated by commas, the middle of a long list left out: "x1, x2, …, x784"."""
    if len(names) > limit:
        names = names[: limit - 2] + ["…", names[-1]]
    return ", ".join(names)


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def _build(tr: Trace) -> list[Phase]:
    net = tr.network
    L = net.L
    nm = net.names
    out: list[Phase] = []

    def add(name, kind, k, direction, title, nl=(), el=()):
        out.append(
            Phase(
                len(out),
                name,
                kind,
                None if k is None else nm[k],
                k,
                direction,
                title,
                tuple(nl),
                tuple(el),
                tr,
            )
        )

    nsamp = len(tr.samples)
    which = f"sample {tr.samples[0] + 1}" if nsamp == 1 else _count(nsamp, "sample")
    verb = "enters" if nsamp == 1 else "enter"
    add("input", "input", 0, None, f"Input: {which} {verb} layer {nm[0]}", (0, L))
    for k in range(1, L + 1):
        add(
            f"net:{nm[k]}",
            "net",
            k,
            "forward",
            f"Forward: the net input of layer {nm[k]} (the weighted sum of layer {nm[k - 1]})",
            (k,),
            (k - 1,),
        )
        add(
            f"out:{nm[k]}",
            "out",
            k,
            "forward",
            f"Forward: the output of layer {nm[k]} = {net.activations[k - 1].name}(net)",
            (k,),
        )
    add("error", "error", L, None, f"Error: {net.loss.formula()}", (L,))
    for k in range(L, 0, -1):
        if k == L:
            add(
                f"grad_out:{nm[k]}",
                "grad_out",
                k,
                "backward",
                f"Backward: ∂E/∂out of the output layer {nm[k]}, from the loss",
                (k,),
            )
        else:
            add(
                f"grad_out:{nm[k]}",
                "grad_out",
                k,
                "backward",
                f"Backward: the error signal reaches layer {nm[k]} (∂E/∂out = Wᵀ·δ)",
                (k, k + 1),
                (k,),
            )
        add(
            f"delta:{nm[k]}",
            "delta",
            k,
            "backward",
            f"Backward: δ = ∂E/∂net of layer {nm[k]} (∂E/∂out times f′(net))",
            (k,),
        )
        add(
            f"grad:{nm[k]}",
            "grad",
            k,
            "backward",
            f"Backward: the gradients of the weights into layer {nm[k]} (∂E/∂W = δ·outᵀ)",
            (k, k - 1),
            (k - 1,),
        )
    add("update", "update", None, None, "Update: gradient descent on every weight", (), tuple(range(L)))
    return out


# ------------------------------------------------------------------------------ equations
def _first(n: int, limit: int = 3) -> range:
    return range(min(n, limit))


def _formula(ph: Phase) -> list:
    """The phase's formula: a few equations in symbols (true of every sample of the step) and
    words; long layers end with "…"."""
    tr, net = ph.trace, ph.trace.network
    c = C.Chain(tr, generic=True)
    L, k, sizes = net.L, ph.layer_index, net.sizes
    S = _Sym(net)
    batch = len(tr.samples) > 1
    items: list = []

    def sym(e: Eq, last: int = 0) -> Eq:
        """The equation in symbols only (its last ``last`` symbolic forms, or all)."""
        return Eq(e.lhs, e.symbolic[-last:] if last else e.symbolic, (), None, e.q, e.note)

    def more(n: int, shown: int = 3) -> None:
        if n > shown:
            items.append("…")

    kind = ph.kind
    if kind == "input":
        items.append("inputs " + _list([S.n(0, i) for i in range(sizes[0])]))
        items.append("targets " + _list([f"target_{S.n(L, i)}" for i in range(sizes[L])]))
    elif kind == "net":
        items += [sym(C.net_eq(c, k, i, 0)) for i in _first(sizes[k])]
        more(sizes[k])
    elif kind == "out":
        items += [sym(C.out_eq(c, k, i, 0)) for i in _first(sizes[k])]
        more(sizes[k])
    elif kind == "error":
        if batch:
            n_out = sizes[L]
            each = tuple(
                sum_of(lambda i, s=s: c.e_term(i, s), n_out, lambda a, b, s=s: float(c.terms[s, a:b].sum()))
                for s in range(len(tr.samples))
            )
            items.append(Eq(c.e_total(), (SumOver("s", _e_terms(c), each),)))
        else:
            items.append(sym(C.error_total_eq(c)))
        items += [sym(C.error_term_eq(c, i, 0)) for i in _first(sizes[L], 2)]
        more(sizes[L], 2)
    elif kind == "grad_out":
        items += [sym(C.grad_out_eq(c, k, i, 0), 1) for i in _first(sizes[k])]
        more(sizes[k])
    elif kind == "delta":
        items += [sym(C.delta_eq(c, k, i, 0)) for i in _first(sizes[k], 2)]
        if not _constant_fprime(net, k):
            items.append(sym(C.fprime_eq(c, k, 0, 0)))
        more(sizes[k], 2)
    elif kind == "grad":
        j = k - 1
        shown = [(r, col) for r in _first(sizes[k], 2) for col in _first(sizes[j], 2)][:3]
        items += [sym(C.grad_weight_eq(c, j, r, col), 1) for r, col in shown]
        if sizes[k] * sizes[j] > len(shown):
            items.append("…")
        if net.biases is not None:
            items.append(sym(C.grad_bias_eq(c, j, 0), 1))
    elif kind == "update":
        items.append(sym(C.update_eq(c, 0, 0, 0)))
        words = f"for every weight, η = {fmt(tr.learning_rate)}"
        if net.biases is not None:
            words += "; biases likewise" if net.train_biases else "; biases fixed"
        items.append(words)
    return items


def _e_terms(c: C.Chain):
    """E_o1⁽ˢ⁾ + E_o2⁽ˢ⁾ + …: one sample's terms (a Σₛ's body)."""
    n = c.net.sizes[c.L]
    return sum_of(lambda i: Sym("E", c.n(c.L, i), sample="s"), n, lambda a, b: 0.0)


def _line_items(ph: Phase) -> list:
    """The phase's computations with this step's numbers: every neuron (or weight) of its
    layer, each sample of a batch step up to MAX_SAMPLES; the rest summarised."""
    tr, net = ph.trace, ph.trace.network
    c = C.Chain(tr)
    L, k, sizes = net.L, ph.layer_index, net.sizes
    m = len(tr.samples)
    shown = range(min(m, MAX_SAMPLES))
    items: list = []
    budget = MAX_LINES + 1  # build no more than we keep

    def per_neuron(build, layer, n):
        for s in shown:
            for i in range(n):
                if len(items) >= budget:
                    return
                items.append(build(c, layer, i, s))

    kind = ph.kind
    if kind == "input":
        S = _Sym(net)
        for s in shown:
            xs = ", ".join(f"{S.n(0, i)} = {fmt(tr.inputs[s, i])}" for i in range(sizes[0]))
            ts = ", ".join(f"target_{S.n(L, i)} = {fmt(tr.targets[s, i])}" for i in range(sizes[L]))
            tag = f"sample {tr.samples[s] + 1}: " if m > 1 else ""
            items.append(_minus(f"{tag}{xs}; {ts}"))
    elif kind == "net":
        per_neuron(C.net_eq, k, sizes[k])
    elif kind == "out":
        per_neuron(C.out_eq, k, sizes[k])
    elif kind == "error":
        for s in shown:
            for i in range(sizes[L]):
                items.append(C.error_term_eq(c, i, s))
        items.append(C.error_total_eq(c))
    elif kind == "grad_out":
        per_neuron(lambda c_, k_, i, s: _last_form(C.grad_out_eq(c_, k_, i, s)), k, sizes[k])
    elif kind == "delta":
        const = _constant_fprime(net, k)
        for s in shown:
            for i in range(sizes[k]):
                if len(items) >= budget:
                    break
                if not const:
                    items.append(C.fprime_eq(c, k, i, s))
                items.append(C.delta_eq(c, k, i, s))
    elif kind == "grad":
        j = k - 1
        for r in range(sizes[k]):
            for col in range(sizes[j]):
                if len(items) >= budget:
                    break
                items.append(_short(C.grad_weight_eq(c, j, r, col)))
        if net.biases is not None:
            for i in range(sizes[k]):
                if len(items) >= budget:
                    break
                items.append(_last_form(C.grad_bias_eq(c, j, i)))
    elif kind == "update":
        for j in range(L):
            for r in range(sizes[j + 1]):
                for col in range(sizes[j]):
                    if len(items) >= budget:
                        break
                    items.append(_numeric(C.update_eq(c, j, r, col)))
        if net.biases is not None:
            for j in range(L):
                for i in range(sizes[j + 1]):
                    if len(items) >= budget:
                        break
                    items.append(_numeric(C.bias_update_eq(c, j, i)))
    total = _line_count(ph, m)
    if total > MAX_LINES:
        items = items[:MAX_LINES] + [f"… and {total - MAX_LINES:,} more"]
    return items


def _line_count(ph: Phase, m: int) -> int:
    """How many lines the phase would write in full."""
    net, k = ph.trace.network, ph.layer_index
    sizes, L = net.sizes, net.L
    shown = min(m, MAX_SAMPLES)
    bias = net.biases is not None
    return {
        "input": lambda: shown,
        "net": lambda: shown * sizes[k],
        "out": lambda: shown * sizes[k],
        "error": lambda: shown * sizes[L] + 1,
        "grad_out": lambda: shown * sizes[k],
        "delta": lambda: shown * sizes[k] * (1 if _constant_fprime(net, k) else 2),
        "grad": lambda: sizes[k] * sizes[k - 1] + (sizes[k] if bias else 0),
        "update": lambda: sum(sizes[j + 1] * (sizes[j] + bias) for j in range(L)),
    }[ph.kind]()


def _constant_fprime(net: Network, k: int) -> bool:
    """f′ is a constant (identity, linear): the δ phase writes no f′ line of its own."""
    from bpviz.core.expr import Num

    return isinstance(net.activations[k - 1].derivative_expression(Num(0.0), Num(0.0)), Num)


def _last_form(e: Eq) -> Eq:
    """The equation with only its last symbolic form (δ·w, δ·out or Σₛ δ·out)."""
    return Eq(e.lhs, e.symbolic[-1:], e.numeric, e.result, e.q, e.note)


def _short(e: Eq) -> Eq:
    """∂E/∂w = δ·out with the numbers of that form (not of the three-factor chain)."""
    return Eq(e.lhs, e.symbolic[-1:], e.numeric[-1:], e.result, e.q, e.note)


def _numeric(e: Eq) -> Eq:
    """The equation with numbers only (the update: w5⁺ = 0.4 − 0.5 × 0.0821 = 0.3589)."""
    return Eq(e.lhs, (), e.numeric, e.result, e.q, e.note)


def _minus(s: str) -> str:
    return s.replace("-", "−")


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
            v.append(
                {"symbol": S.n(0, i), "quantity": "input", "neuron": [0, i], "value": _per(tr.inputs, i)}
            )
        for i in range(net.sizes[L]):
            v.append(
                {
                    "symbol": f"target_{S.n(L, i)}",
                    "quantity": "target",
                    "neuron": [L, i],
                    "value": _per(tr.targets, i),
                }
            )
    elif kind == "net":
        v = [
            {"symbol": S.net_(k, i), "quantity": "net", "neuron": [k, i], "value": _per(p.net[k], i)}
            for i in range(net.sizes[k])
        ]
    elif kind == "out":
        v = [
            {"symbol": S.out(k, i), "quantity": "out", "neuron": [k, i], "value": _per(p.out[k], i)}
            for i in range(net.sizes[k])
        ]
    elif kind == "error":
        terms = net.loss.terms(p.out[L], tr.targets)
        v = [
            {"symbol": f"E_{S.n(L, i)}", "quantity": "error_term", "neuron": [L, i], "value": _per(terms, i)}
            for i in range(net.sizes[L])
        ]
        v.append({"symbol": "E_total", "quantity": "error", "value": float(p.error)})
    elif kind == "grad_out":
        v = [
            {
                "symbol": f"∂E/∂{S.out(k, i)}",
                "quantity": "grad_out",
                "neuron": [k, i],
                "value": _per(p.grad_out[k], i),
            }
            for i in range(net.sizes[k])
        ]
    elif kind == "delta":
        for i in range(net.sizes[k]):
            v.append(
                {
                    "symbol": f"∂{S.out(k, i)}/∂{S.net_(k, i)}",
                    "quantity": "fprime",
                    "neuron": [k, i],
                    "value": _per(p.fprime[k], i),
                }
            )
        for i in range(net.sizes[k]):
            v.append(
                {
                    "symbol": f"δ_{S.n(k, i)}",
                    "quantity": "delta",
                    "neuron": [k, i],
                    "value": _per(p.delta[k], i),
                }
            )
    elif kind == "grad":
        j = k - 1
        g = p.grad_w[j]
        for r in range(g.shape[0]):
            for c in range(g.shape[1]):
                v.append(
                    {
                        "symbol": f"∂E/∂{S.w(j, r, c)}",
                        "quantity": "grad_weight",
                        "edge": [j, r, c],
                        "value": float(g[r, c]),
                    }
                )
        if p.grad_b is not None:
            for i in range(net.sizes[k]):
                v.append(
                    {
                        "symbol": f"∂E/∂{S.b_unique(j, i)}",
                        "quantity": "grad_bias",
                        "bias": [j, i],
                        "value": float(p.grad_b[j][i]),
                    }
                )
    elif kind == "update":
        for j in range(net.L):
            w, wn = net.weights[j], tr.weights_after[j]
            for r in range(w.shape[0]):
                for c in range(w.shape[1]):
                    v.append(
                        {
                            "symbol": S.w(j, r, c),
                            "quantity": "weight",
                            "edge": [j, r, c],
                            "old": float(w[r, c]),
                            "value": float(wn[r, c]),
                        }
                    )
        if net.biases is not None:
            for j in range(net.L):
                for i in range(net.sizes[j + 1]):
                    v.append(
                        {
                            "symbol": S.b_unique(j, i),
                            "quantity": "bias",
                            "bias": [j, i],
                            "old": float(net.biases[j][i]),
                            "value": float(tr.biases_after[j][i]),
                            "trained": net.train_biases,
                        }
                    )
    return v
