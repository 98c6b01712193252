"""The inspector's pictures (core/teach/pictures.py, selection.py): a unit fed by an image is
drawn as images of the input's shape, a neuron of a one- or two-input network as its out over
the input plane; long rows are counted, not listed."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from bpviz.core import plane as core_plane
from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.iteration.phases import trace_step
from bpviz.core.iteration.reveal import Revealed
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.core.teach.pictures import Picture, figures, ink_range, sign_range
from bpviz.core.teach.selection import INPUTS_LISTED, PHASE_LINES, SAMPLE_PICTURES, Explainer


def plain(h: str) -> str:
    h = re.sub(r"</p>|</h3>|</tr>", "\n", h)
    return html.unescape(re.sub(r"<[^>]+>", "", h))


@pytest.fixture(scope="module")
def digits():
    doc = load_preset("digits")
    tr = trace_step(doc, list(range(8)))
    return doc, tr


def explain(tr, phase=-1, **kw):
    return Explainer(tr, Revealed(tr.phases, phase % len(tr.phases)), **kw)


def test_a_hidden_unit_of_digits_is_drawn_as_8x8_images(digits):
    _, tr = digits
    ex = explain(tr)
    txt = plain(ex.neuron(1, 3))
    pics = ex.pictures
    assert set(pics) == {"x", "w", "g", "d"}
    w = tr.network.weights[0][3]
    np.testing.assert_array_equal(pics["w"].values, w.reshape(8, 8))
    np.testing.assert_array_equal(pics["g"].values, tr.p.grad_w[0][3].reshape(8, 8))
    np.testing.assert_array_equal(pics["d"].values, (tr.weights_after[0][3] - w).reshape(8, 8))
    np.testing.assert_array_equal(pics["x"].values, tr.inputs[0].reshape(8, 8))
    assert pics["w"].scale == "sign" and pics["w"].hi == pytest.approx(np.abs(w).max()) == -pics["w"].lo
    assert pics["x"].scale == "ink" and pics["x"].lo == 0
    assert all(p.known for p in pics.values())
    assert "What h4 looks for: its 64 incoming weights as the input's 8 × 8 image" in txt
    top = int(np.argmax(np.abs(w)))
    assert f"(row {top // 8 + 1}, column {top % 8 + 1})" in txt  # the strongest weight, placed
    assert "<img src='pic:w'>" in ex.neuron(1, 3) and "<img src='pic:w:bar'>" in ex.neuron(1, 3)


def test_pictures_not_revealed_yet_are_question_marks(digits):
    _, tr = digits
    ex = explain(tr, 0)
    txt = plain(ex.neuron(1, 3))
    assert not ex.pictures["g"].known and not ex.pictures["d"].known and ex.pictures["w"].known
    assert "∂E/∂w, Σ over 8 samples ?" in txt and "not revealed yet" in txt
    at = [p.name for p in tr.phases].index("grad:h")
    ex = explain(tr, at)
    ex.neuron(1, 3)
    assert ex.pictures["g"].known and not ex.pictures["d"].known


def test_a_first_layer_weight_rings_its_pixel_and_an_input_its_pixel(digits):
    _, tr = digits
    ex = explain(tr)
    txt = plain(ex.edge(0, 5, 21))  # x22 → h6: row 3, column 6
    assert {p.mark for p in ex.pictures.values()} == {(2, 5)}
    assert "Ringed: x22, row 3, column 6." in txt
    ex = explain(tr)
    txt = plain(ex.neuron(0, 21))
    assert ex.pictures["x"].mark == (2, 5) and "row 3, column 6" in txt
    assert not explain(tr).edge(1, 0, 0).count("<img")  # a layer not fed by the image: no pictures


def test_a_network_without_a_shape_has_no_unit_pictures():
    doc = load_preset("xor")
    tr = trace_step(doc, [0, 1, 2, 3])
    ex = explain(tr)
    ex.neuron(1, 0)
    ex.edge(0, 0, 0)
    assert ex.pictures == {}


def plane_of(doc, tr):
    fr = core_plane.frame(doc, core_plane.default_spec(doc), net=tr.network)
    return fr, core_plane.neuron_grids(tr.network, fr)


def test_a_neuron_of_circle_shows_its_out_over_the_input_plane():
    doc = load_preset("circle")
    tr = trace_step(doc, [0])
    fr, grids = plane_of(doc, tr)
    ex = explain(tr, plane=(fr, grids))
    txt = plain(ex.neuron(1, 2))
    p = ex.pictures["plane"]
    np.testing.assert_array_equal(p.values, grids[0][2][::-1])  # the top row is the highest y
    assert (p.lo, p.hi) == core_plane.BOUNDED[tr.network.activations[0].name]
    assert p.scale == "plane" and not p.curve
    assert "What h3 computes: its out at every point of the input plane" in txt
    # the sample is ringed where it lies on the grid
    ny, nx = grids[0][2].shape
    x, y = tr.inputs[0, 0], tr.inputs[0, 1]
    col = int((x - fr.x_range[0]) / (fr.x_range[1] - fr.x_range[0]) * nx)
    row = ny - 1 - int((y - fr.y_range[0]) / (fr.y_range[1] - fr.y_range[0]) * ny)
    assert p.mark == (row, col)
    ex = explain(tr, plane=(fr, grids))
    ex.neuron(2, 0)
    np.testing.assert_array_equal(ex.pictures["plane"].values, grids[1][0][::-1])
    # before the stepper reveals the layer's out, its picture is "?" (it would give it away)
    at = [ph.name for ph in tr.phases].index("out:h")
    ex = explain(tr, at - 1, plane=(fr, grids))
    assert "not revealed yet" in ex.neuron(1, 2) and not ex.pictures["plane"].known
    ex = explain(tr, at, plane=(fr, grids))
    ex.neuron(1, 2)
    assert ex.pictures["plane"].known


def test_one_input_is_a_curve_and_three_inputs_have_no_plane_picture():
    doc = load_preset("sine")
    tr = trace_step(doc, [0])
    ex = explain(tr, plane=plane_of(doc, tr))
    assert "ringed: sample 1" in plain(ex.neuron(1, 0))
    p = ex.pictures["plane"]
    assert p.curve and p.values.ndim == 1 and p.known
    fr = plane_of(doc, tr)[0]
    assert fr.xs[p.mark[1]] == pytest.approx(tr.inputs[0, 0], abs=(fr.xs[1] - fr.xs[0]) / 2 + 1e-12)
    rng = np.random.default_rng(0)
    net = Network(
        ["x", "h", "y"],
        [3, 4, 1],
        [make_activation("tanh"), make_activation("sigmoid")],
        [rng.normal(size=(4, 3)), rng.normal(size=(1, 4))],
        [np.zeros(4), np.zeros(1)],
        True,
        make_loss("half_sse"),
    )
    doc = Document(net, rng.uniform(size=(10, 3)), rng.uniform(size=(10, 1)))
    tr = trace_step(doc, [0])
    fr, grids = plane_of(doc, tr)
    assert fr.held  # the third input held at its mean: the plane is not the whole input
    ex = explain(tr, plane=(fr, grids))
    assert "<img" not in ex.neuron(1, 0) and ex.pictures == {}


def big_document():
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


def test_the_input_phase_draws_images_and_counts_a_long_row(digits):
    _, tr = digits
    ex = explain(tr, 0)
    h = ex.phase(tr.phases[0], len(tr.phases))
    assert [k for k in ex.pictures] == [f"x{s}" for s in range(min(8, SAMPLE_PICTURES))]
    assert len({(p.lo, p.hi) for p in ex.pictures.values()}) == 1  # one scale for the step
    assert h.count("pic:x0:bar") == 1 and "pic:x1:bar" not in h  # drawn once
    txt = plain(h)
    assert "(58 more inputs)" in txt and "x7 =" not in txt
    tr = trace_step(big_document(), [0])
    ex = explain(tr, 0)
    txt = plain(ex.phase(tr.phases[0], len(tr.phases)))
    assert f"({784 - INPUTS_LISTED} more inputs)" in txt and "x784 =" not in txt
    assert len(txt) < 1500  # was one line of 15,700 characters


def test_a_phase_lists_a_few_computations_and_counts_the_rest(digits):
    _, tr = digits
    for i, ph in enumerate(tr.phases):
        txt = plain(explain(tr, i).phase(ph, len(tr.phases)))
        assert txt.count("\n") <= PHASE_LINES + 16, ph.name
    upd = tr.phases[-1]
    txt = plain(explain(tr).phase(upd, len(tr.phases)))
    n_params = sum(w.size for w in tr.network.weights) + sum(b.size for b in tr.network.biases)
    assert f"… and {n_params - PHASE_LINES:,} more: select a neuron or a weight" in txt


def test_scales_and_figures():
    assert sign_range([0.5, -2.0, np.nan]) == (-2.0, 2.0) and sign_range([0, 0]) == (-1.0, 1.0)
    assert ink_range([0, 0.25, 16]) == (0.0, 16.0) and ink_range([-1, 2]) is None
    a = Picture("a", np.ones((2, 2)), -0.5, 0.5, "sign", "a")
    b = Picture("b", np.ones((2, 2)), 0.0, 3.0, "ink", "b", known=False)
    assert a.scale_words() == "±0.5" and b.scale_words() == "0 … 3"
    h = figures([a, b, a], across=2)
    assert h.count("<tr>") == 8  # two rows of pictures: captions, images, bars, scales each
    assert "pic:b:bar" not in h and "<span class='q'>?</span>" in h
    with pytest.raises(ValueError):
        Picture("c", np.ones((1, 1)), 0, 1, "rainbow", "c")
