"""The inspector explains the selection with the trace's own numbers (seed 004's figures) and
hides what the stepper has not revealed yet."""

import time

import numpy as np
import pytest

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.numbers import fmt
from bpviz.core.presets import PRESETS, load_preset
from bpviz.gui.inspector import CAP, MAX_CHECK, Inspector
from bpviz.gui.session import Selection, Session

W1, W5 = Selection("edge", (0, 0, 0)), Selection("edge", (1, 0, 0))


def num(v, decimals=9):
    """A number as the inspector writes it (with a true minus sign)."""
    return fmt(v, decimals).replace("-", "−")


@pytest.fixture
def make(qtbot):
    def build(name="mazur", doc=None):
        s = Session(doc if doc is not None else load_preset(name), name)
        ins = Inspector(s)
        qtbot.addWidget(ins)
        ins.resize(560, 900)
        return s, ins

    return build


def table_values(tab):
    return [[tab.item(r, c).text() for c in range(tab.columnCount())] for r in range(tab.rowCount())]


def test_w5_reads_like_seed_004(make):
    s, ins = make()
    s.last()
    s.select(W5)
    txt = ins.selection_text()
    for v in ("0.74136507", "0.186815602", "0.593269992", "0.082167041", "0.35891648"):
        assert v in txt
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.138498562 × 0.593269992 = 0.082167041" in txt
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in txt
    assert "?" not in txt


def test_w1_expands_the_paths_out_of_h1(make):
    s, ins = make()
    s.last()
    s.select(W1)
    txt = ins.selection_text()
    for v in ("0.036350306", "0.000438568", "0.055399425", "(−0.019049118)", "0.241300709", "0.149780716"):
        assert v in txt
    assert "0.138498562 × 0.4 + (−0.038098237) × 0.5" in txt
    assert "= 0.036350306 × 0.241300709 × 0.05 = 0.008771355 × 0.05 = 0.000438568" in txt


def test_unrevealed_values_are_question_marks(make):
    s, ins = make()
    s.select(W5)
    assert s.phase_index == 0
    txt = ins.selection_text()
    assert "?" in txt and "0.082167041" not in txt and "0.593269992" not in txt
    assert "∂E" in txt and "0.4" in txt  # the formula and the known weight are always there
    s.set_phase(s.names.index("grad:o"))  # the gradient, not yet the update
    txt = ins.selection_text()
    assert "0.082167041" in txt and "0.35891648" not in txt
    assert "= 0.4 − 0.5 × 0.082167041 = ?" in txt
    s.set_phase(s.names.index("out:h"))
    txt = ins.selection_text()
    assert "0.593269992" in txt and "0.74136507" not in txt


def test_neurons(make):
    s, ins = make()
    s.last()
    s.select(Selection("neuron", (2, 0)))
    txt = ins.selection_text()
    for v in ("1.105905967", "0.75136507", "0.01", "0.274811083", "0.74136507", "0.186815602", "0.138498562"):
        assert v in txt
    s.select(Selection("neuron", (1, 0)))
    txt = ins.selection_text()
    for v in ("0.3775", "0.593269992", "0.036350306", "0.241300709"):
        assert v in txt
    s.select(Selection("neuron", (0, 1)))
    assert "0.1" in ins.selection_text()
    s.first()
    s.select(Selection("neuron", (2, 0)))
    txt = ins.selection_text()
    assert "?" in txt and "0.75136507" not in txt


def test_mazur_bias_is_fixed(make):
    s, ins = make()
    s.last()
    s.select(Selection("bias", (0, 1)))
    txt = ins.selection_text()
    assert "biases fixed" in txt and "train_biases" not in txt
    assert num(s.trace.p.grad_b[0][1]) in txt and "0.35" in txt


def test_nothing_selected_shows_the_phase(make):
    s, ins = make()
    s.set_phase(3)
    txt = ins.selection_text()
    assert "Click a neuron or an edge" in txt
    assert s.phase.title in txt and "1.105905967" in txt


def test_batch_edge_shows_each_samples_contribution(make):
    s, ins = make("xor")
    s.last()
    tr = s.trace
    assert len(tr.samples) == 4
    j, r, c = 1, 0, 1
    s.select(Selection("edge", (j, r, c)))
    txt = ins.selection_text()
    contrib = tr.p.delta[j + 1][:, r] * tr.p.out[j][:, c]
    for v in contrib:
        assert num(v) in txt
    assert contrib.sum() == pytest.approx(tr.p.grad_w[j][r, c], abs=1e-15)
    assert num(tr.p.grad_w[j][r, c]) in txt and num(tr.weights_after[j][r, c]) in txt


