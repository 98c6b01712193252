"""The network dialog's classification parts: the losses (cross-entropy, binary cross-entropy)
with their formulas, softmax as an output activation, derived input features as check boxes
that add input neurons; invalid combinations are explained inline with OK disabled, never an
exception; a softmax + cross-entropy network with features built in it trains."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from bpviz.core.build import build_document, default_spec, spec_from_document
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.dialogs import network_dialog
from bpviz.gui.dialogs.network_dialog import NetworkDialog, edit_network
from bpviz.gui.panels.data_editor.generate_plan import apply_plan, make_plan
from bpviz.gui.session import Session


def choose(combo, value) -> None:
    i = combo.findData(value)
    assert i >= 0, value
    combo.setCurrentIndex(i)


def retype(edit, text: str) -> None:
    edit.selectAll()
    edit.insert(text)


@pytest.fixture
def new_dialog(qtbot):
    d = NetworkDialog(default_spec(), title="New network", new=True)
    qtbot.addWidget(d)
    return d


def test_the_losses_and_softmax_are_offered_with_their_formulas(new_dialog):
    d = new_dialog
    names = [d.loss_combo.itemData(i) for i in range(d.loss_combo.count())]
    assert names == ["half_sse", "sse", "mse", "cross_entropy", "binary_cross_entropy"]
    out = d.activation_combo(2)
    assert out.findData("softmax") >= 0
    retype(d.size_edit(2), "2")
    choose(out, "softmax")
    choose(d.loss_combo, "cross_entropy")
    i = d.loss_combo.currentIndex()
    assert "ln(out)" in d.loss_combo.itemText(i)
    assert "ln(out)" in d.loss_combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert "ln(out)" in d.loss_combo.toolTip() and d.ok_button.isEnabled()


def test_features_add_input_neurons_named_after_their_formula(new_dialog):
    d = new_dialog
    assert list(d.feature_checks) == ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    # named after the input layer ("i" in a new network): i1², …
    assert [c.text() for c in d.feature_checks.values()] == ["i1²", "i2²", "i1·i2", "sin i1", "sin i2"]
    d.feature_checks["x1^2"].setChecked(True)
    d.feature_checks["x1*x2"].setChecked(True)
    spec = d.spec()
    assert spec.features == ["x1^2", "x1*x2"] and spec.sizes[0] == 4 and spec.n_raw == 2
    assert d.size_edit(0).text() == "2"  # the field keeps the raw inputs
    assert "i1², i1·i2" in d.message.text() and "4 neurons" in d.features_note.text()
    doc, _ = build_document(spec)
    assert doc.network.labels.neurons[0] == ["i1", "i2", "i1²", "i1·i2"]
    assert doc.inputs.shape[1] == 2


def test_the_feature_choices_follow_the_raw_inputs(new_dialog):
    d = new_dialog
    d.feature_checks["x1^2"].setChecked(True)
    d.feature_checks["sin(x2)"].setChecked(True)
    retype(d.size_edit(0), "1")
    assert list(d.feature_checks)[:2] == ["x1^2", "sin(x1)"]
    # sin(x2) stays, marked: the data has no x2 any more
    assert "sin(x2)" in d.feature_checks and not d.ok_button.isEnabled()
    assert d.message.text().startswith("Input features") and "uses input 2" in d.message.text()
    d.feature_checks["sin(x2)"].setChecked(False)
    assert d.ok_button.isEnabled() and d.spec().features == ["x1^2"]
    retype(d.size_edit(0), "3")
    assert len(d.feature_checks) == 9
    retype(d.size_edit(0), "12")
    assert "up to 4 raw inputs" in d.features_note.text()
    assert d.spec().features == ["x1^2"] and d.spec().sizes[0] == 13


def test_invalid_combinations_are_explained_and_ok_is_disabled(new_dialog):
    d = new_dialog
    choose(d.activation_combo(1), "softmax")  # a hidden layer
    assert not d.ok_button.isEnabled() and d.spec() is None
    assert "only be the output layer" in d.message.text()
    assert d.invalid_widgets()[d.activation_combo(1)]
    choose(d.activation_combo(1), "sigmoid")
    choose(d.loss_combo, "cross_entropy")  # the output is sigmoid
    assert not d.ok_button.isEnabled() and "needs a softmax output" in d.message.text()
    assert d.loss_combo in d.invalid_widgets()
    assert not d.output_button.isHidden() and "softmax" in d.output_button.text()
    d.output_button.click()
    assert d.activation_combo(2).currentData() == "softmax"
    assert "at least 2 neurons" in d.message.text()  # a 1-neuron softmax is always 1
    retype(d.size_edit(2), "3")
    assert d.ok_button.isEnabled() and d.output_button.isHidden()
    choose(d.loss_combo, "binary_cross_entropy")
    assert "sigmoid" in d.output_button.text() and not d.ok_button.isEnabled()


def test_targets_that_do_not_suit_the_loss_are_explained(qtbot):
    doc = load_preset("xor")  # one output, targets 0/1
    d = NetworkDialog(spec_from_document(doc), doc=doc)
    qtbot.addWidget(d)
    retype(d.size_edit(2), "2")
    choose(d.activation_combo(2), "softmax")
    choose(d.loss_combo, "cross_entropy")
    assert not d.ok_button.isEnabled() and d.spec() is None
    assert "Data → Generate" in d.message.text() and d.loss_combo in d.invalid_widgets()
    choose(d.loss_combo, "half_sse")
    assert d.ok_button.isEnabled()


def test_a_softmax_cross_entropy_network_with_features_trains(new_dialog):
    d = new_dialog
    retype(d.size_edit(1), "4")
    retype(d.size_edit(2), "2")
    choose(d.activation_combo(2), "softmax")
    choose(d.loss_combo, "cross_entropy")
    d.feature_checks["x1^2"].setChecked(True)
    d.feature_checks["x2^2"].setChecked(True)
    assert d.ok_button.isEnabled(), d.message.text()
    doc, _ = build_document(d.spec())
    assert doc.network.sizes == [4, 4, 2] and doc.network.features == ("x1^2", "x2^2")
    plan = make_plan({"name": "circle", "samples": 40, "seed": 1}, doc)
    assert plan.ok and plan.n_out == 2
    doc, _ = apply_plan(plan, doc)
    t = Trainer(doc)
    e0 = t.test_error()
    t.run(max_steps=20)
    assert t.step == 20 and np.isfinite(t.test_error()) and t.test_error() != e0
    assert t.accuracy() is not None


def test_edit_network_with_features_is_one_undo_step(qtbot, monkeypatch):
    s = Session(load_preset("xor"), "xor")

    def run(dlg):
        dlg.feature_checks["x1*x2"].setChecked(True)
        return True

    monkeypatch.setattr(network_dialog, "_run", run)
    monkeypatch.setattr(network_dialog, "_inform", lambda *a: None)
    w = s.network.weights[1].copy()
    assert edit_network(s, None)
    assert s.network.features == ("x1*x2",) and s.network.sizes == [3, 2, 1]
    assert s.doc.inputs.shape == (4, 2) and np.array_equal(s.network.weights[1], w)
    assert s.undo_stack.count() == 1
    s.undo_stack.undo()
    assert s.network.features == () and s.network.sizes == [2, 2, 1]
    s.undo_stack.clear()


def test_fits_a_projector_screen(qtbot):
    """At 2× font zoom the dialog still fits 1024 × 768 (the rest scrolls)."""
    from bpviz.gui.theme import apply_font_zoom

    apply_font_zoom(2.0)
    try:
        doc = load_preset("xor")
        d = NetworkDialog(spec_from_document(doc), doc=doc)
        qtbot.addWidget(d)
        assert d.minimumSizeHint().width() <= 1024 and d.minimumSizeHint().height() <= 768
    finally:
        apply_font_zoom(1.0)
