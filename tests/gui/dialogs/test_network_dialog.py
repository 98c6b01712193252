"""The network dialog: a network built in it equals the same network loaded from a file; every
field is checked as it is typed, invalid text is marked and kept, and only a valid spec reaches
the session, as one undoable step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from bpviz.core.build import build_document, default_spec, spec_from_document
from bpviz.core.fileformat import parse, to_json
from bpviz.core.presets import PRESETS, load_preset
from bpviz.gui.dialogs import network_dialog
from bpviz.gui.dialogs.network_dialog import NetworkDialog, edit_network
from bpviz.gui.session import Session


@pytest.fixture
def dialog(qtbot):
    d = NetworkDialog(default_spec(), title="New network", new=True)
    qtbot.addWidget(d)
    return d


def retype(qtbot, edit, text: str) -> None:
    """Select all and type, key by key, as a user would."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def is_marked(w) -> bool:
    return bool(w.property("invalid"))


# ------------------------------------------------------------------------ equals the file
def test_a_network_built_in_the_dialog_equals_the_same_network_loaded_from_a_file(dialog, qtbot):
    retype(qtbot, dialog.title_edit, "tanh 2-3-1")
    retype(qtbot, dialog.name_edit(0), "x")
    retype(qtbot, dialog.size_edit(1), "3")
    choose(dialog.activation_combo(1), "tanh")
    choose(dialog.activation_combo(2), "tanh")
    retype(qtbot, dialog.name_edit(2), "y")
    dialog.biases_check.setChecked(True)
    dialog.train_biases_check.setChecked(True)
    choose(dialog.loss_combo, "sse")
    retype(qtbot, dialog.lr_edit, "0.25")
    retype(qtbot, dialog.seed_edit, "5")
    assert dialog.ok_button.isEnabled()
    spec = dialog.spec()
    assert spec is not None and spec.sizes == [2, 3, 1]
    doc, _ = build_document(spec)
    loaded = parse(
        {
            "format": "bpviz/1",
            "title": "tanh 2-3-1",
            "layers": [
                {"name": "x", "size": 2},
                {"name": "h", "size": 3, "activation": "tanh"},
                {"name": "y", "size": 1, "activation": "tanh"},
            ],
            "init": {"scheme": "uniform", "scale": 0.5, "seed": 5},
            "biases": "init",
            "loss": "sse",
            "learning_rate": 0.25,
            "data": {"inputs": [[0, 0]], "targets": [[0]]},
        }
    )
    assert to_json(doc) == to_json(loaded)
    for a, b in zip(
        doc.network.weights + doc.network.biases, loaded.network.weights + loaded.network.biases, strict=True
    ):
        assert np.array_equal(a, b)


def test_xavier_linear_and_minibatch_reach_the_spec(qtbot):
    d = NetworkDialog(spec_from_document(load_preset("xor")))  # 4 samples
    qtbot.addWidget(d)
    choose(d.activation_combo(2), "linear")
    assert d.slope_edit(2).isEnabled() and not d.slope_edit(1).isEnabled()
    retype(qtbot, d.slope_edit(2), "-1.5e0")
    choose(d.mode_combo, "minibatch")
    d.batch_spin.setValue(3)
    assert d.batch_spin.maximum() == 4
    retype(qtbot, d.shuffle_edit, "42")
    choose(d.init_combo, "xavier")
    assert not d.scale_edit.isEnabled()
    spec = d.spec()
    assert spec.layers[2].activation == "linear" and spec.layers[2].slope == -1.5
    assert (spec.mode, spec.batch_size, spec.shuffle_seed) == ("minibatch", 3, 42)
    assert spec.init_scheme == "xavier"
    assert [ly.origin for ly in spec.layers] == [0, 1, 2]


@pytest.mark.parametrize("name", PRESETS)
def test_the_dialog_gives_back_the_spec_it_was_given(qtbot, name):
    spec = spec_from_document(load_preset(name))
    d = NetworkDialog(spec)
    qtbot.addWidget(d)
    assert d.ok_button.isEnabled()
    assert d.spec() == spec


