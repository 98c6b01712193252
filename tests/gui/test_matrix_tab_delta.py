"""The Matrix tab's δ phase follows the core's rule (issue 14, ``chain.delta_rule``): out − target
= δ where the loss fits the output activation, the shown sample's Jacobian times its ∂E/∂out for
a softmax with a squared loss (only the Jacobian's diagonal for a layer too wide for the whole),
∂E/∂out ⊙ f′(net) elsewhere. The numbers are checked against the core's own pass."""

import numpy as np
import pytest

from bpviz.core import build
from bpviz.core.numbers import fmt
from bpviz.core.presets import load_preset
from bpviz.gui.inspector import Inspector
from bpviz.gui.session import Session


def num(v, decimals=9):
    return fmt(v, decimals).replace("-", "−")


def value(text: str) -> float:
    return float(text.replace("−", "-"))


def softmax_sse(n_out: int = 3):
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
def tab_at_delta(qtbot):
    kept = []  # the inspectors (their tab's widgets die with them)

    def make(doc, name="x"):
        s = Session(doc, name)
        ins = Inspector(s)
        qtbot.addWidget(ins)
        ins.resize(560, 900)
        kept.append(ins)
        ins.tabs.setCurrentIndex(1)
        s.set_phase(s.names.index(f"delta:{s.network.names[-1]}"))
        rows = s.rows_for_step(s.step)
        p = s.network.run(s.doc.inputs[rows], s.doc.targets[rows])
        return s, ins.matrix, p, s.doc.targets[rows]

    return make


def column(tab, c=0):
    return [value(tab.item(r, c).text()) for r in range(tab.rowCount())]


@pytest.mark.parametrize("name", ["circle", "spiral"])
def test_the_fused_pair_is_out_minus_target(tab_at_delta, name):
    s, mt, p, t = tab_at_delta(load_preset(name), name)
    L = s.network.L
    assert list(mt.tables) == [f"out{L}", "target", "delta"]
    assert [op.text() for op in mt.ops] == ["−", "="]
    note = mt.note.text()
    assert "out<sub>y</sub> − target<sub>y</sub>" in note and "f′" not in note
    for c in range(mt.tables["delta"].columnCount()):  # the first 30 samples
        o, tt, d = (column(mt.tables[k], c) for k in (f"out{L}", "target", "delta"))
        assert d == pytest.approx(np.array(o) - np.array(tt), abs=2e-9)
        assert d == pytest.approx(p.delta[L][c], abs=1e-9)
        assert tt == list(t[c])


def test_softmax_with_a_squared_loss_shows_the_samples_jacobian(tab_at_delta):
    s, mt, p, _ = tab_at_delta(softmax_sse())
    L, sm = s.network.L, 2
    s.set_sample_choice(s.trace.samples[sm])  # the sample the views show (batch mode)
    assert list(mt.tables) == ["jacobian", "grad_out", "delta", "delta_all"]
    assert "f′" not in mt.note.text() and "sample 3 shown" in mt.note.text()
    jt = np.array([column(mt.tables["jacobian"], c) for c in range(3)]).T  # as shown: Jᵀ
    o = p.out[L][sm]
    assert jt == pytest.approx((np.diag(o) - np.outer(o, o)).T, abs=2e-9)
    g = column(mt.tables["grad_out"])
    assert g == pytest.approx(p.grad_out[L][sm], abs=1e-9)
    assert column(mt.tables["delta"]) == pytest.approx(jt @ np.array(g), abs=1e-8)
    assert column(mt.tables["delta"]) == pytest.approx(p.delta[L][sm], abs=1e-9)
    assert mt.tables["delta"].horizontalHeaderItem(0).text() == "sample 3"
    assert mt.tables["delta_all"].columnCount() == 4


def test_a_wide_softmax_shows_the_jacobians_diagonal(tab_at_delta):
    s, mt, p, _ = tab_at_delta(softmax_sse(20))
    L = s.network.L
    assert list(mt.tables) == ["jacobian_diagonal", "grad_out", "delta"]
    o = p.out[L][0]
    assert column(mt.tables["jacobian_diagonal"]) == pytest.approx(o * (1 - o), abs=1e-9)
    assert "diagonal" in mt.note.text()


def test_a_squared_loss_on_sigmoid_keeps_f_prime(tab_at_delta):
    s, mt, p, _ = tab_at_delta(load_preset("mazur"), "mazur")
    assert list(mt.tables) == ["grad_out", "fprime", "delta"]
    assert [[mt.tables["fprime"].item(r, 0).text()] for r in range(2)] == [[num(v)] for v in p.fprime[2][0]]
