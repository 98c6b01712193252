"""The Matrix tab of an image-shaped input (issue 15): W of the first layer, its ∂E/∂W and W
after the update are an image per neuron, the inputs an image per sample, not 64- or
784-column tables; every image's pixels are its row's numbers on one sign scale."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.gui.inspector import Inspector
from bpviz.gui.matrix_tab import IMAGE_CAP
from bpviz.gui.session import Selection, Session


@pytest.fixture
def make(qtbot):
    def build(name="digits", doc=None):
        s = Session(doc if doc is not None else load_preset(name), name)
        ins = Inspector(s)
        qtbot.addWidget(ins)
        ins.resize(560, 900)
        ins.tabs.setCurrentIndex(1)
        return s, ins

    return build


def centre_colours(img, n=8):
    w, h = img.width(), img.height()
    return [
        [QColor(img.pixel(int((c + 0.5) * w / n), int((r + 0.5) * h / n))) for c in range(n)]
        for r in range(n)
    ]


def test_digits_first_layer_is_an_image_per_neuron(make):
    s, ins = make()
    s.set_phase(s.names.index("net:h"))
    m = ins.matrix
    assert set(m.images) == {"W", "out0"} and "W" not in m.tables and set(m.tables) == {"b", "net"}
    W = s.trace.network.weights[0]
    grid = m.images["W"]
    assert grid.items == list(range(16)) and len(grid.labels) == 16
    lo, hi = grid.pictures[0].lo, grid.pictures[0].hi
    assert hi == pytest.approx(np.abs(W).max()) == -lo  # one sign scale for the whole matrix
    for i, p in enumerate(grid.pictures):
        np.testing.assert_array_equal(p.values, W[i].reshape(8, 8))
        assert (p.lo, p.hi) == (lo, hi)
    # the pixels: blue where the weight is positive, vermillion where negative
    img = grid.labels[3].pixmap().toImage()
    cols = centre_colours(img)
    w3 = W[3].reshape(8, 8)
    for r in range(8):
        for c in range(8):
            if abs(w3[r, c]) > 0.1 * hi:
                d = cols[r][c].blue() - cols[r][c].red()
                assert np.sign(d) == np.sign(w3[r, c]), (r, c)
    x = m.images["out0"]
    assert len(x.pictures) == len(s.trace.samples) and x.pictures[0].scale == "ink"
    np.testing.assert_array_equal(x.pictures[0].values, s.trace.inputs[0].reshape(8, 8))
    assert "an image of 8 × 8 inputs per neuron" in m.titles["W"].text()


def test_the_selection_is_framed_and_an_edges_pixel_ringed(make):
    s, ins = make()
    s.set_phase(s.names.index("grad:h"))
    s.select(Selection("edge", (0, 3, 21)))
    m = ins.matrix
    assert set(m.images) == {"outT", "grad"}
    grid = m.images["grad"]
    assert grid.lit == {3}
    assert [p.mark for p in grid.pictures] == [None] * 3 + [(2, 5)] + [None] * 12
    assert (
        "#e69f00" in grid.labels[3].styleSheet().lower()
        and "#e69f00" not in grid.labels[2].styleSheet().lower()
    )
    np.testing.assert_array_equal(grid.pictures[3].values, s.trace.p.grad_w[0][3].reshape(8, 8))
    s.select(Selection("neuron", (0, 21)))  # an input pixel: ringed in every image
    assert [p.mark for p in m.images["grad"].pictures] == [(2, 5)] * 16 and m.images["grad"].lit == set()


def test_the_update_of_the_first_layer_is_images(make):
    s, ins = make()
    s.select(Selection("neuron", (1, 3)))
    s.set_phase(s.last_index)
    m = ins.matrix
    assert set(m.images) == {"W", "grad", "after"} and all(p.known for p in m.images["after"].pictures)
    assert not m.tables
    np.testing.assert_array_equal(
        m.images["after"].pictures[3].values, s.trace.weights_after[0][3].reshape(8, 8)
    )


def test_a_784_input_image_network_draws_a_window_of_neurons(make):
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
    s, ins = make("image", Document(net, rng.uniform(size=(4, 784)), rng.uniform(size=(4, 10))))
    s.select(Selection("neuron", (1, 100)))
    s.set_phase(s.names.index("net:h"))
    grid = ins.matrix.images["W"]
    assert len(grid.pictures) == IMAGE_CAP and 100 in grid.items and grid.lit == {100}
    assert grid.pictures[0].values.shape == (28, 28)
    assert (
        f"neurons of layer h {grid.items[0] + 1}–{grid.items[-1] + 1} of 128 as images"
        in ins.matrix_note.text()
    )
    assert set(ins.tables) == {"net"}  # (no biases)
    # the next layer's W (10 × 128) is not fed by the image: a table
    s.set_phase(s.names.index("net:y"))
    assert "W" in ins.tables and not ins.matrix.images


def test_no_shape_no_images(make):
    s, ins = make("spiral")
    for i in range(len(s.names)):
        s.set_phase(i)
        assert not ins.matrix.images
