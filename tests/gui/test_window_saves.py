"""Save does what a desktop user expects (issue 13, item 6, the window's side): a read-only
file is replaced only after the user says so; Save through a symbolic link writes its target
and keeps the link; and Save in the close prompt on a built-in example saves, then closes."""

from __future__ import annotations

import json
import os
import stat

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from bpviz.core import fileformat
from bpviz.gui.plain_text import to_plain

B = QMessageBox.StandardButton


@pytest.fixture
def questions(monkeypatch):
    """Answer every question box with ``answers`` in turn; record (title, text)."""
    asked: list[tuple[str, str]] = []
    answers: list = []

    def question(parent, title, text, *a, **k):
        asked.append((title, to_plain(text)))
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked, answers


@pytest.fixture
def warnings(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda p, t, text, *a, **k: shown.append(to_plain(text)))
    return shown


def _read_only(path) -> None:
    os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)


def test_a_read_only_file_is_replaced_only_when_the_user_says_so(win, tmp_path, questions, warnings):
    asked, answers = questions
    path = tmp_path / "lesson.bpviz.json"
    assert win.save_to(str(path))
    _read_only(path)
    before = path.read_bytes()
    win.session.edit_parameter("edge", (0, 0, 0), 0.25)
    answers.append(B.No)
    assert win.save_to(str(path)) is False
    assert path.read_bytes() == before and win.session.modified
    assert len(asked) == 1 and asked[0][0] == "Replace a read-only file?"
    assert str(path) in asked[0][1] and "read-only" in asked[0][1]
    answers.append(B.Yes)
    assert win.save_to(str(path)) is True
    assert fileformat.load(path).network.weights[0][0, 0] == 0.25 and not win.session.modified
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o444  # still read-only, as it was
    assert warnings == []


def test_save_in_the_close_prompt_of_an_edited_file_asks_about_read_only_too(win, tmp_path, questions):
    asked, answers = questions
    path = tmp_path / "lesson.bpviz.json"
    assert win.save_to(str(path))
    _read_only(path)
    win.session.edit_parameter("edge", (0, 0, 0), 0.25)
    answers += [B.Save, B.No]  # save? yes; replace the read-only file? no → the window stays
    win.close()
    assert win.isVisible() and [t for t, _ in asked] == ["Unsaved changes", "Replace a read-only file?"]
    answers += [B.Discard]
    win.close()
    assert not win.isVisible()


def test_save_through_a_link_writes_its_target_and_keeps_the_link(win, tmp_path, warnings):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "lesson.bpviz.json"
    assert win.save_to(str(target))
    link = tmp_path / "link.bpviz.json"
    link.symlink_to(target)
    win.session.edit_parameter("edge", (0, 0, 0), 0.125)
    assert win.save_to(str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert fileformat.load(target).network.weights[0][0, 0] == 0.125
    assert win.session.source == str(link)  # the name the user chose
    assert win.files.recent()[0] == str(link)
    # a dangling link creates its target
    dangling = tmp_path / "dangling.bpviz.json"
    dangling.symlink_to(real / "new.bpviz.json")
    assert win.save_to(str(dangling))
    assert dangling.is_symlink() and (real / "new.bpviz.json").is_file()
    assert not [p.name for p in tmp_path.rglob(".*.tmp")] and warnings == []


def test_a_link_loop_is_one_message(win, tmp_path, warnings):
    loop = tmp_path / "loop.bpviz.json"
    loop.symlink_to(loop)
    assert win.save_to(str(loop)) is False
    assert len(warnings) == 1 and "loop" in warnings[0] and str(loop) in warnings[0]


def test_save_in_the_close_prompt_on_a_preset_saves_then_closes(win, tmp_path, questions, monkeypatch):
    asked, answers = questions
    win.session.edit_parameter("edge", (0, 0, 0), 0.5)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "edited"), ""))
    answers.append(B.Save)
    win.close()
    assert not win.isVisible()
    saved = json.loads((tmp_path / "edited.bpviz.json").read_text())
    assert saved["weights"][0][0][0] == 0.5
