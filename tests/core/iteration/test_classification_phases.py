"""The phase list of a classification network: softmax outputs, cross-entropy and binary
cross-entropy, derived input features.

Every equation the app writes for these networks evaluates to the number it prints (online,
minibatch and batch steps); the fused output layers show δ = out − target as the chain rule
collapsing; a softmax neuron shows its row of the Jacobian, never an f′ of its own; the phase
list's values are the pass's arrays.
"""

from __future__ import annotations

import html
import json
import math
import re

import numpy as np
import pytest

from bpviz.core.expr import Eq, Partial
from bpviz.core.fileformat import Document
from bpviz.core.functions import Softmax, make_activation, make_loss
from bpviz.core.iteration import chain as C
from bpviz.core.iteration.phases import trace_step
from bpviz.core.iteration.reveal import Revealed
from bpviz.core.network import Network
from bpviz.core.numbers import fmt
from bpviz.core.teach import render
from bpviz.core.teach.selection import Explainer
from bpviz.core.teach.trace import lines_text, phase_json

TOL = 1e-12

CASES = {
    "softmax+ce": ("softmax", "cross_entropy"),
    "sigmoid+bce": ("sigmoid", "binary_cross_entropy"),
    "softmax+mse": ("softmax", "mse"),
    "softmax+half_sse": ("softmax", "half_sse"),
}
MODES = {"online": [1], "minibatch": [0, 2], "batch": [0, 1, 2, 3]}
FEATURES = ("x1^2", "x1*x2", "sin(x2)")


def m(x: float) -> str:
    """A number as the text renderer prints it (true minus)."""
    return fmt(x).replace("-", "−")


def targets(loss: str) -> np.ndarray:
    if loss == "cross_entropy":  # one-hot rows, and one spread over the classes
        return np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [0.25, 0.5, 0.25]])
    if loss == "binary_cross_entropy":
        return np.array([[1.0, 0, 1.0], [0, 1.0, 0], [0, 0, 1.0], [1.0, 0.5, 0]])
    return np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.0, 0.3, 0.6], [0.5, 0.5, 0.0]])


def document(out: str, loss: str, features=FEATURES, seed: int = 3) -> Document:
    """2 raw inputs (+ derived features) → 3 tanh → 3 ``out`` outputs, 4 samples."""
    rng = np.random.default_rng(seed)
    n_in = 2 + len(features)
    net = Network(
        ["x", "h", "o"],
        [n_in, 3, 3],
        [make_activation("tanh"), make_activation(out)],
        [rng.uniform(-1, 1, (3, n_in)), rng.uniform(-1.5, 1.5, (3, 3))],
        [rng.uniform(-0.5, 0.5, 3), rng.uniform(-0.5, 0.5, 3)],
        True,
        make_loss(loss),
        features=features,
    )
    x = np.array([[2.0, 3.0], [-1.0, 0.5], [0.3, -0.8], [1.2, 1.1]])
    return Document(net, x, targets(loss), learning_rate=0.3)


def check(e: Eq, expect: float | None = None) -> None:
    """Every part evaluates to the result, the result is the core's, and every medium prints it."""
    assert e.result is not None, render.text(e)
    scale = max(1.0, abs(e.result))
    for v in e.values():
        assert abs(v - e.result) <= TOL * scale, (render.text(e), v, e.result)
    if expect is not None:
        assert e.result == pytest.approx(expect, rel=0, abs=TOL * max(1.0, abs(expect))), render.text(e)
    printed = m(e.result)
    assert render.text(e).endswith(printed + ("  (" + e.note + ")" if e.note else ""))
    assert printed in render.html(e)
    if "e" not in fmt(e.result):
        assert fmt(e.result) in render.tex(e)


