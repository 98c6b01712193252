"""The chain rule as data: every equation bpviz writes evaluates to the number it prints.

For every preset, every phase's formula and computations and every selection's equations (each
neuron, weight and bias, each sample of the step), each side of the equation is evaluated from
its tree and compared with the value the core computed, to 1e-12; the text, HTML and LaTeX
renderings contain that number. micrograd's habit of checking against a reference, applied to
the maths on screen.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from bpviz.core.expr import Eq, Num, Prod, Sum, Sym
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.phases import trace_step
from bpviz.core.numbers import fmt
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.teach import render

TOL = 1e-12


def batch(doc):
    """The rows of the preset's first step: every row in batch mode, else the first."""
    return list(range(doc.n_samples)) if doc.mode == "batch" else [0]


def check(e: Eq, expect: float | None = None) -> None:
    """Every part of the equation evaluates to its result (and the result is ``expect``)."""
    assert e.result is not None, render.text(e)
    scale = max(1.0, abs(e.result))
    for v in e.values():
        assert abs(v - e.result) <= TOL * scale, (render.text(e), v, e.result)
    if expect is not None:
        assert e.result == expect, render.text(e)
    printed = fmt(e.result).replace("-", "−")
    assert render.text(e).endswith(printed + ("  (" + e.note + ")" if e.note else ""))
    assert printed in render.html(e)
    tex_num = fmt(e.result)
    if "e" not in tex_num:
        assert tex_num in render.tex(e)


def selection_equations(c: C.Chain):
    """Every equation the inspector can show, with the core's value it must equal."""
    net, p, tr = c.net, c.p, c.tr
    L = net.L
    for s in range(c.m):
        for k in range(1, L + 1):
            for i in range(net.sizes[k]):
                yield C.net_eq(c, k, i, s), p.net[k][s, i]
                yield C.out_eq(c, k, i, s), p.out[k][s, i]
                yield C.grad_out_eq(c, k, i, s), p.grad_out[k][s, i]
                yield C.fprime_eq(c, k, i, s), p.fprime[k][s, i]
                yield C.delta_eq(c, k, i, s), p.delta[k][s, i]
        terms = net.loss.terms(p.out[L], tr.targets)
        for i in range(net.sizes[L]):
            yield C.error_term_eq(c, i, s), terms[s, i]
    yield C.error_total_eq(c), p.error
    for j in range(L):
        rows, cols = net.weights[j].shape
        for r in range(rows):
            for col in range(cols):
                yield C.grad_weight_eq(c, j, r, col), p.grad_w[j][r, col]
                yield C.update_eq(c, j, r, col), tr.weights_after[j][r, col]
                for s in range(c.m):
                    yield (C.weight_sample_eq(c, j, r, col, s), p.delta[j + 1][s, r] * p.out[j][s, col])
                    for e in C.weight_paths(c, j, r, col, s):
                        yield e, None
        if net.biases is not None:
            for i in range(rows):
                yield C.grad_bias_eq(c, j, i), p.grad_b[j][i]
                yield C.bias_update_eq(c, j, i), tr.biases_after[j][i]


@pytest.mark.parametrize("name", PRESETS)
def test_every_selection_equation_evaluates_to_the_number_it_prints(name):
    doc = load_preset(name)
    tr = trace_step(doc, batch(doc))
    n = 0
    for e, expect in selection_equations(C.Chain(tr)):
        check(e, None if expect is None else float(expect))
        n += 1
    assert n > 20


@pytest.mark.parametrize("name", PRESETS)
def test_every_phase_formula_and_computation_evaluates(name):
    doc = load_preset(name)
    tr = trace_step(doc, batch(doc))
    for ph in tr.phases:
        eqs = [x for x in ph.computations if isinstance(x, Eq)]
        assert eqs or ph.kind == "input"
        for e in eqs:
            check(e)
        for e in ph.equations:
            if isinstance(e, Eq):  # symbols only; those with values still evaluate
                try:
                    vals = e.values()
                except ValueError:
                    continue  # a Σₛ of generic terms has no single value
                assert len(set(np.round(vals, 9))) <= 1, render.text(e)


