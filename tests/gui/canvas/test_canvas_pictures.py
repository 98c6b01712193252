"""The canvas's pictures, by their pixels: each neuron's heatmap over the input plane (View →
Neuron heatmaps), an image-shaped input layer drawn as the current sample (digits), and dense
layers drawn as weight-matrix heatmaps (View → Dense layers as)."""

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtGui import QImage

from bpviz.core import plane as core_plane
from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView, images
from bpviz.gui.canvas.label_layout import overlaps
from bpviz.gui.main_window import MainWindow
from bpviz.gui.session import Selection, Session
from bpviz.gui.theme import NEGATIVE, POSITIVE, THEMES


@pytest.fixture
def view_of(qtbot):
    def make(name, size=(1100, 700), doc=None):
        s = Session(doc or load_preset(name), name)
        v = NetworkView(s)
        qtbot.addWidget(v)
        v.resize(*size)
        v.show()
        qtbot.waitExposed(v)
        return s, v

    return make


def pixels(v) -> np.ndarray:
    """The canvas's viewport as (h, w, 3) RGB, in scene pixels."""
    img = v.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, : img.width(), 2::-1].copy()  # BGRA → RGB


def at(v, px: np.ndarray, x: float, y: float) -> np.ndarray:
    p = v.mapFromScene(QPointF(x, y))
    return px[p.y(), p.x()].astype(int)


def box_pixels(v, px, b, inset: float = 2) -> np.ndarray:
    p0 = v.mapFromScene(QPointF(b.x + inset, b.y + inset))
    p1 = v.mapFromScene(QPointF(b.right - inset, b.bottom - inset))
    return px[p0.y() : p1.y(), p0.x() : p1.x()].astype(int)


def heat_boxes(v) -> dict:
    return {k[1:]: b for k, b in v.picture_boxes(frames=False).items() if k[0] == "heat"}


def step_iterations(s, n: int) -> None:
    for _ in range(n * len(s.names)):
        s.next()


def test_neuron_heatmaps_appear_with_the_toggle_show_the_plane_and_change_after_training(view_of, qtbot):
    s, v = view_of("circle")
    off = pixels(v)
    assert not heat_boxes(v)
    v.set_neuron_heatmaps(True)
    qtbot.wait(20)
    on = pixels(v)
    boxes = heat_boxes(v)
    assert set(boxes) == {(1, i) for i in range(4)} | {(2, 0)}  # every hidden and output neuron
    assert "neurons" in s._plane_users and s.plane_request.neurons
    lut = images.diverging_lut(THEMES[s.theme].background, NEGATIVE, POSITIVE)
    grids = s.plane.neurons
    for (k, i), b in boxes.items():
        # the picture changed there, and it is the neuron's out over the plane (its middle)
        assert (box_pixels(v, on, b) != box_pixels(v, off, b)).any()
        g = grids[k - 1][i]
        lo, hi = images.layer_range(s.network.activations[k - 1].name, g)
        ny, nx = g.shape
        want = images.heat_rgb(g, lo, hi, lut)[ny // 2 - 1 : ny // 2 + 1, nx // 2 - 1 : nx // 2 + 1].mean(
            axis=(0, 1)
        )
        got = at(v, on, b.x + b.w / 2, b.y + b.h / 2)
        assert np.abs(got - want).max() < 40, (k, i, got, want)
    # the grids are the core's forward pass over the plane's grid
    fr = s.plane_frame
    ref = s.network.forward(fr.rows()).out[1][:, 2].reshape(fr.shape)
    assert np.allclose(grids[0][2], ref, atol=1e-6)
    before = {key: box_pixels(v, on, b) for key, b in boxes.items()}
    step_iterations(s, 25)  # 25 updates of the weights
    qtbot.wait(20)
    after = pixels(v)
    changed = [key for key, b in heat_boxes(v).items() if (box_pixels(v, after, b) != before[key]).any()]
    assert len(changed) == 5
    v.set_neuron_heatmaps(False)
    assert not heat_boxes(v) and "neurons" not in s._plane_users


def test_a_heatmap_is_hovered_as_its_neuron_and_the_legend_explains_it(view_of, qtbot):
    s, v = view_of("spiral")
    v.set_neuron_heatmaps(True)
    s.set_show_legend(True)
    qtbot.wait(20)
    b = heat_boxes(v)[(2, 3)]
    _, to_view = v._to_px()
    x, y = to_view(b.x + b.w / 2, b.y + b.h / 2)
    assert v.hit(float(x), float(y)) == Selection("neuron", (2, 3))
    legend = v._legend.toPlainText()
    assert "its out over x1 →, x2 ↑" in legend and "tanh −1…1" in legend


