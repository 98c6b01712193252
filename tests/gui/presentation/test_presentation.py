"""Presentation mode (F5), clicker keys, the black screen, the caption; F11 and Esc; the
default layout leaves most of a small screen to the canvas."""

import pytest
from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QToolBar

from bpviz.core.presets import load_preset
from bpviz.gui.actions import SHORTCUTS_HTML
from bpviz.gui.main_window import MainWindow
from bpviz.gui.presentation import STATE_VERSION, presentation_zoom, scaled_html
from bpviz.gui.session import Selection


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "bpviz.ini"), QSettings.Format.IniFormat)


def _open(qtbot, settings, name="mazur"):
    w = MainWindow(load_preset(name), name, settings=settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


@pytest.fixture
def win(qtbot, settings):
    return _open(qtbot, settings)


def _docks(w):
    return w.findChildren(QDockWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)


def _toolbars(w):
    return w.findChildren(QToolBar, options=Qt.FindChildOption.FindDirectChildrenOnly)


def _snapshot(w):
    QApplication.processEvents()  # pending layouts first
    return {
        "geometry": w.geometry().getRect(),
        "window_state": w.windowState(),
        "state": bytes(w.saveState(STATE_VERSION)),
        "docks": {d.objectName(): d.isVisible() for d in _docks(w)},
        "toolbars": {t.objectName(): t.isVisible() for t in _toolbars(w)},
        "menu": w.menuBar().isVisible(),
        "status": w.statusBar().isVisible(),
        "zoom": w.session.zoom,
        "tab": w.inspector.tabs.currentIndex(),
    }


def test_f5_shows_the_canvas_alone_and_esc_brings_the_window_back(win, qtbot):
    win.session.set_zoom(1.15)
    win.inspector.tabs.setCurrentIndex(1)  # the Matrix tab: the caption reads the other one
    win.session.set_phase(4)
    before = _snapshot(win)
    assert any(before["docks"].values()) and before["menu"] and before["status"]
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    p = win.presenter
    assert p.active and win.act_present.isChecked()
    qtbot.waitUntil(win.isFullScreen)
    assert not any(d.isVisible() for d in _docks(win))
    assert not any(t.isVisible() for t in _toolbars(win))
    assert not win.menuBar().isVisible() and not win.statusBar().isVisible()
    assert win.canvas.isVisible() and win.canvas.banner.isVisible()
    assert win.session.phase_index == 4  # F5 presents the current phase
    # large type, suited to the screen
    scr = win.screen().geometry()
    assert win.session.zoom == pytest.approx(presentation_zoom(scr.width(), scr.height()))
    assert win.session.zoom >= 1.0
    # a small phase counter in a corner
    assert win.stage.counter.isVisible() and win.stage.counter.text() == "5 / 13"
    qtbot.keyClick(win.canvas, Qt.Key.Key_Escape)
    assert not p.active and not win.act_present.isChecked()
    qtbot.waitUntil(lambda: not win.isFullScreen())
    assert _snapshot(win) == before
    assert not win.stage.counter.isVisible()


def test_f5_again_leaves_and_shift_f5_starts_at_phase_1(win, qtbot):
    win.session.set_phase(6)
    before = _snapshot(win)
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    assert win.presenter.active
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    assert not win.presenter.active
    qtbot.waitUntil(lambda: not win.isFullScreen())
    assert _snapshot(win) == before
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert win.presenter.active and win.session.phase_index == 0
    assert win.stage.counter.text() == "1 / 13"
    win.session.set_phase(3)
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert win.presenter.active and win.session.phase_index == 0  # again from the start
    win.presenter.leave()


def test_clicker_keys_step_while_presenting(win, qtbot):
    s = win.session
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    for key, want in (
        (Qt.Key.Key_PageDown, 1),
        (Qt.Key.Key_PageDown, 2),
        (Qt.Key.Key_Right, 3),
        (Qt.Key.Key_PageUp, 2),
        (Qt.Key.Key_Left, 1),
    ):
        qtbot.keyClick(win.canvas, key)
        assert s.phase_index == want
        assert win.stage.counter.text() == f"{want + 1} / 13"
    win.presenter.leave()


@pytest.mark.parametrize("blank_key", [Qt.Key.Key_B, Qt.Key.Key_Period])
def test_b_or_full_stop_blanks_and_any_key_brings_the_picture_back(win, qtbot, blank_key):
    s = win.session
    qtbot.keyClick(win.canvas, blank_key)
    assert not win.presenter.blanked  # only while presenting
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    s.set_phase(2)
    qtbot.keyClick(win.canvas, blank_key)
    blank = win.stage.blank
    assert win.presenter.blanked and blank.isVisible()
    assert blank.geometry() == win.stage.rect()
    img = blank.grab().toImage()
    assert img.pixelColor(img.width() // 2, img.height() // 2).name() == "#000000"
    # the key that brings the picture back does nothing else: no step, no leaving
    qtbot.keyClick(win.canvas, Qt.Key.Key_PageDown)
    assert not win.presenter.blanked and s.phase_index == 2 and win.presenter.active
    qtbot.keyClick(win.canvas, blank_key)
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)  # a shortcut's key too
    assert not win.presenter.blanked and win.presenter.active
    qtbot.keyClick(win.canvas, blank_key)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Escape)
    assert not win.presenter.blanked and win.presenter.active
    qtbot.keyClick(win.canvas, Qt.Key.Key_Escape)
    assert not win.presenter.active and not blank.isVisible()


