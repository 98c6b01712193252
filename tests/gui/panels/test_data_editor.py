"""The data editor: cells checked as typed, applied to the session in one undo step each,
never losing what the user typed; CSV import/export, paste and generators."""

import numpy as np
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from bpviz.core.presets import load_preset
from bpviz.gui.panels.data_editor import DataEditor
from bpviz.gui.session import Session

XOR_IN = [[0, 0], [0, 1], [1, 0], [1, 1]]
XOR_T = [[0], [1], [1], [0]]


@pytest.fixture
def warnings(monkeypatch):
    """QMessageBox.warning would block: record its calls instead."""
    calls = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda *a, **k: calls.append(a) or QMessageBox.StandardButton.Ok
    )
    return calls


@pytest.fixture
def make(qtbot, warnings):
    sessions = []

    def build(name="xor"):
        s = Session(load_preset(name), name)
        sessions.append(s)
        ed = DataEditor(s)
        qtbot.addWidget(ed)
        ed.resize(460, 360)
        ed.show()
        qtbot.waitExposed(ed)
        return s, ed

    yield build
    for s in sessions:  # an undo stack destroyed with commands in it signals a dead session
        s.undo_stack.clear()


def texts(ed):
    m = ed.model
    return [[m.index(r, c).data() for c in range(m.columnCount())] for r in range(m.rowCount())]


def cell_editor(table) -> QLineEdit:
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # closed editors
    eds = [e for e in table.findChildren(QLineEdit) if e.isVisible()]
    assert len(eds) == 1
    return eds[0]


def type_in(qtbot, ed, r, c, text, key=Qt.Key.Key_Return):
    """Type into a cell as a user does: select it, type, press Enter."""
    t = ed.table
    t.setFocus()
    t.setCurrentIndex(ed.model.index(r, c))
    t.edit(ed.model.index(r, c))
    editor = cell_editor(t)
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, key)
    QApplication.processEvents()


def test_shows_the_session_data(make):
    s, ed = make()
    assert ed.model.names == ["x1", "x2", "target y"]
    assert texts(ed) == [["0", "0", "0"], ["0", "1", "1"], ["1", "0", "1"], ["1", "1", "0"]]
    assert "4 samples" in ed.status.text() and "applied" in ed.status.text()
    s2, ed2 = make("mazur")
    assert ed2.model.names == ["i1", "i2", "target o1", "target o2"]
    assert texts(ed2) == [["0.05", "0.1", "0.01", "0.99"]]


def test_valid_edit_applies_and_undo_restores(qtbot, make):
    s, ed = make()
    assert s.trace.inputs[0].tolist() == [0, 0]
    type_in(qtbot, ed, 0, 0, "0.25")
    assert s.doc.inputs[0].tolist() == [0.25, 0]
    assert s.trace.inputs[0].tolist() == [0.25, 0]  # the iteration follows
    assert s.undo_stack.count() == 1
    assert ed.table.currentIndex().row() == 1  # Enter moved down
    type_in(qtbot, ed, 3, 2, "-1e-3")
    assert s.doc.targets[3, 0] == -0.001 and s.undo_stack.count() == 2
    s.undo_stack.undo()
    assert s.doc.targets.tolist() == XOR_T
    assert texts(ed)[3] == ["1", "1", "0"]
    s.undo_stack.undo()
    assert s.doc.inputs.tolist() == XOR_IN and s.trace.inputs[0].tolist() == [0, 0]
    assert texts(ed)[0] == ["0", "0", "0"]
    s.undo_stack.redo()
    assert texts(ed)[0] == ["0.25", "0", "0"]


def test_same_value_is_no_undo_step(qtbot, make):
    s, ed = make()
    type_in(qtbot, ed, 1, 1, "1.0")
    type_in(qtbot, ed, 1, 1, " 1 ")
    assert s.undo_stack.count() == 0


