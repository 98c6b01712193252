"""What the canvas writes follows the phase model (issue 10): significant figures with true
minus signs, net and out through the backward pass, ∂E/∂out × f′(net) = δ at the δ phase,
δ × out = ∂E/∂w at the gradient phase (Σ over samples in batch steps), numbers read from the
trace and never computed by the GUI."""

from pathlib import Path

import numpy as np
import pytest

from bpviz.core.numbers import sig
from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.session import Selection, Session


@pytest.mark.parametrize(
    "v, four, three, six",
    [
        (0.009954254, "0.009954", "0.00995", "0.00995425"),
        (0.000681309, "0.0006813", "0.000681", "0.000681309"),
        (3.51085e-05, "3.511e−5", "3.51e−5", "3.51085e−5"),
        (-0.019049118, "−0.01905", "−0.019", "−0.0190491"),
        (1.105905967, "1.106", "1.11", "1.10591"),
        (0.5, "0.5", "0.5", "0.5"),
        (12345.678, "12346", "12346", "12345.7"),
        (-2.5e-12, "−2.5e−12", "−2.5e−12", "−2.5e−12"),
        (1.5e9, "1.5e9", "1.5e9", "1.5e9"),
        (0.0, "0", "0", "0"),
        (-0.0, "0", "0", "0"),
    ],
)
def test_significant_figures(v, four, three, six):
    assert sig(v) == four and sig(v, 3) == three and sig(v, 6) == six
    assert "-" not in sig(v) and "+" not in sig(v)


@pytest.fixture
def view_of(qtbot):
    def make(name):
        s = Session(load_preset(name), name)
        v = NetworkView(s)
        qtbot.addWidget(v)
        v.resize(1200, 700)
        v.show()
        qtbot.waitExposed(v)
        return s, v

    return make


def at(s, name):
    s.set_phase(s.names.index(name))


def test_small_deltas_keep_their_digits(view_of):
    """δ_h2 = 0.009954 read "δ 0.01" (4 decimals), so 0.01 × 0.05 ≠ the gradient shown."""
    s, v = view_of("mazur")
    at(s, "grad:h")
    assert "δ 0.009954" in v.value_text(1, 1)
    assert "0.0004977" in v.edge_text(0, 1, 0) or "0.0004977" in v.tooltip(Selection("edge", (0, 1, 0)))
    s.set_sig_digits(6)
    assert "δ 0.00995425" in v.value_text(1, 1)
    s.set_sig_digits(3)
    assert "δ 0.00995" in v.value_text(1, 1)


def test_net_and_out_stay_through_the_backward_pass(view_of):
    s, v = view_of("mazur")
    for name in ("error", "grad_out:o", "delta:o", "grad:o", "grad_out:h", "delta:h", "grad:h", "update"):
        at(s, name)
        txt = v.value_text(2, 0)
        assert "net 1.106" in txt and "out 0.7514" in txt, name
        assert "net 0.3775" in v.value_text(1, 0) and "out 0.5933" in v.value_text(1, 0), name


def test_the_delta_phase_shows_its_factors(view_of):
    s, v = view_of("mazur")
    at(s, "delta:o")
    assert "∂E/∂out × f′(net) = δ\n0.7414 × 0.1868 = 0.1385" in v.value_text(2, 0)
    assert "∂E/∂out × f′(net) = δ\n(−0.2171) × 0.1755 = −0.0381" in v.value_text(2, 1)
    assert "f′" not in v.value_text(1, 0)  # layer h's turn comes later
    at(s, "delta:h")
    assert "∂E/∂out × f′(net) = δ\n0.04137 × 0.2406 = 0.009954" in v.value_text(1, 1)
    assert "f′" not in v.value_text(2, 0) and "δ 0.1385" in v.value_text(2, 0)
    at(s, "grad:h")
    assert "f′" not in v.value_text(1, 1) and "δ 0.009954" in v.value_text(1, 1)


def test_the_delta_factors_are_drawn(view_of, qtbot):
    """The δ phase's label is on the canvas, taller than the one before it (four rows)."""
    s, v = view_of("mazur")
    n = 2 + 1  # h2: after i1, i2, h1
    at(s, "grad_out:h")
    qtbot.wait(20)
    before = v.label_boxes()[("value", n)]
    at(s, "delta:h")
    qtbot.wait(20)
    after = v.label_boxes()[("value", n)]
    assert after.h > 1.25 * before.h
    img = v.grab().toImage()
    dark = 0
    for x in range(int(after.x), int(after.right), 2):
        for y in range(int(after.y), int(after.bottom), 2):
            c = img.pixelColor(x, y)
            dark += c.lightness() < 100
    assert dark > 50  # its text is painted


def test_the_gradient_phase_writes_delta_times_out(view_of):
    s, v = view_of("mazur")
    at(s, "grad:o")
    w5 = v.edge_text(1, 0, 0)
    assert "∂E/∂w5 = δo1·outh1" in w5.replace("\n", " ") or "δ" in w5
    assert "= 0.1385 × 0.5933 = 0.08217" in w5
    s.select(Selection("edge", (1, 0, 1)))  # w6 selected: its label alone has the factors
    assert "0.1385 × 0.5969 = 0.08267" in v.edge_text(1, 0, 1)
    assert v.edge_text(1, 0, 0) == "∂E/∂w5 = 0.08217"
    at(s, "grad_out:h")
    assert v.edge_text(1, 0, 0) == "w5 = 0.4"


def test_batch_gradients_are_sums_over_samples(view_of):
    """xor (4 samples a step): never one sample's δ and out beside the summed value."""
    s, v = view_of("xor")
    at(s, "grad:h")
    p = s.network.run(s.doc.inputs, s.doc.targets)  # the core's own pass over the 4 rows
    for r in range(2):
        for c in range(2):
            txt = v.edge_text(0, r, c)
            assert "Σ" in txt and sig(p.grad_w[0][r, c]) in txt
            assert "4 samples" in txt
            assert sig(p.delta[1][0, r]) not in txt  # sample 1's δ is not the factor


def test_error_terms_come_from_the_trace(view_of, monkeypatch):
    import bpviz.gui.canvas as nv

    src = "".join(p.read_text() for p in Path(nv.__file__).parent.glob("*.py"))
    assert ".terms(" not in src and "loss." not in src
    s, v = view_of("mazur")
    at(s, "error")
    err = next(ph for ph in s.phases if ph.kind == "error")
    terms = [e["value"][0] for e in err.values if e["quantity"] == "error_term"]
    assert np.allclose(terms, [0.274811083, 0.023560026])
    txt = [v._targets[i].toPlainText() for i in range(2)]
    assert txt == ["target 0.01\nE = 0.2748", "target 0.99\nE = 0.02356"]
