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

from bpviz.core import momentum as _momentum
from bpviz.core.fileformat import Document
from bpviz.core.iteration import phase_equations
from bpviz.core.iteration.symbols import Names
from bpviz.core.network import Network, Pass

__all__ = ["Trace", "Phase", "trace_step", "phase_names", "JACOBIAN_FULL"]

JACOBIAN_FULL = 16  # a softmax layer up to this size gives its whole Jacobian in ``values``


@dataclass
class Trace:
    """One iteration (forward, backward, update) from the network's current parameters."""

    network: Network  # a copy, holding the parameters before the update
    samples: list[int]  # 0-based data rows the step used
    inputs: np.ndarray  # (m, n_in): the input layer's values, derived features included
    targets: np.ndarray  # (m, n_out)
    learning_rate: float
    p: Pass
    weights_after: list[np.ndarray]
    biases_after: list[np.ndarray] | None
    # gradient descent with momentum (bpviz.core.momentum): α, v before this step's update
    # (zeros at a run's first step) and after it; both None when α = 0 (plain: no velocity)
    momentum: float = 0.0
    velocity: _momentum.Velocity | None = None
    velocity_after: _momentum.Velocity | None = None

    @property
    def error(self) -> float:
        return self.p.error

    @cached_property
    def phases(self) -> list[Phase]:
        return _build(self)


def trace_step(
    doc: Document,
    rows,
    network: Network | None = None,
    learning_rate: float | None = None,
    momentum: float | None = None,
    velocity: _momentum.Velocity | None = None,
) -> Trace:
    """One step on the data ``rows`` (0-based) from ``network`` (default: the document's).
    ``momentum`` α (default: the document's) and ``velocity``, v before the step (None: zeros,
    a run's first step; the document's saved one is ``doc.velocity``): with α > 0 the update
    is v ← α·v + ∂E/∂w, w ← w − η·v, the trainer's numbers bit for bit; α = 0 is plain."""
    net = (network or doc.network).copy()
    rows = [int(r) for r in np.atleast_1d(rows)]
    x = np.ascontiguousarray(doc.inputs[rows], dtype=np.float64)
    t = np.ascontiguousarray(doc.targets[rows], dtype=np.float64)
    lr = doc.learning_rate if learning_rate is None else float(learning_rate)
    alpha = _momentum.check_momentum(doc.momentum if momentum is None else momentum)
    v_before = v_after = None
    with np.errstate(all="ignore"):
        p = Pass(net, len(rows))
        p.run(x, t)
        if alpha:
            v_before = _momentum.zeros(net) if velocity is None else _momentum.copy(velocity)
            w_after, b_after, v_after = _momentum.updated(net, p.grad_w, p.grad_b, lr, alpha, v_before)
        else:
            w_after, b_after = net.updated(p.grad_w, p.grad_b, lr)
    # the data rows hold the raw inputs; the input layer also has the derived features
    inputs = p.out[0] if net.features else x
    return Trace(net, rows, inputs, t, lr, p, w_after, b_after, alpha, v_before, v_after)


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
        return phase_equations.formula(self)

    @cached_property
    def computations(self) -> list:
        """The phase's computations with this step's numbers, as equations (``Eq``) and
        words (``str``: a summary such as "… and 12 more")."""
        return phase_equations.computations(self)


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
    fused = net.loss.fused(net.activations[-1])
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
        if k == L and fused:
            how = "out − target: the chain rule collapses"
        elif not net.activations[k - 1].per_neuron:
            how = f"∂E/∂out through {net.activations[k - 1].name}'s Jacobian"
        else:
            how = "∂E/∂out times f′(net)"
        add(f"delta:{nm[k]}", "delta", k, "backward", f"Backward: δ = ∂E/∂net of layer {nm[k]} ({how})", (k,))
        add(
            f"grad:{nm[k]}",
            "grad",
            k,
            "backward",
            f"Backward: the gradients of the weights into layer {nm[k]} (∂E/∂W = δ·outᵀ)",
            (k, k - 1),
            (k - 1,),
        )
    title = "Update: gradient descent on every weight"
    if tr.momentum:
        title = f"Update: gradient descent with momentum on every weight (α = {tr.momentum:g})"
    add("update", "update", None, None, title, (), tuple(range(L)))
    return out


# ------------------------------------------------------------------------------ values
def _per(arr: np.ndarray, i: int) -> list[float]:
    return [float(v) for v in arr[:, i]]


def _deltas(S: Names, p: Pass, k: int, n: int) -> list[dict]:
    return [
        {"symbol": f"δ_{S.n(k, i)}", "quantity": "delta", "neuron": [k, i], "value": _per(p.delta[k], i)}
        for i in range(n)
    ]


def _values(ph: Phase) -> list[dict]:
    tr, net, p = ph.trace, ph.trace.network, ph.trace.p
    S = Names(net)
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
    elif kind == "delta" and not net.activations[k - 1].per_neuron:
        # softmax: no f′ of one neuron but the Jacobian ∂out_i/∂net_j of every sample (of a
        # layer of more than JACOBIAN_FULL neurons only its diagonal: n² entries per sample)
        o, n = p.out[k], net.sizes[k]
        for i in range(n):
            for j in range(n) if n <= JACOBIAN_FULL else (i,):
                jac = p.fprime[k][:, i] if i == j else -(o[:, i] * o[:, j])
                v.append(
                    {
                        "symbol": f"∂{S.out(k, i)}/∂{S.net_(k, j)}",
                        "quantity": "jacobian",
                        "neuron": [k, i],
                        "with": [k, j],
                        "value": [float(x) for x in jac],
                    }
                )
        v += _deltas(S, p, k, net.sizes[k])
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
        v += _deltas(S, p, k, net.sizes[k])
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
        if tr.momentum:
            v += _velocity_values(tr, S)
    return v


def _velocity_values(tr: Trace, S: Names) -> list[dict]:
    """With momentum, each parameter's velocity before (``old``) and after the update:
    quantity "velocity" (``edge``) and "bias_velocity" (``bias``, fixed biases keep theirs)."""
    net, before, after = tr.network, tr.velocity, tr.velocity_after
    v: list[dict] = []
    for j in range(net.L):
        a, b = before.weights[j], after.weights[j]
        for r in range(a.shape[0]):
            for c in range(a.shape[1]):
                v.append(
                    {
                        "symbol": f"v_{S.w(j, r, c)}",
                        "quantity": "velocity",
                        "edge": [j, r, c],
                        "old": float(a[r, c]),
                        "value": float(b[r, c]),
                    }
                )
    if net.biases is not None:
        for j in range(net.L):
            for i in range(net.sizes[j + 1]):
                v.append(
                    {
                        "symbol": f"v_{S.b_unique(j, i)}",
                        "quantity": "bias_velocity",
                        "bias": [j, i],
                        "old": float(before.biases[j][i]),
                        "value": float(after.biases[j][i]),
                        "trained": net.train_biases,
                    }
                )
    return v