def test_text_is_marked_kept_and_never_applied(qtbot, make):
    s, ed = make()
    type_in(qtbot, ed, 1, 1, "abc")
    m = ed.model
    idx = m.index(1, 1)
    assert idx.data() == "abc"  # nothing typed is lost
    assert idx.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "not a number" in idx.data(Qt.ItemDataRole.ToolTipRole)
    assert s.doc.inputs.tolist() == XOR_IN and s.undo_stack.count() == 0
    st = ed.status.text()
    assert "Row 2" in st and "x2" in st and "not applied" in st
    assert "✗" in m.headerData(1, Qt.Orientation.Vertical)
    # another valid edit elsewhere is not applied either while a cell is wrong
    type_in(qtbot, ed, 0, 0, "0.5")
    assert s.doc.inputs.tolist() == XOR_IN
    assert texts(ed)[0][0] == "0.5" and texts(ed)[1][1] == "abc"
    # fixing the cell applies the whole table in one step
    type_in(qtbot, ed, 1, 1, "0.75")
    assert s.doc.inputs.tolist() == [[0.5, 0], [0, 0.75], [1, 0], [1, 1]]
    assert s.undo_stack.count() == 1
    assert idx.data(Qt.ItemDataRole.BackgroundRole) is None
    assert "applied" in ed.status.text() and "not applied" not in ed.status.text()