def test_the_caption_is_the_inspectors_text_for_the_selection(win, qtbot):
    s = win.session
    win.presenter.enter()
    assert not win.stage.caption.isVisible()  # nothing selected
    s.set_phase(9)
    s.select(Selection("edge", (1, 0, 0)))  # w5
    cap = win.stage.caption
    assert cap.isVisible()
    text = cap.text()
    assert text.splitlines()[0] == win.inspector.text.toPlainText().splitlines()[0]
    assert "w5" in text.replace("\u2085", "5") and "0.082167041" in text
    assert cap.height() <= win.stage.height() * 0.31
    qtbot.keyClick(win.canvas, Qt.Key.Key_C)  # off
    assert not cap.isVisible() and not win.act_caption.isChecked()
    assert win.settings.value("present/caption") == "false"
    qtbot.keyClick(win.canvas, Qt.Key.Key_C)  # on again
    assert cap.isVisible()
    s.select(None)
    assert not cap.isVisible()
    win.presenter.leave()
    s.select(Selection("edge", (1, 0, 0)))
    assert not cap.isVisible()  # only while presenting


def test_a_long_caption_keeps_the_sections_the_phase_is_about(win, qtbot):
    s = win.session
    win.presenter.enter()
    win.stage.resize(1024, 500)  # a short screen: not everything fits
    s.set_phase(9)  # backward
    s.select(Selection("neuron", (1, 0)))
    cap = win.stage.caption
    text = cap.text()
    assert "Backward" in text
    assert cap.scale >= 0.6
    assert cap.height() <= 500 * 0.31
    win.presenter.leave()


def test_scaled_html_multiplies_point_sizes():
    assert (
        scaled_html("<span style=' font-size:10pt;'>x</span>", 1.5)
        == "<span style=' font-size:15.00pt;'>x</span>"
    )


def test_presentation_zoom_fits_16_9_and_4_3():
    assert presentation_zoom(1280, 720) == pytest.approx(1.5)
    assert presentation_zoom(1920, 1080) == pytest.approx(2.25)
    assert presentation_zoom(1024, 768) == pytest.approx(1.2)
    assert presentation_zoom(800, 600) == pytest.approx(1.0)  # never below 1
    assert presentation_zoom(3840, 2160) == pytest.approx(3.0)  # the zoom's ceiling


def test_a_zoom_chosen_while_presenting_is_kept_for_next_time(win, qtbot):
    s = win.session
    win.presenter.enter()
    first = s.zoom
    s.set_zoom(first * 1.15)
    win.presenter.leave()
    assert s.zoom == pytest.approx(1.0)
    win.presenter.enter()
    assert s.zoom == pytest.approx(min(3.0, first * 1.15))
    win.presenter.leave()


def test_closing_while_presenting_remembers_the_windows_own_zoom(qtbot, settings):
    w = _open(qtbot, settings)
    w.session.set_zoom(1.15)
    w.presenter.enter()
    w.session.set_zoom(2.5)
    w.close()
    assert float(settings.value("view/zoom")) == pytest.approx(1.15)


def test_f11_keeps_the_window_and_esc_leaves_full_screen(win, qtbot):
    docks = {d.objectName(): d.isVisible() for d in _docks(win)}
    qtbot.keyClick(win.canvas, Qt.Key.Key_F11)
    qtbot.waitUntil(win.isFullScreen)
    assert win.act_full.isChecked() and not win.presenter.active
    assert win.menuBar().isVisible() and win.statusBar().isVisible()
    assert {d.objectName(): d.isVisible() for d in _docks(win)} == docks
    qtbot.keyClick(win.canvas, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.isFullScreen())
    assert not win.act_full.isChecked()
    # Escape without full screen is left alone (for dialogs and editors)
    qtbot.keyClick(win.canvas, Qt.Key.Key_Escape)
    assert not win.isFullScreen()


