"""The canvas and the stepper follow the core's phase list: what is lit and what is revealed."""

import numpy as np
import pytest

from bpviz.core.iteration.chain import delta_rule
from bpviz.core.numbers import sig
from bpviz.core.presets import PRESETS, load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.session import Selection, Session


@pytest.fixture
def view_of(qtbot):
    def make(name):
        s = Session(load_preset(name), name)
        v = NetworkView(s)
        qtbot.addWidget(v)
        v.resize(900, 600)
        v.show()
        qtbot.waitExposed(v)
        return s, v

    return make


@pytest.mark.parametrize("name", PRESETS)
def test_every_phase_of_two_iterations_matches_the_phase_list(view_of, name):
    s, v = view_of(name)
    seen = 0
    for it in range(2):
        assert s.step == it
        for i, ph in enumerate(s.phases):
            assert s.phase_index == i
            hl = v.highlight_state()
            assert sorted(hl["neurons"]) == sorted(ph.neurons)
            assert sorted(hl["edges"]) == sorted(ph.edges)
            assert hl["colour"] == ("error_signal" if ph.direction == "backward" else "forward")
            check_revealed(s, v)
            s.next()
            seen += 1
    assert seen == 2 * len(s.names)


def canvas_fmt(v) -> str:
    """The canvas writes 4 significant figures and a true minus sign."""
    return sig(v, 4)


def check_revealed(s, v):
    """Values a phase has not reached are hidden; reached ones are the trace's numbers; net
    and out stay through the backward pass; the δ phase writes ∂E/∂out × f′(net) = δ."""
    # the numbers from the core itself (a forward and backward pass of the step's rows), not
    # from the trace the canvas draws
    rows = s.rows_for_step(s.step)
    p = s.network.run(s.doc.inputs[rows], s.doc.targets[rows])
    net, sm = s.network, s.display_sample
    for k in range(1, net.L + 1):
        nm = net.names[k]
        at_delta = s.phase.name == f"delta:{nm}"
        for i in range(net.sizes[k]):
            txt = v.value_text(k, i)
            assert (f"out {canvas_fmt(p.out[k][sm, i])}" in txt) == s.reached(f"out:{nm}")
            assert (f"net {canvas_fmt(p.net[k][sm, i])}" in txt) == s.reached(f"net:{nm}")
            shown = [canvas_fmt(a[k][sm, i]) for a in (p.out, p.net, p.grad_out)]
            if canvas_fmt(p.delta[k][sm, i]) not in shown:  # (δ = out − 0 = out: softmax + CE)
                assert (canvas_fmt(p.delta[k][sm, i]) in txt) == s.reached(f"delta:{nm}")
            assert (f"δ {canvas_fmt(p.delta[k][sm, i])}" in txt) == (
                s.reached(f"delta:{nm}") and not at_delta
            )
            rule = delta_rule(net, k)
            assert ("f′(net)" in txt) == (at_delta and rule == "f′")
            assert ("out − target = δ" in txt) == (at_delta and rule == "out − target")
            if at_delta and rule == "f′":
                g, f, d = (canvas_fmt(a[k][sm, i]) for a in (p.grad_out, p.fprime, p.delta))
                paren = [f"({x})" if x.startswith("−") else x for x in (g, f)]
                assert f"∂E/∂out × f′(net) = δ\n{paren[0]} × {paren[1]} = {d}" in txt
            elif at_delta and rule == "out − target":  # the chain rule collapsed: the beat
                o, t, d = (canvas_fmt(a[sm, i]) for a in (p.out[k], s.doc.targets[rows], p.delta[k]))
                assert f"out − target = δ\n{o} − {t} = {d}" in txt
                assert p.delta[k][sm, i] == p.out[k][sm, i] - s.doc.targets[rows][sm, i]
            elif s.reached(f"grad_out:{nm}") and not s.reached(f"delta:{nm}"):
                assert f"∂E/∂out {canvas_fmt(p.grad_out[k][sm, i])}" in txt


def test_next_after_update_applies_it_and_previous_undoes(view_of):
    s, v = view_of("mazur")
    w_before = [w.copy() for w in s.network.weights]
    s.last()
    expected = [w.copy() for w in s.trace.weights_after]
    s.next()
    assert s.step == 1 and s.phase_index == 0
    for a, b in zip(s.network.weights, expected, strict=True):
        np.testing.assert_array_equal(a, b)
    assert s.trace.error == pytest.approx(0.29102777, abs=5e-9)
    s.previous()
    assert s.step == 0 and s.phase_index == s.last_index
    for a, b in zip(s.network.weights, w_before, strict=True):
        np.testing.assert_array_equal(a, b)
    s.previous()
    assert s.phase_index == s.last_index - 1


def test_online_iterations_walk_the_samples(view_of):
    s, _ = view_of("swap")
    got = []
    for _ in range(5):
        got.append(s.trace.samples)
        s.last()
        s.next()
    assert got == [[0], [1], [2], [3], [0]]
    s.set_sample_choice(1)
    assert s.trace.samples == [1]


