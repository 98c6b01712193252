"""A phase's equations: its formula (a few equations in symbols, true of every sample of the
step) and its computations (each neuron's or weight's equation with this step's numbers),
built from ``chain.py`` for ``Phase.equations`` and ``Phase.computations``; the writers in
``bpviz.core.teach`` write them out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bpviz.core.expr import Eq, Num, SumOver, Sym, sum_of
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.symbols import Names, name_list
from bpviz.core.network import Network
from bpviz.core.numbers import fmt

if TYPE_CHECKING:
    from bpviz.core.iteration.phases import Phase

__all__ = ["formula", "computations", "MAX_LINES", "MAX_SAMPLES"]

MAX_LINES = 48  # numeric lines written out per phase; the rest are summarised
MAX_SAMPLES = 4  # samples written out per phase in batch mode


def _first(n: int, limit: int = 3) -> range:
    return range(min(n, limit))


def formula(ph: Phase) -> list:
    """The phase's formula: a few equations in symbols (true of every sample of the step) and
    words; long layers end with "…"."""
    tr, net = ph.trace, ph.trace.network
    c = C.Chain(tr, generic=True)
    L, k, sizes = net.L, ph.layer_index, net.sizes
    S = Names(net)
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
        items.append("inputs " + name_list([S.n(0, i) for i in range(sizes[0])]))
        items.append("targets " + name_list([f"target_{S.n(L, i)}" for i in range(sizes[L])]))
        derived = range(net.n_raw, sizes[0])
        items += [sym(C.input_eq(c, i, 0)) for i in derived[:3]]
        more(len(derived))
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
        if getattr(net.loss, "zero_target_note", ""):
            items.append("a term whose target is 0 is 0: only the target's class counts")
    elif kind == "grad_out":
        items += [sym(C.grad_out_eq(c, k, i, 0), 1) for i in _first(sizes[k])]
        more(sizes[k])
    elif kind == "delta":
        items += [sym(C.delta_eq(c, k, i, 0)) for i in _first(sizes[k], 2)]
        act = net.activations[k - 1]
        if not act.per_neuron:
            more(sizes[k], 2)
            items.append(f"{act.name}: ∂out_i/∂net_j = {act.derivative_formula()}")
        else:
            if not _constant_fprime(net, k):
                items.append(sym(C.fprime_eq(c, k, 0, 0)))
            more(sizes[k], 2)
        if k == L and c.fused:
            items.append("Why is δ = out − target? " + net.loss.delta_prose)
    elif kind == "grad":
        j = k - 1
        shown = [(r, col) for r in _first(sizes[k], 2) for col in _first(sizes[j], 2)][:3]
        items += [sym(C.grad_weight_eq(c, j, r, col), 1) for r, col in shown]
        if sizes[k] * sizes[j] > len(shown):
            items.append("…")
        if net.biases is not None:
            items.append(sym(C.grad_bias_eq(c, j, 0), 1))
    elif kind == "update":
        if c.momentum:  # v⁺ = α·v + ∂E/∂w, then w⁺ = w − η·v⁺
            items.append(sym(C.velocity_eq(c, 0, 0, 0)))
        items.append(sym(C.update_eq(c, 0, 0, 0)))
        words = f"for every weight, η = {fmt(tr.learning_rate)}"
        if c.momentum:
            words = (
                f"for every weight, α = {fmt(c.momentum)}, η = {fmt(tr.learning_rate)}; "
                "v is its velocity, v⁺ the new one (v starts at 0)"
            )
        if net.biases is not None:
            words += "; biases likewise" if net.train_biases else "; biases fixed"
        items.append(words)
    return items


def _e_terms(c: C.Chain):
    """E_o1⁽ˢ⁾ + E_o2⁽ˢ⁾ + …: one sample's terms (a Σₛ's body)."""
    n = c.net.sizes[c.L]
    return sum_of(lambda i: Sym("E", c.n(c.L, i), sample="s"), n, lambda a, b: 0.0)


def computations(ph: Phase) -> list:
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
        S = Names(net)
        for s in shown:
            xs = ", ".join(f"{S.n(0, i)} = {fmt(tr.inputs[s, i])}" for i in range(sizes[0]))
            ts = ", ".join(f"target_{S.n(L, i)} = {fmt(tr.targets[s, i])}" for i in range(sizes[L]))
            tag = f"sample {tr.samples[s] + 1}: " if m > 1 else ""
            items.append(_minus(f"{tag}{xs}; {ts}"))
            items += [C.input_eq(c, i, s) for i in range(net.n_raw, sizes[0])]
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
    elif kind == "delta" and not c.per_neuron(k):  # softmax: δ, then each row of the Jacobian
        n = sizes[k]
        for s in shown:
            items += [C.delta_eq(c, k, i, s) for i in range(n) if len(items) < budget]
            for i in range(n):
                items += [C.jacobian_eq(c, k, i, j, s) for j in range(n) if len(items) < budget]
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
        moving = c.momentum > 0  # each parameter's v⁺ = α·v + ∂E/∂w before its update
        for j in range(L):
            for r in range(sizes[j + 1]):
                for col in range(sizes[j]):
                    if len(items) >= budget:
                        break
                    if moving:
                        items.append(_numeric(C.velocity_eq(c, j, r, col)))
                    items.append(_numeric(C.update_eq(c, j, r, col)))
        if net.biases is not None:
            for j in range(L):
                for i in range(sizes[j + 1]):
                    if len(items) >= budget:
                        break
                    if moving and net.train_biases:
                        items.append(_numeric(C.bias_velocity_eq(c, j, i)))
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
        "input": lambda: shown * (1 + len(net.features)),
        "net": lambda: shown * sizes[k],
        "out": lambda: shown * sizes[k],
        "error": lambda: shown * sizes[L] + 1,
        "grad_out": lambda: shown * sizes[k],
        "delta": lambda: (
            shown * sizes[k] * (1 if _constant_fprime(net, k) else 2)
            if net.activations[k - 1].per_neuron
            else shown * sizes[k] * (1 + sizes[k])
        ),
        "grad": lambda: sizes[k] * sizes[k - 1] + (sizes[k] if bias else 0),
        "update": lambda: _update_lines(net, ph.trace.momentum),
    }[ph.kind]()


def _update_lines(net: Network, momentum: float) -> int:
    """The update's lines: one per parameter, and with momentum one more per parameter that
    moves (its velocity; fixed biases have none)."""
    sizes, L = net.sizes, net.L
    weights = sum(sizes[j + 1] * sizes[j] for j in range(L))
    biases = sum(sizes[1:]) if net.biases is not None else 0
    if not momentum:
        return weights + biases
    return 2 * weights + (2 * biases if net.train_biases else biases)


def _constant_fprime(net: Network, k: int) -> bool:
    """f′ is a constant (identity, linear): the δ phase writes no f′ line of its own."""

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