def test_one_input_draws_each_neurons_curve(view_of, qtbot):
    s, v = view_of("sine")
    v.set_neuron_heatmaps(True)
    qtbot.wait(20)
    px = pixels(v)
    boxes = heat_boxes(v)
    assert len(boxes) == 9
    ink = np.array([int(THEMES[s.theme].text[i : i + 2], 16) for i in (1, 3, 5)])
    for b in boxes.values():  # each has its curve drawn in the text colour
        inside = box_pixels(v, px, b)
        assert (np.abs(inside - ink).max(axis=2) < 60).sum() >= b.w * 1.2


def test_heatmaps_are_only_for_one_or_two_inputs(view_of, qtbot):
    s, v = view_of("digits")
    v.set_neuron_heatmaps(True)
    qtbot.wait(20)
    assert not v.heatmaps_shown and not heat_boxes(v)
    assert s.plane_request is None  # nothing computed for them


def test_heatmaps_refresh_while_training_and_freeze_when_paused(qtbot, make_controller, wait_state):
    s, c = make_controller("circle")
    v = NetworkView(s)
    qtbot.addWidget(v)
    v.resize(1000, 650)
    v.show()
    qtbot.waitExposed(v)
    v.set_neuron_heatmaps(True)
    assert s.plane_request == core_plane.PlaneSpec(0, 1, neurons=True)
    qtbot.wait(20)
    b = heat_boxes(v)[(1, 0)]
    before = box_pixels(v, pixels(v), b)
    c.update_settings(speed=None, stop_error=None)
    seen = []
    s.planeChanged.connect(lambda: seen.append(s.plane.step if s.plane is not None else None))
    c.train()
    qtbot.waitUntil(lambda: len([x for x in seen if x]) >= 2, timeout=8000)
    assert s.plane.neurons is not None  # the training process sends every neuron's grid
    qtbot.waitUntil(lambda: (box_pixels(v, pixels(v), b) != before).any(), timeout=5000)
    c.pause()
    wait_state(c, "paused")
    qtbot.wait(100)
    paused = pixels(v)
    qtbot.wait(300)
    assert np.array_equal(pixels(v), paused)  # frozen
    g = s.plane.neurons[0][0]  # the weights the stepper took
    ref = s.network.forward(s.plane_frame.rows()).out[1][:, 0].reshape(g.shape)
    assert np.allclose(g, ref, atol=1e-6)
    c.stop()


def test_the_digits_input_image_shows_the_samples_pixels(view_of, qtbot):
    s, v = view_of("digits", size=(1100, 760))
    qtbot.wait(20)
    px = pixels(v)
    box = v.picture_boxes(frames=False)["image"]
    rows, cols = s.network.input_shape
    lo, hi = v._input_range()

    def cells(px):
        cw, ch = box.w / cols, box.h / rows
        return np.array(
            [
                [at(v, px, box.x + (c + 0.5) * cw, box.y + (r + 0.5) * ch)[0] for c in range(cols)]
                for r in range(rows)
            ]
        )

    x = s.trace.inputs[s.display_sample].reshape(rows, cols)
    want = np.round((1 - np.clip((x - lo) / (hi - lo), 0, 1)) * 255)  # ink on paper
    assert np.array_equal(cells(px), want)
    assert len(set(want.ravel())) > 5  # a digit, not a blank
    # no circles for the 64 inputs: the scatter draws the other layers' neurons only
    assert len(v._neurons.data) == 16 + 10
    # hovering a cell reads its input
    _, to_view = v._to_px()
    r, c = 3, 4
    vx, vy = to_view(box.x + (c + 0.5) * box.w / cols, box.y + (r + 0.5) * box.h / rows)
    hit = v.hit(float(vx), float(vy))
    assert hit == Selection("neuron", (0, r * cols + c))
    tip = v.tooltip(hit)
    assert s.network.labels.neurons[0][r * cols + c] in tip
    # another sample of the step: another picture
    s.display_sample = (s.display_sample + 1) % len(s.trace.samples)
    s.displayChanged.emit()
    qtbot.wait(20)
    x2 = s.trace.inputs[s.display_sample].reshape(rows, cols)
    assert not np.array_equal(x2, x)
    assert np.array_equal(cells(pixels(v)), np.round((1 - np.clip((x2 - lo) / (hi - lo), 0, 1)) * 255))