def test_batch_mode_shows_the_chosen_sample(view_of):
    s, v = view_of("xor")
    assert s.trace.samples == [0, 1, 2, 3]
    s.last()
    s.set_sample_choice(2)
    assert s.display_sample == 2
    txt = v.value_text(0, 0)
    assert txt == canvas_fmt(s.trace.inputs[2, 0])


def test_hit_testing_finds_neurons_and_edges(view_of, qtbot):
    s, v = view_of("mazur")
    pos = v._pos
    assert v.hit(*pos[1][0]) == Selection("neuron", (1, 0))
    mid = (pos[1][0] + pos[2][0]) / 2  # w5 runs from h1 to o1
    assert v.hit(*mid) == Selection("edge", (1, 0, 0))
    assert "w5" in v.tooltip(Selection("edge", (1, 0, 0)))


def test_large_network_draws_a_budget_and_hit_tests(qtbot):
    from PySide6.QtWidgets import QApplication

    from bpviz.core.fileformat import Document
    from bpviz.core.functions import make_activation, make_loss
    from bpviz.core.network import Network
    from bpviz.gui.canvas import EDGE_BUDGET

    rng = np.random.default_rng(0)
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
    doc = Document(net, rng.uniform(size=(4, 784)), rng.uniform(size=(4, 10)))
    s = Session(doc, "big")
    v = NetworkView(s)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    qtbot.waitExposed(v)
    # a long formula in the banner once widened the layout and left the canvas off screen
    v.banner.setText("x1, " * 800)
    for _ in range(3):  # let the layout take the new text in
        QApplication.processEvents()
    assert 0 < v.vb.width() <= v.width()
    (x0, x1), _ = v.vb.viewRange()
    assert x0 < v._pos[0][0, 0] and v._pos[2][0, 0] < x1
    # Automatic: both layers (100,352 and 1,280 edges) are drawn as their weight matrices
    assert v.matrix_layers() == {0, 1} and len(v._shown[0]) == 0
    v.set_dense_style("edges")
    assert len(v._shown[0]) == EDGE_BUDGET
    assert v._notes[0].isVisible() and "100,352" in v._notes[0].toPlainText()
    assert v.hit(*v._pos[2][3]) == Selection("neuron", (2, 3))
    for _ in range(3):
        s.next()


def test_a_neuron_tooltip_names_its_layer_so_a_dropped_caption_is_still_readable(view_of):
    s, v = view_of("mazur")
    tip = v.tooltip(Selection("neuron", (1, 0)))
    assert "h1" in tip and "layer h · sigmoid" in tip and "net = ?" in tip


def test_the_canvas_asks_the_phase_list_what_is_revealed_not_phase_names():
    """What is known comes from Revealed (Phase.reveals), never from phase names the canvas
    spells itself ("delta:h")."""
    import pathlib
    import re

    from bpviz import gui
    from bpviz.gui import canvas

    src = "".join(p.read_text() for p in pathlib.Path(canvas.__file__).parent.glob("*.py"))
    assert "reached(" not in src
    for path in pathlib.Path(gui.__file__).parent.rglob("*.py"):  # nor anywhere in gui
        assert not re.search(r'f"(net|out|grad_out|delta|grad):\{', path.read_text()), path


def test_the_weight_editor_reads_a_typed_number_by_the_one_rule(qtbot):
    """The canvas reads what is typed as the dialogs do (core.numbers.read_number): "0,5" is
    refused with a hint (it used to be taken as 0.5 here and refused in the dialog), a true
    minus sign reads as a minus."""
    from PySide6.QtCore import Qt

    s = Session(load_preset("mazur"), "mazur")
    v = NetworkView(s)
    qtbot.addWidget(v)
    v.resize(900, 600)
    v.show()
    qtbot.waitExposed(v)
    ed = v.begin_edit(Selection("edge", (1, 0, 0)))
    ed.setText("0,5")
    qtbot.keyClick(ed, Qt.Key.Key_Return)
    assert s.network.weights[1][0, 0] == 0.4 and not s.modified
    assert v._editor is ed and "use a decimal point: 0.5" in ed.toolTip()
    ed.setText("\u22120.5")
    qtbot.keyClick(ed, Qt.Key.Key_Return)
    assert s.network.weights[1][0, 0] == -0.5 and v._editor is None


def test_a_label_keeps_only_its_last_few_documents(view_of):
    """A label that changes its text (numbers while training) frees the documents it no
    longer keeps: PySide6 ties every document an item was given to it (they leaked ~20 KB a
    change, tens of MB a minute while training)."""
    import shiboken6

    from bpviz.gui.canvas.text_items import DOCS_PER_LABEL

    s, v = view_of("mazur")
    t = v._vals[0]
    docs = []
    for i in range(50):
        v._set_text(t, f"value {i}", "#000000", 9)
        docs.append(t.textItem.document())
    alive = [d for d in docs if shiboken6.isValid(d)]
    assert 1 <= len(alive) <= DOCS_PER_LABEL
    assert shiboken6.isValid(t.textItem.document()) and t.toPlainText() == "value 49"
    v._set_text(t, "value 48", "#000000", 9)  # a form kept: its document comes back
    assert t.toPlainText() == "value 48"
