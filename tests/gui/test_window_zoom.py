"""The font zoom (Ctrl+= / Ctrl+- / Ctrl+0) applies to the whole window: docks, tables, status
bar, menus, toolbar and the error plot's axes, not only the canvas."""

import pyqtgraph as pg
import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QToolBar

from bpviz.core.presets import load_preset
from bpviz.gui.main_window import MainWindow
from bpviz.gui.theme import base_point_size


def _sizes(w):
    QApplication.processEvents()
    ax = w.plot.plotItem.getAxis("left")
    return {
        "status": w._status.font().pointSizeF(),
        "menu": w.menuBar().font().pointSizeF(),
        "dock": w.inspector_dock.font().pointSizeF(),
        "dock title height": w.inspector_dock.widget().geometry().top(),
        "results": w.results.font().pointSizeF(),
        "data table": w.data_editor.table.font().pointSizeF(),
        "row height": w.results.verticalHeader().defaultSectionSize(),
        "toolbar": w.findChild(QToolBar, "toolbar-phases").font().pointSizeF(),
        "toolbar icons": w.findChild(QToolBar, "toolbar-phases").iconSize().height(),
        "ticks": ax.style["tickFont"].pointSizeF(),
        "axis label": float(ax.labelStyle["font-size"].removesuffix("pt")),
        "legend": float(w.plot.legend.opts["labelTextSize"].removesuffix("pt")),
    }


def test_zoom_scales_the_whole_window(win, qtbot):
    base = base_point_size()
    before = _sizes(win)
    assert before["status"] == pytest.approx(base)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    z = win.session.zoom
    assert z == pytest.approx(1.15**2)
    after = _sizes(win)
    for k in ("status", "menu", "dock", "results", "data table", "toolbar", "ticks", "axis label", "legend"):
        assert after[k] == pytest.approx(before[k] * z, rel=0.02), k
    for k in ("dock title height", "row height", "toolbar icons"):
        assert after[k] > before[k], k
    # the axis keeps its text, only larger
    assert "E" in win.plot.plotItem.getAxis("left").labelText
    qtbot.keyClick(win.canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert _sizes(win) == before


def test_zoom_out_too_and_text_items_in_the_plot(win, qtbot):
    qtbot.keyClick(win.canvas, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    z = win.session.zoom
    assert z < 1
    QApplication.processEvents()  # the font change reaches the widgets
    assert win._status.font().pointSizeF() == pytest.approx(base_point_size() * z, rel=0.02)
    texts = [it for it in win.plot.scene().items() if isinstance(it, pg.TextItem)]
    assert texts and all(
        t.textItem.font().pointSizeF() == pytest.approx(base_point_size() * z, rel=0.02) for t in texts
    )


def test_a_window_opens_at_its_remembered_zoom_and_gives_the_font_back(qtbot, tmp_path):
    st = QSettings(str(tmp_path / "z.ini"), QSettings.Format.IniFormat)
    st.setValue("view/zoom", 1.5)
    w = MainWindow(load_preset("mazur"), "mazur", settings=st)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    QApplication.processEvents()
    assert w._status.font().pointSizeF() == pytest.approx(base_point_size() * 1.5, rel=0.02)
    assert w.plot.plotItem.getAxis("bottom").style["tickFont"].pointSizeF() == pytest.approx(
        base_point_size() * 1.5, rel=0.02
    )
    w.close()
    assert QApplication.font().pointSizeF() == pytest.approx(base_point_size())