def test_a_dense_layer_is_its_weight_matrix_and_shows_its_gradient_at_its_phase(view_of, qtbot):
    s, v = view_of("digits", size=(1100, 760))
    assert v.matrix_layers() == {0}  # 1,024 edges: Automatic; 160 stay edges
    assert len(v._shown[0]) == 0 and len(v._shown[1]) == 160
    lut = images.diverging_lut(THEMES[s.theme].background, NEGATIVE, POSITIVE)
    rows, cols = 16, 64

    def cell_colours(values):
        b = v.picture_boxes(frames=False)[("matrix", 0)]
        px = pixels(v)
        want = images.matrix_rgb(values, lut)
        got = np.zeros_like(want, dtype=int)
        cw, ch = b.w / cols, b.h / rows
        for r in range(rows):
            for c in range(cols):
                got[r, c] = at(v, px, b.x + (c + 0.5) * cw, b.y + (r + 0.5) * ch)
        return got, want

    got, want = cell_colours(s.network.weights[0])
    assert np.array_equal(got, want)
    s.set_phase(s.names.index("grad:h"))
    qtbot.wait(20)
    got, want = cell_colours(s.trace.p.grad_w[0])
    assert np.array_equal(got, want)
    # zero where the pixel is zero in every sample of the step: ∂E/∂w = Σ δ·x
    blank = (s.trace.inputs[:, :64] == 0).all(axis=0)
    assert blank.any() and (np.abs(s.trace.p.grad_w[0][:, blank]) == 0).all()
    assert v._matrix_caps[0].toPlainText().startswith("∂E/∂W")
    # the frame is lit in the error signal's colour; the highlight names all its edges
    assert v._tiles.tiles[("matrix", 0)].frame == "#CC79A7"
    assert len([e for e in v.highlight_state()["edges"] if e[0] == 0]) == 1024
    # a cell is hovered as its weight
    b = v.picture_boxes(frames=False)[("matrix", 0)]
    _, to_view = v._to_px()
    x, y = to_view(b.x + 10.5 * b.w / cols, b.y + 5.5 * b.h / rows)
    assert v.hit(float(x), float(y)) == Selection("edge", (0, 5, 10))


def test_dense_layers_as_edges_fan_from_the_image_and_as_matrices_everywhere(view_of, qtbot):
    s, v = view_of("digits", size=(1100, 760))
    v.set_dense_style("edges")
    qtbot.wait(20)
    assert not v.matrix_layers() and len(v._shown[0]) == 1024
    box = v.picture_boxes(frames=False)["image"]
    to_px, _ = v._to_px()
    ax, ay = to_px(v._seg[0][0][:, 0], v._seg[0][0][:, 1])  # the edges start in the cells
    assert (ax > box.x).all() and (ax < box.right).all() and (ay > box.y).all() and (ay < box.bottom).all()
    v.set_dense_style("matrix")
    qtbot.wait(20)
    assert v.matrix_layers() == {0, 1}
    assert {("matrix", 0), ("matrix", 1)} <= set(v.picture_boxes())
    s2, v2 = view_of("mazur")
    v2.set_dense_style("matrix")
    qtbot.wait(20)
    assert not v2._edge_labels  # a matrix has no edge labels
    n1 = v2.neuron_boxes()
    # each row level with the neuron it feeds (far apart: a strip each)
    for r in range(2):
        b = v2.picture_boxes(frames=False)[("matrix", 1, r)]
        nb = n1[(2, r)]
        assert abs((b.y + b.h / 2) - (nb.y + nb.h / 2)) < 1.5
        assert b.h <= nb.h + 1


def test_the_view_menu_has_the_choices_and_the_window_remembers_them(qtbot, tmp_path):
    path = str(tmp_path / "s.ini")
    st = QSettings(path, QSettings.Format.IniFormat)
    w = MainWindow(load_preset("circle"), "circle", settings=st)
    qtbot.addWidget(w)
    assert not w.act_heatmaps.isChecked() and w.dense_actions["auto"].isChecked()
    w.act_heatmaps.trigger()
    w.dense_actions["matrix"].trigger()
    assert w.canvas.neuron_heatmaps and w.canvas.dense_style == "matrix"
    w.close()
    st.sync()
    w2 = MainWindow(load_preset("circle"), "circle", settings=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    assert w2.act_heatmaps.isChecked() and w2.canvas.neuron_heatmaps
    assert w2.dense_actions["matrix"].isChecked() and w2.canvas.matrix_layers() == {0, 1}
    w2.close()


def test_pictures_never_overlap_neurons_or_each_other(view_of, qtbot):
    for name in ("spiral", "circle", "digits"):
        s, v = view_of(name, size=(1000, 640))
        v.set_neuron_heatmaps(True)
        v.set_dense_style("matrix")
        qtbot.wait(20)
        pics = v.picture_boxes()
        assert pics
        neurons = {k: b for k, b in v.neuron_boxes().items() if k[0] != "picture"}
        keys = list(pics)
        for i, a in enumerate(keys):
            for nk, nb in neurons.items():
                if a == "image" and nk[0] == 0:
                    continue  # the image's cells are its neurons
                assert not overlaps(pics[a], nb), f"{name}: {a} overlaps {nk}"
            for b in keys[i + 1 :]:
                assert not overlaps(pics[a], pics[b]), f"{name}: {a} overlaps {b}"