# ------------------------------------------------------------------------ validation as typed
@pytest.mark.parametrize(
    "text, words",
    [
        ("0", "at least 1 neuron"),
        ("abc", '"abc" is not a whole number'),
        ("2.5", "not a whole number"),
        ("", "enter a whole number"),
        ("4097", "at most 4,096"),
    ],
)
def test_an_invalid_size_disables_ok_and_keeps_the_text(dialog, qtbot, text, words):
    edit = dialog.size_edit(1)
    retype(qtbot, edit, text)
    assert edit.text() == text  # nothing the user typed is lost
    assert not dialog.ok_button.isEnabled()
    assert dialog.spec() is None
    assert is_marked(edit) and words in edit.toolTip()
    assert words in dialog.message.text() and dialog.message.text().startswith("Hidden layer, size")
    dialog.accept()  # Enter, or a caller, cannot get past it
    assert dialog.result() != QDialog.DialogCode.Accepted and edit.text() == text
    retype(qtbot, edit, "3")
    assert dialog.ok_button.isEnabled() and not is_marked(edit)
    assert "Neurons in the layer" in edit.toolTip()
    assert dialog.message.text() == "2-3-1: 9 weights, 4 biases."


@pytest.mark.parametrize(
    "field, text, words",
    [
        ("lr_edit", "abc", "not a number"),
        ("lr_edit", "0", "greater than 0"),
        ("lr_edit", "-0.5", "greater than 0"),
        ("lr_edit", "nan", "finite"),
        ("lr_edit", "inf", "finite"),
        ("lr_edit", "1e999", "too large"),
        ("lr_edit", "1_0", "not a number"),
        ("seed_edit", "-1", "not a whole number ≥ 0"),
        ("seed_edit", "1.5", "not a whole number ≥ 0"),
        ("seed_edit", "", "enter a whole number ≥ 0"),
        ("scale_edit", "0", "greater than 0"),
        ("scale_edit", "x", "not a number"),
    ],
)
def test_number_fields_check_as_typed(dialog, qtbot, field, text, words):
    edit = getattr(dialog, field)
    retype(qtbot, edit, text)
    assert edit.text() == text
    assert not dialog.ok_button.isEnabled() and dialog.spec() is None
    assert is_marked(edit) and words in edit.toolTip() and words in dialog.message.text()


def test_numbers_are_read_by_the_one_rule(dialog, qtbot):
    """The dialog reads numbers as the canvas and the data editor do (core.numbers.read_number):
    "0,5" is refused with a hint to use a decimal point; a true minus sign reads as a minus."""
    retype(qtbot, dialog.lr_edit, "0,5")
    assert is_marked(dialog.lr_edit) and "use a decimal point: 0.5" in dialog.lr_edit.toolTip()
    retype(qtbot, dialog.lr_edit, "0.5")
    choose(dialog.activation_combo(1), "linear")
    dialog.slope_edit(1).setText("\u22122")  # QTest cannot type "−" offscreen
    assert dialog.ok_button.isEnabled() and dialog.spec().layers[1].slope == -2.0


def test_names_must_be_given_and_different(dialog, qtbot):
    retype(qtbot, dialog.name_edit(2), "h")
    assert is_marked(dialog.name_edit(1)) and is_marked(dialog.name_edit(2))
    assert 'another layer is named "h" too' in dialog.name_edit(2).toolTip()
    retype(qtbot, dialog.name_edit(2), "  ")
    assert not is_marked(dialog.name_edit(1)) and is_marked(dialog.name_edit(2))
    assert "needs a name" in dialog.name_edit(2).toolTip()
    assert dialog.name_edit(2).text() == "  "
    retype(qtbot, dialog.name_edit(2), " out ")
    assert dialog.spec().layers[2].name == "out"


def test_too_many_weights_marks_the_table(dialog, qtbot):
    retype(qtbot, dialog.size_edit(0), "4000")
    retype(qtbot, dialog.size_edit(1), "1000")
    assert is_marked(dialog.table) and "more than bpviz handles" in dialog.message.text()
    retype(qtbot, dialog.size_edit(1), "10")
    assert not is_marked(dialog.table) and dialog.ok_button.isEnabled()


