"""The worked example (``bpviz explain``) and the trace text of classification networks: softmax
outputs with cross-entropy, sigmoid outputs with binary cross-entropy, softmax with a squared
loss, derived input features. Every displayed equation evaluates to the number it prints; the
Markdown, LaTeX and HTML of the output layer's δ carry the lecture beat, δ = out − target."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_worked_example import CHECK, compile_tex, needs_pdflatex

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.iteration.phases import trace_step
from bpviz.core.network import Network
from bpviz.core.numbers import fmt
from bpviz.core.teach.render import Tex
from bpviz.core.teach.trace import formula_text, lines_text
from bpviz.core.teach.worked_example import explain, worked_example

CASES = {
    "softmax+ce": ("softmax", "cross_entropy"),
    "sigmoid+bce": ("sigmoid", "binary_cross_entropy"),
    "softmax+mse": ("softmax", "mse"),
}
STEPS = {"online": [0], "batch": [0, 1, 2]}


def document(out: str, loss: str, features=("x1^2", "x1*x2")) -> Document:
    """2 raw inputs (+ features) → 3 sigmoid → 3 outputs; sample 1 has x = (2, 3) and the
    target (0, 1, 0)."""
    rng = np.random.default_rng(7)
    n_in = 2 + len(features)
    net = Network(
        ["x", "h", "o"],
        [n_in, 3, 3],
        [make_activation("sigmoid"), make_activation(out)],
        [rng.uniform(-0.5, 0.5, (3, n_in)), rng.uniform(-1.5, 1.5, (3, 3))],
        [rng.uniform(-0.5, 0.5, 3), rng.uniform(-0.5, 0.5, 3)],
        True,
        make_loss(loss),
        features=features,
    )
    x = np.array([[2.0, 3.0], [-1.0, 0.5], [0.5, -0.5]])
    t = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    return Document(net, x, t, learning_rate=0.5)


def m(x: float) -> str:
    return fmt(x).replace("-", "−")


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("case", CASES)
def test_every_displayed_equation_evaluates_to_its_number(case, step):
    doc = document(*CASES[case])
    tr = trace_step(doc, STEPS[step])
    checked = 0
    for eq in worked_example(doc, tr).equations():
        if eq.result is None:  # a rule in symbols
            continue
        vals = eq.values()
        assert all(abs(v - eq.result) <= 1e-12 * max(1.0, abs(eq.result)) for v in vals), (Tex()(eq), vals)
        checked += 1
    assert checked >= 40


@pytest.mark.parametrize("form", ["md", "tex", "html"])
@pytest.mark.parametrize("case", CASES)
def test_every_format_is_well_formed(case, form):
    doc = document(*CASES[case])
    for rows in STEPS.values():
        CHECK[form](explain(doc, trace_step(doc, rows), form))


def test_softmax_markdown_has_the_beat():
    doc = document("softmax", "cross_entropy")
    tr = trace_step(doc, [0])
    o = tr.p.out[2][0]
    md = explain(doc, tr, "md")
    # the chain rule through every out, collapsing to out − target with this step's numbers
    assert (
        r"\delta_{o1} &= \sum_{j} \frac{\partial E}{\partial \mathit{out}_{j}} \cdot "
        r"\frac{\partial \mathit{out}_{j}}{\partial \mathit{net}_{o1}}"
    ) in md
    assert r"-\mathit{target}_{o1} \cdot \left(1 - \mathit{out}_{o1}\right) + \mathit{target}_{o2}" in md
    assert (
        rf"&= \mathit{{out}}_{{o2}} - \mathit{{target}}_{{o2}} = {fmt(o[1])} - 1 = {fmt(o[1] - 1)}"
        r"\quad\text{(the targets sum to 1)}"
    ) in md
    assert "everything but its output and its target cancels" in md
    assert "the targets sum to 1, and δ\\_i = out\\_i − target\\_i" in md
    # the prose names the loss; softmax's out and its Jacobian row are there, f′ is not
    assert "The error is cross-entropy" in md
    assert (
        r"\frac{e^{\mathit{net}_{o1}}}{e^{\mathit{net}_{o1}} + e^{\mathit{net}_{o2}} + e^{\mathit{net}_{o3}}}"
        in md
    )
    assert r"\frac{\partial \mathit{out}_{o1}}{\partial \mathit{net}_{o2}} &= -\mathit{out}_{o1} \cdot" in md
    assert "A share whose target is 0 is 0" in md
    # derived inputs, with numbers
    assert r"{x_{1}}^{2} &= x_{1} \cdot x_{1} = 2 \times 2 = 4" in md
    assert r"x_{1} \cdot x_{2} &= x_{1} \cdot x_{2} = 2 \times 3 = 6" in md


def test_softmax_latex_has_the_beat_in_ascii():
    doc = document("softmax", "cross_entropy")
    tr = trace_step(doc, [0])
    o = tr.p.out[2][0]
    tex = explain(doc, tr, "tex")
    assert rf"\mathit{{out}}_{{o1}} - \mathit{{target}}_{{o1}} = {fmt(o[0])} - 0 = {fmt(o[0])}" in tex
    assert r"\quad\text{(the targets sum to 1)}" in tex
    assert "everything but its output and its target cancels" in tex
    assert r"w_{h1,x1^{2}}" in tex  # a derived input's label in a subscript, ASCII
    CHECK["tex"](tex)


def test_sigmoid_bce_exports_show_the_cancelling_factor():
    doc = document("sigmoid", "binary_cross_entropy", ())
    tr = trace_step(doc, [0])
    for form in ("md", "tex"):
        text = explain(doc, tr, form)
        assert (
            r"\frac{\left(\mathit{out}_{o1} - \mathit{target}_{o1}\right) \cdot \mathit{out}_{o1} \cdot "
            r"\left(1 - \mathit{out}_{o1}\right)}{\mathit{out}_{o1} \cdot \left(1 - \mathit{out}_{o1}\right)}"
        ) in text
        assert r"\text{(out$\cdot$(1 - out) cancels)}" in text or r"\text{(out·(1 − out) cancels)}" in text
        assert "The error is binary cross-entropy" in text
    html = explain(doc, tr, "html")
    o = tr.p.out[2][0, 1]
    assert f"<i>out</i><sub>o2</sub> − <i>target</i><sub>o2</sub> = {m(o)} − 1 = {m(o - 1)}" in html
    assert "exactly the denominator" in html


def test_softmax_with_a_squared_loss_explains_the_jacobian_sum():
    doc = document("softmax", "mse", ())
    tr = trace_step(doc, [0])
    md = explain(doc, tr, "md")
    assert "collects the paths through every output of the layer" in md
    assert r"\mathit{out}_{o1} \cdot \left(\frac{\partial E}{\partial \mathit{out}_{o1}} - " in md
    assert "cancels" not in md


def test_batch_explain_sums_and_keeps_the_beat():
    doc = document("softmax", "cross_entropy")
    tr = trace_step(doc, [0, 1, 2])
    md = explain(doc, tr, "md")
    o, t = tr.p.out[2][0, 0], tr.targets[0, 0]
    assert (
        rf"{{\mathit{{out}}_{{o1}}}}^{{(1)}} - {{\mathit{{target}}_{{o1}}}}^{{(1)}} = {fmt(o)} - {fmt(t)}"
        in md
    )
    assert "Why is δ = out − target?" in md


def test_trace_text_of_the_fused_delta_phase():
    doc = document("softmax", "cross_entropy", ())
    tr = trace_step(doc, [0])
    ph = next(ph for ph in tr.phases if ph.name == "delta:o")
    o = tr.p.out[2][0]
    lines = lines_text(ph)
    assert lines[1] == (
        "δ_o2 = Σⱼ ∂E/∂out_j·∂out_j/∂net_o2 = −target_o2·(1 − out_o2) + target_o1·out_o2 "
        f"+ target_o3·out_o2 = out_o2 − target_o2 = {m(o[1])} − 1 = {m(o[1] - 1)}  (the targets sum to 1)"
    )
    assert lines[3].startswith("∂out_o1/∂net_o1 = out_o1·(1 − out_o1) = ")  # then the Jacobian
    assert len(lines) == 3 + 9
    f = formula_text(ph)
    assert "softmax: ∂out_i/∂net_j = out_i·([i = j] − out_j)" in f and "Why is δ = out − target?" in f
    assert "\n" not in f
    assert math.isfinite(tr.error)


@needs_pdflatex
@pytest.mark.parametrize("case", CASES)
def test_latex_compiles(case, tmp_path):
    doc = document(*CASES[case])
    compile_tex(explain(doc, trace_step(doc, [0, 1, 2]), "tex"), tmp_path)


def test_derived_inputs_in_the_html_figure():
    """SVG text has no <sub>: a derived input's label keeps its digits as subscript characters
    on the baseline, so the rest of the figure's text is not lowered."""
    html = explain(
        document("softmax", "cross_entropy"), trace_step(document("softmax", "cross_entropy"), [0]), "html"
    )
    assert '<tspan font-style="italic">x</tspan>₁²</text>' in html
    assert '<tspan font-style="italic">x</tspan>₁·<tspan font-style="italic">x</tspan>₂</text>' in html
    CHECK["html"](html)
