"""Names from a file are text on the canvas: markup in a layer's or a weight's name is shown as
written (in the banner, its tooltip, the labels and the tooltips), never read as rich text (a
name such as ``<img src='/dev/zero'>`` once made Qt read a local file)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from bpviz.core.network import Labels
from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.session import Selection, Session

MARKUP = "<img src='/dev/zero'>"


@pytest.fixture
def marked_view(qtbot):
    doc = load_preset("mazur")
    net = doc.network
    net.names[1] = f"h{MARKUP}"
    net.labels = Labels.default(net.names, net.sizes)
    net.labels.weights[0][0][0] = f"w{MARKUP}"
    s = Session(doc, "marked")
    v = NetworkView(s)
    qtbot.addWidget(v)
    v.resize(400, 500)  # narrow: the banner shortens its formula and keeps it whole in its tooltip
    v.show()
    qtbot.waitExposed(v)
    return s, v


def rich_texts(v) -> list[str]:
    """Every rich text the canvas gives Qt: the banner, its tooltip, the labels shown as HTML."""
    out = [v.banner.item.toHtml(), v.banner.toolTip()]
    for t in v._names + v._vals + v._targets + v._layer_titles + v._bias_labels:
        out.append(t.textItem.toHtml())
    for labs in v._edge_labels.values():
        out += [t.textItem.toHtml() for t in labs]
    return out


def test_markup_in_names_is_shown_as_written_at_every_phase(marked_view):
    s, v = marked_view
    seen_banner_tip = seen_name = False
    for _ in range(len(s.names)):
        QApplication.processEvents()
        for html in rich_texts(v):
            assert "<img" not in html  # escaped wherever Qt reads rich text
        seen_name |= f"h{MARKUP}" in v.banner.item.toPlainText()  # and reads as written
        seen_banner_tip |= "&lt;img" in v.banner.toolTip()
        s.next()
    assert seen_name
    assert seen_banner_tip, "the narrow banner never shortened its formula (the test checks nothing)"
    labels = [t.toPlainText() for labs in v._edge_labels.values() for t in labs]
    assert any(f"w{MARKUP}" in x for x in labels)  # the label reads as written
    tip = v.tooltip(Selection("edge", (0, 0, 0)))
    assert "<img" not in tip and "&lt;img" in tip


def test_the_weight_editor_names_a_marked_weight_as_written(marked_view, qtbot):
    from PySide6.QtWidgets import QLineEdit

    s, v = marked_view
    v.begin_edit(Selection("edge", (0, 0, 0)))
    ed = v.findChild(QLineEdit, "weight-editor")
    assert ed is not None
    tip = ed.toolTip()
    assert "<img" not in tip and "&lt;img" in tip