def test_seed_001_per_output_paths_add_up_to_the_gradient():
    doc = load_preset("linear")
    c = C.Chain(trace_step(doc, [0]))
    paths = C.weight_paths(c, 0, 0, 0, 0)
    assert [e.result for e in paths] == pytest.approx([-3.84, -0.96], abs=1e-12)
    assert sum(e.result for e in paths) == pytest.approx(c.p.grad_w[0][0, 0], abs=1e-12)
    assert "∂E_o1/∂w11 = δ_o1·w21·∂out_h1/∂net_h1·x11 = (−3.2) × 0.2 × 2 × 3 = −3.84" in [
        render.text(e) for e in paths
    ]


def test_batch_gradients_are_written_as_sums_over_samples():
    """xor trains in batch mode: ∂E/∂w is Σ over the step's samples, in every medium, with
    each sample's term — never one sample's δ·out beside the summed value."""
    doc = load_preset("xor")
    tr = trace_step(doc, batch(doc))
    assert len(tr.samples) == 4
    c = C.Chain(tr)
    e = C.grad_weight_eq(c, 0, 0, 0)
    assert render.text(e).startswith("∂E/∂w1,1 = Σₛ δ_f1⁽ˢ⁾·x1⁽ˢ⁾ = ")
    assert "Σ<sub><i>s</i></sub>" in render.html(e)
    assert r"\sum_{s}" in render.tex(e)
    d, x = tr.p.delta[1][:, 0], tr.inputs[:, 0]
    nums = render.text(e, which=("numeric",))
    for s in range(4):
        assert f"{fmt(d[s]).replace('-', '−')}" in nums
    assert e.numeric[0].value() == pytest.approx(float(d @ x), abs=1e-15)
    grad = next(ph for ph in tr.phases if ph.name == "grad:h")
    assert any("Σₛ" in line for line in [render.text(x) for x in grad.equations if isinstance(x, Eq)])


def test_long_sums_are_elided_with_the_rest_summed():
    """A 784-input neuron: six terms written, the other 778 summed, still exact."""
    rng = np.random.default_rng(1)
    doc = load_preset("mazur")
    net = doc.network
    from bpviz.core.fileformat import Document
    from bpviz.core.functions import make_activation
    from bpviz.core.network import Network

    big = Network(
        ["x", "h", "o"],
        [784, 3, 2],
        [make_activation("sigmoid")] * 2,
        [rng.normal(size=(3, 784)) * 0.05, rng.normal(size=(2, 3))],
        None,
        True,
        net.loss,
    )
    d = Document(big, rng.random((1, 784)), np.array([[0.0, 1.0]]))
    c = C.Chain(trace_step(d, [0]))
    e = C.net_eq(c, 1, 0, 0)
    s = e.symbolic[0]
    assert isinstance(s, Sum) and len(s.terms) == 4 and s.more == 779
    check(e)
    assert "779 more terms" in render.text(e)


def test_renderers_share_one_notation():
    doc = load_preset("mazur")
    c = C.Chain(trace_step(doc, [0]))
    e = C.delta_eq(c, 1, 1, 0)
    assert render.text(e) == ("δ_h2 = ∂E/∂out_h2·∂out_h2/∂net_h2 = 0.041370323 × 0.240613417 = 0.009954255")
    h = render.html(e)
    assert "<i>δ</i><sub>h2</sub>" in h and "<i>out</i><sub>h2</sub>" in h
    assert "_" not in re.sub(r"<[^>]+>", "", h)  # no plain-text spelling in rich text
    neg = render.text(C.grad_out_eq(c, 2, 1, 0))
    assert "−0.217071535" in neg and "-" not in neg
    assert render.html(Prod((Num(-2.0), Sym(None, "w5")))) == "(−2)·<i>w</i><sub>5</sub>"


def test_hidden_numbers_become_question_marks():
    doc = load_preset("mazur")
    c = C.Chain(trace_step(doc, [0]))
    e = C.update_eq(c, 1, 0, 0)
    txt = render.text(e, known=lambda q: q[0] != "after")
    assert txt.endswith("= 0.4 − 0.5 × 0.082167041 = ?")
    txt = render.text(e, known=lambda q: q[0] not in ("after", "grad_w"))
    assert "0.5 × ? = ?" in txt