def test_batch_bias_is_trained(make):
    s, ins = make("xor")
    s.last()
    s.select(Selection("bias", (1, 0)))
    txt = ins.selection_text()
    assert "fixed" not in txt
    for v in s.trace.p.delta[2][:, 0]:
        assert num(v) in txt
    assert num(s.trace.p.grad_b[1][0]) in txt and num(s.trace.biases_after[1][0]) in txt


def matrix_keys(ins):
    return list(ins.tables)


def test_matrix_tab_follows_the_phase(make):
    """Each phase's own matrix equation, headed by its title (issue 10): at "the error signal
    reaches layer h" Wᵀ·δ, at the gradient phase δ·outᵀ, at the update W before and after."""
    s, ins = make()
    s.select(W5)
    ins.tabs.setCurrentIndex(1)
    tr = s.trace
    p = tr.p
    expect = {
        "input": ["out0", "target"],
        "net:h": ["W", "out0", "b", "net"],
        "out:h": ["net", "out1"],
        "error": ["out2", "target", "error"],
        "grad_out:o": ["out2", "target", "grad_out"],
        "delta:o": ["grad_out", "fprime", "delta"],
        "grad:o": ["delta", "outT", "grad", "grad_b"],
        "grad_out:h": ["WT", "delta_next", "grad_out"],
        "update": ["W", "grad", "after"],
    }
    for name, keys in expect.items():
        s.set_phase(s.names.index(name))
        assert matrix_keys(ins) == keys, name
        assert s.phase.title in ins.matrix_note.text(), name
    s.set_phase(s.names.index("grad_out:h"))
    assert "W<sub>o</sub><sup>T</sup> · δ<sub>o</sub>" in ins.matrix_note.text()
    assert table_values(ins.tables["WT"]) == [["0.4", "0.5"], ["0.45", "0.55"]]  # W_o transposed
    assert table_values(ins.tables["delta_next"]) == [[num(v)] for v in p.delta[2][0]]
    assert table_values(ins.tables["grad_out"]) == [["0.036350306"], ["0.041370323"]]
    assert ins.tables["WT"].item(0, 0).background().color().name().lower() == "#e69f00"  # w5
    s.set_phase(s.names.index("delta:h"))
    assert table_values(ins.tables["fprime"]) == [[num(v)] for v in p.fprime[1][0]]
    assert table_values(ins.tables["delta"]) == [["0.008771355"], ["0.009954255"]]
    s.set_phase(s.names.index("grad:o"))
    assert table_values(ins.tables["outT"]) == [["0.593269992", "0.596884378"]]
    assert table_values(ins.tables["grad"]) == [[num(v) for v in row] for row in p.grad_w[1]]
    s.last()
    assert table_values(ins.tables["W"]) == [["0.4", "0.45"], ["0.5", "0.55"]]
    assert table_values(ins.tables["after"])[0][0] == "0.35891648"
    assert "η = 0.5" in ins.matrix_note.text()
    s.select(Selection("neuron", (1, 0)))  # the update of layer h: the weights i → h
    assert table_values(ins.tables["grad"])[0][0] == "0.000438568"


def test_matrix_tab_batch_has_a_column_per_sample(make):
    s, ins = make("xor")
    ins.tabs.setCurrentIndex(1)
    tr = s.trace
    s.set_phase(s.names.index("grad:h"))
    assert ins.tables["delta"].columnCount() == 4 and ins.tables["outT"].rowCount() == 4
    assert table_values(ins.tables["grad"]) == [[num(v) for v in row] for row in tr.p.grad_w[0]]
    assert "summed over the 4 samples" in ins.matrix_note.text()
    s.last()
    assert table_values(ins.tables["grad"]) == [[num(v) for v in row] for row in tr.p.grad_w[1]]