def all_equations(tr):
    """Every equation the inspector, the phase list and the worked example build from the chain,
    each with the core's value it must equal (None: only self-consistent)."""
    c = C.Chain(tr)
    net, p = tr.network, tr.p
    L = net.L
    for s in range(c.m):
        for i in range(net.n_raw, net.sizes[0]):
            yield C.input_eq(c, i, s), p.out[0][s, i]
        for k in range(1, L + 1):
            for i in range(net.sizes[k]):
                yield C.net_eq(c, k, i, s), p.net[k][s, i]
                yield C.out_eq(c, k, i, s), p.out[k][s, i]
                yield C.grad_out_eq(c, k, i, s), p.grad_out[k][s, i]
                yield C.delta_eq(c, k, i, s), p.delta[k][s, i]
                if net.activations[k - 1].per_neuron:
                    yield C.fprime_eq(c, k, i, s), p.fprime[k][s, i]
                else:
                    jac = Softmax.jacobian(p.out[k][s])
                    for j, e in enumerate(C.jacobian_row(c, k, i, s)):
                        yield e, jac[i, j]
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
                    yield C.weight_sample_eq(c, j, r, col, s), p.delta[j + 1][s, r] * p.out[j][s, col]
                    for e in C.weight_paths(c, j, r, col, s):
                        yield e, None
        for i in range(rows):
            yield C.grad_bias_eq(c, j, i), p.grad_b[j][i]
            yield C.bias_update_eq(c, j, i), tr.biases_after[j][i]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_every_equation_evaluates_to_the_number_it_prints(case, mode):
    doc = document(*CASES[case])
    tr = trace_step(doc, MODES[mode])
    n = 0
    for e, expect in all_equations(tr):
        check(e, None if expect is None else float(expect))
        n += 1
    assert n > 100
    for ph in tr.phases:
        eqs = [x for x in ph.computations if isinstance(x, Eq)]
        assert eqs, ph.name  # the input phase too: the derived features
        for e in eqs:
            check(e)
        for e in ph.equations:
            if isinstance(e, Eq):
                try:
                    vals = e.values()
                except ValueError:
                    continue  # a Σₛ of generic terms has no single value
                assert len(set(np.round(vals, 9))) <= 1, render.text(e)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", ["softmax+ce", "sigmoid+bce"])
