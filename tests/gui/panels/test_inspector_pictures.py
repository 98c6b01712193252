"""The inspector's pictures on screen: their pixels are the numbers (sign → colour side), the
plane heatmap is there for circle and not for a network whose plane is not its whole input,
and they fit the panel's width."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.gui import colormaps
from bpviz.gui.inspector import Inspector
from bpviz.gui.pictures import picture_size, pictures_across
from bpviz.gui.session import Selection, Session
from bpviz.gui.theme import NEGATIVE, POSITIVE, THEMES


@pytest.fixture
def make(qtbot):
    def build(name="digits", doc=None, width=560):
        s = Session(doc if doc is not None else load_preset(name), name)
        ins = Inspector(s)
        qtbot.addWidget(ins)
        ins.resize(width, 900)
        ins.show()
        return s, ins

    return build


def cell_colours(img, rows, cols):
    """The colour at the centre of each cell of an image of rows × cols values."""
    w, h = img.width(), img.height()
    return [
        [QColor(img.pixel(int((c + 0.5) * w / cols), int((r + 0.5) * h / rows))) for c in range(cols)]
        for r in range(rows)
    ]


def side(colour: QColor) -> int:
    """+1 towards blue (POSITIVE), −1 towards vermillion (NEGATIVE), 0 grey (the background,
    or ink): blue has more blue than red, vermillion more red than blue, on either theme."""
    d = colour.blue() - colour.red()
    return 0 if abs(d) <= 4 else 1 if d > 0 else -1


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_units_weight_image_has_each_weights_sign_and_strength(make, theme):
    s, ins = make()
    s.set_theme(theme)
    s.last()
    s.select(Selection("neuron", (1, 3)))
    w = s.trace.network.weights[0][3].reshape(8, 8)
    img = ins.text.images["pic:w"]
    assert img.width() == img.height() and img.width() % 8 == 0
    cols = cell_colours(img, 8, 8)
    bg = QColor(THEMES[theme].background)
    big = np.abs(w).max()
    for r in range(8):
        for c in range(8):
            if abs(w[r, c]) > 0.05 * big:
                assert side(cols[r][c]) == np.sign(w[r, c]), (r, c, w[r, c])
            # the stronger the weight, the further from the background
            far = sum(abs(a - b) for a, b in zip(cols[r][c].getRgb()[:3], bg.getRgb()[:3], strict=True))
            assert far == pytest.approx(abs(w[r, c]) / big * _full_distance(theme, w[r, c]), abs=6)
    # the gradient's image follows the gradient's signs, the input's is ink (grey)
    g = s.trace.p.grad_w[0][3].reshape(8, 8)
    gcols = cell_colours(ins.text.images["pic:g"], 8, 8)
    big_g = np.abs(g).max()
    assert all(
        side(gcols[r][c]) == np.sign(g[r, c])
        for r in range(8)
        for c in range(8)
        if abs(g[r, c]) > 0.05 * big_g
    )
    xcols = cell_colours(ins.text.images["pic:x"], 8, 8)
    assert all(side(x) == 0 for row in xcols for x in row)
    assert "pic:w:bar" in ins.text.images and "±" in ins.selection_text()


def _full_distance(theme, v):
    bg, end = colormaps.rgb(THEMES[theme].background), colormaps.rgb(POSITIVE if v > 0 else NEGATIVE)
    return float(np.abs(end - bg).sum())


def test_an_unrevealed_gradient_is_a_question_mark_box(make):
    s, ins = make()
    s.select(Selection("neuron", (1, 3)))
    assert s.phase_index == 0
    g = ins.text.images["pic:g"]
    box = QColor(THEMES[s.theme].banner_bg).rgb()
    cells = [QColor(x).rgb() for row in cell_colours(g, 8, 8) for x in row]
    assert cells.count(box) >= 48  # a plain box with a "?" in its middle, not an 8 × 8 picture
    assert not ins.pictures["g"].known and ins.pictures["w"].known
    s.last()
    cells = [QColor(x).rgb() for row in cell_colours(ins.text.images["pic:g"], 8, 8) for x in row]
    assert cells.count(box) < 8


def test_the_selected_weights_pixel_is_ringed(make):
    s, ins = make()
    s.last()
    s.select(Selection("edge", (0, 3, 21)))  # x22: row 3, column 6
    img = ins.text.images["pic:w"]
    cell = img.width() // 8
    ring = QColor(img.pixel(5 * cell, 2 * cell + cell // 2))  # the left edge of the cell
    assert ring.name().lower() == "#e69f00"
    assert QColor(img.pixel(cell // 2, cell // 2)).name().lower() != "#e69f00"


def three_input_document():
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
    return Document(net, rng.uniform(size=(10, 3)), rng.uniform(size=(10, 1)))


def test_the_plane_heatmap_is_there_for_circle_and_not_for_three_inputs(make):
    s, ins = make("circle")
    s.select(Selection("neuron", (1, 2)))
    assert "pic:plane" in ins.text.toHtml() and not ins.pictures["plane"].known  # "?" at phase 1
    s.last()
    assert "pic:plane" in ins.text.toHtml() and "pic:plane" in ins.text.images
    img = ins.text.images["pic:plane"]
    grid = s.plane_frame.shape
    assert img.width() >= 100 and grid == (64, 64)
    # its colours are the data plane's scale at the neuron's out (tanh: −1 … 1)
    from bpviz.core import plane as core_plane

    g = core_plane.neuron_grids(s.network, s.plane_frame)[0][2][::-1]
    lut = colormaps.diverging(THEMES[s.theme], colormaps.HEAT)
    r, c = 10, 50
    want = lut[colormaps.indices(g[r, c], -1.0, 1.0)]
    got = QColor(img.pixel(int((c + 0.5) * img.width() / 64), int((r + 0.5) * img.height() / 64)))
    assert np.abs(np.array(got.getRgb()[:3]) - want).max() <= 12  # (smoothly scaled)
    s.select(Selection("edge", (0, 1, 1)))
    assert "pic:plane" not in ins.text.toHtml()  # a neuron's picture only
    s, ins = make("three", three_input_document())
    s.select(Selection("neuron", (1, 0)))
    assert "<img" not in ins.text.toHtml() and ins.pictures == {}
    s, ins = make("mazur")  # one sample: nothing for a plane to span
    s.select(Selection("neuron", (1, 0)))
    assert ins.pictures == {}


def test_the_pictures_fit_the_width_and_the_zoom(make):
    s, ins = make(width=560)
    s.last()
    s.select(Selection("neuron", (1, 3)))
    assert ins._across == 4 and ins.selection_text().count("weights into h4") == 1
    widths = {k: ins.text.images[f"pic:{k}"].width() for k in "xwgd"}
    assert sum(widths.values()) <= ins._picture_width()
    ins.resize(300, 900)
    qtbot_wait(ins)
    assert ins._across == 2 and ins.text.images["pic:w"].width() < 300 / 2
    s.set_zoom(2.0)
    assert pictures_across(ins._picture_width(), 2.0) == ins._across
    p = ins.pictures["w"]
    assert picture_size(p, 460, 1.0) == (96, 96) and picture_size(p, 460, 2.0, 2)[0] <= 8 * 18


def qtbot_wait(ins):
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()


def test_the_data_planes_heatmap_scale_is_the_shared_one():
    from bpviz.gui.data_plane import HEAT, value_colours

    for th in THEMES.values():
        np.testing.assert_array_equal(value_colours(th, HEAT), colormaps.diverging(th, colormaps.HEAT))
        np.testing.assert_array_equal(value_colours(th, 1.0), colormaps.diverging(th))
