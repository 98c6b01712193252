"""The phase list written out: ``bpviz trace``'s text and JSON, and the phase's formula and
computations in each medium (plain text for the terminal and status bar, Qt rich text for
the banner and inspector). The phase list holds equations as data; this module only writes
them, with the one notation of ``render``.
"""

from __future__ import annotations

import html as _html
from collections.abc import Callable

from bpviz.core.iteration.phases import Phase, Trace
from bpviz.core.teach import render

__all__ = [
    "formula_text",
    "lines_text",
    "formula_html",
    "formula_terms_html",
    "lines_html",
    "phase_json",
    "trace_json",
]

_SEP = "; "


def _write(items: list, eq: Callable, word: Callable[[str], str]) -> list[str]:
    return [word(x) if isinstance(x, str) else eq(x) for x in items]


def formula_text(ph: Phase) -> str:
    """``net_h1 = w1·i1 + w2·i2 + b1; net_h2 = …`` (plain text, one line)."""
    return _SEP.join(_write(ph.equations, render.Text(), str)).replace("; …", " …")


def lines_text(ph: Phase) -> list[str]:
    """The phase's computations, one equation per line, with 9 decimals (seed 004)."""
    return _write(ph.computations, render.Text(), str)


def formula_html(ph: Phase, num: Callable[[float], str] | None = None) -> str:
    """The phase's formula as Qt rich text (true subscripts)."""
    r = render.Html(num)
    return _SEP.join(_write(ph.equations, r, _html.escape)).replace("; …", " …")


def formula_terms_html(ph: Phase, num: Callable[[float], str] | None = None) -> list[str]:
    """The formula's items as Qt rich text, one per equation (a banner may end after any)."""
    r = render.Html(num)
    out: list[str] = []
    for x in ph.equations:
        if x == "…" and out:
            out[-1] += " …"
        else:
            out.append(_html.escape(x) if isinstance(x, str) else r(x))
    return out


def lines_html(
    ph: Phase, num: Callable[[float], str] | None = None, known: Callable[[tuple], bool] | None = None
) -> list[str]:
    return _write(ph.computations, render.Html(num, known), _html.escape)


def phase_json(ph: Phase) -> dict:
    return {
        "index": ph.index,
        "name": ph.name,
        "kind": ph.kind,
        "layer": ph.layer,
        "direction": ph.direction,
        "title": ph.title,
        "formula": formula_text(ph),
        "neurons": ph.neurons,
        "edges": ph.edges,
        "values": ph.values,
        "lines": lines_text(ph),
    }


def trace_json(tr: Trace) -> dict:
    """The ``trace --json`` object (CLI.md)."""
    net, p = tr.network, tr.p
    layers = [{"name": net.names[0], "out": p.out[0].tolist()}]
    for k in range(1, net.L + 1):
        layers.append(
            {
                "name": net.names[k],
                "net": p.net[k].tolist(),
                "out": p.out[k].tolist(),
                "grad_out": p.grad_out[k].tolist(),
                "delta": p.delta[k].tolist(),
            }
        )
    obj = {
        "samples": list(tr.samples),
        "error": tr.error,
        "layers": layers,
        "grad_weights": [g.tolist() for g in p.grad_w],
        "weights_after": [w.tolist() for w in tr.weights_after],
        "grad_biases": None if p.grad_b is None else [g.tolist() for g in p.grad_b],
        "biases_after": None if tr.biases_after is None else [b.tolist() for b in tr.biases_after],
    }
    if tr.momentum:  # gradient descent with momentum: α and v before and after the update
        obj["momentum"] = tr.momentum
        obj["velocity"] = _velocity_json(tr.velocity)
        obj["velocity_after"] = _velocity_json(tr.velocity_after)
    obj["phases"] = [phase_json(ph) for ph in tr.phases]
    return obj


def _velocity_json(v) -> dict:
    """A velocity as the file's session.velocity writes it."""
    return {
        "weights": [a.tolist() for a in v.weights],
        "biases": None if v.biases is None else [a.tolist() for a in v.biases],
    }
