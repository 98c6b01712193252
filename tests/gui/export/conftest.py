"""The canvas of mazur, shown at 300×200, for the export library's tests."""

import pytest

from bpviz.core.presets import load_preset
from bpviz.gui.canvas import NetworkView
from bpviz.gui.session import Session


@pytest.fixture
def view(qtbot, qapp):
    # not qtbot.addWidget: pyqtgraph's GraphicsView.close() clears the scene, and the canvas's
    # resizeEvent then touches its deleted ViewBox (a crash); the view is deleted instead
    v = NetworkView(Session(load_preset("mazur"), "mazur"))
    v.setMinimumSize(100, 100)
    v.resize(300, 200)
    v.show()
    qtbot.waitExposed(v)
    yield v
    v.hide()
    v.deleteLater()
    qapp.processEvents()