def test_gradient_check_w5(make):
    s, ins = make()
    s.select(W5)
    ins.tabs.setCurrentIndex(2)
    assert ins.check_results == []  # not revealed at phase 0
    s.last()
    (e,) = ins.check_results
    assert e["symbol"] == "w5" and e["analytic"] == pytest.approx(0.082167041, abs=1e-9)
    assert abs(e["numeric"] - e["analytic"]) < 1e-8
    assert ins.check_table.item(0, 2).text() == "0.082167041"
    s.select(Selection("neuron", (1, 1)))  # its whole layer: 4 weights and 2 biases
    assert len(ins.check_results) == 6
    assert all(abs(e["numeric"] - e["analytic"]) < 1e-8 for e in ins.check_results)


def test_gradient_check_is_lazy(make):
    s, ins = make()
    s.last()
    s.select(W5)
    assert ins.check_results == []
    ins.tabs.setCurrentIndex(2)
    assert len(ins.check_results) == 1


def test_decimals_theme_and_zoom(make):
    s, ins = make()
    s.last()
    s.select(W5)
    s.set_decimals(4)
    assert "0.0822" in ins.selection_text() and "0.082167041" not in ins.selection_text()
    size = ins.text.document().defaultFont().pointSizeF()
    s.set_zoom(2.0)
    assert ins.text.document().defaultFont().pointSizeF() == pytest.approx(2 * size)
    s.set_theme("dark")
    assert "#1E1F22" in ins.text.styleSheet()