def test_a_field_that_does_not_count_does_not_block_and_keeps_its_text(dialog, qtbot):
    retype(qtbot, dialog.scale_edit, "oops")
    assert not dialog.ok_button.isEnabled()
    choose(dialog.init_combo, "xavier")  # the scale is not used
    assert dialog.ok_button.isEnabled() and not is_marked(dialog.scale_edit)
    assert dialog.scale_edit.text() == "oops"
    choose(dialog.init_combo, "uniform")
    assert not dialog.ok_button.isEnabled() and is_marked(dialog.scale_edit)
    # the slope counts only for linear; the shuffle seed only in minibatch mode
    retype(qtbot, dialog.scale_edit, "1")
    assert not dialog.slope_edit(1).isEnabled() and not dialog.shuffle_edit.isEnabled()
    choose(dialog.activation_combo(1), "linear")
    retype(qtbot, dialog.slope_edit(1), "steep")
    assert "not a number" in dialog.slope_edit(1).toolTip() and not dialog.ok_button.isEnabled()
    choose(dialog.activation_combo(1), "relu")
    assert dialog.ok_button.isEnabled() and not is_marked(dialog.slope_edit(1))
    choose(dialog.mode_combo, "minibatch")
    retype(qtbot, dialog.shuffle_edit, "-3")
    assert is_marked(dialog.shuffle_edit) and not dialog.ok_button.isEnabled()
    assert dialog.slope_edit(1).text() == "steep" and dialog.shuffle_edit.text() == "-3"
    retype(qtbot, dialog.shuffle_edit, "")
    assert dialog.ok_button.isEnabled() and dialog.spec().shuffle_seed is None


def test_biases_off_disables_trained(dialog):
    dialog.biases_check.setChecked(False)
    assert not dialog.train_biases_check.isEnabled()
    assert dialog.spec().biases is False
    assert dialog.message.text() == "2-2-1: 6 weights."


# ------------------------------------------------------------------------ layers
def test_add_and_remove_layers(dialog, qtbot):
    assert dialog.remove_button.isEnabled()
    dialog.set_current_layer(-1)
    dialog.add_layer()  # before the output
    spec = dialog.spec()
    assert [ly.name for ly in spec.layers] == ["i", "h", "h2", "o"]
    assert spec.layers[2] == ("h2", 2, "sigmoid", 1.0, None)
    assert dialog.table.verticalHeaderItem(2).text() == "hidden 2"
    dialog.set_current_layer(1)
    dialog.add_layer()  # after the current one
    assert [ly.name for ly in dialog.spec().layers] == ["i", "h", "h3", "h2", "o"]
    dialog.set_current_layer(3)
    dialog.remove_layer()
    assert [ly.name for ly in dialog.spec().layers] == ["i", "h", "h3", "o"]
    dialog.set_current_layer(0)  # the input stays: the last hidden layer goes
    dialog.remove_layer()
    assert [ly.name for ly in dialog.spec().layers] == ["i", "h", "o"]
    dialog.remove_layer()  # no current row: the last hidden layer again
    assert [ly.name for ly in dialog.spec().layers] == ["i", "o"]
    assert not dialog.remove_button.isEnabled()
    dialog.remove_layer()
    assert dialog.layer_count() == 2 and dialog.activation_combo(0) is None
    # an invalid row goes away with its marks
    dialog.add_layer()
    retype(qtbot, dialog.size_edit(1), "0")
    assert not dialog.ok_button.isEnabled()
    dialog.set_current_layer(1)
    dialog.remove_layer()
    assert dialog.ok_button.isEnabled() and dialog.problems() == {}


def test_focus_makes_a_row_current(dialog, qtbot):
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    dialog.size_edit(1).setFocus()
    qtbot.waitUntil(dialog.size_edit(1).hasFocus)
    dialog.add_layer()
    assert [ly.name for ly in dialog.spec().layers] == ["i", "h", "h2", "o"]
    assert dialog.size_edit(2).hasFocus()