def test_fused_output_delta_is_out_minus_target_and_written_so(case, mode):
    """The lecture beat: δ_o1 = ∂E/∂out·∂out/∂net … = out_o1 − target_o1 = 0.7 − 1 = −0.3."""
    doc = document(*CASES[case])
    tr = trace_step(doc, MODES[mode])
    p, L = tr.p, tr.network.L
    np.testing.assert_allclose(p.delta[L], p.out[L] - tr.targets, rtol=0, atol=1e-12)
    c = C.Chain(tr)
    assert c.fused
    for s in range(c.m):
        sup = (
            ""
            if c.m == 1
            else f"({tr.samples[s] + 1})".translate(str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾"))
        )
        for i in range(3):
            e = C.delta_eq(c, L, i, s)
            o, t = p.out[L][s, i], tr.targets[s, i]
            assert abs(e.result - (o - t)) <= 1e-12
            txt = render.text(e)
            assert f"= out_o{i + 1}{sup} − target_o{i + 1}{sup} = {m(o)} − {m(t)} = {m(o - t)}" in txt, txt
            if case == "sigmoid+bce":  # the out·(1 − out) seen to cancel
                assert txt.startswith(
                    f"δ_o{i + 1}{sup} = ∂E/∂out_o{i + 1}{sup}·∂out_o{i + 1}{sup}/∂net_o{i + 1}{sup}"
                )
                assert f"·(1 − out_o{i + 1}{sup}) / (out_o{i + 1}{sup}·(1 − out_o{i + 1}{sup}))" in txt
            else:  # through every out of the layer, its own term first
                assert txt.startswith(f"δ_o{i + 1}{sup} = Σⱼ ∂E/∂out_j{sup}·∂out_j{sup}/∂net_o{i + 1}{sup}")
                assert f"= −target_o{i + 1}{sup}·(1 − out_o{i + 1}{sup}) + " in txt
    delta = next(ph for ph in tr.phases if ph.name == "delta:o")
    assert "out − target" in delta.title
    words = [x for x in delta.equations if isinstance(x, str) and x.startswith("Why is δ = out − target?")]
    assert len(words) == 1 and "cancel" in words[0]


def test_sigmoid_bce_step_by_hand():
    """One output, one sample: the numbers a student checks with a calculator."""
    net = Network(
        ["i", "o"],
        [1, 1],
        [make_activation("sigmoid")],
        [[[math.log(7 / 3)]]],
        None,
        True,
        make_loss("binary_cross_entropy"),
    )
    tr = trace_step(Document(net, np.array([[1.0]]), np.array([[1.0]])), [0])
    c = C.Chain(tr)
    assert tr.p.out[1][0, 0] == pytest.approx(0.7, abs=1e-15)
    e = C.delta_eq(c, 1, 0, 0)
    assert render.text(e).endswith("= out_o1 − target_o1 = 0.7 − 1 = −0.3  (out·(1 − out) cancels)")
    g = render.text(C.grad_out_eq(c, 1, 0, 0))
    assert (
        g == "∂E/∂out_o1 = (out_o1 − target_o1) / (out_o1·(1 − out_o1)) "
        "= (0.7 − 1) / (0.7 × (1 − 0.7)) = −1.428571429"
    )
    err = render.text(C.error_term_eq(c, 0, 0))
    assert err.startswith("E_o1 = −[target_o1·ln(out_o1) + (1 − target_o1)·ln(1 − out_o1)] = −[1 × ln(0.7)")
    assert err.endswith(f"= {m(-math.log(0.7))}")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_phase_values_are_the_pass_arrays(case, mode):
    doc = document(*CASES[case])
    tr = trace_step(doc, MODES[mode])
    p, net = tr.p, tr.network
    by = {ph.name: ph for ph in tr.phases}

    def arr(ph, quantity):
        return np.array([e["value"] for e in by[ph].values if e["quantity"] == quantity]).T

    np.testing.assert_array_equal(arr("input", "input"), p.out[0])  # derived features included
    np.testing.assert_array_equal(p.out[0][:, :2], doc.inputs[MODES[mode]])
    np.testing.assert_array_equal(arr("input", "target"), tr.targets)
    for k, name in ((1, "h"), (2, "o")):
        np.testing.assert_array_equal(arr(f"net:{name}", "net"), p.net[k])
        np.testing.assert_array_equal(arr(f"out:{name}", "out"), p.out[k])
        np.testing.assert_array_equal(arr(f"grad_out:{name}", "grad_out"), p.grad_out[k])
        np.testing.assert_array_equal(arr(f"delta:{name}", "delta"), p.delta[k])
    np.testing.assert_array_equal(arr("error", "error_term"), net.loss.terms(p.out[2], tr.targets))
    assert [e["value"] for e in by["error"].values if e["quantity"] == "error"] == [p.error]
    np.testing.assert_array_equal(arr("delta:h", "fprime"), p.fprime[1])
    softmax = not net.activations[1].per_neuron
    assert (arr("delta:o", "fprime").size == 0) == softmax  # softmax has no f′ of one neuron
    if softmax:
        jac = [e for e in by["delta:o"].values if e["quantity"] == "jacobian"]
        assert len(jac) == 9
        for e in jac:
            (_, i), (_, j) = e["neuron"], e["with"]
            want = [Softmax.jacobian(row)[i, j] for row in p.out[2]]
            assert e["value"] == pytest.approx(want, rel=0, abs=1e-15)
            assert e["symbol"] == f"∂out_o{i + 1}/∂net_o{j + 1}"
            if i == j:
                assert e["value"] == p.fprime[2][:, i].tolist()
    else:
        np.testing.assert_array_equal(arr("delta:o", "fprime"), p.fprime[2])
    grads = [e["value"] for e in by["grad:o"].values if e["quantity"] == "grad_weight"]
    assert grads == p.grad_w[1].ravel().tolist()
    json.dumps([phase_json(ph) for ph in tr.phases])  # trace --json writes it


def test_softmax_out_phase_writes_e_to_the_net_over_the_sum():
    doc = document("softmax", "cross_entropy", ())
    tr = trace_step(doc, [0])
    net, o = tr.p.net[2][0], tr.p.out[2][0]
    ph = next(ph for ph in tr.phases if ph.name == "out:o")
    lines = lines_text(ph)
    den = " + ".join(f"e^({m(v)})" for v in net)
    assert lines[0] == (
        "out_o1 = e^(net_o1) / (e^(net_o1) + e^(net_o2) + e^(net_o3)) "
        f"= e^({m(net[0])}) / ({den}) = {m(o[0])}"
    )
    e = C.out_eq(C.Chain(tr), 2, 1, 0)
    assert "<i>e</i><sup><i>net</i><sub>o2</sub></sup>" in render.html(e)
    assert r"\frac{e^{\mathit{net}_{o2}}}{e^{\mathit{net}_{o1}} + " in render.tex(e)


def test_softmax_out_survives_nets_that_overflow_e_to_the_x():
    """e^800 overflows: the equation takes the largest net, m, from every exponent."""
    net = Network(
        ["i", "o"],
        [1, 3],
        [make_activation("softmax")],
        [[[800.0], [799.0], [-5.0]]],
        None,
        True,
        make_loss("cross_entropy"),
    )
    tr = trace_step(Document(net, np.array([[1.0]]), np.array([[0.0, 1.0, 0.0]])), [0])
    c = C.Chain(tr)
    for i in range(3):
        e = C.out_eq(c, 1, i, 0)
        check(e, tr.p.out[1][0, i])
        assert "m = 800" in e.note and "e^(net_o1 − m)" in render.text(e)
    check(C.delta_eq(c, 1, 1, 0), tr.p.out[1][0, 1] - 1.0)


def test_saturated_output_writes_no_nan():
    """An out of exactly 0 with target 0: the core counts 0·ln 0 as 0; the equation says so
    rather than printing nan, and δ = out − target is still exact."""
    net = Network(
        ["i", "o"],
        [1, 2],
        [make_activation("softmax")],
        [[[400.0], [-400.0]]],
        None,
        True,
        make_loss("cross_entropy"),
    )
    tr = trace_step(Document(net, np.array([[1.0]]), np.array([[1.0, 0.0]])), [0])
    c = C.Chain(tr)
    assert tr.p.out[1].tolist() == [[1.0, 0.0]]
    for ph in tr.phases:
        for x in ph.computations:
            assert "nan" not in (x if isinstance(x, str) else render.text(x)), ph.name
    e = C.error_term_eq(c, 1, 0)
    assert e.result == 0 and e.numeric == () and "target 0" in e.note
    assert render.text(C.delta_eq(c, 1, 1, 0)).endswith("= 0 − 0 = 0  (the targets sum to 1)")


def test_cross_entropy_error_phase_says_zero_target_terms_are_zero():
    doc = document("softmax", "cross_entropy", ())
    tr = trace_step(doc, [0])  # target (1, 0, 0)
    ph = next(ph for ph in tr.phases if ph.name == "error")
    assert ph.title == "Error: E = −Σ target·ln(out)"
    lines = lines_text(ph)
    o = tr.p.out[2][0]
    assert lines[0] == f"E_o1 = −target_o1·ln(out_o1) = −1 × ln({m(o[0])}) = {m(-math.log(o[0]))}"
    assert lines[1] == f"E_o2 = −target_o2·ln(out_o2) = −0 × ln({m(o[1])}) = 0  (target 0: no share of E)"
    assert any(isinstance(x, str) and "target is 0 is 0" in x for x in ph.equations)
    grad = lines_text(next(ph for ph in tr.phases if ph.name == "grad_out:o"))
    assert grad[0] == f"∂E/∂out_o1 = −target_o1 / out_o1 = −1 / {m(o[0])} = {m(-1 / o[0])}"
    assert grad[1].endswith("= 0  (target 0)")


def test_softmax_with_a_squared_loss_sums_through_the_jacobian():
    doc = document("softmax", "half_sse", ())
    tr = trace_step(doc, [0])
    c = C.Chain(tr)
    e = C.delta_eq(c, 2, 0, 0)
    txt = render.text(e)
    assert txt.startswith(
        "δ_o1 = Σⱼ ∂E/∂out_j·∂out_j/∂net_o1 = out_o1·(∂E/∂out_o1 − (Σⱼ ∂E/∂out_j·out_j)) = "
    )
    g, o = tr.p.grad_out[2][0], tr.p.out[2][0]
    inner = " + ".join(f"{m(g[j]) if g[j] >= 0 else '(' + m(g[j]) + ')'} × {m(o[j])}" for j in range(3))
    assert f"= {m(o[0])} × ({m(g[0])} − ({inner})) = {m(tr.p.delta[2][0, 0])}" in txt
    assert e.result == tr.p.delta[2][0, 0]
    ph = next(ph for ph in tr.phases if ph.name == "delta:o")
    assert "Jacobian" in ph.title and "out − target" not in ph.title
    assert "softmax: ∂out_i/∂net_j = out_i·([i = j] − out_j)" in ph.equations


def plain(h: str) -> str:
    h = re.sub(r"</p>|</h3>|</tr>", "\n", h)
    h = re.sub(r"<sub>(.*?)</sub>", r"_\1", h)
    h = re.sub(r"<sup>(.*?)</sup>", r"^\1", h)
    return html.unescape(re.sub(r"<[^>]+>", "", h))


def test_inspector_shows_a_softmax_neurons_jacobian_row_not_an_f_prime():
    doc = document("softmax", "cross_entropy", ())
    tr = trace_step(doc, [0])
    ex = Explainer(tr, Revealed(tr.phases, len(tr.phases) - 1))
    o = tr.p.out[2][0]
    txt = plain(ex.neuron(2, 1))
    assert f"∂out_o2/∂net_o1 = −out_o2·out_o1\n= −{fmt(o[1])} × {fmt(o[0])} = {m(-(o[1] * o[0]))}" in txt
    assert f"∂out_o2/∂net_o2 = out_o2·(1 − out_o2)\n= {fmt(o[1])} × (1 − {fmt(o[1])})" in txt
    assert "∂out_o2/∂net_o3 = −out_o2·out_o3" in txt
    assert "row of the Jacobian" in txt
    assert f"= out_o2 − target_o2\n= {fmt(o[1])} − 0 = {fmt(o[1])}" in txt
    assert "Why is δ = out − target?" in txt
    # the edge into a softmax neuron: the same row, δ·out, no f′
    edge = plain(ex.edge(1, 1, 0))
    assert "∂out_o2/∂net_o3" in edge and "f′(" not in edge
    assert "∂E/∂w_o2,h1 = ∂E/∂net_o2·∂net_o2/∂w_o2,h1\n= δ_o2·out_h1" in edge
    # a hidden tanh neuron still has its f′
    assert "∂out_h1/∂net_h1 = 1 − out_h1^2" in plain(ex.neuron(1, 0))
    # before the delta phase the Jacobian's numbers are "?"
    at = [ph.name for ph in tr.phases].index("grad_out:o")
    early = plain(Explainer(tr, Revealed(tr.phases, at)).neuron(2, 1))
    assert f"{m(-(o[1] * o[0]))}" not in early and "?" in early


def test_derived_inputs_are_written_from_the_raw_ones():
    doc = document("softmax", "cross_entropy")
    tr = trace_step(doc, [0])  # x1 = 2, x2 = 3
    ph = tr.phases[0]
    texts = [x if isinstance(x, str) else render.text(x) for x in ph.computations]
    assert texts[1:] == [
        "x1² = x1·x1 = 2 × 2 = 4",
        "x1·x2 = x1·x2 = 2 × 3 = 6",
        f"sin x2 = sin(x2) = sin(3) = {m(math.sin(3))}",
    ]
    assert texts[0].startswith("x1 = 2, x2 = 3, x1² = 4, x1·x2 = 6, sin x2 = ")
    assert "x1² = x1·x1" in [render.text(x) for x in ph.equations if isinstance(x, Eq)]
    e = C.input_eq(C.Chain(tr), 2, 0)
    assert render.tex(e).startswith("{x_{1}}^{2} = x_{1} \\cdot x_{1} = 2 \\times 2 = 4")
    assert render.html(e).startswith("<i>x</i><sub>1</sub><sup>2</sup> = ")
    assert C.input_eq(C.Chain(tr), 1, 0) is None  # a raw input
    ex = Explainer(tr, Revealed(tr.phases, 0))
    assert "x_1^2 = x_1·x_1\n= 2 × 2 = 4" in plain(ex.neuron(0, 2))
    # the first layer's net uses them like any input
    assert "w(h1,x1²)·x1²" in render.text(C.net_eq(C.Chain(tr), 1, 0, 0))


def test_a_softmax_output_has_no_per_output_error_paths():
    """∂E_o/∂out_h = δ_o·w holds only where E_o depends on net_o alone; through softmax every
    E_o depends on every net, so the hidden layer's sum is written through ∂E/∂net_o."""
    tr = trace_step(document("softmax", "cross_entropy", ()), [0])
    c = C.Chain(tr)
    e = C.grad_out_eq(c, 1, 0, 0)
    assert render.text(e).startswith("∂E/∂out_h1 = ∂E/∂net_o1·∂net_o1/∂out_h1 + ")
    assert not any(isinstance(t, Partial) and "E_o" in render.text(t) for t in e.symbolic[0].terms)
    assert C.weight_paths(c, 0, 0, 0, 0) == []
    tr2 = trace_step(document("sigmoid", "binary_cross_entropy", ()), [0])
    assert render.text(C.grad_out_eq(C.Chain(tr2), 1, 0, 0)).startswith("∂E/∂out_h1 = ∂E_o1/∂out_h1 + ")
    assert len(C.weight_paths(C.Chain(tr2), 0, 0, 0, 0)) == 3


def test_delta_rule_tells_views_how_delta_is_made():
    rule = {case: C.delta_rule(document(*CASES[case], ()).network, 2) for case in CASES}
    assert rule == {
        "softmax+ce": "out − target",
        "sigmoid+bce": "out − target",
        "softmax+mse": "jacobian",
        "softmax+half_sse": "jacobian",
    }
    assert C.delta_rule(document("softmax", "cross_entropy", ()).network, 1) == "f′"
    sig = document("sigmoid", "half_sse", ()).network
    assert C.delta_rule(sig, 2) == "f′"


def test_a_wide_softmax_layer_gives_only_the_jacobians_diagonal():
    """n² values per sample would swamp trace --json: past JACOBIAN_FULL only ∂out_i/∂net_i."""
    from bpviz.core.iteration.phases import JACOBIAN_FULL

    n = JACOBIAN_FULL + 1
    rng = np.random.default_rng(0)
    net = Network(
        ["i", "o"],
        [2, n],
        [make_activation("softmax")],
        [rng.normal(size=(n, 2))],
        None,
        True,
        make_loss("cross_entropy"),
    )
    tr = trace_step(Document(net, np.ones((1, 2)), np.eye(n)[:1]), [0])
    jac = [e for e in tr.phases[-3].values if e["quantity"] == "jacobian"]
    assert [e["neuron"][1] for e in jac] == [e["with"][1] for e in jac] == list(range(n))
    assert [e["value"][0] for e in jac] == tr.p.fprime[1][0].tolist()
