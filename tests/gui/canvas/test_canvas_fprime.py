"""View → Shade neurons by f′(net) (issue 16): a gauge beside each hidden and output neuron,
filled to its f′(net) for the sample shown (the trace's), hatched until the stepper reveals it;
by pixels a saturated neuron's gauge is empty and faint, an unsaturated one's full and dark; the
gauges are obstacles of the label layout (no label covers one, at 1024 × 768 and at 2× zoom);
the legend and the tooltip explain the scale; the toggle is remembered."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QSettings
from PySide6.QtGui import QImage
from test_canvas_picture import check_no_collisions, settle

from bpviz.core.fileformat import parse
from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.canvas.label_layout import overlaps
from bpviz.gui.main_window import MainWindow
from bpviz.gui.session import Selection, Session
from bpviz.gui.theme import THEMES


def saturating_doc():
    """x → two tanh neurons → a sigmoid output: h1's net is 20 (f′ = 1 − tanh² ≈ 2e−17,
    saturated), h2's 0.01 (f′ ≈ 1)."""
    return parse(
        {
            "format": "bpviz/1",
            "layers": [
                {"name": "x", "size": 1},
                {"name": "h", "size": 2, "activation": "tanh"},
                {"name": "y", "size": 1, "activation": "sigmoid"},
            ],
            "weights": [[[20.0], [0.01]], [[0.5, 0.5]]],
            "learning_rate": 0.5,
            "data": {"inputs": [[1.0]], "targets": [[1.0]]},
        }
    )


@pytest.fixture
def view_of(qtbot):
    def make(doc, size=(900, 600)):
        s = Session(doc, "test")
        v = NetworkView(s)
        qtbot.addWidget(v)
        v.resize(*size)
        v.show()
        qtbot.waitExposed(v)
        return s, v

    return make


def pixels(v) -> np.ndarray:
    img = v.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine() // 4, 4)
    return a[:, : img.width(), 2::-1].astype(int)


def inside(v, px, b, inset=1.5) -> np.ndarray:
    p0 = v.mapFromScene(QPointF(b.x + inset, b.y + inset))
    p1 = v.mapFromScene(QPointF(b.right - inset, b.bottom - inset))
    return px[p0.y() : p1.y(), p0.x() : p1.x()]


def gauges(v) -> dict:
    return {k[1:]: b for k, b in v.picture_boxes(frames=False).items() if k[0] == "fprime"}


def test_a_saturated_neurons_gauge_is_empty_and_an_unsaturated_ones_full(view_of, qtbot):
    s, v = view_of(saturating_doc())
    assert not gauges(v)
    v.set_fprime_shading(True)
    s.set_phase(s.last_index)  # everything revealed
    qtbot.wait(20)
    boxes = gauges(v)
    assert set(boxes) == {(1, 0), (1, 1), (2, 0)}
    fp = s.trace.p.fprime
    assert fp[1][0, 0] < 1e-12 and fp[1][0, 1] > 0.99  # the trace's f′: saturated, not
    th = THEMES[s.theme]
    bg = np.array([int(th.background[i : i + 2], 16) for i in (1, 3, 5)])
    px = pixels(v)

    def filled(key) -> float:
        """The share of the gauge's rows drawn in ink (well away from the background)."""
        a = inside(v, px, boxes[key])
        dark = np.abs(a - bg).max(axis=2) > 60
        return float(dark.all(axis=1).mean())

    saturated, open_ = filled((1, 0)), filled((1, 1))
    assert saturated < 0.1 and open_ > 0.85, (saturated, open_)
    # sigmoid's output: f′ = out·(1 − out) ≤ 0.25 fills at most a quarter
    out = float(s.trace.p.out[2][0, 0])
    assert filled((2, 0)) == pytest.approx(out * (1 - out), abs=0.08)
    # the shade follows f′ too: the full gauge is darker than the sigmoid's quarter
    full = inside(v, px, boxes[(1, 1)])[-3]
    quarter = inside(v, px, boxes[(2, 0)])[-3]
    assert np.abs(full - bg).sum() > np.abs(quarter - bg).sum() + 60


