"""The canvas draws by cost: a fixed set of neuron brushes, antialiasing and edge widths by the
number of edges drawn (not by the tallest layer), and an edge layer kept across a phase step
that changes only the highlights."""

import numpy as np
import pytest

from bpviz.core import build
from bpviz.core.presets import PRESETS, load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.canvas.drawing_cost import FULL_EDGES, THIN_EDGES, plan_for, thinness
from bpviz.gui.session import Session
from bpviz.gui.theme import COLOUR_STEPS, THEMES, diverging, neuron_brush


def sized_doc(sizes, samples=4):
    names = ["x"] + [f"h{k}" for k in range(1, len(sizes) - 1)] + ["y"]
    layers = [build.LayerSpec(names[0], sizes[0])]
    layers += [build.LayerSpec(n, k, "sigmoid") for n, k in zip(names[1:], sizes[1:], strict=True)]
    doc, _ = build.build_document(build.NetworkSpec(layers, n_samples=samples))
    rng = np.random.default_rng(1)
    doc.inputs = rng.uniform(-3, 3, size=(samples, sizes[0]))
    doc.targets = rng.uniform(size=(samples, sizes[-1]))
    return doc


@pytest.fixture
def view_on(qtbot):
    def make(doc, name="net"):
        s = Session(doc, name)
        v = NetworkView(s)
        v.set_dense_style("edges")  # what edges cost (Automatic draws big layers as matrices)
        qtbot.addWidget(v)
        v.resize(1200, 700)
        v.show()
        qtbot.waitExposed(v)
        return s, v

    return make


def go_to(s, v, name):
    from PySide6.QtWidgets import QApplication

    while s.names[s.phase_index] != name:
        s.next()
    QApplication.processEvents()
    v.viewport().repaint()


def test_neuron_brushes_are_a_fixed_shared_set_whatever_the_network(view_on):
    """pyqtgraph renders a symbol per distinct brush object: one object per neuron made it
    render every neuron's symbol on every step."""
    s, v = view_on(sized_doc([2, 300, 2]))
    used = set()
    colours = set()
    for _ in range(len(s.names)):
        used |= {id(b) for b in v._neuron_fill}
        colours |= {b.color().rgba() for b in v._neuron_fill}
        s.next()
    assert len(used) <= 2 * COLOUR_STEPS + 1
    assert len(colours) > 20  # the colour scale is still a scale
    pens = {id(p) for p in v._neuron_pens}
    assert len(pens) <= len(s.network.sizes)


def test_the_quantised_fill_is_the_same_shade_to_the_eye():
    th = THEMES["light"]
    worst = 0
    for v in np.linspace(-1, 1, 2001):
        exact = exact_diverging(v, th)
        q = neuron_brush(v, 1.0, th).color()
        worst = max(worst, abs(q.red() - exact[0]), abs(q.green() - exact[1]), abs(q.blue() - exact[2]))
    assert worst <= 3  # of 255 per channel
    assert neuron_brush(0.3, 1.0, th) is neuron_brush(0.3001, 1.0, th)
    assert diverging(float("nan"), 1.0, th).name().upper() == th.neuron_fill.upper()


def exact_diverging(v, th):
    from PySide6.QtGui import QColor

    base = QColor(th.neuron_fill)
    end = QColor("#0072B2" if v >= 0 else "#D55E00")
    a = abs(v) ** 0.7 * 0.85
    return [
        base.red() + (end.red() - base.red()) * a,
        base.green() + (end.green() - base.green()) * a,
        base.blue() + (end.blue() - base.blue()) * a,
    ]


@pytest.mark.parametrize("name", PRESETS)
def test_presets_are_antialiased_in_full_widths(view_on, name):
    """Every preset of up to FULL_EDGES edges in full widths; digits (64-16-10, 1,184 edges)
    a little thinner, by the same rule, and still antialiased."""
    s, v = view_on(load_preset(name), name)
    assert v._edge_layer.antialias
    n = v._drawing_plan.n_edges
    assert v._drawing_plan.thin == (0.0 if n <= FULL_EDGES else thinness(n))
    if name != "digits":
        assert n <= FULL_EDGES


def test_antialiasing_goes_by_cost_not_by_the_tallest_layer(view_on):
    """40-40-40 (3,200 edges) was antialiased in full widths and 41-41-41 not: a cliff at a
    layer of 41. Now both are drawn alike, thin and aliased."""
    plans = {}
    for sizes in ([40, 40, 40], [41, 41, 41]):
        s, v = view_on(sized_doc(sizes))
        plans[sizes[0]] = v._drawing_plan
        assert not v._edge_layer.antialias
        v.close()
    assert abs(plans[40].thin - plans[41].thin) < 0.02
    assert plans[40].antialias == plans[41].antialias


def test_the_look_changes_smoothly_from_10_to_100000_edges():
    ns = np.unique(np.geomspace(10, 100_000, 400).astype(int))
    t = np.array([thinness(int(n)) for n in ns])
    assert t[0] == 0.0 and t[-1] == 1.0
    assert np.all(np.diff(t) >= 0)
    assert np.max(np.diff(t)) < 0.02  # no step
    assert thinness(FULL_EDGES) == 0.0 and thinness(THIN_EDGES) == 1.0
    widths = [plan_for(int(n), 0).edge_width(4.6) for n in ns]
    assert widths[0] == 4.6 and widths[-1] == 1.0 and np.all(np.diff(widths) <= 0)
    assert plan_for(1000, 100_000).antialias and not plan_for(1000, 5_000_000).antialias


def test_the_edge_layer_is_not_redrawn_when_only_the_highlights_change(view_on):
    s, v = view_on(load_preset("mazur"), "mazur")
    go_to(s, v, "net:h")
    edges, glow = v._edge_layer.rebuilds, v._glow.rebuilds
    assert glow > 0
    go_to(s, v, "out:h")  # the highlight leaves the edges
    go_to(s, v, "net:o")  # and lights the next layer's
    assert v._edge_layer.rebuilds == edges
    assert v._glow.rebuilds > glow
    go_to(s, v, "update")
    go_to(s, v, "input")  # the update is applied: new weights, new edge colours
    assert v._edge_layer.rebuilds > edges


def test_a_big_layer_lights_its_strongest_edges_and_the_export_antialiases(view_on, tmp_path):
    from bpviz.gui.export import render_image

    s, v = view_on(sized_doc([40, 40, 40]))
    go_to(s, v, "net:h1")
    assert v._glow.n_segments == 1600  # every lit edge of a 1,600-edge layer
    img = render_image(v, 1.0)
    assert img.width() == v.width() and not img.isNull()


def test_edges_land_on_their_neurons_when_painted_inside_the_window(qtbot, tmp_path):
    """A widget painted through its window (a grab of the window, the screen under X11) has an
    offset under the painter's transform; edges drawn at that offset twice sat ~50 px below
    their neurons."""
    from PySide6.QtCore import QPointF, QSettings

    from bpviz.gui.main_window import MainWindow

    st = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    w = MainWindow(load_preset("mazur"), "mazur", settings=st)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    qtbot.wait(30)
    v = w.canvas
    img = w.grab().toImage()
    a, b = v._pos[0][1], v._pos[1][1]  # i2 → h2: w4, level
    for f in (0.15, 0.3, 0.45):
        x, y = a + (b - a) * f
        pt = v.mapTo(w, v.mapFromScene(v.vb.mapViewToScene(QPointF(x, y))))
        c = img.pixelColor(pt.x(), pt.y())
        assert c.blue() > c.red() + 60, f"no edge at {f:.0%} of w4: {c.name()}"
