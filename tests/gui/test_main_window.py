"""The window: starts on mazur, phase keys, opening broken files, settings, clean close."""

import warnings

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox

from bpviz.core.presets import load_preset
from bpviz.gui.main_window import MainWindow

# `settings` and `win` (mazur, shown and active) come from tests/gui/conftest.py


def test_opens_on_mazur_with_docks_and_menus(win):
    assert win.session.source == "mazur"
    assert "mazur" in win.windowTitle().replace("[*]", "")
    menus = [a.text().replace("&", "") for a in win.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Data", "Training", "Help"]
    assert win.inspector_dock.isVisible() and win.plot_dock.isVisible()


def test_phase_keys_step_and_text_fields_keep_them(win, qtbot):
    s = win.session
    qtbot.keyClick(win.canvas, Qt.Key.Key_Right)
    assert s.phase_index == 1
    qtbot.keyClick(win.canvas, Qt.Key.Key_PageDown)
    assert s.phase_index == 2
    qtbot.keyClick(win.canvas, Qt.Key.Key_PageUp)
    assert s.phase_index == 1
    qtbot.keyClick(win.canvas, Qt.Key.Key_End)
    assert s.phase_index == s.last_index
    qtbot.keyClick(win.canvas, Qt.Key.Key_Home)
    assert s.phase_index == 0
    # focus in a text field: the arrow keys move the cursor, not the phase
    edit = QLineEdit("abc")
    win.statusBar().addWidget(edit)
    edit.show()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClick(edit, Qt.Key.Key_Left)
    assert s.phase_index == 0 and edit.cursorPosition() == 2


def test_opening_a_broken_file_keeps_the_network(win, tmp_path, monkeypatch):
    bad = tmp_path / "bad.bpviz.json"
    bad.write_text(
        '{"format": "bpviz/1", "layers": [{"name": "i", "size": "3"}, '
        '{"name": "o", "size": 1, "activation": "sigmoid"}]}'
    )
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    before = win.session.network.weights[0].copy()
    assert win.open_path(str(bad)) is False
    assert shown and "layers[0].size" in shown[0] and "bad.bpviz.json" in shown[0]
    assert win.session.source == "mazur"
    assert (win.session.network.weights[0] == before).all()


def test_open_preset_and_save_as_round_trip(win, tmp_path):
    from bpviz.core import fileformat

    win.open_preset("swap")
    assert win.session.source == "swap" and win.session.network.sizes == [2, 4, 3, 2]
    win.session.last()
    win.session.next()  # one update applied
    out = tmp_path / "swap1.bpviz.json"
    assert win.save_to(str(out))
    doc = fileformat.load(out)
    assert (doc.network.weights[2] == win.session.network.weights[2]).all()
    assert doc.session["step"] == 1


def test_settings_are_remembered(qtbot, settings):
    w = MainWindow(load_preset("mazur"), "mazur", settings=settings)
    qtbot.addWidget(w)
    w.session.set_theme("dark")
    w.session.set_zoom(1.5)
    w.close()
    w2 = MainWindow(load_preset("mazur"), "mazur", settings=settings)
    qtbot.addWidget(w2)
    assert w2.session.theme == "dark" and w2.session.zoom == pytest.approx(1.5)


def test_window_opens_and_closes_without_warnings(qtbot, settings):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = MainWindow(load_preset("xor-deep"), "xor-deep", settings=settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        for _ in range(20):
            w.session.next()
        w.close()


def test_a_refused_step_is_shown_in_the_status_bar(win, qtbot):
    """The status label used to be a permanent widget with stretch, which left the
    temporary messages no room: they were set but never seen."""
    win.resize(1280, 720)
    qtbot.wait(20)
    before = win.statusBar().grab().toImage()
    win.session.stepRefused.emit("This update gives values that are not finite")
    qtbot.wait(20)
    assert win.statusBar().currentMessage().startswith("This update")
    assert not win._status.isVisible()
    assert win.statusBar().grab().toImage() != before


def test_the_legend_action_toggles_the_canvas_key_and_is_remembered(win, qtbot, settings):
    assert not win.session.show_legend
    win.act_legend.trigger()
    assert win.session.show_legend
    assert ("legend", 0) in win.canvas.label_boxes()
    win.close()
    assert str(settings.value("view/legend")) == "true"


def test_save_as_adds_the_extension(win, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from bpviz.gui.files import with_extension

    assert with_extension("/x/lesson") == "/x/lesson.bpviz.json"
    assert with_extension("/x/lesson.bpviz.json") == "/x/lesson.bpviz.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "lesson"), ""))
    assert win.files.save_as_dialog()
    assert (tmp_path / "lesson.bpviz.json").exists() and not (tmp_path / "lesson").exists()


def test_the_status_bar_speaks_in_phase_titles(win):
    win.session.set_phase(9)
    text = win._status.text()
    assert "grad_out:h" not in text and "error signal reaches layer h" in text


def test_the_sample_box_shows_its_whole_text(win, qtbot):
    import numpy as np

    from bpviz.core.presets import load_preset as lp

    doc = lp("mazur")
    doc.inputs = np.array([[0.123456, 0.654321], [0.5, 0.25]])
    doc.targets = np.array([[0.01, 0.99], [0.5, 0.5]])
    win.session.load(doc, "lesson")  # longer entries than the window was first shown with
    qtbot.wait(20)
    box = win.sample_box
    fm = box.fontMetrics()
    widest = max(fm.horizontalAdvance(box.itemText(i)) for i in range(box.count()))
    assert box.width() >= widest + 20


def test_significant_figures_are_a_remembered_view_setting(win, settings, qtbot):
    """View → Significant figures (3–6, default 4) sets the canvas's numbers; the inspector
    keeps its decimals; the choice is remembered."""
    from bpviz.core.presets import load_preset
    from bpviz.gui.main_window import MainWindow

    s = win.session
    assert s.sig_digits == 4 and s.decimals == 9
    view = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "View")
    figs = next(
        a.menu() for a in view.actions() if a.menu() and "Significant figures" in a.text().replace("&", "")
    )
    assert [a.text().split()[0] for a in figs.actions()] == ["3", "4", "5", "6"]
    s.set_phase(s.names.index("grad:h"))
    assert "δ 0.009954" in win.canvas.value_text(1, 1)
    seen = []
    s.displayChanged.connect(lambda: seen.append(1))
    win.sig_actions[6].trigger()
    assert s.sig_digits == 6 and seen and s.decimals == 9
    assert "δ 0.00995425" in win.canvas.value_text(1, 1)
    win.close()
    assert int(settings.value("view/sig_digits")) == 6
    w2 = MainWindow(load_preset("mazur"), "mazur", settings=settings)
    qtbot.addWidget(w2)
    assert w2.session.sig_digits == 6 and w2.sig_actions[6].isChecked()
    w2.close()


def test_the_status_line_ends_in_an_ellipsis_where_the_window_is_narrow(win, qtbot):
    """At 1024 px and a large font zoom the status line does not run off the window: it ends
    in "…", and its tooltip (and ``text()``) keep the whole of it."""
    from PySide6.QtWidgets import QApplication, QLabel

    label = win._status
    whole = label.text()
    assert "phase 1/" in whole and "η = " in whole
    win.resize(1400, 800)
    QApplication.processEvents()
    assert QLabel.text(label) == whole  # room for all of it
    win.session.set_zoom(2.0)
    win.resize(700, 600)
    qtbot.waitUntil(lambda: QLabel.text(label) != whole)
    shown = QLabel.text(label)
    assert shown.endswith("…") and whole.startswith(shown[:-1])
    assert label.fontMetrics().horizontalAdvance(shown) <= label.width()
    assert label.text() == whole and whole in label.toolTip()


@pytest.mark.parametrize("size", [(1024, 768), (1280, 720)])
def test_the_dock_tabs_say_their_whole_names_at_projector_sizes(win, qtbot, size):
    """Seven docks share the tab group under the inspector: at a projector's size Qt cut every
    name short ("E…", "Lo…", "G…"); each tab now says its name, and the bar scrolls."""
    from PySide6.QtWidgets import QTabBar

    win.resize(*size)
    qtbot.wait(50)
    bars = [b for b in win.findChildren(QTabBar) if b.parent() is win and b.isVisible()]
    assert bars
    for bar in bars:
        assert bar.elideMode() == Qt.TextElideMode.ElideNone
        fm = bar.fontMetrics()
        i = bar.currentIndex()
        assert bar.tabRect(i).width() >= fm.horizontalAdvance(bar.tabText(i))  # the whole name
        assert bar.rect().contains(bar.tabRect(i))  # and the tab on show
    names = [bars[0].tabText(i) for i in range(bars[0].count())]
    assert "Loss landscape" in names and "Gradients" in names
    # a dock floated and docked again joins a tab group whose names are whole too
    win.landscape_dock.setFloating(True)
    win.landscape_dock.setFloating(False)
    qtbot.wait(50)
    for bar in (b for b in win.findChildren(QTabBar) if b.parent() is win and b.isVisible()):
        assert bar.elideMode() == Qt.TextElideMode.ElideNone