def test_presenting_from_f11_full_screen_returns_to_it(win, qtbot):
    win.presenter.toggle_full_screen(True)
    qtbot.waitUntil(win.isFullScreen)
    before = _snapshot(win)
    qtbot.keyClick(win.canvas, Qt.Key.Key_F5)
    assert win.presenter.active and not win.act_full.isChecked()
    qtbot.keyClick(win.canvas, Qt.Key.Key_Escape)
    assert not win.presenter.active
    assert win.isFullScreen() and win.act_full.isChecked()
    assert _snapshot(win) == before


def test_escape_in_the_weight_editor_cancels_the_edit_not_the_presentation(win, qtbot):
    win.presenter.enter()
    ed = win.canvas.begin_edit(Selection("edge", (0, 0, 0)))
    qtbot.waitUntil(ed.hasFocus)
    qtbot.keyClick(ed, Qt.Key.Key_Escape)
    assert win.presenter.active
    win.presenter.leave()


def test_shortcuts_and_menus_list_the_new_keys(win):
    for key in ("F5", "Shift+F5", "<b>B</b>", "<b>.</b>", "Esc", "F11"):
        assert key in SHORTCUTS_HTML
    view = next(a.menu() for a in win.menuBar().actions() if a.text() == "&View")
    texts = [a.text() for a in view.actions()]
    assert "&Presentation" in texts and "Present from the &first phase" in texts
    for a in (win.act_present, win.act_present_start, win.act_caption, win.act_full):
        assert a.toolTip() and a.toolTip() != a.text().replace("&", "")
    assert win.act_present.shortcut().toString() == "F5"
    assert win.act_present_start.shortcut().toString() == "Shift+F5"


def test_the_canvas_keeps_most_of_a_small_screen(qtbot, settings):
    for size in ((1280, 720), (1024, 768)):
        w = MainWindow(load_preset("mazur"), "mazur", settings=settings)
        qtbot.addWidget(w)
        w.setWindowState(Qt.WindowState.WindowNoState)
        w.resize(*size)
        w._default_layout()
        w.show()
        qtbot.waitExposed(w)
        qtbot.waitUntil(lambda w=w, size=size: w.size().toTuple() == size)
        c = w.canvas
        share = c.width() * c.height() / (size[0] * size[1])
        assert share >= 0.55, (size, share)
        # every dock is there, tabbed or beside the canvas; none floats or covers it
        assert not any(d.isFloating() for d in _docks(w))
        w.close()


def test_an_older_saved_layout_gives_way_to_the_new_default(qtbot, settings):
    w = _open(qtbot, settings)
    settings.setValue("window/state", QByteArray(w.saveState(0)))  # version 0: before
    w.close()
    w2 = _open(qtbot, settings)
    area = w2.dockWidgetArea(w2.plot_dock)
    assert area == Qt.DockWidgetArea.RightDockWidgetArea
    assert w2.tabifiedDockWidgets(w2.plot_dock)  # the others tabbed behind the plot


def test_escape_leaves_full_screen_from_an_idle_table_but_not_from_a_cell_editor(win, qtbot):
    win.data_dock.raise_()
    table = win.data_editor.table
    win.presenter.toggle_full_screen(True)
    qtbot.waitUntil(win.isFullScreen)
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.edit(table.model().index(0, 0))
    assert table.state() == table.State.EditingState
    qtbot.keyClick(win.focusWidget(), Qt.Key.Key_Escape)  # cancels the cell's edit
    assert win.isFullScreen() and table.state() != table.State.EditingState
    qtbot.keyClick(table, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not win.isFullScreen())


def test_the_caption_leaves_out_the_inspectors_pictures(qtbot):
    """The inspector's weight images and heatmaps are resources of its own document: the
    caption (which copies its HTML) leaves them out instead of showing broken images."""
    from bpviz.gui.presentation.caption import Caption

    c = Caption(None)
    qtbot.addWidget(c)
    html = '<p style="font-size:10pt">δ = out − target</p><p><img src="pic:weights-1" width="80"></p>'
    c.fit(html, "one", 600, 400)
    from PySide6.QtWidgets import QTextBrowser

    for b in c.findChildren(QTextBrowser):
        text = b.document().toPlainText()
        assert "\ufffc" not in text  # no object replacement character: no image
    assert "δ = out − target" in c.text()