@pytest.mark.parametrize(
    "bad, words",
    [("nan", "NaN"), ("inf", "infinity"), ("", "empty"), ("1,5", "decimal point"), ("1e999", "too large")],
)
def test_other_invalid_cells(qtbot, make, bad, words):
    s, ed = make()
    type_in(qtbot, ed, 2, 0, bad)
    assert ed.model.index(2, 0).data() == bad
    assert words in ed.model.index(2, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert s.doc.inputs.tolist() == XOR_IN


def test_editor_checks_while_typing(qtbot, make):
    s, ed = make()
    t = ed.table
    t.setFocus()
    t.setCurrentIndex(ed.model.index(0, 0))
    t.edit(ed.model.index(0, 0))
    editor = cell_editor(t)
    editor.selectAll()
    qtbot.keyClicks(editor, "1.2.3")
    assert "not a number" in editor.toolTip() and editor.styleSheet()
    assert "Row 1, x1" in ed.status.text()
    qtbot.keyClicks(editor, "\b\b")
    assert editor.toolTip() == "" and editor.styleSheet() == ""
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert s.doc.inputs.tolist() == XOR_IN


def test_revert_drops_unapplied_edits(qtbot, make):
    s, ed = make()
    type_in(qtbot, ed, 0, 1, "oops")
    assert ed.act_revert.isEnabled()
    ed.act_revert.trigger()
    assert texts(ed)[0] == ["0", "0", "0"] and ed.model.is_valid()
    assert not ed.act_revert.isEnabled()


def test_outside_change_keeps_the_users_text(qtbot, make):
    s, ed = make()
    type_in(qtbot, ed, 0, 0, "0.5")  # applied
    type_in(qtbot, ed, 1, 0, "zz")  # not applied
    s.undo_stack.undo()  # the data changes under the table
    assert s.doc.inputs.tolist() == XOR_IN
    assert texts(ed)[1][0] == "zz" and texts(ed)[0][0] == "0.5"
    assert "your text is kept" in ed.status.text()
    # a valid table again: it is applied as it stands
    type_in(qtbot, ed, 1, 0, "0.125")
    assert s.doc.inputs[:2].tolist() == [[0.5, 0], [0.125, 1]]
    assert "kept" not in ed.status.text()


def test_a_new_network_reloads(make):
    s, ed = make()
    ed.model.setData(ed.model.index(0, 0), "zz")
    s.load(load_preset("mazur"), "mazur")
    assert ed.model.names == ["i1", "i2", "target o1", "target o2"]
    assert texts(ed) == [["0.05", "0.1", "0.01", "0.99"]] and ed.model.is_valid()


def test_add_row_applies_when_filled(qtbot, make):
    s, ed = make()
    ed.table.setCurrentIndex(ed.model.index(3, 0))
    ed.act_add.trigger()
    assert ed.model.rowCount() == 5 and s.doc.n_samples == 4
    assert "empty" in ed.status.text().lower()
    assert ed.table.currentIndex().row() == 4
    type_in(qtbot, ed, 4, 0, "0.5", Qt.Key.Key_Tab)
    type_in(qtbot, ed, 4, 1, "0.5", Qt.Key.Key_Tab)
    assert s.doc.n_samples == 4  # not applied until the row is complete
    type_in(qtbot, ed, 4, 2, "1")
    assert s.doc.n_samples == 5 and s.doc.inputs[4].tolist() == [0.5, 0.5]
    assert s.undo_stack.count() == 1 and s.undo_stack.undoText().startswith(("Add", "Change"))
    s.undo_stack.undo()
    assert s.doc.n_samples == 4 and ed.model.rowCount() == 4


def test_delete_rows_with_the_delete_key(qtbot, make):
    s, ed = make()
    t = ed.table
    t.setFocus()
    t.selectRow(1)
    qtbot.keyClick(t, Qt.Key.Key_Delete)
    assert s.doc.n_samples == 3 and s.doc.inputs.tolist() == [[0, 0], [1, 0], [1, 1]]
    assert s.undo_stack.count() == 1
    # not the last one
    t.selectAll()
    assert not ed.delete_rows()
    assert s.doc.n_samples == 3 and "at least one" in ed.status.text()
    s.undo_stack.undo()
    assert s.doc.n_samples == 4 and ed.model.rowCount() == 4


def test_paste_a_block_adds_rows(qtbot, make):
    s, ed = make()
    ed.table.setCurrentIndex(ed.model.index(3, 0))
    ed.act_add.trigger()  # a blank row at the end, current
    QApplication.clipboard().setText("0.1\t0.2\t1\r\n0.3\t0.4\t0\r\n")
    ed.table.setFocus()
    qtbot.keyClick(ed.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert s.doc.n_samples == 6
    assert s.doc.inputs[4:].tolist() == [[0.1, 0.2], [0.3, 0.4]]
    assert s.doc.targets[4:].tolist() == [[1], [0]]
    assert s.undo_stack.count() == 1  # one step for the row and the paste
    s.undo_stack.undo()
    assert s.doc.n_samples == 4


def test_paste_over_cells_and_grow(make):
    s, ed = make()
    ed.table.setCurrentIndex(ed.model.index(3, 1))
    assert ed.paste("5,6\n7,8\n")  # comma separated too; grows one row, with one blank cell
    assert ed.model.rowCount() == 5 and s.doc.n_samples == 4
    assert texts(ed)[4] == ["", "7", "8"]
    ed.model.setData(ed.model.index(4, 0), "9")
    assert s.doc.n_samples == 5 and s.doc.inputs[3:].tolist() == [[1, 5], [9, 7]]


def test_paste_skips_a_header_and_keeps_text(make):
    s, ed = make()
    ed.table.setCurrentIndex(ed.model.index(0, 0))
    assert ed.paste("x1\tx2\ttarget_y\n2\t3\t4\n")
    assert s.doc.inputs[0].tolist() == [2, 3] and "header" in ed.status.text()
    assert ed.paste("a\tb\n")  # text is pasted as text: marked, not applied
    assert texts(ed)[0][:2] == ["a", "b"] and s.doc.inputs[0].tolist() == [2, 3]


def test_paste_too_wide_is_refused(make):
    s, ed = make()
    ed.table.setCurrentIndex(ed.model.index(0, 1))
    before = texts(ed)
    assert not ed.paste("1\t2\t3\n")
    assert texts(ed) == before and "room for 2" in ed.last_error
    assert s.undo_stack.count() == 0


def test_paste_one_value_fills_the_selection(make):
    s, ed = make()
    ed.table.selectColumn(2)
    assert ed.paste("0.5")
    assert s.doc.targets.ravel().tolist() == [0.5] * 4 and s.undo_stack.count() == 1


def test_copy(make):
    s, ed = make()
    ed.table.selectRow(1)
    assert ed.copy() == "0\t1\t1\n"
    assert QApplication.clipboard().text() == "0\t1\t1\n"


def test_import_and_export_csv(make, tmp_path):
    s, ed = make()
    p = tmp_path / "d.csv"
    p.write_text("x1,x2,target_y\n0.5,0.25,1\n-1,2,0\n3,4,1\n")
    assert ed.import_csv(str(p))
    assert s.doc.inputs.tolist() == [[0.5, 0.25], [-1, 2], [3, 4]] and s.doc.n_samples == 3
    assert ed.model.rowCount() == 3 and s.undo_stack.count() == 1
    out = tmp_path / "out.csv"
    assert ed.export_csv(str(out))
    assert out.read_text() == "x1,x2,target_y\n0.5,0.25,1\n-1,2,0\n3,4,1\n"
    s.undo_stack.undo()
    assert s.doc.inputs.tolist() == XOR_IN and ed.model.rowCount() == 4


@pytest.mark.parametrize(
    "body, where",
    [
        ("0,0,0\n1,nan,1\n", "row 3, column B (x2)"),
        ("0,0,0\n1,abc,1\n", "row 3, column B (x2)"),
        ("0,0,0\n1,1\n", "row 3, column C (target_y)"),
        ("0,0,0\n1,1,inf\n", "row 3, column C (target_y)"),
    ],
)
def test_bad_csv_changes_nothing(make, warnings, tmp_path, body, where):
    s, ed = make()
    ed.model.setData(ed.model.index(0, 0), "draft")  # an unapplied edit survives too
    before = texts(ed)
    p = tmp_path / "bad.csv"
    p.write_text("x1,x2,target_y\n" + body)
    assert not ed.import_csv(str(p))
    assert where in ed.last_error and "bad.csv" in ed.last_error
    assert warnings and where in warnings[-1][2]
    assert texts(ed) == before
    assert s.doc.inputs.tolist() == XOR_IN and s.doc.targets.tolist() == XOR_T
    assert s.undo_stack.count() == 0


def test_export_refused_while_a_cell_is_wrong(make, warnings, tmp_path):
    s, ed = make()
    ed.model.setData(ed.model.index(2, 2), "?")
    out = tmp_path / "o.csv"
    assert not ed.export_csv(str(out))
    assert not out.exists() and "Row 3" in ed.last_error and warnings


def test_generate_xor_on_xor(make):
    s, ed = make()
    ed.model.setData(ed.model.index(0, 0), "0.5")
    assert s.undo_stack.count() == 1
    assert ed.generate_set("xor")
    assert s.doc.inputs.tolist() == XOR_IN and s.doc.targets.tolist() == XOR_T
    assert s.undo_stack.count() == 2 and "XOR" in ed.status.text()
    assert ed.generate_set("and")
    assert s.doc.targets.ravel().tolist() == [0, 0, 0, 1]


def test_generate_two_class(make):
    s, ed = make()
    assert ed.generate_set("two-class", n=10, seed=3)
    assert s.doc.n_samples == 10 and ed.model.rowCount() == 10
    X = s.doc.inputs.copy()
    assert ed.generate_set("two-class", n=10, seed=3)
    assert np.array_equal(s.doc.inputs, X)
    assert s.undo_stack.count() == 1  # the same data again is no new step


def test_the_generate_action_opens_the_dialog(make, monkeypatch):
    from bpviz.gui.panels.data_editor import generate

    s, ed = make()

    def fake_run(dlg):
        dlg.select("two-class")
        dlg.set_param("samples", 12)
        dlg.set_param("seed", 4)
        return True

    monkeypatch.setattr(generate, "_run", fake_run)
    ed.act_generate.trigger()
    assert s.doc.n_samples == 12 and s.doc.generator["seed"] == 4
    monkeypatch.setattr(generate, "_run", lambda dlg: False)
    assert not ed.generate_dialog("circle")
    assert s.doc.n_samples == 12 and s.undo_stack.count() == 1


def test_generate_refused_when_the_network_does_not_fit(make, warnings):
    s, ed = make("mazur")  # 2-2-2
    assert not ed.generate_set("xor")
    assert "XOR" in ed.last_error and "2 outputs" in ed.last_error and warnings
    assert s.doc.n_samples == 1 and s.undo_stack.count() == 0
    assert ed.generate_set("swap")
    assert s.doc.n_samples == 4 and s.doc.targets.tolist() == [[1, 1], [0, 1], [1, 0], [0, 0]]


def test_sample_count_follows(qtbot, make):
    s, ed = make()
    seen = []
    s.documentChanged.connect(lambda: seen.append(s.doc.n_samples))
    ed.table.selectRow(0)
    ed.delete_rows()
    assert s.doc.n_samples == 3 and seen[-1] == 3
    ed.table.setCurrentIndex(ed.model.index(2, 0))
    ed.paste("1\t1\t1\n2\t2\t2\n3\t3\t3\n")
    assert s.doc.n_samples == 5 and seen[-1] == 5
    # the stepper follows: a batch step uses all five samples, and the last can be shown
    assert s.doc.mode == "batch" and s.trace.inputs.tolist()[-1] == [3, 3]
    assert len(s.trace.samples) == 5
    s.set_sample_choice(4)
    assert s.display_sample == 4


def test_read_only_while_training(make):
    s, ed = make()
    s.set_training(True)
    assert not ed.act_paste.isEnabled() and not ed.gen_button.isEnabled()
    assert not ed.paste("1\t1\t1\n")
    assert "pause" in ed.status.text().lower()
    s.set_training(False)
    assert ed.act_paste.isEnabled()


def test_dark_theme_colours(make):
    s, ed = make()
    ed.model.setData(ed.model.index(0, 0), "x")
    light = ed.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    s.set_theme("dark")
    dark = ed.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole)
    assert light != dark


def test_large_data_is_cheap(make):
    import time

    s, ed = make()
    X = np.random.default_rng(0).normal(size=(200_000, 2))
    T = np.zeros((200_000, 1))
    t0 = time.perf_counter()
    ed._replace(X, T, "big", "")
    assert s.doc.n_samples == 200_000
    ed.model.setData(ed.model.index(199_999, 1), "0.5")
    assert s.doc.inputs[199_999, 1] == 0.5
    assert time.perf_counter() - t0 < 10


def test_tooltips_everywhere(make):
    s, ed = make()
    for a in (
        ed.act_add,
        ed.act_delete,
        ed.act_copy,
        ed.act_paste,
        ed.act_import,
        ed.act_export,
        ed.act_revert,
    ):
        assert a.toolTip() and a.toolTip() != a.text().replace("…", "")
    assert ed.gen_button.toolTip() and ed.table.toolTip() and ed.status.toolTip()
    assert ed.act_generate.toolTip()
    m = ed.model
    assert m.headerData(0, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert m.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_render(make, tmp_path):
    s, ed = make()
    assert not ed.grab().isNull()
    ed.model.setData(ed.model.index(1, 1), "abc")
    assert ed.grab().save(str(tmp_path / "bad.png"))


def test_a_toolbar_action_commits_the_cell_being_typed(qtbot, make):
    s, ed = make()
    t = ed.table
    t.setFocus()
    t.setCurrentIndex(ed.model.index(0, 0))
    t.edit(ed.model.index(0, 0))
    editor = cell_editor(t)
    editor.selectAll()
    qtbot.keyClicks(editor, "0.5")
    ed.act_add.trigger()  # as if Enter had been pressed first
    assert s.doc.inputs[0].tolist() == [0.5, 0]
    assert ed.model.rowCount() == 5 and t.state() != t.State.EditingState


def test_revert_cancels_the_cell_being_typed(qtbot, make):
    s, ed = make()
    type_in(qtbot, ed, 0, 0, "bad")
    t = ed.table
    t.setCurrentIndex(ed.model.index(1, 0))
    t.edit(ed.model.index(1, 0))
    qtbot.keyClicks(cell_editor(t), "also bad")
    ed.act_revert.trigger()
    QApplication.processEvents()
    assert ed.model.is_valid() and texts(ed)[:2] == [["0", "0", "0"], ["0", "1", "1"]]


def test_menu_actions(make):
    s, ed = make()
    acts = ed.menu_actions()
    assert ed.act_import in acts and ed.act_generate in acts and None in acts


def test_nothing_is_applied_while_training(make, tmp_path):
    s, ed = make()
    p = tmp_path / "d.csv"
    p.write_text("x1,x2,target_y\n1,2,3\n")
    s.set_training(True)
    assert not ed.import_csv(str(p)) and not ed.generate_set("and") and not ed.delete_rows([0])
    assert s.doc.inputs.tolist() == XOR_IN and texts(ed)[0] == ["0", "0", "0"]
    s.set_training(False)
