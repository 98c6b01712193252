"""The window's file commands (gui.files): what Save writes comes from the core, "save
changes?" continues after a Save As, the recent files and the title."""

import json

from PySide6.QtWidgets import QFileDialog, QMessageBox

from bpviz.core import fileformat
from bpviz.gui.files import MAX_RECENT, session_document


def test_save_changes_then_save_as_goes_on_to_open(win, tmp_path, monkeypatch):
    """A built-in example has no file: Save asks for a name; once saved, the open goes on
    (it used to stop, as if the user had cancelled)."""
    s = win.session
    s.edit_parameter("edge", (0, 0, 0), 0.5)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "edited"), ""))
    win.open_preset("swap")
    assert fileformat.load(tmp_path / "edited.bpviz.json").network.weights[0][0, 0] == 0.5
    assert s.source == "swap"


def test_cancelling_save_as_keeps_the_network(win, monkeypatch):
    s = win.session
    s.edit_parameter("edge", (0, 0, 0), 0.5)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Save)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    win.open_preset("swap")
    assert s.source == "mazur" and s.modified
    assert win.toolbar.preset_box.currentData() == "mazur"  # the chooser put back


def test_what_save_writes_is_the_core_session_record(win, tmp_path):
    s = win.session
    for _ in range(2 * len(s.names)):
        s.next()
    doc = session_document(s)
    assert doc.session == fileformat.session_record(s.step, s.phase_index, s.history.errors, s.stop_error)
    assert doc.session["step"] == 2 and len(doc.session["error_history"]) == 2
    assert win.save_to(str(tmp_path / "two.bpviz.json"))
    assert fileformat.load(tmp_path / "two.bpviz.json").session == doc.session


def test_recent_files_newest_first_and_bounded(win, tmp_path):
    paths = [tmp_path / f"n{i}.bpviz.json" for i in range(MAX_RECENT + 2)]
    for p in paths:
        assert win.save_to(str(p))
    recent = json.loads(win.settings.value("files/recent"))
    assert recent == [str(p.resolve()) for p in reversed(paths)][:MAX_RECENT]
    menu = win.files.recent_menu
    assert [a.text() for a in menu.actions()][0] == paths[-1].name and menu.isEnabled()


def test_the_title_names_the_file_and_marks_changes(win, tmp_path):
    assert win.windowTitle().startswith("mazur[*]") and not win.isWindowModified()
    win.session.edit_parameter("edge", (0, 0, 0), 0.5)
    assert win.isWindowModified()
    win.save_to(str(tmp_path / "lesson.bpviz.json"))
    assert win.windowTitle().startswith("lesson.bpviz.json[*]") and not win.isWindowModified()
