"""The canvas writes δ the way the core forms it (issue 14, ``chain.delta_rule``): where the loss
fits the output activation (softmax + cross-entropy, sigmoid + binary cross-entropy) the δ phase
reads "out − target = δ" over its numbers, the lecture's beat; a softmax with a squared loss
writes δ alone and its tooltip gives the Jacobian's row; f′(net) is never written for a softmax
layer. The numbers are checked against a pass of the core's own over the step's rows."""

import numpy as np
import pytest

from bpviz.core import build
from bpviz.core.numbers import sig
from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.canvas.texts import keep_together
from bpviz.gui.session import Selection, Session


def softmax_sse(n_out: int = 3):
    """2-3-n_out, softmax output with half the sum of squared errors: no fused rule."""
    spec = build.NetworkSpec(
        [build.LayerSpec("i", 2), build.LayerSpec("h", 3, "tanh"), build.LayerSpec("o", n_out, "softmax")],
        loss="half_sse",
        mode="batch",
        title="softmax + sse",
        n_samples=4,
    )
    doc, _ = build.build_document(spec)
    return doc


@pytest.fixture
def view_on(qtbot):
    def make(doc, name="preset"):
        s = Session(doc, name)
        v = NetworkView(s)
        qtbot.addWidget(v)
        v.resize(1200, 760)
        v.show()
        qtbot.waitExposed(v)
        return s, v

    return make


def core_pass(s):
    rows = s.rows_for_step(s.step)
    return s.network.run(s.doc.inputs[rows], s.doc.targets[rows]), s.doc.targets[rows]


def at(s, name):
    s.set_phase(s.names.index(name))


@pytest.mark.parametrize("name", ["circle", "spiral"])
def test_the_fused_pair_reads_out_minus_target(view_on, name):
    s, v = view_on(load_preset(name), name)
    L, y = s.network.L, s.network.names[-1]
    p, t = core_pass(s)
    sm = s.display_sample
    at(s, f"delta:{y}")
    for i in range(s.network.sizes[L]):
        o, d = p.out[L][sm, i], p.delta[L][sm, i]
        assert d == pytest.approx(o - t[sm, i], abs=1e-12)
        txt = v.value_text(L, i)
        assert f"out − target = δ\n{sig(o)} − {sig(t[sm, i])} = {sig(d)}" in txt
        assert "f′" not in txt and "∂E/∂out ×" not in txt
        tip = v.tooltip(Selection("neuron", (L, i)))
        assert "δ = ∂E/∂net = out − target" in tip
        # a softmax's out is the whole layer's: its tooltip says so
        assert ("out = e^net / Σ e^net over layer y" in tip) == (name == "spiral")
    at(s, f"grad_out:{y}")  # the phase before: ∂E/∂out from the loss, −t/o or the BCE form
    for i in range(s.network.sizes[L]):
        g = p.grad_out[L][sm, i]
        o, tt = p.out[L][sm, i], t[sm, i]
        want = -tt / o if name == "spiral" else (o - tt) / (o * (1 - o))
        assert g == pytest.approx(want, rel=1e-12, abs=1e-15)
        assert v.value_text(L, i).endswith(f"∂E/∂out {sig(g)}")


def test_the_beat_is_drawn_as_a_table_over_its_numbers(view_on, qtbot):
    """Pixels: at the δ phase the output's label grows by the two rows of out − target = δ,
    and its text is painted."""
    s, v = view_on(load_preset("circle"), "circle")
    n = sum(s.network.sizes[:-1])  # the output neuron's label
    at(s, "grad_out:y")
    qtbot.wait(20)
    before = v.label_boxes()[("value", n)]
    at(s, "delta:y")
    qtbot.wait(20)
    box = v.label_boxes()[("value", n)]
    assert box.h > 1.4 * before.h
    img = v.grab().toImage()
    dark = sum(
        img.pixelColor(x, y).lightness() < 110
        for x in range(int(box.x), int(box.right), 2)
        for y in range(int(box.y + box.h * 0.45), int(box.bottom), 2)
    )
    assert dark > 30  # the numbers' row is painted, not only the symbols'


def test_softmax_with_a_squared_loss_writes_delta_alone_and_the_jacobian_row(view_on):
    s, v = view_on(softmax_sse(), "new")
    L = s.network.L
    p, _ = core_pass(s)
    sm = s.display_sample
    at(s, "delta:o")
    o = p.out[L][sm]
    jac = np.diag(o) - np.outer(o, o)  # ∂out_i/∂net_j, worked here from the outputs
    for i in range(3):
        assert v.value_text(L, i).splitlines()[-1] == f"δ {sig(p.delta[L][sm, i])}"
        assert p.delta[L][sm, i] == pytest.approx(jac[:, i] @ p.grad_out[L][sm], abs=1e-12)
        tip = v.tooltip(Selection("neuron", (L, i)))
        assert "f′" not in tip
        for j in range(3):
            line = next(r for r in tip.split("<br>") if r.startswith(f"∂out_o{i + 1}/∂net_o{j + 1} = "))
            shown = float(line.split(" = ")[1].replace("−", "-"))
            assert shown == pytest.approx(jac[i, j], abs=1e-8)


@pytest.mark.parametrize("doc", [lambda: load_preset("spiral"), softmax_sse], ids=["spiral", "softmax+sse"])
def test_no_tooltip_says_f_prime_at_a_softmax_layer(view_on, doc):
    s, v = view_on(doc(), "x")
    L = s.network.L
    for ph in s.phases:
        s.set_phase(ph.index)
        for i in range(s.network.sizes[L]):
            assert "f′" not in v.tooltip(Selection("neuron", (L, i))), ph.name
            assert "f′" not in v.value_text(L, i), ph.name
        for k in range(1, L):  # the tanh layers keep theirs
            if s.revealed.known("delta", k):
                assert "f′(net) = " in v.tooltip(Selection("neuron", (k, 0)))


def test_the_banner_leaves_the_explanation_to_the_inspector_and_its_tooltip(view_on):
    s, v = view_on(load_preset("spiral"), "spiral")
    at(s, "delta:y")
    text = v.banner.item.toPlainText()
    assert "δ" in text and "Why is δ = out − target?" not in text
    assert "Why is δ = out − target?" in v.banner.toolTip()
    at(s, "grad_out:y")  # nothing left out: no tooltip
    assert v.banner.toolTip() == ""


def test_a_worded_parenthesis_wraps_and_a_formula_stays_whole():
    assert keep_together("gradients (∂E/∂W = δ·outᵀ)") == "gradients (∂E/∂W&nbsp;=&nbsp;δ·outᵀ)"
    title = "δ of layer y (out − target: the chain rule collapses)"
    assert keep_together(title) == title