@pytest.mark.parametrize("name", PRESETS)
def test_every_selection_of_every_preset_renders(make, name):
    s, ins = make(name)
    net = s.network
    sels = [None] + [Selection("neuron", (k, i)) for k in range(net.L + 1) for i in range(net.sizes[k])]
    sels += [
        Selection("edge", (j, r, c))
        for j, w in enumerate(net.weights)
        for r in range(w.shape[0])
        for c in range(w.shape[1])
    ]
    if net.biases is not None:
        sels += [Selection("bias", (j, i)) for j, b in enumerate(net.biases) for i in range(len(b))]
    if len(sels) > 60:  # spiral 135, digits 1,301 selections: every kind and layer, evenly spread
        sels = [None] + sels[1 :: -(-len(sels) // 60)] + [sels[-1]]
        assert {x.kind for x in sels if x is not None} >= {"neuron", "edge"}
    for phase in (0, s.last_index):
        s.set_phase(phase)
        for sel in sels:
            s.select(sel)
            for tab in range(3):
                ins.tabs.setCurrentIndex(tab)
            assert ins.selection_text().strip()
            ins.tabs.setCurrentIndex(0)


def test_big_network_stays_fast_and_capped(make):
    rng = np.random.default_rng(1)
    sizes = [784, 128, 10]
    net = Network(
        ["x", "h", "y"],
        sizes,
        [make_activation("sigmoid")] * 2,
        [rng.normal(size=(128, 784)), rng.normal(size=(10, 128))],
        None,
        True,
        make_loss("half_sse"),
    )
    s, ins = make("big", Document(net, rng.uniform(size=(4, 784)), rng.uniform(size=(4, 10))))
    s.last()
    t0 = time.perf_counter()
    s.select(Selection("neuron", (1, 100)))
    assert "…" in ins.selection_text()  # 784 terms are summarised
    ins.tabs.setCurrentIndex(1)
    assert ins.tables["W"].rowCount() == CAP and ins.tables["W"].columnCount() == CAP
    assert "Showing" in ins.matrix_note.text()
    ins.tabs.setCurrentIndex(2)
    assert len(ins.check_results) == MAX_CHECK  # the neuron's own edges, capped
    assert [e["symbol"] for e in ins.check_results][:2] == ["w(h101,x1)", "w(h101,x2)"]
    s.select(Selection("neuron", (0, 5)))  # an input: the edges out of it
    assert len(ins.check_results) == 128 and ins.check_results[0]["symbol"] == "w(h1,x6)"
    s.select(Selection("edge", (0, 100, 700)))
    (e,) = ins.check_results
    assert abs(e["numeric"] - e["analytic"]) < 1e-6
    ins.tabs.setCurrentIndex(1)
    tab = ins.tables["W"]
    lit = [
        (tab.verticalHeaderItem(r).text(), tab.horizontalHeaderItem(c).text())
        for r in range(tab.rowCount())
        for c in range(tab.columnCount())
        if tab.item(r, c).background().color().name().lower() == "#e69f00"
    ]
    assert lit == [("h101", "x701")]  # the window follows the selection
    assert time.perf_counter() - t0 < 10
    # the Selection tab writes a few dozen lines, never one a term (784 inputs, 128 hidden)
    ins.tabs.setCurrentIndex(0)
    for phase in (0, s.last_index):
        s.set_phase(phase)
        for sel in (
            None,
            Selection("neuron", (0, 5)),
            Selection("neuron", (1, 100)),
            Selection("neuron", (2, 3)),
        ):
            s.select(sel)
            assert visual_lines(ins) <= LINE_CAP, (phase, sel)


LINE_CAP = 120  # lines the Selection tab may take, as laid out 560 px wide (measured: ≤ 100)


def visual_lines(ins) -> int:
    """Lines of the Selection tab as laid out at its width (wrapped lines counted)."""
    doc = ins.text.document()
    doc.setTextWidth(ins.text.viewport().width())
    n, b = 0, doc.begin()
    while b.isValid():
        n += b.layout().lineCount()
        b = b.next()
    return n


def image_network():
    """784-128-10 with the input an image of 28 × 28, four samples."""
    rng = np.random.default_rng(1)
    net = Network(
        ["x", "h", "y"],
        [784, 128, 10],
        [make_activation("sigmoid")] * 2,
        [rng.normal(size=(128, 784)), rng.normal(size=(10, 128))],
        None,
        True,
        make_loss("half_sse"),
        input_shape=(28, 28),
    )
    return Document(net, rng.uniform(size=(4, 784)), rng.uniform(size=(4, 10)))


@pytest.mark.parametrize("name", ["digits", "image"])
def test_a_big_or_image_network_is_pictures_and_few_lines(make, name):
    """Digits (64-16-10, a batch of 32) and 784-128-10 on a 28 × 28 image: every kind of
    selection at the first and the last phase is at most LINE_CAP lines; a hidden unit's
    weights are an image, not 64 or 784 lines (before: 175 lines for a digits weight, 364
    for the 784-input phase)."""
    s, ins = make(name, image_network() if name == "image" else None)
    ins.show()
    net = s.network
    sels = [
        None,
        Selection("neuron", (0, 20)),
        Selection("neuron", (1, 3)),
        Selection("neuron", (2, 1)),
        Selection("edge", (0, 3, 20)),
        Selection("edge", (1, 1, 3)),
    ]
    worst = 0
    for phase in (0, s.last_index):
        s.set_phase(phase)
        for sel in sels:
            s.select(sel)
            worst = max(worst, visual_lines(ins))
    assert worst <= LINE_CAP
    s.select(Selection("neuron", (1, 3)))
    assert set(ins.pictures) == {"x", "w", "g", "d"}
    assert ins.pictures["w"].values.shape == net.input_shape
    assert ins.selection_text().count("\n") < 60


def test_the_gradient_check_is_cores_not_the_guis(make, monkeypatch):
    """The tab asks core.gradcheck for its finite differences; the GUI has none of its own."""
    import inspect

    import bpviz.gui.gradcheck_tab as tab
    from bpviz.core import gradcheck
    from bpviz.gui import inspector

    assert not hasattr(inspector, "numeric_gradient")
    for mod in (inspector, tab):
        src = inspect.getsource(mod)
        assert ".evaluate(" not in src and "eps)" not in src
    calls = []
    real = gradcheck.numeric_gradients

    def spy(*a, **k):
        calls.append(a[3])
        return real(*a, **k)

    monkeypatch.setattr(tab, "numeric_gradients", spy)
    s, ins = make()
    s.last()
    s.select(W5)
    ins.tabs.setCurrentIndex(2)
    assert calls == [[("w", 1, (0, 0))]]
    full = gradcheck.gradcheck(s.network, s.trace.inputs, s.trace.targets)
    w5 = next(e for e in full.weights if (e["layer"], e["row"], e["col"]) == (1, 0, 0))
    assert ins.check_results[0]["numeric"] == pytest.approx(w5["numeric"], abs=1e-12)


def test_gradient_check_before_its_phase_names_the_phase_in_words(make):
    s, ins = make("mazur")
    s.select(Selection("edge", (1, 0, 0)))
    ins.tabs.setCurrentIndex(2)
    note = ins.check_note.text()
    assert "phase 9" in note and "gradients of the weights into layer o" in note
    assert "grad:o" not in note and ins.check_table.rowCount() == 0