def test_hatched_until_revealed_then_the_values(view_of, qtbot):
    s, v = view_of(saturating_doc())
    v.set_fprime_shading(True)
    s.set_phase(0)
    qtbot.wait(20)
    b = gauges(v)[(1, 1)]
    before = inside(v, pixels(v), b)
    s.set_phase(s.names.index("delta:h"))  # δ of layer h reveals its f′
    qtbot.wait(20)
    after = inside(v, pixels(v), gauges(v)[(1, 1)])
    assert before.shape == after.shape
    # hatched: rows alternate between two colours; revealed: the full gauge, one colour
    assert len({tuple(r) for r in before[:, before.shape[1] // 2]}) >= 2
    assert np.abs(after[2:-2] - after[2:-2].mean(axis=(0, 1))).max() < 30


def test_hover_legend_and_tooltip_explain_the_scale(view_of, qtbot):
    s, v = view_of(load_preset("xor"))
    v.set_fprime_shading(True)
    s.set_show_legend(True)
    s.set_phase(s.last_index)
    qtbot.wait(20)
    b = gauges(v)[(1, 1)]
    _, to_view = v._to_px()
    x, y = to_view(b.x + b.w / 2, b.y + b.h / 2)
    assert v.hit(float(x), float(y)) == Selection("neuron", (1, 1))
    legend = v._legend.toPlainText()
    assert "f′(net)" in legend and "0.25, sigmoid's most" in legend and "saturated" in legend
    tip = v.tooltip(Selection("neuron", (1, 1)))
    assert "at most 0.25" in tip and "the gradient barely passes" in tip
    v.set_fprime_shading(False)
    assert not gauges(v) and "barely passes" not in v.tooltip(Selection("neuron", (1, 1)))


def test_no_gauge_for_softmax_and_none_for_tiny_neurons(view_of, qtbot):
    s, v = view_of(load_preset("spiral"))
    v.set_fprime_shading(True)
    qtbot.wait(20)
    assert {k for k, _ in gauges(v)} == {1, 2}  # the tanh layers; softmax's f′ is a matrix


@pytest.fixture
def window(qtbot, tmp_path):
    made = []

    def make(name, size, zoom):
        st = QSettings(str(tmp_path / f"s{len(made)}.ini"), QSettings.Format.IniFormat)
        st.setValue("view/fprime_shading", "true")  # remembered: the window starts with it
        w = MainWindow(load_preset(name), name, settings=st)
        qtbot.addWidget(w)
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        w._default_layout()
        if zoom != 1.0:
            w.session.set_zoom(zoom)
        settle(qtbot)
        made.append(w)
        return w

    return make


@pytest.mark.parametrize("name", ["deep-sigmoid", "xor", "circle", "digits"])
def test_no_label_overlaps_a_gauge(window, qtbot, name):
    for size, zoom in (((1024, 768), 1.0), ((1600, 1000), 2.0)):
        w = window(name, size, zoom)
        assert w.act_fprime.isChecked() and w.canvas.fprime_shading
        s = w.session
        L = s.network.L
        for phase in (0, s.names.index(f"delta:{s.network.names[1]}"), s.last_index):
            s.set_phase(phase)
            settle(qtbot)
            where = f"{name} with f′ gauges at {size}, zoom {zoom}, phase {phase + 1}"
            check_no_collisions(w, where)
            got = gauges(w.canvas)
            assert got, where
            for key, box in w.canvas.picture_boxes().items():  # no gauge over a node or picture
                for nk, nb in w.canvas.neuron_boxes().items():
                    if key[0] == "fprime" and nk != ("picture", key):
                        assert not overlaps(box, nb), f"{where}: {key} overlaps {nk}"
            assert {k for k, _ in got} <= set(range(1, L + 1))
        w.act_fprime.setChecked(False)
        assert w.settings.value("view/fprime_shading") == "false" and not gauges(w.canvas)
        w.session._trained = False
        w.close()