# ------------------------------------------------------------------------ edit_network
@pytest.fixture
def session(qtbot):
    s = Session(load_preset("mazur"), "mazur")
    yield s
    # Session's cleanChanged lambda outlives its undo stack: a stack that is not clean when
    # it is destroyed calls it on a deleted object (stderr noise, not a failure).
    s.undo_stack.clear()


@pytest.fixture
def notes(monkeypatch):
    shown: list[list[str]] = []
    monkeypatch.setattr(network_dialog, "_inform", lambda parent, title, n: shown.append(n))
    return shown


def test_edit_network_grows_the_hidden_layer_as_one_undoable_step(session, qtbot, monkeypatch, notes):
    s = session
    w_before = [w.copy() for w in s.network.weights]

    def run(d: NetworkDialog) -> bool:
        qtbot.addWidget(d)
        retype(qtbot, d.size_edit(1), "3")
        d.accept()
        return d.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(network_dialog, "_run", run)
    assert edit_network(s, None) is True
    net = s.network
    assert net.sizes == [2, 3, 2]
    assert np.array_equal(net.weights[0][:2], [[0.15, 0.20], [0.25, 0.30]])  # w1..w4
    assert np.array_equal(net.weights[1][:, :2], [[0.40, 0.45], [0.50, 0.55]])  # w5..w8
    assert np.array_equal(net.biases[1], [0.6, 0.6]) and net.train_biases is False
    assert s.undo_stack.undoText() == "Change the network"
    assert notes == [
        [
            "Kept 8 of 12 weights; 4 drawn from seed 0, uniform ±0.5.",
            "Kept 4 of 5 biases; 1 drawn from seed 0, uniform ±0.5.",
        ]
    ]
    s.undo_stack.undo()
    assert s.network.sizes == [2, 2, 2]
    for a, b in zip(s.network.weights, w_before, strict=True):
        assert np.array_equal(a, b)
    s.undo_stack.redo()
    assert s.network.sizes == [2, 3, 2]


def test_edit_network_keeps_the_current_weights(session, qtbot, monkeypatch, notes):
    s = session
    s.edit_parameter("edge", (0, 0, 0), 0.9)
    monkeypatch.setattr(network_dialog, "_run", lambda d: True)  # OK without a change
    assert edit_network(s, None)
    assert s.network.weights[0][0, 0] == 0.9 and notes == []


def test_new_network_replaces_the_document(session, qtbot, monkeypatch, notes):
    s = session
    seen = []

    def run(d):
        seen.append(d.windowTitle())
        return True

    monkeypatch.setattr(network_dialog, "_run", run)
    assert edit_network(s, None, new=True)
    assert seen == ["New network"]
    assert s.network.sizes == [2, 2, 1] and s.doc.title == "New network"
    assert s.undo_stack.undoText() == "New network"
    assert notes == [["The data is a placeholder: 1 sample of zeros."]]
    s.undo_stack.undo()
    assert s.network.sizes == [2, 2, 2]


def test_cancel_or_training_changes_nothing(session, qtbot, monkeypatch, notes):
    s = session
    monkeypatch.setattr(network_dialog, "_run", lambda d: False)
    assert edit_network(s, None) is False
    assert s.undo_stack.count() == 0 and s.network.sizes == [2, 2, 2]
    told = []
    monkeypatch.setattr(network_dialog.QMessageBox, "information", lambda *a: told.append(a[2]))
    monkeypatch.setattr(network_dialog, "_run", lambda d: pytest.fail("opened while training"))
    s.set_training(True)
    assert edit_network(s, None) is False
    assert told == ["Pause training before changing the network."]
    s.set_training(False)


def test_the_dialog_renders(dialog, qtbot, tmp_path):
    dialog.show()
    qtbot.waitExposed(dialog)
    retype(qtbot, dialog.size_edit(1), "abc")
    img = dialog.grab()
    assert not img.isNull() and img.width() > 400
