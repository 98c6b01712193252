"""Editing weights on the canvas (undoable, exact), edits reaching a trainer, sessions saved
and resumed, unsaved changes, quick export and the error-history CSV."""

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from bpviz.core import fileformat
from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.session import Selection


def test_edit_a_weight_on_the_canvas_changes_the_trace_exactly(win, qtbot):
    s = win.session
    s.select(Selection("edge", (1, 0, 0)))  # w5
    ed = win.canvas.begin_edit(s.selection)
    ed.setText("0.25")
    qtbot.keyClick(ed, Qt.Key.Key_Return)
    assert s.network.weights[1][0, 0] == 0.25
    net = load_preset("mazur").network.copy()
    net.weights[1][0, 0] = 0.25
    core = trace_step(s.doc, [0], network=net)
    assert s.trace.error == core.error
    np.testing.assert_array_equal(s.trace.p.grad_w[0], core.p.grad_w[0])
    assert s.modified
    s.undo_stack.undo()
    assert s.network.weights[1][0, 0] == 0.4
    assert s.trace.error == trace_step(load_preset("mazur"), [0]).error
    s.undo_stack.redo()
    assert s.network.weights[1][0, 0] == 0.25


def test_a_bad_value_is_marked_and_kept(win, qtbot):
    s = win.session
    ed = win.canvas.begin_edit(Selection("bias", (1, 0)))
    ed.setText("1e999")
    qtbot.keyClick(ed, Qt.Key.Key_Return)
    assert ed.isVisible() and ed.text() == "1e999" and "not a finite number" in ed.toolTip()
    assert s.network.biases[1][0] == 0.6 and not s.modified
    qtbot.keyClick(ed, Qt.Key.Key_Escape)
    assert win.canvas._editor is None


def test_an_edit_while_paused_reaches_the_trainer_at_a_step_boundary(win, qtbot):
    c, s = win.training, win.session
    c.update_settings(speed=3000)
    c.train()
    qtbot.waitUntil(lambda: s.history.n > 100, timeout=20_000)
    c.pause()
    qtbot.waitUntil(lambda: c.state == "paused", timeout=20_000)
    k = s.step
    s.edit_parameter("edge", (0, 1, 1), 0.9)  # w4, queued to the paused trainer
    c.update_settings(max_steps=k + 200, speed=None)
    c.train()
    qtbot.waitUntil(lambda: c.state == "finished", timeout=20_000)
    core = Trainer(load_preset("mazur"))
    core.run(max_steps=k)
    core.network.weights[0][1, 1] = 0.9
    core.run(max_steps=200)
    np.testing.assert_array_equal(s.history.errors, core.error_history)
    np.testing.assert_array_equal(s.network.weights[1], core.network.weights[1])


def test_save_and_open_resume_the_session(win, tmp_path, qtbot):
    s = win.session
    win.open_preset("swap")
    for _ in range(3 * len(s.names) + 4):
        s.next()  # three iterations and four phases into the fourth
    s.edit_parameter("edge", (2, 0, 0), 0.33)
    path = tmp_path / "lecture.bpviz.json"
    assert win.save_to(str(path))
    assert not s.modified and "lecture" in win.windowTitle()
    doc = fileformat.load(path)
    assert doc.session["step"] == 3 and doc.session["phase"] == 4
    assert len(doc.session["error_history"]) == 3
    win.open_preset("mazur")
    assert win.open_path(str(path))
    assert s.step == 3 and s.phase_index == 4 and s.history.n == 3
    assert s.network.weights[2][0, 0] == 0.33
    np.testing.assert_array_equal(s.doc.inputs, load_preset("swap").inputs)
    assert s.doc.mode == "online" and s.doc.learning_rate == 0.5
    assert s.trace.samples == [3]  # the fourth step of online training uses sample 4


def test_a_failed_save_keeps_the_old_file(win, tmp_path, monkeypatch):
    import bpviz.core.atomic as atomic

    path = tmp_path / "keep.bpviz.json"
    assert win.save_to(str(path))
    before = path.read_bytes()
    win.session.edit_parameter("edge", (0, 0, 0), 0.5)

    def refuse(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    assert not win.save_to(str(path))
    assert path.read_bytes() == before and shown
    assert sorted(p.name for p in tmp_path.iterdir() if "keep" in p.name) == [path.name]
    assert win.session.modified


def test_closing_with_unsaved_changes_asks(win, monkeypatch):
    win.session.edit_parameter("edge", (0, 0, 0), 0.5)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Cancel)
    win.close()
    assert win.isVisible()
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    win.close()
    assert not win.isVisible()


def test_quick_export_numbers_its_files(win, tmp_path):
    win.settings.setValue("export/quick_dir", str(tmp_path))
    a = win.quick_export()
    win.session.next()
    b = win.quick_export()
    assert a.endswith("0001-01-input.png") and b.endswith("0002-02-net-h.png")


def test_history_csv(win):
    from bpviz.core.history_csv import history_csv

    s = win.session
    win.open_preset("swap")
    for _ in range(2 * len(s.names)):
        s.next()
    h = s.history
    text = history_csv(h.errors, h.epoch_steps, h.epoch_errors)
    lines = text.splitlines()
    assert lines[0] == "step,error,epoch_error" and len(lines) == 3
    assert float(lines[1].split(",")[1]) == s.history.errors[0]


@pytest.mark.parametrize("fmt", ["html", "md", "tex"])
def test_worked_example_with_the_canvas_at_each_phase(win, tmp_path, fmt, monkeypatch):
    import shutil
    import subprocess

    from bpviz.core.teach.phase_figures import with_phase_figures
    from bpviz.core.teach.worked_example import explain
    from bpviz.gui.export import phase_file_name

    s = win.session
    s.set_phase(4)
    images = win.exports.phase_images()
    assert [f.file_name for f in images] == [phase_file_name(i, n, "png") for i, n in enumerate(s.names)]
    assert s.phase_index == 4  # the stepper went back to where it was
    assert all(f.png.startswith(b"\x89PNG") for f in images)
    assert images[0].png != images[9].png  # the highlight moved
    assert images[9].title == f"10. {s.phases[9].title}"
    path = tmp_path / f"mazur.{fmt}"
    text = with_phase_figures(explain(s.current_document(), s.trace, fmt), fmt, path, images)
    path.write_text(text, encoding="utf-8")
    assert "0.082167041" in text
    if fmt == "html":
        outside = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
        assert text.count("data:image/png;base64,") == 13 and "http" not in outside
    else:
        files = sorted((tmp_path / "mazur-phases").iterdir())
        assert len(files) == 13 and files[9].name == "10-grad_out-h.png"
        assert text.count("mazur-phases/") == 13
    if fmt == "tex":
        if not shutil.which("pdflatex"):
            pytest.skip("pdflatex is not installed: the LaTeX was written but not compiled")
        r = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name],
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stdout[-2000:]
